/**
 * The per-service status record the controller keeps and that metrics, the
 * HTTP API and logs read. The controller is the only writer; readers get
 * immutable copies. Shape is part of the public API (/api/v1/status).
 */
import type { HaStatus } from '../ha/types.js';
import { maskSecrets } from '../diff/secret-mask.js';
import type { ChangeScope } from '../diff/types.js';
import type { ErrorCode } from '../errors/index.js';
import type { SyncMode } from '../manifests/types.js';
import type { PruneBlockReason } from '../plan/types.js';
import type { UnverifiedImage } from './image-policy.js';
import type { DriftCause } from '../events/types.js';
import type { NotifierStatus } from '../notify/types.js';

export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Suspended' | 'Unknown';

export const SYNC_STATUSES: readonly SyncStatus[] = ['Synced', 'OutOfSync', 'Unknown'];
export const HEALTH_STATUSES: readonly HealthStatus[] = ['Healthy', 'Progressing', 'Degraded', 'Missing', 'Suspended', 'Unknown'];

export interface StatusError {
  readonly code: ErrorCode;
  /** Never contains secret values. */
  readonly message: string;
  readonly at: string; // ISO time
}

/**
 * A correction loop (src/controller/service/correction-loop.ts): the same
 * change applied on consecutive passes kept coming undone, so it is held back
 * and only retried at a slow interval. Present while the loop lasts.
 */
export interface CorrectionLoopStatus {
  /** ISO time the loop was detected. */
  readonly since: string;
  /** Consecutive passes that applied the change before it was held back. */
  readonly corrections: number;
  /** Slow retries made since. */
  readonly retries: number;
  /** ISO time of the next retry. */
  readonly nextRetryAt: string;
}

/** One field-level difference, secrets already masked. */
export interface StatusChange {
  readonly pointer: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly scope: ChangeScope;
  readonly desired: unknown;
  readonly live: unknown;
}

/**
 * The service's auto scaling as last read: who owns the count (Git through
 * `spec.autoScaling`, or a scalable target registered outside Git), the
 * bounds, the count the autoscaler set, and its latest activity, so "why does
 * ECS not run what Git says" has an answer. Absent when nothing scales the
 * service.
 */
export interface AutoScalingStatus {
  /** `git`: the manifest's autoScaling, registered by this controller; `external`: a target this controller did not register. */
  readonly managedBy: 'git' | 'external';
  /** False while the manifest declares scaling that is not (yet) registered live. */
  readonly registered: boolean;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
  /** The live desiredCount (the autoscaler's, not Git's). */
  readonly desiredCount?: number;
  /** Live policy and scheduled action names. */
  readonly policies?: readonly string[];
  readonly scheduledActions?: readonly string[];
  /** The latest scaling activity Application Auto Scaling reports for the service. */
  readonly lastActivity?: { readonly at: string; readonly description: string; readonly cause?: string; readonly statusCode?: string };
  /** Why Git's desiredCount is not enforced. */
  readonly note: string;
}

/**
 * One deploy hook's task (spec.hooks, docs/controller.md "Deploy hooks"):
 * found again by `startedBy` after a restart, so it never runs twice.
 */
export interface DeployHookRunStatus {
  readonly name: string;
  readonly state: 'pending' | 'running' | 'succeeded' | 'failed' | 'timed_out';
  /** `ecs-gitops/hook/<name>/<hash16>`: the hook's content (service, task definition, hook fields). */
  readonly startedBy: string;
  readonly taskArn?: string;
  /** The essential container's exit code, once stopped. */
  readonly exitCode?: number;
  /** ECS's stoppedReason (and the container's reason), or why the task could not start. */
  readonly reason?: string;
  /** Where the task logs (awslogs driver): group, and stream `<prefix>/<container>/<task id>`. */
  readonly logGroup?: string;
  readonly logStream?: string;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  /** The hook's timeout (s), kept with a started run: still enforced when newer content waits for the task to stop. */
  readonly timeoutSeconds?: number;
}

