/**
 * planScheduledTask: the EventBridge Scheduler (and ECS RegisterTaskDefinition)
 * calls that bring one `kind: ScheduledTask` to its manifest; and
 * planScheduledTaskDeletion for one no manifest declares any more. Pure.
 *
 * Ownership is the schedule group's (docs/scheduled-tasks.md): schedules take
 * no tags, so every schedule in the controller's group is the controller's,
 * and a group of that name that another controller owns, or nobody tagged,
 * blocks every scheduled task of the Region. The task definition is
 * registered exactly as for a Service (buildTaskDefinitionRegistration, reuse
 * by spec hash). UpdateSchedule replaces the whole schedule, so it is sent
 * whole, and only when the normalized desired and live forms differ.
 */
import type { CreateScheduleInput, EcsParameters, Target, UpdateScheduleInput } from '@aws-sdk/client-scheduler';
import { diffScheduledTask, type LiveScheduledTaskDefinition } from '../diff/diff-scheduled-task.js';
import { defaultTaskGroup, ecsTagsFromMap, parseScheduleDate, SCHEDULED_TASK_DEFAULTS } from '../diff/scheduled-task-normalize.js';
import { TAG_MANAGED_BY } from '../diff/tags.js';
import type { Change } from '../diff/types.js';
import type { ScheduledTaskManifest } from '../manifests/types.js';
import type { PlanScheduledTaskInput, ScheduledTaskAction, ScheduledTaskPlan } from './scheduled-task-types.js';
import { buildTaskDefinitionRegistration, tagValue } from './task-definition-input.js';
import { REGISTERED_TASK_DEFINITION } from './types.js';

/** Where a schedule lives and what it runs: the parts of its input that are not in the manifest. */
export interface ScheduleTargetContext {
  /** The controller's schedule group (scheduleGroupName). */
  readonly groupName: string;
  /** Target.Arn: the ARN of the cluster `metadata.cluster` names. */
  readonly clusterArn: string;
  /** An ARN, or REGISTERED_TASK_DEFINITION when a registerTaskDefinition precedes the action. */
  readonly taskDefinitionArn: string;
  /** Epoch ms now: a startDate not after it is left out (Scheduler refuses one more than 5 minutes ago; a past start changes nothing). */
  readonly now?: number;
}

/** A copy without the keys whose value is undefined (the SDK would skip them; tests and logs read cleaner). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function ecsParameters(manifest: ScheduledTaskManifest, taskDefinitionArn: string): EcsParameters {
  const spec = manifest.spec;
  const network = spec.networkConfiguration?.awsvpcConfiguration;
  return defined<EcsParameters>({
    TaskDefinitionArn: taskDefinitionArn,
    TaskCount: spec.taskCount,
    LaunchType: spec.launchType as EcsParameters['LaunchType'],
    NetworkConfiguration: network === undefined ? undefined : {
      awsvpcConfiguration: defined({ Subnets: [...network.subnets], SecurityGroups: network.securityGroups && [...network.securityGroups], AssignPublicIp: network.assignPublicIp }),
    },
    PlatformVersion: spec.platformVersion,
    Group: spec.group ?? defaultTaskGroup(manifest.metadata.name),
    CapacityProviderStrategy: spec.capacityProviderStrategy?.map((item) => defined({ capacityProvider: item.capacityProvider, weight: item.weight, base: item.base })),
    EnableECSManagedTags: spec.enableECSManagedTags,
    EnableExecuteCommand: spec.enableExecuteCommand,
    PlacementConstraints: spec.placementConstraints?.map((c) => defined({ type: c.type, expression: c.expression })),
    PlacementStrategy: spec.placementStrategy?.map((s) => defined({ type: s.type, field: s.field })),
    PropagateTags: spec.propagateTags,
    ReferenceId: spec.referenceId,
    Tags: ecsTagsFromMap(spec.tags),
  });
}

/** spec.startDate as a Date, unless it is not after `now` (when given). */
function futureStartDate(startDate: string | undefined, now: number | undefined): Date | undefined {
  const date = startDate === undefined ? undefined : parseScheduleDate(startDate);
  if (date === undefined || now === undefined) return date;
  return date.getTime() > now ? date : undefined;
}

/**
 * The whole CreateSchedule input for a manifest (UpdateSchedule takes the
 * same fields). Defaults that a later UpdateSchedule would otherwise reset
 * are sent explicitly (State, FlexibleTimeWindow, ActionAfterCompletion);
 * the rest as the manifest writes them, Scheduler filling in what it leaves out.
 */
export function scheduleInputFromManifest(manifest: ScheduledTaskManifest, context: ScheduleTargetContext): CreateScheduleInput {
  const spec = manifest.spec;
  const target = defined<Target>({
    Arn: context.clusterArn,
    RoleArn: spec.roleArn,
    DeadLetterConfig: spec.deadLetterConfig === undefined ? undefined : { Arn: spec.deadLetterConfig.arn },
    RetryPolicy: spec.retryPolicy === undefined ? undefined : defined({
      MaximumEventAgeInSeconds: spec.retryPolicy.maximumEventAgeInSeconds,
      MaximumRetryAttempts: spec.retryPolicy.maximumRetryAttempts,
    }),
    // Scheduler hands Input to RunTask as its `overrides`.
    Input: spec.overrides === undefined ? undefined : JSON.stringify(spec.overrides),
    EcsParameters: ecsParameters(manifest, context.taskDefinitionArn),
  });
  const window = spec.flexibleTimeWindow;
  return defined<CreateScheduleInput>({
    Name: manifest.metadata.name,
    GroupName: context.groupName,
    ScheduleExpression: spec.schedule,
    ScheduleExpressionTimezone: spec.timezone,
    StartDate: futureStartDate(spec.startDate, context.now),
    EndDate: spec.endDate === undefined ? undefined : parseScheduleDate(spec.endDate),
    Description: spec.description,
    State: spec.state ?? SCHEDULED_TASK_DEFAULTS.state,
    KmsKeyArn: spec.kmsKeyArn,
    Target: target,
    FlexibleTimeWindow: window === undefined
      ? { Mode: SCHEDULED_TASK_DEFAULTS.flexibleTimeWindowMode }
      : defined({ Mode: window.mode, MaximumWindowInMinutes: window.mode === 'OFF' ? undefined : window.maximumWindowInMinutes }),
    // DELETE would make the controller re-create a one-time schedule that fired: never offered.
    ActionAfterCompletion: SCHEDULED_TASK_DEFAULTS.actionAfterCompletion,
  });
}

