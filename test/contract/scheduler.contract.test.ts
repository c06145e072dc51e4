/**
 * EventBridge Scheduler, one contract suite against the sandbox and
 * moto_server with the real @aws-sdk/client-scheduler: groups, schedules,
 * Scheduler's errors and the defaults GetSchedule shows, and firing into ECS
 * tasks. Cases listed in MOTO_KNOWN_GAPS (backends.ts) are expected to fail
 * on moto only; moto never fires schedules.
 */
import { CreateClusterCommand, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateScheduleCommand, CreateScheduleGroupCommand, GetScheduleCommand, ListSchedulesCommand, ListTagsForResourceCommand, UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { describe, expect } from 'vitest';
import { type Backend, type ContractAccount, contractBackends, contractCase } from './backends.js';

const backends: Backend[] = contractBackends();

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}

function schedule(a: ContractAccount, name: string, extra: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput {
  return {
    Name: name,
    GroupName: 'ecs-gitops',
    ScheduleExpression: 'rate(10 minutes)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: `arn:aws:ecs:${a.region}:${a.accountId}:cluster/jobs`,
      RoleArn: `arn:aws:iam::${a.accountId}:role/scheduler`,
      EcsParameters: { TaskDefinitionArn: `arn:aws:ecs:${a.region}:${a.accountId}:task-definition/report:1`, Group: `scheduled-task:${name}` },
    },
    ...extra,
  };
}

async function group(a: ContractAccount): Promise<string> {
  const out = await a.scheduler.send(new CreateScheduleGroupCommand({ Name: 'ecs-gitops', Tags: [{ Key: 'ecs-gitops/managed-by', Value: 'ecs-gitops' }] }));
  return out.ScheduleGroupArn as string;
}

describe.each(backends)('contract (scheduler): $name', (backend) => {
  const contract = contractCase(backend);

  contract('scheduler: a group is created with its tags', async (a) => {
    const arn = await group(a);
    expect(arn).toBe(`arn:aws:scheduler:${a.region}:${a.accountId}:schedule-group/ecs-gitops`);
    expect((await a.scheduler.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'ecs-gitops/managed-by', Value: 'ecs-gitops' }]);
  });

  contract('scheduler: CreateSchedule then GetSchedule returns the schedule and its target', async (a) => {
    await group(a);
    const created = await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'nightly')));
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:${a.region}:${a.accountId}:schedule/ecs-gitops/nightly`);
    const got = await a.scheduler.send(new GetScheduleCommand({ Name: 'nightly', GroupName: 'ecs-gitops' }));
    expect(got).toMatchObject({
      Name: 'nightly', GroupName: 'ecs-gitops', State: 'ENABLED', ScheduleExpression: 'rate(10 minutes)', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: `arn:aws:ecs:${a.region}:${a.accountId}:cluster/jobs`, EcsParameters: { Group: 'scheduled-task:nightly' } },
    });
  });

  contract('scheduler: GetSchedule fills the default RetryPolicy, TaskCount and time zone', async (a) => {
    await group(a);
    await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'defaults')));
    const got = await a.scheduler.send(new GetScheduleCommand({ Name: 'defaults', GroupName: 'ecs-gitops' }));
    expect(got.ScheduleExpressionTimezone).toBe('UTC');
    expect(got.Target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
    expect(got.Target?.EcsParameters?.TaskCount).toBe(1);
  });

  contract('scheduler: a schedule in a missing group is a ResourceNotFoundException', async (a) => {
    expect(await errorName(a.scheduler.send(new CreateScheduleCommand(schedule(a, 'x', { GroupName: 'missing' }))))).toBe('ResourceNotFoundException');
  });

  contract('scheduler: a second schedule with the same name in the group is a ConflictException', async (a) => {
    await group(a);
    await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'twice')));
    expect(await errorName(a.scheduler.send(new CreateScheduleCommand(schedule(a, 'twice'))))).toBe('ConflictException');
  });

  contract('scheduler: GetSchedule and UpdateSchedule of a missing schedule are ResourceNotFoundException', async (a) => {
    await group(a);
    expect(await errorName(a.scheduler.send(new GetScheduleCommand({ Name: 'ghost', GroupName: 'ecs-gitops' })))).toBe('ResourceNotFoundException');
    expect(await errorName(a.scheduler.send(new UpdateScheduleCommand(schedule(a, 'ghost'))))).toBe('ResourceNotFoundException');
  });

  contract('scheduler: UpdateSchedule replaces the schedule', async (a) => {
    await group(a);
    await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'changing', { Description: 'first' })));
    await a.scheduler.send(new UpdateScheduleCommand(schedule(a, 'changing', { ScheduleExpression: 'cron(0 8 * * ? *)', State: 'DISABLED' })));
    const got = await a.scheduler.send(new GetScheduleCommand({ Name: 'changing', GroupName: 'ecs-gitops' }));
    expect(got).toMatchObject({ ScheduleExpression: 'cron(0 8 * * ? *)', State: 'DISABLED' });
    expect(got.Description).toBeUndefined();
  });

  contract('scheduler: ListSchedules filters by group and name prefix', async (a) => {
    await group(a);
    await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'alpha')));
    await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'beta')));
    await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'alpha', { GroupName: undefined })));
    const inGroup = (await a.scheduler.send(new ListSchedulesCommand({ GroupName: 'ecs-gitops' }))).Schedules ?? [];
    expect(inGroup.map((s) => s.Name).sort()).toEqual(['alpha', 'beta']);
    const prefixed = (await a.scheduler.send(new ListSchedulesCommand({ GroupName: 'ecs-gitops', NamePrefix: 'al' }))).Schedules ?? [];
    expect(prefixed.map((s) => [s.Name, s.GroupName, s.State])).toEqual([['alpha', 'ecs-gitops', 'ENABLED']]);
  });

  contract('scheduler: an invalid schedule expression is a ValidationException', async (a) => {
    await group(a);
    expect(await errorName(a.scheduler.send(new CreateScheduleCommand(schedule(a, 'bad', { ScheduleExpression: 'every day' }))))).toBe('ValidationException');
  });

  contract('scheduler: an ENABLED schedule targeting a cluster starts its task when it fires', async (a) => {
    await group(a);
    await a.ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
    await a.ecs.send(new RegisterTaskDefinitionCommand({ family: 'report', containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128 }] }));
    await a.scheduler.send(new CreateScheduleCommand(schedule(a, 'fires', { ScheduleExpression: 'rate(1 minute)' })));
    a.advanceClock?.(60_000);
    const tasks = (await a.ecs.send(new ListTasksCommand({ cluster: 'jobs', family: 'report' }))).taskArns ?? [];
    expect(tasks).toHaveLength(1);
  });
});
