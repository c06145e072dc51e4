/**
 * One level-triggered pass over one service key (ARCHITECTURE.md "Reconcile
 * semantics"): read live state, diff it against the manifest, record status,
 * and in auto mode plan and apply; then follow the rollout it started by
 * asking to be requeued, never by blocking a worker. Early returns, one
 * status write per outcome.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { diffService, isServiceGone, liveServiceFingerprint, maskChanges, TAG_MANAGED_BY, TAG_SPEC_HASH, tagsToMap } from '../diff/index.js';
import type { Change, MaskOptions } from '../diff/index.js';
import type { EcsReader } from '../ecs/ecs-reader.js';
import { isGitopsError } from '../errors/index.js';
import type { DesiredService, ServiceManifest } from '../manifests/types.js';
import { buildTaskDefinitionRegistration } from '../plan/index.js';
import type { LiveServiceState } from '../plan/types.js';
import type { Applier } from './applier.js';
import type { Clock } from '../util/clock.js';
import type { ImageResolver } from '../ecs/image-resolver.js';
import { applyImagePolicy, type FollowedDigests, type ImagePolicyResult, type ImageUpdate } from './image-policy.js';
import type { Planner } from './planner.js';
import { assessRollout, type WatchedRollout } from './rollout.js';
import type { HealthStatus, ServiceStatus, StatusChange, StatusStore, SyncStatus } from './status.js';

export type ReconcileResultLabel = 'success' | 'error' | 'requeue';

export interface ServiceReconcileOutcome {
  readonly result: ReconcileResultLabel;
  readonly requeueAfterMs?: number;
  /** ECS actions this pass performed (for the controller's log line). */
  readonly applied?: readonly string[];
  /** A followed rollout finished in this pass. */
  readonly rollout?: 'completed' | 'failed' | 'timed_out';
  /** follow-tag: tags that moved to a new digest; `deployed` false in detect mode (reported only). */
  readonly imageUpdates?: { readonly updates: readonly ImageUpdate[]; readonly deployed: boolean };
}

export interface RolloutEvents {
  rollout?(result: 'completed' | 'failed' | 'timed_out'): void;
}

export interface ServiceReconcilerOptions {
  readonly clock: Clock;
  readonly status: StatusStore;
  readonly planner: Planner;
  readonly controllerId: string;
  /** Global mode; a manifest's spec.sync.mode: detect always wins. */
  readonly mode: 'auto' | 'detect';
  /** Delay between looks at a rollout in progress. @default 2000 */
  readonly rolloutPollMs?: number;
  /** A rollout running longer than this is reported Degraded (timed out). @default 1800000 */
  readonly rolloutTimeoutMs?: number;
  /** Follow rollouts after applying (false for a one-shot sync without --wait). @default true */
  readonly followRollouts?: boolean;
  /** How many recent ACTIVE revisions to search for a matching spec-hash tag. @default 10 */
  readonly reuseSearchDepth?: number;
  readonly events?: RolloutEvents;
  /** How the diffs in status are masked (--secret-pattern, mask key); the same options as every other rendering. @default {} */
  readonly mask?: MaskOptions;
}

export interface RegionAccess {
  readonly reader: EcsReader;
  readonly applier: Applier;
  /** ECR look-ups for `spec.sync.images` and image existence checks; absent = images deployed as written, unchecked. */
  readonly images?: { readonly resolver: ImageResolver; readonly followed: FollowedDigests };
  /** The cluster's default capacity provider strategy (cached by the caller). */
  clusterDefaultStrategy(cluster: string, signal: AbortSignal): Promise<readonly ECS.CapacityProviderStrategyItem[] | undefined>;
}

export interface ReconcileRequest {
  readonly desired: DesiredService;
  readonly revision: string;
  readonly region: RegionAccess;
  readonly signal: AbortSignal;
}

/** A reconcile that failed: status is already written; the queue retries with backoff. */
export class ReconcileError extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'ReconcileError';
    this.code = code;
  }
}