function blockedByGroup(input: PlanScheduledTaskInput, changes: readonly Change[]): ScheduledTaskPlan | undefined {
  const { group, desired, controllerId } = input;
  if (typeof group.state === 'string') return undefined;
  const where = `schedule group ${group.name} in ${desired.region}`;
  const who = `scheduled task ${desired.name} (${desired.source.file})`;
  if (group.state.ownedBy !== undefined) {
    return {
      changes, actions: [],
      blocked: {
        code: 'DIFF_OWNED_BY_OTHER_CONTROLLER',
        message: `${who}: the ${where} is managed by controller "${group.state.ownedBy}", not "${controllerId}"; ` +
          'no schedule of that group is touched. Give this controller another id (its group name follows from it), or remove the other controller\'s tag if the group is no longer its',
      },
    };
  }
  return {
    changes, actions: [],
    blocked: {
      code: 'DIFF_ADOPTION_NOT_ALLOWED',
      message: `${who}: the ${where} already exists and carries no ${TAG_MANAGED_BY} tag, so the schedules in it may be someone else's; ` +
        `no schedule of that group is touched until a person tags the group ${TAG_MANAGED_BY}=${tagValue(controllerId)}`,
    },
  };
}

export function planScheduledTask(input: PlanScheduledTaskInput): ScheduledTaskPlan {
  const { desired, group, controllerId, revision } = input;
  const manifest = desired.manifest;
  const groupMissing = group.state === 'missing';
  // A missing group holds no schedule, whatever a stale read said.
  const live = groupMissing ? undefined : input.live;
  const liveTaskDefinition: LiveScheduledTaskDefinition | undefined = input.liveTaskDefinition;
  const changes = diffScheduledTask(manifest, live, liveTaskDefinition, { clusterArn: input.clusterArn, ...(input.now !== undefined ? { now: input.now } : {}) });

  const refusal = blockedByGroup(input, changes);
  if (refusal !== undefined) return refusal;
  if (changes.length === 0) return { changes, actions: [] };

  const actions: ScheduledTaskAction[] = [];
  if (groupMissing) {
    actions.push({ kind: 'createScheduleGroup', name: group.name, tags: [{ Key: TAG_MANAGED_BY, Value: tagValue(controllerId) }] });
  }
  const needsTaskDefinition = live === undefined || changes.some((c) => c.scope === 'taskDefinition');
  let taskDefinitionArn = live?.Target?.EcsParameters?.TaskDefinitionArn;
  if (needsTaskDefinition) {
    if (input.existingRevisionForHash !== undefined) {
      taskDefinitionArn = input.existingRevisionForHash;
    } else {
      const registration = buildTaskDefinitionRegistration(manifest, liveTaskDefinition?.taskDefinition, {
        controllerId, revision, sourceFile: desired.source.file,
      });
      actions.push({ kind: 'registerTaskDefinition', input: registration.input, specHash: registration.specHash });
      taskDefinitionArn = REGISTERED_TASK_DEFINITION;
    }
  }
  // A live schedule that names no task definition (someone edited it) gets the desired one registered.
  if (taskDefinitionArn === undefined) {
    const registration = buildTaskDefinitionRegistration(manifest, undefined, { controllerId, revision, sourceFile: desired.source.file });
    actions.push({ kind: 'registerTaskDefinition', input: registration.input, specHash: registration.specHash });
    taskDefinitionArn = REGISTERED_TASK_DEFINITION;
  }
  const scheduleInput = scheduleInputFromManifest(manifest, {
    groupName: group.name, clusterArn: input.clusterArn, taskDefinitionArn, ...(input.now !== undefined ? { now: input.now } : {}),
  });
  actions.push(live === undefined
    ? { kind: 'createSchedule', input: scheduleInput }
    : { kind: 'updateSchedule', input: scheduleInput as UpdateScheduleInput });
  return { changes, actions };
}

/** Deleting the schedule of a ScheduledTask no manifest declares any more (the caller applies the --prune guards first). */
export function planScheduledTaskDeletion(name: string, group: string): ScheduledTaskPlan {
  return {
    changes: [{ pointer: '', desired: undefined, live: { name, group }, kind: 'removed', scope: 'scheduledTask' }],
    actions: [{ kind: 'deleteSchedule', input: { Name: name, GroupName: group } }],
  };
}

/** A create/update action with REGISTERED_TASK_DEFINITION replaced by the ARN RegisterTaskDefinition returned. */
export function withRegisteredScheduleTaskDefinition<A extends ScheduledTaskAction>(action: A, arn: string): A {
  if (action.kind !== 'createSchedule' && action.kind !== 'updateSchedule') return action;
  const ecs = action.input.Target?.EcsParameters;
  if (ecs?.TaskDefinitionArn !== REGISTERED_TASK_DEFINITION || action.input.Target === undefined) return action;
  return { ...action, input: { ...action.input, Target: { ...action.input.Target, EcsParameters: { ...ecs, TaskDefinitionArn: arn } } } };
}
