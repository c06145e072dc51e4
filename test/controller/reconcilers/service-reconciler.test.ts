/**
 * The Service reconciler against MemoryEcs, one pass at a time (no HTTP, no
 * controller): for each situation the exact ECS writes a pass makes, in
 * order, the outcome the controller would act on (result, retry, requeue,
 * applied actions, rollout result) and the status record once the outcome's
 * status write is applied. Manifests are real YAML loaded by loadManifests,
 * so content hashes and sources are the product's own.
 */
import { ServerException } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { defaultPlanner } from '../../../src/controller/planner.js';
import type { ReconcileOutcome } from '../../../src/controller/reconciler.js';
import { RegionAccessPool } from '../../../src/controller/regions.js';
import { ServiceReconciler } from '../../../src/controller/service/reconciler.js';
import { StatusStore, type ServiceStatus } from '../../../src/controller/status.js';
import { diffService } from '../../../src/diff/index.js';
import type { DesiredService } from '../../../src/manifests/types.js';
import { FakeClock, type Clock } from '../../../src/util/clock.js';
import { manifestDirsForFile, serviceManifest, type ServiceDoc } from '../harness.js';
import { MemoryEcs } from '../support/memory-ecs.js';
import { servicePass, snapshotOf } from '../support/service-pass.js';

const CLUSTER = 'demo';
const CONTROLLER = 'ecs-gitops';
const POLL_MS = 2000;

const nextManifestDir = manifestDirsForFile();

/** A service manifest as loadManifests reads it from a YAML file of its own. */
async function manifest(doc: ServiceDoc): Promise<DesiredService> {
  // A directory per manifest: versions of one service never meet in a snapshot.
  const file = `${doc.name}.yaml`;
  const sub = nextManifestDir();
  await sub.write(file, [serviceManifest(doc)]);
  const snapshot = await sub.load();
  const found = snapshot.services.find((s) => s.source.file === file);
  expect(snapshot.problems, JSON.stringify(snapshot.problems)).toEqual([]);
  if (!found) throw new Error(`no service loaded from ${file}`);
  return found;
}

interface WorldOptions {
  readonly clock?: Clock;
  readonly rolloutTimeoutMs?: number;
}

function world(options: WorldOptions = {}) {
  const clock = options.clock ?? new FakeClock();
  const ecs = new MemoryEcs();
  ecs.seedCluster(CLUSTER, { capacityProviders: ['FARGATE'] });
  const region = new RegionAccessPool({ ecs, clock, signal: new AbortController().signal, rateLimits: false }).get('eu-west-1');
  const status = new StatusStore();
  const reconciler = new ServiceReconciler({
    clock, planner: defaultPlanner, controllerId: CONTROLLER, mode: 'auto', rolloutPollMs: POLL_MS,
    ...(options.rolloutTimeoutMs !== undefined ? { rolloutTimeoutMs: options.rolloutTimeoutMs } : {}),
  });
  return { ecs, region, status, reconciler, pass: servicePass(reconciler, region, status) };
}

type World = ReturnType<typeof world>;

/** The outcome fields the controller acts on; absent ones are undefined, so toEqual checks them too. */
function outcomeOf(o: ReconcileOutcome) {
  return {
    result: o.result, retry: o.retry, requeueAfterMs: o.requeueAfterMs, applied: o.applied, rollout: o.rollout, error: o.error?.code,
  };
}

const NO_OUTCOME = { retry: undefined, requeueAfterMs: undefined, applied: undefined, rollout: undefined, error: undefined };

function statusOf(s: ServiceStatus | undefined) {
  if (!s) return undefined;
  return {
    sync: s.sync, health: s.health, mode: s.mode, diff: s.diff.map((d) => d.pointer),
    lastApplySucceeded: s.lastApplySucceeded, lastError: s.lastError?.code,
  };
}

const writesOf = (ecs: MemoryEcs) => ecs.writes().map((c) => c.operation);

