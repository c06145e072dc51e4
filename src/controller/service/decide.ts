/**
 * Decide: what one pass over a service means, from what observe read and what
 * the reconciler remembers about the key. Pure (no IO, the time is an input):
 * ownership, "gone", the diff, health and the outcome of a followed rollout,
 * the plan, and the status patch, in one place. `settle` finishes a decision
 * once the applier has run its plan.
 *
 * Status is consistent by construction: `sync` and `diff` are only ever set
 * together, by `compared` (Synced with no changes, OutOfSync with the changes
 * that make it so) or `notCompared` (Unknown, no changes).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { diffService, isServiceDraining, isServiceGone, liveServiceFingerprint, maskChanges, type Change, type DiffOptions, type MaskOptions } from '../../diff/index.js';
import type { ErrorCode } from '../../errors/index.js';
import type { DesiredService, ServiceManifest, SyncMode } from '../../manifests/types.js';
import type { ReconcileResult, RolloutResult } from '../../observe/metrics.js';
import { adoptionRefusal, type AdoptionPolicy } from '../../plan/ownership.js';
import type { ScalingActionKind } from '../../plan/scaling-types.js';
import type { ActionKind, LiveServiceState, Plan } from '../../plan/types.js';
import type { ApplyResult } from '../applier.js';
import { errorCodeOf, errorMessage } from '../errors.js';
import { imagePolicyOf, rememberDigests, type FollowedDigests, type ImagePolicyResult, type ImageUpdate, type UnverifiedImage } from '../image-policy.js';
import type { Planner } from '../planner.js';
import {
  activeRolloutMs, assessRollout, assessServiceDeployment, observeWatch, plannedBakeMs, primaryDeployment, rolloutStatusFromDeployment, rolloutStatusFromService,
  serviceDeploymentArnFor, strategyOf, type WatchedRollout,
} from '../rollout.js';
import { TAG_REVISION, TAG_SPEC_HASH, tagsToMap } from '../../diff/tags.js';
import { buildTaskDefinitionRegistration, tagValue } from '../../plan/task-definition-input.js';
import type { DriftCause, OpenDeploy } from '../../events/types.js';
import type { HealthStatus, RolloutStatus, ServiceStatus, StatusChange, StatusError } from '../status.js';
import type { ServiceObserveResult } from './observe.js';
import type { HookMemory } from '../hooks/step.js';

/**
 * Everything diffService reads for one service, by value or fingerprint: the
 * manifest as declared (identity, so an in-memory edit that kept the hash is
 * still compared), its content hash after the image policy (digests pinned),
 * the live record minus its volatile fields (liveServiceFingerprint; it holds
 * the task definition ARN, whose content never changes) and the cluster's
 * default capacity provider strategy.
 */
export interface DiffInputs {
  readonly declared: ServiceManifest;
  readonly contentHash: string;
  readonly live: string;
  readonly strategy: string;
  /** A target registered outside Git scales the service (desiredCount not compared). */
  readonly scaledExternally: boolean;
}

/** What the reconciler remembers about one key between its passes. Replaced, never mutated. */
export interface ServiceMemory {
  /** The rollout this controller started and is following. */
  readonly watched?: WatchedRollout;
  /** Manifest content whose rollout failed: not re-applied until the manifest changes. */
  readonly failedContent?: string;
  /** The diff inputs of the last pass that found the service Synced (skip-unchanged fast path). */
  readonly syncedInputs?: DiffInputs;
  /** follow-tag: digests deployed or first seen. */
  readonly followed?: FollowedDigests;
  /** Deploy hooks (spec.hooks) looked at for the latest content, and the revision to roll back to (../hooks/step.ts). */
  readonly hooks?: HookMemory;
  /**
   * The content (DesiredService.contentHash, after the image policy) a pass last found Synced or applied: drift
   * against the same content is `live`, against other content `git` (status.driftCause, driftCauseOf).
   */
  readonly syncedContent?: string;
  /** A deploy an earlier process began, handed over by ServiceReconciler.resume; taken up (or dropped) by the next pass. */
  readonly resume?: OpenDeploy;
}

export interface ServiceDecisionInput {
  /** As declared in the snapshot (before the image policy). */
  readonly desired: DesiredService;
  readonly observed: ServiceObserveResult;
  readonly memory: ServiceMemory;
  readonly previous: ServiceStatus | undefined;
  /** The controller's mode; a manifest's `spec.sync.mode: detect` always wins. */
  readonly mode: SyncMode;
  readonly controllerId: string;
  readonly revision: string;
  /** Clock time of the pass (ms). */
  readonly now: number;
  readonly planner: Planner;
  readonly mask: MaskOptions;
  readonly followRollouts: boolean;
  readonly rolloutPollMs: number;
  readonly rolloutTimeoutMs: number;
  /** Untagged live services this controller may adopt; undefined: only those tagged ecs-gitops/adopt. */
  readonly adoption?: AdoptionPolicy | undefined;
}

