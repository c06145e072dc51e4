/**
 * One document per kind: ScheduledTask and spec.hooks rule, with the code,
 * pointer and position validate reports. ScheduledTask documents share a
 * 6-line header, so the fields a case adds start on line 7 (the schedule,
 * unless the case replaces it, is line 7). Service documents with hooks share
 * a 7-line header (`preDeploy:` on line 7), so hooks start on line 8.
 */
import type { RuleCase } from './autoscaling-rule-cases.js';

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/scheduler';
const HEAD = `apiVersion: ecs-gitops/v1\nkind: ScheduledTask\nmetadata: {name: nightly, cluster: demo}\nspec:\n  roleArn: ${ROLE_ARN}\n  taskDefinition: {family: job, containerDefinitions: [{name: job, image: busybox, memory: 128}]}\n`;
/** A ScheduledTask with `schedule` on line 7 and `fields` from line 8. */
export const task = (fields = '', schedule = 'rate(1 day)'): string => `${HEAD}  schedule: ${schedule}\n${fields}`;
const FARGATE_TD = '{family: job, cpu: "256", memory: "512", networkMode: awsvpc, containerDefinitions: [{name: job, image: busybox}]}';
const fargateTask = (fields: string): string => task(fields).replace(/taskDefinition: \{.*\}\n/, `taskDefinition: ${FARGATE_TD}\n`);

const SVC = 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: api, cluster: demo}\nspec:\n  taskDefinition: {family: api, containerDefinitions: [{name: api, image: nginx, memory: 128}]}\n  hooks:\n    preDeploy:\n';
/** A Service whose preDeploy hooks are `hooks` (one per line, from line 8), with `more` after them. */
export const hooks = (lines: readonly string[], more = ''): string => `${SVC}${lines.map((l) => `      - ${l}\n`).join('')}${more}`;

