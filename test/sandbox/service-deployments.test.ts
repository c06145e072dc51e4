/**
 * ECS's deployments API in the sandbox (List/Describe/Stop/ContinueServiceDeployment)
 * and the BLUE_GREEN, LINEAR and CANARY strategies with lifecycle hooks on the
 * simulated clock, through the real SDK over HTTP. The clock is frozen and
 * moved with advance(), so bake times of minutes cost nothing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ContinueServiceDeploymentCommand, CreateServiceCommand, DescribeServiceDeploymentsCommand, DescribeServicesCommand,
  ListServiceDeploymentsCommand, RegisterTaskDefinitionCommand, StopServiceDeploymentCommand, UpdateServiceCommand,
  type DeploymentConfiguration, type ECSClient, type Service, type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, type Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, fargateTaskDefinition, rejectionOf, testSandbox, type SandboxAccount } from './sandbox-harness.js';

const MINUTE = 60_000;
const LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function:check-green';
const ROLE = 'arn:aws:iam::123456789012:role/ecs-hooks';
const STAGE_ORDER = [
  'RECONCILE_SERVICE', 'PRE_SCALE_UP', 'SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP',
];

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function describeOne(ecs: ECSClient): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }));
  const svc = out.services?.[0];
  if (!svc) throw new Error('service web not found');
  return svc;
}

async function deployment(ecs: ECSClient, arn: string): Promise<ServiceDeployment> {
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  const sd = out.serviceDeployments?.[0];
  if (!sd) throw new Error(`service deployment ${arn} not described: ${JSON.stringify(out.failures)}`);
  return sd;
}

interface Setup {
  readonly ecs: ECSClient;
  readonly account: SandboxAccount;
  /** The service deployment UpdateService started (web:1 -> web:2). */
  readonly arn: string;
}

/**
 * Service `web` (2 tasks of web:1) created with `config` and settled, then
 * updated to web:2 (`image`): the deployment under test.
 */
async function deployWithStrategy(config: DeploymentConfiguration, image = 'nginx:1.28', desiredCount = 2): Promise<Setup> {
  const account = accountOn(sandbox);
  const ecs = account.ecs();
  await clusterWithTaskDefinition(ecs, 'c', 'web');
  await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', image)));
  await ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK, deploymentConfiguration: config,
  }));
  sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
  expect((await describeOne(ecs)).deployments?.[0]?.rolloutState).toBe('COMPLETED');
  const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
  const arn = updated.service?.currentServiceDeployment;
  if (!arn) throw new Error('UpdateService returned no currentServiceDeployment');
  return { ecs, account, arn };
}

interface Observation {
  readonly at: number;
  readonly sd: ServiceDeployment;
}

