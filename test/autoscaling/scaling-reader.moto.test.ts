/** The batched scaling reader against moto_server: Region-wide listings, reuse, targeted re-reads after a write. */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScalingApi, ScalingInput, ScalingOperation } from '../../src/autoscaling/scaling-api.js';
import { alarmResourceId, ScalingReader } from '../../src/autoscaling/scaling-reader.js';
import { scalingAlarmName, scalingAlarmPrefix } from '../../src/plan/scaling-types.js';
import { FakeClock, flushPromises, systemClock } from '../../src/util/clock.js';
import { motoEndpoint } from '../support/moto.js';
import { motoScaling, serviceTarget, type MotoScaling } from './moto-scaling.js';

const hasMoto = motoEndpoint() !== null;

/** Records what is sent through it. */
function recording(inner: ScalingApi) {
  const sent: { operation: ScalingOperation; input: unknown }[] = [];
  const api: ScalingApi = {
    send(operation, input, signal) {
      sent.push({ operation, input });
      return inner.send(operation, input, signal);
    },
  };
  return { api, sent, count: (op: ScalingOperation) => sent.filter((s) => s.operation === op).length };
}

const SERVICES = Array.from({ length: 30 }, (_, i) => `s${i}`);

function alarmInput(cluster: string, service: string, policy: string) {
  return {
    AlarmName: scalingAlarmName(cluster, service, policy), Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Statistic: 'Average',
    Period: 60, EvaluationPeriods: 1, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold',
  } as const;
}

