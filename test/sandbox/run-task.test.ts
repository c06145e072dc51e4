/**
 * One-off ECS tasks through the real SDK: RunTask, DescribeTasks, ListTasks
 * and StopTask over HTTP, their lifecycle on the simulated clock, exit codes
 * set with the admin API (POST /_sandbox/images/exit), pull failures,
 * retention and throttling.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
  RunTaskCommand, StopTaskCommand, TagResourceCommand, type ECSClient, type Task,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, type Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, fargateTaskDefinition, rejectionOf, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function admin(route: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.endpoint}/_sandbox/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** An image name no other test uses (exit rules are sandbox-wide). */
const uniqueImage = (): string => `example.com/job-${randomUUID().slice(0, 8)}:1`;

async function setup(image = uniqueImage()): Promise<{ ecs: ECSClient; image: string }> {
  const ecs = accountOn(sandbox).ecs();
  await ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
  await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('migrate', image, {
    containerDefinitions: [{
      name: 'app', image, essential: true,
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/migrate', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'job' } },
    }],
  })));
  return { ecs, image };
}

async function run(ecs: ECSClient, extra: Record<string, unknown> = {}): Promise<Task> {
  const out = await ecs.send(new RunTaskCommand({ cluster: 'jobs', taskDefinition: 'migrate', launchType: 'FARGATE', networkConfiguration: NETWORK, ...extra }));
  expect(out.failures).toEqual([]);
  return out.tasks?.[0] as Task;
}

async function describe1(ecs: ECSClient, arn: string): Promise<Task> {
  const out = await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [arn], include: ['TAGS'] }));
  return out.tasks?.[0] as Task;
}

