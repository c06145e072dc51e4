/** Prune safety against the sandbox: nothing is deleted unless every guard agrees, and never what we do not own. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller, ControllerOptions } from '../../src/controller/index.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

describe('prune safety', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    controller = undefined;
    await world.sandbox.close();
    await dir.dispose();
  });

  async function liveServices(): Promise<string[]> {
    const arns = (await world.api.send('ListServices', { cluster: 'demo', maxResults: 100 })).serviceArns ?? [];
    if (arns.length === 0) return [];
    const described = await world.api.send('DescribeServices', { cluster: 'demo', services: arns.slice(0, 10) });
    return (described.services ?? []).filter((s) => s.status === 'ACTIVE').map((s) => s.serviceName ?? '').sort();
  }

  /** Three owned services (a, b, c in separate files) and one created outside the controller. */
  async function start(options: Partial<ControllerOptions>): Promise<Controller> {
    for (const name of ['a', 'b', 'c']) await dir.write(`${name}.yaml`, [serviceManifest({ name })]);
    const td = await world.api.send('RegisterTaskDefinition', {
      family: 'manual', containerDefinitions: [{ name: 'm', image: 'nginx:1.27', memory: 128 }],
    });
    await world.api.send('CreateService', {
      cluster: 'demo', serviceName: 'manual', taskDefinition: td.taskDefinition?.taskDefinitionArn, desiredCount: 1,
    });
    const c = controllerFor(world.controllerApi, options);
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.list().filter((s) => s.sync === 'Synced').length === 3, () => c.status.list());
    await c.waitForIdle();
    controller = c;
    return c;
  }

  it('without --prune deletes nothing and reports the blocked prune', async () => {
    const c = await start({ prune: false });
    await dir.remove('a.yaml');
    world.counter.reset();
    c.setSnapshot(await dir.load('rev-2'));
    await c.waitForIdle();
    expect(world.counter.count('DeleteService')).toBe(0);
    expect(await liveServices()).toEqual(['a', 'b', 'c', 'manual']);
    expect(c.lastPrune()).toMatchObject({ candidates: [`${REGION}/demo/a`], deleted: [], blocked: { reason: 'disabled' } });
    expect(c.lastPrune()?.blocked?.message).toContain('--prune');
  });

  it('an unparseable file deletes nothing, even with --prune', async () => {
    const c = await start({ prune: true });
    await dir.write('a.yaml', 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: a, cluster: demo\n  broken: [\n');
    world.counter.reset();
    c.setSnapshot(await dir.load('rev-2'));
    await c.waitForIdle();
    expect(world.counter.count('DeleteService')).toBe(0);
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(await liveServices()).toEqual(['a', 'b', 'c', 'manual']);
    expect(c.lastPrune()?.blocked?.reason).toBe('snapshot_errors');
  });

  it('an empty checkout deletes nothing', async () => {
    const c = await start({ prune: true });
    for (const name of ['a', 'b', 'c']) await dir.remove(`${name}.yaml`);
    c.setSnapshot(await dir.load('rev-2'));
    await c.waitForIdle();
    expect(await liveServices()).toEqual(['a', 'b', 'c', 'manual']);
    expect(c.lastPrune()?.blocked?.reason).toBe('empty_snapshot');
  });

  it('deleting more than the guard allows deletes nothing and says why', async () => {
    const c = await start({ prune: true, maxPrune: 1 });
    await dir.remove('a.yaml');
    await dir.remove('b.yaml');
    world.counter.reset();
    c.setSnapshot(await dir.load('rev-2'));
    await c.waitForIdle();
    expect(world.counter.count('DeleteService')).toBe(0);
    expect(await liveServices()).toEqual(['a', 'b', 'c', 'manual']);
    expect(c.lastPrune()).toMatchObject({ blocked: { reason: 'too_many' }, deleted: [] });
    expect(c.lastPrune()?.blocked?.message).toContain('more than the limit of 1');
  });

  it('within the guard, deletes owned services that left Git (scale to 0, then delete) and never the unowned one', async () => {
    const c = await start({ prune: true, maxPrune: 2 });
    await dir.remove('a.yaml');
    world.counter.reset();
    c.setSnapshot(await dir.load('rev-2'));
    await eventually(async () => !(await liveServices()).includes('a'), () => c.lastPrune());
    await c.waitForIdle();
    expect(await liveServices()).toEqual(['b', 'c', 'manual']);
    expect(world.counter.count('DeleteService')).toBe(1);
    expect(world.counter.count('UpdateService')).toBe(1);
    expect(c.status.get(`${REGION}/demo/a`)).toBeUndefined();
    expect(c.lastPrune()).toMatchObject({ deleted: [`${REGION}/demo/a`] });
  });
});