/** What to do to ECS, if anything; `settle` turns its result into the final outcome. */
export type ServiceAct =
  | { readonly kind: 'apply'; readonly plan: Plan; readonly policy?: ImagePolicyResult }
  | { readonly kind: 'followTags'; readonly service: ECS.Service; readonly policy: ImagePolicyResult };

export interface ServiceDecision {
  readonly result: ReconcileResult;
  readonly retry?: boolean;
  readonly error?: StatusError;
  readonly requeueAfterMs?: number;
  /** The status patch; with `act`, the patch as it stands before acting. */
  readonly patch: Partial<ServiceStatus>;
  readonly mode: SyncMode;
  readonly memory: ServiceMemory;
  readonly rollout?: RolloutResult;
  readonly imageUpdates?: { readonly updates: readonly ImageUpdate[]; readonly deployed: boolean };
  /** ECR images found unverified this pass that the previous status did not list (logged once as a warning). */
  readonly newlyUnverified?: readonly UnverifiedImage[];
  /** With an act that succeeded: the sync found before acting (drift found and corrected in one pass). */
  readonly observedSync?: ServiceStatus['sync'];
  /** With observedSync: the diff found before acting (a drift corrected in one pass; its event names the fields). */
  readonly observedDiff?: ServiceStatus['diff'];
  /** ECS actions the act step performed. */
  readonly applied?: readonly (ActionKind | ScalingActionKind)[];
  /** What would make (or made) the service OutOfSync this pass; written as status.driftCause when it is (withDriftCause). */
  readonly driftCause?: DriftCause;
  /** The pass took up a deploy an earlier process began and had not recorded as applied, and live already runs it (ServiceReconciler.resume). */
  readonly resumedDeploy?: boolean;
  /** The diff step ran: computed, or skipped because its inputs matched the last Synced pass. */
  readonly diffReused?: boolean;
  readonly diffComputed?: boolean;
  readonly act?: ServiceAct;
}

type Comparison = Pick<ServiceStatus, 'sync' | 'diff'>;
type MutableStatus = { -readonly [K in keyof ServiceStatus]?: ServiceStatus[K] };

/** Synced with no changes, OutOfSync with the (masked) changes that make it so. */
export function compared(changes: readonly Change[], mask: MaskOptions): Comparison {
  if (changes.length === 0) return { sync: 'Synced', diff: [] };
  const diff: StatusChange[] = maskChanges(changes, mask).map((c) => ({ pointer: c.pointer, kind: c.kind, scope: c.scope, desired: c.desired, live: c.live }));
  return { sync: 'OutOfSync', diff };
}

/** Live state or the desired state could not be read: nothing was compared. */
export function notCompared(): Comparison {
  return { sync: 'Unknown', diff: [] };
}

function sameDiffInputs(a: DiffInputs | undefined, b: DiffInputs): boolean {
  return a !== undefined && a.declared === b.declared && a.contentHash === b.contentHash && a.live === b.live && a.strategy === b.strategy
    && a.scaledExternally === b.scaledExternally;
}

function diffOptionsFor(strategy: readonly ECS.CapacityProviderStrategyItem[] | undefined, scaledExternally: boolean): DiffOptions {
  if (!scaledExternally) return strategy ? { clusterDefaultCapacityProviderStrategy: strategy } : {};
  return strategy ? { clusterDefaultCapacityProviderStrategy: strategy, desiredCountScaledExternally: true } : { desiredCountScaledExternally: true };
}

/**
 * A live scalable target scales the service and the manifest declares no
 * autoScaling: that target owns desiredCount. One registered outside Git for
 * good; one of ours until the scaling step (after this pass's service
 * changes) has deregistered it, so the count is never set while it scales.
 */
export function isScaledExternally(declared: DesiredService, observation: Pick<ServiceObserveResult['observation'], 'scaling'>): boolean {
  return declared.manifest.spec.autoScaling === undefined && observation.scaling?.target !== undefined;
}

interface HealthAssessment {
  readonly health: HealthStatus;
  readonly patch: Partial<ServiceStatus>;
  readonly memory: ServiceMemory;
  readonly rollout?: RolloutResult;
}

