/**
 * EventBridge Scheduler firing on the simulated clock. ENABLED schedules
 * whose target is an ECS cluster ARN (with EcsParameters) sit in their
 * Region's due queue at their next fire time (nextFireTime, the same
 * Scheduler semantics the controller's status uses), so settling a Region
 * visits only the schedules that are due. Each firing runs RunTask with the
 * target's EcsParameters and its Input as the task overrides, at the fire
 * time; what happened is kept as the schedule's lastResult (admin
 * `GET /_sandbox/schedules`). Other targets, DISABLED schedules and those
 * past their EndDate never fire.
 */
import { SandboxApiError } from './api-error.js';
import { parseArn } from './arn.js';
import { launchOneOffTasks } from './ecs-run-task.js';
import { isObject, type Json, type JsonObject } from './json-input.js';
import type { RolloutDeps } from './rollout.js';
import { nextFireTime } from './schedule.js';
import type { FiringResult, ScheduleRecord, SchedulerRegionState } from './scheduler-state.js';
import { scheduleKey } from './scheduler-state.js';
import type { RegionState } from './state.js';

/** Firings of one schedule in one settle before it skips ahead (a clock jump of a year over rate(1 minute)). */
export const MAX_FIRINGS_PER_SETTLE = 1000;

function dateOf(seconds: Json | undefined): Date | undefined {
  return typeof seconds === 'number' ? new Date(seconds * 1000) : undefined;
}

function isEcsClusterArn(arn: Json | undefined): boolean {
  if (typeof arn !== 'string') return false;
  const parsed = parseArn(arn);
  return parsed?.service === 'ecs' && parsed.resource.startsWith('cluster/');
}

/** When the schedule fires next, strictly after `after`; Infinity when it will not. */
export function nextFiringAfter(record: ScheduleRecord, after: number): number {
  const body = record.body;
  const target = isObject(body.Target) ? body.Target : {};
  if (body.State !== 'ENABLED' || !isEcsClusterArn(target.Arn) || !isObject(target.EcsParameters)) return Infinity;
  const next = nextFireTime(
    String(body.ScheduleExpression),
    typeof body.ScheduleExpressionTimezone === 'string' ? body.ScheduleExpressionTimezone : undefined,
    dateOf(body.StartDate),
    dateOf(body.EndDate),
    new Date(after),
    new Date(record.rateOrigin),
  );
  return next ? next.getTime() : Infinity;
}

/** (Re)queues a schedule after it was created or updated at `now`. */
export function planNextFiring(scheduler: SchedulerRegionState, record: ScheduleRecord, now: number): void {
  record.nextStepAt = nextFiringAfter(record, now);
  scheduler.due.push(record, record.nextStepAt);
}

/**
 * The startedBy of a firing's tasks: `scheduler/<group>/<name>`, in ECS's
 * startedBy characters (a `.` becomes `_`) and at most 128 of them. What
 * EventBridge Scheduler itself sends is not documented; this is the sandbox's choice.
 */
export function firingStartedBy(record: ScheduleRecord): string {
  return `scheduler/${record.groupName}/${record.name}`.replace(/[^a-zA-Z0-9_/-]/g, '_').slice(0, 128);
}

/**
 * One entry of EcsParameters.Tags as RunTask tags: a `{key, value}` map is
 * one tag (RunTask's own shape, the one the controller and the AWS CDK
 * write); any other map is a tag per entry (`{team: data}`).
 */
function runTaskTagsOf(map: JsonObject): JsonObject[] {
  const keys = Object.keys(map);
  if (keys.length === 2 && typeof map.key === 'string' && typeof map.value === 'string') return [{ key: map.key, value: map.value }];
  return Object.entries(map).map(([key, value]) => ({ key, value }));
}

const lowerFirst = (key: string): string => key.charAt(0).toLowerCase() + key.slice(1);