/** Creates the service through the reconciler and lets its rollout finish: a Synced, Healthy service this controller owns. */
async function synced(w: World, desired: DesiredService): Promise<void> {
  expect((await w.pass(desired)).applied).toEqual(['registerTaskDefinition', 'createService']);
  w.ecs.completeRollout(CLUSTER, desired.name);
  expect(outcomeOf(await w.pass(desired)).rollout).toBe('completed');
  expect(statusOf(w.status.get(desired.key))).toMatchObject({ sync: 'Synced', health: 'Healthy' });
  w.ecs.clearCalls();
}

describe('ServiceReconciler against MemoryEcs', () => {
  it('creates a missing service (register + create, Progressing, requeue), then reports the completed rollout', async () => {
    const w = world();
    const desired = await manifest({ name: 'web' });

    const created = await w.pass(desired);
    expect(writesOf(w.ecs)).toEqual(['RegisterTaskDefinition', 'CreateService']);
    const registered = w.ecs.callsOf('RegisterTaskDefinition')[0]?.input;
    expect(registered?.family).toBe('web');
    const createInput = w.ecs.callsOf('CreateService')[0]?.input;
    expect(createInput).toMatchObject({ cluster: CLUSTER, serviceName: 'web', desiredCount: 2, taskDefinition: expect.stringMatching(/:task-definition\/web:1$/) });
    expect(Object.fromEntries((createInput?.tags ?? []).map((t) => [t.key, t.value]))).toMatchObject({
      'ecs-gitops/managed-by': CONTROLLER, 'ecs-gitops/source': desired.source.file, 'ecs-gitops/revision': 'rev-1',
    });
    expect(outcomeOf(created)).toEqual({ ...NO_OUTCOME, result: 'requeue', requeueAfterMs: POLL_MS, applied: ['registerTaskDefinition', 'createService'] });
    expect(statusOf(w.status.get(desired.key))).toEqual({
      sync: 'Synced', health: 'Progressing', mode: 'auto', diff: [], lastApplySucceeded: undefined, lastError: undefined,
    });
    expect(w.status.get(desired.key)?.liveTaskDefinition).toMatch(/:task-definition\/web:1$/);

    // Still rolling out: look again later, write nothing.
    w.ecs.clearCalls();
    expect(outcomeOf(await w.pass(desired))).toEqual({ ...NO_OUTCOME, result: 'requeue', requeueAfterMs: POLL_MS });
    expect(writesOf(w.ecs)).toEqual([]);

    w.ecs.completeRollout(CLUSTER, 'web');
    const done = await w.pass(desired);
    expect(writesOf(w.ecs)).toEqual([]);
    expect(outcomeOf(done)).toEqual({ ...NO_OUTCOME, result: 'success', rollout: 'completed' });
    expect(statusOf(w.status.get(desired.key))).toEqual({
      sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [], lastApplySucceeded: true, lastError: undefined,
    });
    expect(w.status.get(desired.key)?.lastAppliedRevision).toBe('rev-1');
  });

  it('times a rollout out after rolloutTimeoutMs (FakeClock): rollout timed_out, Degraded', async () => {
    const clock = new FakeClock();
    const w = world({ clock, rolloutTimeoutMs: 60_000 });
    const desired = await manifest({ name: 'slow' });
    expect(outcomeOf(await w.pass(desired)).result).toBe('requeue');

    await clock.advance(30_000);
    expect(outcomeOf(await w.pass(desired))).toEqual({ ...NO_OUTCOME, result: 'requeue', requeueAfterMs: POLL_MS });
    expect(w.status.get(desired.key)?.health).toBe('Progressing');

    await clock.advance(31_000);
    w.ecs.clearCalls();
    const timedOut = await w.pass(desired);
    expect(writesOf(w.ecs)).toEqual([]);
    expect(outcomeOf(timedOut)).toEqual({ ...NO_OUTCOME, result: 'success', rollout: 'timed_out' });
    expect(statusOf(w.status.get(desired.key))).toEqual({
      sync: 'Synced', health: 'Degraded', mode: 'auto', diff: [], lastApplySucceeded: false, lastError: 'CONTROLLER_ROLLOUT_TIMED_OUT',
    });
  });

  // One pass each, from a known starting point: exact writes, outcome and status.
  interface PassCase {
    readonly name: string;
    readonly doc: ServiceDoc;
    /** Revision of the pass under test. @default 'rev-1' */
    readonly revision?: string;
    /** Brings ECS (and the reconciler's memory) to the starting point; returns the manifest the pass reconciles, when not `doc`'s. */
    readonly arrange: (w: World, desired: DesiredService) => Promise<DesiredService | void>;
    readonly writes: readonly string[];
    readonly outcome: Partial<ReturnType<typeof outcomeOf>>;
    readonly status: ReturnType<typeof statusOf>;
    /** Further checks on the world after the pass. */
    readonly then?: (w: World, outcome: ReconcileOutcome, desired: DesiredService) => void;
  }

  const cases: readonly PassCase[] = [
    {
      name: 'in sync: no writes, Synced',
      doc: { name: 'calm' },
      arrange: (w, d) => synced(w, d),
      writes: [],
      outcome: { result: 'success' },
      status: { sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [], lastApplySucceeded: true, lastError: undefined },
      then: (w, o) => {
        // Nothing but reads.
        expect(w.ecs.calls.map((c) => c.operation)).toEqual(['DescribeServices']);
        expect(o.status).toMatchObject({ kind: 'set' });
        expect(o.status && 'observedSync' in o.status).toBe(false);
      },
    },
    {
      name: 'desiredCount drift: corrected by one UpdateService (then the revision stamp); the status write says OutOfSync was observed',
      doc: { name: 'drift' },
      revision: 'rev-2',
      arrange: async (w, d) => {
        await synced(w, d);
        await w.ecs.send('UpdateService', { cluster: CLUSTER, service: d.name, desiredCount: 5 });
        w.ecs.clearCalls();
      },
      // The revision tag moves only together with a change (plan-service.ts), in the same pass.
      writes: ['UpdateService', 'TagResource'],
      outcome: { result: 'success', applied: ['updateService', 'tagResource'] },
      status: { sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [], lastApplySucceeded: true, lastError: undefined },
      then: (w, o, d) => {
        expect(w.ecs.callsOf('UpdateService')[0]?.input).toEqual({ cluster: CLUSTER, service: d.name, desiredCount: 2 });
        expect(w.ecs.callsOf('TagResource')[0]?.input.tags).toContainEqual({ key: 'ecs-gitops/revision', value: 'rev-2' });
        expect(o.status).toMatchObject({ kind: 'set', observedSync: 'OutOfSync' });
        expect(w.ecs.describe(CLUSTER, d.name)?.desiredCount).toBe(2);
        expect(w.status.get(d.key)?.lastAppliedRevision).toBe('rev-2');
      },
    },
    {
      name: 'detect mode (spec.sync.mode detect): no writes, OutOfSync with the diff',
      doc: { name: 'watched', desiredCount: 3, mode: 'detect' },
      arrange: async (w, d) => {
        await synced(w, await manifest({ name: d.name, desiredCount: 2 }));
      },
      writes: [],
      outcome: { result: 'success' },
      status: { sync: 'OutOfSync', health: 'Healthy', mode: 'detect', diff: ['/spec/desiredCount'], lastApplySucceeded: true, lastError: undefined },
      then: (w, o, d) => {
        expect(w.status.get(d.key)?.diff).toEqual([{ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 3, live: 2 }]);
        expect(w.ecs.describe(CLUSTER, d.name)?.desiredCount).toBe(2);
        expect(o.notes?.map((n) => n.message)).toContain('drift detected (detect mode: not applied)');
      },
    },
    {
      name: 'detect mode, service missing: nothing created, OutOfSync',
      doc: { name: 'absent', mode: 'detect' },
      arrange: async () => undefined,
      writes: [],
      outcome: { result: 'success' },
      status: { sync: 'OutOfSync', health: 'Missing', mode: 'detect', diff: expect.arrayContaining([expect.any(String)]) as never, lastApplySucceeded: undefined, lastError: undefined },
      then: (w, _o, d) => {
        expect(w.status.get(d.key)?.diff.length).toBeGreaterThan(0);
        expect(w.ecs.describe(CLUSTER, d.name)).toBeUndefined();
      },
    },
    {
      name: 'owned by another controller: no writes, error without retry, Unknown with an empty diff',
      doc: { name: 'theirs' },
      arrange: async (w, d) => {
        w.ecs.seedService({ cluster: CLUSTER, serviceName: d.name, desiredCount: 1, tags: [{ key: 'ecs-gitops/managed-by', value: 'other' }] });
        w.ecs.clearCalls();
      },
      writes: [],
      outcome: { result: 'error', error: 'DIFF_OWNED_BY_OTHER_CONTROLLER' },
      status: { sync: 'Unknown', health: 'Unknown', mode: 'auto', diff: [], lastApplySucceeded: undefined, lastError: 'DIFF_OWNED_BY_OTHER_CONTROLLER' },
      then: (w, _o, d) => {
        const tags = w.ecs.describe(CLUSTER, d.name)?.tags;
        expect(tags).toEqual([{ key: 'ecs-gitops/managed-by', value: 'other' }]);
      },
    },
    {
      name: 'DRAINING after a deletion: requeue, OutOfSync with a non-empty diff, health Missing',
      doc: { name: 'leaving' },
      arrange: async (w, d) => {
        await synced(w, d);
        await w.ecs.send('DeleteService', { cluster: CLUSTER, service: d.name, force: true });
        w.ecs.clearCalls();
      },
      writes: [],
      outcome: { result: 'requeue', requeueAfterMs: 5000, error: 'CONTROLLER_SERVICE_DRAINING' },
      status: { sync: 'OutOfSync', health: 'Missing', mode: 'auto', diff: expect.arrayContaining([expect.any(String)]) as never, lastApplySucceeded: true, lastError: 'CONTROLLER_SERVICE_DRAINING' },
      then: (w, _o, d) => {
        expect(w.status.get(d.key)?.diff.length).toBeGreaterThan(0);
        expect(w.ecs.describe(CLUSTER, d.name)?.status).toBe('DRAINING');
      },
    },
    {
      name: 'a write that fails: error with retry, OutOfSync keeps the diff, lastApplySucceeded false',
      doc: { name: 'stuck' },
      arrange: async (w, d) => {
        await synced(w, d);
        await w.ecs.send('UpdateService', { cluster: CLUSTER, service: d.name, desiredCount: 5 });
        w.ecs.clearCalls();
        w.ecs.failNext('UpdateService', new ServerException({ message: 'internal error', $metadata: { httpStatusCode: 500 } }));
      },
      writes: ['UpdateService'],
      outcome: { result: 'error', retry: true, error: 'AWS_SERVER_ERROR' },
      status: { sync: 'OutOfSync', health: 'Healthy', mode: 'auto', diff: ['/spec/desiredCount'], lastApplySucceeded: false, lastError: 'AWS_SERVER_ERROR' },
      then: (w, o, d) => {
        expect(w.ecs.describe(CLUSTER, d.name)?.desiredCount).toBe(5);
        expect(o.status && 'observedSync' in o.status).toBe(false);
      },
    },
    {
      name: 'a read that fails: error with retry, sync Unknown with an empty diff (the last diff is not kept)',
      doc: { name: 'blind', desiredCount: 3, mode: 'detect' },
      arrange: async (w, d) => {
        await synced(w, await manifest({ name: d.name, desiredCount: 2 }));
        // A first detect pass leaves OutOfSync with a diff behind.
        await w.pass(d);
        expect(statusOf(w.status.get(d.key))?.diff).toEqual(['/spec/desiredCount']);
        w.ecs.clearCalls();
        w.ecs.failNext('DescribeServices', new ServerException({ message: 'internal error', $metadata: { httpStatusCode: 500 } }));
      },
      writes: [],
      outcome: { result: 'error', retry: true, error: 'AWS_SERVER_ERROR' },
      status: { sync: 'Unknown', health: 'Unknown', mode: 'detect', diff: [], lastApplySucceeded: true, lastError: 'AWS_SERVER_ERROR' },
    },
    {
      name: 'a revision with the same content already registered (spec-hash tag): reused, no RegisterTaskDefinition',
      doc: { name: 'reuse' },
      arrange: async (w, d) => {
        const plan = defaultPlanner.planService({ desired: d, live: {}, changes: diffService(d.manifest, {}), controllerId: CONTROLLER, revision: 'rev-0' });
        const register = plan.actions.find((a) => a.kind === 'registerTaskDefinition');
        if (register?.kind !== 'registerTaskDefinition') throw new Error('the plan registers no task definition');
        w.ecs.seedTaskDefinition(register.input);
        w.ecs.clearCalls();
      },
      writes: ['CreateService'],
      outcome: { result: 'requeue', requeueAfterMs: POLL_MS, applied: ['createService'] },
      status: { sync: 'Synced', health: 'Progressing', mode: 'auto', diff: [], lastApplySucceeded: undefined, lastError: undefined },
      then: (w) => {
        expect(w.ecs.callsOf('CreateService')[0]?.input.taskDefinition).toMatch(/:task-definition\/reuse:1$/);
        expect(w.ecs.callsOf('ListTaskDefinitions').length).toBeGreaterThan(0);
      },
    },
  ];

  it.each(cases)('$name', async (c) => {
    const w = world();
    const declared = await manifest(c.doc);
    const desired = (await c.arrange(w, declared)) ?? declared;
    const outcome = await w.pass(desired, c.revision);
    expect(writesOf(w.ecs)).toEqual(c.writes);
    expect(outcomeOf(outcome)).toEqual({ ...NO_OUTCOME, ...c.outcome });
    expect(statusOf(w.status.get(desired.key))).toEqual(c.status);
    c.then?.(w, outcome, desired);
  });

  it('a failed rollout with rollback: rollout failed, Degraded, and the same manifest is not applied again', async () => {
    const w = world();
    await synced(w, await manifest({ name: 'canary', image: 'nginx:1.27' }));
    const next = await manifest({ name: 'canary', image: 'nginx:1.28' });

    const started = await w.pass(next, 'rev-2');
    expect(writesOf(w.ecs)).toEqual(['RegisterTaskDefinition', 'UpdateService', 'TagResource']);
    expect(outcomeOf(started)).toEqual({
      ...NO_OUTCOME, result: 'requeue', requeueAfterMs: POLL_MS, applied: ['registerTaskDefinition', 'updateService', 'tagResource'],
    });

    w.ecs.failRollout(CLUSTER, 'canary', { rollback: true });
    w.ecs.clearCalls();
    const failed = await w.pass(next, 'rev-2');
    expect(writesOf(w.ecs)).toEqual([]);
    expect(outcomeOf(failed)).toEqual({ ...NO_OUTCOME, result: 'success', rollout: 'failed' });
    expect(statusOf(w.status.get(next.key))).toEqual({
      sync: 'OutOfSync', health: 'Degraded', mode: 'auto', diff: ['/spec/taskDefinition/containerDefinitions/0/image'],
      lastApplySucceeded: false, lastError: 'CONTROLLER_ROLLOUT_FAILED',
    });
    expect(w.ecs.describe(CLUSTER, 'canary')?.taskDefinition).toMatch(/:task-definition\/canary:1$/);

    // Level-triggered, but the failed content is held: no loop of failing deployments.
    for (let i = 0; i < 2; i++) {
      w.ecs.clearCalls();
      const again = await w.pass(next, 'rev-2');
      expect(writesOf(w.ecs)).toEqual([]);
      expect(outcomeOf(again)).toEqual({ ...NO_OUTCOME, result: 'success' });
      expect(statusOf(w.status.get(next.key))).toMatchObject({ sync: 'OutOfSync', health: 'Degraded', lastApplySucceeded: false });
    }

    // A fix in Git (other content) is applied.
    const fixed = await manifest({ name: 'canary', image: 'nginx:1.29' });
    w.ecs.clearCalls();
    expect(outcomeOf(await w.pass(fixed, 'rev-3')).applied).toEqual(['registerTaskDefinition', 'updateService', 'tagResource']);
    expect(writesOf(w.ecs)).toEqual(['RegisterTaskDefinition', 'UpdateService', 'TagResource']);
  });

  it('an undeclared key: the status record is removed, nothing is read', async () => {
    const w = world();
    const desired = await manifest({ name: 'gone' });
    await synced(w, desired);
    const outcome = await w.pass(desired, 'rev-2', snapshotOf([], 'rev-2'));
    expect(outcome).toEqual({ result: 'success', status: { kind: 'remove' } });
    expect(w.ecs.calls).toEqual([]);
    expect(w.status.get(desired.key)).toBeUndefined();
    expect(w.ecs.describe(CLUSTER, 'gone')?.status).toBe('ACTIVE');
  });

  it('a blocked key: error, no call at all, the existing record gets CONTROLLER_MANIFEST_BLOCKED and keeps the rest', async () => {
    const w = world();
    const desired = await manifest({ name: 'held' });
    await synced(w, desired);
    const before = w.status.get(desired.key);
    const changed = await manifest({ name: 'held', desiredCount: 7 });
    const outcome = await w.pass(changed, 'rev-2', snapshotOf([changed], 'rev-2', [changed.key]));
    expect(w.ecs.calls).toEqual([]);
    expect(outcomeOf(outcome)).toEqual({ ...NO_OUTCOME, result: 'error', error: 'CONTROLLER_MANIFEST_BLOCKED' });
    expect(w.status.get(desired.key)).toEqual({ ...before, lastError: outcome.error });

    // Without a record there is nothing to write.
    const fresh = world();
    const first = await fresh.pass(changed, 'rev-2', snapshotOf([changed], 'rev-2', [changed.key]));
    expect(outcomeOf(first)).toEqual({ ...NO_OUTCOME, result: 'error', error: 'CONTROLLER_MANIFEST_BLOCKED' });
    expect(first.status).toBeUndefined();
    expect(fresh.ecs.calls).toEqual([]);
  });

  it('two services with identical task definitions, reconciled concurrently: one RegisterTaskDefinition between them', async () => {
    const w = world();
    const a = await manifest({ name: 'api-a', family: 'shared' });
    const b = await manifest({ name: 'api-b', family: 'shared' });
    expect(a.source.file).not.toBe(b.source.file);
    const snapshot = snapshotOf([a, b]);
    const [oa, ob] = await Promise.all([w.pass(a, 'rev-1', snapshot), w.pass(b, 'rev-1', snapshot)]);
    expect(writesOf(w.ecs).filter((op) => op === 'RegisterTaskDefinition')).toEqual(['RegisterTaskDefinition']);
    expect(writesOf(w.ecs).filter((op) => op === 'CreateService')).toEqual(['CreateService', 'CreateService']);
    const arns = w.ecs.callsOf('CreateService').map((c) => c.input.taskDefinition);
    expect(arns[0]).toMatch(/:task-definition\/shared:1$/);
    expect(arns[1]).toBe(arns[0]);
    expect([oa.result, ob.result]).toEqual(['requeue', 'requeue']);
    expect(oa.applied).toContain('createService');
    expect(ob.applied).toContain('createService');
    // Only the pass that sent the shared registration reports it (one "applied" log line for one call).
    expect([...(oa.applied ?? []), ...(ob.applied ?? [])].filter((a) => a === 'registerTaskDefinition')).toEqual(['registerTaskDefinition']);
  });

  it('a DRAINING service is re-created once ECS has removed it, reusing the task definition', async () => {
    const w = world();
    const desired = await manifest({ name: 'phoenix' });
    await synced(w, desired);
    await w.ecs.send('DeleteService', { cluster: CLUSTER, service: 'phoenix', force: true });
    expect((await w.pass(desired)).result).toBe('requeue');
    w.ecs.finishDraining(CLUSTER, 'phoenix');
    w.ecs.clearCalls();
    const outcome = await w.pass(desired);
    expect(writesOf(w.ecs)).toEqual(['CreateService']);
    expect(outcomeOf(outcome)).toEqual({ ...NO_OUTCOME, result: 'requeue', requeueAfterMs: POLL_MS, applied: ['createService'] });
    expect(statusOf(w.status.get(desired.key))).toMatchObject({ sync: 'Synced', health: 'Progressing', lastError: undefined });
  });
});
