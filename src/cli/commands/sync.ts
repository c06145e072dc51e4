/**
 * `ecs-gitops sync [DIR]`: apply the manifests once and exit. With --wait,
 * follow every rollout to its end (progress on a TTY). Exit codes as the help
 * text (SYNC_SUMMARY) and docs/cli.md say: without --wait, 0 means everything
 * was applied (or already in sync) and nothing failed, though rollouts may
 * still be in progress; with --wait, 0 means every service is synced and
 * healthy. 1 on any failure, a manifest problem, a timeout, or a blocked prune
 * that --prune asked for.
 */
import path from 'node:path';
import { createController } from '../../controller/controller.js';
import { createLookupResolver } from '../../controller/lookups.js';
import { systemClock } from '../../util/clock.js';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { connectEcs, printProblems, printWarnings, readSnapshot, resolveRegion } from '../../app/runtime.js';
import type { CapacityProviderStatus, ScheduledTaskStatus, ServiceStatus } from '../../controller/status.js';
import { OUTPUT_FLAG, useColour, type CommandContext, type CommandSpec, } from '../command.js';
import { LOG_LEVELS } from '../../observe/logger.js';
import { loggerFrom, MASK_FLAGS, maskOptionsFrom, MODE_FLAG, RATE_LIMITS_FLAG, rateLimitsFrom, syncModeFrom } from '../config-flags.js';
import { ADOPT_CLUSTERS_FLAG, adoptionFrom } from '../adoption-flag.js';

export const SYNC_EXIT = { ok: 0, failed: 1 } as const;

/** The `sync --help` text above the flags: what each exit code promises, with and without --wait. */
export const SYNC_SUMMARY = [
  'apply once and exit',
  '',
  'Exit codes:',
  '  0  without --wait: every service was applied (or already in sync) and nothing failed;',
  '     rollouts may still be in progress (use --wait to wait for them)',
  '  0  with --wait: every service is synced and healthy (or scaled to zero)',
  '  1  any failure: an ECS call, a failed or timed-out rollout, a manifest problem, a blocked prune,',
  '     a capacity provider or scheduled task not applied',
].join('\n');

function failed(s: ServiceStatus, wait: boolean): boolean {
  if (s.sync !== 'Synced' || s.lastError !== undefined || s.lastApplySucceeded === false) return true;
  return wait ? s.health !== 'Healthy' && s.health !== 'Suspended' : s.health === 'Degraded';
}

/** A capacity provider has no rollout: it failed when it is not in sync or its last apply failed. */
function providerFailed(p: CapacityProviderStatus): boolean {
  return p.sync !== 'Synced' || p.lastError !== undefined || p.lastApplySucceeded === false;
}

/** A scheduled task failed when its schedule is not in sync or its last apply failed; a schedule left because --prune is off is reported, not failed. */
function scheduledTaskFailed(t: ScheduledTaskStatus): boolean {
  if (t.orphan && t.lastError === undefined) return false;
  return t.sync !== 'Synced' || t.lastError !== undefined || t.lastApplySucceeded === false;
}

function scheduledTaskLine(t: ScheduledTaskStatus, colour: boolean): string {
  const error = t.lastError ? `  ${t.lastError.code}: ${t.lastError.message}` : '';
  const orphan = t.orphan ? ' (no longer declared; kept: run with --prune to delete it)' : '';
  const next = t.nextFireAt ? `  next ${t.nextFireAt}` : '';
  return `${mark(scheduledTaskFailed(t), colour)} ${t.key}  ${t.sync}${orphan}${next}${error}`;
}

function mark(bad: boolean, colour: boolean): string {
  return colour ? (bad ? '\u001b[31m✗\u001b[0m' : '\u001b[32m✓\u001b[0m') : bad ? '✗' : '✓';
}

function line(s: ServiceStatus, wait: boolean, colour: boolean): string {
  const error = s.lastError ? `  ${s.lastError.code}: ${s.lastError.message}` : '';
  return `${mark(failed(s, wait), colour)} ${s.key}  ${s.sync} ${s.health}${error}`;
}

