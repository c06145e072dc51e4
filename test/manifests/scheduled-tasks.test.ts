/**
 * kind: ScheduledTask and a Service's spec.hooks: every validation rule from
 * a table (code, pointer, line:col), the valid forms the rules must let
 * through, and what clean and broken documents contribute to the snapshot
 * (snapshot.scheduledTasks, duplicates, blocked keys), in memory and read
 * from a real folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_ERROR_CODES } from '../../src/errors/index.js';
import { scheduledTaskIdentity } from '../../src/keys/index.js';
import { formatProblem, loadManifests, validateDocuments, type ManifestSnapshot } from '../../src/manifests/index.js';
import { HOOK_CASES, hooks, ROLE_ARN, SCHEDULED_TASK_CASES, task } from './scheduled-task-rule-cases.js';

const full = readFileSync(new URL('./fixtures/scheduled-tasks/full.yaml', import.meta.url), 'utf8');

function validate(content: string, file = 'job.yaml'): ManifestSnapshot {
  return validateDocuments([{ path: file, content }], { defaultRegion: 'eu-west-1' });
}

const clean = (snapshot: ManifestSnapshot): string[] => snapshot.problems.map(formatProblem);

describe('kind: ScheduledTask and spec.hooks rules', () => {
  it.each([...SCHEDULED_TASK_CASES, ...HOOK_CASES].map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const snapshot = validate(c.content);
    expect(snapshot.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.pointer}`)).toEqual(c.expected);
    for (const problem of snapshot.problems) {
      expect(Object.keys(MANIFEST_ERROR_CODES)).toContain(problem.code);
      expect(problem.message.startsWith(`${problem.pointer}:`)).toBe(true);
    }
    if (c.says !== undefined) expect(snapshot.problems[0]?.message).toContain(c.says);
    // A file with a problem declares nothing, and its identity is blocked.
    expect(snapshot.scheduledTasks).toEqual([]);
    expect(snapshot.services).toEqual([]);
    expect(snapshot.blockedKeys.size).toBeLessThanOrEqual(1);
  });

  it('covers every new code', () => {
    const codes = new Set([...SCHEDULED_TASK_CASES, ...HOOK_CASES].flatMap((c) => c.expected.map((e) => e.split(' ')[1])));
    for (const code of ['MANIFEST_SCHEDULE_EXPRESSION', 'MANIFEST_SCHEDULE_TIMEZONE', 'MANIFEST_SCHEDULE_DATES', 'MANIFEST_FLEXIBLE_TIME_WINDOW', 'MANIFEST_SCHEDULE_ARN', 'MANIFEST_HOOK_NAME', 'MANIFEST_HOOK_COMMAND', 'MANIFEST_HOOK_CONTAINER']) {
      expect(codes).toContain(code);
    }
  });

  it('prints file:line:col with the message', () => {
    const [problem] = validate(task('', 'cron(0 2 * * MON *)')).problems;
    expect(problem && formatProblem(problem)).toBe(
      'job.yaml:7:13: MANIFEST_SCHEDULE_EXPRESSION /spec/schedule: "cron(0 2 * * MON *)": exactly one of day-of-month (*) and day-of-week (MON) must be ?, e.g. cron(0 8 ? * MON-FRI *) or cron(0 8 1 * ? *)',
    );
  });

  it('suggests ScheduledTask for a near miss of the kind', () => {
    const [problem] = validate(task().replace('kind: ScheduledTask', 'kind: ScheduleTask')).problems;
    expect(problem?.code).toBe('MANIFEST_UNKNOWN_KIND');
    expect(problem?.message).toContain('expected Service, Cluster, CapacityProvider, ScheduledTask, Environment or Notifier; did you mean "ScheduledTask"?');
  });
});

describe('valid scheduled tasks and hooks', () => {
  it('a scheduled task using every field and a service with hooks load with no problems', () => {
    const snapshot = validate(full, 'jobs/full.yaml');
    expect(clean(snapshot)).toEqual([]);
    expect(snapshot.scheduledTasks?.map((t) => [t.key, t.region, t.cluster, t.name, `${t.source.file}:${t.source.line}`])).toEqual([
      [scheduledTaskIdentity('eu-west-1', 'demo', 'nightly.report'), 'eu-west-1', 'demo', 'nightly.report', 'jobs/full.yaml:2'],
    ]);
    const spec = snapshot.scheduledTasks?.[0]?.manifest.spec;
    expect(spec?.flexibleTimeWindow).toEqual({ mode: 'FLEXIBLE', maximumWindowInMinutes: 15 });
    expect(spec?.networkConfiguration?.awsvpcConfiguration.subnets).toEqual(['subnet-0abc']);
    expect(spec?.overrides?.containerOverrides?.[0]?.environment).toEqual([{ name: 'REPORT_DAY', value: 'yesterday' }]);
    expect(spec?.sync).toEqual({ mode: 'detect', ignoreDifferences: ['/state'], images: 'pin-digest', imagePreflight: 'strict' });
    const hooksSpec = snapshot.services[0]?.manifest.spec.hooks;
    expect(hooksSpec?.preDeploy?.map((h) => h.name)).toEqual(['migrate', 'seed-cache']);
    expect(hooksSpec?.postDeploy?.[0]?.taskDefinition?.family).toBe('api-smoke');
    expect(hooksSpec?.rollbackOnPostDeployFailure).toBe(true);
  });

  it('fills metadata.region from the default and hashes the content like the other kinds', () => {
    const [first] = validate(task()).scheduledTasks ?? [];
    expect(first?.key).toBe('scheduled-task:eu-west-1/demo/nightly');
    expect(first?.manifest.metadata.region).toBe('eu-west-1');
    expect(first?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(validate(task()).scheduledTasks?.[0]?.contentHash).toBe(first?.contentHash);
    expect(validate(task('', 'rate(2 days)')).scheduledTasks?.[0]?.contentHash).not.toBe(first?.contentHash);
    expect(Object.isFrozen(first?.manifest.spec)).toBe(true);
  });

  it('accepts the schedule forms EventBridge Scheduler documents', () => {
    for (const schedule of [
      'at(2024-02-29T23:59:59)', 'rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(12 hours)', 'rate(1 day)', 'rate(7 days)',
      'cron(0 8 ? * MON-FRI *)', 'cron(0/15 * * * ? *)', 'cron(0 0 L * ? *)', 'cron(0 0 ? * 6#3 *)', 'cron(30 12 1,15 JAN-MAR ? 2025-2030)',
    ]) {
      expect(clean(validate(task('', JSON.stringify(schedule)))), schedule).toEqual([]);
    }
  });

  it('accepts IANA time zones, dates with offsets in order, both window modes and the retry policy bounds', () => {
    for (const fields of [
      '  timezone: Asia/Kolkata\n', '  timezone: America/Argentina/Buenos_Aires\n', '  timezone: Etc/GMT+5\n', '  timezone: UTC\n',
      '  startDate: "2025-06-01T08:00:00.500Z"\n  endDate: "2025-06-01T10:00:01+02:00"\n',
      '  flexibleTimeWindow: {mode: "OFF"}\n', '  flexibleTimeWindow: {mode: FLEXIBLE, maximumWindowInMinutes: 1440}\n', '  flexibleTimeWindow: {mode: FLEXIBLE, maximumWindowInMinutes: 1}\n',
      '  retryPolicy: {maximumEventAgeInSeconds: 60, maximumRetryAttempts: 0}\n', '  retryPolicy: {maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185}\n',
      '  taskCount: 1\n', '  taskCount: 10\n', `  group: ${'g'.repeat(255)}\n`, '  state: DISABLED\n',
      '  deadLetterConfig: {arn: "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:dlq_1"}\n', '  kmsKeyArn: arn:aws:kms:eu-west-1:123456789012:alias/scheduler\n',
      '  launchType: EXTERNAL\n', '  capacityProviderStrategy: [{capacityProvider: asg, base: 1, weight: 2}]\n',
    ]) {
      expect(clean(validate(task(fields))), fields).toEqual([]);
    }
    expect(clean(validate(task().replace('name: nightly,', `name: ${'a.b-c_D9'.repeat(8)},`)))).toEqual([]);
    expect(clean(validate(task().replace(ROLE_ARN, 'arn:aws-cn:iam::123456789012:role/service-role/Scheduler+Runner@x')))).toEqual([]);
  });

  it('accepts hooks in every form: command with and without container, overrides only, their own task definition, ten per phase, on a DAEMON service', () => {
    const forms = [
      hooks(['{name: migrate, command: [./migrate, up]}']),
      hooks(['{name: migrate, command: [./migrate], container: api, timeout: 86400}']),
      hooks(['{name: migrate, overrides: {containerOverrides: [{name: api, command: [./migrate]}], cpu: "512"}, timeout: 1}']),
      hooks(['{name: smoke, taskDefinition: {family: smoke, containerDefinitions: [{name: s, image: s, memory: 64}]}}']),
      hooks(['{name: smoke, command: [./smoke], container: s, taskDefinition: {family: smoke, containerDefinitions: [{name: s, image: s, memory: 64}]}}']),
      hooks(Array.from({ length: 10 }, (_, i) => `{name: h${i}, command: [./h]}`), `    postDeploy:\n${Array.from({ length: 10 }, (_, i) => `      - {name: p${i}, command: [./p]}\n`).join('')}    rollbackOnPostDeployFailure: false\n`),
      hooks(['{name: migrate, command: [./migrate]}']).replace('  hooks:\n', '  schedulingStrategy: DAEMON\n  hooks:\n'),
      // The service's launch settings and network configuration carry over to a hook's own awsvpc task definition.
      hooks(['{name: migrate, taskDefinition: {family: m, cpu: "256", memory: "512", networkMode: awsvpc, containerDefinitions: [{name: m, image: m}]}}'])
        .replace('  taskDefinition: {family: api, containerDefinitions: [{name: api, image: nginx, memory: 128}]}\n', '  launchType: FARGATE\n  networkConfiguration: {awsvpcConfiguration: {subnets: [s]}}\n  taskDefinition: {family: api, cpu: "256", memory: "512", networkMode: awsvpc, containerDefinitions: [{name: api, image: nginx}]}\n'),
      // A hook's own launch settings replace the service's pair.
      hooks(['{name: migrate, command: [./m], capacityProviderStrategy: [{capacityProvider: asg}]}']).replace('  hooks:\n', '  launchType: EC2\n  hooks:\n'),
    ];
    for (const content of forms) expect(clean(validate(content, 'svc.yaml')), content).toEqual([]);
  });

  it('ignores read-only task definition fields pasted into a scheduled task, with a warning', () => {
    const snapshot = validate(task().replace('{family: job,', '{family: job, revision: 3, status: ACTIVE,'));
    expect(clean(snapshot)).toEqual([]);
    expect(snapshot.warnings?.map((w) => `${w.code} ${w.pointer}`)).toEqual(['MANIFEST_READ_ONLY_FIELD /spec/taskDefinition/revision', 'MANIFEST_READ_ONLY_FIELD /spec/taskDefinition/status']);
    expect(snapshot.scheduledTasks?.[0]?.manifest.spec.taskDefinition).not.toHaveProperty('revision');
  });
});

describe('scheduled tasks in the snapshot: duplicates and blocked keys', () => {
  const named = (name: string, cluster = 'demo', region?: string): string =>
    task().replace('name: nightly, cluster: demo', `name: ${name}, cluster: ${cluster}${region ? `, region: ${region}` : ''}`);
  const files = (entries: Record<string, string>): ManifestSnapshot =>
    validateDocuments(Object.entries(entries).map(([p, content]) => ({ path: p, content })), { defaultRegion: 'eu-west-1' });

  it('two documents with one identity: both reported, neither applied, the key blocked', () => {
    const snapshot = files({ 'a.yaml': named('nightly'), 'b.yaml': named('nightly') });
    expect(snapshot.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.code}`)).toEqual(['a.yaml:3:18 MANIFEST_DUPLICATE_IDENTITY', 'b.yaml:3:18 MANIFEST_DUPLICATE_IDENTITY']);
    expect(snapshot.problems[0]?.message).toContain('scheduled task scheduled-task:eu-west-1/demo/nightly is also declared at b.yaml:3:18');
    expect(snapshot.scheduledTasks).toEqual([]);
    expect([...snapshot.blockedKeys]).toEqual(['scheduled-task:eu-west-1/demo/nightly']);
  });

  it('one schedule name on two clusters of one Region: an error naming both files, both blocked', () => {
    const snapshot = files({ 'a.yaml': named('nightly', 'blue'), 'b.yaml': named('nightly', 'green'), 'c.yaml': named('weekly', 'blue') });
    expect(snapshot.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.code} ${p.pointer}`)).toEqual([
      'a.yaml:3:18 MANIFEST_DUPLICATE_IDENTITY /metadata/name',
      'b.yaml:3:18 MANIFEST_DUPLICATE_IDENTITY /metadata/name',
    ]);
    expect(snapshot.problems[0]?.message).toBe(
      '/metadata/name: schedule name "nightly" is also used in eu-west-1 by scheduled-task:eu-west-1/green/nightly (b.yaml:3:18); a Region\'s scheduled tasks share one schedule group, so names must be unique per Region, whatever the cluster; neither document is applied until one is renamed',
    );
    expect(snapshot.problems[1]?.message).toContain('by scheduled-task:eu-west-1/blue/nightly (a.yaml:3:18)');
    expect(snapshot.scheduledTasks?.map((t) => t.key)).toEqual(['scheduled-task:eu-west-1/blue/weekly']);
    expect([...snapshot.blockedKeys].sort()).toEqual(['scheduled-task:eu-west-1/blue/nightly', 'scheduled-task:eu-west-1/green/nightly']);
  });

  it('one schedule name in two Regions, and a service named like a schedule, are fine', () => {
    const snapshot = files({
      'a.yaml': named('nightly', 'blue'),
      'b.yaml': named('nightly', 'blue', 'us-east-1'),
      'c.yaml': 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: nightly, cluster: blue}\nspec:\n  taskDefinition: {family: f, containerDefinitions: [{name: c, image: i, memory: 64}]}\n',
    });
    expect(clean(snapshot)).toEqual([]);
    expect(snapshot.scheduledTasks?.map((t) => t.key)).toEqual(['scheduled-task:eu-west-1/blue/nightly', 'scheduled-task:us-east-1/blue/nightly']);
    expect(snapshot.services.map((s) => s.key)).toEqual(['eu-west-1/blue/nightly']);
  });

  it('a file with a problem declares nothing: its scheduled tasks are blocked, never treated as deleted', () => {
    const snapshot = files({ 'a.yaml': `${named('nightly')}---\n${named('weekly').replace('rate(1 day)', 'rate(0 days)')}`, 'b.yaml': named('hourly') });
    expect(snapshot.problems.map((p) => `${p.file}:${p.line} ${p.code}`)).toEqual(['a.yaml:15 MANIFEST_SCHEDULE_EXPRESSION']);
    expect(snapshot.scheduledTasks?.map((t) => t.key)).toEqual(['scheduled-task:eu-west-1/demo/hourly']);
    expect([...snapshot.blockedKeys].sort()).toEqual(['scheduled-task:eu-west-1/demo/nightly', 'scheduled-task:eu-west-1/demo/weekly']);
    expect([...snapshot.filesWithProblems]).toEqual(['a.yaml']);
  });

  it('loadManifests reads scheduled tasks from a folder', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-scheduled-'));
    try {
      mkdirSync(path.join(root, 'jobs'));
      writeFileSync(path.join(root, 'jobs', 'full.yaml'), full);
      writeFileSync(path.join(root, 'jobs', 'clash.yml'), named('nightly.report', 'other', 'eu-west-1'));
      const snapshot = await loadManifests(root, { defaultRegion: 'us-east-1' });
      expect(snapshot.problems.map((p) => `${p.file} ${p.code}`)).toEqual(['jobs/clash.yml MANIFEST_DUPLICATE_IDENTITY', 'jobs/full.yaml MANIFEST_DUPLICATE_IDENTITY']);
      expect(snapshot.scheduledTasks).toEqual([]);
      expect(snapshot.services.map((s) => s.key)).toEqual([]);
      expect([...snapshot.blockedKeys].sort()).toEqual(['eu-west-1/demo/api', 'scheduled-task:eu-west-1/demo/nightly.report', 'scheduled-task:eu-west-1/other/nightly.report']);
      writeFileSync(path.join(root, 'jobs', 'clash.yml'), named('nightly.report', 'other', 'us-west-2'));
      const fixed = await loadManifests(root, { defaultRegion: 'us-east-1' });
      expect(clean(fixed)).toEqual([]);
      expect(fixed.scheduledTasks?.map((t) => `${t.key}@${t.source.file}:${t.source.line}`)).toEqual([
        'scheduled-task:us-west-2/other/nightly.report@jobs/clash.yml:1',
        'scheduled-task:eu-west-1/demo/nightly.report@jobs/full.yaml:2',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
