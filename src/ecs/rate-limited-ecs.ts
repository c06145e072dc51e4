/**
 * Client-side rate limiting in front of any EcsApi: one token bucket per ECS
 * throttling category, shared by every worker that holds this wrapper. A
 * ThrottlingException that still gets through slows that category down and
 * is re-thrown, so the reconcile is retried with backoff (never dropped).
 */
import type { Clock } from '../util/clock.js';
import { classifyAwsError } from './aws-error.js';
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from './ecs-api.js';
import { DEFAULT_RATE_LIMITS, OPERATION_CATEGORY, RATE_CATEGORIES, type RateCategory } from './rate-limits.js';
import { TokenBucket, type BucketLimits } from './token-bucket.js';

export interface RateLimiterOptions {
  readonly clock: Clock;
  /** Per-category limits; missing categories use ECS's published defaults. */
  readonly limits?: Partial<Readonly<Record<RateCategory, BucketLimits>>>;
  /**
   * Share of each refill rate left unused, for differences between our clock
   * and AWS's. Kept small: over a long run the rate is what bounds throughput.
   * @default 0.02
   */
  readonly rateHeadroom?: number;
  /**
   * Seconds of network jitter each bucket absorbs. Calls that leave us evenly
   * spaced can reach AWS bunched together; AWS's bucket then holds fewer
   * tokens than ours expects. Lowering our burst by this many seconds of
   * refill (at least one token) keeps AWS's bucket that far ahead of ours at
   * all times, whatever the load. A margin in tokens costs a constant few
   * calls, where a margin in rate would cost a share of every long run.
   * @default 0.25
   */
  readonly jitterSeconds?: number;
  /** Called with the seconds each call waited for a token (metric ecs_gitops_rate_limiter_wait_seconds). */
  readonly onWait?: (bucket: RateCategory, seconds: number) => void;
}

export class EcsRateLimiter {
  readonly buckets: ReadonlyMap<RateCategory, TokenBucket>;
  readonly #onWait: RateLimiterOptions['onWait'];

  constructor(options: RateLimiterOptions) {
    const rateHeadroom = options.rateHeadroom ?? 0.02;
    const jitterSeconds = options.jitterSeconds ?? 0.25;
    if (!(rateHeadroom >= 0 && rateHeadroom < 1)) throw new RangeError(`rateHeadroom must be in [0, 1), got ${rateHeadroom}`);
    if (!(jitterSeconds >= 0 && Number.isFinite(jitterSeconds))) throw new RangeError(`jitterSeconds must be a finite number >= 0, got ${jitterSeconds}`);
    const buckets = new Map<RateCategory, TokenBucket>();
    for (const category of RATE_CATEGORIES) {
      const limits = options.limits?.[category] ?? DEFAULT_RATE_LIMITS[category];
      buckets.set(category, new TokenBucket(category, clientSideLimits(limits, rateHeadroom, jitterSeconds), options.clock));
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

/** The bucket we keep for one of AWS's: see RateLimiterOptions for the margins. */
export function clientSideLimits(limits: BucketLimits, rateHeadroom: number, jitterSeconds: number): BucketLimits {
  const jitterTokens = jitterSeconds > 0 ? Math.max(1, Math.ceil(limits.refillPerSecond * jitterSeconds)) : 0;
  return {
    burst: Math.max(1, Math.floor(limits.burst) - jitterTokens),
    refillPerSecond: limits.refillPerSecond * (1 - rateHeadroom),
  };
}
