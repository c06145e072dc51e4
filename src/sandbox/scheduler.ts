/**
 * EventBridge Scheduler (2021-06-30, rest-json): schedule groups, schedules
 * and group tags, with Scheduler's checks, error names and the defaults
 * GetSchedule shows. The REST routing is in scheduler-rest.ts; firing on the
 * simulated clock in scheduler-firing.ts.
 */
import { SandboxApiError } from './api-error.js';
import { parseArn } from './arn.js';
import { epochSeconds, isObject, optArray, optNumber, optObject, optString, optStringArray, type Json, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import { scheduleKey, type ScheduleGroupRecord, type ScheduleRecord, type SchedulerRegionState } from './scheduler-state.js';
import { scheduleProblem, isTimeZone } from '../manifests/schedule-expression.js';
import type { RegionState } from './state.js';
import { planNextFiring } from './scheduler-firing.js';

export const DEFAULT_GROUP = 'default';
/** What Scheduler fills in when a target has no RetryPolicy (docs/sandbox.md, "EventBridge Scheduler"). */
export const DEFAULT_RETRY_POLICY = { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } as const;
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const CLIENT_TOKEN = /^[a-zA-Z0-9-_]{1,64}$/;
const PAGE = { min: 1, max: 100, default: 100 } as const;
const MAX_GROUP_TAGS = 200;

export const validation = (message: string): SandboxApiError => new SandboxApiError('ValidationException', message);
const notFound = (message: string): SandboxApiError => new SandboxApiError('ResourceNotFoundException', message, 404);
const conflict = (message: string): SandboxApiError => new SandboxApiError('ConflictException', message, 409);

export const scheduleArn = (state: RegionState, group: string, name: string): string =>
  `arn:aws:scheduler:${state.region}:${state.account}:schedule/${group}/${name}`;
export const scheduleGroupArn = (state: RegionState, group: string): string =>
  `arn:aws:scheduler:${state.region}:${state.account}:schedule-group/${group}`;

/** The Region's scheduler state, with the `default` group every account has. */
export function schedulerOf(state: RegionState, now: number): SchedulerRegionState {
  const scheduler = state.scheduler;
  if (!scheduler.groups.has(DEFAULT_GROUP)) {
    scheduler.groups.set(DEFAULT_GROUP, { name: DEFAULT_GROUP, arn: scheduleGroupArn(state, DEFAULT_GROUP), creationDate: now, lastModificationDate: now });
  }
  return scheduler;
}

function checkName(value: string | undefined, member: string): string {
  if (value === undefined || value === '') throw validation(`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  if (!NAME.test(value)) {
    throw validation(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$ and have length between 1 and 64`);
  }
  return value;
}

function groupNameOf(input: JsonObject): string {
  const group = optString(input, 'GroupName');
  return group === undefined ? DEFAULT_GROUP : checkName(group, 'groupName');
}

function requireGroup(scheduler: SchedulerRegionState, name: string): ScheduleGroupRecord {
  const group = scheduler.groups.get(name);
  if (!group) throw notFound(`Schedule group ${name} does not exist.`);
  return group;
}

function checkClientToken(input: JsonObject): void {
  const token = optString(input, 'ClientToken');
  if (token !== undefined && !CLIENT_TOKEN.test(token)) throw validation(`Value '${token}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$`);
}

function intIn(obj: JsonObject, key: string, min: number, max: number, path: string): number | undefined {
  const v = optNumber(obj, key);
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
    throw validation(`1 validation error detected: Value '${v}' at '${path}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
  }
  return v;
}

function enumIn(obj: JsonObject, key: string, values: readonly string[], path: string): string | undefined {
  const v = optString(obj, key);
  if (v !== undefined && !values.includes(v)) {
    throw validation(`1 validation error detected: Value '${v}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`);
  }
  return v;
}

