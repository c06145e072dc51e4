/**
 * ECS API throttling: one token bucket per account, Region and action
 * category, with the burst and refill rates of
 * docs/ecs-facts.md#api-throttling. Rates are in real (wall-clock) seconds,
 * not simulated time, because they model what a client experiences. A scale
 * factor multiplies both burst and rate.
 */
import { SandboxApiError } from './api-error.js';

export type ThrottlingOption = 'real' | 'off' | { readonly scale: number };

interface Category {
  readonly burst: number;
  readonly perSecond: number;
}

export const ECS_THROTTLE_CATEGORIES = {
  'cluster-read': { burst: 50, perSecond: 20 },
  'cluster-modify': { burst: 20, perSecond: 1 },
  'task-definition-read': { burst: 50, perSecond: 20 },
  'task-definition-modify': { burst: 20, perSecond: 1 },
  'service-read': { burst: 100, perSecond: 20 },
  'service-modify': { burst: 50, perSecond: 5 },
  // Not in docs/ecs-facts.md's table; ECS documents task reads with their own bucket of this size.
  'task-read': { burst: 100, perSecond: 20 },
  // ECS's RunTask/StopTask bucket (the same figures as src/ecs/rate-limits.ts's task-launch).
  'task-launch': { burst: 100, perSecond: 40 },
  'tag-read': { burst: 50, perSecond: 20 },
  'tag-modify': { burst: 20, perSecond: 10 },
} as const satisfies Record<string, Category>;

export type ThrottleCategory = keyof typeof ECS_THROTTLE_CATEGORIES;

export const OPERATION_CATEGORY: Readonly<Record<string, ThrottleCategory>> = {
  DescribeClusters: 'cluster-read',
  ListClusters: 'cluster-read',
  CreateCluster: 'cluster-modify',
  UpdateCluster: 'cluster-modify',
  DeleteCluster: 'cluster-modify',
  PutClusterCapacityProviders: 'cluster-modify',
  DescribeTaskDefinition: 'task-definition-read',
  ListTaskDefinitions: 'task-definition-read',
  ListTaskDefinitionFamilies: 'task-definition-read',
  RegisterTaskDefinition: 'task-definition-modify',
  DeregisterTaskDefinition: 'task-definition-modify',
  DescribeServices: 'service-read',
  ListServices: 'service-read',
  CreateService: 'service-modify',
  UpdateService: 'service-modify',
  DeleteService: 'service-modify',
  // The deployments API shares the service buckets (src/ecs/rate-limits.ts).
  ListServiceDeployments: 'service-read',
  DescribeServiceDeployments: 'service-read',
  StopServiceDeployment: 'service-modify',
  ContinueServiceDeployment: 'service-modify',
  ListTasks: 'task-read',
  DescribeTasks: 'task-read',
  RunTask: 'task-launch',
  StopTask: 'task-launch',
  ListTagsForResource: 'tag-read',
  TagResource: 'tag-modify',
  UntagResource: 'tag-modify',
};

interface Bucket {
  tokens: number;
  last: number;
}

function scaleOf(option: ThrottlingOption): number {
  if (option === 'off') return 0;
  if (option === 'real') return 1;
  if (!Number.isFinite(option.scale) || option.scale <= 0) {
    throw new RangeError(`throttling scale must be a number > 0, got ${option.scale}`);
  }
  return option.scale;
}

export class Throttler {
  #scale: number;
  readonly #realNow: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(option: ThrottlingOption, realNow: () => number = Date.now) {
    this.#scale = scaleOf(option);
    this.#realNow = realNow;
  }

  /** The current setting, as the option that would produce it. */
  get option(): ThrottlingOption {
    return this.#scale === 0 ? 'off' : this.#scale === 1 ? 'real' : { scale: this.#scale };
  }

  /**
   * Switches throttling at run time (benchmarks seed unthrottled, then measure
   * at the real rates). Every bucket starts full again under the new setting.
   */
  set(option: ThrottlingOption): void {
    this.#scale = scaleOf(option);
    this.#buckets.clear();
  }

  get enabled(): boolean {
    return this.#scale > 0;
  }

  /** Takes one token for `operation` in `scope` (account + Region), or throws ThrottlingException. */
  take(scope: string, operation: string): void {
    if (this.#scale === 0) return;
    const category = OPERATION_CATEGORY[operation];
    if (!category) return;
    const { burst, perSecond } = ECS_THROTTLE_CATEGORIES[category];
    const capacity = burst * this.#scale;
    const rate = perSecond * this.#scale;
    const key = `${scope}|${category}`;
    const now = this.#realNow();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, last: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.last) / 1000) * rate);
    bucket.last = now;
    if (bucket.tokens < 1) throw new SandboxApiError('ThrottlingException', 'Rate exceeded', 400);
    bucket.tokens -= 1;
  }

  /** Forgets the buckets of one scope prefix (an account), or all. */
  reset(scopePrefix?: string): void {
    if (scopePrefix === undefined) this.#buckets.clear();
    else for (const key of [...this.#buckets.keys()]) if (key.startsWith(`${scopePrefix}|`) || key.startsWith(`${scopePrefix}/`)) this.#buckets.delete(key);
  }
}
