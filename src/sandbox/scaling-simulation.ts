/**
 * Simulated scaling on the sandbox clock. Every simulated minute the alarms
 * on a service's ECS CPUUtilization are evaluated from the load the admin API
 * set (the service's demand divided by its desired count), and:
 *
 * - target tracking policies on ECSServiceAverageCPUUtilization act when
 *   their AlarmHigh (3 minutes above the target) or AlarmLow (15 minutes
 *   below 90 % of it) is in ALARM, moving the desired count to
 *   ceil(demand / target) within min/max, after their cooldowns (300 s by
 *   default), never in when DisableScaleIn, and scale-in only when every
 *   target tracking policy of the target agrees (as Application Auto Scaling
 *   does);
 * - step scaling policies run while an alarm naming them in AlarmActions is in
 *   ALARM, with the step the breach falls in, after their Cooldown;
 * - scheduled actions run at their time (at/rate/cron, in their time zone)
 *   and set min/max, clamping the desired count.
 *
 * SuspendedState is respected for each kind. Desired count changes go through
 * setScaledCount (the admin scale call's mutation, with an activity), so the
 * call log never shows them. Metrics other than ECS CPU have no data here.
 */
import { clampToCapacity, liveService, purgeOrphanTargets, recordActivity, rescheduleAfter, setScaledCount } from './application-autoscaling.js';
import type { ServiceOpContext } from './ecs-services.js';
import { epochSeconds, isObject, type JsonObject } from './json-input.js';
import type { AlarmRecord, ScalableTargetRecord, ScalingPolicyRecord } from './scaling-state.js';
import type { RegionState } from './state.js';

export const SCALING_TICK_MS = 60_000;
/** Default cooldowns Application Auto Scaling applies to ECS policies that set none (seconds). */
export const DEFAULT_COOLDOWN_SECONDS = 300;
/** Ticks replayed at most per settle; beyond, the simulation skips ahead (an idle sandbox at clock speed 1). */
const MAX_TICKS_PER_SETTLE = 20_000;

export interface ScalingSettleDeps {
  /** A service-op context at simulated time `at` (for the desired count mutation). */
  readonly contextAt: (at: number) => ServiceOpContext;
  /** Runs rollouts up to `at`, so scaling acts on the service as it is then. */
  readonly settleRolloutsTo: (at: number) => void;
}

const serviceKey = (cluster: string, service: string): string => `${cluster}/${service}`;

/** The admin load call: sets a service's average CPU now (stored as demand, so it falls as tasks are added). */
export function setServiceLoad(state: RegionState, cluster: string, service: string, cpu: number, desiredCount: number): void {
  state.scaling.demand.set(serviceKey(cluster, service), cpu * Math.max(1, desiredCount));
}

/** The average CPU % of a service now, or undefined without load or tasks. */
export function averageCpu(state: RegionState, cluster: string, service: string): number | undefined {
  const demand = state.scaling.demand.get(serviceKey(cluster, service));
  const svc = liveService(state, cluster, service);
  if (demand === undefined || !svc || svc.status !== 'ACTIVE' || svc.desiredCount === 0) return undefined;
  return demand / svc.desiredCount;
}

export function settleScaling(state: RegionState, now: number, deps: ScalingSettleDeps): void {
  const scaling = state.scaling;
  if (scaling.targets.size === 0 && scaling.alarms.size === 0) {
    delete scaling.nextTickAt;
    return;
  }
  scaling.nextTickAt ??= now + SCALING_TICK_MS;
  purgeOrphanTargets(state);
  for (let i = 0; i < MAX_TICKS_PER_SETTLE; i++) {
    const scheduledAt = nextScheduledRun(state);
    const at = Math.min(scaling.nextTickAt, scheduledAt);
    if (at > now) return;
    deps.settleRolloutsTo(at);
    const ctx = deps.contextAt(at);
    if (scheduledAt === at) runScheduledActions(ctx, at);
    if (scaling.nextTickAt === at) {
      evaluateAlarms(state, at);
      runTargetTracking(ctx, at);
      runStepScaling(ctx, at);
      scaling.nextTickAt = at + SCALING_TICK_MS;
    }
  }
  scaling.nextTickAt = now + SCALING_TICK_MS;
}

function nextScheduledRun(state: RegionState): number {
  let next = Infinity;
  for (const target of state.scaling.targets.values()) for (const action of target.scheduledActions.values()) next = Math.min(next, action.nextRunAt);
  return next;
}

