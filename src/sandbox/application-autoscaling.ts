/**
 * Application Auto Scaling for ECS services (namespace `ecs`, dimension
 * `ecs:service:DesiredCount`): scalable targets, scaling policies, scheduled
 * actions, scaling activities and target tags, with the API's error names,
 * limits (50 policies and 200 scheduled actions per target), paging (at most
 * 50 a page) and the defaults it fills in. The simulation that acts on them
 * is in scaling-simulation.ts.
 */
import { randomUUID } from 'node:crypto';
import { SandboxApiError } from './api-error.js';
import { applyServiceUpdate, type ServiceOpContext } from './ecs-services.js';
import { epochSeconds, isObject, optArray, optBoolean, optNumber, optObject, optString, optStringArray, type Json, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import { createTrackingAlarms, deleteAlarmRecords, updateTrackingAlarms } from './cloudwatch.js';
import {
  MAX_ACTIVITIES, type ScalableTargetRecord, type ScalingPolicyRecord, type ScheduledActionRecord, type SuspendedState,
} from './scaling-state.js';
import { isValidTimeZone, nextRun, parseSchedule, ScheduleError } from './schedule.js';
import type { RegionState, ServiceRecord } from './state.js';

export const ECS_NAMESPACE = 'ecs';
export const DESIRED_COUNT = 'ecs:service:DesiredCount';
export const MAX_POLICIES_PER_TARGET = 50;
export const MAX_SCHEDULED_ACTIONS_PER_TARGET = 200;
const PAGE = { min: 1, max: 50, default: 50 } as const;
const ECS_PREDEFINED = ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget'];
const ADJUSTMENT_TYPES = ['ChangeInCapacity', 'PercentChangeInCapacity', 'ExactCapacity'];
const RESOURCE_LABEL = /^app\/[^/]+\/[0-9a-f]+\/targetgroup\/[^/]+\/[0-9a-f]+$/;

export const validation = (message: string): SandboxApiError => new SandboxApiError('ValidationException', message);
const objectNotFound = (message: string): SandboxApiError => new SandboxApiError('ObjectNotFoundException', message);

/** The service-linked role Application Auto Scaling uses for ECS when RegisterScalableTarget names none. */
export function ecsServiceLinkedRole(account: string): string {
  return `arn:aws:iam::${account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`;
}

/** The service a resource id names, when it exists (ACTIVE or DRAINING). */
export function liveService(state: RegionState, cluster: string, service: string): ServiceRecord | undefined {
  const svc = state.clusters.get(cluster)?.services.get(service);
  return svc && svc.status !== 'INACTIVE' ? svc : undefined;
}

/**
 * Drops the targets of services that no longer exist (with their policies,
 * scheduled actions and target tracking alarms): a service's scalable target
 * lives only as long as the service.
 */
export function purgeOrphanTargets(state: RegionState): void {
  for (const target of [...state.scaling.targets.values()]) {
    if (!liveService(state, target.cluster, target.service)) removeTarget(state, target);
  }
}

function removeTarget(state: RegionState, target: ScalableTargetRecord): void {
  for (const policy of target.policies.values()) deleteAlarmRecords(state, policy.trackingAlarms);
  state.scaling.targets.delete(target.resourceId);
  state.scaling.targetTags.delete(target.arn);
}

interface TargetKey {
  readonly resourceId: string;
  readonly cluster: string;
  readonly service: string;
}

/** Reads and checks ServiceNamespace, ResourceId and ScalableDimension (all required). */
function targetKey(input: JsonObject): TargetKey {
  checkNamespace(input, true);
  const resourceId = optString(input, 'ResourceId');
  const dimension = optString(input, 'ScalableDimension');
  if (!resourceId) throw validation('1 validation error detected: Value null at \'resourceId\' failed to satisfy constraint: Member must not be null');
  if (!dimension) throw validation('1 validation error detected: Value null at \'scalableDimension\' failed to satisfy constraint: Member must not be null');
  if (dimension !== DESIRED_COUNT) throw validation(`Unsupported scalable dimension '${dimension}' for service namespace 'ecs'; the sandbox models ${DESIRED_COUNT}.`);
  const match = /^service\/([^/]+)\/([^/]+)$/.exec(resourceId);
  if (!match) throw validation(`Unsupported resource ID '${resourceId}'; an ECS service resource ID is service/CLUSTER/SERVICE.`);
  return { resourceId, cluster: match[1] as string, service: match[2] as string };
}

function checkNamespace(input: JsonObject, required: boolean): void {
  const namespace = optString(input, 'ServiceNamespace');
  if (!namespace) {
    if (required) throw validation('1 validation error detected: Value null at \'serviceNamespace\' failed to satisfy constraint: Member must not be null');
    return;
  }
  if (namespace !== ECS_NAMESPACE) throw validation(`Unsupported service namespace '${namespace}'; the sandbox models Application Auto Scaling for ECS only.`);
}

function requireTarget(state: RegionState, key: TargetKey): ScalableTargetRecord {
  purgeOrphanTargets(state);
  const target = state.scaling.targets.get(key.resourceId);
  if (!target) {
    throw objectNotFound(`No scalable target registered for service namespace: ecs, resource ID: ${key.resourceId}, scalable dimension: ${DESIRED_COUNT}`);
  }
  return target;
}

function page<T>(operation: string, items: readonly T[], input: JsonObject): { items: T[]; nextToken?: string } {
  const max = optNumber(input, 'MaxResults');
  const token = optString(input, 'NextToken');
  try {
    return paginate(operation, items, max, token, PAGE);
  } catch (err) {
    if (err instanceof SandboxApiError && /nextToken/i.test(err.message)) throw new SandboxApiError('InvalidNextTokenException', 'Invalid token');
    throw validation(`1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`);
  }
}

function withToken(out: JsonObject, nextToken: string | undefined): JsonObject {
  return nextToken ? { ...out, NextToken: nextToken } : out;
}

// ---- activities and the desired count ----

export function recordActivity(state: RegionState, resourceId: string, at: number, description: string, cause: string, statusMessage: string): void {
  const activities = state.scaling.activities;
  activities.push({ id: randomUUID(), resourceId, description, cause, statusMessage, at });
  if (activities.length > MAX_ACTIVITIES) state.scaling.activities = activities.slice(activities.length - Math.floor(MAX_ACTIVITIES / 2));
}

/**
 * Sets a scaled service's desired count the way Application Auto Scaling
 * does: through the same internal mutation as the admin scale call (never an
 * UpdateService in the call log), with a recorded activity.
 */
export function setScaledCount(ctx: ServiceOpContext, target: ScalableTargetRecord, count: number, cause: string): void {
  const svc = liveService(ctx.state, target.cluster, target.service);
  if (!svc || svc.status !== 'ACTIVE' || svc.desiredCount === count) return;
  applyServiceUpdate(ctx, svc, { desiredCount: count });
  recordActivity(ctx.state, target.resourceId, ctx.now, `Setting desired count to ${count}.`, cause,
    `Successfully set desired count to ${count}. Change successfully fulfilled by ecs.`);
}

/** Keeps the desired count within [min, max] after they change (Application Auto Scaling does this at once). */
export function clampToCapacity(ctx: ServiceOpContext, target: ScalableTargetRecord, cause: (count: number) => string): void {
  const svc = liveService(ctx.state, target.cluster, target.service);
  if (!svc) return;
  const clamped = Math.min(target.maxCapacity, Math.max(target.minCapacity, svc.desiredCount));
  if (clamped !== svc.desiredCount) setScaledCount(ctx, target, clamped, cause(clamped));
}

// ---- scalable targets ----

function suspendedState(given: JsonObject | undefined, base: SuspendedState): SuspendedState {
  if (!given) return base;
  const read = (key: keyof SuspendedState): boolean => optBoolean(given, key) ?? base[key];
  return {
    DynamicScalingInSuspended: read('DynamicScalingInSuspended'),
    DynamicScalingOutSuspended: read('DynamicScalingOutSuspended'),
    ScheduledScalingSuspended: read('ScheduledScalingSuspended'),
  };
}

function checkCapacity(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw validation(`1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: Member must be a non-negative integer`);
  }
}

