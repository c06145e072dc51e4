/**
 * `npm start` (`ecs-gitops start [DIR]`): the quick start. The controller on
 * the repository's manifests/ against an in-process sandbox seeded with the
 * demo cluster and images, status and metrics on 127.0.0.1:9400, and a few
 * lines saying what to try next.
 */
import path from 'node:path';
import { serveController, type ServeInfo } from '../../app/serve.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat } from '../../observe/logger.js';
import { parseListenAddress } from '../../observe/listen-address.js';
import type { DesiredEnvironment } from '../../manifests/types.js';
import { QUICKSTART_SEED } from '../../sandbox/index.js';
import { QUICKSTART_TOPIC_ARN } from '../../sandbox/quickstart-seed.js';
import { API_ACCESS_FLAGS, apiAccessFrom, STATE_DIR_FLAG, stateDirFrom } from '../config-flags.js';
import type { CommandContext, CommandSpec } from '../command.js';

const QUICKSTART_REGION = 'eu-west-1';
const QUICKSTART_ACCOUNT = '123456789012';

function count(n: number | undefined, noun: string): string {
  return `${n ?? 0} ${noun}${n === 1 ? '' : 's'}`;
}

/** `environments dev (account 111111111111, eu-west-1), prod (...)`: what the environments' services run in. */
function environmentLines(environments: readonly DesiredEnvironment[]): string[] {
  if (environments.length === 0) return [];
  const listed = environments.map((e) => `${e.name} (account ${e.account}, ${e.region})`).join(', ');
  return [`  envs       ${listed}, through STS AssumeRole on the sandbox`];
}

