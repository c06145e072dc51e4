/**
 * One contract suite for what service auto scaling calls, run against the
 * sandbox and moto_server with the real SDK clients: Application Auto Scaling
 * (scalable targets, target tracking and step scaling policies, scheduled
 * actions, paging, error names) and the CloudWatch alarms step scaling needs.
 * Cases listed in MOTO_KNOWN_GAPS / SANDBOX_KNOWN_GAPS (backends.ts) are
 * expected to fail on that backend only.
 */
import {
  DeleteScalingPolicyCommand, DeleteScheduledActionCommand, DeregisterScalableTargetCommand, DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand, DescribeScheduledActionsCommand, PutScalingPolicyCommand, PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteAlarmsCommand, DescribeAlarmsCommand, ListTagsForResourceCommand, PutMetricAlarmCommand, type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describe, expect } from 'vitest';
import {type Backend, type ContractAccount, contractBackends, contractCase } from './backends.js';

const backends: Backend[] = contractBackends();

const DIMENSION = 'ecs:service:DesiredCount';
const target = (service: string, cluster = 'c') => ({ ServiceNamespace: 'ecs', ResourceId: `service/${cluster}/${service}`, ScalableDimension: DIMENSION }) as const;

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A cluster `c` with EC2 services (bridge mode: neither backend models subnets), which RegisterScalableTarget needs to exist. */
async function services(a: ContractAccount, ...names: string[]): Promise<void> {
  await a.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await a.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'web', networkMode: 'bridge', requiresCompatibilities: ['EC2'], memory: '512',
    containerDefinitions: [{ name: 'app', image: 'nginx:1.27', essential: true }],
  }));
  for (const serviceName of names) {
    await a.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName, taskDefinition: 'web', desiredCount: 1, launchType: 'EC2' }));
  }
}

async function registered(a: ContractAccount, service = 'web', min = 1, max = 4): Promise<void> {
  await services(a, service);
  await a.autoScaling.send(new RegisterScalableTargetCommand({ ...target(service), MinCapacity: min, MaxCapacity: max }));
}

const cpuTracking = (name: string, targetValue = 50) => new PutScalingPolicyCommand({
  ...target('web'), PolicyName: name, PolicyType: 'TargetTrackingScaling',
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: targetValue, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
    ScaleInCooldown: 120, ScaleOutCooldown: 30,
  },
});

const STEP_CONFIGURATION = {
  AdjustmentType: 'ChangeInCapacity', Cooldown: 60, MetricAggregationType: 'Average',
  StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 }],
} as const;

const stepPolicy = (name: string) => new PutScalingPolicyCommand({
  ...target('web'), PolicyName: name, PolicyType: 'StepScaling', StepScalingPolicyConfiguration: { ...STEP_CONFIGURATION, StepAdjustments: [...STEP_CONFIGURATION.StepAdjustments] },
});

const night = (extra: Partial<ConstructorParameters<typeof PutScheduledActionCommand>[0]> = {}) => new PutScheduledActionCommand({
  ...target('web'), ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', Timezone: 'Europe/Berlin',
  ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 2 }, ...extra,
});

const alarm = (name: string, extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: name, Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Statistic: 'Average',
  Dimensions: [{ Name: 'ClusterName', Value: 'c' }, { Name: 'ServiceName', Value: 'web' }],
  Period: 60, EvaluationPeriods: 3, Threshold: 75, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
  ...extra,
});