function assessHealth(input: ServiceDecisionInput, desired: DesiredService, service: ECS.Service | undefined, memory: ServiceMemory): HealthAssessment {
  const at = new Date(input.now).toISOString();
  let watch = memory.watched;
  let next = memory;
  if (watch && watch.contentHash !== desired.contentHash) {
    // A newer manifest supersedes the rollout we were following: it is no longer followed, and its status
    // ends here, so a new apply that errors, is blocked or held (or detect mode) leaves no rollout in progress.
    next = { ...next, watched: undefined };
    watch = undefined;
    const ended = supersededRollout(input.previous?.rollout, at);
    if (ended) return { health: assessRollout(service).health, patch: { rollout: ended }, memory: next };
  }
  if (!watch) return { health: assessRollout(service).health, patch: {}, memory: next };

  // The service deployment is read only while the service is there (a gone service is judged below).
  const fetched = input.observed.observation.serviceDeployment;
  const live = service && service.status !== 'INACTIVE' && service.status !== 'DRAINING';
  const deployment = live && fetched && fetched.serviceDeploymentArn === serviceDeploymentArnFor(watch, service) ? fetched : undefined;
  watch = observeWatch(watch, deployment, deployment?.serviceDeploymentArn, input.now, service);
  next = { ...next, watched: watch };
  const assessment = deployment ? assessServiceDeployment(deployment, watch.sawRollbackRequested === true) : assessRollout(service, watch);
  const strategy = strategyOf(desired.manifest.spec.deploymentConfiguration as ECS.DeploymentConfiguration | undefined);
  const read = deployment ? rolloutStatusFromDeployment(deployment, watch, input.now, service) : rolloutStatusFromService(service, watch, strategy);
  const rollout: RolloutStatus = assessment.reason ? { ...read, reason: assessment.reason } : read;
  const finished = (result: RolloutStatus['result']): RolloutStatus => ({ ...rollout, result, finishedAt: rollout.finishedAt ?? at });

  if (assessment.outcome === 'in_progress') {
    const budgetMs = rolloutBudgetMs(input, deployment, desired);
    if (!timedOut(input, watch, budgetMs)) return { health: 'Progressing', patch: { rollout }, memory: next };
    const paused = watch.pausedMs ? `, not counting ${Math.round(watch.pausedMs / 1000)} s waiting on lifecycle hooks` : '';
    return {
      health: 'Degraded', rollout: 'timed_out', memory: { ...next, watched: undefined },
      patch: {
        lastApplySucceeded: false, rollout: finished('timed_out'),
        lastError: { code: 'CONTROLLER_ROLLOUT_TIMED_OUT', message: `rollout of ${watch.taskDefinitionArn} did not finish in ${Math.round(budgetMs / 1000)} s${paused}`, at },
      },
    };
  }
  if (assessment.outcome === 'completed') {
    // Scaled to zero completes as Suspended (assessRollout says so on the fallback path).
    const health = deployment && (service?.desiredCount ?? 0) === 0 && service?.schedulingStrategy !== 'DAEMON' ? 'Suspended' : assessment.health;
    return {
      health, rollout: 'completed', memory: { ...next, watched: undefined },
      patch: { lastApplySucceeded: true, lastAppliedRevision: watch.revision, lastError: undefined, rollout: finished('completed') },
    };
  }
  const failedMemory: ServiceMemory = { ...next, watched: undefined, failedContent: watch.contentHash };
  if (assessment.rolledBackByHand) {
    // `ecs-gitops rollback` (StopServiceDeployment, ROLLBACK): the content is held like a failed rollout, so the
    // controller does not put back what a person just took out; a change in Git releases it (docs/deployments.md).
    const by = deployment?.rollback?.startedAt ?? deployment?.stoppedAt ?? deployment?.finishedAt;
    const handAt = by ? by.toISOString() : at;
    return {
      health: 'Degraded', rollout: 'failed', memory: failedMemory,
      patch: {
        lastApplySucceeded: false, lastAttemptedRevision: input.revision, rollout: { ...finished('rolled_back'), rolledBackByHandAt: handAt },
        lastError: { code: 'CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND', message: `rollout of ${watch.taskDefinitionArn} rolled back by hand at ${handAt}; fix or revert in Git`, at },
      },
    };
  }
  return {
    health: 'Degraded', rollout: 'failed', memory: failedMemory,
    patch: {
      lastApplySucceeded: false,
      lastAttemptedRevision: input.revision,
      rollout: finished(assessment.outcome === 'rolled_back' ? 'rolled_back' : 'failed'),
      lastError: { code: 'CONTROLLER_ROLLOUT_FAILED', message: `rollout of ${watch.taskDefinitionArn} failed: ${assessment.reason ?? 'deployment failed'}`, at },
    },
  };
}

/**
 * How long the followed rollout may run: the controller's rollout timeout
 * plus the waits ECS puts into the deployment itself (bakeTimeInMinutes, the
 * LINEAR step and CANARY bakes), read from the service deployment, else from
 * the manifest (the rolloutState path of a staged strategy still bakes).
 */
function rolloutBudgetMs(input: ServiceDecisionInput, deployment: ECS.ServiceDeployment | undefined, desired: DesiredService): number {
  const configuration = deployment?.deploymentConfiguration ?? (desired.manifest.spec.deploymentConfiguration as ECS.DeploymentConfiguration | undefined);
  return input.rolloutTimeoutMs + plannedBakeMs(configuration);
}

/**
 * The rollout ran past its budget. The time lifecycle hooks held it (a PAUSE
 * hook awaiting action, a Lambda hook answering IN_PROGRESS) does not count,
 * and it is never timed out while one holds it: ECS ends that wait (the
 * hook's answer or timeoutConfiguration), and the RolloutPaused alert
 * reports a long one.
 */
function timedOut(input: ServiceDecisionInput, watch: WatchedRollout, budgetMs: number): boolean {
  const active = activeRolloutMs(watch, input.now);
  return active !== undefined && active > budgetMs;
}

