/**
 * What EventBridge Scheduler refuses in a `kind: ScheduledTask` spec beyond
 * field types and ranges, checked offline (docs/manifests.md,
 * "ScheduledTask"): the schedule expression, the time zone, the start and end
 * dates, the flexible time window, and the ARNs Scheduler needs. The task
 * definition and launch rules are task-run-rules.ts's, shared with Services.
 * Written defensively, like semantic-rules.ts: a value of the wrong type is
 * the schema's to report and is skipped here.
 */
import type { RuleProblem } from './rule-problem.js';
import { isTimeZone, parseInstant, scheduleProblem } from './schedule-expression.js';

type Rec = Readonly<Record<string, unknown>>;

const rec = (value: unknown): Rec | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Scheduler's own patterns for these members (botocore's scheduler model:
 * RoleArn, DeadLetterConfigArnString, KmsKeyArn), with any partition
 * (aws-us-gov has two parts; the model's `aws(-[a-z]+)?` has room for one).
 */
export const IAM_ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
export const SQS_QUEUE_ARN = /^arn:aws(-[a-z]+)*:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]+$/;
export const KMS_KEY_ARN = /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[0-9a-zA-Z_-]*$/;

const AT = '/spec';

function scheduleRules(spec: Rec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const schedule = text(spec.schedule);
  const why = schedule === undefined ? undefined : scheduleProblem(schedule);
  if (why !== undefined) {
    problems.push({ code: 'MANIFEST_SCHEDULE_EXPRESSION', pointer: `${AT}/schedule`, message: `${AT}/schedule: ${JSON.stringify(schedule)}: ${why}` });
  }
  const timezone = text(spec.timezone);
  if (timezone !== undefined && !isTimeZone(timezone)) {
    problems.push({
      code: 'MANIFEST_SCHEDULE_TIMEZONE',
      pointer: `${AT}/timezone`,
      message: `${AT}/timezone: ${JSON.stringify(timezone)} is not an IANA time zone name such as Europe/Paris, America/New_York or UTC`,
    });
  }
  const instants: Partial<Record<'startDate' | 'endDate', number>> = {};
  for (const field of ['startDate', 'endDate'] as const) {
    const value = text(spec[field]);
    if (value === undefined) continue;
    const ms = parseInstant(value);
    if (ms === undefined) {
      problems.push({
        code: 'MANIFEST_SCHEDULE_DATES',
        pointer: `${AT}/${field}`,
        message: `${AT}/${field}: ${JSON.stringify(value)} is not an ISO 8601 date-time with an offset, e.g. 2025-06-01T08:00:00Z or 2025-06-01T10:00:00+02:00`,
      });
    } else {
      instants[field] = ms;
    }
  }
  if (instants.startDate !== undefined && instants.endDate !== undefined && instants.startDate >= instants.endDate) {
    problems.push({
      code: 'MANIFEST_SCHEDULE_DATES',
      pointer: `${AT}/endDate`,
      message: `${AT}/endDate: endDate ${String(spec.endDate)} must be after startDate ${String(spec.startDate)}`,
    });
  }
  return problems;
}

function flexibleTimeWindowRules(spec: Rec): RuleProblem[] {
  const window = rec(spec.flexibleTimeWindow);
  if (!window) return [];
  const at = `${AT}/flexibleTimeWindow`;
  if (window.mode === 'FLEXIBLE' && window.maximumWindowInMinutes === undefined) {
    return [{
      code: 'MANIFEST_FLEXIBLE_TIME_WINDOW',
      pointer: `${at}/maximumWindowInMinutes`,
      locateAt: `${at}/mode`,
      message: `${at}/maximumWindowInMinutes: mode FLEXIBLE needs maximumWindowInMinutes (1-1440), the window in which Scheduler may start the task`,
    }];
  }
  if (window.mode === 'OFF' && window.maximumWindowInMinutes !== undefined) {
    return [{
      code: 'MANIFEST_FLEXIBLE_TIME_WINDOW',
      pointer: `${at}/maximumWindowInMinutes`,
      target: 'key',
      message: `${at}/maximumWindowInMinutes: mode OFF runs the task at the scheduled time and takes no window; remove maximumWindowInMinutes or set mode: FLEXIBLE`,
    }];
  }
  return [];
}

function arnRules(spec: Rec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const check = (pointer: string, value: unknown, pattern: RegExp, what: string): void => {
    if (typeof value !== 'string' || pattern.test(value)) return;
    problems.push({ code: 'MANIFEST_SCHEDULE_ARN', pointer, message: `${pointer}: ${JSON.stringify(value)} is not ${what}` });
  };
  check(`${AT}/roleArn`, spec.roleArn, IAM_ROLE_ARN, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>): the role EventBridge Scheduler assumes to call RunTask');
  const deadLetter = rec(spec.deadLetterConfig);
  if (deadLetter && deadLetter.arn === undefined) {
    problems.push({
      code: 'MANIFEST_MISSING_FIELD',
      pointer: `${AT}/deadLetterConfig/arn`,
      locateAt: `${AT}/deadLetterConfig`,
      target: 'key',
      message: `${AT}/deadLetterConfig/arn: missing required field "arn": the SQS queue that receives the events Scheduler could not deliver (or remove deadLetterConfig)`,
    });
  }
  check(`${AT}/deadLetterConfig/arn`, deadLetter?.arn, SQS_QUEUE_ARN, 'an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>)');
  check(`${AT}/kmsKeyArn`, spec.kmsKeyArn, KMS_KEY_ARN, 'a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id> or alias/<name>)');
  return problems;
}

/**
 * Scheduler starts the task with RunTask, which needs the subnets of an
 * awsvpc task. When networkMode is awsvpc, task-run-rules.ts says so; here the
 * case it leaves to the networkMode rule: a Fargate launch whose task
 * definition does not say awsvpc yet.
 */
function fargateNetworkRules(spec: Rec): RuleProblem[] {
  const fargate =
    spec.launchType === 'FARGATE' || list(spec.capacityProviderStrategy).some((s) => ['FARGATE', 'FARGATE_SPOT'].includes(text(rec(s)?.capacityProvider) ?? ''));
  const networkMode = rec(spec.taskDefinition)?.networkMode;
  if (!fargate || networkMode === 'awsvpc' || rec(rec(spec.networkConfiguration)?.awsvpcConfiguration)) return [];
  return [{
    code: 'MANIFEST_NETWORK_CONFIGURATION',
    pointer: `${AT}/networkConfiguration/awsvpcConfiguration`,
    locateAt: spec.networkConfiguration === undefined ? AT : `${AT}/networkConfiguration`,
    target: 'key',
    message: `${AT}/networkConfiguration/awsvpcConfiguration: a Fargate task needs networkConfiguration.awsvpcConfiguration with subnets`,
  }];
}

/** Every ScheduledTask rule besides the task definition's and the launch's (task-run-rules.ts). */
export function scheduledTaskRules(spec: Rec): RuleProblem[] {
  return [...scheduleRules(spec), ...flexibleTimeWindowRules(spec), ...arnRules(spec), ...fargateNetworkRules(spec)];
}
