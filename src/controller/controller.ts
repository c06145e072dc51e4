/**
 * The controller: owns the work queue, the per-region ECS access (rate limiter,
 * reader, applier), resync, pruning, metrics and shutdown. Reconcilers see
 * only a key; this loop alone decides retries, records the outcome and logs it
 * once (controller-runtime's split). Snapshots come from a ManifestSource (or
 * `setSnapshot` for one-shot use); the queue carries keys, never payloads.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { TAG_MANAGED_BY, tagsToMap } from '../diff/tags.js';
import type { MaskOptions } from '../diff/types.js';
import type { EcsApi } from '../ecs/ecs-api.js';
import { EcsReader } from '../ecs/ecs-reader.js';
import type { EcrApi } from '../ecs/ecr-api.js';
import { ImageResolver } from '../ecs/image-resolver.js';
import { FollowedDigests, imagesToPrefetch } from './image-policy.js';
import { EcsRateLimiter } from '../ecs/rate-limited-ecs.js';
import type { RateCategory } from '../ecs/rate-limits.js';
import type { BucketLimits } from '../ecs/token-bucket.js';
import type { DesiredCluster, DesiredService, ManifestSnapshot } from '../manifests/types.js';
import { lazyChild, silentLogger, type Logger } from '../observe/logger.js';
import type { Metrics, PruneBlockedReason } from '../observe/metrics.js';
import { bindServiceStatusMetrics } from '../observe/service-status-metrics.js';
import type { Action, PruneBlockReason } from '../plan/types.js';
import type { ManifestSource } from '../source/manifest-source.js';
import { Applier } from './applier.js';
import { sleep, systemClock, untilAborted, type Clock } from '../util/clock.js';
import { reconcileCluster } from './cluster-reconciler.js';
import { SharedDeadlines } from './deadlines.js';
import { defaultPlanner, type Planner } from './planner.js';
import { ServiceReconciler, type RegionAccess, type ServiceReconcileOutcome } from './service-reconciler.js';
import { StatusStore } from './status.js';
import { WorkQueue } from './workqueue.js';

export const CLUSTER_KEY_PREFIX = 'cluster:';
export const PRUNE_KEY_PREFIX = 'prune:';
export const DEFAULT_CONTROLLER_ID = 'ecs-gitops';

export interface ControllerOptions {
  /** ECS access for a region. A single EcsApi serves every region (tests, the sandbox). */
  readonly ecs: EcsApi | ((region: string) => EcsApi);
  /** ECR access for image checks and `spec.sync.images`; without it images are deployed as written, unchecked. */
  readonly ecr?: EcrApi | ((region: string) => EcrApi);
  /** How long an image tag's digest is trusted. @default 60000 */
  readonly imageCacheTtlMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly status?: StatusStore;
  readonly planner?: Planner;
  /** Written to ecs-gitops/managed-by; only services carrying it are ever pruned. @default 'ecs-gitops' */
  readonly controllerId?: string;
  /** @default 'auto' */
  readonly mode?: 'auto' | 'detect';
  /** Keys reconciled at the same time. @default 4 */
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
  readonly random?: () => number;
  /** Called around every reconcile of a key (tracing, tests). */
  readonly hooks?: {
    beforeReconcile?(key: string): void;
    afterReconcile?(key: string, result: 'success' | 'error' | 'requeue'): void;
  };
}

export interface PruneReport {
  readonly at: string;
  readonly revision?: string;
  readonly candidates: readonly string[];
  readonly deleted: readonly string[];
  readonly blocked?: { readonly reason: PruneBlockReason; readonly message: string };
}

