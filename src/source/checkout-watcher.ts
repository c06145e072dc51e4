/**
 * Watches everything whose change can change a snapshot of a checkout, and
 * calls one callback for any of it: the manifest files (tree-watcher.ts, one
 * fs.watch per directory), the Git HEAD and refs (a commit or checkout moves
 * HEAD without touching a manifest file), and — when the root is a symlink,
 * as with git-sync — the link itself, through its parent directory, since a
 * watch on the old link target sees nothing when the link is swapped to a
 * new worktree.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { runGit } from './git-command.js';
import { watchTree, type TreeWatcher } from './tree-watcher.js';
import type { SourceLogger } from './manifest-source.js';

export interface CheckoutWatcherOptions {
  /** The configured root (possibly a symlink). */
  readonly root: string;
  /** The resolved directory holding the manifests (link target joined with the sub path). */
  readonly dir: string;
  /** The resolved checkout root (the link target): git trusts it and looks for no repository above it. @default dir */
  readonly checkoutRoot?: string;
  readonly onChange: (reason: string) => void;
  readonly logger: SourceLogger;
  readonly signal?: AbortSignal;
}

export interface CheckoutWatcher {
  readonly dir: string;
  close(): Promise<void>;
}

function ready(watcher: FSWatcher): Promise<void> {
  return new Promise((resolve) => watcher.once('ready', () => resolve()));
}

async function gitDirs(dir: string, checkoutRoot: string, signal?: AbortSignal): Promise<{ gitDir: string; commonDir: string } | undefined> {
  try {
    const { stdout } = await runGit(['rev-parse', '--absolute-git-dir', '--git-common-dir'], { cwd: dir, trustedDir: checkoutRoot, signal });
    const [gitDir, common] = stdout.trim().split('\n');
    if (gitDir === undefined || common === undefined) return undefined;
    return { gitDir, commonDir: path.resolve(dir, common) };
  } catch {
    return undefined; // not a Git checkout: nothing to watch but the files
  }
}

/** Only these git paths mean "HEAD may point elsewhere now". */
function isRefPath(file: string, gitDir: string, commonDir: string): boolean {
  if (file === path.join(gitDir, 'HEAD') || file === path.join(commonDir, 'packed-refs')) return true;
  const refs = path.join(commonDir, 'refs') + path.sep;
  return file.startsWith(refs) && !file.endsWith('.lock');
}

export async function watchCheckout(options: CheckoutWatcherOptions): Promise<CheckoutWatcher> {
  const { root, dir, onChange, logger, signal, checkoutRoot = dir } = options;
  const watchers: FSWatcher[] = [];
  // Listen for 'ready' as soon as each watcher exists: a small tree is ready before the next await returns.
  const readies: Promise<void>[] = [];
  const track = (watcher: FSWatcher) => {
    watchers.push(watcher);
    readies.push(ready(watcher));
  };
  const onError = (error: unknown) => logger.warn({ err: String(error), dir }, 'file watcher error');

  // The .git directory is not in it (dot entries are skipped): the ref watcher below covers what matters there.
  const files: TreeWatcher = await watchTree({
    root: dir,
    onChange: (file) => onChange(`changed ${file}`),
    onError: (error, where) => logger.warn({ err: String(error), dir: where }, 'file watcher error'),
  });

  const git = await gitDirs(dir, checkoutRoot, signal);
  if (git) {
    const targets = [...new Set([git.gitDir, git.commonDir])];
    const refs = watch([...targets, path.join(git.commonDir, 'refs')], {
      ignoreInitial: true,
      depth: 20,
      // Never walk objects/, logs/, worktrees/...: only HEAD, packed-refs and refs/**.
      ignored: (file) =>
        !(targets.includes(file) || file === path.join(git.commonDir, 'refs') || isRefPath(file, git.gitDir, git.commonDir)),
    });
    refs.on('all', (event, file) => {
      if (isRefPath(file, git.gitDir, git.commonDir)) onChange(`${event} ${file}`);
    });
    refs.on('error', onError);
    track(refs);
  }

  const link = await lstat(root).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    const parent = path.dirname(path.resolve(root));
    const linkWatcher = watch(parent, { ignoreInitial: true, depth: 0, followSymlinks: false });
    linkWatcher.on('all', (event, file) => onChange(`${event} ${file} (link parent)`));
    linkWatcher.on('error', onError);
    track(linkWatcher);
  }

  await Promise.all(readies);
  logger.debug({ dir, git: git !== undefined, link: link?.isSymbolicLink() ?? false }, 'watching checkout');
  return {
    dir,
    async close() {
      files.close();
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}