/** EcsParameters as given, checked, with TaskCount 1 filled in. */
function ecsParameters(raw: JsonObject): JsonObject {
  const out: JsonObject = { ...raw };
  const td = optString(raw, 'TaskDefinitionArn');
  if (!td) throw validation("1 validation error detected: Value null at 'target.ecsParameters.taskDefinitionArn' failed to satisfy constraint: Member must not be null");
  out.TaskCount = intIn(raw, 'TaskCount', 1, 10, 'target.ecsParameters.taskCount') ?? 1;
  enumIn(raw, 'LaunchType', ['EC2', 'FARGATE', 'EXTERNAL'], 'target.ecsParameters.launchType');
  enumIn(raw, 'PropagateTags', ['TASK_DEFINITION'], 'target.ecsParameters.propagateTags');
  const group = optString(raw, 'Group');
  if (group !== undefined && (group.length < 1 || group.length > 255)) throw validation("Value at 'target.ecsParameters.group' failed to satisfy constraint: Member must have length between 1 and 255");
  const launchType = optString(raw, 'LaunchType');
  const strategy = optArray(raw, 'CapacityProviderStrategy');
  if (launchType && strategy && strategy.length > 0) throw validation('LaunchType and CapacityProviderStrategy cannot both be specified.');
  const tags = optArray(raw, 'Tags');
  if (tags) {
    if (tags.length > 50) throw validation("Value at 'target.ecsParameters.tags' failed to satisfy constraint: Member must have length less than or equal to 50");
    for (const map of tags) {
      if (!isObject(map)) throw validation('Each entry of EcsParameters.Tags is a map of tag keys to values.');
      for (const [k, v] of Object.entries(map)) {
        if (k.length < 1 || k.length > 128 || typeof v !== 'string' || v.length < 1 || v.length > 256) throw validation(`Invalid tag ${k}: keys are 1-128 characters, values 1-256.`);
      }
    }
  }
  const network = optObject(raw, 'NetworkConfiguration');
  const vpc = network ? optObject(network, 'awsvpcConfiguration') : undefined;
  if (vpc) {
    const subnets = optStringArray(vpc, 'Subnets');
    if (!subnets) throw validation("1 validation error detected: Value null at 'target.ecsParameters.networkConfiguration.awsvpcConfiguration.subnets' failed to satisfy constraint: Member must not be null");
    if (subnets.length < 1 || subnets.length > 16) throw validation('Subnets must have between 1 and 16 items.');
    enumIn(vpc, 'AssignPublicIp', ['ENABLED', 'DISABLED'], 'target.ecsParameters.networkConfiguration.awsvpcConfiguration.assignPublicIp');
  }
  return out;
}

function target(raw: JsonObject | undefined): JsonObject {
  if (!raw) throw validation("1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must not be null");
  const arn = optString(raw, 'Arn');
  if (!arn) throw validation("1 validation error detected: Value null at 'target.arn' failed to satisfy constraint: Member must not be null");
  if (!parseArn(arn)) throw validation(`Provided Arn is not in correct format: ${arn}`);
  const role = optString(raw, 'RoleArn');
  if (!role) throw validation("1 validation error detected: Value null at 'target.roleArn' failed to satisfy constraint: Member must not be null");
  if (!ROLE_ARN.test(role)) throw validation(`1 validation error detected: Value '${role}' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$`);
  const input = optString(raw, 'Input');
  if (input !== undefined && input.length === 0) throw validation("Value at 'target.input' failed to satisfy constraint: Member must have length greater than or equal to 1");
  const out: JsonObject = { ...raw };
  const retry = optObject(raw, 'RetryPolicy') ?? {};
  out.RetryPolicy = {
    MaximumEventAgeInSeconds: intIn(retry, 'MaximumEventAgeInSeconds', 60, 86400, 'target.retryPolicy.maximumEventAgeInSeconds') ?? DEFAULT_RETRY_POLICY.MaximumEventAgeInSeconds,
    MaximumRetryAttempts: intIn(retry, 'MaximumRetryAttempts', 0, 185, 'target.retryPolicy.maximumRetryAttempts') ?? DEFAULT_RETRY_POLICY.MaximumRetryAttempts,
  };
  const ecs = optObject(raw, 'EcsParameters');
  if (ecs) out.EcsParameters = ecsParameters(ecs);
  return out;
}

/** The schedule body GetSchedule returns (minus Arn, Name, GroupName and the dates), from a Create/Update request. */
/** How far in the past Scheduler still accepts a StartDate (docs/sandbox.md, "EventBridge Scheduler"). */
export const START_DATE_TOLERANCE_MS = 5 * 60_000;