export interface Controller {
  readonly status: StatusStore;
  readonly queue: WorkQueue;
  readonly controllerId: string;
  /** Takes a new snapshot: enqueues what changed, then runs a prune pass. */
  setSnapshot(snapshot: ManifestSnapshot): void;
  snapshot(): ManifestSnapshot | undefined;
  /** Starts the source (when given) and the resync timer. */
  start(): Promise<void>;
  /** Re-checks every declared service and cluster now (resolves once they are queued). */
  resync(): Promise<void>;
  /** Resolves when the queue is idle; with `requeues`, also when no key waits for a delayed requeue or retry. */
  waitForIdle(options?: { requeues?: boolean; signal?: AbortSignal; pollMs?: number }): Promise<void>;
  /** First snapshot loaded and every key looked at once. */
  ready(): boolean;
  lastPrune(): PruneReport | undefined;
  /** Stops taking work, lets in-flight reconciles finish for `graceMs`, then aborts them. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

interface RegionState extends RegionAccess {
  readonly ecs: EcsApi;
}

const PRUNE_REASON_METRIC: Readonly<Record<PruneBlockReason, PruneBlockedReason>> = {
  disabled: 'pruning_disabled',
  snapshot_errors: 'snapshot_errors',
  empty_snapshot: 'snapshot_incomplete',
  too_many: 'guard_exceeded',
};

function clusterKey(region: string, cluster: string): string {
  return `${CLUSTER_KEY_PREFIX}${region}/${cluster}`;
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

  const ecrOption = options.ecr;
  const images = ecrOption
    ? {
      resolver: new ImageResolver({
        ecr: typeof ecrOption === 'function' ? ecrOption : () => ecrOption,
        clock,
        ...(options.imageCacheTtlMs !== undefined ? { ttlMs: options.imageCacheTtlMs } : {}),
        onCheck: (result) => metrics?.recordImageCheck(result),
      }),
      followed: new FollowedDigests(),
    }
    : undefined;
  const regions = new Map<string, RegionState>();
  const limiters = new Map<EcsApi, EcsApi>();
  function regionState(region: string): RegionState {
    let state = regions.get(region);
    if (state) return state;
    const raw = typeof options.ecs === 'function' ? options.ecs(region) : options.ecs;
    // Buckets are per account and Region: one limiter per distinct EcsApi.
    let ecs = limiters.get(raw);
    if (!ecs) {
      ecs = options.rateLimits === false
        ? raw
        : new EcsRateLimiter({
          clock, limits: options.rateLimits ?? {}, onWait: (bucket, seconds) => metrics?.recordRateLimiterWait(bucket, seconds),
        }).wrap(raw);
      limiters.set(raw, ecs);
    }
    const reader = new EcsReader({ ecs, clock, signal: lifetime.signal });
    const applier = new Applier({ ecs, reader, onAction: (action, ok) => metrics?.recordApplyAction(action, ok ? 'success' : 'error') });
    const clusterCache = new Map<string, { at: number; strategy: readonly ECS.CapacityProviderStrategyItem[] }>();
    state = {
      ecs, reader, applier,
      ...(images ? { images } : {}),
      async clusterDefaultStrategy(cluster, signal) {
        const cached = clusterCache.get(cluster);
        if (cached && clock.now() - cached.at < 60_000) return cached.strategy;
        const live = await reader.describeCluster(cluster, signal);
        const strategy = live?.defaultCapacityProviderStrategy ?? [];
        clusterCache.set(cluster, { at: clock.now(), strategy });
        return strategy;
      },
    };
    regions.set(region, state);
    return state;
  }

  const reconciler = new ServiceReconciler({
    clock, status, planner, controllerId, mode,
    ...(options.rolloutPollMs !== undefined ? { rolloutPollMs: options.rolloutPollMs } : {}),
    ...(options.rolloutTimeoutMs !== undefined ? { rolloutTimeoutMs: options.rolloutTimeoutMs } : {}),
    ...(options.followRollouts !== undefined ? { followRollouts: options.followRollouts } : {}),
    events: { rollout: (result) => metrics?.recordRollout(result) },
    ...(options.mask ? { mask: options.mask } : {}),
  });

  let current: ManifestSnapshot | undefined;
  let servicesByKey = new Map<string, DesiredService>();
  let clustersByKey = new Map<string, DesiredCluster>();
  const knownClusters = new Set<string>();
  /** Declared clusters being reconciled: their services wait so they are not created into nothing. */
  const clusterPending = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const pendingDeletes = new Map<string, { arn: string; actions: Action[] }>();
  let prune: PruneReport | undefined;
  const firstPassPending = new Set<string>();
  let isReady = false;
  let stopped = false;
  let resyncCancel: (() => void) | undefined;
  let unbindMetrics: (() => void) | undefined;
  if (metrics) unbindMetrics = bindServiceStatusMetrics(metrics, status);

