/**
 * The Service kind: one level-triggered pass over one service key. Observe
 * (observe.ts), decide (decide.ts, pure), act (the applier), and return an
 * outcome with the status patch, the log notes, the rollout result and a
 * requeue while a rollout is being followed (never blocking a worker).
 *
 * The only state kept between passes is per key (ServiceMemory, and the
 * correction-loop count of correction-loop.ts), and the queue never runs two
 * passes of one key at once, so concurrent passes of different keys share
 * nothing.
 */
import type { MaskOptions } from '../../diff/index.js';
import type { ServiceKey } from '../../keys/index.js';
import { identityOf } from '../../keys/index.js';
import type { DesiredService, SyncMode } from '../../manifests/types.js';
import type { Planner } from '../planner.js';
import { SUCCESS, type OutcomeNote, type ReconcileContext, type ReconcileOutcome, type Reconciler } from '../reconciler.js';
import type { ServiceStatus, StatusError } from '../status.js';
import type { Clock } from '../../util/clock.js';
import { decideService, settle, withDriftCause, type ActResult, type ServiceDecision, type ServiceDecisionInput, type ServiceMemory } from './decide.js';
import type { DriftCause, OpenDeploy } from '../../events/types.js';
import type { RegionAccess } from '../regions.js';
import type { AdoptionPolicy } from '../../plan/ownership.js';
import { observeService } from './observe.js';
import { reconcileScaling } from '../scaling/step.js';
import { followPostDeploy, gatePreDeploy, markPostDeployDue, type DeployStarted, type HookStepInput } from '../hooks/step.js';
import type { DeployHookPhase, DeployHookResult } from '../../observe/metrics.js';
import { errorCodeOf, errorMessage } from '../errors.js';
import type * as ECS from '@aws-sdk/client-ecs';
import {
  DEFAULT_CORRECTION_LOOP_POLICY, correctionLoopStatus, correctionSignature, judgeCorrection,
  type CorrectionLoopPolicy, type CorrectionLoopState, type CorrectionVerdict,
} from './correction-loop.js';

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
  /** When the same change applied pass after pass is held back, and how often it is retried. @default DEFAULT_CORRECTION_LOOP_POLICY */
  readonly correctionLoop?: Partial<CorrectionLoopPolicy>;
  /** A deploy hook task finished (the controller counts it in ecs_gitops_deploy_hook_runs_total). */
  readonly onHookFinished?: (phase: DeployHookPhase, result: DeployHookResult) => void;
  /**
   * Awaited once per pass right before its first write to ECS for an apply (a
   * preDeploy hook's task definition or task, RegisterTaskDefinition,
   * CreateService/UpdateService, auto scaling): the events recorder announces
   * SyncStarted and records the deploy as open (EventRecorder.applyStarting).
   * A rejection fails the pass before anything is written (retried with backoff).
   */
  readonly onApplyStarting?: (info: ApplyStartingInfo) => Promise<void>;
}

/** What an apply about to start is (ServiceReconcilerOptions.onApplyStarting). */
export interface ApplyStartingInfo {
  readonly key: string;
  readonly revision: string;
  /** DesiredService.contentHash of what is applied (after the image policy): an OpenDeploy's, and resume's, contentHash. */
  readonly contentHash: string;
  readonly cause: DriftCause;
  /** ISO time of the pass's start. */
  readonly at: string;
  readonly status: ServiceStatus | undefined;
}

function initialStatus(desired: DesiredService, mode: SyncMode): ServiceStatus {
  return {
    key: desired.key, region: desired.region, cluster: desired.cluster, service: desired.name,
    ...(desired.account !== undefined ? { account: desired.account } : {}),
    ...(desired.environment !== undefined ? { environment: desired.environment } : {}),
    sync: 'Unknown', health: 'Unknown', mode, source: desired.source.file, diff: [],
  };
}

export class ServiceReconciler implements Reconciler<'Service'> {
  readonly kind = 'Service' as const;
  /** Diffs computed and diffs reused from a Synced pass with the same inputs (skip-unchanged fast path). */
  readonly diffCounts = { computed: 0, reused: 0 };
  readonly #options: Required<Omit<ServiceReconcilerOptions, 'adoption' | 'correctionLoop' | 'onHookFinished' | 'onApplyStarting'>>
    & Pick<ServiceReconcilerOptions, 'adoption' | 'onHookFinished' | 'onApplyStarting'>;
  readonly #loopPolicy: CorrectionLoopPolicy;
  readonly #memory = new Map<string, ServiceMemory>();
  /** Per key: the change last applied and how many passes in a row applied it (correction-loop.ts). */
  readonly #loops = new Map<string, CorrectionLoopState>();