/** A hook task of earlier content still running when newer content arrived: the newer hooks wait for it to stop. */
export interface EarlierDeployHookRunStatus extends DeployHookRunStatus {
  /** The content the task was started for. */
  readonly contentHash: string;
}

/** The deploy hooks of the latest deploy: which phase, for which content, and each hook's run. */
export interface DeployHooksStatus {
  readonly phase: 'preDeploy' | 'postDeploy';
  /** The DesiredService.contentHash the deploy applies (a new commit is new content: its hooks run again). */
  readonly contentHash: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  /** The revision the hooks run (a hook's own taskDefinition aside). */
  readonly taskDefinitionArn?: string;
  readonly hooks: readonly DeployHookRunStatus[];
  /** spec.hooks.rollbackOnPostDeployFailure: the revision the service was pointed back at. */
  readonly rolledBackTo?: string;
  /** Hook tasks of earlier content not yet seen stopped: no hook of this content starts until they have. */
  readonly earlier?: readonly EarlierDeployHookRunStatus[];
}

export type DeploymentStrategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

/**
 * The rollout ECS is running, or last ran, for the service (docs/deployments.md):
 * read from ECS's deployments API (DescribeServiceDeployments, by the ARN of
 * the service deployment) where ECS provides it, else from the PRIMARY
 * deployment's rolloutState (moto, deployment controllers other than ECS).
 */
export interface RolloutStatus {
  /** deploymentConfiguration.strategy; ROLLING when the service declares none. */
  readonly strategy: DeploymentStrategy;
  /** Where the rest comes from: `service-deployment` (the deployments API) or `rollout-state` (the fallback). */
  readonly source: 'service-deployment' | 'rollout-state';
  readonly serviceDeploymentArn?: string;
  /** ECS's deployment id (ecs-svc/…) of the PRIMARY deployment running the rollout's task definition, when known. */
  readonly deploymentId?: string;
  /** The Git revision whose content this rollout applies. */
  readonly revision?: string;
  /** ECS's status: PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL, ... (on the fallback path the rolloutState). */
  readonly state: string;
  /** Why it is where it is, in words: "waiting for approval at STAGE", "rolling back: why", "rolled back: why". */
  readonly reason?: string;
  /** ECS's lifecycleStage (RECONCILE_SERVICE, SCALE_UP, TEST_TRAFFIC_SHIFT, ..., BAKE_TIME, CLEAN_UP). */
  readonly lifecycleStage?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Tasks of the revision being rolled out. */
  readonly desiredCount?: number;
  readonly runningCount?: number;
  readonly pendingCount?: number;
  /** Percent of test and production traffic the new revision receives (BLUE_GREEN, LINEAR, CANARY). */
  readonly testTrafficPercent?: number;
  readonly productionTrafficPercent?: number;
  /** During BAKE_TIME: seconds left before the old revision is removed. */
  readonly bakeTimeRemainingSeconds?: number;
  /** A lifecycle hook holds the deployment until `ecs-gitops continue` (or its timeout). */
  readonly waitingForApproval?: { readonly stage: string; readonly hookId?: string; readonly since: string; readonly expiresAt?: string };
  /** `ecs-gitops rollback` stopped the deployment: its content is held until Git changes. */
  readonly rolledBackByHandAt?: string;
  /**
   * How the followed rollout ended; absent while it runs (ecs_gitops_deployment_duration_seconds{result} observes it once).
   * `superseded`: a newer manifest replaced it before it ended, and it was no longer followed (not observed: ECS's
   * deployment may have gone on, or been stopped by the newer one).
   */
  readonly result?: RolloutResultStatus;
}

export type RolloutResultStatus = 'completed' | 'failed' | 'rolled_back' | 'timed_out' | 'superseded';

