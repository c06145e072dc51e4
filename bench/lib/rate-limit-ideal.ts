/**
 * The fastest any client could make a set of ECS calls under ECS's published
 * token buckets (docs/ecs-facts.md#api-throttling): the yardstick for the mass-rollout benchmark.
 * A bucket that starts full allows burst + rate x t calls by time t, so the
 * n-th call of a category (1-based) cannot happen before (n - burst) / rate.
 * UpdateService for a service also waits for the registration of its task
 * definition; scheduling updates in the order their task definitions become
 * ready is optimal for a single bucket, which gives the exact lower bound for
 * "last UpdateService" under both limits. Pure: no IO, no clock.
 */

import { ECS_THROTTLE_CATEGORIES, OPERATION_CATEGORY, type ThrottleCategory } from '../../src/sandbox/throttle.js';

export interface Bucket {
  readonly burst: number;
  readonly perSecond: number;
}

/** ECS's published limits per category: the table the sandbox's 'real' throttling enforces. */
export const ECS_BUCKETS: Readonly<Record<ThrottleCategory, Bucket>> = ECS_THROTTLE_CATEGORIES;

export type Category = ThrottleCategory;

export const CATEGORY_OF: Readonly<Record<string, Category>> = OPERATION_CATEGORY;

/** Earliest time (s) of the n-th call (1-based) through a bucket that starts full. */
export function earliestNth(n: number, bucket: Bucket, scale = 1): number {
  return Math.max(0, (n - bucket.burst * scale) / (bucket.perSecond * scale));
}

/** Lower bound (s) for making `counts` calls per operation: the slowest category alone. */
export function categoryBound(counts: Readonly<Record<string, number>>, scale = 1): { seconds: number; category?: Category } {
  const perCategory = new Map<Category, number>();
  for (const [op, n] of Object.entries(counts)) {
    const category = CATEGORY_OF[op];
    if (category) perCategory.set(category, (perCategory.get(category) ?? 0) + n);
  }
  let best: { seconds: number; category?: Category } = { seconds: 0 };
  for (const [category, n] of perCategory) {
    const seconds = earliestNth(n, ECS_BUCKETS[category], scale);
    if (seconds > best.seconds) best = { seconds, category };
  }
  return best;
}

/**
 * Earliest possible last UpdateService (s) when `servicesPerContent[d]`
 * services wait for the registration of distinct content d: registrations go
 * first (the order does not matter for the bound: all start at the same time),
 * each service's update as soon as its content is registered and the
 * service-modify bucket has a token.
 */
export function rolloutBound(servicesPerContent: readonly number[], scale = 1): number {
  const reg = ECS_BUCKETS['task-definition-modify'];
  const upd = ECS_BUCKETS['service-modify'];
  // Contents with the most services registered first: their updates become ready earliest.
  const order = [...servicesPerContent].sort((a, b) => b - a);
  const ready: number[] = [];
  order.forEach((services, k) => {
    const at = earliestNth(k + 1, reg, scale);
    for (let s = 0; s < services; s++) ready.push(at);
  });
  let last = 0;
  ready.forEach((at, j) => {
    last = Math.max(last, at, earliestNth(j + 1, upd, scale));
  });
  return last;
}

/** The yardstick: the larger of the dependency-aware rollout bound and every category's own bound. */
export function rateLimitedMinimum(servicesPerContent: readonly number[], counts: Readonly<Record<string, number>>, scale = 1): { seconds: number; binding: string } {
  const rollout = rolloutBound(servicesPerContent, scale);
  const category = categoryBound(counts, scale);
  return category.seconds > rollout
    ? { seconds: category.seconds, binding: category.category ?? 'none' }
    : { seconds: rollout, binding: 'RegisterTaskDefinition -> UpdateService' };
}