function parseTagMap(raw: Json | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined || raw === null) return out;
  if (!isObject(raw)) throw new SandboxApiError('SerializationException', 'Unexpected value for Tags: expected a map');
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new SandboxApiError('SerializationException', `Unexpected value for tag ${key}: expected a string`);
    if (key.length < 1 || key.length > 128 || value.length > 256) throw validation(`Tag key or value of '${key}' is too long.`);
    if (key.toLowerCase().startsWith('aws:')) throw validation('Tag keys starting with aws: are reserved.');
    out.set(key, value);
  }
  return out;
}

export function registerScalableTarget(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  const key = targetKey(input);
  const min = optNumber(input, 'MinCapacity');
  const max = optNumber(input, 'MaxCapacity');
  checkCapacity('minCapacity', min);
  checkCapacity('maxCapacity', max);
  if (!liveService(ctx.state, key.cluster, key.service)) {
    // AWS (and moto) answer ValidationException; AWS also does right after CreateService while ECS catches up.
    throw new SandboxApiError('ValidationException', `ECS service doesn't exist: ${key.resourceId}`);
  }
  purgeOrphanTargets(ctx.state);
  const tags = parseTagMap(input.Tags);
  let target = ctx.state.scaling.targets.get(key.resourceId);
  if (!target) {
    if (min === undefined || max === undefined) {
      throw validation('MinCapacity and MaxCapacity are required for registering a new scalable target.');
    }
    if (min > max) throw validation(`Minimum capacity cannot be greater than maximum capacity`);
    if (tags.size > 50) throw new SandboxApiError('TooManyTagsException', 'The number of tags exceeds the limit of 50.');
    const id = randomUUID().replace(/-/g, '') + randomUUID().slice(0, 4);
    target = {
      ...key,
      arn: `arn:aws:application-autoscaling:${ctx.state.region}:${ctx.state.account}:scalable-target/${id}`,
      minCapacity: min,
      maxCapacity: max,
      roleArn: optString(input, 'RoleARN') ?? ecsServiceLinkedRole(ctx.state.account),
      suspendedState: suspendedState(optObject(input, 'SuspendedState'), {
        DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false,
      }),
      createdAt: ctx.now,
      policies: new Map(),
      scheduledActions: new Map(),
    };
    ctx.state.scaling.targets.set(key.resourceId, target);
    if (tags.size > 0) ctx.state.scaling.targetTags.set(target.arn, tags);
  } else {
    const newMin = min ?? target.minCapacity;
    const newMax = max ?? target.maxCapacity;
    if (newMin > newMax) throw validation(`Minimum capacity cannot be greater than maximum capacity`);
    target.minCapacity = newMin;
    target.maxCapacity = newMax;
    const role = optString(input, 'RoleARN');
    if (role) target.roleArn = role;
    target.suspendedState = suspendedState(optObject(input, 'SuspendedState'), target.suspendedState);
  }
  const registered = target;
  clampToCapacity(ctx, registered, (count) =>
    count === registered.minCapacity ? `minimum capacity was set to ${registered.minCapacity}` : `maximum capacity was set to ${registered.maxCapacity}`);
  return { ScalableTargetARN: target.arn };
}

