/**
 * The reconcile's skip-unchanged fast path (issue 9, CPU per resync): a pass
 * whose manifest and live record (minus task counts, events and deployment
 * progress) are those of the last pass that found the service Synced reuses
 * that pass's empty diff. Against the sandbox over HTTP with the real SDK:
 * the diff is reused for an unchanged service, health still follows live
 * deployments on reused passes, and drift made through the SDK after a
 * reused pass is found and corrected on the very next pass, through the
 * reconciler and through a whole controller's resync.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/util/clock.js';
import type { Controller } from '../../src/controller/index.js';
import { defaultPlanner } from '../../src/controller/planner.js';
import { RegionAccessPool } from '../../src/controller/regions.js';
import { ServiceReconciler } from '../../src/controller/service/reconciler.js';
import { StatusStore } from '../../src/controller/status.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import type { DesiredService } from '../../src/manifests/types.js';
import { servicePass } from './support/service-pass.js';
import { ManifestDir, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const CLUSTER = 'demo';
const NAME = 'web';

function reconcilerOn(ecs: EcsApi) {
  const region = new RegionAccessPool({ ecs, clock: systemClock, signal: new AbortController().signal, rateLimits: false }).get('eu-west-1');
  const status = new StatusStore();
  const reconciler = new ServiceReconciler({ clock: systemClock, planner: defaultPlanner, controllerId: 'ecs-gitops', mode: 'auto', followRollouts: false });
  return { reconciler, status, pass: servicePass(reconciler, region, status) };
}

describe('skip-unchanged fast path', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let desired: DesiredService;
  const controllers: Controller[] = [];

  const live = async () => (await world.api.send('DescribeServices', { cluster: CLUSTER, services: [NAME], include: ['TAGS'] })).services?.[0];
  // The sandbox's clock stands still (clockSpeed 0): rollouts finish when a test moves it.
  const settle = () => world.sandbox.clock.advance(600_000);

  beforeEach(async () => {
    world = await sandboxWorld({ clockSpeed: 0 });
    dir = await ManifestDir.create();
    await dir.write('web.yaml', [serviceManifest({ name: NAME, desiredCount: 1, extra: { tags: { team: 'web' } } })]);
    const snapshot = await dir.load('rev-1');
    desired = snapshot.services[0] as DesiredService;
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    await world.sandbox.close();
    await dir.dispose();
  });

  /** Creates the service, lets its rollout finish, and makes one Synced pass that computes the diff. */
  async function syncedReconciler() {
    const r = reconcilerOn(world.controllerApi);
    expect((await r.pass(desired)).applied?.length).toBeGreaterThan(0);
    settle();
    await r.pass(desired);
    expect(r.status.get(desired.key)).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    return r;
  }

  it('reuses the diff for an unchanged service; health is still read from live on every pass', async () => {
    const r = await syncedReconciler();
    const computed = r.reconciler.diffCounts.computed;
    await r.pass(desired);
    await r.pass(desired);
    expect(r.reconciler.diffCounts).toEqual({ computed, reused: 2 });
    expect(r.status.get(desired.key)).toMatchObject({ sync: 'Synced', health: 'Healthy', diff: [] });

    // A new deployment of the same content changes no declared field: the diff
    // is reused, but health follows the deployment.
    await world.api.send('UpdateService', { cluster: CLUSTER, service: NAME, forceNewDeployment: true });
    await r.pass(desired);
    expect(r.status.get(desired.key)).toMatchObject({ sync: 'Synced', health: 'Progressing' });
    settle();
    await r.pass(desired);
    expect(r.status.get(desired.key)).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    expect(r.reconciler.diffCounts).toEqual({ computed, reused: 4 });
  });

  it('a new manifest is diffed again', async () => {
    const r = await syncedReconciler();
    const computed = r.reconciler.diffCounts.computed;
    await dir.write('web.yaml', [serviceManifest({ name: NAME, desiredCount: 2, extra: { tags: { team: 'web' } } })]);
    const next = (await dir.load('rev-2')).services[0] as DesiredService;
    expect((await r.pass(next)).applied).toContain('updateService');
    expect(r.reconciler.diffCounts.computed).toBe(computed + 1);
    expect((await live())?.desiredCount).toBe(2);
  });

  type Live = Awaited<ReturnType<typeof live>>;
  const update = (input: Record<string, unknown>) => () => world.api.send('UpdateService', { cluster: CLUSTER, service: NAME, ...input });
  const driftRows: ReadonlyArray<readonly [string, () => Promise<unknown>, (s: Live) => boolean]> = [
    ['desiredCount', update({ desiredCount: 3 }), (s) => s?.desiredCount === 1],
    ['deploymentConfiguration', update({ deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 50 } }),
      (s) => s?.deploymentConfiguration?.maximumPercent === 200],
    ['enableExecuteCommand', update({ enableExecuteCommand: true }), (s) => s?.enableExecuteCommand === false],
    ['a user tag', async () => world.api.send('TagResource', { resourceArn: (await live())?.serviceArn ?? '', tags: [{ key: 'team', value: 'ops' }] }),
      (s) => s?.tags?.some((t) => t.key === 'team' && t.value === 'web') === true],
  ];

  it.each(driftRows)('drift of %s made through the SDK after a reused pass is found on the next pass', async (_what, drift, corrected) => {
    const r = await syncedReconciler();
    await r.pass(desired);
    expect(r.reconciler.diffCounts.reused).toBe(1);
    const computed = r.reconciler.diffCounts.computed;

    await drift();
    const outcome = await r.pass(desired);
    expect(r.reconciler.diffCounts.computed).toBe(computed + 1);
    expect(outcome.applied?.length).toBeGreaterThan(0);
    expect(corrected(await live())).toBe(true);
  });

  it('drift of the task definition made through the SDK after a reused pass is found on the next pass', async () => {
    const r = await syncedReconciler();
    await r.pass(desired);
    expect(r.reconciler.diffCounts.reused).toBe(1);
    const before = await live();
    const current = (await world.api.send('DescribeTaskDefinition', { taskDefinition: before?.taskDefinition ?? '' })).taskDefinition;
    const registered = await world.api.send('RegisterTaskDefinition', {
      family: current?.family ?? '', cpu: current?.cpu, memory: current?.memory, networkMode: current?.networkMode,
      requiresCompatibilities: current?.requiresCompatibilities,
      containerDefinitions: (current?.containerDefinitions ?? []).map((c) => ({ ...c, image: 'nginx:1.26' })),
    });
    await world.api.send('UpdateService', { cluster: CLUSTER, service: NAME, taskDefinition: registered.taskDefinition?.taskDefinitionArn });

    const outcome = await r.pass(desired);
    expect(outcome.applied).toContain('updateService');
    const after = await live();
    expect(after?.taskDefinition).not.toBe(registered.taskDefinition?.taskDefinitionArn);
    const running = (await world.api.send('DescribeTaskDefinition', { taskDefinition: after?.taskDefinition ?? '' })).taskDefinition;
    expect(running?.containerDefinitions?.[0]?.image).toBe('nginx:1.27');
  });

  it('a controller resync finds console drift after resyncs that reused every diff (detect mode reports it)', async () => {
    const setup = await syncedReconciler();
    expect(setup.status.get(desired.key)?.sync).toBe('Synced');
    const c = controllerFor(world.controllerApi, { mode: 'detect', followRollouts: false });
    controllers.push(c);
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    for (let i = 0; i < 2; i++) {
      await c.resync();
      await c.waitForIdle({ requeues: true });
      expect(c.status.get(desired.key)?.sync).toBe('Synced');
    }
    await world.api.send('UpdateService', { cluster: CLUSTER, service: NAME, desiredCount: 4 });
    await c.resync();
    await eventually(() => c.status.get(desired.key)?.sync === 'OutOfSync', () => c.status.get(desired.key));
    expect(c.status.get(desired.key)?.diff.map((d) => d.pointer)).toEqual(['/spec/desiredCount']);
  });
});