function scheduleBody(input: JsonObject, now: number): JsonObject {
  checkClientToken(input);
  const expression = optString(input, 'ScheduleExpression');
  if (!expression) throw validation("1 validation error detected: Value null at 'scheduleExpression' failed to satisfy constraint: Member must not be null");
  if (expression.length > 256 || scheduleProblem(expression) !== undefined) throw validation(`Invalid Schedule Expression ${expression}.`);
  const zone = optString(input, 'ScheduleExpressionTimezone') ?? 'UTC';
  if (!isTimeZone(zone)) throw validation(`Invalid timezone: ${zone}.`);
  const window = optObject(input, 'FlexibleTimeWindow');
  if (!window) throw validation("1 validation error detected: Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null");
  const mode = enumIn(window, 'Mode', ['OFF', 'FLEXIBLE'], 'flexibleTimeWindow.mode');
  if (!mode) throw validation("1 validation error detected: Value null at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must not be null");
  const maxWindow = intIn(window, 'MaximumWindowInMinutes', 1, 1440, 'flexibleTimeWindow.maximumWindowInMinutes');
  if (mode === 'FLEXIBLE' && maxWindow === undefined) throw validation('MaximumWindowInMinutes must be provided when the FlexibleTimeWindow mode is FLEXIBLE.');
  if (mode === 'OFF' && maxWindow !== undefined) throw validation('MaximumWindowInMinutes must not be provided when the FlexibleTimeWindow mode is OFF.');
  const state = enumIn(input, 'State', ['ENABLED', 'DISABLED'], 'state') ?? 'ENABLED';
  const after = enumIn(input, 'ActionAfterCompletion', ['NONE', 'DELETE'], 'actionAfterCompletion') ?? 'NONE';
  const description = optString(input, 'Description');
  if (description !== undefined && description.length > 512) throw validation("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512");
  const start = optNumber(input, 'StartDate');
  const end = optNumber(input, 'EndDate');
  if (start !== undefined && start * 1000 < now - START_DATE_TOLERANCE_MS) throw validation('The StartDate you specify cannot be earlier than 5 minutes ago.');
  if (start !== undefined && end !== undefined && end <= start) throw validation('The EndDate you specify must be after the StartDate.');
  const body: JsonObject = {
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: zone,
    FlexibleTimeWindow: { Mode: mode, ...(maxWindow !== undefined ? { MaximumWindowInMinutes: maxWindow } : {}) },
    State: state,
    ActionAfterCompletion: after,
    Target: target(optObject(input, 'Target')),
  };
  if (description !== undefined) body.Description = description;
  if (start !== undefined) body.StartDate = start;
  if (end !== undefined) body.EndDate = end;
  const kms = optString(input, 'KmsKeyArn');
  if (kms !== undefined) body.KmsKeyArn = kms;
  return body;
}

function scheduleView(s: ScheduleRecord): JsonObject {
  return {
    Arn: s.arn, Name: s.name, GroupName: s.groupName, ...s.body,
    CreationDate: epochSeconds(s.creationDate), LastModificationDate: epochSeconds(s.lastModificationDate),
  };
}

function requireSchedule(scheduler: SchedulerRegionState, group: string, name: string): ScheduleRecord {
  const s = scheduler.schedules.get(scheduleKey(group, name));
  if (!s) throw notFound(`Schedule ${name} does not exist.`);
  return s;
}

/** What every schedule operation starts with: the Region's state settled to now, and the schedule's name and group from the request. */
function scheduleRequest(ctx: OpContext, input: JsonObject): { scheduler: SchedulerRegionState; name: string; group: string } {
  ctx.settle(ctx.state);
  return { scheduler: schedulerOf(ctx.state, ctx.now), name: checkName(optString(input, 'Name'), 'name'), group: groupNameOf(input) };
}

export function createSchedule(ctx: OpContext, input: JsonObject): JsonObject {
  const { scheduler, name, group } = scheduleRequest(ctx, input);
  const body = scheduleBody(input, ctx.now);
  requireGroup(scheduler, group);
  const key = scheduleKey(group, name);
  if (scheduler.schedules.has(key)) throw conflict(`Schedule ${name} already exists.`);
  const record: ScheduleRecord = {
    name, groupName: group, arn: scheduleArn(ctx.state, group, name), body,
    creationDate: ctx.now, lastModificationDate: ctx.now,
    nextStepAt: Infinity, rateOrigin: ctx.now, firings: 0,
  };
  scheduler.schedules.set(key, record);
  planNextFiring(scheduler, record, ctx.now);
  return { ScheduleArn: record.arn };
}

