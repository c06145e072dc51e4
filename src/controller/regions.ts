/**
 * AWS access per location (`[account@]region`, src/keys: where a key's calls
 * go), made on first use and kept for the controller's life: the rate limiter
 * (one set of token buckets per location, since ECS's limits are per account
 * and Region), the batched reader, the applier, the ECR image resolver and
 * the cluster default-strategy cache. A location's buckets take the
 * controller's limits with its environment's own (raised quotas,
 * docs/environments.md) over them; when those limits or an account's role
 * change, the location's access is made afresh on its next use. The
 * controller and the `diff` command's read-only pass both take their access
 * from here (docs/controller.md, "Many accounts and Regions").
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { EcsApi } from '../ecs/ecs-api.js';
import { EcsReader } from '../ecs/ecs-reader.js';
import type { EcrApi } from '../ecs/ecr-api.js';
import { ImageResolver } from '../ecs/image-resolver.js';
import { EcsRateLimiter } from '../ecs/rate-limited-ecs.js';
import type { RateCategory } from '../ecs/rate-limits.js';
import { parseLocation } from '../keys/index.js';
import type { LocationRateLimits } from '../accounts/account-directory.js';
import type { BucketLimits } from '../ecs/token-bucket.js';
import type { Metrics } from '../observe/metrics.js';
import type { Clock } from '../util/clock.js';
import { Applier } from './applier.js';
import type { ScalingAccess } from './scaling/access.js';
import type { ScalingApi } from '../autoscaling/scaling-api.js';
import { ScalingApplier } from '../autoscaling/scaling-applier.js';
import { ScalingReader } from '../autoscaling/scaling-reader.js';
import { ScalingRateLimiter } from '../autoscaling/rate-limited-scaling.js';
import type { ScalingActionKind } from '../plan/scaling-types.js';
import type { SchedulerApi } from '../scheduler/scheduler-api.js';
import { SchedulerRateLimiter } from '../scheduler/rate-limited-scheduler.js';
import type { ApplyAction } from '../observe/metrics.js';
import { MUTATING_OPERATIONS } from '../ecs/ecs-api.js';
import { MUTATING_SCALING_OPERATIONS } from '../autoscaling/scaling-api.js';
import { MUTATING_SCHEDULER_OPERATIONS } from '../scheduler/scheduler-api.js';
import type { TaskDefinitionStore } from '../ecs/task-definition-store.js';
import { fencedApi } from '../ha/fenced-api.js';
import type { WriteFence } from '../ha/types.js';

/** The apply_actions metric label of each scaling action. */
const SCALING_APPLY_ACTION: Readonly<Record<ScalingActionKind, ApplyAction>> = {
  registerScalableTarget: 'register_scalable_target',
  deregisterScalableTarget: 'deregister_scalable_target',
  putScalingPolicy: 'put_scaling_policy',
  deleteScalingPolicy: 'delete_scaling_policy',
  putScheduledAction: 'put_scheduled_action',
  deleteScheduledAction: 'delete_scheduled_action',
  putMetricAlarm: 'put_metric_alarm',
  deleteAlarms: 'delete_alarms',
};

/** How long a cluster's default capacity provider strategy is trusted. */
const CLUSTER_STRATEGY_TTL_MS = 60_000;

export interface RegionAccess {
  /** `[account@]region`: the pool's key for this access. */
  readonly location: string;
  /** The account the calls act in; undefined = the controller's own credentials' account. */
  readonly account?: string;
  readonly region: string;
  /** Rate-limited ECS. */
  readonly ecs: EcsApi;
  readonly reader: EcsReader;
  readonly applier: Applier;
  /** ECR look-ups for `spec.sync.images` and image existence checks; absent = images deployed as written, unchecked. */
  readonly images?: ImageResolver;
  /** Application Auto Scaling and CloudWatch alarms for `spec.autoScaling`; absent = scaling neither read nor managed. */
  readonly scaling?: ScalingAccess;
  /** EventBridge Scheduler for `kind: ScheduledTask`; absent = scheduled tasks neither read nor managed. */
  readonly scheduler?: SchedulerAccess;
  /** The cluster's default capacity provider strategy (cached for a minute). */
  clusterDefaultStrategy(cluster: string, signal: AbortSignal): Promise<readonly ECS.CapacityProviderStrategyItem[]>;
}

/** A Region's EventBridge Scheduler access. */
export interface SchedulerAccess {
  /** Rate-limited (scheduler-read, scheduler-modify buckets, shared by every worker of the Region). */
  readonly api: SchedulerApi;
}

