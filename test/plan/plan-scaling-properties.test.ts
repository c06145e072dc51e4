/**
 * planScaling is idempotent over generated states: from any live scaling
 * (nothing, or what an older block left, plus a PredictiveScaling policy and
 * a stray alarm of ours) to any block or none, applying the plan on a model
 * of AWS (plan-scaling-simulator.ts) gives a state whose plan is empty and
 * whose diff shows nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffScaling } from '../../src/diff/index.js';
import type { AutoScalingSpec } from '../../src/manifests/types.js';
import { planScaling } from '../../src/plan/index.js';
import { scalingAlarmName, type LiveScaling } from '../../src/plan/scaling-types.js';
import { autoScalingSpecArb, awsStored, policyArn, storedStyleArb } from '../diff/scaling-arbitraries.js';
import { applyScalingActions } from './plan-scaling-simulator.js';

const RUNS = { numRuns: 300 };
const cluster = 'prod';
const service = 'web';
const EMPTY: LiveScaling = { policies: [], scheduledActions: [], alarms: [] };

/** What a previous block, a PredictiveScaling policy added by hand and a stray alarm of ours leave live. */
const startArb = fc.oneof(
  fc.constant({ live: EMPTY, owned: false }),
  fc.record({ previous: autoScalingSpecArb, style: storedStyleArb, predictive: fc.boolean(), strayAlarm: fc.boolean() }).map(({ previous, style, predictive, strayAlarm }) => {
    const stored = awsStored(previous, cluster, service, style);
    const live: LiveScaling = {
      ...stored,
      policies: predictive
        ? [...stored.policies, { PolicyName: 'forecast', PolicyARN: policyArn(cluster, service, 'forecast'), PolicyType: 'PredictiveScaling', ServiceNamespace: 'ecs', ResourceId: `service/${cluster}/${service}`, ScalableDimension: 'ecs:service:DesiredCount', CreationTime: new Date(0) }]
        : stored.policies,
      alarms: strayAlarm
        ? [...stored.alarms, { AlarmName: scalingAlarmName(cluster, service, 'gone'), MetricName: 'CPUUtilization', Namespace: 'AWS/ECS', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Average' }]
        : stored.alarms,
    };
    return { live, owned: true };
  }),
);

function plan(desired: AutoScalingSpec | undefined, live: LiveScaling, owned: boolean) {
  return planScaling({ cluster, service, desired, live, owned, external: false, controllerId: 'ctl' });
}

describe('planScaling idempotence', () => {
  it('applying the plan to a model of AWS leaves nothing to plan and nothing to diff', () => {
    fc.assert(
      fc.property(startArb, fc.option(autoScalingSpecArb, { nil: undefined }), ({ live, owned }, desired) => {
        const first = plan(desired, live, owned);
        expect(first.blocked).toBeUndefined();
        const after = applyScalingActions(live, first.actions, cluster, service);
        const ownedAfter = desired !== undefined;
        expect(plan(desired, after, ownedAfter).actions).toEqual([]);
        expect(diffScaling(desired, after, { owned: true, cluster, service })).toEqual([]);
      }),
      RUNS,
    );
  });

  it('a block already applied plans nothing', () => {
    fc.assert(
      fc.property(autoScalingSpecArb, storedStyleArb, (spec, style) => {
        expect(plan(spec, awsStored(spec, cluster, service, style), true).actions).toEqual([]);
      }),
      RUNS,
    );
  });
});
