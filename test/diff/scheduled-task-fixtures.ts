/**
 * Shared fixtures for the scheduled task diff, plan and export tests: a
 * manifest, and asSchedulerWouldStore, a pure model of what EventBridge
 * Scheduler's GetSchedule returns for a CreateSchedule input (its defaults
 * filled in, dates as Date objects to the second, creation dates added), with
 * a `style` that varies what a faithful store may vary (key order of the
 * Input JSON, list order of subnets and tags, empty lists and false switches
 * spelled out or left out, the RunTask `{key, value}` tag shape).
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { CreateScheduleInput, GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { TAG_SPEC_HASH } from '../../src/diff/tags.js';
import type { DesiredScheduledTask, ScheduledTaskManifest, ScheduledTaskSpec } from '../../src/manifests/types.js';
import { buildTaskDefinitionRegistration } from '../../src/plan/task-definition-input.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/scheduler-run-task`;
export const GROUP = 'ecs-gitops';
export const LIVE_TD_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/report:3`;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type ScheduledSpecDraft = Mutable<ScheduledTaskSpec>;

export function baseScheduledSpec(): ScheduledSpecDraft {
  return {
    schedule: 'cron(0 3 * * ? *)',
    timezone: 'Europe/Paris',
    roleArn: ROLE_ARN,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'] } },
    overrides: { containerOverrides: [{ name: 'report', command: ['run', '--nightly'] }] },
    tags: { team: 'data' },
    taskDefinition: {
      family: 'report',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'report', image: 'report:1.0', essential: true }],
    },
  };
}

export function scheduledManifest(spec: ScheduledTaskSpec = baseScheduledSpec(), name = 'nightly-report'): ScheduledTaskManifest {
  return { apiVersion: 'ecs-gitops/v1', kind: 'ScheduledTask', metadata: { name, cluster: 'prod', region: REGION }, spec };
}

export function desiredScheduled(manifest: ScheduledTaskManifest = scheduledManifest(), file = 'scheduled/report.yaml'): DesiredScheduledTask {
  return {
    key: `scheduled-task:${REGION}/${manifest.metadata.cluster}/${manifest.metadata.name}`,
    region: REGION,
    cluster: manifest.metadata.cluster,
    name: manifest.metadata.name,
    manifest,
    source: { file, line: 1, column: 1 },
    contentHash: 'h',
  };
}

export interface StoreStyle {
  /** Write every default Scheduler has (true) or only what it must report (false). */
  readonly spellDefaults: boolean;
  readonly reorderLists: boolean;
  /** Re-serialize Input with keys in reverse order and spaces. */
  readonly reformatInput: boolean;
  /** EcsParameters.Tags as RunTask-style `{key, value}` maps. */
  readonly oneEntryTags: boolean;
}

export const PLAIN_STYLE: StoreStyle = { spellDefaults: true, reorderLists: false, reformatInput: false, oneEntryTags: false };

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).reverse().map((k) => [k, reverseKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

function toSecond(date: Date | undefined): Date | undefined {
  return date === undefined ? undefined : new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** What GetSchedule answers after CreateSchedule(input): pure, no clock (fixed creation dates). */
export function asSchedulerWouldStore(input: CreateScheduleInput, style: StoreStyle = PLAIN_STYLE): GetScheduleOutput {
  const target = input.Target ?? { Arn: undefined, RoleArn: undefined };
  const ecs = target.EcsParameters;
  const network = ecs?.NetworkConfiguration?.awsvpcConfiguration;
  const order = <T>(list: T[] | undefined): T[] | undefined => (list && style.reorderLists ? [...list].reverse() : list);
  const orEmpty = <T>(list: T[] | undefined): T[] | undefined => list ?? (style.spellDefaults ? [] : undefined);
  const tags = ecs?.Tags === undefined
    ? orEmpty(undefined)
    // The controller writes {key, value} pairs; one-entry {K: V} maps, which Scheduler's TagMap also allows, must read the same.
    : order(style.oneEntryTags ? ecs.Tags.map((m) => ({ [String(m.key)]: String(m.value) })) : ecs.Tags);
  const group = input.GroupName ?? 'default';
  return {
    Arn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${input.Name}`,
    GroupName: group,
    Name: input.Name,
    ScheduleExpression: input.ScheduleExpression,
    ScheduleExpressionTimezone: input.ScheduleExpressionTimezone ?? 'UTC',
    StartDate: toSecond(input.StartDate),
    EndDate: toSecond(input.EndDate),
    Description: input.Description ?? (style.spellDefaults ? '' : undefined),
    State: input.State ?? 'ENABLED',
    CreationDate: new Date('2025-01-01T00:00:00Z'),
    LastModificationDate: new Date('2025-01-02T00:00:00Z'),
    KmsKeyArn: input.KmsKeyArn,
    FlexibleTimeWindow: input.FlexibleTimeWindow,
    ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
    Target: {
      Arn: target.Arn,
      RoleArn: target.RoleArn,
      DeadLetterConfig: target.DeadLetterConfig,
      RetryPolicy: {
        MaximumEventAgeInSeconds: target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400,
        MaximumRetryAttempts: target.RetryPolicy?.MaximumRetryAttempts ?? 185,
      },
      Input: target.Input !== undefined && style.reformatInput ? JSON.stringify(reverseKeys(JSON.parse(target.Input)), null, 1) : target.Input,
      EcsParameters: ecs === undefined ? undefined : {
        ...ecs,
        TaskCount: ecs.TaskCount ?? 1,
        NetworkConfiguration: network === undefined ? undefined : {
          awsvpcConfiguration: { ...network, Subnets: order(network.Subnets), SecurityGroups: order(orEmpty(network.SecurityGroups)) },
        },
        CapacityProviderStrategy: orEmpty(ecs.CapacityProviderStrategy),
        PlacementConstraints: orEmpty(ecs.PlacementConstraints),
        PlacementStrategy: orEmpty(ecs.PlacementStrategy),
        EnableECSManagedTags: ecs.EnableECSManagedTags ?? (style.spellDefaults ? false : undefined),
        EnableExecuteCommand: ecs.EnableExecuteCommand ?? (style.spellDefaults ? false : undefined),
        Tags: tags as Record<string, string>[] | undefined,
      },
    },
  };
}

/** What DescribeTaskDefinition returns for the revision the controller registered from `manifest` (with or without its spec-hash tag). */
export function registeredTaskDefinition(manifest: ScheduledTaskManifest, withHashTag = true): { taskDefinition: TaskDefinition; tags: { key: string; value: string }[] } {
  const { input } = buildTaskDefinitionRegistration(manifest, undefined, { controllerId: 'c1', revision: 'r1', sourceFile: 'scheduled/report.yaml' });
  const { tags, ...body } = input;
  const taskDefinition = {
    ...structuredClone(body),
    taskDefinitionArn: LIVE_TD_ARN,
    revision: 3,
    status: 'ACTIVE',
    registeredAt: new Date('2025-01-01T00:00:00Z'),
    registeredBy: `arn:aws:iam::${ACCOUNT}:role/deployer`,
    compatibilities: ['EC2', 'FARGATE'],
  } as TaskDefinition;
  const kept = (tags ?? []).filter((t) => withHashTag || t.key !== TAG_SPEC_HASH) as { key: string; value: string }[];
  return { taskDefinition, tags: kept };
}
