/**
 * Every deployment strategy end to end: a controller on the sandbox over HTTP
 * with the real SDK follows each rollout through ECS's deployments API
 * (DescribeServiceDeployments by the ARN UpdateService returned). For
 * ROLLING, BLUE_GREEN, LINEAR and CANARY: a rollout that succeeds; a lifecycle
 * hook that fails rolls back to ROLLBACK_SUCCESSFUL and leaves the service
 * Degraded naming the stage; a PAUSE hook is Progressing "waiting for approval
 * at STAGE" until ContinueServiceDeployment; StopServiceDeployment (ROLLBACK)
 * by hand holds the content until the manifest changes. Lifecycle hooks run
 * only at the stages of BLUE_GREEN, LINEAR and CANARY (docs/deployments.md),
 * so ROLLING has no hook cases. ecs_gitops_deployment_duration_seconds
 * observes every rollout that ends.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock, type Controller } from '../../src/controller/index.js';
import type { DeploymentStrategy, ServiceStatus } from '../../src/controller/status.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { valueOf } from '../observe/metric-values.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const KEY = `${REGION}/demo/web`;
const STAGED: readonly DeploymentStrategy[] = ['BLUE_GREEN', 'LINEAR', 'CANARY'];
const ALL: readonly DeploymentStrategy[] = ['ROLLING', ...STAGED];
const HOOK_FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:smoke-test';
const ROLE = 'arn:aws:iam::123456789012:role/ecs-infrastructure';
const TG = (name: string) => `arn:aws:elasticloadbalancing:${REGION}:123456789012:targetgroup/${name}/0123456789abcdef`;
const RULE = (name: string) => `arn:aws:elasticloadbalancing:${REGION}:123456789012:listener-rule/app/web/0123456789abcdef/0123456789abcdef/${name}`;

type Hook = 'none' | 'lambda' | 'pause';

/** The service under `strategy`, short steps and bake times (minutes of the sandbox's simulated clock). */
function manifest(strategy: DeploymentStrategy, image: string, hook: Hook = 'none'): Record<string, unknown> {
  if (strategy === 'ROLLING') return serviceManifest({ name: 'web', image, desiredCount: 2 });
  const lifecycleHooks = hook === 'lambda'
    ? [{ hookTargetArn: HOOK_FUNCTION, roleArn: ROLE, lifecycleStages: ['POST_SCALE_UP'] }]
    : hook === 'pause' ? [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 600, action: 'ROLLBACK' } }] : undefined;
  return serviceManifest({
    name: 'web', image, desiredCount: 2,
    extra: {
      loadBalancers: [{
        targetGroupArn: TG('web-blue'), containerName: 'app', containerPort: 80,
        advancedConfiguration: { alternateTargetGroupArn: TG('web-green'), productionListenerRule: RULE('prod'), testListenerRule: RULE('test'), roleArn: ROLE },
      }],
      deploymentConfiguration: {
        strategy, bakeTimeInMinutes: 1,
        ...(strategy === 'LINEAR' ? { linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 } } : {}),
        ...(strategy === 'CANARY' ? { canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 1 } } : {}),
        ...(lifecycleHooks ? { lifecycleHooks } : {}),
      },
    },
  });
}

