/**
 * One canonical form for a service's auto scaling, from the manifest's
 * `spec.autoScaling` (camelCase) or from what Application Auto Scaling and
 * CloudWatch report (PascalCase SDK shapes). Policies and scheduled actions
 * are keyed by name, because names are their identities in both APIs. The
 * defaults the two services fill in are applied on both sides, so a field the
 * manifest leaves out never looks like drift (docs/diff.md, "Auto scaling").
 * Pure: no IO, no clock.
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import type {
  AutoScalingSpec,
  ScheduledActionSpec,
  StepScalingAlarmSpec,
  StepScalingPolicySpec,
  TargetTrackingPolicySpec,
} from '../manifests/types.js';
import { policyArnPlaceholder, scalingAlarmPrefix, type LiveScaling } from '../plan/scaling-types.js';
import { isObject, setOwn, toCanonicalJson } from './json.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * `{ minCapacity, maxCapacity, suspendedState, targetTracking: {name: ...},
 * stepScaling: {name: {..., alarm}}, scheduled: {name: ...} }`, keys sorted,
 * empty maps dropped. A live form may also hold `otherPolicies` (policies of a
 * type a manifest cannot declare, e.g. PredictiveScaling: `{ policyType }`),
 * and a `stepScaling` entry holding only `alarm` (an alarm of ours whose
 * policy is gone).
 */
export type CanonicalScaling = JsonObject;

/** Defaults Application Auto Scaling applies to an ECS service's policies (its API reference: 300 s cooldowns for ECS). */
export const ECS_DEFAULT_COOLDOWN_SECONDS = 300;
export const DEFAULT_METRIC_AGGREGATION_TYPE = 'Average';
/** CloudWatch's defaults for PutMetricAlarm; DatapointsToAlarm defaults to EvaluationPeriods. */
export const DEFAULT_TREAT_MISSING_DATA = 'missing';
/** A manifest alarm with neither statistic nor extendedStatistic gets this one (PutMetricAlarm needs one of them). */
export const DEFAULT_ALARM_STATISTIC = 'Average';
/** The time zone of a scheduled action that names none (Application Auto Scaling's default). */
export const DEFAULT_SCHEDULE_TIMEZONE = 'UTC';

/** Application Auto Scaling's policy types, as DescribeScalingPolicies reports them. */
export const TARGET_TRACKING_POLICY_TYPE = 'TargetTrackingScaling';
export const STEP_SCALING_POLICY_TYPE = 'StepScaling';

type Mutable = Record<string, unknown>;

export function normalizeDesiredScaling(spec: AutoScalingSpec): CanonicalScaling {
  const out: Mutable = {
    minCapacity: spec.minCapacity,
    maxCapacity: spec.maxCapacity,
    suspendedState: suspendedState(
      spec.suspendedState?.dynamicScalingInSuspended,
      spec.suspendedState?.dynamicScalingOutSuspended,
      spec.suspendedState?.scheduledScalingSuspended,
    ),
    targetTracking: byName(spec.targetTracking ?? [], (p) => p.name, desiredTargetTracking),
    stepScaling: byName(spec.stepScaling ?? [], (p) => p.name, desiredStepScaling),
    scheduled: byName(spec.scheduled ?? [], (s) => s.name, desiredScheduled),
  };
  return canonicalObject(out);
}

/**
 * The live side. `scope` limits alarms to the service's own prefix
 * (scalingAlarmPrefix); without it, any alarm named `ecs-gitops/<cluster>/<service>/<policy>`
 * counts, the policy name being everything after the third `/`.
 */
