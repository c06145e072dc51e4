/** The scaling applier against moto_server: plan order, policy ARNs into alarm actions, the first failure stops the plan. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScalingApi, ScalingOperation } from '../../src/autoscaling/scaling-api.js';
import { ScalingApplier, ScalingApplyError } from '../../src/autoscaling/scaling-applier.js';
import { ScalingReader } from '../../src/autoscaling/scaling-reader.js';
import { toAwsCallError } from '../../src/ecs/aws-error.js';
import { policyArnPlaceholder, scalingAlarmName, scalingAlarmPrefix, type ScalingAction, type ScalingActionKind } from '../../src/plan/scaling-types.js';
import { systemClock } from '../../src/util/clock.js';
import { motoEndpoint } from '../support/moto.js';
import { motoScaling, serviceTarget, type MotoScaling } from './moto-scaling.js';

const hasMoto = motoEndpoint() !== null;

function recording(inner: ScalingApi) {
  const sent: ScalingOperation[] = [];
  const api: ScalingApi = {
    send(operation, input, signal) {
      sent.push(operation);
      return inner.send(operation, input, signal);
    },
  };
  return { api, sent };
}

const target = serviceTarget('c1', 'web');
const stepPolicy = (name: string): ScalingAction => ({
  kind: 'putScalingPolicy',
  input: {
    ...target, PolicyName: name, PolicyType: 'StepScaling',
    StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', Cooldown: 60, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
  },
});
const alarmFor = (policy: string, actions: string[]): ScalingAction => ({
  kind: 'putMetricAlarm',
  input: {
    AlarmName: scalingAlarmName('c1', 'web', policy), Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Statistic: 'Average',
    Dimensions: [{ Name: 'ClusterName', Value: 'c1' }, { Name: 'ServiceName', Value: 'web' }],
    Period: 60, EvaluationPeriods: 2, Threshold: 75, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: actions,
  },
});

describe.skipIf(!hasMoto)('ScalingApplier against moto', () => {
  let world: MotoScaling;
  beforeAll(async () => {
    world = await motoScaling({ c1: ['web'] });
  });

  it('runs the plan in order and puts the alarm with the PolicyARN its policy just got', async () => {
    const rec = recording(world.scaling);
    const outcomes: [ScalingActionKind, boolean][] = [];
    const reader = new ScalingReader({ scaling: world.scaling, clock: systemClock });
    const applier = new ScalingApplier({ scaling: rec.api, reader, onAction: (kind, ok) => outcomes.push([kind, ok]) });
    await reader.describe('c1', 'web');
    const plan: ScalingAction[] = [
      { kind: 'registerScalableTarget', input: { ...target, MinCapacity: 1, MaxCapacity: 5 } },
      stepPolicy('out'),
      alarmFor('out', [policyArnPlaceholder('out')]),
      { kind: 'putScheduledAction', input: { ...target, ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 1 } } },
    ];
    const result = await applier.apply('c1', 'web', plan, new AbortController().signal);
    expect(result.performed).toEqual(['registerScalableTarget', 'putScalingPolicy', 'putMetricAlarm', 'putScheduledAction']);
    expect(rec.sent).toEqual(['RegisterScalableTarget', 'PutScalingPolicy', 'PutMetricAlarm', 'PutScheduledAction']);
    expect(outcomes).toEqual(plan.map((a) => [a.kind, true]));

    const policyArn = result.policyArns.get('out');
    expect(policyArn).toMatch(/^arn:aws:autoscaling:.*policyName\/out$/);
    // The reader was told: the next describe reads this service again and sees everything the plan made.
    const live = await reader.describe('c1', 'web');
    expect(live.target).toMatchObject({ MinCapacity: 1, MaxCapacity: 5 });
    expect(live.policies.map((p) => p.PolicyARN)).toEqual([policyArn]);
    expect(live.scheduledActions.map((a) => a.ScheduledActionName)).toEqual(['night']);
    expect(live.alarms.map((a) => [a.AlarmName, a.AlarmActions])).toEqual([[scalingAlarmName('c1', 'web', 'out'), [policyArn]]]);
  });

  it('stops at the first failure, says which actions ran, and still has the reader re-read the service', async () => {
    const rec = recording(world.scaling);
    const outcomes: [ScalingActionKind, boolean][] = [];
    const reader = new ScalingReader({ scaling: world.scaling, clock: systemClock });
    const applier = new ScalingApplier({ scaling: rec.api, reader, onAction: (kind, ok) => outcomes.push([kind, ok]) });
    const before = await reader.describe('c1', 'web');
    const plan: ScalingAction[] = [
      { kind: 'registerScalableTarget', input: { ...target, MinCapacity: 2, MaxCapacity: 6 } },
      stepPolicy('in'),
      // moto, like AWS, refuses a resource id that names no ECS service.
      { kind: 'registerScalableTarget', input: { ...target, ResourceId: 'not-a-service', MinCapacity: 1, MaxCapacity: 2 } },
      alarmFor('in', [policyArnPlaceholder('in')]),
    ];
    const failure = applier.apply('c1', 'web', plan, new AbortController().signal);
    await expect(failure).rejects.toBeInstanceOf(ScalingApplyError);
    await expect(failure).rejects.toMatchObject({
      code: 'AWS_INVALID_REQUEST', action: 'registerScalableTarget', performed: ['registerScalableTarget', 'putScalingPolicy'],
      message: expect.stringMatching(/^registerScalableTarget failed: APPLICATION-AUTOSCALING RegisterScalableTarget failed: ValidationException/),
    });
    expect(rec.sent).toEqual(['RegisterScalableTarget', 'PutScalingPolicy', 'RegisterScalableTarget']);
    expect(outcomes).toEqual([['registerScalableTarget', true], ['putScalingPolicy', true], ['registerScalableTarget', false]]);
    expect(before.target?.MaxCapacity).toBe(5);
    const after = await reader.describe('c1', 'web');
    expect(after.target?.MaxCapacity).toBe(6);
    expect(after.policies.map((p) => p.PolicyName).sort()).toEqual(['in', 'out']);
    expect(after.alarms.map((a) => a.AlarmName)).toEqual([scalingAlarmName('c1', 'web', 'out')]);
  });

  it('never sends a placeholder: an alarm naming a policy the plan did not put fails before it is sent', async () => {
    const rec = recording(world.scaling);
    const applier = new ScalingApplier({ scaling: rec.api });
    await expect(applier.apply('c1', 'web', [alarmFor('ghost', [policyArnPlaceholder('ghost')])], new AbortController().signal))
      .rejects.toMatchObject({ code: 'CONTROLLER_APPLY_FAILED', action: 'putMetricAlarm', performed: [], message: expect.stringContaining('refers to policy ghost') });
    expect(rec.sent).toEqual([]);
    expect((await world.scaling.send('DescribeAlarms', { AlarmNamePrefix: scalingAlarmName('c1', 'web', 'ghost') })).MetricAlarms).toEqual([]);
  });

  it('removes the alarms, policies, scheduled actions and the target', async () => {
    const applier = new ScalingApplier({ scaling: world.scaling });
    const plan: ScalingAction[] = [
      { kind: 'deleteAlarms', input: { AlarmNames: [scalingAlarmName('c1', 'web', 'out')] } },
      { kind: 'deleteScalingPolicy', input: { ...target, PolicyName: 'out' } },
      { kind: 'deleteScalingPolicy', input: { ...target, PolicyName: 'in' } },
      { kind: 'deleteScheduledAction', input: { ...target, ScheduledActionName: 'night' } },
      { kind: 'deregisterScalableTarget', input: target },
    ];
    const result = await applier.apply('c1', 'web', plan, new AbortController().signal);
    expect(result.performed).toEqual(plan.map((a) => a.kind));
    const reader = new ScalingReader({ scaling: world.scaling, clock: systemClock });
    expect(await reader.describe('c1', 'web')).toEqual({ policies: [], scheduledActions: [], alarms: [] });
    expect((await world.scaling.send('DescribeAlarms', { AlarmNamePrefix: scalingAlarmPrefix('c1', 'web') })).MetricAlarms).toEqual([]);
  });
});

describe('ScalingApplier without AWS', () => {
  it('counts a delete whose object is already gone as done, and a missing object on a put as a failure', async () => {
    const notFound = (operation: string) => toAwsCallError(
      Object.assign(new Error('No scaling policy found'), { name: 'ObjectNotFoundException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
      'application-autoscaling', operation,
    );
    const sent: ScalingOperation[] = [];
    const api: ScalingApi = {
      async send(operation) {
        sent.push(operation);
        throw notFound(operation);
      },
    };
    const invalidated: string[] = [];
    const applier = new ScalingApplier({ scaling: api, reader: { invalidate: (c, s) => invalidated.push(`${c}/${s}`) } });
    const gone = await applier.apply('c1', 'web', [
      { kind: 'deleteScalingPolicy', input: { ...target, PolicyName: 'old' } },
      { kind: 'deregisterScalableTarget', input: target },
    ], new AbortController().signal);
    expect(gone.performed).toEqual(['deleteScalingPolicy', 'deregisterScalableTarget']);
    await expect(applier.apply('c1', 'web', [{ kind: 'putScheduledAction', input: { ...target, ScheduledActionName: 'n', Schedule: 'rate(1 hour)' } }], new AbortController().signal))
      .rejects.toMatchObject({ code: 'AWS_SCALING_OBJECT_NOT_FOUND', action: 'putScheduledAction', performed: [] });
    expect(invalidated).toEqual(['c1/web', 'c1/web']);
    // An empty plan wrote nothing: the reader keeps what it has.
    await applier.apply('c1', 'web', [], new AbortController().signal);
    expect(invalidated).toHaveLength(2);
  });
});
