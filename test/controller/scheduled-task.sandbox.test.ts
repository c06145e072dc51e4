/**
 * kind: ScheduledTask against the sandbox over HTTP with the real SDKs (ECS
 * and EventBridge Scheduler), from manifest files through the loader: the
 * schedule is created in the controller's tagged group, the sandbox fires it
 * on its clock and the run (exit code included) shows in status; an edit is
 * one UpdateSchedule; a schedule that left the manifests is kept without
 * --prune and deleted with it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller, ControllerOptions } from '../../src/controller/index.js';
import { MUTATING_SCHEDULER_OPERATIONS, type SchedulerApi, type SchedulerOperation } from '../../src/scheduler/scheduler-api.js';
import { createSdkSchedulerApi } from '../../src/scheduler/scheduler-sdk-adapter.js';
import { scheduledTaskIdentity } from '../../src/keys/index.js';
import { systemClock } from '../../src/util/clock.js';
import { ManifestDir, REGION, SCHEDULED_TASK_IMAGE, controllerFor, eventually, sandboxWorld, scheduledTaskManifest, serviceManifest, type SandboxWorld } from './harness.js';


/** Every Scheduler call, by operation. */
function counted(inner: SchedulerApi): { api: SchedulerApi; calls: SchedulerOperation[]; mutating: () => SchedulerOperation[] } {
  const calls: SchedulerOperation[] = [];
  return {
    calls,
    mutating: () => calls.filter((op) => MUTATING_SCHEDULER_OPERATIONS.has(op)),
    api: {
      send(operation, input, signal) {
        calls.push(operation);
        return inner.send(operation, input, signal);
      },
    },
  };
}