export function normalizeLiveScaling(live: LiveScaling | undefined, scope?: { cluster: string; service: string }): CanonicalScaling {
  if (live === undefined) return {};
  const out: Mutable = {};
  const target = live.target;
  if (target !== undefined) {
    out.minCapacity = target.MinCapacity;
    out.maxCapacity = target.MaxCapacity;
    out.suspendedState = suspendedState(
      target.SuspendedState?.DynamicScalingInSuspended,
      target.SuspendedState?.DynamicScalingOutSuspended,
      target.SuspendedState?.ScheduledScalingSuspended,
    );
  }
  const targetTracking: Mutable = {};
  const stepScaling: Mutable = {};
  const otherPolicies: Mutable = {};
  const policyArns = new Map<string, string>();
  for (const policy of live.policies) {
    const name = policy.PolicyName;
    if (name === undefined) continue;
    if (policy.PolicyARN !== undefined) policyArns.set(name, policy.PolicyARN);
    const type = livePolicyType(policy);
    if (type === TARGET_TRACKING_POLICY_TYPE) setOwn(targetTracking, name, liveTargetTracking(policy.TargetTrackingScalingPolicyConfiguration));
    else if (type === STEP_SCALING_POLICY_TYPE) setOwn(stepScaling, name, liveStepScaling(policy.StepScalingPolicyConfiguration ?? {}));
    else setOwn(otherPolicies, name, { policyType: type ?? 'unknown' });
  }
  for (const alarm of live.alarms) {
    const policyName = alarmPolicyName(alarm.AlarmName, scope);
    if (policyName === undefined) continue;
    const entry = Object.hasOwn(stepScaling, policyName) ? (stepScaling[policyName] as Mutable) : {};
    entry.alarm = liveAlarm(alarm, policyName, policyArns.get(policyName));
    setOwn(stepScaling, policyName, entry);
  }
  out.targetTracking = targetTracking;
  out.stepScaling = stepScaling;
  out.otherPolicies = otherPolicies;
  const scheduled: Mutable = {};
  for (const action of live.scheduledActions) {
    if (action.ScheduledActionName !== undefined) setOwn(scheduled, action.ScheduledActionName, liveScheduled(action));
  }
  out.scheduled = scheduled;
  return canonicalObject(out);
}

/** The policy type, inferred from the configuration present when the API left it out. */
export function livePolicyType(policy: AAS.ScalingPolicy): string | undefined {
  if (policy.PolicyType !== undefined) return policy.PolicyType;
  if (policy.TargetTrackingScalingPolicyConfiguration !== undefined) return TARGET_TRACKING_POLICY_TYPE;
  if (policy.StepScalingPolicyConfiguration !== undefined) return STEP_SCALING_POLICY_TYPE;
  return undefined;
}

/** The step scaling policy an alarm of ours drives: the part of its name after the service's prefix. */
export function alarmPolicyName(alarmName: string | undefined, scope?: { cluster: string; service: string }): string | undefined {
  if (alarmName === undefined) return undefined;
  if (scope !== undefined) {
    const prefix = scalingAlarmPrefix(scope.cluster, scope.service);
    return alarmName.startsWith(prefix) && alarmName.length > prefix.length ? alarmName.slice(prefix.length) : undefined;
  }
  // ecs-gitops/<cluster>/<service>/<policy>: cluster and service names hold no `/`, policy names may.
  const match = /^ecs-gitops\/[^/]+\/[^/]+\/(.+)$/s.exec(alarmName);
  return match?.[1];
}

// ---- desired side ----

function desiredTargetTracking(policy: TargetTrackingPolicySpec): Mutable {
  return {
    targetValue: policy.targetValue,
    predefinedMetric: policy.predefinedMetric,
    resourceLabel: policy.resourceLabel,
    customizedMetric: canonicalMetric(policy.customizedMetric),
    scaleInCooldown: policy.scaleInCooldown ?? ECS_DEFAULT_COOLDOWN_SECONDS,
    scaleOutCooldown: policy.scaleOutCooldown ?? ECS_DEFAULT_COOLDOWN_SECONDS,
    disableScaleIn: policy.disableScaleIn ?? false,
  };
}

function desiredStepScaling(policy: StepScalingPolicySpec): Mutable {
  return {
    adjustmentType: policy.adjustmentType,
    stepAdjustments: sortStepAdjustments(policy.stepAdjustments.map((step) => ({ ...step }))),
    cooldown: policy.cooldown ?? ECS_DEFAULT_COOLDOWN_SECONDS,
    metricAggregationType: policy.metricAggregationType ?? DEFAULT_METRIC_AGGREGATION_TYPE,
    minAdjustmentMagnitude: policy.minAdjustmentMagnitude,
    alarm: desiredAlarm(policy.alarm, policy.name),
  };
}

function desiredAlarm(alarm: StepScalingAlarmSpec, policyName: string): Mutable {
  return alarmFields({
    metricName: alarm.metricName,
    namespace: alarm.namespace,
    dimensions: alarm.dimensions?.map((d) => ({ name: d.name, value: d.value })),
    statistic: alarm.statistic,
    extendedStatistic: alarm.extendedStatistic,
    unit: alarm.unit,
    period: alarm.period,
    evaluationPeriods: alarm.evaluationPeriods,
    datapointsToAlarm: alarm.datapointsToAlarm,
    threshold: alarm.threshold,
    comparisonOperator: alarm.comparisonOperator,
    treatMissingData: alarm.treatMissingData,
    actionsEnabled: true,
    alarmActions: [policyArnPlaceholder(policyName)],
  });
}