describe('RunTask lifecycle', () => {
  it('runs PENDING -> RUNNING -> STOPPED with exit code 0 after 5 simulated seconds by default', async () => {
    const { ecs } = await setup();
    const task = await run(ecs, { startedBy: 'ecs-gitops/hook/migrate/0123456789abcdef' });
    expect(task).toMatchObject({ lastStatus: 'PENDING', desiredStatus: 'RUNNING', group: 'family:migrate', startedBy: 'ecs-gitops/hook/migrate/0123456789abcdef', launchType: 'FARGATE', platformVersion: 'LATEST' });
    expect(task.taskArn).toMatch(/^arn:aws:ecs:eu-west-1:\d{12}:task\/jobs\/[0-9a-f]{32}$/);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    expect(await describe1(ecs, task.taskArn as string)).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    sandbox.clock.advance(4_999);
    expect((await describe1(ecs, task.taskArn as string)).lastStatus).toBe('RUNNING');
    sandbox.clock.advance(1);
    const stopped = await describe1(ecs, task.taskArn as string);
    expect(stopped).toMatchObject({
      lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited',
      containers: [expect.objectContaining({ name: 'app', exitCode: 0 })],
    });
    expect(stopped.stoppedAt!.getTime() - stopped.startedAt!.getTime()).toBe(5_000);
  });

  it('exits with the code and after the time set for its image through the admin API, until cleared', async () => {
    const { ecs, image } = await setup();
    expect((await admin('images/exit', { image, exitCode: 3, afterSeconds: 60 })).status).toBe(200);
    const failing = await run(ecs);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + 59_000);
    expect((await describe1(ecs, failing.taskArn as string)).lastStatus).toBe('RUNNING');
    sandbox.clock.advance(1_000);
    expect(await describe1(ecs, failing.taskArn as string)).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', containers: [expect.objectContaining({ exitCode: 3 })] });

    expect((await admin('images/exit', { image, clear: true })).status).toBe(200);
    const ok = await run(ecs);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + DEFAULT_TIMINGS.oneOffRunMs);
    expect(await describe1(ecs, ok.taskArn as string)).toMatchObject({ lastStatus: 'STOPPED', containers: [expect.objectContaining({ exitCode: 0 })] });
  });

  it('stops when its first essential container exits; a container still running is killed (137)', async () => {
    const ecs = accountOn(sandbox).ecs();
    const quick = uniqueImage();
    const slow = uniqueImage();
    await ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'pair', containerDefinitions: [{ name: 'main', image: quick, memory: 128 }, { name: 'sidecar', image: slow, memory: 128 }, { name: 'helper', image: quick, memory: 64, essential: false }],
    }));
    sandbox.admin.setImageExit(quick, { exitCode: 0, afterSeconds: 10 });
    sandbox.admin.setImageExit(slow, { exitCode: 0, afterSeconds: 600 });
    const out = await ecs.send(new RunTaskCommand({ cluster: 'jobs', taskDefinition: 'pair' }));
    expect(out.tasks?.[0]).toMatchObject({ launchType: 'EC2', group: 'family:pair' });
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + 10_000);
    const task = await describe1(ecs, out.tasks?.[0]?.taskArn as string);
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.containers?.map((c) => [c.name, c.exitCode])).toEqual([['main', 0], ['sidecar', 137], ['helper', 0]]);
  });

  it('a task whose image cannot be pulled stops with TaskFailedToStart and CannotPullContainerError', async () => {
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
    const missing = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/nothing:1';
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('migrate', missing)));
    const task = await run(ecs);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const stopped = await describe1(ecs, task.taskArn as string);
    expect(stopped).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart' });
    expect(stopped.stoppedReason).toMatch(/^CannotPullContainerError: /);
    expect(stopped.startedAt).toBeUndefined();
    expect(stopped.containers?.[0]?.exitCode).toBeUndefined();
  });

  it('StopTask stops a running task with UserInitiated, the given reason and exit code 137; an exited container keeps its code', async () => {
    const { ecs } = await setup();
    const task = await run(ecs);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const out = await ecs.send(new StopTaskCommand({ cluster: 'jobs', task: task.taskArn, reason: 'hook timed out' }));
    expect(out.task).toMatchObject({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'hook timed out', containers: [expect.objectContaining({ exitCode: 137 })] });
    // Stopping it again changes nothing.
    const again = await ecs.send(new StopTaskCommand({ cluster: 'jobs', task: task.taskArn?.split('/').pop(), reason: 'again' }));
    expect(again.task?.stoppedReason).toBe('hook timed out');
    const err = await rejectionOf(ecs.send(new StopTaskCommand({ cluster: 'jobs', task: '0123456789abcdef0123456789abcdef' })));
    expect(err).toMatchObject({ name: 'InvalidParameterException', message: 'The referenced task was not found.' });
    const long = await rejectionOf(ecs.send(new StopTaskCommand({ cluster: 'jobs', task: task.taskArn, reason: 'x'.repeat(256) })));
    expect(long.name).toBe('InvalidParameterException');
  });

  it('StopTask on a service task stops it and the service starts a replacement', async () => {
    const { ecs } = await setup();
    await ecs.send(new CreateServiceCommand({ cluster: 'jobs', serviceName: 'web', taskDefinition: 'migrate', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const [arn] = (await ecs.send(new ListTasksCommand({ cluster: 'jobs', serviceName: 'web' }))).taskArns ?? [];
    const out = await ecs.send(new StopTaskCommand({ cluster: 'jobs', task: arn }));
    expect(out.task).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', group: 'service:web' });
    sandbox.clock.advance(DEFAULT_TIMINGS.stepMs + DEFAULT_TIMINGS.taskStartMs);
    const running = (await ecs.send(new ListTasksCommand({ cluster: 'jobs', serviceName: 'web' }))).taskArns ?? [];
    expect(running).toHaveLength(1);
    expect(running[0]).not.toBe(arn);
  });

  it('returns overrides with an entry per container, group, tags and enableExecuteCommand', async () => {
    const { ecs } = await setup();
    await ecs.send(new TagResourceCommand({ resourceArn: (await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('migrate', 'nginx:1.27')))).taskDefinition?.taskDefinitionArn, tags: [{ key: 'from', value: 'td' }] }));
    const task = await run(ecs, {
      taskDefinition: 'migrate:2', count: 2, group: 'scheduled-task:nightly', enableExecuteCommand: true, propagateTags: 'TASK_DEFINITION',
      tags: [{ key: 'team', value: 'data' }],
      overrides: { containerOverrides: [{ name: 'app', command: ['migrate', '--up'], environment: [{ name: 'A', value: '1' }] }] },
    });
    const described = await describe1(ecs, task.taskArn as string);
    expect(described).toMatchObject({
      group: 'scheduled-task:nightly', enableExecuteCommand: true,
      overrides: { containerOverrides: [{ name: 'app', command: ['migrate', '--up'], environment: [{ name: 'A', value: '1' }] }], inferenceAcceleratorOverrides: [] },
    });
    expect(described.tags).toEqual([{ key: 'team', value: 'data' }, { key: 'from', value: 'td' }]);
    const plain = await run(ecs);
    expect(plain.overrides).toEqual({ containerOverrides: [{ name: 'app' }], inferenceAcceleratorOverrides: [] });
  });

  it('ListTasks finds one-off tasks by family, startedBy and desiredStatus; serviceName lists only that service', async () => {
    const { ecs } = await setup();
    const a = await run(ecs, { startedBy: 'hook-a' });
    const b = await run(ecs, { startedBy: 'hook-b' });
    const list = async (input: Record<string, unknown>) => (await ecs.send(new ListTasksCommand({ cluster: 'jobs', ...input }))).taskArns ?? [];
    expect(await list({ family: 'migrate' })).toEqual([a.taskArn, b.taskArn]);
    expect(await list({ startedBy: 'hook-b' })).toEqual([b.taskArn]);
    expect(await list({ family: 'other' })).toEqual([]);
    await ecs.send(new CreateServiceCommand({ cluster: 'jobs', serviceName: 'web', taskDefinition: 'migrate', desiredCount: 0, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    expect(await list({ serviceName: 'web' })).toEqual([]);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + DEFAULT_TIMINGS.oneOffRunMs);
    expect(await list({ family: 'migrate' })).toEqual([]);
    expect(await list({ family: 'migrate', desiredStatus: 'STOPPED' })).toEqual([a.taskArn, b.taskArn]);
    expect(await list({ startedBy: 'hook-a', desiredStatus: 'STOPPED' })).toEqual([a.taskArn]);
  });

  it('ListTasks refuses startedBy with any other filter but desiredStatus, as ECS does', async () => {
    const { ecs } = await setup();
    const a = await run(ecs, { startedBy: 'hook-only' });
    const list = (input: Record<string, unknown>) => ecs.send(new ListTasksCommand({ cluster: 'jobs', ...input }));
    for (const other of [{ family: 'migrate' }, { serviceName: 'web' }, { containerInstance: 'ci-1' }, { launchType: 'FARGATE' }]) {
      const err = await rejectionOf(list({ startedBy: 'hook-only', ...other }));
      expect(err.name, JSON.stringify(other)).toBe('InvalidParameterException');
      expect(err.message).toContain('startedBy');
    }
    expect((await list({ startedBy: 'hook-only', desiredStatus: 'RUNNING' })).taskArns).toEqual([a.taskArn]);
  });

  it('stopped one-off tasks stay describable for one simulated hour, then are MISSING', async () => {
    const { ecs } = await setup();
    const task = await run(ecs);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + DEFAULT_TIMINGS.oneOffRunMs + 3_599_000);
    expect((await describe1(ecs, task.taskArn as string)).lastStatus).toBe('STOPPED');
    sandbox.clock.advance(1_000);
    const out = await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [task.taskArn as string] }));
    expect(out.tasks).toEqual([]);
    expect(out.failures).toEqual([{ arn: task.taskArn, reason: 'MISSING' }]);
  });

  it('a cluster with a running one-off task cannot be deleted', async () => {
    const { ecs } = await setup();
    await run(ecs);
    const err = await rejectionOf(ecs.send(new DeleteClusterCommand({ cluster: 'jobs' })));
    expect(err.name).toBe('ClusterContainsTasksException');
  });
});