export interface ServiceStatus {
  /** [account@]region/cluster/service */
  readonly key: string;
  /** The account it lives in (the key's `account@`); absent = the controller's own credentials' account. */
  readonly account?: string;
  /** The Environment it was rendered for (docs/environments.md); absent for a document without environments. */
  readonly environment?: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly sync: SyncStatus;
  readonly health: HealthStatus;
  readonly mode: SyncMode;
  /** Manifest file (relative to the root) that declares this service. */
  readonly source?: string;
  readonly lastAppliedRevision?: string;
  readonly lastAttemptedRevision?: string;
  /** Result of the last apply attempt, rollout outcome included; undefined before the first apply. */
  readonly lastApplySucceeded?: boolean;
  readonly lastError?: StatusError;
  /** ISO time of the last completed comparison with live state. */
  readonly lastSyncTime?: string;
  readonly diff: readonly StatusChange[];
  /** Task definition ARN the PRIMARY deployment runs. */
  readonly liveTaskDefinition?: string;
  /** Container name -> image digest it runs, when known. */
  readonly imageDigests?: Readonly<Record<string, string>>;
  /** ECR images deployed although the controller may not read them (spec.sync.imagePreflight: permissive), with why. */
  readonly unverifiedImages?: readonly UnverifiedImage[];
  /** Present while a correction loop holds the change in `diff` back (with `lastError` CONTROLLER_CORRECTION_LOOP). */
  readonly correctionLoop?: CorrectionLoopStatus;
  /** Present while an autoscaler owns the service's desiredCount. */
  readonly autoScaling?: AutoScalingStatus;
  /** The deploy hooks (spec.hooks) of the latest deploy; absent for services without hooks. */
  readonly hooks?: DeployHooksStatus;
  /** The rollout being followed, or the last one followed; absent before the first apply. */
  readonly rollout?: RolloutStatus;
  /**
   * Why the service is (or, in a pass that corrected it, was) OutOfSync: `git`, a commit changed what Git declares
   * since it was last in sync; `live`, the same content was in sync and live was changed outside Git. Absent when Synced.
   */
  readonly driftCause?: DriftCause;
}

/**
 * One `kind: CapacityProvider` (docs/controller.md, "Capacity providers"): its
 * sync with the manifest and the last error, written once per pass. A provider
 * has no health: ECS reports no rollout for it.
 */
export interface CapacityProviderStatus {
  /** capacity-provider:[account@]region/name */
  readonly key: string;
  /** The account it lives in (the key's `account@`); absent = the controller's own credentials' account. */
  readonly account?: string;
  readonly region: string;
  readonly name: string;
  readonly sync: SyncStatus;
  readonly mode: SyncMode;
  /** Manifest file (relative to the root) that declares it; absent for an owned provider no longer declared. */
  readonly source?: string;
  readonly arn?: string;
  readonly lastAppliedRevision?: string;
  readonly lastAttemptedRevision?: string;
  readonly lastApplySucceeded?: boolean;
  readonly lastError?: StatusError;
  /** ISO time of the last completed comparison with live state. */
  readonly lastSyncTime?: string;
  /** What differs (JSON pointers relative to `spec`; `''` = the provider is missing), empty when in sync. */
  readonly diff: readonly string[];
}

/** One run of a scheduled task, read from ECS (the tasks of the schedule's task group). */
export interface ScheduledTaskRun {
  readonly taskArn: string;
  /** ECS's lastStatus (RUNNING, STOPPED, ...). */
  readonly lastStatus: string;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly stoppedReason?: string;
  /** Exit code of each essential container (null: none reported), for a stopped task. */
  readonly exitCodes?: Readonly<Record<string, number | null>>;
  /** A stopped task: every essential container exited 0. Absent while it runs. */
  readonly succeeded?: boolean;
}

/**
 * One `kind: ScheduledTask` (docs/controller.md, "Scheduled tasks"): the
 * schedule's sync with the manifest, when it fires next, how its last runs
 * ended, and the last error, written once per pass.
 */
