/**
 * The least-privilege policy (deploy/iam/ecs-gitops-policy.json) grants
 * exactly the AWS operations the code can call, found by scanning src/ for the
 * SDK commands it loads, every mutating one is bounded by the ownership tag
 * equal to the controller id, and requests put to it as IAM evaluates them
 * show the takeovers denied and the controller's own calls allowed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ECS_OPERATIONS, MUTATING_OPERATIONS } from '../../src/ecs/index.js';
import { MUTATING_SCALING_OPERATIONS, SCALING_OPERATIONS } from '../../src/autoscaling/scaling-api.js';
import { MUTATING_SCHEDULER_OPERATIONS, SCHEDULER_OPERATIONS, scheduleGroupName } from '../../src/scheduler/scheduler-api.js';
import { allowingStatements, trustingStatements, type TrustStatement } from './iam-evaluate.js';

const root = path.resolve(import.meta.dirname, '../..');
/** The id the sample policy is written for: `--controller-id`'s default (the CloudFormation template's ControllerId parameter). */
const CONTROLLER_ID = 'ecs-gitops';

interface Statement {
  readonly Sid: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

function loadPolicy(): { Version: string; Statement: Statement[] } {
  return JSON.parse(readFileSync(path.join(root, 'deploy/iam/ecs-gitops-policy.json'), 'utf8')) as { Version: string; Statement: Statement[] };
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The mutating calls on a service deployment, whose own ARN takes no tag condition (see the tests below). */
const DEPLOYMENT_ACTIONS: ReadonlySet<string> = new Set(['ContinueServiceDeployment', 'StopServiceDeployment']);
const SERVICE_DEPLOYMENT_SID = 'ContinueOrStopServiceDeploymentsTheServiceStatementBounds';
/** The HA lease table (docs/ha.md#permissions): tables named ecs-gitops*, whatever Region and account. */
const LEASE_TABLE_SID = 'HaLeaseTable';
const LEASE_TABLE_RESOURCE = 'arn:aws:dynamodb:*:*:table/ecs-gitops*';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (full.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** The IAM service prefix of each SDK client package the code loads. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  ecs: 'ecs', ecr: 'ecr', 'application-auto-scaling': 'application-autoscaling', cloudwatch: 'cloudwatch', scheduler: 'scheduler',
  ssm: 'ssm', cloudformation: 'cloudformation', sts: 'sts', sns: 'sns', dynamodb: 'dynamodb',
};

/**
 * Actions IAM checks that no SDK command names: tagging while registering a
 * target or putting an alarm with Tags (application-autoscaling:TagResource is
 * also called directly when an adopted target is claimed), the service-linked
 * role Application Auto Scaling creates on the first registration, and the
 * roles task definitions and schedules pass (a schedule's Target.RoleArn, to
 * scheduler.amazonaws.com).
 */
const IMPLIED_ACTIONS = ['iam:PassRole', 'iam:CreateServiceLinkedRole', 'cloudwatch:TagResource'];

/**
 * `ecs:Xxx`, `ecr:Xxx`, `application-autoscaling:Xxx`, `cloudwatch:Xxx`,
 * `scheduler:Xxx`, `ssm:Xxx`, `cloudformation:Xxx` (the lookups), `sts:Xxx`
 * (environments' roles), `sns:Xxx` (notifiers' topics), `dynamodb:Xxx` (the
 * HA lease table, src/ha/lease-table.ts) for every
 * `XxxCommand` a run-time (non type-only) import brings in from the SDK.
 * The sandbox is a fake of those services, not a caller.
 */
function actionsCalledBySource(): Set<string> {
  const found = new Set<string>();
  const importRe = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-(ecs|ecr|application-auto-scaling|cloudwatch|scheduler|ssm|cloudformation|sts|sns|dynamodb)'/g;
  for (const file of sourceFiles(path.join(root, 'src'))) {
    if (file.includes(`${path.sep}sandbox${path.sep}`)) continue;
    const text = readFileSync(file, 'utf8');
    const imported = new Map<string, string>();
    for (const match of text.matchAll(importRe)) {
      if (match[1]) continue;
      for (const raw of (match[2] ?? '').split(',')) {
        const command = /^(\w+)Command$/.exec(raw.trim());
        if (command?.[1]) {
          const action = `${IAM_PREFIX[match[3] ?? ''] ?? ''}:${command[1]}`;
          imported.set(command[1], action);
          found.add(action);
        }
      }
    }
    // Every command constructed by name must come from an SDK import seen above.
    for (const match of text.matchAll(/new\s+([A-Z]\w*)Command\(/g)) {
      const action = imported.get(match[1] ?? '');
      expect(action, `${path.relative(root, file)}: new ${match[1]}Command( without an SDK import`).toBeDefined();
    }
  }
  for (const action of NEEDS_NO_PERMISSION) found.delete(action);
  return found;
}

/**
 * Calls IAM never checks, so no policy grants them: STS GetCallerIdentity
 * ("no permissions are required", even under an explicit deny), which the
 * connection makes to learn the controller's own account (src/accounts/own-account.ts).
 */
const NEEDS_NO_PERMISSION: readonly string[] = ['sts:GetCallerIdentity'];

describe('deploy/iam/ecs-gitops-policy.json', () => {
  const policy = loadPolicy();
  const allActions = new Set(policy.Statement.flatMap(actionsOf));

  it('grants exactly the operations the code calls, plus the actions IAM checks beside them', () => {
    const called = actionsCalledBySource();
    // The scan must find the adapters' commands; an empty scan would prove nothing.
    expect(called.size).toBeGreaterThanOrEqual(ECS_OPERATIONS.length + SCALING_OPERATIONS.length + SCHEDULER_OPERATIONS.length);
    expect([...allActions].sort()).toEqual([...new Set([...called, ...IMPLIED_ACTIONS])].sort());
  });

  it('agrees with the EcsApi operation list', () => {
    const ecsActions = [...allActions].filter((a) => a.startsWith('ecs:')).sort();
    expect(ecsActions).toEqual(ECS_OPERATIONS.map((op) => `ecs:${op}`).sort());
  });

  it('agrees with the SchedulerApi operation list', () => {
    const schedulerActions = [...allActions].filter((a) => a.startsWith('scheduler:')).sort();
    expect(schedulerActions).toEqual(SCHEDULER_OPERATIONS.map((op) => `scheduler:${op}`).sort());
  });

  it('has no wildcard actions and only Allow statements with unique Sids', () => {
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of actionsOf(s)) expect(a).not.toContain('*');
    }
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
  });

  it('bounds every mutating ECS action by the ownership tag equal to this controller id, never by its mere presence', () => {
    for (const op of MUTATING_OPERATIONS) {
      const granting = policy.Statement.filter((s) => actionsOf(s).includes(`ecs:${op}`));
      expect(granting.length, op).toBeGreaterThan(0);
      // A service deployment carries no tags of its own; IAM authorizes these actions on the service
      // as well (both resource types are required), and that statement carries the owner condition.
      for (const s of granting.filter((st) => !(DEPLOYMENT_ACTIONS.has(op) && st.Sid === SERVICE_DEPLOYMENT_SID))) {
        const equals = { ...(s.Condition?.StringEquals ?? {}) };
        const owner = equals['aws:ResourceTag/ecs-gitops/managed-by'] ?? equals['aws:RequestTag/ecs-gitops/managed-by'];
        expect(owner, `${op} in ${s.Sid}`).toBe(CONTROLLER_ID);
        expect(JSON.stringify(s.Condition?.Null ?? {}), `${op} in ${s.Sid}`).not.toContain('"false"');
      }
    }
  });

  // Requests put to the policy as IAM would evaluate them: the takeover the
  // security review found (tag any untagged resource, then change it) and the
  // controller's own calls, which must all still pass.
  const SERVICE = 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web';
  const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod';
  const TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3';
  const OURS = { 'aws:ResourceTag/ecs-gitops/managed-by': CONTROLLER_ID };
  const CLAIM = { 'aws:RequestTag/ecs-gitops/managed-by': CONTROLLER_ID };
  const allowed = (action: string, resource: string, context: Record<string, string>) =>
    allowingStatements(policy.Statement, { action, resource, context });

  it.each([
    ['claiming an untagged service by tagging it', 'ecs:TagResource', SERVICE, CLAIM],
    ['claiming an untagged cluster by tagging it', 'ecs:TagResource', CLUSTER, CLAIM],
    ["tagging another controller's service as ours", 'ecs:TagResource', SERVICE, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other', ...CLAIM }],
    ["updating another controller's service", 'ecs:UpdateService', SERVICE, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other' }],
    ["deleting another controller's service", 'ecs:DeleteService', SERVICE, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other' }],
    ['updating an untagged cluster', 'ecs:UpdateCluster', CLUSTER, {}],
    ['handing our service to another controller', 'ecs:TagResource', SERVICE, { ...OURS, 'aws:RequestTag/ecs-gitops/managed-by': 'other' }],
    ['adopting a resource opted in for another controller', 'ecs:TagResource', SERVICE, { 'aws:ResourceTag/ecs-gitops/adopt': 'other', ...CLAIM }],
    ['creating a service owned by another id', 'ecs:CreateService', SERVICE, { 'aws:RequestTag/ecs-gitops/managed-by': 'other' }],
    ['passing an arbitrary role to ECS tasks', 'iam:PassRole', 'arn:aws:iam::123456789012:role/admin', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }],
    ['passing a task role to another service', 'iam:PassRole', 'arn:aws:iam::123456789012:role/ecs-tasks/app', { 'iam:PassedToService': 'ec2.amazonaws.com' }],
  ])('denies %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context)).toEqual([]);
  });

  it.each([
    ['creating a service it tags as its own', 'ecs:CreateService', SERVICE, CLAIM],
    ['registering a task definition it tags as its own', 'ecs:RegisterTaskDefinition', TASK_DEFINITION, CLAIM],
    ['tagging on create', 'ecs:TagResource', SERVICE, { 'ecs:CreateAction': 'CreateService', ...CLAIM }],
    ['updating its own service', 'ecs:UpdateService', SERVICE, OURS],
    ['re-stamping its own service', 'ecs:TagResource', SERVICE, { ...OURS, ...CLAIM }],
    ['removing a user tag from its own cluster', 'ecs:UntagResource', CLUSTER, OURS],
    ['deleting its own service (prune)', 'ecs:DeleteService', SERVICE, OURS],
    ['adopting a service a person tagged ecs-gitops/adopt=<id>', 'ecs:TagResource', SERVICE, { 'aws:ResourceTag/ecs-gitops/adopt': CONTROLLER_ID, ...CLAIM }],
    ['passing a role under the task role path to ECS tasks', 'iam:PassRole', 'arn:aws:iam::123456789012:role/ecs-tasks/app', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }],
  ])('allows %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context).length).toBeGreaterThan(0);
  });

  // ContinueServiceDeployment and StopServiceDeployment (`ecs-gitops continue`, `ecs-gitops rollback`): the IAM
  // service authorization reference lists two required resource types for each, the service (with
  // aws:ResourceTag) and the service deployment (with ecs:cluster and ecs:service, and no ecs:ResourceTag:
  // TagResource cannot tag one). Both must be allowed; the service's owner tag bounds the pair (docs/security.md).
  const DEPLOYMENT = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/r9i43YFjvgF_xlg7m2eJ1r';
  const bothAllowed = (action: string, serviceContext: Record<string, string>) =>
    allowed(action, SERVICE, serviceContext).length > 0 && allowed(action, DEPLOYMENT, {}).length > 0;

  it('grants ContinueServiceDeployment and StopServiceDeployment unconditioned only on service-deployment ARNs, and on services only with the owner tag', () => {
    const unbounded = policy.Statement.find((s) => s.Sid === SERVICE_DEPLOYMENT_SID);
    expect(unbounded?.Resource).toBe('arn:aws:ecs:*:*:service-deployment/*/*/*');
    expect(unbounded?.Condition).toBeUndefined();
    expect([...actionsOf(unbounded as Statement)].sort()).toEqual([...DEPLOYMENT_ACTIONS].map((op) => `ecs:${op}`).sort());
    for (const op of DEPLOYMENT_ACTIONS) {
      const onServices = policy.Statement.filter((s) => s.Sid !== SERVICE_DEPLOYMENT_SID && actionsOf(s).includes(`ecs:${op}`));
      expect(onServices.map((s) => s.Sid)).toEqual(['ContinueOrStopDeploymentsOfOwnServicesOnly']);
    }
  });

  it.each([
    ['rolling back a deployment of its own service', 'ecs:StopServiceDeployment', OURS, true],
    ['continuing a paused deployment of its own service', 'ecs:ContinueServiceDeployment', OURS, true],
    ["rolling back a deployment of another controller's service", 'ecs:StopServiceDeployment', { 'aws:ResourceTag/ecs-gitops/managed-by': 'other' }, false],
    ['continuing a deployment of an untagged service', 'ecs:ContinueServiceDeployment', {}, false],
    ['rolling back a deployment of an untagged service', 'ecs:StopServiceDeployment', {}, false],
  ] as const)('%s: allowed %s', (_what, action, serviceContext, expected) => {
    expect(bothAllowed(action, serviceContext)).toBe(expected);
  });

  // kind: CapacityProvider: the same ownership rules as clusters and services (docs/controller.md, Capacity providers).
  const CAPACITY_PROVIDER = 'arn:aws:ecs:eu-west-1:123456789012:capacity-provider/workers';
  it.each([
    ['creating a capacity provider it tags as its own', 'ecs:CreateCapacityProvider', CAPACITY_PROVIDER, CLAIM],
    ['tagging a capacity provider on create', 'ecs:TagResource', CAPACITY_PROVIDER, { 'ecs:CreateAction': 'CreateCapacityProvider', ...CLAIM }],
    ['updating its own capacity provider', 'ecs:UpdateCapacityProvider', CAPACITY_PROVIDER, OURS],
    ['deleting its own capacity provider (prune)', 'ecs:DeleteCapacityProvider', CAPACITY_PROVIDER, OURS],
    ['adopting a capacity provider a person tagged ecs-gitops/adopt=<id>', 'ecs:TagResource', CAPACITY_PROVIDER, { 'aws:ResourceTag/ecs-gitops/adopt': CONTROLLER_ID, ...CLAIM }],
    ['describing capacity providers', 'ecs:DescribeCapacityProviders', '*', {}],
    ['listing the clusters that may attach a provider', 'ecs:ListClusters', '*', {}],
  ])('allows %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context).length).toBeGreaterThan(0);
  });