export function updateSchedule(ctx: OpContext, input: JsonObject): JsonObject {
  const { scheduler, name, group } = scheduleRequest(ctx, input);
  const body = scheduleBody(input, ctx.now);
  requireGroup(scheduler, group);
  const record = requireSchedule(scheduler, group, name);
  // UpdateSchedule replaces the whole schedule: fields left out return to their defaults.
  record.body = body;
  record.lastModificationDate = ctx.now;
  record.rateOrigin = ctx.now;
  planNextFiring(scheduler, record, ctx.now);
  return { ScheduleArn: record.arn };
}

export function getSchedule(ctx: OpContext, input: JsonObject): JsonObject {
  const { scheduler, name, group } = scheduleRequest(ctx, input);
  return scheduleView(requireSchedule(scheduler, group, name));
}

export function deleteSchedule(ctx: OpContext, input: JsonObject): JsonObject {
  const { scheduler, name, group } = scheduleRequest(ctx, input);
  checkClientToken(input);
  const record = requireSchedule(scheduler, group, name);
  removeSchedule(scheduler, record);
  return {};
}

export function removeSchedule(scheduler: SchedulerRegionState, record: ScheduleRecord): void {
  scheduler.schedules.delete(scheduleKey(record.groupName, record.name));
  record.nextStepAt = Infinity;
}

function pageOf<T>(operation: string, items: readonly T[], input: JsonObject): { items: T[]; nextToken?: string } {
  const max = optNumber(input, 'MaxResults');
  if (max !== undefined && (!Number.isInteger(max) || max < PAGE.min || max > PAGE.max)) {
    throw validation(`1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`);
  }
  try {
    return paginate(operation, items, max, optString(input, 'NextToken'), PAGE);
  } catch {
    throw validation('Invalid NextToken.');
  }
}

export function listSchedules(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const scheduler = schedulerOf(ctx.state, ctx.now);
  const groupFilter = optString(input, 'GroupName');
  if (groupFilter !== undefined) requireGroup(scheduler, checkName(groupFilter, 'groupName'));
  const prefix = optString(input, 'NamePrefix');
  if (prefix !== undefined) checkName(prefix, 'namePrefix');
  const state = enumIn(input, 'State', ['ENABLED', 'DISABLED'], 'state');
  const matching = [...scheduler.schedules.values()].filter((s) =>
    (groupFilter === undefined || s.groupName === groupFilter)
    && (prefix === undefined || s.name.startsWith(prefix))
    && (state === undefined || s.body.State === state));
  const page = pageOf('ListSchedules', matching, input);
  const Schedules = page.items.map((s) => ({
    Arn: s.arn, Name: s.name, GroupName: s.groupName, State: s.body.State as Json,
    CreationDate: epochSeconds(s.creationDate), LastModificationDate: epochSeconds(s.lastModificationDate),
    Target: { Arn: (s.body.Target as JsonObject).Arn as Json },
  }));
  return page.nextToken ? { Schedules, NextToken: page.nextToken } : { Schedules };
}

function groupView(g: ScheduleGroupRecord): JsonObject {
  return { Arn: g.arn, Name: g.name, State: 'ACTIVE', CreationDate: epochSeconds(g.creationDate), LastModificationDate: epochSeconds(g.lastModificationDate) };
}

function parseGroupTags(raw: Json | undefined): Map<string, string> {
  const tags = new Map<string, string>();
  if (raw === undefined || raw === null) return tags;
  if (!Array.isArray(raw)) throw validation('Tags must be a list.');
  if (raw.length > MAX_GROUP_TAGS) throw validation(`Tags can have at most ${MAX_GROUP_TAGS} items.`);
  for (const t of raw) {
    if (!isObject(t) || typeof t.Key !== 'string' || typeof t.Value !== 'string') throw validation('Each tag needs a Key and a Value.');
    if (t.Key.length < 1 || t.Key.length > 128) throw validation(`Tag key '${t.Key}' must be 1 to 128 characters.`);
    if (t.Value.length < 1 || t.Value.length > 256) throw validation(`Tag value for key '${t.Key}' must be 1 to 256 characters.`);
    if (t.Key.toLowerCase().startsWith('aws:')) throw validation("Tag keys beginning with 'aws:' are reserved.");
    tags.set(t.Key, t.Value);
  }
  return tags;
}

