/**
 * planScheduledTask: which Scheduler and ECS calls bring a scheduled task to
 * its manifest, in which order; when the schedule group blocks everything;
 * the whole CreateSchedule input a manifest becomes; and deletion.
 */
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import {
  planScheduledTask, planScheduledTaskDeletion, scheduleInputFromManifest, withRegisteredScheduleTaskDefinition,
} from '../../src/plan/plan-scheduled-task.js';
import type { PlanScheduledTaskInput } from '../../src/plan/scheduled-task-types.js';
import { REGISTERED_TASK_DEFINITION } from '../../src/plan/types.js';
import {
  asSchedulerWouldStore, baseScheduledSpec, CLUSTER_ARN, desiredScheduled, GROUP, LIVE_TD_ARN, REGION, registeredTaskDefinition,
  ROLE_ARN, scheduledManifest, type ScheduledSpecDraft,
} from '../diff/scheduled-task-fixtures.js';

const OTHER_TD_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/report:9';

function input(overrides: Partial<PlanScheduledTaskInput> = {}, spec: ScheduledSpecDraft = baseScheduledSpec()): PlanScheduledTaskInput {
  const manifest = scheduledManifest(spec);
  return {
    desired: desiredScheduled(manifest),
    live: asSchedulerWouldStore(scheduleInputFromManifest(manifest, { groupName: GROUP, clusterArn: CLUSTER_ARN, taskDefinitionArn: LIVE_TD_ARN })),
    liveTaskDefinition: registeredTaskDefinition(manifest),
    group: { name: GROUP, state: 'owned' },
    clusterArn: CLUSTER_ARN,
    controllerId: 'c1',
    revision: 'r2',
    ...overrides,
  };
}

function kinds(plan: { actions: readonly { kind: string }[] }): string[] {
  return plan.actions.map((a) => a.kind);
}

function scheduleInputOf(plan: ReturnType<typeof planScheduledTask>, kind: 'createSchedule' | 'updateSchedule') {
  const action = plan.actions.find((a) => a.kind === kind);
  if (action?.kind !== kind) throw new Error(`no ${kind}`);
  return action.input;
}

