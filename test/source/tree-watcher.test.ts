/**
 * The per-directory fs.watch tree watcher on real files: nested writes are
 * reported with their relative path, folders made or moved in later are
 * watched, removed ones are dropped, dot folders (.git) and links out of the
 * tree are never watched, and nothing is reported after close.
 */
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchTree, type TreeWatcher } from '../../src/source/tree-watcher.js';
import { eventually } from '../controller/harness.js';
import { removeTempDirs, tempDir } from './support/git-fixture.js';

const open: TreeWatcher[] = [];
afterEach(() => {
  for (const watcher of open.splice(0)) watcher.close();
  removeTempDirs();
});

/** Collects reported paths; `next(path)` resolves when that path is reported (or fails after 5 s). */
class Reports {
  readonly paths: string[] = [];
  readonly errors: unknown[] = [];
  #waiters: { path: string; resolve: () => void }[] = [];
  readonly onChange = (relativePath: string): void => {
    this.paths.push(relativePath);
    this.#waiters = this.#waiters.filter((w) => (w.path === relativePath ? (w.resolve(), false) : true));
  };
  readonly onError = (error: unknown): void => {
    this.errors.push(error);
  };
  next(relativePath: string): Promise<void> {
    if (this.paths.includes(relativePath)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event for ${relativePath}; got ${JSON.stringify(this.paths)}`)), 5_000);
      this.#waiters.push({ path: relativePath, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

async function start(root: string): Promise<{ watcher: TreeWatcher; reports: Reports }> {
  const reports = new Reports();
  const watcher = await watchTree({ root, onChange: reports.onChange, onError: reports.onError });
  open.push(watcher);
  return { watcher, reports };
}

/** What a failed wait prints: what it waited for, and what was watched and reported meanwhile. */
function state(watcher: TreeWatcher, reports: Reports, waitingFor: string): () => unknown {
  return () => ({ waitingFor, watched: watcher.watchedDirs(), reported: reports.paths });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tree watcher', () => {
  it('reports writes at any depth with the path relative to the root', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'services', 'team-a'), { recursive: true });
    writeFileSync(path.join(root, 'services', 'team-a', 'web.yaml'), 'a: 1\n');
    const { watcher, reports } = await start(root);
    expect(new Set(watcher.watchedDirs())).toEqual(new Set([root, path.join(root, 'services'), path.join(root, 'services', 'team-a')]));

    writeFileSync(path.join(root, 'services', 'team-a', 'web.yaml'), 'a: 2\n');
    await reports.next(path.join('services', 'team-a', 'web.yaml'));
    writeFileSync(path.join(root, 'top.yaml'), 'b: 1\n');
    await reports.next('top.yaml');
    expect(reports.errors).toEqual([]);
  });

  it('watches folders created or moved in after the start, and drops removed ones', async () => {
    const root = tempDir();
    const outside = tempDir();
    const { watcher, reports } = await start(root);

    mkdirSync(path.join(root, 'new', 'deeper'), { recursive: true });
    await eventually(() => watcher.watchedDirs().includes(path.join(root, 'new', 'deeper')), state(watcher, reports, 'the new nested folder to be watched'), 5_000);
    writeFileSync(path.join(root, 'new', 'deeper', 'svc.yaml'), 'a: 1\n');
    await reports.next(path.join('new', 'deeper', 'svc.yaml'));

    // A whole folder renamed in (as a checkout of a new directory does) is one event for the folder.
    mkdirSync(path.join(outside, 'moved'));
    writeFileSync(path.join(outside, 'moved', 'x.yaml'), 'x: 1\n');
    renameSync(path.join(outside, 'moved'), path.join(root, 'moved'));
    await reports.next('moved');
    await eventually(() => watcher.watchedDirs().includes(path.join(root, 'moved')), state(watcher, reports, 'the moved-in folder to be watched'), 5_000);
    // Once watched, the folder is reported again: the read that follows then comes after the watch,
    // so files written into it before the watch existed are still read.
    await eventually(() => reports.paths.filter((p) => p === 'moved').length >= 2, state(watcher, reports, 'the folder to be reported again once watched'), 5_000);
    writeFileSync(path.join(root, 'moved', 'x.yaml'), 'x: 2\n');
    await reports.next(path.join('moved', 'x.yaml'));

    rmSync(path.join(root, 'new'), { recursive: true });
    await reports.next('new');
    await eventually(() => !watcher.watchedDirs().some((d) => d.startsWith(path.join(root, 'new'))), state(watcher, reports, 'the removed folders to be dropped'), 5_000);

    // Made again under the same name: watched afresh.
    mkdirSync(path.join(root, 'new'));
    await eventually(() => watcher.watchedDirs().includes(path.join(root, 'new')), state(watcher, reports, 'the re-created folder to be watched'), 5_000);
    writeFileSync(path.join(root, 'new', 'again.yaml'), 'a: 1\n');
    await reports.next(path.join('new', 'again.yaml'));
    expect(reports.errors).toEqual([]);
  });

  it('never watches or reports dot entries such as .git (the loader skips them too)', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, '.git', 'objects'), { recursive: true });
    const { watcher, reports } = await start(root);
    expect(watcher.watchedDirs()).toEqual([root]);

    writeFileSync(path.join(root, '.git', 'objects', 'blob'), 'x');
    writeFileSync(path.join(root, '.swap.yaml'), 'x');
    writeFileSync(path.join(root, 'visible.yaml'), 'a: 1\n');
    await reports.next('visible.yaml');
    expect(reports.paths.filter((p) => p.split(path.sep).some((segment) => segment.startsWith('.')))).toEqual([]);
  });

  it('watches a linked folder inside the tree at its target, and never a link out of the tree', async () => {
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(path.join(root, '.shared'));
    symlinkSync(path.join(root, '.shared'), path.join(root, 'shared-link'));
    symlinkSync(outside, path.join(root, 'escape'));
    const { watcher, reports } = await start(root);
    expect(new Set(watcher.watchedDirs())).toEqual(new Set([root, path.join(root, '.shared')]));

    writeFileSync(path.join(root, '.shared', 'svc.yaml'), 'a: 1\n');
    await reports.next(path.join('.shared', 'svc.yaml'));
    writeFileSync(path.join(outside, 'elsewhere.yaml'), 'a: 1\n');
    await sleep(200);
    expect(reports.paths.some((p) => p.includes('elsewhere'))).toBe(false);
  });

  it('reports nothing after close', async () => {
    const root = tempDir();
    const { watcher, reports } = await start(root);
    watcher.close();
    expect(watcher.watchedDirs()).toEqual([]);
    writeFileSync(path.join(root, 'late.yaml'), 'a: 1\n');
    await sleep(200);
    expect(reports.paths).toEqual([]);
  });
});
