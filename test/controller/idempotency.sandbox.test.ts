/** Idempotency against the sandbox: a restart on a synced state changes nothing; identical task definitions register once. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { MUTATING_OPERATIONS } from '../../src/ecs/ecs-api.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const mutatingSandboxCalls = (counts: Record<string, number>) =>
  Object.entries(counts).filter(([op]) => MUTATING_OPERATIONS.has(op as never)).reduce((sum, [, n]) => sum + n, 0);

describe('idempotency (sandbox call counts)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  const controllers: Controller[] = [];

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    await world.sandbox.close();
    await dir.dispose();
  });

  it('a restarted controller on a synced state makes zero mutating calls', async () => {
    await dir.write('cluster.yaml', [{
      apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'demo', region: REGION },
      spec: { settings: [{ name: 'containerInsights', value: 'enabled' }], tags: { env: 'test' } },
    }]);
    await dir.write('svc.yaml', [
      serviceManifest({ name: 'a', extra: { tags: { team: 'x' } } }),
      serviceManifest({ name: 'b', image: 'nginx:1.28' }),
      serviceManifest({ name: 'c', desiredCount: 1 }),
    ]);
    const first = controllerFor(world.controllerApi);
    controllers.push(first);
    first.setSnapshot(await dir.load('rev-1'));
    await eventually(() => first.status.list().length === 3 && first.status.list().every((s) => s.health === 'Healthy'), () => first.status.list());
    await first.waitForIdle({ requeues: true });
    await first.stop();

    world.sandbox.admin.resetCallCounts(world.accountId);
    world.counter.reset();
    const second = controllerFor(world.controllerApi);
    controllers.push(second);
    second.setSnapshot(await dir.load('rev-1'));
    await second.waitForIdle({ requeues: true });
    await second.resync();
    await second.waitForIdle({ requeues: true });

    expect(world.counter.mutatingCalls()).toBe(0);
    expect(mutatingSandboxCalls(world.sandbox.callCounts(world.accountId))).toBe(0);
    expect(world.sandbox.callCounts(world.accountId).DescribeServices).toBeGreaterThan(0);
    expect(second.status.list().map((s) => [s.service, s.sync, s.health])).toEqual([
      ['a', 'Synced', 'Healthy'], ['b', 'Synced', 'Healthy'], ['c', 'Synced', 'Healthy'],
    ]);
  });

  it('two services with identical task definitions cause one registration', async () => {
    await dir.write('svc.yaml', [
      serviceManifest({ name: 'one', family: 'shared' }),
      serviceManifest({ name: 'two', family: 'shared' }),
      serviceManifest({ name: 'three', family: 'shared' }),
    ]);
    const controller = controllerFor(world.controllerApi, { workers: 3 });
    controllers.push(controller);
    controller.setSnapshot(await dir.load('rev-1'));
    await eventually(() => controller.status.list().filter((s) => s.health === 'Healthy').length === 3, () => controller.status.list());
    expect(world.counter.count('RegisterTaskDefinition')).toBe(1);
    expect(world.counter.count('CreateService')).toBe(3);
    const arns = new Set(controller.status.list().map((s) => s.liveTaskDefinition));
    expect([...arns]).toEqual([expect.stringMatching(/task-definition\/shared:1$/)]);
  });

  it('a remembered revision that was deregistered meanwhile is replaced by a new registration, not retried forever', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'first', family: 'shared' })]);
    const controller = controllerFor(world.controllerApi);
    controllers.push(controller);
    controller.setSnapshot(await dir.load('rev-1'));
    await eventually(() => controller.status.get(`${REGION}/demo/first`)?.sync === 'Synced', () => controller.status.list());
    world.sandbox.call('DeregisterTaskDefinition', { taskDefinition: 'shared:1' }, { accountId: world.accountId, region: REGION });

    await dir.write('svc.yaml', [serviceManifest({ name: 'first', family: 'shared' }), serviceManifest({ name: 'second', family: 'shared' })]);
    world.counter.reset();
    controller.setSnapshot(await dir.load('rev-2'));
    await eventually(() => controller.status.get(`${REGION}/demo/second`)?.sync === 'Synced', () => ({
      status: controller.status.get(`${REGION}/demo/second`), errors: [...world.counter.errorsByOperation],
    }));
    expect(controller.status.get(`${REGION}/demo/second`)?.liveTaskDefinition).toMatch(/task-definition\/shared:2$/);
    expect(world.counter.count('RegisterTaskDefinition')).toBe(1);
  });

  it('reuses an ACTIVE revision whose spec-hash tag matches instead of registering again (crash safety)', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
    const first = controllerFor(world.controllerApi);
    controllers.push(first);
    first.setSnapshot(await dir.load('rev-1'));
    await eventually(() => first.status.get(`${REGION}/demo/web`)?.health === 'Healthy', () => first.status.list());
    await first.stop();

    // A second service with the same task definition, handled by a fresh controller (no memory of the first).
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' }), serviceManifest({ name: 'web-copy', family: 'web' })]);
    world.counter.reset();
    const second = controllerFor(world.controllerApi);
    controllers.push(second);
    second.setSnapshot(await dir.load('rev-2'));
    await eventually(() => second.status.get(`${REGION}/demo/web-copy`)?.health === 'Healthy', () => second.status.list());
    expect(world.counter.count('RegisterTaskDefinition')).toBe(0);
    expect(second.status.get(`${REGION}/demo/web-copy`)?.liveTaskDefinition).toMatch(/task-definition\/web:1$/);
  });
});