function hint(dir: string, cwd: string, info: ServeInfo, tokenRequired: boolean): string {
  const rel = path.relative(cwd, dir) || '.';
  const snapshot = info.controller.snapshot();
  return [
    '',
    'ecs-gitops quick start',
    `  manifests  ${rel}/ (${count(snapshot?.services.length, 'service')}, ${count(snapshot?.clusters.length, 'cluster')}, ${count(snapshot?.scheduledTasks?.length, 'scheduled task')}, ${count(snapshot?.environments?.length, 'environment')}, ${count(snapshot?.notifiers?.length, 'notifier')}, revision ${snapshot?.revision ?? '?'})`,
    `  sandbox    ${info.connection.endpoint} (in-memory ECS + ECR, account ${QUICKSTART_ACCOUNT}, ${QUICKSTART_REGION})`,
    ...environmentLines(snapshot?.environments ?? []),
    `  web UI     ${info.url}/ (the fleet and each service, live; \`npm run -s ecs-gitops -- status\` in a terminal)`,
    `  status     ${info.url}/api/v1/status${tokenRequired ? ' (send Authorization: Bearer <the --api-token-file token>)' : ''}`,
    `  metrics    ${info.url}/metrics`,
    `  events     ${info.url}/api/v1/events (notified to ${QUICKSTART_TOPIC_ARN} by ${rel}/notifiers/team.yaml)`,
    '',
    'Try next:',
    `  1. Edit ${rel}/services/web.yaml: change desiredCount: 3 to 5 and save. The change is applied within a second;`,
    `     watch it in the log below and in ${info.url}/api/v1/status.`,
    '  2. Change the web image tag to 9.9.9: it is not in the sandbox ECR, so nothing is deployed and the',
    '     service reports CONTROLLER_IMAGE_NOT_FOUND, OutOfSync with the image change it is holding back in its',
    '     diff. Put 1.4.2 back to heal it.',
    '  3. Make an image crash and deploy it: the rollout fails, ECS rolls back, the service turns Degraded:',
    `       curl -X POST ${info.connection.endpoint}/_sandbox/images/crashing -d '{"image":"${QUICKSTART_ACCOUNT}.dkr.ecr.${QUICKSTART_REGION}.amazonaws.com/worker:2.0.1"}'`,
    '     then change something in services/worker.yaml (e.g. an environment value) and save.',
    `  4. Use the aws CLI on the sandbox: AWS_ACCESS_KEY_ID=${QUICKSTART_ACCOUNT} AWS_SECRET_ACCESS_KEY=x \\`,
    `       aws ecs describe-services --endpoint-url ${info.connection.endpoint} --region ${QUICKSTART_REGION} --cluster demo --services web`,
    '  5. Load the autoscaled worker (services/worker.yaml, spec.autoScaling) and skip the sandbox clock past the',
    '     3 minutes its target tracking alarm needs: the policy raises desiredCount, and the controller leaves the',
    `     new count alone (see autoScaling in ${info.url}/api/v1/status):`,
    `       curl -X POST ${info.connection.endpoint}/_sandbox/services/load -d '{"accountId":"${QUICKSTART_ACCOUNT}","region":"${QUICKSTART_REGION}","cluster":"demo","service":"worker","cpu":95}'`,
    `       curl -X POST ${info.connection.endpoint}/_sandbox/clock -d '{"advanceMs":300000}'`,
    '  6. Make the database migration fail. web declares a preDeploy hook (spec.hooks, "migrate") that runs with',
    '     the new task definition before each deploy; tell the sandbox that task exits 1, then change web (e.g.',
    '     LOG_LEVEL to debug) and save: no UpdateService is sent, web turns Degraded with CONTROLLER_HOOK_FAILED,',
    '     the exit code and the log stream. The next change you save retries the migration:',
    `       curl -X POST ${info.connection.endpoint}/_sandbox/images/exit -d '{"image":"${QUICKSTART_ACCOUNT}.dkr.ecr.${QUICKSTART_REGION}.amazonaws.com/web:1.4.2","exitCode":1}'`,
    `     (undo: the same with '{"image":"...","clear":true}').`,
    `  7. Watch the scheduled job (${rel}/scheduled-tasks/orders-report.yaml, an EventBridge Scheduler schedule):`,
    '     skip the sandbox clock 15 minutes and its run shows under scheduledTasks in the status, with the next',
    '     fire time:',
    `       curl -X POST ${info.connection.endpoint}/_sandbox/clock -d '{"advanceMs":900000}'`,
    `  8. One manifest, two accounts: ${rel}/services/api.yaml lists environments dev and prod (${rel}/environments/),`,
    '     each its own account reached with STS AssumeRole. See what prod gets (its override: 2 tasks, image 1.0.0):',
    `       npm run -s ecs-gitops -- render ${rel} --env prod`,
    `  9. Promote the image dev runs to prod: promote writes it into prod's override in ${rel}/services/api.yaml`,
    '     (review it with git diff); the controller then deploys it in the prod account:',
    `       AWS_ENDPOINT_URL=${info.connection.endpoint} AWS_ACCESS_KEY_ID=${QUICKSTART_ACCOUNT} AWS_SECRET_ACCESS_KEY=x AWS_REGION=${QUICKSTART_REGION} \\`,
    `         npm run -s ecs-gitops -- promote api --from dev --to prod ${rel}`,
    ` 10. A canary that waits for you: ${rel}/services/checkout.yaml deploys with strategy CANARY and a PAUSE hook.`,
    '     Change its image tag 3.2.0 to 3.3.0 and save: the new tasks start beside the old ones, get the test',
    '     traffic, and wait: checkout is Progressing, "waiting for approval at POST_TEST_TRAFFIC_SHIFT" (its rollout',
    `     in ${info.url}/api/v1/status shows the stage and traffic). Let it go on, then skip its 2+2 minutes of bake time:`,
    `       AWS_ENDPOINT_URL=${info.connection.endpoint} AWS_ACCESS_KEY_ID=${QUICKSTART_ACCOUNT} AWS_SECRET_ACCESS_KEY=x AWS_REGION=${QUICKSTART_REGION} \\`,
    `         npm run -s ecs-gitops -- continue checkout ${rel}`,
    `       curl -X POST ${info.connection.endpoint}/_sandbox/clock -d '{"advanceMs":300000}'`,
    '     Or run rollback instead of continue: ECS rolls back, checkout turns Degraded ("rolled back by hand at T;',
    '     fix or revert in Git") and the controller holds 3.3.0 back until you change the file (put 3.2.0 back).',
    ` 11. See what the team was told. Each step of a deploy is an event (SyncStarted, Applied, RolloutCompleted,`,
    '     RolloutFailed, DriftDetected with its cause git or live, DriftCorrected), and the Notifier in',
    `     ${rel}/notifiers/team.yaml sends the demo cluster's to an SNS topic in the sandbox. After step 1 or 3:`,
    `       curl -s '${info.url}/api/v1/events?service=eu-west-1/demo/web'`,
    `       curl -s '${info.connection.endpoint}/_sandbox/sns/messages?topicArn=${QUICKSTART_TOPIC_ARN}'`,
    '     Uncomment its Slack sink and start again with SLACK_WEBHOOK_URL set to get them in a channel too.',
    ` 12. Open ${info.url}/ in a browser: the fleet with its counts, filters and pages, each service's diff, rollout`,
    '     and events. Keep it open and do step 1 again: the row changes within a second, without a reload. The same',
    '     table in a terminal (exit code 0 only when every service is Synced and Healthy, so scripts can use it):',
    `       npm run -s ecs-gitops -- status --server ${info.url}`,
    ' 13. Run more than one controller: replicas (run --ha-table NAME) split the work through leases in a',
    '     DynamoDB table and take over from one that dies. That needs DynamoDB, which this quick start does',
    '     not have, so it runs one; on AWS the CloudFormation stack\'s ReplicaCount runs them (docs/ha.md).',
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function run(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const dir = path.resolve(ctx.cwd, ctx.args.positionals[0] ?? 'manifests');
  const apiAccess = await apiAccessFrom(ctx);
  const logger = createLogger({
    level: String(flags['log-level']),
    format: flags['log-format'] as LogFormat,
    destination: ctx.stdout,
    colorize: Boolean(ctx.stdout.isTTY) && ctx.env.NO_COLOR === undefined,
  });
  await serveController({
    repo: dir,
    region: QUICKSTART_REGION,
    sandbox: { seed: QUICKSTART_SEED, topics: [QUICKSTART_TOPIC_ARN] },
    listen: parseListenAddress(String(flags.listen)),
    ...apiAccess,
    resyncMs: flags.resync as number,
    prune: false,
    maxPrune: 0,
    mode: 'auto',
    workers: 64,
    controllerId: 'ecs-gitops-quickstart',
    shutdownGraceMs: 2000,
    // The sandbox is new every time and repeats its ids: a fresh state dir unless one is given.
    state: stateDirFrom(ctx, { controllerId: 'ecs-gitops-quickstart', env: false, persistentDefault: false }),
    // The quick start never touches real AWS, whatever the shell exports; a notifier's secrets (SLACK_WEBHOOK_URL) come from the shell.
    env: {},
    notifierEnv: ctx.env,
    notifierCwd: ctx.cwd,
    logger,
    signal: ctx.signal,
  }, (info) => ctx.stdout.write(hint(dir, ctx.cwd, info, apiAccess.apiToken !== undefined)));
  return 0;
}

export const startCommand: CommandSpec = {
  name: 'start',
  summary: 'the quick start: controller on manifests/ against an in-process sandbox',
  usage: '[DIR]  (default: ./manifests)',
  maxPositionals: 1,
  usageExitCode: 3,
  flags: [
    { name: 'listen', type: 'string', default: '127.0.0.1:9400', description: 'metrics, health and status API address (host:port)' },
    ...API_ACCESS_FLAGS,
    { name: 'resync', type: 'duration', default: '15s', description: 're-check every service this often (drift correction)' },
    { name: 'log-level', type: 'string', choices: LOG_LEVELS, default: 'info', description: 'log level' },
    { name: 'log-format', type: 'string', choices: LOG_FORMATS, default: 'pretty', description: 'pretty for people, json lines for tools' },
    { ...STATE_DIR_FLAG, description: 'where the notification journal and the deploys under way are kept; default a fresh temporary directory removed on exit (the sandbox starts new every time)' },
  ],
  run,
};
