/**
 * What Application Auto Scaling and CloudWatch refuse server-side in a
 * Service's `spec.autoScaling`, checked offline (docs/manifests.md, "Auto
 * scaling"): capacities, per-target limits, names (which become part of the
 * alarm names), metrics, schedules, step adjustments and alarms. Written
 * defensively, like semantic-rules.ts: the document may also have schema
 * errors, so a value of the wrong type is skipped here.
 */
import { scalingAlarmName } from '../plan/scaling-types.js';
import type { RuleProblem } from './rule-problem.js';
import { isTimeZone, parseInstant, scheduleProblem } from './schedule-expression.js';

type Rec = Readonly<Record<string, unknown>>;

const rec = (value: unknown): Rec | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Application Auto Scaling's quotas per scalable target. */
export const MAX_SCALING_POLICIES_PER_TARGET = 50;
export const MAX_SCHEDULED_ACTIONS_PER_TARGET = 200;
/** Policy and scheduled action names: they become part of alarm names, so only characters safe there. */
export const SCALING_NAME_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;
/** CloudWatch's limit on AlarmName. */
export const MAX_ALARM_NAME_LENGTH = 255;
/** The ALB target group a request-count metric counts: PredefinedMetricSpecification.ResourceLabel. */
export const ALB_RESOURCE_LABEL = /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
/** CloudWatch alarm periods: 10 and 30 seconds (high resolution) or whole minutes. */
const isAlarmPeriod = (period: number): boolean => period === 10 || period === 30 || (period > 0 && period % 60 === 0);

interface Where {
  readonly cluster: string | undefined;
  readonly service: string | undefined;
}

function capacityRules(spec: Rec, scaling: Rec, at: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const min = num(scaling.minCapacity);
  const max = num(scaling.maxCapacity);
  if (min !== undefined && max !== undefined && min > max) {
    problems.push({
      code: 'MANIFEST_SCALING_CAPACITY',
      pointer: `${at}/minCapacity`,
      message: `${at}/minCapacity: ${min} is above maxCapacity ${max}; minCapacity must be at most maxCapacity`,
    });
    return problems;
  }
  const desired = num(spec.desiredCount);
  if (desired !== undefined && min !== undefined && max !== undefined && (desired < min || desired > max)) {
    problems.push({
      code: 'MANIFEST_SCALING_CAPACITY',
      pointer: '/spec/desiredCount',
      message: `/spec/desiredCount: ${desired} is outside autoScaling's range ${min}-${max}; the service starts with desiredCount, so it must be within minCapacity and maxCapacity (or be left out)`,
    });
  }
  return problems;
}

function nameRules(entries: readonly unknown[], at: string, what: string, where: Where, alarms: boolean, seen: Map<string, string>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  entries.forEach((raw, i) => {
    const name = text(rec(raw)?.name);
    if (name === undefined) return;
    const pointer = `${at}/${i}/name`;
    if (!SCALING_NAME_PATTERN.test(name)) {
      problems.push({
        code: 'MANIFEST_SCALING_NAME',
        pointer,
        message: `${pointer}: ${JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name)} is not a valid ${what} name: use 1-200 letters, digits, hyphens (-) and underscores (_)`,
      });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        code: 'MANIFEST_SCALING_NAME',
        pointer,
        message: `${pointer}: ${what} name "${name}" is already used by ${first}; ${what === 'policy' ? 'targetTracking and stepScaling policies share one set of names' : 'names must be unique'}`,
      });
      return;
    }
    seen.set(name, pointer);
    if (alarms && where.cluster !== undefined && where.service !== undefined) {
      const alarmName = scalingAlarmName(where.cluster, where.service, name);
      if (alarmName.length > MAX_ALARM_NAME_LENGTH) {
        problems.push({
          code: 'MANIFEST_SCALING_NAME',
          pointer,
          message: `${pointer}: the policy's alarm name "${alarmName.slice(0, 40)}..." would be ${alarmName.length} characters; CloudWatch allows ${MAX_ALARM_NAME_LENGTH}: shorten the policy name to at most ${name.length - (alarmName.length - MAX_ALARM_NAME_LENGTH)} characters`,
        });
      }
    }
  });
  return problems;
}

