/**
 * The Service reconciler following rollouts through ECS's deployments API, one
 * pass at a time. MemoryEcs has no deployments API (like moto: the rolloutState
 * path, which the other reconciler tests cover); DeploymentsLayer adds the
 * narrowest one over it: CreateService/UpdateService/DescribeServices name a
 * service deployment, and DescribeServiceDeployments answers what the test set.
 * The end to end runs against the sandbox are in deployment-strategies.sandbox.test.ts.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { AccessDeniedException } from '@aws-sdk/client-ecs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { defaultPlanner } from '../../src/controller/planner.js';
import { indexSnapshot } from '../../src/controller/reconciler.js';
import { RegionAccessPool } from '../../src/controller/regions.js';
import { ServiceReconciler } from '../../src/controller/service/reconciler.js';
import { StatusStore } from '../../src/controller/status.js';
import { toAwsCallError } from '../../src/ecs/aws-error.js';
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from '../../src/ecs/ecs-api.js';
import { serviceKey } from '../../src/keys/index.js';
import type { DesiredService } from '../../src/manifests/types.js';
import { silentLogger, type Logger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { bindServiceStatusMetrics } from '../../src/observe/service-status-metrics.js';
import { startHttpServer } from '../../src/observe/http-server.js';
import { FakeClock } from '../../src/util/clock.js';
import { seriesOf, valueOf } from '../observe/metric-values.js';
import { manifestDirsForFile, serviceManifest, type ServiceDoc } from './harness.js';
import { MemoryEcs } from './support/memory-ecs.js';
import { snapshotOf } from './support/service-pass.js';

const CLUSTER = 'demo';
const LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function:smoke';

/** The deployments API over MemoryEcs: every create or update starts a service deployment the test moves by hand. */
class DeploymentsLayer implements EcsApi {
  readonly deployments = new Map<string, ECS.ServiceDeployment>();
  readonly current = new Map<string, string>();
  describeCalls = 0;
  /** Thrown by DescribeServiceDeployments (a Region without the API, or no IAM permission). */
  refuse: unknown;
  #next = 0;

  constructor(readonly inner: MemoryEcs, readonly clock: FakeClock) {}

  async send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> {
    if (operation === 'DescribeServiceDeployments') {
      this.describeCalls++;
      if (this.refuse) throw toAwsCallError(this.refuse, 'ecs', operation);
      const arns = (input as ECS.DescribeServiceDeploymentsRequest).serviceDeploymentArns ?? [];
      const found = arns.flatMap((arn) => (this.deployments.has(arn) ? [structuredClone(this.deployments.get(arn) as ECS.ServiceDeployment)] : []));
      return { serviceDeployments: found, failures: [] } as EcsOutput<Op>;
    }
    const out = await this.inner.send(operation, input, signal);
    if (operation === 'CreateService' || operation === 'UpdateService') {
      const service = (out as ECS.CreateServiceResponse).service;
      const name = service?.serviceName ?? '';
      const arn = `arn:aws:ecs:eu-west-1:123456789012:service-deployment/${CLUSTER}/${name}/d${++this.#next}`;
      this.deployments.set(arn, {
        serviceDeploymentArn: arn, status: 'PENDING', createdAt: new Date(this.clock.now()),
        deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 },
      });
      this.current.set(name, arn);
      if (service) service.currentServiceDeployment = arn;
    }
    if (operation === 'DescribeServices') {
      for (const service of (out as ECS.DescribeServicesResponse).services ?? []) {
        const arn = this.current.get(service.serviceName ?? '');
        if (arn) service.currentServiceDeployment = arn;
      }
    }
    return out;
  }

  /** The newest deployment of `name`, changed. */
  set(name: string, fields: Partial<ECS.ServiceDeployment>): string {
    const arn = this.current.get(name) ?? '';
    this.deployments.set(arn, { ...(this.deployments.get(arn) as ECS.ServiceDeployment), ...fields });
    return arn;
  }
}

