/**
 * ECS API throttling categories and their published token-bucket limits
 * (docs/ecs-facts.md#api-throttling): the defaults for the client-side limiter;
 * the margins kept below them: docs/controller.md#rate-limiting. Also the
 * buckets of the Application Auto Scaling and CloudWatch alarm calls
 * (src/autoscaling/rate-limited-scaling.ts) and of the EventBridge Scheduler
 * calls (src/scheduler/rate-limited-scheduler.ts) and of the lookups' SSM and
 * CloudFormation reads (src/lookups/rate-limited-lookups.ts), whose defaults
 * are our own conservative choice (see DEFAULT_RATE_LIMITS).
 */
import type { BucketLimits } from './token-bucket.js';
import type { EcsOperation } from './ecs-api.js';

export type EcsRateCategory =
  | 'cluster-read' | 'cluster-modify'
  | 'task-definition-read' | 'task-definition-modify'
  | 'service-read' | 'service-modify'
  | 'tag-read' | 'tag-modify'
  | 'task-read' | 'task-launch';

/** Application Auto Scaling and CloudWatch alarm calls: one bucket per API and direction. */
export type ScalingRateCategory = 'autoscaling-read' | 'autoscaling-modify' | 'cloudwatch-read' | 'cloudwatch-modify';

/** EventBridge Scheduler calls (schedule groups and schedules): one bucket per direction. */
export type SchedulerRateCategory = 'scheduler-read' | 'scheduler-modify';

/** The lookups' reads (`${ssm:…}`: GetParameter; `${cfn:…}`: DescribeStacks), one bucket per API. */
export type LookupRateCategory = 'ssm-read' | 'cloudformation-read';

export type RateCategory = EcsRateCategory | ScalingRateCategory | SchedulerRateCategory | LookupRateCategory;

export const ECS_RATE_CATEGORIES: readonly EcsRateCategory[] = [
  'cluster-read', 'cluster-modify', 'task-definition-read', 'task-definition-modify',
  'service-read', 'service-modify', 'tag-read', 'tag-modify', 'task-read', 'task-launch',
];

export const SCALING_RATE_CATEGORIES: readonly ScalingRateCategory[] = [
  'autoscaling-read', 'autoscaling-modify', 'cloudwatch-read', 'cloudwatch-modify',
];

export const SCHEDULER_RATE_CATEGORIES: readonly SchedulerRateCategory[] = ['scheduler-read', 'scheduler-modify'];

export const LOOKUP_RATE_CATEGORIES: readonly LookupRateCategory[] = ['ssm-read', 'cloudformation-read'];

export const RATE_CATEGORIES: readonly RateCategory[] = [
  ...ECS_RATE_CATEGORIES, ...SCALING_RATE_CATEGORIES, ...SCHEDULER_RATE_CATEGORIES, ...LOOKUP_RATE_CATEGORIES,
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
  DescribeTasks: 'task-read',
  ListTasks: 'task-read',
  // ECS's task launch bucket (RunTask, StartTask); StopTask is counted with them here, at the same rate.
  RunTask: 'task-launch',
  StopTask: 'task-launch',
  // The deployments API is about services: ECS publishes no bucket of its own for it, so it shares the service ones.
  DescribeServiceDeployments: 'service-read',
  ListServiceDeployments: 'service-read',
  StopServiceDeployment: 'service-modify',
  ContinueServiceDeployment: 'service-modify',
};

/**
 * ECS's published per-account, per-Region limits; for the scaling buckets,
 * conservative limits of our own. Application Auto Scaling publishes no
 * request rates, and the CloudWatch alarm calls share the account's quota
 * with every dashboard, alerting tool and console user. Low rates cost
 * little here: a pass reads a whole Region's scaling with a few listing pages
 * (src/autoscaling/scaling-reader.ts), and scaling configuration changes far
 * less often than images. A ThrottlingException slows a bucket down like
 * ECS's (token-bucket.ts); --rate-limits raises them for an account that
 * knows its quotas (docs/controller.md#rate-limiting).
 *
 * EventBridge Scheduler publishes per-operation request rates rather than
 * token buckets (its quotas page): hundreds of requests per second for the
 * schedule operations (CreateSchedule, GetSchedule, DeleteSchedule: 250 in
 * the smaller Regions, 1,000 or more in the larger ones) and 10 per second
 * for CreateScheduleGroup. Ours sit
 * far below both, with the modify bucket under CreateScheduleGroup's 10,
 * because those quotas are the whole account's (every other tool that
 * manages schedules shares them) and because the controller needs little:
 * one listing and a few reads per Region and pass, and a write only when a
 * manifest changed.
 *
 * The lookup buckets (docs/ecs-facts.md#lookups-ssm-parameters-and-cloudformation-outputs):
 * Parameter Store's default throughput is 40 transactions per second per
 * account and Region, shared by GetParameter, GetParameters and
 * GetParametersByPath with every application, and with ECS itself when it
 * injects `secrets` from SSM at task launch; ours takes a quarter of it, so a
 * burst of task launches never competes with the controller. CloudFormation
 * publishes no rate for DescribeStacks and throttles it low; 5 per second
 * (burst 10) is our choice. Both are read once per value and cache TTL, not
 * per pass (src/lookups/lookup-resolver.ts).
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateCategory, BucketLimits>> = Object.freeze({
  'cluster-read': { burst: 50, refillPerSecond: 20 },
  'cluster-modify': { burst: 20, refillPerSecond: 1 },
  'task-definition-read': { burst: 50, refillPerSecond: 20 },
  'task-definition-modify': { burst: 20, refillPerSecond: 1 },
  'service-read': { burst: 100, refillPerSecond: 20 },
  'service-modify': { burst: 50, refillPerSecond: 5 },
  'tag-read': { burst: 50, refillPerSecond: 20 },
  'tag-modify': { burst: 20, refillPerSecond: 10 },
  'task-read': { burst: 100, refillPerSecond: 20 },
  'task-launch': { burst: 100, refillPerSecond: 40 },
  'autoscaling-read': { burst: 20, refillPerSecond: 5 },
  'autoscaling-modify': { burst: 10, refillPerSecond: 1 },
  'cloudwatch-read': { burst: 10, refillPerSecond: 3 },
  'cloudwatch-modify': { burst: 3, refillPerSecond: 1 },
  'scheduler-read': { burst: 20, refillPerSecond: 10 },
  'scheduler-modify': { burst: 10, refillPerSecond: 5 },
  'ssm-read': { burst: 20, refillPerSecond: 10 },
  'cloudformation-read': { burst: 10, refillPerSecond: 5 },
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
