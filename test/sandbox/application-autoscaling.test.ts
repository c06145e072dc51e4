/**
 * Application Auto Scaling over HTTP with the real SDK client: every
 * operation, AWS's error names, paging at 50 and the defaults the API fills.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeleteScalingPolicyCommand, DeleteScheduledActionCommand, DeregisterScalableTargetCommand, DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand, DescribeScalingPoliciesCommand, DescribeScheduledActionsCommand, ListTagsForResourceCommand,
  PutScalingPolicyCommand, PutScheduledActionCommand, RegisterScalableTargetCommand, TagResourceCommand, UntagResourceCommand,
  type ApplicationAutoScalingClient,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateServiceCommand, DeleteServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, rejectionOf, testSandbox, type SandboxAccount } from './sandbox-harness.js';

const DIM = { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount' } as const;
const target = (service: string, cluster = 'c') => ({ ...DIM, ResourceId: `service/${cluster}/${service}` });

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function withServices(names: readonly string[], desiredCount = 2): Promise<{ account: SandboxAccount; ecs: ECSClient; aas: ApplicationAutoScalingClient }> {
  const account = accountOn(sandbox);
  const ecs = account.ecs();
  const td = await clusterWithTaskDefinition(ecs, 'c', 'web');
  for (const name of names) {
    await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: name, taskDefinition: td, desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK }));
  }
  return { account, ecs, aas: account.autoScaling() };
}

describe('scalable targets', () => {
  it('registers with the defaults Application Auto Scaling fills, updates in place and clamps the desired count', async () => {
    const { aas, account } = await withServices(['web']);
    const registered = await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4, Tags: { team: 'a' } }));
    expect(registered.ScalableTargetARN).toMatch(new RegExp(`^arn:aws:application-autoscaling:eu-west-1:${account.accountId}:scalable-target/[0-9a-f]{36}$`));
    const [t] = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))).ScalableTargets ?? [];
    expect(t).toMatchObject({
      ...target('web'), MinCapacity: 1, MaxCapacity: 4, ScalableTargetARN: registered.ScalableTargetARN,
      RoleARN: `arn:aws:iam::${account.accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
    });
    expect(t?.CreationTime).toBeInstanceOf(Date);
    // Update: only what is given changes; the ARN stays; min above the count raises it (an activity, no UpdateService).
    const again = await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 3, SuspendedState: { DynamicScalingInSuspended: true } }));
    expect(again.ScalableTargetARN).toBe(registered.ScalableTargetARN);
    const [u] = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/c/web'] }))).ScalableTargets ?? [];
    expect(u).toMatchObject({ MinCapacity: 3, MaxCapacity: 4, SuspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false } });
    const svc = sandbox.call('DescribeServices', { cluster: 'c', services: ['web'] }, account);
    expect((svc.services as { desiredCount: number }[])[0]?.desiredCount).toBe(3);
    const activities = (await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingActivities ?? [];
    expect(activities[0]).toMatchObject({ Description: 'Setting desired count to 3.', Cause: 'minimum capacity was set to 3', StatusCode: 'Successful' });
    expect(sandbox.admin.callLog({ accountId: account.accountId, operation: 'UpdateService' })).toEqual([]);
  });

  it('refuses what the API refuses, with its error names', async () => {
    const { aas } = await withServices(['web']);
    expect((await rejectionOf(aas.send(new RegisterScalableTargetCommand({ ...target('ghost'), MinCapacity: 1, MaxCapacity: 2 })))).name).toBe('ValidationException');
    expect((await rejectionOf(aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1 })))).name).toBe('ValidationException');
    expect((await rejectionOf(aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 5, MaxCapacity: 2 })))).name).toBe('ValidationException');
    expect((await rejectionOf(aas.send(new DeregisterScalableTargetCommand(target('web'))))).name).toBe('ObjectNotFoundException');
    expect((await rejectionOf(aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: Array.from({ length: 51 }, (_, i) => `service/c/s${i}`) })))).name).toBe('ValidationException');
    expect((await rejectionOf(aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', MaxResults: 51 })))).name).toBe('ValidationException');
    expect((await rejectionOf(aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', NextToken: 'bogus' })))).name).toBe('InvalidNextTokenException');
  });

  it('pages targets 50 at a time, and filters by resource id', async () => {
    const names = Array.from({ length: 53 }, (_, i) => `s${i}`);
    const { aas } = await withServices(names, 0);
    for (const n of names) await aas.send(new RegisterScalableTargetCommand({ ...target(n), MinCapacity: 0, MaxCapacity: 2 }));
    const first = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }));
    expect(first.ScalableTargets).toHaveLength(50);
    const second = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', NextToken: first.NextToken }));
    expect(second.ScalableTargets?.map((t) => t.ResourceId)).toEqual(['service/c/s50', 'service/c/s51', 'service/c/s52']);
    expect(second.NextToken).toBeUndefined();
    const some = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/c/s1', 'service/c/s7', 'service/c/none'], MaxResults: 1 }));
    expect(some.ScalableTargets?.map((t) => t.ResourceId)).toEqual(['service/c/s1']);
    expect(some.NextToken).toBeDefined();
  });

  it('tags targets by ARN', async () => {
    const { aas } = await withServices(['web']);
    const { ScalableTargetARN: arn } = await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 2, Tags: { 'ecs-gitops/managed-by': 'me' } }));
    await aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { env: 'prod' } }));
    await aas.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['env'] }));
    await aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { team: 'x' } }));
    expect((await aas.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual({ 'ecs-gitops/managed-by': 'me', team: 'x' });
    const missing = `${arn?.slice(0, -4)}0000`;
    expect((await rejectionOf(aas.send(new ListTagsForResourceCommand({ ResourceARN: missing })))).name).toBe('ResourceNotFoundException');
  });

  it('exists only as long as its service: deleting the service removes the target', async () => {
    const { aas, ecs } = await withServices(['web']);
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 2 }));
    await ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'web', force: true }));
    sandbox.clock.advance(10 * 60_000);
    expect((await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))).ScalableTargets).toEqual([]);
  });
});

describe('scaling policies', () => {
  it('target tracking: returns and describes its two alarms, created in CloudWatch; an update keeps ARN and alarms', async () => {
    const { aas, account } = await withServices(['web']);
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    const put = await aas.send(new PutScalingPolicyCommand({
      ...target('web'), PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    }));
    expect(put.PolicyARN).toMatch(new RegExp(`^arn:aws:autoscaling:eu-west-1:${account.accountId}:scalingPolicy:[0-9a-f-]{36}:resource/ecs/service/c/web:policyName/cpu$`));
    expect(put.Alarms?.map((a) => a.AlarmName)).toEqual([
      expect.stringMatching(/^TargetTracking-service\/c\/web-AlarmHigh-[0-9a-f-]{36}$/),
      expect.stringMatching(/^TargetTracking-service\/c\/web-AlarmLow-[0-9a-f-]{36}$/),
    ]);
    const alarms = (await account.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-service/c/web-' }))).MetricAlarms ?? [];
    expect(alarms.map((a) => [a.ComparisonOperator, a.Threshold, a.EvaluationPeriods, a.AlarmActions])).toEqual([
      ['GreaterThanThreshold', 60, 3, [put.PolicyARN]], ['LessThanThreshold', 54, 15, [put.PolicyARN]],
    ]);
    const updated = await aas.send(new PutScalingPolicyCommand({
      ...target('web'), PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, ScaleOutCooldown: 30, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    }));
    expect(updated.PolicyARN).toBe(put.PolicyARN);
    expect(updated.Alarms).toEqual(put.Alarms);
    const [policy] = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingPolicies ?? [];
    expect(policy).toMatchObject({
      PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling', ...target('web'), Alarms: put.Alarms,
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, ScaleOutCooldown: 30, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    });
    await aas.send(new DeleteScalingPolicyCommand({ ...target('web'), PolicyName: 'cpu' }));
    expect((await account.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-' }))).MetricAlarms).toEqual([]);
    expect((await rejectionOf(aas.send(new DeleteScalingPolicyCommand({ ...target('web'), PolicyName: 'cpu' })))).name).toBe('ObjectNotFoundException');
  });

  it('step scaling: fills MetricAggregationType and lists the alarms that invoke it', async () => {
    const { aas, account } = await withServices(['web']);
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    const { PolicyARN } = await aas.send(new PutScalingPolicyCommand({
      ...target('web'), PolicyName: 'out', PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], Cooldown: 60 },
    }));
    const { PutMetricAlarmCommand } = await import('@aws-sdk/client-cloudwatch');
    await account.cloudWatch().send(new PutMetricAlarmCommand({
      AlarmName: 'ecs-gitops/c/web/out', MetricName: 'CPUUtilization', Namespace: 'AWS/ECS', Statistic: 'Average', Period: 60, EvaluationPeriods: 1,
      Threshold: 70, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [PolicyARN as string],
    }));
    const [policy] = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', PolicyNames: ['out'] }))).ScalingPolicies ?? [];
    expect(policy?.StepScalingPolicyConfiguration).toEqual({
      AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], Cooldown: 60, MetricAggregationType: 'Average',
    });
    expect(policy?.Alarms?.map((a) => a.AlarmName)).toEqual(['ecs-gitops/c/web/out']);
  });

  it('refuses invalid policies, a missing target and the 51st policy; pages policies', async () => {
    const { aas } = await withServices(['web']);
    const cpu = (name: string, extra: object = {}) => new PutScalingPolicyCommand({
      ...target('web'), PolicyName: name, PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ...extra },
    });
    expect((await rejectionOf(aas.send(cpu('p')))).name).toBe('ObjectNotFoundException');
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    expect((await rejectionOf(aas.send(new PutScalingPolicyCommand({
      ...target('web'), PolicyName: 'alb', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'not-a-label' } },
    })))).name).toBe('ValidationException');
    expect((await rejectionOf(aas.send(new PutScalingPolicyCommand({ ...target('web'), PolicyName: 'x', PolicyType: 'StepScaling' })))).name).toBe('ValidationException');
    expect((await rejectionOf(aas.send(cpu('neg', { ScaleInCooldown: -1 })))).name).toBe('ValidationException');
    for (let i = 0; i < 50; i++) await aas.send(cpu(`p${i}`));
    expect((await rejectionOf(aas.send(cpu('p50')))).name).toBe('LimitExceededException');
    await aas.send(cpu('p0', { TargetValue: 40 }));
    const first = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web', MaxResults: 30 }));
    const second = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web', NextToken: first.NextToken }));
    expect([...(first.ScalingPolicies ?? []), ...(second.ScalingPolicies ?? [])]).toHaveLength(50);
    expect((await rejectionOf(aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', MaxResults: 51 })))).name).toBe('ValidationException');
  });
});

describe('scheduled actions', () => {
  it('creates, updates, describes (Timezone UTC by default) and deletes; deregistering the target deletes its policies and actions', async () => {
    const { aas } = await withServices(['web']);
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    await aas.send(new PutScheduledActionCommand({ ...target('web'), ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 2 } }));
    await aas.send(new PutScheduledActionCommand({ ...target('web'), ScheduledActionName: 'night', Timezone: 'Europe/Paris' }));
    const [action] = (await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScheduledActions ?? [];
    expect(action).toMatchObject({
      ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', Timezone: 'Europe/Paris', ...target('web'), ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 2 },
    });
    expect(action?.ScheduledActionARN).toMatch(/^arn:aws:autoscaling:eu-west-1:\d{12}:scheduledAction:[0-9a-f-]{36}:resource\/ecs\/service\/c\/web:scheduledActionName\/night$/);
    await aas.send(new DeleteScheduledActionCommand({ ...target('web'), ScheduledActionName: 'night' }));
    expect((await rejectionOf(aas.send(new DeleteScheduledActionCommand({ ...target('web'), ScheduledActionName: 'night' })))).name).toBe('ObjectNotFoundException');

    await aas.send(new PutScheduledActionCommand({ ...target('web'), ScheduledActionName: 'a', Schedule: 'rate(5 minutes)', ScalableTargetAction: { MinCapacity: 2 } }));
    await aas.send(new PutScalingPolicyCommand({
      ...target('web'), PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    }));
    await aas.send(new DeregisterScalableTargetCommand(target('web')));
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    expect((await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs' }))).ScheduledActions).toEqual([]);
    expect((await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs' }))).ScalingPolicies).toEqual([]);
  });

  it.each([
    'cron(0 22 * * * *)', 'cron(0 22 * *)', 'cron(61 * * * ? *)', 'rate(0 minutes)', 'rate(5 weeks)', 'at(2026-13-01T00:00:00)', 'every day',
  ])('refuses the schedule %s with ValidationException', async (schedule) => {
    const { aas } = await withServices(['web']);
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    const err = await rejectionOf(aas.send(new PutScheduledActionCommand({ ...target('web'), ScheduledActionName: 'x', Schedule: schedule, ScalableTargetAction: { MinCapacity: 1 } })));
    expect(err.name).toBe('ValidationException');
  });

  it('refuses a bad time zone and the 201st action', async () => {
    const { aas } = await withServices(['web']);
    await aas.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    const put = (name: string, extra: object = {}) => new PutScheduledActionCommand({ ...target('web'), ScheduledActionName: name, Schedule: 'cron(0 6 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 2 }, ...extra });
    expect((await rejectionOf(aas.send(put('tz', { Timezone: 'Mars/Olympus' })))).name).toBe('ValidationException');
    for (let i = 0; i < 200; i++) await aas.send(put(`a${i}`));
    expect((await rejectionOf(aas.send(put('a200')))).name).toBe('LimitExceededException');
    const page1 = await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs' }));
    expect(page1.ScheduledActions).toHaveLength(50);
    expect(page1.NextToken).toBeDefined();
  });
});
