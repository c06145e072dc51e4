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
import { CategoryRateLimiter, type CategoryRateLimiterOptions } from '../ecs/rate-limited-ecs.js';
import { LOOKUP_RATE_CATEGORIES, type LookupRateCategory } from '../ecs/rate-limits.js';
import type { LookupApi, LookupOperation } from './lookup-api.js';

export const LOOKUP_OPERATION_CATEGORY: Readonly<Record<LookupOperation, LookupRateCategory>> = {
  GetParameter: 'ssm-read',
  DescribeStacks: 'cloudformation-read',
};

export type LookupRateLimiterOptions = CategoryRateLimiterOptions<LookupRateCategory>;

/** The lookup buckets of one location. */
export class LookupRateLimiter extends CategoryRateLimiter<LookupRateCategory> {
  constructor(options: LookupRateLimiterOptions) {
    super(LOOKUP_RATE_CATEGORIES, options);
  }

  /** Wraps `inner` so every call (and its one retry after a reset connection) first takes a token of its category. */
  wrap(inner: LookupApi): LookupApi {
    return {
      send: (operation, input, signal) => {
        const category = LOOKUP_OPERATION_CATEGORY[operation];
        if (category === undefined) throw new TypeError(`unknown lookup operation ${JSON.stringify(operation)}`);
        // Both are reads: one whose connection was reset is sent once more.
        return this.through(category, () => inner.send(operation, input, signal), true, signal);
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