export interface ScheduledTaskStatus {
  /** scheduled-task:[account@]region/cluster/name */
  readonly key: string;
  /** The account it lives in (the key's `account@`); absent = the controller's own credentials' account. */
  readonly account?: string;
  /** The Environment it was rendered for (docs/environments.md); absent for a document without environments. */
  readonly environment?: string;
  readonly region: string;
  readonly cluster: string;
  readonly name: string;
  /** The schedule group it lives in (the controller's). */
  readonly group: string;
  readonly sync: SyncStatus;
  readonly mode: SyncMode;
  /** Manifest file (relative to the root) that declares it; absent for a schedule no longer declared. */
  readonly source?: string;
  readonly arn?: string;
  /** The task definition revision the schedule runs. */
  readonly taskDefinitionArn?: string;
  readonly lastAppliedRevision?: string;
  readonly lastAttemptedRevision?: string;
  /** ISO time of the last successful write to the schedule. */
  readonly lastAppliedAt?: string;
  readonly lastApplySucceeded?: boolean;
  readonly lastError?: StatusError & { readonly hint?: string };
  /** ISO time of the last completed comparison with live state. */
  readonly lastSyncTime?: string;
  /** What differs, secrets masked; empty when in sync. */
  readonly diff: readonly StatusChange[];
  /** ISO time the schedule fires next, where computable (absent for a disabled or finished schedule). */
  readonly nextFireAt?: string;
  /** The last runs (at most 5, newest first). */
  readonly lastRuns?: readonly ScheduledTaskRun[];
  /** True for a schedule in the controller's group that no manifest declares, kept because pruning is off or blocked. */
  readonly orphan?: boolean;
}

/** The last prune pass: what it found to delete, what it deleted, and why it held back. */
export interface PruneStatus {
  readonly at: string;
  readonly revision?: string;
  /** Owned services no longer declared (region/cluster/service). */
  readonly candidates: readonly string[];
  readonly deleted: readonly string[];
  readonly blocked?: { readonly reason: PruneBlockReason; readonly message: string };
}

/**
 * Where the manifests come from and whether reading them works: a failed
 * fetch (or signature check, or manifest read) shows here while the last good
 * revision keeps being reconciled.
 */
export interface SourceStatus {
  /** `git`: the controller fetches a remote (--git-url); `checkout`: it watches a directory (--repo). */
  readonly kind: 'git' | 'checkout';
  /** git: the remote (never holds a password) and the ref followed. */
  readonly url?: string;
  readonly ref?: string;
  /** checkout: the watched directory. */
  readonly root?: string;
  /** Revision of the last good snapshot: the one being reconciled. */
  readonly revision?: string;
  /** git: ISO times of the last fetch attempt and of the last one that succeeded. */
  readonly lastFetchAt?: string;
  readonly lastSuccessfulFetchAt?: string;
  /** Why the latest read failed; absent once a read succeeds again. */
  readonly lastError?: StatusError;
  /** Failed reads since the last one that succeeded. */
  readonly consecutiveFailures: number;
}

export interface ControllerStatus {
  readonly revision?: string;
  readonly snapshotLoadedAt?: string;
  readonly manifestProblems: number;
  readonly services: readonly ServiceStatus[];
  /** Absent until the first prune pass found something to consider. */
  readonly prune?: PruneStatus;
  /** Absent when the controller was handed snapshots directly (one-shot sync). */
  readonly source?: SourceStatus;
  /** `kind: CapacityProvider` records; absent while there are none. */
  readonly capacityProviders?: readonly CapacityProviderStatus[];
  /** `kind: ScheduledTask` records (and orphan schedules of the controller's group); absent while there are none. */
  readonly scheduledTasks?: readonly ScheduledTaskStatus[];
  /** `kind: Notifier` sinks and their delivery counts (src/notify); absent while there are none. */
  readonly notifiers?: readonly NotifierStatus[];
  /** With --ha-table: this replica, the live replicas and which holds which shard (docs/ha.md); absent otherwise. */
  readonly ha?: HaStatus;
}

