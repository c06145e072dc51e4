/**
 * One read of the manifests taken at one revision. Git gives no lock a reader
 * can hold, so the read is optimistic: note where the root link points and
 * what HEAD is, load the files, then look again; if either moved (a pull or a
 * git-sync link swap happened meanwhile) the read is thrown away and started
 * over, a bounded number of times. A snapshot therefore never mixes files from
 * two revisions under one revision stamp.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { GitopsError, isGitopsError } from '../errors/define.js';
import type { ManifestSnapshot } from '../manifests/types.js';
import { isInside } from '../util/path-inside.js';
import type { LoadManifests } from './manifest-source.js';
import { DIRTY_SUFFIX, UNVERSIONED, hasLocalChanges, readRevision, unversionedRevision } from './revision.js';

export interface ConsistentSnapshotOptions {
  /** The checkout (may be a symlink that is swapped atomically, as git-sync does). */
  readonly root: string;
  /** Manifests directory inside the checkout ('' or undefined for the root itself). */
  readonly path?: string;
  readonly load: LoadManifests;
  readonly signal?: AbortSignal;
  /** Reads attempted before giving up with SOURCE_SNAPSHOT_UNSTABLE. @default 5 */
  readonly maxAttempts?: number;
  /** Mark revisions with uncommitted changes under the manifests path as `<commit>-dirty`. @default true */
  readonly detectLocalChanges?: boolean;
}

/** A snapshot whose revision is always set. */
export type RevisionedSnapshot = ManifestSnapshot & { readonly revision: string };

export interface ConsistentSnapshotResult {
  readonly snapshot: RevisionedSnapshot;
  /** The directory actually read (the link target joined with `path`). */
  readonly resolvedDir: string;
  /** The checkout root actually read (the link target). */
  readonly resolvedRoot: string;
  /** Reads thrown away because the checkout moved underneath. */
  readonly retries: number;
}

async function resolveRoot(root: string): Promise<string> {
  try {
    return await realpath(root);
  } catch (error) {
    throw new GitopsError('SOURCE_ROOT_NOT_FOUND', `manifests root ${root} does not exist`, { root }, { cause: error });
  }
}

export async function requireDirectory(dir: string, root: string, subPath: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    const what = subPath === '' ? `manifests root ${root}` : `manifests path ${subPath} (under ${root})`;
    throw new GitopsError('SOURCE_ROOT_NOT_FOUND', `${what} is not a directory`, { root, path: subPath });
  }
}

/**
 * The manifests path must stay inside the checkout: `--path ../elsewhere`, or a
 * symlink in the repository pointing out of it, would let a commit (or a typo)
 * make the controller apply files nobody reviewed in that repository.
 */
async function requireInside(resolvedRoot: string, dir: string, root: string, subPath: string): Promise<void> {
  if (subPath === '') return;
  const real = await realpath(dir);
  if (!isInside(resolvedRoot, real)) {
    throw new GitopsError(
      'SOURCE_PATH_OUTSIDE_ROOT',
      `--path ${subPath} resolves to ${real}, outside the checkout ${root}; it is not read`,
      { root, path: subPath },
    );
  }
}

/** Where the checkout is now: link target and revision (undefined when it cannot be read: it moved). */
async function position(root: string, subPath: string, signal?: AbortSignal): Promise<{ resolved: string; head: string } | undefined> {
  try {
    const resolved = await realpath(root);
    const head = await readRevision(path.join(resolved, subPath), signal, resolved);
    return { resolved, head };
  } catch (error) {
    if (signal?.aborted) throw error;
    return undefined;
  }
}

export async function readConsistentSnapshot(options: ConsistentSnapshotOptions): Promise<ConsistentSnapshotResult> {
  const { root, load, signal, maxAttempts = 5, detectLocalChanges = true } = options;
  const subPath = options.path ?? '';
  let lastError: unknown;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    signal?.throwIfAborted();
    const resolved = await resolveRoot(root);
    const dir = path.join(resolved, subPath);
    await requireDirectory(dir, root, subPath);
    await requireInside(resolved, dir, root, subPath);
    const head = await readRevision(dir, signal, resolved);

    let loaded: ManifestSnapshot;
    let dirty = false;
    try {
      loaded = await load(dir, signal ?? new AbortController().signal);
      if (head !== UNVERSIONED && detectLocalChanges) dirty = await hasLocalChanges(dir, signal, resolved);
    } catch (error) {
      if (signal?.aborted) throw error;
      // A worktree deleted under us (git-sync cleaning up) fails the load: that is movement, not a broken source.
      const after = await position(root, subPath, signal);
      if (after === undefined || after.resolved !== resolved || after.head !== head) {
        lastError = error;
        continue;
      }
      if (isGitopsError(error)) throw error;
      throw new GitopsError('SOURCE_LOAD_FAILED', `reading manifests in ${dir} failed: ${String(error)}`, { dir }, { cause: error });
    }

    // Only after `status`: a commit landing while it runs could make it see clean files that the
    // read took before the commit; HEAD read after it has then moved too, and the read is retried.
    const after = await position(root, subPath, signal);
    if (after === undefined || after.resolved !== resolved || after.head !== head) continue;

    const revision = head === UNVERSIONED ? unversionedRevision(loaded) : dirty ? `${head}${DIRTY_SUFFIX}` : head;
    const snapshot: RevisionedSnapshot = Object.freeze({ ...loaded, root: path.join(root, subPath), revision });
    return { snapshot, resolvedDir: dir, resolvedRoot: resolved, retries: attempt };
  }
  throw new GitopsError(
    'SOURCE_SNAPSHOT_UNSTABLE',
    `the checkout at ${root} changed during each of ${maxAttempts} reads; no snapshot was taken`,
    { root, attempts: maxAttempts },
    lastError === undefined ? undefined : { cause: lastError },
  );
}
