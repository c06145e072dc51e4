/**
 * What a whole-fleet pass costs in reads (issue 9's steady-state ideal): one
 * DescribeServices per 10 services of a cluster for the first pass after a
 * (re)start and for a resync, and ListServices only when pruning is on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const SERVICES = 25;

describe('batched reads of whole-fleet passes', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  const controllers: Controller[] = [];

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
    for (let i = 0; i < SERVICES; i++) await dir.write(`svc-${i}.yaml`, [serviceManifest({ name: `svc-${i}`, desiredCount: 1 })]);
    // Create the fleet, then let every first rollout finish.
    const setup = controllerFor(world.controllerApi, { followRollouts: false, workers: 8 });
    controllers.push(setup);
    setup.setSnapshot(await dir.load('rev-1'));
    await setup.waitForIdle({ requeues: true });
    expect(setup.status.list().filter((s) => s.sync === 'Synced')).toHaveLength(SERVICES);
    await setup.stop({ graceMs: 100 });
    world.sandbox.clock.advance(60_000);
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    await world.sandbox.close();
    await dir.dispose();
  });

  const allSynced = (c: Controller) => c.status.list().length === SERVICES && c.status.list().every((s) => s.sync === 'Synced');

  it.each([
    { prune: false, listPages: 0 },
    { prune: true, listPages: 1 },
  ])('first pass and resync with prune=$prune: ceil(n/10) DescribeServices each, $listPages ListServices page(s) per resync', async ({ prune, listPages }) => {
    const c = controllerFor(world.controllerApi, { prune });
    controllers.push(c);
    world.counter.reset();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    expect(allSynced(c)).toBe(true);
    // The first pass: the snapshot's read, plus (with or without pruning) one listing for the orphan report.
    expect(world.counter.count('DescribeServices')).toBe(Math.ceil(SERVICES / 10));
    expect(world.counter.count('ListServices')).toBe(1);

    world.counter.reset();
    await c.resync();
    await c.waitForIdle({ requeues: true });
    await eventually(() => allSynced(c), () => c.status.list());
    expect(world.counter.count('DescribeServices')).toBe(Math.ceil(SERVICES / 10));
    expect(world.counter.count('ListServices')).toBe(listPages);
    expect(world.counter.count('UpdateService') + world.counter.count('RegisterTaskDefinition')).toBe(0);
  });

  it('still finds drift after a batched read (the prefetched state is the live state)', async () => {
    const c = controllerFor(world.controllerApi);
    controllers.push(c);
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    world.sandbox.admin.scaleService({ accountId: world.accountId, region: REGION, cluster: 'demo', service: 'svc-7' }, 3);
    await c.resync();
    await eventually(async () => (await world.api.send('DescribeServices', { cluster: 'demo', services: ['svc-7'] })).services?.[0]?.desiredCount === 1, () => c.status.list());
  });
});
