/** End to end against the sandbox: manifests in a temp dir -> live ECS through the real SDK over HTTP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

describe('controller against the sandbox', () => {
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

  const key = (name: string) => `${REGION}/demo/${name}`;
  const describeService = async (name: string) =>
    (await world.api.send('DescribeServices', { cluster: 'demo', services: [name], include: ['TAGS'] })).services?.[0];

  it('creates services, applies an image change as one revision and one UpdateService, and reports Healthy', async () => {
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.27' })]);
    controller = controllerFor(world.controllerApi);
    controller.setSnapshot(await dir.load('rev-1'));
    await eventually(() => controller?.status.get(key('web'))?.health === 'Healthy', () => controller?.status.get(key('web')));
    const created = await describeService('web');
    expect(created?.status).toBe('ACTIVE');
    expect(created?.tags).toEqual(expect.arrayContaining([{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }]));
    expect(controller.status.get(key('web'))).toMatchObject({ sync: 'Synced', health: 'Healthy', lastApplySucceeded: true, lastAppliedRevision: 'rev-1' });

    world.counter.reset();
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.28' })]);
    controller.setSnapshot(await dir.load('rev-2'));
    await eventually(
      () => controller?.status.get(key('web'))?.lastAppliedRevision === 'rev-2' && controller.status.get(key('web'))?.health === 'Healthy',
      () => controller?.status.get(key('web')),
    );
    expect(world.counter.count('RegisterTaskDefinition')).toBe(1);
    expect(world.counter.count('UpdateService')).toBe(1);
    expect(world.counter.count('CreateService')).toBe(0);
    const updated = await describeService('web');
    const primary = updated?.deployments?.find((d) => d.status === 'PRIMARY');
    expect(primary?.rolloutState).toBe('COMPLETED');
    expect(primary?.taskDefinition).toMatch(/task-definition\/web:2$/);
    expect(controller.status.get(key('web'))).toMatchObject({ sync: 'Synced', health: 'Healthy', lastApplySucceeded: true });
  });

  it('reports a crashing image as a failed, rolled-back rollout: Degraded, last apply failed, not re-applied', async () => {
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.27' })]);
    controller = controllerFor(world.controllerApi);
    controller.setSnapshot(await dir.load('rev-1'));
    await eventually(() => controller?.status.get(key('web'))?.health === 'Healthy', () => controller?.status.get(key('web')));

    world.sandbox.admin.markImageCrashing('nginx:9.9-crash');
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:9.9-crash' })]);
    controller.setSnapshot(await dir.load('rev-2'));
    await eventually(() => controller?.status.get(key('web'))?.health === 'Degraded', () => controller?.status.get(key('web')));
    const status = controller.status.get(key('web'));
    expect(status).toMatchObject({ health: 'Degraded', lastApplySucceeded: false, lastAttemptedRevision: 'rev-2', lastAppliedRevision: 'rev-1' });
    expect(status?.lastError?.code).toBe('CONTROLLER_ROLLOUT_FAILED');

    // The circuit breaker rolled back to the last completed deployment.
    await eventually(async () => {
      const live = await describeService('web');
      const primary = live?.deployments?.find((d) => d.status === 'PRIMARY');
      return primary?.rolloutState === 'COMPLETED' && /web:1$/.test(primary.taskDefinition ?? '');
    }, () => 'rollback to web:1');
    const failed = (await describeService('web'))?.deployments?.find((d) => /web:2$/.test(d.taskDefinition ?? ''));
    expect(failed === undefined || failed.rolloutState === 'FAILED').toBe(true);

    // The same failing manifest is not applied again on the next pass.
    world.counter.reset();
    await controller.resync();
    await controller.waitForIdle();
    expect(world.counter.count('UpdateService')).toBe(0);
    expect(world.counter.count('RegisterTaskDefinition')).toBe(0);
    expect(controller.status.get(key('web'))?.health).toBe('Degraded');

    // Reverting the manifest heals the status; trying the bad image again is a new attempt.
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.27' })]);
    controller.setSnapshot(await dir.load('rev-3'));
    await eventually(() => controller?.status.get(key('web'))?.health === 'Healthy' && controller.status.get(key('web'))?.lastError === undefined,
      () => controller?.status.get(key('web')));
    expect(controller.status.get(key('web'))).toMatchObject({ sync: 'Synced', lastApplySucceeded: true });
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:9.9-crash' })]);
    controller.setSnapshot(await dir.load('rev-4'));
    await eventually(() => world.counter.count('UpdateService') === 1, () => controller?.status.get(key('web')));
    await eventually(() => controller?.status.get(key('web'))?.health === 'Degraded', () => controller?.status.get(key('web')));
  });

  it('corrects console drift in auto mode and only reports it in detect mode', async () => {
    await dir.write('svc.yaml', [
      serviceManifest({ name: 'auto-svc', desiredCount: 2 }),
      serviceManifest({ name: 'detect-svc', desiredCount: 2, mode: 'detect' }),
    ]);
    // detect-svc must exist for drift to be meaningful: create it in auto first.
    await dir.write('svc.yaml', [serviceManifest({ name: 'auto-svc', desiredCount: 2 }), serviceManifest({ name: 'detect-svc', desiredCount: 2 })]);
    controller = controllerFor(world.controllerApi);
    controller.setSnapshot(await dir.load('rev-1'));
    await eventually(
      () => controller?.status.get(key('auto-svc'))?.health === 'Healthy' && controller.status.get(key('detect-svc'))?.health === 'Healthy',
      () => controller?.status.list(),
    );
    await dir.write('svc.yaml', [serviceManifest({ name: 'auto-svc', desiredCount: 2 }), serviceManifest({ name: 'detect-svc', desiredCount: 2, mode: 'detect' })]);
    controller.setSnapshot(await dir.load('rev-2'));
    await controller.waitForIdle();

    // Someone scales both services in the console.
    world.sandbox.admin.scaleService({ accountId: world.accountId, region: REGION, cluster: 'demo', service: 'auto-svc' }, 5);
    world.sandbox.admin.scaleService({ accountId: world.accountId, region: REGION, cluster: 'demo', service: 'detect-svc' }, 5);
    world.counter.reset();
    const seen: string[] = [];
    controller.status.subscribe((k, next) => {
      if (next) seen.push(`${k.split('/').pop()}:${next.sync}`);
    });
    await controller.resync();
    await eventually(async () => (await describeService('auto-svc'))?.desiredCount === 2, () => seen);
    await controller.waitForIdle();
    // Found and corrected in one pass: one status write (the drift counters still see both, via observedSync).
    expect(seen.filter((s) => s.startsWith('auto-svc:'))).toEqual(['auto-svc:Synced']);
    expect(controller.status.get(key('auto-svc'))?.sync).toBe('Synced');
    expect(world.counter.count('UpdateService')).toBe(1);

    const detect = controller.status.get(key('detect-svc'));
    expect(detect?.sync).toBe('OutOfSync');
    expect(detect?.diff).toEqual([expect.objectContaining({ pointer: '/spec/desiredCount', desired: 2, live: 5 })]);
    expect((await describeService('detect-svc'))?.desiredCount).toBe(5);
  });
});
