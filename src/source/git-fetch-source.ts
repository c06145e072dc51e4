/**
 * The source for `run --git-url URL --git-ref REF`: the controller keeps its
 * own checkout. A bare mirror in a private directory is fetched on an interval
 * (with jitter, so many controllers do not hit the remote in step) and on
 * demand (webhook). A new commit is optionally verified (`git verify-commit`),
 * checked out into a fresh worktree, and a `current` symlink is swapped to it
 * atomically before the snapshot is read, so a read never sees half a
 * checkout. Any failure keeps the last good revision, is reported (onFetch
 * for metrics, onError/logs for status) and is retried with backoff.
 *
 * Layout of `workdir`: mirror.git/ (bare), worktrees/<commit>/, current -> worktrees/<commit>, ssh/.
 */
import { mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { systemClock, type Clock } from '../util/clock.js';
import { GitopsError, isGitopsError } from '../errors/define.js';
import { readConsistentSnapshot, type RevisionedSnapshot } from './consistent-snapshot.js';
import { runGit, type GitTransport } from './git-command.js';
import { assertGitUrlSafe, resolveGitAuth, type GitCredentials } from './git-credentials.js';
import { classifyFetchError } from './git-fetch-errors.js';
import { silentLogger } from '../observe/logger.js';
import type { LoadManifests, ManifestSource, SnapshotListener, SourceErrorListener, SourceLogger } from './manifest-source.js';
import { SnapshotPump } from './snapshot-pump.js';

export interface SignatureVerification {
  /**
   * For SSH-signed commits: an allowed_signers file (`gpg.ssh.allowedSignersFile`).
   * For GPG-signed commits leave it out and provide `gnupgHome` with the trusted keys.
   */
  readonly allowedSignersFile?: string;
  /** GNUPGHOME holding the keyring of allowed GPG keys. */
  readonly gnupgHome?: string;
}

/** The outcome of one fetch of the remote (for metrics and status). */
export interface FetchResult {
  readonly ok: boolean;
  /** The commit the ref pointed to (on success). */
  readonly revision?: string;
  readonly error?: GitopsError;
  /** Clock time (ms since the epoch). */
  readonly at: number;
  /** Consecutive failures so far (0 after a success). */
  readonly consecutiveFailures: number;
}

export interface GitFetchSourceOptions {
  /**
   * Remote URL: https://..., ssh://..., git@host:org/repo.git, or a local path
   * or file:// URL. No user info in an http(s) URL (the token goes in
   * `credentials`); a token needs https. Checked when the source is created.
   */
  readonly url: string;
  /** Branch or tag name (`main`), or a full ref (`refs/heads/main`). */
  readonly ref: string;
  /** Manifests directory inside the repository. @default '' */
  readonly path?: string;
  /** Private directory for the mirror and worktrees (created with mode 0700). */
  readonly workdir: string;
  /** Interval between fetches. @default 60000 */
  readonly pollMs?: number;
  /** Random spread of each interval, as a fraction (0.1 = ±10%). @default 0.1 */
  readonly jitter?: number;
  /** Longest wait between retries after failures. @default max(pollMs, 300000) */
  readonly maxBackoffMs?: number;
  readonly credentials?: GitCredentials;
  /** When set, refuse commits that `git verify-commit` does not accept. */
  readonly verifySignatures?: SignatureVerification;
  readonly load: LoadManifests;
  readonly logger?: SourceLogger;
  /** Every failed read: fetch, verification or load (the last good snapshot stays current). */
  readonly onError?: SourceErrorListener;
  /** Every fetch attempt, successful or not: feed `metrics.recordSourceFetch`. */
  readonly onFetch?: (result: FetchResult) => void;
  readonly clock?: Clock;
  /** A fetch that takes longer is abandoned and counted as failed (a stalled connection must not stop polling). @default 120000 */
  readonly fetchTimeoutMs?: number;
  /** Source of randomness for jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface GitFetchSource extends ManifestSource {
  /** The last fetch attempt. */
  lastFetch(): FetchResult | undefined;
  /** Delay of the scheduled fetch; undefined while a scheduled fetch runs (it is rescheduled when it ends). */
  nextFetchInMs(): number | undefined;
}

const TARGET_REF = 'refs/ecs-gitops/target';

/**
 * The transports a fetch of `url` may use: https and ssh always; plain http
 * only when the URL itself is http (an unauthenticated internal mirror: a
 * token is refused with it); local files only when the URL names a local
 * repository. Everything else (ext::, fd::, git://, a file path reached by
 * any other route) stays refused by `protocol.allow=never`.
 */
export function remoteTransports(url: string): GitTransport[] {
  const transports: GitTransport[] = ['https', 'ssh'];
  if (/^http:\/\//i.test(url)) transports.push('http');
  // git's own rule: a local path has no `://` and no `:` before its first `/`.
  const local = /^file:\/\//i.test(url) || (!url.includes('://') && !/^[^/]*:/.test(url));
  if (local) transports.push('file');
  return transports;
}

export function createGitFetchSource(options: GitFetchSourceOptions): GitFetchSource {
  const { url, ref, workdir, load, credentials, verifySignatures, clock = systemClock, random = Math.random } = options;
  const subPath = options.path ?? '';
  const pollMs = options.pollMs ?? 60_000;
  const jitter = options.jitter ?? 0.1;
  const maxBackoffMs = options.maxBackoffMs ?? Math.max(pollMs, 300_000);
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 120_000;
  const logger = options.logger ?? silentLogger();
  if (!(pollMs > 0)) throw new RangeError(`pollMs must be positive, got ${pollMs}`);
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);
  // Before anything logs, stores or runs the URL: a token in it would be shown everywhere it goes.
  assertGitUrlSafe(url, credentials);
  const transports = remoteTransports(url);

  const mirror = path.join(workdir, 'mirror.git');
  const worktrees = path.join(workdir, 'worktrees');
  const link = path.join(workdir, 'current');
  const context = { url, ref };

  let started = false;
  let closed = false;
  let failures = 0;
  let last: FetchResult | undefined;
  let cancelTimer: (() => void) | undefined;
  let nextDelay: number | undefined;
  let linkedRevision: string | undefined;

  // The mirror is the one repository these commands trust; only a fetch talks to the remote.
  const git = (args: string[], signal?: AbortSignal, env: Readonly<Record<string, string>> = {}, secrets: readonly string[] = []) =>
    runGit(['--git-dir', mirror, ...args], { trustedDir: mirror, env, ...(signal ? { signal } : {}), secrets, ...(args[0] === 'fetch' ? { transports } : {}) });

  function report(result: Omit<FetchResult, 'at' | 'consecutiveFailures'>): void {
    failures = result.ok ? 0 : failures + 1;
    last = { ...result, at: clock.now(), consecutiveFailures: failures };
    try {
      options.onFetch?.(last);
    } catch (error) {
      logger.error({ err: String(error) }, 'onFetch listener threw');
    }
  }

  async function fetchCommit(signal: AbortSignal): Promise<string> {
    const auth = await resolveGitAuth(url, credentials, workdir);
    const timed = AbortSignal.any([signal, AbortSignal.timeout(fetchTimeoutMs)]);
    await git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--force', '--', url, `${ref}:${TARGET_REF}`], timed, auth.env, auth.secrets).catch(
      (error: unknown) => {
        if (timed.aborted && !signal.aborted) {
          throw new GitopsError('SOURCE_FETCH_FAILED', `fetching ${ref} from ${url} took longer than ${fetchTimeoutMs} ms; abandoned`, { url, ref });
        }
        throw error;
      },
    );
    const { stdout } = await git(['rev-parse', '--verify', `${TARGET_REF}^{commit}`], signal);
    return stdout.trim();
  }

  async function verify(commit: string, signal: AbortSignal): Promise<void> {
    if (verifySignatures === undefined) return;
    const args = verifySignatures.allowedSignersFile === undefined ? [] : ['-c', `gpg.ssh.allowedSignersFile=${verifySignatures.allowedSignersFile}`];
    const env: Record<string, string> = verifySignatures.gnupgHome === undefined ? {} : { GNUPGHOME: verifySignatures.gnupgHome };
    try {
      await runGit([...args, '--git-dir', mirror, 'verify-commit', commit], { trustedDir: mirror, env, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      const stderr = isGitopsError(error) ? String(error.details.stderr ?? '') : String(error);
      throw new GitopsError('SOURCE_UNSIGNED_REVISION', `commit ${commit} of ${ref} is not signed by an allowed key; keeping the last good revision`, { revision: commit, ref, stderr }, { cause: error });
    }
  }

  /** Fresh worktree for `commit`, then an atomic swap of `current` to it. */
  async function checkout(commit: string, signal: AbortSignal): Promise<void> {
    const target = path.join(worktrees, commit);
    // A leftover from an interrupted attempt is rebuilt: a worktree must be complete before the link points at it.
    await git(['worktree', 'remove', '--force', target], signal).catch(() => undefined);
    await rm(target, { recursive: true, force: true });
    await git(['worktree', 'prune'], signal);
    await git(['worktree', 'add', '--quiet', '--detach', '--force', target, commit], signal);
    const temp = `${link}.${process.pid}.tmp`;
    await rm(temp, { force: true });
    await symlink(path.relative(workdir, target), temp);
    await rename(temp, link);
    linkedRevision = commit;
  }

  /** Removes every worktree but the current one (the only one a read can be using, since reads are serial). */
  async function cleanup(keep: string): Promise<void> {
    const names = await readdir(worktrees).catch(() => [] as string[]);
    for (const name of names) {
      if (name === keep) continue;
      await git(['worktree', 'remove', '--force', path.join(worktrees, name)]).catch(() => undefined);
      await rm(path.join(worktrees, name), { recursive: true, force: true });
    }
    await git(['worktree', 'prune']).catch(() => undefined);
  }

  const pump = new SnapshotPump({
    logger,
    onError: options.onError,
    read: async (signal): Promise<RevisionedSnapshot | undefined> => {
      let commit: string;
      try {
        commit = await fetchCommit(signal);
      } catch (error) {
        if (signal.aborted) throw error;
        const failure = classifyFetchError(error, context);
        report({ ok: false, error: failure });
        throw failure;
      }
      report({ ok: true, revision: commit });
      if (commit === pump.current()?.revision && linkedRevision === commit) return undefined;
      await verify(commit, signal);
      if (linkedRevision !== commit) await checkout(commit, signal);
      const { snapshot } = await readConsistentSnapshot({ root: link, path: subPath, load, signal, detectLocalChanges: false });
      return snapshot;
    },
    afterDeliver: (snapshot) => cleanup(snapshot.revision),
  });

  function delay(): number {
    const base = failures === 0 ? pollMs : Math.min(maxBackoffMs, Math.min(pollMs, 10_000) * 2 ** (failures - 1));
    return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
  }

  function schedule(): void {
    if (closed) return;
    cancelTimer?.();
    nextDelay = delay();
    cancelTimer = clock.setTimer(nextDelay, () => {
      cancelTimer = undefined;
      nextDelay = undefined;
      void pump.read().then(schedule);
    });
  }

  return {
    async start(onSnapshot: SnapshotListener) {
      if (started) throw new Error('source already started');
      started = true;
      pump.listen(onSnapshot);
      await mkdir(workdir, { recursive: true, mode: 0o700 });
      await mkdir(worktrees, { recursive: true });
      await runGit(['init', '--quiet', '--bare', mirror], { trustedDir: mirror, signal: pump.signal });
      const outcome = await pump.read();
      if (!outcome.ok) {
        await this.close();
        throw outcome.error;
      }
      schedule();
    },
    current: () => pump.current(),
    refresh() {
      if (!closed && started) pump.request();
    },
    lastFetch: () => last,
    nextFetchInMs: () => nextDelay,
    async close() {
      if (closed) return;
      closed = true;
      cancelTimer?.();
      await pump.close();
    },
  };
}
