/**
 * ECS API throttling categories and their published token-bucket limits
 * (docs/ecs-facts.md#api-throttling): the defaults for the client-side limiter;
 * the margins kept below them: docs/controller.md#rate-limiting.
 */
import type { BucketLimits } from './token-bucket.js';
import type { EcsOperation } from './ecs-api.js';

export type RateCategory =
  | 'cluster-read' | 'cluster-modify'
  | 'task-definition-read' | 'task-definition-modify'
  | 'service-read' | 'service-modify'
  | 'tag-read' | 'tag-modify';

export const RATE_CATEGORIES: readonly RateCategory[] = [
  'cluster-read', 'cluster-modify', 'task-definition-read', 'task-definition-modify',
  'service-read', 'service-modify', 'tag-read', 'tag-modify',
];

export const OPERATION_CATEGORY: Readonly<Record<EcsOperation, RateCategory>> = {
  DescribeClusters: 'cluster-read',
  CreateCluster: 'cluster-modify',
  UpdateCluster: 'cluster-modify',
  PutClusterCapacityProviders: 'cluster-modify',
  DescribeServices: 'service-read',
  ListServices: 'service-read',
  CreateService: 'service-modify',
  UpdateService: 'service-modify',
  DeleteService: 'service-modify',
  DescribeTaskDefinition: 'task-definition-read',
  ListTaskDefinitions: 'task-definition-read',
  RegisterTaskDefinition: 'task-definition-modify',
  ListTagsForResource: 'tag-read',
  TagResource: 'tag-modify',
  UntagResource: 'tag-modify',
  // Capacity providers are account-level cluster resources: ECS counts them with the cluster APIs.
  DescribeCapacityProviders: 'cluster-read',
  ListClusters: 'cluster-read',
  CreateCapacityProvider: 'cluster-modify',
  UpdateCapacityProvider: 'cluster-modify',
  DeleteCapacityProvider: 'cluster-modify',
};

/** ECS's published per-account, per-Region limits. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateCategory, BucketLimits>> = Object.freeze({
  'cluster-read': { burst: 50, refillPerSecond: 20 },
  'cluster-modify': { burst: 20, refillPerSecond: 1 },
  'task-definition-read': { burst: 50, refillPerSecond: 20 },
  'task-definition-modify': { burst: 20, refillPerSecond: 1 },
  'service-read': { burst: 100, refillPerSecond: 20 },
  'service-modify': { burst: 50, refillPerSecond: 5 },
  'tag-read': { burst: 50, refillPerSecond: 20 },
  'tag-modify': { burst: 20, refillPerSecond: 10 },
});

/**
 * Limits with refill rates multiplied by `factor` (and bursts too with
 * `{ burst: true }`), to match a sandbox whose throttling is scaled the same
 * way, so tests stay quick without changing behaviour.
 */
export function scaleRateLimits(
  limits: Readonly<Record<RateCategory, BucketLimits>>,
  factor: number,
  options: { readonly burst?: boolean } = {},
): Record<RateCategory, BucketLimits> {
  if (!(factor > 0)) throw new RangeError(`rate scale factor must be > 0, got ${factor}`);
  const out = {} as Record<RateCategory, BucketLimits>;
  for (const category of RATE_CATEGORIES) {
    const base = limits[category];
    out[category] = {
      burst: options.burst ? Math.max(1, Math.floor(base.burst * factor)) : base.burst,
      refillPerSecond: base.refillPerSecond * factor,
    };
  }
  return out;
}
