/**
 * Issue 18 section 1, the class of bug: a change the controller applies and
 * something else reverts is a correction loop, not a series of successful
 * corrections. A whole controller (resync every 100 ms) against the sandbox
 * over HTTP with the real SDK; the sandbox's fighter (POST
 * /_sandbox/services/fighter) sets desiredCount back after every
 * UpdateService, the way a second deploy tool would.
 *
 * The controller's clock runs with the wall clock but can be moved ahead, so
 * the slow retry (a minute, then longer) comes without waiting for it.
 */
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import type { ServiceStatus } from '../../src/controller/status.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { valueOf } from '../observe/metric-values.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const KEY = `${REGION}/demo/web`;
const LABELS = { account: '', region: REGION, cluster: 'demo', service: 'web' };

/** The wall clock plus an offset a test can move forward. */
function movableClock(): Clock & { skip(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, setTimer: (ms, fn) => systemClock.setTimer(ms, fn), skip: (ms) => void (offset += ms) };
}

describe('correction loops (controller on the sandbox, a second tool reverting desiredCount)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller;
  let registry: Registry;
  let clock: ReturnType<typeof movableClock>;

  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${world.sandbox.endpoint}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const fight = (fields: Record<string, unknown> | undefined) =>
    admin('services/fighter', { accountId: world.accountId, region: REGION, cluster: 'demo', service: 'web', ...(fields ? { fields } : {}) });
  /** UpdateService calls naming the service, from the sandbox's own call log. */
  const updates = async () => {
    const response = await fetch(`${world.sandbox.endpoint}/_sandbox/calls/log?accountId=${world.accountId}&operation=UpdateService`);
    const { calls } = (await response.json()) as { calls: { target?: string; outcome: string }[] };
    return calls.filter((c) => c.target === 'web' && c.outcome === 'ok').length;
  };
  const liveCount = async () => (await world.api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0]?.desiredCount;
  const status = () => controller.status.get(KEY);
  const metric = (name: string) => valueOf(registry, name, LABELS);
  /** Resync passes the controller has finished for the service, counted by status writes. */
  let passes = 0;
  const syncs: ServiceStatus['sync'][] = [];

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
    await dir.write('web.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    registry = new Registry();
    clock = movableClock();
    passes = 0;
    syncs.length = 0;
    controller = controllerFor(world.api, { resyncMs: 100, resyncJitter: 0, clock, metrics: createMetrics(registry, { defaultMetrics: false }) });
    controller.status.subscribe((key, next) => {
      if (key !== KEY || !next) return;
      passes++;
      syncs.push(next.sync);
    });
    controller.setSnapshot(await dir.load());
    await controller.start();
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy', () => status());
  });

  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await world?.sandbox.close();
    await dir?.dispose();
  });

  it('the fighter itself: UpdateService answers with the caller\'s value, DescribeServices then shows the fighter\'s', async () => {
    await controller.stop({ graceMs: 100 });
    await fight({ desiredCount: 5 });
    const answer = await world.api.send('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 2 });
    expect(answer.service?.desiredCount).toBe(2);
    expect(await liveCount()).toBe(5);
    await fight(undefined);
    await world.api.send('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 2 });
    expect(await liveCount()).toBe(2);
  });

  it('applies the same change three times, then holds it back, reports the loop and retries it slowly until the fight is over', async () => {
    expect(await metric('ecs_gitops_service_correction_loop')).toBe(0);
    expect(await metric('ecs_gitops_correction_loops_total')).toBe(0);
    const before = await updates();

    // Another tool takes over desiredCount: console-style drift, then it reverts every correction.
    await fight({ desiredCount: 5 });
    await admin('services/scale', { accountId: world.accountId, region: REGION, cluster: 'demo', service: 'web', desiredCount: 5 });

    await eventually(() => status()?.correctionLoop !== undefined, () => status());
    const detectedAtPass = passes;
    // Many more resync passes (every 100 ms) write nothing more.
    await eventually(() => passes >= detectedAtPass + 20, () => ({ passes, detectedAtPass }));
    expect(await updates() - before).toBe(3);
    expect(await liveCount()).toBe(5);

    const looping = status();
    expect(looping).toMatchObject({
      sync: 'OutOfSync',
      lastError: { code: 'CONTROLLER_CORRECTION_LOOP' },
      correctionLoop: { corrections: 3, retries: 0 },
    });
    expect(looping?.lastError?.message).toMatch(/^correction loop: the change to \/spec\/desiredCount was applied on 3 passes in a row/);
    expect(looping?.diff).toEqual([{ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 1, live: 5 }]);
    expect(await metric('ecs_gitops_service_correction_loop')).toBe(1);
    expect(await metric('ecs_gitops_correction_loops_total')).toBe(1);
    // DriftPersisting's series: the service is out of sync, and stays so.
    expect(await metric('ecs_gitops_service_drift')).toBe(1);
    const syncsSinceLoop = syncs.slice(syncs.length - 10);
    expect(new Set(syncsSinceLoop)).toEqual(new Set(['OutOfSync']));

    // The first slow retry, a minute later, with the fighter still there: one
    // more write, and the status never shows Synced in between.
    const seen = syncs.length;
    clock.skip(61_000);
    await eventually(() => (status()?.correctionLoop?.retries ?? 0) >= 1, () => status());
    await eventually(() => passes >= seen + 20, () => passes);
    expect(await updates() - before).toBe(4);
    expect(new Set(syncs.slice(seen))).toEqual(new Set(['OutOfSync']));
    expect(await metric('ecs_gitops_service_drift')).toBe(1);
    expect(await metric('ecs_gitops_correction_loops_total')).toBe(1);
    const retryAt = Date.parse(status()?.correctionLoop?.nextRetryAt ?? '');
    // The second retry waits twice as long.
    expect(retryAt - clock.now()).toBeGreaterThan(100_000);

    // The other tool is gone; the next slow retry sticks and the loop ends.
    await fight(undefined);
    clock.skip(121_000);
    await eventually(() => status()?.sync === 'Synced' && status()?.correctionLoop === undefined, () => status());
    expect(await liveCount()).toBe(1);
    expect(status()?.lastError).toBeUndefined();
    expect(await updates() - before).toBe(5);
    expect(await metric('ecs_gitops_service_correction_loop')).toBe(0);
    expect(await metric('ecs_gitops_service_drift')).toBe(0);
    expect(await metric('ecs_gitops_correction_loops_total')).toBe(1);
  }, 60_000);

  it('the controller\'s correctionLoop option sets when a change is held back and when it is retried', async () => {
    await controller.stop({ graceMs: 100 });
    controller = controllerFor(world.api, {
      resyncMs: 100, resyncJitter: 0, clock, correctionLoop: { threshold: 2, firstRetryMs: 5_000 },
      metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    });
    controller.setSnapshot(await dir.load());
    await controller.start();
    await eventually(() => status()?.sync === 'Synced', () => status());
    const before = await updates();
    await fight({ desiredCount: 5 });
    await admin('services/scale', { accountId: world.accountId, region: REGION, cluster: 'demo', service: 'web', desiredCount: 5 });
    await eventually(() => status()?.correctionLoop !== undefined, () => status());
    expect(status()?.correctionLoop).toMatchObject({ corrections: 2, retries: 0 });
    expect(await updates() - before).toBe(2);
    const retryIn = Date.parse(status()?.correctionLoop?.nextRetryAt ?? '') - clock.now();
    expect(retryIn).toBeGreaterThan(3_000);
    expect(retryIn).toBeLessThanOrEqual(5_000);
  });

  it('a correction that sticks is no loop, however often the service drifts', async () => {
    const before = await updates();
    for (const count of [3, 4, 5, 6]) {
      await admin('services/scale', { accountId: world.accountId, region: REGION, cluster: 'demo', service: 'web', desiredCount: count });
      await eventually(async () => (await liveCount()) === 1, () => status());
      // A pass finds it in sync before the next drift: the correction stuck.
      const corrected = passes;
      await eventually(() => passes >= corrected + 2 && syncs.at(-1) === 'Synced', () => syncs.slice(-5));
    }
    const after = passes;
    await eventually(() => passes >= after + 5, () => passes);
    expect(await updates() - before).toBe(4);
    expect(status()).toMatchObject({ sync: 'Synced' });
    expect(status()?.correctionLoop).toBeUndefined();
    expect(await metric('ecs_gitops_correction_loops_total')).toBe(0);
  }, 30_000);
});