/**
 * status.rollout of a followed rollout a newer manifest superseded: ended as
 * last seen (its state kept, result `superseded`, no approval wait, no bake
 * countdown), so its stage and approval gauges go. Not a deployment result:
 * the duration histogram does not observe it. Undefined when the status
 * shows no rollout still running.
 */
function supersededRollout(rollout: RolloutStatus | undefined, at: string): RolloutStatus | undefined {
  if (!rollout || rollout.result !== undefined) return undefined;
  const { waitingForApproval: _waiting, bakeTimeRemainingSeconds: _bake, ...rest } = rollout;
  return { ...rest, result: 'superseded', reason: 'superseded by a newer manifest: no longer followed', finishedAt: at };
}

/**
 * One pass's decision, its status patch carrying status.driftCause where the
 * pass found the service OutOfSync (withDriftCause).
 */
export function decideService(input: ServiceDecisionInput): ServiceDecision {
  return withDriftCause(decide(input));
}

function decide(input: ServiceDecisionInput): ServiceDecision {
  const { observed, previous, revision, controllerId } = input;
  const declared = input.desired;
  const mode: SyncMode = declared.manifest.spec.sync?.mode === 'detect' ? 'detect' : input.mode;
  const at = new Date(input.now).toISOString();
  let memory = input.memory;
  const { live, described, ownership, policy, strategy } = observed.observation;
  const scaledExternally = isScaledExternally(declared, observed.observation);

  // 1. Could everything be read?
  if (!observed.complete && observed.step === 'live') {
    const error = failure(at, errorCodeOf(observed.error, 'CONTROLLER_APPLY_FAILED'), errorMessage(observed.error));
    return { result: 'error', retry: true, error, mode, memory, patch: { ...notCompared(), health: 'Unknown', lastError: error } };
  }
  if (isServiceDraining(described)) {
    const error = failure(at, 'CONTROLLER_SERVICE_DRAINING',
      `service ${declared.name} in cluster ${declared.cluster} is DRAINING after a deletion; it is re-created once ECS has removed it`);
    return {
      result: 'requeue', requeueAfterMs: Math.max(input.rolloutPollMs, 5000), mode, memory, error, driftCause: 'git',
      patch: { ...compared(diffService(declared.manifest, {}), input.mask), health: 'Missing', lastError: error },
    };
  }
  if (ownership?.kind === 'other') {
    const error = failure(at, 'DIFF_OWNED_BY_OTHER_CONTROLLER',
      `service ${declared.name} in cluster ${declared.cluster} is managed by controller "${ownership.owner}", not "${controllerId}"; left alone`);
    return { result: 'error', error, mode, memory, patch: { ...notCompared(), health: 'Unknown', lastError: error } };
  }
  if (ownership?.kind === 'unowned' && live.service && !isServiceGone(live.service)) {
    const refusal = adoptionRefusal(live.tags ?? live.service.tags, controllerId, { name: declared.cluster, arn: live.service.clusterArn }, input.adoption,
      `service ${declared.name} in cluster ${declared.cluster}`);
    if (refusal !== undefined) {
      const error = failure(at, 'DIFF_ADOPTION_NOT_ALLOWED', refusal);
      return { result: 'error', error, mode, memory, patch: { ...notCompared(), health: 'Unknown', lastError: error } };
    }
  }
  if (!observed.complete) {
    // The image look-ups or the cluster's strategy could not be read: retried with backoff.
    const error = failure(at, errorCodeOf(observed.error, 'CONTROLLER_APPLY_FAILED'), errorMessage(observed.error));
    return { result: 'error', retry: true, error, mode, memory, patch: { ...notCompared(), lastError: error } };
  }

  // 2. An image about to be deployed that is proven missing (or, with imagePreflight: strict,
  // cannot be read; or whose digest pin-digest cannot read): nothing is applied.
  // An image that merely cannot be read is deployed and listed in unverifiedImages below.
  if (policy?.problem) {
    const lookupFailed = policy.problem.code === 'CONTROLLER_IMAGE_LOOKUP_FAILED';
    const noDigest = lookupFailed || policy.problem.code === 'CONTROLLER_IMAGE_DIGEST_UNREADABLE';
    // pin-digest compares digests: without the look-up there is nothing to compare with.
    const comparison = noDigest && imagePolicyOf(declared) === 'pin-digest'
      ? notCompared()
      : compared(diffService(declared.manifest, live, diffOptionsFor(strategy, scaledExternally)), input.mask);
    const health = lookupFailed && live.service ? assessRollout(live.service).health : 'Degraded';
    const error = failure(at, policy.problem.code, policy.problem.message);
    return {
      result: 'error', ...(lookupFailed ? { retry: true } : {}), error, mode, memory,
      ...(comparison.sync === 'OutOfSync' ? { driftCause: driftCauseOf(input, declared, memory) } : {}),
      patch: { ...comparison, health, lastAttemptedRevision: revision, lastApplySucceeded: false, lastError: error },
    };
  }
  const desired = policy?.desired ?? declared;
  // A failed manifest is held only while it stays the manifest: any other
  // content (for pin-digest, another digest) releases it.
  if (memory.failedContent !== undefined && memory.failedContent !== desired.contentHash) memory = { ...memory, failedContent: undefined };

  // 3. Diff, unless nothing it reads changed since a pass found the service Synced.
  let changes: Change[];
  let diffReused = false;
  try {
    const fingerprint = live.service ? liveServiceFingerprint(live.service) : undefined;
    const inputs: DiffInputs | undefined = fingerprint === undefined ? undefined : {
      declared: declared.manifest, contentHash: desired.contentHash, live: fingerprint, strategy: JSON.stringify(strategy ?? null), scaledExternally,
    };
    if (inputs && sameDiffInputs(memory.syncedInputs, inputs)) {
      changes = [];
      diffReused = true;
    } else {
      changes = diffService(desired.manifest, live, diffOptionsFor(strategy, scaledExternally));
      memory = { ...memory, syncedInputs: inputs && changes.length === 0 ? inputs : undefined };
    }
  } catch (err) {
    const error = failure(at, errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), errorMessage(err));
    return { result: 'error', retry: true, error, mode, memory, patch: { ...notCompared(), lastError: error } };
  }
  const comparison = compared(changes, input.mask);
  // Judged against what the reconciler knew before this pass (a Synced pass remembers its content below).
  const driftCause: DriftCause = comparison.sync === 'Synced' && memory.syncedContent === undefined
    // The rule for a key without memory (driftCauseOf) says `live` for a service whose content is in sync; drift
    // found later in the pass (auto scaling) is then live's, and no spec hash is computed for every service
    // on a restarted controller's first resync.
    ? 'live'
    : driftCauseOf(input, desired, memory);
  if (comparison.sync === 'Synced' && memory.syncedContent !== desired.contentHash) memory = { ...memory, syncedContent: desired.contentHash };
  const taken = takeOver(input, desired, live.service, comparison.sync, memory, mode);
  memory = taken.memory;

  // 4. Health, and the outcome of a rollout we are following.
  const assessed = assessHealth(input, desired, live.service, memory);
  memory = assessed.memory;
  const health = assessed.health;
  // Built by assignment, not spreads: this is every service's path on every resync.
  const base: MutableStatus = { sync: comparison.sync, diff: comparison.diff, health, lastSyncTime: at };
  if (live.service?.taskDefinition) base.liveTaskDefinition = live.service.taskDefinition;
  if (policy && Object.keys(policy.imageDigests).length > 0) base.imageDigests = policy.imageDigests;
  // Cleared (undefined) once every image can be read again.
  if (policy) base.unverifiedImages = policy.unverified && policy.unverified.length > 0 ? policy.unverified : undefined;
  Object.assign(base, assessed.patch);
  const common: { -readonly [K in 'mode' | 'diffReused' | 'diffComputed' | 'rollout' | 'newlyUnverified' | 'driftCause' | 'resumedDeploy']?: ServiceDecision[K] } & Pick<ServiceDecision, 'mode'> = assessed.rollout
    ? { mode, diffReused, diffComputed: !diffReused, rollout: assessed.rollout, driftCause }
    : { mode, diffReused, diffComputed: !diffReused, driftCause };
  if (taken.resumedDeploy) common.resumedDeploy = true;
  if (base.unverifiedImages) {
    const fresh = newlyUnverified(base.unverifiedImages, previous?.unverifiedImages);
    if (fresh.length > 0) common.newlyUnverified = fresh;
  }
  const following = memory.watched !== undefined;

  if (comparison.sync === 'Synced' && health !== 'Degraded' && !assessed.patch.lastError) {
    if (mode === 'auto' && live.service && ownership?.kind === 'unowned') {
      // Adoption: a service declared in Git but created elsewhere (say, one
      // `ecs-gitops export` wrote a manifest for) gets the ownership tags and
      // nothing else, so later changes pass the IAM policy's tag condition.
      return applyOrBlock({ ...common, memory, patch: { ...base, lastAttemptedRevision: revision } }, planChanges(input, desired, live, [], strategy), undefined, at);
    }
    if (policy && policy.imageUpdates.length > 0 && live.service && !following && health !== 'Progressing') {
      // follow-tag: a tag points at a new digest while the service is otherwise in sync. Not drift.
      if (mode === 'detect') {
        return { ...common, result: 'success', memory, patch: { ...base, lastError: undefined }, imageUpdates: { updates: policy.imageUpdates, deployed: false } };
      }
      return { ...common, result: 'success', memory, patch: base, act: { kind: 'followTags', service: live.service, policy } };
    }
    // The digests found are the ones running (remembered as the follow-tag baseline).
    if (policy && policy.followDigests.size > 0) memory = { ...memory, followed: rememberDigests(memory.followed, policy.followDigests) };
    // In sync and not failing: clear stale errors, note what is applied (base is this pass's own object).
    base.lastError = undefined;
    if (!following && !('lastAppliedRevision' in assessed.patch)) {
      base.lastAppliedRevision = previous?.lastAppliedRevision ?? revision;
      if (previous?.lastApplySucceeded === false && health === 'Healthy') base.lastApplySucceeded = true;
    }
    const next = following ? { result: 'requeue' as const, requeueAfterMs: followPollDelay(input.now, input.rolloutPollMs) } : requeueWhileProgressing(input, health);
    return { ...common, memory, patch: base, ...next };
  }
  if (comparison.sync === 'Synced') {
    return { ...common, memory, patch: base, ...(following ? { result: 'requeue' as const, requeueAfterMs: followPollDelay(input.now, input.rolloutPollMs) } : { result: 'success' as const }) };
  }

  // 5. Out of sync.
  if (mode === 'detect') return { ...common, memory, patch: base, ...requeueWhileProgressing(input, health) };
  if (memory.failedContent === desired.contentHash) {
    // This exact manifest already failed to roll out: applying it again would
    // loop through failing deployments. Wait for a fix in Git.
    return { ...common, result: 'success', memory, patch: { ...base, health: 'Degraded' } };
  }
  if (memory.watched?.contentHash === desired.contentHash && health === 'Progressing') {
    // Our own rollout is still replacing tasks; nothing new to apply.
    return { ...common, result: 'requeue', requeueAfterMs: followPollDelay(input.now, input.rolloutPollMs), memory, patch: base };
  }
  return applyOrBlock({ ...common, memory, patch: { ...base, lastAttemptedRevision: revision } }, planChanges(input, desired, live, changes, strategy), policy, at);
}