  const revisionOf = (snapshot: ManifestSnapshot | undefined) => snapshot?.revision ?? 'unversioned';

  async function handle(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const started = clock.now();
    const revision = revisionOf(current);
    const log = lazyChild(logger, () => ({ key, revision, reconcileId: randomUUID().slice(0, 8) }));
    options.hooks?.beforeReconcile?.(key);
    let result: 'success' | 'error' | 'requeue' = 'error';
    // The reconcile's deadline on the injected clock, joined with the shutdown signal.
    const deadline = deadlines.acquire();
    try {
      const outcome = await reconcileKey(key, deadline.signal, log);
      result = outcome.result;
      metrics?.recordReconcile(outcome.result, (clock.now() - started) / 1000);
      if (outcome.result === 'error') log.warn({ error: status.get(key)?.lastError }, 'reconcile blocked');
      else log.debug({ result: outcome.result }, 'reconciled');
      return outcome.requeueAfterMs !== undefined ? { requeueAfterMs: outcome.requeueAfterMs } : {};
    } catch (err) {
      metrics?.recordReconcile('error', (clock.now() - started) / 1000);
      const code = (err as { code?: string }).code;
      log.warn({ code, err: err instanceof Error ? err.message : String(err) }, 'reconcile failed; retrying with backoff');
      throw err;
    } finally {
      deadline.release();
      if (key.startsWith(CLUSTER_KEY_PREFIX)) {
        const id = key.slice(CLUSTER_KEY_PREFIX.length);
        clusterPending.get(id)?.resolve();
        clusterPending.delete(id);
      }
      options.hooks?.afterReconcile?.(key, result);
      firstPassPending.delete(key);
      if (!isReady && current && firstPassPending.size === 0) isReady = true;
    }
  }

  async function reconcileKey(key: string, signal: AbortSignal, log: Logger): Promise<ServiceReconcileOutcome> {
    if (key.startsWith(CLUSTER_KEY_PREFIX)) {
      const desired = clustersByKey.get(key.slice(CLUSTER_KEY_PREFIX.length));
      if (!desired || current?.blockedKeys.has(desired.key)) return { result: 'success' };
      const result = await reconcileCluster(desired, {
        ...regionState(desired.region), controllerId, revision: revisionOf(current), mode, signal,
      });
      if (result.changes.length > 0) log.info({ changes: result.changes, mode }, mode === 'auto' ? 'cluster updated' : 'cluster differs (detect mode)');
      return { result: 'success' };
    }
    if (key.startsWith(PRUNE_KEY_PREFIX)) return deleteService(key.slice(PRUNE_KEY_PREFIX.length), signal, log);

    const desired = servicesByKey.get(key);
    if (!current) return { result: 'success' };
    if (current.blockedKeys.has(key)) {
      const existing = status.get(key);
      if (existing) {
        status.update(key, {
          lastError: { code: 'CONTROLLER_MANIFEST_BLOCKED', message: `the file declaring ${key} has problems; the service is left as it is until they are fixed`, at: new Date(clock.now()).toISOString() },
        });
      }
      return { result: 'error' };
    }
    if (!desired) {
      // No longer declared: forget its status (pruning, if any, is a separate key).
      status.remove(key);
      images?.followed.forget(key);
      return { result: 'success' };
    }
    // A declared cluster is created first (its key was queued ahead of the services).
    await clusterPending.get(`${desired.region}/${desired.cluster}`)?.promise;
    const outcome = await reconciler.reconcile({ desired, revision: revisionOf(current), region: regionState(desired.region), signal });
    const after = status.get(key);
    // One line per action, so a log query for one kind of change (say every DeleteService) needs no array search.
    for (const action of outcome.applied ?? []) log.info({ action, taskDefinition: after?.liveTaskDefinition }, 'applied');
    for (const update of outcome.imageUpdates?.updates ?? []) {
      const fields = { container: update.container, image: update.image, oldDigest: update.oldDigest ?? 'unknown (deployed before this controller started)', newDigest: update.newDigest };
      if (outcome.imageUpdates?.deployed) log.info(fields, 'image updated');
      else log.info(fields, 'image update available (detect mode: not deployed)');
    }
    if (outcome.rollout === 'completed') log.info({ taskDefinition: after?.liveTaskDefinition }, 'rollout completed: Healthy');
    else if (outcome.rollout) log.error({ error: after?.lastError }, `rollout ${outcome.rollout.replace('_', ' ')}: Degraded`);
    else if (after?.lastApplySucceeded === false && after.lastError && !outcome.applied) log.warn({ error: after.lastError }, 'not applied');
    if (after?.sync === 'OutOfSync' && after.mode === 'detect') log.info({ diff: after.diff.map((d) => d.pointer) }, 'drift detected (detect mode: not applied)');
    return outcome;
  }