describe('RunTask checks', () => {
  it('refuses what ECS refuses', async () => {
    const { ecs } = await setup();
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'bridge', containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128 }] }));
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ taskDefinition: 'nope' }, 'ClientException', /^TaskDefinition not found\.$/],
      [{ networkConfiguration: undefined }, 'InvalidParameterException', /Network Configuration must be provided/],
      [{ taskDefinition: 'bridge', networkConfiguration: undefined }, 'InvalidParameterException', /does not support launch_type FARGATE/],
      [{ count: 11 }, 'InvalidParameterException', /count/],
      [{ count: 0 }, 'InvalidParameterException', /count/],
      [{ startedBy: 'x'.repeat(129) }, 'InvalidParameterException', /startedBy/],
      [{ startedBy: 'has space' }, 'InvalidParameterException', /startedBy/],
      [{ capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] }, 'InvalidParameterException', /both a launch type and capacity provider strategy/],
      [{ overrides: { containerOverrides: [{ name: 'ghost' }] } }, 'InvalidParameterException', /ghost is not a container/],
      [{ propagateTags: 'SERVICE' }, 'InvalidParameterException', /service/],
    ];
    for (const [input, name, message] of cases) {
      const err = await rejectionOf(ecs.send(new RunTaskCommand({ cluster: 'jobs', taskDefinition: 'migrate', launchType: 'FARGATE', networkConfiguration: NETWORK, ...input })));
      expect([err.name, err.message], JSON.stringify(input)).toEqual([name, expect.stringMatching(message)]);
    }
    const noCluster = await rejectionOf(ecs.send(new RunTaskCommand({ cluster: 'none', taskDefinition: 'migrate' })));
    expect(noCluster.name).toBe('ClusterNotFoundException');
  });

  it('RunTask and StopTask share the task-launch bucket (100 burst), DescribeTasks stays in task-read', async () => {
    // A frozen wall clock: buckets do not refill during the test.
    const throttled = await testSandbox({ throttling: 'real', realNow: () => 1_000_000 });
    try {
      const account = accountOn(throttled);
      const ecs = account.ecs();
      await ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'j', containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128 }] }));
      const arns: string[] = [];
      for (let i = 0; i < 10; i++) {
        const out = await ecs.send(new RunTaskCommand({ cluster: 'jobs', taskDefinition: 'j', count: 10 }));
        arns.push(...(out.tasks ?? []).map((t) => t.taskArn as string));
      }
      for (let i = 0; i < 90; i++) await ecs.send(new StopTaskCommand({ cluster: 'jobs', task: arns[i] }));
      // 10 RunTask + 90 StopTask took the 100 tokens.
      const refused = await rejectionOf(ecs.send(new StopTaskCommand({ cluster: 'jobs', task: arns[90] })));
      expect(refused.name).toBe('ThrottlingException');
      const described = await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: arns.slice(0, 100) }));
      expect(described.tasks).toHaveLength(100);
    } finally {
      await throttled.close();
    }
  });
});