export function deregisterScalableTarget(ctx: OpContext, input: JsonObject): JsonObject {
  const target = requireTarget(ctx.state, targetKey(input));
  removeTarget(ctx.state, target);
  return {};
}

function targetView(target: ScalableTargetRecord): JsonObject {
  return {
    ServiceNamespace: ECS_NAMESPACE,
    ResourceId: target.resourceId,
    ScalableDimension: DESIRED_COUNT,
    MinCapacity: target.minCapacity,
    MaxCapacity: target.maxCapacity,
    RoleARN: target.roleArn,
    CreationTime: epochSeconds(target.createdAt),
    SuspendedState: { ...target.suspendedState },
    ScalableTargetARN: target.arn,
  };
}

function checkDimensionFilter(input: JsonObject): void {
  const dimension = optString(input, 'ScalableDimension');
  if (dimension !== undefined && dimension !== DESIRED_COUNT) throw validation(`Unsupported scalable dimension '${dimension}' for service namespace 'ecs'.`);
}

export function describeScalableTargets(ctx: OpContext, input: JsonObject): JsonObject {
  checkNamespace(input, true);
  checkDimensionFilter(input);
  purgeOrphanTargets(ctx.state);
  const ids = optStringArray(input, 'ResourceIds');
  if (ids && ids.length > 50) throw validation('1 validation error detected: Value at \'resourceIds\' failed to satisfy constraint: Member must have length less than or equal to 50');
  const wanted = ids && ids.length > 0 ? new Set(ids) : undefined;
  const targets = [...ctx.state.scaling.targets.values()].filter((t) => !wanted || wanted.has(t.resourceId));
  const { items, nextToken } = page('DescribeScalableTargets', targets, input);
  return withToken({ ScalableTargets: items.map(targetView) }, nextToken);
}