/** What the pool reads of the declared environments (AccountDirectory, src/accounts). */
export interface LocationDirectory {
  /** The environment's limits at a location, over the controller's; undefined = the controller's. */
  rateLimitsFor(location: string): LocationRateLimits | undefined;
  /** Bumped when some account's role changes: accesses made before hold clients of the old role. */
  readonly generation: number;
}

export interface RegionAccessOptions {
  /**
   * ECS access for a location (`[account@]region`: a bare Region is the
   * controller's own account). A single EcsApi serves every location (tests,
   * the sandbox's one account).
   */
  readonly ecs: EcsApi | ((location: string) => EcsApi);
  /**
   * ECR for image checks; without it images are deployed as written,
   * unchecked. The image resolver asks by the image's registry Region (a bare
   * location: the controller's own credentials).
   */
  readonly ecr?: EcrApi | ((location: string) => EcrApi);
  /** How long an image tag's digest is trusted. @default 60000 */
  readonly imageCacheTtlMs?: number;
  /** Application Auto Scaling and CloudWatch for a location; without it scaling is neither read nor managed. */
  readonly scaling?: ScalingApi | ((location: string) => ScalingApi);
  /** EventBridge Scheduler for a location; without it scheduled tasks are neither read nor managed. */
  readonly scheduler?: SchedulerApi | ((location: string) => SchedulerApi);
  /** The environments' rate limits per location and the roles' generation; absent = the controller's limits everywhere. */
  readonly accounts?: LocationDirectory;
  readonly clock: Clock;
  /** Lifetime signal for reads shared by several callers. */
  readonly signal: AbortSignal;
  /** Client-side limits per ECS category (defaults: ECS's published rates); false disables limiting. */
  readonly rateLimits?: Partial<Record<RateCategory, BucketLimits>> | false;
  readonly metrics?: Metrics;
  /**
   * With --ha-table: asked before every mutating ECS, Application Auto
   * Scaling and Scheduler call, after its rate-limit token (docs/ha.md
   * "Fencing"). Absent: every write is sent.
   */
  readonly fence?: WriteFence;
  /** Where each location's reader loads and keeps the task definitions it learns (docs/ha.md "Warm restart and takeover"). */
  readonly taskDefinitionStore?: TaskDefinitionStore;
}

/** One location's access and what it was made under (rebuilt when either changes). */
interface PoolEntry {
  readonly access: RegionAccess;
  readonly limitsSignature: string;
  readonly generation: number;
}

export class RegionAccessPool {
  readonly #options: RegionAccessOptions;
  readonly #locations = new Map<string, PoolEntry>();
  /** One resolver for every location: its cache is keyed by the image's own registry and Region. */
  readonly images: ImageResolver | undefined;

  constructor(options: RegionAccessOptions) {
    this.#options = options;
    const ecr = options.ecr;
    this.images = ecr
      ? new ImageResolver({
        ecr: typeof ecr === 'function' ? ecr : () => ecr,
        clock: options.clock,
        ...(options.imageCacheTtlMs !== undefined ? { ttlMs: options.imageCacheTtlMs } : {}),
        onCheck: (result) => options.metrics?.recordImageCheck(result),
      })
      : undefined;
  }

  /** The access for `location` (`[account@]region`, locationOf in src/keys). */
  get(location: string): RegionAccess {
    const limits = this.#limitsFor(location);
    const limitsSignature = JSON.stringify(limits);
    const generation = this.#options.accounts?.generation ?? 0;
    const known = this.#locations.get(location);
    if (known && known.limitsSignature === limitsSignature && known.generation === generation) return known.access;
    const access = this.#make(location, limits);
    this.#locations.set(location, { access, limitsSignature, generation });
    return access;
  }