  constructor(options: ServiceReconcilerOptions) {
    const { correctionLoop, ...rest } = options;
    this.#options = { rolloutPollMs: 2000, rolloutTimeoutMs: 1_800_000, followRollouts: true, mask: {}, ...rest };
    this.#loopPolicy = { ...DEFAULT_CORRECTION_LOOP_POLICY, ...correctionLoop };
  }

  /**
   * A restarted controller hands over a deploy an earlier process began
   * (EventRecorder.openDeploys): the key's next pass follows its rollout to
   * the end as if this process had applied it, while the desired content is
   * still the deploy's (decide.ts, takeOver). A deploy recorded as applied with
   * its task definition is watched from the start, so the pass reads its
   * service deployment (one that rolled back while the controller was down
   * ends failed); its content counts as applied for the drift cause.
   */
  resume(key: string, deploy: OpenDeploy): void {
    const memory = this.#memory.get(key) ?? {};
    if (memory.watched) return; // This process follows a rollout of the key already.
    const seeded: ServiceMemory = deploy.applied && deploy.taskDefinitionArn ? {
      ...memory, syncedContent: deploy.contentHash,
      watched: {
        taskDefinitionArn: deploy.taskDefinitionArn, revision: deploy.revision, contentHash: deploy.contentHash,
        startedAt: Number.isFinite(Date.parse(deploy.startedAt)) ? Date.parse(deploy.startedAt) : this.#options.clock.now(),
        ...(deploy.serviceDeploymentArn ? { serviceDeploymentArn: deploy.serviceDeploymentArn } : {}),
        ...(deploy.deploymentId?.startsWith('ecs-svc/') ? { deploymentId: deploy.deploymentId } : {}),
      },
    } : { ...memory, ...(deploy.applied ? { syncedContent: deploy.contentHash } : {}) };
    this.#memory.set(key, { ...seeded, resume: deploy });
  }

