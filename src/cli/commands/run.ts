/**
 * `ecs-gitops run`: the long-running controller. Watches a checkout (--repo)
 * or fetches a remote itself (--git-url/--git-ref), reconciles continuously,
 * serves /metrics, /healthz, /readyz and /api/v1 on --listen, and on
 * SIGTERM/SIGINT drains in-flight work and exits 0.
 */
import path from 'node:path';
import { serveController } from '../../app/serve.js';
import { resolveRegion } from '../../app/runtime.js';
import type { MaskOptions } from '../../diff/types.js';
import { GitopsError } from '../../errors/index.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat } from '../../observe/logger.js';
import { DEFAULT_LISTEN, parseListenAddress } from '../../observe/listen-address.js';
import { DEFAULT_DEBOUNCE_MS } from '../../source/checkout-source.js';
import type { GitCredentials } from '../../source/git-credentials.js';
import {
  API_ACCESS_FLAGS, apiAccessFrom, loggerFrom, MASK_FLAGS, maskOptionsFrom, MODE_FLAG, RATE_LIMITS_FLAG, rateLimitsFrom, secretFrom, STATE_DIR_FLAG,
  stateDirFrom, syncModeFrom,
} from '../config-flags.js';
import type { FlagSpec } from '../flags.js';
import { HA_FLAGS, haSettingsFrom } from '../ha-flags.js';
import { ADOPT_CLUSTERS_FLAG, adoptionFrom } from '../adoption-flag.js';
import type { CommandContext, CommandSpec } from '../command.js';

const atLeast = (min: number) => (v: unknown) => (typeof v === 'number' && v >= min ? undefined : `must be ${min} or more`);

export const CONTROLLER_FLAGS: readonly FlagSpec[] = [
  { name: 'path', type: 'string', description: 'manifests directory inside the repository' },
  { name: 'resync', type: 'duration', default: '60s', description: 're-check every service this often (ECS cannot be watched)' },
  { name: 'prune', type: 'boolean', description: 'delete services this controller owns that left the manifests' },
  { name: 'max-prune', type: 'integer', default: 5, description: 'most services one revision may delete', validate: atLeast(0) },
  MODE_FLAG,
  { name: 'listen', type: 'string', default: DEFAULT_LISTEN, description: 'metrics, health and status API address (host:port)' },
  ...API_ACCESS_FLAGS,
  { name: 'workers', type: 'integer', default: 64, description: 'services reconciled at once', validate: atLeast(1) },
  { name: 'region', type: 'string', description: 'default region (else AWS_REGION, us-east-1)' },
  { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'ownership tag value (ecs-gitops/managed-by); one per controller instance' },
  ADOPT_CLUSTERS_FLAG,
  {
    name: 'correction-loop-retry', type: 'duration', default: '60s',
    description: 'a change undone three passes in a row is held back and retried after this long, doubling up to 10m (or this, if longer)',
    validate: (v) => (typeof v === 'number' && v >= 1000 ? undefined : 'must be at least 1s'),
  },
  { name: 'log-level', type: 'string', choices: LOG_LEVELS, default: 'info', description: 'log level' },
  { name: 'log-format', type: 'string', choices: LOG_FORMATS, default: 'json', description: 'json lines, or pretty for people' },
  RATE_LIMITS_FLAG,
  ...MASK_FLAGS,
  STATE_DIR_FLAG,
];

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  (value === undefined ? {} : { [key]: value } as Record<K, V>);

/** The first retry of a held-back correction; later ones double up to ten minutes, or to the first when it is longer. */
function correctionLoopFrom(firstRetryMs: number): { firstRetryMs: number; maxRetryMs: number } {
  return { firstRetryMs, maxRetryMs: Math.max(600_000, firstRetryMs) };
}

/** `mask` is what diffs and status use; the logger scrubs the same secret names. */
export function controllerConfigFrom(ctx: CommandContext, mask: MaskOptions) {
  const flags = ctx.args.flags;
  return {
    listen: parseListenAddress(String(flags.listen)),
    resyncMs: flags.resync as number,
    prune: flags.prune === true,
    maxPrune: flags['max-prune'] as number,
    mode: syncModeFrom(ctx),
    workers: flags.workers as number,
    controllerId: String(flags['controller-id']),
    ...optional('adoption', adoptionFrom(ctx)),
    correctionLoop: correctionLoopFrom(flags['correction-loop-retry'] as number),
    logger: loggerFrom(ctx, mask, { format: flags['log-format'] as LogFormat, destination: ctx.stdout }),
    mask,
    ...(typeof flags.path === 'string' ? { path: flags.path } : {}),
  };
}

