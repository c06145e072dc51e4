/**
 * The Cluster reconciler against MemoryEcs, one pass at a time, and the pure
 * planCluster it decides with. Each pass case checks the exact ECS writes, in
 * order, their inputs where they matter, and the note the controller logs.
 * Manifests are real YAML loaded by loadManifests (sources and hashes are the
 * product's own).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { ClusterReconciler } from '../../../src/controller/cluster/reconciler.js';
import { defaultPlanner } from '../../../src/controller/planner.js';
import { indexSnapshot, type ReconcileOutcome } from '../../../src/controller/reconciler.js';
import { RegionAccessPool } from '../../../src/controller/regions.js';
import { clusterKey } from '../../../src/keys/index.js';
import type { DesiredCluster, ManifestSnapshot, SyncMode } from '../../../src/manifests/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { planCluster, type ClusterAction } from '../../../src/plan/plan-cluster.js';
import type { AdoptionPolicy } from '../../../src/plan/ownership.js';
import { FakeClock } from '../../../src/util/clock.js';
import { manifestDirsForFile, REGION, type ClusterSpec } from '../harness.js';
import { MemoryEcs } from '../support/memory-ecs.js';

const CONTROLLER = 'ecs-gitops';
const NAME = 'ops';
const ARN = `arn:aws:ecs:${REGION}:123456789012:cluster/${NAME}`;

type Spec = ClusterSpec;

const BASE: Spec = {
  settings: [{ name: 'containerInsights', value: 'enabled' }],
  capacityProviders: ['FARGATE'],
  defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
  tags: { env: 'test' },
};

const nextManifestDir = manifestDirsForFile();

/** The snapshot loadManifests makes of one cluster manifest. */
async function load(spec: Spec, revision = 'rev-1'): Promise<{ snapshot: ManifestSnapshot; desired: DesiredCluster }> {
  const sub = nextManifestDir();
  await sub.write('clusters/ops.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: NAME, region: REGION }, spec }]);
  const snapshot = await sub.load(revision);
  expect(snapshot.problems, JSON.stringify(snapshot.problems)).toEqual([]);
  const desired = snapshot.clusters[0];
  if (!desired) throw new Error('no cluster loaded');
  return { snapshot, desired };
}

function world(mode: SyncMode = 'auto', controllerId = CONTROLLER, adoption?: AdoptionPolicy) {
  const clock = new FakeClock();
  const ecs = new MemoryEcs();
  const region = new RegionAccessPool({ ecs, clock, signal: new AbortController().signal, rateLimits: false }).get(REGION);
  const reconciler = new ClusterReconciler({ clock, planner: defaultPlanner, controllerId, mode, ...(adoption ? { adoption } : {}) });
  const pass = async (spec: Spec, revision = 'rev-1'): Promise<ReconcileOutcome> => {
    const { snapshot } = await load(spec, revision);
    return reconciler.reconcile(clusterKey(REGION, NAME), {
      desired: indexSnapshot(snapshot), revision, region, signal: new AbortController().signal, status: undefined, log: silentLogger(),
    });
  };
  return { ecs, pass };
}

const writesOf = (ecs: MemoryEcs) => ecs.writes().map((c) => c.operation);
const tagMap = (tags: readonly ECS.Tag[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
const liveTags = async (ecs: MemoryEcs) => tagMap((await ecs.send('ListTagsForResource', { resourceArn: ARN })).tags);

/** A cluster this controller created from BASE at rev-1; calls cleared. */
async function created(w: ReturnType<typeof world>): Promise<void> {
  await w.pass(BASE);
  expect(writesOf(w.ecs)).toEqual(['CreateCluster']);
  w.ecs.clearCalls();
}

describe('ClusterReconciler against MemoryEcs', () => {
  it('creates a missing cluster with the declared fields and the ownership tags', async () => {
    const w = world();
    const outcome = await w.pass(BASE);
    expect(writesOf(w.ecs)).toEqual(['CreateCluster']);
    const input = w.ecs.callsOf('CreateCluster')[0]?.input;
    expect(input).toMatchObject({
      clusterName: NAME, settings: BASE.settings, capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: BASE.defaultCapacityProviderStrategy,
    });
    expect(tagMap(input?.tags)).toEqual({
      env: 'test', 'ecs-gitops/managed-by': CONTROLLER, 'ecs-gitops/source': 'clusters/ops.yaml', 'ecs-gitops/revision': 'rev-1',
    });
    expect(outcome).toEqual({ result: 'success', notes: [{ level: 'info', message: 'cluster updated', fields: { changes: ['CreateCluster'], mode: 'auto' } }] });
  });

  it('in sync: only DescribeClusters, no note, even at a new revision', async () => {
    const w = world();
    await created(w);
    for (const revision of ['rev-1', 'rev-2']) {
      const outcome = await w.pass(BASE, revision);
      expect(w.ecs.calls.map((c) => c.operation)).toEqual(['DescribeClusters']);
      expect(outcome).toEqual({ result: 'success' });
      w.ecs.clearCalls();
    }
  });

  interface DriftCase {
    readonly name: string;
    /** A change made behind the controller's back, after it created the cluster from BASE. */
    readonly drift?: (ecs: MemoryEcs) => Promise<unknown>;
    /** The manifest of the pass (default BASE). */
    readonly spec?: Spec;
    readonly revision?: string;
    readonly writes: readonly string[];
    readonly check?: (ecs: MemoryEcs) => Promise<void> | void;
  }

  const drifts: readonly DriftCase[] = [
    {
      name: 'settings changed in the console: UpdateCluster with the declared settings',
      drift: (ecs) => ecs.send('UpdateCluster', { cluster: NAME, settings: [{ name: 'containerInsights', value: 'disabled' }] }),
      writes: ['UpdateCluster'],
      check: (ecs) => {
        expect(ecs.callsOf('UpdateCluster')[0]?.input).toEqual({ cluster: NAME, settings: BASE.settings });
      },
    },
    {
      name: 'settings drift at a new revision: UpdateCluster, then the revision tag moves',
      drift: (ecs) => ecs.send('UpdateCluster', { cluster: NAME, settings: [{ name: 'containerInsights', value: 'disabled' }] }),
      revision: 'rev-2',
      writes: ['UpdateCluster', 'TagResource'],
      check: async (ecs) => {
        expect(ecs.callsOf('TagResource')[0]?.input).toEqual({ resourceArn: ARN, tags: [{ key: 'ecs-gitops/revision', value: 'rev-2' }] });
        expect(await liveTags(ecs)).toMatchObject({ 'ecs-gitops/revision': 'rev-2' });
      },
    },
    {
      name: 'capacity providers changed: PutClusterCapacityProviders with the declared providers and strategy',
      drift: (ecs) => ecs.send('PutClusterCapacityProviders', {
        cluster: NAME, capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      }),
      writes: ['PutClusterCapacityProviders'],
      check: (ecs) => {
        expect(ecs.callsOf('PutClusterCapacityProviders')[0]?.input).toEqual({
          cluster: NAME, capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: BASE.defaultCapacityProviderStrategy,
        });
      },
    },
    {
      name: 'a new manifest changing settings and providers: UpdateCluster, PutClusterCapacityProviders, TagResource, in that order',
      spec: { ...BASE, settings: [{ name: 'containerInsights', value: 'disabled' }], capacityProviders: ['FARGATE', 'FARGATE_SPOT'] },
      revision: 'rev-2',
      writes: ['UpdateCluster', 'PutClusterCapacityProviders', 'TagResource'],
    },
    {
      name: 'a user tag changed and another added live: TagResource, UntagResource of the undeclared one',
      drift: (ecs) => ecs.send('TagResource', { resourceArn: ARN, tags: [{ key: 'env', value: 'prod' }, { key: 'extra', value: 'x' }] }),
      writes: ['TagResource', 'UntagResource'],
      check: async (ecs) => {
        expect(ecs.callsOf('UntagResource')[0]?.input).toEqual({ resourceArn: ARN, tagKeys: ['extra'] });
        expect(await liveTags(ecs)).toEqual({
          env: 'test', 'ecs-gitops/managed-by': CONTROLLER, 'ecs-gitops/source': 'clusters/ops.yaml', 'ecs-gitops/revision': 'rev-1',
        });
      },
    },
  ];

  it.each(drifts)('$name', async (c) => {
    const w = world();
    await created(w);
    await c.drift?.(w.ecs);
    w.ecs.clearCalls();
    const outcome = await w.pass(c.spec ?? BASE, c.revision);
    expect(writesOf(w.ecs)).toEqual(c.writes);
    expect(outcome).toEqual({ result: 'success', notes: [{ level: 'info', message: 'cluster updated', fields: { changes: c.writes, mode: 'auto' } }] });
    await c.check?.(w.ecs);
    // Converged: the next pass changes nothing.
    w.ecs.clearCalls();
    expect(await w.pass(c.spec ?? BASE, c.revision)).toEqual({ result: 'success' });
    expect(writesOf(w.ecs)).toEqual([]);
  });

  it('detect mode: a note listing the changes, no writes', async () => {
    const w = world('detect', CONTROLLER, { clusters: [NAME] });
    const missing = await w.pass(BASE);
    expect(writesOf(w.ecs)).toEqual([]);
    expect(missing.notes).toEqual([{ level: 'info', message: 'cluster differs (detect mode)', fields: { changes: ['CreateCluster'], mode: 'detect' } }]);

    w.ecs.seedCluster(NAME, { settings: [{ name: 'containerInsights', value: 'disabled' }], capacityProviders: ['FARGATE'] });
    w.ecs.clearCalls();
    const drifted = await w.pass(BASE);
    expect(writesOf(w.ecs)).toEqual([]);
    expect(drifted).toEqual({
      result: 'success',
      notes: [{ level: 'info', message: 'cluster differs (detect mode)', fields: { changes: ['TagResource', 'UpdateCluster', 'PutClusterCapacityProviders'], mode: 'detect' } }],
    });
  });

  it('a cluster owned by another controller is left alone: no call, even at a new revision and another source', async () => {
    const w = world();
    const theirs = [{ key: 'env', value: 'test' }, { key: 'ecs-gitops/managed-by', value: 'other' }, { key: 'ecs-gitops/source', value: 'theirs.yaml' }];
    w.ecs.seedCluster(NAME, {
      settings: BASE.settings, capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }], tags: theirs,
    });
    w.ecs.clearCalls();
    expect(await w.pass(BASE, 'rev-9')).toMatchObject({ result: 'error', error: { code: 'DIFF_OWNED_BY_OTHER_CONTROLLER' } });
    expect(writesOf(w.ecs)).toEqual([]);
    expect(await liveTags(w.ecs)).toEqual(tagMap(theirs));
  });

  it('a cluster owned by another controller keeps its settings and tags even where the manifest differs', async () => {
    const w = world();
    const theirs = [{ key: 'env', value: 'test' }, { key: 'ecs-gitops/managed-by', value: 'other' }];
    w.ecs.seedCluster(NAME, { settings: [{ name: 'containerInsights', value: 'disabled' }], tags: theirs });
    w.ecs.clearCalls();
    const outcome = await w.pass({ ...BASE, settings: [{ name: 'containerInsights', value: 'enabled' }], tags: { env: 'prod' } });
    expect(outcome).toMatchObject({ result: 'error', error: { code: 'DIFF_OWNED_BY_OTHER_CONTROLLER', message: expect.stringContaining('"other"') } });
    expect(outcome.retry).toBeUndefined();
    expect(writesOf(w.ecs)).toEqual([]);
  });

  it('a cluster nobody owns and nobody opted in is left alone: no write, a cataloged error saying how to opt in', async () => {
    const w = world();
    w.ecs.seedCluster(NAME, { settings: [{ name: 'containerInsights', value: 'disabled' }], tags: [{ key: 'env', value: 'test' }] });
    w.ecs.clearCalls();
    const outcome = await w.pass({ ...BASE, settings: [{ name: 'containerInsights', value: 'enabled' }] });
    expect(outcome).toMatchObject({ result: 'error', error: { code: 'DIFF_ADOPTION_NOT_ALLOWED', message: expect.stringContaining(`ecs-gitops/adopt=${CONTROLLER}`) } });
    expect(writesOf(w.ecs)).toEqual([]);
  });

  it('an opted-in cluster that differs is claimed before it is changed (IAM lets UpdateCluster touch owned clusters only)', async () => {
    const w = world('auto', CONTROLLER, { clusters: [NAME] });
    w.ecs.seedCluster(NAME, { settings: [{ name: 'containerInsights', value: 'disabled' }] });
    w.ecs.clearCalls();
    await w.pass({ ...BASE, settings: [{ name: 'containerInsights', value: 'enabled' }] });
    expect(writesOf(w.ecs)[0]).toBe('TagResource');
    expect(writesOf(w.ecs)).toContain('UpdateCluster');
  });

  it('a cluster a person tagged ecs-gitops/adopt=<id> is adopted: TagResource with the ownership tags only', async () => {
    const w = world();
    w.ecs.seedCluster(NAME, {
      settings: BASE.settings, capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      tags: [{ key: 'env', value: 'test' }, { key: 'ecs-gitops/adopt', value: CONTROLLER }],
    });
    w.ecs.clearCalls();
    await w.pass(BASE);
    expect(writesOf(w.ecs)).toEqual(['TagResource']);
    expect(tagMap(w.ecs.callsOf('TagResource')[0]?.input.tags)).toEqual({
      'ecs-gitops/managed-by': CONTROLLER, 'ecs-gitops/source': 'clusters/ops.yaml', 'ecs-gitops/revision': 'rev-1',
    });
  });

  it('a key not declared, or blocked: nothing read or written', async () => {
    const w = world();
    const { snapshot } = await load(BASE);
    const context = { revision: 'rev-1', region: undefined as never, signal: new AbortController().signal, status: undefined, log: silentLogger() };
    const reconciler = new ClusterReconciler({ clock: new FakeClock(), planner: defaultPlanner, controllerId: CONTROLLER, mode: 'auto' });
    expect(await reconciler.reconcile(clusterKey(REGION, 'elsewhere'), { ...context, desired: indexSnapshot(snapshot) })).toEqual({ result: 'success' });
    const blocked = { ...snapshot, blockedKeys: new Set([`${REGION}/${NAME}`]) };
    expect(await reconciler.reconcile(clusterKey(REGION, NAME), { ...context, desired: indexSnapshot(blocked) })).toEqual({ result: 'success' });
    expect(w.ecs.calls).toEqual([]);
  });
});

describe('planCluster (pure)', () => {
  const owned = (extra: Record<string, string> = {}): ECS.Tag[] => Object.entries({
    env: 'test', 'ecs-gitops/managed-by': CONTROLLER, 'ecs-gitops/source': 'clusters/ops.yaml', 'ecs-gitops/revision': 'rev-1', ...extra,
  }).map(([key, value]) => ({ key, value }));

  const liveOf = (fields: Partial<ECS.Cluster> = {}): ECS.Cluster => ({
    clusterArn: ARN, clusterName: NAME, status: 'ACTIVE',
    settings: [{ name: 'containerInsights', value: 'enabled' }], capacityProviders: ['FARGATE'],
    defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 0 }], tags: owned(), ...fields,
  });

  interface PlanCase {
    readonly name: string;
    readonly spec: Spec;
    readonly live: ECS.Cluster | undefined;
    readonly revision?: string;
    readonly controllerId?: string;
    readonly actions: readonly ClusterAction[];
    readonly blocked?: string;
  }

  const cases: readonly PlanCase[] = [
    {
      name: 'missing; an empty Service Connect namespace is left out of CreateCluster',
      spec: { settings: BASE.settings, serviceConnectDefaults: { namespace: '' } },
      live: undefined,
      actions: [{
        operation: 'CreateCluster',
        input: {
          settings: BASE.settings, clusterName: NAME,
          // tagsToList: sorted by key.
          tags: [{ key: 'ecs-gitops/managed-by', value: CONTROLLER }, { key: 'ecs-gitops/revision', value: 'rev-1' }, { key: 'ecs-gitops/source', value: 'clusters/ops.yaml' }],
        },
      }],
    },
    { name: 'converged', spec: BASE, live: liveOf(), actions: [] },
    { name: 'converged at a new revision: the revision tag does not move alone', spec: BASE, live: liveOf(), revision: 'rev-2', actions: [] },
    {
      name: 'providers in another order, strategy weight/base defaults: the same',
      spec: { ...BASE, capacityProviders: ['FARGATE_SPOT', 'FARGATE'] },
      live: liveOf({ capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }),
      actions: [],
    },
    {
      name: 'a setting the manifest does not declare is not its business',
      spec: { tags: BASE.tags },
      live: liveOf({ settings: [{ name: 'containerInsights', value: 'disabled' }] }),
      actions: [],
    },
    {
      name: 'Service Connect namespace by name against an ARN: the same',
      spec: { ...BASE, serviceConnectDefaults: { namespace: 'internal' } },
      live: liveOf({ serviceConnectDefaults: { namespace: 'arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-123' } }),
      actions: [],
    },
    {
      name: 'configuration spelled as the ECS default matches a cluster that reports none',
      spec: { ...BASE, configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } } },
      live: liveOf(),
      actions: [],
    },
    {
      name: 'settings differ: UpdateCluster, then the ownership tags (revision moves)',
      spec: BASE,
      live: liveOf({ settings: [{ name: 'containerInsights', value: 'disabled' }] }),
      revision: 'rev-2',
      actions: [
        { operation: 'UpdateCluster', input: { cluster: NAME, settings: BASE.settings } },
        { operation: 'TagResource', input: { resourceArn: ARN, tags: [{ key: 'ecs-gitops/revision', value: 'rev-2' }] } },
      ],
    },
    {
      name: 'strategy differs: PutClusterCapacityProviders keeps the live providers when the manifest names none',
      spec: { defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }] },
      live: liveOf({ capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }),
      actions: [{
        operation: 'PutClusterCapacityProviders',
        input: { cluster: NAME, capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }] },
      }],
    },
    {
      name: 'owned by another controller: blocked, the ownership tags are not taken',
      spec: BASE,
      live: liveOf({ tags: [{ key: 'env', value: 'test' }, { key: 'ecs-gitops/managed-by', value: 'other' }] }),
      revision: 'rev-2',
      actions: [],
      blocked: 'DIFF_OWNED_BY_OTHER_CONTROLLER',
    },
    {
      name: 'another controller id sees our cluster as foreign',
      spec: BASE,
      live: liveOf(),
      controllerId: 'ecs-gitops-b',
      actions: [],
      blocked: 'DIFF_OWNED_BY_OTHER_CONTROLLER',
    },
    {
      name: 'declared tags drop an undeclared user tag but never a system tag',
      spec: BASE,
      live: liveOf({ tags: owned({ stale: '1', 'aws:cloudformation:stack-name': 's' }) }),
      actions: [
        { operation: 'TagResource', input: { resourceArn: ARN, tags: [{ key: 'ecs-gitops/revision', value: 'rev-2' }] } },
        { operation: 'UntagResource', input: { resourceArn: ARN, tagKeys: ['stale'] } },
      ],
      revision: 'rev-2',
    },
  ];

  it.each(cases)('$name', async (c) => {
    const { desired } = await load(c.spec);
    const plan = planCluster({ desired, live: c.live, controllerId: c.controllerId ?? CONTROLLER, revision: c.revision ?? 'rev-1' });
    expect(plan.actions).toEqual(c.actions);
    expect(plan.blocked?.code).toBe(c.blocked);
  });
});
