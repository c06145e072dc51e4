/**
 * The IO edge of manifest handling: walks the root for *.yaml, *.yml and
 * *.json (skipping dot files and dot folders such as .git), reads each within
 * the size limit, and hands everything to the pure validateDocuments. Nothing
 * a checkout contains (FIFOs, escaping symlinks, unreadable files, loops)
 * makes it crash or hang: each becomes a problem for that path.
 */
import { statSync, type BigIntStats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { GitopsError, type ManifestErrorCode } from '../errors/index.js';
import { isInside } from '../util/path-inside.js';
import { resolveLimits, type ManifestLimits } from './limits.js';
import type { ManifestSnapshot } from './types.js';
import {
  validateDocuments,
  type ManifestFileCache,
  type ManifestFileFailure,
  type ManifestFileInput,
  type ManifestFileReuse,
} from './validate-documents.js';

export interface LoadOptions {
  /** Region for documents without metadata.region. @default 'us-east-1' */
  readonly defaultRegion?: string;
  readonly limits?: Partial<ManifestLimits>;
  readonly signal?: AbortSignal;
  /**
   * Keep one per watched root: a file whose stat is unchanged is not read
   * again, and a changed one is re-validated only if its content changed.
   */
  readonly cache?: ManifestFileCache;
  /** Wall clock (ms), compared with file times to tell racy stats (tests move it). @default Date.now */
  readonly now?: () => number;
}

const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;
const PARALLEL_READS = 16;
const STATS_PER_SLICE = 128;

/**
 * How long after a file's last change its stat stops being "racy". A rewrite
 * within the same timestamp tick and of the same size leaves (size, mtime)
 * as they were, so a stat taken that close to a change cannot vouch for the
 * content: such files are read again on every load until their times are
 * this far behind the load's start (git treats index entries the same way).
 * Two seconds covers coarse timestamps (FAT's 2 s, HFS+'s 1 s) and a little
 * clock skew between this host and a network filesystem's server.
 */
export const RACY_STAT_WINDOW_MS = 2000;
const NS_PER_MS = 1_000_000n;

/**
 * The identity and times of the file at `target`, or undefined when they
 * cannot vouch for its content because it changed less than
 * RACY_STAT_WINDOW_MS before `loadStartNs` (or claims a time after it). The
 * path is part of it: a git-sync link swap moves every path to a new
 * worktree, whose inodes may be recycled ones. ctime is part of it because
 * the kernel sets it on every write, rename and utimes, so a content change
 * that restores size and mtime still moves it.
 */
function trustedFileStat(target: string, info: BigIntStats, loadStartNs: bigint): string | undefined {
  const settledBefore = loadStartNs - BigInt(RACY_STAT_WINDOW_MS) * NS_PER_MS;
  if (info.mtimeNs >= settledBefore || info.ctimeNs >= settledBefore) return undefined;
  return `${target}\0${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads at most `limit + 1` bytes, so an over-size file (or one growing while
 * read) never fills memory. Also returns the open file's stat, taken before
 * the first byte is read: it describes this content or an older one, never a
 * newer one, so a later load that finds the same stat may reuse this content.
 */
async function readBounded(file: string, limit: number): Promise<{ content: Uint8Array; info: BigIntStats }> {
  const handle = await open(file, 'r');
  try {
    // Size the buffer from the file, not the limit: a limit-sized buffer per
    // file made every snapshot of 1,000 files allocate 256 MB and spend most
    // of its time in the garbage collector. The file may still grow while it
    // is read, so grow the buffer up to limit + 1 bytes (one past the limit is
    // how "too large" is seen).
    const info = await handle.stat({ bigint: true });
    let buffer = Buffer.allocUnsafe(Math.min(Number(info.size), limit) + 1);
    let total = 0;
    while (true) {
      if (total === buffer.length) {
        if (buffer.length > limit) break;
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
        buffer.copy(grown, 0, 0, total);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return { content: buffer.subarray(0, total), info };
  } finally {
    await handle.close();
  }
}

/**
 * Stat-only pass over the files a cache may already hold: files whose stat
 * vouches for the cached content are answered from the cache (pushed onto
 * `files`); the rest are returned to be read. The stats are synchronous, in
 * slices with a turn of the event loop between them: a local stat takes a
 * few microseconds, while fs.promises.stat's round trip through libuv's
 * thread pool made a 1,000-file snapshot spend 20–60 ms on stats instead of
 * about 8 (BENCHMARKS.md, scenario 2). A slice blocks the event loop for
 * about a millisecond on a local disk.
 */
async function reuseUnchanged(
  candidates: readonly { relative: string; target: string }[],
  cache: ManifestFileCache,
  files: (ManifestFileInput | ManifestFileFailure | ManifestFileReuse)[],
  options: { loadStartNs: bigint; limits: ManifestLimits; defaultRegion: string | undefined; signal: AbortSignal | undefined },
): Promise<{ mustRead: { relative: string; target: string }[]; reusedBytes: number }> {
  const mustRead: { relative: string; target: string }[] = [];
  let reusedBytes = 0;
  for (let start = 0; start < candidates.length; start += STATS_PER_SLICE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
    for (const candidate of candidates.slice(start, start + STATS_PER_SLICE)) {
      let known: string | undefined;
      let size = 0;
      try {
        const info = statSync(candidate.target, { bigint: true, throwIfNoEntry: false });
        known = info === undefined ? undefined : trustedFileStat(candidate.target, info, options.loadStartNs);
        size = info === undefined ? 0 : Number(info.size);
      } catch {
        known = undefined; // unreadable: the read says why
      }
      const reuse = known === undefined ? undefined : cache.unchanged(candidate.relative, known, { defaultRegion: options.defaultRegion, limits: options.limits });
      if (reuse) {
        files.push({ path: candidate.relative, reuse });
        reusedBytes += size;
      } else {
        mustRead.push(candidate);
      }
    }
  }
  return { mustRead, reusedBytes };
}

export async function loadManifests(root: string, options: LoadOptions = {}): Promise<ManifestSnapshot> {
  // Before any stat: a file changed after this instant must never be taken as unchanged later.
  const loadStartNs = BigInt(Math.floor((options.now ?? Date.now)())) * NS_PER_MS;
  const limits = resolveLimits(options.limits);
  const { signal, cache } = options;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    if (!(await stat(realRoot)).isDirectory()) {
      throw new GitopsError('MANIFEST_ROOT_UNREADABLE', `manifests root ${root} is not a directory`, { root });
    }
  } catch (err) {
    if (err instanceof GitopsError) throw err;
    throw new GitopsError('MANIFEST_ROOT_UNREADABLE', `cannot read manifests root ${root}: ${errorText(err)}`, { root }, { cause: err });
  }

  const files: (ManifestFileInput | ManifestFileFailure | ManifestFileReuse)[] = [];
  const fail = (relative: string, code: ManifestErrorCode, message: string): void => {
    files.push({ path: relative, failure: { code, message } });
  };
  const visited = new Set<string>([realRoot]);
  const pending: string[] = [''];
  const toRead: { relative: string; target: string }[] = [];
  let count = 0;
  let truncated = false;

  while (pending.length > 0 && !truncated) {
    signal?.throwIfAborted();
    const dir = pending.shift() as string;
    let entries;
    try {
      entries = await readdir(path.join(realRoot, dir), { withFileTypes: true });
    } catch (err) {
      if (dir === '') {
        throw new GitopsError('MANIFEST_ROOT_UNREADABLE', `cannot read manifests root ${root}: ${errorText(err)}`, { root }, { cause: err });
      }
      fail(dir, 'MANIFEST_UNREADABLE', `cannot list the folder: ${errorText(err)}`);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // fs.readdir and FileHandle.read take no signal: check it between calls instead.
      signal?.throwIfAborted();
      if (entry.name.startsWith('.')) continue;
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      const absolute = path.join(realRoot, relative);
      const looksLikeManifest = MANIFEST_EXTENSION.test(entry.name);
      let target = absolute;
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          target = await realpath(absolute);
          const info = await stat(target);
          isDirectory = info.isDirectory();
          isFile = info.isFile();
        } catch (err) {
          if (looksLikeManifest) fail(relative, 'MANIFEST_UNREADABLE', `cannot follow the symlink: ${errorText(err)}`);
          continue;
        }
        if (!isInside(realRoot, target)) {
          if (looksLikeManifest || isDirectory) {
            fail(relative, 'MANIFEST_SYMLINK_OUTSIDE_ROOT', `the symlink resolves to ${target}, outside the manifests root ${realRoot}; it is not read`);
          }
          continue;
        }
      }
      if (isDirectory) {
        // A symlink back into the tree must not make the walk loop forever.
        if (!visited.has(target)) {
          visited.add(target);
          pending.push(relative);
        }
        continue;
      }
      if (!looksLikeManifest) continue;
      if (++count > limits.maxFiles) {
        fail(relative, 'MANIFEST_TOO_MANY_FILES', `more than ${limits.maxFiles} manifest files under the root; the rest are not read`);
        truncated = true;
        break;
      }
      if (!isFile) {
        fail(relative, 'MANIFEST_UNREADABLE', 'not a regular file (a FIFO, socket or device?); it is not read');
        continue;
      }
      toRead.push({ relative, target });
    }
  }
  // Reads go through libuv's thread pool; a few at a time instead of one by
  // one makes a 1,000-file snapshot several times faster. validateDocuments
  // sorts by path, so completion order does not matter. With a cache, a
  // file whose stat is the one its cached content was read under is not
  // opened at all: a stat costs a fraction of an open, read and hash.
  const { mustRead, reusedBytes } = cache
    ? await reuseUnchanged(toRead, cache, files, { loadStartNs, limits, defaultRegion: options.defaultRegion, signal })
    : { mustRead: toRead, reusedBytes: 0 };
  // Every text read stays in memory until validated: past maxTotalBytes (what
  // the heap holds, limits.ts) the rest is refused, one problem per file, so
  // the snapshot has problems and nothing is pruned for the files not read.
  let totalBytes = reusedBytes;
  const overBudget = (relative: string): void => {
    fail(relative, 'MANIFEST_TOO_MUCH_INPUT', `the manifest files under the root are over the total size limit of ${limits.maxTotalBytes} bytes; this file is not read`);
  };
  let next = 0;
  const readWorker = async (): Promise<void> => {
    while (next < mustRead.length) {
      signal?.throwIfAborted();
      const { relative, target } = mustRead[next++] as { relative: string; target: string };
      if (totalBytes >= limits.maxTotalBytes) {
        overBudget(relative);
        continue;
      }
      try {
        const { content, info } = await readBounded(target, Math.min(limits.maxFileBytes, limits.maxTotalBytes - totalBytes + 1));
        totalBytes += content.length;
        if (totalBytes > limits.maxTotalBytes && content.length <= limits.maxFileBytes) {
          overBudget(relative);
          continue;
        }
        const fileStat = cache ? trustedFileStat(target, info, loadStartNs) : undefined;
        files.push({ path: relative, content, ...(fileStat === undefined ? {} : { fileStat }) });
      } catch (err) {
        fail(relative, 'MANIFEST_UNREADABLE', `cannot read the file: ${errorText(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_READS }, readWorker));
  signal?.throwIfAborted();
  return validateDocuments(files, { defaultRegion: options.defaultRegion, limits, root, cache });
}