describe.skipIf(!hasMoto)('ScalingReader against moto', () => {
  let world: MotoScaling;

  beforeAll(async () => {
    // 60 services with targets in two clusters (two pages of 50), and one without.
    world = await motoScaling({ c1: [...SERVICES, 'plain'], c2: SERVICES });
    const api = world.scaling;
    await Promise.all(['c1', 'c2'].flatMap((cluster) => SERVICES.map((service) =>
      api.send('RegisterScalableTarget', { ...serviceTarget(cluster, service), MinCapacity: 1, MaxCapacity: 4 }))));
    await api.send('PutScalingPolicy', {
      ...serviceTarget('c1', 's0'), PolicyName: 'out', PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
    });
    await api.send('PutScheduledAction', {
      ...serviceTarget('c1', 's0'), ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 1 },
    });
    await api.send('PutScalingPolicy', {
      ...serviceTarget('c2', 's0'), PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    });
    await api.send('PutMetricAlarm', alarmInput('c1', 's0', 'out'));
    // c1/s1's alarm must not be taken for c1/s10's, nor an alarm outside our prefix for anyone's.
    await api.send('PutMetricAlarm', alarmInput('c1', 's1', 'out'));
    await api.send('PutMetricAlarm', { ...alarmInput('c1', 's0', 'x'), AlarmName: 'ecs-gitops-elsewhere/c1/s0/x' });
  });

  it('answers 61 services in two clusters with the Region-wide listing calls, not one call per service', async () => {
    const rec = recording(world.scaling);
    const reader = new ScalingReader({ scaling: rec.api, clock: systemClock });
    const ids = [...SERVICES.map((s) => ['c1', s] as const), ...SERVICES.map((s) => ['c2', s] as const), ['c1', 'plain'] as const];
    const answers = await Promise.all(ids.map(([cluster, service]) => reader.describe(cluster, service)));
    expect(rec.sent.map((s) => s.operation).sort()).toEqual([
      'DescribeAlarms', 'DescribeScalableTargets', 'DescribeScalableTargets', 'DescribeScalingPolicies', 'DescribeScheduledActions',
    ]);
    expect(rec.sent.find((s) => s.operation === 'DescribeAlarms')?.input).toEqual({ AlarmNamePrefix: 'ecs-gitops/', MaxRecords: 100 });
    expect(rec.sent.find((s) => s.operation === 'DescribeScalableTargets')?.input).toEqual({ ServiceNamespace: 'ecs', MaxResults: 50 });
    expect(reader.totalCalls()).toBe(5);

    const byId = new Map(ids.map(([c, s], i) => [`${c}/${s}`, answers[i]]));
    expect(byId.get('c1/plain')).toEqual({ policies: [], scheduledActions: [], alarms: [] });
    expect(answers.slice(0, 60).every((a) => a?.target?.MaxCapacity === 4)).toBe(true);
    const c1s0 = byId.get('c1/s0');
    expect(c1s0?.target?.ResourceId).toBe('service/c1/s0');
    expect(c1s0?.policies.map((p) => p.PolicyName)).toEqual(['out']);
    expect(c1s0?.scheduledActions.map((a) => a.ScheduledActionName)).toEqual(['night']);
    expect(c1s0?.alarms.map((a) => a.AlarmName)).toEqual([scalingAlarmName('c1', 's0', 'out')]);
    expect(byId.get('c1/s1')?.alarms.map((a) => a.AlarmName)).toEqual([scalingAlarmName('c1', 's1', 'out')]);
    expect(byId.get('c1/s10')).toMatchObject({ policies: [], scheduledActions: [], alarms: [] });
    expect(byId.get('c2/s0')?.policies.map((p) => p.PolicyName)).toEqual(['cpu']);
    expect(byId.get('c2/s0')?.alarms).toEqual([]);
  });

  it('lists only scalable targets while no service asked for has one', async () => {
    const rec = recording(world.scaling);
    const reader = new ScalingReader({ scaling: rec.api, clock: systemClock });
    expect(await reader.describe('c1', 'plain')).toEqual({ policies: [], scheduledActions: [], alarms: [] });
    expect(await reader.describe('c1', 'absent')).toEqual({ policies: [], scheduledActions: [], alarms: [] });
    expect(new Set(rec.sent.map((s) => s.operation))).toEqual(new Set(['DescribeScalableTargets']));
    // Its pages, once: 60 targets are two pages of 50.
    expect(rec.count('DescribeScalableTargets')).toBe(2);
  });

  it('reuses a listing while it is younger than maxAgeMs, then lists again', async () => {
    const clock = new FakeClock();
    const rec = recording(world.scaling);
    const reader = new ScalingReader({ scaling: rec.api, clock, maxAgeMs: 10_000 });
    await reader.describe('c1', 's0');
    expect(rec.sent).toHaveLength(5);
    await clock.advance(10_000);
    await reader.describe('c2', 's3');
    await reader.describe('c1', 'plain');
    expect(rec.sent).toHaveLength(5);
    await clock.advance(1);
    await reader.describe('c2', 's3');
    expect(rec.sent).toHaveLength(10);
  });

  it('re-reads only the service written to, with targeted calls, and keeps serving the others from the listing', async () => {
    const rec = recording(world.scaling);
    const reader = new ScalingReader({ scaling: rec.api, clock: systemClock });
    await Promise.all([reader.describe('c1', 's1'), reader.describe('c1', 's2')]);
    const listingCalls = rec.sent.length;

    await world.scaling.send('RegisterScalableTarget', { ...serviceTarget('c1', 's1'), MinCapacity: 2, MaxCapacity: 9 });
    await world.scaling.send('PutScalingPolicy', {
      ...serviceTarget('c1', 's1'), PolicyName: 'mem', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' } },
    });
    reader.invalidate('c1', 's1');
    const [fresh, again] = await Promise.all([reader.describe('c1', 's1'), reader.describe('c1', 's1')]);
    const targeted = rec.sent.slice(listingCalls);
    const id = 'service/c1/s1';
    expect(targeted).toEqual(expect.arrayContaining([
      { operation: 'DescribeScalableTargets', input: { ServiceNamespace: 'ecs', ResourceIds: [id], ScalableDimension: 'ecs:service:DesiredCount' } },
      { operation: 'DescribeScalingPolicies', input: { ServiceNamespace: 'ecs', MaxResults: 50, ResourceId: id, ScalableDimension: 'ecs:service:DesiredCount' } },
      { operation: 'DescribeScheduledActions', input: { ServiceNamespace: 'ecs', MaxResults: 50, ResourceId: id, ScalableDimension: 'ecs:service:DesiredCount' } },
      { operation: 'DescribeAlarms', input: { AlarmNamePrefix: scalingAlarmPrefix('c1', 's1'), MaxRecords: 100 } },
    ]));
    expect(targeted).toHaveLength(4);
    expect(again).toBe(fresh);
    expect(fresh.target).toMatchObject({ MinCapacity: 2, MaxCapacity: 9 });
    expect(fresh.policies.map((p) => p.PolicyName)).toEqual(['mem']);
    expect(fresh.alarms.map((a) => a.AlarmName)).toEqual([scalingAlarmName('c1', 's1', 'out')]);

    // The re-read replaces the listing's entry; the other service still comes from the listing.
    expect((await reader.describe('c1', 's1')).target?.MaxCapacity).toBe(9);
    expect((await reader.describe('c1', 's2')).target?.MaxCapacity).toBe(4);
    expect(rec.sent).toHaveLength(listingCalls + 4);
  });

  it('is superseded by a listing taken after it', async () => {
    const clock = new FakeClock();
    const rec = recording(world.scaling);
    const reader = new ScalingReader({ scaling: rec.api, clock, maxAgeMs: 1000 });
    await reader.describe('c2', 's5');
    reader.invalidate('c2', 's5');
    await reader.describe('c2', 's5');
    await clock.advance(500);
    await world.scaling.send('RegisterScalableTarget', { ...serviceTarget('c2', 's5'), MinCapacity: 1, MaxCapacity: 7 });
    await clock.advance(501);
    // Both expired: a new listing answers, and its answer wins over the older re-read.
    expect((await reader.describe('c2', 's5')).target?.MaxCapacity).toBe(7);
  });

  it('starts a fresh listing when a resync expires it, however young, and that listing supersedes re-reads', async () => {
    const clock = new FakeClock();
    const rec = recording(world.scaling);
    const reader = new ScalingReader({ scaling: rec.api, clock, maxAgeMs: 60_000 });
    await reader.describe('c2', 's5');
    reader.invalidate('c2', 's5');
    await reader.describe('c2', 's5');
    await world.scaling.send('RegisterScalableTarget', { ...serviceTarget('c2', 's5'), MinCapacity: 1, MaxCapacity: 5 });
    const before = rec.sent.filter((s) => s.operation === 'DescribeScalableTargets').length;
    // Young listing and re-read: reused until the resync expires them.
    expect((await reader.describe('c2', 's5')).target?.MaxCapacity).not.toBe(5);
    reader.expireListing();
    expect((await reader.describe('c2', 's5')).target?.MaxCapacity).toBe(5);
    expect(rec.sent.filter((s) => s.operation === 'DescribeScalableTargets').length).toBeGreaterThan(before);
  });
});

