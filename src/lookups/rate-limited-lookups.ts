/**
 * Client-side rate limiting of the lookups' reads, as SchedulerRateLimiter
 * does for Scheduler (src/scheduler/rate-limited-scheduler.ts): one bucket per
 * API (ssm-read for GetParameter, cloudformation-read for DescribeStacks). AWS
 * counts both per account and Region, so LocationLookupLimiters keeps one
 * bucket set per location (`[account@]region`, src/keys): one account's
 * lookups never wait for another's. A ThrottlingException that still gets
 * through slows its bucket down and is re-thrown; both calls are reads, so one
 * whose connection was reset is sent once more.
 */
import { clientSideLimits, sendThroughBucket } from '../ecs/rate-limited-ecs.js';
import { DEFAULT_RATE_LIMITS, LOOKUP_RATE_CATEGORIES, type LookupRateCategory, type RateCategory } from '../ecs/rate-limits.js';
import { TokenBucket, type BucketLimits } from '../ecs/token-bucket.js';
import type { Clock } from '../util/clock.js';
import type { LookupApi, LookupOperation } from './lookup-api.js';

export const LOOKUP_OPERATION_CATEGORY: Readonly<Record<LookupOperation, LookupRateCategory>> = {
  GetParameter: 'ssm-read',
  DescribeStacks: 'cloudformation-read',
};

export interface LookupRateLimiterOptions {
  readonly clock: Clock;
  /** Per-category limits; missing categories use DEFAULT_RATE_LIMITS. Other categories (the `--rate-limits` object's ECS ones) are ignored. */
  readonly limits?: Partial<Readonly<Record<RateCategory, BucketLimits>>>;
  /** As RateLimiterOptions.rateHeadroom (src/ecs/rate-limited-ecs.ts). @default 0.02 */
  readonly rateHeadroom?: number;
  /** As RateLimiterOptions.jitterSeconds. @default 0.25 */
  readonly jitterSeconds?: number;
  /** Seconds each call waited for a token (metric ecs_gitops_rate_limiter_wait_seconds). */
  readonly onWait?: (bucket: LookupRateCategory, seconds: number) => void;
}

/** The lookup buckets of one location. */
export class LookupRateLimiter {
  readonly buckets: ReadonlyMap<LookupRateCategory, TokenBucket>;
  readonly #onWait: LookupRateLimiterOptions['onWait'];

  constructor(options: LookupRateLimiterOptions) {
    const rateHeadroom = options.rateHeadroom ?? 0.02;
    const jitterSeconds = options.jitterSeconds ?? 0.25;
    if (!(rateHeadroom >= 0 && rateHeadroom < 1)) throw new RangeError(`rateHeadroom must be in [0, 1), got ${rateHeadroom}`);
    if (!(jitterSeconds >= 0 && Number.isFinite(jitterSeconds))) throw new RangeError(`jitterSeconds must be a finite number >= 0, got ${jitterSeconds}`);
    const buckets = new Map<LookupRateCategory, TokenBucket>();
    for (const category of LOOKUP_RATE_CATEGORIES) {
      const limits = options.limits?.[category] ?? DEFAULT_RATE_LIMITS[category];
      buckets.set(category, new TokenBucket(category, clientSideLimits(limits, rateHeadroom, jitterSeconds), options.clock));
    }
    this.buckets = buckets;
    this.#onWait = options.onWait;
  }

  bucket(category: LookupRateCategory): TokenBucket {
    return this.buckets.get(category) as TokenBucket;
  }

  /** Wraps `inner` so every call (and its one retry after a reset connection) first takes a token of its category. */
  wrap(inner: LookupApi): LookupApi {
    return {
      send: (operation, input, signal) => {
        const category = LOOKUP_OPERATION_CATEGORY[operation];
        if (category === undefined) throw new TypeError(`unknown lookup operation ${JSON.stringify(operation)}`);
        return sendThroughBucket(this.bucket(category), () => inner.send(operation, input, signal), {
          idempotent: true,
          ...(signal ? { signal } : {}),
          ...(this.#onWait ? { onWait: (seconds: number) => this.#onWait?.(category, seconds) } : {}),
        });
      },
    };
  }
}

export interface LocationLookupLimitersOptions extends Omit<LookupRateLimiterOptions, 'limits'> {
  /** The controller's limits (`--rate-limits`), for every location. */
  readonly limits?: LookupRateLimiterOptions['limits'];
  /**
   * A location's own limits over the controller's (an Environment's
   * spec.rateLimits: AccountDirectory.rateLimitsFor). Read when the location's
   * buckets are made, on its first lookup.
   */
  readonly limitsFor?: (location: string) => LookupRateLimiterOptions['limits'] | undefined;
}

/** One LookupRateLimiter per location, made on first use and kept (the buckets remember AWS's throttling). */
export class LocationLookupLimiters {
  readonly #options: LocationLookupLimitersOptions;
  readonly #byLocation = new Map<string, LookupRateLimiter>();

  constructor(options: LocationLookupLimitersOptions) {
    this.#options = options;
  }

  for(location: string): LookupRateLimiter {
    let limiter = this.#byLocation.get(location);
    if (!limiter) {
      const { limitsFor, limits, ...rest } = this.#options;
      const own = limitsFor?.(location);
      limiter = new LookupRateLimiter({ ...rest, limits: { ...limits, ...own } });
      this.#byLocation.set(location, limiter);
    }
    return limiter;
  }

  /** `inner` (the location's LookupApi) behind the location's buckets. */
  wrap(location: string, inner: LookupApi): LookupApi {
    return this.for(location).wrap(inner);
  }
}
