/**
 * kind: CapacityProvider against the sandbox over HTTP with the real SDK (the
 * cases: capacity-provider-suite.ts), including the --prune scan that lists
 * every provider, which moto cannot; and one case from manifest files through
 * the loader to the status snapshot /api/v1/status serves; and how a prune
 * reads ECS's answers: a delete answered DELETE_FAILED, and a provider
 * already DELETE_IN_PROGRESS.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from '../../src/ecs/ecs-api.js';
import { capacityProviderIdentity } from '../../src/keys/index.js';
import { ASG, cluster, capacityProviderSuite, provider, snapshot } from './capacity-provider-suite.js';
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

describe('pruning a capacity provider: what ECS answers (sandbox)', () => {
  let world: SandboxWorld;
  const controllers: Controller[] = [];
  const declared = provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG } });
  const keep = cluster('keep', {});

  beforeEach(async () => {
    world = await sandboxWorld();
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    await world.sandbox.close();
  });

  function start(api: EcsApi, prune: boolean): Controller {
    const c = controllerFor(api, { prune });
    controllers.push(c);
    return c;
  }

  /** world.controllerApi with `before` run ahead of each call and `after` given each answer. */
  function around(
    before: (op: EcsOperation) => Promise<void>, after: (op: EcsOperation, answer: unknown) => unknown = (_op, answer) => answer,
  ): EcsApi {
    return {
      async send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> {
        await before(operation);
        return after(operation, await world.controllerApi.send(operation, input, signal)) as EcsOutput<Op>;
      },
    };
  }

  async function createdByController(): Promise<void> {
    const first = start(world.controllerApi, false);
    first.setSnapshot(snapshot('rev-1', { providers: [declared], clusters: [keep] }));
    await first.waitForIdle();
    await first.stop();
    world.counter.reset();
  }

  it('a delete ECS answers with DELETE_FAILED keeps the status record, blocked with ECS\'s reason', async () => {
    await world.api.send('CreateCluster', { clusterName: 'elsewhere' });
    await createdByController();
    // A person attaches the provider between the pass's look at the clusters and its delete.
    const racing = around(async (op) => {
      if (op === 'DeleteCapacityProvider') {
        await world.api.send('PutClusterCapacityProviders', { cluster: 'elsewhere', capacityProviders: ['ec2'], defaultCapacityProviderStrategy: [] });
      }
    });
    const c = start(racing, true);
    c.setSnapshot(snapshot('rev-2', { clusters: [keep] }));
    await c.waitForIdle();
    expect(world.counter.count('DeleteCapacityProvider')).toBe(1);
    const status = c.status.getCapacityProvider(capacityProviderIdentity(REGION, 'ec2'));
    expect(status).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'DIFF_PRUNE_BLOCKED' } });
    expect(status?.lastError?.message).toContain('DELETE_FAILED');
    expect(status?.lastError?.message).toContain('associated with cluster: elsewhere');
    const live = (await world.api.send('DescribeCapacityProviders', { capacityProviders: ['ec2'] })).capacityProviders?.[0];
    expect(live).toMatchObject({ status: 'ACTIVE', updateStatus: 'DELETE_FAILED' });
  });

  it('a provider ECS reports DELETE_IN_PROGRESS is gone: neither the scan nor a queued pass deletes it again', async () => {
    await createdByController();
    const deleting = around(async () => undefined, (op, answer) => {
      if (op !== 'DescribeCapacityProviders') return answer;
      const out = answer as EcsOutput<'DescribeCapacityProviders'>;
      return { ...out, capacityProviders: out.capacityProviders?.map((p) => (p.name === 'ec2' ? { ...p, updateStatus: 'DELETE_IN_PROGRESS' } : p)) };
    });
    const c = start(deleting, true);
    c.setSnapshot(snapshot('rev-2', { clusters: [keep] }));
    await c.waitForIdle();
    c.queue.add(capacityProviderIdentity(REGION, 'ec2'));
    await c.waitForIdle();
    expect(world.counter.count('DeleteCapacityProvider')).toBe(0);
    expect(c.status.getCapacityProvider(capacityProviderIdentity(REGION, 'ec2'))).toBeUndefined();
  });
});