const nextManifestDir = manifestDirsForFile();

async function manifest(doc: ServiceDoc): Promise<DesiredService> {
  const file = `${doc.name}.yaml`;
  const sub = nextManifestDir();
  await sub.write(file, [serviceManifest(doc)]);
  const snapshot = await sub.load();
  const found = snapshot.services.find((s) => s.source.file === file);
  if (!found) throw new Error(`no service loaded from ${file}`);
  return found;
}

function world(options: { rolloutTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const memory = new MemoryEcs();
  memory.seedCluster(CLUSTER, { capacityProviders: ['FARGATE'] });
  const ecs = new DeploymentsLayer(memory, clock);
  const region = new RegionAccessPool({ ecs, clock, signal: new AbortController().signal, rateLimits: false }).get('eu-west-1');
  const status = new StatusStore();
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  bindServiceStatusMetrics(metrics, status);
  const reconciler = new ServiceReconciler({ clock, planner: defaultPlanner, controllerId: 'ecs-gitops', mode: 'auto', rolloutPollMs: 2000, ...options });
  const warnings: string[] = [];
  const log = Object.assign(Object.create(silentLogger()) as Logger, { warn: (_fields: unknown, message: string) => { warnings.push(message); } });
  const pass = async (desired: DesiredService, revision = 'rev-1') => {
    const outcome = await reconciler.reconcile(serviceKey(desired.region, desired.cluster, desired.name), {
      desired: indexSnapshot(snapshotOf([desired], revision)), revision, region, signal: new AbortController().signal, status: status.get(desired.key), log,
    });
    if (outcome.status) status.apply(desired.key, outcome.status);
    return outcome;
  };
  const writes = () => memory.writes().map((c) => c.operation);
  return { clock, memory, ecs, status, registry, pass, warnings, writes };
}

describe('rollouts followed through the deployments API', () => {
  it('reads the service deployment the apply named, once per pass while following and never after; judges and reports from it', async () => {
    const w = world();
    const desired = await manifest({ name: 'web' });
    const started = await w.pass(desired);
    expect(started.result).toBe('requeue');
    const arn = w.ecs.current.get('web');
    expect(w.status.get(desired.key)?.rollout).toMatchObject({ strategy: 'ROLLING', source: 'service-deployment', serviceDeploymentArn: arn, state: 'PENDING' });
    expect(w.ecs.describeCalls).toBe(0);

    // Waiting on a PAUSE hook after test traffic moved: Progressing, and the status says where and since when.
    await w.clock.advance(30_000);
    w.ecs.set('web', {
      status: 'IN_PROGRESS', startedAt: new Date(w.clock.now() - 20_000), lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      lifecycleHookDetails: [{ hookId: 'approve', targetType: 'PAUSE', status: 'AWAITING_ACTION' }],
      targetServiceRevision: { requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0, requestedTestTrafficWeight: 100, requestedProductionTrafficWeight: 0 },
    });
    const paused = await w.pass(desired);
    expect(w.ecs.describeCalls).toBe(1);
    expect(paused.result).toBe('requeue');
    const record = w.status.get(desired.key);
    expect(record?.health).toBe('Progressing');
    expect(record?.rollout).toMatchObject({
      strategy: 'BLUE_GREEN', source: 'service-deployment', state: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      testTrafficPercent: 100, productionTrafficPercent: 0, runningCount: 2,
      waitingForApproval: { stage: 'POST_TEST_TRAFFIC_SHIFT', hookId: 'approve', since: new Date(w.clock.now()).toISOString() },
    });
    const labels = { account: '', region: 'eu-west-1', cluster: CLUSTER, service: 'web' };
    expect(await valueOf(w.registry, 'ecs_gitops_rollout_stage', { ...labels, stage: 'POST_TEST_TRAFFIC_SHIFT' })).toBe(1);
    expect(await valueOf(w.registry, 'ecs_gitops_rollout_waiting_for_approval_since_seconds', labels)).toBe(w.clock.now() / 1000);

    // The rolloutState (MemoryEcs: still IN_PROGRESS) is not what decides: SUCCESSFUL does.
    await w.clock.advance(60_000);
    w.ecs.set('web', { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP', lifecycleHookDetails: [], finishedAt: new Date(w.clock.now()) });
    const done = await w.pass(desired);
    expect(w.ecs.describeCalls).toBe(2);
    expect(done.rollout).toBe('completed');
    expect(w.status.get(desired.key)).toMatchObject({ health: 'Healthy', lastApplySucceeded: true, rollout: { state: 'SUCCESSFUL', result: 'completed' } });
    expect(w.status.get(desired.key)?.rollout?.waitingForApproval).toBeUndefined();
    // ECS's startedAt..finishedAt: 20 s before the pause was seen, to 60 s after it.
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'completed' })).toBe(1);
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_sum', { result: 'completed' })).toBe(80);
    expect(await seriesOf(w.registry, 'ecs_gitops_rollout_stage')).toEqual([]);
    expect(await seriesOf(w.registry, 'ecs_gitops_rollout_waiting_for_approval_since_seconds')).toEqual([]);

    // Nobody follows it now: no more deployment reads, and the finished rollout stays in status, observed once.
    w.memory.completeRollout(CLUSTER, 'web');
    for (let i = 0; i < 3; i++) await w.pass(desired);
    expect(w.ecs.describeCalls).toBe(2);
    expect(w.status.get(desired.key)?.rollout?.result).toBe('completed');
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'completed' })).toBe(1);
  });

  it('status.rollout is what /api/v1/services shows, reason included', async () => {
    const w = world();
    const desired = await manifest({ name: 'web' });
    await w.pass(desired);
    w.ecs.set('web', { status: 'ROLLBACK_IN_PROGRESS', startedAt: new Date(w.clock.now()), deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3 } });
    await w.pass(desired);
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, registry: w.registry, status: w.status, readiness: () => ({ ready: true, reasons: [] }) });
    try {
      const body = await (await fetch(`${server.url}/api/v1/services/eu-west-1/${CLUSTER}/web`)).json() as { rollout?: Record<string, unknown> };
      expect(body.rollout).toMatchObject({
        strategy: 'BLUE_GREEN', source: 'service-deployment', serviceDeploymentArn: w.ecs.current.get('web'), state: 'ROLLBACK_IN_PROGRESS',
        reason: 'rolling back: the deployment circuit breaker triggered (3 failed tasks)',
      });
    } finally {
      await server.close();
    }
  });

  it('never times out a rollout waiting for approval, nor counts the wait once it is continued: an hour paused, then SUCCESSFUL completes', async () => {
    const w = world({ rolloutTimeoutMs: 60_000 });
    const desired = await manifest({ name: 'web' });
    await w.pass(desired);
    // Past the 60 s timeout, within it plus the 5 minutes of bake time: still followed.
    w.ecs.set('web', { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' });
    await w.clock.advance(180_000);
    expect((await w.pass(desired)).rollout).toBeUndefined();
    expect(w.status.get(desired.key)?.health).toBe('Progressing');
    w.ecs.set('web', { status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [{ hookId: 'approve', targetType: 'PAUSE', status: 'AWAITING_ACTION' }] });
    await w.clock.advance(2_000);
    expect((await w.pass(desired)).rollout).toBeUndefined();
    await w.clock.advance(3_600_000);
    expect((await w.pass(desired)).rollout).toBeUndefined();
    expect(w.status.get(desired.key)?.health).toBe('Progressing');

    // Continued after an hour: the hour waited is not counted (182 s of 60 s + 5 minutes of bake time are used).
    w.ecs.set('web', { lifecycleStage: 'BAKE_TIME', lifecycleHookDetails: [{ hookId: 'approve', targetType: 'PAUSE', status: 'SUCCEEDED' }] });
    await w.clock.advance(2_000);
    expect((await w.pass(desired)).rollout).toBeUndefined();
    expect(w.status.get(desired.key)).toMatchObject({ health: 'Progressing', rollout: { lifecycleStage: 'BAKE_TIME' } });
    await w.clock.advance(60_000);
    w.ecs.set('web', { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP', finishedAt: new Date(w.clock.now()) });
    const done = await w.pass(desired);
    expect(done.rollout).toBe('completed');
    expect(w.status.get(desired.key)).toMatchObject({ health: 'Healthy', lastApplySucceeded: true, rollout: { state: 'SUCCESSFUL', result: 'completed' } });
    expect((await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'timed_out' })) ?? 0).toBe(0);
  });

  it('the clock still counts outside hook waits: a Lambda hook answering IN_PROGRESS waits, LINEAR step bakes are budgeted, then the rollout times out', async () => {
    const w = world({ rolloutTimeoutMs: 60_000 });
    const desired = await manifest({ name: 'web' });
    await w.pass(desired);
    // LINEAR, 25% steps baking 2 minutes each: 60 s + 1 minute of bake time + 4 x 2 minutes = 600 s of budget.
    w.ecs.set('web', {
      status: 'IN_PROGRESS', lifecycleStage: 'PRE_SCALE_UP',
      deploymentConfiguration: { strategy: 'LINEAR', bakeTimeInMinutes: 1, linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 } },
      lifecycleHookDetails: [{ hookId: 'smoke', targetType: 'AWS_LAMBDA', targetArn: LAMBDA, status: 'IN_PROGRESS' }],
    });
    await w.clock.advance(2_000);
    await w.pass(desired);
    // The Lambda hook keeps answering IN_PROGRESS for 20 minutes: not timed out, and not counted afterwards.
    await w.clock.advance(1_200_000);
    expect((await w.pass(desired)).rollout).toBeUndefined();
    w.ecs.set('web', { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', lifecycleHookDetails: [{ hookId: 'smoke', targetType: 'AWS_LAMBDA', targetArn: LAMBDA, status: 'SUCCEEDED' }] });
    await w.clock.advance(2_000);
    expect((await w.pass(desired)).rollout).toBeUndefined();
    // The wait counts from the pass that saw it to the pass that saw it end (1202 s); 2 s ran before it.
    // 540 s more is within the 600 s budget, 60 s beyond it is not.
    await w.clock.advance(540_000);
    expect((await w.pass(desired)).rollout).toBeUndefined();
    expect(w.status.get(desired.key)?.health).toBe('Progressing');
    await w.clock.advance(60_000);
    const timedOut = await w.pass(desired);
    expect(timedOut.rollout).toBe('timed_out');
    expect(w.status.get(desired.key)).toMatchObject({ health: 'Degraded', lastError: { code: 'CONTROLLER_ROLLOUT_TIMED_OUT' }, rollout: { result: 'timed_out' } });
    expect(w.status.get(desired.key)?.lastError?.message).toContain('did not finish in 600 s, not counting 1202 s waiting on lifecycle hooks');
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'timed_out' })).toBe(1);
  });

  it('a newer manifest supersedes a paused rollout: when its UpdateService fails, status.rollout ends as superseded and the rollout gauges go', async () => {
    const w = world();
    const first = await manifest({ name: 'web', image: 'nginx:1.27' });
    await w.pass(first);
    w.ecs.set('web', { status: 'SUCCESSFUL', startedAt: new Date(w.clock.now()), finishedAt: new Date(w.clock.now()) });
    w.memory.completeRollout(CLUSTER, 'web');
    await w.pass(first);
    const paused = await manifest({ name: 'web', image: 'nginx:1.28' });
    await w.pass(paused, 'rev-2');
    w.ecs.set('web', {
      status: 'IN_PROGRESS', startedAt: new Date(w.clock.now()), lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      lifecycleHookDetails: [{ hookId: 'approve', targetType: 'PAUSE', status: 'AWAITING_ACTION' }],
    });
    await w.clock.advance(2_000);
    await w.pass(paused, 'rev-2');
    const labels = { account: '', region: 'eu-west-1', cluster: CLUSTER, service: 'web' };
    expect(await valueOf(w.registry, 'ecs_gitops_rollout_waiting_for_approval_since_seconds', labels)).toBe(w.clock.now() / 1000);
    const completedBefore = await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'completed' });

    // The next manifest's UpdateService fails: nothing new is followed, and the old rollout must not look paused forever.
    w.memory.failNext('UpdateService', Object.assign(new Error('service unavailable'), { name: 'ServerException', $metadata: { httpStatusCode: 500 } }));
    await w.clock.advance(2_000);
    const next = await manifest({ name: 'web', image: 'nginx:1.29' });
    const failed = await w.pass(next, 'rev-3');
    expect(failed.result).toBe('error');
    const record = w.status.get(next.key);
    expect(record?.rollout).toMatchObject({ state: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', result: 'superseded', finishedAt: new Date(w.clock.now()).toISOString() });
    expect(record?.rollout?.waitingForApproval).toBeUndefined();
    expect(await seriesOf(w.registry, 'ecs_gitops_rollout_waiting_for_approval_since_seconds')).toEqual([]);
    expect(await seriesOf(w.registry, 'ecs_gitops_rollout_stage')).toEqual([]);
    // Not a deployment result: the duration histogram has no superseded series and nothing new observed.
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'superseded' })).toBeUndefined();
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'completed' })).toBe(completedBefore);
  });

  it('a hook that failed: ROLLBACK_SUCCESSFUL is Degraded naming the stage and hook, and the content is held', async () => {
    const w = world();
    const first = await manifest({ name: 'web', image: 'nginx:1.27' });
    await w.pass(first);
    w.ecs.set('web', { status: 'SUCCESSFUL', startedAt: new Date(w.clock.now()), finishedAt: new Date(w.clock.now()) });
    w.memory.completeRollout(CLUSTER, 'web');
    await w.pass(first);
    const next = await manifest({ name: 'web', image: 'nginx:1.28' });
    expect((await w.pass(next, 'rev-2')).applied).toContain('updateService');

    w.ecs.set('web', { status: 'ROLLBACK_IN_PROGRESS', startedAt: new Date(w.clock.now()), lifecycleStage: 'POST_SCALE_UP',
      lifecycleHookDetails: [{ hookId: 'h1', targetType: 'AWS_LAMBDA', targetArn: LAMBDA, status: 'FAILED' }] });
    await w.pass(next, 'rev-2');
    expect(w.status.get(next.key)).toMatchObject({ health: 'Progressing', rollout: { state: 'ROLLBACK_IN_PROGRESS' } });

    await w.clock.advance(45_000);
    w.ecs.set('web', { status: 'ROLLBACK_SUCCESSFUL', finishedAt: new Date(w.clock.now()) });
    w.memory.failRollout(CLUSTER, 'web', { rollback: true });
    const failed = await w.pass(next, 'rev-2');
    expect(failed.rollout).toBe('failed');
    const record = w.status.get(next.key);
    expect(record).toMatchObject({ health: 'Degraded', lastApplySucceeded: false, rollout: { state: 'ROLLBACK_SUCCESSFUL', result: 'rolled_back' } });
    expect(record?.lastError?.code).toBe('CONTROLLER_ROLLOUT_FAILED');
    expect(record?.lastError?.message).toContain(`rolled back: lifecycle hook ${LAMBDA} failed at POST_SCALE_UP`);
    expect(record?.rollout?.rolledBackByHandAt).toBeUndefined();
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'rolled_back' })).toBe(1);

    w.memory.clearCalls();
    for (let i = 0; i < 2; i++) await w.pass(next, 'rev-2');
    expect(w.writes()).toEqual([]);
    expect(w.status.get(next.key)?.health).toBe('Degraded');
  });

  it('rolled back by hand (StopServiceDeployment ROLLBACK): held with CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND until the manifest changes', async () => {
    const w = world();
    const first = await manifest({ name: 'web', image: 'nginx:1.27' });
    await w.pass(first);
    w.ecs.set('web', { status: 'SUCCESSFUL', startedAt: new Date(w.clock.now()), finishedAt: new Date(w.clock.now()) });
    w.memory.completeRollout(CLUSTER, 'web');
    await w.pass(first);
    const next = await manifest({ name: 'web', image: 'nginx:1.28' });
    await w.pass(next, 'rev-2');

    const stoppedAt = new Date(w.clock.now() + 5_000);
    w.ecs.set('web', {
      status: 'ROLLBACK_SUCCESSFUL', startedAt: new Date(w.clock.now()), finishedAt: new Date(w.clock.now() + 20_000), lifecycleStage: 'BAKE_TIME', stoppedAt,
      deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 0 }, rollback: { reason: 'StopServiceDeployment', startedAt: stoppedAt },
    });
    w.memory.failRollout(CLUSTER, 'web', { rollback: true });
    await w.clock.advance(30_000);
    await w.pass(next, 'rev-2');
    const record = w.status.get(next.key);
    expect(record).toMatchObject({ health: 'Degraded', sync: 'OutOfSync', lastApplySucceeded: false, rollout: { result: 'rolled_back', rolledBackByHandAt: stoppedAt.toISOString() } });
    expect(record?.lastError).toMatchObject({
      code: 'CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND', message: expect.stringContaining(`rolled back by hand at ${stoppedAt.toISOString()}; fix or revert in Git`),
    });

    // Held: Git still says nginx:1.28, but it is not applied again.
    w.memory.clearCalls();
    for (let i = 0; i < 3; i++) expect((await w.pass(next, 'rev-2')).applied).toBeUndefined();
    expect(w.writes()).toEqual([]);
    expect(w.status.get(next.key)?.lastError?.code).toBe('CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND');

    // A change in Git releases it.
    const fixed = await manifest({ name: 'web', image: 'nginx:1.29' });
    expect((await w.pass(fixed, 'rev-3')).applied).toContain('updateService');
  });

  it('where the deployments API is refused: the rolloutState decides, one warning, and no more asking for 15 minutes', async () => {
    const w = world();
    w.ecs.refuse = new AccessDeniedException({ message: 'not authorized to perform: ecs:DescribeServiceDeployments', $metadata: { httpStatusCode: 400 } });
    const desired = await manifest({ name: 'web' });
    await w.pass(desired);
    for (let i = 0; i < 3; i++) {
      await w.clock.advance(2_000);
      expect((await w.pass(desired)).result).toBe('requeue');
    }
    expect(w.ecs.describeCalls).toBe(1);
    expect(w.warnings.filter((m) => m.includes('deployments API'))).toHaveLength(1);
    expect(w.status.get(desired.key)?.rollout).toMatchObject({ source: 'rollout-state', state: 'IN_PROGRESS' });

    w.memory.completeRollout(CLUSTER, 'web');
    const done = await w.pass(desired);
    expect(done.rollout).toBe('completed');
    expect(w.status.get(desired.key)).toMatchObject({ health: 'Healthy', rollout: { source: 'rollout-state', result: 'completed' } });
    expect(await valueOf(w.registry, 'ecs_gitops_deployment_duration_seconds_count', { result: 'completed' })).toBe(1);
    expect(w.ecs.describeCalls).toBe(1);

    // Later, a new rollout asks again (the permission may have been granted meanwhile).
    await w.clock.advance(16 * 60_000);
    w.ecs.refuse = undefined;
    await w.pass(await manifest({ name: 'web', image: 'nginx:1.28' }), 'rev-2');
    await w.pass(await manifest({ name: 'web', image: 'nginx:1.28' }), 'rev-2');
    expect(w.ecs.describeCalls).toBe(2);
  });
});