// ---- scaling policies ----

function policyArn(state: RegionState, target: ScalableTargetRecord, name: string): string {
  return `arn:aws:autoscaling:${state.region}:${state.account}:scalingPolicy:${randomUUID()}:resource/ecs/${target.resourceId}:policyName/${name}`;
}

function nonNegativeInteger(config: JsonObject, key: string): void {
  const v = optNumber(config, key);
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 1_000_000_000)) {
    throw validation(`1 validation error detected: Value '${v}' at '${key}' failed to satisfy constraint: Member must be an integer between 0 and 1000000000`);
  }
}

/** TargetTrackingScalingPolicyConfiguration as Application Auto Scaling stores it. */
function targetTrackingConfiguration(raw: JsonObject): JsonObject {
  const targetValue = optNumber(raw, 'TargetValue');
  if (targetValue === undefined) throw validation('1 validation error detected: Value null at \'targetTrackingScalingPolicyConfiguration.targetValue\' failed to satisfy constraint: Member must not be null');
  if (targetValue < 8.515920e-109 || targetValue > 6.174271e+107) throw validation(`The target value ${targetValue} is out of range.`);
  const predefined = optObject(raw, 'PredefinedMetricSpecification');
  const customized = optObject(raw, 'CustomizedMetricSpecification');
  if ((predefined === undefined) === (customized === undefined)) {
    throw validation('Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified.');
  }
  if (predefined) {
    const type = optString(predefined, 'PredefinedMetricType');
    if (!type || !ECS_PREDEFINED.includes(type)) throw validation(`Unsupported predefined metric type '${type ?? ''}' for service namespace 'ecs'.`);
    const label = optString(predefined, 'ResourceLabel');
    if (type === 'ALBRequestCountPerTarget') {
      if (!label) throw validation('ResourceLabel is required for predefined metric type ALBRequestCountPerTarget.');
      if (!RESOURCE_LABEL.test(label)) throw validation(`Invalid ResourceLabel '${label}': expected app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.`);
    } else if (label) throw validation(`ResourceLabel is only valid for predefined metric type ALBRequestCountPerTarget.`);
  }
  if (customized) {
    const hasMetrics = Array.isArray(customized.Metrics);
    if (!hasMetrics && (!optString(customized, 'MetricName') || !optString(customized, 'Namespace') || !optString(customized, 'Statistic'))) {
      throw validation('A customized metric specification needs MetricName, Namespace and Statistic, or Metrics.');
    }
  }
  nonNegativeInteger(raw, 'ScaleOutCooldown');
  nonNegativeInteger(raw, 'ScaleInCooldown');
  optBoolean(raw, 'DisableScaleIn');
  const out: JsonObject = { TargetValue: targetValue };
  if (predefined) out.PredefinedMetricSpecification = predefined;
  if (customized) out.CustomizedMetricSpecification = customized;
  for (const key of ['ScaleOutCooldown', 'ScaleInCooldown', 'DisableScaleIn'] as const) if (raw[key] !== undefined && raw[key] !== null) out[key] = raw[key];
  return out;
}

