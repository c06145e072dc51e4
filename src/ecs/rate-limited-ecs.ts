/**
 * Client-side rate limiting in front of any EcsApi: one token bucket per ECS
 * throttling category, shared by every worker that holds this wrapper. A
 * ThrottlingException that still gets through slows that category down and
 * is re-thrown, so the reconcile is retried with backoff (never dropped).
 */
import type { Clock } from '../controller/clock.js';
import { classifyAwsError } from './aws-error.js';
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from './ecs-api.js';
import { DEFAULT_RATE_LIMITS, OPERATION_CATEGORY, RATE_CATEGORIES, type RateCategory } from './rate-limits.js';
import { TokenBucket, type BucketLimits } from './token-bucket.js';

export interface RateLimiterOptions {
  readonly clock: Clock;
  /** Per-category limits; missing categories use ECS's published defaults. */
  readonly limits?: Partial<Readonly<Record<RateCategory, BucketLimits>>>;
  /**
   * Fraction of each bucket (burst and refill) left unused, so clock skew and
   * network jitter between us and AWS's own buckets never tip a call over.
   * @default 0.1
   */
  readonly headroom?: number;
  /** Called with the seconds each call waited for a token (metric ecs_gitops_rate_limiter_wait_seconds). */
  readonly onWait?: (bucket: RateCategory, seconds: number) => void;
}

export class EcsRateLimiter {
  readonly buckets: ReadonlyMap<RateCategory, TokenBucket>;
  readonly #onWait: RateLimiterOptions['onWait'];

  constructor(options: RateLimiterOptions) {
    const headroom = options.headroom ?? 0.1;
    if (!(headroom >= 0 && headroom < 1)) throw new RangeError(`headroom must be in [0, 1), got ${headroom}`);
    const buckets = new Map<RateCategory, TokenBucket>();
    for (const category of RATE_CATEGORIES) {
      const limits = options.limits?.[category] ?? DEFAULT_RATE_LIMITS[category];
      buckets.set(category, new TokenBucket(category, {
        burst: Math.max(1, Math.floor(limits.burst * (1 - headroom))),
        refillPerSecond: limits.refillPerSecond * (1 - headroom),
      }, options.clock));
    }
    this.buckets = buckets;
    this.#onWait = options.onWait;
  }

  bucket(category: RateCategory): TokenBucket {
    return this.buckets.get(category) as TokenBucket;
  }

  /** Wraps `inner` so every call first takes a token of its category. */
  wrap(inner: EcsApi): EcsApi {
    return {
      send: async <Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> => {
        const category = OPERATION_CATEGORY[operation];
        const bucket = this.bucket(category);
        const waited = await bucket.take(signal);
        this.#onWait?.(category, waited);
        try {
          const output = await inner.send(operation, input, signal);
          bucket.reward();
          return output;
        } catch (err) {
          if (classifyAwsError(err) === 'throttled') bucket.penalize();
          throw err;
        }
      },
    };
  }
}