function providerLine(p: CapacityProviderStatus, colour: boolean): string {
  const error = p.lastError ? `  ${p.lastError.code}: ${p.lastError.message}` : '';
  return `${mark(providerFailed(p), colour)} ${p.key}  ${p.sync}${error}`;
}

async function run(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const dir = path.resolve(ctx.cwd, ctx.args.positionals[0] ?? 'manifests');
  const region = resolveRegion(flags.region, ctx.env, 'us-east-1');
  const wait = flags.wait === true;
  const timeoutMs = flags.timeout as number;
  // Checked before anything is read or applied: bad input never half-applies.
  const rateLimits = await rateLimitsFrom(ctx);
  const mask = await maskOptionsFrom(ctx);
  const adoption = adoptionFrom(ctx);
  const snapshot = await readSnapshot(dir, region, ctx.signal, ctx.cwd);
  printWarnings(snapshot, ctx.stderr);
  if (snapshot.problems.length > 0) {
    printProblems(snapshot, ctx.stderr);
    ctx.stderr.write(`${snapshot.problems.length} manifest problem(s): services declared in those files are left alone\n`);
  }
  // The environments' roles, limits and prune policy: one directory for the connection's clients and the controller (it updates it).
  const accounts = new AccountDirectory();
  const controllerId = String(flags['controller-id']);
  const connection = await connectEcs({ region, env: ctx.env, accounts, controllerId });
  // Values masked in the diffs (--secret-pattern) are scrubbed from log lines too.
  const logger = loggerFrom(ctx, mask, { destination: ctx.stderr, format: 'pretty', colorize: false });
  const controller = createController({
    defaultRegion: region,
    ecs: (r) => connection.ecsFor(r),
    ecr: (r) => connection.ecrFor(r),
    scaling: (r) => connection.scalingFor(r),
    scheduler: (r) => connection.schedulerFor(r),
    accounts,
    lookups: createLookupResolver({
      lookupFor: (location) => connection.lookupFor(location), accounts, clock: systemClock, ...(rateLimits ? { rateLimits } : {}),
    }),
    logger,
    controllerId,
    mode: syncModeFrom(ctx),
    ...(adoption ? { adoption } : {}),
    workers: flags.workers as number,
    resyncMs: 0,
    prune: flags.prune === true,
    maxPrune: flags['max-prune'] as number,
    followRollouts: wait,
    rolloutPollMs: 2000,
    rolloutTimeoutMs: timeoutMs,
    maxRetries: 3,
    ...(rateLimits ? { rateLimits } : {}),
    mask,
  });
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('timeout')), timeoutMs);
  const onAbort = () => deadline.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let progress: NodeJS.Timeout | undefined;
  if (wait && ctx.stdout.isTTY) {
    progress = setInterval(() => {
      const list = controller.status.list();
      const healthy = list.filter((s) => s.health === 'Healthy').length;
      const progressing = list.filter((s) => s.health === 'Progressing').length;
      ctx.stdout.write(`\r${healthy}/${list.length} healthy, ${progressing} progressing…`);
    }, 1000);
  }
  let timedOut = false;
  try {
    controller.setSnapshot(snapshot);
    await controller.waitForIdle({ requeues: true, signal: deadline.signal, pollMs: 100 });
  } catch {
    timedOut = !ctx.signal.aborted;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    if (progress) {
      clearInterval(progress);
      ctx.stdout.write('\n');
    }
    await controller.stop({ graceMs: 1000 });
    await connection.close();
  }

  const statuses = controller.status.list();
  const prune = controller.lastPrune();
  const pruneFailed = flags.prune === true && prune?.blocked !== undefined;
  const bad = statuses.filter((s) => failed(s, wait));
  const providers = controller.status.listCapacityProviders();
  const badProviders = providers.filter(providerFailed);
  const scheduledTasks = controller.status.listScheduledTasks();
  const badScheduledTasks = scheduledTasks.filter(scheduledTaskFailed);
  const ok = !timedOut && bad.length === 0 && badProviders.length === 0 && badScheduledTasks.length === 0 && snapshot.problems.length === 0 && !pruneFailed;
  if (flags.output === 'json') {
    ctx.stdout.write(`${JSON.stringify({ ok, revision: snapshot.revision, timedOut, services: statuses, capacityProviders: providers, scheduledTasks, prune, manifestProblems: snapshot.problems }, null, 2)}\n`);
  } else {
    const colour = useColour(ctx.stdout, ctx.env);
    for (const p of providers) ctx.stdout.write(`${providerLine(p, colour)}\n`);
    for (const s of statuses) ctx.stdout.write(`${line(s, wait, colour)}\n`);
    for (const t of scheduledTasks) ctx.stdout.write(`${scheduledTaskLine(t, colour)}\n`);
    if (prune?.deleted.length) ctx.stdout.write(`pruned: ${prune.deleted.join(', ')}\n`);
    if (prune?.blocked) ctx.stdout.write(`prune blocked (${prune.blocked.reason}): ${prune.blocked.message}\n`);
    if (timedOut) ctx.stdout.write(`CONTROLLER_WAIT_TIMED_OUT: gave up after ${Math.round(timeoutMs / 1000)} s; still progressing: ${statuses.filter((s) => s.health === 'Progressing').map((s) => s.key).join(', ')}\n`);
    // Exit 0 without --wait promises no more than "applied": say which rollouts it did not wait for.
    const rollingOut = wait ? [] : statuses.filter((s) => s.health === 'Progressing' && !failed(s, wait)).map((s) => s.key);
    if (rollingOut.length > 0) ctx.stdout.write(`still rolling out (not waited for; use --wait): ${rollingOut.join(', ')}\n`);
    const providerCount = providers.length > 0 ? `, ${providers.length - badProviders.length}/${providers.length} capacity providers ok` : '';
    const scheduledCount = scheduledTasks.length > 0 ? `, ${scheduledTasks.length - badScheduledTasks.length}/${scheduledTasks.length} scheduled tasks ok` : '';
    ctx.stdout.write(`${ok ? 'sync complete' : 'CONTROLLER_SYNC_FAILED: sync finished with failures'}: ${statuses.length - bad.length}/${statuses.length} services ok${providerCount}${scheduledCount}, revision ${snapshot.revision ?? 'unversioned'}\n`);
  }
  return ok ? SYNC_EXIT.ok : SYNC_EXIT.failed;
}