function desiredScheduled(action: ScheduledActionSpec): Mutable {
  return {
    schedule: canonicalSchedule(action.schedule),
    timezone: action.timezone ?? DEFAULT_SCHEDULE_TIMEZONE,
    startTime: canonicalInstant(action.startTime),
    endTime: canonicalInstant(action.endTime),
    minCapacity: action.minCapacity,
    maxCapacity: action.maxCapacity,
  };
}

// ---- live side ----

function liveTargetTracking(config: Partial<AAS.TargetTrackingScalingPolicyConfiguration> = {}): Mutable {
  return {
    targetValue: config.TargetValue,
    predefinedMetric: config.PredefinedMetricSpecification?.PredefinedMetricType,
    resourceLabel: config.PredefinedMetricSpecification?.ResourceLabel,
    customizedMetric: canonicalMetric(camelCaseKeys(config.CustomizedMetricSpecification)),
    scaleInCooldown: config.ScaleInCooldown ?? ECS_DEFAULT_COOLDOWN_SECONDS,
    scaleOutCooldown: config.ScaleOutCooldown ?? ECS_DEFAULT_COOLDOWN_SECONDS,
    disableScaleIn: config.DisableScaleIn ?? false,
  };
}

function liveStepScaling(config: AAS.StepScalingPolicyConfiguration): Mutable {
  return {
    adjustmentType: config.AdjustmentType,
    stepAdjustments: sortStepAdjustments(
      (config.StepAdjustments ?? []).map((step) => ({
        metricIntervalLowerBound: step.MetricIntervalLowerBound,
        metricIntervalUpperBound: step.MetricIntervalUpperBound,
        scalingAdjustment: step.ScalingAdjustment,
      })),
    ),
    cooldown: config.Cooldown ?? ECS_DEFAULT_COOLDOWN_SECONDS,
    metricAggregationType: config.MetricAggregationType ?? DEFAULT_METRIC_AGGREGATION_TYPE,
    minAdjustmentMagnitude: config.MinAdjustmentMagnitude,
  };
}

function liveAlarm(alarm: CW.MetricAlarm, policyName: string, policyArn: string | undefined): Mutable {
  // The link to the policy is the manifest's business (the controller wires it); any other action is drift.
  const actions = (alarm.AlarmActions ?? []).map((arn) => (policyArn !== undefined && arn === policyArn ? policyArnPlaceholder(policyName) : arn));
  return alarmFields({
    metricName: alarm.MetricName,
    namespace: alarm.Namespace,
    dimensions: alarm.Dimensions?.map((d) => ({ name: d.Name, value: d.Value })),
    statistic: alarm.Statistic,
    extendedStatistic: alarm.ExtendedStatistic,
    unit: alarm.Unit,
    period: alarm.Period,
    evaluationPeriods: alarm.EvaluationPeriods,
    datapointsToAlarm: alarm.DatapointsToAlarm,
    threshold: alarm.Threshold,
    comparisonOperator: alarm.ComparisonOperator,
    treatMissingData: alarm.TreatMissingData,
    actionsEnabled: alarm.ActionsEnabled ?? true,
    alarmActions: actions,
  });
}

function liveScheduled(action: AAS.ScheduledAction): Mutable {
  return {
    schedule: canonicalSchedule(action.Schedule),
    timezone: action.Timezone ?? DEFAULT_SCHEDULE_TIMEZONE,
    startTime: canonicalInstant(action.StartTime),
    endTime: canonicalInstant(action.EndTime),
    minCapacity: action.ScalableTargetAction?.MinCapacity,
    maxCapacity: action.ScalableTargetAction?.MaxCapacity,
  };
}

// ---- shared rules ----

function suspendedState(dynamicIn: boolean | undefined, dynamicOut: boolean | undefined, scheduled: boolean | undefined): Mutable {
  return {
    dynamicScalingInSuspended: dynamicIn ?? false,
    dynamicScalingOutSuspended: dynamicOut ?? false,
    scheduledScalingSuspended: scheduled ?? false,
  };
}

/** CloudWatch's alarm defaults, on either side's camelCase fields. */
function alarmFields(alarm: Mutable & { evaluationPeriods?: number; alarmActions: readonly string[] }): Mutable {
  const out: Mutable = { ...alarm };
  if (alarm.statistic === undefined && alarm.extendedStatistic === undefined) out.statistic = DEFAULT_ALARM_STATISTIC;
  out.datapointsToAlarm ??= alarm.evaluationPeriods;
  out.treatMissingData ??= DEFAULT_TREAT_MISSING_DATA;
  // CloudWatch keeps dimensions and actions as sets.
  if (Array.isArray(alarm.dimensions)) out.dimensions = sortBy(alarm.dimensions as Mutable[], (d) => String(d.name));
  out.alarmActions = [...alarm.alarmActions].sort();
  return out;
}