/**
 * When to look at a rollout in progress again: on the next tick of the poll
 * interval (wall-clock multiples of it) at least half an interval away. The
 * passes over every rollout followed at once then land together and share
 * their reads (the reader batches DescribeServices 10 names and
 * DescribeServiceDeployments 20 ARNs per call), so following N rollouts costs
 * about N/10 reads per poll, not N (BENCHMARKS.md, issue 22).
 */
export function followPollDelay(now: number, pollMs: number): number {
  if (!(pollMs > 0)) return pollMs;
  const toTick = pollMs - (now % pollMs);
  return toTick < pollMs / 2 ? toTick + pollMs : toTick;
}

// Module functions rather than closures inside decideService: it runs for every service of every resync.
/** Unverified images the previous status did not list (same container and image), so each is warned about once, not every resync. */
function newlyUnverified(now: readonly UnverifiedImage[], before: readonly UnverifiedImage[] | undefined): UnverifiedImage[] {
  return now.filter((u) => !before?.some((b) => b.container === u.container && b.image === u.image));
}

function failure(at: string, code: ErrorCode, message: string): StatusError {
  return { code, message, at };
}

function requeueWhileProgressing(input: ServiceDecisionInput, health: HealthStatus): Pick<ServiceDecision, 'result' | 'requeueAfterMs'> {
  return health === 'Progressing' && input.followRollouts ? { result: 'requeue', requeueAfterMs: followPollDelay(input.now, input.rolloutPollMs) } : { result: 'success' };
}