describe.each(backends)('contract (auto scaling): $name', (backend) => {
  const contract = contractCase(backend);

  // ---- scalable targets ----
  contract('scalable target: register, describe, update in place and deregister an ECS service target', async (a) => {
    await services(a, 'web');
    const out = await a.autoScaling.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 4 }));
    expect(out.ScalableTargetARN).toMatch(new RegExp(`^arn:aws:application-autoscaling:${a.region}:${a.accountId}:scalable-target/[0-9a-z]+$`));
    const describe = async () => (await a.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/c/web'] }))).ScalableTargets;
    const first = await describe();
    expect(first).toEqual([expect.objectContaining({ ...target('web'), MinCapacity: 1, MaxCapacity: 4, ScalableTargetARN: out.ScalableTargetARN })]);
    expect(first?.[0]?.CreationTime).toBeInstanceOf(Date);
    // An update names only what changes; the rest is kept, and it is still the same target.
    const again = await a.autoScaling.send(new RegisterScalableTargetCommand({ ...target('web'), MaxCapacity: 6 }));
    expect(again.ScalableTargetARN).toBe(out.ScalableTargetARN);
    expect((await describe())?.map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[1, 6]]);
    await a.autoScaling.send(new DeregisterScalableTargetCommand(target('web')));
    expect(await describe()).toEqual([]);
  });

  contract('scalable target: AWS fills RoleARN with the ECS service-linked role and SuspendedState with false', async (a) => {
    await registered(a);
    const t = (await a.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))).ScalableTargets?.[0];
    expect(t?.RoleARN).toBe(`arn:aws:iam::${a.accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`);
    expect(t?.SuspendedState).toEqual({ DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false });
  });

  contract('scalable target: SuspendedState is stored and read back', async (a) => {
    await services(a, 'web');
    const SuspendedState = { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: true };
    await a.autoScaling.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 2, SuspendedState }));
    const t = (await a.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/c/web'] }))).ScalableTargets?.[0];
    expect(t?.SuspendedState).toEqual(SuspendedState);
  });

  contract('scalable target: a service ECS does not have is a ValidationException', async (a) => {
    await services(a, 'web');
    const error = await rejection(a.autoScaling.send(new RegisterScalableTargetCommand({ ...target('ghost'), MinCapacity: 1, MaxCapacity: 2 })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("ECS service doesn't exist: service/c/ghost");
  });

  contract('scalable target: deregistering one that is not registered is an ObjectNotFoundException', async (a) => {
    await services(a, 'web');
    expect(await errorName(a.autoScaling.send(new DeregisterScalableTargetCommand(target('web'))))).toBe('ObjectNotFoundException');
  });

  contract('scalable target: MinCapacity above MaxCapacity is a ValidationException', async (a) => {
    await services(a, 'web');
    expect(await errorName(a.autoScaling.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 5, MaxCapacity: 2 })))).toBe('ValidationException');
  });

  contract('scalable target: an unsupported scalable dimension is a ValidationException', async (a) => {
    await services(a, 'web');
    const sent = a.autoScaling.send(new RegisterScalableTargetCommand({ ...target('web'), ScalableDimension: 'ecs:service:Bogus' as never, MinCapacity: 1, MaxCapacity: 2 }));
    expect(await errorName(sent)).toBe('ValidationException');
  });

  contract('scalable target: DescribeScalableTargets pages with NextToken', async (a) => {
    await services(a, 's0', 's1', 's2');
    for (const s of ['s0', 's1', 's2']) await a.autoScaling.send(new RegisterScalableTargetCommand({ ...target(s), MinCapacity: 0, MaxCapacity: 1 }));
    const page = await a.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', MaxResults: 2 }));
    expect(page.ScalableTargets).toHaveLength(2);
    expect(page.NextToken).toBeTruthy();
    const rest = await a.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', MaxResults: 2, NextToken: page.NextToken }));
    expect(rest.ScalableTargets).toHaveLength(1);
    expect(rest.NextToken).toBeUndefined();
    expect([...(page.ScalableTargets ?? []), ...(rest.ScalableTargets ?? [])].map((t) => t.ResourceId).sort()).toEqual(['service/c/s0', 'service/c/s1', 'service/c/s2']);
  });

  // ---- scaling policies ----
  contract('scaling policy: put, describe and delete a target tracking policy with the alarms it creates', async (a) => {
    await registered(a);
    const put = await a.autoScaling.send(cpuTracking('cpu'));
    expect(put.PolicyARN).toMatch(new RegExp(`^arn:aws:autoscaling:${a.region}:${a.accountId}:scalingPolicy:[0-9a-f-]{36}:resource/ecs/service/c/web:policyName/cpu$`));
    // Application Auto Scaling creates and owns the policy's alarms (never named with the controller's prefix).
    expect(put.Alarms?.map((x) => x.AlarmName?.replace(/-[0-9a-f-]{36}$/, '')).sort()).toEqual(['TargetTracking-service/c/web-AlarmHigh', 'TargetTracking-service/c/web-AlarmLow']);
    const listed = (await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingPolicies;
    expect(listed).toEqual([expect.objectContaining({
      ...target('web'), PolicyName: 'cpu', PolicyARN: put.PolicyARN, PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleInCooldown: 120, ScaleOutCooldown: 30,
      },
    })]);
    expect(listed?.[0]?.CreationTime).toBeInstanceOf(Date);
    const trackingAlarms = async () => (await a.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-service/c/web-' }))).MetricAlarms ?? [];
    expect((await trackingAlarms()).map((x) => x.AlarmName).sort()).toEqual(put.Alarms?.map((x) => x.AlarmName).sort());
    await a.autoScaling.send(new DeleteScalingPolicyCommand({ ...target('web'), PolicyName: 'cpu' }));
    expect((await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingPolicies).toEqual([]);
    expect(await trackingAlarms()).toEqual([]);
  });

  contract('scaling policy: putting a policy again updates it in place and keeps its ARN', async (a) => {
    await registered(a);
    const first = await a.autoScaling.send(cpuTracking('cpu', 50));
    const second = await a.autoScaling.send(cpuTracking('cpu', 70));
    expect(second.PolicyARN).toBe(first.PolicyARN);
    const listed = (await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingPolicies;
    expect(listed?.map((p) => [p.PolicyARN, p.TargetTrackingScalingPolicyConfiguration?.TargetValue])).toEqual([[first.PolicyARN, 70]]);
  });

  contract('scaling policy: put, describe and delete a step scaling policy', async (a) => {
    await registered(a);
    const put = await a.autoScaling.send(stepPolicy('out'));
    expect(put.PolicyARN).toMatch(/:resource\/ecs\/service\/c\/web:policyName\/out$/);
    const listed = (await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web', PolicyNames: ['out'] }))).ScalingPolicies;
    expect(listed).toEqual([expect.objectContaining({ PolicyName: 'out', PolicyARN: put.PolicyARN, PolicyType: 'StepScaling', StepScalingPolicyConfiguration: STEP_CONFIGURATION })]);
    await a.autoScaling.send(new DeleteScalingPolicyCommand({ ...target('web'), PolicyName: 'out' }));
    expect((await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingPolicies).toEqual([]);
  });

  contract('scaling policy: a policy for a target that is not registered is an ObjectNotFoundException', async (a) => {
    await services(a, 'web');
    expect(await errorName(a.autoScaling.send(cpuTracking('cpu')))).toBe('ObjectNotFoundException');
  });

  contract('scaling policy: deleting an unknown policy is an ObjectNotFoundException', async (a) => {
    await registered(a);
    expect(await errorName(a.autoScaling.send(new DeleteScalingPolicyCommand({ ...target('web'), PolicyName: 'ghost' })))).toBe('ObjectNotFoundException');
  });

  contract('scaling policy: DescribeScalingPolicies pages with NextToken', async (a) => {
    await registered(a);
    for (const name of ['p0', 'p1', 'p2']) await a.autoScaling.send(stepPolicy(name));
    const page = await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web', MaxResults: 2 }));
    expect(page.ScalingPolicies).toHaveLength(2);
    expect(page.NextToken).toBeTruthy();
    const rest = await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web', MaxResults: 2, NextToken: page.NextToken }));
    expect(rest.NextToken).toBeUndefined();
    expect([...(page.ScalingPolicies ?? []), ...(rest.ScalingPolicies ?? [])].map((p) => p.PolicyName).sort()).toEqual(['p0', 'p1', 'p2']);
  });

  // ---- scheduled actions ----
  contract('scheduled action: put, describe, update and delete with at, rate and cron schedules and a time zone', async (a) => {
    await registered(a);
    const startTime = new Date('2030-01-01T00:00:00Z');
    const endTime = new Date('2030-06-01T00:00:00Z');
    await a.autoScaling.send(new PutScheduledActionCommand({
      ...target('web'), ScheduledActionName: 'launch', Schedule: 'at(2030-01-15T08:00:00)', Timezone: 'Asia/Tokyo', ScalableTargetAction: { MinCapacity: 3 },
    }));
    await a.autoScaling.send(new PutScheduledActionCommand({
      ...target('web'), ScheduledActionName: 'tick', Schedule: 'rate(5 minutes)', Timezone: 'UTC', StartTime: startTime, EndTime: endTime,
      ScalableTargetAction: { MaxCapacity: 4 },
    }));
    await a.autoScaling.send(night());
    const describe = async (names?: string[]) => (await a.autoScaling.send(new DescribeScheduledActionsCommand({
      ServiceNamespace: 'ecs', ResourceId: 'service/c/web', ...(names ? { ScheduledActionNames: names } : {}),
    }))).ScheduledActions ?? [];
    const byName = Object.fromEntries((await describe()).map((x) => [x.ScheduledActionName, x]));
    expect(Object.keys(byName).sort()).toEqual(['launch', 'night', 'tick']);
    expect(byName.launch).toMatchObject({ ...target('web'), Schedule: 'at(2030-01-15T08:00:00)', Timezone: 'Asia/Tokyo', ScalableTargetAction: { MinCapacity: 3 } });
    expect(byName.tick).toMatchObject({ Schedule: 'rate(5 minutes)', Timezone: 'UTC', StartTime: startTime, EndTime: endTime, ScalableTargetAction: { MaxCapacity: 4 } });
    expect(byName.night).toMatchObject({ Schedule: 'cron(0 22 * * ? *)', Timezone: 'Europe/Berlin', ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 2 } });
    expect(byName.night?.ScheduledActionARN).toMatch(new RegExp(`^arn:aws:autoscaling:${a.region}:${a.accountId}:scheduledAction:.*scheduledActionName/night$`));
    expect(byName.night?.CreationTime).toBeInstanceOf(Date);
    // Putting it again replaces its schedule and capacities.
    await a.autoScaling.send(night({ Schedule: 'cron(0 23 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 1 } }));
    expect((await describe(['night'])).map((x) => [x.Schedule, x.ScalableTargetAction])).toEqual([['cron(0 23 ? * MON-FRI *)', { MinCapacity: 0, MaxCapacity: 1 }]]);
    await a.autoScaling.send(new DeleteScheduledActionCommand({ ...target('web'), ScheduledActionName: 'night' }));
    expect((await describe()).map((x) => x.ScheduledActionName).sort()).toEqual(['launch', 'tick']);
  });

  contract('scheduled action: deleting an unknown one is an ObjectNotFoundException', async (a) => {
    await registered(a);
    expect(await errorName(a.autoScaling.send(new DeleteScheduledActionCommand({ ...target('web'), ScheduledActionName: 'ghost' })))).toBe('ObjectNotFoundException');
  });

  contract('scheduled action: DescribeScheduledActions pages with NextToken', async (a) => {
    await registered(a);
    for (const name of ['n0', 'n1', 'n2']) await a.autoScaling.send(night({ ScheduledActionName: name }));
    const page = await a.autoScaling.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web', MaxResults: 2 }));
    expect(page.ScheduledActions).toHaveLength(2);
    expect(page.NextToken).toBeTruthy();
    const rest = await a.autoScaling.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web', MaxResults: 2, NextToken: page.NextToken }));
    expect([...(page.ScheduledActions ?? []), ...(rest.ScheduledActions ?? [])].map((x) => x.ScheduledActionName).sort()).toEqual(['n0', 'n1', 'n2']);
  });

  contract('scalable target: deregistering deletes its scaling policies and scheduled actions', async (a) => {
    await registered(a);
    await a.autoScaling.send(cpuTracking('cpu'));
    await a.autoScaling.send(stepPolicy('out'));
    await a.autoScaling.send(night());
    await a.autoScaling.send(new DeregisterScalableTargetCommand(target('web')));
    expect((await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingPolicies).toEqual([]);
    expect((await a.autoScaling.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScheduledActions).toEqual([]);
    // Registering again starts empty.
    await a.autoScaling.send(new RegisterScalableTargetCommand({ ...target('web'), MinCapacity: 1, MaxCapacity: 2 }));
    expect((await a.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/c/web' }))).ScalingPolicies).toEqual([]);
  });

  // ---- CloudWatch alarms ----
  contract('alarm: PutMetricAlarm with AlarmActions and Tags, read back by name', async (a) => {
    const name = 'ecs-gitops/c/web/out';
    const policyArn = `arn:aws:autoscaling:${a.region}:${a.accountId}:scalingPolicy:00000000-0000-0000-0000-000000000000:resource/ecs/service/c/web:policyName/out`;
    await a.cloudWatch.send(new PutMetricAlarmCommand(alarm(name, { AlarmActions: [policyArn], Tags: [{ Key: 'ecs-gitops/managed-by', Value: 'ecs-gitops' }] })));
    const out = await a.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name, 'ghost'] }));
    const arn = `arn:aws:cloudwatch:${a.region}:${a.accountId}:alarm:${name}`;
    expect(out.MetricAlarms).toEqual([expect.objectContaining({
      AlarmName: name, AlarmArn: arn, Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Statistic: 'Average',
      Dimensions: [{ Name: 'ClusterName', Value: 'c' }, { Name: 'ServiceName', Value: 'web' }], Period: 60, EvaluationPeriods: 3, Threshold: 75,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', AlarmActions: [policyArn], ActionsEnabled: true,
    })]);
    expect(out.MetricAlarms?.[0]?.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date);
    expect((await a.cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: 'ecs-gitops/managed-by', Value: 'ecs-gitops' }]);
  });

  contract('alarm: a new alarm starts in INSUFFICIENT_DATA', async (a) => {
    await a.cloudWatch.send(new PutMetricAlarmCommand(alarm('fresh')));
    const out = await a.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ['fresh'] }));
    expect(out.MetricAlarms?.map((x) => x.StateValue)).toEqual(['INSUFFICIENT_DATA']);
  });

  contract('alarm: PutMetricAlarm again updates the alarm in place', async (a) => {
    const name = 'ecs-gitops/c/web/out';
    await a.cloudWatch.send(new PutMetricAlarmCommand(alarm(name, { Tags: [{ Key: 'team', Value: 'a' }] })));
    await a.cloudWatch.send(new PutMetricAlarmCommand(alarm(name, { Threshold: 90, EvaluationPeriods: 2 })));
    const out = await a.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'ecs-gitops/' }));
    expect(out.MetricAlarms?.map((x) => [x.AlarmName, x.Threshold, x.EvaluationPeriods])).toEqual([[name, 90, 2]]);
    const arn = `arn:aws:cloudwatch:${a.region}:${a.accountId}:alarm:${name}`;
    expect((await a.cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([{ Key: 'team', Value: 'a' }]);
  });

  contract('alarm: DescribeAlarms by name prefix lists only the alarms it starts', async (a) => {
    for (const name of ['ecs-gitops/c/web/a', 'ecs-gitops/c/web/b', 'ecs-gitops/c/web2/a', 'other']) await a.cloudWatch.send(new PutMetricAlarmCommand(alarm(name)));
    const names = async (AlarmNamePrefix: string) => ((await a.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix }))).MetricAlarms ?? []).map((x) => x.AlarmName);
    expect(await names('ecs-gitops/c/web/')).toEqual(['ecs-gitops/c/web/a', 'ecs-gitops/c/web/b']);
    expect(await names('ecs-gitops/')).toEqual(['ecs-gitops/c/web/a', 'ecs-gitops/c/web/b', 'ecs-gitops/c/web2/a']);
  });

  contract('alarm: DescribeAlarms pages with MaxRecords and NextToken', async (a) => {
    for (const name of ['ecs-gitops/c/web/a', 'ecs-gitops/c/web/b', 'ecs-gitops/c/web/c']) await a.cloudWatch.send(new PutMetricAlarmCommand(alarm(name)));
    const page = await a.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'ecs-gitops/', MaxRecords: 2 }));
    expect(page.MetricAlarms).toHaveLength(2);
    expect(page.NextToken).toBeTruthy();
    const rest = await a.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'ecs-gitops/', MaxRecords: 2, NextToken: page.NextToken }));
    expect(rest.NextToken).toBeUndefined();
    expect([...(page.MetricAlarms ?? []), ...(rest.MetricAlarms ?? [])].map((x) => x.AlarmName)).toEqual(['ecs-gitops/c/web/a', 'ecs-gitops/c/web/b', 'ecs-gitops/c/web/c']);
  });

  contract('alarm: DeleteAlarms deletes the named alarms', async (a) => {
    for (const name of ['ecs-gitops/c/web/a', 'ecs-gitops/c/web/b', 'keep']) await a.cloudWatch.send(new PutMetricAlarmCommand(alarm(name)));
    await a.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: ['ecs-gitops/c/web/a', 'ecs-gitops/c/web/b'] }));
    expect((await a.cloudWatch.send(new DescribeAlarmsCommand({}))).MetricAlarms?.map((x) => x.AlarmName)).toEqual(['keep']);
  });

  contract('alarm: DeleteAlarms ignores an unknown name and still deletes the others', async (a) => {
    await a.cloudWatch.send(new PutMetricAlarmCommand(alarm('gone')));
    await a.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: ['gone', 'never-was'] }));
    expect((await a.cloudWatch.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
  });
});
