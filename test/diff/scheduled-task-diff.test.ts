/**
 * Scheduled task normalization and diff, table by table: every default
 * EventBridge Scheduler fills in compares equal to its absence, every
 * different spelling (dates, Input, tag list) compares equal, and every real
 * difference is reported once at its pointer relative to `spec`.
 */
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { diffScheduledTask, MISSING_SCHEDULE_POINTER, TARGET_CLUSTER_POINTER } from '../../src/diff/diff-scheduled-task.js';
import {
  canonicalScheduleDate, ecsTagsToMap, normalizeDesiredScheduledTask, normalizeLiveScheduledTask, overridesFromInput,
} from '../../src/diff/scheduled-task-normalize.js';
import type { ScheduledTaskSpec } from '../../src/manifests/types.js';
import { scheduleInputFromManifest } from '../../src/plan/plan-scheduled-task.js';
import {
  asSchedulerWouldStore, baseScheduledSpec, CLUSTER_ARN, GROUP, LIVE_TD_ARN, registeredTaskDefinition, scheduledManifest,
  type ScheduledSpecDraft,
} from './scheduled-task-fixtures.js';

function stored(spec: ScheduledTaskSpec = baseScheduledSpec()): GetScheduleOutput {
  return asSchedulerWouldStore(scheduleInputFromManifest(scheduledManifest(spec), { groupName: GROUP, clusterArn: CLUSTER_ARN, taskDefinitionArn: LIVE_TD_ARN }));
}

function edit(change: (spec: ScheduledSpecDraft) => void): ScheduledSpecDraft {
  const spec = baseScheduledSpec();
  change(spec);
  return spec;
}

