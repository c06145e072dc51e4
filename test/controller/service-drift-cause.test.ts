/**
 * status.driftCause (issue 23): why a Service pass found the service
 * OutOfSync. `git` when the desired content is not the content this
 * reconciler last found Synced or applied for the key; `live` when it is and
 * live moved. Without that memory (a restarted controller's first pass) the
 * live service's ecs-gitops/revision tag and the spec hash on the task
 * definition it runs decide. Table tests through the pure decide/settle steps
 * (src/controller/service/decide.ts), and a property: the cause is on the
 * record exactly when the pass found or left the service OutOfSync.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/controller/applier.js';
import { defaultPlanner } from '../../src/controller/planner.js';
import { decideService, settle, type ServiceDecision, type ServiceDecisionInput, type ServiceMemory } from '../../src/controller/service/decide.js';
import type { ServiceObservation } from '../../src/controller/service/observe.js';
import type { ServiceStatus } from '../../src/controller/status.js';
import type { DesiredService } from '../../src/manifests/types.js';
import { ownershipOf } from '../../src/plan/ownership.js';
import { buildTaskDefinitionRegistration } from '../../src/plan/task-definition-input.js';
import { baseSpec, clone, desiredOf, liveService, liveTaskDefinition, manifestOf } from '../diff/fixtures.js';

const CONTROLLER = 'ecs-gitops';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const REVISION = 'rev-2';

function desired(options: { image?: string; detect?: boolean } = {}): DesiredService {
  const spec = baseSpec();
  const first = spec.taskDefinition.containerDefinitions?.[0] as Record<string, unknown> | undefined;
  if (options.image && first) first.image = options.image;
  if (options.detect) spec.sync = { mode: 'detect' };
  const service = desiredOf(manifestOf(spec));
  return { ...service, contentHash: `content-${options.image ?? 'base'}` };
}

/** The spec hash an apply of `service` writes on its task definition. */
function specHashOf(service: DesiredService): string {
  return buildTaskDefinitionRegistration(service.manifest, liveTaskDefinition() as ECS.TaskDefinition, { controllerId: CONTROLLER, revision: REVISION, sourceFile: service.source.file }).specHash;
}

interface Live {
  /** The live service is missing. */
  readonly missing?: boolean;
  /** Changed outside Git: desiredCount 5 instead of 2. */
  readonly countDrift?: boolean;
  /** ecs-gitops/revision on the service. */
  readonly revisionTag?: string;
  /** ecs-gitops/spec-hash on the task definition it runs. */
  readonly specHash?: string;
}

function observation(live: Live): ServiceObservation {
  if (live.missing) return { live: {} };
  const service = liveService();
  service.tags = [{ key: 'ecs-gitops/managed-by', value: CONTROLLER }, ...(live.revisionTag ? [{ key: 'ecs-gitops/revision', value: live.revisionTag }] : [])];
  if (live.countDrift) service.desiredCount = 5;
  const taskDefinition = clone(liveTaskDefinition()) as ECS.TaskDefinition;
  return {
    described: service as ECS.Service, live: { service: service as ECS.Service, tags: service.tags, taskDefinition }, ownership: ownershipOf(service.tags, CONTROLLER),
    ...(live.specHash ? { taskDefinitionTags: [{ key: 'ecs-gitops/spec-hash', value: live.specHash }] } : {}),
  };
}

function inputOf(service: DesiredService, live: Live, memory: ServiceMemory = {}, previous?: ServiceStatus): ServiceDecisionInput {
  return {
    desired: service, observed: { complete: true, observation: observation(live) }, memory, previous, mode: 'auto', controllerId: CONTROLLER,
    revision: REVISION, now: NOW, planner: defaultPlanner, mask: {}, followRollouts: true, rolloutPollMs: 2000, rolloutTimeoutMs: 1_800_000,
  };
}

const APPLIED: ApplyResult = { performed: ['updateService'], deploymentStarted: false };