function planChanges(
  input: ServiceDecisionInput, desired: DesiredService, live: LiveServiceState, changes: readonly Change[],
  strategy: readonly ECS.CapacityProviderStrategyItem[] | undefined,
): Plan {
  const scalingTargetExists = input.observed.observation.scaling?.target !== undefined;
  return input.planner.planService({
    desired, live, changes, controllerId: input.controllerId, revision: input.revision, ...(input.adoption ? { adoption: input.adoption } : {}),
    ...(scalingTargetExists ? { scalingTargetExists } : {}),
  }, diffOptionsFor(strategy, false));
}

function applyOrBlock(decision: Omit<ServiceDecision, 'result'>, plan: Plan, policy: ImagePolicyResult | undefined, at: string): ServiceDecision {
  if (plan.blocked) {
    const error = failure(at, plan.blocked.code, plan.blocked.message);
    return { ...decision, result: 'error', error, patch: { ...decision.patch, lastApplySucceeded: false, lastError: error } };
  }
  return { ...decision, result: 'success', act: { kind: 'apply', plan, ...(policy ? { policy } : {}) } };
}

/** What the applier did, or why it failed. */
export type ActResult = { readonly ok: true; readonly result: ApplyResult } | { readonly ok: false; readonly error: unknown };

/** The final decision once `decision.act` has run, status.driftCause as the written record must show it. Pure. */
export function settle(input: ServiceDecisionInput, decision: ServiceDecision, acted: ActResult): ServiceDecision {
  return withDriftCause(settleAct(input, decision, acted));
}