describe('ScalingReader without AWS', () => {
  function fake(answer: (operation: ScalingOperation, input: unknown, call: number) => unknown) {
    let calls = 0;
    const api: ScalingApi = {
      async send<Op extends ScalingOperation>(operation: Op, input: ScalingInput<Op>) {
        calls += 1;
        const out = answer(operation, input, calls);
        if (out instanceof Error) throw out;
        return out as never;
      },
    };
    return { api, calls: () => calls };
  }

  it('shares one listing among concurrent callers and does not keep a failed one', async () => {
    const fails = fake((_op, _input, call) => (call === 1 ? new Error('boom') : { ScalableTargets: [] }));
    const reader = new ScalingReader({ scaling: fails.api, clock: new FakeClock() });
    const first = await Promise.allSettled([reader.describe('c', 'a'), reader.describe('c', 'b')]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(fails.calls()).toBe(1);
    await expect(reader.describe('c', 'a')).resolves.toEqual({ policies: [], scheduledActions: [], alarms: [] });
    expect(fails.calls()).toBe(2);
  });

  it('fails a listing whose NextToken does not advance instead of paging forever', async () => {
    const loops = fake(() => ({ ScalableTargets: [], NextToken: 'same' }));
    const reader = new ScalingReader({ scaling: loops.api, clock: new FakeClock() });
    await expect(reader.describe('c', 'a')).rejects.toThrow(/paging did not advance/);
    expect(loops.calls()).toBe(2);
  });

  it('reads the latest activities once per maxAgeMs per service, and again after a write', async () => {
    const clock = new FakeClock();
    const activity: AAS.ScalingActivity = {
      ActivityId: 'a1', ServiceNamespace: 'ecs', ResourceId: 'service/c/a', ScalableDimension: 'ecs:service:DesiredCount',
      Description: 'Setting desired count to 3.', Cause: 'monitor alarm high', StartTime: new Date(0), StatusCode: 'Successful',
    };
    const inputs: unknown[] = [];
    const api = fake((op, input) => {
      inputs.push(input);
      return op === 'DescribeScalingActivities' ? { ScalingActivities: [activity] } : {};
    });
    const reader = new ScalingReader({ scaling: api.api, clock, maxAgeMs: 5000 });
    expect(await reader.recentActivities('c', 'a')).toEqual([activity]);
    expect(inputs).toEqual([{ ServiceNamespace: 'ecs', ResourceId: 'service/c/a', ScalableDimension: 'ecs:service:DesiredCount', MaxResults: 5 }]);
    await reader.recentActivities('c', 'a');
    expect(api.calls()).toBe(1);
    await clock.advance(5001);
    await reader.recentActivities('c', 'a');
    expect(api.calls()).toBe(2);
    reader.invalidate('c', 'a');
    await reader.recentActivities('c', 'a');
    expect(api.calls()).toBe(3);
  });

  it('lets a caller stop waiting on a shared listing without failing the others', async () => {
    let release!: (value: unknown) => void;
    const api = fake(() => new Promise((resolve) => (release = resolve)));
    // The fake hands back a promise as the answer: await it like the SDK's.
    const slow: ScalingApi = { send: async (op, input, signal) => (await api.api.send(op, input, signal)) as never };
    const reader = new ScalingReader({ scaling: slow, clock: new FakeClock() });
    const stop = new AbortController();
    const abandoned = reader.describe('c', 'a', stop.signal);
    const waiting = reader.describe('c', 'b');
    await flushPromises();
    stop.abort(new Error('reconcile timed out'));
    await expect(abandoned).rejects.toThrow('reconcile timed out');
    release({ ScalableTargets: [] });
    await expect(waiting).resolves.toEqual({ policies: [], scheduledActions: [], alarms: [] });
    expect(api.calls()).toBe(1);
  });

  it('groups alarms by the exact service prefix', () => {
    expect(alarmResourceId(scalingAlarmName('c1', 's1', 'out'))).toBe('service/c1/s1');
    expect(alarmResourceId('ecs-gitops/c1/s1')).toBeUndefined();
    expect(alarmResourceId('ecs-gitops-other/c1/s1/out')).toBeUndefined();
    expect(alarmResourceId('TargetTracking-service/c1/s1-AlarmHigh-1')).toBeUndefined();
    expect(alarmResourceId(undefined)).toBeUndefined();
  });
});