/** StepScalingPolicyConfiguration with MetricAggregationType's default (Average) filled in. */
function stepScalingConfiguration(raw: JsonObject): JsonObject {
  const adjustmentType = optString(raw, 'AdjustmentType');
  if (!adjustmentType) throw validation('AdjustmentType is required for a step scaling policy.');
  if (!ADJUSTMENT_TYPES.includes(adjustmentType)) throw validation(`Invalid AdjustmentType '${adjustmentType}'.`);
  const steps = optArray(raw, 'StepAdjustments') ?? [];
  if (steps.length === 0) throw validation('StepAdjustments must contain at least one step adjustment.');
  let unboundedLower = 0;
  let unboundedUpper = 0;
  const intervals: [number, number][] = [];
  for (const step of steps) {
    if (!isObject(step) || typeof step.ScalingAdjustment !== 'number' || !Number.isInteger(step.ScalingAdjustment)) {
      throw validation('Each step adjustment needs an integer ScalingAdjustment.');
    }
    const lower = optNumber(step, 'MetricIntervalLowerBound');
    const upper = optNumber(step, 'MetricIntervalUpperBound');
    if (lower === undefined && upper === undefined) throw validation('A step adjustment needs a lower or an upper bound.');
    if (lower !== undefined && upper !== undefined && lower >= upper) throw validation('The upper bound must be greater than the lower bound.');
    if (lower === undefined) unboundedLower++;
    if (upper === undefined) unboundedUpper++;
    intervals.push([lower ?? -Infinity, upper ?? Infinity]);
  }
  if (unboundedLower > 1 || unboundedUpper > 1) throw validation('Only one step adjustment may have an unbounded lower (or upper) bound.');
  intervals.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < intervals.length; i++) {
    if ((intervals[i] as [number, number])[0] < (intervals[i - 1] as [number, number])[1]) throw validation('Step adjustment intervals must not overlap.');
  }
  const aggregation = optString(raw, 'MetricAggregationType') ?? 'Average';
  if (!['Average', 'Minimum', 'Maximum'].includes(aggregation)) throw validation(`Invalid MetricAggregationType '${aggregation}'.`);
  const minMagnitude = optNumber(raw, 'MinAdjustmentMagnitude');
  if (minMagnitude !== undefined && adjustmentType !== 'PercentChangeInCapacity') {
    throw validation('MinAdjustmentMagnitude is only valid with AdjustmentType PercentChangeInCapacity.');
  }
  nonNegativeInteger(raw, 'Cooldown');
  const out: JsonObject = { AdjustmentType: adjustmentType, StepAdjustments: steps, MetricAggregationType: aggregation };
  if (raw.Cooldown !== undefined && raw.Cooldown !== null) out.Cooldown = raw.Cooldown;
  if (minMagnitude !== undefined) out.MinAdjustmentMagnitude = minMagnitude;
  return out;
}

export function putScalingPolicy(ctx: OpContext, input: JsonObject): JsonObject {
  const key = targetKey(input);
  const name = optString(input, 'PolicyName');
  if (!name) throw validation('1 validation error detected: Value null at \'policyName\' failed to satisfy constraint: Member must not be null');
  if (name.length > 256 || !/^\P{C}+$/u.test(name)) throw validation(`Invalid policy name '${name}'.`);
  const policyType = optString(input, 'PolicyType') ?? 'StepScaling';
  if (policyType !== 'TargetTrackingScaling' && policyType !== 'StepScaling') {
    throw validation(`Unsupported policy type '${policyType}' for service namespace 'ecs'.`);
  }
  const tracking = optObject(input, 'TargetTrackingScalingPolicyConfiguration');
  const stepping = optObject(input, 'StepScalingPolicyConfiguration');
  if (policyType === 'TargetTrackingScaling' && !tracking) throw validation('TargetTrackingScalingPolicyConfiguration is required for a target tracking scaling policy.');
  if (policyType === 'StepScaling' && !stepping) throw validation('StepScalingPolicyConfiguration is required for a step scaling policy.');
  if (policyType === 'TargetTrackingScaling' && stepping) throw validation('StepScalingPolicyConfiguration is not valid for a target tracking scaling policy.');
  if (policyType === 'StepScaling' && tracking) throw validation('TargetTrackingScalingPolicyConfiguration is not valid for a step scaling policy.');
  const configuration = tracking ? targetTrackingConfiguration(tracking) : stepScalingConfiguration(stepping as JsonObject);
  const target = requireTarget(ctx.state, key);
  let policy = target.policies.get(name);
  if (!policy && target.policies.size >= MAX_POLICIES_PER_TARGET) {
    throw new SandboxApiError('LimitExceededException', `Maximum number of scaling policies (${MAX_POLICIES_PER_TARGET}) for the scalable target ${key.resourceId} exceeded.`);
  }
  if (policy && policy.policyType !== policyType) {
    deleteAlarmRecords(ctx.state, policy.trackingAlarms);
    policy.trackingAlarms.length = 0;
  }
  if (!policy) {
    policy = { name, arn: policyArn(ctx.state, target, name), policyType, configuration, trackingAlarms: [], createdAt: ctx.now };
    target.policies.set(name, policy);
  } else {
    policy.policyType = policyType;
    policy.configuration = configuration;
  }
  if (policyType === 'TargetTrackingScaling') {
    if (policy.trackingAlarms.length === 0) policy.trackingAlarms.push(...createTrackingAlarms(ctx, target, policy));
    else updateTrackingAlarms(ctx, target, policy);
  }
  const out: JsonObject = { PolicyARN: policy.arn };
  if (policyType === 'TargetTrackingScaling') out.Alarms = alarmRefs(ctx.state, policy.trackingAlarms);
  return out;
}