/** Advances the clock `stepMs` at a time, describing the deployment each time, until it is no longer running. */
async function watch(ecs: ECSClient, arn: string, stepMs: number, maxSteps = 400): Promise<Observation[]> {
  const seen: Observation[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const sd = await deployment(ecs, arn);
    seen.push({ at: sandbox.clock.now(), sd });
    if (!['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'STOP_REQUESTED'].includes(sd.status ?? '')) return seen;
    sandbox.clock.advance(stepMs);
  }
  throw new Error(`deployment ${arn} still running after ${maxSteps} steps`);
}

function stagesSeen(seen: readonly Observation[]): string[] {
  const out: string[] = [];
  for (const { sd } of seen) if (sd.lifecycleStage && out.at(-1) !== sd.lifecycleStage) out.push(sd.lifecycleStage);
  return out;
}

const headless = (extra: DeploymentConfiguration): DeploymentConfiguration => ({ minimumHealthyPercent: 100, maximumPercent: 200, ...extra });

describe('BLUE_GREEN, LINEAR and CANARY on the clock', () => {
  it('BLUE_GREEN: green scales up to the full count beside blue, test then production traffic move at once, bake time, blue drained, SUCCESSFUL', async () => {
    const { ecs, arn } = await deployWithStrategy(headless({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 }));
    expect(arn).toMatch(/^arn:aws:ecs:eu-west-1:\d{12}:service-deployment\/c\/web\/\w+$/);

    const starting = await deployment(ecs, arn);
    expect(starting).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP', deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 } });
    expect(starting.targetServiceRevision).toMatchObject({ requestedTaskCount: 2, pendingTaskCount: 2, runningTaskCount: 0, requestedProductionTrafficWeight: 0, requestedTestTrafficWeight: 0 });
    expect(starting.targetServiceRevision?.arn).toMatch(/^arn:aws:ecs:eu-west-1:\d{12}:service-revision\/c\/web\/\d+$/);
    expect(starting.sourceServiceRevisions?.[0]).toMatchObject({ runningTaskCount: 2, requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 100 });
    const during = await describeOne(ecs);
    expect(during.deployments?.map((d) => [d.status, d.taskDefinition?.split('/').at(-1), d.rolloutState])).toEqual([
      ['PRIMARY', 'web:2', 'IN_PROGRESS'], ['ACTIVE', 'web:1', 'COMPLETED'],
    ]);
    expect(during.currentServiceRevisions?.map((r) => r.arn)).toEqual([starting.targetServiceRevision?.arn, starting.sourceServiceRevisions?.[0]?.arn]);

    // Green is up: every stage without hooks passes at once, then the bake time holds both revisions running.
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const baking = await deployment(ecs, arn);
    expect(baking).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' });
    expect(baking.targetServiceRevision).toMatchObject({ runningTaskCount: 2, requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 100 });
    expect(baking.sourceServiceRevisions?.[0]).toMatchObject({ runningTaskCount: 2, requestedProductionTrafficWeight: 0 });
    expect((await describeOne(ecs)).runningCount).toBe(4);

    sandbox.clock.advance(5 * MINUTE - 1000);
    expect((await deployment(ecs, arn)).lifecycleStage).toBe('BAKE_TIME');
    sandbox.clock.advance(1000);
    const cleaning = await deployment(ecs, arn);
    expect(cleaning).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'CLEAN_UP' });
    expect(cleaning.sourceServiceRevisions?.[0]?.runningTaskCount).toBe(0);

    sandbox.clock.advance(DEFAULT_TIMINGS.stepMs);
    const done = await deployment(ecs, arn);
    expect(done).toMatchObject({ status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' });
    expect(done.finishedAt?.getTime()).toBe(sandbox.clock.now());
    const svc = await describeOne(ecs);
    expect(svc.deployments?.map((d) => [d.taskDefinition?.split('/').at(-1), d.rolloutState])).toEqual([['web:2', 'COMPLETED']]);
    expect(svc.runningCount).toBe(2);
    expect(svc.currentServiceDeployment).toBe(arn);
  });

  it('LINEAR: production traffic moves stepPercent at a time with stepBakeTimeInMinutes between steps, none after 100%', async () => {
    const { ecs, arn } = await deployWithStrategy(headless({ strategy: 'LINEAR', bakeTimeInMinutes: 1, linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 } }));
    const seen = await watch(ecs, arn, 30_000);
    const weights: { at: number; weight: number }[] = [];
    for (const { at, sd } of seen) {
      const weight = sd.targetServiceRevision?.requestedProductionTrafficWeight ?? 0;
      if (weights.at(-1)?.weight !== weight) weights.push({ at, weight });
    }
    expect(weights.map((w) => w.weight)).toEqual([0, 25, 50, 75, 100]);
    // 2 minutes between the shifts at 25, 50 and 75; 75 -> 100 after the last step bake.
    expect(weights[2]!.at - weights[1]!.at).toBe(2 * MINUTE);
    expect(weights[3]!.at - weights[2]!.at).toBe(2 * MINUTE);
    expect(weights[4]!.at - weights[3]!.at).toBe(2 * MINUTE);
    const shifting = seen.filter(({ sd }) => sd.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT').map(({ sd }) => sd.targetServiceRevision?.requestedProductionTrafficWeight);
    expect([...new Set(shifting)]).toEqual([25, 50, 75]);
    expect(stagesSeen(seen).slice(-2)).toEqual(['BAKE_TIME', 'CLEAN_UP']);
    expect(seen.at(-1)?.sd.status).toBe('SUCCESSFUL');
  });

  it('CANARY: canaryPercent first for canaryBakeTimeInMinutes, then the rest, then the bake time', async () => {
    const { ecs, arn } = await deployWithStrategy(headless({ strategy: 'CANARY', bakeTimeInMinutes: 2, canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 } }));
    const seen = await watch(ecs, arn, 30_000);
    const byWeight = new Map<number, number>();
    for (const { at, sd } of seen) {
      const weight = sd.targetServiceRevision?.requestedProductionTrafficWeight ?? 0;
      if (!byWeight.has(weight)) byWeight.set(weight, at);
    }
    expect([...byWeight.keys()]).toEqual([0, 10, 100]);
    expect(byWeight.get(100)! - byWeight.get(10)!).toBe(3 * MINUTE);
    const canary = seen.find(({ sd }) => sd.targetServiceRevision?.requestedProductionTrafficWeight === 10)?.sd;
    expect(canary?.sourceServiceRevisions?.[0]?.requestedProductionTrafficWeight).toBe(90);
    const stages = stagesSeen(seen);
    expect(stages).toEqual(expect.arrayContaining(['SCALE_UP', 'PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP']));
    expect(stages.map((s) => STAGE_ORDER.indexOf(s)).every((i, k, all) => k === 0 || i >= all[k - 1]!)).toBe(true);
    expect(seen.at(-1)?.sd.status).toBe('SUCCESSFUL');
  });

  it('refuses a traffic-shifting strategy on a load balancer without advancedConfiguration (InvalidParameterException)', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    const err = await rejectionOf(ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK,
      deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      loadBalancers: [{ targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/0123456789abcdef', containerName: 'app', containerPort: 8080 }],
    })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toMatch(/advancedConfiguration/);
  });
});

describe('lifecycle hooks', () => {
  it('a Lambda hook that answers FAILED rolls back: ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL with the stage and hook in the reason; blue is PRIMARY again', async () => {
    const target = `${LAMBDA}-fails`;
    sandbox.admin.setDeploymentHookResult(target, 'FAILED');
    const { ecs, arn } = await deployWithStrategy(headless({
      strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5,
      lifecycleHooks: [{ hookTargetArn: target, roleArn: ROLE, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }],
    }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const rolling = await deployment(ecs, arn);
    expect(rolling.status).toBe('ROLLBACK_IN_PROGRESS');
    expect(rolling.rollback?.reason).toContain('POST_TEST_TRAFFIC_SHIFT');
    expect(rolling.rollback?.reason).toContain(target);
    expect(rolling.rollback?.serviceRevisionArn).toBe(rolling.sourceServiceRevisions?.[0]?.arn);
    expect(rolling.lifecycleHookDetails).toEqual([expect.objectContaining({ targetType: 'AWS_LAMBDA', targetArn: target, status: 'FAILED', timeoutAction: 'ROLLBACK' })]);
    expect(rolling.targetServiceRevision?.requestedProductionTrafficWeight).toBe(0);
    const during = await describeOne(ecs);
    expect(during.taskDefinition).toMatch(/web:1$/);
    expect(during.deployments?.map((d) => [d.status, d.taskDefinition?.split('/').at(-1), d.rolloutState])).toEqual([
      ['PRIMARY', 'web:1', 'IN_PROGRESS'], ['ACTIVE', 'web:2', 'FAILED'],
    ]);
    expect(during.deployments?.[1]?.rolloutStateReason).toContain('POST_TEST_TRAFFIC_SHIFT');

    const seen = await watch(ecs, arn, DEFAULT_TIMINGS.stepMs, 20);
    expect(seen.at(-1)?.sd).toMatchObject({ status: 'ROLLBACK_SUCCESSFUL' });
    // ECS rolled it back by itself: no ROLLBACK_REQUESTED, no stoppedAt (those mean a user stopped it).
    expect(seen.map((o) => o.sd.status)).not.toContain('ROLLBACK_REQUESTED');
    expect(seen.every((o) => o.sd.stoppedAt === undefined)).toBe(true);
    const after = await describeOne(ecs);
    expect(after.deployments?.map((d) => [d.taskDefinition?.split('/').at(-1), d.rolloutState])).toEqual([['web:1', 'COMPLETED']]);
    expect(after.runningCount).toBe(2);
    sandbox.admin.setDeploymentHookResult(target, undefined);
  });

  it('a PAUSE hook waits in AWAITING_ACTION (as long as it takes) until ContinueServiceDeployment(CONTINUE); then SUCCESSFUL', async () => {
    const { ecs, arn } = await deployWithStrategy(headless({
      strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1,
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'] }],
    }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const paused = await deployment(ecs, arn);
    expect(paused).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'PRE_PRODUCTION_TRAFFIC_SHIFT' });
    expect(paused.targetServiceRevision).toMatchObject({ requestedTestTrafficWeight: 100, requestedProductionTrafficWeight: 0 });
    const hook = paused.lifecycleHookDetails?.[0];
    expect(hook).toMatchObject({ targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' });
    expect(hook?.targetArn).toBeUndefined();
    // The default timeout: 1440 minutes from when the stage began (now: the clock is frozen).
    expect(hook?.expiresAt?.getTime()).toBe(sandbox.clock.now() + 1440 * MINUTE);

    sandbox.clock.advance(60 * MINUTE);
    expect(await deployment(ecs, arn)).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'PRE_PRODUCTION_TRAFFIC_SHIFT' });
    expect((await describeOne(ecs)).deployments?.[0]?.rolloutState).toBe('IN_PROGRESS');

    const wrongHook = await rejectionOf(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: 'not-a-hook' })));
    expect(wrongHook.name).toBe('InvalidParameterException');
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook?.hookId }));
    const again = await rejectionOf(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook?.hookId })));
    expect(again.name).toBe('InvalidParameterException');

    const seen = await watch(ecs, arn, 30_000);
    expect(seen.at(-1)?.sd.status).toBe('SUCCESSFUL');
    expect(seen.at(-1)?.sd.lifecycleHookDetails?.[0]?.status).toBe('SUCCEEDED');
    expect((await describeOne(ecs)).deployments?.map((d) => d.taskDefinition?.split('/').at(-1))).toEqual(['web:2']);
  });

  it('ContinueServiceDeployment(ROLLBACK) on a paused deployment rolls it back', async () => {
    const { ecs, arn } = await deployWithStrategy(headless({ strategy: 'CANARY', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }] }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const paused = await deployment(ecs, arn);
    expect(paused.lifecycleStage).toBe('POST_SCALE_UP');
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: paused.lifecycleHookDetails?.[0]?.hookId, action: 'ROLLBACK' }));
    const seen = await watch(ecs, arn, DEFAULT_TIMINGS.stepMs, 20);
    expect(seen.at(-1)?.sd).toMatchObject({ status: 'ROLLBACK_SUCCESSFUL' });
    expect(seen.at(-1)?.sd.rollback?.reason).toMatch(/rollback at lifecycle stage POST_SCALE_UP/);
    expect((await describeOne(ecs)).taskDefinition).toMatch(/web:1$/);
  });

  it.each([
    ['ROLLBACK', 'ROLLBACK_SUCCESSFUL'],
    ['CONTINUE', 'SUCCESSFUL'],
  ] as const)('a PAUSE hook that times out takes its timeout action (%s -> %s)', async (action, final) => {
    const { ecs, arn } = await deployWithStrategy(headless({
      strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0,
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 5, action } }],
    }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    expect(await deployment(ecs, arn)).toMatchObject({ lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT', lifecycleHookDetails: [expect.objectContaining({ status: 'AWAITING_ACTION', timeoutAction: action })] });
    sandbox.clock.advance(5 * MINUTE - 1);
    expect((await deployment(ecs, arn)).lifecycleHookDetails?.[0]?.status).toBe('AWAITING_ACTION');
    sandbox.clock.advance(1);
    const seen = await watch(ecs, arn, DEFAULT_TIMINGS.stepMs, 20);
    expect(seen[0]?.sd.lifecycleHookDetails?.[0]?.status).toBe('TIMED_OUT');
    expect(seen.at(-1)?.sd.status).toBe(final);
    if (final === 'ROLLBACK_SUCCESSFUL') expect(seen.at(-1)?.sd.rollback?.reason).toMatch(/timed out at POST_PRODUCTION_TRAFFIC_SHIFT/);
  });

  it('a Lambda hook answering IN_PROGRESS holds its stage until the admin API (HTTP) says SUCCEEDED', async () => {
    const target = `${LAMBDA}-slow`;
    const post = (result: string | null) => fetch(`${sandbox.endpoint}/admin/deployment-hooks`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hookTargetArn: target, result }),
    });
    expect((await post('IN_PROGRESS')).status).toBe(200);
    const { ecs, arn } = await deployWithStrategy(headless({
      strategy: 'LINEAR', bakeTimeInMinutes: 0, linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 },
      lifecycleHooks: [{ hookTargetArn: target, roleArn: ROLE, lifecycleStages: ['TEST_TRAFFIC_SHIFT'] }],
    }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + 10 * MINUTE);
    expect(await deployment(ecs, arn)).toMatchObject({ lifecycleStage: 'TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [expect.objectContaining({ status: 'IN_PROGRESS', targetArn: target })] });
    expect((await post('SUCCEEDED')).status).toBe(200);
    const seen = await watch(ecs, arn, 30_000);
    expect(seen.at(-1)?.sd).toMatchObject({ status: 'SUCCESSFUL', lifecycleHookDetails: [expect.objectContaining({ status: 'SUCCEEDED' })] });
    expect((await post('MAYBE')).status).toBe(400);
    expect((await post(null)).status).toBe(200);
  });
});