/** A status write a reconcile pass asks for: merge a patch (creating the record from `initial`), or drop the record. */
export type StatusWrite =
  | {
    readonly kind: 'set';
    readonly patch: Partial<ServiceStatus>;
    readonly initial: ServiceStatus;
    /** The sync the pass found before it acted, when acting changed it (drift found and corrected in one pass). */
    readonly observedSync?: SyncStatus;
  }
  | { readonly kind: 'remove' }
  /** A capacity provider's record (kept apart from services: no metrics series, no health). */
  | { readonly kind: 'set-capacity-provider'; readonly patch: Partial<CapacityProviderStatus>; readonly initial: CapacityProviderStatus }
  | { readonly kind: 'remove-capacity-provider' }
  /** A scheduled task's record (kept apart from services: its metrics are read at scrape time). */
  | { readonly kind: 'set-scheduled-task'; readonly patch: Partial<ScheduledTaskStatus>; readonly initial: ScheduledTaskStatus }
  | { readonly kind: 'remove-scheduled-task' };

/**
 * `observedSync`: what the writing pass found before it acted, when that
 * differs from `next.sync` (so drift corrected within one pass still counts
 * as detected and corrected).
 */
export type StatusListener = (key: string, next: ServiceStatus | undefined, previous: ServiceStatus | undefined, observedSync?: SyncStatus) => void;

function notifiers(read: (() => readonly NotifierStatus[]) | undefined): { notifiers?: readonly NotifierStatus[] } {
  const list = read?.() ?? [];
  return list.length > 0 ? { notifiers: maskSecrets([...list]) } : {};
}

/**
 * The single store of service status. Writes notify listeners (metrics) synchronously.
 * Error messages and the source are masked on the way in (maskSecrets), so every
 * reader (API, `sync` output, logs of status) gets them masked; diffs arrive
 * masked already (decide.ts `compared`, with the user's mask options).
 */
export class StatusStore {
  readonly #services = new Map<string, ServiceStatus>();
  readonly #capacityProviders = new Map<string, CapacityProviderStatus>();
  readonly #scheduledTasks = new Map<string, ScheduledTaskStatus>();
  readonly #listeners = new Set<StatusListener>();
  #revision: string | undefined;
  #snapshotLoadedAt: string | undefined;
  #manifestProblems = 0;
  #prune: PruneStatus | undefined;
  #source: SourceStatus | undefined;
  #readNotifiers: (() => readonly NotifierStatus[]) | undefined;
  #readHa: (() => HaStatus) | undefined;

  get(key: string): ServiceStatus | undefined {
    return this.#services.get(key);
  }

  /** snapshot()'s revision, snapshotLoadedAt and source without listing (and sorting) every service: the web UI reads them per request. */
  get revision(): string | undefined {
    return this.#revision;
  }

  get snapshotLoadedAt(): string | undefined {
    return this.#snapshotLoadedAt;
  }

  get source(): SourceStatus | undefined {
    return this.#source;
  }

