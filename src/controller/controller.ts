/**
 * The controller: queue wiring, dispatch and lifecycle. The queue carries
 * keys (src/keys), never payloads; each key is parsed once and handed to the
 * reconciler registered for its kind. The reconciler returns an outcome and
 * this loop alone acts on it: it writes the status patch (once per pass),
 * logs the pass's notes, records metrics and decides retries and requeues
 * (controller-runtime's split). Snapshots come from a ManifestSource (or
 * `setSnapshot` for one-shot use). Access per location (account and Region),
 * read-ahead enqueueing, pruning and lookups live in regions.ts, enqueue.ts,
 * prune.ts and lookups.ts. Every key's calls go to its own location
 * (locationOf in src/keys), so one account's failure (a role that cannot be
 * assumed, AccessDenied) is that location's keys' errors only
 * (docs/controller.md, "Many accounts and Regions").
 */
import { ScheduledTaskReconciler, declaredScheduledTasks } from './scheduled-task/reconciler.js';
import { ScheduledTaskPruneScan } from './scheduled-task/prune-scan.js';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { MaskOptions } from '../diff/types.js';
import type { EcsApi } from '../ecs/ecs-api.js';
import type { EcrApi } from '../ecs/ecr-api.js';
import type { ScalingApi } from '../autoscaling/scaling-api.js';
import type { SchedulerApi } from '../scheduler/scheduler-api.js';
import type { RateCategory } from '../ecs/rate-limits.js';
import type { BucketLimits } from '../ecs/token-bucket.js';
import {
  capacityProviderKey, clusterIdentity, clusterKey, formatKey, identityOf, isServiceIdentity, locationOf, parseKey, withKind, type ResourceKey,
} from '../keys/index.js';
import type { AccountDirectory } from '../accounts/account-directory.js';
import type { LookupResolver } from '../lookups/lookup-api.js';
import { lookupFailedOutcome, recordWithLookups, resolveRecord, withResolved } from './lookups.js';
import { scheduleGroupName } from '../scheduler/scheduler-api.js';
import type { ManifestSnapshot, SyncMode } from '../manifests/types.js';
import { lazyChild, silentLogger, type Logger } from '../observe/logger.js';
import type { Metrics, PruneBlockedReason, ReconcileResult } from '../observe/metrics.js';
import type { PruneBlockReason } from '../plan/types.js';
import { bindServiceStatusMetrics } from '../observe/service-status-metrics.js';
import { changedKeys } from '../source/changed-keys.js';
import type { ManifestSource, SnapshotChanges } from '../source/manifest-source.js';
import { sleep, systemClock, untilAborted, type Clock } from '../util/clock.js';
import { ClusterReconciler } from './cluster/reconciler.js';
import {
  CapacityProviderPruneScan, CapacityProviderReconciler, declaredCapacityProviders, declaredProvidersOfCluster,
} from './capacity-provider/reconciler.js';
import { SharedDeadlines } from './deadlines.js';
import { enqueueWithReadAhead } from './enqueue.js';
import { ReconcileError, errorCodeOf, errorMessage, isPermanentFailure } from './errors.js';
import { imagesToPrefetch } from './image-policy.js';
import { defaultPlanner, type Planner } from './planner.js';
import type { AdoptionPolicy } from '../plan/ownership.js';
import type { CorrectionLoopPolicy } from './service/correction-loop.js';
import { Pruner, ServicePruneReconciler } from './prune.js';
import { indexSnapshot, type DesiredIndex, type OutcomeNote, type ReconcileOutcome, type Reconciler, type ReconcilerRegistry } from './reconciler.js';
import { RegionAccessPool } from './regions.js';
import { ServiceReconciler } from './service/reconciler.js';
import { StatusStore, type PruneStatus, type ServiceStatus } from './status.js';
import type { EventRecorder } from '../events/types.js';
import { WorkQueue } from './workqueue.js';
import type { HeldLease, ShardChange, ShardGate, WriteFence } from '../ha/types.js';
import { runUnderLease } from '../ha/lease-context.js';
import type { TaskDefinitionStore } from '../ecs/task-definition-store.js';

export const DEFAULT_CONTROLLER_ID = 'ecs-gitops';

/** The prune_blocked_total reason of a scheduled task scan's guard. */
const SCHEDULED_TASK_PRUNE_REASON: Readonly<Record<Exclude<PruneBlockReason, 'disabled'>, PruneBlockedReason>> = {
  snapshot_errors: 'snapshot_errors',
  empty_snapshot: 'snapshot_incomplete',
  too_many: 'guard_exceeded',
};

const PERMANENT_FAILURE_NOTE = 'reconcile failed; not retried: the request cannot succeed unchanged (tried again on a new revision or the next resync)';