  /** Locations with access made so far. */
  locations(): readonly string[] {
    return [...this.#locations.keys()];
  }

  /**
   * A shard of `location` was taken over: its reader loads the task
   * definition store again (EcsReader.reloadTaskDefinitions), so what the
   * previous holder learned is not read again from ECS (docs/ha.md "Warm
   * restart and takeover"). Look-ups made meanwhile wait for the load, so
   * the caller need not. A location without access yet has nothing to
   * reload: its reader loads the store before its first look-up.
   */
  reloadTaskDefinitions(location: string, signal?: AbortSignal): Promise<void> {
    const known = this.#locations.get(location);
    return known ? known.access.reader.reloadTaskDefinitions(signal) : Promise.resolve();
  }

  /** A resync begins: every location's scaling reader lists afresh once, for the whole pass. */
  expireScalingListings(): void {
    for (const { access } of this.#locations.values()) access.scaling?.reader.expireListing();
  }

  /** The controller's limits with the location's environment limits over them; false = no limiting. */
  #limitsFor(location: string): Partial<Record<RateCategory, BucketLimits>> | false {
    const { rateLimits, accounts } = this.#options;
    if (rateLimits === false) return false;
    const own = accounts?.rateLimitsFor(location);
    return own ? { ...rateLimits, ...own } : { ...rateLimits };
  }

  #make(location: string, limits: Partial<Record<RateCategory, BucketLimits>> | false): RegionAccess {
    const { clock, signal, metrics } = this.#options;
    const { account, region } = parseLocation(location);
    const ecs = this.#limitEcs(this.#fenced(pick(this.#options.ecs, location), location, MUTATING_OPERATIONS), limits);
    const store = this.#options.taskDefinitionStore;
    const reader = new EcsReader({ ecs, clock, signal, ...(store ? { taskDefinitionStore: { store, location } } : {}) });
    const applier = new Applier({ ecs, reader, onAction: (action, ok) => metrics?.recordApplyAction(action, ok ? 'success' : 'error') });
    const strategies = new Map<string, { at: number; strategy: readonly ECS.CapacityProviderStrategyItem[] }>();
    const scaling = this.#scalingAccess(location, limits);
    const scheduler = this.#schedulerAccess(location, limits);
    return {
      location, region, ...(account !== undefined ? { account } : {}), ecs, reader, applier,
      ...(this.images ? { images: this.images } : {}),
      ...(scaling ? { scaling } : {}),
      ...(scheduler ? { scheduler } : {}),
      async clusterDefaultStrategy(cluster, callerSignal) {
        const cached = strategies.get(cluster);
        if (cached && clock.now() - cached.at < CLUSTER_STRATEGY_TTL_MS) return cached.strategy;
        const live = await reader.describeCluster(cluster, callerSignal);
        const strategy = live?.defaultCapacityProviderStrategy ?? [];
        strategies.set(cluster, { at: clock.now(), strategy });
        return strategy;
      },
    };
  }

  /** The batched scaling reader and the applier over the location's rate-limited scaling API. */
  #scalingAccess(location: string, limits: Partial<Record<RateCategory, BucketLimits>> | false): ScalingAccess | undefined {
    const { scaling: option, clock, metrics, signal } = this.#options;
    if (!option) return undefined;
    const raw = this.#fenced(pick(option, location), location, MUTATING_SCALING_OPERATIONS);
    const api = limits === false ? raw : new ScalingRateLimiter({
      clock, limits, onWait: (bucket, seconds) => metrics?.recordRateLimiterWait(bucket, seconds),
    }).wrap(raw);
    const reader = new ScalingReader({ scaling: api, clock, signal });
    const applier = new ScalingApplier({
      scaling: api, reader, onAction: (kind, ok) => metrics?.recordApplyAction(SCALING_APPLY_ACTION[kind], ok ? 'success' : 'error'),
    });
    return {
      reader, applier,
      async tagTarget(targetArn, tags, signal) {
        await api.send('TagResource', { ResourceARN: targetArn, Tags: { ...tags } }, signal);
      },
    };
  }

  /** The location's Scheduler API behind its own buckets, as for ECS. */
  #schedulerAccess(location: string, limits: Partial<Record<RateCategory, BucketLimits>> | false): SchedulerAccess | undefined {
    const { scheduler: option, clock, metrics } = this.#options;
    if (!option) return undefined;
    const raw = this.#fenced(pick(option, location), location, MUTATING_SCHEDULER_OPERATIONS);
    const api = limits === false ? raw : new SchedulerRateLimiter({
      clock, limits, onWait: (bucket, seconds) => metrics?.recordRateLimiterWait(bucket, seconds),
    }).wrap(raw);
    return { api };
  }

  /** The API behind the write fence, when there is one: checked after the rate-limit token, right before sending. */
  #fenced<A extends object>(api: A, location: string, mutating: ReadonlySet<string>): A {
    const fence = this.#options.fence;
    return fence ? fencedApi(api, location, fence, mutating) : api;
  }

  /** Buckets are per account and Region: one limiter per location. */
  #limitEcs(raw: EcsApi, limits: Partial<Record<RateCategory, BucketLimits>> | false): EcsApi {
    const { clock, metrics } = this.#options;
    if (limits === false) return raw;
    return new EcsRateLimiter({
      clock, limits, onWait: (bucket, seconds) => metrics?.recordRateLimiterWait(bucket, seconds),
    }).wrap(raw);
  }
}

/** One API for every location, or the factory's for this one. */
function pick<T extends object>(option: T | ((location: string) => T), location: string): T {
  return typeof option === 'function' ? (option as (location: string) => T)(location) : option;
}
