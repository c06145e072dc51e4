/**
 * The one place the source runs the `git` CLI. Git is run without a shell,
 * never prompts (GIT_TERMINAL_PROMPT=0, no askpass, no credential helpers from
 * the user's config), speaks C-locale English so failures can be classified,
 * and gets credentials only through the environment built by
 * git-credentials.ts — never on the command line, so `ps` and logs never show
 * them. Failures become GitopsErrors with a stable code; the git message kept
 * in `details.stderr` has credentials scrubbed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { GitopsError } from '../errors/define.js';

export interface GitRunOptions {
  /** Working directory for git (`git -C` equivalent). */
  readonly cwd?: string;
  /** Extra environment (credentials, GIT_SSH_COMMAND...). Merged over a cleaned process.env. */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Values that must never appear in error messages (tokens). */
  readonly secrets?: readonly string[];
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  readonly okExitCodes?: readonly number[];
}

export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Variables that would make git prompt, use the user's helpers or a different repository. */
const DROPPED_ENV = [
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_CONFIG_COUNT',
  'GIT_CONFIG_PARAMETERS',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
];

/**
 * `safe.directory=*`: the checkout is often written by another user (a git-sync
 * sidecar); git >= 2.35.2 would otherwise refuse to read it. The controller only
 * reads checkouts it was told to trust. `credential.helper=` empties the helper
 * list so a developer's keychain is never consulted.
 */
const BASE_ARGS = ['-c', 'safe.directory=*', '-c', 'credential.helper=', '-c', 'core.quotePath=false'];

function childEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DROPPED_ENV) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('GIT_CONFIG_KEY_') || name.startsWith('GIT_CONFIG_VALUE_')) delete env[name];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    LC_ALL: 'C',
    LANGUAGE: 'C',
    ...extra,
  };
}

/** Replaces every secret (and URL userinfo) in `text` with `***`. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}

/** Runs git; resolves with its output, rejects with a GitopsError on failure or abort. */
export function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
  const { cwd, env, signal, secrets = [], okExitCodes = [] } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const child = spawn('git', [...BASE_ARGS, ...args], {
      cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) {
        reject(signal.reason ?? error);
      } else if (error.code === 'ENOENT') {
        // spawn reports a missing cwd as ENOENT too: tell the two apart.
        const cwdMissing = cwd !== undefined && !existsSync(cwd);
        reject(
          cwdMissing
            ? new GitopsError('SOURCE_ROOT_NOT_FOUND', `directory ${cwd} does not exist`, { dir: cwd }, { cause: error })
            : new GitopsError('SOURCE_GIT_NOT_FOUND', 'the `git` program was not found on PATH', {}, { cause: error }),
        );
      } else {
        reject(new GitopsError('SOURCE_GIT_FAILED', `could not run git: ${error.message}`, { dir: cwd }, { cause: error }));
      }
    });
    child.on('close', (exitCode) => {
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: exitCode ?? -1,
      };
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
      } else if (result.exitCode === 0 || okExitCodes.includes(result.exitCode)) {
        resolve(result);
      } else {
        const stderr = scrubSecrets(result.stderr.trim(), secrets);
        const command = scrubSecrets(`git ${args.join(' ')}`, secrets);
        reject(
          new GitopsError('SOURCE_GIT_FAILED', `${command} failed (exit ${result.exitCode}): ${lastLine(stderr)}`, {
            command,
            exitCode: result.exitCode,
            stderr,
            ...(cwd === undefined ? {} : { dir: cwd }),
          }),
        );
      }
    });
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.find((line) => line.startsWith('fatal:')) ?? lines[lines.length - 1] ?? '(no message)';
}
