/**
 * The contract between the ScheduledTask reconciler and the pure core that
 * decides what to send to EventBridge Scheduler (plan-scheduled-task.ts).
 * Wire shapes are the Scheduler SDK's (PascalCase); the manifest is camelCase.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { CreateScheduleInput, GetScheduleOutput, UpdateScheduleInput } from '@aws-sdk/client-scheduler';
import type { DesiredScheduledTask } from '../manifests/types.js';
import type { Change } from '../diff/types.js';
import type { DiffErrorCode } from '../errors/index.js';
import type { RegisterTaskDefinitionAction } from './types.js';

/** Action labels (metrics `action`, the outcome's `applied`). */
export type ScheduledTaskActionKind = 'createScheduleGroup' | 'createSchedule' | 'updateSchedule' | 'deleteSchedule';

export type ScheduledTaskAction =
  /** Registers (or reuses, by spec hash: shared with services) the task definition the schedule runs. */
  | RegisterTaskDefinitionAction
  /** The controller's group in this Region, tagged with its id; only when GetScheduleGroup found none. */
  | { readonly kind: 'createScheduleGroup'; readonly name: string; readonly tags: readonly { readonly Key: string; readonly Value: string }[] }
  /** Target.EcsParameters.TaskDefinitionArn is REGISTERED_TASK_DEFINITION when a registerTaskDefinition precedes it. */
  | { readonly kind: 'createSchedule'; readonly input: CreateScheduleInput }
  /** UpdateSchedule replaces the whole schedule: sent only when the normalized forms differ. */
  | { readonly kind: 'updateSchedule'; readonly input: UpdateScheduleInput }
  | { readonly kind: 'deleteSchedule'; readonly input: { readonly Name: string; readonly GroupName: string } };

export interface PlanScheduledTaskInput {
  readonly desired: DesiredScheduledTask;
  /** GetSchedule's answer; undefined when the schedule does not exist. */
  readonly live: GetScheduleOutput | undefined;
  /** The revision the live schedule runs (DescribeTaskDefinition with tags), for the field-by-field diff. */
  readonly liveTaskDefinition?: { readonly taskDefinition: TaskDefinition; readonly tags?: readonly { key?: string; value?: string }[] };
  /** The controller's schedule group (scheduleGroupName) and whether it exists and this controller owns it. */
  readonly group: { readonly name: string; readonly state: 'missing' | 'owned' | { readonly ownedBy: string | undefined } };
  /** The cluster's ARN: the schedule's Target.Arn. */
  readonly clusterArn: string;
  readonly controllerId: string;
  readonly revision: string;
  /** A revision this controller already registered with the desired spec hash, if known (applier.knownRevision). */
  readonly existingRevisionForHash?: string;
  /**
   * Epoch ms the plan is made at. With it, a spec.startDate already past is
   * not sent (Scheduler refuses a StartDate more than 5 minutes ago) and
   * equals a live StartDate that is absent or past too. Without it, dates
   * are sent and compared as written.
   */
  readonly now?: number;
}

export interface ScheduledTaskPlan {
  /** Field-level differences (pointers relative to the manifest's spec), secrets unmasked: the caller masks. */
  readonly changes: readonly Change[];
  readonly actions: readonly ScheduledTaskAction[];
  /** Set when nothing may be done (group owned by another controller, ...): the reason, with a DIFF_ code. */
  readonly blocked?: { readonly code: DiffErrorCode; readonly message: string };
}