function metricRules(policy: Rec, at: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const predefined = text(policy.predefinedMetric);
  const customized = rec(policy.customizedMetric);
  if ((policy.predefinedMetric === undefined) === (policy.customizedMetric === undefined)) {
    const both = policy.predefinedMetric !== undefined;
    problems.push({
      code: 'MANIFEST_SCALING_METRIC',
      pointer: both ? `${at}/customizedMetric` : `${at}/predefinedMetric`,
      locateAt: both ? `${at}/customizedMetric` : at,
      target: 'key',
      message: `${both ? `${at}/customizedMetric` : `${at}/predefinedMetric`}: a target tracking policy needs exactly one of predefinedMetric and customizedMetric; ${both ? 'remove one' : 'add one (e.g. predefinedMetric: ECSServiceAverageCPUUtilization)'}`,
    });
  }
  const label = policy.resourceLabel;
  if (predefined === 'ALBRequestCountPerTarget' && label === undefined) {
    problems.push({
      code: 'MANIFEST_SCALING_METRIC',
      pointer: `${at}/resourceLabel`,
      locateAt: `${at}/predefinedMetric`,
      message: `${at}/resourceLabel: ALBRequestCountPerTarget needs resourceLabel, the target group it counts: app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>`,
    });
  } else if (label !== undefined && predefined !== 'ALBRequestCountPerTarget') {
    problems.push({
      code: 'MANIFEST_SCALING_METRIC',
      pointer: `${at}/resourceLabel`,
      target: 'key',
      message: `${at}/resourceLabel: only ALBRequestCountPerTarget takes a resourceLabel${predefined !== undefined ? `, not ${predefined}` : ''}; remove it`,
    });
  } else if (typeof label === 'string' && !ALB_RESOURCE_LABEL.test(label)) {
    problems.push({
      code: 'MANIFEST_SCALING_METRIC',
      pointer: `${at}/resourceLabel`,
      message: `${at}/resourceLabel: ${JSON.stringify(label)} is not a target group label: write app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id> (the ends of the two ARNs, ids 16 hex digits)`,
    });
  }
  if (customized) {
    const cAt = `${at}/customizedMetric`;
    const single = ['metricName', 'namespace', 'dimensions', 'statistic', 'unit'].filter((f) => customized[f] !== undefined);
    if (customized.metrics !== undefined && single.length > 0) {
      problems.push({
        code: 'MANIFEST_SCALING_METRIC',
        pointer: `${cAt}/metrics`,
        target: 'key',
        message: `${cAt}/metrics: metrics (metric math) cannot be combined with ${single.join(', ')}; describe the metric one way`,
      });
    } else if (customized.metrics === undefined) {
      const missing = ['metricName', 'namespace', 'statistic'].filter((f) => customized[f] === undefined);
      if (missing.length > 0) {
        problems.push({
          code: 'MANIFEST_SCALING_METRIC',
          pointer: `${cAt}/${missing[0] as string}`,
          locateAt: cAt,
          target: 'key',
          message: `${cAt}/${missing[0] as string}: a customized metric needs metricName, namespace and statistic (or metrics); missing ${missing.join(', ')}`,
        });
      }
    }
  }
  return problems;
}

interface Interval {
  readonly index: number;
  readonly lower: number | undefined;
  readonly upper: number | undefined;
}

const bound = (value: number | undefined): string => (value === undefined ? 'unbounded' : String(value));

