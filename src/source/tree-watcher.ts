/**
 * Watches a manifests tree with one non-recursive fs.watch per directory and
 * reports the path of every entry the kernel says changed. Nothing is read
 * per event except one lstat when an entry is created or removed (to start
 * or stop watching a directory): the snapshot that follows finds out what
 * changed, so the watcher need not.
 *
 * Why not chokidar here (it still watches the Git refs and the root link):
 * chokidar answers each event by re-reading the whole directory (readdir and
 * a stat of every entry) to work out what happened. A folder of 1,000
 * manifests cost 110–230 ms of CPU per edited file, on the thread that then
 * takes the snapshot, which was most of the commit-to-apply latency
 * (BENCHMARKS.md, scenario 2).
 *
 * The loader never reads dot entries, so they are neither watched (no walk
 * into .git's objects) nor reported. A symlink to a directory inside the
 * tree is watched at its target, as the loader reads it there; a link out of
 * the tree is not read by the loader, so it is not watched either.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../util/path-inside.js';

export interface TreeWatcherOptions {
  /** The tree's root directory (already resolved: no symlink). */
  readonly root: string;
  /** An entry changed, was created or was removed; the path is relative to the root. */
  readonly onChange: (relativePath: string) => void;
  /** A directory could not be watched (e.g. the inotify watch limit); its changes are missed until the next read. */
  readonly onError: (error: unknown, dir: string) => void;
}

export interface TreeWatcher {
  /** Directories currently watched (absolute). */
  readonly watchedDirs: () => readonly string[];
  close(): void;
}

export async function watchTree(options: TreeWatcherOptions): Promise<TreeWatcher> {
  const { root, onChange, onError } = options;
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  function unwatch(dir: string): void {
    for (const [watched, watcher] of watchers) {
      if (watched === dir || watched.startsWith(dir + path.sep)) {
        watcher.close();
        watchers.delete(watched);
      }
    }
  }

  /** The directory an entry stands for (its target, for a link inside the tree), or undefined. */
  async function directoryOf(entryPath: string): Promise<string | undefined> {
    const info = await lstat(entryPath).catch(() => undefined);
    if (info?.isDirectory()) return entryPath;
    if (!info?.isSymbolicLink()) return undefined;
    const target = await realpath(entryPath).catch(() => undefined);
    if (target === undefined || !isInside(root, target)) return undefined;
    const targetInfo = await stat(target).catch(() => undefined);
    return targetInfo?.isDirectory() ? target : undefined;
  }

  /** Watches `dir` and, recursively, the directories under it. */
  async function addDirectory(dir: string): Promise<void> {
    if (closed || watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      // Watch before listing: a folder created between the two is then seen by one or the other.
      watcher = watch(dir, { persistent: true }, (event, filename) => onEvent(dir, event, filename));
    } catch (error) {
      onError(error, dir);
      return;
    }
    watcher.on('error', (error) => {
      // The directory went away (or the kernel dropped the watch): stop watching it; the parent reports the removal.
      unwatch(dir);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EPERM') onError(error, dir);
    });
    watchers.set(dir, watcher);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries
        .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink()))
        .map(async (entry) => {
          const child = await directoryOf(path.join(dir, entry.name));
          if (child !== undefined) await addDirectory(child);
        }),
    );
  }

  function onEvent(dir: string, event: string, filename: string | Buffer | null): void {
    if (closed) return;
    if (filename === null) {
      // The platform did not say which entry: report the directory, the snapshot re-reads it anyway.
      onChange(path.relative(root, dir));
      return;
    }
    const name = filename.toString();
    if (name.startsWith('.')) return;
    const entryPath = path.join(dir, name);
    onChange(path.relative(root, entryPath));
    // 'change' is a write to an existing entry; only 'rename' (created, removed, moved) can add or drop a directory.
    if (event !== 'rename') return;
    // A created, removed or replaced entry may be a directory to start or stop watching.
    void directoryOf(entryPath).then(async (child) => {
      if (closed) return;
      if (child === undefined) {
        unwatch(entryPath);
        return;
      }
      if (watchers.has(child)) return;
      await addDirectory(child);
      // Files written into the new folder before its watch existed gave no event: say once more
      // that it changed, so the read that follows comes after the watch and sees them.
      if (!closed) onChange(path.relative(root, entryPath));
    });
  }

  await addDirectory(root);
  return {
    watchedDirs: () => [...watchers.keys()],
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
