/**
 * The controller as one HA replica (docs/ha.md): a real LeaseManager on
 * moto's DynamoDB, with its rounds and clocks driven by the test, is the
 * controller's shard gate and write fence, against the sandbox's ECS. A
 * replica without the shard reads and writes nothing of it; taking the shard
 * checks its keys at once at the ideal read cost; losing it drops its
 * statuses; a lease taken from under a pass refuses that pass's writes
 * before they reach ECS.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { LeaseManager } from '../../src/ha/lease-manager.js';
import { DEFAULT_LEASE_TIMINGS, type LeaseTable } from '../../src/ha/types.js';
import { motoLeaseTable } from '../support/moto.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const SERVICES = 12;
const SHARD = REGION;

describe('the controller behind a shard lease', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let table: LeaseTable;
  const controllers: Controller[] = [];
  const managers: LeaseManager[] = [];
  const clocks = { wall: 1_800_000_000_000, mono: 1_000 };

  beforeAll(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
    for (let i = 0; i < SERVICES; i++) await dir.write(`svc-${i}.yaml`, [serviceManifest({ name: `svc-${i}`, desiredCount: 1 })]);
    table = await motoLeaseTable('gate', REGION);
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    for (const m of managers.splice(0)) await m.close();
  });
  afterAll(async () => {
    await world.sandbox.close();
    await dir.dispose();
  });

  function replica(replicaId: string, api: EcsApi = world.controllerApi): { controller: Controller; manager: LeaseManager } {
    const manager = new LeaseManager({
      table, settings: { ...DEFAULT_LEASE_TIMINGS, table: table.name, replicaId, bucketsPerLocation: 1, createTable: true },
      wallClock: () => clocks.wall, monotonic: () => clocks.mono, setTimer: () => () => undefined,
    });
    managers.push(manager);
    const controller = controllerFor(api, { shards: manager, fence: manager, followRollouts: false, workers: 8 });
    controllers.push(controller);
    return { controller, manager };
  }

  function advance(ms: number): void {
    clocks.wall += ms;
    clocks.mono += ms;
  }

  /** Two minutes on (a lease an earlier case left with another holder expires), then the two rounds that take the shard. */
  async function takeShardOnceFree(manager: LeaseManager): Promise<void> {
    advance(120_000);
    await manager.tick();
    await manager.tick();
    expect(manager.held()).toEqual([SHARD]);
  }

  const synced = (c: Controller) => c.status.list().length === SERVICES && c.status.list().every((s) => s.sync === 'Synced');

  it('reads and writes nothing of a shard it does not hold, checks it at once when it takes it, and forgets it when it is lost', async () => {
    const { controller, manager } = replica(`r-${randomUUID().slice(0, 6)}`);
    await controller.start();
    world.counter.reset();
    controller.setSnapshot(await dir.load('rev-1'));
    await controller.waitForIdle({ requeues: true });
    // A standby: ready, no status, not one ECS call.
    expect(controller.ready()).toBe(true);
    expect(controller.status.list()).toEqual([]);
    expect([...world.counter.counts.values()].reduce((a, b) => a + b, 0)).toBe(0);

    // Two rounds: the first only heartbeats and reads, the second takes the shard and the controller checks its keys.
    await manager.tick();
    await manager.tick();
    expect(manager.held()).toEqual([SHARD]);
    await eventually(() => synced(controller), () => controller.status.list().map((s) => [s.key, s.sync]), 30_000);
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.count('CreateService')).toBe(SERVICES);

    // Lost (another holder took the expired lease): its statuses go, and a commit to it is not applied here.
    clocks.wall += DEFAULT_LEASE_TIMINGS.leaseMs + DEFAULT_LEASE_TIMINGS.clockSkewMs + 1;
    clocks.mono += DEFAULT_LEASE_TIMINGS.leaseMs + DEFAULT_LEASE_TIMINGS.clockSkewMs + 1;
    const epoch = (await table.leases()).find((l) => l.shard === SHARD)?.epoch ?? 0;
    expect(await table.acquire(SHARD, 'another-replica', { epoch }, clocks.wall + 60_000)).toBeDefined();
    await manager.tick();
    expect(manager.held()).toEqual([]);
    expect(controller.status.list()).toEqual([]);
    world.counter.reset();
    await dir.write('svc-0.yaml', [serviceManifest({ name: 'svc-0', desiredCount: 2 })]);
    controller.setSnapshot(await dir.load('rev-2'));
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect([...world.counter.counts.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect(controller.status.list()).toEqual([]);
  });

  it('takes a shard at the ideal read cost: ceil(n/10) DescribeServices, and applies only the commit the last holder had not', async () => {
    const { controller, manager } = replica(`r-${randomUUID().slice(0, 6)}`);
    await controller.start();
    controller.setSnapshot(await dir.load('rev-1'));
    // Free the lease the first test left with another holder: it expires.
    world.counter.reset();
    await takeShardOnceFree(manager);
    await eventually(() => controller.status.list().length === SERVICES, () => controller.status.list().length, 30_000);
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.count('DescribeServices')).toBe(Math.ceil(SERVICES / 10));
    // svc-0's desiredCount 2 (rev-2, committed while the shard was another's) is the only write.
    expect(world.counter.count('UpdateService')).toBe(1);
    expect(world.counter.count('CreateService') + world.counter.count('RegisterTaskDefinition')).toBe(0);
  });

  it('refuses the writes of a pass whose lease was taken again during it, before they reach ECS', async () => {
    let takeOver: (() => Promise<void>) | undefined;
    // The lease changes hands right after the pass's read: its write comes under an epoch no longer held.
    const api: EcsApi = {
      async send(operation, input, signal) {
        const out = await world.controllerApi.send(operation, input, signal);
        if (operation === 'DescribeServices' && takeOver) {
          const run = takeOver;
          takeOver = undefined;
          await run();
        }
        return out;
      },
    };
    const { controller, manager } = replica(`r-${randomUUID().slice(0, 6)}`, api);
    await controller.start();
    controller.setSnapshot(await dir.load('rev-2'));
    await takeShardOnceFree(manager);
    await eventually(() => controller.status.list().length === SERVICES, () => controller.status.list().length, 30_000);
    await controller.waitForIdle({ requeues: true });
    const epoch = manager.heldEpoch(SHARD) as number;
    world.counter.reset();
    takeOver = async () => {
      advance(120_000);
      expect(await table.acquire(SHARD, 'intruder', { epoch }, clocks.wall + 60_000)).toBeDefined();
      await manager.tick();
    };
    const stopsBefore = manager.counters().fencingStops;
    await dir.write('svc-1.yaml', [serviceManifest({ name: 'svc-1', desiredCount: 3 })]);
    controller.setSnapshot(await dir.load('rev-3'));
    await controller.waitForIdle({ requeues: true });
    expect(takeOver).toBeUndefined();
    expect(world.counter.count('UpdateService')).toBe(0);
    expect(manager.counters().fencingStops).toBeGreaterThan(stopsBefore);
    // svc-1 still runs its old count in ECS: nothing was sent.
    const live = await world.api.send('DescribeServices', { cluster: 'demo', services: ['svc-1'] });
    expect(live.services?.[0]?.desiredCount).toBe(1);
  });

  it('a shard unwritable for a moment (a renewal answered after the fence) has its keys checked again when it is taken back', async () => {
    const { controller, manager } = replica(`r-${randomUUID().slice(0, 6)}`);
    await controller.start();
    controller.setSnapshot(await dir.load('rev-3'));
    // The intruder's lease from the test before expires.
    await takeShardOnceFree(manager);
    await eventually(() => synced(controller), () => controller.status.list().map((s) => [s.key, s.sync]), 30_000);
    await controller.waitForIdle({ requeues: true });
    const epoch = manager.heldEpoch(SHARD) as number;

    // The fence passes before the renewal goes out: the shard is not writable, so a commit arriving now is not worked on.
    clocks.mono += DEFAULT_LEASE_TIMINGS.leaseMs - DEFAULT_LEASE_TIMINGS.fenceMarginMs + 1;
    expect(manager.heldEpoch(SHARD)).toBeUndefined();
    world.counter.reset();
    await dir.write('svc-2.yaml', [serviceManifest({ name: 'svc-2', desiredCount: 4 })]);
    controller.setSnapshot(await dir.load('rev-4'));
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.count('UpdateService')).toBe(0);

    // The renewal is answered after the fence (lost), the next round takes the lease back under a new epoch
    // (acquired), and the controller checks the shard's keys again: the commit is applied.
    await manager.renewRound();
    expect(manager.held()).toEqual([]);
    await manager.membershipRound();
    expect(manager.heldEpoch(SHARD)).toBe(epoch + 1);
    await eventually(() => world.counter.count('UpdateService') === 1, () => world.counter.count('UpdateService'), 30_000);
    await controller.waitForIdle({ requeues: true });
    expect(world.counter.count('UpdateService')).toBe(1);
    expect(controller.status.list().length).toBe(SERVICES);
    const live = await world.api.send('DescribeServices', { cluster: 'demo', services: ['svc-2'] });
    expect(live.services?.[0]?.desiredCount).toBe(4);
  });
});