function settleAct(input: ServiceDecisionInput, decision: ServiceDecision, acted: ActResult): ServiceDecision {
  const act = decision.act;
  if (!act) return decision;
  const { act: _done, ...settled } = decision;
  const at = new Date(input.now).toISOString();
  if (!acted.ok) {
    const error: StatusError = { code: errorCodeOf(acted.error, 'CONTROLLER_APPLY_FAILED'), message: errorMessage(acted.error), at };
    return { ...settled, result: 'error', retry: true, error, patch: { ...decision.patch, lastApplySucceeded: false, lastError: error } };
  }
  const { result } = acted;
  const rest: Omit<ServiceDecision, 'result'> = decision.patch.sync !== undefined
    ? { ...settled, applied: result.performed, observedSync: decision.patch.sync, ...(decision.patch.diff ? { observedDiff: decision.patch.diff } : {}) }
    : { ...settled, applied: result.performed };
  const desired = act.policy?.desired ?? input.desired;
  let memory = decision.memory;

  // What was applied is the content live drift is judged against from now on (driftCauseOf).
  if (memory.syncedContent !== desired.contentHash) memory = { ...memory, syncedContent: desired.contentHash };

  if (act.kind === 'followTags') {
    const { policy, service } = act;
    memory = { ...memory, followed: rememberDigests(memory.followed, policy.followDigests) };
    const imageUpdates = { updates: policy.imageUpdates, deployed: true };
    const patch = { ...decision.patch, health: 'Progressing' as const, lastError: undefined, imageDigests: Object.fromEntries(policy.followDigests) };
    if (input.followRollouts && service.taskDefinition) {
      const watched = startWatch(input, service.taskDefinition, desired, result.serviceDeploymentArn, result.service);
      memory = { ...memory, watched };
      return { ...rest, memory, result: 'requeue', requeueAfterMs: followPollDelay(input.now, input.rolloutPollMs), patch: { ...patch, rollout: startedRollout(watched, desired, input.now) }, imageUpdates };
    }
    return { ...rest, memory, result: 'success', imageUpdates, patch: { ...patch, lastApplySucceeded: true, lastAppliedRevision: input.revision } };
  }

  // What was applied now matches the manifest.
  const applied: { -readonly [K in keyof ServiceStatus]?: ServiceStatus[K] } = {
    ...decision.patch, ...compared([], input.mask), lastError: undefined,
  };
  memory = { ...memory, failedContent: undefined };
  const policy = act.policy;
  // A new deployment resolves follow-tag tags again: remember what it got.
  if (result.performed.length > 0 && policy) {
    if (policy.followDigests.size > 0) memory = { ...memory, followed: rememberDigests(memory.followed, policy.followDigests) };
    if (Object.keys(policy.targetDigests).length > 0) applied.imageDigests = policy.targetDigests;
  }
  if (result.deploymentStarted && result.taskDefinitionArn && input.followRollouts) {
    const watched = startWatch(input, result.taskDefinitionArn, desired, result.serviceDeploymentArn, result.service);
    memory = { ...memory, watched };
    return {
      ...rest, memory, result: 'requeue', requeueAfterMs: followPollDelay(input.now, input.rolloutPollMs),
      patch: { ...applied, health: 'Progressing', liveTaskDefinition: result.taskDefinitionArn, rollout: startedRollout(watched, desired, input.now) },
    };
  }
  return {
    ...rest, memory, result: 'success',
    patch: {
      ...applied, lastApplySucceeded: true, lastAppliedRevision: input.revision,
      ...(result.taskDefinitionArn ? { liveTaskDefinition: result.taskDefinitionArn } : {}),
      ...(result.deploymentStarted ? { health: 'Progressing' as const } : {}),
    },
  };
}

/** The rollout an apply started, with its service deployment when CreateService/UpdateService named one. */
function startWatch(input: ServiceDecisionInput, taskDefinitionArn: string, desired: DesiredService, arn: string | undefined, service: ECS.Service | undefined): WatchedRollout {
  // CreateService/UpdateService return the service with the new deployment PRIMARY.
  const primary = primaryDeployment(service);
  const deploymentId = primary?.taskDefinition === taskDefinitionArn ? primary.id : undefined;
  return {
    taskDefinitionArn, revision: input.revision, contentHash: desired.contentHash, startedAt: input.now,
    ...(arn ? { serviceDeploymentArn: arn } : {}), ...(deploymentId ? { deploymentId } : {}),
  };
}

/** status.rollout as an apply leaves it: a new rollout, nothing read yet (a previous rollout's result and times go). */
function startedRollout(watched: WatchedRollout, desired: DesiredService, now: number): RolloutStatus {
  return {
    strategy: strategyOf(desired.manifest.spec.deploymentConfiguration as ECS.DeploymentConfiguration | undefined),
    source: watched.serviceDeploymentArn ? 'service-deployment' : 'rollout-state',
    ...(watched.serviceDeploymentArn ? { serviceDeploymentArn: watched.serviceDeploymentArn } : {}),
    ...(watched.deploymentId ? { deploymentId: watched.deploymentId } : {}),
    revision: watched.revision,
    state: watched.serviceDeploymentArn ? 'PENDING' : 'IN_PROGRESS',
    startedAt: new Date(now).toISOString(),
  };
}

/**
 * Why the service is (or would be) OutOfSync: `git` when the desired content
 * differs from the content this reconciler last found Synced or applied for
 * the key, `live` when it is that content and live moved. Without that memory
 * (a restarted controller's first pass): `live` when the live service's
 * ecs-gitops/revision tag is this pass's revision, or the task definition it
 * runs carries the desired spec hash (both written by an apply of this
 * content); else `git`. A service that does not exist yet is `git`.
 */
