/** The auto scaling SDK adapter against moto_server: every operation over HTTP with the real SDK clients. */
import { beforeAll, describe, expect, it } from 'vitest';
import { SCALING_OPERATIONS, type ScalingApi } from '../../src/autoscaling/scaling-api.js';
import { createSdkScalingApi, scalingOperationApi } from '../../src/autoscaling/scaling-sdk-adapter.js';
import { isPermanentAwsCode } from '../../src/ecs/aws-error.js';
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import { scalingAlarmName, scalingAlarmPrefix } from '../../src/plan/scaling-types.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';
import { motoScaling, serviceTarget, type MotoScaling } from './moto-scaling.js';

const hasMoto = motoEndpoint() !== null;

describe.skipIf(!hasMoto)('scaling SDK adapter against moto', () => {
  let world: MotoScaling;
  let api: ScalingApi;
  const target = serviceTarget('c1', 'web');

  beforeAll(async () => {
    world = await motoScaling({ c1: ['web'] });
    api = world.scaling;
  });

  it('registers, describes, updates and deregisters a scalable target', async () => {
    await api.send('RegisterScalableTarget', { ...target, MinCapacity: 1, MaxCapacity: 4 });
    await api.send('RegisterScalableTarget', { ...target, MinCapacity: 2, MaxCapacity: 6 });
    const out = await api.send('DescribeScalableTargets', { ServiceNamespace: 'ecs', ResourceIds: [target.ResourceId] });
    expect(out.ScalableTargets).toEqual([expect.objectContaining({ ...target, MinCapacity: 2, MaxCapacity: 6 })]);
    expect(out.ScalableTargets?.[0]?.CreationTime).toBeInstanceOf(Date);
  });

  it('puts, lists and deletes a step scaling policy and a target tracking policy', async () => {
    const step = await api.send('PutScalingPolicy', {
      ...target, PolicyName: 'step-out', PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', Cooldown: 60, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
    });
    expect(step.PolicyARN).toMatch(/^arn:aws:autoscaling:eu-west-1:\d+:scalingPolicy:.*policyName\/step-out$/);
    await api.send('PutScalingPolicy', {
      ...target, PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    });
    const listed = await api.send('DescribeScalingPolicies', { ServiceNamespace: 'ecs', ResourceId: target.ResourceId });
    expect(listed.ScalingPolicies?.map((p) => [p.PolicyName, p.PolicyType]).sort()).toEqual([['cpu', 'TargetTrackingScaling'], ['step-out', 'StepScaling']]);
    expect(listed.ScalingPolicies?.find((p) => p.PolicyName === 'step-out')?.StepScalingPolicyConfiguration?.StepAdjustments)
      .toEqual([{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }]);
    await api.send('DeleteScalingPolicy', { ...target, PolicyName: 'cpu' });
    const after = await api.send('DescribeScalingPolicies', { ServiceNamespace: 'ecs', ResourceId: target.ResourceId });
    expect(after.ScalingPolicies?.map((p) => p.PolicyName)).toEqual(['step-out']);
  });

  it('puts, lists and deletes a scheduled action', async () => {
    await api.send('PutScheduledAction', {
      ...target, ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', Timezone: 'Europe/Paris',
      ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 1 },
    });
    const listed = await api.send('DescribeScheduledActions', { ServiceNamespace: 'ecs', ResourceId: target.ResourceId });
    expect(listed.ScheduledActions).toEqual([expect.objectContaining({
      ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', Timezone: 'Europe/Paris', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 1 },
    })]);
    await api.send('DeleteScheduledAction', { ...target, ScheduledActionName: 'night' });
    expect((await api.send('DescribeScheduledActions', { ServiceNamespace: 'ecs', ResourceId: target.ResourceId })).ScheduledActions).toEqual([]);
  });

  it('puts, lists by name prefix and deletes a CloudWatch metric alarm (JSON 1.0)', async () => {
    const name = scalingAlarmName('c1', 'web', 'step-out');
    await api.send('PutMetricAlarm', {
      AlarmName: name, Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Statistic: 'Average', Period: 60, EvaluationPeriods: 2,
      Threshold: 70, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'ClusterName', Value: 'c1' }, { Name: 'ServiceName', Value: 'web' }], AlarmActions: ['arn:aws:autoscaling:eu-west-1:1:scalingPolicy:x'],
    });
    const listed = await api.send('DescribeAlarms', { AlarmNamePrefix: scalingAlarmPrefix('c1', 'web'), MaxRecords: 100 });
    expect(listed.MetricAlarms).toEqual([expect.objectContaining({
      AlarmName: name, Threshold: 70, EvaluationPeriods: 2, AlarmActions: ['arn:aws:autoscaling:eu-west-1:1:scalingPolicy:x'],
    })]);
    await api.send('DeleteAlarms', { AlarmNames: [name] });
    expect((await api.send('DescribeAlarms', { AlarmNamePrefix: scalingAlarmPrefix('c1', 'web') })).MetricAlarms).toEqual([]);
  });

  // moto 5.2.1 has no DescribeScalingActivities: it answers 500 with an HTML page.
  it.fails('reads the latest scaling activities (moto: DescribeScalingActivities not implemented)', async () => {
    const out = await api.send('DescribeScalingActivities', { ServiceNamespace: 'ecs', ResourceId: target.ResourceId, MaxResults: 5 });
    expect(out.ScalingActivities).toBeDefined();
  });

  // moto 5.2.1 has no Application Auto Scaling TagResource: it answers 500 with an HTML page (the sandbox test covers it).
  it.fails('tags the target by its ARN (claiming an adopted target; moto: TagResource not implemented)', async () => {
    // moto 5.2.1 leaves ScalableTargetARN out of DescribeScalableTargets; RegisterScalableTarget returns it.
    const registered = await api.send('RegisterScalableTarget', { ...target, MinCapacity: 1, MaxCapacity: 4 });
    expect(registered.ScalableTargetARN).toMatch(/^arn:aws:application-autoscaling:/);
    await api.send('TagResource', { ResourceARN: registered.ScalableTargetARN, Tags: { 'ecs-gitops/managed-by': 'ecs-gitops' } });
  });

  it('deregisters the target', async () => {
    await api.send('DeregisterScalableTarget', target);
    expect((await api.send('DescribeScalableTargets', { ServiceNamespace: 'ecs', ResourceIds: [target.ResourceId] })).ScalableTargets).toEqual([]);
  });

  it('maps a ValidationException to the permanent AWS_INVALID_REQUEST and reports it under its API', async () => {
    const failure = api.send('RegisterScalableTarget', { ...target, ResourceId: 'not-a-service', MinCapacity: 1, MaxCapacity: 2 });
    await expect(failure).rejects.toMatchObject({
      name: 'AwsCallError', code: 'AWS_INVALID_REQUEST', awsName: 'ValidationException', outcome: 'client_error', operation: 'RegisterScalableTarget',
    });
    await expect(failure).rejects.toThrow(/^APPLICATION-AUTOSCALING RegisterScalableTarget failed: ValidationException/);
    expect(isPermanentAwsCode('AWS_INVALID_REQUEST')).toBe(true);
    expect(world.events.at(-1)).toMatchObject({
      api: 'application-autoscaling', operation: 'RegisterScalableTarget', outcome: 'client_error', errorName: 'ValidationException',
    });
  });

  it('reports every request with the API it went to', () => {
    const byApi = (event: AwsRequestEvent) => `${event.api}:${event.operation}`;
    const seen = new Set(world.events.filter((e) => e.outcome === 'ok').map(byApi));
    // moto lacks these two (expected failures above); they are reported with their API all the same.
    for (const op of SCALING_OPERATIONS.filter((o) => o !== 'DescribeScalingActivities' && o !== 'TagResource')) {
      expect(seen, op).toContain(`${scalingOperationApi(op)}:${op}`);
    }
    expect(world.events.map(byApi)).toContain('application-autoscaling:TagResource');
    expect(scalingOperationApi('PutMetricAlarm')).toBe('cloudwatch');
    expect(scalingOperationApi('PutScalingPolicy')).toBe('application-autoscaling');
    expect(world.events.every((e) => e.durationSeconds >= 0)).toBe(true);
  });

  it('builds both clients from options (endpoint, account header, maxAttempts)', async () => {
    const events: AwsRequestEvent[] = [];
    const built = createSdkScalingApi({
      endpoint: world.account.endpoint, region: world.account.region, credentials: dummyCredentials(),
      headers: { 'x-moto-account-id': world.account.accountId }, observer: (e) => events.push(e),
    });
    await built.api.send('RegisterScalableTarget', { ...target, MinCapacity: 1, MaxCapacity: 3 });
    // Same account as the world's clients: the header reached moto on both APIs.
    const seen = await world.scaling.send('DescribeScalableTargets', { ServiceNamespace: 'ecs', ResourceIds: [target.ResourceId] });
    expect(seen.ScalableTargets?.[0]?.MaxCapacity).toBe(3);
    await built.api.send('PutMetricAlarm', {
      AlarmName: scalingAlarmName('c1', 'web', 'h'), Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Statistic: 'Average',
      Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold',
    });
    expect((await world.scaling.send('DescribeAlarms', { AlarmNamePrefix: scalingAlarmPrefix('c1', 'web') })).MetricAlarms).toHaveLength(1);
    expect(events.map((e) => [e.api, e.operation, e.outcome])).toEqual([
      ['application-autoscaling', 'RegisterScalableTarget', 'ok'], ['cloudwatch', 'PutMetricAlarm', 'ok'],
    ]);
    expect(await built.autoScaling.config.maxAttempts()).toBe(1);
    expect(() => createSdkScalingApi({ maxAttempts: 5 })).toThrow(RangeError);
  });
});
