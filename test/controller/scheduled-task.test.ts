/**
 * The ScheduledTask reconciler through the whole controller, on the in-memory
 * ECS and Scheduler (the narrowest fakes; scheduled-task.sandbox.test.ts runs
 * the real SDK over HTTP): create (group tagged, task definition registered
 * once with a service that declares the same one), no write on a second
 * pass, drift corrected with one UpdateSchedule, detect mode, a group another
 * controller owns, prune only with --prune and under the guards, the status
 * record, the metrics, and the last runs.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createController, type Controller, type ControllerOptions } from '../../src/controller/index.js';
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from '../../src/ecs/ecs-api.js';
import { scheduledTaskIdentity, serviceIdentity } from '../../src/keys/index.js';
import type { DesiredScheduledTask, DesiredService, ManifestSnapshot, ScheduledTaskSpec } from '../../src/manifests/types.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { MemoryEcs } from './support/memory-ecs.js';
import { MemoryScheduler } from './support/memory-scheduler.js';

const REGION = 'eu-west-1';
const GROUP = 'ecs-gitops';

const TASK_DEFINITION = {
  family: 'report', networkMode: 'bridge', containerDefinitions: [{ name: 'app', image: 'busybox:1.36', memory: 128, command: ['run-report'] }],
} as const;

function task(name: string, spec: Partial<ScheduledTaskSpec> = {}, cluster = 'demo'): DesiredScheduledTask {
  const full: ScheduledTaskSpec = {
    schedule: 'cron(0 3 * * ? *)', roleArn: 'arn:aws:iam::123456789012:role/scheduler', launchType: 'EC2',
    taskDefinition: structuredClone(TASK_DEFINITION) as unknown as ScheduledTaskSpec['taskDefinition'], ...spec,
  };
  return {
    key: scheduledTaskIdentity(REGION, cluster, name), region: REGION, cluster, name,
    manifest: { apiVersion: 'ecs-gitops/v1', kind: 'ScheduledTask', metadata: { name, cluster, region: REGION }, spec: full },
    source: { file: `jobs/${name}.yaml`, line: 1, column: 1 }, contentHash: JSON.stringify(full),
  };
}

function service(name: string): DesiredService {
  const spec = { desiredCount: 1, launchType: 'EC2', taskDefinition: structuredClone(TASK_DEFINITION) } as never;
  return {
    key: serviceIdentity(REGION, 'demo', name), region: REGION, cluster: 'demo', name,
    manifest: { apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name, cluster: 'demo', region: REGION }, spec },
    source: { file: `services/${name}.yaml`, line: 1, column: 1 }, contentHash: name,
  };
}

function snapshot(revision: string, tasks: DesiredScheduledTask[], extra: Partial<ManifestSnapshot> = {}): ManifestSnapshot {
  return {
    root: '/m', revision, services: [], clusters: [], scheduledTasks: tasks,
    problems: [], files: [], filesWithProblems: new Set(), blockedKeys: new Set(), ...extra,
  };
}

/** ListTasks / DescribeTasks answered from a list of tasks (MemoryEcs models none). */
function withTasks(inner: EcsApi, tasks: () => ECS.Task[]): EcsApi {
  return {
    send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> {
      if (operation === 'ListTasks') {
        const request = input as EcsInput<'ListTasks'>;
        const stopped = request.desiredStatus === 'STOPPED';
        return Promise.resolve({ taskArns: tasks().filter((t) => (t.lastStatus === 'STOPPED') === stopped).map((t) => t.taskArn ?? '') } as EcsOutput<Op>);
      }
      if (operation === 'DescribeTasks') {
        const arns = (input as EcsInput<'DescribeTasks'>).tasks ?? [];
        return Promise.resolve({ tasks: tasks().filter((t) => arns.includes(t.taskArn ?? '')), failures: [] } as EcsOutput<Op>);
      }
      return inner.send(operation, input, signal);
    },
  };
}

