/**
 * ECS and ECR access per Region, made on first use and kept for the
 * controller's life: the rate limiter (one set of token buckets per distinct
 * EcsApi, since ECS's limits are per account and Region), the batched reader,
 * the applier, the ECR image resolver and the cluster default-strategy cache.
 * The controller and the `diff` command's read-only pass both take their
 * access from here.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { EcsApi } from '../ecs/ecs-api.js';
import { EcsReader } from '../ecs/ecs-reader.js';
import type { EcrApi } from '../ecs/ecr-api.js';
import { ImageResolver } from '../ecs/image-resolver.js';
import { EcsRateLimiter } from '../ecs/rate-limited-ecs.js';
import type { RateCategory } from '../ecs/rate-limits.js';
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

export interface RegionAccessOptions {
  /** ECS access for a region. A single EcsApi serves every region (tests, the sandbox). */
  readonly ecs: EcsApi | ((region: string) => EcsApi);
  /** Without it images are deployed as written, unchecked. */
  readonly ecr?: EcrApi | ((region: string) => EcrApi);
  /** How long an image tag's digest is trusted. @default 60000 */
  readonly imageCacheTtlMs?: number;
  /** Application Auto Scaling and CloudWatch for a region; without it scaling is neither read nor managed. */
  readonly scaling?: ScalingApi | ((region: string) => ScalingApi);
  /** EventBridge Scheduler for a region; without it scheduled tasks are neither read nor managed. */
  readonly scheduler?: SchedulerApi | ((region: string) => SchedulerApi);
  readonly clock: Clock;
  /** Lifetime signal for reads shared by several callers. */
  readonly signal: AbortSignal;
  /** Client-side limits per ECS category (defaults: ECS's published rates); false disables limiting. */
  readonly rateLimits?: Partial<Record<RateCategory, BucketLimits>> | false;
  readonly metrics?: Metrics;
}

export class RegionAccessPool {
  readonly #options: RegionAccessOptions;
  readonly #regions = new Map<string, RegionAccess>();
  readonly #limited = new Map<EcsApi, EcsApi>();
  readonly #limitedScaling = new Map<ScalingApi, ScalingApi>();
  readonly #limitedScheduler = new Map<SchedulerApi, SchedulerApi>();
  /** One resolver for every Region: its cache is keyed by the image's own registry and Region. */
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

  get(region: string): RegionAccess {
    const known = this.#regions.get(region);
    if (known) return known;
    const { clock, signal, metrics } = this.#options;
    const ecs = this.#limit(typeof this.#options.ecs === 'function' ? this.#options.ecs(region) : this.#options.ecs);
    const reader = new EcsReader({ ecs, clock, signal });
    const applier = new Applier({ ecs, reader, onAction: (action, ok) => metrics?.recordApplyAction(action, ok ? 'success' : 'error') });
    const strategies = new Map<string, { at: number; strategy: readonly ECS.CapacityProviderStrategyItem[] }>();
    const scaling = this.#scalingAccess(region);
    const scheduler = this.#schedulerAccess(region);
    const access: RegionAccess = {
      region, ecs, reader, applier,
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
    this.#regions.set(region, access);
    return access;
  }

  /** A resync begins: every Region's scaling reader lists afresh once, for the whole pass. */
  expireScalingListings(): void {
    for (const access of this.#regions.values()) access.scaling?.reader.expireListing();
  }

  /** The batched scaling reader and the applier over the Region's rate-limited scaling API. */
  #scalingAccess(region: string): ScalingAccess | undefined {
    const { scaling: option, rateLimits, clock, metrics, signal } = this.#options;
    if (!option) return undefined;
    const raw = typeof option === 'function' ? option(region) : option;
    let api = this.#limitedScaling.get(raw);
    if (!api) {
      api = rateLimits === false ? raw : new ScalingRateLimiter({
        clock, limits: rateLimits ?? {}, onWait: (bucket, seconds) => metrics?.recordRateLimiterWait(bucket, seconds),
      }).wrap(raw);
      this.#limitedScaling.set(raw, api);
    }
    const reader = new ScalingReader({ scaling: api, clock, signal });
    const applier = new ScalingApplier({
      scaling: api, reader, onAction: (kind, ok) => metrics?.recordApplyAction(SCALING_APPLY_ACTION[kind], ok ? 'success' : 'error'),
    });
    const limited = api;
    return {
      reader, applier,
      async tagTarget(targetArn, tags, signal) {
        await limited.send('TagResource', { ResourceARN: targetArn, Tags: { ...tags } }, signal);
      },
    };
  }

  /** The Region's Scheduler API behind its own buckets: one limiter per distinct SchedulerApi, as for ECS. */
  #schedulerAccess(region: string): SchedulerAccess | undefined {
    const { scheduler: option, rateLimits, clock, metrics } = this.#options;
    if (!option) return undefined;
    const raw = typeof option === 'function' ? option(region) : option;
    let api = this.#limitedScheduler.get(raw);
    if (!api) {
      api = rateLimits === false ? raw : new SchedulerRateLimiter({
        clock, limits: rateLimits ?? {}, onWait: (bucket, seconds) => metrics?.recordRateLimiterWait(bucket, seconds),
      }).wrap(raw);
      this.#limitedScheduler.set(raw, api);
    }
    return { api };
  }

  /** Buckets are per account and Region: one limiter per distinct EcsApi. */
  #limit(raw: EcsApi): EcsApi {
    const { rateLimits, clock, metrics } = this.#options;
    if (rateLimits === false) return raw;
    let limited = this.#limited.get(raw);
    if (!limited) {
      limited = new EcsRateLimiter({
        clock, limits: rateLimits ?? {}, onWait: (bucket, seconds) => metrics?.recordRateLimiterWait(bucket, seconds),
      }).wrap(raw);
      this.#limited.set(raw, limited);
    }
    return limited;
  }
}
