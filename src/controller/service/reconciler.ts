/**
 * The Service kind: one level-triggered pass over one service key. Observe
 * (observe.ts), decide (decide.ts, pure), act (the applier), and return an
 * outcome with the status patch, the log notes, the rollout result and a
 * requeue while a rollout is being followed (never blocking a worker).
 *
 * The only state kept between passes is per key (ServiceMemory), and the
 * queue never runs two passes of one key at once, so concurrent passes of
 * different keys share nothing.
 */
import type { MaskOptions } from '../../diff/index.js';
import type { ServiceKey } from '../../keys/index.js';
import { identityOf } from '../../keys/index.js';
import type { DesiredService, SyncMode } from '../../manifests/types.js';
import type { Planner } from '../planner.js';
import { SUCCESS, type OutcomeNote, type ReconcileContext, type ReconcileOutcome, type Reconciler } from '../reconciler.js';
import type { ServiceStatus } from '../status.js';
import type { Clock } from '../../util/clock.js';
import { decideService, settle, type ActResult, type ServiceDecision, type ServiceDecisionInput, type ServiceMemory } from './decide.js';
import type { AdoptionPolicy } from '../../plan/ownership.js';
import { observeService } from './observe.js';

export interface ServiceReconcilerOptions {
  readonly clock: Clock;
  readonly planner: Planner;
  readonly controllerId: string;
  /** Global mode; a manifest's spec.sync.mode: detect always wins. */
  readonly mode: SyncMode;
  /** Delay between looks at a rollout in progress. @default 2000 */
  readonly rolloutPollMs?: number;
  /** A rollout running longer than this is reported Degraded (timed out). @default 1800000 */
  readonly rolloutTimeoutMs?: number;
  /** Follow rollouts after applying (false for a one-shot sync without --wait). @default true */
  readonly followRollouts?: boolean;
  /** How the diffs in status are masked (--secret-pattern, mask key); the same options as every other rendering. @default {} */
  readonly mask?: MaskOptions;
  /** Untagged live services this controller may adopt; absent: only those tagged ecs-gitops/adopt. */
  readonly adoption?: AdoptionPolicy;
}

function initialStatus(desired: DesiredService, mode: SyncMode): ServiceStatus {
  return {
    key: desired.key, region: desired.region, cluster: desired.cluster, service: desired.name,
    sync: 'Unknown', health: 'Unknown', mode, source: desired.source.file, diff: [],
  };
}

export class ServiceReconciler implements Reconciler<'Service'> {
  readonly kind = 'Service' as const;
  /** Diffs computed and diffs reused from a Synced pass with the same inputs (skip-unchanged fast path). */
  readonly diffCounts = { computed: 0, reused: 0 };
  readonly #options: Required<Omit<ServiceReconcilerOptions, 'adoption'>> & Pick<ServiceReconcilerOptions, 'adoption'>;
  readonly #memory = new Map<string, ServiceMemory>();

  constructor(options: ServiceReconcilerOptions) {
    this.#options = { rolloutPollMs: 2000, rolloutTimeoutMs: 1_800_000, followRollouts: true, mask: {}, ...options };
  }

  forget(key: ServiceKey): void {
    this.#memory.delete(identityOf(key));
  }