function sortStepAdjustments(steps: Mutable[]): Mutable[] {
  const bound = (value: unknown, missing: number) => (typeof value === 'number' ? value : missing);
  return [...steps].sort(
    (a, b) =>
      bound(a.metricIntervalLowerBound, -Infinity) - bound(b.metricIntervalLowerBound, -Infinity) ||
      bound(a.metricIntervalUpperBound, Infinity) - bound(b.metricIntervalUpperBound, Infinity),
  );
}

/**
 * A customized metric in camelCase: dimensions sorted by name and metric
 * queries by id wherever they appear, a query's `returnData` true when unset
 * (Application Auto Scaling's default for TargetTrackingMetricDataQuery).
 */
function canonicalMetric(metric: unknown): JsonValue | undefined {
  const walk = (value: JsonValue, key: string): JsonValue => {
    if (Array.isArray(value)) {
      const items = value.map((item) => walk(item, ''));
      if (key === 'dimensions') return sortBy(items, (d) => (isObject(d) ? String(d.name) : ''));
      if (key === 'metrics') {
        return sortBy(
          items.map((q) => (isObject(q) && q.returnData === undefined ? { ...q, returnData: true } : q)),
          (q) => (isObject(q) ? String(q.id) : ''),
        );
      }
      return items;
    }
    if (isObject(value)) {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of Object.entries(value)) setOwn(out, k, walk(v as JsonValue, k));
      return out;
    }
    return value;
  };
  const json = toCanonicalJson(metric);
  return json === undefined ? undefined : walk(json, '');
}

function sortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * A schedule expression as Application Auto Scaling compares it: outer
 * whitespace trimmed, runs of whitespace inside `at(...)`, `rate(...)` and
 * `cron(...)` collapsed to one space.
 */
export function canonicalSchedule(schedule: string | undefined): string | undefined {
  if (schedule === undefined) return undefined;
  const trimmed = schedule.trim();
  const match = /^(at|rate|cron)\s*\(([\s\S]*)\)$/.exec(trimmed);
  if (match === null) return trimmed;
  return `${match[1]}(${(match[2] as string).trim().replace(/\s+/g, ' ')})`;
}

/**
 * A point in time as an ISO 8601 UTC string. The SDK reports Dates; the
 * manifest writes ISO strings, with or without an offset: without one the
 * time is UTC, as Application Auto Scaling reads StartTime and EndTime. A
 * string that is no date stays as written (validate reports it).
 */
export function canonicalInstant(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  const text = value.trim();
  const hasTime = /T|\s\d{1,2}:/.test(text);
  const hasOffset = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(text);
  const ms = Date.parse(hasTime && !hasOffset ? `${text}Z` : text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

/** `{ MetricName: ... }` to `{ metricName: ... }` at every level (values untouched). */
export function camelCaseKeys(value: unknown): unknown {
  return mapKeys(value, (key) => key.charAt(0).toLowerCase() + key.slice(1));
}

/** `{ metricName: ... }` to `{ MetricName: ... }` at every level (values untouched): the manifest's names are the APIs' own in camelCase. */
export function pascalCaseKeys(value: unknown): unknown {
  return mapKeys(value, (key) => key.charAt(0).toUpperCase() + key.slice(1));
}

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, rename));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, rename(key), mapKeys(item, rename));
    return out;
  }
  return value;
}

function byName<T>(items: readonly T[], nameOf: (item: T) => string, canonical: (item: T) => Mutable): Mutable {
  const out: Mutable = {};
  for (const item of items) setOwn(out, nameOf(item), canonical(item));
  return out;
}

function canonicalObject(value: Mutable): CanonicalScaling {
  const json = toCanonicalJson(value);
  return isObject(json) ? (json as JsonObject) : {};
}

/** Status's short view of live scaling; undefined when no scalable target is registered. */
export interface ScalingSummary {
  readonly minCapacity: number | undefined;
  readonly maxCapacity: number | undefined;
  /** Policy names, sorted. */
  readonly policies: string[];
  /** Scheduled action names, sorted. */
  readonly scheduled: string[];
}

export function scalingSummary(live: LiveScaling | undefined): ScalingSummary | undefined {
  if (live?.target === undefined) return undefined;
  const names = (items: readonly { readonly name?: string | undefined }[]) =>
    items.map((i) => i.name).filter((n): n is string => n !== undefined).sort();
  return {
    minCapacity: live.target.MinCapacity,
    maxCapacity: live.target.MaxCapacity,
    policies: names(live.policies.map((p) => ({ name: p.PolicyName }))),
    scheduled: names(live.scheduledActions.map((a) => ({ name: a.ScheduledActionName }))),
  };
}
