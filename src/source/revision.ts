/**
 * What revision a directory is at. A Git checkout answers with its HEAD commit
 * (plus `-dirty` when files under the manifests path differ from HEAD, so an
 * uncommitted edit is never stamped with a commit that does not contain it);
 * a plain directory answers `unversioned:<content hash>`, where the hash covers
 * everything the snapshot read, so any edit gives a new revision.
 */
import { createHash } from 'node:crypto';
import { isGitopsError } from '../errors/define.js';
import type { ManifestSnapshot } from '../manifests/types.js';
import { runGit } from './git-command.js';

export const UNVERSIONED = 'unversioned';
export const DIRTY_SUFFIX = '-dirty';

/**
 * HEAD of the Git checkout rooted at `root` (`dir` is the manifests directory,
 * `root` itself or below it), or `unversioned` when `root` is not a Git
 * checkout (or the repository has no commit yet). A `.git` above `root` is
 * never used: the revision of a folder inside someone else's repository is
 * the folder's content hash, and that repository's config is never read.
 */
export async function readRevision(dir: string, signal?: AbortSignal, root: string = dir): Promise<string> {
  try {
    const { stdout } = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: dir, trustedDir: root, signal, okExitCodes: [1] });
    const head = stdout.trim();
    return /^[0-9a-f]{40,64}$/.test(head) ? head : UNVERSIONED;
  } catch (error) {
    if (isGitopsError(error) && error.code === 'SOURCE_GIT_FAILED' && /not a git repository/i.test(String(error.details.stderr))) {
      return UNVERSIONED;
    }
    throw error;
  }
}

/**
 * Configuration that empties the clean, smudge and process commands of every
 * filter driver the checkout's config defines: `status` runs a file's clean
 * filter to compare it with the index, so a checkout's config could otherwise
 * run any program as the controller. An empty command means "no filter" to
 * git; `required=false` keeps git from failing on the missing filter. Passed
 * as GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n, where a driver name may hold any
 * character (`-c name=value` would split a name containing `=`).
 */
async function filterDriversOff(dir: string, root: string, signal?: AbortSignal): Promise<Record<string, string>> {
  // Exit 1: no filter configured.
  const { stdout } = await runGit(['config', '-z', '--name-only', '--get-regexp', '^filter\\.'], { cwd: dir, trustedDir: root, signal, okExitCodes: [1] });
  const drivers = new Set<string>();
  for (const key of stdout.split('\0')) {
    const match = /^filter\.(.+)\.[^.]+$/s.exec(key);
    if (match?.[1] !== undefined) drivers.add(match[1]);
  }
  const settings: Array<[string, string]> = [];
  for (const name of drivers) {
    for (const command of ['clean', 'smudge', 'process']) settings.push([`filter.${name}.${command}`, '']);
    settings.push([`filter.${name}.required`, 'false']);
  }
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(settings.length) };
  settings.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * True when files under `dir` differ from HEAD (modified, deleted or untracked).
 * `--no-optional-locks`: a background status must never take index.lock and
 * make the user's own `git commit` fail.
 */
export async function hasLocalChanges(dir: string, signal?: AbortSignal, root: string = dir): Promise<boolean> {
  const filtersOff = await filterDriversOff(dir, root, signal);
  const { stdout } = await runGit(['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=all', '--', '.'], {
    cwd: dir,
    trustedDir: root,
    env: filtersOff,
    signal,
  });
  return stdout.length > 0;
}

/**
 * A hash of the snapshot's content: every identity with its content hash,
 * every file read and every problem. Pure; used for unversioned revisions and
 * to tell whether a re-read changed anything.
 */
type HashedKinds = 'services' | 'clusters' | 'problems' | 'files' | 'capacityProviders' | 'scheduledTasks' | 'environments' | 'notifiers';

export function snapshotContentHash(snapshot: Pick<ManifestSnapshot, 'services' | 'clusters' | 'problems' | 'files'> & Partial<Pick<ManifestSnapshot, HashedKinds>>): string {
  const hash = createHash('sha256');
  // Every kind: an edit to any one document is a new revision (else a directory edit that only touched a notifier or
  // an environment would never reach the controller).
  const lines = [
    ...snapshot.services.map((s) => `s ${s.key} ${s.contentHash} ${s.source.file}`),
    ...snapshot.clusters.map((c) => `c ${c.key} ${c.contentHash} ${c.source.file}`),
    ...(snapshot.capacityProviders ?? []).map((p) => `cp ${p.key} ${p.contentHash} ${p.source.file}`),
    ...(snapshot.scheduledTasks ?? []).map((t) => `st ${t.key} ${t.contentHash} ${t.source.file}`),
    ...(snapshot.environments ?? []).map((e) => `e ${e.key} ${e.contentHash} ${e.source.file}`),
    ...(snapshot.notifiers ?? []).map((n) => `n ${n.key} ${n.contentHash} ${n.source.file}`),
    ...snapshot.files.map((f) => `f ${f}`),
    ...snapshot.problems.map((p) => `p ${p.file}:${p.line}:${p.column} ${p.code} ${p.pointer} ${p.message}`),
  ].sort();
  for (const line of lines) hash.update(line).update('\n');
  return hash.digest('hex');
}

/** `unversioned:<first 12 hex of the content hash>` */
export function unversionedRevision(snapshot: Parameters<typeof snapshotContentHash>[0]): string {
  return `${UNVERSIONED}:${snapshotContentHash(snapshot).slice(0, 12)}`;
}