describe('planScheduledTask', () => {
  it('in sync: no actions', () => {
    const plan = planScheduledTask(input());
    expect(plan).toEqual({ changes: [], actions: [] });
  });

  it('no group yet: creates the group tagged as ours first, registers the task definition, creates the schedule running it', () => {
    const plan = planScheduledTask(input({ group: { name: GROUP, state: 'missing' }, live: undefined, liveTaskDefinition: undefined }));
    expect(kinds(plan)).toEqual(['createScheduleGroup', 'registerTaskDefinition', 'createSchedule']);
    expect(plan.actions[0]).toEqual({ kind: 'createScheduleGroup', name: GROUP, tags: [{ Key: 'ecs-gitops/managed-by', Value: 'c1' }] });
    const create = scheduleInputOf(plan, 'createSchedule');
    expect(create.Target?.EcsParameters?.TaskDefinitionArn).toBe(REGISTERED_TASK_DEFINITION);
    expect(create.GroupName).toBe(GROUP);
  });

  it('a missing group means no schedule, whatever live said', () => {
    const plan = planScheduledTask(input({ group: { name: GROUP, state: 'missing' } }));
    expect(kinds(plan)).toEqual(['createScheduleGroup', 'registerTaskDefinition', 'createSchedule']);
  });

  it('a revision with the desired spec hash is reused: no registration', () => {
    const plan = planScheduledTask(input({ live: undefined, liveTaskDefinition: undefined, existingRevisionForHash: OTHER_TD_ARN }));
    expect(kinds(plan)).toEqual(['createSchedule']);
    expect(scheduleInputOf(plan, 'createSchedule').Target?.EcsParameters?.TaskDefinitionArn).toBe(OTHER_TD_ARN);
  });

  it('the registration is the one a Service with the same task definition gets (same spec hash, controller tags)', () => {
    const plan = planScheduledTask(input({ live: undefined, liveTaskDefinition: undefined }));
    const register = plan.actions[0];
    if (register?.kind !== 'registerTaskDefinition') throw new Error('expected a registration');
    expect(register.input.family).toBe('report');
    expect(register.input.tags).toEqual(expect.arrayContaining([
      { key: 'ecs-gitops/spec-hash', value: register.specHash },
      { key: 'ecs-gitops/managed-by', value: 'c1' },
      { key: 'ecs-gitops/source', value: 'scheduled/report.yaml' },
      { key: 'ecs-gitops/revision', value: 'r2' },
    ]));
  });

  it('a schedule field changed: one whole UpdateSchedule, still running the live revision', () => {
    const spec = baseScheduledSpec();
    const live = input().live as GetScheduleOutput;
    const plan = planScheduledTask(input({ live: { ...live, ScheduleExpression: 'rate(1 day)' } }, spec));
    expect(kinds(plan)).toEqual(['updateSchedule']);
    expect(plan.changes.map((c) => c.pointer)).toEqual(['/schedule']);
    const update = scheduleInputOf(plan, 'updateSchedule');
    expect(update).toEqual(scheduleInputFromManifest(scheduledManifest(spec), { groupName: GROUP, clusterArn: CLUSTER_ARN, taskDefinitionArn: LIVE_TD_ARN }));
  });

  it('the task definition changed: registers, then updates the schedule to the new revision', () => {
    const base = input();
    const spec = baseScheduledSpec();
    spec.taskDefinition = { ...spec.taskDefinition, containerDefinitions: [{ name: 'report', image: 'report:2.0', essential: true }] };
    const plan = planScheduledTask({ ...input({}, spec), live: base.live, liveTaskDefinition: base.liveTaskDefinition });
    expect(kinds(plan)).toEqual(['registerTaskDefinition', 'updateSchedule']);
    expect(plan.changes).toEqual([expect.objectContaining({ pointer: '/taskDefinition/containerDefinitions/0/image', scope: 'taskDefinition' })]);
    expect(scheduleInputOf(plan, 'updateSchedule').Target?.EcsParameters?.TaskDefinitionArn).toBe(REGISTERED_TASK_DEFINITION);
  });

  it('the task definition changed back to a revision that exists: the schedule points at it, nothing registered', () => {
    const base = input();
    const spec = baseScheduledSpec();
    spec.taskDefinition = { ...spec.taskDefinition, memory: '1024' };
    const plan = planScheduledTask({ ...input({}, spec), live: base.live, liveTaskDefinition: base.liveTaskDefinition, existingRevisionForHash: OTHER_TD_ARN });
    expect(kinds(plan)).toEqual(['updateSchedule']);
    expect(scheduleInputOf(plan, 'updateSchedule').Target?.EcsParameters?.TaskDefinitionArn).toBe(OTHER_TD_ARN);
  });

  it('a group another controller owns blocks, naming the group and the Region', () => {
    const plan = planScheduledTask(input({ group: { name: GROUP, state: { ownedBy: 'other-ctl' } } }));
    expect(plan.actions).toEqual([]);
    expect(plan.blocked?.code).toBe('DIFF_OWNED_BY_OTHER_CONTROLLER');
    expect(plan.blocked?.message).toContain(`schedule group ${GROUP} in ${REGION}`);
    expect(plan.blocked?.message).toContain('"other-ctl"');
  });

  it('an untagged group of that name blocks until a person tags it', () => {
    const plan = planScheduledTask(input({ group: { name: GROUP, state: { ownedBy: undefined } }, live: undefined }));
    expect(plan.actions).toEqual([]);
    expect(plan.blocked?.code).toBe('DIFF_ADOPTION_NOT_ALLOWED');
    expect(plan.blocked?.message).toContain(`schedule group ${GROUP} in ${REGION}`);
    expect(plan.blocked?.message).toContain('ecs-gitops/managed-by=c1');
  });

  it('a schedule retargeted to another cluster is updated back', () => {
    const live = input().live as GetScheduleOutput;
    const plan = planScheduledTask(input({ live: { ...live, Target: { ...live.Target!, Arn: `${CLUSTER_ARN}-x` } } }));
    expect(kinds(plan)).toEqual(['updateSchedule']);
    expect(scheduleInputOf(plan, 'updateSchedule').Target?.Arn).toBe(CLUSTER_ARN);
  });
});

describe('a startDate in the past (Scheduler refuses a StartDate more than 5 minutes ago)', () => {
  const NOW = Date.parse('2026-06-01T12:00:00Z');
  const withStart = (startDate: string | undefined): ScheduledSpecDraft => {
    const spec = baseScheduledSpec();
    if (startDate === undefined) delete spec.startDate;
    else spec.startDate = startDate;
    return spec;
  };
  const liveWith = (start: Date | undefined): GetScheduleOutput => {
    const live = input().live!;
    return { ...live, ...(start ? { StartDate: start } : { StartDate: undefined }) };
  };

  it.each<[string, string, Date | undefined, string[]]>([
    ['past desired, no live StartDate', '2026-01-01T00:00:00Z', undefined, []],
    ['past desired, another past live StartDate', '2026-01-01T00:00:00Z', new Date('2025-03-01T00:00:00Z'), []],
    ['past desired, a future live StartDate', '2026-01-01T00:00:00Z', new Date('2027-01-01T00:00:00Z'), ['updateSchedule']],
    ['future desired, no live StartDate', '2027-01-01T00:00:00Z', undefined, ['updateSchedule']],
    ['future desired, the same live StartDate', '2027-01-01T00:00:00Z', new Date('2027-01-01T00:00:00Z'), []],
  ])('%s', (_name, startDate, liveStart, expected) => {
    const plan = planScheduledTask(input({ live: liveWith(liveStart), now: NOW }, withStart(startDate)));
    expect(kinds(plan)).toEqual(expected);
  });

  it('a past startDate is not sent; a future one is; without `now` it is sent as written', () => {
    const create = (startDate: string, now?: number) => scheduleInputOf(planScheduledTask(input({
      live: undefined, liveTaskDefinition: undefined, ...(now !== undefined ? { now } : {}),
    }, withStart(startDate))), 'createSchedule');
    expect(create('2026-01-01T00:00:00Z', NOW).StartDate).toBeUndefined();
    expect(create('2027-01-01T00:00:00Z', NOW).StartDate).toEqual(new Date('2027-01-01T00:00:00Z'));
    expect(create('2026-01-01T00:00:00Z').StartDate).toEqual(new Date('2026-01-01T00:00:00Z'));
    const update = scheduleInputOf(planScheduledTask(input({ live: liveWith(new Date('2027-01-01T00:00:00Z')), now: NOW }, withStart('2026-01-01T00:00:00Z'))), 'updateSchedule');
    expect(update.StartDate).toBeUndefined();
  });
});

