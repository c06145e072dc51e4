/**
 * Pruning against MemoryEcs: a Pruner pass over a known cluster holding
 * declared, owned-undeclared, foreign and unowned services, and the
 * ServicePrune reconciler deleting what the pass chose. Only owned services no
 * manifest declares are candidates; deletion scales to 0 first, re-reads the
 * service (level-triggered) and never touches one another controller owns;
 * the guards (disabled, maxDeletes, manifest problems) block and report.
 */
import { describe, expect, it } from 'vitest';
import { defaultPlanner } from '../../../src/controller/planner.js';
import { ServicePruneReconciler, Pruner } from '../../../src/controller/prune.js';
import { indexSnapshot, type DesiredIndex, type ReconcileOutcome } from '../../../src/controller/reconciler.js';
import { RegionAccessPool } from '../../../src/controller/regions.js';
import { StatusStore } from '../../../src/controller/status.js';
import { parseKey } from '../../../src/keys/index.js';
import type { DesiredService, ManifestSnapshot } from '../../../src/manifests/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { FakeClock } from '../../../src/util/clock.js';
import { manifestDirsForFile, REGION, serviceManifest } from '../harness.js';
import { MemoryEcs } from '../support/memory-ecs.js';
import { snapshotOf } from '../support/service-pass.js';

const CLUSTER = 'demo';
const CONTROLLER = 'ecs-gitops';
const OURS = [{ key: 'ecs-gitops/managed-by', value: CONTROLLER }];
const key = (name: string) => `${REGION}/${CLUSTER}/${name}`;

const nextManifestDir = manifestDirsForFile();

/** Services loaded from real YAML, one file each. */
async function declare(...names: string[]): Promise<DesiredService[]> {
  const sub = nextManifestDir();
  for (const name of names) await sub.write(`${name}.yaml`, [serviceManifest({ name })]);
  const snapshot = await sub.load();
  expect(snapshot.problems).toEqual([]);
  return [...snapshot.services];
}

interface WorldOptions {
  readonly enabled?: boolean;
  readonly maxDeletes?: number;
}

/**
 * demo holds: web (declared, ours), old (ours, 2 tasks), idle (ours, 0 tasks),
 * foreign (another controller's) and manual (no owner tag); only web is declared.
 */
async function world(options: WorldOptions = {}) {
  const clock = new FakeClock();
  const ecs = new MemoryEcs();
  ecs.seedService({ cluster: CLUSTER, serviceName: 'web', desiredCount: 1, tags: OURS });
  ecs.seedService({ cluster: CLUSTER, serviceName: 'old', desiredCount: 2, tags: OURS });
  ecs.seedService({ cluster: CLUSTER, serviceName: 'idle', desiredCount: 0, tags: OURS });
  ecs.seedService({ cluster: CLUSTER, serviceName: 'foreign', desiredCount: 1, tags: [{ key: 'ecs-gitops/managed-by', value: 'other' }] });
  ecs.seedService({ cluster: CLUSTER, serviceName: 'manual', desiredCount: 1 });
  ecs.clearCalls();
  const signal = new AbortController().signal;
  const regions = new RegionAccessPool({ ecs, clock, signal, rateLimits: false });
  const status = new StatusStore();
  const enqueued: string[] = [];
  const pruner = new Pruner({
    regions, planner: defaultPlanner, status, clock, logger: silentLogger(), metrics: undefined, controllerId: CONTROLLER,
    enabled: options.enabled ?? true, maxDeletes: options.maxDeletes ?? 10, enqueue: (k) => enqueued.push(k), signal,
  });
  const reconciler = new ServicePruneReconciler(pruner, CONTROLLER);
  const [web] = await declare('web');
  const index = indexSnapshot(snapshotOf(web ? [web] : []));

  /** One prune pass over `desired`, as the controller schedules it. */
  const prunePass = async (desired: DesiredIndex = index) => {
    pruner.remember(desired);
    pruner.schedule(() => desired, () => false);
    await pruner.running();
    return pruner.last();
  };
  /** One ServicePrune pass over a queue key; its status write applied like the controller does. */
  const deletePass = async (queueKey: string, desired: DesiredIndex = index): Promise<ReconcileOutcome> => {
    const parsed = parseKey(queueKey);
    if (parsed.kind !== 'ServicePrune') throw new Error(`not a prune key: ${queueKey}`);
    const identity = queueKey.slice('prune:'.length);
    const outcome = await reconciler.reconcile(parsed, {
      desired, revision: desired.snapshot.revision ?? 'unversioned', region: regions.get(parsed.region), signal,
      status: status.get(identity), log: silentLogger(),
    });
    if (outcome.status) status.apply(identity, outcome.status);
    return outcome;
  };
  return { ecs, status, enqueued, pruner, index, prunePass, deletePass };
}

