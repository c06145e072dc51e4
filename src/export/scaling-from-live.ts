/**
 * A service's live auto scaling (its scalable target, policies, scheduled
 * actions and the alarms named for it) turned into the `spec.autoScaling` a
 * person would write: the canonical form diff-scaling compares, listed by
 * name, without the values Application Auto Scaling and CloudWatch would fill
 * in anyway. Pure. What cannot be declared (a predictive scaling policy, a
 * step scaling policy whose alarm the controller does not name) is left out
 * and shows in the residual changes, which the export reports.
 */
import { diffScaling } from '../diff/diff-scaling.js';
import type { Change } from '../diff/index.js';
import {
  DEFAULT_METRIC_AGGREGATION_TYPE, DEFAULT_SCHEDULE_TIMEZONE, DEFAULT_TREAT_MISSING_DATA, ECS_DEFAULT_COOLDOWN_SECONDS, normalizeLiveScaling,
} from '../diff/scaling-normalize.js';
import type { AutoScalingSpec } from '../manifests/types.js';
import type { LiveScaling } from '../plan/scaling-types.js';

type Entry = Record<string, unknown>;

export interface ExportedScaling {
  readonly autoScaling: AutoScalingSpec;
  /** What diffScaling still reports between the exported block and live (empty for a faithful export). */
  readonly residualChanges: readonly Change[];
}

function entries(value: unknown): [string, Entry][] {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value as Record<string, Entry>).sort(([a], [b]) => a.localeCompare(b))
    : [];
}

/** The entry without undefined values and without the fields equal to the default given for them. */
function withoutDefaults(entry: Entry, defaults: Entry, drop: readonly string[] = []): Entry {
  const out: Entry = {};
  for (const [key, value] of Object.entries(entry)) {
    if (value === undefined || drop.includes(key)) continue;
    if (key in defaults && JSON.stringify(defaults[key]) === JSON.stringify(value)) continue;
    out[key] = value;
  }
  return out;
}

/** undefined when the service has no scalable target. */
export function autoScalingFromLive(live: LiveScaling | undefined, cluster: string, service: string): ExportedScaling | undefined {
  if (!live?.target) return undefined;
  const canonical = normalizeLiveScaling(live, { cluster, service }) as Entry;
  const spec: Record<string, unknown> = { minCapacity: canonical.minCapacity, maxCapacity: canonical.maxCapacity };
  const suspended = withoutDefaults((canonical.suspendedState ?? {}) as Entry, {
    dynamicScalingInSuspended: false, dynamicScalingOutSuspended: false, scheduledScalingSuspended: false,
  });
  if (Object.keys(suspended).length > 0) spec.suspendedState = suspended;

  const targetTracking = entries(canonical.targetTracking).map(([name, policy]) => ({
    name, ...withoutDefaults(policy, { scaleInCooldown: ECS_DEFAULT_COOLDOWN_SECONDS, scaleOutCooldown: ECS_DEFAULT_COOLDOWN_SECONDS, disableScaleIn: false }),
  }));
  if (targetTracking.length > 0) spec.targetTracking = targetTracking;

  // A step policy is declarable only with the alarm the controller names for it.
  const stepScaling = entries(canonical.stepScaling).flatMap(([name, policy]) => {
    const alarm = policy.alarm as Entry | undefined;
    if (!alarm || policy.adjustmentType === undefined) return [];
    const { alarm: _alarm, ...rest } = policy;
    const alarmDefaults: Entry = { treatMissingData: DEFAULT_TREAT_MISSING_DATA, datapointsToAlarm: alarm.evaluationPeriods };
    return [{
      name,
      ...withoutDefaults(rest, { cooldown: ECS_DEFAULT_COOLDOWN_SECONDS, metricAggregationType: DEFAULT_METRIC_AGGREGATION_TYPE }),
      alarm: withoutDefaults(alarm, alarmDefaults, ['actionsEnabled', 'alarmActions']),
    }];
  });
  if (stepScaling.length > 0) spec.stepScaling = stepScaling;

  const scheduled = entries(canonical.scheduled).map(([name, action]) => ({
    name, ...withoutDefaults(action, { timezone: DEFAULT_SCHEDULE_TIMEZONE }),
  }));
  if (scheduled.length > 0) spec.scheduled = scheduled;

  const autoScaling = spec as unknown as AutoScalingSpec;
  return { autoScaling, residualChanges: diffScaling(autoScaling, live, { owned: true }) };
}