describe('status.driftCause', () => {
  const base = desired();
  const commit = desired({ image: 'nginx:9.9' });

  it.each<[string, DesiredService, Live, ServiceMemory, 'git' | 'live']>([
    ['the content last found Synced, changed live', base, { countDrift: true }, { syncedContent: base.contentHash }, 'live'],
    ['the content last applied, changed live', base, { countDrift: true, revisionTag: 'rev-0' }, { syncedContent: base.contentHash }, 'live'],
    ['a commit changed the content since it was last Synced', commit, {}, { syncedContent: base.contentHash }, 'git'],
    ['a commit and a live change at once: the commit', commit, { countDrift: true }, { syncedContent: base.contentHash }, 'git'],
    ['memory wins over tags that say otherwise', commit, { revisionTag: REVISION }, { syncedContent: base.contentHash }, 'git'],
    ['no memory: the service carries this pass\'s revision', base, { countDrift: true, revisionTag: REVISION }, {}, 'live'],
    ['no memory: the task definition carries the desired spec hash', base, { countDrift: true, revisionTag: 'rev-0', specHash: specHashOf(base) }, {}, 'live'],
    ['no memory: another revision and another spec hash', commit, { revisionTag: 'rev-0', specHash: specHashOf(base) }, {}, 'git'],
    ['no memory, no tags', base, { countDrift: true }, {}, 'git'],
    // This content ran and the service is gone: deleted outside Git, so re-creating it corrects live drift.
    ['a service deleted outside Git (its content was in sync)', base, { missing: true }, { syncedContent: base.contentHash }, 'live'],
    ['a service gone after a commit changed its content', commit, { missing: true }, { syncedContent: base.contentHash }, 'git'],
    ['a service that does not exist yet, no memory', base, { missing: true }, {}, 'git'],
  ])('%s', (_name, service, live, memory, cause) => {
    const decision = decideService(inputOf(service, live, memory));
    expect(decision.patch.sync).toBe('OutOfSync');
    expect(decision.patch.driftCause).toBe(cause);
  });

  it('detect mode: the cause is reported on every OutOfSync pass, nothing applied', () => {
    const detect = desired({ detect: true });
    const decision = decideService(inputOf(detect, { countDrift: true }, { syncedContent: detect.contentHash }));
    expect(decision.act).toBeUndefined();
    expect(decision.patch).toMatchObject({ sync: 'OutOfSync', driftCause: 'live' });
  });

  it('absent when Synced, cleared from a record that had one', () => {
    const previous = { key: base.key, region: base.region, cluster: base.cluster, service: base.name, sync: 'OutOfSync', health: 'Healthy', mode: 'auto', diff: [], driftCause: 'live' } as ServiceStatus;
    const decision = decideService(inputOf(base, {}, { syncedContent: base.contentHash }, previous));
    expect(decision.patch.sync).toBe('Synced');
    expect('driftCause' in decision.patch).toBe(true);
    expect(decision.patch.driftCause).toBeUndefined();
  });

  it('drift found and corrected in one pass keeps its cause on the Synced write (observedSync)', () => {
    const input = inputOf(base, { countDrift: true }, { syncedContent: base.contentHash });
    const decision = decideService(input);
    expect(decision.act?.kind).toBe('apply');
    const settled = settle(input, decision, { ok: true, result: APPLIED });
    expect(settled).toMatchObject({ observedSync: 'OutOfSync', patch: { sync: 'Synced', driftCause: 'live' } });
    // A failed apply leaves it OutOfSync with the same cause.
    expect(settle(input, decision, { ok: false, error: new Error('throttled') }).patch).toMatchObject({ sync: 'OutOfSync', driftCause: 'live' });
  });

  it('remembers the content a pass found Synced or applied: a later live change is live, a later commit git', () => {
    // First pass of a restarted controller: Synced, so its content is remembered.
    const synced = decideService(inputOf(base, { revisionTag: 'rev-0' }));
    expect(synced.patch.sync).toBe('Synced');
    expect(synced.memory.syncedContent).toBe(base.contentHash);
    expect(decideService(inputOf(base, { countDrift: true, revisionTag: 'rev-0' }, synced.memory)).patch.driftCause).toBe('live');
    // A commit: git; once applied, its content is the one live drift is judged against.
    const input = inputOf(commit, { revisionTag: 'rev-0' }, synced.memory);
    const committed = decideService(input);
    expect(committed.patch).toMatchObject({ sync: 'OutOfSync', driftCause: 'git' });
    const applied = settle(input, committed, { ok: true, result: APPLIED });
    expect(applied.patch).toMatchObject({ sync: 'Synced', driftCause: 'git' });
    expect(applied.memory.syncedContent).toBe(commit.contentHash);
    // A failed apply remembers nothing: the next pass still says git.
    expect(settle(input, committed, { ok: false, error: new Error('throttled') }).memory.syncedContent).toBe(base.contentHash);
  });

  it('property: the cause is on the record exactly when the pass found or left the service OutOfSync', () => {
    fc.assert(fc.property(
      fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom<string | undefined>(undefined, REVISION, 'rev-0'), fc.boolean(),
      fc.constantFrom<'none' | 'same' | 'other'>('none', 'same', 'other'), fc.constantFrom<'none' | 'ok' | 'failed'>('none', 'ok', 'failed'), fc.boolean(),
      (commitNow, missing, countDrift, revisionTag, specHash, remembered, act, detect) => {
        const service = commitNow ? desired({ image: 'nginx:9.9', detect }) : desired({ detect });
        const memory: ServiceMemory = remembered === 'none' ? {} : { syncedContent: remembered === 'same' ? service.contentHash : 'older' };
        const input = inputOf(service, { missing, countDrift, ...(revisionTag ? { revisionTag } : {}), ...(specHash ? { specHash: specHashOf(base) } : {}) }, memory);
        let decision: ServiceDecision = decideService(input);
        if (decision.act && act !== 'none') decision = settle(input, decision, act === 'ok' ? { ok: true, result: APPLIED } : { ok: false, error: new Error('x') });
        const drifted = decision.patch.sync === 'OutOfSync' || decision.observedSync === 'OutOfSync';
        if (drifted) expect(['git', 'live']).toContain(decision.patch.driftCause);
        else expect(decision.patch.driftCause).toBeUndefined();
        // A service that does not exist, or content other than the remembered one, is never `live`.
        if ((missing && remembered !== 'same') || remembered === 'other') expect(decision.patch.driftCause).not.toBe('live');
      },
    ), { numRuns: 500 });
  });
});