export function driftCauseOf(input: ServiceDecisionInput, desired: DesiredService, memory: ServiceMemory): DriftCause {
  const { live, taskDefinitionTags } = input.observed.observation;
  // Memory first: a service this content already ran that is now gone was deleted outside Git (live), not changed in it.
  if (memory.syncedContent !== undefined) return memory.syncedContent === desired.contentHash ? 'live' : 'git';
  if (!live.service || isServiceGone(live.service)) return 'git';
  if (tagsToMap(live.tags ?? live.service.tags)[TAG_REVISION] === tagValue(input.revision)) return 'live';
  const specHash = tagsToMap(taskDefinitionTags)[TAG_SPEC_HASH];
  if (specHash === undefined || !live.taskDefinition) return 'git';
  const stamp = { controllerId: input.controllerId, revision: input.revision, sourceFile: desired.source.file };
  return buildTaskDefinitionRegistration(desired.manifest, live.taskDefinition, stamp).specHash === specHash ? 'live' : 'git';
}

/**
 * status.driftCause as the written record must show it: the decision's cause
 * when the pass leaves the service OutOfSync or found it so and corrected it
 * (observedSync), else none. A patch that does not set `sync` is left alone.
 */
export function withDriftCause(decision: ServiceDecision): ServiceDecision {
  const { patch } = decision;
  if (patch.sync === undefined) return decision;
  const drifted = patch.sync === 'OutOfSync' || decision.observedSync === 'OutOfSync';
  const driftCause = drifted ? decision.driftCause ?? 'git' : undefined;
  if ('driftCause' in patch && patch.driftCause === driftCause) return decision;
  return { ...decision, patch: { ...patch, driftCause } };
}

/**
 * A rollout this process did not start, followed as if it had:
 *
 * - a deploy an earlier process began (memory.resume, ServiceReconciler.resume),
 *   while the desired content is still the deploy's. One recorded as applied
 *   with its task definition is already watched (the reconciler seeds the
 *   watch before observe, so its service deployment is read: a rollout that
 *   rolled back while the controller was down still ends failed). Otherwise
 *   it is followed when live runs the content (the PRIMARY deployment), and
 *   dropped when it does not: the normal apply happens. `resumedDeploy`: the
 *   deploy was not recorded as applied and live already runs it.
 * - with no memory of the key at all (a controller killed mid-rollout without
 *   its state), a PRIMARY deployment IN_PROGRESS that runs the desired task
 *   definition.
 */
function takeOver(
  input: ServiceDecisionInput, desired: DesiredService, service: ECS.Service | undefined, sync: ServiceStatus['sync'], memory: ServiceMemory, mode: SyncMode,
): { readonly memory: ServiceMemory; readonly resumedDeploy?: boolean } {
  const deploy = memory.resume;
  if (deploy) {
    const { resume: _taken, ...rest } = memory;
    if (deploy.contentHash !== desired.contentHash) {
      // The desired content changed meanwhile: the deploy is not finished, it is replaced.
      return { memory: rest.watched?.contentHash === deploy.contentHash ? { ...rest, watched: undefined } : rest };
    }
    const runs = sync === 'Synced' && service !== undefined && !isServiceGone(service);
    if (rest.watched) return { memory: rest, ...(runs && !deploy.applied ? { resumedDeploy: true } : {}) };
    if (!runs || !input.followRollouts) return { memory: rest };
    const watched = watchOf(service, deploy.revision, desired, Date.parse(deploy.startedAt) || input.now, deploy.serviceDeploymentArn);
    return watched ? { memory: { ...rest, watched }, ...(!deploy.applied ? { resumedDeploy: true } : {}) } : { memory: rest };
  }
  const remembered = input.memory.syncedContent !== undefined || input.memory.watched !== undefined;
  if (remembered || memory.watched || mode === 'detect' || !input.followRollouts || sync !== 'Synced' || !service || isServiceGone(service)) return { memory };
  const primary = primaryDeployment(service);
  if (primary?.rolloutState !== 'IN_PROGRESS' || primary.taskDefinition !== service.taskDefinition) return { memory };
  const revision = tagsToMap(service.tags)[TAG_REVISION] ?? input.revision;
  const watched = watchOf(service, revision, desired, input.now, undefined);
  return watched ? { memory: { ...memory, watched } } : { memory };
}

/** A watch on the PRIMARY deployment of `service` (its task definition, id and service deployment). */
function watchOf(service: ECS.Service, revision: string, desired: DesiredService, startedAt: number, arn: string | undefined): WatchedRollout | undefined {
  const primary = primaryDeployment(service);
  const taskDefinitionArn = primary?.taskDefinition ?? service.taskDefinition;
  if (!taskDefinitionArn) return undefined;
  const base: WatchedRollout = {
    taskDefinitionArn, revision, contentHash: desired.contentHash, startedAt, ...(primary?.id ? { deploymentId: primary.id } : {}),
  };
  const serviceDeploymentArn = arn ?? serviceDeploymentArnFor(base, service);
  return serviceDeploymentArn ? { ...base, serviceDeploymentArn } : base;
}