/** AWS's step adjustment rules (docs/manifests.md lists them). */
function stepAdjustmentRules(policy: Rec, at: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const sAt = `${at}/stepAdjustments`;
  const push = (pointer: string, message: string, extra: Partial<RuleProblem> = {}): void => {
    problems.push({ code: 'MANIFEST_STEP_ADJUSTMENTS', pointer, message: `${pointer}: ${message}`, ...extra });
  };
  if (policy.minAdjustmentMagnitude !== undefined && policy.adjustmentType !== undefined && policy.adjustmentType !== 'PercentChangeInCapacity') {
    push(`${at}/minAdjustmentMagnitude`, `only PercentChangeInCapacity takes minAdjustmentMagnitude, not ${String(policy.adjustmentType)}; remove it`, { target: 'key' });
  }
  if (!Array.isArray(policy.stepAdjustments)) return problems;
  if (policy.stepAdjustments.length === 0) {
    push(sAt, 'at least one step adjustment is required');
    return problems;
  }
  const intervals: Interval[] = [];
  for (const [index, raw] of policy.stepAdjustments.entries()) {
    const step = rec(raw);
    if (!step) continue;
    const lower = num(step.metricIntervalLowerBound);
    const upper = num(step.metricIntervalUpperBound);
    if (lower === undefined && upper === undefined) {
      push(`${sAt}/${index}`, 'a step needs metricIntervalLowerBound, metricIntervalUpperBound or both; both missing would cover every value');
      return problems;
    }
    if (lower !== undefined && upper !== undefined && lower >= upper) {
      push(`${sAt}/${index}/metricIntervalUpperBound`, `the upper bound ${upper} must be above the lower bound ${lower}`);
      return problems;
    }
    intervals.push({ index, lower, upper });
  }
  for (const side of ['lower', 'upper'] as const) {
    const open = intervals.filter((i) => i[side] === undefined);
    if (open.length > 1) {
      push(`${sAt}/${(open[1] as Interval).index}`, `only one step may have no ${side} bound; ${sAt}/${(open[0] as Interval).index} has none already`);
      return problems;
    }
  }
  const sorted = [...intervals].sort((a, b) => (a.lower ?? -Infinity) - (b.lower ?? -Infinity));
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as Interval;
    const current = sorted[i] as Interval;
    if (previous.upper === current.lower) continue;
    const overlap = previous.upper === undefined || (current.lower !== undefined && current.lower < previous.upper);
    push(
      `${sAt}/${current.index}/metricIntervalLowerBound`,
      `steps ${previous.index} (${bound(previous.lower)} to ${bound(previous.upper)}) and ${current.index} (${bound(current.lower)} to ${bound(current.upper)}) ${overlap ? 'overlap' : 'leave a gap'}; each step must start where the one below it ends`,
      current.lower === undefined ? { locateAt: `${sAt}/${current.index}` } : {},
    );
    return problems;
  }
  const negativeLower = intervals.find((i) => i.lower !== undefined && i.lower < 0);
  if (negativeLower && !intervals.some((i) => i.lower === undefined)) {
    push(`${sAt}/${negativeLower.index}/metricIntervalLowerBound`, 'a step with a negative lower bound needs a step with no lower bound below it');
  }
  const positiveUpper = intervals.find((i) => i.upper !== undefined && i.upper > 0);
  if (positiveUpper && !intervals.some((i) => i.upper === undefined)) {
    push(`${sAt}/${positiveUpper.index}/metricIntervalUpperBound`, 'a step with a positive upper bound needs a step with no upper bound above it');
  }
  return problems;
}

function alarmRules(policy: Rec, at: string): RuleProblem[] {
  const alarm = rec(policy.alarm);
  if (!alarm) return [];
  const problems: RuleProblem[] = [];
  const aAt = `${at}/alarm`;
  const period = num(alarm.period);
  if (period !== undefined && !isAlarmPeriod(period)) {
    problems.push({
      code: 'MANIFEST_SCALING_ALARM',
      pointer: `${aAt}/period`,
      message: `${aAt}/period: ${period} is not a CloudWatch alarm period: use 10, 30 or a multiple of 60 seconds`,
    });
  }
  const evaluations = num(alarm.evaluationPeriods);
  const datapoints = num(alarm.datapointsToAlarm);
  if (evaluations !== undefined && datapoints !== undefined && datapoints > evaluations) {
    problems.push({
      code: 'MANIFEST_SCALING_ALARM',
      pointer: `${aAt}/datapointsToAlarm`,
      message: `${aAt}/datapointsToAlarm: ${datapoints} is more than evaluationPeriods (${evaluations}); an alarm cannot need more breaching datapoints than it evaluates`,
    });
  }
  if ((alarm.statistic === undefined) === (alarm.extendedStatistic === undefined)) {
    const both = alarm.statistic !== undefined;
    problems.push({
      code: 'MANIFEST_SCALING_ALARM',
      pointer: both ? `${aAt}/extendedStatistic` : `${aAt}/statistic`,
      locateAt: both ? `${aAt}/extendedStatistic` : aAt,
      target: 'key',
      message: `${both ? `${aAt}/extendedStatistic` : `${aAt}/statistic`}: an alarm needs exactly one of statistic and extendedStatistic; ${both ? 'remove one' : 'add one (e.g. statistic: Average)'}`,
    });
  }
  return problems;
}