export const syncCommand: CommandSpec = {
  name: 'sync',
  summary: SYNC_SUMMARY,
  usage: '[DIR]  (default: ./manifests)',
  maxPositionals: 1,
  usageExitCode: 1,
  flags: [
    { name: 'wait', type: 'boolean', description: 'follow rollouts to the end; exit 0 only when every service is healthy' },
    { name: 'timeout', type: 'duration', default: '15m', description: 'give up waiting after this long' },
    { name: 'prune', type: 'boolean', description: 'delete services (and capacity providers, and schedules of its schedule group) this controller owns that left the manifests' },
    { name: 'max-prune', type: 'integer', default: 5, description: 'most services (and, apart, schedules) one sync may delete', validate: (v) => (typeof v === 'number' && v >= 0 ? undefined : 'must be 0 or more') },
    MODE_FLAG,
    { name: 'workers', type: 'integer', default: 64, description: 'services reconciled at once', validate: (v) => (typeof v === 'number' && v >= 1 ? undefined : 'must be 1 or more') },
    { name: 'region', type: 'string', description: 'default region (else AWS_REGION, us-east-1)' },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'ownership tag value (ecs-gitops/managed-by)' },
    ADOPT_CLUSTERS_FLAG,
    { name: 'log-level', type: 'string', choices: LOG_LEVELS, default: 'warn', description: 'log level (logs go to stderr)' },
    RATE_LIMITS_FLAG,
    ...MASK_FLAGS,
    OUTPUT_FLAG,
  ],
  run,
};
