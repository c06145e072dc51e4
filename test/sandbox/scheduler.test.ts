/**
 * EventBridge Scheduler in the sandbox: CRUD through the real
 * @aws-sdk/client-scheduler (rest-json over HTTP and in-process) and the aws
 * CLI v1, Scheduler's checks and errors, and firing on the simulated clock
 * (POST /_sandbox/clock) into one-off ECS tasks, with the admin schedule list.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ConflictException, CreateScheduleCommand, CreateScheduleGroupCommand, DeleteScheduleCommand, DeleteScheduleGroupCommand, GetScheduleCommand,
  GetScheduleGroupCommand, ListScheduleGroupsCommand, ListSchedulesCommand, ListTagsForResourceCommand, ResourceNotFoundException, SchedulerClient,
  TagResourceCommand, UntagResourceCommand, UpdateScheduleCommand, ValidationException, type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, type Sandbox } from '../../src/sandbox/index.js';
import { requireProgram } from '../support/programs.js';
import { accountOn, rejectionOf, testSandbox, type SandboxAccount } from './sandbox-harness.js';

const run = promisify(execFile);
const hasAws = requireProgram('aws', 'pip install awscli');

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function advance(ms: number): Promise<void> {
  const res = await fetch(`${sandbox.endpoint}/_sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: ms }) });
  expect(res.status).toBe(200);
}

async function adminSchedules(account: SandboxAccount): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${sandbox.endpoint}/_sandbox/schedules?accountId=${account.accountId}&region=${account.region}`);
  return ((await res.json()) as { schedules: Record<string, unknown>[] }).schedules;
}

function scheduleInput(account: SandboxAccount, name: string, extra: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput {
  return {
    Name: name,
    GroupName: 'ecs-gitops',
    ScheduleExpression: 'rate(10 minutes)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: `arn:aws:ecs:${account.region}:${account.accountId}:cluster/jobs`,
      RoleArn: `arn:aws:iam::${account.accountId}:role/scheduler`,
      EcsParameters: {
        TaskDefinitionArn: `arn:aws:ecs:${account.region}:${account.accountId}:task-definition/report:1`,
        LaunchType: 'FARGATE',
        Group: `scheduled-task:${name}`,
        NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-0a1b2c3d'], SecurityGroups: ['sg-0123'] } },
        Tags: [{ team: 'data' }],
      },
      Input: JSON.stringify({ containerOverrides: [{ name: 'app', command: ['report', '--daily'] }] }),
    },
    ...extra,
  };
}

async function withGroup(): Promise<{ account: SandboxAccount; scheduler: SchedulerClient; ecs: ECSClient }> {
  const account = accountOn(sandbox);
  const scheduler = account.scheduler();
  await scheduler.send(new CreateScheduleGroupCommand({ Name: 'ecs-gitops', Tags: [{ Key: 'ecs-gitops/managed-by', Value: 'ecs-gitops' }] }));
  const ecs = account.ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: 'report', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    containerDefinitions: [{ name: 'app', image: 'example.com/report:1' }],
  }));
  return { account, scheduler, ecs };
}

describe('schedule groups and schedules through the SDK', () => {
  it('creates, reads with Scheduler\'s defaults filled in, lists, updates and deletes a schedule', async () => {
    const { account, scheduler } = await withGroup();
    const created = await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'nightly')));
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:eu-west-1:${account.accountId}:schedule/ecs-gitops/nightly`);
    const got = await scheduler.send(new GetScheduleCommand({ Name: 'nightly', GroupName: 'ecs-gitops' }));
    expect(got).toMatchObject({
      Name: 'nightly', GroupName: 'ecs-gitops', State: 'ENABLED', ScheduleExpressionTimezone: 'UTC', ActionAfterCompletion: 'NONE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 }, EcsParameters: { TaskCount: 1, LaunchType: 'FARGATE' } },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(got.LastModificationDate).toEqual(got.CreationDate);

    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'weekly', { ScheduleExpression: 'cron(0 8 ? * MON *)', State: 'DISABLED' })));
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: 'ecs-gitops' }));
    expect(listed.Schedules?.map((s) => [s.Name, s.State, s.Target?.Arn])).toEqual([
      ['nightly', 'ENABLED', `arn:aws:ecs:eu-west-1:${account.accountId}:cluster/jobs`],
      ['weekly', 'DISABLED', `arn:aws:ecs:eu-west-1:${account.accountId}:cluster/jobs`],
    ]);
    expect((await scheduler.send(new ListSchedulesCommand({ State: 'DISABLED' }))).Schedules?.map((s) => s.Name)).toEqual(['weekly']);
    expect((await scheduler.send(new ListSchedulesCommand({ NamePrefix: 'night' }))).Schedules?.map((s) => s.Name)).toEqual(['nightly']);
    const page = await scheduler.send(new ListSchedulesCommand({ MaxResults: 1 }));
    expect(page.Schedules).toHaveLength(1);
    expect((await scheduler.send(new ListSchedulesCommand({ MaxResults: 1, NextToken: page.NextToken }))).Schedules?.map((s) => s.Name)).toEqual(['weekly']);

    sandbox.clock.advance(1_000);
    // UpdateSchedule replaces the whole schedule: the RetryPolicy left out returns to the default.
    await scheduler.send(new UpdateScheduleCommand({
      ...scheduleInput(account, 'nightly', { ScheduleExpression: 'rate(1 hour)' }),
      Target: { ...scheduleInput(account, 'nightly').Target!, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 } },
    }));
    const updated = await scheduler.send(new GetScheduleCommand({ Name: 'nightly', GroupName: 'ecs-gitops' }));
    expect(updated.ScheduleExpression).toBe('rate(1 hour)');
    expect(updated.Target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 });
    expect(updated.LastModificationDate!.getTime() - updated.CreationDate!.getTime()).toBe(1_000);

    await scheduler.send(new DeleteScheduleCommand({ Name: 'nightly', GroupName: 'ecs-gitops' }));
    expect(await rejectionOf(scheduler.send(new GetScheduleCommand({ Name: 'nightly', GroupName: 'ecs-gitops' })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers Scheduler\'s errors: unknown group or schedule (404), duplicate name (409), bad input (400)', async () => {
    const { account, scheduler } = await withGroup();
    const missingGroup = await rejectionOf(scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'x', { GroupName: 'nope' }))));
    expect(missingGroup).toBeInstanceOf(ResourceNotFoundException);
    expect(missingGroup.$metadata?.httpStatusCode).toBe(404);
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'x')));
    const duplicate = await rejectionOf(scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'x'))));
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(duplicate.$metadata?.httpStatusCode).toBe(409);
    // The same name in another group is another schedule.
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'x', { GroupName: undefined })));
    expect((await scheduler.send(new GetScheduleCommand({ Name: 'x' }))).GroupName).toBe('default');
    expect(await rejectionOf(scheduler.send(new UpdateScheduleCommand(scheduleInput(account, 'ghost'))))).toBeInstanceOf(ResourceNotFoundException);

    const bad: Partial<CreateScheduleCommandInput>[] = [
      { ScheduleExpression: 'rate(0 minutes)' },
      { ScheduleExpression: 'cron(0 8 * * MON *)' },
      { ScheduleExpression: 'every day' },
      { ScheduleExpressionTimezone: 'Mars/Olympus' },
      { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } },
      { ActionAfterCompletion: 'KEEP' as never },
      { Target: { Arn: 'not-an-arn', RoleArn: `arn:aws:iam::${account.accountId}:role/r` } },
      { Target: { Arn: `arn:aws:ecs:eu-west-1:${account.accountId}:cluster/jobs`, RoleArn: 'role' } },
      { Target: { ...scheduleInput(account, 'y').Target!, EcsParameters: { TaskDefinitionArn: 'td', TaskCount: 11 } } },
      { Target: { ...scheduleInput(account, 'y').Target!, RetryPolicy: { MaximumEventAgeInSeconds: 10 } } },
      { StartDate: new Date('2030-01-02T00:00:00Z'), EndDate: new Date('2030-01-01T00:00:00Z') },
    ];
    for (const extra of bad) {
      const err = await rejectionOf(scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'y', extra))));
      expect(err, JSON.stringify(extra)).toBeInstanceOf(ValidationException);
      expect(err.$metadata?.httpStatusCode).toBe(400);
    }
    expect(await rejectionOf(scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'bad name'))))).toBeInstanceOf(ValidationException);
  });

  it('refuses a StartDate more than 5 minutes in the past, on create and on update, like Scheduler; a recent one is accepted', async () => {
    const { account, scheduler } = await withGroup();
    const now = sandbox.clock.now();
    const late = await rejectionOf(scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'late', { StartDate: new Date(now - 10 * 60_000) }))));
    expect(late).toBeInstanceOf(ValidationException);
    expect(late.message).toContain('StartDate');
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'recent', { StartDate: new Date(now - 2 * 60_000) })));
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'plain')));
    expect(await rejectionOf(scheduler.send(new UpdateScheduleCommand(scheduleInput(account, 'plain', { StartDate: new Date('2020-01-01T00:00:00Z') })))))
      .toBeInstanceOf(ValidationException);
  });

  it('manages groups and their tags; deleting a group deletes its schedules; default always exists', async () => {
    const { account, scheduler } = await withGroup();
    const arn = `arn:aws:scheduler:eu-west-1:${account.accountId}:schedule-group/ecs-gitops`;
    expect(await scheduler.send(new GetScheduleGroupCommand({ Name: 'ecs-gitops' }))).toMatchObject({ Arn: arn, Name: 'ecs-gitops', State: 'ACTIVE' });
    expect((await scheduler.send(new ListScheduleGroupsCommand({}))).ScheduleGroups?.map((g) => g.Name)).toEqual(['default', 'ecs-gitops']);
    expect((await scheduler.send(new ListScheduleGroupsCommand({ NamePrefix: 'ecs' }))).ScheduleGroups?.map((g) => g.Name)).toEqual(['ecs-gitops']);
    expect(await rejectionOf(scheduler.send(new CreateScheduleGroupCommand({ Name: 'ecs-gitops' })))).toBeInstanceOf(ConflictException);

    await scheduler.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'platform' }] }));
    await scheduler.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['ecs-gitops/managed-by'] }));
    expect((await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
    const ghost = await rejectionOf(scheduler.send(new ListTagsForResourceCommand({ ResourceArn: `${arn}-ghost` })));
    expect(ghost).toBeInstanceOf(ResourceNotFoundException);

    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'inside')));
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'ecs-gitops' }));
    expect(await rejectionOf(scheduler.send(new GetScheduleGroupCommand({ Name: 'ecs-gitops' })))).toBeInstanceOf(ResourceNotFoundException);
    expect((await scheduler.send(new ListSchedulesCommand({}))).Schedules).toEqual([]);
    expect(await rejectionOf(scheduler.send(new DeleteScheduleGroupCommand({ Name: 'default' })))).toBeInstanceOf(ValidationException);
  });

  it('serves the same API to an in-process SDK client (no socket)', async () => {
    const account = accountOn(sandbox);
    const inProcess = new SchedulerClient({
      region: account.region, credentials: { accessKeyId: account.accountId, secretAccessKey: 'x' }, requestHandler: sandbox.requestHandler, maxAttempts: 1,
    });
    await inProcess.send(new CreateScheduleGroupCommand({ Name: 'ecs-gitops' }));
    await inProcess.send(new CreateScheduleCommand(scheduleInput(account, 'in-process')));
    expect((await inProcess.send(new ListSchedulesCommand({ GroupName: 'ecs-gitops', MaxResults: 5 }))).Schedules?.map((s) => s.Name)).toEqual(['in-process']);
    expect((await account.scheduler().send(new GetScheduleCommand({ Name: 'in-process', GroupName: 'ecs-gitops' }))).State).toBe('ENABLED');
  });
});

describe('firing on the simulated clock', () => {
  it('an ENABLED rate schedule starts its ECS task each period with the EcsParameters, Input as overrides, and reports it', async () => {
    const { account, scheduler, ecs } = await withGroup();
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'report')));
    expect(await ecs.send(new ListTasksCommand({ cluster: 'jobs' }))).toMatchObject({ taskArns: [] });
    await advance(10 * 60_000);
    const [arn] = (await ecs.send(new ListTasksCommand({ cluster: 'jobs', family: 'report' }))).taskArns ?? [];
    expect(arn).toBeDefined();
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [arn as string], include: ['TAGS'] }))).tasks?.[0];
    expect(task).toMatchObject({
      group: 'scheduled-task:report', launchType: 'FARGATE', startedBy: 'scheduler/ecs-gitops/report', lastStatus: 'PENDING',
      overrides: { containerOverrides: [{ name: 'app', command: ['report', '--daily'] }] },
      tags: [{ key: 'team', value: 'data' }],
    });
    const [status] = await adminSchedules(account);
    expect(status).toMatchObject({ name: 'report', firings: 1, lastResult: { ok: true, taskArns: [arn] } });
    expect(status?.nextFireAt).toBe((status?.lastFiredAt as number) + 10 * 60_000);

    // Two more periods: two more tasks (each runs 5 s and stops).
    await advance(20 * 60_000);
    const stopped = (await ecs.send(new ListTasksCommand({ cluster: 'jobs', family: 'report', desiredStatus: 'STOPPED' }))).taskArns ?? [];
    expect(stopped).toHaveLength(2);
    const running = (await ecs.send(new ListTasksCommand({ cluster: 'jobs', family: 'report' }))).taskArns ?? [];
    expect(running).toHaveLength(1);
    expect((await adminSchedules(account))[0]?.firings).toBe(3);
  });

  it('a firing hands the controller\'s {key, value} tags to RunTask as one tag each (one-entry maps as before), with the overrides and group', async () => {
    const { account, scheduler, ecs } = await withGroup();
    const input = scheduleInput(account, 'tagged');
    input.Target!.EcsParameters!.Tags = [{ key: 'team', value: 'data' }, { key: 'env', value: 'prod' }, { owner: 'ops' }];
    input.Target!.EcsParameters!.Group = 'nightly-jobs';
    input.Target!.Input = JSON.stringify({ containerOverrides: [{ name: 'app', command: ['report', '--full'], environment: [{ name: 'MODE', value: 'full' }] }] });
    await scheduler.send(new CreateScheduleCommand(input));
    await advance(10 * 60_000);
    const [arn] = (await ecs.send(new ListTasksCommand({ cluster: 'jobs', family: 'report' }))).taskArns ?? [];
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [arn as string], include: ['TAGS'] }))).tasks?.[0];
    expect(task?.group).toBe('nightly-jobs');
    expect(task?.overrides?.containerOverrides).toEqual([expect.objectContaining({ name: 'app', command: ['report', '--full'], environment: [{ name: 'MODE', value: 'full' }] })]);
    expect([...(task?.tags ?? [])].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''))).toEqual([
      { key: 'env', value: 'prod' }, { key: 'owner', value: 'ops' }, { key: 'team', value: 'data' },
    ]);
  });

  it('DISABLED schedules, schedules past their EndDate and non-ECS targets do not fire; a one-time at() fires once', async () => {
    const { account, scheduler, ecs } = await withGroup();
    const now = sandbox.clock.now();
    const wall = (ms: number): string => new Date(ms).toISOString().slice(0, 19);
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'off', { State: 'DISABLED', ScheduleExpression: 'rate(1 minute)' })));
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'ended', { ScheduleExpression: 'rate(1 minute)', EndDate: new Date(now + 30_000) })));
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'lambda', {
      ScheduleExpression: 'rate(1 minute)',
      Target: { Arn: `arn:aws:lambda:eu-west-1:${account.accountId}:function:f`, RoleArn: `arn:aws:iam::${account.accountId}:role/r` },
    })));
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'once', { ScheduleExpression: `at(${wall(now + 120_000)})`, ActionAfterCompletion: 'DELETE' })));
    await advance(5 * 60_000);
    const started = [
      ...(await ecs.send(new ListTasksCommand({ cluster: 'jobs' }))).taskArns ?? [],
      ...(await ecs.send(new ListTasksCommand({ cluster: 'jobs', desiredStatus: 'STOPPED' }))).taskArns ?? [],
    ];
    expect(started).toHaveLength(1);
    const statuses = await adminSchedules(account);
    expect(statuses.map((s) => [s.name, s.firings, s.nextFireAt])).toEqual([['off', 0, null], ['ended', 0, null], ['lambda', 0, null]]);
    // ActionAfterCompletion DELETE: the fired one-time schedule is gone.
    expect(await rejectionOf(scheduler.send(new GetScheduleCommand({ Name: 'once', GroupName: 'ecs-gitops' })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('a firing that cannot run its task is recorded with the RunTask error', async () => {
    const { account, scheduler, ecs } = await withGroup();
    const input = scheduleInput(account, 'broken');
    input.Target!.EcsParameters!.TaskDefinitionArn = `arn:aws:ecs:eu-west-1:${account.accountId}:task-definition/missing:1`;
    await scheduler.send(new CreateScheduleCommand(input));
    await advance(10 * 60_000);
    const [status] = await adminSchedules(account);
    expect(status).toMatchObject({ name: 'broken', firings: 1, lastResult: { ok: false, error: 'ClientException: TaskDefinition not found.' } });
    expect((await ecs.send(new ListTasksCommand({ cluster: 'jobs' }))).taskArns).toEqual([]);
  });

  it('visits only due schedules: a clock jump over many periods fires each one, with tasks started at their fire times', async () => {
    const { account, scheduler, ecs } = await withGroup();
    await scheduler.send(new CreateScheduleCommand(scheduleInput(account, 'often', { ScheduleExpression: 'rate(1 minute)' })));
    const created = sandbox.clock.now();
    await advance(5 * 60_000 + DEFAULT_TIMINGS.taskStartMs);
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'jobs', desiredStatus: 'STOPPED' }))).taskArns ?? [];
    expect(arns).toHaveLength(4);
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: arns }))).tasks ?? [];
    expect(tasks.map((t) => t.createdAt!.getTime() - created)).toEqual([60_000, 120_000, 180_000, 240_000]);
    expect((await adminSchedules(account))[0]?.firings).toBe(5);
  });
});

describe.runIf(hasAws)('driven by the aws CLI v1', () => {
  it('creates, gets, lists and deletes schedules and groups with `aws scheduler`', async () => {
    const account = accountOn(sandbox);
    const aws = async (...args: string[]): Promise<unknown> => {
      const { stdout } = await run('aws', ['--endpoint-url', sandbox.endpoint, '--region', account.region, '--output', 'json', 'scheduler', ...args], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: account.accountId, AWS_SECRET_ACCESS_KEY: 'x', AWS_PAGER: '' },
      });
      return stdout.trim() === '' ? undefined : JSON.parse(stdout);
    };
    await aws('create-schedule-group', '--name', 'cli', '--tags', 'Key=owner,Value=cli');
    const target = JSON.stringify({
      Arn: `arn:aws:ecs:eu-west-1:${account.accountId}:cluster/jobs`, RoleArn: `arn:aws:iam::${account.accountId}:role/r`,
      EcsParameters: { TaskDefinitionArn: `arn:aws:ecs:eu-west-1:${account.accountId}:task-definition/report:1`, TaskCount: 2 },
    });
    await aws('create-schedule', '--name', 'from-cli', '--group-name', 'cli', '--schedule-expression', 'cron(0 8 * * ? *)',
      '--flexible-time-window', 'Mode=OFF', '--target', target, '--start-date', '2030-01-01T00:00:00Z');
    expect(await aws('get-schedule', '--name', 'from-cli', '--group-name', 'cli')).toMatchObject({
      Name: 'from-cli', GroupName: 'cli', State: 'ENABLED', ScheduleExpression: 'cron(0 8 * * ? *)', Target: { EcsParameters: { TaskCount: 2 } },
    });
    expect((await aws('list-schedules', '--group-name', 'cli') as { Schedules: { Name: string }[] }).Schedules.map((s) => s.Name)).toEqual(['from-cli']);
    expect(await aws('list-tags-for-resource', '--resource-arn', `arn:aws:scheduler:eu-west-1:${account.accountId}:schedule-group/cli`))
      .toEqual({ Tags: [{ Key: 'owner', Value: 'cli' }] });
    await aws('delete-schedule', '--name', 'from-cli', '--group-name', 'cli');
    await expect(aws('get-schedule', '--name', 'from-cli', '--group-name', 'cli')).rejects.toThrow(/ResourceNotFoundException/);
    await aws('delete-schedule-group', '--name', 'cli');
  }, 60_000);
});