  list(): readonly ServiceStatus[] {
    return [...this.#services.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Merges `patch` into the current status of `key` (creating it from `initial` when absent). */
  update(key: string, patch: Partial<ServiceStatus>, initial?: ServiceStatus, observedSync?: SyncStatus): ServiceStatus {
    const previous = this.#services.get(key);
    const base = previous ?? initial;
    if (!base) throw new Error(`no status for ${key} and no initial value given`);
    // Error text comes from AWS, git and our own messages, which may quote a URL with a password or a `--token=` argument.
    const masked = patch.lastError === undefined ? patch : { ...patch, lastError: maskSecrets(patch.lastError) };
    const next = Object.freeze({ ...base, ...masked, key });
    this.#services.set(key, next);
    for (const listener of this.#listeners) listener(key, next, previous, observedSync);
    return next;
  }

  /** Carries out a pass's status write. */
  apply(key: string, write: StatusWrite): void {
    if (write.kind === 'set') this.update(key, write.patch, write.initial, write.observedSync);
    else if (write.kind === 'remove') this.remove(key);
    else if (write.kind === 'set-scheduled-task') {
      const base = this.#scheduledTasks.get(key) ?? write.initial;
      const patch = write.patch.lastError === undefined ? write.patch : { ...write.patch, lastError: maskSecrets(write.patch.lastError) };
      this.#scheduledTasks.set(key, Object.freeze({ ...base, ...patch, key }));
    } else if (write.kind === 'remove-scheduled-task') this.#scheduledTasks.delete(key);
    else if (write.kind === 'set-capacity-provider') {
      const base = this.#capacityProviders.get(key) ?? write.initial;
      const patch = write.patch.lastError === undefined ? write.patch : { ...write.patch, lastError: maskSecrets(write.patch.lastError) };
      this.#capacityProviders.set(key, Object.freeze({ ...base, ...patch, key }));
    } else this.#capacityProviders.delete(key);
  }

  getCapacityProvider(key: string): CapacityProviderStatus | undefined {
    return this.#capacityProviders.get(key);
  }

  listCapacityProviders(): readonly CapacityProviderStatus[] {
    return [...this.#capacityProviders.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  getScheduledTask(key: string): ScheduledTaskStatus | undefined {
    return this.#scheduledTasks.get(key);
  }

  listScheduledTasks(): readonly ScheduledTaskStatus[] {
    return [...this.#scheduledTasks.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Forget a service that is no longer managed, so its metric series disappear. */
  remove(key: string): void {
    const previous = this.#services.get(key);
    if (!previous) return;
    this.#services.delete(key);
    for (const listener of this.#listeners) listener(key, undefined, previous);
  }

  setSnapshot(revision: string | undefined, loadedAt: string, manifestProblems: number): void {
    this.#revision = revision;
    this.#snapshotLoadedAt = loadedAt;
    this.#manifestProblems = manifestProblems;
  }

  /** Records the outcome of a prune pass (shown in /api/v1/status). */
  setPrune(prune: PruneStatus): void {
    this.#prune = Object.freeze(maskSecrets({ ...prune }));
  }

  /** Where /api/v1/status reads the notifiers' delivery state from (the dispatcher, src/notify); undefined: none. */
  readNotifiersFrom(read: (() => readonly NotifierStatus[]) | undefined): void {
    this.#readNotifiers = read;
  }

  /** The replica's HA view (without --ha-table: undefined), without listing every service as snapshot() does. */
  get ha(): HaStatus | undefined {
    return this.#readHa?.();
  }

  /** Where /api/v1/status reads the replica's HA view from (the lease manager, src/ha); undefined: not HA. */
  readHaFrom(read: (() => HaStatus) | undefined): void {
    this.#readHa = read;
  }

  /** Records the state of the manifest source (shown in /api/v1/status). */
  setSource(source: SourceStatus): void {
    this.#source = Object.freeze(maskSecrets({ ...source }));
  }

  snapshot(): ControllerStatus {
    return {
      revision: this.#revision,
      snapshotLoadedAt: this.#snapshotLoadedAt,
      manifestProblems: this.#manifestProblems,
      services: this.list(),
      ...(this.#prune ? { prune: this.#prune } : {}),
      ...(this.#source ? { source: this.#source } : {}),
      ...(this.#capacityProviders.size > 0 ? { capacityProviders: this.listCapacityProviders() } : {}),
      ...(this.#scheduledTasks.size > 0 ? { scheduledTasks: this.listScheduledTasks() } : {}),
      ...notifiers(this.#readNotifiers),
      ...(this.#readHa ? { ha: this.#readHa() } : {}),
    };
  }

  subscribe(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
