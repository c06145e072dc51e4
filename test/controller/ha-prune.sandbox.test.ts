/**
 * Pruning under HA (docs/ha.md): two replicas, each a controller behind a
 * real LeaseManager on moto's DynamoDB with driven clocks, over the sandbox's
 * ECS and EventBridge Scheduler through the real SDKs.
 *
 * - With --ha-buckets 4, a schedule no manifest declares any more whose
 *   cluster hashes to a bucket other than 0 is deleted by that bucket's
 *   holder, not passed over because only bucket 0's holder scanned the group.
 * - A location that left the manifests keeps its shard, so an owned service
 *   left there is still pruned by the replica holding it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import { LeaseManager } from '../../src/ha/lease-manager.js';
import { bucketOf, rendezvousOwner } from '../../src/ha/shards.js';
import { DEFAULT_LEASE_TIMINGS, type LeaseTable } from '../../src/ha/types.js';
import { MUTATING_SCHEDULER_OPERATIONS, type SchedulerApi, type SchedulerOperation } from '../../src/scheduler/scheduler-api.js';
import { createSdkSchedulerApi } from '../../src/scheduler/scheduler-sdk-adapter.js';
import { motoLeaseTable } from '../support/moto.js';
import { ManifestDir, REGION, controllerFor, sandboxWorld, scheduledTaskManifest, serviceManifest, type SandboxWorld } from './harness.js';

const OTHER_REGION = 'us-east-1';

/** Two replica ids rendezvous hashing gives `a` and `b` respectively (found by trying, deterministic per run). */
function replicaIdsSplitting(a: string, b: string): [string, string] {
  for (;;) {
    const ids = [`r-${randomUUID().slice(0, 6)}`, `r-${randomUUID().slice(0, 6)}`] as [string, string];
    if (rendezvousOwner(a, ids) === ids[0] && rendezvousOwner(b, ids) === ids[1]) return ids;
  }
}