export function createScheduleGroup(ctx: OpContext, input: JsonObject): JsonObject {
  const scheduler = schedulerOf(ctx.state, ctx.now);
  const name = checkName(optString(input, 'Name'), 'name');
  checkClientToken(input);
  const tags = parseGroupTags(input.Tags);
  if (scheduler.groups.has(name)) throw conflict(`Schedule group ${name} already exists.`);
  const group: ScheduleGroupRecord = { name, arn: scheduleGroupArn(ctx.state, name), creationDate: ctx.now, lastModificationDate: ctx.now };
  scheduler.groups.set(name, group);
  if (tags.size > 0) scheduler.tags.set(group.arn, tags);
  return { ScheduleGroupArn: group.arn };
}

export function getScheduleGroup(ctx: OpContext, input: JsonObject): JsonObject {
  const scheduler = schedulerOf(ctx.state, ctx.now);
  return groupView(requireGroup(scheduler, checkName(optString(input, 'Name'), 'name')));
}

export function deleteScheduleGroup(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const scheduler = schedulerOf(ctx.state, ctx.now);
  const name = checkName(optString(input, 'Name'), 'name');
  checkClientToken(input);
  if (name === DEFAULT_GROUP) throw validation('The default schedule group cannot be deleted.');
  const group = requireGroup(scheduler, name);
  // Scheduler deletes the group's schedules with it (the group is DELETING meanwhile; here it is at once).
  for (const s of [...scheduler.schedules.values()]) if (s.groupName === name) removeSchedule(scheduler, s);
  scheduler.groups.delete(name);
  scheduler.tags.delete(group.arn);
  return {};
}

export function listScheduleGroups(ctx: OpContext, input: JsonObject): JsonObject {
  const scheduler = schedulerOf(ctx.state, ctx.now);
  const prefix = optString(input, 'NamePrefix');
  if (prefix !== undefined) checkName(prefix, 'namePrefix');
  const groups = [...scheduler.groups.values()].filter((g) => prefix === undefined || g.name.startsWith(prefix));
  const page = pageOf('ListScheduleGroups', groups, input);
  const ScheduleGroups = page.items.map(groupView);
  return page.nextToken ? { ScheduleGroups, NextToken: page.nextToken } : { ScheduleGroups };
}

/** Tags live on schedule groups only (Scheduler's TagResourceArn is a schedule-group ARN). */
function taggedGroup(ctx: OpContext, input: JsonObject): ScheduleGroupRecord {
  const scheduler = schedulerOf(ctx.state, ctx.now);
  const arn = optString(input, 'ResourceArn');
  if (!arn) throw validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null");
  const match = /^arn:aws(-[a-z]+)?:scheduler:([a-z0-9-]+):(\d{12}):schedule-group\/([0-9a-zA-Z-_.]+)$/.exec(arn);
  if (!match) {
    throw validation(`1 validation error detected: Value '${arn}' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\\-]+:\\d{12}:schedule-group\\/[0-9a-zA-Z-_.]+$`);
  }
  const group = match[2] === ctx.state.region && match[3] === ctx.state.account ? scheduler.groups.get(match[4] as string) : undefined;
  if (!group) throw notFound(`Schedule group ${match[4] as string} does not exist.`);
  return group;
}

export function tagResource(ctx: OpContext, input: JsonObject): JsonObject {
  const group = taggedGroup(ctx, input);
  const tags = parseGroupTags(input.Tags);
  const scheduler = ctx.state.scheduler;
  const existing = scheduler.tags.get(group.arn) ?? new Map<string, string>();
  for (const [k, v] of tags) existing.set(k, v);
  if (existing.size > MAX_GROUP_TAGS) throw validation(`A resource can have at most ${MAX_GROUP_TAGS} tags.`);
  scheduler.tags.set(group.arn, existing);
  return {};
}

export function untagResource(ctx: OpContext, input: JsonObject): JsonObject {
  const group = taggedGroup(ctx, input);
  const keys = optStringArray(input, 'TagKeys');
  if (!keys) throw validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
  const existing = ctx.state.scheduler.tags.get(group.arn);
  for (const key of keys) existing?.delete(key);
  return {};
}

export function listTagsForResource(ctx: OpContext, input: JsonObject): JsonObject {
  const group = taggedGroup(ctx, input);
  return { Tags: [...(ctx.state.scheduler.tags.get(group.arn) ?? [])].map(([Key, Value]) => ({ Key, Value })) };
}