function scheduledRules(action: Rec, at: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const push = (pointer: string, message: string, extra: Partial<RuleProblem> = {}): void => {
    problems.push({ code: 'MANIFEST_SCALING_SCHEDULE', pointer, message: `${pointer}: ${message}`, ...extra });
  };
  const schedule = text(action.schedule);
  const why = schedule === undefined ? undefined : scheduleProblem(schedule);
  if (why !== undefined) push(`${at}/schedule`, `${JSON.stringify(schedule)}: ${why}`);
  const timezone = text(action.timezone);
  if (timezone !== undefined && !isTimeZone(timezone)) {
    push(`${at}/timezone`, `${JSON.stringify(timezone)} is not an IANA time zone name such as Europe/Paris, America/New_York or UTC`);
  }
  const instants: Partial<Record<'startTime' | 'endTime', number>> = {};
  for (const field of ['startTime', 'endTime'] as const) {
    const value = text(action[field]);
    if (value === undefined) continue;
    const ms = parseInstant(value);
    if (ms === undefined) push(`${at}/${field}`, `${JSON.stringify(value)} is not an ISO 8601 date-time with an offset, e.g. 2025-06-01T08:00:00Z or 2025-06-01T10:00:00+02:00`);
    else instants[field] = ms;
  }
  if (instants.startTime !== undefined && instants.endTime !== undefined && instants.startTime >= instants.endTime) {
    push(`${at}/endTime`, `endTime ${String(action.endTime)} must be after startTime ${String(action.startTime)}`);
  }
  const min = num(action.minCapacity);
  const max = num(action.maxCapacity);
  if (action.minCapacity === undefined && action.maxCapacity === undefined) {
    problems.push({
      code: 'MANIFEST_SCALING_CAPACITY',
      pointer: `${at}/minCapacity`,
      locateAt: at,
      target: 'key',
      message: `${at}/minCapacity: a scheduled action sets minCapacity, maxCapacity or both; it has neither`,
    });
  } else if (min !== undefined && max !== undefined && min > max) {
    problems.push({
      code: 'MANIFEST_SCALING_CAPACITY',
      pointer: `${at}/minCapacity`,
      message: `${at}/minCapacity: ${min} is above maxCapacity ${max}; minCapacity must be at most maxCapacity`,
    });
  }
  return problems;
}

/** Every spec.autoScaling rule for a Service document (none when the block is absent). */
export function autoScalingRules(document: Rec, spec: Rec): RuleProblem[] {
  const scaling = rec(spec.autoScaling);
  if (!scaling) return [];
  const at = '/spec/autoScaling';
  const metadata = rec(document.metadata);
  const where: Where = { cluster: text(metadata?.cluster), service: text(metadata?.name) };
  const problems: RuleProblem[] = [];
  if (spec.schedulingStrategy === 'DAEMON') {
    problems.push({
      code: 'MANIFEST_CONFLICTING_FIELDS',
      pointer: at,
      target: 'key',
      message: `${at}: a DAEMON service runs one task per instance and has no desired count to scale; remove autoScaling or use schedulingStrategy REPLICA`,
    });
  }
  problems.push(...capacityRules(spec, scaling, at));
  const targetTracking = list(scaling.targetTracking);
  const stepScaling = list(scaling.stepScaling);
  const scheduled = list(scaling.scheduled);
  if (targetTracking.length + stepScaling.length > MAX_SCALING_POLICIES_PER_TARGET) {
    const pointer = stepScaling.length > 0 ? `${at}/stepScaling` : `${at}/targetTracking`;
    problems.push({
      code: 'MANIFEST_SCALING_LIMIT',
      pointer,
      target: 'key',
      message: `${pointer}: ${targetTracking.length + stepScaling.length} scaling policies (targetTracking and stepScaling together); Application Auto Scaling allows ${MAX_SCALING_POLICIES_PER_TARGET} per service`,
    });
  }
  if (scheduled.length > MAX_SCHEDULED_ACTIONS_PER_TARGET) {
    problems.push({
      code: 'MANIFEST_SCALING_LIMIT',
      pointer: `${at}/scheduled`,
      target: 'key',
      message: `${at}/scheduled: ${scheduled.length} scheduled actions; Application Auto Scaling allows ${MAX_SCHEDULED_ACTIONS_PER_TARGET} per service`,
    });
  }
  // Target tracking and step scaling policies share one namespace (PolicyName per target).
  const policyNames = new Map<string, string>();
  problems.push(...nameRules(targetTracking, `${at}/targetTracking`, 'policy', where, false, policyNames));
  problems.push(...nameRules(stepScaling, `${at}/stepScaling`, 'policy', where, true, policyNames));
  problems.push(...nameRules(scheduled, `${at}/scheduled`, 'scheduled action', where, false, new Map()));
  targetTracking.forEach((raw, i) => {
    const policy = rec(raw);
    if (policy) problems.push(...metricRules(policy, `${at}/targetTracking/${i}`));
  });
  stepScaling.forEach((raw, i) => {
    const policy = rec(raw);
    if (!policy) return;
    problems.push(...stepAdjustmentRules(policy, `${at}/stepScaling/${i}`));
    problems.push(...alarmRules(policy, `${at}/stepScaling/${i}`));
  });
  scheduled.forEach((raw, i) => {
    const action = rec(raw);
    if (action) problems.push(...scheduledRules(action, `${at}/scheduled/${i}`));
  });
  return problems;
}
