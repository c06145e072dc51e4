/**
 * scheduledTaskManifestFromLive: a schedule that runs an ECS task becomes the
 * minimal ScheduledTask manifest that reads back in sync; other schedules are
 * not ScheduledTasks.
 */
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { clusterNameOfTarget, scheduledTaskManifestFromLive } from '../../src/export/scheduled-task-from-live.js';
import { scheduleInputFromManifest } from '../../src/plan/plan-scheduled-task.js';
import {
  asSchedulerWouldStore, baseScheduledSpec, CLUSTER_ARN, GROUP, LIVE_TD_ARN, REGION, registeredTaskDefinition, ROLE_ARN,
  scheduledManifest, type ScheduledSpecDraft,
} from '../diff/scheduled-task-fixtures.js';

function liveOf(spec: ScheduledSpecDraft, name = 'nightly-report') {
  const manifest = scheduledManifest(spec, name);
  const schedule = asSchedulerWouldStore(scheduleInputFromManifest(manifest, { groupName: GROUP, clusterArn: CLUSTER_ARN, taskDefinitionArn: LIVE_TD_ARN }));
  const td = registeredTaskDefinition(manifest);
  return { region: REGION, schedule, taskDefinition: td.taskDefinition, taskDefinitionTags: td.tags };
}

describe('scheduledTaskManifestFromLive', () => {
  it('drops every default Scheduler and the controller filled in, and reads back in sync', () => {
    const exported = scheduledTaskManifestFromLive(liveOf(baseScheduledSpec()));
    expect(exported?.residualChanges).toEqual([]);
    expect(exported?.manifest).toEqual({
      apiVersion: 'ecs-gitops/v1',
      kind: 'ScheduledTask',
      metadata: { name: 'nightly-report', cluster: 'prod', region: REGION },
      spec: {
        schedule: 'cron(0 3 * * ? *)',
        timezone: 'Europe/Paris',
        roleArn: ROLE_ARN,
        launchType: 'FARGATE',
        taskDefinition: {
          family: 'report', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
          containerDefinitions: [{ name: 'report', image: 'report:1.0' }],
        },
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'] } },
        overrides: { containerOverrides: [{ command: ['run', '--nightly'], name: 'report' }] },
        tags: { team: 'data' },
      },
    });
    // The key order a person reads: when, then what, then where.
    expect(Object.keys(exported!.manifest.spec).slice(0, 3)).toEqual(['schedule', 'timezone', 'roleArn']);
  });

  it('keeps what differs from the defaults: state, window, count, group, retry, dates', () => {
    const spec = baseScheduledSpec();
    Object.assign(spec, {
      state: 'DISABLED', flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 30 }, taskCount: 3, group: 'reports',
      retryPolicy: { maximumRetryAttempts: 0 }, startDate: '2030-01-01T00:00:00Z', enableExecuteCommand: true,
    });
    const exported = scheduledTaskManifestFromLive(liveOf(spec));
    expect(exported?.residualChanges).toEqual([]);
    expect(exported?.manifest.spec).toMatchObject({
      state: 'DISABLED', flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 30 }, taskCount: 3, group: 'reports',
      retryPolicy: { maximumRetryAttempts: 0 }, startDate: '2030-01-01T00:00:00Z', enableExecuteCommand: true,
    });
    expect(exported?.manifest.spec.retryPolicy).toEqual({ maximumRetryAttempts: 0 });
  });

  it.each<[string, (s: GetScheduleOutput) => void]>([
    ['a Lambda function', (s) => { s.Target!.Arn = 'arn:aws:lambda:eu-west-1:123456789012:function:f'; delete s.Target!.EcsParameters; }],
    ['an SQS queue', (s) => { s.Target!.Arn = 'arn:aws:sqs:eu-west-1:123456789012:q'; }],
    ['a universal target (aws-sdk:ecs:runTask)', (s) => { s.Target!.Arn = 'arn:aws:scheduler:::aws-sdk:ecs:runTask'; }],
    ['an ECS cluster ARN without EcsParameters', (s) => { delete s.Target!.EcsParameters; }],
  ])('a schedule that targets %s is not exported', (_what, change) => {
    const live = liveOf(baseScheduledSpec());
    change(live.schedule);
    expect(scheduledTaskManifestFromLive(live)).toBeUndefined();
  });

  it('an Input that is no JSON object cannot be written as overrides: the residual diff says so', () => {
    const live = liveOf(baseScheduledSpec());
    live.schedule.Target!.Input = '"hello"';
    const exported = scheduledTaskManifestFromLive(live);
    expect(exported?.manifest.spec.overrides).toBeUndefined();
    expect(exported?.residualChanges.map((c) => c.pointer)).toEqual(['/overrides']);
  });

  it('a schedule set to delete itself after completion is exported, with the difference reported', () => {
    const live = liveOf(baseScheduledSpec());
    live.schedule.ActionAfterCompletion = 'DELETE';
    expect(scheduledTaskManifestFromLive(live)?.residualChanges.map((c) => c.pointer)).toEqual(['/actionAfterCompletion']);
  });

  it('cluster names come from cluster ARNs only', () => {
    expect(clusterNameOfTarget(CLUSTER_ARN)).toBe('prod');
    expect(clusterNameOfTarget('arn:aws-cn:ecs:cn-north-1:123456789012:cluster/a_b-c')).toBe('a_b-c');
    expect(clusterNameOfTarget('arn:aws:ecs:eu-west-1:123456789012:service/prod/web')).toBeUndefined();
    expect(clusterNameOfTarget(undefined)).toBeUndefined();
  });
});
