/**
 * One canonical form for a `kind: ScheduledTask`, whether it comes from the
 * manifest (camelCase, defaults left out, dates as ISO strings, overrides as
 * an object, tags as a map) or from GetSchedule (PascalCase, the defaults
 * EventBridge Scheduler fills in, dates as Date objects, overrides as the
 * target's Input JSON string, EcsParameters.Tags as a list of one-entry maps).
 * Both sides fill in the same defaults (SCHEDULED_TASK_DEFAULTS: State,
 * FlexibleTimeWindow, time zone, RetryPolicy, TaskCount,
 * ActionAfterCompletion, the task group), so a manifest that leaves a default
 * out matches a schedule that reports it, and the reverse. Keys are the
 * spec's own, so a difference's path is its pointer into `spec`. The task
 * definition is not part of this form: it is compared through its revision
 * (diff-scheduled-task.ts). Pure.
 */
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import type { ScheduledTaskSpec } from '../manifests/types.js';
import { isObject, setOwn, toCanonicalJson, toCanonicalObject } from './json.js';
import { canonicalInstant, canonicalSchedule } from './scaling-normalize.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * What EventBridge Scheduler stores for a field CreateSchedule left out
 * (its API reference), and the task group the controller writes when the
 * manifest names none (docs/scheduled-tasks.md: how a schedule's last runs are found).
 */
export const SCHEDULED_TASK_DEFAULTS = Object.freeze({
  state: 'ENABLED',
  timezone: 'UTC',
  flexibleTimeWindowMode: 'OFF',
  maximumEventAgeInSeconds: 86_400,
  maximumRetryAttempts: 185,
  taskCount: 1,
  actionAfterCompletion: 'NONE',
  assignPublicIp: 'DISABLED',
});

/** The task group of a scheduled task whose manifest names none: how its runs are found again (ListTasks + DescribeTasks). */
export function defaultTaskGroup(name: string): string {
  return `scheduled-task:${name}`;
}

/**
 * The canonical form: keys as in ScheduledTaskSpec (minus taskDefinition and
 * sync), defaults filled in, dates as ISO 8601 UTC strings to the second,
 * subnet and security group lists sorted, `overrides` parsed, `tags` a map.
 * `actionAfterCompletion` (not a manifest field: always NONE for a manifest)
 * appears so a schedule someone set to DELETE is seen.
 */
export type CanonicalScheduledTask = JsonObject;

export interface ScheduledTaskNormalizeContext {
  /** metadata.name: the schedule's name, which the default task group derives from. */
  readonly name: string;
}

type Mutable = Record<string, JsonValue>;

/**
 * A manifest's ISO 8601 date-time as an instant, read as canonicalInstant
 * reads scaling dates: one without an offset is UTC, never the local zone of
 * whoever runs the controller.
 */
export function parseScheduleDate(value: string): Date | undefined {
  const ms = Date.parse(canonicalInstant(value) ?? '');
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * An ISO 8601 date-time (manifest) or a Date (SDK) as `YYYY-MM-DDTHH:MM:SSZ`.
 * Scheduler keeps dates to the second; a string that is no date stays as
 * written (validate refuses it; here it simply differs).
 */
export function canonicalScheduleDate(value: string | Date | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : parseScheduleDate(value);
  const ms = date?.getTime();
  if (ms === undefined || !Number.isFinite(ms)) return typeof value === 'string' ? value : undefined;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function sortedStrings(values: readonly string[] | undefined): string[] | undefined {
  return values === undefined ? undefined : [...new Set(values)].sort();
}

function flexibleTimeWindow(mode: string | undefined, maximumWindowInMinutes: number | undefined): Mutable {
  const resolved = mode ?? SCHEDULED_TASK_DEFAULTS.flexibleTimeWindowMode;
  // Scheduler refuses a window size with mode OFF; only FLEXIBLE has one.
  return resolved === 'OFF' || maximumWindowInMinutes === undefined
    ? { mode: resolved }
    : { mode: resolved, maximumWindowInMinutes };
}

function retryPolicy(maximumEventAgeInSeconds: number | undefined, maximumRetryAttempts: number | undefined): Mutable {
  return {
    maximumEventAgeInSeconds: maximumEventAgeInSeconds ?? SCHEDULED_TASK_DEFAULTS.maximumEventAgeInSeconds,
    maximumRetryAttempts: maximumRetryAttempts ?? SCHEDULED_TASK_DEFAULTS.maximumRetryAttempts,
  };
}

function awsvpcConfiguration(subnets: readonly string[] | undefined, securityGroups: readonly string[] | undefined, assignPublicIp: string | undefined): Mutable {
  const out: Record<string, unknown> = {
    subnets: sortedStrings(subnets),
    securityGroups: sortedStrings(securityGroups),
    assignPublicIp: assignPublicIp ?? SCHEDULED_TASK_DEFAULTS.assignPublicIp,
  };
  return toCanonicalObject(out);
}

/** ECS's defaults for a strategy item: base 0, weight 0 (RunTask's API reference). */
function capacityProviderStrategy(items: readonly { capacityProvider?: string; weight?: number; base?: number }[] | undefined): JsonValue[] | undefined {
  return items?.map((item) => toCanonicalObject({ capacityProvider: item.capacityProvider, weight: item.weight ?? 0, base: item.base ?? 0 }));
}

/**
 * EcsParameters.Tags is a list of maps. The controller writes one
 * `{key: K, value: V}` map per tag, RunTask's own tag shape, which is the form
 * Scheduler hands on to RunTask (and the one the AWS CDK's Scheduler target
 * sends). A one-entry `{K: V}` map, which the model's TagMap also allows, is
 * read as the tag it describes, so either spelling compares equal.
 */
export function ecsTagsToMap(tags: readonly Readonly<Record<string, string>>[] | undefined): Record<string, string> | undefined {
  if (tags === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const entry of tags) {
    if (!isObject(entry)) continue;
    const keys = Object.keys(entry);
    if (keys.length === 2 && keys.includes('key') && keys.includes('value') && typeof entry.key === 'string') {
      setOwn(out, entry.key, String(entry.value ?? ''));
      continue;
    }
    for (const key of keys) setOwn(out, key, String(entry[key] ?? ''));
  }
  return out;
}

/** The manifest's tag map in EcsParameters.Tags' shape: one `{key, value}` map per tag, sorted by key. */
export function ecsTagsFromMap(tags: Readonly<Record<string, string>> | undefined): Record<string, string>[] | undefined {
  if (tags === undefined) return undefined;
  return Object.keys(tags).sort().map((key) => ({ key, value: tags[key] as string }));
}

/**
 * The target's Input as RunTask overrides. Scheduler passes Input on as
 * written; an Input that is no JSON object stays a string, which differs from
 * any manifest's overrides (and is reported, never silently dropped).
 */
export function overridesFromInput(input: string | undefined): JsonValue | undefined {
  if (input === undefined || input === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    return isObject(parsed) ? toCanonicalJson(parsed) : input;
  } catch {
    return input;
  }
}

function finish(out: Record<string, unknown>): CanonicalScheduledTask {
  // Empty lists, empty maps, false switches and empty strings are what Scheduler reports for "not set".
  for (const key of ['enableECSManagedTags', 'enableExecuteCommand'] as const) if (out[key] === false) delete out[key];
  for (const key of ['description', 'kmsKeyArn', 'platformVersion', 'propagateTags', 'referenceId'] as const) if (out[key] === '') delete out[key];
  return toCanonicalObject(out);
}

export function normalizeDesiredScheduledTask(spec: ScheduledTaskSpec, context: ScheduledTaskNormalizeContext): CanonicalScheduledTask {
  const network = spec.networkConfiguration?.awsvpcConfiguration;
  return finish({
    schedule: canonicalSchedule(spec.schedule),
    timezone: spec.timezone ?? SCHEDULED_TASK_DEFAULTS.timezone,
    flexibleTimeWindow: flexibleTimeWindow(spec.flexibleTimeWindow?.mode, spec.flexibleTimeWindow?.maximumWindowInMinutes),
    startDate: canonicalScheduleDate(spec.startDate),
    endDate: canonicalScheduleDate(spec.endDate),
    state: spec.state ?? SCHEDULED_TASK_DEFAULTS.state,
    description: spec.description,
    kmsKeyArn: spec.kmsKeyArn,
    roleArn: spec.roleArn,
    retryPolicy: retryPolicy(spec.retryPolicy?.maximumEventAgeInSeconds, spec.retryPolicy?.maximumRetryAttempts),
    deadLetterConfig: spec.deadLetterConfig?.arn === undefined ? undefined : { arn: spec.deadLetterConfig.arn },
    launchType: spec.launchType,
    capacityProviderStrategy: capacityProviderStrategy(spec.capacityProviderStrategy),
    platformVersion: spec.platformVersion,
    networkConfiguration: network === undefined
      ? undefined
      : { awsvpcConfiguration: awsvpcConfiguration(network.subnets, network.securityGroups, network.assignPublicIp) },
    taskCount: spec.taskCount ?? SCHEDULED_TASK_DEFAULTS.taskCount,
    propagateTags: spec.propagateTags,
    enableECSManagedTags: spec.enableECSManagedTags,
    enableExecuteCommand: spec.enableExecuteCommand,
    group: spec.group ?? defaultTaskGroup(context.name),
    placementConstraints: spec.placementConstraints,
    placementStrategy: spec.placementStrategy,
    referenceId: spec.referenceId,
    overrides: spec.overrides === undefined ? undefined : toCanonicalJson(spec.overrides),
    tags: spec.tags === undefined ? undefined : { ...spec.tags },
    actionAfterCompletion: SCHEDULED_TASK_DEFAULTS.actionAfterCompletion,
  });
}

/**
 * The live side. The task group is not defaulted here: a schedule without one
 * was not written by the controller (or was edited), and the difference
 * makes the controller write its group back.
 */
export function normalizeLiveScheduledTask(live: GetScheduleOutput): CanonicalScheduledTask {
  const target = live.Target;
  const ecs = target?.EcsParameters;
  const network = ecs?.NetworkConfiguration?.awsvpcConfiguration;
  return finish({
    schedule: canonicalSchedule(live.ScheduleExpression),
    timezone: live.ScheduleExpressionTimezone || SCHEDULED_TASK_DEFAULTS.timezone,
    flexibleTimeWindow: flexibleTimeWindow(live.FlexibleTimeWindow?.Mode, live.FlexibleTimeWindow?.MaximumWindowInMinutes),
    startDate: canonicalScheduleDate(live.StartDate),
    endDate: canonicalScheduleDate(live.EndDate),
    state: live.State ?? SCHEDULED_TASK_DEFAULTS.state,
    description: live.Description,
    kmsKeyArn: live.KmsKeyArn,
    roleArn: target?.RoleArn,
    retryPolicy: retryPolicy(target?.RetryPolicy?.MaximumEventAgeInSeconds, target?.RetryPolicy?.MaximumRetryAttempts),
    deadLetterConfig: target?.DeadLetterConfig?.Arn === undefined ? undefined : { arn: target.DeadLetterConfig.Arn },
    launchType: ecs?.LaunchType,
    capacityProviderStrategy: capacityProviderStrategy(ecs?.CapacityProviderStrategy),
    platformVersion: ecs?.PlatformVersion,
    networkConfiguration: network === undefined
      ? undefined
      : { awsvpcConfiguration: awsvpcConfiguration(network.Subnets, network.SecurityGroups, network.AssignPublicIp) },
    taskCount: ecs?.TaskCount ?? SCHEDULED_TASK_DEFAULTS.taskCount,
    propagateTags: ecs?.PropagateTags,
    enableECSManagedTags: ecs?.EnableECSManagedTags,
    enableExecuteCommand: ecs?.EnableExecuteCommand,
    group: ecs?.Group,
    placementConstraints: ecs?.PlacementConstraints,
    placementStrategy: ecs?.PlacementStrategy,
    referenceId: ecs?.ReferenceId,
    overrides: overridesFromInput(target?.Input),
    tags: ecsTagsToMap(ecs?.Tags),
    actionAfterCompletion: live.ActionAfterCompletion ?? SCHEDULED_TASK_DEFAULTS.actionAfterCompletion,
  });
}