describe('StopServiceDeployment', () => {
  it('ROLLBACK on a running rolling deployment: ROLLBACK_REQUESTED with stoppedAt, ROLLBACK_IN_PROGRESS from the next step, ROLLBACK_SUCCESSFUL, the old task definition PRIMARY; a finished deployment cannot be stopped (ConflictException)', async () => {
    // Stop-first (0% / 100%): web:1's tasks are already gone, so the rollback has to start them again.
    const { ecs, arn } = await deployWithStrategy({ minimumHealthyPercent: 0, maximumPercent: 100 });
    expect((await deployment(ecs, arn)).status).toBe('IN_PROGRESS');
    const stoppedAt = sandbox.clock.now();
    const stopped = await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }));
    expect(stopped.serviceDeploymentArn).toBe(arn);
    // A user stopped it: ECS reports ROLLBACK_REQUESTED and when it stopped (the API reference's ServiceDeployment.stoppedAt).
    const requested = await deployment(ecs, arn);
    expect(requested).toMatchObject({ status: 'ROLLBACK_REQUESTED', rollback: { reason: expect.stringContaining('StopServiceDeployment') } });
    expect(requested.stoppedAt?.getTime()).toBe(stoppedAt);
    const svc = await describeOne(ecs);
    expect(svc.deployments?.[0]?.taskDefinition).toMatch(/web:1$/);
    expect(svc.deployments?.find((d) => d.taskDefinition?.endsWith('web:2'))?.rolloutState).toBe('FAILED');
    sandbox.clock.advance(DEFAULT_TIMINGS.stepMs);
    const rolling = await deployment(ecs, arn);
    expect(rolling).toMatchObject({ status: 'ROLLBACK_IN_PROGRESS', stoppedAt: requested.stoppedAt });
    const seen = await watch(ecs, arn, DEFAULT_TIMINGS.stepMs, 30);
    expect(seen.at(-1)?.sd).toMatchObject({ status: 'ROLLBACK_SUCCESSFUL', stoppedAt: requested.stoppedAt });
    expect((await describeOne(ecs)).deployments?.map((d) => [d.taskDefinition?.split('/').at(-1), d.rolloutState])).toEqual([['web:1', 'COMPLETED']]);

    const late = await rejectionOf(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })));
    expect(late.name).toBe('ConflictException');
    const missing = await rejectionOf(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: `${arn}x` })));
    expect(missing.name).toBe('ServiceDeploymentNotFoundException');
  });

  it('ABORT stops a blue/green deployment where it is: STOPPED, both revisions keep running, nothing more shifts', async () => {
    const { ecs, arn } = await deployWithStrategy(headless({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 }));
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    expect((await deployment(ecs, arn)).lifecycleStage).toBe('BAKE_TIME');
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ABORT' }));
    sandbox.clock.advance(30 * MINUTE);
    const sd = await deployment(ecs, arn);
    expect(sd).toMatchObject({ status: 'STOPPED', statusReason: expect.stringContaining('ABORT') });
    expect(sd.stoppedAt).toBeInstanceOf(Date);
    const svc = await describeOne(ecs);
    expect(svc.runningCount).toBe(4);
    expect(svc.deployments?.[0]).toMatchObject({ rolloutState: 'FAILED' });
  });
});