  async reconcile(key: ServiceKey, context: ReconcileContext): Promise<ReconcileOutcome> {
    const identity = identityOf(key);
    const desired = context.desired.services.get(identity);
    if (context.desired.snapshot.blockedKeys.has(identity)) return blockedOutcome(identity, context, this.#options.clock.now());
    if (!desired) {
      // No longer declared: the record goes, and the controller calls forget (pruning, if any, is a ServicePrune key).
      return { ...SUCCESS, status: { kind: 'remove' } };
    }

    const { region, signal } = context;
    const memory = this.#memory.get(identity) ?? {};
    const observed = await observeService(desired, region, signal, { controllerId: this.#options.controllerId, followed: memory.followed });
    const input: ServiceDecisionInput = {
      desired, observed, memory, previous: context.status, mode: this.#options.mode, controllerId: this.#options.controllerId,
      revision: context.revision, now: this.#options.clock.now(), planner: this.#options.planner, mask: this.#options.mask,
      followRollouts: this.#options.followRollouts, rolloutPollMs: this.#options.rolloutPollMs, rolloutTimeoutMs: this.#options.rolloutTimeoutMs,
      adoption: this.#options.adoption,
    };
    let decision = decideService(input);
    if (decision.diffReused) this.diffCounts.reused++;
    else if (decision.diffComputed) this.diffCounts.computed++;

    if (decision.act) {
      const acted = await this.#act(desired, decision, signal, region);
      decision = settle(input, decision, acted);
    }
    this.#memory.set(identity, decision.memory);
    return toOutcome(desired, decision, context.status);
  }

  async #act(desired: DesiredService, decision: ServiceDecision, signal: AbortSignal, region: ReconcileContext['region']): Promise<ActResult> {
    const act = decision.act;
    if (!act) throw new Error('nothing to act on');
    const actions = act.kind === 'apply'
      ? act.plan.actions
      : [{ kind: 'updateService' as const, input: { cluster: desired.cluster, service: desired.name, forceNewDeployment: true } }];
    try {
      return { ok: true, result: await region.applier.apply(actions, signal) };
    } catch (error) {
      return { ok: false, error };
    } finally {
      // Written to (or tried): the next read must not come from a read-ahead batch taken before.
      region.reader.invalidateService(desired.cluster, desired.name);
    }
  }
}

/** A manifest file with problems: the service is left as it is; an existing record says why. */
function blockedOutcome(identity: string, context: ReconcileContext, now: number): ReconcileOutcome {
  const error = {
    code: 'CONTROLLER_MANIFEST_BLOCKED' as const,
    message: `the file declaring ${identity} has problems; the service is left as it is until they are fixed`,
    at: new Date(now).toISOString(),
  };
  return {
    result: 'error', error,
    ...(context.status ? { status: { kind: 'set', patch: { lastError: error }, initial: context.status } } : {}),
  };
}

function toOutcome(desired: DesiredService, decision: ServiceDecision, previous: ServiceStatus | undefined): ReconcileOutcome {
  const initial = initialStatus(desired, decision.mode);
  const patch: Partial<ServiceStatus> = { mode: decision.mode, source: desired.source.file, ...decision.patch };
  // One object per pass, filled in (this runs for every service of every resync).
  const outcome: { -readonly [K in keyof ReconcileOutcome]: ReconcileOutcome[K] } = {
    result: decision.result,
    status: decision.observedSync !== undefined && decision.observedSync !== patch.sync
      ? { kind: 'set', patch, initial, observedSync: decision.observedSync }
      : { kind: 'set', patch, initial },
  };
  if (decision.retry) outcome.retry = true;
  if (decision.error) outcome.error = decision.error;
  if (decision.requeueAfterMs !== undefined) outcome.requeueAfterMs = decision.requeueAfterMs;
  if (decision.rollout) outcome.rollout = decision.rollout;
  if (decision.applied) outcome.applied = decision.applied;
  const notes = serviceNotes(decision, patch, previous ?? initial);
  if (notes) outcome.notes = notes;
  return outcome;
}

/** A field of the record as it will be written: the patch's, else the record's now. */
function written<K extends keyof ServiceStatus>(patch: Partial<ServiceStatus>, current: ServiceStatus, field: K): ServiceStatus[K] | undefined {
  return field in patch ? patch[field] : current[field];
}

/** The pass's log lines, read off the decision and the record as it will be written; none on most passes. */
function serviceNotes(decision: ServiceDecision, patch: Partial<ServiceStatus>, current: ServiceStatus): OutcomeNote[] | undefined {
  const lastApplySucceeded = written(patch, current, 'lastApplySucceeded');
  const quiet = !decision.applied && !decision.imageUpdates && !decision.rollout && lastApplySucceeded !== false && decision.mode !== 'detect';
  if (quiet) return undefined;
  const after = <K extends keyof ServiceStatus>(field: K) => written(patch, current, field);
  const notes: OutcomeNote[] = [];
  // One line per action, so a log query for one kind of change (say every DeleteService) needs no array search.
  for (const action of decision.applied ?? []) notes.push({ level: 'info', message: 'applied', fields: { action, taskDefinition: after('liveTaskDefinition') } });
  for (const update of decision.imageUpdates?.updates ?? []) {
    const fields = { container: update.container, image: update.image, oldDigest: update.oldDigest ?? 'unknown (deployed before this controller started)', newDigest: update.newDigest };
    notes.push({ level: 'info', message: decision.imageUpdates?.deployed ? 'image updated' : 'image update available (detect mode: not deployed)', fields });
  }
  const lastError = after('lastError');
  if (decision.rollout === 'completed') notes.push({ level: 'info', message: 'rollout completed: Healthy', fields: { taskDefinition: after('liveTaskDefinition') } });
  else if (decision.rollout) notes.push({ level: 'error', message: `rollout ${decision.rollout.replace('_', ' ')}: Degraded`, fields: { error: lastError } });
  else if (lastApplySucceeded === false && lastError && !decision.applied) notes.push({ level: 'warn', message: 'not applied', fields: { error: lastError } });
  if (after('sync') === 'OutOfSync' && decision.mode === 'detect') notes.push({ level: 'info', message: 'drift detected (detect mode: not applied)', fields: { diff: (after('diff') ?? []).map((d) => d.pointer) } });
  return notes.length > 0 ? notes : undefined;
}
