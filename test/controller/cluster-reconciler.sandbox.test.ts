/**
 * `kind: Cluster` against the sandbox: a missing cluster is created with the
 * ownership tags; a changed manifest leads to UpdateCluster (settings,
 * configuration, Service Connect defaults) or PutClusterCapacityProviders
 * (providers, default strategy) and tag calls, each exactly once, and the
 * revision tag follows the revision that changed the cluster; a console change
 * is corrected at the next resync; a converged cluster costs no mutating call,
 * even at a new revision.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { createLogger } from '../../src/observe/logger.js';
import { ManifestDir, REGION, controllerFor, sandboxWorld, type ClusterSpec, type SandboxWorld } from './harness.js';


const clusterManifest = (spec: ClusterSpec) => ({ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'ops', region: REGION }, spec });

const INITIAL: ClusterSpec = {
  settings: [{ name: 'containerInsights', value: 'enabled' }],
  capacityProviders: ['FARGATE'],
  defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
  tags: { env: 'test' },
};

describe('cluster reconciler against the sandbox', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller;

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await world.sandbox.close();
    await dir.dispose();
  });

  const liveCluster = async () => (await world.api.send('DescribeClusters', { clusters: ['ops'], include: ['TAGS', 'CONFIGURATIONS'] })).clusters?.[0];
  const revisionTagOf = async () => tagsOf((await liveCluster())?.tags)['ecs-gitops/revision'];
  const tagsOf = (tags: readonly { key?: string; value?: string }[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
  const calls = () => Object.fromEntries(world.counter.counts);
  /** Applies `spec` as a new revision and waits until the controller has nothing left to do. */
  const apply = async (spec: ClusterSpec, revision: string) => {
    world.counter.reset();
    await dir.write('clusters/ops.yaml', [clusterManifest(spec)]);
    controller.setSnapshot(await dir.load(revision));
    await controller.waitForIdle({ requeues: true });
  };
  const mutatingCallsOf = (ops: readonly string[]) => Object.fromEntries(ops.map((op) => [op, world.counter.count(op as never)]));
  const CLUSTER_MUTATIONS = ['CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'TagResource', 'UntagResource'] as const;

  it('creates the cluster with the ownership tags, applies changed settings, providers and tags once each, and converges', async () => {
    controller = controllerFor(world.controllerApi);
    await apply(INITIAL, 'rev-1');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 1, UpdateCluster: 0, PutClusterCapacityProviders: 0, TagResource: 0, UntagResource: 0,
    });
    const created = await liveCluster();
    expect(created).toMatchObject({
      status: 'ACTIVE',
      settings: [{ name: 'containerInsights', value: 'enabled' }],
      capacityProviders: ['FARGATE'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });
    expect(tagsOf(created?.tags)).toEqual({
      env: 'test',
      'ecs-gitops/managed-by': 'ecs-gitops',
      'ecs-gitops/source': 'clusters/ops.yaml',
      'ecs-gitops/revision': 'rev-1',
    });

    // Settings only: one UpdateCluster, and the revision tag follows.
    await apply({ ...INITIAL, settings: [{ name: 'containerInsights', value: 'disabled' }] }, 'rev-2');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 1, PutClusterCapacityProviders: 0, TagResource: 1, UntagResource: 0,
    });
    expect((await liveCluster())?.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
    expect(await revisionTagOf()).toBe('rev-2');

    // Capacity providers and default strategy: one PutClusterCapacityProviders.
    const providers: ClusterSpec = {
      ...INITIAL,
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }],
    };
    await apply(providers, 'rev-3');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 0, PutClusterCapacityProviders: 1, TagResource: 1, UntagResource: 0,
    });
    const afterProviders = await liveCluster();
    expect(afterProviders?.capacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
    expect(afterProviders?.defaultCapacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE', weight: 1, base: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 },
    ]);

    // The default strategy alone (same providers): one PutClusterCapacityProviders too.
    providers.defaultCapacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 2 }];
    await apply(providers, 'rev-3b');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 0, PutClusterCapacityProviders: 1, TagResource: 1, UntagResource: 0,
    });
    expect(await liveCluster()).toMatchObject({
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 2 }],
    });

    // Tags: a changed value is set (with the revision, in the same call), a dropped key removed; ownership tags stay.
    await apply({ ...providers, tags: { env: 'prod', team: 'platform' } }, 'rev-4');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 0, PutClusterCapacityProviders: 0, TagResource: 1, UntagResource: 0,
    });
    await apply({ ...providers, tags: { team: 'platform' } }, 'rev-5');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 0, PutClusterCapacityProviders: 0, TagResource: 1, UntagResource: 1,
    });
    const tags = tagsOf((await liveCluster())?.tags);
    expect(tags).toEqual({ team: 'platform', 'ecs-gitops/managed-by': 'ecs-gitops', 'ecs-gitops/source': 'clusters/ops.yaml', 'ecs-gitops/revision': 'rev-5' });

    // A new revision that leaves the cluster as it is: no call, not even for the revision tag.
    await apply({ ...providers, tags: { team: 'platform' } }, 'rev-6');
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
    expect(await revisionTagOf()).toBe('rev-5');

    // Converged: a resync changes nothing.
    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
    expect(world.counter.count('DescribeClusters')).toBeGreaterThan(0);
  });

  it('corrects console changes to settings and capacity providers at the next resync', async () => {
    controller = controllerFor(world.controllerApi);
    await apply(INITIAL, 'rev-1');
    await world.api.send('UpdateCluster', { cluster: 'ops', settings: [{ name: 'containerInsights', value: 'disabled' }] });
    await world.api.send('PutClusterCapacityProviders', {
      cluster: 'ops', capacityProviders: ['FARGATE_SPOT'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    });

    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 1, PutClusterCapacityProviders: 1, TagResource: 0, UntagResource: 0,
    });
    expect(await liveCluster()).toMatchObject({
      settings: [{ name: 'containerInsights', value: 'enabled' }],
      capacityProviders: ['FARGATE'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });

    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
  });

  it('in detect mode reports a differing cluster and changes nothing', async () => {
    controller = controllerFor(world.controllerApi);
    await apply(INITIAL, 'rev-1');
    await controller.stop({ graceMs: 100 });

    const logLines: Record<string, unknown>[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    });
    controller = controllerFor(world.controllerApi, { mode: 'detect', logger: createLogger({ level: 'info', destination: sink }) });
    await apply({ ...INITIAL, settings: [{ name: 'containerInsights', value: 'disabled' }], capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }, 'rev-2');
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
    expect(logLines.filter((l) => l.msg === 'cluster differs (detect mode)').map((l) => l.changes)).toEqual([['UpdateCluster', 'PutClusterCapacityProviders', 'TagResource']]);
    expect(await liveCluster()).toMatchObject({ settings: [{ name: 'containerInsights', value: 'enabled' }], capacityProviders: ['FARGATE'] });
  });
  const EXEC_DEFAULT = { executeCommandConfiguration: { logging: 'DEFAULT' } };
  const EXEC_NONE = { executeCommandConfiguration: { logging: 'NONE' } };

  it('applies a changed configuration and Service Connect namespace with one UpdateCluster each, and converges', async () => {
    const updateClusterInputs: unknown[] = [];
    const recordingApi: EcsApi = {
      send: (operation, input, signal) => {
        if (operation === 'UpdateCluster') updateClusterInputs.push(input);
        return world.controllerApi.send(operation, input, signal);
      },
    };
    controller = controllerFor(recordingApi);
    await apply({ ...INITIAL, configuration: EXEC_DEFAULT, serviceConnectDefaults: { namespace: 'a' } }, 'rev-1');
    expect(await liveCluster()).toMatchObject({ configuration: EXEC_DEFAULT, serviceConnectDefaults: { namespace: 'a' } });

    await apply({ ...INITIAL, configuration: EXEC_NONE, serviceConnectDefaults: { namespace: 'a' } }, 'rev-2');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 1, PutClusterCapacityProviders: 0, TagResource: 1, UntagResource: 0,
    });
    // Only the changed field is sent.
    expect(updateClusterInputs).toEqual([{ cluster: 'ops', configuration: EXEC_NONE }]);
    expect(await liveCluster()).toMatchObject({ configuration: EXEC_NONE, serviceConnectDefaults: { namespace: 'a' } });
    expect(await revisionTagOf()).toBe('rev-2');

    updateClusterInputs.length = 0;
    await apply({ ...INITIAL, configuration: EXEC_NONE, serviceConnectDefaults: { namespace: 'b' } }, 'rev-3');
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 1, PutClusterCapacityProviders: 0, TagResource: 1, UntagResource: 0,
    });
    expect(updateClusterInputs).toEqual([{ cluster: 'ops', serviceConnectDefaults: { namespace: 'b' } }]);
    expect(await liveCluster()).toMatchObject({ configuration: EXEC_NONE, serviceConnectDefaults: { namespace: 'b' } });
    expect(await revisionTagOf()).toBe('rev-3');

    // Converged: a resync changes nothing.
    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
  });

  it('corrects a console change to the configuration, keeping a sub-configuration the manifest does not mention', async () => {
    controller = controllerFor(world.controllerApi);
    await apply({ ...INITIAL, configuration: EXEC_NONE }, 'rev-1');
    const managedStorageConfiguration = { fargateEphemeralStorageKmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/storage' };
    await world.api.send('UpdateCluster', {
      cluster: 'ops',
      configuration: { executeCommandConfiguration: { logging: 'DEFAULT' }, managedStorageConfiguration },
    });

    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 1, PutClusterCapacityProviders: 0, TagResource: 0, UntagResource: 0,
    });
    expect((await liveCluster())?.configuration).toEqual({ ...EXEC_NONE, managedStorageConfiguration });

    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
  });

  it('takes a configuration that spells out ECS defaults as equal to a cluster that sets nothing', async () => {
    await world.api.send('CreateCluster', { clusterName: 'ops', settings: INITIAL.settings, capacityProviders: INITIAL.capacityProviders, defaultCapacityProviderStrategy: INITIAL.defaultCapacityProviderStrategy, tags: [{ key: 'env', value: 'test' }, { key: 'ecs-gitops/adopt', value: 'ecs-gitops' }] });
    controller = controllerFor(world.controllerApi);
    await apply({
      ...INITIAL,
      configuration: { executeCommandConfiguration: { logging: 'DEFAULT', logConfiguration: { cloudWatchEncryptionEnabled: false } } },
    }, 'rev-1');
    // Adopting the cluster is a tag call; the configuration needs nothing.
    expect(mutatingCallsOf(CLUSTER_MUTATIONS), JSON.stringify(calls())).toEqual({
      CreateCluster: 0, UpdateCluster: 0, PutClusterCapacityProviders: 0, TagResource: 1, UntagResource: 0,
    });
    expect((await liveCluster())?.configuration).toBeUndefined();
  });

  it('in detect mode reports a changed configuration and namespace and writes nothing', async () => {
    controller = controllerFor(world.controllerApi);
    await apply({ ...INITIAL, configuration: EXEC_DEFAULT, serviceConnectDefaults: { namespace: 'a' } }, 'rev-1');
    await controller.stop({ graceMs: 100 });

    const logLines: Record<string, unknown>[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    });
    controller = controllerFor(world.controllerApi, { mode: 'detect', logger: createLogger({ level: 'info', destination: sink }) });
    await apply({ ...INITIAL, configuration: EXEC_NONE, serviceConnectDefaults: { namespace: 'b' } }, 'rev-2');
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
    expect(logLines.filter((l) => l.msg === 'cluster differs (detect mode)').map((l) => l.changes)).toEqual([['UpdateCluster', 'TagResource']]);
    expect(await liveCluster()).toMatchObject({ configuration: EXEC_DEFAULT, serviceConnectDefaults: { namespace: 'a' } });
    expect(await revisionTagOf()).toBe('rev-1');
  });
  it('compares the Service Connect namespace ARN to ARN, leaves a name it cannot match to an ARN alone, and removes the defaults for an empty namespace', async () => {
    const nsArn = (id: string) => `arn:aws:servicediscovery:${REGION}:${world.accountId}:namespace/ns-${id}`;
    controller = controllerFor(world.controllerApi);
    await apply({ ...INITIAL, serviceConnectDefaults: { namespace: nsArn('one') } }, 'rev-1');

    await apply({ ...INITIAL, serviceConnectDefaults: { namespace: nsArn('two') } }, 'rev-2');
    expect(world.counter.count('UpdateCluster'), JSON.stringify(calls())).toBe(1);
    expect((await liveCluster())?.serviceConnectDefaults).toEqual({ namespace: nsArn('two') });

    // ECS may answer with the ARN for a namespace given by name: no way to tell from DescribeClusters, so no call.
    await apply({ ...INITIAL, serviceConnectDefaults: { namespace: 'orders' } }, 'rev-3');
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);

    await apply({ ...INITIAL, serviceConnectDefaults: { namespace: '' } }, 'rev-4');
    expect(world.counter.count('UpdateCluster'), JSON.stringify(calls())).toBe(1);
    expect((await liveCluster())?.serviceConnectDefaults).toBeUndefined();

    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls(), JSON.stringify(calls())).toBe(0);
  });
});