describe('deployment strategies followed through the deployments API (controller on the sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller;
  let registry: Registry;
  let revision = 0;

  const status = (): ServiceStatus | undefined => controller.status.get(KEY);
  const deploy = async (doc: Record<string, unknown>) => {
    await dir.write('web.yaml', [doc]);
    controller.setSnapshot(await dir.load(`r${++revision}`));
  };
  const durations = async (result: string) => (await valueOf(registry, 'ecs_gitops_deployment_duration_seconds_count', { result })) ?? 0;
  const deployment = async (arn: string): Promise<ECS.ServiceDeployment | undefined> =>
    (await world.api.send('DescribeServiceDeployments', { serviceDeploymentArns: [arn] })).serviceDeployments?.[0];
  const describeCalls = () => world.sandbox.admin.callLog({ accountId: world.accountId }).filter((c) => c.operation === 'DescribeServiceDeployments').length;
  const liveImage = async () => {
    const td = (await world.api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0]?.taskDefinition;
    return (await world.api.send('DescribeTaskDefinition', { taskDefinition: td })).taskDefinition?.containerDefinitions?.[0]?.image;
  };
  /** A new rollout (another service deployment than `before`) is followed. */
  const newRollout = (before: string | undefined) => () => {
    const arn = status()?.rollout?.serviceDeploymentArn;
    return arn !== undefined && arn !== before && status()?.rollout?.result === undefined;
  };

  /** v1 created and settled (a new service's first deployment only scales up), with `hook` declared for later ones. */
  async function settled(strategy: DeploymentStrategy, hook: Hook = 'none'): Promise<void> {
    await deploy(manifest(strategy, 'app:1', hook));
    await eventually(() => status()?.health === 'Healthy' && status()?.rollout?.result === 'completed', () => status(), 30_000);
  }

  beforeEach(async () => {
    world = await sandboxWorld({ clockSpeed: 120 });
    dir = await ManifestDir.create();
    registry = new Registry();
    controller = controllerFor(world.controllerApi, { metrics: createMetrics(registry, { defaultMetrics: false }) });
    await controller.start();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await world?.sandbox.close();
    await dir?.dispose();
  });

  it.each(ALL)('%s: the rollout is judged from its service deployment to SUCCESSFUL, and its duration observed', async (strategy) => {
    await settled(strategy);
    expect(await durations('completed')).toBe(1);
    const first = status()?.rollout?.serviceDeploymentArn;
    await deploy(manifest(strategy, 'app:2'));
    await eventually(newRollout(first), () => status());
    const arn = status()?.rollout?.serviceDeploymentArn as string;
    expect(arn).toMatch(new RegExp(`^arn:aws:ecs:${REGION}:${world.accountId}:service-deployment/demo/web/`));
    await eventually(() => status()?.rollout?.result === 'completed', () => status(), 30_000);
    const record = status();
    expect(record).toMatchObject({ health: 'Healthy', sync: 'Synced', lastApplySucceeded: true });
    expect(record?.rollout).toMatchObject({ strategy, source: 'service-deployment', serviceDeploymentArn: arn, state: 'SUCCESSFUL', result: 'completed' });
    const ecs = await deployment(arn);
    expect(ecs?.status).toBe('SUCCESSFUL');
    // ECS's own times, not the controller's view of them.
    expect(record?.rollout?.startedAt).toBe(ecs?.startedAt?.toISOString());
    expect(record?.rollout?.finishedAt).toBe(ecs?.finishedAt?.toISOString());
    expect(await durations('completed')).toBe(2);
    if (strategy !== 'ROLLING') {
      // Bake time alone is a minute of simulated time.
      expect((await valueOf(registry, 'ecs_gitops_deployment_duration_seconds_sum', { result: 'completed' })) ?? 0).toBeGreaterThan(60);
    }
    // Nobody follows it now: no more deployment reads.
    const reads = describeCalls();
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.setSnapshot(await dir.load(`r${++revision}`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(describeCalls()).toBe(reads);
  });

  it.each(STAGED)('%s: a lifecycle hook that fails rolls back; Degraded with the stage and hook named, and not applied again', async (strategy) => {
    await settled(strategy, 'lambda');
    const first = status()?.rollout?.serviceDeploymentArn;
    world.sandbox.admin.setDeploymentHookResult(HOOK_FUNCTION, 'FAILED');
    await deploy(manifest(strategy, 'app:2', 'lambda'));
    await eventually(newRollout(first), () => status());
    const arn = status()?.rollout?.serviceDeploymentArn as string;
    await eventually(() => status()?.rollout?.result !== undefined, () => status(), 30_000);
    const record = status();
    expect(record).toMatchObject({ health: 'Degraded', lastApplySucceeded: false, rollout: { source: 'service-deployment', state: 'ROLLBACK_SUCCESSFUL', result: 'rolled_back', serviceDeploymentArn: arn } });
    expect(record?.rollout?.rolledBackByHandAt).toBeUndefined();
    expect(record?.lastError?.code).toBe('CONTROLLER_ROLLOUT_FAILED');
    expect(record?.lastError?.message).toContain('POST_SCALE_UP');
    expect(record?.lastError?.message).toContain(HOOK_FUNCTION);
    expect((await deployment(arn))?.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(await durations('rolled_back')).toBe(1);
    expect(await liveImage()).toBe('app:1');

    // Held: the same content is not deployed again.
    world.sandbox.admin.setDeploymentHookResult(HOOK_FUNCTION, undefined);
    const updates = () => world.sandbox.admin.callLog({ accountId: world.accountId }).filter((c) => c.operation === 'UpdateService').length;
    const before = updates();
    controller.setSnapshot(await dir.load(`r${++revision}`));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(updates()).toBe(before);
    expect(status()?.health).toBe('Degraded');
  });

  it.each(STAGED)('%s: a PAUSE hook is Progressing "waiting for approval at STAGE" until ContinueServiceDeployment, then SUCCESSFUL', async (strategy) => {
    await settled(strategy, 'pause');
    const first = status()?.rollout?.serviceDeploymentArn;
    await deploy(manifest(strategy, 'app:2', 'pause'));
    await eventually(newRollout(first), () => status());
    const arn = status()?.rollout?.serviceDeploymentArn as string;
    await eventually(() => status()?.rollout?.waitingForApproval !== undefined, () => status(), 30_000);
    const waiting = status();
    expect(waiting?.health).toBe('Progressing');
    expect(waiting?.rollout).toMatchObject({
      strategy, state: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', reason: 'waiting for approval at POST_TEST_TRAFFIC_SHIFT',
      waitingForApproval: { stage: 'POST_TEST_TRAFFIC_SHIFT' },
    });
    const labels = { account: '', region: REGION, cluster: 'demo', service: 'web' };
    expect(await valueOf(registry, 'ecs_gitops_rollout_stage', { ...labels, stage: 'POST_TEST_TRAFFIC_SHIFT' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_rollout_waiting_for_approval_since_seconds', labels)).toBeGreaterThan(0);

    // Still waiting a while later: ECS does not move without an answer.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(status()?.rollout?.waitingForApproval).toBeDefined();
    expect(status()?.health).toBe('Progressing');

    const hookId = (await deployment(arn))?.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION')?.hookId;
    expect(hookId).toBe(status()?.rollout?.waitingForApproval?.hookId);
    await world.api.send('ContinueServiceDeployment', { serviceDeploymentArn: arn, hookId, action: 'CONTINUE' } as ECS.ContinueServiceDeploymentRequest);
    await eventually(() => status()?.rollout?.result !== undefined, () => status(), 30_000);
    expect(status()).toMatchObject({ health: 'Healthy', sync: 'Synced', rollout: { state: 'SUCCESSFUL', result: 'completed' } });
    expect(status()?.rollout?.waitingForApproval).toBeUndefined();
    expect(await valueOf(registry, 'ecs_gitops_rollout_waiting_for_approval_since_seconds', labels)).toBeUndefined();
    expect(await valueOf(registry, 'ecs_gitops_rollout_stage', { ...labels, stage: 'POST_TEST_TRAFFIC_SHIFT' })).toBeUndefined();
    expect(await durations('completed')).toBe(2);
    expect(await liveImage()).toBe('app:2');
  });

  it('BLUE_GREEN: a PAUSE hook held 45 simulated minutes (past the 30-minute rollout timeout), then continued: the rollout completes, not timed out', async () => {
    // The controller reads the sandbox's simulated clock, as it would read ECS's time: the wait is 45 minutes to it too.
    await controller.stop({ graceMs: 100 });
    registry = new Registry();
    const clock: Clock = { now: () => world.sandbox.clock.now(), setTimer: (ms, fn) => systemClock.setTimer(ms, fn) };
    controller = controllerFor(world.controllerApi, { metrics: createMetrics(registry, { defaultMetrics: false }), clock, rolloutTimeoutMs: 30 * 60_000 });
    await controller.start();
    await settled('BLUE_GREEN', 'pause');
    const first = status()?.rollout?.serviceDeploymentArn;
    await deploy(manifest('BLUE_GREEN', 'app:2', 'pause'));
    await eventually(newRollout(first), () => status());
    const arn = status()?.rollout?.serviceDeploymentArn as string;
    await eventually(() => status()?.rollout?.waitingForApproval !== undefined, () => status(), 30_000);
    const since = Date.parse(status()?.rollout?.waitingForApproval?.since ?? '');

    world.sandbox.clock.advance(45 * 60_000);
    await eventually(() => Date.parse(status()?.lastSyncTime ?? '') > since + 45 * 60_000, () => status());
    expect(status()).toMatchObject({ health: 'Progressing', rollout: { state: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' } });
    expect(status()?.rollout?.result).toBeUndefined();

    const hookId = (await deployment(arn))?.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION')?.hookId;
    await world.api.send('ContinueServiceDeployment', { serviceDeploymentArn: arn, hookId, action: 'CONTINUE' } as ECS.ContinueServiceDeploymentRequest);
    await eventually(() => status()?.rollout?.result !== undefined, () => status(), 30_000);
    expect(status()).toMatchObject({ health: 'Healthy', lastApplySucceeded: true, rollout: { state: 'SUCCESSFUL', result: 'completed' } });
    expect(status()?.lastError).toBeUndefined();
    expect(await durations('timed_out')).toBe(0);
    expect(await liveImage()).toBe('app:2');
  });

  it.each(ALL)('%s: StopServiceDeployment (ROLLBACK) by hand holds the content as failed until the manifest changes', async (strategy) => {
    await settled(strategy);
    const first = status()?.rollout?.serviceDeploymentArn;
    // The sandbox's clock stands still while the test stops the deployment, so it is still running when stopped.
    world.sandbox.clock.setSpeed(0);
    await deploy(manifest(strategy, 'app:2'));
    await eventually(newRollout(first), () => status());
    const arn = status()?.rollout?.serviceDeploymentArn as string;
    await world.api.send('StopServiceDeployment', { serviceDeploymentArn: arn, stopType: 'ROLLBACK' });
    world.sandbox.clock.setSpeed(120);
    await eventually(() => status()?.rollout?.result !== undefined, () => status(), 30_000);
    const record = status();
    expect(record).toMatchObject({ health: 'Degraded', lastApplySucceeded: false, rollout: { source: 'service-deployment', state: 'ROLLBACK_SUCCESSFUL', result: 'rolled_back' } });
    const handAt = record?.rollout?.rolledBackByHandAt;
    expect(handAt).toBe((await deployment(arn))?.rollback?.startedAt?.toISOString());
    expect(record?.lastError).toMatchObject({ code: 'CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND', message: expect.stringContaining(`rolled back by hand at ${handAt}; fix or revert in Git`) });
    expect(await durations('rolled_back')).toBe(1);
    expect(await liveImage()).toBe('app:1');

    // Held: passes go on (Git still says app:2), nothing is deployed.
    const updates = () => world.sandbox.admin.callLog({ accountId: world.accountId }).filter((c) => c.operation === 'UpdateService').length;
    const before = updates();
    controller.setSnapshot(await dir.load(`r${++revision}`));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(updates()).toBe(before);
    expect(status()?.lastError?.code).toBe('CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND');
    expect(await liveImage()).toBe('app:1');

    // A change in Git is applied and followed to the end.
    await deploy(manifest(strategy, 'app:3'));
    await eventually(() => status()?.rollout?.result === 'completed' && status()?.health === 'Healthy', () => status(), 30_000);
    expect(await liveImage()).toBe('app:3');
    expect(status()?.lastError).toBeUndefined();
    expect(status()?.rollout?.rolledBackByHandAt).toBeUndefined();
  });
});
