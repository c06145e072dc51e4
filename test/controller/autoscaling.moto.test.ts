/**
 * Issue 19's CRUD flows with a whole controller against moto_server: ECS,
 * Application Auto Scaling and CloudWatch through the real SDK clients, on an
 * implementation nobody here wrote. The sandbox end-to-end test
 * (autoscaling.sandbox.test.ts) shows the autoscaler moving the count; moto
 * scales nothing, so this one judges the calls a Git change makes and, above
 * all, that what moto stores reads back as no drift. Every ECS and scaling
 * call the controller sends is recorded. moto never progresses deployments,
 * so health is not judged (followRollouts off).
 */
import { DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand, DescribeScheduledActionsCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScalingApi, ScalingOperation } from '../../src/autoscaling/scaling-api.js';
import { createSdkScalingApi } from '../../src/autoscaling/scaling-sdk-adapter.js';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi, EcsOperation } from '../../src/ecs/ecs-api.js';
import { ecsApiFromClient } from '../../src/ecs/sdk-adapter.js';
import { dummyCredentials, motoAccount, motoEndpoint, type MotoAccount } from '../support/moto.js';
import { ManifestDir, REGION, controllerFor, eventually, serviceManifest } from './harness.js';
import { recording, type Recorded } from './support/scaling-world.js';

