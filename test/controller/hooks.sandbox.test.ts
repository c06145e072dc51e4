/**
 * Deploy hooks (spec.hooks) end to end: a controller on the sandbox over HTTP
 * with the real SDK. The sandbox's exit rules (POST /_sandbox/images/exit)
 * decide how a one-off task of an image ends; the sandbox's call log shows
 * what reached ECS and in which order.
 */
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import type { ServiceStatus } from '../../src/controller/status.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { valueOf } from '../observe/metric-values.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const KEY = `${REGION}/demo/web`;

export function hookedService(image: string, hooks: Record<string, unknown>): Record<string, unknown> {
  const doc = serviceManifest({ name: 'web', desiredCount: 1, image }) as { spec: Record<string, unknown> & { taskDefinition: { containerDefinitions: Record<string, unknown>[] } } };
  const [app] = doc.spec.taskDefinition.containerDefinitions;
  if (app) app.logConfiguration = { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' } };
  doc.spec.hooks = hooks;
  return doc;
}

/** An admin call to the sandbox over HTTP. */
export async function sandboxAdmin(world: SandboxWorld, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${world.sandbox.endpoint}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

describe('deploy hooks (controller on the sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller;
  let registry: Registry;
  let revision = 0;

  const status = (): ServiceStatus | undefined => controller.status.get(KEY);
  /** Operations of this account in the order they reached the sandbox. */
  const calls = () => world.sandbox.admin.callLog({ accountId: world.accountId }).filter((c) => c.outcome === 'ok').map((c) => c.operation);
  const count = (operation: string) => calls().filter((c) => c === operation).length;
  const hookRuns = (phase: string, result: string) => valueOf(registry, 'ecs_gitops_deploy_hook_runs_total', { phase, result });
  const exitRule = (image: string, exitCode: number, afterSeconds: number) => sandboxAdmin(world, 'images/exit', { image, exitCode, afterSeconds });
  const deploy = async (doc: Record<string, unknown>) => {
    await dir.write('web.yaml', [doc]);
    controller.setSnapshot(await dir.load(`r${++revision}`));
  };
  const liveTaskDefinition = async () => (await world.api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0]?.taskDefinition;
  const imageOf = async (arn: string | undefined) => (await world.api.send('DescribeTaskDefinition', { taskDefinition: arn })).taskDefinition?.containerDefinitions?.[0]?.image;

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
    registry = new Registry();
    controller = controllerFor(world.api, { metrics: createMetrics(registry, { defaultMetrics: false }) });
    await controller.start();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await world?.sandbox.close();
    await dir?.dispose();
  });

  it('a preDeploy hook that exits 0 runs with the new revision before CreateService and UpdateService; resyncs never run it again', async () => {
    const hooks = { preDeploy: [{ name: 'migrate', command: ['./migrate', 'up'] }] };
    await deploy(hookedService('app:1', hooks));
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy', () => ({ status: status(), calls: calls() }));
    expect(calls().indexOf('RunTask')).toBeGreaterThanOrEqual(0);
    expect(calls().indexOf('RunTask')).toBeLessThan(calls().indexOf('CreateService'));
    expect(status()?.hooks).toMatchObject({ phase: 'preDeploy', state: 'succeeded', hooks: [{ name: 'migrate', state: 'succeeded', exitCode: 0, logGroup: '/ecs/web' }] });
    const first = status()?.hooks?.hooks[0];
    expect(first?.logStream).toBe(`web/app/${first?.taskArn?.split('/').pop() ?? ''}`);
    // The hook ran the revision the service then got, with the command override.
    const task = (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: [first?.taskArn ?? ''], include: ['TAGS'] })).tasks?.[0];
    // Tagged as the controller's: its IAM policy lets it stop (on a timeout) only tasks carrying the tag.
    expect(task?.tags).toContainEqual({ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' });
    expect(task?.taskDefinitionArn).toBe(await liveTaskDefinition());
    expect(task?.overrides?.containerOverrides?.find((c) => c.name === 'app')?.command).toEqual(['./migrate', 'up']);
    expect(task?.startedBy).toMatch(/^ecs-gitops\/hook\/migrate\/[0-9a-f]{16}$/);

    // A new image: the hook runs again (new content), before UpdateService.
    const since = calls().length;
    await deploy(hookedService('app:2', hooks));
    await eventually(async () => status()?.sync === 'Synced' && status()?.health === 'Healthy' && (await imageOf(await liveTaskDefinition())) === 'app:2', () => ({ status: status(), calls: calls().slice(since) }));
    const after = calls().slice(since);
    expect(after.filter((c) => c === 'RunTask')).toHaveLength(1);
    expect(after.indexOf('RunTask')).toBeLessThan(after.indexOf('UpdateService'));
    expect(after.filter((c) => c === 'RegisterTaskDefinition')).toHaveLength(1);
    expect(await hookRuns('preDeploy', 'succeeded')).toBe(2);

    // Resyncs of the same content: no hook task.
    for (let i = 0; i < 3; i++) {
      await controller.resync();
      await controller.waitForIdle({ requeues: true });
    }
    expect(count('RunTask')).toBe(2);

    // Drift: someone points the service back at the first revision. The correction re-deploys the same
    // content, so its preDeploy hook is found done (same startedBy), not run again.
    const current = await liveTaskDefinition();
    await world.api.send('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: task?.taskDefinitionArn });
    await controller.resync();
    await eventually(async () => (await liveTaskDefinition()) === current && status()?.sync === 'Synced', () => status());
    await controller.waitForIdle({ requeues: true });
    expect(count('RunTask')).toBe(2);
  });

  it('a preDeploy hook that exits 1 holds the deploy: no UpdateService, Degraded with the exit code and log stream, never re-run; a new commit retries', async () => {
    const hooks = { preDeploy: [{ name: 'migrate', command: ['./migrate'] }] };
    await deploy(hookedService('app:1', hooks));
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy', () => status());
    const updatesBefore = count('UpdateService');
    const liveBefore = await liveTaskDefinition();

    await exitRule('app:bad', 1, 1);
    await deploy(hookedService('app:bad', hooks));
    await eventually(() => status()?.lastError?.code === 'CONTROLLER_HOOK_FAILED', () => ({ status: status(), calls: calls() }));
    const s = status();
    const run = s?.hooks?.hooks[0];
    expect(s?.health).toBe('Degraded');
    expect(s?.sync).toBe('OutOfSync');
    expect(run).toMatchObject({ name: 'migrate', state: 'failed', exitCode: 1, logGroup: '/ecs/web' });
    expect(run?.logStream).toBe(`web/app/${run?.taskArn?.split('/').pop() ?? ''}`);
    expect(s?.lastError?.message).toContain('exit code 1');
    expect(s?.lastError?.message).toContain(run?.logStream ?? 'no stream');
    expect(count('UpdateService')).toBe(updatesBefore);
    expect(await liveTaskDefinition()).toBe(liveBefore);
    expect(await hookRuns('preDeploy', 'failed')).toBe(1);

    // Resyncs and a restart of the key's memory (forget) do not start it again.
    const runTasks = count('RunTask');
    for (let i = 0; i < 3; i++) {
      await controller.resync();
      await controller.waitForIdle({ requeues: true });
    }
    expect(count('RunTask')).toBe(runTasks);
    expect(count('UpdateService')).toBe(updatesBefore);
    expect(status()?.lastError?.code).toBe('CONTROLLER_HOOK_FAILED');

    // Any commit to the service is new content, even one that leaves the task definition and the hook as they
    // were (the migration was fixed in the database, say): the hook runs again and the deploy proceeds.
    await sandboxAdmin(world, 'images/exit', { image: 'app:bad', clear: true });
    const retried = hookedService('app:bad', hooks) as { spec: Record<string, unknown> };
    retried.spec.desiredCount = 2;
    await deploy(retried);
    await eventually(async () => status()?.sync === 'Synced' && status()?.health === 'Healthy' && (await imageOf(await liveTaskDefinition())) === 'app:bad', () => ({ status: status(), calls: calls() }));
    expect(count('RunTask')).toBe(runTasks + 1);
    expect(status()?.hooks?.hooks[0]).toMatchObject({ state: 'succeeded', exitCode: 0 });

    // A fixed commit (another image) is new content: its hook runs and the deploy proceeds.
    await deploy(hookedService('app:fixed', hooks));
    await eventually(async () => status()?.sync === 'Synced' && status()?.health === 'Healthy' && (await imageOf(await liveTaskDefinition())) === 'app:fixed', () => status());
    expect(count('RunTask')).toBe(runTasks + 2);
    expect(status()?.lastError).toBeUndefined();
  });

  it('a preDeploy hook past its timeout is stopped (StopTask) and reported timed out; nothing is applied', async () => {
    await exitRule('app:slow', 0, 3600);
    await deploy(hookedService('app:slow', { preDeploy: [{ name: 'migrate', command: ['./migrate'], timeout: 1 }] }));
    await eventually(() => status()?.lastError?.code === 'CONTROLLER_HOOK_FAILED', () => ({ status: status(), calls: calls() }));
    expect(status()?.hooks?.hooks[0]).toMatchObject({ name: 'migrate', state: 'timed_out' });
    expect(status()?.lastError?.message).toContain('timed out');
    expect(count('StopTask')).toBe(1);
    expect(count('CreateService')).toBe(0);
    expect(await hookRuns('preDeploy', 'timed_out')).toBe(1);
    const task = (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: [status()?.hooks?.hooks[0]?.taskArn ?? ''] })).tasks?.[0];
    await eventually(async () => (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: [task?.taskArn ?? ''] })).tasks?.[0]?.lastStatus === 'STOPPED', () => task);
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(count('RunTask')).toBe(1);
    expect(count('StopTask')).toBe(1);
  });

  it('a new commit while a hook task runs waits for it to stop (Progressing, naming it) before its own hooks start', async () => {
    const hooks = { preDeploy: [{ name: 'migrate', command: ['./migrate'] }] };
    // 120 simulated seconds: 3 s at the harness's clock speed.
    await exitRule('app:long', 0, 120);
    await deploy(hookedService('app:long', hooks));
    await eventually(() => status()?.hooks?.hooks[0]?.state === 'running', () => ({ status: status(), calls: calls() }));
    const first = status()?.hooks?.hooks[0]?.taskArn ?? '';
    const firstContent = status()?.hooks?.contentHash;

    await deploy(hookedService('app:next', hooks));
    await eventually(() => status()?.hooks?.contentHash !== firstContent && status()?.hooks?.hooks[0]?.state === 'pending', () => ({ status: status(), calls: calls() }));
    const waiting = status();
    expect(waiting?.health).toBe('Progressing');
    expect(waiting?.hooks?.state).toBe('running');
    expect(waiting?.hooks?.hooks[0]?.reason).toContain(first);
    // The earlier run stays known in the status record while it runs.
    expect(waiting?.hooks?.earlier).toEqual([expect.objectContaining({ name: 'migrate', taskArn: first, contentHash: firstContent, state: 'running' })]);
    expect(count('RunTask')).toBe(1);

    await eventually(async () => status()?.sync === 'Synced' && (await imageOf(await liveTaskDefinition())) === 'app:next', () => ({ status: status(), calls: calls() }), 30_000);
    expect(count('RunTask')).toBe(2);
    expect(count('CreateService')).toBe(1);
    const second = status()?.hooks?.hooks[0]?.taskArn ?? '';
    const [a, b] = (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: [first, second] })).tasks ?? [];
    // Never at once: the new content's migration was created after the earlier one stopped.
    expect(a?.lastStatus).toBe('STOPPED');
    expect((b?.createdAt?.getTime() ?? 0)).toBeGreaterThanOrEqual(a?.stoppedAt?.getTime() ?? Number.POSITIVE_INFINITY);
    expect(status()?.hooks?.earlier).toBeUndefined();
  });

  it('a revert to the content whose hook task still runs follows that task again as its own: no wait, no second task', async () => {
    const hooks = { preDeploy: [{ name: 'migrate', command: ['./migrate'] }] };
    await exitRule('app:long', 0, 120);
    await deploy(hookedService('app:long', hooks));
    await eventually(() => status()?.hooks?.hooks[0]?.state === 'running', () => ({ status: status(), calls: calls() }));
    const first = status()?.hooks?.hooks[0]?.taskArn;
    const firstContent = status()?.hooks?.contentHash;
    await deploy(hookedService('app:next', hooks));
    await eventually(() => status()?.hooks?.hooks[0]?.state === 'pending', () => status());
    await deploy(hookedService('app:long', hooks));
    await eventually(() => status()?.hooks?.contentHash === firstContent, () => status());
    expect(status()?.hooks?.hooks[0]).toMatchObject({ state: 'running', taskArn: first });
    expect(status()?.hooks?.earlier).toBeUndefined();
    await eventually(async () => status()?.sync === 'Synced' && (await imageOf(await liveTaskDefinition())) === 'app:long', () => status(), 30_000);
    expect(count('RunTask')).toBe(1);
  });

  it('while a new commit waits, the earlier hook task\'s timeout is still enforced (StopTask), then the new hooks run', async () => {
    await exitRule('app:stuck', 0, 3600);
    await deploy(hookedService('app:stuck', { preDeploy: [{ name: 'migrate', command: ['./migrate'], timeout: 2 }] }));
    await eventually(() => status()?.hooks?.hooks[0]?.state === 'running', () => ({ status: status(), calls: calls() }));
    const first = status()?.hooks?.hooks[0]?.taskArn ?? '';
    await deploy(hookedService('app:next', { preDeploy: [{ name: 'migrate', command: ['./migrate'] }] }));
    await eventually(() => status()?.hooks?.hooks[0]?.reason?.includes(first) === true, () => ({ status: status(), calls: calls() }));
    expect(count('StopTask')).toBe(0);

    await eventually(async () => status()?.sync === 'Synced' && (await imageOf(await liveTaskDefinition())) === 'app:next', () => ({ status: status(), calls: calls() }), 30_000);
    expect(count('StopTask')).toBe(1);
    const stopped = (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: [first] })).tasks?.[0];
    expect(stopped?.stoppedReason).toContain('timed out after 2s');
    expect(count('RunTask')).toBe(2);
  });

  it('a hook with its own taskDefinition and overrides runs that revision (registered like the service\'s) with them', async () => {
    const migrator = {
      family: 'web-migrate', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'tool', image: 'migrator:1', essential: true }],
    };
    const overrides = { containerOverrides: [{ name: 'tool', command: ['migrate', '--up'], environment: [{ name: 'TARGET', value: 'web' }] }] };
    await deploy(hookedService('app:1', { preDeploy: [{ name: 'migrate', taskDefinition: migrator, overrides }] }));
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy', () => ({ status: status(), calls: calls() }));
    const run = status()?.hooks?.hooks[0];
    expect(run).toMatchObject({ name: 'migrate', state: 'succeeded', exitCode: 0 });
    const task = (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: [run?.taskArn ?? ''] })).tasks?.[0];
    expect(task?.taskDefinitionArn).toMatch(/:task-definition\/web-migrate:1$/);
    expect(task?.overrides?.containerOverrides?.find((c) => c.name === 'tool')).toMatchObject({ command: ['migrate', '--up'], environment: [{ name: 'TARGET', value: 'web' }] });
    expect(await liveTaskDefinition()).toMatch(/:task-definition\/web:1$/);
  });

  it('a hook\'s container names whose command it replaces', async () => {
    const doc = hookedService('app:1', { preDeploy: [{ name: 'migrate', container: 'tools', command: ['./migrate'] }] }) as {
      spec: { taskDefinition: { containerDefinitions: Record<string, unknown>[] } };
    };
    doc.spec.taskDefinition.containerDefinitions.push({ name: 'tools', image: 'tools:1', essential: false });
    await deploy(doc);
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy', () => ({ status: status(), calls: calls() }));
    const run = status()?.hooks?.hooks[0];
    const task = (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: [run?.taskArn ?? ''] })).tasks?.[0];
    expect(task?.overrides?.containerOverrides?.find((c) => c.name === 'tools')?.command).toEqual(['./migrate']);
    expect(task?.overrides?.containerOverrides?.find((c) => c.name === 'app')?.command).toBeUndefined();
  });

  it('a hook whose image cannot be pulled (TaskFailedToStart) is a failed hook with the pull error as its reason', async () => {
    const migrator = {
      family: 'web-migrate', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'tool', image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/nothing:1', essential: true }],
    };
    await deploy(hookedService('app:1', { preDeploy: [{ name: 'migrate', taskDefinition: migrator }] }));
    await eventually(() => status()?.lastError?.code === 'CONTROLLER_HOOK_FAILED', () => ({ status: status(), calls: calls() }));
    const run = status()?.hooks?.hooks[0];
    expect(run).toMatchObject({ name: 'migrate', state: 'failed' });
    expect(run?.exitCode).toBeUndefined();
    expect(run?.reason).toMatch(/CannotPullContainerError/);
    expect(status()?.lastError?.message).toContain('no exit code');
    expect(status()?.lastError?.message).toMatch(/stopped reason: CannotPullContainerError/);
    expect(count('CreateService')).toBe(0);
  });

  it('a held failed preDeploy survives a controller restart: the stopped task is found by startedBy, not run again, the deploy still held', async () => {
    const hooks = { preDeploy: [{ name: 'migrate', command: ['./migrate'] }] };
    await exitRule('app:broken', 1, 1);
    await deploy(hookedService('app:broken', hooks));
    await eventually(() => status()?.lastError?.code === 'CONTROLLER_HOOK_FAILED', () => ({ status: status(), calls: calls() }));
    const failedTask = status()?.hooks?.hooks[0]?.taskArn;
    expect(count('RunTask')).toBe(1);

    // A fresh controller on the same sandbox (no memory, no status) within the hour ECS lists stopped tasks.
    await replaceController(world.api);
    controller.setSnapshot(await dir.load(`r${revision}`));
    await eventually(() => status()?.lastError?.code === 'CONTROLLER_HOOK_FAILED', () => ({ status: status(), calls: calls() }));
    await controller.waitForIdle({ requeues: true });
    expect(count('RunTask')).toBe(1);
    expect(count('CreateService')).toBe(0);
    expect(count('UpdateService')).toBe(0);
    expect(status()?.hooks?.hooks[0]).toMatchObject({ state: 'failed', exitCode: 1, taskArn: failedTask });
    expect(status()?.health).toBe('Degraded');
  });

  it('detect mode runs no hooks', async () => {
    const doc = hookedService('app:1', { preDeploy: [{ name: 'migrate', command: ['./migrate'] }] }) as { spec: Record<string, unknown> };
    doc.spec.sync = { mode: 'detect' };
    await deploy(doc);
    await controller.waitForIdle({ requeues: true });
    expect(status()?.sync).toBe('OutOfSync');
    expect(count('RunTask')).toBe(0);
  });

  it('a postDeploy hook that fails after the rollout completed marks the deploy failed and Degraded', async () => {
    const hooks = { postDeploy: [{ name: 'smoke', command: ['./smoke'] }] };
    await deploy(hookedService('app:1', hooks));
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy' && status()?.hooks?.state === 'succeeded', () => ({ status: status(), calls: calls() }));
    expect(status()?.hooks?.phase).toBe('postDeploy');
    expect(calls().indexOf('CreateService')).toBeLessThan(calls().indexOf('RunTask'));

    await exitRule('app:2', 3, 1);
    await deploy(hookedService('app:2', hooks));
    await eventually(() => status()?.lastError?.code === 'CONTROLLER_HOOK_FAILED', () => ({ status: status(), calls: calls() }));
    expect(status()?.health).toBe('Degraded');
    expect(status()?.lastApplySucceeded).toBe(false);
    expect(status()?.lastError?.message).toContain('postDeploy hook "smoke"');
    expect(status()?.lastError?.message).toContain('exit code 3');
    expect(status()?.hooks).toMatchObject({ phase: 'postDeploy', state: 'failed', hooks: [{ name: 'smoke', state: 'failed', exitCode: 3 }] });
    expect(status()?.hooks?.rolledBackTo).toBeUndefined();
    // No rollback asked for: the new revision stays, and resyncs hold the failure without running the hook again.
    expect(await imageOf(await liveTaskDefinition())).toBe('app:2');
    const runTasks = count('RunTask');
    await controller.resync();
    await controller.waitForIdle({ requeues: true });
    expect(count('RunTask')).toBe(runTasks);
    expect(status()?.health).toBe('Degraded');
    expect(await hookRuns('postDeploy', 'failed')).toBe(1);
  });

  /** This test's own controller (the one beforeEach started is stopped). */
  const replaceController = async (api: EcsApi, options: Parameters<typeof controllerFor>[1] = {}) => {
    await controller.stop({ graceMs: 100 });
    controller = controllerFor(api, { metrics: createMetrics(registry = new Registry(), { defaultMetrics: false }), ...options });
    await controller.start();
  };

  it('a failed call on the pass that saw the rollout complete does not skip the postDeploy hooks: they stay due and run on the retry', async () => {
    let failures = 0;
    // The first RunTask (the postDeploy hook's, on the pass that saw the rollout complete) never reaches ECS.
    const flaky = {
      send: (operation: string, input: unknown, signal?: AbortSignal) => {
        if (operation === 'RunTask' && failures++ === 0) return Promise.reject(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
        return (world.api.send as (o: string, i: unknown, s?: AbortSignal) => Promise<unknown>)(operation, input, signal);
      },
    } as EcsApi;
    await replaceController(flaky);
    await deploy(hookedService('app:1', { postDeploy: [{ name: 'smoke', command: ['./smoke'] }] }));
    await eventually(() => status()?.hooks?.state === 'succeeded' && status()?.health === 'Healthy', () => ({ status: status(), calls: calls() }));
    expect(failures).toBeGreaterThan(1);
    expect(count('RunTask')).toBe(1);
    expect(status()?.lastApplySucceeded).toBe(true);
    expect(status()?.hooks?.hooks[0]).toMatchObject({ name: 'smoke', state: 'succeeded', exitCode: 0 });
  });

  it('rollbackOnPostDeployFailure goes back to the last revision whose deploy completed, never to one from an unfinished rollout', async () => {
    // A rollout still IN_PROGRESS after 1.5 s is judged timed out (Degraded, held): the service is left on that revision.
    await replaceController(world.api, { rolloutTimeoutMs: 1500 });
    const hooks = { postDeploy: [{ name: 'smoke', command: ['./smoke'] }], rollbackOnPostDeployFailure: true };
    // No circuit breaker: ECS does not roll a crashing revision back itself.
    const service = (image: string) => {
      const doc = hookedService(image, hooks) as { spec: Record<string, unknown> };
      doc.spec.deploymentConfiguration = { deploymentCircuitBreaker: { enable: false, rollback: false } };
      return doc;
    };
    await deploy(service('app:1'));
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy' && status()?.hooks?.state === 'succeeded', () => status());
    const good = await liveTaskDefinition();

    await sandboxAdmin(world, 'images/crashing', { image: 'app:crash' });
    await deploy(service('app:crash'));
    await eventually(async () => status()?.health === 'Degraded' && (await imageOf(await liveTaskDefinition())) === 'app:crash', () => ({ status: status(), calls: calls() }));
    const unfinished = await liveTaskDefinition();
    expect(unfinished).not.toBe(good);

    await exitRule('app:3', 1, 1);
    await deploy(service('app:3'));
    await eventually(() => status()?.hooks?.rolledBackTo !== undefined, () => ({ status: status(), calls: calls() }), 30_000);
    expect(status()?.hooks?.rolledBackTo).toBe(good);
    expect(await liveTaskDefinition()).toBe(good);
    expect(status()?.lastError?.code).toBe('CONTROLLER_HOOK_FAILED');
  });

  it('with rollbackOnPostDeployFailure, a failed postDeploy hook points the service back at the revision it ran before, and the content is held', async () => {
    const hooks = { postDeploy: [{ name: 'smoke', command: ['./smoke'] }], rollbackOnPostDeployFailure: true };
    await deploy(hookedService('app:1', hooks));
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy' && status()?.hooks?.state === 'succeeded', () => status());
    const good = await liveTaskDefinition();

    await exitRule('app:2', 1, 1);
    await deploy(hookedService('app:2', hooks));
    await eventually(() => status()?.hooks?.rolledBackTo !== undefined, () => ({ status: status(), calls: calls() }));
    expect(status()?.hooks?.rolledBackTo).toBe(good);
    expect(await liveTaskDefinition()).toBe(good);
    expect(status()?.health).toBe('Degraded');
    expect(status()?.lastError?.code).toBe('CONTROLLER_HOOK_FAILED');

    // Held: resyncs do not deploy app:2 again.
    const updates = count('UpdateService');
    for (let i = 0; i < 2; i++) {
      await controller.resync();
      await controller.waitForIdle({ requeues: true });
    }
    expect(count('UpdateService')).toBe(updates);
    expect(await liveTaskDefinition()).toBe(good);
    expect(status()?.health).toBe('Degraded');
  });
});
