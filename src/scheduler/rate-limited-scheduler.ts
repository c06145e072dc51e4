/**
 * Client-side rate limiting in front of any SchedulerApi, as
 * ScalingRateLimiter does for auto scaling (src/autoscaling/rate-limited-scaling.ts):
 * one token bucket per direction (reads, writes), shared by every worker of a
 * Region; a ThrottlingException that still gets through slows its bucket down
 * and is re-thrown; a read whose connection was reset is sent once more, a
 * write never (the reset may have come after Scheduler applied it).
 */
import { CategoryRateLimiter, type CategoryRateLimiterOptions } from '../ecs/rate-limited-ecs.js';
import { SCHEDULER_RATE_CATEGORIES, type SchedulerRateCategory } from '../ecs/rate-limits.js';
import { MUTATING_SCHEDULER_OPERATIONS, type SchedulerApi, type SchedulerInput, type SchedulerOperation, type SchedulerOutput } from './scheduler-api.js';

export const SCHEDULER_OPERATION_CATEGORY: Readonly<Record<SchedulerOperation, SchedulerRateCategory>> = {
  GetScheduleGroup: 'scheduler-read',
  ListTagsForResource: 'scheduler-read',
  GetSchedule: 'scheduler-read',
  ListSchedules: 'scheduler-read',
  CreateScheduleGroup: 'scheduler-modify',
  TagResource: 'scheduler-modify',
  CreateSchedule: 'scheduler-modify',
  UpdateSchedule: 'scheduler-modify',
  DeleteSchedule: 'scheduler-modify',
};

export type SchedulerRateLimiterOptions = CategoryRateLimiterOptions<SchedulerRateCategory>;

export class SchedulerRateLimiter extends CategoryRateLimiter<SchedulerRateCategory> {
  constructor(options: SchedulerRateLimiterOptions) {
    super(SCHEDULER_RATE_CATEGORIES, options);
  }

  /** Wraps `inner` so every call (and a read's one retry after a reset connection) first takes a token of its category. */
  wrap(inner: SchedulerApi): SchedulerApi {
    return {
      send: <Op extends SchedulerOperation>(operation: Op, input: SchedulerInput<Op>, signal?: AbortSignal): Promise<SchedulerOutput<Op>> =>
        this.through(SCHEDULER_OPERATION_CATEGORY[operation], () => inner.send(operation, input, signal), !MUTATING_SCHEDULER_OPERATIONS.has(operation), signal),
    };
  }
}