describe('kind: ScheduledTask against the sandbox', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let scheduler: ReturnType<typeof counted>;
  let destroy: () => void;
  const controllers: Controller[] = [];

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
    const config = world.sandbox.clientConfig({ accountId: world.accountId, region: REGION });
    const { api, client } = createSdkSchedulerApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
    scheduler = counted(api);
    destroy = () => client.destroy();
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    destroy();
    await world.sandbox.close();
    await dir.dispose();
  });

  function controller(overrides: Partial<ControllerOptions> = {}): Controller {
    const c = controllerFor(world.controllerApi, { scheduler: scheduler.api, ...overrides });
    controllers.push(c);
    return c;
  }

  async function pass(c: Controller, revision?: string): Promise<void> {
    if (revision) c.setSnapshot(await dir.load(revision));
    else await c.resync();
    await c.waitForIdle({ requeues: true });
  }

  it('creates the schedule in the tagged group, writes nothing on the next pass, and reports the runs the sandbox fires', async () => {
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report')]);
    const c = controller();
    await pass(c, 'rev-1');
    expect(scheduler.mutating()).toEqual(['CreateScheduleGroup', 'CreateSchedule']);
    const group = await scheduler.api.send('GetScheduleGroup', { Name: 'ecs-gitops' });
    expect((await scheduler.api.send('ListTagsForResource', { ResourceArn: group.Arn ?? '' })).Tags).toEqual([{ Key: 'ecs-gitops/managed-by', Value: 'ecs-gitops' }]);
    const live = await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' });
    expect(live.Target?.EcsParameters?.TaskDefinitionArn).toMatch(/task-definition\/report:1$/);
    expect(c.status.snapshot().scheduledTasks).toEqual([expect.objectContaining({
      key: scheduledTaskIdentity(REGION, 'demo', 'report'), sync: 'Synced', source: 'jobs/report.yaml', lastAppliedRevision: 'rev-1', diff: [],
    })]);

    scheduler.calls.length = 0;
    world.counter.reset();
    await pass(c);
    expect(scheduler.mutating()).toEqual([]);
    expect(world.counter.mutatingCalls()).toBe(0);

    // Two simulated minutes: the schedule fires, its task runs 5 s and exits 0.
    world.sandbox.clock.advance(120_000);
    await eventually(async () => {
      world.sandbox.clock.advance(10_000);
      await pass(c);
      return c.status.snapshot().scheduledTasks?.[0]?.lastRuns?.some((r) => r.succeeded === true) === true;
    }, () => c.status.snapshot().scheduledTasks);
    const run = c.status.snapshot().scheduledTasks?.[0]?.lastRuns?.find((r) => r.succeeded === true);
    expect(run).toMatchObject({ lastStatus: 'STOPPED', exitCodes: { app: 0 } });

    // The job starts failing: the latest run says so.
    world.sandbox.admin.setImageExit(SCHEDULED_TASK_IMAGE, { exitCode: 3, afterSeconds: 2 });
    await eventually(async () => {
      world.sandbox.clock.advance(70_000);
      await pass(c);
      return c.status.snapshot().scheduledTasks?.[0]?.lastRuns?.find((r) => r.lastStatus === 'STOPPED')?.succeeded === false;
    }, () => c.status.snapshot().scheduledTasks);
    expect(c.status.snapshot().scheduledTasks?.[0]?.lastRuns?.find((r) => r.lastStatus === 'STOPPED')?.exitCodes).toEqual({ app: 3 });
  });

  it('an edit is one UpdateSchedule; a schedule removed from Git is kept without --prune and deleted with it', async () => {
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report')]);
    await dir.write('jobs/cleanup.yaml', [scheduledTaskManifest('cleanup', { schedule: 'cron(0 4 * * ? *)' })]);
    const c = controller();
    await pass(c, 'rev-1');

    scheduler.calls.length = 0;
    world.counter.reset();
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report', { schedule: 'rate(5 minutes)' })]);
    await pass(c, 'rev-2');
    expect(scheduler.mutating()).toEqual(['UpdateSchedule']);
    expect(world.counter.mutatingCalls()).toBe(0);
    expect((await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).ScheduleExpression).toBe('rate(5 minutes)');

    scheduler.calls.length = 0;
    await dir.remove('jobs/cleanup.yaml');
    await pass(c, 'rev-3');
    expect(scheduler.mutating()).toEqual([]);
    expect(c.status.snapshot().scheduledTasks?.find((t) => t.name === 'cleanup')).toMatchObject({ orphan: true, sync: 'OutOfSync' });

    const pruning = controller({ prune: true });
    await pass(pruning, 'rev-3');
    expect(scheduler.mutating()).toEqual(['DeleteSchedule']);
    await expect(scheduler.api.send('GetSchedule', { Name: 'cleanup', GroupName: 'ecs-gitops' })).rejects.toMatchObject({ code: 'AWS_SCHEDULER_NOT_FOUND' });
    expect(pruning.status.snapshot().scheduledTasks?.map((t) => t.name)).toEqual(['report']);
  });

  it('drift: a schedule changed outside Git is put back at the next resync', async () => {
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report')]);
    const c = controller();
    await pass(c, 'rev-1');
    const live = await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' });
    await scheduler.api.send('UpdateSchedule', {
      Name: 'report', GroupName: 'ecs-gitops', ScheduleExpression: 'rate(2 hours)', FlexibleTimeWindow: { Mode: 'OFF' }, State: 'DISABLED',
      ...(live.Target ? { Target: live.Target } : {}),
    } as never);
    scheduler.calls.length = 0;
    await pass(c);
    expect(scheduler.mutating()).toEqual(['UpdateSchedule']);
    expect(await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
  });

  it('a restarted controller lists the group of a Region whose last scheduled task left: orphan without --prune, DeleteSchedule with it', async () => {
    // The Region keeps a service (detect mode: nothing written for it) but no scheduled task any more.
    await dir.write('web.yaml', [serviceManifest({ name: 'web', mode: 'detect' })]);
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report')]);
    await pass(controller(), 'rev-1');
    await dir.remove('jobs/report.yaml');

    scheduler.calls.length = 0;
    const restarted = controller();
    await pass(restarted, 'rev-2');
    expect(scheduler.calls).toContain('ListSchedules');
    expect(scheduler.mutating()).toEqual([]);
    expect(restarted.status.snapshot().scheduledTasks).toEqual([expect.objectContaining({ name: 'report', orphan: true, sync: 'OutOfSync' })]);

    const pruning = controller({ prune: true });
    await pass(pruning, 'rev-2');
    expect(scheduler.mutating()).toEqual(['DeleteSchedule']);
    await expect(scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).rejects.toMatchObject({ code: 'AWS_SCHEDULER_NOT_FOUND' });
    expect(pruning.status.snapshot().scheduledTasks ?? []).toEqual([]);
  });

  it('a ScheduledTask moved to another cluster leaves no orphan record of its old key, and its schedule is not deleted', async () => {
    world.sandbox.admin.seed({ accounts: [{ accountId: world.accountId, region: REGION, clusters: [{ name: 'batch', capacityProviders: ['FARGATE'] }] }] });
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report')]);
    const c = controller({ prune: true });
    await pass(c, 'rev-1');
    const moved = scheduledTaskManifest('report');
    (moved.metadata as Record<string, unknown>).cluster = 'batch';
    await dir.write('jobs/report.yaml', [moved]);
    scheduler.calls.length = 0;
    await pass(c, 'rev-2');
    expect(scheduler.mutating()).toEqual(['UpdateSchedule']);
    expect((await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).Target?.Arn).toMatch(/cluster\/batch$/);
    expect(c.status.snapshot().scheduledTasks).toEqual([expect.objectContaining({
      key: scheduledTaskIdentity(REGION, 'batch', 'report'), sync: 'Synced',
    })]);
  });

  it('a deregistered (INACTIVE) revision behind the schedule is drift: an ACTIVE one is registered and the schedule updated', async () => {
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report')]);
    const c = controller();
    await pass(c, 'rev-1');
    const first = (await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).Target?.EcsParameters?.TaskDefinitionArn ?? '';
    world.sandbox.call('DeregisterTaskDefinition', { taskDefinition: first }, { accountId: world.accountId, region: REGION, api: 'ecs' });

    scheduler.calls.length = 0;
    world.counter.reset();
    await pass(c);
    expect(world.counter.mutatingCalls()).toBe(1);
    expect(scheduler.mutating()).toEqual(['UpdateSchedule']);
    const now = (await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).Target?.EcsParameters?.TaskDefinitionArn ?? '';
    expect(now).not.toBe(first);
    expect((await world.api.send('DescribeTaskDefinition', { taskDefinition: now })).taskDefinition?.status).toBe('ACTIVE');
    expect(c.status.snapshot().scheduledTasks?.[0]).toMatchObject({ sync: 'Synced', taskDefinitionArn: now });

    scheduler.calls.length = 0;
    world.counter.reset();
    await pass(c);
    expect(scheduler.mutating()).toEqual([]);
    expect(world.counter.mutatingCalls()).toBe(0);
  });

  it('a startDate already past is not sent (Scheduler refuses one more than 5 minutes ago) and is no drift on the next pass', async () => {
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report', { startDate: '2020-01-01T00:00:00Z' })]);
    const c = controller();
    await pass(c, 'rev-1');
    expect(scheduler.mutating()).toEqual(['CreateScheduleGroup', 'CreateSchedule']);
    expect(c.status.snapshot().scheduledTasks?.[0]).toMatchObject({ sync: 'Synced', diff: [] });
    expect((await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).StartDate).toBeUndefined();

    scheduler.calls.length = 0;
    await pass(c);
    expect(scheduler.mutating()).toEqual([]);
    expect(c.status.snapshot().scheduledTasks?.[0]).toMatchObject({ sync: 'Synced', diff: [] });
  });

  it('nextFireAt of a rate() counts from the last update, as Scheduler (and the sandbox) restart the period', async () => {
    // The controller reads the sandbox's clock, stopped, so both compute from the same instants.
    world.sandbox.clock.setSpeed(0);
    const simulated = { now: () => world.sandbox.clock.now(), setTimer: systemClock.setTimer };
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report', { schedule: 'rate(1 hour)' })]);
    const c = controller({ clock: simulated });
    await pass(c, 'rev-1');
    const sandboxNext = () => world.sandbox.admin.schedules({ accountId: world.accountId, region: REGION }).find((s) => s.name === 'report')?.nextFireAt;
    const statusNext = () => Date.parse(c.status.snapshot().scheduledTasks?.[0]?.nextFireAt ?? '');
    expect(statusNext()).toBe(sandboxNext());

    world.sandbox.clock.advance(25 * 60_000);
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report', { schedule: 'rate(1 hour)', description: 'hourly' })]);
    scheduler.calls.length = 0;
    await pass(c, 'rev-2');
    expect(scheduler.mutating()).toEqual(['UpdateSchedule']);
    expect(statusNext()).toBe(sandboxNext());

    // The next resync reads LastModificationDate: still the sandbox's time.
    await pass(c);
    expect(scheduler.mutating()).toEqual(['UpdateSchedule']);
    expect(statusNext()).toBe(sandboxNext());
  });

  it('a schedule with every field round-trips through the sandbox: the next pass finds nothing to change', async () => {
    await dir.write('jobs/full.yaml', [scheduledTaskManifest('full', {
      schedule: 'cron(15 3 ? * MON-FRI *)', timezone: 'Europe/Paris',
      startDate: '2035-01-01T00:00:00+01:00', endDate: '2036-06-30T23:59:59Z',
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 15 },
      state: 'ENABLED', description: 'every field',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
      deadLetterConfig: { arn: 'arn:aws:sqs:eu-west-1:123456789012:report-dlq' },
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 1 }],
      platformVersion: 'LATEST',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-2', 'sg-1'], assignPublicIp: 'ENABLED' } },
      taskCount: 2, group: 'nightly', propagateTags: 'TASK_DEFINITION', enableECSManagedTags: true, enableExecuteCommand: true,
      referenceId: 'ref-1',
      placementConstraints: [{ type: 'distinctInstance' }],
      placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
      overrides: { containerOverrides: [{ name: 'app', command: ['run-report', '--full'], environment: [{ name: 'MODE', value: 'full' }] }], cpu: '256' },
      tags: { team: 'data', env: 'prod' },
    })]);
    const c = controller();
    await pass(c, 'rev-1');
    expect(scheduler.mutating()).toEqual(['CreateScheduleGroup', 'CreateSchedule']);
    expect(c.status.snapshot().scheduledTasks?.[0]).toMatchObject({ sync: 'Synced', lastError: undefined });
    const live = await scheduler.api.send('GetSchedule', { Name: 'full', GroupName: 'ecs-gitops' });
    expect(live).toMatchObject({
      ScheduleExpressionTimezone: 'Europe/Paris', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      StartDate: new Date('2034-12-31T23:00:00Z'), EndDate: new Date('2036-06-30T23:59:59Z'),
      Target: expect.objectContaining({ DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:report-dlq' }, RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 } }),
    });

    scheduler.calls.length = 0;
    world.counter.reset();
    await pass(c);
    expect(scheduler.mutating()).toEqual([]);
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(c.status.snapshot().scheduledTasks?.[0]).toMatchObject({ sync: 'Synced', diff: [] });
  });

  it('a task definition a Service and a ScheduledTask both declare is registered once', async () => {
    const taskDefinition = {
      family: 'shared', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'app', image: SCHEDULED_TASK_IMAGE, command: ['serve'] }],
    };
    const service = serviceManifest({ name: 'web', desiredCount: 1 });
    (service.spec as Record<string, unknown>).taskDefinition = taskDefinition;
    await dir.write('web.yaml', [service]);
    await dir.write('jobs/report.yaml', [scheduledTaskManifest('report', { taskDefinition })]);
    world.counter.reset();
    const c = controller();
    await pass(c, 'rev-1');
    expect(world.counter.count('RegisterTaskDefinition')).toBe(1);
    const scheduled = (await scheduler.api.send('GetSchedule', { Name: 'report', GroupName: 'ecs-gitops' })).Target?.EcsParameters?.TaskDefinitionArn;
    const running = (await world.api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0]?.taskDefinition;
    expect(scheduled).toMatch(/task-definition\/shared:1$/);
    expect(running).toBe(scheduled);
  });
});
