/**
 * Client-side rate limiting in front of any ScalingApi, as EcsRateLimiter
 * does for ECS (src/ecs/rate-limited-ecs.ts): one token bucket per scaling
 * category (Application Auto Scaling reads and writes, CloudWatch alarm reads
 * and writes), shared by every worker of a Region; a ThrottlingException
 * that still gets through slows its bucket down and is re-thrown; a read
 * whose connection was reset is sent once more, a write never.
 */
import { CategoryRateLimiter, type CategoryRateLimiterOptions } from '../ecs/rate-limited-ecs.js';
import { SCALING_RATE_CATEGORIES, type ScalingRateCategory } from '../ecs/rate-limits.js';
import { MUTATING_SCALING_OPERATIONS, type ScalingApi, type ScalingInput, type ScalingOperation, type ScalingOutput } from './scaling-api.js';

export const SCALING_OPERATION_CATEGORY: Readonly<Record<ScalingOperation, ScalingRateCategory>> = {
  DescribeScalableTargets: 'autoscaling-read',
  DescribeScalingPolicies: 'autoscaling-read',
  DescribeScheduledActions: 'autoscaling-read',
  DescribeScalingActivities: 'autoscaling-read',
  TagResource: 'autoscaling-modify',
  RegisterScalableTarget: 'autoscaling-modify',
  DeregisterScalableTarget: 'autoscaling-modify',
  PutScalingPolicy: 'autoscaling-modify',
  DeleteScalingPolicy: 'autoscaling-modify',
  PutScheduledAction: 'autoscaling-modify',
  DeleteScheduledAction: 'autoscaling-modify',
  DescribeAlarms: 'cloudwatch-read',
  PutMetricAlarm: 'cloudwatch-modify',
  DeleteAlarms: 'cloudwatch-modify',
};

export type ScalingRateLimiterOptions = CategoryRateLimiterOptions<ScalingRateCategory>;

/** Application Auto Scaling and CloudWatch alarm calls: one bucket per API and direction. */
export class ScalingRateLimiter extends CategoryRateLimiter<ScalingRateCategory> {
  constructor(options: ScalingRateLimiterOptions) {
    super(SCALING_RATE_CATEGORIES, options);
  }

  /** Wraps `inner` so every call (and a read's one retry after a reset connection) first takes a token of its category. */
  wrap(inner: ScalingApi): ScalingApi {
    return {
      send: <Op extends ScalingOperation>(operation: Op, input: ScalingInput<Op>, signal?: AbortSignal): Promise<ScalingOutput<Op>> =>
        this.through(SCALING_OPERATION_CATEGORY[operation], () => inner.send(operation, input, signal), !MUTATING_SCALING_OPERATIONS.has(operation), signal),
    };
  }
}