const CPU = { name: 'cpu', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization', scaleInCooldown: 120, scaleOutCooldown: 60 };
const QUEUE_ALARM = {
  metricName: 'ApproximateNumberOfMessagesVisible', namespace: 'AWS/SQS', dimensions: [{ name: 'QueueName', value: 'jobs' }],
  statistic: 'Average', period: 60, evaluationPeriods: 3, threshold: 100, comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching',
};
const QUEUE = {
  name: 'queue', adjustmentType: 'ChangeInCapacity', cooldown: 60,
  stepAdjustments: [{ metricIntervalLowerBound: 0, metricIntervalUpperBound: 100, scalingAdjustment: 1 }, { metricIntervalLowerBound: 100, scalingAdjustment: 3 }],
  alarm: QUEUE_ALARM,
};
const NIGHT = { name: 'night', schedule: 'cron(0 22 * * ? *)', timezone: 'Europe/Berlin', minCapacity: 1, maxCapacity: 2 };
// No time zone: moto stores none and answers null, AWS answers UTC; both must read back as the manifest.
const TICK = { name: 'tick', schedule: 'rate(6 hours)', maxCapacity: 6, startTime: '2030-01-01T00:00:00Z', endTime: '2030-06-01T00:00:00+02:00' };
const FULL = { minCapacity: 1, maxCapacity: 6, targetTracking: [CPU], stepScaling: [QUEUE], scheduled: [NIGHT, TICK] };

const scaledWeb = (autoScaling: Record<string, unknown> | undefined) =>
  serviceManifest({ name: 'web', moto: true, desiredCount: 2, ...(autoScaling ? { extra: { autoScaling } } : {}) });

describe.skipIf(motoEndpoint() === null)('auto scaling: the controller against moto_server', () => {
  let account: MotoAccount;
  let ecs: EcsApi;
  let dir: ManifestDir;
  let controller: Controller;
  let scalingClient: ReturnType<typeof createSdkScalingApi>;
  const ecsCalls: Recorded<EcsOperation>[] = [];
  const scalingCalls: Recorded<ScalingOperation>[] = [];
  let revision = 0;

  const status = (name = 'web') => controller.status.get(`${REGION}/demo/${name}`);
  const liveService = async (name: string) => (await ecs.send('DescribeServices', { cluster: 'demo', services: [name], include: ['TAGS'] })).services?.[0];
  const apply = async (file: string, docs: Record<string, unknown>[]) => {
    await dir.write(file, docs);
    controller.setSnapshot(await dir.load(`r${++revision}`));
  };
  const settled = (name = 'web') => eventually(
    () => status(name)?.lastAttemptedRevision === `r${revision}` && status(name)?.sync === 'Synced' && status(name)?.lastApplySucceeded === true,
    () => status(name), 30_000,
  );
  const writesSince = (from: number) => scalingCalls.slice(from).filter((c) => !c.op.startsWith('Describe')).map((c) => c.op);
  const mutatingFor = (service: string) => scalingCalls.filter((c) => !c.op.startsWith('Describe')
    && (c.input.ResourceId === `service/demo/${service}` || String(c.input.AlarmName ?? '').includes(`/demo/${service}/`)
      || (c.input.AlarmNames as string[] | undefined)?.some((n) => n.includes(`/demo/${service}/`))));
  /** Waits for `count` more passes over the service (each reads it with DescribeServices). */
  const passes = async (count: number) => {
    const reads = () => ecsCalls.filter((c) => c.op === 'DescribeServices').length;
    const from = reads();
    await eventually(() => reads() >= from + count, () => ({ reads: reads(), from }), 30_000);
  };
  const targets = async (service: string) =>
    (await scalingClient.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [`service/demo/${service}`] }))).ScalableTargets ?? [];
  const policies = async (service: string) =>
    (await scalingClient.autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: `service/demo/${service}` }))).ScalingPolicies ?? [];
  const ourAlarms = async (service: string) =>
    (await scalingClient.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `ecs-gitops/demo/${service}/` }))).MetricAlarms ?? [];

  beforeAll(async () => {
    account = motoAccount(REGION);
    ecs = ecsApiFromClient(account.ecs());
    scalingClient = createSdkScalingApi({
      endpoint: account.endpoint, region: REGION, credentials: dummyCredentials(), headers: { 'x-moto-account-id': account.accountId },
    });
    dir = await ManifestDir.create();
    const scaling: ScalingApi = recording(scalingClient.api, scalingCalls);
    controller = controllerFor(recording(ecs, ecsCalls), { scaling, followRollouts: false, resyncMs: 200, resyncJitter: 0 });
    await dir.write('cluster.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'demo', region: REGION }, spec: {} }]);
    await dir.write('web.yaml', [scaledWeb(FULL)]);
    controller.setSnapshot(await dir.load(`r${++revision}`));
    await controller.start();
    await eventually(() => status()?.sync === 'Synced' && status()?.autoScaling?.registered === true, () => status(), 30_000);
  }, 60_000);

  afterAll(async () => {
    await controller?.stop({ graceMs: 100 });
    scalingClient?.autoScaling.destroy();
    scalingClient?.cloudWatch.destroy();
    await dir?.dispose();
  });

  it('registers the target, both policies, the step policy\'s alarm and the scheduled action, claimed by the service tag', async () => {
    expect(ecsCalls.find((c) => c.op === 'CreateService')?.input.desiredCount).toBe(2);
    expect(writesSince(0)).toEqual(['RegisterScalableTarget', 'PutScalingPolicy', 'PutScalingPolicy', 'PutMetricAlarm', 'PutScheduledAction', 'PutScheduledAction']);
    expect((await targets('web')).map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[1, 6]]);
    const byName = Object.fromEntries((await policies('web')).map((p) => [p.PolicyName, p]));
    expect(Object.keys(byName).sort()).toEqual(['cpu', 'queue']);
    expect(byName.cpu?.TargetTrackingScalingPolicyConfiguration).toMatchObject({ TargetValue: 50, ScaleInCooldown: 120, ScaleOutCooldown: 60 });
    expect(byName.queue?.StepScalingPolicyConfiguration).toMatchObject({ AdjustmentType: 'ChangeInCapacity', Cooldown: 60 });
    // The step policy's alarm invokes exactly that policy.
    const alarms = await ourAlarms('web');
    expect(alarms.map((a) => [a.AlarmName, a.AlarmActions, a.Threshold])).toEqual([['ecs-gitops/demo/web/queue', [byName.queue?.PolicyARN], 100]]);
    const scheduled = (await scalingClient.autoScaling.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/demo/web' }))).ScheduledActions;
    expect(scheduled?.map((a) => [a.ScheduledActionName, a.Schedule, a.ScalableTargetAction])).toEqual([
      ['night', NIGHT.schedule, { MinCapacity: 1, MaxCapacity: 2 }], ['tick', TICK.schedule, { MaxCapacity: 6 }],
    ]);
    expect(scheduled?.[0]?.Timezone).toBe('Europe/Berlin');
    expect(scheduled?.[1]?.StartTime?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(scheduled?.[1]?.EndTime?.toISOString()).toBe('2030-05-31T22:00:00.000Z');
    const tags = Object.fromEntries(((await liveService('web'))?.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['ecs-gitops/autoscaling']).toBe('ecs-gitops');
    expect(status()?.autoScaling).toMatchObject({ managedBy: 'git', registered: true, minCapacity: 1, maxCapacity: 6, policies: ['cpu', 'queue'], scheduledActions: ['night', 'tick'] });
  });

  it('reads what moto stored back as no drift: later passes make no scaling write and no UpdateService', { timeout: 60_000 }, async () => {
    const from = scalingCalls.length;
    const ecsFrom = ecsCalls.length;
    // Each resync lists the Region again from moto, and that listing is compared too.
    await eventually(() => scalingCalls.slice(from).some((c) => c.op === 'DescribeScalingPolicies'), () => scalingCalls.slice(from).map((c) => c.op), 30_000);
    await passes(3);
    expect(writesSince(from)).toEqual([]);
    expect(ecsCalls.slice(ecsFrom).filter((c) => c.op === 'UpdateService' || c.op === 'RegisterTaskDefinition')).toEqual([]);
    expect(status()).toMatchObject({ sync: 'Synced', diff: [] });
  });

  it('applies exactly the matching call for each scaling change in Git, and removes what Git removes', async () => {
    let from = scalingCalls.length;
    await apply('web.yaml', [scaledWeb({ ...FULL, minCapacity: 2, maxCapacity: 8 })]);
    await settled();
    expect(writesSince(from)).toEqual(['RegisterScalableTarget']);
    expect((await targets('web')).map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[2, 8]]);

    from = scalingCalls.length;
    await apply('web.yaml', [scaledWeb({ ...FULL, minCapacity: 2, maxCapacity: 8, targetTracking: [{ ...CPU, targetValue: 65 }] })]);
    await settled();
    expect(writesSince(from)).toEqual(['PutScalingPolicy']);
    expect((await policies('web')).find((p) => p.PolicyName === 'cpu')?.TargetTrackingScalingPolicyConfiguration?.TargetValue).toBe(65);

    from = scalingCalls.length;
    const changedAlarm = { ...QUEUE, alarm: { ...QUEUE_ALARM, threshold: 250 } };
    await apply('web.yaml', [scaledWeb({ ...FULL, minCapacity: 2, maxCapacity: 8, targetTracking: [{ ...CPU, targetValue: 65 }], stepScaling: [changedAlarm] })]);
    await settled();
    expect(writesSince(from)).toEqual(['PutMetricAlarm']);
    expect((await ourAlarms('web')).map((a) => a.Threshold)).toEqual([250]);

    // A step policy's own change is one PutScalingPolicy. moto gives the policy a new ARN on every put (AWS keeps it,
    // see the contract suite), which leaves the alarm naming a stale ARN: the next pass sees that and re-wires it.
    from = scalingCalls.length;
    const slower = { ...changedAlarm, cooldown: 90 };
    await apply('web.yaml', [scaledWeb({ ...FULL, minCapacity: 2, maxCapacity: 8, targetTracking: [{ ...CPU, targetValue: 65 }], stepScaling: [slower] })]);
    await settled();
    const queueArn = async () => (await policies('web')).find((p) => p.PolicyName === 'queue')?.PolicyARN;
    await eventually(async () => (await ourAlarms('web'))[0]?.AlarmActions?.[0] === await queueArn(), async () => [await ourAlarms('web'), await queueArn()], 30_000);
    expect(writesSince(from)).toEqual(['PutScalingPolicy', 'PutMetricAlarm']);
    expect((await policies('web')).find((p) => p.PolicyName === 'queue')?.StepScalingPolicyConfiguration?.Cooldown).toBe(90);

    // Nothing more to do once each change is applied: still no false drift.
    from = scalingCalls.length;
    await passes(2);
    expect(writesSince(from)).toEqual([]);

    from = scalingCalls.length;
    await apply('web.yaml', [scaledWeb({ minCapacity: 2, maxCapacity: 8, targetTracking: [{ ...CPU, targetValue: 65 }], scheduled: [NIGHT, TICK] })]);
    await settled();
    expect(writesSince(from)).toEqual(['DeleteAlarms', 'DeleteScalingPolicy']);
    expect((await policies('web')).map((p) => p.PolicyName)).toEqual(['cpu']);
    expect(await ourAlarms('web')).toEqual([]);

    from = scalingCalls.length;
    await apply('web.yaml', [scaledWeb(undefined)]);
    await eventually(() => status()?.lastAttemptedRevision === `r${revision}` && status()?.autoScaling === undefined && status()?.sync === 'Synced', () => status(), 30_000);
    expect(writesSince(from)).toEqual(['DeregisterScalableTarget']);
    expect(await targets('web')).toEqual([]);
    expect(((await liveService('web'))?.tags ?? []).map((t) => t.key)).not.toContain('ecs-gitops/autoscaling');
    // Without autoScaling, Git's desiredCount is enforced again and nothing else moves.
    from = scalingCalls.length;
    await passes(2);
    expect(writesSince(from)).toEqual([]);
  }, 120_000);

  // moto 5.2.1 keeps a deregistered target's policies and scheduled actions (see the contract suite's known gaps); AWS deletes them.
  it.fails('deregistering left no policy or scheduled action behind (moto keeps them)', async () => {
    expect(await policies('web')).toEqual([]);
  });

  it('never touches a target registered outside Git, and does not enforce desiredCount against it', async () => {
    await apply('ext.yaml', [serviceManifest({ name: 'ext', moto: true, desiredCount: 2 })]);
    await settled('ext');
    await scalingClient.autoScaling.send(new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs', ResourceId: 'service/demo/ext', ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 1, MaxCapacity: 5,
    }));
    // The autoscaler (here: the test, as moto scales nothing) moves the count.
    await ecs.send('UpdateService', { cluster: 'demo', service: 'ext', desiredCount: 4 });
    await eventually(() => status('ext')?.autoScaling?.managedBy === 'external', () => status('ext'), 30_000);
    const ecsFrom = ecsCalls.length;
    await passes(4);
    expect((await liveService('ext'))?.desiredCount).toBe(4);
    expect(ecsCalls.slice(ecsFrom).filter((c) => c.op === 'UpdateService' && c.input.service === 'ext')).toEqual([]);
    expect(mutatingFor('ext')).toEqual([]);
    expect(status('ext')).toMatchObject({ sync: 'Synced', autoScaling: { managedBy: 'external', minCapacity: 1, maxCapacity: 5, desiredCount: 4 } });
    expect(status('ext')?.autoScaling?.note).toMatch(/not enforced/);

    // Declaring autoScaling for it does not take the target over: refused, nothing written.
    await apply('ext.yaml', [serviceManifest({ name: 'ext', moto: true, desiredCount: 2, extra: { autoScaling: { minCapacity: 1, maxCapacity: 9 } } })]);
    await eventually(() => status('ext')?.lastError?.code === 'DIFF_SCALING_TARGET_NOT_OWNED', () => status('ext'), 30_000);
    expect(mutatingFor('ext')).toEqual([]);
    expect((await targets('ext')).map((t) => t.MaxCapacity)).toEqual([5]);
  }, 60_000);
});