function gitCredentials(ctx: CommandContext): GitCredentials {
  const flags = ctx.args.flags;
  if (typeof flags['git-ssh-key'] === 'string') {
    return {
      kind: 'ssh', keyFile: path.resolve(ctx.cwd, flags['git-ssh-key']),
      ...(typeof flags['git-known-hosts'] === 'string' ? { knownHostsFile: path.resolve(ctx.cwd, flags['git-known-hosts']) } : {}),
    };
  }
  if (typeof flags['git-token-file'] === 'string') return { kind: 'https-token', tokenFile: path.resolve(ctx.cwd, flags['git-token-file']) };
  if (ctx.env.ECS_GITOPS_GIT_TOKEN) return { kind: 'https-token', token: ctx.env.ECS_GITOPS_GIT_TOKEN };
  return { kind: 'none' };
}

async function run(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const repo = typeof flags.repo === 'string' ? path.resolve(ctx.cwd, flags.repo) : undefined;
  const gitUrl = typeof flags['git-url'] === 'string' ? flags['git-url'] : undefined;
  if (!repo && !gitUrl) throw new GitopsError('CLI_MISSING_ARGUMENT', 'give --repo DIR (a checkout to watch) or --git-url URL (a remote to fetch)');
  if (repo && gitUrl) throw new GitopsError('CLI_BAD_FLAG_VALUE', '--repo and --git-url cannot be used together');
  const sandbox = flags.sandbox === true;
  const region = resolveRegion(flags.region, ctx.env, sandbox ? 'eu-west-1' : 'us-east-1');
  // The sandbox module loads only when asked for: real-AWS runs never pay for it.
  const seed = sandbox ? (await import('../../sandbox/index.js')).QUICKSTART_SEED : undefined;
  // Everything is read and checked before anything starts: bad input never half-applies.
  const webhookSecret = await secretFrom(ctx, 'webhook-secret-file', 'ECS_GITOPS_WEBHOOK_SECRET');
  const rateLimits = await rateLimitsFrom(ctx);
  const mask = await maskOptionsFrom(ctx);
  const apiAccess = await apiAccessFrom(ctx);
  const ha = haSettingsFrom(ctx);
  // Each process would hold its own in-process sandbox: replicas sharing leases over unrelated ECS fleets prove nothing.
  if (ha && sandbox) throw new GitopsError('CLI_BAD_FLAG_VALUE', '--ha-table cannot be used with --sandbox: each replica would talk to its own in-process sandbox; run `ecs-gitops sandbox` once and point the replicas at it (AWS_ENDPOINT_URL), see docs/ha.md', { flag: 'ha-table' });
  // A sandbox is new on every run and repeats its ids: only a state dir given explicitly is kept for it.
  const state = stateDirFrom(ctx, { controllerId: String(flags['controller-id']), env: true, persistentDefault: !sandbox, ...(ha ? { replicaId: ha.replicaId } : {}) });
  await serveController({
    ...controllerConfigFrom(ctx, mask),
    state,
    notifierCwd: ctx.cwd,
    ...apiAccess,
    ...(rateLimits ? { rateLimits } : {}),
    ...(repo ? { debounceMs: flags.debounce as number } : {}),
    ...(repo ? { repo } : {}),
    ...(gitUrl ? { git: { url: gitUrl, ref: String(flags['git-ref']), pollMs: flags['git-poll'] as number, credentials: gitCredentials(ctx) } } : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
    ...(ha ? { ha } : {}),
    region,
    ...(seed ? { sandbox: { seed } } : {}),
    env: ctx.env,
    signal: ctx.signal,
  });
  return 0;
}

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'run the controller until SIGTERM/SIGINT, then drain and exit 0',
  usage: '--repo DIR | --git-url URL [--git-ref REF]  [flags]',
  maxPositionals: 0,
  usageExitCode: 1,
  flags: [
    { name: 'repo', type: 'string', description: 'a Git checkout to watch (kept current by you, CI or git-sync)' },
    { name: 'git-url', type: 'string', description: 'a remote to fetch instead of watching a checkout' },
    { name: 'git-ref', type: 'string', default: 'main', description: 'branch or tag to follow with --git-url' },
    { name: 'git-poll', type: 'duration', default: '60s', description: 'how often to fetch with --git-url' },
    { name: 'git-token-file', type: 'string', description: 'file holding an HTTPS token for --git-url (or set ECS_GITOPS_GIT_TOKEN)' },
    { name: 'git-ssh-key', type: 'string', description: 'SSH private key file for --git-url' },
    { name: 'git-known-hosts', type: 'string', description: 'known_hosts file to trust with --git-ssh-key' },
    { name: 'debounce', type: 'duration', default: `${DEFAULT_DEBOUNCE_MS}ms`, description: 'with --repo: quiet period after the last file change before the checkout is read' },
    { name: 'webhook-secret-file', type: 'string', description: 'file holding the push webhook secret; enables POST /api/v1/webhook (or set ECS_GITOPS_WEBHOOK_SECRET)' },
    { name: 'sandbox', type: 'boolean', description: 'talk to an in-process sandbox (seeded like the quick start) instead of AWS' },
    ...CONTROLLER_FLAGS,
    ...HA_FLAGS,
  ],
  run,
};