function alarmRefs(state: RegionState, names: readonly string[]): JsonObject[] {
  return names.flatMap((n) => {
    const alarm = state.scaling.alarms.get(n);
    return alarm ? [{ AlarmName: alarm.name, AlarmARN: alarm.arn }] : [];
  });
}

export function deleteScalingPolicy(ctx: OpContext, input: JsonObject): JsonObject {
  const key = targetKey(input);
  const name = optString(input, 'PolicyName');
  if (!name) throw validation('1 validation error detected: Value null at \'policyName\' failed to satisfy constraint: Member must not be null');
  purgeOrphanTargets(ctx.state);
  const policy = ctx.state.scaling.targets.get(key.resourceId)?.policies.get(name);
  if (!policy) throw objectNotFound(`No scaling policy found for service namespace: ecs, resource ID: ${key.resourceId}, scalable dimension: ${DESIRED_COUNT}, policy name: ${name}`);
  deleteAlarmRecords(ctx.state, policy.trackingAlarms);
  ctx.state.scaling.targets.get(key.resourceId)?.policies.delete(name);
  return {};
}

function policyView(state: RegionState, target: ScalableTargetRecord, policy: ScalingPolicyRecord): JsonObject {
  const view: JsonObject = {
    PolicyARN: policy.arn,
    PolicyName: policy.name,
    ServiceNamespace: ECS_NAMESPACE,
    ResourceId: target.resourceId,
    ScalableDimension: DESIRED_COUNT,
    PolicyType: policy.policyType,
  };
  if (policy.policyType === 'TargetTrackingScaling') view.TargetTrackingScalingPolicyConfiguration = policy.configuration;
  else view.StepScalingPolicyConfiguration = policy.configuration;
  // Target tracking: the alarms it created. Step scaling: the alarms whose actions invoke it.
  view.Alarms = policy.policyType === 'TargetTrackingScaling'
    ? alarmRefs(state, policy.trackingAlarms)
    : [...state.scaling.alarms.values()]
      .filter((a) => Array.isArray(a.config.AlarmActions) && a.config.AlarmActions.includes(policy.arn))
      .map((a) => ({ AlarmName: a.name, AlarmARN: a.arn }));
  view.CreationTime = epochSeconds(policy.createdAt);
  return view;
}

export function describeScalingPolicies(ctx: OpContext, input: JsonObject): JsonObject {
  checkNamespace(input, true);
  checkDimensionFilter(input);
  purgeOrphanTargets(ctx.state);
  const resourceId = optString(input, 'ResourceId');
  const names = optStringArray(input, 'PolicyNames');
  if (names && names.length > 50) throw validation('1 validation error detected: Value at \'policyNames\' failed to satisfy constraint: Member must have length less than or equal to 50');
  const wanted = names && names.length > 0 ? new Set(names) : undefined;
  const all: JsonObject[] = [];
  for (const target of ctx.state.scaling.targets.values()) {
    if (resourceId !== undefined && target.resourceId !== resourceId) continue;
    for (const policy of target.policies.values()) if (!wanted || wanted.has(policy.name)) all.push(policyView(ctx.state, target, policy));
  }
  const { items, nextToken } = page('DescribeScalingPolicies', all, input);
  return withToken({ ScalingPolicies: items }, nextToken);
}

// ---- scheduled actions ----

function optTime(input: JsonObject, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v * 1000;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new SandboxApiError('SerializationException', `Unexpected value for ${key}: expected a timestamp`);
}