/** The RunTask request a firing sends: EcsParameters in ECS's spelling, Input as overrides. */
export function runTaskInputOf(state: RegionState, record: ScheduleRecord): JsonObject {
  const target = record.body.Target as JsonObject;
  const ecs = target.EcsParameters as JsonObject;
  const clusterArn = String(target.Arn);
  const parsed = parseArn(clusterArn);
  if (parsed && (parsed.account !== state.account || parsed.region !== state.region)) {
    throw new SandboxApiError('ClusterNotFoundException', `Cluster not found: ${clusterArn} is in another account or Region (the sandbox runs a schedule's tasks in its own).`);
  }
  const input: JsonObject = { cluster: clusterArn, taskDefinition: ecs.TaskDefinitionArn as Json, count: ecs.TaskCount ?? 1, startedBy: firingStartedBy(record) };
  for (const key of ['LaunchType', 'CapacityProviderStrategy', 'PlatformVersion', 'Group', 'EnableExecuteCommand', 'EnableECSManagedTags', 'PropagateTags', 'ReferenceId', 'PlacementConstraints', 'PlacementStrategy']) {
    if (ecs[key] !== undefined && ecs[key] !== null) input[lowerFirst(key)] = ecs[key];
  }
  const network = isObject(ecs.NetworkConfiguration) ? ecs.NetworkConfiguration.awsvpcConfiguration : undefined;
  if (isObject(network)) {
    input.networkConfiguration = {
      awsvpcConfiguration: {
        subnets: network.Subnets ?? [],
        ...(network.SecurityGroups !== undefined ? { securityGroups: network.SecurityGroups } : {}),
        ...(network.AssignPublicIp !== undefined ? { assignPublicIp: network.AssignPublicIp } : {}),
      },
    };
  }
  if (Array.isArray(ecs.Tags)) input.tags = ecs.Tags.filter(isObject).flatMap(runTaskTagsOf);
  if (typeof target.Input === 'string') {
    let overrides: Json;
    try {
      overrides = JSON.parse(target.Input) as Json;
    } catch {
      throw new SandboxApiError('InvalidParameterException', 'Target.Input is not JSON: for an ECS target it is the task overrides.');
    }
    if (!isObject(overrides)) throw new SandboxApiError('InvalidParameterException', 'Target.Input must be a JSON object of task overrides for an ECS target.');
    input.overrides = overrides;
  }
  return input;
}

function fire(state: RegionState, record: ScheduleRecord, at: number, deps: RolloutDeps): FiringResult {
  try {
    const tasks = launchOneOffTasks(state, at, deps, runTaskInputOf(state, record));
    return { at, ok: true, taskArns: tasks.map((t) => t.arn) };
  } catch (err) {
    const error = err instanceof SandboxApiError ? `${err.type}: ${err.message}` : err instanceof Error ? err.message : String(err);
    return { at, ok: false, error };
  }
}

/** Fires every due schedule of the Region up to `now`, each at its own fire times. */
export function settleSchedules(state: RegionState, now: number, deps: RolloutDeps): void {
  const scheduler = state.scheduler;
  for (let record = scheduler.due.popDue(now); record; record = scheduler.due.popDue(now)) {
    let firings = 0;
    while (record.nextStepAt <= now) {
      if (++firings > MAX_FIRINGS_PER_SETTLE) {
        record.nextStepAt = nextFiringAfter(record, now);
        break;
      }
      const at = record.nextStepAt;
      record.lastResult = fire(state, record, at, deps);
      record.lastFiredAt = at;
      record.firings++;
      record.nextStepAt = nextFiringAfter(record, at);
      if (record.nextStepAt === Infinity && record.body.ActionAfterCompletion === 'DELETE') {
        // A schedule with ActionAfterCompletion DELETE goes once it has no invocation left.
        scheduler.schedules.delete(scheduleKey(record.groupName, record.name));
      }
    }
    scheduler.due.push(record, record.nextStepAt);
  }
}

/** A schedule as the admin API lists it. */
export function scheduleStatus(record: ScheduleRecord): JsonObject {
  const out: JsonObject = {
    arn: record.arn,
    name: record.name,
    groupName: record.groupName,
    state: record.body.State as Json,
    scheduleExpression: record.body.ScheduleExpression as Json,
    targetArn: (record.body.Target as JsonObject).Arn as Json,
    firings: record.firings,
    nextFireAt: Number.isFinite(record.nextStepAt) ? record.nextStepAt : null,
    lastFiredAt: record.lastFiredAt ?? null,
    lastResult: record.lastResult ? (record.lastResult as unknown as JsonObject) : null,
  };
  return out;
}