  async function deleteService(key: string, signal: AbortSignal, log: Logger): Promise<ServiceReconcileOutcome> {
    const pending = pendingDeletes.get(key);
    pendingDeletes.delete(key);
    if (!pending || servicesByKey.has(key) || current?.blockedKeys.has(key)) return { result: 'success' };
    const [region = '', cluster = '', name = ''] = key.split('/');
    const state = regionState(region);
    // Level-triggered: re-read before deleting, and only ever delete what we own.
    const live = (await state.reader.describeServices(cluster, [name], signal)).get(name)?.service;
    if (!live || live.status !== 'ACTIVE' || tagsToMap(live.tags)[TAG_MANAGED_BY] !== controllerId) return { result: 'success' };
    await state.applier.apply(pending.actions, signal);
    status.remove(key);
    log.info({ arn: pending.arn }, 'pruned service no longer in the manifests');
    return { result: 'success' };
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
      onGiveUp: (key, err) => logger.error({ key, err: err instanceof Error ? err.message : String(err) }, 'giving up on key after repeated failures'),
    },
  });
  // Per-reconcile deadlines on the injected clock, joined with the queue's shutdown signal.
  const deadlines = new SharedDeadlines(clock, options.reconcileTimeoutMs ?? 300_000, queue.shutdownSignal);

  // --- pruning -------------------------------------------------------------
  let pruneRunning: Promise<void> | undefined;
  let pruneAgain = false;

  async function prunePass(): Promise<void> {
    const snapshot = current;
    if (!snapshot || mode === 'detect' || stopped) return;
    const owned: Array<{ key: string; arn: string; desiredCount: number }> = [];
    const desiredKeys = new Set<string>([...snapshot.services.map((s) => s.key), ...snapshot.blockedKeys]);
    for (const entry of knownClusters) {
      const [region = '', cluster = ''] = entry.split('/');
      const state = regionState(region);
      let arns: string[];
      try {
        arns = await state.reader.listServiceArns(cluster, lifetime.signal);
      } catch (err) {
        // A cluster that does not exist (yet) holds nothing to prune.
        if ((err as { code?: string }).code === 'AWS_CLUSTER_NOT_FOUND') continue;
        throw err;
      }
      // Only undeclared services can be candidates; declared ones are read by their own
      // reconciles, so a prune pass costs ListServices pages plus the orphans' reads.
      const names = arns.map((arn) => arn.split('/').pop() ?? '')
        .filter((n) => n.length > 0 && !desiredKeys.has(`${region}/${cluster}/${n}`));
      if (names.length === 0) continue;
      const found = await state.reader.describeServices(cluster, names, lifetime.signal);
      for (const [name, lookup] of found) {
        const svc = lookup.service;
        if (!svc || svc.status !== 'ACTIVE') continue;
        if (tagsToMap(svc.tags)[TAG_MANAGED_BY] !== controllerId) continue;
        owned.push({ key: `${region}/${cluster}/${name}`, arn: svc.serviceArn ?? name, desiredCount: svc.desiredCount ?? 0 });
      }
    }
    const plan = planner.planPrune({
      ownedLive: owned, desiredKeys, snapshotHasProblems: snapshot.problems.length > 0,
      pruneEnabled: options.prune ?? false, maxDeletes: options.maxPrune ?? 5,
    });
    prune = {
      at: new Date(clock.now()).toISOString(), revision: snapshot.revision,
      candidates: plan.candidates.map((c) => c.key), deleted: plan.deletes.map((d) => d.key),
      ...(plan.blocked ? { blocked: plan.blocked } : {}),
    };
    if (plan.candidates.length > 0 || status.snapshot().prune) status.setPrune(prune);
    if (plan.blocked) {
      metrics?.recordPruneBlocked(PRUNE_REASON_METRIC[plan.blocked.reason]);
      logger.warn({ reason: plan.blocked.reason, candidates: prune.candidates }, `prune blocked: ${plan.blocked.message}`);
      return;
    }
    for (const del of plan.deletes) {
      pendingDeletes.set(del.key, { arn: del.arn, actions: [...del.actions] });
      queue.add(`${PRUNE_KEY_PREFIX}${del.key}`);
    }
  }

  function schedulePrune(): void {
    if (pruneRunning) {
      pruneAgain = true;
      return;
    }
    pruneRunning = (async () => {
      do {
        pruneAgain = false;
        try {
          await prunePass();
        } catch (err) {
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'prune pass failed; retried at the next resync');
        }
      } while (pruneAgain && !stopped);
    })().finally(() => {
      pruneRunning = undefined;
    });
  }

  // --- snapshots and resync ------------------------------------------------
  function setSnapshot(snapshot: ManifestSnapshot): void {
    if (stopped) return;
    const previousServices = servicesByKey;
    const previousClusters = clustersByKey;
    current = snapshot;
    servicesByKey = new Map(snapshot.services.map((s) => [s.key, s]));
    clustersByKey = new Map(snapshot.clusters.map((c) => [c.key, c]));
    status.setSnapshot(snapshot.revision, new Date(clock.now()).toISOString(), snapshot.problems.length);
    metrics?.recordSnapshot(snapshot, clock.now() / 1000);
    for (const s of snapshot.services) knownClusters.add(`${s.region}/${s.cluster}`);
    for (const c of snapshot.clusters) knownClusters.add(`${c.region}/${c.name}`);

    const keys: string[] = [];
    for (const [key, cluster] of clustersByKey) {
      if (previousClusters.get(key)?.contentHash !== cluster.contentHash) {
        keys.push(clusterKey(cluster.region, cluster.name));
        if (!clusterPending.has(key)) {
          let resolve!: () => void;
          const promise = new Promise<void>((r) => (resolve = r));
          clusterPending.set(key, { promise, resolve });
        }
      }
    }
    const changed: DesiredService[] = [];
    for (const [key, service] of servicesByKey) {
      if (previousServices.get(key)?.contentHash !== service.contentHash || !status.get(key)) {
        keys.push(key);
        changed.push(service);
      }
    }
    // One batched ECR look-up per repository for every changed service, before their reconciles ask.
    void prefetchImages(changed.filter((s) => !snapshot.blockedKeys.has(s.key)).flatMap((s) => imagesToPrefetch(s, true)));
    for (const key of previousServices.keys()) if (!servicesByKey.has(key)) keys.push(key);
    for (const key of snapshot.blockedKeys) keys.push(key);
    if (!isReady) for (const key of keys) firstPassPending.add(key);
    if (!isReady && keys.length === 0) isReady = true;
    queueWithReadAhead(keys);
    logger.info({ revision: snapshot.revision, services: snapshot.services.length, problems: snapshot.problems.length, enqueued: keys.length }, 'manifest snapshot loaded');
    schedulePrune();
  }

  /**
   * Queues `keys`, planning read-ahead groups of 10 declared services per
   * cluster in queue order: the first reconcile of a group reads the whole
   * group in one DescribeServices and the others take their answers from that
   * read (EcsReader.planBatch). Whole-fleet passes (the first snapshot after a
   * start, a resync, a commit touching many services) cost ceil(n / 10)
   * reads per cluster, and the answers are fresh however long the pass takes
   * (10,000 services need about a minute of reads at ECS's rates).
   */
  function queueWithReadAhead(keys: readonly string[]): void {
    const byCluster = new Map<string, DesiredService[]>();
    for (const key of keys) {
      const s = servicesByKey.get(key);
      if (!s || current?.blockedKeys.has(key) || queue.processing.includes(key)) {
        queue.add(key);
        continue;
      }
      const id = `${s.region}/${s.cluster}`;
      const list = byCluster.get(id);
      if (list) list.push(s);
      else byCluster.set(id, [s]);
    }
    for (const list of byCluster.values()) {
      for (let i = 0; i < list.length; i += 10) {
        const group = list.slice(i, i + 10);
        const first = group[0] as DesiredService;
        regionState(first.region).reader.planBatch(first.cluster, group.map((s) => s.name));
        for (const s of group) queue.add(s.key);
      }
    }
  }

  function prefetchImages(refs: ReturnType<typeof imagesToPrefetch>): Promise<void> {
    if (!images || refs.length === 0) return Promise.resolve();
    // Each reconcile looks up (and reports) on its own if this fails.
    return images.resolver.prefetch(refs, lifetime.signal).catch(() => undefined);
  }

  const resyncs = new Set<Promise<void>>();
  function resync(): Promise<void> {
    if (!current || stopped) return Promise.resolve();
    // One DescribeServices per 10 services of a cluster for the whole pass (read-ahead groups).
    const byCluster = new Map<string, DesiredService[]>();
    for (const s of current.services) {
      if (current.blockedKeys.has(s.key) || queue.processing.includes(s.key)) continue;
      const id = `${s.region}/${s.cluster}`;
      byCluster.set(id, [...(byCluster.get(id) ?? []), s]);
    }
    const services = current.services;
    const clusters = current.clusters;
    const pass = (async () => {
      // Tags resolved every pass, and images found missing or unreadable last time (pushed since?).
      const refs = [...byCluster.values()].flat().flatMap((s) => [
        ...imagesToPrefetch(s), ...imagesToPrefetch(s, true).filter((ref) => images?.resolver.needsRecheck(ref)),
      ]);
      await prefetchImages(refs);
      for (const c of clusters) queue.add(clusterKey(c.region, c.name));
      // Services are read in groups of 10 as their reconciles come (queueWithReadAhead).
      queueWithReadAhead(services.map((s) => s.key));
      // With pruning off, the orphan report is refreshed on each new revision (setSnapshot) rather
      // than on every resync: listing every cluster each interval would double a drift scan's cost.
      if (options.prune) schedulePrune();
    })();
    resyncs.add(pass);
    void pass.finally(() => resyncs.delete(pass));
    return pass;
  }

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
        await pruneRunning;
      })(), opts.signal);
      if (queue.depth === 0 && queue.processing.length === 0 && (!opts.requeues || queue.scheduled.length === 0) && !pruneRunning && resyncs.size === 0) return;
      // sleep() removes its abort listener when the timer fires: polling adds none that stay.
      await sleep(clock, pollMs, opts.signal).catch(() => undefined);
    }
  }

  return {
    status, queue, controllerId,
    setSnapshot,
    snapshot: () => current,
    async start() {
      if (options.source) await options.source.start((snapshot) => setSnapshot(snapshot));
      scheduleResync();
      tickLongestRunning();
    },
    resync,
    waitForIdle,
    ready: () => isReady,
    lastPrune: () => prune,
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      resyncCancel?.();
      gaugeCancel?.();
      await options.source?.close();
      for (const pending of clusterPending.values()) pending.resolve();
      const graceMs = stopOptions.graceMs ?? 5000;
      // Batched reads run on the controller's own signal: abort it with the workers'.
      const cancelAbort = clock.setTimer(graceMs, () => lifetime.abort(new Error('controller stopped')));
      await queue.shutdown({ graceMs, abortWaitMs: 2000 });
      cancelAbort();
      lifetime.abort(new Error('controller stopped'));
      unbindMetrics?.();
    },
  };
}