describe('rolling deployments in the deployments API', () => {
  async function rollingService(deploymentCircuitBreaker?: { enable: boolean; rollback: boolean }): Promise<Setup> {
    return deployWithStrategy({ minimumHealthyPercent: 100, maximumPercent: 200, ...(deploymentCircuitBreaker ? { deploymentCircuitBreaker } : {}) }, 'nginx:crashing');
  }

  it('a completed rollout is SUCCESSFUL (ROLLING: no traffic weights); a deployment superseded by a newer one is STOPPED', async () => {
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    const created = await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const first = created.service?.currentServiceDeployment ?? '';
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
    const done = await deployment(ecs, first);
    expect(done).toMatchObject({ status: 'SUCCESSFUL', sourceServiceRevisions: [], deploymentCircuitBreaker: { status: 'DISABLED' } });
    expect(done.targetServiceRevision?.requestedProductionTrafficWeight).toBeUndefined();
    const second = (await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', forceNewDeployment: true }))).service?.currentServiceDeployment ?? '';
    const third = (await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', forceNewDeployment: true }))).service?.currentServiceDeployment ?? '';
    expect(new Set([first, second, third]).size).toBe(3);
    expect(await deployment(ecs, second)).toMatchObject({ status: 'STOPPED', statusReason: expect.stringContaining('superseded') });
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + 5 * DEFAULT_TIMINGS.stepMs);
    expect((await deployment(ecs, third)).status).toBe('SUCCESSFUL');
  });

  it('the circuit breaker with rollback: ROLLBACK_IN_PROGRESS then ROLLBACK_SUCCESSFUL, deploymentCircuitBreaker TRIGGERED; rolloutState as before', async () => {
    sandbox.admin.markImageCrashing('nginx:crashing');
    const { ecs, arn } = await rollingService({ enable: true, rollback: true });
    const seen = await watch(ecs, arn, DEFAULT_TIMINGS.stepMs, 120);
    const statuses = [...new Set(seen.map((o) => o.sd.status))];
    expect(statuses).toEqual(['IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
    const last = seen.at(-1)?.sd;
    expect(last?.deploymentCircuitBreaker).toMatchObject({ status: 'TRIGGERED', threshold: 3 });
    expect(last?.rollback?.reason).toMatch(/[Cc]ircuit breaker/);
    expect(last?.rollback?.serviceRevisionArn).toMatch(/service-revision\/c\/web\/\d+$/);
    expect(seen.every((o) => o.sd.stoppedAt === undefined)).toBe(true);
    const svc = await describeOne(ecs);
    expect(svc.deployments?.map((d) => [d.taskDefinition?.split('/').at(-1), d.rolloutState])).toEqual([['web:1', 'COMPLETED']]);
  });

  it('the circuit breaker without rollback: STOPPED with the reason', async () => {
    sandbox.admin.markImageCrashing('nginx:crashing');
    const { ecs, arn } = await rollingService({ enable: true, rollback: false });
    const seen = await watch(ecs, arn, DEFAULT_TIMINGS.stepMs, 120);
    expect(seen.at(-1)?.sd).toMatchObject({ status: 'STOPPED', statusReason: expect.stringContaining('circuit breaker'), deploymentCircuitBreaker: { status: 'TRIGGERED' } });
    expect((await describeOne(ecs)).deployments?.[0]?.rolloutState).toBe('FAILED');
  });
});

describe('ListServiceDeployments and DescribeServiceDeployments', () => {
  it('lists newest first with status and createdAt filters and pagination; errors as ECS answers them', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const arns: string[] = [];
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + 2 * DEFAULT_TIMINGS.stepMs);
      times.push(sandbox.clock.now());
      const out = await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', forceNewDeployment: true }));
      arns.push(out.service?.currentServiceDeployment ?? '');
    }
    sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + 2 * DEFAULT_TIMINGS.stepMs);
    const all = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web' }));
    expect(all.serviceDeployments).toHaveLength(5);
    expect(all.nextToken).toBeUndefined();
    expect(all.serviceDeployments?.slice(0, 4).map((d) => d.serviceDeploymentArn)).toEqual([...arns].reverse());
    expect(all.serviceDeployments?.every((d) => d.status === 'SUCCESSFUL' && d.targetServiceRevisionArn?.includes(':service-revision/c/web/'))).toBe(true);

    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', maxResults: 2, ...(nextToken ? { nextToken } : {}) }));
      pages.push(page.serviceDeployments?.map((d) => d.serviceDeploymentArn ?? '') ?? []);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all.serviceDeployments?.map((d) => d.serviceDeploymentArn));

    const recent = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', createdAt: { after: new Date(times[1]! - 1) } }));
    expect(recent.serviceDeployments?.map((d) => d.serviceDeploymentArn)).toEqual([arns[3], arns[2], arns[1]]);
    const older = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', createdAt: { before: new Date(times[0]! + 1) } }));
    expect(older.serviceDeployments).toHaveLength(2);
    const none = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', status: ['ROLLBACK_FAILED'] }));
    expect(none.serviceDeployments).toEqual([]);

    expect((await rejectionOf(ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'nope' })))).name).toBe('ServiceNotFoundException');
    expect((await rejectionOf(ecs.send(new ListServiceDeploymentsCommand({ cluster: 'nope', service: 'web' })))).name).toBe('ClusterNotFoundException');
    expect((await rejectionOf(ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', maxResults: 101 })))).name).toBe('InvalidParameterException');
    expect((await rejectionOf(ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', nextToken: 'garbage' })))).name).toBe('InvalidParameterException');

    const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arns[0]!, `${arns[0]}-gone`] }));
    expect(described.serviceDeployments?.map((d) => d.serviceDeploymentArn)).toEqual([arns[0]]);
    expect(described.failures).toEqual([{ arn: `${arns[0]}-gone`, reason: 'MISSING' }]);
    const tooMany = await rejectionOf(ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: Array.from({ length: 21 }, () => arns[0]!) })));
    expect(tooMany.name).toBe('InvalidParameterException');
  });

  it('the aws CLI lists and describes them', async () => {
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    const created = await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const arn = created.service?.currentServiceDeployment ?? '';
    const env = {
      ...process.env, AWS_ACCESS_KEY_ID: account.accountId, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret', AWS_DEFAULT_REGION: account.region, AWS_PAGER: '',
    };
    const aws = (...args: string[]) => promisify(execFile)('aws', ['--endpoint-url', sandbox.endpoint, '--output', 'json', 'ecs', ...args], { env });
    const listed = JSON.parse((await aws('list-service-deployments', '--cluster', 'c', '--service', 'web')).stdout) as { serviceDeployments: { serviceDeploymentArn: string; status: string }[] };
    expect(listed.serviceDeployments).toEqual([expect.objectContaining({ serviceDeploymentArn: arn, status: 'IN_PROGRESS' })]);
    const described = JSON.parse((await aws('describe-service-deployments', '--service-deployment-arns', arn)).stdout) as { serviceDeployments: { status: string }[] };
    expect(described.serviceDeployments[0]?.status).toBe('IN_PROGRESS');
  });
});