export const SCHEDULED_TASK_CASES: readonly RuleCase[] = [
  // schedule expressions
  { name: 'schedule that is not at, rate or cron', content: task('', 'every day'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'] },
  { name: 'cron with five fields', content: task('', '"cron(0 2 * * ?)"'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'], says: 'six fields' },
  { name: 'cron with ? in neither day field', content: task('', 'cron(0 2 * * MON *)'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'], says: 'exactly one of day-of-month' },
  { name: 'cron with ? in both day fields', content: task('', 'cron(0 2 ? * ? *)'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'], says: 'exactly one of day-of-month' },
  { name: 'cron minute out of range', content: task('', 'cron(60 2 ? * MON *)'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'], says: 'minutes "60"' },
  { name: 'rate of 1 with a plural unit', content: task('', 'rate(1 days)'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'], says: 'rate(1 day)' },
  { name: 'rate in seconds', content: task('', 'rate(30 seconds)'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'] },
  { name: 'at() on a day the month does not have', content: task('', 'at(2025-02-29T08:00:00)'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'] },
  { name: 'at() with a time zone offset', content: task('', 'at(2025-06-01T08:00:00Z)'), expected: ['7:13 MANIFEST_SCHEDULE_EXPRESSION /spec/schedule'] },
  { name: 'schedule missing', content: task('').replace('  schedule: rate(1 day)\n', ''), expected: ['4:1 MANIFEST_MISSING_FIELD /spec/schedule'] },
  // time zone and dates
  { name: 'timezone that is not IANA', content: task('  timezone: Mars/Olympus_Mons\n'), expected: ['8:13 MANIFEST_SCHEDULE_TIMEZONE /spec/timezone'] },
  { name: 'timezone written as an offset', content: task('  timezone: "+02:00"\n'), expected: ['8:13 MANIFEST_SCHEDULE_TIMEZONE /spec/timezone'] },
  { name: 'startDate without a time', content: task('  startDate: "2025-06-01"\n'), expected: ['8:14 MANIFEST_SCHEDULE_DATES /spec/startDate'] },
  { name: 'endDate without an offset', content: task('  endDate: "2025-06-01T08:00:00"\n'), expected: ['8:12 MANIFEST_SCHEDULE_DATES /spec/endDate'] },
  { name: 'endDate before startDate', content: task('  startDate: "2025-06-02T00:00:00Z"\n  endDate: "2025-06-01T00:00:00Z"\n'), expected: ['9:12 MANIFEST_SCHEDULE_DATES /spec/endDate'] },
  { name: 'endDate equal to startDate in another offset', content: task('  startDate: "2025-06-01T02:00:00+02:00"\n  endDate: "2025-06-01T00:00:00Z"\n'), expected: ['9:12 MANIFEST_SCHEDULE_DATES /spec/endDate'] },
  // flexible time window
  { name: 'FLEXIBLE without maximumWindowInMinutes', content: task('  flexibleTimeWindow: {mode: FLEXIBLE}\n'), expected: ['8:30 MANIFEST_FLEXIBLE_TIME_WINDOW /spec/flexibleTimeWindow/maximumWindowInMinutes'] },
  { name: 'OFF with maximumWindowInMinutes', content: task('  flexibleTimeWindow: {mode: "OFF", maximumWindowInMinutes: 5}\n'), expected: ['8:37 MANIFEST_FLEXIBLE_TIME_WINDOW /spec/flexibleTimeWindow/maximumWindowInMinutes'] },
  { name: 'maximumWindowInMinutes above 1440', content: task('  flexibleTimeWindow: {mode: FLEXIBLE, maximumWindowInMinutes: 1441}\n'), expected: ['8:64 MANIFEST_INVALID_VALUE /spec/flexibleTimeWindow/maximumWindowInMinutes'] },
  { name: 'maximumWindowInMinutes of 0', content: task('  flexibleTimeWindow: {mode: FLEXIBLE, maximumWindowInMinutes: 0}\n'), expected: ['8:64 MANIFEST_INVALID_VALUE /spec/flexibleTimeWindow/maximumWindowInMinutes'] },
  { name: 'flexibleTimeWindow without mode', content: task('  flexibleTimeWindow: {maximumWindowInMinutes: 5}\n'), expected: ['8:3 MANIFEST_MISSING_FIELD /spec/flexibleTimeWindow/mode'] },
  // retry policy, task count, state, group
  { name: 'maximumEventAgeInSeconds below 60', content: task('  retryPolicy: {maximumEventAgeInSeconds: 59}\n'), expected: ['8:43 MANIFEST_INVALID_VALUE /spec/retryPolicy/maximumEventAgeInSeconds'] },
  { name: 'maximumEventAgeInSeconds above a day', content: task('  retryPolicy: {maximumEventAgeInSeconds: 86401}\n'), expected: ['8:43 MANIFEST_INVALID_VALUE /spec/retryPolicy/maximumEventAgeInSeconds'] },
  { name: 'maximumRetryAttempts above 185', content: task('  retryPolicy: {maximumRetryAttempts: 186}\n'), expected: ['8:39 MANIFEST_INVALID_VALUE /spec/retryPolicy/maximumRetryAttempts'] },
  { name: 'negative maximumRetryAttempts', content: task('  retryPolicy: {maximumRetryAttempts: -1}\n'), expected: ['8:39 MANIFEST_INVALID_VALUE /spec/retryPolicy/maximumRetryAttempts'] },
  { name: 'taskCount of 0', content: task('  taskCount: 0\n'), expected: ['8:14 MANIFEST_INVALID_VALUE /spec/taskCount'] },
  { name: 'taskCount above 10', content: task('  taskCount: 11\n'), expected: ['8:14 MANIFEST_INVALID_VALUE /spec/taskCount'] },
  { name: 'state that Scheduler does not know', content: task('  state: PAUSED\n'), expected: ['8:10 MANIFEST_BAD_ENUM /spec/state'] },
  { name: 'group over 255 characters', content: task(`  group: ${'g'.repeat(256)}\n`), expected: ['8:10 MANIFEST_INVALID_VALUE /spec/group'] },
  { name: 'actionAfterCompletion is not offered', content: task('  actionAfterCompletion: DELETE\n'), expected: ['8:3 MANIFEST_UNKNOWN_FIELD /spec/actionAfterCompletion'], says: 'one-time schedule again' },
  // ARNs
  { name: 'roleArn that is a user', content: task('').replace(ROLE_ARN, 'arn:aws:iam::123456789012:user/ops'), expected: ['5:12 MANIFEST_SCHEDULE_ARN /spec/roleArn'] },
  { name: 'roleArn that is a role name', content: task('').replace(ROLE_ARN, 'scheduler'), expected: ['5:12 MANIFEST_SCHEDULE_ARN /spec/roleArn'] },
  { name: 'roleArn missing', content: task('').replace(`  roleArn: ${ROLE_ARN}\n`, ''), expected: ['4:1 MANIFEST_MISSING_FIELD /spec/roleArn'] },
  { name: 'deadLetterConfig that is an SNS topic', content: task('  deadLetterConfig: {arn: "arn:aws:sns:eu-west-1:123456789012:dlq"}\n'), expected: ['8:27 MANIFEST_SCHEDULE_ARN /spec/deadLetterConfig/arn'] },
  { name: 'deadLetterConfig without arn', content: task('  deadLetterConfig: {}\n'), expected: ['8:3 MANIFEST_MISSING_FIELD /spec/deadLetterConfig/arn'] },
  { name: 'kmsKeyArn that is a key id', content: task('  kmsKeyArn: 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\n'), expected: ['8:14 MANIFEST_SCHEDULE_ARN /spec/kmsKeyArn'] },
  // metadata
  { name: 'schedule name with a space', content: task('').replace('name: nightly,', 'name: nightly report,'), expected: ['3:18 MANIFEST_INVALID_VALUE /metadata/name'], says: 'schedule name' },
  { name: 'schedule name over 64 characters', content: task('').replace('name: nightly,', `name: ${'n'.repeat(65)},`), expected: ['3:18 MANIFEST_INVALID_VALUE /metadata/name'] },
  { name: 'no cluster', content: task('').replace('name: nightly, cluster: demo', 'name: nightly'), expected: ['3:1 MANIFEST_MISSING_FIELD /metadata/cluster'] },
  // launch and network
  { name: 'launchType and capacityProviderStrategy together', content: task('  launchType: EC2\n  capacityProviderStrategy: [{capacityProvider: asg}]\n'), expected: ['9:3 MANIFEST_CONFLICTING_FIELDS /spec/capacityProviderStrategy'] },
  { name: 'launchType Scheduler does not take', content: task('  launchType: MANAGED_INSTANCES\n'), expected: ['8:15 MANIFEST_BAD_ENUM /spec/launchType'] },
  { name: 'Fargate without networkConfiguration', content: fargateTask('  launchType: FARGATE\n'), expected: ['4:1 MANIFEST_NETWORK_CONFIGURATION /spec/networkConfiguration/awsvpcConfiguration'] },
  { name: 'FARGATE_SPOT provider without networkConfiguration', content: fargateTask('  capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT, weight: 1}]\n'), expected: ['4:1 MANIFEST_NETWORK_CONFIGURATION /spec/networkConfiguration/awsvpcConfiguration'] },
  {
    name: 'Fargate with a bridge task definition and no networkConfiguration',
    content: task('  launchType: FARGATE\n'),
    expected: ['4:1 MANIFEST_NETWORK_CONFIGURATION /spec/networkConfiguration/awsvpcConfiguration', '6:3 MANIFEST_FARGATE_REQUIREMENT /spec/taskDefinition/networkMode', '6:3 MANIFEST_FARGATE_REQUIREMENT /spec/taskDefinition/cpu', '6:3 MANIFEST_FARGATE_REQUIREMENT /spec/taskDefinition/memory'],
  },
  { name: 'awsvpc on EC2 without networkConfiguration', content: task().replace('{family: job,', '{family: job, networkMode: awsvpc,'), expected: ['4:1 MANIFEST_NETWORK_CONFIGURATION /spec/networkConfiguration/awsvpcConfiguration'] },
  { name: 'awsvpcConfiguration without subnets', content: fargateTask('  launchType: FARGATE\n  networkConfiguration: {awsvpcConfiguration: {securityGroups: [sg-1]}}\n'), expected: ['9:26 MANIFEST_MISSING_FIELD /spec/networkConfiguration/awsvpcConfiguration/subnets'] },
  { name: 'networkConfiguration on a bridge task', content: task('  launchType: EC2\n  networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-1]}}\n'), expected: ['9:3 MANIFEST_NETWORK_CONFIGURATION /spec/networkConfiguration'] },
  // the task definition gets the Service's rules
  { name: 'two containers with one name', content: task().replace('[{name: job, image: busybox, memory: 128}]', '[{name: job, image: busybox, memory: 128}, {name: job, image: busybox, memory: 128}]'), expected: ['6:105 MANIFEST_CONTAINER_DEFINITIONS /spec/taskDefinition/containerDefinitions/1/name'] },
  { name: 'container without memory on EC2', content: task().replace(', memory: 128}', '}'), expected: ['6:56 MANIFEST_CONTAINER_MEMORY /spec/taskDefinition/containerDefinitions/0'] },
  { name: 'mount point on a volume that does not exist', content: task().replace('memory: 128}', 'memory: 128, mountPoints: [{sourceVolume: data, containerPath: /data}]}'), expected: ['6:126 MANIFEST_UNKNOWN_REFERENCE /spec/taskDefinition/containerDefinitions/0/mountPoints/0/sourceVolume'] },
  { name: 'reserved tag on the tasks', content: task('  tags: {"aws:team": x}\n'), expected: ['8:10 MANIFEST_RESERVED_TAG /spec/tags/aws:team'] },
  { name: 'reserved tag on the task definition', content: task().replace('{family: job,', '{family: job, tags: {"ecs-gitops/x": y},'), expected: ['6:40 MANIFEST_RESERVED_TAG /spec/taskDefinition/tags/ecs-gitops~1x'] },
  { name: 'task definition written as an ARN', content: task().replace(/taskDefinition: \{.*\}/, 'taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/job:3"'), expected: ['6:19 MANIFEST_WRONG_TYPE /spec/taskDefinition'] },
  { name: 'overrides naming an unknown field', content: task('  overrides: {containerOverride: []}\n'), expected: ['8:15 MANIFEST_UNKNOWN_FIELD /spec/overrides/containerOverride'] },
  { name: 'ignoreDifferences naming no field of the spec', content: task('  sync: {ignoreDifferences: [/desiredCount]}\n'), expected: ['8:30 MANIFEST_BAD_JSON_POINTER /spec/sync/ignoreDifferences/0'] },
];

export const HOOK_CASES: readonly RuleCase[] = [
  { name: 'hook name used in preDeploy and postDeploy', content: hooks(['{name: migrate, command: [./migrate]}'], '    postDeploy:\n      - {name: migrate, command: [./check]}\n'), expected: ['10:16 MANIFEST_HOOK_NAME /spec/hooks/postDeploy/0/name'] },
  { name: 'hook name used twice in preDeploy', content: hooks(['{name: migrate, command: [./migrate]}', '{name: migrate, command: [./seed]}']), expected: ['9:16 MANIFEST_HOOK_NAME /spec/hooks/preDeploy/1/name'] },
  { name: 'hook name with a space', content: hooks(['{name: run migrations, command: [./migrate]}']), expected: ['8:16 MANIFEST_INVALID_VALUE /spec/hooks/preDeploy/0/name'], says: 'hook name' },
  { name: 'hook name over 64 characters', content: hooks([`{name: ${'m'.repeat(65)}, command: [./migrate]}`]), expected: ['8:16 MANIFEST_INVALID_VALUE /spec/hooks/preDeploy/0/name'] },
  { name: 'hook without a name', content: hooks(['{command: [./migrate]}']), expected: ['8:9 MANIFEST_MISSING_FIELD /spec/hooks/preDeploy/0/name'] },
  { name: 'hook with command and overrides', content: hooks(['{name: migrate, command: [./migrate], overrides: {cpu: "512"}}']), expected: ['8:47 MANIFEST_HOOK_COMMAND /spec/hooks/preDeploy/0/overrides'] },
  { name: 'hook with neither command nor overrides', content: hooks(['{name: migrate, timeout: 60}']), expected: ['8:9 MANIFEST_HOOK_COMMAND /spec/hooks/preDeploy/0/command'] },
  { name: 'hook with container and overrides', content: hooks(['{name: migrate, container: api, overrides: {containerOverrides: [{name: api, command: [./migrate]}]}}']), expected: ['8:25 MANIFEST_HOOK_COMMAND /spec/hooks/preDeploy/0/container'] },
  { name: 'hook with an empty command', content: hooks(['{name: migrate, command: []}']), expected: ['8:34 MANIFEST_INVALID_VALUE /spec/hooks/preDeploy/0/command'] },
  { name: 'hook container the service has not', content: hooks(['{name: migrate, command: [./migrate], container: apj}']), expected: ['8:58 MANIFEST_HOOK_CONTAINER /spec/hooks/preDeploy/0/container'], says: 'did you mean "api"?' },
  { name: 'hook container override the service has not', content: hooks(['{name: migrate, overrides: {containerOverrides: [{name: worker, command: [./migrate]}]}}']), expected: ['8:65 MANIFEST_HOOK_CONTAINER /spec/hooks/preDeploy/0/overrides/containerOverrides/0/name'] },
  {
    name: 'hook container of the service while the hook runs its own task definition',
    content: hooks(['{name: migrate, command: [./migrate], container: api, taskDefinition: {family: migrate, containerDefinitions: [{name: migrator, image: m, memory: 64}]}}']),
    expected: ['8:58 MANIFEST_HOOK_CONTAINER /spec/hooks/preDeploy/0/container'],
    says: "the hook's task definition",
  },
  { name: 'hook timeout of 0', content: hooks(['{name: migrate, command: [./migrate], timeout: 0}']), expected: ['8:56 MANIFEST_INVALID_VALUE /spec/hooks/preDeploy/0/timeout'] },
  { name: 'hook timeout above a day', content: hooks(['{name: migrate, command: [./migrate], timeout: 86401}']), expected: ['8:56 MANIFEST_INVALID_VALUE /spec/hooks/preDeploy/0/timeout'] },
  { name: 'more than 10 hooks in a phase', content: hooks(Array.from({ length: 11 }, (_, i) => `{name: h${i}, command: [./h]}`)), expected: ['8:7 MANIFEST_INVALID_VALUE /spec/hooks/preDeploy'] },
  { name: 'hook with launchType and capacityProviderStrategy', content: hooks(['{name: migrate, command: [./migrate], launchType: EC2, capacityProviderStrategy: [{capacityProvider: asg}]}']), expected: ['8:64 MANIFEST_CONFLICTING_FIELDS /spec/hooks/preDeploy/0/capacityProviderStrategy'] },
  { name: 'hook with an unknown field', content: hooks(['{name: migrate, command: [./migrate], image: "migrate:1"}']), expected: ['8:47 MANIFEST_UNKNOWN_FIELD /spec/hooks/preDeploy/0/image'] },
  { name: 'unknown hook phase', content: `${SVC.replace('    preDeploy:\n', '    beforeDeploy:\n')}      - {name: migrate, command: [./migrate]}\n`, expected: ['7:5 MANIFEST_UNKNOWN_FIELD /spec/hooks/beforeDeploy'] },
  {
    name: 'hook task definition on Fargate without cpu and memory',
    content: hooks(['{name: migrate, launchType: FARGATE, networkConfiguration: {awsvpcConfiguration: {subnets: [s]}}, taskDefinition: {family: migrate, networkMode: awsvpc, containerDefinitions: [{name: m, image: m}]}}']),
    expected: ['8:107 MANIFEST_FARGATE_REQUIREMENT /spec/hooks/preDeploy/0/taskDefinition/cpu', '8:107 MANIFEST_FARGATE_REQUIREMENT /spec/hooks/preDeploy/0/taskDefinition/memory'],
  },
  {
    name: 'hook task definition with two containers of one name',
    content: hooks(['{name: migrate, taskDefinition: {family: migrate, containerDefinitions: [{name: m, image: m, memory: 64}, {name: m, image: m, memory: 64}]}}']),
    expected: ['8:122 MANIFEST_CONTAINER_DEFINITIONS /spec/hooks/preDeploy/0/taskDefinition/containerDefinitions/1/name'],
  },
  {
    name: 'hook awsvpc task definition with no network configuration on the hook or the service',
    content: hooks(['{name: migrate, taskDefinition: {family: migrate, networkMode: awsvpc, containerDefinitions: [{name: m, image: m, memory: 64}]}}']),
    expected: ['8:9 MANIFEST_NETWORK_CONFIGURATION /spec/hooks/preDeploy/0/networkConfiguration/awsvpcConfiguration'],
  },
  {
    name: 'reserved tag on a hook task definition',
    content: hooks(['{name: migrate, taskDefinition: {family: migrate, tags: {"aws:x": y}, containerDefinitions: [{name: m, image: m, memory: 64}]}}']),
    expected: ['8:66 MANIFEST_RESERVED_TAG /spec/hooks/preDeploy/0/taskDefinition/tags/aws:x'],
  },
];