describe('pruning behind shard leases', () => {
  let world: SandboxWorld;
  let table: LeaseTable;
  let dir: ManifestDir;
  const controllers: Controller[] = [];
  const managers: LeaseManager[] = [];
  const cleanups: Array<() => void> = [];
  const clocks = { wall: 1_800_000_000_000, mono: 1_000 };

  beforeAll(async () => {
    world = await sandboxWorld();
    table = await motoLeaseTable('prune', REGION);
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    for (const m of managers.splice(0)) await m.close();
    for (const cleanup of cleanups.splice(0)) cleanup();
    await dir.dispose();
  });
  afterAll(async () => {
    await world.sandbox.close();
  });

  function replica(replicaId: string, buckets: number, overrides: Parameters<typeof controllerFor>[1]): { controller: Controller; manager: LeaseManager } {
    const manager = new LeaseManager({
      table, settings: { ...DEFAULT_LEASE_TIMINGS, table: table.name, replicaId, bucketsPerLocation: buckets, createTable: true },
      wallClock: () => clocks.wall, monotonic: () => clocks.mono, setTimer: () => () => undefined,
    });
    managers.push(manager);
    const controller = controllerFor(world.controllerApi, { shards: manager, fence: manager, followRollouts: false, workers: 8, prune: true, ...overrides });
    controllers.push(controller);
    return { controller, manager };
  }

  /** One lease round of every replica, one after the other (the first round of each only heartbeats and reads). */
  async function round(): Promise<void> {
    for (const m of managers) await m.tick();
  }

  async function snapshotAll(revision: string): Promise<void> {
    for (const c of controllers) c.setSnapshot(await dir.load(revision));
    await idle();
  }

  async function idle(): Promise<void> {
    for (const c of controllers) await c.waitForIdle({ requeues: true });
  }

  it('--ha-buckets 4: a schedule left in a cluster of bucket 2 is deleted by the holder of that bucket', async () => {
    dir = await ManifestDir.create();
    expect(bucketOf('demo', 4)).toBe(2);
    const [zeroHolder, twoHolder] = replicaIdsSplitting(`${REGION}#0`, `${REGION}#2`);
    const config = world.sandbox.clientConfig({ accountId: world.accountId, region: REGION });
    const { api: raw, client } = createSdkSchedulerApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
    cleanups.push(() => client.destroy());
    /** Each replica's mutating Scheduler calls. */
    const writes = new Map<string, SchedulerOperation[]>();
    const counted = (id: string): SchedulerApi => ({
      send(operation, input, signal) {
        if (MUTATING_SCHEDULER_OPERATIONS.has(operation)) writes.set(id, [...(writes.get(id) ?? []), operation]);
        return raw.send(operation, input, signal);
      },
    });
    // A service in detect mode keeps the snapshot declaring something once the job leaves (the prune guards).
    await dir.write('web.yaml', [serviceManifest({ name: 'web', mode: 'detect' })]);
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report', { schedule: 'rate(1 hour)' })]);
    const zero = replica(zeroHolder, 4, { scheduler: counted(zeroHolder) });
    const two = replica(twoHolder, 4, { scheduler: counted(twoHolder) });
    for (const c of controllers) await c.start();
    await snapshotAll('rev-1');
    await round();
    await round();
    await idle();
    expect(zero.manager.held()).toContain(`${REGION}#0`);
    expect(two.manager.held()).toContain(`${REGION}#2`);
    expect(writes.get(twoHolder)).toContain('CreateSchedule');
    await raw.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' });

    writes.clear();
    await dir.remove('jobs/report.yaml');
    await snapshotAll('rev-2');
    await expect(raw.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).rejects.toMatchObject({ code: 'AWS_SCHEDULER_NOT_FOUND' });
    expect(Object.fromEntries(writes)).toEqual({ [twoHolder]: ['DeleteSchedule'] });
    expect(two.controller.status.snapshot().scheduledTasks ?? []).toEqual([]);
    // Bucket 0's holder scanned the group too but kept no verdict or record for a key of another replica's shard.
    expect(zero.controller.status.snapshot().scheduledTasks ?? []).toEqual([]);
  });

  it('a location that left the manifests keeps its shard: an owned service left there is pruned by a replica', async () => {
    dir = await ManifestDir.create();
    world.sandbox.admin.seed({ accounts: [{ accountId: world.accountId, region: OTHER_REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    const config = world.sandbox.clientConfig({ accountId: world.accountId, region: OTHER_REGION });
    const { api: otherApi, client } = createSdkEcsApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
    cleanups.push(() => client.destroy());
    const deletes: string[] = [];
    const other: EcsApi = {
      send(operation, input, signal) {
        if (operation === 'DeleteService') deletes.push(operation);
        return otherApi.send(operation, input, signal);
      },
    };
    const ecs = (location: string): EcsApi => (location === OTHER_REGION ? other : world.controllerApi);
    const orphan = serviceManifest({ name: 'leftover', mode: 'detect' });
    (orphan.metadata as Record<string, unknown>).region = OTHER_REGION;
    delete (orphan.spec as Record<string, unknown>).sync;
    await dir.write('web.yaml', [serviceManifest({ name: 'web', mode: 'detect' })]);
    await dir.write('leftover.yaml', [orphan]);
    const [a, b] = replicaIdsSplitting(REGION, OTHER_REGION);
    replica(a, 1, { ecs });
    replica(b, 1, { ecs });
    for (const c of controllers) await c.start();
    await snapshotAll('rev-1');
    // Leases still held by the first test's replicas (closed: released) are free now.
    await round();
    await round();
    await idle();
    // (The table also holds the first test's bucket shards: every replica keeps a shard that has a lease item.)
    expect(managers[1]?.held()).toContain(OTHER_REGION);
    const live = await otherApi.send('DescribeServices', { cluster: 'demo', services: ['leftover'] });
    expect(live.services?.[0]?.status).toBe('ACTIVE');

    // The last manifest of us-east-1 goes in a revision with an error (no prune then), and the lease rounds go on.
    await dir.remove('leftover.yaml');
    await dir.write('broken.yaml', 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: [unclosed\n');
    await snapshotAll('rev-2');
    expect(controllers[1]?.lastPrune()?.blocked?.reason).toBe('snapshot_errors');
    await round();
    await round();

    // The error is fixed: the replica holding us-east-1 prunes its orphan.
    await dir.remove('broken.yaml');
    await snapshotAll('rev-3');
    expect(deletes).toEqual(['DeleteService']);
    const after = await otherApi.send('DescribeServices', { cluster: 'demo', services: ['leftover'] });
    expect(after.services?.[0]?.status ?? 'MISSING').not.toBe('ACTIVE');
    expect(controllers[1]?.lastPrune()).toMatchObject({ deleted: [`${OTHER_REGION}/demo/leftover`] });
    // us-east-1 stays a shard (the pruner remembers its cluster) and is still held.
    expect(managers.flatMap((m) => m.held())).toEqual(expect.arrayContaining([OTHER_REGION, REGION]));
  });
});