export interface ControllerOptions {
  /**
   * The Region manifests without `metadata.region` default to: always scanned for scheduled tasks to
   * prune, even when no manifest names it any more (the last one was removed while the controller was down).
   */
  readonly defaultRegion?: string;
  /**
   * ECS access for a location (`[account@]region`, src/keys: a bare Region is
   * the controller's own credentials). A single EcsApi serves every location
   * (tests, the sandbox's one account).
   */
  readonly ecs: EcsApi | ((location: string) => EcsApi);
  /** ECR access for image checks and `spec.sync.images` (asked by the registry's Region); without it images are deployed as written, unchecked. */
  readonly ecr?: EcrApi | ((location: string) => EcrApi);
  /** How long an image tag's digest is trusted. @default 60000 */
  readonly imageCacheTtlMs?: number;
  /** Application Auto Scaling and CloudWatch for `spec.autoScaling`; without it scaling is neither read nor managed. */
  readonly scaling?: ScalingApi | ((location: string) => ScalingApi);
  /** EventBridge Scheduler for `kind: ScheduledTask`; without it scheduled tasks are neither read nor managed. */
  readonly scheduler?: SchedulerApi | ((location: string) => SchedulerApi);
  /**
   * What the declared environments say per account and location (roles, rate
   * limits, prune policy). Updated from every snapshot (its environments are
   * only the clean Environment documents); the same directory the connection
   * makes clients from (src/app/runtime.ts), which tells it the controller's
   * own account for the prune passes. Absent = no environment is honoured.
   */
  readonly accounts?: AccountDirectory;
  /** Resolves `${ssm:…}` and `${cfn:…}` lookups before a key is reconciled; absent = a record with lookups fails (CONTROLLER_LOOKUP_FAILED). */
  readonly lookups?: LookupResolver;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly status?: StatusStore;
  readonly planner?: Planner;
  /** Written to ecs-gitops/managed-by; only services carrying it are ever pruned. @default 'ecs-gitops' */
  readonly controllerId?: string;
  /**
   * Which existing, untagged services and clusters may be adopted (tagged as
   * ours, then reconciled). @default only those tagged ecs-gitops/adopt=<controllerId>
   */
  readonly adoption?: AdoptionPolicy;
  /**
   * When a change that keeps coming undone is held back, and how slowly it is
   * retried (docs/controller.md, "Correction loops"). @default 3 passes; 1 minute doubling to 10
   */
  readonly correctionLoop?: Partial<CorrectionLoopPolicy>;
  /** @default 'auto' */
  readonly mode?: SyncMode;
  /** Keys reconciled at the same time. @default 64 */
  readonly workers?: number;
  /** Re-check every service this often (ECS cannot be watched); 0 disables. @default 60000 */
  readonly resyncMs?: number;
  /** Fraction of the resync interval taken off at random. @default 0.1 */
  readonly resyncJitter?: number;
  /** Delete owned services that left the manifests. @default false */
  readonly prune?: boolean;
  /** Most services one prune pass may delete. @default 5 */
  readonly maxPrune?: number;
  /** Client-side limits per ECS category (defaults: ECS's published rates); false disables limiting. */
  readonly rateLimits?: Partial<Record<RateCategory, BucketLimits>> | false;
  /** Secret masking of the diffs in status (and so the status API and sync output). @default {} (default pattern and key) */
  readonly mask?: MaskOptions;
  readonly rolloutPollMs?: number;
  readonly rolloutTimeoutMs?: number;
  /** @default true */
  readonly followRollouts?: boolean;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** A reconcile still running after this long is aborted (and retried with backoff). @default 300000 */
  readonly reconcileTimeoutMs?: number;
  /** Give up on a key after this many consecutive failures (one-shot sync). @default Infinity */
  readonly maxRetries?: number;
  readonly source?: ManifestSource;
  /**
   * Where the controller's events go (src/events/recorder.ts, docs/controller.md "Events"): every Service
   * pass and prune pass, and the SyncStarted of an apply before its first write. Absent: no events.
   */
  readonly events?: EventRecorder;
  readonly random?: () => number;
  /**
   * With --ha-table (docs/ha.md): the shards this replica holds. Keys of other
   * shards are neither queued nor reconciled here, a shard taken is checked
   * at once, and a shard lost drops its statuses. Absent: every key is this
   * process's (one controller).
   */
  readonly shards?: ShardGate;
  /** With --ha-table: asked before every mutating AWS call (regions.ts). */
  readonly fence?: WriteFence;
  /** Where learned task definitions outlive the process (state dir, or the lease table). */
  readonly taskDefinitionStore?: TaskDefinitionStore;
  /** Called around every reconcile of a key (tracing, tests). */
  readonly hooks?: {
    beforeReconcile?(key: string): void;
    afterReconcile?(key: string, result: ReconcileResult): void;
  };
}

