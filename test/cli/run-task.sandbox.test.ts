/**
 * `ecs-gitops run-task` against the sandbox over HTTP: the real binary in its
 * own process (cli-process.ts), so the exit code is what a shell sees. The
 * sandbox's exit rules (POST /_sandbox/images/exit) decide how each image's
 * one-off task ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { REGION } from '../controller/harness.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { runCliProcess } from './cli-process.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const ACCOUNT = '420000000020';

describe('ecs-gitops run-task (sandbox)', () => {
  let world: CliSandbox;
  let api: EcsApi;

  /** A FARGATE service whose only container runs `image`, logging with awslogs. */
  const createService = async (name: string, image: string) => {
    const td = await api.send('RegisterTaskDefinition', {
      family: name, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [
        { name: 'app', image, essential: true, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': `/ecs/${name}`, 'awslogs-region': REGION, 'awslogs-stream-prefix': name } } },
      ],
    });
    await api.send('CreateService', {
      cluster: 'demo', serviceName: name, taskDefinition: td.taskDefinition?.taskDefinitionArn, desiredCount: 1, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
    });
  };
  const exitRule = async (image: string, exitCode: number, afterSeconds: number) => {
    const response = await fetch(`${world.sandbox.endpoint}/_sandbox/images/exit`, { method: 'POST', body: JSON.stringify({ image, exitCode, afterSeconds }) });
    expect(response.status).toBe(200);
  };
  const runTask = (...args: string[]) => runCliProcess(['run-task', '--cluster', 'demo', '--poll-interval', '100ms', ...args], world.env);
  const ok = (operation: string) => world.sandbox.admin.callLog({ accountId: ACCOUNT, operation }).filter((c) => c.outcome === 'ok');

  beforeAll(async () => {
    world = await startCliSandbox(ACCOUNT);
    const config = world.sandbox.clientConfig({ accountId: ACCOUNT, region: REGION });
    api = createSdkEcsApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials }).api;
    await createService('worker', 'job:3');
    await createService('ok', 'job:0');
    await createService('slow', 'job:slow');
    // 20 simulated seconds: half a second at the CLI sandbox's clock speed, seen RUNNING by a 100 ms poll.
    await exitRule('job:3', 3, 20);
    await exitRule('job:slow', 0, 3600);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('runs the service\'s task with the command, prints its ARN, status changes, exit code and logs, and exits with the container\'s exit code', async () => {
    const result = await runTask('--service', 'worker', '--', './manage.py', 'migrate', '--noinput');
    expect(result.code, result.stderr).toBe(3);
    const arn = /task (arn:aws:ecs:\S+) started/.exec(result.stdout)?.[1];
    expect(arn).toBeDefined();
    expect(result.stdout).toMatch(/ RUNNING\n/);
    expect(result.stdout).toMatch(/ STOPPED/);
    expect(result.stdout).toContain('exit code 3 (container app)');
    expect(result.stdout).toContain(`logs: awslogs group /ecs/worker stream worker/app/${arn?.split('/').pop() ?? ''}`);
    const task = (await api.send('DescribeTasks', { cluster: 'demo', tasks: [arn ?? ''] })).tasks?.[0];
    expect(task?.startedBy).toMatch(/^ecs-gitops\/run-task\/worker\//);
    expect(task?.overrides?.containerOverrides?.find((c) => c.name === 'app')?.command).toEqual(['./manage.py', 'migrate', '--noinput']);
    expect(task?.launchType).toBe('FARGATE');
    // The IAM policy lets StopTask act only on tasks tagged as the controller's (docs/security.md).
    const tagged = (await api.send('DescribeTasks', { cluster: 'demo', tasks: [arn ?? ''], include: ['TAGS'] })).tasks?.[0];
    expect(tagged?.tags).toContainEqual({ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' });
  });

  it('tags the task with --controller-id', async () => {
    const result = await runTask('--service', 'ok', '--controller-id', 'team-a');
    expect(result.code, result.stderr).toBe(0);
    const arn = /task (arn:aws:ecs:\S+) started/.exec(result.stdout)?.[1];
    const task = (await api.send('DescribeTasks', { cluster: 'demo', tasks: [arn ?? ''], include: ['TAGS'] })).tasks?.[0];
    expect(task?.tags).toContainEqual({ key: 'ecs-gitops/managed-by', value: 'team-a' });
  });

  it('a StopTask that fails on --timeout is reported and exits 1, not 124', async () => {
    const proxy = await startFaultProxy({ target: world.sandbox.endpoint, seed: 20, rules: { StopTask: { rate: 1, kinds: ['http500'] } } });
    try {
      const result = await runCliProcess(
        ['run-task', '--cluster', 'demo', '--poll-interval', '100ms', '--service', 'slow', '--timeout', '1', '--', 'sleep', 'forever'],
        { ...world.env, AWS_ENDPOINT_URL_ECS: proxy.url, AWS_MAX_ATTEMPTS: '1' },
      );
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('StopTask failed');
      expect(result.stderr).toContain('may still be running');
      expect(result.stderr).not.toContain('was stopped');
      expect(proxy.injected().StopTask?.http500 ?? 0).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('exits 0 when the task succeeds (default command: no override)', async () => {
    const result = await runTask('--service', 'ok');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('exit code 0');
  });

  it('stops a task that runs past --timeout and exits 124', async () => {
    const before = ok('StopTask').length;
    const result = await runTask('--service', 'slow', '--timeout', '1', '--', 'sleep', 'forever');
    expect(result.code, result.stdout).toBe(124);
    expect(result.stderr).toContain('--timeout 1s');
    expect(ok('StopTask')).toHaveLength(before + 1);
  });

  it('exits 2 with a clear error when no task can be started', async () => {
    const missing = await runTask('--service', 'nope', '--', 'true');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot start a task for service nope in cluster demo');
    const container = await runTask('--service', 'ok', '--container', 'sidecar', '--', 'true');
    expect(container.code).toBe(2);
    expect(container.stderr).toContain('no container "sidecar"');
    expect((await runCliProcess(['run-task', '--', 'true'], world.env)).code).toBe(2);
  });
});
