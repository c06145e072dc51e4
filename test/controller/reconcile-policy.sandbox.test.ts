/**
 * Reconcile policy against the sandbox: replacement-only changes are refused
 * (never delete + re-create), a newer revision supersedes a rollout being
 * watched, throttles that slip through are retried until done, and resync
 * re-checks services on its interval.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/util/clock.js';
import type { Controller } from '../../src/controller/index.js';
import { createController } from '../../src/controller/controller.js';
import { DEFAULT_RATE_LIMITS, scaleRateLimits } from '../../src/ecs/rate-limits.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const key = (name: string) => `${REGION}/demo/${name}`;

describe('reconcile policy (sandbox)', () => {
  let world: SandboxWorld | undefined;
  let dir: ManifestDir;
  let controller: Controller | undefined;

  beforeEach(async () => {
    dir = await ManifestDir.create();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    controller = undefined;
    await world?.sandbox.close();
    world = undefined;
    await dir.dispose();
  });

  it('refuses a launchType change with a clear error and never deletes or re-creates the service', async () => {
    world = await sandboxWorld();
    const w = world;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
    const c = controllerFor(w.controllerApi);
    controller = c;
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());

    const ec2 = serviceManifest({ name: 'web' }) as { spec: Record<string, unknown> };
    await dir.write('svc.yaml', [{ ...ec2, spec: { ...ec2.spec, launchType: 'EC2' } }]);
    const snapshot = await dir.load('rev-2');
    expect(snapshot.problems).toEqual([]);
    w.counter.reset();
    c.setSnapshot(snapshot);
    await c.waitForIdle();
    const status = c.status.get(key('web'));
    expect(status?.lastError?.code).toBe('DIFF_REQUIRES_REPLACEMENT');
    expect(status?.lastError?.message).toContain('/spec/launchType');
    expect(status).toMatchObject({ sync: 'OutOfSync', lastApplySucceeded: false, lastAttemptedRevision: 'rev-2', lastAppliedRevision: 'rev-1' });
    expect(w.counter.mutatingCalls()).toBe(0);
    const live = await w.api.send('DescribeServices', { cluster: 'demo', services: ['web'] });
    expect(live.services?.[0]).toMatchObject({ status: 'ACTIVE', launchType: 'FARGATE' });
  });

  it('a newer revision supersedes the rollout being watched instead of waiting for it', async () => {
    world = await sandboxWorld({ clockSpeed: 0 });
    const w = world;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.0' })]);
    const c = controllerFor(w.controllerApi);
    controller = c;
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.get(key('web'))?.health === 'Progressing', () => c.status.list());
    w.sandbox.clock.advance(120_000);
    await eventually(() => c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());

    w.counter.reset();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: 'nginx:2.0' })]);
    c.setSnapshot(await dir.load('rev-2'));
    // Wait for the apply to come back (the counter counts calls as they are sent).
    await eventually(() => (c.status.get(key('web'))?.liveTaskDefinition ?? '').endsWith(':2'), () => c.status.list());
    expect(w.counter.count('UpdateService')).toBe(1);
    expect(c.status.get(key('web'))?.health).toBe('Progressing');

    // The sandbox clock is frozen: rev-2's rollout cannot finish, yet rev-3 is applied.
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: 'nginx:3.0' })]);
    c.setSnapshot(await dir.load('rev-3'));
    await eventually(() => (c.status.get(key('web'))?.liveTaskDefinition ?? '').endsWith(':3'), () => c.status.list());
    expect(w.counter.count('UpdateService')).toBe(2);
    expect(c.status.get(key('web'))?.lastAppliedRevision).toBe('rev-1');
    w.sandbox.clock.advance(120_000);
    await eventually(() => c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());
    expect(c.status.get(key('web'))).toMatchObject({ lastAppliedRevision: 'rev-3', lastApplySucceeded: true, sync: 'Synced' });
    expect(c.status.get(key('web'))?.liveTaskDefinition).toMatch(/web:3$/);
    expect(w.counter.count('RegisterTaskDefinition')).toBe(2);
  });

  it('retries reconciles that AWS throttles anyway until every service is created (none dropped)', async () => {
    world = await sandboxWorld({ throttling: 'real', clockSpeed: 100 });
    const w = world;
    const docs = Array.from({ length: 60 }, (_, i) => serviceManifest({ name: `s${i}`, family: 'shared', desiredCount: 1 }));
    await dir.write('svc.yaml', docs);
    // The client believes in four times ECS's real rates, so ECS still throttles it.
    const c = controllerFor(w.controllerApi, { workers: 8, rolloutPollMs: 2000, rateLimits: scaleRateLimits(DEFAULT_RATE_LIMITS, 4, { burst: true }) });
    controller = c;
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.list().filter((s) => s.sync === 'Synced').length === 60, () => ({
      synced: c.status.list().filter((s) => s.sync === 'Synced').length, errors: [...w.counter.errorsByOperation],
    }), 60_000);
    expect(w.counter.errorsByOperation.get('CreateService:ThrottlingException') ?? 0).toBeGreaterThan(0);
    expect(w.counter.count('CreateService') - (w.counter.errorsByOperation.get('CreateService:ThrottlingException') ?? 0)).toBe(60);
    expect(c.status.list().every((s) => s.lastError === undefined)).toBe(true);
  }, 90_000);

  it('resync re-checks every service on its (jittered) interval and corrects console drift', async () => {
    world = await sandboxWorld();
    const w = world;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 2 })]);
    const clock = new FakeClock(Date.now());
    const c = createController({
      ecs: w.controllerApi, clock, resyncMs: 60_000, resyncJitter: 0.1, random: () => 0.5, followRollouts: false,
    });
    controller = c;
    await c.start();
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.get(key('web'))?.sync === 'Synced', () => c.status.list());
    w.sandbox.admin.scaleService({ accountId: w.accountId, region: REGION, cluster: 'demo', service: 'web' }, 4);
    w.counter.reset();

    await clock.advance(56_999); // 60 s minus 10% x 0.5 jitter = 57 s
    expect(w.counter.count('DescribeServices')).toBe(0);
    await clock.advance(1);
    await eventually(async () => (await w.api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0]?.desiredCount === 2, () => c.status.list());
    expect(w.counter.count('UpdateService')).toBe(1);
  });
});

describe('graceful shutdown', () => {
  it('stops taking work and aborts in-flight AWS calls after the grace period', async () => {
    const dir = await ManifestDir.create();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
    const aborted: string[] = [];
    let calls = 0;
    // The narrowest fake: an endpoint that never answers until the call is aborted.
    const hanging: EcsApi = {
      send: (operation, _input, signal) => new Promise((_, reject) => {
        calls++;
        signal?.addEventListener('abort', () => {
          aborted.push(operation);
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      }),
    };
    const c = createController({ ecs: hanging, resyncMs: 0, rateLimits: false });
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => calls > 0, () => calls);
    await c.stop({ graceMs: 50 });
    expect(aborted.length).toBeGreaterThan(0);
    const callsAtStop = calls;
    c.setSnapshot(await dir.load('rev-2'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(callsAtStop);
    await dir.dispose();
  });
});

describe('reconcile timeout', () => {
  it('aborts a reconcile that hangs past reconcileTimeoutMs and retries it with backoff', async () => {
    const dir = await ManifestDir.create();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
    const clock = new FakeClock();
    let calls = 0;
    let aborts = 0;
    const hanging: EcsApi = {
      send: (operation, _input, signal) => new Promise((_, reject) => {
        if (operation === 'DescribeServices') calls++;
        signal?.addEventListener('abort', () => {
          aborts++;
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      }),
    };
    const failures: string[] = [];
    const c = createController({
      ecs: hanging, clock, resyncMs: 0, rateLimits: false, reconcileTimeoutMs: 1000, backoffBaseMs: 500, random: () => 0,
      hooks: { afterReconcile: (key, result) => failures.push(`${key}:${result}`) },
    });
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => calls === 1, () => calls);
    await clock.advance(999);
    expect(failures).toEqual([]);
    await clock.advance(1);
    await eventually(() => failures.length === 1, () => failures);
    expect(failures).toEqual([`${REGION}/demo/web:error`]);
    expect(c.status.get(key('web'))?.sync).toBe('Unknown');
    await clock.advance(500);
    await eventually(() => calls === 2, () => calls);
    // Shutdown waits on the injected clock too.
    const stopping = c.stop({ graceMs: 0 });
    await clock.advance(5000);
    await stopping;
    expect(aborts).toBeGreaterThanOrEqual(2);
    await dir.dispose();
  });
});