const writesOf = (ecs: MemoryEcs) => ecs.writes().map((c) => `${c.operation} ${JSON.stringify(c.input)}`);

describe('Pruner and ServicePruneReconciler against MemoryEcs', () => {
  it('a pass lists only owned, undeclared services as candidates, reads nothing declared and writes nothing', async () => {
    const w = await world();
    const report = await w.prunePass();
    expect(report).toMatchObject({ revision: 'rev-1', candidates: [key('old'), key('idle')], deleted: [key('old'), key('idle')] });
    expect(report?.blocked).toBeUndefined();
    expect(w.enqueued).toEqual([`prune:${key('old')}`, `prune:${key('idle')}`]);
    expect(w.ecs.writes()).toEqual([]);
    // The declared service is not described by the pass (its own reconcile reads it).
    const described = w.ecs.callsOf('DescribeServices').flatMap((c) => c.input.services ?? []);
    expect(described.sort()).toEqual(['foreign', 'idle', 'manual', 'old']);
    expect(w.status.snapshot().prune).toEqual(report);
  });

  it('with pruning enabled the ServicePrune reconciler scales to 0, then deletes; outcome.status is remove', async () => {
    const w = await world();
    await w.prunePass();
    w.status.update(key('old'), { sync: 'Synced' }, {
      key: key('old'), region: REGION, cluster: CLUSTER, service: 'old', sync: 'Unknown', health: 'Unknown', mode: 'auto', diff: [],
    });
    w.ecs.clearCalls();

    const old = await w.deletePass(`prune:${key('old')}`);
    expect(writesOf(w.ecs)).toEqual([
      `UpdateService ${JSON.stringify({ cluster: CLUSTER, service: 'old', desiredCount: 0 })}`,
      `DeleteService ${JSON.stringify({ cluster: CLUSTER, service: 'old' })}`,
    ]);
    expect(old).toMatchObject({ result: 'success', applied: ['updateService', 'deleteService'], status: { kind: 'remove' } });
    expect(old.retry).toBeUndefined();
    expect(old.notes).toEqual([{ level: 'info', message: 'pruned service no longer in the manifests', fields: { arn: expect.stringMatching(/:service\/demo\/old$/) } }]);
    expect(w.status.get(key('old'))).toBeUndefined();
    expect(w.ecs.describe(CLUSTER, 'old')?.status).toBe('DRAINING');

    w.ecs.clearCalls();
    const idle = await w.deletePass(`prune:${key('idle')}`);
    expect(writesOf(w.ecs)).toEqual([`DeleteService ${JSON.stringify({ cluster: CLUSTER, service: 'idle' })}`]);
    expect(idle).toMatchObject({ result: 'success', applied: ['deleteService'], status: { kind: 'remove' } });

    // Each deletion is taken once: a second pass of the same key does nothing.
    w.ecs.clearCalls();
    expect(await w.deletePass(`prune:${key('old')}`)).toEqual({ result: 'success' });
    expect(w.ecs.calls).toEqual([]);
    for (const name of ['web', 'foreign', 'manual']) expect(w.ecs.describe(CLUSTER, name)?.status).toBe('ACTIVE');
  });

  it('a service declared again before its prune pass is kept', async () => {
    const w = await world();
    await w.prunePass();
    const redeclared = indexSnapshot(snapshotOf(await declare('web', 'old'), 'rev-2'));
    w.ecs.clearCalls();
    expect(await w.deletePass(`prune:${key('old')}`, redeclared)).toEqual({ result: 'success' });
    expect(w.ecs.calls).toEqual([]);
    expect(w.ecs.describe(CLUSTER, 'old')).toMatchObject({ status: 'ACTIVE', desiredCount: 2 });

    // A key blocked by a file with problems counts as declared too.
    const blocked: ManifestSnapshot = { ...snapshotOf(await declare('web'), 'rev-3', [key('idle')]) };
    expect(await w.deletePass(`prune:${key('idle')}`, indexSnapshot(blocked))).toEqual({ result: 'success' });
    expect(w.ecs.writes()).toEqual([]);
  });

  it('a foreign-owned service is never deleted, even when it changed hands after the pass chose it', async () => {
    const w = await world();
    await w.prunePass();
    // Never a candidate, so never queued; a stray key for it does nothing.
    expect(w.enqueued).not.toContain(`prune:${key('foreign')}`);
    expect(await w.deletePass(`prune:${key('foreign')}`)).toEqual({ result: 'success' });

    // 'old' is handed to another controller between the pass and its deletion: re-read, left alone.
    const arn = w.ecs.describe(CLUSTER, 'old')?.serviceArn as string;
    await w.ecs.send('TagResource', { resourceArn: arn, tags: [{ key: 'ecs-gitops/managed-by', value: 'other' }] });
    w.ecs.clearCalls();
    expect(await w.deletePass(`prune:${key('old')}`)).toEqual({ result: 'success' });
    expect(w.ecs.callsOf('DescribeServices')).toHaveLength(1);
    expect(w.ecs.writes()).toEqual([]);
    expect(w.ecs.describe(CLUSTER, 'old')).toMatchObject({ status: 'ACTIVE', desiredCount: 2 });
    expect(w.ecs.describe(CLUSTER, 'foreign')?.status).toBe('ACTIVE');
  });

  const guards = [
    { name: 'maxDeletes below the candidates', options: { maxDeletes: 1 }, problems: false, reason: 'too_many', message: /more than the limit of 1/ },
    { name: 'pruning disabled (the orphans are still reported)', options: { enabled: false }, problems: false, reason: 'disabled', message: /pruning is disabled/ },
    { name: 'manifests with problems', options: {}, problems: true, reason: 'snapshot_errors', message: /manifests have errors/ },
  ] as const;

  it.each(guards)('the guard blocks and reports: $name', async ({ options, problems, reason, message }) => {
    const w = await world(options);
    const desired = problems
      ? indexSnapshot({
        ...w.index.snapshot,
        problems: [{ code: 'MANIFEST_YAML_SYNTAX', file: 'broken.yaml', line: 1, column: 1, pointer: '', message: 'bad' }],
      })
      : w.index;
    const report = await w.prunePass(desired);
    expect(report).toMatchObject({ candidates: [key('old'), key('idle')], deleted: [], blocked: { reason, message: expect.stringMatching(message) } });
    expect(w.status.snapshot().prune).toEqual(report);
    expect(w.enqueued).toEqual([]);
    expect(w.ecs.writes()).toEqual([]);
    // Nothing was planned, so a prune key does nothing.
    expect(await w.deletePass(`prune:${key('old')}`)).toEqual({ result: 'success' });
    expect(w.ecs.writes()).toEqual([]);
  });

  it('a known cluster that does not exist holds nothing to prune', async () => {
    const w = await world();
    const elsewhere = (await declare('web')).map((s) => ({ ...s, cluster: 'missing', key: `${REGION}/missing/${s.name}` }));
    const report = await w.prunePass(indexSnapshot(snapshotOf([...(w.index.snapshot.services), ...elsewhere])));
    expect(report?.candidates).toEqual([key('old'), key('idle')]);
  });
});
