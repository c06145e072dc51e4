/**
 * CloudWatch metric alarms, as far as scaling needs them: PutMetricAlarm
 * (tags on create only, as CloudWatch ignores them on update),
 * DescribeAlarms (names, prefix, state and action filters; 100 a page),
 * DeleteAlarms and ListTagsForResource, plus the alarms Application Auto
 * Scaling creates for target tracking policies. Errors carry CloudWatch's
 * names; the core adds the query-compatible error code (CLOUDWATCH_QUERY_CODES).
 */
import { SandboxApiError } from './api-error.js';
import { epochSeconds, isObject, optArray, optBoolean, optNumber, optString, optStringArray, type Json, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import type { AlarmRecord, ScalableTargetRecord, ScalingPolicyRecord } from './scaling-state.js';
import type { RegionState } from './state.js';

/** CloudWatch's error shapes -> the awsQueryError code the SDK and botocore read from `x-amzn-query-error`. */
export const CLOUDWATCH_QUERY_CODES: Readonly<Record<string, string>> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  MissingRequiredParameterException: 'MissingParameter',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  ResourceNotFound: 'ResourceNotFound',
  ResourceNotFoundException: 'ResourceNotFoundException',
  LimitExceededFault: 'LimitExceeded',
  InvalidNextToken: 'InvalidNextToken',
};

const invalidValue = (message: string): SandboxApiError => new SandboxApiError('InvalidParameterValueException', message);
const missing = (name: string): SandboxApiError => new SandboxApiError('MissingRequiredParameterException', `The parameter ${name} is required.`);
const COMPARISONS = [
  'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold',
];
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const TREAT_MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'];
/** Every alarm starts here, with this reason. */
const INITIAL_REASON = 'Unchecked: Initial alarm creation';

export function alarmArn(state: RegionState, name: string): string {
  return `arn:aws:cloudwatch:${state.region}:${state.account}:alarm:${name}`;
}

/** Creates or replaces an alarm record (state kept on replace, as CloudWatch does). */
function storeAlarm(state: RegionState, now: number, name: string, config: JsonObject): AlarmRecord {
  const existing = state.scaling.alarms.get(name);
  if (existing) {
    existing.config = config;
    existing.configUpdatedAt = now;
    return existing;
  }
  const alarm: AlarmRecord = {
    name, arn: alarmArn(state, name), config, configUpdatedAt: now,
    state: 'INSUFFICIENT_DATA', stateReason: INITIAL_REASON, stateUpdatedAt: now, breaching: 0, nextEvaluationAt: now,
  };
  state.scaling.alarms.set(name, alarm);
  return alarm;
}

