/**
 * Client-side rate limiting in front of any SchedulerApi, as
 * ScalingRateLimiter does for auto scaling (src/autoscaling/rate-limited-scaling.ts):
 * one token bucket per direction (reads, writes), shared by every worker of a
 * Region; a ThrottlingException that still gets through slows its bucket down
 * and is re-thrown; a read whose connection was reset is sent once more, a
 * write never (the reset may have come after Scheduler applied it).
 */
import { clientSideLimits, sendThroughBucket } from '../ecs/rate-limited-ecs.js';
import { DEFAULT_RATE_LIMITS, SCHEDULER_RATE_CATEGORIES, type RateCategory, type SchedulerRateCategory } from '../ecs/rate-limits.js';
import { TokenBucket, type BucketLimits } from '../ecs/token-bucket.js';
import type { Clock } from '../util/clock.js';
import { MUTATING_SCHEDULER_OPERATIONS, type SchedulerApi, type SchedulerInput, type SchedulerOperation, type SchedulerOutput } from './scheduler-api.js';

export const SCHEDULER_OPERATION_CATEGORY: Readonly<Record<SchedulerOperation, SchedulerRateCategory>> = {
  GetScheduleGroup: 'scheduler-read',
  ListTagsForResource: 'scheduler-read',
  GetSchedule: 'scheduler-read',
  ListSchedules: 'scheduler-read',
  CreateScheduleGroup: 'scheduler-modify',
  TagResource: 'scheduler-modify',
  CreateSchedule: 'scheduler-modify',
  UpdateSchedule: 'scheduler-modify',
  DeleteSchedule: 'scheduler-modify',
};

export interface SchedulerRateLimiterOptions {
  readonly clock: Clock;
  /**
   * Per-category limits; missing categories use DEFAULT_RATE_LIMITS. The
   * same object as the ECS limiter's (`--rate-limits`): other categories in
   * it are ignored here.
   */
  readonly limits?: Partial<Readonly<Record<RateCategory, BucketLimits>>>;
  /** As RateLimiterOptions.rateHeadroom (src/ecs/rate-limited-ecs.ts). @default 0.02 */
  readonly rateHeadroom?: number;
  /** As RateLimiterOptions.jitterSeconds. @default 0.25 */
  readonly jitterSeconds?: number;
  /** Seconds each call waited for a token (metric ecs_gitops_rate_limiter_wait_seconds). */
  readonly onWait?: (bucket: SchedulerRateCategory, seconds: number) => void;
}

export class SchedulerRateLimiter {
  readonly buckets: ReadonlyMap<SchedulerRateCategory, TokenBucket>;
  readonly #onWait: SchedulerRateLimiterOptions['onWait'];

  constructor(options: SchedulerRateLimiterOptions) {
    const rateHeadroom = options.rateHeadroom ?? 0.02;
    const jitterSeconds = options.jitterSeconds ?? 0.25;
    if (!(rateHeadroom >= 0 && rateHeadroom < 1)) throw new RangeError(`rateHeadroom must be in [0, 1), got ${rateHeadroom}`);
    if (!(jitterSeconds >= 0 && Number.isFinite(jitterSeconds))) throw new RangeError(`jitterSeconds must be a finite number >= 0, got ${jitterSeconds}`);
    const buckets = new Map<SchedulerRateCategory, TokenBucket>();
    for (const category of SCHEDULER_RATE_CATEGORIES) {
      const limits = options.limits?.[category] ?? DEFAULT_RATE_LIMITS[category];
      buckets.set(category, new TokenBucket(category, clientSideLimits(limits, rateHeadroom, jitterSeconds), options.clock));
    }
    this.buckets = buckets;
    this.#onWait = options.onWait;
  }

  bucket(category: SchedulerRateCategory): TokenBucket {
    return this.buckets.get(category) as TokenBucket;
  }

  /** Wraps `inner` so every call (and a read's one retry after a reset connection) first takes a token of its category. */
  wrap(inner: SchedulerApi): SchedulerApi {
    return {
      send: <Op extends SchedulerOperation>(operation: Op, input: SchedulerInput<Op>, signal?: AbortSignal): Promise<SchedulerOutput<Op>> => {
        const category = SCHEDULER_OPERATION_CATEGORY[operation];
        return sendThroughBucket(this.bucket(category), () => inner.send(operation, input, signal), {
          idempotent: !MUTATING_SCHEDULER_OPERATIONS.has(operation),
          ...(signal ? { signal } : {}),
          ...(this.#onWait ? { onWait: (seconds: number) => this.#onWait?.(category, seconds) } : {}),
        });
      },
    };
  }
}
