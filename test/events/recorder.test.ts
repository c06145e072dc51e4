/** The recorder: SyncStarted and the open deploy before the apply, the open deploy through Applied to the rollout's end, PruneBlocked. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RolloutStatus, ServiceStatus } from '../../src/controller/status.js';
import { EventLog } from '../../src/events/event-log.js';
import { openDeployStore } from '../../src/events/open-deploys.js';
import { createEventRecorder } from '../../src/events/recorder.js';
import type { ServicePassFacts } from '../../src/events/types.js';

const KEY = 'eu-west-1/prod/web';
const REV = 'fedcba9876543210fedcba9876543210fedcba98';
const ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/d1';
const AT = '2026-01-01T00:00:00.000Z';
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 })));
});

function status(patch: Partial<ServiceStatus> = {}): ServiceStatus {
  return { key: KEY, region: 'eu-west-1', cluster: 'prod', service: 'web', sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [], ...patch };
}
function pass(patch: Partial<ServicePassFacts>): ServicePassFacts {
  return { key: KEY, revision: REV, startedAt: AT, at: AT, previous: status(), next: status(), applied: [], result: 'success', ...patch };
}
const rollout: RolloutStatus = { strategy: 'ROLLING', source: 'service-deployment', serviceDeploymentArn: ARN, state: 'PENDING', revision: REV, startedAt: AT };

async function setUp() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recorder-'));
  dirs.push(dir);
  const log = new EventLog();
  const store = await openDeployStore({ dir });
  return { dir, log, store, recorder: createEventRecorder({ log, openDeploys: store }) };
}

describe('createEventRecorder', () => {
  it('a commit\'s deploy: SyncStarted and a durable open deploy before the apply, Applied with the deployment, closed on completion', async () => {
    const { dir, log, store, recorder } = await setUp();
    await recorder.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: AT, status: status() });
    expect(log.query().map((e) => [e.type, e.message])).toEqual([['SyncStarted', 'Applying fedcba9 to prod/web']]);
    // On disk before applyStarting resolved: a new process reads it back.
    expect((await openDeployStore({ dir })).list()).toEqual([{ service: KEY, revision: REV, contentHash: 'c1', startedAt: AT, applied: false }]);

    const applying = status({ driftCause: 'git', rollout, health: 'Progressing', liveTaskDefinition: 'td:2' });
    recorder.recordServicePass(pass({ applied: ['updateService'], observedSync: 'OutOfSync', next: applying }));
    await recorder.flushed();
    await store.flush();
    expect((await openDeployStore({ dir })).list()).toEqual([
      { service: KEY, revision: REV, contentHash: 'c1', startedAt: AT, applied: true, deploymentId: ARN, serviceDeploymentArn: ARN, taskDefinitionArn: 'td:2' },
    ]);

    const done = status({ rollout: { ...rollout, state: 'SUCCESSFUL', result: 'completed' }, liveTaskDefinition: 'td:2' });
    recorder.recordServicePass(pass({ previous: applying, next: done }));
    // Seen again by a later pass (a copy, as a new status write makes): nothing new.
    recorder.recordServicePass(pass({ previous: done, next: { ...done, rollout: { ...done.rollout! } } }));
    await recorder.flushed();
    await store.flush();
    expect(log.query().map((e) => e.type)).toEqual(['RolloutCompleted', 'Applied', 'SyncStarted']);
    expect(store.list()).toEqual([]);
    expect((await openDeployStore({ dir })).list()).toEqual([]);
  });

  it('a correction of live drift starts no SyncStarted and no open deploy', async () => {
    const { log, store, recorder } = await setUp();
    await recorder.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'live', at: AT, status: status() });
    expect(log.query()).toEqual([]);
    expect(store.list()).toEqual([]);
  });

  it('an apply that starts no rollout closes the open deploy (Applied is final)', async () => {
    const { store, recorder } = await setUp();
    await recorder.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: AT, status: status() });
    recorder.recordServicePass(pass({ applied: ['tagResource'], next: status({ driftCause: 'git' }) }));
    await recorder.flushed();
    await store.flush();
    expect(store.list()).toEqual([]);
  });

  it('a record removed closes its open deploy and drops its ring and memory', async () => {
    const { log, store, recorder } = await setUp();
    await recorder.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: AT, status: status() });
    recorder.recordServicePass(pass({ next: undefined }));
    await recorder.flushed();
    await store.flush();
    expect(store.list()).toEqual([]);
    expect(log.services()).toEqual([]);
    expect(recorder.memoryOf(KEY)).toBeUndefined();
  });

  it('ReconcileFailing after failingAfter error passes, once', async () => {
    const log = new EventLog();
    const recorder = createEventRecorder({ log, failingAfter: 2 });
    const error = { code: 'CONTROLLER_APPLY_FAILED' as const, message: 'throttled', at: AT };
    for (let i = 0; i < 4; i++) recorder.recordServicePass(pass({ result: 'error', error }));
    recorder.recordServicePass(pass({ result: 'success' }));
    expect(log.query().map((e) => e.type)).toEqual(['ReconcileRecovered', 'ReconcileFailing']);
  });

  it('PruneBlocked once per reason and candidates, without a service', () => {
    const log = new EventLog();
    const recorder = createEventRecorder({ log });
    const prune = { at: AT, revision: REV, candidates: ['eu-west-1/prod/old'], deleted: [], blocked: { reason: 'too_many' as const, message: '7 services would be deleted, more than --max-prune 5' } };
    recorder.recordPrune(prune);
    recorder.recordPrune({ ...prune, at: '2026-01-01T00:05:00.000Z' });
    recorder.recordPrune({ at: AT, candidates: [], deleted: [] });
    const events = log.query();
    expect(events.map((e) => [e.type, e.service, e.message])).toEqual([
      ['PruneBlocked', undefined, 'Prune blocked (too_many): 7 services would be deleted, more than --max-prune 5'],
    ]);
  });

  it('openDeploys lists what an earlier process left', async () => {
    const { dir, recorder } = await setUp();
    await recorder.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: AT, status: undefined });
    const restarted = createEventRecorder({ log: new EventLog(), openDeploys: await openDeployStore({ dir }) });
    expect(restarted.openDeploys().map((d) => d.service)).toEqual([KEY]);
  });
});

describe('drifts across corrections and restarts', () => {
  const drifted = status({ sync: 'OutOfSync', driftCause: 'live', diff: [{ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 2, live: 5 }] });
  const corrected = (previous: ServiceStatus) => pass({ previous, next: status(), observedSync: 'OutOfSync', applied: ['updateService'], observedDiff: drifted.diff });

  it('the same drift recurring on the same revision after a correction is announced again, with a new id', async () => {
    const { log, recorder } = await setUp();
    recorder.recordServicePass(pass({ next: drifted }));
    recorder.recordServicePass(corrected(drifted));
    recorder.recordServicePass(pass({ next: drifted }));
    const detected = log.query({ types: ['DriftDetected'] });
    expect(detected).toHaveLength(2);
    expect(new Set(detected.map((e) => e.id)).size).toBe(2);
    expect(log.query({ types: ['DriftCorrected'] })).toHaveLength(1);
  });

  it('a restarted recorder on the same state dir does not announce the drift it already announced, and does announce the next one', async () => {
    const { dir, log, store, recorder } = await setUp();
    recorder.recordServicePass(pass({ next: drifted }));
    recorder.recordServicePass(corrected(drifted));
    recorder.recordServicePass(pass({ next: drifted }));
    await recorder.flushed();
    await store.flush();
    const announced = log.query({ types: ['DriftDetected'] }).map((e) => e.id);

    const log2 = new EventLog();
    const recorder2 = createEventRecorder({ log: log2, openDeploys: await openDeployStore({ dir }) });
    // The first pass after the restart sees the second drift still there (no previous status in this process).
    recorder2.recordServicePass(pass({ previous: undefined, next: drifted }));
    expect(log2.query({ types: ['DriftDetected'] })).toEqual([]);
    recorder2.recordServicePass(corrected(drifted));
    recorder2.recordServicePass(pass({ next: drifted }));
    const third = log2.query({ types: ['DriftDetected'] });
    expect(third).toHaveLength(1);
    expect(announced).not.toContain(third[0]!.id);
    await recorder2.flushed();
  });

  it('pruning switched off is not an event; a prune held back by a guard is', async () => {
    const { log, recorder } = await setUp();
    recorder.recordPrune({ at: AT, revision: REV, candidates: ['eu-west-1/prod/old'], deleted: [], blocked: { reason: 'disabled', message: 'pruning is off' } });
    expect(log.query()).toEqual([]);
    recorder.recordPrune({ at: AT, revision: REV, candidates: ['eu-west-1/prod/old'], deleted: [], blocked: { reason: 'too_many', message: '9 services > --max-prune 5' } });
    expect(log.query().map((e) => e.type)).toEqual(['PruneBlocked']);
  });
});

describe('failing spells across restarts', () => {
  const error = { code: 'CONTROLLER_APPLY_FAILED' as const, message: 'AccessDenied', at: AT };
  const failingPass = () => pass({ result: 'error', error, next: status({ lastError: error }) });

  it('a second failing spell with the same code on one revision is announced, and a restart in a spell ends it with ReconcileRecovered once', async () => {
    const { dir, log, store, recorder } = await setUp();
    for (let i = 0; i < 3; i++) recorder.recordServicePass(failingPass());
    recorder.recordServicePass(pass({}));
    for (let i = 0; i < 3; i++) recorder.recordServicePass(failingPass());
    expect(log.query({ types: ['ReconcileFailing'] })).toHaveLength(2);
    expect(log.query({ types: ['ReconcileRecovered'] })).toHaveLength(1);
    await recorder.flushed();
    await store.flush();

    const log2 = new EventLog();
    const recorder2 = createEventRecorder({ log: log2, openDeploys: await openDeployStore({ dir }) });
    for (let i = 0; i < 3; i++) recorder2.recordServicePass({ ...failingPass(), previous: undefined });
    expect(log2.query({ types: ['ReconcileFailing'] })).toEqual([]);
    recorder2.recordServicePass(pass({}));
    const recovered = log2.query({ types: ['ReconcileRecovered'] });
    expect(recovered).toHaveLength(1);
    expect(log.query({ types: ['ReconcileRecovered'] }).map((e) => e.id)).not.toContain(recovered[0]!.id);
    await recorder2.flushed();
  });
});

describe('open deploys after the review', () => {
  it('a failed rollout keeps its deploy open (applied, with its deployment), so a restart holds the content instead of applying it again', async () => {
    const { log, store, recorder } = await setUp();
    await recorder.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: AT, status: status() });
    const applying = status({ driftCause: 'git', rollout, health: 'Progressing', liveTaskDefinition: 'td:2' });
    recorder.recordServicePass(pass({ applied: ['updateService'], next: applying }));
    recorder.recordServicePass(pass({ previous: applying, next: status({ health: 'Degraded', liveTaskDefinition: 'td:1', rollout: { ...rollout, state: 'ROLLBACK_SUCCESSFUL', result: 'rolled_back' } }) }));
    await recorder.flushed();
    expect(log.query().map((e) => e.type)).toEqual(['RolloutFailed', 'Applied', 'SyncStarted']);
    expect(store.list()).toEqual([{ service: KEY, revision: REV, contentHash: 'c1', startedAt: AT, applied: true, deploymentId: ARN, serviceDeploymentArn: ARN, taskDefinitionArn: 'td:2' }]);
  });

  it('applyStarting for a deploy already open writes nothing, and a state dir that does not answer holds an apply up for applyWaitMs at most', async () => {
    const log = new EventLog();
    let puts = 0;
    const stalled: Parameters<typeof createEventRecorder>[0]['openDeploys'] = {
      list: () => [], get: () => undefined, flush: () => Promise.resolve(), drift: () => undefined, putDrift: () => Promise.resolve(),
      remove: () => Promise.resolve(), put: () => { puts += 1; return new Promise<void>(() => undefined); },
    };
    const recorder = createEventRecorder({ log, openDeploys: stalled, applyWaitMs: 50 });
    await recorder.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: AT, status: status() });
    expect(puts).toBe(1);

    const { store, recorder: real } = await setUp();
    await real.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: AT, status: status() });
    const first = store.get(KEY);
    await real.applyStarting({ key: KEY, revision: REV, contentHash: 'c1', cause: 'git', at: '2026-01-01T00:05:00.000Z', status: status() });
    expect(store.get(KEY)).toBe(first);
  });

  it('state-dir writes wait until the events before them are durable (durable)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'recorder-'));
    dirs.push(dir);
    const store = await openDeployStore({ dir });
    let release!: () => void;
    const journaled = new Promise<void>((resolve) => { release = resolve; });
    const recorder = createEventRecorder({ log: new EventLog(), openDeploys: store, durable: () => journaled, applyWaitMs: 20 });
    recorder.recordServicePass(pass({ next: status({ sync: 'OutOfSync', driftCause: 'live', diff: [{ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 2, live: 5 }] }) }));
    await new Promise((r) => setTimeout(r, 30));
    expect(store.drift(KEY)).toBeUndefined();
    release();
    await recorder.flushed();
    expect(store.drift(KEY)?.drifts).toBe(1);
  });
});