describe('normalizeDesiredScheduledTask / normalizeLiveScheduledTask', () => {
  it('fills in Scheduler defaults on the desired side, the task group from the name', () => {
    const canonical = normalizeDesiredScheduledTask({ schedule: 'rate(1 hour)', roleArn: ROLE, taskDefinition: { family: 'x', containerDefinitions: [] } }, { name: 'job' });
    expect(canonical).toEqual({
      schedule: 'rate(1 hour)', roleArn: ROLE, timezone: 'UTC', state: 'ENABLED', flexibleTimeWindow: { mode: 'OFF' },
      retryPolicy: { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 }, taskCount: 1, group: 'scheduled-task:job',
      actionAfterCompletion: 'NONE',
    });
  });

  it.each<[string, Partial<GetScheduleOutput>, Partial<GetScheduleOutput>]>([
    ['an absent time zone and UTC', { ScheduleExpressionTimezone: undefined }, { ScheduleExpressionTimezone: 'UTC' }],
    ['an absent state and ENABLED', { State: undefined }, { State: 'ENABLED' }],
    ['no flexible time window and mode OFF', { FlexibleTimeWindow: undefined }, { FlexibleTimeWindow: { Mode: 'OFF' } }],
    ['no action after completion and NONE', { ActionAfterCompletion: undefined }, { ActionAfterCompletion: 'NONE' }],
    ['an empty and an absent description', { Description: '' }, { Description: undefined }],
  ])('live: %s are the same', (_what, a, b) => {
    const live = stored();
    expect(normalizeLiveScheduledTask({ ...live, ...a })).toEqual(normalizeLiveScheduledTask({ ...live, ...b }));
  });

  it.each<[string, string | Date, string]>([
    ['a Date from the SDK', new Date('2030-05-01T10:00:00.000Z'), '2030-05-01T10:00:00Z'],
    ['an ISO string with Z', '2030-05-01T10:00:00Z', '2030-05-01T10:00:00Z'],
    ['an ISO string with an offset', '2030-05-01T12:00:00+02:00', '2030-05-01T10:00:00Z'],
    ['an ISO string with milliseconds (Scheduler keeps seconds)', '2030-05-01T10:00:00.750Z', '2030-05-01T10:00:00Z'],
    ['an ISO string without offset (read as UTC, never the local zone)', '2030-05-01T10:00:00', '2030-05-01T10:00:00Z'],
    ['no date at all (kept, so it differs)', 'tomorrow', 'tomorrow'],
    ['a date alone (midnight UTC)', '2030-05-01', '2030-05-01T00:00:00Z'],
  ])('dates: %s', (_what, input, expected) => {
    const tz = process.env.TZ;
    try {
      for (const zone of ['UTC', 'America/Los_Angeles', 'Asia/Kolkata']) {
        process.env.TZ = zone;
        expect(canonicalScheduleDate(input)).toBe(expected);
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('schedule expressions compare with their whitespace collapsed', () => {
    const live = stored();
    expect(normalizeLiveScheduledTask({ ...live, ScheduleExpression: ' cron(0  3 * * ? * ) ' }).schedule).toBe('cron(0 3 * * ? *)');
  });

  it('Input is read as RunTask overrides, whatever its key order or spacing; a non-object stays a string', () => {
    expect(overridesFromInput('{"cpu":"256","containerOverrides":[{"name":"a"}]}')).toEqual({ containerOverrides: [{ name: 'a' }], cpu: '256' });
    expect(overridesFromInput(' { "cpu" : "256" } ')).toEqual({ cpu: '256' });
    expect(overridesFromInput('not json')).toBe('not json');
    expect(overridesFromInput('[1]')).toBe('[1]');
    expect(overridesFromInput('')).toBeUndefined();
  });

  it('EcsParameters.Tags in either map shape is one tag map', () => {
    expect(ecsTagsToMap([{ team: 'data' }, { env: 'prod' }])).toEqual({ team: 'data', env: 'prod' });
    expect(ecsTagsToMap([{ key: 'team', value: 'data' }])).toEqual({ team: 'data' });
    // A tag literally named "key" is a tag, not half of a pair.
    expect(ecsTagsToMap([{ key: 'x' }])).toEqual({ key: 'x' });
    expect(ecsTagsToMap([{ constructor: 'c' }])).toEqual({ constructor: 'c' });
  });

  it('subnets and security groups compare as sets; assignPublicIp DISABLED is its absence', () => {
    const a = normalizeDesiredScheduledTask(edit((s) => {
      s.networkConfiguration = { awsvpcConfiguration: { subnets: ['b', 'a'], securityGroups: ['y', 'x'], assignPublicIp: 'DISABLED' } };
    }), { name: 'n' });
    const b = normalizeDesiredScheduledTask(edit((s) => { s.networkConfiguration = { awsvpcConfiguration: { subnets: ['a', 'b'], securityGroups: ['x', 'y'] } }; }), { name: 'n' });
    expect(a).toEqual(b);
  });

  it('a capacity provider strategy item without weight or base is one with 0 and 0', () => {
    const written = normalizeDesiredScheduledTask(edit((s) => { s.capacityProviderStrategy = [{ capacityProvider: 'FARGATE' }]; }), { name: 'n' });
    const spelled = normalizeDesiredScheduledTask(edit((s) => { s.capacityProviderStrategy = [{ capacityProvider: 'FARGATE', weight: 0, base: 0 }]; }), { name: 'n' });
    expect(written).toEqual(spelled);
  });
});

const ROLE = 'arn:aws:iam::123456789012:role/r';

describe('diffScheduledTask', () => {
  const manifest = scheduledManifest();
  const td = registeredTaskDefinition(manifest);

  it('the schedule Scheduler stores for the manifest, running the revision registered from it, is in sync', () => {
    expect(diffScheduledTask(manifest, stored(), td, { clusterArn: CLUSTER_ARN })).toEqual([]);
  });

  it('a missing schedule is one change of the whole spec', () => {
    const changes = diffScheduledTask(manifest, undefined, undefined);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ pointer: MISSING_SCHEDULE_POINTER, kind: 'added', scope: 'scheduledTask' });
    expect((changes[0]?.desired as Record<string, unknown>).taskDefinition).toBeDefined();
  });

  it.each<[string, (live: GetScheduleOutput) => void, string, unknown, unknown]>([
    ['the expression', (l) => { l.ScheduleExpression = 'cron(0 4 * * ? *)'; }, '/schedule', 'cron(0 3 * * ? *)', 'cron(0 4 * * ? *)'],
    ['the time zone', (l) => { l.ScheduleExpressionTimezone = 'UTC'; }, '/timezone', 'Europe/Paris', 'UTC'],
    ['the state', (l) => { l.State = 'DISABLED'; }, '/state', 'ENABLED', 'DISABLED'],
    ['the role', (l) => { l.Target!.RoleArn = 'arn:aws:iam::1:role/other'; }, '/roleArn', ROLE_OF(), 'arn:aws:iam::1:role/other'],
    ['the task count', (l) => { l.Target!.EcsParameters!.TaskCount = 3; }, '/taskCount', 1, 3],
    ['a subnet', (l) => { l.Target!.EcsParameters!.NetworkConfiguration!.awsvpcConfiguration!.Subnets = ['subnet-a']; },
      '/networkConfiguration/awsvpcConfiguration/subnets', ['subnet-a', 'subnet-b'], ['subnet-a']],
    ['the task group', (l) => { l.Target!.EcsParameters!.Group = 'other'; }, '/group', 'scheduled-task:nightly-report', 'other'],
    ['a task tag', (l) => { l.Target!.EcsParameters!.Tags = [{ team: 'web' }]; }, '/tags/team', 'data', 'web'],
    ['an override', (l) => { l.Target!.Input = '{"containerOverrides":[{"name":"report","command":["run"]}]}'; },
      '/overrides/containerOverrides/0/command', ['run', '--nightly'], ['run']],
    ['the retry policy', (l) => { l.Target!.RetryPolicy = { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 185 }; },
      '/retryPolicy/maximumEventAgeInSeconds', 86_400, 60],
    ['a live-only field (UpdateSchedule would drop it)', (l) => { l.KmsKeyArn = 'arn:aws:kms:eu-west-1:1:key/k'; }, '/kmsKeyArn', undefined, 'arn:aws:kms:eu-west-1:1:key/k'],
    ['a one-time schedule set to delete itself', (l) => { l.ActionAfterCompletion = 'DELETE'; }, '/actionAfterCompletion', 'NONE', 'DELETE'],
  ])('reports %s', (_what, change, pointer, desired, live) => {
    const schedule = stored();
    change(schedule);
    expect(diffScheduledTask(manifest, schedule, td, { clusterArn: CLUSTER_ARN })).toEqual([
      expect.objectContaining({ pointer, desired, live, scope: 'scheduledTask' }),
    ]);
  });

  it('a capacity provider entry is reported at its position in the manifest', () => {
    const spec = edit((s) => { delete s.launchType; s.capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }, { capacityProvider: 'FARGATE', weight: 1 }]; });
    const schedule = stored(spec);
    schedule.Target!.EcsParameters!.CapacityProviderStrategy = [{ capacityProvider: 'FARGATE', weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 5 }];
    expect(diffScheduledTask(scheduledManifest(spec), schedule, td).map((c) => [c.pointer, c.desired, c.live]))
      .toEqual([['/capacityProviderStrategy/0/weight', 2, 5]]);
  });

  it('a schedule pointed at another cluster is reported when the cluster ARN is known', () => {
    const schedule = stored();
    schedule.Target!.Arn = `${CLUSTER_ARN}-old`;
    expect(diffScheduledTask(manifest, schedule, td, { clusterArn: CLUSTER_ARN })).toEqual([
      expect.objectContaining({ pointer: TARGET_CLUSTER_POINTER, desired: CLUSTER_ARN, live: `${CLUSTER_ARN}-old` }),
    ]);
    expect(diffScheduledTask(manifest, schedule, td)).toEqual([]);
  });

  describe('the task definition', () => {
    it('is in sync when the live revision carries the desired spec hash, whatever else ECS reports', () => {
      const live = registeredTaskDefinition(manifest);
      (live.taskDefinition as Record<string, unknown>).someFieldEcsAddsLater = 'x';
      expect(diffScheduledTask(manifest, stored(), live)).toEqual([]);
    });

    it('without the hash tag (registered by hand) is compared field by field, as for a service', () => {
      expect(diffScheduledTask(manifest, stored(), registeredTaskDefinition(manifest, false))).toEqual([]);
      const live = registeredTaskDefinition(manifest, false);
      live.taskDefinition.containerDefinitions![0]!.image = 'report:0.9';
      expect(diffScheduledTask(manifest, stored(), live)).toEqual([
        { pointer: '/taskDefinition/containerDefinitions/0/image', desired: 'report:1.0', live: 'report:0.9', kind: 'changed', scope: 'taskDefinition' },
      ]);
    });

    it('a changed manifest is reported under /taskDefinition even though the live revision has a (different) hash', () => {
      const spec = edit((s) => { s.taskDefinition = { ...s.taskDefinition, memory: '1024' }; });
      expect(diffScheduledTask(scheduledManifest(spec), stored(spec), td)).toEqual([
        expect.objectContaining({ pointer: '/taskDefinition/memory', desired: '1024', live: '512', scope: 'taskDefinition' }),
      ]);
    });

    it('a deregistered (INACTIVE) revision is a change even with the desired spec hash: ECS runs no task from it', () => {
      const live = registeredTaskDefinition(manifest);
      live.taskDefinition.status = 'INACTIVE';
      expect(diffScheduledTask(manifest, stored(), live)).toEqual([expect.objectContaining({
        pointer: '/taskDefinition', kind: 'changed', scope: 'taskDefinition', live: { taskDefinitionArn: live.taskDefinition.taskDefinitionArn ?? null, status: 'INACTIVE' },
      })]);
    });

    it('an unreadable revision is the whole task definition to register', () => {
      expect(diffScheduledTask(manifest, stored(), undefined)).toEqual([expect.objectContaining({ pointer: '/taskDefinition', kind: 'added', scope: 'taskDefinition' })]);
    });
  });

  it('sync.ignoreDifferences and options.ignoreDifferences leave fields alone', () => {
    const schedule = stored();
    schedule.State = 'DISABLED';
    schedule.Target!.EcsParameters!.TaskCount = 2;
    const spec = edit((s) => { s.sync = { ignoreDifferences: ['/state'] }; });
    expect(diffScheduledTask(scheduledManifest(spec), schedule, td, { ignoreDifferences: ['/taskCount'] })).toEqual([]);
  });
});

function ROLE_OF(): string {
  return baseScheduledSpec().roleArn;
}
