/**
 * The steady scenario's scaling yardstick and fixture: the ideal number of
 * listing pages, the split of the sandbox's counts into ECS and scaling calls,
 * and a fleet whose autoscaled fifth loads as valid manifests.
 */
import { describe, expect, it } from 'vitest';
import { Fleet, REGION } from '../../bench/lib/fixture.js';
import { idealScalingCalls, scalingResyncCost, splitCalls } from '../../bench/scenarios/steady-state.js';
import { readSnapshot } from '../../src/app/runtime.js';
import { requireProgram } from '../support/programs.js';

const hasGit = requireProgram('git', 'apt-get install git');

describe('idealScalingCalls', () => {
  it.each([
    // Nothing autoscaled: one DescribeScalableTargets page says so, and nothing else is listed.
    { counts: { targets: 0, policies: 0, scheduledActions: 0, alarms: 0 }, expected: [1, 0, 0, 0] },
    // Any target: each listing costs at least one page, even when it finds nothing.
    { counts: { targets: 1, policies: 1, scheduledActions: 0, alarms: 0 }, expected: [1, 1, 1, 1] },
    { counts: { targets: 50, policies: 51, scheduledActions: 100, alarms: 100 }, expected: [1, 2, 2, 1] },
    // The full steady fleet: 200 targets, 240 policies, 100 scheduled actions, 40 alarms.
    { counts: { targets: 200, policies: 240, scheduledActions: 100, alarms: 40 }, expected: [4, 5, 2, 1] },
    { counts: { targets: 201, policies: 201, scheduledActions: 1, alarms: 101 }, expected: [5, 5, 1, 2] },
  ])('$counts -> $expected', ({ counts, expected }) => {
    const ideal = idealScalingCalls(counts);
    expect([ideal.DescribeScalableTargets, ideal.DescribeScalingPolicies, ideal.DescribeScheduledActions, ideal.DescribeAlarms]).toEqual(expected);
    expect(ideal.total).toBe(expected.reduce((a, b) => a + b, 0));
  });
});

describe('splitCalls and scalingResyncCost', () => {
  const calls = {
    DescribeServices: 100, DescribeScalableTargets: 4, DescribeScalingPolicies: 5, DescribeScheduledActions: 2, DescribeAlarms: 1,
  };
  const counts = { targets: 200, policies: 240, scheduledActions: 100, alarms: 40 };

  it('puts the Application Auto Scaling and CloudWatch operations apart from ECS', () => {
    expect(splitCalls(calls)).toEqual({
      ecs: { DescribeServices: 100 },
      scaling: { DescribeScalableTargets: 4, DescribeScalingPolicies: 5, DescribeScheduledActions: 2, DescribeAlarms: 1 },
      scheduler: {},
    });
  });

  it('puts EventBridge Scheduler operations apart from ECS (the prune scan is not an ECS call)', () => {
    expect(splitCalls({ DescribeServices: 10, GetScheduleGroup: 1, ListSchedules: 2 })).toEqual({
      ecs: { DescribeServices: 10 }, scaling: {}, scheduler: { GetScheduleGroup: 1, ListSchedules: 2 },
    });
  });

  it('an ideal resync: ratio 1, no writes, no activity reads, within both read buckets', () => {
    const cost = scalingResyncCost(calls, counts);
    expect(cost).toMatchObject({ totalCalls: 12, ratio: 1, writes: 0, activityReads: 0 });
    expect(cost.budget['autoscaling-read']).toMatchObject({ calls: 11 });
    expect(cost.budget['cloudwatch-read']).toMatchObject({ calls: 1 });
    expect(cost.budget['autoscaling-read']?.burstShare).toBeLessThan(1);
  });

  it('activity reads and writes count against the ideal', () => {
    const cost = scalingResyncCost({ ...calls, DescribeScalingActivities: 200, PutScalingPolicy: 1, PutMetricAlarm: 1 }, counts);
    expect(cost).toMatchObject({ totalCalls: 214, writes: 2, activityReads: 200 });
    expect(cost.ratio).toBeCloseTo(214 / 12, 9);
    // 211 reads through a bucket of 18: the resync waits for tokens.
    expect(cost.budget['autoscaling-read']?.burstShare).toBeGreaterThan(1);
  });
});

describe.skipIf(!hasGit)('Fleet with autoScaleEvery', () => {
  it('autoscales a fifth of every cluster, and its manifests load without problems', async () => {
    const fleet = new Fleet({ services: 100, clusters: 10, prefix: 'bt', autoScaleEvery: 5 });
    try {
      fleet.init();
      expect(fleet.scalingCounts).toEqual({ targets: 20, policies: 24, scheduledActions: 10, alarms: 4 });
      const perCluster = new Map<string, number>();
      for (const ref of fleet.refs) if (ref.scaling) perCluster.set(ref.cluster, (perCluster.get(ref.cluster) ?? 0) + 1);
      expect([...perCluster.values()]).toEqual(new Array<number>(10).fill(2));
      const snapshot = await readSnapshot(fleet.root, REGION, new AbortController().signal);
      expect(snapshot.problems).toEqual([]);
      const declared = snapshot.services.filter((s) => s.manifest.spec.autoScaling !== undefined);
      expect(declared).toHaveLength(20);
      expect(declared.filter((s) => (s.manifest.spec.autoScaling?.stepScaling ?? []).length > 0)).toHaveLength(4);
    } finally {
      fleet.remove();
    }
  });
});
