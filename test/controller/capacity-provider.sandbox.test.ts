/**
 * kind: CapacityProvider against the sandbox over HTTP with the real SDK (the
 * cases: capacity-provider-suite.ts), including the --prune scan that lists
 * every provider, which moto cannot; and one case from manifest files through
 * the loader to the status snapshot /api/v1/status serves.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { capacityProviderSuite } from './capacity-provider-suite.js';
import { ManifestDir, REGION, controllerFor, sandboxWorld, type SandboxWorld } from './harness.js';

capacityProviderSuite({
  name: 'the sandbox',
  skip: false,
  listsProviders: true,
  async world() {
    const world = await sandboxWorld();
    return { api: world.api, dispose: () => world.sandbox.close() };
  },
});

describe('kind: CapacityProvider from manifest files (sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await world.sandbox.close();
    await dir.dispose();
  });

  it('loads, creates and attaches a provider, shows it in the status snapshot, and a second pass writes nothing', async () => {
    const asg = `arn:aws:autoscaling:${REGION}:${world.accountId}:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/ec2-asg`;
    await dir.write('providers/ec2.yaml', [{
      apiVersion: 'ecs-gitops/v1', kind: 'CapacityProvider', metadata: { name: 'ec2' },
      spec: { autoScalingGroupProvider: { autoScalingGroupArn: asg, managedScaling: { status: 'ENABLED', targetCapacity: 90 } }, tags: { team: 'infra' } },
    }]);
    await dir.write('clusters/ec2.yaml', [{
      apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'ec2-cluster' },
      spec: { capacityProviders: ['ec2'], defaultCapacityProviderStrategy: [{ capacityProvider: 'ec2', weight: 1 }] },
    }]);
    const snapshot = await dir.load('rev-1');
    expect(snapshot.problems).toEqual([]);
    controller = controllerFor(world.controllerApi);
    controller.setSnapshot(snapshot);
    await controller.waitForIdle();
    expect(world.counter.count('CreateCapacityProvider')).toBe(1);
    const cluster = (await world.api.send('DescribeClusters', { clusters: ['ec2-cluster'] })).clusters?.[0];
    expect(cluster?.capacityProviders).toEqual(['ec2']);
    expect(controller.status.snapshot().capacityProviders).toEqual([expect.objectContaining({
      key: `capacity-provider:${REGION}/ec2`, name: 'ec2', sync: 'Synced', source: 'providers/ec2.yaml', lastAppliedRevision: 'rev-1', diff: [],
    })]);

    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle();
    expect(world.counter.mutatingCalls()).toBe(0);
  });
});