  forget(key: ServiceKey): void {
    const identity = identityOf(key);
    this.#memory.delete(identity);
    this.#loops.delete(identity);
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
    // The pass's time, taken before its reads: a requeue delay counts from the pass's start (the controller
    // subtracts the pass's duration), so a followed rollout's next look lands on its poll tick however long
    // the reads waited for tokens (decide.ts, followPollDelay).
    const now = this.#options.clock.now();
    const observed = await observeService(desired, region, signal, {
      controllerId: this.#options.controllerId, followed: memory.followed, now,
      // Only a rollout this controller follows costs a DescribeServiceDeployments.
      ...(memory.watched ? { watched: memory.watched } : {}),
      warn: (fields, message) => context.log.warn(fields, message),
    });
    let input: ServiceDecisionInput = {
      desired, observed, memory, previous: context.status, mode: this.#options.mode, controllerId: this.#options.controllerId,
      revision: context.revision, now, planner: this.#options.planner, mask: this.#options.mask,
      followRollouts: this.#options.followRollouts, rolloutPollMs: this.#options.rolloutPollMs, rolloutTimeoutMs: this.#options.rolloutTimeoutMs,
      adoption: this.#options.adoption,
    };
    let decision = decideService(input);
    if (decision.diffReused) this.diffCounts.reused++;
    else if (decision.diffComputed) this.diffCounts.computed++;
    if (setsDesiredCount(decision) && region.scaling && observed.complete) {
      // Git is about to set the count, judged on a scaling listing that may be seconds old: a target
      // registered since would own the count. Read this service's scaling afresh before fighting it.
      region.scaling.reader.invalidate(desired.cluster, desired.name);
      try {
        const scaling = await region.scaling.reader.describe(desired.cluster, desired.name, signal);
        if (scaling.target && scaling.target !== observed.observation.scaling?.target) {
          input = { ...input, observed: { ...observed, observation: { ...observed.observation, scaling } } };
          decision = decideService(input);
        }
      } catch (error) {
        // Who owns the count cannot be read: never guess (the pass fails, as a failed observe does).
        input = { ...input, observed: { complete: false, step: 'scaling', error, observation: observed.observation } };
        decision = decideService(input);
      }
    }

    const act = decision.act;
    // Once per pass, before the pass's first write for an apply (onApplyStarting).
    let announcement: Promise<{ ok: true } | { ok: false; error: unknown }> | undefined;
    const announce = () => (announcement ??= this.#announce({
      key: identity, revision: context.revision, contentHash: (observed.observation.policy?.desired ?? desired).contentHash,
      cause: decision.driftCause ?? 'git', at: new Date(now).toISOString(), status: context.status,
    }));
    let notes: OutcomeNote[] | undefined;
    let created: ECS.Service | undefined;
    const hookInput: HookStepInput = {
      desired, observed: input.observed, region, signal, status: context.status, controllerId: this.#options.controllerId,
      revision: context.revision, now: input.now, pollMs: this.#options.rolloutPollMs,
      ...(this.#options.onHookFinished ? { onHookFinished: this.#options.onHookFinished } : {}),
    };
    let hookNotes: readonly OutcomeNote[] | undefined;
    let deployed: DeployStarted | undefined;
    if (act) {
      // A change applied pass after pass is held back (correction-loop.ts); only applies are judged, so a
      // pass with nothing to apply costs one Map look-up below.
      let verdict: CorrectionVerdict | undefined;
      if (act.kind === 'apply') {
        const signature = correctionSignature((act.policy?.desired ?? desired).contentHash, decision.patch.diff ?? [], act.plan.actions);
        verdict = judgeCorrection(this.#loops.get(identity), signature, input.now, this.#loopPolicy);
        if (verdict.kind === 'hold') {
          this.#loops.set(identity, verdict.state);
          this.#memory.set(identity, decision.memory);
          return toOutcome(desired, heldBack(decision, verdict, input.now), context.status, verdict.detected ? [detectedNote(decision, verdict)] : undefined);
        }
      }
      // Announced before the first write (the preDeploy hooks' included); if that fails, nothing is written.
      const announced = await announce();
      if (!announced.ok) {
        this.#memory.set(identity, decision.memory);
        return toOutcome(desired, announceFailed(decision, announced.error, input.now), context.status);
      }
      // spec.hooks.preDeploy: the new revision's hooks run (one look per pass) before anything is applied.
      const gate = await this.#hookStep(decision, () => gatePreDeploy(hookInput, decision), input.now);
      if (!gate.proceed) {
        this.#memory.set(identity, gate.decision.memory);
        return toOutcome(desired, gate.decision, context.status, gate.notes);
      }
      decision = gate.decision;
      hookNotes = gate.notes;
      const before = decision;
      const acted = await this.#act(desired, decision, signal, region);
      decision = settle(input, decision, acted);
      if (acted.ok) created = acted.result.service;
      if (acted.ok && acted.result.deploymentStarted && acted.result.taskDefinitionArn) {
        const previous = input.observed.observation.live.service?.taskDefinition;
        deployed = { taskDefinitionArn: acted.result.taskDefinitionArn, ...(previous ? { previousTaskDefinition: previous } : {}) };
      }
      // Only a change that was applied counts as a correction; a failed write is ReconcileFailing's business.
      if (verdict && acted.ok) this.#loops.set(identity, verdict.state);
      if (verdict?.kind === 'retry' && acted.ok) decision = retried(before, decision, verdict, input.now, this.#options.rolloutPollMs);
    } else if (this.#loops.size > 0 && (decision.patch.sync === 'Synced' || decision.mode === 'detect')) {
      // In sync (the fight is over), or nothing is applied any more: a later correction counts from one again.
      this.#loops.delete(identity);
    }
    decision = await reconcileScaling({
      desired, decision, observed: input.observed, created, region: this.#options.onApplyStarting ? announcingWrites(region, announce) : region, signal, status: context.status,
      controllerId: this.#options.controllerId, revision: context.revision, now: input.now, mask: this.#options.mask,
    });
    if (desired.manifest.spec.hooks?.postDeploy?.length) {
      // Due from the pass that saw the rollout complete until the hooks finished, even when this step fails.
      const due = markPostDeployDue(hookInput, decision);
      const post = await this.#hookStep(due, () => followPostDeploy(hookInput, due, deployed), input.now);
      decision = post.decision;
      if (post.notes) hookNotes = [...(hookNotes ?? []), ...post.notes];
    }
    if (hookNotes) notes = [...hookNotes];
    if (context.status?.correctionLoop && !this.#loops.get(identity)?.loop) {
      decision = { ...decision, patch: { ...decision.patch, correctionLoop: undefined } };
      notes = [...(notes ?? []), { level: 'info', message: 'correction loop over', fields: { sync: decision.patch.sync } }];
    }
    this.#memory.set(identity, decision.memory);
    return toOutcome(desired, decision, context.status, notes);
  }

  async #announce(info: ApplyStartingInfo): Promise<{ ok: true } | { ok: false; error: unknown }> {
    if (!this.#options.onApplyStarting) return { ok: true };
    try {
      await this.#options.onApplyStarting(info);
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** A hook step whose ECS call failed (throttling, network): the pass fails and is retried with backoff; nothing is applied. */
  async #hookStep<R extends { decision: ServiceDecision; notes?: readonly OutcomeNote[] }>(
    decision: ServiceDecision, step: () => Promise<R>, now: number,
  ): Promise<R | (R & { proceed: false })> {
    try {
      return await step();
    } catch (err) {
      const error: StatusError = { code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), message: `deploy hooks: ${errorMessage(err)}`, at: new Date(now).toISOString() };
      const { act: _notNow, ...rest } = decision;
      return { proceed: false, decision: { ...rest, result: 'error', retry: true, error, patch: { ...decision.patch, lastError: error } } } as unknown as R & { proceed: false };
    }
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

/** The apply could not be announced (onApplyStarting rejected): nothing is written, the pass is retried with backoff. */
function announceFailed(decision: ServiceDecision, err: unknown, now: number): ServiceDecision {
  const { act: _notNow, ...rest } = decision;
  const error: StatusError = { code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), message: `not applied: announcing the apply failed: ${errorMessage(err)}`, at: new Date(now).toISOString() };
  return { ...rest, result: 'error', retry: true, error, patch: { ...decision.patch, lastError: error } };
}

/**
 * The location with its auto scaling writes (and the service tag claiming a
 * target) announced first: the scaling step writes only when Git's scaling
 * differs from live, which only it knows.
 */
function announcingWrites(region: RegionAccess, announce: () => Promise<{ ok: true } | { ok: false; error: unknown }>): RegionAccess {
  const first = async () => {
    const announced = await announce();
    if (!announced.ok) throw announced.error;
  };
  const applier = region.applier;
  const scaling = region.scaling;
  return {
    ...region,
    applier: new Proxy(applier, {
      get(target, property) {
        if (property === 'apply') return async (...args: Parameters<typeof applier.apply>) => { await first(); return applier.apply(...args); };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }),
    ...(scaling ? {
      scaling: {
        reader: scaling.reader,
        applier: { apply: async (...args: Parameters<typeof scaling.applier.apply>) => { await first(); return scaling.applier.apply(...args); } },
        tagTarget: async (...args: Parameters<typeof scaling.tagTarget>) => { await first(); return scaling.tagTarget(...args); },
      },
    } : {}),
  };
}

/** The decision would send desiredCount to an existing service. */
function setsDesiredCount(decision: ServiceDecision): boolean {
  return decision.act?.kind === 'apply' && decision.act.plan.actions.some((a) => a.kind === 'updateService' && a.input.desiredCount !== undefined);
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

type LoopVerdict = Extract<CorrectionVerdict, { kind: 'hold' | 'retry' }>;

function loopError(decision: ServiceDecision, verdict: LoopVerdict, now: number, retriedNow: boolean): StatusError {
  const status = correctionLoopStatus(verdict.state);
  const pointers = (decision.patch.diff ?? []).map((c) => c.pointer);
  const what = pointers.length > 0 ? `the change to ${pointers.join(', ')}` : 'the same change';
  const retry = retriedNow ? `applied once more; it is retried next at ${status.nextRetryAt} unless a pass finds the service in sync first`
    : `not re-applied until ${status.nextRetryAt}`;
  return {
    code: 'CONTROLLER_CORRECTION_LOOP',
    message: `correction loop: ${what} was applied on ${verdict.state.corrections} passes in a row and undone each time (another tool, or a field ECS stores differently); ${retry}`,
    at: new Date(now).toISOString(),
  };
}

/** The change is not applied: OutOfSync with the change that keeps coming undone, until the retry. */
function heldBack(decision: ServiceDecision, verdict: LoopVerdict, now: number): ServiceDecision {
  const { act: _held, ...rest } = decision;
  const error = loopError(decision, verdict, now, false);
  return {
    ...rest, result: 'error', error, requeueAfterMs: Math.max(1, verdict.state.loop.retryAt - now),
    patch: { ...decision.patch, lastError: error, correctionLoop: correctionLoopStatus(verdict.state) },
  };
}

/**
 * A slow retry was applied: the status still reports the loop (OutOfSync with
 * the diff found before applying), so the drift gauge does not drop to 0 for
 * one pass each retry; the pass that follows soon after says whether it held.
 */
function retried(before: ServiceDecision, settled: ServiceDecision, verdict: LoopVerdict, now: number, verifyAfterMs: number): ServiceDecision {
  const { observedSync: _observed, ...rest } = settled;
  const error = loopError(before, verdict, now, true);
  return {
    ...rest, requeueAfterMs: settled.requeueAfterMs ?? verifyAfterMs,
    patch: { ...settled.patch, sync: before.patch.sync, diff: before.patch.diff, lastError: error, correctionLoop: correctionLoopStatus(verdict.state) },
  };
}

function detectedNote(decision: ServiceDecision, verdict: LoopVerdict): OutcomeNote {
  return {
    level: 'warn', message: 'correction loop: the same change keeps coming undone; not re-applied on every pass',
    fields: { diff: (decision.patch.diff ?? []).map((c) => c.pointer), corrections: verdict.state.corrections, nextRetryAt: correctionLoopStatus(verdict.state).nextRetryAt },
  };
}

function toOutcome(desired: DesiredService, settled: ServiceDecision, previous: ServiceStatus | undefined, extraNotes?: readonly OutcomeNote[]): ReconcileOutcome {
  // The steps after decide (auto scaling, a correction-loop retry) may have moved sync: the cause follows the final record.
  const decision = withDriftCause(settled);
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
  if (decision.resumedDeploy) outcome.resumedDeploy = true;
  if (decision.observedSync !== undefined && decision.observedSync !== patch.sync && decision.observedDiff) outcome.observedDiff = decision.observedDiff;
  const notes = serviceNotes(decision, patch, previous ?? initial);
  if (notes && extraNotes) outcome.notes = [...extraNotes, ...notes];
  else if (notes ?? extraNotes) outcome.notes = notes ?? extraNotes;
  return outcome;
}

/** A field of the record as it will be written: the patch's, else the record's now. */
function written<K extends keyof ServiceStatus>(patch: Partial<ServiceStatus>, current: ServiceStatus, field: K): ServiceStatus[K] | undefined {
  return field in patch ? patch[field] : current[field];
}

/** The pass's log lines, read off the decision and the record as it will be written; none on most passes. */
function serviceNotes(decision: ServiceDecision, patch: Partial<ServiceStatus>, current: ServiceStatus): OutcomeNote[] | undefined {
  const lastApplySucceeded = written(patch, current, 'lastApplySucceeded');
  const quiet = !decision.applied && !decision.imageUpdates && !decision.rollout && !decision.newlyUnverified && lastApplySucceeded !== false && decision.mode !== 'detect';
  if (quiet) return undefined;
  const after = <K extends keyof ServiceStatus>(field: K) => written(patch, current, field);
  const notes: OutcomeNote[] = [];
  // One line per action, so a log query for one kind of change (say every DeleteService) needs no array search.
  for (const action of decision.applied ?? []) notes.push({ level: 'info', message: 'applied', fields: { action, taskDefinition: after('liveTaskDefinition') } });
  for (const update of decision.imageUpdates?.updates ?? []) {
    const fields = { container: update.container, image: update.image, oldDigest: update.oldDigest ?? 'unknown (deployed before this controller started)', newDigest: update.newDigest };
    notes.push({ level: 'info', message: decision.imageUpdates?.deployed ? 'image updated' : 'image update available (detect mode: not deployed)', fields });
  }
  // imagePreflight: permissive: deployed (or to be) without a check; warned once, listed in status.unverifiedImages.
  for (const u of decision.newlyUnverified ?? []) notes.push({ level: 'warn', message: 'image unverified: the controller cannot read its repository', fields: { container: u.container, image: u.image, reason: u.reason } });
  const lastError = after('lastError');
  if (decision.rollout === 'completed') notes.push({ level: 'info', message: 'rollout completed: Healthy', fields: { taskDefinition: after('liveTaskDefinition') } });
  else if (decision.rollout) notes.push({ level: 'error', message: `rollout ${decision.rollout.replace('_', ' ')}: Degraded`, fields: { error: lastError } });
  else if (lastApplySucceeded === false && lastError && !decision.applied) notes.push({ level: 'warn', message: 'not applied', fields: { error: lastError } });
  if (after('sync') === 'OutOfSync' && decision.mode === 'detect') notes.push({ level: 'info', message: 'drift detected (detect mode: not applied)', fields: { diff: (after('diff') ?? []).map((d) => d.pointer) } });
  return notes.length > 0 ? notes : undefined;
}