export interface Controller {
  readonly status: StatusStore;
  readonly queue: WorkQueue;
  readonly controllerId: string;
  /**
   * Takes a new snapshot: enqueues what changed, then runs a prune pass.
   * `changes` is what the source computed; without it (one-shot use) the
   * controller computes it from the previous snapshot.
   */
  setSnapshot(snapshot: ManifestSnapshot, changes?: SnapshotChanges): void;
  snapshot(): ManifestSnapshot | undefined;
  /** Starts the source (when given) and the resync timer. */
  start(): Promise<void>;
  /** Re-checks every declared service and cluster now (resolves once they are queued). */
  resync(): Promise<void>;
  /** Resolves when the queue is idle; with `requeues`, also when no key waits for a delayed requeue or retry. */
  waitForIdle(options?: { requeues?: boolean; signal?: AbortSignal; pollMs?: number }): Promise<void>;
  /** First snapshot loaded and every key looked at once. */
  ready(): boolean;
  lastPrune(): PruneStatus | undefined;
  /** Stops taking work, lets in-flight reconciles finish for `graceMs`, then aborts them. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

function logNote(log: Logger, note: OutcomeNote): void {
  const fields = { ...note.fields };
  switch (note.level) {
    case 'debug': log.debug(fields, note.message); break;
    case 'info': log.info(fields, note.message); break;
    case 'warn': log.warn(fields, note.message); break;
    case 'error': log.error(fields, note.message); break;
  }
}

export function createController(options: ControllerOptions): Controller {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics;
  const status = options.status ?? new StatusStore();
  const planner = options.planner ?? defaultPlanner;
  const controllerId = options.controllerId ?? DEFAULT_CONTROLLER_ID;
  const mode = options.mode ?? 'auto';
  const resyncMs = options.resyncMs ?? 60_000;
  const resyncJitter = options.resyncJitter ?? 0.1;
  const random = options.random ?? Math.random;
  const lifetime = new AbortController();
  // Every in-flight SDK call and timer listens on it; hundreds at once is normal here.
  setMaxListeners(0, lifetime.signal);

  const accounts = options.accounts;
  const pruneAllowed = (location: string): boolean => accounts?.pruneAllowed(location) ?? true;
  // The prune passes see `OWN@region/...` and `region/...` as one resource (src/accounts/own-account.ts).
  const ownAccount = (): Promise<string | undefined> => accounts?.ownAccount() ?? Promise.resolve(undefined);
  const regions = new RegionAccessPool({
    ecs: options.ecs, clock, signal: lifetime.signal, metrics,
    ...(accounts ? { accounts } : {}),
    ...(options.ecr ? { ecr: options.ecr } : {}),
    ...(options.scaling ? { scaling: options.scaling } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(options.imageCacheTtlMs !== undefined ? { imageCacheTtlMs: options.imageCacheTtlMs } : {}),
    ...(options.rateLimits !== undefined ? { rateLimits: options.rateLimits } : {}),
    ...(options.fence ? { fence: options.fence } : {}),
    ...(options.taskDefinitionStore ? { taskDefinitionStore: options.taskDefinitionStore } : {}),
  });

  // --- shards (--ha-table) ---------------------------------------------------
  const gate = options.shards;
  /** Each queue key's shard, computed once (keys of a fleet are few and their shard never changes). */
  const shardOfKeyCache = new Map<string, string>();
  function shardOfQueueKey(queueKey: string): string | undefined {
    if (!gate) return undefined;
    let shard = shardOfKeyCache.get(queueKey);
    if (shard === undefined) {
      let key: ResourceKey;
      try {
        key = parseKey(queueKey);
      } catch {
        return undefined;
      }
      shard = gate.shardOf(locationOf(key), key.kind === 'CapacityProvider' ? undefined : key.cluster);
      shardOfKeyCache.set(queueKey, shard);
    }
    return shard;
  }
  /** Whether this process works on `queueKey` now: always without --ha-table, else when it holds the key's shard. */
  function owns(queueKey: string, only?: ReadonlySet<string>): boolean {
    if (!gate) return true;
    const shard = shardOfQueueKey(queueKey);
    // A key that cannot be parsed fails in its own pass, wherever it runs.
    if (shard === undefined) return only === undefined;
    return gate.heldEpoch(shard) !== undefined && (only === undefined || only.has(shard));
  }
  const ownsLocation = (location: string): boolean => !gate || gate.heldEpoch(gate.shardOf(location, undefined)) !== undefined;
  /** Whether this process holds any shard of a location (with --ha-buckets > 1, any of its buckets). */
  const holdsAnyOf = (location: string): boolean => !gate || gate.held().some((s) => s === location || s.startsWith(`${location}#`));

  let desired: DesiredIndex | undefined;
  let stopped = false;
  const pruner = new Pruner({
    regions, planner, status, clock, logger, metrics, controllerId,
    enabled: options.prune ?? false, maxDeletes: options.maxPrune ?? 5, pruneAllowed, ownAccount,
    enqueue: (key) => queue.add(key), signal: lifetime.signal,
    ...(gate ? { ownsCluster: (location: string, cluster: string) => gate.heldEpoch(gate.shardOf(location, cluster)) !== undefined } : {}),
    ...(options.events ? { onPrune: (prune: PruneStatus) => options.events?.recordPrune(prune) } : {}),
  });
  const adoption = options.adoption ? { adoption: options.adoption } : {};
  const services = new ServiceReconciler({
    clock, planner, controllerId, mode, ...adoption,
    ...(options.correctionLoop ? { correctionLoop: options.correctionLoop } : {}),
    ...(options.rolloutPollMs !== undefined ? { rolloutPollMs: options.rolloutPollMs } : {}),
    ...(options.rolloutTimeoutMs !== undefined ? { rolloutTimeoutMs: options.rolloutTimeoutMs } : {}),
    ...(options.followRollouts !== undefined ? { followRollouts: options.followRollouts } : {}),
    ...(options.mask ? { mask: options.mask } : {}),
    ...(metrics ? { onHookFinished: (phase, result) => metrics.recordDeployHookRun(phase, result) } : {}),
    ...(options.events ? { onApplyStarting: (info) => options.events?.applyStarting(info) ?? Promise.resolve() } : {}),
  });
  const scheduledTaskScan = new ScheduledTaskPruneScan({
    controllerId, group: scheduleGroupName(controllerId), prune: options.prune ?? false, maxDeletes: options.maxPrune ?? 5, detect: mode === 'detect', pruneAllowed, ownAccount,
    ...(options.defaultRegion !== undefined ? { defaultRegion: options.defaultRegion } : {}),
  });
  const scheduledTasks = new ScheduledTaskReconciler({
    clock, controllerId, mode, scan: scheduledTaskScan, ...(options.mask ? { mask: options.mask } : {}),
    onAction: (action, ok) => metrics?.recordApplyAction(action, ok ? 'success' : 'error'),
  });
  const reconcilers: ReconcilerRegistry = {
    Service: services,
    Cluster: new ClusterReconciler({ clock, planner, controllerId, mode, ...adoption }),
    ServicePrune: new ServicePruneReconciler(pruner, controllerId),
    CapacityProvider: new CapacityProviderReconciler({ clock, controllerId, mode, prune: options.prune ?? false, pruneAllowed, ownAccount }),
    ScheduledTask: scheduledTasks,
  };
  const capacityProviderScan = new CapacityProviderPruneScan(controllerId, ownAccount);

