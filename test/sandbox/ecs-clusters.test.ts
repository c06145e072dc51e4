/** Cluster operations: update, capacity providers, counts, tags on request, delete. */
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DescribeClustersCommand, PutClusterCapacityProvidersCommand,
  UpdateClusterCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, type Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, rejectionOf, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('clusters', () => {
  it('defaults settings to containerInsights disabled and UpdateCluster changes them', async () => {
    const ecs = accountOn(sandbox).ecs();
    const created = await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    expect(created.cluster?.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
    const updated = await ecs.send(new UpdateClusterCommand({ cluster: 'c', settings: [{ name: 'containerInsights', value: 'enhanced' }] }));
    expect(updated.cluster?.settings).toEqual([{ name: 'containerInsights', value: 'enhanced' }]);
    expect((await rejectionOf(ecs.send(new UpdateClusterCommand({ cluster: 'ghost', settings: [] })))).name).toBe('ClusterNotFoundException');
  });

  it('describes the configuration only with include CONFIGURATIONS, updates it and the Service Connect defaults, and an empty namespace removes them', async () => {
    const ecs = accountOn(sandbox).ecs();
    const configuration = { executeCommandConfiguration: { logging: 'DEFAULT' as const } };
    const created = await ecs.send(new CreateClusterCommand({ clusterName: 'c', configuration, serviceConnectDefaults: { namespace: 'a' } }));
    expect(created.cluster).toMatchObject({ configuration, serviceConnectDefaults: { namespace: 'a' } });
    const plain = (await ecs.send(new DescribeClustersCommand({ clusters: ['c'] }))).clusters?.[0];
    expect(plain).not.toHaveProperty('configuration');
    expect(plain?.serviceConnectDefaults).toEqual({ namespace: 'a' });

    const changed = { executeCommandConfiguration: { logging: 'NONE' as const } };
    await ecs.send(new UpdateClusterCommand({ cluster: 'c', configuration: changed, serviceConnectDefaults: { namespace: 'b' } }));
    const described = (await ecs.send(new DescribeClustersCommand({ clusters: ['c'], include: ['CONFIGURATIONS'] }))).clusters?.[0];
    expect(described).toMatchObject({ configuration: changed, serviceConnectDefaults: { namespace: 'b' } });

    await ecs.send(new UpdateClusterCommand({ cluster: 'c', serviceConnectDefaults: { namespace: '' } }));
    const cleared = (await ecs.send(new DescribeClustersCommand({ clusters: ['c'], include: ['CONFIGURATIONS'] }))).clusters?.[0];
    expect(cleared).not.toHaveProperty('serviceConnectDefaults');
    expect(cleared?.configuration).toEqual(changed);
  });

  it('refuses a default strategy naming a provider the cluster does not have', async () => {
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    const err = await rejectionOf(ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: 'c', capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    })));
    expect(err.name).toBe('InvalidParameterException');
  });

  it('counts active services and running tasks, returns tags only with include TAGS, and refuses to delete a cluster with services', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 2, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['c'] }));
    expect(described.clusters?.[0]).toMatchObject({ activeServicesCount: 1, runningTasksCount: 2, pendingTasksCount: 0, tags: [] });
    const err = await rejectionOf(ecs.send(new DeleteClusterCommand({ cluster: 'c' })));
    expect(err.name).toBe('ClusterContainsServicesException');
    await ecs.send(new CreateClusterCommand({ clusterName: 'empty', tags: [{ key: 'k', value: 'v' }] }));
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ['empty'], include: ['TAGS'] }))).clusters?.[0]?.tags).toEqual([{ key: 'k', value: 'v' }]);
    expect((await ecs.send(new DeleteClusterCommand({ cluster: 'empty' }))).cluster?.status).toBe('INACTIVE');
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ['empty'] }))).failures?.[0]?.reason).toBe('MISSING');
  });
});
