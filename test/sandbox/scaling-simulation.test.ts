/**
 * Simulated scaling on the sandbox clock: the admin load call drives target
 * tracking (through its alarms, cooldowns, min/max, DisableScaleIn,
 * SuspendedState) and step scaling; scheduled actions run at their time;
 * every change is an activity and none is an UpdateService in the call log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeScalingActivitiesCommand, PutScalingPolicyCommand, PutScheduledActionCommand, RegisterScalableTargetCommand, DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateServiceCommand } from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../src/sandbox/index.js';
import { nextRun, parseSchedule } from '../../src/sandbox/schedule.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, testSandbox, type SandboxAccount } from './sandbox-harness.js';

const TARGET = { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', ResourceId: 'service/c/web' } as const;
const MINUTE = 60_000;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function scaledService(options: { desired?: number; min?: number; max?: number; tracking?: object | false } = {}): Promise<SandboxAccount> {
  const account = accountOn(sandbox);
  const ecs = account.ecs();
  const td = await clusterWithTaskDefinition(ecs, 'c', 'web');
  await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: td, desiredCount: options.desired ?? 2, launchType: 'FARGATE', networkConfiguration: NETWORK }));
  const aas = account.autoScaling();
  await aas.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: options.min ?? 1, MaxCapacity: options.max ?? 10 }));
  if (options.tracking !== false) {
    await aas.send(new PutScalingPolicyCommand({
      ...TARGET, PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ...options.tracking },
    }));
  }
  return account;
}

const desired = (account: SandboxAccount): number =>
  (sandbox.call('DescribeServices', { cluster: 'c', services: ['web'] }, account).services as { desiredCount: number }[])[0]?.desiredCount ?? -1;
const load = (account: SandboxAccount, cpu: number): void => sandbox.admin.setServiceLoad({ accountId: account.accountId, region: account.region, cluster: 'c', service: 'web' }, cpu);

describe('target tracking on ECS CPU', () => {
  it('scales out after three minutes above the target, to ceil(demand / target), and stops there', async () => {
    const account = await scaledService();
    load(account, 90); // 2 tasks at 90 % = demand 180 -> 4 tasks at 45 %
    sandbox.clock.advance(2 * MINUTE);
    expect(desired(account)).toBe(2);
    sandbox.clock.advance(MINUTE);
    expect(desired(account)).toBe(4);
    sandbox.clock.advance(30 * MINUTE);
    expect(desired(account)).toBe(4);
    const activities = (await account.autoScaling().send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: TARGET.ResourceId }))).ScalingActivities ?? [];
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({
      Description: 'Setting desired count to 4.', StatusCode: 'Successful',
      Cause: expect.stringMatching(/^monitor alarm TargetTracking-service\/c\/web-AlarmHigh-.* in state ALARM triggered policy cpu$/),
    });
    expect(activities[0]?.StartTime).toBeInstanceOf(Date);
    expect(sandbox.admin.callLog({ accountId: account.accountId, operation: 'UpdateService' })).toEqual([]);
    const high = (await account.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-service/c/web-AlarmHigh' }))).MetricAlarms?.[0];
    expect(high?.StateValue).toBe('OK');
  });

  it('stays within max, and respects the scale-out cooldown between steps', async () => {
    const account = await scaledService({ max: 6, tracking: { ScaleOutCooldown: 600 } });
    load(account, 100); // demand 200 -> 4
    sandbox.clock.advance(3 * MINUTE);
    expect(desired(account)).toBe(4);
    load(account, 100); // demand 400 -> 8, capped at 6, but only after the 600 s cooldown
    sandbox.clock.advance(5 * MINUTE);
    expect(desired(account)).toBe(4);
    sandbox.clock.advance(6 * MINUTE);
    expect(desired(account)).toBe(6);
  });

  it('scales in after fifteen minutes below 90 % of the target, never below min, and not with DisableScaleIn', async () => {
    const account = await scaledService({ desired: 6, min: 2 });
    load(account, 5); // demand 30 -> 1, floored at min 2
    sandbox.clock.advance(14 * MINUTE);
    expect(desired(account)).toBe(6);
    sandbox.clock.advance(2 * MINUTE);
    expect(desired(account)).toBe(2);

    const fixed = await scaledService({ desired: 6, tracking: { DisableScaleIn: true } });
    load(fixed, 5);
    sandbox.clock.advance(60 * MINUTE);
    expect(desired(fixed)).toBe(6);
  });

  it('does nothing while dynamic scaling out is suspended', async () => {
    const account = await scaledService();
    await account.autoScaling().send(new RegisterScalableTargetCommand({ ...TARGET, SuspendedState: { DynamicScalingOutSuspended: true } }));
    load(account, 95);
    sandbox.clock.advance(10 * MINUTE);
    expect(desired(account)).toBe(2);
  });
});

describe('step scaling', () => {
  it('runs the step the breach falls in while its alarm is in ALARM, once per cooldown', async () => {
    const account = await scaledService({ tracking: false });
    const { PolicyARN } = await account.autoScaling().send(new PutScalingPolicyCommand({
      ...TARGET, PolicyName: 'out', PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity', Cooldown: 120,
        StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 }],
      },
    }));
    await account.cloudWatch().send(new PutMetricAlarmCommand({
      AlarmName: 'ecs-gitops/c/web/out', MetricName: 'CPUUtilization', Namespace: 'AWS/ECS', Statistic: 'Average', Period: 60, EvaluationPeriods: 2,
      Dimensions: [{ Name: 'ClusterName', Value: 'c' }, { Name: 'ServiceName', Value: 'web' }],
      Threshold: 60, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [PolicyARN as string],
    }));
    load(account, 95); // 2 tasks: 95 % (35 over: +3) -> 5 tasks: 38 %
    sandbox.clock.advance(2 * MINUTE);
    expect(desired(account)).toBe(5);
    const alarm = (await account.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNames: ['ecs-gitops/c/web/out'] }))).MetricAlarms?.[0];
    expect(alarm?.StateValue).toBe('ALARM');
    sandbox.clock.advance(10 * MINUTE);
    expect(desired(account)).toBe(5);
  });
});

describe('scheduled actions', () => {
  it('apply at their time on the sandbox clock, set min/max and clamp the desired count', async () => {
    const account = await scaledService({ tracking: false });
    const at = new Date(sandbox.clock.now() + 90 * MINUTE);
    const stamp = at.toISOString().slice(0, 19);
    await account.autoScaling().send(new PutScheduledActionCommand({
      ...TARGET, ScheduledActionName: 'peak', Schedule: `at(${stamp})`, ScalableTargetAction: { MinCapacity: 5, MaxCapacity: 8 },
    }));
    sandbox.clock.advance(89 * MINUTE);
    expect(desired(account)).toBe(2);
    sandbox.clock.advance(MINUTE);
    expect(desired(account)).toBe(5);
    const [t] = (await account.autoScaling().send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))).ScalableTargets ?? [];
    expect([t?.MinCapacity, t?.MaxCapacity]).toEqual([5, 8]);
    const activities = (await account.autoScaling().send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs' }))).ScalingActivities ?? [];
    expect(activities.map((a) => [a.Description, a.Cause])).toEqual([
      ['Setting desired count to 5.', 'minimum capacity was set to 5'],
      ['Setting min capacity to 5 and max capacity to 8', 'scheduled action name peak was triggered'],
    ]);
    expect(sandbox.admin.callLog({ accountId: account.accountId, operation: 'UpdateService' })).toEqual([]);
  });

  it('do not run while scheduled scaling is suspended', async () => {
    const account = await scaledService({ tracking: false });
    await account.autoScaling().send(new RegisterScalableTargetCommand({ ...TARGET, SuspendedState: { ScheduledScalingSuspended: true } }));
    await account.autoScaling().send(new PutScheduledActionCommand({ ...TARGET, ScheduledActionName: 'r', Schedule: 'rate(10 minutes)', ScalableTargetAction: { MinCapacity: 4 } }));
    sandbox.clock.advance(30 * MINUTE);
    expect(desired(account)).toBe(2);
  });
});

describe('schedule expressions', () => {
  it('cron runs in its time zone, rate from its start, at once', () => {
    const after = Date.UTC(2026, 0, 5, 12, 0); // Monday 12:00 UTC = 13:00 in Paris
    expect(new Date(nextRun(parseSchedule('cron(30 14 ? * MON-FRI *)'), after, { zone: 'Europe/Paris', origin: after })).toISOString()).toBe('2026-01-05T13:30:00.000Z');
    expect(new Date(nextRun(parseSchedule('cron(0 9 ? * SAT *)'), after, { origin: after })).toISOString()).toBe('2026-01-10T09:00:00.000Z');
    expect(new Date(nextRun(parseSchedule('cron(0 0 1 */3 ? *)'), after, { origin: after })).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(nextRun(parseSchedule('rate(15 minutes)'), after, { origin: after })).toBe(after + 15 * MINUTE);
    expect(nextRun(parseSchedule('rate(1 hour)'), after + MINUTE, { origin: after, end: after + 30 * MINUTE })).toBe(Infinity);
    expect(new Date(nextRun(parseSchedule('at(2026-07-01T08:00:00)'), after, { zone: 'America/New_York', origin: after })).toISOString()).toBe('2026-07-01T12:00:00.000Z');
    expect(nextRun(parseSchedule('at(2020-07-01T08:00:00)'), after, { origin: after })).toBe(Infinity);
  });
});
