/**
 * Client-side rate limiting in front of any ScalingApi, as EcsRateLimiter
 * does for ECS (src/ecs/rate-limited-ecs.ts): one token bucket per scaling
 * category (Application Auto Scaling reads and writes, CloudWatch alarm reads
 * and writes), shared by every worker of a Region; a ThrottlingException
 * that still gets through slows its bucket down and is re-thrown; a read
 * whose connection was reset is sent once more, a write never.
 */
import { clientSideLimits, sendThroughBucket } from '../ecs/rate-limited-ecs.js';
import { DEFAULT_RATE_LIMITS, SCALING_RATE_CATEGORIES, type RateCategory, type ScalingRateCategory } from '../ecs/rate-limits.js';
import { TokenBucket, type BucketLimits } from '../ecs/token-bucket.js';
import type { Clock } from '../util/clock.js';
import { MUTATING_SCALING_OPERATIONS, type ScalingApi, type ScalingInput, type ScalingOperation, type ScalingOutput } from './scaling-api.js';

export const SCALING_OPERATION_CATEGORY: Readonly<Record<ScalingOperation, ScalingRateCategory>> = {
  DescribeScalableTargets: 'autoscaling-read',
  DescribeScalingPolicies: 'autoscaling-read',
  DescribeScheduledActions: 'autoscaling-read',
  DescribeScalingActivities: 'autoscaling-read',
  TagResource: 'autoscaling-modify',
  RegisterScalableTarget: 'autoscaling-modify',
  DeregisterScalableTarget: 'autoscaling-modify',
  PutScalingPolicy: 'autoscaling-modify',
  DeleteScalingPolicy: 'autoscaling-modify',
  PutScheduledAction: 'autoscaling-modify',
  DeleteScheduledAction: 'autoscaling-modify',
  DescribeAlarms: 'cloudwatch-read',
  PutMetricAlarm: 'cloudwatch-modify',
  DeleteAlarms: 'cloudwatch-modify',
};

export interface ScalingRateLimiterOptions {
  readonly clock: Clock;
  /**
   * Per-category limits; missing categories use DEFAULT_RATE_LIMITS. The
   * same object as the ECS limiter's (`--rate-limits`): ECS categories in it
   * are ignored here.
   */
  readonly limits?: Partial<Readonly<Record<RateCategory, BucketLimits>>>;
  /** As RateLimiterOptions.rateHeadroom (src/ecs/rate-limited-ecs.ts). @default 0.02 */
  readonly rateHeadroom?: number;
  /** As RateLimiterOptions.jitterSeconds. @default 0.25 */
  readonly jitterSeconds?: number;
  /** Seconds each call waited for a token (metric ecs_gitops_rate_limiter_wait_seconds). */
  readonly onWait?: (bucket: ScalingRateCategory, seconds: number) => void;
}

export class ScalingRateLimiter {
  readonly buckets: ReadonlyMap<ScalingRateCategory, TokenBucket>;
  readonly #onWait: ScalingRateLimiterOptions['onWait'];

  constructor(options: ScalingRateLimiterOptions) {
    const rateHeadroom = options.rateHeadroom ?? 0.02;
    const jitterSeconds = options.jitterSeconds ?? 0.25;
    if (!(rateHeadroom >= 0 && rateHeadroom < 1)) throw new RangeError(`rateHeadroom must be in [0, 1), got ${rateHeadroom}`);
    if (!(jitterSeconds >= 0 && Number.isFinite(jitterSeconds))) throw new RangeError(`jitterSeconds must be a finite number >= 0, got ${jitterSeconds}`);
    const buckets = new Map<ScalingRateCategory, TokenBucket>();
    for (const category of SCALING_RATE_CATEGORIES) {
      const limits = options.limits?.[category] ?? DEFAULT_RATE_LIMITS[category];
      buckets.set(category, new TokenBucket(category, clientSideLimits(limits, rateHeadroom, jitterSeconds), options.clock));
    }
    this.buckets = buckets;
    this.#onWait = options.onWait;
  }

  bucket(category: ScalingRateCategory): TokenBucket {
    return this.buckets.get(category) as TokenBucket;
  }

  /** Wraps `inner` so every call (and a read's one retry after a reset connection) first takes a token of its category. */
  wrap(inner: ScalingApi): ScalingApi {
    return {
      send: <Op extends ScalingOperation>(operation: Op, input: ScalingInput<Op>, signal?: AbortSignal): Promise<ScalingOutput<Op>> => {
        const category = SCALING_OPERATION_CATEGORY[operation];
        return sendThroughBucket(this.bucket(category), () => inner.send(operation, input, signal), {
          idempotent: !MUTATING_SCALING_OPERATIONS.has(operation),
          ...(signal ? { signal } : {}),
          ...(this.#onWait ? { onWait: (seconds: number) => this.#onWait?.(category, seconds) } : {}),
        });
      },
    };
  }
}