export function putScheduledAction(ctx: OpContext, input: JsonObject): JsonObject {
  const key = targetKey(input);
  const name = optString(input, 'ScheduledActionName');
  if (!name) throw validation('1 validation error detected: Value null at \'scheduledActionName\' failed to satisfy constraint: Member must not be null');
  if (name.length > 256 || !/^\P{C}+$/u.test(name) || name.includes(':') || name.includes('/') || name.includes('|')) {
    throw validation(`Invalid scheduled action name '${name}'.`);
  }
  const target = requireTarget(ctx.state, key);
  const existing = target.scheduledActions.get(name);
  const scheduleText = optString(input, 'Schedule') ?? existing?.schedule;
  if (!scheduleText) throw validation('Schedule is required when creating a scheduled action.');
  let schedule;
  try {
    schedule = parseSchedule(scheduleText);
  } catch (err) {
    if (err instanceof ScheduleError) throw validation(err.message);
    throw err;
  }
  const timezone = optString(input, 'Timezone');
  if (timezone !== undefined && !isValidTimeZone(timezone)) throw validation(`Invalid timezone: ${timezone}`);
  const startTime = optTime(input, 'StartTime');
  const endTime = optTime(input, 'EndTime');
  if (startTime !== undefined && endTime !== undefined && endTime <= startTime) throw validation('EndTime must be later than StartTime.');
  const given = optObject(input, 'ScalableTargetAction');
  const action: { MinCapacity?: number; MaxCapacity?: number } = {};
  const min = given ? optNumber(given, 'MinCapacity') : undefined;
  const max = given ? optNumber(given, 'MaxCapacity') : undefined;
  checkCapacity('minCapacity', min);
  checkCapacity('maxCapacity', max);
  if (min !== undefined) action.MinCapacity = min;
  if (max !== undefined) action.MaxCapacity = max;
  if (min !== undefined && max !== undefined && min > max) throw validation('Minimum capacity cannot be greater than maximum capacity');
  const finalAction = given ? action : existing?.action ?? {};
  if (finalAction.MinCapacity === undefined && finalAction.MaxCapacity === undefined) {
    throw validation('ScalableTargetAction needs MinCapacity or MaxCapacity.');
  }
  if (!existing && target.scheduledActions.size >= MAX_SCHEDULED_ACTIONS_PER_TARGET) {
    throw new SandboxApiError('LimitExceededException', `Maximum number of scheduled actions (${MAX_SCHEDULED_ACTIONS_PER_TARGET}) for the scalable target ${key.resourceId} exceeded.`);
  }
  const record: ScheduledActionRecord = {
    name,
    arn: existing?.arn ?? `arn:aws:autoscaling:${ctx.state.region}:${ctx.state.account}:scheduledAction:${randomUUID()}:resource/ecs/${key.resourceId}:scheduledActionName/${name}`,
    schedule: scheduleText,
    action: finalAction,
    createdAt: existing?.createdAt ?? ctx.now,
    nextRunAt: Infinity,
  };
  if (timezone !== undefined) record.timezone = timezone;
  if (startTime !== undefined) record.startTime = startTime;
  if (endTime !== undefined) record.endTime = endTime;
  record.nextRunAt = nextRun(schedule, ctx.now, {
    ...(record.timezone ? { zone: record.timezone } : {}),
    ...(record.startTime !== undefined ? { start: record.startTime } : {}),
    ...(record.endTime !== undefined ? { end: record.endTime } : {}),
    origin: ctx.now,
  });
  target.scheduledActions.set(name, record);
  return {};
}

export function deleteScheduledAction(ctx: OpContext, input: JsonObject): JsonObject {
  const key = targetKey(input);
  const name = optString(input, 'ScheduledActionName');
  if (!name) throw validation('1 validation error detected: Value null at \'scheduledActionName\' failed to satisfy constraint: Member must not be null');
  purgeOrphanTargets(ctx.state);
  const target = ctx.state.scaling.targets.get(key.resourceId);
  if (!target?.scheduledActions.delete(name)) {
    throw objectNotFound(`No scheduled action found for service namespace: ecs, resource ID: ${key.resourceId}, scalable dimension: ${DESIRED_COUNT}, scheduled action name: ${name}`);
  }
  return {};
}

function scheduledActionView(target: ScalableTargetRecord, action: ScheduledActionRecord): JsonObject {
  const view: JsonObject = {
    ScheduledActionName: action.name,
    ScheduledActionARN: action.arn,
    ServiceNamespace: ECS_NAMESPACE,
    Schedule: action.schedule,
    Timezone: action.timezone ?? 'UTC',
    ResourceId: target.resourceId,
    ScalableDimension: DESIRED_COUNT,
  };
  if (action.startTime !== undefined) view.StartTime = epochSeconds(action.startTime);
  if (action.endTime !== undefined) view.EndTime = epochSeconds(action.endTime);
  view.ScalableTargetAction = { ...action.action };
  view.CreationTime = epochSeconds(action.createdAt);
  return view;
}

