/**
 * The one interface the controller uses for EventBridge Scheduler: schedule
 * groups (created and tagged by the controller: its ownership mark, since
 * schedules take no tags) and schedules. Same shape as EcsApi (a single
 * `send`), so rate limiting, call counting and the narrowest fakes wrap it
 * the same way. Types only: the SDK is loaded at run time solely by
 * scheduler-sdk-adapter.ts.
 */
import type * as Scheduler from '@aws-sdk/client-scheduler';

export interface SchedulerOperations {
  CreateScheduleGroup: { input: Scheduler.CreateScheduleGroupInput; output: Scheduler.CreateScheduleGroupOutput };
  GetScheduleGroup: { input: Scheduler.GetScheduleGroupInput; output: Scheduler.GetScheduleGroupOutput };
  ListTagsForResource: { input: Scheduler.ListTagsForResourceInput; output: Scheduler.ListTagsForResourceOutput };
  TagResource: { input: Scheduler.TagResourceInput; output: Scheduler.TagResourceOutput };
  CreateSchedule: { input: Scheduler.CreateScheduleInput; output: Scheduler.CreateScheduleOutput };
  GetSchedule: { input: Scheduler.GetScheduleInput; output: Scheduler.GetScheduleOutput };
  UpdateSchedule: { input: Scheduler.UpdateScheduleInput; output: Scheduler.UpdateScheduleOutput };
  DeleteSchedule: { input: Scheduler.DeleteScheduleInput; output: Scheduler.DeleteScheduleOutput };
  ListSchedules: { input: Scheduler.ListSchedulesInput; output: Scheduler.ListSchedulesOutput };
}

export type SchedulerOperation = keyof SchedulerOperations;
export type SchedulerInput<Op extends SchedulerOperation> = SchedulerOperations[Op]['input'];
export type SchedulerOutput<Op extends SchedulerOperation> = SchedulerOperations[Op]['output'];

export const SCHEDULER_OPERATIONS = [
  'CreateScheduleGroup', 'GetScheduleGroup', 'ListTagsForResource', 'TagResource',
  'CreateSchedule', 'GetSchedule', 'UpdateSchedule', 'DeleteSchedule', 'ListSchedules',
] as const satisfies readonly SchedulerOperation[];

/** Operations that change state (detect mode never sends them). */
export const MUTATING_SCHEDULER_OPERATIONS: ReadonlySet<SchedulerOperation> = new Set<SchedulerOperation>([
  'CreateScheduleGroup', 'TagResource', 'CreateSchedule', 'UpdateSchedule', 'DeleteSchedule',
]);

export interface SchedulerApi {
  send<Op extends SchedulerOperation>(operation: Op, input: SchedulerInput<Op>, signal?: AbortSignal): Promise<SchedulerOutput<Op>>;
}

/**
 * The schedule group a controller keeps its schedules in, one per Region:
 * the controller id itself when it already starts with `ecs-gitops`
 * (`ecs-gitops`, `ecs-gitops-quickstart`), else `ecs-gitops-<id>`; characters
 * outside Scheduler's `[0-9A-Za-z_.-]` become `-`, and the name is cut to
 * Scheduler's 64 characters. Every name starts with `ecs-gitops`, the prefix
 * the IAM policy scopes schedule writes to. The group is tagged with the
 * controller id (ecs-gitops/managed-by), which is how the controller knows it
 * owns the schedules inside.
 */
export function scheduleGroupName(controllerId: string): string {
  const safe = controllerId.replace(/[^0-9A-Za-z_.-]/g, '-');
  return (safe.startsWith('ecs-gitops') ? safe : `ecs-gitops-${safe}`).slice(0, 64);
}