describe('scheduleInputFromManifest', () => {
  it('writes every field in Scheduler\'s shape, with the defaults an update would otherwise reset', () => {
    const spec = baseScheduledSpec();
    Object.assign(spec, {
      startDate: '2030-01-01T00:00:00+01:00', endDate: '2031-01-01T00:00:00Z', description: 'nightly', taskCount: 2,
      retryPolicy: { maximumRetryAttempts: 3 }, deadLetterConfig: { arn: 'arn:aws:sqs:eu-west-1:1:dlq' }, enableExecuteCommand: true,
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 15 }, propagateTags: 'TASK_DEFINITION',
    });
    expect(scheduleInputFromManifest(scheduledManifest(spec), { groupName: GROUP, clusterArn: CLUSTER_ARN, taskDefinitionArn: LIVE_TD_ARN })).toEqual({
      Name: 'nightly-report',
      GroupName: GROUP,
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      StartDate: new Date('2029-12-31T23:00:00Z'),
      EndDate: new Date('2031-01-01T00:00:00Z'),
      Description: 'nightly',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: CLUSTER_ARN,
        RoleArn: ROLE_ARN,
        DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:1:dlq' },
        RetryPolicy: { MaximumRetryAttempts: 3 },
        Input: JSON.stringify({ containerOverrides: [{ name: 'report', command: ['run', '--nightly'] }] }),
        EcsParameters: {
          TaskDefinitionArn: LIVE_TD_ARN,
          TaskCount: 2,
          LaunchType: 'FARGATE',
          NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-b', 'subnet-a'], SecurityGroups: ['sg-1'] } },
          Group: 'scheduled-task:nightly-report',
          EnableExecuteCommand: true,
          PropagateTags: 'TASK_DEFINITION',
          Tags: [{ key: 'team', value: 'data' }],
        },
      },
    });
  });

  it('a minimal manifest: mode OFF, ENABLED, NONE, the default task group, nothing else invented', () => {
    const input = scheduleInputFromManifest(
      scheduledManifest({ schedule: 'rate(5 minutes)', roleArn: ROLE_ARN, taskDefinition: { family: 'f', containerDefinitions: [] } }, 'job'),
      { groupName: GROUP, clusterArn: CLUSTER_ARN, taskDefinitionArn: LIVE_TD_ARN },
    );
    expect(input).toEqual({
      Name: 'job', GroupName: GROUP, ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED', FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: { Arn: CLUSTER_ARN, RoleArn: ROLE_ARN, EcsParameters: { TaskDefinitionArn: LIVE_TD_ARN, Group: 'scheduled-task:job' } },
    });
  });
});

describe('planScheduledTaskDeletion and withRegisteredScheduleTaskDefinition', () => {
  it('deletes the schedule by name in the group', () => {
    expect(planScheduledTaskDeletion('job', GROUP)).toEqual({
      changes: [{ pointer: '', desired: undefined, live: { name: 'job', group: GROUP }, kind: 'removed', scope: 'scheduledTask' }],
      actions: [{ kind: 'deleteSchedule', input: { Name: 'job', GroupName: GROUP } }],
    });
  });

  it('puts the registered ARN in place of the placeholder, and leaves other actions alone', () => {
    const plan = planScheduledTask(input({ live: undefined, liveTaskDefinition: undefined }));
    const create = plan.actions[1]!;
    const filled = withRegisteredScheduleTaskDefinition(create, OTHER_TD_ARN);
    expect(filled.kind === 'createSchedule' && filled.input.Target?.EcsParameters?.TaskDefinitionArn).toBe(OTHER_TD_ARN);
    expect(withRegisteredScheduleTaskDefinition(plan.actions[0]!, OTHER_TD_ARN)).toBe(plan.actions[0]);
    expect(withRegisteredScheduleTaskDefinition(filled, 'x')).toBe(filled);
  });
});