  /** Declared clusters being reconciled: their services wait so they are not created into nothing. */
  const clusterPending = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  /** Declared capacity providers being reconciled: the clusters attaching them wait, as services wait for their cluster. */
  const capacityProviderPending = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const firstPassPending = new Set<string>();
  let isReady = false;
  let resyncCancel: (() => void) | undefined;
  const unbindMetrics = metrics ? bindServiceStatusMetrics(metrics, status) : undefined;
  metrics?.readScheduledTasksFrom(() => status.listScheduledTasks());

  const revisionOf = (snapshot: ManifestSnapshot | undefined) => snapshot?.revision ?? 'unversioned';

  /**
   * One pass over a key, with its location's access. A record whose rendered
   * manifest carries lookups is resolved first, in that location, and the
   * reconciler sees the resolved record (lookups.ts); a failed lookup is the
   * key's error outcome, nothing applied.
   */
  async function dispatch<K extends ResourceKey>(key: K, index: DesiredIndex, signal: AbortSignal, log: Logger): Promise<ReconcileOutcome> {
    const reconciler = reconcilers[key.kind] as unknown as Reconciler<K['kind']>;
    const identity = identityOf(key);
    const location = locationOf(key);
    const current = status.get(identity);
    let desiredIndex = index;
    const record = index.snapshot.blockedKeys.has(identity) ? undefined : recordWithLookups(key, identity, index);
    if (record) {
      try {
        desiredIndex = withResolved(index, identity, await resolveRecord(record, options.lookups, location, signal));
      } catch (err) {
        if (signal.aborted) throw err;
        const error = { code: errorCodeOf(err, 'CONTROLLER_LOOKUP_FAILED'), message: errorMessage(err), at: new Date(clock.now()).toISOString() };
        return lookupFailedOutcome(record, error, { controllerMode: mode, scheduleGroup: scheduledTasks.group, status: current });
      }
    }
    return reconciler.reconcile(key as never, {
      desired: desiredIndex, revision: revisionOf(index.snapshot), region: regions.get(location), signal, status: current, log,
    });
  }

  /**
   * Whether a failed pass is retried with backoff: the reconciler says the
   * failure is transient, and its code is not one no retry can fix (the
   * reconcilers flag every failed ECS call as transient; the code decides).
   */
  function retriesWithBackoff(outcome: ReconcileOutcome): boolean {
    return outcome.result === 'error' && outcome.retry === true && !isPermanentFailure(outcome.error?.code);
  }

  /** The one place a pass's outcome takes effect: status, events, logs, metrics, retry. */
  function record(key: ResourceKey, outcome: ReconcileOutcome, log: Logger, startedAt: number, revision: string): void {
    const identity = identityOf(key);
    const previous = key.kind === 'Service' ? status.get(identity) : undefined;
    if (outcome.status) status.apply(identity, outcome.status);
    if (key.kind === 'Service' && options.events) recordServiceEvents(identity, revision, previous, outcome, startedAt, log);
    if (outcome.status?.kind === 'remove' && (key.kind === 'Service' || key.kind === 'ServicePrune')) services.forget(withKind(key, 'Service'));
    if (outcome.status?.kind === 'remove-scheduled-task' && key.kind === 'ScheduledTask') scheduledTasks.forget(key);
    for (const note of outcome.notes ?? []) logNote(log, note);
    if (outcome.rollout) metrics?.recordRollout(outcome.rollout);
    metrics?.recordReconcile(outcome.result, (clock.now() - startedAt) / 1000);
    if (outcome.result === 'error') {
      if (retriesWithBackoff(outcome)) log.warn({ code: outcome.error?.code, err: outcome.error?.message }, 'reconcile failed; retrying with backoff');
      else if (outcome.retry) log.warn({ code: outcome.error?.code, err: outcome.error?.message }, PERMANENT_FAILURE_NOTE);
      else log.warn({ error: outcome.error }, 'reconcile blocked');
    } else {
      log.debug({ result: outcome.result }, 'reconciled');
    }
  }

