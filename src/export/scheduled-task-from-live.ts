/**
 * One live EventBridge Scheduler schedule that runs an ECS task (GetSchedule)
 * and the task definition revision it runs (DescribeTaskDefinition with tags)
 * turned into the `kind: ScheduledTask` manifest a person would write: every
 * value equal to what Scheduler or ECS fills in by default is left out (the
 * defaults of src/diff/scheduled-task-normalize.ts, the task definition
 * minimized as for a Service), and the result is checked with
 * diffScheduledTask, so an export that would not read back in sync is
 * reported. Schedules whose target is not an ECS cluster are not ScheduledTasks
 * (undefined). Pure: the caller does the reads.
 */
import type { Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { diffScheduledTask } from '../diff/diff-scheduled-task.js';
import {
  canonicalScheduleDate, defaultTaskGroup, ecsTagsToMap, overridesFromInput, SCHEDULED_TASK_DEFAULTS,
} from '../diff/scheduled-task-normalize.js';
import { tagsToMap, userTags } from '../diff/tags.js';
import { normalizeTaskDefinition, TASK_DEFINITION_READ_ONLY_FIELDS } from '../diff/task-definition-normalize.js';
import type { Change } from '../diff/types.js';
import { canonicalJson } from '../manifests/index.js';
import { API_VERSION, type ScheduledTaskManifest } from '../manifests/types.js';
import { orderManifestKeys } from './key-order.js';
import { minimize, type JsonTree } from './minimize.js';

/** `arn:<partition>:ecs:<region>:<account>:cluster/<name>`: the only targets that are scheduled ECS tasks. */
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/([A-Za-z0-9_-]{1,255})$/;

/** The order a person reads a scheduled task in: when, what, where, then the rest. */
const SPEC_ORDER = [
  'schedule', 'timezone', 'startDate', 'endDate', 'flexibleTimeWindow', 'state', 'description', 'roleArn',
  'taskCount', 'launchType', 'capacityProviderStrategy', 'platformVersion', 'taskDefinition', 'networkConfiguration',
  'overrides', 'group', 'placementConstraints', 'placementStrategy', 'propagateTags', 'enableECSManagedTags',
  'enableExecuteCommand', 'referenceId', 'retryPolicy', 'deadLetterConfig', 'kmsKeyArn', 'tags',
];

export interface LiveScheduledTaskState {
  readonly region: string;
  readonly schedule: GetScheduleOutput;
  /** The revision Target.EcsParameters.TaskDefinitionArn names. */
  readonly taskDefinition: TaskDefinition;
  readonly taskDefinitionTags?: readonly Tag[];
}

export interface ExportedScheduledTask {
  readonly manifest: ScheduledTaskManifest;
  /** What diffScheduledTask still reports against live (empty for a faithful export). */
  readonly residualChanges: readonly Change[];
  /**
   * The live schedule names no task group (the console, Copilot and the AWS
   * CDK leave EcsParameters.Group out): the manifest leaves `group` out too,
   * and the controller writes its default group (`scheduled-task:<name>`)
   * when it adopts the schedule. Not counted as a residual change.
   */
  readonly defaultGroupAdded?: boolean;
}

/** The cluster name of an ECS cluster ARN; undefined for any other target. */
export function clusterNameOfTarget(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : CLUSTER_ARN.exec(arn)?.[1];
}

function plain(value: unknown): JsonTree {
  return JSON.parse(JSON.stringify(value ?? {})) as JsonTree;
}

function byName(a: unknown, b: unknown): number {
  const name = (v: unknown) => String((v as { name?: unknown } | null)?.name ?? '');
  return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
}

function taskDefinitionSpec(td: TaskDefinition, tags: readonly Tag[] | undefined): JsonTree {
  const out = plain(td);
  for (const field of TASK_DEFINITION_READ_ONLY_FIELDS) delete out[field];
  delete out.tags;
  // ECS does not keep the order of these lists (compared by name): sorted for stable files.
  for (const container of Array.isArray(out.containerDefinitions) ? out.containerDefinitions : []) {
    if (container === null || typeof container !== 'object' || Array.isArray(container)) continue;
    for (const list of ['environment', 'secrets'] as const) {
      const entries = container[list];
      if (Array.isArray(entries)) container[list] = [...entries].sort(byName);
    }
  }
  const minimal = minimize(out, (candidate) => canonicalJson(normalizeTaskDefinition(candidate as never)), {
    keep: new Set(['/family', '/containerDefinitions']),
  });
  const userTagMap = userTags(tagsToMap(tags === undefined ? undefined : [...tags]));
  if (Object.keys(userTagMap).length > 0) minimal.tags = userTagMap;
  const ordered = orderManifestKeys({ spec: { taskDefinition: minimal } }) as { spec: { taskDefinition: JsonTree } };
  return ordered.spec.taskDefinition;
}

function unlessDefault<T>(value: T | undefined, fallback: T): T | undefined {
  return value === fallback ? undefined : value;
}

function nonEmpty<T>(list: readonly T[] | undefined): T[] | undefined {
  return list === undefined || list.length === 0 ? undefined : [...list];
}

export function scheduledTaskManifestFromLive(live: LiveScheduledTaskState): ExportedScheduledTask | undefined {
  const schedule = live.schedule;
  const target = schedule.Target;
  const cluster = clusterNameOfTarget(target?.Arn);
  const ecs = target?.EcsParameters;
  if (cluster === undefined || ecs === undefined || schedule.Name === undefined) return undefined;

  const window = schedule.FlexibleTimeWindow;
  const retry = target?.RetryPolicy;
  const retryPolicy = plain({
    maximumEventAgeInSeconds: unlessDefault(retry?.MaximumEventAgeInSeconds, SCHEDULED_TASK_DEFAULTS.maximumEventAgeInSeconds),
    maximumRetryAttempts: unlessDefault(retry?.MaximumRetryAttempts, SCHEDULED_TASK_DEFAULTS.maximumRetryAttempts),
  });
  const network = ecs.NetworkConfiguration?.awsvpcConfiguration;
  const overrides = overridesFromInput(target?.Input);
  const tags = ecsTagsToMap(ecs.Tags);
  const spec: Record<string, unknown> = {
    schedule: schedule.ScheduleExpression,
    timezone: unlessDefault(schedule.ScheduleExpressionTimezone || undefined, SCHEDULED_TASK_DEFAULTS.timezone),
    startDate: canonicalScheduleDate(schedule.StartDate),
    endDate: canonicalScheduleDate(schedule.EndDate),
    flexibleTimeWindow: window === undefined || window.Mode === SCHEDULED_TASK_DEFAULTS.flexibleTimeWindowMode
      ? undefined
      : plain({ mode: window.Mode, maximumWindowInMinutes: window.MaximumWindowInMinutes }),
    state: unlessDefault(schedule.State, SCHEDULED_TASK_DEFAULTS.state),
    description: schedule.Description || undefined,
    roleArn: target?.RoleArn,
    taskCount: unlessDefault(ecs.TaskCount, SCHEDULED_TASK_DEFAULTS.taskCount),
    launchType: ecs.LaunchType,
    capacityProviderStrategy: nonEmpty(ecs.CapacityProviderStrategy),
    platformVersion: ecs.PlatformVersion || undefined,
    taskDefinition: taskDefinitionSpec(live.taskDefinition, live.taskDefinitionTags),
    networkConfiguration: network === undefined ? undefined : {
      awsvpcConfiguration: plain({
        subnets: network.Subnets ?? [],
        securityGroups: nonEmpty(network.SecurityGroups),
        assignPublicIp: unlessDefault(network.AssignPublicIp, SCHEDULED_TASK_DEFAULTS.assignPublicIp),
      }),
    },
    // An Input that is no JSON object cannot be written as overrides: it stays out, and the residual diff says so.
    overrides: typeof overrides === 'object' ? overrides : undefined,
    group: unlessDefault(ecs.Group, defaultTaskGroup(schedule.Name)),
    placementConstraints: nonEmpty(ecs.PlacementConstraints),
    placementStrategy: nonEmpty(ecs.PlacementStrategy),
    propagateTags: ecs.PropagateTags,
    enableECSManagedTags: ecs.EnableECSManagedTags === true ? true : undefined,
    enableExecuteCommand: ecs.EnableExecuteCommand === true ? true : undefined,
    referenceId: ecs.ReferenceId || undefined,
    retryPolicy: Object.keys(retryPolicy).length > 0 ? retryPolicy : undefined,
    deadLetterConfig: target?.DeadLetterConfig?.Arn === undefined ? undefined : { arn: target.DeadLetterConfig.Arn },
    kmsKeyArn: schedule.KmsKeyArn || undefined,
    tags: tags !== undefined && Object.keys(tags).length > 0 ? tags : undefined,
  };
  const orderedSpec = Object.fromEntries(SPEC_ORDER.filter((key) => spec[key] !== undefined).map((key) => [key, plain({ v: spec[key] }).v]));
  const manifest: ScheduledTaskManifest = {
    apiVersion: API_VERSION,
    kind: 'ScheduledTask',
    metadata: { name: schedule.Name, cluster, region: live.region },
    spec: orderedSpec as unknown as ScheduledTaskManifest['spec'],
  };
  const diff = diffScheduledTask(manifest, schedule, {
    taskDefinition: live.taskDefinition, tags: live.taskDefinitionTags,
  }, { clusterArn: target?.Arn });
  const groupAbsent = ecs.Group === undefined || ecs.Group === '';
  // The controller's default group is what the adopted schedule will carry: the one difference that is expected.
  const residualChanges = groupAbsent ? diff.filter((c) => c.pointer !== '/group') : diff;
  return { manifest, residualChanges, ...(groupAbsent ? { defaultGroupAdded: true } : {}) };
}