export function describeScheduledActions(ctx: OpContext, input: JsonObject): JsonObject {
  checkNamespace(input, true);
  checkDimensionFilter(input);
  purgeOrphanTargets(ctx.state);
  const resourceId = optString(input, 'ResourceId');
  const names = optStringArray(input, 'ScheduledActionNames');
  if (names && names.length > 50) throw validation('1 validation error detected: Value at \'scheduledActionNames\' failed to satisfy constraint: Member must have length less than or equal to 50');
  const wanted = names && names.length > 0 ? new Set(names) : undefined;
  const all: JsonObject[] = [];
  for (const target of ctx.state.scaling.targets.values()) {
    if (resourceId !== undefined && target.resourceId !== resourceId) continue;
    for (const action of target.scheduledActions.values()) if (!wanted || wanted.has(action.name)) all.push(scheduledActionView(target, action));
  }
  const { items, nextToken } = page('DescribeScheduledActions', all, input);
  return withToken({ ScheduledActions: items }, nextToken);
}

// ---- activities ----

export function describeScalingActivities(ctx: OpContext, input: JsonObject): JsonObject {
  checkNamespace(input, true);
  checkDimensionFilter(input);
  const resourceId = optString(input, 'ResourceId');
  optBoolean(input, 'IncludeNotScaledActivities');
  const newestFirst = [...ctx.state.scaling.activities].reverse().filter((a) => resourceId === undefined || a.resourceId === resourceId);
  const { items, nextToken } = page('DescribeScalingActivities', newestFirst, input);
  return withToken({
    ScalingActivities: items.map((a) => ({
      ActivityId: a.id,
      ServiceNamespace: ECS_NAMESPACE,
      ResourceId: a.resourceId,
      ScalableDimension: DESIRED_COUNT,
      Description: a.description,
      Cause: a.cause,
      StartTime: epochSeconds(a.at),
      EndTime: epochSeconds(a.at),
      StatusCode: 'Successful',
      StatusMessage: a.statusMessage,
    })),
  }, nextToken);
}

// ---- tags (scalable targets only) ----

function targetByArn(state: RegionState, arn: string | undefined): ScalableTargetRecord {
  if (!arn) throw validation('1 validation error detected: Value null at \'resourceARN\' failed to satisfy constraint: Member must not be null');
  if (!arn.startsWith('arn:aws:application-autoscaling:')) throw validation(`Invalid ResourceARN: ${arn}`);
  purgeOrphanTargets(state);
  for (const target of state.scaling.targets.values()) if (target.arn === arn) return target;
  throw new SandboxApiError('ResourceNotFoundException', `No scalable target found for ${arn}`, 400);
}

export function tagResource(ctx: OpContext, input: JsonObject): JsonObject {
  const target = targetByArn(ctx.state, optString(input, 'ResourceARN'));
  const tags = parseTagMap(input.Tags);
  if (tags.size === 0) throw validation('Tags must not be empty.');
  const existing = ctx.state.scaling.targetTags.get(target.arn) ?? new Map<string, string>();
  const merged = new Map([...existing, ...tags]);
  if (merged.size > 50) throw new SandboxApiError('TooManyTagsException', 'The number of tags exceeds the limit of 50.');
  ctx.state.scaling.targetTags.set(target.arn, merged);
  return {};
}

export function untagResource(ctx: OpContext, input: JsonObject): JsonObject {
  const target = targetByArn(ctx.state, optString(input, 'ResourceARN'));
  const keys = optStringArray(input, 'TagKeys');
  if (!keys || keys.length === 0) throw validation('TagKeys must not be empty.');
  const existing = ctx.state.scaling.targetTags.get(target.arn);
  for (const k of keys) existing?.delete(k);
  return {};
}

export function listTagsForResource(ctx: OpContext, input: JsonObject): JsonObject {
  const target = targetByArn(ctx.state, optString(input, 'ResourceARN'));
  return { Tags: Object.fromEntries(ctx.state.scaling.targetTags.get(target.arn) ?? []) };
}

/** Recomputes a scheduled action's next run after it ran at `at`. */
export function rescheduleAfter(action: ScheduledActionRecord, at: number): void {
  const schedule = parseSchedule(action.schedule);
  action.nextRunAt = nextRun(schedule, at, {
    ...(action.timezone ? { zone: action.timezone } : {}),
    ...(action.startTime !== undefined ? { start: action.startTime } : {}),
    ...(action.endTime !== undefined ? { end: action.endTime } : {}),
    origin: action.createdAt,
  });
}
