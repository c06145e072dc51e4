/**
 * CloudWatch alarms (JSON 1.0 with query-compatible errors, and rpc-v2-cbor)
 * and ECS capacity providers over HTTP with the real SDK clients, and both
 * new APIs through the installed aws CLI v1.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteAlarmsCommand, DescribeAlarmsCommand, ListTagsForResourceCommand, PutMetricAlarmCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import {
  CreateCapacityProviderCommand, CreateClusterCommand, DeleteCapacityProviderCommand, DescribeCapacityProvidersCommand, ListTagsForResourceCommand as EcsListTags,
  PutClusterCapacityProvidersCommand, TagResourceCommand as EcsTagResource, UpdateCapacityProviderCommand,
} from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../src/sandbox/index.js';
import { requireProgram } from '../support/programs.js';
import { accountOn, rejectionOf, testSandbox } from './sandbox-harness.js';

const run = promisify(execFile);
const hasAws = requireProgram('aws', 'pip install awscli');

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const alarm = (name: string, extra: object = {}) => new PutMetricAlarmCommand({
  AlarmName: name, MetricName: 'CPUUtilization', Namespace: 'AWS/ECS', Statistic: 'Average', Period: 60, EvaluationPeriods: 3,
  Threshold: 70, ComparisonOperator: 'GreaterThanThreshold', ...extra,
});

describe('CloudWatch alarms', () => {
  it('puts, describes (defaults filled, sorted, paged at MaxRecords), tags on create only, and deletes', async () => {
    const cw = accountOn(sandbox).cloudWatch();
    await cw.send(alarm('b', { Tags: [{ Key: 'owner', Value: 'me' }], Dimensions: [{ Name: 'ClusterName', Value: 'c' }] }));
    await cw.send(alarm('a', { TreatMissingData: 'notBreaching' }));
    await cw.send(alarm('b', { Threshold: 80, Tags: [{ Key: 'ignored', Value: 'x' }] }));
    const all = await cw.send(new DescribeAlarmsCommand({}));
    expect(all.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['a', 'b']);
    expect(all.MetricAlarms?.[1]).toMatchObject({
      AlarmName: 'b', Threshold: 80, ActionsEnabled: true, AlarmActions: [], OKActions: [], InsufficientDataActions: [],
      // An update overwrites the whole configuration (the dimensions it left out are gone) and keeps the state.
      StateValue: 'INSUFFICIENT_DATA', StateReason: 'Unchecked: Initial alarm creation', Dimensions: [],
    });
    expect(all.MetricAlarms?.[1]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    expect(all.MetricAlarms?.[0]?.TreatMissingData).toBe('notBreaching');
    const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: all.MetricAlarms?.[1]?.AlarmArn }));
    expect(tags.Tags).toEqual([{ Key: 'owner', Value: 'me' }]);
    const page1 = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 1 }));
    const page2 = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 1, NextToken: page1.NextToken }));
    expect([page1.MetricAlarms?.[0]?.AlarmName, page2.MetricAlarms?.[0]?.AlarmName, page2.NextToken]).toEqual(['a', 'b', undefined]);
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['b', 'zz'] }))).MetricAlarms?.map((a) => a.AlarmName)).toEqual(['b']);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['a', 'b'] }));
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
  });

  it('answers CloudWatch error names the SDK maps through x-amzn-query-error', async () => {
    const cw = accountOn(sandbox).cloudWatch();
    await cw.send(alarm('keep'));
    await cw.send(alarm('other'));
    // Unknown names are no error, and the known ones are still deleted.
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['other', 'nope'] }));
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['keep', 'other'] }))).MetricAlarms?.map((a) => a.AlarmName)).toEqual(['keep']);
    expect((await rejectionOf(cw.send(alarm('p', { Period: 45 })))).name).toBe('InvalidParameterValueException');
    expect((await rejectionOf(cw.send(new PutMetricAlarmCommand({ AlarmName: 'x', EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', Threshold: 1 })))).name)
      .toBe('MissingRequiredParameterException');
    expect((await rejectionOf(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })))).name).toBe('InvalidParameterCombinationException');
    expect((await rejectionOf(cw.send(new DescribeAlarmsCommand({ MaxRecords: 101 })))).name).toBe('InvalidParameterValueException');
    expect((await rejectionOf(cw.send(new DescribeAlarmsCommand({ NextToken: 'bogus' })))).name).toBe('InvalidNextToken');
  });

  it('serves Smithy RPC v2 CBOR (the protocol botocore may pick for CloudWatch)', async () => {
    const account = accountOn(sandbox);
    const cbor = new CloudWatchClient({
      ...sandbox.clientConfig({ accountId: account.accountId, region: account.region }), maxAttempts: 1,
      protocol: new AwsSmithyRpcV2CborProtocol({ defaultNamespace: 'com.amazonaws.cloudwatch', awsQueryCompatible: true }),
    });
    await cbor.send(alarm('over-cbor', { Dimensions: [{ Name: 'ServiceName', Value: 'web' }] }));
    const out = await cbor.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'over-' }));
    expect(out.MetricAlarms?.[0]).toMatchObject({ AlarmName: 'over-cbor', Threshold: 70, Dimensions: [{ Name: 'ServiceName', Value: 'web' }] });
    expect(out.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    const err = await rejectionOf(cbor.send(new DescribeAlarmsCommand({ MaxRecords: 101 })));
    expect(err.name).toBe('InvalidParameterValueException');
  });
});

describe('ECS capacity providers', () => {
  const asg = (n: string) => `arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0000-${n}:autoScalingGroupName/${n}`;

  it('creates with ECS defaults, updates, tags, and lists FARGATE and FARGATE_SPOT', async () => {
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    const created = await ecs.send(new CreateCapacityProviderCommand({ name: 'cp1', autoScalingGroupProvider: { autoScalingGroupArn: asg('one') }, tags: [{ key: 'k', value: 'v' }] }));
    expect(created.capacityProvider).toEqual({
      capacityProviderArn: `arn:aws:ecs:eu-west-1:${account.accountId}:capacity-provider/cp1`, name: 'cp1', status: 'ACTIVE',
      autoScalingGroupProvider: {
        autoScalingGroupArn: asg('one'),
        managedScaling: { status: 'DISABLED', targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 },
        managedTerminationProtection: 'DISABLED', managedDraining: 'ENABLED',
      },
      tags: [{ key: 'k', value: 'v' }],
    });
    const updated = await ecs.send(new UpdateCapacityProviderCommand({ name: 'cp1', autoScalingGroupProvider: { managedScaling: { status: 'ENABLED', targetCapacity: 80 } } }));
    expect(updated.capacityProvider?.autoScalingGroupProvider?.managedScaling).toEqual({
      status: 'ENABLED', targetCapacity: 80, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300,
    });
    expect(updated.capacityProvider?.updateStatus).toBe('UPDATE_COMPLETE');
    await ecs.send(new EcsTagResource({ resourceArn: created.capacityProvider?.capacityProviderArn, tags: [{ key: 'team', value: 'x' }] }));
    expect((await ecs.send(new EcsListTags({ resourceArn: created.capacityProvider?.capacityProviderArn }))).tags).toEqual([{ key: 'k', value: 'v' }, { key: 'team', value: 'x' }]);
    const all = await ecs.send(new DescribeCapacityProvidersCommand({ include: ['TAGS'] }));
    expect(all.capacityProviders?.map((p) => [p.name, p.status])).toEqual([['FARGATE', 'ACTIVE'], ['FARGATE_SPOT', 'ACTIVE'], ['cp1', 'ACTIVE']]);
    expect(all.capacityProviders?.[2]?.tags).toHaveLength(2);
    const some = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['cp1', 'ghost'] }));
    expect(some.capacityProviders?.[0]?.tags).toBeUndefined();
    expect(some.failures).toEqual([{ arn: `arn:aws:ecs:eu-west-1:${account.accountId}:capacity-provider/ghost`, reason: 'MISSING' }]);
  });

  it('refuses what ECS refuses; a cluster using one keeps it from being deleted (DELETE_FAILED)', async () => {
    const ecs = accountOn(sandbox).ecs();
    expect((await rejectionOf(ecs.send(new CreateClusterCommand({ clusterName: 'x', capacityProviders: ['nope'] })))).name).toBe('InvalidParameterException');
    await ecs.send(new CreateCapacityProviderCommand({ name: 'cp', autoScalingGroupProvider: { autoScalingGroupArn: asg('two') } }));
    expect((await rejectionOf(ecs.send(new CreateCapacityProviderCommand({ name: 'cp', autoScalingGroupProvider: { autoScalingGroupArn: asg('three') } })))).name).toBe('ClientException');
    expect((await rejectionOf(ecs.send(new CreateCapacityProviderCommand({ name: 'other', autoScalingGroupProvider: { autoScalingGroupArn: asg('two') } })))).name).toBe('ClientException');
    expect((await rejectionOf(ecs.send(new CreateCapacityProviderCommand({ name: 'fargate-x', autoScalingGroupProvider: { autoScalingGroupArn: asg('four') } })))).name).toBe('InvalidParameterException');
    expect((await rejectionOf(ecs.send(new CreateCapacityProviderCommand({
      name: 'tp', autoScalingGroupProvider: { autoScalingGroupArn: asg('five'), managedTerminationProtection: 'ENABLED' },
    })))).name).toBe('InvalidParameterException');
    await ecs.send(new CreateClusterCommand({ clusterName: 'ec2', capacityProviders: ['cp'], defaultCapacityProviderStrategy: [{ capacityProvider: 'cp', weight: 1 }] }));
    const refused = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'cp' }));
    expect(refused.capacityProvider).toMatchObject({
      status: 'ACTIVE', updateStatus: 'DELETE_FAILED',
      updateStatusReason: 'The capacity provider cannot be deleted because it is associated with cluster: ec2. Remove the capacity provider from the cluster and try again.',
    });
    expect((await rejectionOf(ecs.send(new PutClusterCapacityProvidersCommand({ cluster: 'ec2', capacityProviders: ['ghost'], defaultCapacityProviderStrategy: [] })))).name)
      .toBe('InvalidParameterException');
    await ecs.send(new PutClusterCapacityProvidersCommand({ cluster: 'ec2', capacityProviders: [], defaultCapacityProviderStrategy: [] }));
    const deleted = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'cp' }));
    expect(deleted.capacityProvider?.status).toBe('INACTIVE');
    expect((await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['cp'] }))).failures?.[0]?.reason).toBe('MISSING');
  });
});

describe.runIf(hasAws)('driven by the aws CLI', () => {
  it('describes scalable targets and alarms', async () => {
    const account = accountOn(sandbox);
    const aws = async (...args: string[]): Promise<unknown> => {
      const { stdout } = await run('aws', ['--endpoint-url', sandbox.endpoint, '--region', account.region, '--output', 'json', ...args], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: account.accountId, AWS_SECRET_ACCESS_KEY: 'x', AWS_PAGER: '' },
      });
      return stdout.trim() === '' ? undefined : JSON.parse(stdout);
    };
    await account.cloudWatch().send(alarm('from-sdk'));
    expect(await aws('application-autoscaling', 'describe-scalable-targets', '--service-namespace', 'ecs')).toEqual({ ScalableTargets: [] });
    await aws('cloudwatch', 'put-metric-alarm', '--alarm-name', 'from-cli', '--metric-name', 'CPUUtilization', '--namespace', 'AWS/ECS', '--statistic', 'Average',
      '--period', '60', '--evaluation-periods', '2', '--threshold', '70', '--comparison-operator', 'GreaterThanThreshold');
    const out = await aws('cloudwatch', 'describe-alarms') as { MetricAlarms: { AlarmName: string; StateValue: string }[] };
    expect(out.MetricAlarms.map((a) => [a.AlarmName, a.StateValue])).toEqual([['from-cli', 'INSUFFICIENT_DATA'], ['from-sdk', 'INSUFFICIENT_DATA']]);
  }, 30_000);
});
