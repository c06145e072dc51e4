/**
 * The failure model: an image missing from the sandbox's ECR cannot be
 * pulled, an image marked crashing starts then exits; failedTasks grows, the
 * circuit breaker fails the deployment and, with rollback, redeploys the last
 * COMPLETED task definition. Images outside the sandbox's ECR always start.
 */
import { CreateRepositoryCommand, PutImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
  UpdateServiceCommand, type ECSClient, type Service,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, circuitBreakerThreshold, type Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, fargateTaskDefinition, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: 'sha256:1' }, layers: [] });

interface World {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly repoUri: string;
  readonly accountId: string;
}

async function world(): Promise<World> {
  const account = accountOn(sandbox);
  const ecs = account.ecs();
  const ecr = account.ecr();
  const repo = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
  await ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST, imageTag: '1.0' }));
  return { ecs, ecr, repoUri: repo.repository?.repositoryUri ?? '', accountId: account.accountId };
}

async function describeWeb(ecs: ECSClient): Promise<Service> {
  const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
  if (!svc) throw new Error('no service');
  return svc;
}

async function serviceOn(w: World, image: string, breaker: { enable: boolean; rollback: boolean }, desiredCount = 2): Promise<void> {
  await clusterWithTaskDefinition(w.ecs, 'c', 'web', `${w.repoUri}:1.0`);
  await w.ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', image)));
  await w.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK,
    deploymentConfiguration: { deploymentCircuitBreaker: breaker, maximumPercent: 200, minimumHealthyPercent: 100 },
  }));
  sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
  expect((await describeWeb(w.ecs)).deployments?.[0]?.rolloutState).toBe('COMPLETED');
  await w.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
}

/** Advances one scheduler pass at a time until `done` holds (bounded). */
async function advanceUntil(ecs: ECSClient, done: (svc: Service) => boolean, maxSteps = 120): Promise<Service> {
  for (let i = 0; i < maxSteps; i++) {
    const svc = await describeWeb(ecs);
    if (done(svc)) return svc;
    sandbox.clock.advance(DEFAULT_TIMINGS.stepMs);
  }
  throw new Error('condition not reached');
}

describe('circuit breaker threshold', () => {
  it.each([[1, 3], [6, 3], [7, 4], [10, 5], [400, 200], [1000, 200]])('desired %d -> %d failed tasks', (desired, threshold) => {
    expect(circuitBreakerThreshold(desired)).toBe(threshold);
  });
});

describe('rollout that fails', () => {
  it('on a missing image tag: CannotPullContainerError, failedTasks grows, FAILED, then rolls back to the last COMPLETED task definition', async () => {
    const w = await world();
    await serviceOn(w, `${w.repoUri}:9.9.9`, { enable: true, rollback: true });
    const failed = await advanceUntil(w.ecs, (s) => s.deployments?.some((d) => d.rolloutState === 'FAILED') ?? false);
    const failedDeployment = failed.deployments?.find((d) => d.rolloutState === 'FAILED');
    expect(failedDeployment?.failedTasks).toBeGreaterThanOrEqual(circuitBreakerThreshold(2));
    expect(failedDeployment?.taskDefinition).toMatch(/web:2$/);
    expect(failedDeployment?.rolloutStateReason).toContain('circuit breaker');
    expect(failed.deployments?.[0]?.taskDefinition).toMatch(/web:1$/);
    expect(failed.taskDefinition).toMatch(/web:1$/);

    const rolledBack = await advanceUntil(w.ecs, (s) => s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED');
    expect(rolledBack.deployments?.[0]?.taskDefinition).toMatch(/web:1$/);
    expect(rolledBack.runningCount).toBe(2);
    const messages = rolledBack.events?.map((e) => e.message ?? '') ?? [];
    expect(messages.some((m) => m.includes('deployment failed: tasks failed to start.'))).toBe(true);
    expect(messages.some((m) => m.includes('rolling back to deployment'))).toBe(true);
    expect(messages.some((m) => m.includes('CannotPullContainerError'))).toBe(true);

    const stopped = await w.ecs.send(new ListTasksCommand({ cluster: 'c', serviceName: 'web', desiredStatus: 'STOPPED' }));
    const tasks = (await w.ecs.send(new DescribeTasksCommand({ cluster: 'c', tasks: stopped.taskArns ?? [] }))).tasks ?? [];
    const pullFailures = tasks.filter((t) => t.stopCode === 'TaskFailedToStart');
    expect(pullFailures.length).toBeGreaterThanOrEqual(3);
    expect(pullFailures[0]?.stoppedReason).toMatch(/^CannotPullContainerError: .*web:9\.9\.9/);
  });

  it('on a missing digest reference too', async () => {
    const w = await world();
    const digest = `sha256:${'0'.repeat(64)}`;
    await serviceOn(w, `${w.repoUri}@${digest}`, { enable: true, rollback: true });
    const svc = await advanceUntil(w.ecs, (s) => s.deployments?.some((d) => d.rolloutState === 'FAILED') ?? false);
    expect(svc.deployments?.[0]?.taskDefinition).toMatch(/web:1$/);
  });

  it('on an image marked crashing: tasks start, exit with an error, and the breaker rolls back', async () => {
    const w = await world();
    await w.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST.replace('sha256:1', 'sha256:2'), imageTag: '2.0' }));
    sandbox.admin.markImageCrashing(`${w.repoUri}:2.0`);
    await serviceOn(w, `${w.repoUri}:2.0`, { enable: true, rollback: true });
    // The new tasks do reach RUNNING before they exit.
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const running = await describeWeb(w.ecs);
    expect(running.deployments?.[0]?.runningCount).toBeGreaterThan(0);
    const svc = await advanceUntil(w.ecs, (s) => s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED');
    expect(svc.deployments?.[0]?.taskDefinition).toMatch(/web:1$/);
    const stopped = await w.ecs.send(new ListTasksCommand({ cluster: 'c', serviceName: 'web', desiredStatus: 'STOPPED' }));
    const tasks = (await w.ecs.send(new DescribeTasksCommand({ cluster: 'c', tasks: stopped.taskArns ?? [] }))).tasks ?? [];
    const crashed = tasks.filter((t) => t.stopCode === 'EssentialContainerExited');
    expect(crashed.length).toBeGreaterThanOrEqual(3);
    expect(crashed[0]).toMatchObject({ stoppedReason: 'Essential container in task exited' });
    expect(crashed[0]?.containers?.[0]?.exitCode).toBe(1);
    expect(crashed[0]?.startedAt).toBeInstanceOf(Date);
  });

  it('without the circuit breaker, failedTasks keeps growing and the rollout stays IN_PROGRESS', async () => {
    const w = await world();
    await serviceOn(w, `${w.repoUri}:nope`, { enable: false, rollback: false });
    sandbox.clock.advance(30_000);
    const svc = await describeWeb(w.ecs);
    expect(svc.deployments?.[0]).toMatchObject({ rolloutState: 'IN_PROGRESS' });
    expect(svc.deployments?.[0]?.failedTasks).toBeGreaterThan(circuitBreakerThreshold(2));
    expect(svc.runningCount).toBe(2);
  });

  it('with the breaker but no rollback, the deployment is FAILED and the old tasks keep running', async () => {
    const w = await world();
    await serviceOn(w, `${w.repoUri}:nope`, { enable: true, rollback: false });
    const svc = await advanceUntil(w.ecs, (s) => s.deployments?.[0]?.rolloutState === 'FAILED');
    expect(svc.taskDefinition).toMatch(/web:2$/);
    expect(svc.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    sandbox.clock.advance(20_000);
    const later = await describeWeb(w.ecs);
    expect(later.runningCount).toBe(2);
    expect(later.deployments?.[1]?.runningCount).toBe(2);
  });
});