function toStatusChanges(changes: readonly Change[], mask: MaskOptions): StatusChange[] {
  return maskChanges(changes, mask).map((c) => ({ pointer: c.pointer, kind: c.kind, scope: c.scope, desired: c.desired, live: c.live }));
}

/**
 * Everything diffService reads for one service, by value or fingerprint: the
 * manifest as declared (identity, so an in-memory edit that kept the hash is
 * still compared), its content hash after the image policy (digests pinned),
 * the live record minus its volatile fields (liveServiceFingerprint; it holds
 * the task definition ARN, whose content never changes) and the cluster's
 * default capacity provider strategy.
 */
interface DiffInputs {
  readonly declared: ServiceManifest;
  readonly contentHash: string;
  readonly live: string;
  readonly strategy: string;
}

function sameDiffInputs(a: DiffInputs | undefined, b: DiffInputs): boolean {
  return a !== undefined && a.declared === b.declared && a.contentHash === b.contentHash && a.live === b.live && a.strategy === b.strategy;
}

function errorCode(err: unknown): string {
  if (isGitopsError(err)) return err.code;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) ? code : 'CONTROLLER_APPLY_FAILED';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ServiceReconciler {
  readonly #o: Required<Omit<ServiceReconcilerOptions, 'events'>> & { events: RolloutEvents };
  /** Rollouts this controller started and is following, by key. */
  readonly watched = new Map<string, WatchedRollout>();
  /** Manifest content whose rollout failed, by key: not re-applied until the manifest changes. */
  readonly failedContent = new Map<string, string>();
  /** Diffs computed and diffs reused from a Synced pass with the same inputs (skip-unchanged fast path). */
  readonly diffCounts = { computed: 0, reused: 0 };
  /**
   * Per key, the diff inputs of its last pass that found it Synced. diffService
   * is pure, so the same inputs give the same empty diff: a resync of an
   * unchanged fleet skips normalizing and comparing (most of its CPU).
   */
  readonly #syncedInputs = new Map<string, DiffInputs>();
  #lastRollout: ServiceReconcileOutcome['rollout'];

  constructor(options: ServiceReconcilerOptions) {
    this.#o = {
      rolloutPollMs: 2000, rolloutTimeoutMs: 1_800_000, followRollouts: true, reuseSearchDepth: 10, events: {}, mask: {},
      ...options,
    };
    // A service no longer managed leaves no entry behind.
    this.#o.status.subscribe((key, next) => {
      if (!next) this.#syncedInputs.delete(key);
    });
  }

  #now(): string {
    return new Date(this.#o.clock.now()).toISOString();
  }

  #initial(desired: DesiredService, mode: 'auto' | 'detect'): ServiceStatus {
    return {
      key: desired.key, region: desired.region, cluster: desired.cluster, service: desired.name,
      sync: 'Unknown', health: 'Unknown', mode, source: desired.source.file, diff: [],
    };
  }

  #write(desired: DesiredService, mode: 'auto' | 'detect', patch: Partial<ServiceStatus>): ServiceStatus {
    return this.#o.status.update(desired.key, { mode, source: desired.source.file, ...patch }, this.#initial(desired, mode));
  }

  #fail(desired: DesiredService, mode: 'auto' | 'detect', code: string, message: string, patch: Partial<ServiceStatus> = {}): void {
    this.#write(desired, mode, { ...patch, lastError: { code, message, at: this.#now() } });
  }

  async reconcile(request: ReconcileRequest): Promise<ServiceReconcileOutcome> {
    this.#lastRollout = undefined;
    const outcome = await this.#reconcile(request);
    return this.#lastRollout ? { ...outcome, rollout: this.#lastRollout } : outcome;
  }

  async #reconcile(request: ReconcileRequest): Promise<ServiceReconcileOutcome> {
    const { revision, region, signal } = request;
    let desired = request.desired;
    const key = desired.key;
    const mode: 'auto' | 'detect' = desired.manifest.spec.sync?.mode === 'detect' ? 'detect' : this.#o.mode;

    // 1. Live state.
    let lookup: { service?: ECS.Service };
    let live: LiveServiceState;
    try {
      lookup = await region.reader.describeService(desired.cluster, desired.name, signal);
      const service = isServiceGone(lookup.service) ? undefined : lookup.service;
      const taskDefinition = service?.taskDefinition
        ? (await region.reader.taskDefinition(service.taskDefinition, signal)).taskDefinition
        : undefined;
      live = { ...(service ? { service, tags: service.tags ?? [] } : {}), ...(taskDefinition ? { taskDefinition } : {}) };
    } catch (err) {
      this.#fail(desired, mode, errorCode(err), errorMessage(err), { sync: 'Unknown', health: 'Unknown' });
      throw new ReconcileError(errorCode(err), errorMessage(err), err);
    }

    if (lookup.service?.status === 'DRAINING') {
      this.#fail(desired, mode, 'CONTROLLER_SERVICE_DRAINING',
        `service ${desired.name} in cluster ${desired.cluster} is DRAINING after a deletion; it is re-created once ECS has removed it`,
        { sync: 'OutOfSync', health: 'Missing' });
      return { result: 'requeue', requeueAfterMs: Math.max(this.#o.rolloutPollMs, 5000) };
    }

    const owner = live.service ? tagsToMap(live.service.tags)[TAG_MANAGED_BY] : undefined;
    if (owner !== undefined && owner !== this.#o.controllerId) {
      this.#fail(desired, mode, 'DIFF_OWNED_BY_OTHER_CONTROLLER',
        `service ${desired.name} in cluster ${desired.cluster} is managed by controller "${owner}", not "${this.#o.controllerId}"; left alone`,
        { sync: 'Unknown', health: 'Unknown', diff: [] });
      return { result: 'error' };
    }

    // 2. Image policy: resolve tags to digests, check images about to be deployed exist.
    let policy: ImagePolicyResult | undefined;
    if (region.images) {
      try {
        policy = await applyImagePolicy(desired, live, region.images.resolver, region.images.followed, signal);
      } catch (err) {
        this.#fail(desired, mode, errorCode(err), errorMessage(err), { sync: 'Unknown' });
        throw new ReconcileError(errorCode(err), errorMessage(err), err);
      }
      if (policy.problem) {
        // Nothing is registered or updated: what runs keeps running.
        const health = policy.problem.code === 'CONTROLLER_IMAGE_LOOKUP_FAILED' && live.service ? assessRollout(live.service).health : 'Degraded';
        this.#fail(desired, mode, policy.problem.code, policy.problem.message, {
          sync: 'OutOfSync', health, lastAttemptedRevision: revision, lastApplySucceeded: false,
        });
        if (policy.problem.code === 'CONTROLLER_IMAGE_LOOKUP_FAILED') throw new ReconcileError(policy.problem.code, policy.problem.message);
        return { result: 'error' };
      }
      desired = policy.desired;
    }
    // A failed manifest is held only while it stays the manifest: any other
    // content (for pin-digest, another digest) releases it.
    if (this.failedContent.has(key) && this.failedContent.get(key) !== desired.contentHash) this.failedContent.delete(key);

    // 3. Diff, unless nothing it reads changed since a pass found the service Synced.
    let changes: Change[];
    let strategy: readonly ECS.CapacityProviderStrategyItem[] | undefined;
    try {
      strategy = desired.manifest.spec.launchType || desired.manifest.spec.capacityProviderStrategy
        ? undefined
        : await region.clusterDefaultStrategy(desired.cluster, signal);
      const fingerprint = live.service ? liveServiceFingerprint(live.service) : undefined;
      const inputs: DiffInputs | undefined = fingerprint === undefined ? undefined : {
        declared: request.desired.manifest, contentHash: desired.contentHash, live: fingerprint, strategy: JSON.stringify(strategy ?? null),
      };
      if (inputs && sameDiffInputs(this.#syncedInputs.get(key), inputs)) {
        changes = [];
        this.diffCounts.reused++;
      } else {
        changes = diffService(desired.manifest, live, strategy ? { clusterDefaultCapacityProviderStrategy: strategy } : {});
        this.diffCounts.computed++;
        if (inputs && changes.length === 0) this.#syncedInputs.set(key, inputs);
        else this.#syncedInputs.delete(key);
      }
    } catch (err) {
      this.#fail(desired, mode, errorCode(err), errorMessage(err), { sync: 'Unknown' });
      throw new ReconcileError(errorCode(err), errorMessage(err), err);
    }
    const sync: SyncStatus = changes.length === 0 ? 'Synced' : 'OutOfSync';

    // 3. Health, and the outcome of a rollout we are following.
    const health = this.#assessHealth(desired, mode, live.service, revision);
    const previous = this.#o.status.get(key);
    const base: Partial<ServiceStatus> = {
      sync, health: health.health, diff: toStatusChanges(changes, this.#o.mask), lastSyncTime: this.#now(),
      ...(live.service?.taskDefinition ? { liveTaskDefinition: live.service.taskDefinition } : {}),
      ...(policy && Object.keys(policy.imageDigests).length > 0 ? { imageDigests: policy.imageDigests } : {}),
      ...health.patch,
    };
    if (sync === 'Synced' && health.health !== 'Degraded' && !health.patch.lastError) {
      if (mode === 'auto' && live.service && owner === undefined) {
        // Adoption: a service declared in Git but created elsewhere (say, one
        // `ecs-gitops export` wrote a manifest for) gets the ownership tags and
        // nothing else, so later changes pass the IAM policy's tag condition.
        this.#write(desired, mode, { ...base, lastAttemptedRevision: revision });
        return this.#apply(desired, mode, revision, live, [], region, signal, strategy);
      }
      if (policy && policy.imageUpdates.length > 0 && live.service && !this.watched.has(key) && health.health !== 'Progressing') {
        return this.#followTags(desired, mode, revision, live.service, policy, base, region, signal);
      }
      // The digests found are the ones running (remembered as the follow-tag baseline).
      if (policy && region.images && policy.followDigests.size > 0) region.images.followed.set(key, policy.followDigests);
      // In sync and not failing: clear stale errors, note what is applied.
      const clean: { -readonly [K in keyof ServiceStatus]?: ServiceStatus[K] } = { ...base, lastError: undefined };
      if (!this.watched.has(key) && !('lastAppliedRevision' in health.patch)) {
        clean.lastAppliedRevision = previous?.lastAppliedRevision ?? revision;
        if (previous?.lastApplySucceeded === false && health.health === 'Healthy') clean.lastApplySucceeded = true;
      }
      this.#write(desired, mode, clean);
      return this.watched.has(key) || (health.health === 'Progressing' && this.#o.followRollouts)
        ? { result: 'requeue', requeueAfterMs: this.#o.rolloutPollMs }
        : { result: 'success' };
    }
    if (sync === 'Synced') {
      this.#write(desired, mode, base);
      return this.watched.has(key) ? { result: 'requeue', requeueAfterMs: this.#o.rolloutPollMs } : { result: 'success' };
    }

    // 4. Out of sync.
    if (mode === 'detect') {
      this.#write(desired, mode, base);
      return health.health === 'Progressing' && this.#o.followRollouts
        ? { result: 'requeue', requeueAfterMs: this.#o.rolloutPollMs }
        : { result: 'success' };
    }
    if (this.failedContent.get(key) === desired.contentHash) {
      // This exact manifest already failed to roll out: applying it again would
      // loop through failing deployments. Wait for a fix in Git.
      this.#write(desired, mode, { ...base, health: 'Degraded' });
      return { result: 'success' };
    }
    if (this.watched.has(key) && this.watched.get(key)?.contentHash === desired.contentHash && health.health === 'Progressing') {
      // Our own rollout is still replacing tasks; nothing new to apply.
      this.#write(desired, mode, base);
      return { result: 'requeue', requeueAfterMs: this.#o.rolloutPollMs };
    }
    this.#write(desired, mode, { ...base, lastAttemptedRevision: revision });
    const applied = await this.#apply(desired, mode, revision, live, changes, region, signal, strategy);
    // A new deployment resolves follow-tag tags again: remember what it got.
    if (applied.applied?.length && policy && region.images) {
      if (policy.followDigests.size > 0) region.images.followed.set(key, policy.followDigests);
      if (Object.keys(policy.targetDigests).length > 0) this.#write(desired, mode, { imageDigests: policy.targetDigests });
    }
    return applied;
  }

  /**
   * follow-tag: a tag points at a new digest while the service is otherwise
   * in sync. Auto mode starts one new deployment of the same revision (ECS
   * resolves the tag again); detect mode only reports it. Not drift.
   */
  async #followTags(
    desired: DesiredService, mode: 'auto' | 'detect', revision: string, service: ECS.Service, policy: ImagePolicyResult,
    base: Partial<ServiceStatus>, region: RegionAccess, signal: AbortSignal,
  ): Promise<ServiceReconcileOutcome> {
    const key = desired.key;
    const updates = policy.imageUpdates;
    if (mode === 'detect') {
      this.#write(desired, mode, { ...base, lastError: undefined });
      return { result: 'success', imageUpdates: { updates, deployed: false } };
    }
    try {
      const result = await region.applier.apply([{
        kind: 'updateService', input: { cluster: desired.cluster, service: desired.name, forceNewDeployment: true },
      }], signal);
      region.reader.invalidateService(desired.cluster, desired.name);
      region.images?.followed.set(key, policy.followDigests);
      const imageDigests = Object.fromEntries(policy.followDigests);
      const taskDefinitionArn = service.taskDefinition;
      if (this.#o.followRollouts && taskDefinitionArn) {
        this.watched.set(key, { taskDefinitionArn, revision, contentHash: desired.contentHash, startedAt: this.#o.clock.now() });
        this.#write(desired, mode, { ...base, health: 'Progressing', lastError: undefined, imageDigests });
        return { result: 'requeue', requeueAfterMs: this.#o.rolloutPollMs, applied: result.performed, imageUpdates: { updates, deployed: true } };
      }
      this.#write(desired, mode, { ...base, health: 'Progressing', lastError: undefined, imageDigests, lastApplySucceeded: true, lastAppliedRevision: revision });
      return { result: 'success', applied: result.performed, imageUpdates: { updates, deployed: true } };
    } catch (err) {
      region.reader.invalidateService(desired.cluster, desired.name);
      this.#fail(desired, mode, errorCode(err), errorMessage(err), { lastApplySucceeded: false });
      throw new ReconcileError(errorCode(err), errorMessage(err), err);
    }
  }

  #assessHealth(
    desired: DesiredService, _mode: 'auto' | 'detect', service: ECS.Service | undefined, revision: string,
  ): { health: HealthStatus; patch: Partial<ServiceStatus> } {
    const key = desired.key;
    let watch = this.watched.get(key);
    if (watch && watch.contentHash !== desired.contentHash) {
      // A newer manifest supersedes the rollout we were following.
      this.watched.delete(key);
      watch = undefined;
    }
    const assessment = assessRollout(service, watch);
    if (!watch) return { health: assessment.health, patch: {} };
    if (assessment.outcome === 'in_progress') {
      if (this.#o.clock.now() - watch.startedAt > this.#o.rolloutTimeoutMs) {
        this.watched.delete(key);
        this.#o.events.rollout?.('timed_out');
        this.#lastRollout = 'timed_out';
        return {
          health: 'Degraded',
          patch: {
            lastApplySucceeded: false,
            lastError: { code: 'CONTROLLER_ROLLOUT_TIMED_OUT', message: `rollout of ${watch.taskDefinitionArn} did not finish in ${Math.round(this.#o.rolloutTimeoutMs / 1000)} s`, at: this.#now() },
          },
        };
      }
      return { health: 'Progressing', patch: {} };
    }
    this.watched.delete(key);
    if (assessment.outcome === 'completed') {
      this.#o.events.rollout?.('completed');
      this.#lastRollout = 'completed';
      return { health: assessment.health, patch: { lastApplySucceeded: true, lastAppliedRevision: watch.revision, lastError: undefined } };
    }
    this.failedContent.set(key, watch.contentHash);
    this.#o.events.rollout?.('failed');
    this.#lastRollout = 'failed';
    return {
      health: 'Degraded',
      patch: {
        lastApplySucceeded: false,
        lastAttemptedRevision: revision,
        lastError: { code: 'CONTROLLER_ROLLOUT_FAILED', message: `rollout of ${watch.taskDefinitionArn} failed: ${assessment.reason ?? 'deployment failed'}`, at: this.#now() },
      },
    };
  }

  async #apply(
    desired: DesiredService, mode: 'auto' | 'detect', revision: string, live: LiveServiceState, changes: Change[],
    region: RegionAccess, signal: AbortSignal, strategy: readonly ECS.CapacityProviderStrategyItem[] | undefined,
  ): Promise<ServiceReconcileOutcome> {
    const key = desired.key;
    const needsTaskDefinition = !live.service || changes.some((c) => c.scope === 'taskDefinition');
    let existingRevisionForHash: string | undefined;
    let specHash: string | undefined;
    try {
      if (needsTaskDefinition) {
        const td = desired.manifest.spec.taskDefinition;
        const hash = buildTaskDefinitionRegistration(desired.manifest, live.taskDefinition, {
          controllerId: this.#o.controllerId, revision, sourceFile: desired.source.file,
        }).specHash;
        specHash = hash;
        existingRevisionForHash = await region.applier.knownRevision(hash)
          ?? (await region.reader.findRevisionByTag(td.family ?? '', TAG_SPEC_HASH, hash, this.#o.reuseSearchDepth, signal))?.taskDefinition.taskDefinitionArn;
      }
    } catch (err) {
      this.#fail(desired, mode, errorCode(err), errorMessage(err), { lastApplySucceeded: false });
      throw new ReconcileError(errorCode(err), errorMessage(err), err);
    }

    const plan = this.#o.planner.planService({
      desired, live, changes, controllerId: this.#o.controllerId, revision,
      ...(existingRevisionForHash ? { existingRevisionForHash } : {}),
    }, strategy ? { clusterDefaultCapacityProviderStrategy: strategy } : {});
    if (plan.blocked) {
      this.#fail(desired, mode, plan.blocked.code, plan.blocked.message, { lastApplySucceeded: false });
      return { result: 'error' };
    }

    try {
      const result = await region.applier.apply(plan.actions, signal);
      region.reader.invalidateService(desired.cluster, desired.name);
      if (result.deploymentStarted && result.taskDefinitionArn && this.#o.followRollouts) {
        this.watched.set(key, {
          taskDefinitionArn: result.taskDefinitionArn, revision, contentHash: desired.contentHash, startedAt: this.#o.clock.now(),
        });
        this.failedContent.delete(key);
        this.#write(desired, mode, {
          sync: 'Synced', health: 'Progressing', diff: [], lastError: undefined, liveTaskDefinition: result.taskDefinitionArn,
        });
        return { result: 'requeue', requeueAfterMs: this.#o.rolloutPollMs, applied: result.performed };
      }
      this.failedContent.delete(key);
      this.#write(desired, mode, {
        sync: 'Synced', diff: [], lastError: undefined, lastApplySucceeded: true, lastAppliedRevision: revision,
        ...(result.taskDefinitionArn ? { liveTaskDefinition: result.taskDefinitionArn } : {}),
        ...(result.deploymentStarted ? { health: 'Progressing' as const } : {}),
      });
      return { result: 'success', applied: result.performed };
    } catch (err) {
      region.reader.invalidateService(desired.cluster, desired.name);
      // The remembered revision may have been deregistered meanwhile: search again next time.
      if (specHash) region.applier.forget(specHash);
      this.#fail(desired, mode, errorCode(err), errorMessage(err), { lastApplySucceeded: false });
      throw new ReconcileError(errorCode(err), errorMessage(err), err);
    }
  }
}
