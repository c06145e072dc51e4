/**
 * Rollouts on the simulated clock: new PRIMARY deployments, task start-up
 * within minimumHealthyPercent / maximumPercent, draining, rolloutState and
 * events, and the tasks ListTasks / DescribeTasks return. The clock is frozen
 * and moved with advance(), so nothing here depends on real time.
 */
import {
  CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
  UpdateServiceCommand, type ECSClient, type Service,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, type Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, fargateTaskDefinition, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function describeOne(ecs: ECSClient, name = 'web'): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: [name] }));
  const svc = out.services?.[0];
  if (!svc) throw new Error(`service ${name} not found`);
  return svc;
}

async function setup(desiredCount: number, deploymentConfiguration?: { minimumHealthyPercent: number; maximumPercent: number }): Promise<ECSClient> {
  const ecs = accountOn(sandbox).ecs();
  await clusterWithTaskDefinition(ecs, 'c', 'web');
  await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', 'nginx:1.28')));
  await ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK,
    ...(deploymentConfiguration ? { deploymentConfiguration } : {}),
  }));
  return ecs;
}

/** Steps the clock one scheduler pass at a time until the PRIMARY deployment leaves IN_PROGRESS, checking `each` on the way. */
async function rollOut(ecs: ECSClient, each: (svc: Service) => void, maxSteps = 60): Promise<Service> {
  for (let i = 0; i < maxSteps; i++) {
    const svc = await describeOne(ecs);
    each(svc);
    if (svc.deployments?.[0]?.rolloutState !== 'IN_PROGRESS') return svc;
    sandbox.clock.advance(DEFAULT_TIMINGS.stepMs);
  }
  throw new Error(`rollout did not finish in ${maxSteps} steps`);
}

describe('deployments', () => {
  it('starts the first deployment: tasks go PENDING, then RUNNING after the start time, then COMPLETED with events newest first', async () => {
    const ecs = await setup(3);
    const starting = await describeOne(ecs);
    expect(starting).toMatchObject({ runningCount: 0, pendingCount: 3 });
    expect(starting.deployments).toHaveLength(1);
    expect(starting.deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS', pendingCount: 3 });
    expect(starting.deployments?.[0]?.id).toMatch(/^ecs-svc\/\d{19}$/);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const done = await describeOne(ecs);
    expect(done).toMatchObject({ runningCount: 3, pendingCount: 0 });
    expect(done.deployments?.[0]).toMatchObject({ rolloutState: 'COMPLETED', runningCount: 3, failedTasks: 0 });
    const messages = done.events?.map((e) => e.message) ?? [];
    expect(messages[0]).toBe('(service web) has reached a steady state.');
    expect(messages.at(-1)).toMatch(/^\(service web\) has started 3 tasks: (\(task [0-9a-f]{32}\) ?){3}\.$/);
    const times = done.events?.map((e) => e.createdAt?.getTime() ?? 0) ?? [];
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it.each([
    ['100% / 200% (surge first)', { minimumHealthyPercent: 100, maximumPercent: 200 }, 4, 4, 8],
    ['50% / 100% (stop first)', { minimumHealthyPercent: 50, maximumPercent: 100 }, 4, 2, 4],
    ['0% / 100%', { minimumHealthyPercent: 0, maximumPercent: 100 }, 2, 0, 2],
  ])('a task definition change rolls out within %s', async (_name, config, desired, minRunning, maxTotal) => {
    const ecs = await setup(desired, config);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    expect((await describeOne(ecs)).deployments?.[0]?.rolloutState).toBe('COMPLETED');
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
    expect(updated.service?.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    let sawTwo = false;
    const final = await rollOut(ecs, (svc) => {
      const running = svc.runningCount ?? 0;
      const total = running + (svc.pendingCount ?? 0);
      expect(running).toBeGreaterThanOrEqual(minRunning);
      expect(total).toBeLessThanOrEqual(maxTotal);
      if ((svc.deployments?.length ?? 0) === 2) sawTwo = true;
    });
    // With minimumHealthyPercent 0 the old deployment is gone in the first pass.
    expect(sawTwo).toBe(minRunning > 0);
    expect(final.deployments).toHaveLength(1);
    expect(final.deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: desired });
    expect(final.deployments?.[0]?.taskDefinition).toMatch(/web:2$/);
    expect(final.events?.some((e) => /has stopped \d+ running tasks/.test(e.message ?? ''))).toBe(true);
  });

  it('forceNewDeployment starts a new PRIMARY of the same task definition', async () => {
    const ecs = await setup(1);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const before = (await describeOne(ecs)).deployments?.[0]?.id;
    const out = await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', forceNewDeployment: true }));
    const [primary, old] = out.service?.deployments ?? [];
    expect(primary?.id).not.toBe(before);
    expect(old?.id).toBe(before);
    expect(primary?.taskDefinition).toBe(old?.taskDefinition);
  });

  it('a desiredCount change alone scales the current deployment without a new one', async () => {
    const ecs = await setup(1);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const id = (await describeOne(ecs)).deployments?.[0]?.id;
    await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 3 }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const svc = await describeOne(ecs);
    expect(svc.deployments?.map((d) => d.id)).toEqual([id]);
    expect(svc).toMatchObject({ desiredCount: 3, runningCount: 3 });
    await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 1 }));
    expect(await describeOne(ecs)).toMatchObject({ runningCount: 1 });
  });

  it('ListTasks and DescribeTasks show running tasks and, after a rollout, the stopped ones', async () => {
    const ecs = await setup(2);
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const listed = await ecs.send(new ListTasksCommand({ cluster: 'c', serviceName: 'web' }));
    expect(listed.taskArns).toHaveLength(2);
    const described = await ecs.send(new DescribeTasksCommand({ cluster: 'c', tasks: [...(listed.taskArns ?? []), 'arn:aws:ecs:eu-west-1:1:task/c/nope'] }));
    expect(described.tasks?.map((t) => t.lastStatus)).toEqual(['RUNNING', 'RUNNING']);
    expect(described.tasks?.[0]).toMatchObject({ group: 'service:web', desiredStatus: 'RUNNING', launchType: 'FARGATE', cpu: '256', memory: '512' });
    expect(described.tasks?.[0]?.taskDefinitionArn).toMatch(/web:1$/);
    expect(described.tasks?.[0]?.containers?.[0]).toMatchObject({ name: 'app', image: 'nginx:1.27' });
    expect(described.failures).toEqual([{ arn: 'arn:aws:ecs:eu-west-1:1:task/c/nope', reason: 'MISSING' }]);

    await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
    await rollOut(ecs, () => {});
    const stopped = await ecs.send(new ListTasksCommand({ cluster: 'c', serviceName: 'web', desiredStatus: 'STOPPED' }));
    expect(stopped.taskArns).toHaveLength(2);
    const detail = await ecs.send(new DescribeTasksCommand({ cluster: 'c', tasks: stopped.taskArns ?? [] }));
    expect(detail.tasks?.every((t) => t.lastStatus === 'STOPPED' && t.stopCode === 'ServiceSchedulerInitiated')).toBe(true);
  });
});