export function putMetricAlarm(ctx: OpContext, input: JsonObject): JsonObject {
  const name = optString(input, 'AlarmName');
  if (!name) throw missing('AlarmName');
  if (name.length > 255) throw invalidValue('The value for AlarmName must be at most 255 characters.');
  const evaluationPeriods = optNumber(input, 'EvaluationPeriods');
  if (evaluationPeriods === undefined) throw missing('EvaluationPeriods');
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) throw invalidValue('EvaluationPeriods must be at least 1.');
  const comparison = optString(input, 'ComparisonOperator');
  if (!comparison) throw missing('ComparisonOperator');
  if (!COMPARISONS.includes(comparison)) throw invalidValue(`Invalid ComparisonOperator: ${comparison}`);
  const metrics = optArray(input, 'Metrics');
  const metricName = optString(input, 'MetricName');
  const namespace = optString(input, 'Namespace');
  const statistic = optString(input, 'Statistic');
  const extended = optString(input, 'ExtendedStatistic');
  const period = optNumber(input, 'Period');
  if (metrics && (metricName || namespace || statistic || extended || period !== undefined)) {
    throw new SandboxApiError('InvalidParameterCombinationException', 'Metrics may not be used together with MetricName, Namespace, Statistic, ExtendedStatistic or Period.');
  }
  if (!metrics) {
    if (!metricName) throw missing('MetricName');
    if (!namespace) throw missing('Namespace');
    if (!statistic && !extended) throw missing('Statistic');
    if (statistic && extended) throw new SandboxApiError('InvalidParameterCombinationException', 'Statistic and ExtendedStatistic may not both be specified.');
    if (statistic && !STATISTICS.includes(statistic)) throw invalidValue(`Invalid Statistic: ${statistic}`);
    if (period === undefined) throw missing('Period');
    if (!Number.isInteger(period) || !(period === 10 || period === 20 || period === 30 || (period >= 60 && period % 60 === 0))) {
      throw invalidValue('Period must be 10, 20, 30 or a multiple of 60.');
    }
    if (period * evaluationPeriods > 86_400 * 7) throw invalidValue('The Period multiplied by EvaluationPeriods must not exceed one week.');
  }
  const threshold = optNumber(input, 'Threshold');
  if (threshold === undefined && !optString(input, 'ThresholdMetricId')) throw missing('Threshold');
  const datapoints = optNumber(input, 'DatapointsToAlarm');
  if (datapoints !== undefined && (datapoints < 1 || datapoints > evaluationPeriods)) {
    throw invalidValue('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  }
  const treat = optString(input, 'TreatMissingData');
  if (treat !== undefined && !TREAT_MISSING.includes(treat)) throw invalidValue(`Invalid TreatMissingData: ${treat}`);
  for (const key of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
    const actions = optStringArray(input, key) ?? [];
    if (actions.length > 5) throw new SandboxApiError('LimitExceededFault', `The maximum number of ${key} is 5.`);
  }
  const dimensions = optArray(input, 'Dimensions') ?? [];
  if (dimensions.length > 30) throw invalidValue('At most 30 dimensions are allowed.');
  for (const d of dimensions) if (!isObject(d) || typeof d.Name !== 'string' || typeof d.Value !== 'string') throw missing('Dimensions.member.Name');

  const config: JsonObject = {
    AlarmName: name,
    ActionsEnabled: optBoolean(input, 'ActionsEnabled') ?? true,
    OKActions: optStringArray(input, 'OKActions') ?? [],
    AlarmActions: optStringArray(input, 'AlarmActions') ?? [],
    InsufficientDataActions: optStringArray(input, 'InsufficientDataActions') ?? [],
    Dimensions: dimensions,
    EvaluationPeriods: evaluationPeriods,
    ComparisonOperator: comparison,
  };
  for (const key of ['AlarmDescription', 'MetricName', 'Namespace', 'Statistic', 'ExtendedStatistic', 'Period', 'Unit', 'DatapointsToAlarm', 'Threshold',
    'TreatMissingData', 'EvaluateLowSampleCountPercentile', 'Metrics', 'ThresholdMetricId'] as const) {
    const value = input[key];
    if (value !== undefined && value !== null) config[key] = value;
  }
  const isNew = !ctx.state.scaling.alarms.has(name);
  storeAlarm(ctx.state, ctx.now, name, config);
  if (isNew) {
    const tags = optArray(input, 'Tags') ?? [];
    const map = new Map<string, string>();
    for (const t of tags) {
      if (!isObject(t) || typeof t.Key !== 'string' || typeof t.Value !== 'string') throw invalidValue('Each tag needs a Key and a Value.');
      map.set(t.Key, t.Value);
    }
    if (map.size > 50) throw invalidValue('The number of tags exceeds the limit of 50.');
    if (map.size > 0) ctx.state.scaling.alarmTags.set(alarmArn(ctx.state, name), map);
  }
  return {};
}

function alarmView(alarm: AlarmRecord): JsonObject {
  const c = alarm.config;
  const view: JsonObject = {
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
  };
  if (c.AlarmDescription !== undefined) view.AlarmDescription = c.AlarmDescription;
  Object.assign(view, {
    AlarmConfigurationUpdatedTimestamp: epochSeconds(alarm.configUpdatedAt),
    ActionsEnabled: c.ActionsEnabled as Json,
    OKActions: c.OKActions as Json,
    AlarmActions: c.AlarmActions as Json,
    InsufficientDataActions: c.InsufficientDataActions as Json,
    StateValue: alarm.state,
    StateReason: alarm.stateReason,
    StateUpdatedTimestamp: epochSeconds(alarm.stateUpdatedAt),
  });
  for (const key of ['MetricName', 'Namespace', 'Statistic', 'ExtendedStatistic', 'Dimensions', 'Period', 'Unit', 'EvaluationPeriods', 'DatapointsToAlarm',
    'Threshold', 'ComparisonOperator', 'TreatMissingData', 'EvaluateLowSampleCountPercentile', 'Metrics', 'ThresholdMetricId'] as const) {
    if (c[key] !== undefined) view[key] = c[key];
  }
  view.StateTransitionedTimestamp = epochSeconds(alarm.stateUpdatedAt);
  return view;
}

export function describeAlarms(ctx: OpContext, input: JsonObject): JsonObject {
  const names = optStringArray(input, 'AlarmNames');
  const prefix = optString(input, 'AlarmNamePrefix');
  if (names && names.length > 100) throw invalidValue('AlarmNames may hold at most 100 names.');
  if (names && names.length > 0 && prefix !== undefined) {
    throw new SandboxApiError('InvalidParameterCombinationException', 'AlarmNames and AlarmNamePrefix may not both be specified.');
  }
  const stateValue = optString(input, 'StateValue');
  const actionPrefix = optString(input, 'ActionPrefix');
  const types = optStringArray(input, 'AlarmTypes');
  const wantMetric = !types || types.length === 0 || types.includes('MetricAlarm');
  const wanted = names && names.length > 0 ? new Set(names) : undefined;
  const alarms = wantMetric
    ? [...ctx.state.scaling.alarms.values()]
      .filter((a) => (!wanted || wanted.has(a.name))
        && (prefix === undefined || a.name.startsWith(prefix))
        && (stateValue === undefined || a.state === stateValue)
        && (actionPrefix === undefined || (Array.isArray(a.config.AlarmActions) && a.config.AlarmActions.some((x) => typeof x === 'string' && x.startsWith(actionPrefix)))))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    : [];
  const max = optNumber(input, 'MaxRecords');
  const token = optString(input, 'NextToken');
  let result;
  try {
    result = paginate('DescribeAlarms', alarms, max, token, { min: 1, max: 100, default: 50 });
  } catch (err) {
    if (err instanceof SandboxApiError && /nextToken/i.test(err.message)) throw new SandboxApiError('InvalidNextToken', 'The service returned an invalid NextToken.');
    throw invalidValue('MaxRecords must be between 1 and 100.');
  }
  const out: JsonObject = { MetricAlarms: result.items.map(alarmView), CompositeAlarms: [] };
  if (result.nextToken) out.NextToken = result.nextToken;
  return out;
}

export function deleteAlarms(ctx: OpContext, input: JsonObject): JsonObject {
  const names = optStringArray(input, 'AlarmNames');
  if (!names) throw missing('AlarmNames');
  if (names.length > 100) throw invalidValue('AlarmNames may hold at most 100 names.');
  // The CloudWatch API reference: alarms named correctly are deleted, unknown names are no error (moto agrees).
  deleteAlarmRecords(ctx.state, names.filter((n) => ctx.state.scaling.alarms.has(n)));
  return {};
}

export function listTagsForResource(ctx: OpContext, input: JsonObject): JsonObject {
  const arn = optString(input, 'ResourceARN');
  if (!arn) throw missing('ResourceARN');
  const alarm = [...ctx.state.scaling.alarms.values()].find((a) => a.arn === arn);
  if (!alarm) throw new SandboxApiError('ResourceNotFoundException', `${arn} not found`, 404);
  return { Tags: [...(ctx.state.scaling.alarmTags.get(arn) ?? [])].map(([Key, Value]) => ({ Key, Value })) };
}

export function deleteAlarmRecords(state: RegionState, names: readonly string[]): void {
  for (const name of names) {
    const alarm = state.scaling.alarms.get(name);
    if (!alarm) continue;
    state.scaling.alarms.delete(name);
    state.scaling.alarmTags.delete(alarm.arn);
  }
}

// ---- target tracking alarms (created by Application Auto Scaling) ----

/** The metric a target tracking policy tracks, as an alarm's metric fields. */
function trackedMetric(target: ScalableTargetRecord, policy: ScalingPolicyRecord): JsonObject {
  const config = policy.configuration;
  const predefined = isObject(config.PredefinedMetricSpecification) ? config.PredefinedMetricSpecification : undefined;
  const type = predefined?.PredefinedMetricType;
  const serviceDims = [{ Name: 'ClusterName', Value: target.cluster }, { Name: 'ServiceName', Value: target.service }];
  if (type === 'ECSServiceAverageCPUUtilization') return { MetricName: 'CPUUtilization', Namespace: 'AWS/ECS', Statistic: 'Average', Dimensions: serviceDims };
  if (type === 'ECSServiceAverageMemoryUtilization') return { MetricName: 'MemoryUtilization', Namespace: 'AWS/ECS', Statistic: 'Average', Dimensions: serviceDims };
  if (type === 'ALBRequestCountPerTarget') {
    const label = typeof predefined?.ResourceLabel === 'string' ? predefined.ResourceLabel : '';
    return {
      MetricName: 'RequestCountPerTarget', Namespace: 'AWS/ApplicationELB', Statistic: 'Sum',
      Dimensions: [{ Name: 'TargetGroup', Value: label.slice(label.indexOf('targetgroup/')) }],
    };
  }
  const custom = isObject(config.CustomizedMetricSpecification) ? config.CustomizedMetricSpecification : {};
  if (Array.isArray(custom.Metrics)) return { Metrics: custom.Metrics };
  const out: JsonObject = { MetricName: custom.MetricName ?? '', Namespace: custom.Namespace ?? '', Statistic: custom.Statistic ?? 'Average', Dimensions: custom.Dimensions ?? [] };
  if (custom.Unit !== undefined) out.Unit = custom.Unit;
  return out;
}

function trackingAlarmConfig(target: ScalableTargetRecord, policy: ScalingPolicyRecord, name: string, high: boolean): JsonObject {
  const targetValue = typeof policy.configuration.TargetValue === 'number' ? policy.configuration.TargetValue : 0;
  const metric = trackedMetric(target, policy);
  const config: JsonObject = {
    AlarmName: name,
    AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policy.arn}.`,
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [policy.arn],
    InsufficientDataActions: [],
    ...metric,
    EvaluationPeriods: high ? 3 : 15,
    DatapointsToAlarm: high ? 3 : 15,
    Threshold: high ? targetValue : targetValue * 0.9,
    ComparisonOperator: high ? 'GreaterThanThreshold' : 'LessThanThreshold',
  };
  if (!metric.Metrics) config.Period = 60;
  return config;
}

/** The AlarmHigh (and, unless scale-in is disabled, AlarmLow) alarm Application Auto Scaling creates; returns their names. */
export function createTrackingAlarms(ctx: OpContext, target: ScalableTargetRecord, policy: ScalingPolicyRecord): string[] {
  const names: string[] = [];
  const kinds = policy.configuration.DisableScaleIn === true ? (['High'] as const) : (['High', 'Low'] as const);
  for (const kind of kinds) {
    const name = `TargetTracking-${target.resourceId}-Alarm${kind}-${ctx.newId()}`;
    storeAlarm(ctx.state, ctx.now, name, trackingAlarmConfig(target, policy, name, kind === 'High'));
    names.push(name);
  }
  return names;
}

/** After a policy update: the same alarms with the new threshold and metric (AlarmLow added or removed with DisableScaleIn). */
export function updateTrackingAlarms(ctx: OpContext, target: ScalableTargetRecord, policy: ScalingPolicyRecord): void {
  const high = policy.trackingAlarms.find((n) => n.includes('-AlarmHigh-'));
  const low = policy.trackingAlarms.find((n) => n.includes('-AlarmLow-'));
  const names: string[] = [];
  if (high) {
    storeAlarm(ctx.state, ctx.now, high, trackingAlarmConfig(target, policy, high, true));
    names.push(high);
  }
  const wantLow = policy.configuration.DisableScaleIn !== true;
  if (wantLow) {
    const name = low ?? `TargetTracking-${target.resourceId}-AlarmLow-${ctx.newId()}`;
    storeAlarm(ctx.state, ctx.now, name, trackingAlarmConfig(target, policy, name, false));
    names.push(name);
  } else if (low) deleteAlarmRecords(ctx.state, [low]);
  policy.trackingAlarms.splice(0, policy.trackingAlarms.length, ...names);
}