  /** Hands a Service pass to the event recorder: the status transition it wrote and what it did. */
  function recordServiceEvents(identity: string, revision: string, previous: ServiceStatus | undefined, outcome: ReconcileOutcome, startedAt: number, log: Logger): void {
    const write = outcome.status;
    const next = status.get(identity);
    try {
      options.events?.recordServicePass({
        key: identity, revision, previous, next,
        startedAt: new Date(startedAt).toISOString(), at: new Date(clock.now()).toISOString(),
        applied: outcome.applied ?? [], result: outcome.result,
        ...(write?.kind === 'set' && write.observedSync !== undefined ? { observedSync: write.observedSync } : {}),
        ...(outcome.observedDiff ? { observedDiff: outcome.observedDiff } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.resumedDeploy ? { resumedDeploy: true } : {}),
      });
    } catch (err) {
      // Events are a report on the pass, never a reason for it to fail.
      log.error({ err: errorMessage(err) }, 'events of the pass could not be recorded');
    }
  }

  async function handle(queueKey: string): Promise<{ requeueAfterMs?: number } | void> {
    const started = clock.now();
    const index = desired;
    const log = lazyChild(logger, () => ({ key: queueKey, revision: revisionOf(index?.snapshot), reconcileId: randomUUID().slice(0, 8) }));
    options.hooks?.beforeReconcile?.(queueKey);
    let result: ReconcileResult = 'error';
    const key = parseKey(queueKey);
    // The reconcile's deadline on the injected clock, joined with the shutdown signal.
    const deadline = deadlines.acquire();
    try {
      if (!index) {
        result = 'success';
        return {};
      }
      // A declared cluster is created first (its key was queued ahead of the services).
      if (key.kind === 'Service' || key.kind === 'ScheduledTask') await clusterPending.get(clusterIdentity(key.region, key.cluster, key.account))?.promise;
      // A cluster attaching a declared capacity provider waits for that provider's pass (it must exist to be attached).
      if (key.kind === 'Cluster') await Promise.all(declaredProvidersOfCluster(index.snapshot, key.region, key.cluster, key.account).map((id) => capacityProviderPending.get(id)?.promise));
      let lease: HeldLease | undefined;
      if (gate) {
        const shard = shardOfQueueKey(queueKey);
        const epoch = shard !== undefined ? gate.heldEpoch(shard) : undefined;
        // Another replica's shard (handed over or lost since the key was queued): its holder reconciles it.
        if (shard === undefined || epoch === undefined) {
          result = 'success';
          return {};
        }
        lease = { shard, epoch };
      }
      const outcome = lease ? await runUnderLease(lease, () => dispatch(key, index, deadline.signal, log)) : await dispatch(key, index, deadline.signal, log);
      if (lease && gate?.heldEpoch(lease.shard) !== lease.epoch) {
        // The lease went during the pass: what it saw is the new holder's to report, and its writes were refused.
        log.info({ shard: lease.shard, result: outcome.result }, 'shard lease lost during the pass; its outcome is left to the new holder');
        result = outcome.result;
        return {};
      }
      record(key, outcome, log, started, revisionOf(index.snapshot));
      result = outcome.result;
      if (retriesWithBackoff(outcome)) {
        throw new ReconcileError(outcome.error?.code ?? 'CONTROLLER_APPLY_FAILED', outcome.error?.message ?? 'reconcile failed', { key: queueKey });
      }
      // A requeue delay counts from the pass's start, when the reconciler chose it (a followed rollout's next
      // look is a tick of the poll interval, decide.ts followPollDelay), not from its end.
      return outcome.requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(1, outcome.requeueAfterMs - (clock.now() - started)) } : {};
    } catch (err) {
      if (!(err instanceof ReconcileError)) {
        // Not an outcome: a bug, or a kind without status whose read or write failed (a cluster, a prune).
        metrics?.recordReconcile('error', (clock.now() - started) / 1000);
        const code = errorCodeOf(err, 'CONTROLLER_APPLY_FAILED');
        if (isPermanentFailure(code)) {
          log.warn({ code, err: errorMessage(err) }, PERMANENT_FAILURE_NOTE);
          return {};
        }
        log.warn({ code, err: errorMessage(err) }, 'reconcile failed; retrying with backoff');
      }
      throw err;
    } finally {
      deadline.release();
      if (key.kind === 'Cluster' || key.kind === 'CapacityProvider') {
        const id = identityOf(key);
        const pending = key.kind === 'Cluster' ? clusterPending : capacityProviderPending;
        pending.get(id)?.resolve();
        pending.delete(id);
      }
      options.hooks?.afterReconcile?.(queueKey, result);
      firstPassPending.delete(queueKey);
      if (!isReady && desired && firstPassPending.size === 0) isReady = true;
    }
  }

  const queue = new WorkQueue({
    clock, random,
    handler: handle,
    workers: options.workers ?? 64,
    ...(options.backoffBaseMs !== undefined ? { baseBackoffMs: options.backoffBaseMs } : {}),
    ...(options.backoffMaxMs !== undefined ? { maxBackoffMs: options.backoffMaxMs } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    observer: {
      onAdd: () => metrics?.workqueue.add(),
      onDepth: (depth) => metrics?.workqueue.setDepth(depth),
      onRetry: () => metrics?.workqueue.retry(),
      onQueueDuration: (s) => metrics?.workqueue.observeQueueDuration(s),
      onWorkDuration: (s) => {
        metrics?.workqueue.observeWorkDuration(s);
        metrics?.workqueue.setLongestRunningProcessor(queue.longestRunningSeconds());
      },
      onGiveUp: (key, err) => logger.error({ key, err: errorMessage(err) }, 'giving up on key after repeated failures'),
    },
  });
  // Per-reconcile deadlines on the injected clock, joined with the queue's shutdown signal.
  const deadlines = new SharedDeadlines(clock, options.reconcileTimeoutMs ?? 300_000, queue.shutdownSignal);

  const schedulePrune = () => pruner.schedule(() => desired, () => stopped || mode === 'detect');

  // --- snapshots and resync ------------------------------------------------
  function setSnapshot(snapshot: ManifestSnapshot, changes?: SnapshotChanges): void {
    if (stopped) return;
    const delta = changes ?? changedKeys(desired?.snapshot, snapshot);
    const previousSnapshot = desired?.snapshot;
    // Every snapshot's clean environments, problems elsewhere or not: a role kept from an older snapshot could act for an
    // account no Environment names any more, and none at all sent `account@` work with the own credentials. An account
    // left without a role fails its calls (src/app/runtime.ts); pruning still waits for a snapshot without problems.
    accounts?.update(snapshot.environments ?? []);
    desired = indexSnapshot(snapshot);
    status.setSnapshot(snapshot.revision, new Date(clock.now()).toISOString(), snapshot.problems.length);
    metrics?.recordSnapshot(snapshot, clock.now() / 1000);
    pruner.remember(desired);

    const keys: string[] = [];
    // Capacity providers first: the clusters attaching them wait for their pass. Removed ones are looked at once (pruned with --prune).
    const providerDelta = delta.capacityProviders;
    for (const id of [...providerDelta.added, ...providerDelta.changed, ...providerDelta.removed]) {
      keys.push(id);
      if (desired.snapshot.capacityProviders?.some((p) => p.key === id) && !capacityProviderPending.has(id) && owns(id)) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        capacityProviderPending.set(id, { promise, resolve });
      }
    }
    capacityProviderScan.remember(snapshot, accounts?.locations() ?? []);
    for (const id of [...delta.clusters.added, ...delta.clusters.changed]) {
      const cluster = desired.clusters.get(id);
      if (!cluster) continue;
      const clusterQueueKey = formatKey(clusterKey(cluster.region, cluster.name, cluster.account));
      keys.push(clusterQueueKey);
      if (!clusterPending.has(id) && owns(clusterQueueKey)) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        clusterPending.set(id, { promise, resolve });
      }
    }
    // Scheduled tasks whose manifest is new or changed (or blocked: their record says why); removed ones are the prune scan's.
    keys.push(...changedScheduledTasks(previousSnapshot, snapshot));
    scheduledTaskScan.remember(snapshot);
    // Service identities are their queue keys; removed ones are looked at once so their status goes.
    const serviceKeys = new Set([...delta.added, ...delta.changed, ...delta.removed, ...[...snapshot.blockedKeys].filter(isServiceIdentity)]);
    keys.push(...serviceKeys);
    // One batched ECR look-up per repository for every changed service, before their reconciles ask.
    const changedServices = [...serviceKeys].flatMap((k) => {
      const s = desired?.services.get(k);
      return s && !snapshot.blockedKeys.has(k) ? [s] : [];
    });
    gate?.snapshotShards(snapshot, shardLocations(snapshot));
    const ownedKeys = gate ? keys.filter((k) => owns(k)) : keys;
    void prefetchImages(changedServices.filter((s) => owns(s.key)).flatMap((s) => imagesToPrefetch(s, true)));
    if (!isReady) for (const key of ownedKeys) firstPassPending.add(key);
    if (!isReady && ownedKeys.length === 0) isReady = true;
    enqueueWithReadAhead(ownedKeys, desired, queue, regions);
    logger.info({ revision: snapshot.revision, services: snapshot.services.length, problems: snapshot.problems.length, enqueued: ownedKeys.length }, 'manifest snapshot loaded');
    schedulePrune();
    scanCapacityProviders();
    scanScheduledTasks();
  }

  /**
   * The locations whose shards a snapshot keeps besides those it names: the
   * default Region, the environments', and every location this process still
   * has work in after its manifests left (clusters the pruner remembers, the
   * scans' locations, blocked keys'), so their orphans are still pruned and
   * their blocked statuses reported by some replica (docs/ha.md).
   */
  function shardLocations(snapshot: ManifestSnapshot): string[] {
    const out = new Set<string>([
      ...(options.defaultRegion !== undefined ? [options.defaultRegion] : []), ...(accounts?.locations() ?? []),
      ...pruner.locations(), ...scheduledTaskScan.regions(), ...capacityProviderScan.locations(),
    ]);
    for (const id of snapshot.blockedKeys) {
      try {
        out.add(locationOf(parseKey(id)));
      } catch {
        // A blocked manifest whose key cannot be placed in a location makes no shard.
      }
    }
    return [...out];
  }

  /** Scheduled task keys to look at after a snapshot: declared ones new or changed since `previous`, and blocked ones. */
  function changedScheduledTasks(previous: ManifestSnapshot | undefined, next: ManifestSnapshot): string[] {
    const before = previous ? declaredScheduledTasks(previous) : new Map<string, { contentHash: string }>();
    const out: string[] = [];
    for (const task of next.scheduledTasks ?? []) {
      const was = before.get(task.key);
      const unblocked = previous?.blockedKeys.has(task.key) === true && !next.blockedKeys.has(task.key);
      if (!was || was.contentHash !== task.contentHash || unblocked || next.blockedKeys.has(task.key)) out.push(task.key);
    }
    for (const id of next.blockedKeys) if (id.startsWith('scheduled-task:') && !out.includes(id)) out.push(id);
    return out;
  }

  /**
   * Lists the controller's schedule group in each location: schedules no
   * manifest declares are queued with the scan's verdict (deleted only with
   * --prune, under the prune guards; else recorded as left), and records of
   * schedules no longer declared are looked at once more so they go.
   */
  function scanScheduledTasks(): void {
    const index = desired;
    if (stopped || !index) return;
    const declared = declaredScheduledTasks(index.snapshot);
    for (const record of status.listScheduledTasks()) {
      if (!declared.has(record.key) && !index.snapshot.blockedKeys.has(record.key)) queue.add(record.key);
    }
    const scan = scheduledTaskScan.scan(index.snapshot, {
      // With --ha-table every replica holding a shard of a location scans its group, and takes only the candidates of
      // its own shards: a schedule's cluster may hash to any bucket, and only that bucket's holder may delete it.
      scheduler: (location) => (holdsAnyOf(location) ? regions.get(location).scheduler?.api : undefined),
      owns: (queueKey) => owns(queueKey),
      groupState: (location, signal) => {
        const api = regions.get(location).scheduler?.api;
        return api ? scheduledTasks.groupState(location, api, signal) : Promise.resolve('missing' as const);
      },
    }, (key) => queue.add(key), lifetime.signal)
      .then(({ blocked, failed }) => {
        if (blocked && blocked !== 'disabled') metrics?.recordPruneBlocked(SCHEDULED_TASK_PRUNE_REASON[blocked]);
        for (const { location, error } of failed) {
          logger.warn({ location, code: errorCodeOf(error, 'CONTROLLER_APPLY_FAILED'), err: errorMessage(error) }, 'scheduled task scan could not read a location; retried at the next resync');
        }
      })
      .catch((err: unknown) => logger.warn({ code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), err: errorMessage(err) }, 'scheduled task scan failed; retried at the next resync'));
    resyncs.add(scan);
    void scan.finally(() => resyncs.delete(scan));
  }

  /** With --prune: queue the owned capacity providers no manifest declares (their pass decides whether they may go). */
  function scanCapacityProviders(): void {
    const index = desired;
    if (!options.prune || mode === 'detect' || stopped || !index) return;
    const scan = capacityProviderScan.scan(index.snapshot, (location) => regions.get(location).ecs, (key) => queue.add(key), lifetime.signal, ownsLocation)
      .then(({ failed }) => {
        for (const { location, error } of failed) {
          logger.warn({ location, code: errorCodeOf(error, 'CONTROLLER_APPLY_FAILED'), err: errorMessage(error) }, 'capacity provider prune scan could not read a location; retried at the next resync');
        }
      })
      .catch((err: unknown) => logger.warn({ code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), err: errorMessage(err) }, 'capacity provider prune scan failed; retried at the next resync'));
    resyncs.add(scan);
    void scan.finally(() => resyncs.delete(scan));
  }

  function prefetchImages(refs: ReturnType<typeof imagesToPrefetch>): Promise<void> {
    if (!regions.images || refs.length === 0) return Promise.resolve();
    // Each reconcile looks up (and reports) on its own if this fails.
    return regions.images.prefetch(refs, lifetime.signal).catch(() => undefined);
  }

  const resyncs = new Set<Promise<void>>();
  /** Re-checks every key this process works on (with `only`, those of these shards: shards just taken). */
  function resync(only?: ReadonlySet<string>): Promise<void> {
    const index = desired;
    if (!index || stopped) return Promise.resolve();
    const processing = new Set(queue.processing);
    const mine = (queueKey: string): boolean => owns(queueKey, only);
    const fleet = index.snapshot.services.filter((s) => !index.snapshot.blockedKeys.has(s.key) && !processing.has(s.key) && mine(s.key));
    // One scaling listing per Region serves the whole pass (however long), and is taken afresh for it.
    regions.expireScalingListings();
    const pass = (async () => {
      // Tags resolved every pass, and images found missing or unreadable last time (pushed since?).
      const refs = fleet.flatMap((s) => [
        ...imagesToPrefetch(s), ...imagesToPrefetch(s, true).filter((ref) => regions.images?.needsRecheck(ref)),
      ]);
      await prefetchImages(refs);
      for (const p of declaredCapacityProviders(index.snapshot).values()) {
        const queueKey = formatKey(capacityProviderKey(p.region, p.name, p.account));
        if (mine(queueKey)) queue.add(queueKey);
      }
      for (const c of index.snapshot.clusters) {
        const queueKey = formatKey(clusterKey(c.region, c.name, c.account));
        if (mine(queueKey)) queue.add(queueKey);
      }
      // Each schedule is compared again (drift is corrected), its group and last runs read afresh once.
      scheduledTasks.expire();
      for (const t of index.snapshot.scheduledTasks ?? []) if (!index.snapshot.blockedKeys.has(t.key) && mine(t.key)) queue.add(t.key);
      // Services are read in groups of 10 as their reconciles come.
      enqueueWithReadAhead(index.snapshot.services.map((s) => s.key).filter(mine), index, queue, regions);
      // With pruning off, the orphan report is refreshed on each new revision (setSnapshot) rather
      // than on every resync: listing every cluster each interval would double a drift scan's cost.
      if (options.prune) schedulePrune();
      scanCapacityProviders();
      scanScheduledTasks();
    })();
    resyncs.add(pass);
    void pass.finally(() => resyncs.delete(pass));
    return pass;
  }

  /**
   * Shards taken are checked at once (their keys, their prune and scans);
   * shards lost drop their records here, so this replica's status and metrics
   * show only what it works on and two replicas never both report a service.
   */
  function onShardChange(change: ShardChange): void {
    if (stopped) return;
    if (change.lost.length > 0) {
      const lost = new Set(change.lost);
      const inLost = (queueKey: string): boolean => lost.has(shardOfQueueKey(queueKey) ?? '');
      for (const s of status.list()) {
        if (!inLost(s.key)) continue;
        status.remove(s.key);
        const key = parseKey(s.key);
        if (key.kind === 'Service') services.forget(key);
      }
      for (const t of status.listScheduledTasks()) if (inLost(t.key)) status.apply(t.key, { kind: 'remove-scheduled-task' });
      for (const p of status.listCapacityProviders()) if (inLost(p.key)) status.apply(p.key, { kind: 'remove-capacity-provider' });
      logger.info({ shards: change.lost }, 'shards no longer held: their keys are left to their new holder');
    }
    if (change.acquired.length > 0) {
      logger.info({ shards: change.acquired }, 'shards taken: checking their keys now');
      // What the last holder learned about task definitions is in the store: read it again before the keys ask.
      for (const location of new Set(change.acquired.map((shard) => shard.replace(/#\d+$/, '')))) void regions.reloadTaskDefinitions(location, lifetime.signal);
      void resync(new Set(change.acquired));
    }
  }
  let unsubscribeShards: (() => void) | undefined;

  // A stuck worker shows in the gauge even when nothing else happens.
  let gaugeCancel: (() => void) | undefined;
  function tickLongestRunning(): void {
    if (!metrics || stopped) return;
    metrics.workqueue.setLongestRunningProcessor(queue.longestRunningSeconds());
    gaugeCancel = clock.setTimer(5000, tickLongestRunning);
  }

  function scheduleResync(): void {
    if (resyncMs <= 0 || stopped) return;
    const delay = Math.max(1, Math.round(resyncMs * (1 - resyncJitter * random())));
    resyncCancel = clock.setTimer(delay, () => {
      void resync();
      scheduleResync();
    });
  }

  async function waitForIdle(opts: { requeues?: boolean; signal?: AbortSignal; pollMs?: number } = {}): Promise<void> {
    const pollMs = opts.pollMs ?? 50;
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      // A reconcile can take minutes (a rate-limited or hung AWS call): the caller's deadline must not wait for it.
      await untilAborted((async () => {
        await Promise.all(resyncs);
        await queue.onIdle();
        await pruner.running();
      })(), opts.signal);
      if (queue.depth === 0 && queue.processing.length === 0 && (!opts.requeues || queue.scheduled.length === 0) && !pruner.running() && resyncs.size === 0) return;
      // sleep() removes its abort listener when the timer fires: polling adds none that stay.
      await sleep(clock, pollMs, opts.signal).catch(() => undefined);
    }
  }

  return {
    status, queue, controllerId,
    setSnapshot,
    snapshot: () => desired?.snapshot,
    async start() {
      // Deploys an earlier process began and did not finish announcing: their services' first pass picks them up.
      for (const deploy of options.events?.openDeploys() ?? []) services.resume(deploy.service, deploy);
      unsubscribeShards = gate?.onChange(onShardChange);
      if (options.source) await options.source.start((snapshot, changes) => setSnapshot(snapshot, changes));
      scheduleResync();
      tickLongestRunning();
    },
    resync: () => resync(),
    waitForIdle,
    ready: () => isReady,
    lastPrune: () => pruner.last(),
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      resyncCancel?.();
      gaugeCancel?.();
      unsubscribeShards?.();
      await options.source?.close();
      for (const pending of [...clusterPending.values(), ...capacityProviderPending.values()]) pending.resolve();
      const graceMs = stopOptions.graceMs ?? 5000;
      // Batched reads run on the controller's own signal: abort it with the workers'.
      const cancelAbort = clock.setTimer(graceMs, () => lifetime.abort(new Error('controller stopped')));
      await queue.shutdown({ graceMs, abortWaitMs: 2000 });
      cancelAbort();
      lifetime.abort(new Error('controller stopped'));
      unbindMetrics?.();
      metrics?.readScheduledTasksFrom(undefined);
    },
  };
}
