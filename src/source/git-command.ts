/**
 * The one place the source runs the `git` CLI. Git is run without a shell,
 * never prompts (GIT_TERMINAL_PROMPT=0, no askpass, no credential helpers from
 * the user's config), speaks C-locale English so failures can be classified,
 * and gets credentials only through the environment built by
 * git-credentials.ts — never on the command line, so `ps` and logs never show
 * them. Failures become GitopsErrors with a stable code; the git message kept
 * in `details.stderr` has credentials scrubbed.
 *
 * A checkout is content someone else controls: its `.git/config` may name
 * programs (core.fsmonitor, hooks, filter drivers) that git would run as the
 * controller. So every call (docs/source.md, "Running git safely"):
 * - trusts exactly one directory (`safe.directory=<that dir>`, never `*`) and
 *   cannot discover a repository above it (GIT_CEILING_DIRECTORIES);
 * - switches off the configuration keys that run programs;
 * - sees no inherited GIT_* variable, no system or global config, and only
 *   the transports the caller names (`protocol.allow=never` otherwise).
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { GitopsError } from '../errors/define.js';

/** A transport git may use to reach a remote (`protocol.<name>.allow=always`). */
export type GitTransport = 'https' | 'http' | 'ssh' | 'file';

export interface GitRunOptions {
  /** Working directory for git (`git -C` equivalent). */
  readonly cwd?: string;
  /**
   * The one repository directory git may trust: a checkout's root (the
   * directory given with --repo or to diff/sync, or a worktree the controller
   * made) or a bare repository passed with --git-dir. Git reads configuration
   * only from the repository found at or below it, and accepts it even when
   * another user owns it (a git-sync sidecar). @default cwd
   */
  readonly trustedDir?: string;
  /** Extra environment (credentials, GIT_SSH_COMMAND...), set by the controller itself. Applied after the inherited environment is cleaned. */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Values that must never appear in error messages (tokens). */
  readonly secrets?: readonly string[];
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  readonly okExitCodes?: readonly number[];
  /** Transports a fetch may use. @default none: the command does not talk to a remote */
  readonly transports?: readonly GitTransport[];
}

export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Most of git's stderr kept per call. Git ends with the `fatal:` line, so the
 * tail is what matters; a remote's sideband text is otherwise unbounded and
 * would be held (and scrubbed) in full.
 */
export const GIT_STDERR_LIMIT = 64 * 1024;

/**
 * Configuration on every call. `credential.helper=` empties the helper list so
 * a developer's keychain is never consulted. core.fsmonitor and
 * core.hooksPath are the keys of a checkout's config that run programs on
 * status, checkout and worktree commands; filter drivers are switched off per
 * checkout by revision.ts (their names are only known from that config).
 * `safe.bareRepository=explicit`: a bare repository committed inside a
 * checkout is never discovered as the repository (only --git-dir names one).
 * core.sshCommand and core.gitProxy are left alone: they matter only for a
 * fetch, which runs in the controller's own mirror, whose config only the
 * controller writes (and git://, which core.gitProxy serves, is not allowed).
 */
const HARDENING_ARGS = [
  '-c', 'credential.helper=',
  '-c', 'core.askPass=',
  '-c', 'core.quotePath=false',
  '-c', 'core.fsmonitor=false',
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'safe.bareRepository=explicit',
  '-c', 'protocol.allow=never',
];

/** Canonical path, as git compares it with safe.directory (git resolves the working directory). */
function canonical(dir: string): string {
  const absolute = path.resolve(dir);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute; // not created yet (git init)
  }
}

function gitArgs(args: readonly string[], trusted: string | undefined, transports: readonly GitTransport[]): string[] {
  const out = [...HARDENING_ARGS];
  for (const transport of new Set(transports)) out.push('-c', `protocol.${transport}.allow=always`);
  if (trusted !== undefined) out.push('-c', `safe.directory=${trusted}`);
  return [...out, ...args];
}

/**
 * The child's environment: the parent's without ANY GIT_* variable (GIT_DIR,
 * GIT_CONFIG_GLOBAL, GIT_EXEC_PATH, GIT_OBJECT_DIRECTORY... each redirects git
 * somewhere the controller did not choose), no system or global config, then
 * what the controller itself sets (`extra`: credentials, GIT_SSH_COMMAND).
 */
function childEnv(extra: Readonly<Record<string, string>> | undefined, trusted: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.toUpperCase().startsWith('GIT_') || name === 'SSH_ASKPASS') continue;
    env[name] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // Discovery stops at the trusted directory: a .git in a folder above it is never used.
    ...(trusted === undefined ? {} : { GIT_CEILING_DIRECTORIES: path.dirname(trusted) }),
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    LC_ALL: 'C',
    LANGUAGE: 'C',
    ...extra,
  };
}

/**
 * URL user info (`scheme://user:token@`): the user info right after `<word>://`,
 * up to `@`. The lookbehind is tried only where `://` follows a word
 * character and the user info cannot cross `/`, so the scan is linear; the
 * former `(\w+:\/\/)` restarted its `\w+` at every character of a long word
 * (quadratic: seconds for 100 KB of a remote's sideband text).
 */
// Up to the last @ before the path, query or fragment: a password may hold an @.
const URL_USER_INFO = /(?<=\w:\/\/)[^/\s?#]*@/g;

/** Replaces every secret (and URL userinfo) in `text` with `***`. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_USER_INFO, '***@');
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}

/** Keeps the last `limit` bytes written to it (and how many were dropped before them). */
class TailBuffer {
  #chunks: Buffer[] = [];
  #length = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    // Compact only at twice the limit, so a chatty child costs one copy per `limit` bytes, not per chunk.
    if (this.#length > 2 * this.limit) {
      const all = Buffer.concat(this.#chunks);
      const tail = all.subarray(all.length - this.limit);
      this.dropped += all.length - tail.length;
      this.#chunks = [Buffer.from(tail)];
      this.#length = tail.length;
    }
  }

  toString(): string {
    const all = Buffer.concat(this.#chunks);
    const excess = Math.max(0, all.length - this.limit);
    const dropped = this.dropped + excess;
    const text = all.subarray(excess).toString('utf8');
    return dropped === 0 ? text : `[${dropped} earlier bytes of git output dropped]\n${text}`;
  }
}

/** Runs git; resolves with its output, rejects with a GitopsError on failure or abort. */
export function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
  const { cwd, env, signal, secrets = [], okExitCodes = [], transports = [] } = options;
  const trustedInput = options.trustedDir ?? cwd;
  const trusted = trustedInput === undefined ? undefined : canonical(trustedInput);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const child = spawn('git', gitArgs(args, trusted, transports), {
      cwd,
      env: childEnv(env, trusted),
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    // stdout is kept whole: callers parse it (rev-parse, status -z). stderr is only ever a message.
    const out: Buffer[] = [];
    const err = new TailBuffer(GIT_STDERR_LIMIT);
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
        stderr: err.toString(),
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
