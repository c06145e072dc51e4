/**
 * Flags shared by several commands whose values need more than the flag
 * framework's scalar types: ECS rate limits (JSON), secret masking (a regular
 * expression and a key read from a file or the environment), access to the
 * status API (a token read from a file or the environment, allowed Host
 * names), the state dir (--state-dir: the notification journal and open
 * deploys), and the logger that honours the masking. Each parser
 * checks the whole value before returning, so a command either gets complete,
 * valid options or fails with CLI_BAD_FLAG_VALUE naming the flag and the
 * offending key, before anything has started.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SECRET_NAME_PATTERN } from '../diff/secret-mask.js';
import type { MaskOptions } from '../diff/types.js';
import { DEFAULT_RATE_LIMITS, RATE_CATEGORIES, type RateCategory } from '../ecs/rate-limits.js';
import type { BucketLimits } from '../ecs/token-bucket.js';
import { GitopsError } from '../errors/index.js';
import { SYNC_MODES, type SyncMode } from '../manifests/types.js';
import { splitHostHeader } from '../observe/api-access.js';
import { createLogger, type CreateLoggerOptions, type Logger } from '../observe/logger.js';
import { closestMatch } from '../util/did-you-mean.js';
import type { CommandContext } from './command.js';
import type { FlagSpec } from './flags.js';

export type RateLimitOverrides = Partial<Record<RateCategory, BucketLimits>>;

export const RATE_LIMITS_FLAG: FlagSpec = {
  name: 'rate-limits',
  type: 'string',
  description: 'client-side rate limits for accounts with raised quotas: JSON such as {"service-modify": {"burst": 100, "refillPerSecond": 10}}, '
    + `or a path to a JSON file; categories ${RATE_CATEGORIES.join(', ')}; what is left out keeps the defaults `
    + '(ECS\'s published limits; conservative ones for Application Auto Scaling and CloudWatch)',
};

/** --mode of the commands that run the controller (run, sync). */
export const MODE_FLAG: FlagSpec = {
  name: 'mode', type: 'string', choices: SYNC_MODES, default: 'auto' satisfies SyncMode,
  description: 'auto: apply and correct drift; detect: report only',
};

/** --mode (the flag parser has checked it is one of SYNC_MODES). */
export function syncModeFrom(ctx: CommandContext): SyncMode {
  return ctx.args.flags.mode as SyncMode;
}

/** Compiles --secret-pattern as the masker matches it: anywhere in the name, ignoring case. */
function compileSecretPattern(source: string): RegExp {
  return new RegExp(source, 'i');
}

export const MASK_FLAGS: readonly FlagSpec[] = [
  {
    name: 'secret-pattern',
    type: 'string',
    description: 'regular expression for environment variable names whose values are masked (case-insensitive, matched anywhere in the name; '
      + `replaces the default ${DEFAULT_SECRET_NAME_PATTERN.source})`,
    validate: (value) => {
      if (value === undefined) return undefined;
      if (value === '') return 'must not be empty (it would mark every environment variable secret)';
      try {
        compileSecretPattern(String(value));
        return undefined;
      } catch (err) {
        return `not a valid regular expression: ${(err as Error).message}`;
      }
    },
  },
  {
    name: 'mask-key-file',
    type: 'string',
    description: 'file holding the per-installation key of the hashes that stand in for masked values (or set ECS_GITOPS_MASK_KEY)',
  },
];

/** Secrets come from a file flag or a raw environment variable, never from a command-line value. */
export async function secretFrom(ctx: CommandContext, fileFlag: string, envName: string): Promise<string | undefined> {
  const file = ctx.args.flags[fileFlag];
  if (typeof file === 'string' && file !== '') {
    try {
      return (await readFile(path.resolve(ctx.cwd, file), 'utf8')).trim();
    } catch (err) {
      throw new GitopsError('IO_READ_FAILED', `--${fileFlag}: cannot read ${file}: ${(err as Error).message}`, { flag: fileFlag });
    }
  }
  const raw = ctx.env[envName];
  return raw ? raw.trim() : undefined;
}

/** --secret-pattern and --mask-key-file (or ECS_GITOPS_MASK_KEY) as MaskOptions; {} keeps the defaults. */
export async function maskOptionsFrom(ctx: CommandContext): Promise<MaskOptions> {
  const pattern = ctx.args.flags['secret-pattern'];
  const maskKey = await secretFrom(ctx, 'mask-key-file', 'ECS_GITOPS_MASK_KEY');
  // An empty file is a mistake (a failed secret mount), not a request for the public default key.
  if (maskKey === '' && typeof ctx.args.flags['mask-key-file'] === 'string') {
    throw new GitopsError('CLI_BAD_FLAG_VALUE', `--mask-key-file: ${String(ctx.args.flags['mask-key-file'])} is empty`, { flag: 'mask-key-file' });
  }
  return {
    ...(typeof pattern === 'string' ? { secretNamePattern: compileSecretPattern(pattern) } : {}),
    ...(maskKey ? { maskKey } : {}),
  };
}