  it.each([
    ['creating a capacity provider without the ownership tag', 'ecs:CreateCapacityProvider', CAPACITY_PROVIDER, {}],
    ['creating a capacity provider owned by another id', 'ecs:CreateCapacityProvider', CAPACITY_PROVIDER, { 'aws:RequestTag/ecs-gitops/managed-by': 'other' }],
    ["updating another controller's capacity provider", 'ecs:UpdateCapacityProvider', CAPACITY_PROVIDER, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other' }],
    ["deleting another controller's capacity provider", 'ecs:DeleteCapacityProvider', CAPACITY_PROVIDER, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other' }],
    ['updating an untagged capacity provider', 'ecs:UpdateCapacityProvider', CAPACITY_PROVIDER, {}],
    ['deleting an untagged capacity provider', 'ecs:DeleteCapacityProvider', CAPACITY_PROVIDER, {}],
    ['claiming an untagged capacity provider by tagging it', 'ecs:TagResource', CAPACITY_PROVIDER, CLAIM],
    ["tagging another controller's capacity provider as ours", 'ecs:TagResource', CAPACITY_PROVIDER, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other', ...CLAIM }],
    ['adopting a capacity provider opted in for another controller', 'ecs:TagResource', CAPACITY_PROVIDER, { 'aws:ResourceTag/ecs-gitops/adopt': 'other', ...CLAIM }],
    ["adopting another controller's capacity provider even with the adopt tag", 'ecs:TagResource', CAPACITY_PROVIDER,
      { 'aws:ResourceTag/ecs-gitops/adopt': CONTROLLER_ID, 'aws:ResourceTag/ecs-gitops/managed-by': 'other', ...CLAIM }],
  ])('denies %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context)).toEqual([]);
  });

  it('bounds every scaling write by the ownership tag or, for alarms, by the controller\'s alarm name prefix', () => {
    for (const op of MUTATING_SCALING_OPERATIONS) {
      const action = op === 'PutMetricAlarm' || op === 'DeleteAlarms' ? `cloudwatch:${op}` : `application-autoscaling:${op}`;
      const granting = policy.Statement.filter((s) => actionsOf(s).includes(action));
      expect(granting.length, action).toBeGreaterThan(0);
      for (const s of granting) {
        const equals = { ...(s.Condition?.StringEquals ?? {}) };
        const owner = equals['aws:ResourceTag/ecs-gitops/managed-by'] ?? equals['aws:RequestTag/ecs-gitops/managed-by'];
        if (action.startsWith('cloudwatch:')) expect(s.Resource, `${action} in ${s.Sid}`).toBe('arn:aws:cloudwatch:*:*:alarm:ecs-gitops/*');
        else expect(owner, `${action} in ${s.Sid}`).toBe(CONTROLLER_ID);
      }
    }
  });

  const TARGET = 'arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0123456789abcdef0123456789abcdef';
  it.each([
    ['registering a scalable target tagged as its own', 'application-autoscaling:RegisterScalableTarget', TARGET, CLAIM],
    ['changing the bounds of its own target', 'application-autoscaling:RegisterScalableTarget', TARGET, OURS],
    ['putting a policy on its own target', 'application-autoscaling:PutScalingPolicy', TARGET, OURS],
    ['deregistering its own target', 'application-autoscaling:DeregisterScalableTarget', TARGET, OURS],
    ['putting a step scaling alarm it names', 'cloudwatch:PutMetricAlarm', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ecs-gitops/demo/web/backlog', CLAIM],
    ['creating the ECS scaling service-linked role', 'iam:CreateServiceLinkedRole',
      'arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService',
      { 'iam:AWSServiceName': 'ecs.application-autoscaling.amazonaws.com' }],
  ])('allows %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context).length).toBeGreaterThan(0);
  });

  it.each([
    ['putting a policy on a target registered outside Git', 'application-autoscaling:PutScalingPolicy', TARGET, {}],
    ["deregistering another controller's target", 'application-autoscaling:DeregisterScalableTarget', TARGET, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other' }],
    ['changing an alarm it did not name', 'cloudwatch:PutMetricAlarm', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:TargetTracking-service/demo/web-AlarmHigh-1', {}],
    ['deleting an alarm it did not name', 'cloudwatch:DeleteAlarms', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:billing', {}],
    ['creating another service-linked role', 'iam:CreateServiceLinkedRole', 'arn:aws:iam::123456789012:role/aws-service-role/ec2.amazonaws.com/x', { 'iam:AWSServiceName': 'ec2.amazonaws.com' }],
  ])('denies %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context)).toEqual([]);
  });

  it('passes roles only under one IAM path per service: task roles to ECS tasks, schedule roles to Scheduler', () => {
    const passRole = policy.Statement.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole.map((s) => s.Sid).sort()).toEqual(['PassSchedulerRolesToSchedulerOnly', 'PassTaskRolesToEcsTasksOnly']);
    for (const s of passRole) {
      expect(actionsOf(s)).toEqual(['iam:PassRole']);
      expect(s.Resource).toMatch(/^arn:aws:iam::[^:]*:role\/[\w+=,.@-]+\/\*$/);
    }
    const bySid = (sid: string) => passRole.find((s) => s.Sid === sid) as Statement;
    expect(bySid('PassTaskRolesToEcsTasksOnly').Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect(bySid('PassSchedulerRolesToSchedulerOnly').Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    // Two paths: a manifest cannot hand a task role to Scheduler, nor a schedule role to a task.
    expect(bySid('PassSchedulerRolesToSchedulerOnly').Resource).not.toEqual(bySid('PassTaskRolesToEcsTasksOnly').Resource);
  });

  it('bounds every Scheduler write to the schedule groups named for the controller, and group writes by the ownership tag', () => {
    for (const op of MUTATING_SCHEDULER_OPERATIONS) {
      const action = `scheduler:${op}`;
      const granting = policy.Statement.filter((s) => actionsOf(s).includes(action));
      expect(granting.length, action).toBeGreaterThan(0);
      for (const s of granting) {
        const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
        // Schedules take no tags: their group's name is what bounds them.
        if (op === 'CreateSchedule' || op === 'UpdateSchedule' || op === 'DeleteSchedule') {
          expect(resources, `${action} in ${s.Sid}`).toEqual(['arn:aws:scheduler:*:*:schedule/ecs-gitops*/*']);
        } else {
          expect(resources, `${action} in ${s.Sid}`).toEqual(['arn:aws:scheduler:*:*:schedule-group/ecs-gitops*']);
          expect(s.Condition?.StringEquals?.['aws:RequestTag/ecs-gitops/managed-by'], `${action} in ${s.Sid}`).toBe(CONTROLLER_ID);
        }
      }
    }
  });

  // kind: ScheduledTask and deploy hooks, as IAM would evaluate them.
  const GROUP = `arn:aws:scheduler:eu-west-1:123456789012:schedule-group/${scheduleGroupName(CONTROLLER_ID)}`;
  const TEAM_GROUP = `arn:aws:scheduler:eu-west-1:123456789012:schedule-group/${scheduleGroupName('team-a')}`;
  const SCHEDULE = `arn:aws:scheduler:eu-west-1:123456789012:schedule/${scheduleGroupName(CONTROLLER_ID)}/nightly`;
  const TASK = 'arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef';
  it.each([
    ['creating its schedule group tagged as its own', 'scheduler:CreateScheduleGroup', GROUP, CLAIM],
    ['tagging its group on create (no tags yet)', 'scheduler:TagResource', GROUP, CLAIM],
    ["creating another controller id's group (ecs-gitops-<id>) tagged with this id", 'scheduler:CreateScheduleGroup', TEAM_GROUP, CLAIM],
    ['re-stamping its own group', 'scheduler:TagResource', GROUP, { ...OURS, ...CLAIM }],
    ['reading its group and its tags', 'scheduler:ListTagsForResource', GROUP, {}],
    ['reading a schedule of its group', 'scheduler:GetSchedule', SCHEDULE, {}],
    ['listing schedules', 'scheduler:ListSchedules', '*', {}],
    ['creating a schedule in its group', 'scheduler:CreateSchedule', SCHEDULE, {}],
    ['replacing a schedule of its group', 'scheduler:UpdateSchedule', SCHEDULE, {}],
    ['deleting a schedule of its group (prune)', 'scheduler:DeleteSchedule', SCHEDULE, {}],
    ['passing a schedule role under the Scheduler path to Scheduler', 'iam:PassRole', 'arn:aws:iam::123456789012:role/ecs-scheduler/nightly',
      { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
    ['running a hook task from a task definition it registered', 'ecs:RunTask', TASK_DEFINITION, { ...OURS, 'ecs:cluster': CLUSTER }],
    ['tagging the hook task it starts as its own', 'ecs:TagResource', TASK, { 'ecs:CreateAction': 'RunTask', ...CLAIM }],
    ['stopping a hook task it started (timeout)', 'ecs:StopTask', TASK, OURS],
    ['reading tasks', 'ecs:DescribeTasks', '*', {}],
  ])('allows %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context).length).toBeGreaterThan(0);
  });

  it.each([
    ['creating a schedule group owned by another id', 'scheduler:CreateScheduleGroup', GROUP, { 'aws:RequestTag/ecs-gitops/managed-by': 'other' }],
    ['creating a schedule group without the ownership tag', 'scheduler:CreateScheduleGroup', GROUP, {}],
    ["claiming another controller's group", 'scheduler:TagResource', GROUP, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other', ...CLAIM }],
    ['handing its group to another controller', 'scheduler:TagResource', GROUP, { ...OURS, 'aws:RequestTag/ecs-gitops/managed-by': 'other' }],
    ['creating a group not named for the controller', 'scheduler:CreateScheduleGroup', 'arn:aws:scheduler:eu-west-1:123456789012:schedule-group/default', CLAIM],
    ["changing a schedule in another tool's group", 'scheduler:UpdateSchedule', 'arn:aws:scheduler:eu-west-1:123456789012:schedule/default/backup', {}],
    ["deleting a schedule in another tool's group", 'scheduler:DeleteSchedule', 'arn:aws:scheduler:eu-west-1:123456789012:schedule/billing/close', {}],
    ['passing a task role to Scheduler', 'iam:PassRole', 'arn:aws:iam::123456789012:role/ecs-tasks/app', { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
    ['passing a schedule role to ECS tasks', 'iam:PassRole', 'arn:aws:iam::123456789012:role/ecs-scheduler/nightly', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }],
    ['passing an arbitrary role to Scheduler', 'iam:PassRole', 'arn:aws:iam::123456789012:role/admin', { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
    ['running a task definition registered outside Git', 'ecs:RunTask', TASK_DEFINITION, { 'ecs:cluster': CLUSTER }],
    ['running its task definition where ECS names no cluster', 'ecs:RunTask', TASK_DEFINITION, OURS],
    ["running another controller's task definition", 'ecs:RunTask', TASK_DEFINITION, { 'aws:ResourceTag/ecs-gitops/managed-by': 'other', 'ecs:cluster': CLUSTER }],
    ['stopping a task it did not start', 'ecs:StopTask', TASK, {}],
    ['tagging a running task as its own outside RunTask', 'ecs:TagResource', TASK, CLAIM],
  ])('denies %s', (_what, action, resource, context) => {
    expect(allowed(action, resource, context)).toEqual([]);
  });

  // Lookups (docs/environments.md): parameters read without decryption, stack outputs; nothing else of SSM or CloudFormation.
  it.each([
    ['reading a parameter for ${ssm:/network/private-subnets}', 'ssm:GetParameter', 'arn:aws:ssm:eu-west-1:123456789012:parameter/network/private-subnets'],
    ['reading a stack\'s outputs for ${cfn:net.Vpc}', 'cloudformation:DescribeStacks', 'arn:aws:cloudformation:eu-west-1:123456789012:stack/net/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab'],
  ])('allows %s', (_what, action, resource) => {
    expect(allowed(action, resource, {}).length).toBeGreaterThan(0);
  });

  it.each([
    ['reading every parameter under a path at once', 'ssm:GetParametersByPath', 'arn:aws:ssm:eu-west-1:123456789012:parameter/network'],
    ['decrypting a SecureString', 'kms:Decrypt', 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab'],
    ['changing a parameter', 'ssm:PutParameter', 'arn:aws:ssm:eu-west-1:123456789012:parameter/network/private-subnets'],
    ['reading a secret', 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf'],
    ['reading a stack\'s template', 'cloudformation:GetTemplate', 'arn:aws:cloudformation:eu-west-1:123456789012:stack/net/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab'],
  ])('denies %s', (_what, action, resource) => {
    expect(allowed(action, resource, {})).toEqual([]);
  });

  it.each([
    ['assuming an environment\'s role in another account', 'sts:AssumeRole', 'arn:aws:iam::222222222222:role/ecs-gitops-target', true],
    ['assuming any other role', 'sts:AssumeRole', 'arn:aws:iam::222222222222:role/admin', false],
  ])('%s: allowed %s', (_what, action, resource, expected) => {
    expect(allowed(action, resource, {}).length > 0).toBe(expected);
  });

  // The HA lease table (src/ha/lease-table.ts): the calls the adapter makes on a table named for the controller, nothing else.
  const LEASE_TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/ecs-gitops-leases';
  it('grants the lease table exactly the DynamoDB calls the adapter makes, on tables named ecs-gitops*', () => {
    const granting = policy.Statement.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(granting.map((s) => s.Sid)).toEqual([LEASE_TABLE_SID]);
    expect(granting[0]?.Resource).toBe(LEASE_TABLE_RESOURCE);
    expect(actionsOf(granting[0] as Statement).sort()).toEqual([...actionsCalledBySource()].filter((a) => a.startsWith('dynamodb:')).sort());
  });

  it.each([
    ['taking a lease', 'dynamodb:PutItem', LEASE_TABLE],
    ['renewing a lease', 'dynamodb:UpdateItem', LEASE_TABLE],
    ['reading the leases and members', 'dynamodb:Query', LEASE_TABLE],
    ['creating the lease table', 'dynamodb:CreateTable', LEASE_TABLE],
    ['storing task definitions', 'dynamodb:BatchWriteItem', LEASE_TABLE],
  ])('allows %s', (_what, action, resource) => {
    expect(allowed(action, resource, {}).length).toBeGreaterThan(0);
  });

  it.each([
    ['writing to a table not named for the controller', 'dynamodb:PutItem', 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
    ['reading a table not named for the controller', 'dynamodb:Query', 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
    ['deleting the lease table', 'dynamodb:DeleteTable', LEASE_TABLE],
    ['scanning the lease table', 'dynamodb:Scan', LEASE_TABLE],
    ['changing the lease table', 'dynamodb:UpdateTable', LEASE_TABLE],
  ])('denies %s', (_what, action, resource) => {
    expect(allowed(action, resource, {})).toEqual([]);
  });

  it('grants reads without conditions and nothing mutating among them, but for schedules bounded by their group\'s name and environments\' roles by theirs', () => {
    for (const s of policy.Statement.filter((st) => st.Condition === undefined)) {
      for (const a of actionsOf(s)) {
        // Schedules take no tags (no condition can name their owner): their ARN names the controller's group instead.
        if (s.Sid === 'WriteSchedulesInScheduleGroupsNamedForTheController') expect(s.Resource).toBe('arn:aws:scheduler:*:*:schedule/ecs-gitops*/*');
        // A role's trust policy, in its own account, decides who may assume it; the name pattern keeps the controller to environments' roles.
        else if (s.Sid === 'AssumeEnvironmentRoles') expect(s.Resource).toBe('arn:aws:iam::*:role/ecs-gitops-target*');
        // Authorized together with the service, which the owner tag bounds (the test above).
        else if (s.Sid === SERVICE_DEPLOYMENT_SID) expect(s.Resource).toBe('arn:aws:ecs:*:*:service-deployment/*/*/*');
        // Topics carry no owner tag the controller sets: their name pattern bounds where events go (docs/security.md).
        else if (s.Sid === 'PublishToNotificationTopics') expect(s.Resource).toBe('arn:aws:sns:*:*:ecs-gitops*');
        // The HA lease table holds only the controller's own items; its name pattern bounds which tables (docs/ha.md#permissions).
        else if (s.Sid === LEASE_TABLE_SID) expect(s.Resource).toBe(LEASE_TABLE_RESOURCE);
        else expect(a).toMatch(/^(ecs|ecr|application-autoscaling|cloudwatch|scheduler|ssm|cloudformation):(Describe|List|Get)/);
      }
    }
  });
});

// Many accounts (docs/deploy.md#many-accounts): the controller's role only assumes the
// environments' roles, and each target account's role holds the controller's
// permissions for that account, trusting only the controller's role with the external ID.
describe('deploy/iam: the target role and the narrowed controller role', () => {
  const load = <T>(file: string): T => JSON.parse(readFileSync(path.join(root, 'deploy/iam', file), 'utf8')) as T;
  const controller = loadPolicy();
  const target = load<{ Version: string; Statement: Statement[] }>('ecs-gitops-target-role-policy.json');
  const assumeOnly = load<{ Version: string; Statement: Statement[] }>('ecs-gitops-controller-assume-only-policy.json');
  const trust = load<{ Version: string; Statement: TrustStatement[] }>('ecs-gitops-target-role-trust.json');
  const CONTROLLER_ROLE = 'arn:aws:iam::111111111111:role/ecs-gitops-TaskRole-EXAMPLE';
  const TARGET_ROLE = 'arn:aws:iam::222222222222:role/ecs-gitops-target';
  const PROD_SERVICE = 'arn:aws:ecs:eu-west-1:222222222222:service/prod/web';
  const OURS = { 'aws:ResourceTag/ecs-gitops/managed-by': CONTROLLER_ID };

  // What the controller does with its own credentials whatever account it manages: it assumes the
  // environments' roles, publishes notifications (docs/notifications.md) and keeps its HA lease table
  // (docs/ha.md#permissions), never through a target role.
  const CONTROLLER_ONLY_SIDS: readonly string[] = ['PublishToNotificationTopics', 'AssumeEnvironmentRoles', LEASE_TABLE_SID];

  it('gives the target role the controller\'s policy without sts:AssumeRole, sns:Publish and the lease table: a target role never assumes another, notifies nor holds leases', () => {
    expect(target).toEqual({ ...controller, Statement: controller.Statement.filter((s) => !CONTROLLER_ONLY_SIDS.includes(s.Sid)) });
    expect(target.Statement.flatMap(actionsOf).filter((a) => a.startsWith('sts:') || a.startsWith('sns:') || a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('narrows the controller to the statements that assume the environments\' roles, publish notifications and keep the lease table, the same as in its full policy', () => {
    expect(assumeOnly.Statement).toEqual(controller.Statement.filter((s) => CONTROLLER_ONLY_SIDS.includes(s.Sid)));
    expect(assumeOnly.Statement.flatMap(actionsOf).filter((a) => !a.startsWith('dynamodb:'))).toEqual(['sns:Publish', 'sts:AssumeRole']);
    expect(assumeOnly.Statement.find((s) => s.Sid === LEASE_TABLE_SID)).toEqual(controller.Statement.find((s) => s.Sid === LEASE_TABLE_SID));
  });

  it('between the narrowed controller and the target role, grants exactly the operations the code calls, sts:AssumeRole included', () => {
    const called = actionsCalledBySource();
    expect(called).toContain('sts:AssumeRole');
    const granted = new Set([...assumeOnly.Statement, ...target.Statement].flatMap(actionsOf));
    expect([...granted].sort()).toEqual([...new Set([...called, ...IMPLIED_ACTIONS])].sort());
  });

  it.each([
    ['assumes an environment\'s role', assumeOnly, 'sts:AssumeRole', TARGET_ROLE, {}, true],
    ['assumes no other role', assumeOnly, 'sts:AssumeRole', 'arn:aws:iam::222222222222:role/admin', {}, false],
    ['cannot update a service, not even its own', assumeOnly, 'ecs:UpdateService', PROD_SERVICE, OURS, false],
    ['cannot create a service', assumeOnly, 'ecs:CreateService', PROD_SERVICE, { 'aws:RequestTag/ecs-gitops/managed-by': CONTROLLER_ID }, false],
    ['cannot read lookups itself', assumeOnly, 'ssm:GetParameter', 'arn:aws:ssm:eu-west-1:111111111111:parameter/net', {}, false],
    ['cannot pass a task role', assumeOnly, 'iam:PassRole', 'arn:aws:iam::111111111111:role/ecs-tasks/app', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }, false],
    ['publishes to a notification topic', assumeOnly, 'sns:Publish', 'arn:aws:sns:eu-west-1:111111111111:ecs-gitops-deploys', {}, true],
    ['publishes to no other topic', assumeOnly, 'sns:Publish', 'arn:aws:sns:eu-west-1:111111111111:billing-alerts', {}, false],
    ['cannot create a topic', assumeOnly, 'sns:CreateTopic', 'arn:aws:sns:eu-west-1:111111111111:ecs-gitops-deploys', {}, false],
    ['renews its leases in its own lease table', assumeOnly, 'dynamodb:UpdateItem', 'arn:aws:dynamodb:eu-west-1:111111111111:table/ecs-gitops-leases', {}, true],
    ['writes to no other table', assumeOnly, 'dynamodb:PutItem', 'arn:aws:dynamodb:eu-west-1:111111111111:table/orders', {}, false],
  ] as const)('the narrowed controller role %s', (_what, document, action, resource, context, expected) => {
    expect(allowingStatements(document.Statement, { action, resource, context }).length > 0).toBe(expected);
  });

  it.each([
    ['updates its own service', 'ecs:UpdateService', PROD_SERVICE, OURS, true],
    ['reads a lookup of its account', 'ssm:GetParameter', 'arn:aws:ssm:eu-west-1:222222222222:parameter/net/subnets', {}, true],
    ['does not update a service it does not own', 'ecs:UpdateService', PROD_SERVICE, {}, false],
    ['does not assume another environment\'s role', 'sts:AssumeRole', 'arn:aws:iam::333333333333:role/ecs-gitops-target', {}, false],
    ['does not publish notifications (the controller does, with its own credentials)', 'sns:Publish', 'arn:aws:sns:eu-west-1:222222222222:ecs-gitops-deploys', {}, false],
    ['does not touch a lease table (the controller does, with its own credentials)', 'dynamodb:PutItem', 'arn:aws:dynamodb:eu-west-1:222222222222:table/ecs-gitops-leases', {}, false],
  ] as const)('the target role %s', (_what, action, resource, context, expected) => {
    expect(allowingStatements(target.Statement, { action, resource, context }).length > 0).toBe(expected);
  });

  const trusted = (principal: string, context: Record<string, string>) =>
    trustingStatements(trust.Statement, { principal: { AWS: principal }, action: 'sts:AssumeRole', context });
  it('trusts the controller\'s role only when it sends the external ID', () => {
    expect(trusted(CONTROLLER_ROLE, { 'sts:ExternalId': 'ecs-gitops-prod' })).toEqual(['TheControllerWithTheExternalId']);
    expect(trusted(CONTROLLER_ROLE, {})).toEqual([]);
    expect(trusted(CONTROLLER_ROLE, { 'sts:ExternalId': 'ecs-gitops-dev' })).toEqual([]);
  });

  it.each([
    ['another role of the controller\'s account', 'arn:aws:iam::111111111111:role/deployer'],
    ['the controller\'s account as a whole', 'arn:aws:iam::111111111111:root'],
    ['a role of the same name in another account', 'arn:aws:iam::999999999999:role/ecs-gitops-TaskRole-EXAMPLE'],
  ])('does not trust %s, even with the external ID', (_what, principal) => {
    expect(trusted(principal, { 'sts:ExternalId': 'ecs-gitops-prod' })).toEqual([]);
  });

  it('names one role as principal, never a wildcard, and only sts:AssumeRole', () => {
    for (const s of trust.Statement) {
      expect(s.Principal).toEqual({ AWS: CONTROLLER_ROLE });
      expect(s.Action).toBe('sts:AssumeRole');
      expect(s.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'ecs-gitops-prod' } });
    }
  });
});
