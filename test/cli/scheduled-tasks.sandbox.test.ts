/**
 * `diff`, `sync` and `export` with `kind: ScheduledTask` manifests, the CLI
 * in-process against the sandbox over HTTP with the real SDKs: diff prints a
 * missing schedule, then a changed field, counts them in its JSON summary and
 * exits 2; sync creates and updates the schedule with exactly the matching
 * calls and lists it; export writes a manifest for the schedule that reads
 * back in sync, and refuses to overwrite it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REGION, serviceManifest } from '../controller/harness.js';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import { createSdkSchedulerApi } from '../../src/scheduler/scheduler-sdk-adapter.js';
import { runCliCaptured } from '../support/run-cli.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const ACCOUNT = '421098765433';
const KEY = `scheduled-task:${REGION}/demo/report`;
const SCHEDULER_WRITES = ['CreateScheduleGroup', 'CreateSchedule', 'UpdateSchedule', 'DeleteSchedule'];

function job(schedule: string): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1', kind: 'ScheduledTask', metadata: { name: 'report', cluster: 'demo' },
    spec: {
      schedule, timezone: 'Europe/Paris',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/ecs-scheduler/report`,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
      taskDefinition: {
        family: 'report', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: 'busybox:1.36', command: ['run-report'] }],
      },
    },
  };
}

interface DiffJsonOutput {
  summary: { scheduledTasks: { total: number; inSync: number; outOfSync: number; missing: number } };
  scheduledTasks: { key: string; status: string; action: string; changes: { pointer: string; desired: unknown; live: unknown; scope: string }[] }[];
}

describe('diff, sync and export with kind: ScheduledTask (sandbox)', () => {
  let setup: CliSandbox;
  let run: (argv: readonly string[]) => ReturnType<typeof runCliCaptured>;
  const writes = () => Object.fromEntries(SCHEDULER_WRITES.map((op) => [op, setup.sandbox.admin.callCounts(ACCOUNT)[op] ?? 0]));

  beforeEach(async () => {
    setup = await startCliSandbox(ACCOUNT);
    run = (argv) => runCliCaptured(argv, { env: setup.env, cwd: setup.dir.root });
  });
  afterEach(() => setup.close());

  it('diff shows the missing schedule, sync creates it, diff is then clean; a changed expression is one UpdateSchedule', async () => {
    await setup.dir.write('jobs/report.yaml', [job('cron(0 3 * * ? *)')]);

    const missing = await run(['diff', '.']);
    expect(missing.stdout).toContain(`@@ ${KEY}: missing (will be created) @@`);
    expect(missing.stdout).toContain('1 scheduled task: 0 in sync, 0 out of sync, 1 missing');
    expect(missing.code, missing.stdout + missing.stderr).toBe(2);
    const missingJson = JSON.parse((await run(['diff', '.', '--output', 'json'])).stdout) as DiffJsonOutput;
    expect(missingJson.summary.scheduledTasks).toEqual({ total: 1, inSync: 0, outOfSync: 0, missing: 1 });
    expect(missingJson.scheduledTasks).toMatchObject([{ key: KEY, status: 'missing', action: 'create' }]);

    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const created = await run(['sync', '.']);
    expect(created.stdout).toContain(`✓ ${KEY}  Synced`);
    expect(created.stdout).toContain('sync complete: 0/0 services ok, 1/1 scheduled tasks ok');
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(writes()).toEqual({ CreateScheduleGroup: 1, CreateSchedule: 1, UpdateSchedule: 0, DeleteSchedule: 0 });

    const clean = await run(['diff', '.']);
    expect(clean.stdout).toContain(`= ${KEY}: in sync`);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);

    await setup.dir.write('jobs/report.yaml', [job('cron(30 4 * * ? *)')]);
    const changed = await run(['diff', '.', '--output', 'json']);
    expect(changed.code).toBe(2);
    expect((JSON.parse(changed.stdout) as DiffJsonOutput).scheduledTasks).toEqual([{
      key: KEY, status: 'out-of-sync', action: 'update',
      changes: [{ pointer: '/spec/schedule', desired: 'cron(30 4 * * ? *)', live: 'cron(0 3 * * ? *)', kind: 'changed', scope: 'scheduledTask' }],
    }]);
    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const updated = await run(['sync', '.', '--output', 'json']);
    expect(updated.code, updated.stdout + updated.stderr).toBe(0);
    expect((JSON.parse(updated.stdout) as { scheduledTasks: { key: string; sync: string }[] }).scheduledTasks).toMatchObject([{ key: KEY, sync: 'Synced' }]);
    expect(writes()).toEqual({ CreateScheduleGroup: 0, CreateSchedule: 0, UpdateSchedule: 1, DeleteSchedule: 0 });
  });

  it('export writes the schedule of the controller\'s group as a manifest that diff reads back in sync, and never overwrites it', async () => {
    await setup.dir.write('jobs/report.yaml', [job('rate(6 hours)')]);
    expect((await run(['sync', '.'])).code).toBe(0);

    const exported = await run(['export', '--cluster', 'demo', '--out', 'exported']);
    expect(exported.code, exported.stdout + exported.stderr).toBe(0);
    const file = path.join(setup.dir.root, 'exported', 'scheduled-tasks', 'report.yaml');
    expect(exported.stdout).toContain(`wrote ${path.join('exported', 'scheduled-tasks', 'report.yaml')}`);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('kind: ScheduledTask');
    expect(text).toContain('schedule: rate(6 hours)');

    const readBack = await run(['diff', 'exported']);
    expect(readBack.stdout).toContain(`= ${KEY}: in sync`);
    expect(readBack.code, readBack.stdout + readBack.stderr).toBe(0);

    const again = await run(['export', '--cluster', 'demo', '--out', 'exported']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('EXPORT_FILE_EXISTS');
  });

  it('one-shot sync lists the group of a Region whose last scheduled task left: reported without --prune, deleted with it', async () => {
    // A service stays declared in the Region; no scheduled task does.
    await setup.dir.write('web.yaml', [serviceManifest({ name: 'web' })]);
    await setup.dir.write('jobs/report.yaml', [job('rate(6 hours)')]);
    const first = await run(['sync', '.']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await setup.dir.remove('jobs/report.yaml');

    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const kept = await run(['sync', '.', '--output', 'json']);
    expect(writes()).toEqual({ CreateScheduleGroup: 0, CreateSchedule: 0, UpdateSchedule: 0, DeleteSchedule: 0 });
    expect((JSON.parse(kept.stdout) as { scheduledTasks?: { key: string; orphan?: boolean }[] }).scheduledTasks)
      .toEqual([expect.objectContaining({ key: KEY, orphan: true })]);

    const pruned = await run(['sync', '.', '--prune']);
    expect(writes()).toEqual({ CreateScheduleGroup: 0, CreateSchedule: 0, UpdateSchedule: 0, DeleteSchedule: 1 });
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect(setup.sandbox.admin.schedules({ accountId: ACCOUNT, region: REGION }).filter((s) => s.name === 'report')).toEqual([]);
  });

  it('export --schedule-group default: a console-made schedule without a task group exports in sync (the controller adds its group on adoption)', async () => {
    const config = setup.sandbox.clientConfig({ accountId: ACCOUNT, region: REGION });
    const { api: ecs } = createSdkEcsApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
    const { api: scheduler, client } = createSdkSchedulerApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
    try {
      const td = await ecs.send('RegisterTaskDefinition', {
        family: 'console-job', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: 'busybox:1.36', command: ['run'] }],
      });
      const cluster = (await ecs.send('DescribeClusters', { clusters: ['demo'] })).clusters?.[0]?.clusterArn ?? '';
      await scheduler.send('CreateSchedule', {
        Name: 'console-job', GroupName: 'default', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: cluster, RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecs-scheduler/console-job`,
          EcsParameters: {
            TaskDefinitionArn: td.taskDefinition?.taskDefinitionArn ?? '', LaunchType: 'FARGATE',
            NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-a'] } },
          },
        },
      });
    } finally {
      client.destroy();
    }
    const exported = await run(['export', '--cluster', 'demo', '--out', 'exported', '--schedule-group', 'default']);
    expect(exported.stderr).not.toContain('EXPORT_NOT_IN_SYNC');
    expect(exported.code, exported.stdout + exported.stderr).toBe(0);
    const text = await readFile(path.join(setup.dir.root, 'exported', 'scheduled-tasks', 'console-job.yaml'), 'utf8');
    expect(text).not.toContain('group:');
    expect(text).toContain('the controller gives its tasks the group scheduled-task:console-job');
  });
});