/** What the long-running commands need to guard /api/* (docs/observability.md#who-may-call-the-api). */
export interface ApiAccessOptions {
  readonly apiToken?: string;
  readonly apiAllowedHosts?: readonly string[];
}

export const API_ACCESS_FLAGS: readonly FlagSpec[] = [
  {
    name: 'api-token-file',
    type: 'string',
    description: 'file holding the bearer token every /api/* request must send (Authorization: Bearer <token>); '
      + '/metrics, /healthz and /readyz stay open (or set ECS_GITOPS_API_TOKEN)',
  },
  {
    name: 'api-allowed-hosts',
    type: 'list',
    description: 'comma-separated host names (name or name:port) /api/* answers to besides IP addresses, localhost and the --listen host, '
      + 'e.g. the DNS name of a load balancer in front (protects against DNS rebinding)',
    validate: (value) => {
      const bad = ((value ?? []) as readonly string[]).find((entry) => splitHostHeader(entry) === undefined);
      return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a host name or host:port (no scheme, path or wildcard)`;
    },
  },
];

/**
 * --api-token-file (or ECS_GITOPS_API_TOKEN) and --api-allowed-hosts. An
 * empty or multi-line token is refused: it would either open the API or be
 * impossible to send in a header.
 */
export async function apiAccessFrom(ctx: CommandContext): Promise<ApiAccessOptions> {
  const fileFlag = ctx.args.flags['api-token-file'];
  const fromFile = typeof fileFlag === 'string' && fileFlag !== '';
  const origin = fromFile ? `--api-token-file: ${fileFlag}` : 'ECS_GITOPS_API_TOKEN';
  const envSet = !fromFile && ctx.env.ECS_GITOPS_API_TOKEN !== undefined && ctx.env.ECS_GITOPS_API_TOKEN !== '';
  const token = await secretFrom(ctx, 'api-token-file', 'ECS_GITOPS_API_TOKEN');
  // An empty file is a failed secret mount, not a request for an open API.
  if (token === '' && (fromFile || envSet)) {
    throw new GitopsError('CLI_BAD_FLAG_VALUE', `${origin} is empty; put the API bearer token in it`, { flag: 'api-token-file' });
  }
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    throw new GitopsError('CLI_BAD_FLAG_VALUE', `${origin}: the API token must be one line of printable ASCII without spaces (it travels in an HTTP header)`, { flag: 'api-token-file' });
  }
  const hosts = ctx.args.flags['api-allowed-hosts'];
  return {
    ...(token ? { apiToken: token } : {}),
    ...(Array.isArray(hosts) && hosts.length > 0 ? { apiAllowedHosts: hosts as readonly string[] } : {}),
  };
}

/** --state-dir of the long-running commands (run, start). */
export const STATE_DIR_FLAG: FlagSpec = {
  name: 'state-dir',
  type: 'string',
  description: 'where the controller keeps what must survive a restart: the notification journal (which event each sink was told) '
    + 'and the deploys under way (or set ECS_GITOPS_STATE_DIR); default $XDG_STATE_HOME/ecs-gitops/<controller-id> '
    + '(~/.local/state/ecs-gitops/<controller-id>), with --sandbox a fresh temporary directory removed on exit',
  validate: (value) => (value === undefined || (typeof value === 'string' && value.trim() !== '') ? undefined : 'must not be empty'),
};

/** Where the state dir came from, for error messages that name what to change. */
export interface StateDirChoice {
  /** Absolute path; undefined: a fresh temporary directory (the sandbox's ids repeat across runs, so old state would lie). */
  readonly dir: string | undefined;
  readonly origin: '--state-dir' | 'ECS_GITOPS_STATE_DIR' | 'default';
}

/** A controller id as one path segment: a tag value may hold `/` or `:`, which must not make a sub-directory. */
function pathSegment(controllerId: string): string {
  const segment = controllerId.replace(/[^A-Za-z0-9._-]/g, '_');
  return segment === '' || segment === '.' || segment === '..' ? '_' : segment;
}

/**
 * Where a command may take its state dir from, in order: --state-dir, then
 * ECS_GITOPS_STATE_DIR (`env`), then the XDG state home's
 * ecs-gitops/<controller-id> (`default`; <controller-id>-<replica-id> for an
 * HA replica); nothing matched: a fresh temporary
 * directory. `start` takes the flag only and `run --sandbox` no default: a new
 * sandbox repeats the last one's ids, so a journal kept from it would swallow
 * new events as already sent.
 */
export function stateDirFrom(ctx: CommandContext, options: { readonly controllerId: string; readonly env: boolean; readonly persistentDefault: boolean; readonly replicaId?: string }): StateDirChoice {
  const flag = ctx.args.flags['state-dir'];
  // The flag parser fills a flag from its ECS_GITOPS_* twin: name the variable when that is where the value came from.
  if (typeof flag === 'string' && flag.trim() !== '') return { dir: path.resolve(ctx.cwd, flag), origin: ctx.args.fromEnv?.has('state-dir') === true ? 'ECS_GITOPS_STATE_DIR' : '--state-dir' };
  const fromEnv = options.env ? ctx.env.ECS_GITOPS_STATE_DIR : undefined;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { dir: path.resolve(ctx.cwd, fromEnv), origin: 'ECS_GITOPS_STATE_DIR' };
  if (!options.persistentDefault) return { dir: undefined, origin: '--state-dir' };
  const xdg = ctx.env.XDG_STATE_HOME;
  // XDG's rule: a relative XDG_STATE_HOME is invalid and ignored.
  const home = ctx.env.HOME !== undefined && ctx.env.HOME !== '' ? ctx.env.HOME : os.homedir();
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'state');
  // Replicas (--ha-table) on one host must not share a notification journal: each default is its own.
  const leaf = options.replicaId !== undefined ? `${options.controllerId}-${options.replicaId}` : options.controllerId;
  return { dir: path.join(base, 'ecs-gitops', pathSegment(leaf)), origin: 'default' };
}

/**
 * A command's logger at its --log-level that scrubs the secret names of
 * `mask` (--secret-pattern) from every line, as diffs and status mask them.
 */
export function loggerFrom(ctx: CommandContext, mask: MaskOptions, options: Omit<CreateLoggerOptions, 'level' | 'secretNamePattern'>): Logger {
  return createLogger({
    ...options,
    level: String(ctx.args.flags['log-level']),
    ...(mask.secretNamePattern ? { secretNamePattern: mask.secretNamePattern } : {}),
  });
}

function badRateLimits(message: string, key?: string): GitopsError {
  return new GitopsError('CLI_BAD_FLAG_VALUE', `--rate-limits: ${message}`, { flag: 'rate-limits', ...(key !== undefined ? { key } : {}) });
}

const BUCKET_FIELDS = ['burst', 'refillPerSecond'] as const;
const ENTRY_SHAPE = '{"burst": n, "refillPerSecond": r}';

/**
 * --rate-limits as per-category limits, or undefined when not given. A value
 * starting with `{` is the JSON itself; anything else names a JSON file
 * (relative to the working directory). Categories not listed, and fields not
 * given, keep their defaults (DEFAULT_RATE_LIMITS).
 */
export async function rateLimitsFrom(ctx: CommandContext): Promise<RateLimitOverrides | undefined> {
  const raw = ctx.args.flags['rate-limits'];
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  // `[` too, so a JSON array is reported as the wrong shape rather than as a missing file.
  const inline = /^\s*[{[]/.test(raw);
  let text = raw;
  if (!inline) {
    try {
      text = await readFile(path.resolve(ctx.cwd, raw), 'utf8');
    } catch (err) {
      throw new GitopsError('IO_READ_FAILED', `--rate-limits: cannot read ${raw}: ${(err as Error).message}`, { flag: 'rate-limits' });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badRateLimits(`${inline ? 'not valid JSON' : `${raw} is not valid JSON`}: ${(err as Error).message}`);
  }
  return parseRateLimits(parsed);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseRateLimits(value: unknown): RateLimitOverrides {
  if (!isPlainObject(value)) throw badRateLimits(`expected a JSON object mapping rate categories to ${ENTRY_SHAPE}`);
  const out: RateLimitOverrides = {};
  for (const [key, entry] of Object.entries(value)) {
    if (!(RATE_CATEGORIES as readonly string[]).includes(key)) {
      const suggestion = closestMatch(key, RATE_CATEGORIES);
      throw badRateLimits(
        `unknown rate category "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; categories: ${RATE_CATEGORIES.join(', ')}`,
        key,
      );
    }
    const category = key as RateCategory;
    if (!isPlainObject(entry)) throw badRateLimits(`"${key}" must be an object ${ENTRY_SHAPE}`, key);
    for (const field of Object.keys(entry)) {
      if (!(BUCKET_FIELDS as readonly string[]).includes(field)) {
        // "refill" is too far from "refillPerSecond" for an edit distance; a prefix is as clear a hint.
        const suggestion = closestMatch(field, BUCKET_FIELDS) ?? BUCKET_FIELDS.find((f) => field.length >= 4 && f.toLowerCase().startsWith(field.toLowerCase()));
        throw badRateLimits(`"${key}": unknown field "${field}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; expected ${ENTRY_SHAPE}`, key);
      }
    }
    const { burst, refillPerSecond } = entry;
    // The bucket holds whole calls; a fractional or zero burst could never let a call through.
    if (burst !== undefined && !(typeof burst === 'number' && Number.isInteger(burst) && burst >= 1)) {
      throw badRateLimits(`"${key}".burst must be a whole number of 1 or more, got ${JSON.stringify(burst)}`, key);
    }
    if (refillPerSecond !== undefined && !(typeof refillPerSecond === 'number' && Number.isFinite(refillPerSecond) && refillPerSecond > 0)) {
      throw badRateLimits(`"${key}".refillPerSecond must be a number above 0, got ${JSON.stringify(refillPerSecond)}`, key);
    }
    const defaults = DEFAULT_RATE_LIMITS[category];
    out[category] = {
      burst: typeof burst === 'number' ? burst : defaults.burst,
      refillPerSecond: typeof refillPerSecond === 'number' ? refillPerSecond : defaults.refillPerSecond,
    };
  }
  return out;
}
