/**
 * One-off ECS tasks, one contract suite against the sandbox and moto_server
 * with the real SDK client: RunTask, DescribeTasks, ListTasks and StopTask.
 * Fargate tasks (moto runs EC2 tasks only on registered container
 * instances) in the default subnet of the account's default VPC: moto
 * checks the subnet against its EC2, the sandbox takes any. Cases listed in
 * MOTO_KNOWN_GAPS (backends.ts) are expected to fail on moto only; moto's
 * tasks never exit on their own.
 */
import {
  CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task,
} from '@aws-sdk/client-ecs';
import { describe, expect } from 'vitest';
import { motoEndpoint } from '../support/moto.js';
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

/**
 * A subnet of the account's default VPC on moto (read with EC2's query API,
 * which moto answers without checking signatures); any id on the sandbox.
 */
async function defaultVpcIds(backend: Backend, a: ContractAccount): Promise<{ subnet: string; securityGroup: string }> {
  if (backend.name !== 'moto') return { subnet: 'subnet-0a1b2c3d', securityGroup: 'sg-0123' };
  const first = async (action: string, id: RegExp): Promise<string> => {
    const res = await fetch(`${motoEndpoint() ?? ''}/?Action=${action}&Version=2016-11-15`, {
      headers: { 'x-moto-account-id': a.accountId, authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/${a.region}/ec2/aws4_request, SignedHeaders=host, Signature=0` },
    });
    const found = id.exec(await res.text())?.[0];
    if (!found) throw new Error(`moto answered no ${action} result`);
    return found;
  };
  return { subnet: await first('DescribeSubnets', /subnet-[0-9a-f]+/), securityGroup: await first('DescribeSecurityGroups', /sg-[0-9a-f]+/) };
}

const networks = new WeakMap<ContractAccount, object>();

async function setup(backend: Backend, a: ContractAccount): Promise<void> {
  const ids = await defaultVpcIds(backend, a);
  networks.set(a, { awsvpcConfiguration: { subnets: [ids.subnet], securityGroups: [ids.securityGroup] } });
  await a.ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
  await a.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'migrate', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    // Container memory too: moto sums it to place the task.
    containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128, essential: true }],
  }));
}

function runInput(a: ContractAccount, extra: Record<string, unknown> = {}): ConstructorParameters<typeof RunTaskCommand>[0] {
  return { cluster: 'jobs', taskDefinition: 'migrate', launchType: 'FARGATE', networkConfiguration: networks.get(a) as never, ...extra };
}

async function runOne(a: ContractAccount, extra: Record<string, unknown> = {}): Promise<Task> {
  const out = await a.ecs.send(new RunTaskCommand(runInput(a, extra)));
  expect(out.failures ?? []).toEqual([]);
  expect(out.tasks).toHaveLength(1);
  return out.tasks?.[0] as Task;
}

async function describeOne(a: ContractAccount, arn: string): Promise<Task | undefined> {
  return (await a.ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [arn] }))).tasks?.[0];
}

describe.each(backends)('contract (one-off tasks): $name', (backend) => {
  const contract = contractCase(backend);

  contract('run task: RunTask starts count tasks of the task definition that DescribeTasks and ListTasks show', async (a) => {
    await setup(backend, a);
    const out = await a.ecs.send(new RunTaskCommand(runInput(a, { count: 2, startedBy: 'hook-1' })));
    expect(out.tasks).toHaveLength(2);
    const arns = (out.tasks ?? []).map((t) => t.taskArn as string);
    for (const arn of arns) expect(arn).toMatch(new RegExp(`^arn:aws:ecs:${a.region}:${a.accountId}:task/jobs/`));
    const described = (await a.ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: arns }))).tasks ?? [];
    expect(described.map((t) => t.taskDefinitionArn)).toEqual([
      `arn:aws:ecs:${a.region}:${a.accountId}:task-definition/migrate:1`, `arn:aws:ecs:${a.region}:${a.accountId}:task-definition/migrate:1`,
    ]);
    expect(described.map((t) => t.startedBy)).toEqual(['hook-1', 'hook-1']);
    const listed = (await a.ecs.send(new ListTasksCommand({ cluster: 'jobs', startedBy: 'hook-1' }))).taskArns ?? [];
    expect([...listed].sort()).toEqual([...arns].sort());
  });

  contract('run task: the group defaults to family:<family>', async (a) => {
    await setup(backend, a);
    const task = await runOne(a);
    expect((await describeOne(a, task.taskArn as string))?.group).toBe('family:migrate');
  });

  contract('run task: a given group and container overrides come back on the task', async (a) => {
    await setup(backend, a);
    const task = await runOne(a, { group: 'scheduled-task:nightly', overrides: { containerOverrides: [{ name: 'app', command: ['migrate', '--up'] }] } });
    const described = await describeOne(a, task.taskArn as string);
    expect(described?.group).toBe('scheduled-task:nightly');
    expect(described?.overrides?.containerOverrides).toEqual([expect.objectContaining({ name: 'app', command: ['migrate', '--up'] })]);
  });

  contract('run task: an unknown task definition is a ClientException', async (a) => {
    await setup(backend, a);
    expect(await errorName(a.ecs.send(new RunTaskCommand(runInput(a, { taskDefinition: 'nope:1' }))))).toBe('ClientException');
  });

  contract('run task: an unknown cluster is a ClusterNotFoundException', async (a) => {
    await setup(backend, a);
    expect(await errorName(a.ecs.send(new RunTaskCommand(runInput(a, { cluster: 'none' }))))).toBe('ClusterNotFoundException');
  });

  contract('run task: StopTask stops the task with the reason given', async (a) => {
    await setup(backend, a);
    const task = await runOne(a);
    const stopped = await a.ecs.send(new StopTaskCommand({ cluster: 'jobs', task: task.taskArn, reason: 'hook timed out' }));
    expect(stopped.task).toMatchObject({ taskArn: task.taskArn, desiredStatus: 'STOPPED', stoppedReason: 'hook timed out' });
    const listed = (await a.ecs.send(new ListTasksCommand({ cluster: 'jobs', desiredStatus: 'STOPPED' }))).taskArns ?? [];
    expect(listed).toContain(task.taskArn);
  });

  contract('run task: StopTask records stopCode UserInitiated', async (a) => {
    await setup(backend, a);
    const task = await runOne(a);
    const stopped = await a.ecs.send(new StopTaskCommand({ cluster: 'jobs', task: task.taskArn, reason: 'stop' }));
    expect(stopped.task?.stopCode).toBe('UserInitiated');
  });

  contract('run task: a one-off task exits on its own and stops with its container exit code', async (a) => {
    await setup(backend, a);
    const task = await runOne(a);
    a.advanceClock?.(60_000);
    const described = await describeOne(a, task.taskArn as string);
    expect(described).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', containers: [expect.objectContaining({ exitCode: 0 })] });
  });
});