function runScheduledActions(ctx: ServiceOpContext, at: number): void {
  for (const target of ctx.state.scaling.targets.values()) {
    for (const action of target.scheduledActions.values()) {
      if (action.nextRunAt !== at) continue;
      rescheduleAfter(action, at);
      if (target.suspendedState.ScheduledScalingSuspended) continue;
      const min = action.action.MinCapacity ?? target.minCapacity;
      const max = action.action.MaxCapacity ?? target.maxCapacity;
      // Application Auto Scaling keeps min <= max by moving the other bound.
      target.minCapacity = Math.min(min, action.action.MaxCapacity ?? Math.max(min, max));
      target.maxCapacity = Math.max(max, target.minCapacity);
      const parts = [
        action.action.MinCapacity !== undefined ? `min capacity to ${target.minCapacity}` : undefined,
        action.action.MaxCapacity !== undefined ? `max capacity to ${target.maxCapacity}` : undefined,
      ].filter((p): p is string => p !== undefined);
      recordActivity(ctx.state, target.resourceId, at, `Setting ${parts.join(' and ')}`, `scheduled action name ${action.name} was triggered`,
        `Successfully set ${parts.join(' and ')}. Change successfully fulfilled by ecs.`);
      clampToCapacity(ctx, target, (count) =>
        count === target.minCapacity ? `minimum capacity was set to ${target.minCapacity}` : `maximum capacity was set to ${target.maxCapacity}`);
    }
  }
}

// ---- alarms ----

function dimension(alarm: AlarmRecord, name: string): string | undefined {
  const dims = Array.isArray(alarm.config.Dimensions) ? alarm.config.Dimensions : [];
  for (const d of dims) if (isObject(d) && d.Name === name && typeof d.Value === 'string') return d.Value;
  return undefined;
}

/** The value of an alarm's metric now, when the sandbox has data for it (ECS service CPU only). */
function metricValue(state: RegionState, alarm: AlarmRecord): number | undefined {
  const c = alarm.config;
  if (c.Namespace !== 'AWS/ECS' || c.MetricName !== 'CPUUtilization') return undefined;
  const cluster = dimension(alarm, 'ClusterName');
  const service = dimension(alarm, 'ServiceName');
  return cluster && service ? averageCpu(state, cluster, service) : undefined;
}

function breaches(alarm: AlarmRecord, value: number): boolean {
  const threshold = typeof alarm.config.Threshold === 'number' ? alarm.config.Threshold : 0;
  switch (alarm.config.ComparisonOperator) {
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'GreaterThanThreshold': return value > threshold;
    case 'LessThanThreshold': return value < threshold;
    case 'LessThanOrEqualToThreshold': return value <= threshold;
    default: return false;
  }
}

function evaluateAlarms(state: RegionState, at: number): void {
  for (const alarm of state.scaling.alarms.values()) {
    if (at < alarm.nextEvaluationAt) continue;
    const period = typeof alarm.config.Period === 'number' ? Math.max(60, alarm.config.Period) : 60;
    alarm.nextEvaluationAt = at + period * 1000;
    const value = metricValue(state, alarm);
    if (value === undefined) continue;
    alarm.breaching = breaches(alarm, value) ? alarm.breaching + 1 : 0;
    const needed = typeof alarm.config.DatapointsToAlarm === 'number' ? alarm.config.DatapointsToAlarm
      : typeof alarm.config.EvaluationPeriods === 'number' ? alarm.config.EvaluationPeriods : 1;
    const next = alarm.breaching >= needed ? 'ALARM' : 'OK';
    if (next === alarm.state) continue;
    alarm.state = next;
    alarm.stateUpdatedAt = at;
    alarm.stateReason = next === 'ALARM'
      ? `Threshold Crossed: ${needed} datapoint(s) breached the threshold (${String(alarm.config.Threshold)}); the last was ${value.toFixed(1)} (${new Date(at).toISOString()}).`
      : `Threshold Crossed: the datapoint ${value.toFixed(1)} did not breach the threshold (${String(alarm.config.Threshold)}) (${epochSeconds(at)}).`;
  }
}

// ---- target tracking ----

function cooldownMs(config: JsonObject, key: string): number {
  return (typeof config[key] === 'number' ? config[key] : DEFAULT_COOLDOWN_SECONDS) * 1000;
}

function isCpuTracking(policy: ScalingPolicyRecord): boolean {
  const spec = policy.configuration.PredefinedMetricSpecification;
  return policy.policyType === 'TargetTrackingScaling' && isObject(spec) && spec.PredefinedMetricType === 'ECSServiceAverageCPUUtilization';
}

function trackingAlarm(state: RegionState, policy: ScalingPolicyRecord, kind: 'High' | 'Low'): AlarmRecord | undefined {
  const name = policy.trackingAlarms.find((n) => n.includes(`-Alarm${kind}-`));
  return name ? state.scaling.alarms.get(name) : undefined;
}