describe('kind: ScheduledTask (in-memory ECS and Scheduler)', () => {
  const controllers: Controller[] = [];
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 50 });
  });

  function world(overrides: Partial<ControllerOptions> = {}, ecsApi?: (ecs: MemoryEcs) => EcsApi) {
    const ecs = new MemoryEcs({ region: REGION });
    ecs.seedCluster('demo');
    const scheduler = new MemoryScheduler({ region: REGION });
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    const controller = createController({
      ecs: ecsApi ? ecsApi(ecs) : ecs, scheduler, metrics, workers: 4, resyncMs: 0, backoffBaseMs: 20, backoffMaxMs: 100, maxRetries: 2,
      followRollouts: false, ...overrides,
    });
    controllers.push(controller);
    return { ecs, scheduler, controller, registry };
  }

  async function settle(controller: Controller, next?: ManifestSnapshot): Promise<void> {
    if (next) controller.setSnapshot(next);
    await controller.waitForIdle({ requeues: true });
  }

  it('creates the tagged group and the schedule, registers the task definition once for a service and the schedule, and writes nothing on the next pass', async () => {
    const { ecs, scheduler, controller } = world();
    await settle(controller, snapshot('rev-1', [task('nightly')], { services: [service('web')] }));

    expect(scheduler.count('CreateScheduleGroup')).toBe(1);
    expect(scheduler.calls.find((c) => c.operation === 'CreateScheduleGroup')?.input).toEqual({ Name: GROUP, Tags: [{ Key: 'ecs-gitops/managed-by', Value: 'ecs-gitops' }] });
    expect(scheduler.count('CreateSchedule')).toBe(1);
    expect(ecs.callsOf('RegisterTaskDefinition')).toHaveLength(1);
    const live = scheduler.schedule(GROUP, 'nightly');
    const registered = ecs.callsOf('RegisterTaskDefinition').length === 1 ? live?.Target?.EcsParameters?.TaskDefinitionArn : undefined;
    expect(registered).toMatch(/task-definition\/report:1$/);
    expect(live?.Target?.Arn).toMatch(/cluster\/demo$/);
    expect(live?.Target?.EcsParameters?.Group).toBe('scheduled-task:nightly');
    expect(ecs.describe('demo', 'web')?.taskDefinition).toBe(registered);

    const record = controller.status.snapshot().scheduledTasks?.[0];
    expect(record).toMatchObject({
      key: scheduledTaskIdentity(REGION, 'demo', 'nightly'), group: GROUP, sync: 'Synced', mode: 'auto', source: 'jobs/nightly.yaml',
      lastAppliedRevision: 'rev-1', lastApplySucceeded: true, diff: [], taskDefinitionArn: registered,
    });
    expect(record?.lastAppliedAt).toBeDefined();
    // cron(0 3 * * ? *): the next 03:00 UTC.
    expect(record?.nextFireAt).toMatch(/T03:00:00\.000Z$/);

    scheduler.reset();
    ecs.clearCalls();
    await controller.resync();
    await settle(controller);
    expect(scheduler.mutatingCalls()).toEqual([]);
    expect(ecs.writes()).toEqual([]);
    expect(controller.status.snapshot().scheduledTasks?.[0]?.sync).toBe('Synced');
  });

  it('corrects a schedule changed outside Git at the next resync with one UpdateSchedule, and an edit in Git with one more', async () => {
    const { scheduler, controller } = world();
    await settle(controller, snapshot('rev-1', [task('nightly')]));
    scheduler.edit(GROUP, 'nightly', { ScheduleExpression: 'rate(5 minutes)', State: 'DISABLED' });
    scheduler.reset();

    await controller.resync();
    await settle(controller);
    expect(scheduler.mutatingCalls()).toEqual(['UpdateSchedule']);
    expect(scheduler.schedule(GROUP, 'nightly')).toMatchObject({ ScheduleExpression: 'cron(0 3 * * ? *)', State: 'ENABLED' });

    scheduler.reset();
    await settle(controller, snapshot('rev-2', [task('nightly', { schedule: 'rate(1 hour)' })]));
    expect(scheduler.mutatingCalls()).toEqual(['UpdateSchedule']);
    expect(scheduler.schedule(GROUP, 'nightly')?.ScheduleExpression).toBe('rate(1 hour)');
    expect(controller.status.snapshot().scheduledTasks?.[0]).toMatchObject({ sync: 'Synced', lastAppliedRevision: 'rev-2' });
  });

  it('sync.mode: detect and a controller in detect mode report the difference and never write', async () => {
    for (const [overrides, spec] of [[{ mode: 'detect' as const }, {}], [{}, { sync: { mode: 'detect' as const } }]] as const) {
      const { ecs, scheduler, controller } = world(overrides);
      await settle(controller, snapshot('rev-1', [task('nightly', spec)]));
      expect(scheduler.mutatingCalls()).toEqual([]);
      expect(ecs.writes()).toEqual([]);
      const record = controller.status.snapshot().scheduledTasks?.[0];
      expect(record).toMatchObject({ sync: 'OutOfSync', mode: 'detect' });
      expect(record?.diff.map((c) => c.pointer)).toEqual(['']);
    }
  });

  it('leaves every schedule of a group another controller owns, saying so with the hint', async () => {
    const { scheduler, controller } = world();
    scheduler.seedGroup(GROUP, { 'ecs-gitops/managed-by': 'other' });
    await settle(controller, snapshot('rev-1', [task('nightly')]));
    expect(scheduler.mutatingCalls()).toEqual([]);
    const record = controller.status.snapshot().scheduledTasks?.[0];
    expect(record?.sync).toBe('OutOfSync');
    expect(record?.lastError?.code).toBe('DIFF_OWNED_BY_OTHER_CONTROLLER');
    expect(record?.lastError?.hint).toBeTruthy();
  });

  it('a blocked file leaves the schedule alone and its record says why', async () => {
    const { scheduler, controller } = world();
    const declared = task('nightly');
    await settle(controller, snapshot('rev-1', [declared]));
    scheduler.reset();
    await settle(controller, snapshot('rev-2', [], { blockedKeys: new Set([declared.key]), problems: [{ code: 'MANIFEST_SCHEMA', file: 'jobs/nightly.yaml', line: 1, column: 1, pointer: '', message: 'bad' }] as never }));
    expect(scheduler.mutatingCalls()).toEqual([]);
    expect(scheduler.schedule(GROUP, 'nightly')).toBeDefined();
    expect(controller.status.snapshot().scheduledTasks?.[0]?.lastError?.code).toBe('CONTROLLER_MANIFEST_BLOCKED');
  });

  it('a schedule that left the manifests is kept (an orphan) without --prune and deleted with it', async () => {
    const kept = world();
    await settle(kept.controller, snapshot('rev-1', [task('nightly'), task('hourly')]));
    kept.scheduler.reset();
    await settle(kept.controller, snapshot('rev-2', [task('hourly')]));
    expect(kept.scheduler.mutatingCalls()).toEqual([]);
    expect(kept.controller.status.snapshot().scheduledTasks?.find((t) => t.name === 'nightly')).toMatchObject({ orphan: true, sync: 'OutOfSync' });

    const pruned = world({ prune: true });
    await settle(pruned.controller, snapshot('rev-1', [task('nightly'), task('hourly')]));
    pruned.scheduler.reset();
    await settle(pruned.controller, snapshot('rev-2', [task('hourly')]));
    expect(pruned.scheduler.mutatingCalls()).toEqual(['DeleteSchedule']);
    expect(pruned.scheduler.schedule(GROUP, 'nightly')).toBeUndefined();
    expect(pruned.controller.status.snapshot().scheduledTasks?.map((t) => t.name)).toEqual(['hourly']);
  });

  it('--prune deletes nothing past the guards: more candidates than --max-prune, or manifests with problems', async () => {
    const { scheduler, controller } = world({ prune: true, maxPrune: 1 });
    await settle(controller, snapshot('rev-1', [task('a'), task('b'), task('keep')]));
    scheduler.reset();
    await settle(controller, snapshot('rev-2', [task('keep')]));
    expect(scheduler.mutatingCalls()).toEqual([]);
    const orphans = controller.status.snapshot().scheduledTasks?.filter((t) => t.orphan) ?? [];
    expect(orphans.map((t) => [t.name, t.lastError?.code])).toEqual([['a', 'DIFF_PRUNE_BLOCKED'], ['b', 'DIFF_PRUNE_BLOCKED']]);

    await settle(controller, snapshot('rev-3', [task('keep'), task('b')], {
      problems: [{ code: 'MANIFEST_SCHEMA', file: 'other.yaml', line: 1, column: 1, pointer: '', message: 'bad' }] as never,
    }));
    expect(scheduler.mutatingCalls()).toEqual([]);
    expect(scheduler.schedule(GROUP, 'a')).toBeDefined();
  });

  it('a schedule moved to another cluster in Git is updated, never pruned', async () => {
    const { ecs, scheduler, controller } = world({ prune: true });
    ecs.seedCluster('batch');
    await settle(controller, snapshot('rev-1', [task('nightly'), task('keep')]));
    scheduler.reset();
    await settle(controller, snapshot('rev-2', [task('nightly', {}, 'batch'), task('keep')]));
    expect(scheduler.mutatingCalls()).toEqual(['UpdateSchedule']);
    expect(scheduler.schedule(GROUP, 'nightly')?.Target?.Arn).toMatch(/cluster\/batch$/);
  });

  it('reads the last runs from the schedule\'s task group and exports the metrics at scrape time', async () => {
    const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 3, minute));
    const tasks: ECS.Task[] = [
      { taskArn: 'arn:t/1', group: 'scheduled-task:nightly', lastStatus: 'STOPPED', startedAt: at(0), stoppedAt: at(1), stoppedReason: 'Essential container in task exited', containers: [{ name: 'app', exitCode: 0 }] },
      { taskArn: 'arn:t/2', group: 'scheduled-task:nightly', lastStatus: 'STOPPED', startedAt: at(10), stoppedAt: at(11), stoppedReason: 'Essential container in task exited', containers: [{ name: 'app', exitCode: 3 }] },
      { taskArn: 'arn:t/3', group: 'service:web', lastStatus: 'STOPPED', startedAt: at(20), containers: [{ name: 'app', exitCode: 0 }] },
    ];
    const { controller, registry } = world({}, (ecs) => withTasks(ecs, () => tasks));
    await settle(controller, snapshot('rev-1', [task('nightly')]));
    const record = controller.status.snapshot().scheduledTasks?.[0];
    expect(record?.lastRuns).toEqual([
      { taskArn: 'arn:t/2', lastStatus: 'STOPPED', startedAt: at(10).toISOString(), stoppedAt: at(11).toISOString(), stoppedReason: 'Essential container in task exited', exitCodes: { app: 3 }, succeeded: false },
      { taskArn: 'arn:t/1', lastStatus: 'STOPPED', startedAt: at(0).toISOString(), stoppedAt: at(1).toISOString(), stoppedReason: 'Essential container in task exited', exitCodes: { app: 0 }, succeeded: true },
    ]);
    const text = await registry.metrics();
    const labels = `account="",region="${REGION}",cluster="demo",scheduled_task="nightly"`;
    expect(text).toContain(`ecs_gitops_scheduled_task_drift{${labels}} 0`);
    expect(text).toContain(`ecs_gitops_scheduled_task_last_apply_success{${labels}} 1`);
    expect(text).toContain(`ecs_gitops_scheduled_task_last_run_success{${labels}} 0`);
    expect(text).toMatch(new RegExp(`ecs_gitops_scheduled_task_next_fire_timestamp_seconds\\{${labels.replace(/[{}]/g, '\\$&')}\\} \\d+`));
    expect(text).toMatch(/ecs_gitops_apply_actions_total\{action="create_schedule",result="success"\} 1/);
  });

  it('a failed CreateSchedule is retried, counted, and shows in status and in last_apply_success', async () => {
    const { scheduler, controller, registry } = world({ maxRetries: 0 });
    const failure = new Error('Rate exceeded');
    failure.name = 'ValidationException';
    Object.assign(failure, { $fault: 'client', $metadata: { httpStatusCode: 400 } });
    scheduler.failNext('CreateSchedule', failure);
    await settle(controller, snapshot('rev-1', [task('nightly')]));
    const record = controller.status.snapshot().scheduledTasks?.[0];
    expect(record).toMatchObject({ sync: 'OutOfSync', lastApplySucceeded: false, lastAttemptedRevision: 'rev-1' });
    expect(record?.lastError?.code).toBe('AWS_INVALID_REQUEST');
    const text = await registry.metrics();
    expect(text).toContain(`ecs_gitops_scheduled_task_last_apply_success{account="",region="${REGION}",cluster="demo",scheduled_task="nightly"} 0`);
    expect(text).toMatch(/ecs_gitops_apply_actions_total\{action="create_schedule",result="error"\} 1/);
  });
});