describe('images that start', () => {
  it('an existing sandbox ECR image given by digest starts', async () => {
    const w = await world();
    const put = await w.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST.replace('sha256:1', 'sha256:3') }));
    await serviceOn(w, `${w.repoUri}@${put.image?.imageId?.imageDigest ?? ''}`, { enable: true, rollback: true });
    const svc = await advanceUntil(w.ecs, (s) => s.deployments?.length === 1);
    expect(svc.deployments?.[0]).toMatchObject({ rolloutState: 'COMPLETED', failedTasks: 0 });
    expect(svc.taskDefinition).toMatch(/web:2$/);
  });
});

describe('images outside the sandbox ECR', () => {
  it.each(['nginx:1.27', 'public.ecr.aws/nginx/nginx:1.27', 'ghcr.io/acme/app@sha256:' + 'a'.repeat(64)])('%s always starts', async (image) => {
    const w = await world();
    await serviceOn(w, image, { enable: true, rollback: true });
    const svc = await advanceUntil(w.ecs, (s) => s.deployments?.length === 1);
    expect(svc.deployments?.[0]).toMatchObject({ rolloutState: 'COMPLETED', failedTasks: 0 });
    expect(svc.taskDefinition).toMatch(/web:2$/);
  });
});

describe('image tags resolve once per deployment (versionConsistency)', () => {
  async function taskDigests(ecs: ECSClient): Promise<string[]> {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'c', serviceName: 'web' }))).taskArns ?? [];
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'c', tasks: arns }))).tasks ?? [];
    return tasks.map((t) => t.containers?.[0]?.imageDigest ?? 'none').sort();
  }

  it('a tag pushed again changes nothing until a new deployment', async () => {
    const w = await world();
    await clusterWithTaskDefinition(w.ecs, 'c', 'web', `${w.repoUri}:1.0`);
    await w.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const [original] = await taskDigests(w.ecs);
    expect(original).toMatch(/^sha256:[0-9a-f]{64}$/);

    const moved = await w.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST.replace('sha256:1', 'sha256:9'), imageTag: '1.0' }));
    await w.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 2 }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    expect(await taskDigests(w.ecs)).toEqual([original, original]);

    await w.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', forceNewDeployment: true }));
    await advanceUntil(w.ecs, (s) => s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED');
    const digest = moved.image?.imageId?.imageDigest ?? '';
    expect(await taskDigests(w.ecs)).toEqual([digest, digest]);
  });

  it('an image pushed after a failed launch lets the next launches of the deployment start', async () => {
    const w = await world();
    await serviceOn(w, `${w.repoUri}:3.0`, { enable: false, rollback: false });
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + DEFAULT_TIMINGS.stepMs);
    expect((await describeWeb(w.ecs)).deployments?.[0]?.failedTasks).toBeGreaterThan(0);
    await w.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST.replace('sha256:1', 'sha256:30'), imageTag: '3.0' }));
    const svc = await advanceUntil(w.ecs, (s) => s.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED');
    expect(svc.taskDefinition).toMatch(/web:2$/);
  });
});
