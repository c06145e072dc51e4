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
 * HEAD of the Git checkout containing `dir`, or `unversioned` when `dir` is not
 * inside a Git repository (or the repository has no commit yet).
 */
export async function readRevision(dir: string, signal?: AbortSignal): Promise<string> {
  try {
    const { stdout } = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: dir, signal, okExitCodes: [1] });
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
 * True when files under `dir` differ from HEAD (modified, deleted or untracked).
 * `--no-optional-locks`: a background status must never take index.lock and
 * make the user's own `git commit` fail.
 */
export async function hasLocalChanges(dir: string, signal?: AbortSignal): Promise<boolean> {
  const { stdout } = await runGit(['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=all', '--', '.'], {
    cwd: dir,
    signal,
  });
  return stdout.length > 0;
}

/**
 * A hash of the snapshot's content: every identity with its content hash,
 * every file read and every problem. Pure; used for unversioned revisions and
 * to tell whether a re-read changed anything.
 */
export function snapshotContentHash(snapshot: Pick<ManifestSnapshot, 'services' | 'clusters' | 'problems' | 'files'>): string {
  const hash = createHash('sha256');
  const lines = [
    ...snapshot.services.map((s) => `s ${s.key} ${s.contentHash} ${s.source.file}`),
    ...snapshot.clusters.map((c) => `c ${c.key} ${c.contentHash} ${c.source.file}`),
    ...snapshot.files.map((f) => `f ${f}`),
    ...snapshot.problems.map((p) => `p ${p.file}:${p.line}:${p.column} ${p.code} ${p.pointer} ${p.message}`),
  ].sort();
  for (const line of lines) hash.update(line).update('\n');
  return hash.digest('hex');
}

/** `unversioned:<first 12 hex of the content hash>` */
export function unversionedRevision(snapshot: Pick<ManifestSnapshot, 'services' | 'clusters' | 'problems' | 'files'>): string {
  return `${UNVERSIONED}:${snapshotContentHash(snapshot).slice(0, 12)}`;
}
