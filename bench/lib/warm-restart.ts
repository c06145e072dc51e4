/**
 * Scenario 5's warm restart (issue 25, docs/ha.md "Warm restart and
 * takeover"): the yardstick it is compared with. A controller restarted on
 * the same --state-dir has the task definitions it learned before; what is
 * left to read is every service, so it is held to the cold start's service
 * reads alone: a ListServices per cluster and a DescribeServices per 10
 * services of a cluster, at the controller's sustained service-read rate
 * (target: within 2x).
 *
 * That yardstick leaves the bucket's burst out, so a restart can beat it
 * (1,000 services: 110 reads, 5.6 s at the rate; measured 3.5 s). With the
 * burst (the accounts scenario's cold-start bound, bench/scenarios/accounts.ts)
 * those 110 reads could all be made in 0.77 s, and 100 services' 20 at once:
 * a bound of 0 s the process's own start-up alone exceeds, no ratio to
 * report. It is kept in the details (withBurstSeconds).
 */
import { DEFAULT_RATE_LIMITS } from '../../src/ecs/rate-limits.js';
import { clientSideLimits } from '../../src/ecs/rate-limited-ecs.js';
import { ECS_BUCKETS, earliestNth } from './rate-limit-ideal.js';

/** The controller's default margins (src/ecs/rate-limited-ecs.ts, CategoryRateLimiter): 2 % of rate, a quarter second of burst. */
const RATE_HEADROOM = 0.02;
const JITTER_SECONDS = 0.25;

export interface ServiceReadYardstick {
  /** ListServices + DescribeServices a cold start makes at the least. */
  readonly calls: number;
  /** Those calls at the controller's service-read refill rate: the yardstick. */
  readonly seconds: number;
  /** The earliest the last of them can be made with the bucket full at the start. */
  readonly withBurstSeconds: number;
}

export function serviceReadYardstick(servicesPerCluster: readonly number[]): ServiceReadYardstick {
  const calls = servicesPerCluster.reduce((sum, n) => sum + Math.ceil(n / 10), 0) + servicesPerCluster.length;
  const limits = clientSideLimits(DEFAULT_RATE_LIMITS['service-read'], RATE_HEADROOM, JITTER_SECONDS);
  return {
    calls,
    seconds: calls / limits.refillPerSecond,
    withBurstSeconds: earliestNth(calls, { burst: limits.burst, perSecond: limits.refillPerSecond }),
  };
}

/** How long the sandbox's service-read bucket takes to fill from empty: waited before the restart, so it starts full as the floor assumes. */
export function serviceReadRefillMs(): number {
  const bucket = ECS_BUCKETS['service-read'];
  return Math.ceil((bucket.burst / bucket.perSecond) * 1000);
}