function runTargetTracking(ctx: ServiceOpContext, at: number): void {
  for (const target of ctx.state.scaling.targets.values()) {
    const svc = liveService(ctx.state, target.cluster, target.service);
    const demand = ctx.state.scaling.demand.get(serviceKey(target.cluster, target.service));
    if (!svc || svc.status !== 'ACTIVE' || demand === undefined || svc.desiredCount === 0) continue;
    const tracking = [...target.policies.values()].filter((p) => p.policyType === 'TargetTrackingScaling');
    if (tracking.length === 0) continue;
    const current = svc.desiredCount;
    const wanted = (p: ScalingPolicyRecord): number => Math.ceil(demand / (p.configuration.TargetValue as number));
    const clamp = (n: number): number => Math.min(target.maxCapacity, Math.max(target.minCapacity, n));

    const out = tracking.filter((p) => isCpuTracking(p) && trackingAlarm(ctx.state, p, 'High')?.state === 'ALARM'
      && at >= (p.lastScaleOutAt ?? -Infinity) + cooldownMs(p.configuration, 'ScaleOutCooldown') && clamp(wanted(p)) > current);
    if (out.length > 0) {
      if (target.suspendedState.DynamicScalingOutSuspended) continue;
      const lead = out.reduce((a, b) => (wanted(b) > wanted(a) ? b : a));
      for (const p of out) p.lastScaleOutAt = at;
      setScaledCount(ctx, target, clamp(wanted(lead)), `monitor alarm ${trackingAlarm(ctx.state, lead, 'High')?.name ?? ''} in state ALARM triggered policy ${lead.name}`);
      continue;
    }
    // Scale in only when every target tracking policy is ready to (Application Auto Scaling's rule).
    const ready = tracking.every((p) => isCpuTracking(p) && p.configuration.DisableScaleIn !== true
      && trackingAlarm(ctx.state, p, 'Low')?.state === 'ALARM'
      && at >= Math.max(p.lastScaleInAt ?? -Infinity, p.lastScaleOutAt ?? -Infinity) + cooldownMs(p.configuration, 'ScaleInCooldown'));
    if (!ready || target.suspendedState.DynamicScalingInSuspended) continue;
    const lead = tracking.reduce((a, b) => (wanted(b) > wanted(a) ? b : a));
    const next = clamp(wanted(lead));
    if (next >= current) continue;
    for (const p of tracking) p.lastScaleInAt = at;
    setScaledCount(ctx, target, next, `monitor alarm ${trackingAlarm(ctx.state, lead, 'Low')?.name ?? ''} in state ALARM triggered policy ${lead.name}`);
  }
}

// ---- step scaling ----

function stepAdjustment(config: JsonObject, delta: number): number | undefined {
  const steps = Array.isArray(config.StepAdjustments) ? config.StepAdjustments : [];
  for (const step of steps) {
    if (!isObject(step)) continue;
    const lower = typeof step.MetricIntervalLowerBound === 'number' ? step.MetricIntervalLowerBound : -Infinity;
    const upper = typeof step.MetricIntervalUpperBound === 'number' ? step.MetricIntervalUpperBound : Infinity;
    // Application Auto Scaling: the lower bound is inclusive above the threshold, the upper bound below it.
    const inside = delta >= 0 ? delta >= lower && delta < upper : delta > lower && delta <= upper;
    if (inside && typeof step.ScalingAdjustment === 'number') return step.ScalingAdjustment;
  }
  return undefined;
}

function adjustedCount(config: JsonObject, current: number, adjustment: number): number {
  switch (config.AdjustmentType) {
    case 'ExactCapacity': return adjustment;
    case 'PercentChangeInCapacity': {
      let change = Math.trunc((current * adjustment) / 100);
      const minMagnitude = typeof config.MinAdjustmentMagnitude === 'number' ? config.MinAdjustmentMagnitude : 0;
      if (Math.abs(change) < minMagnitude) change = Math.sign(adjustment) * minMagnitude;
      return current + change;
    }
    default: return current + adjustment;
  }
}

function runStepScaling(ctx: ServiceOpContext, at: number): void {
  const byArn = new Map<string, { target: ScalableTargetRecord; policy: ScalingPolicyRecord }>();
  for (const target of ctx.state.scaling.targets.values()) {
    for (const policy of target.policies.values()) if (policy.policyType === 'StepScaling') byArn.set(policy.arn, { target, policy });
  }
  if (byArn.size === 0) return;
  for (const alarm of ctx.state.scaling.alarms.values()) {
    if (alarm.state !== 'ALARM' || alarm.config.ActionsEnabled === false || !Array.isArray(alarm.config.AlarmActions)) continue;
    const value = metricValue(ctx.state, alarm);
    if (value === undefined) continue;
    for (const action of alarm.config.AlarmActions) {
      const hit = typeof action === 'string' ? byArn.get(action) : undefined;
      if (!hit) continue;
      const { target, policy } = hit;
      const svc = liveService(ctx.state, target.cluster, target.service);
      if (!svc || svc.status !== 'ACTIVE') continue;
      const last = Math.max(policy.lastScaleInAt ?? -Infinity, policy.lastScaleOutAt ?? -Infinity);
      if (at < last + cooldownMs(policy.configuration, 'Cooldown')) continue;
      const adjustment = stepAdjustment(policy.configuration, value - (alarm.config.Threshold as number));
      if (adjustment === undefined) continue;
      const next = Math.min(target.maxCapacity, Math.max(target.minCapacity, adjustedCount(policy.configuration, svc.desiredCount, adjustment)));
      if (next === svc.desiredCount) continue;
      const out = next > svc.desiredCount;
      if (out ? target.suspendedState.DynamicScalingOutSuspended : target.suspendedState.DynamicScalingInSuspended) continue;
      if (out) policy.lastScaleOutAt = at;
      else policy.lastScaleInAt = at;
      setScaledCount(ctx, target, next, `monitor alarm ${alarm.name} in state ALARM triggered policy ${policy.name}`);
    }
  }
}
