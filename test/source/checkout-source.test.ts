/**
 * The watched-checkout source against real git repositories and real file
 * events: commits, uncommitted writes, branch switches, bursts and git-sync
 * style symlink swaps, each producing the expected revision and changed keys.
 */
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/util/clock.js';
import { createCheckoutSource, type CheckoutSource } from '../../src/source/checkout-source.js';
import { requireProgram } from '../support/programs.js';
import { commitAll, git, initRepo, key, removeTempDirs, serviceYaml, tempDir, writeFile, writeService } from './support/git-fixture.js';
import { SnapshotRecorder } from './support/snapshot-recorder.js';
import { yamlLoad } from './support/yaml-load.js';

const hasGit = requireProgram('git', 'apt-get install git');

const sources: CheckoutSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
  removeTempDirs();
});

async function startSource(root: string, debounceMs = 50, extra: { path?: string } = {}): Promise<{ source: CheckoutSource; rec: SnapshotRecorder }> {
  const debug = process.env.SOURCE_DEBUG ? (m: string) => (f: object) => console.log(m, JSON.stringify(f)) : () => () => undefined;
  const logger = { debug: (f: object, m: string) => debug(m)(f), info: (f: object, m: string) => debug(m)(f), warn: (f: object, m: string) => debug(m)(f), error: (f: object, m: string) => debug(m)(f) };
  const source = createCheckoutSource({ root, debounceMs, load: yamlLoad, logger, ...extra });
  sources.push(source);
  const rec = new SnapshotRecorder();
  await source.start(rec.listener);
  return { source, rec };
}

function imageOf(snapshotServices: readonly { key: string; manifest: { spec: { taskDefinition: { containerDefinitions?: readonly { image?: string }[] } } } }[], k: string): string | undefined {
  return snapshotServices.find((s) => s.key === k)?.manifest.spec.taskDefinition.containerDefinitions?.[0]?.image;
}

describe.skipIf(!hasGit)('checkout source', () => {
  it('delivers exactly the changed keys and the new revision for edit, add, delete and rename commits', async () => {
    const repo = initRepo();
    writeService(repo, 'a.yaml', 'a', 'nginx:1');
    writeService(repo, 'b.yaml', 'b', 'nginx:1');
    const first = commitAll(repo);
    const { source, rec } = await startSource(repo);

    expect(rec.deliveries).toHaveLength(1);
    expect(rec.deliveries[0]?.snapshot.revision).toBe(first);
    expect(rec.deliveries[0]?.changes).toMatchObject({ added: [key('a'), key('b')], changed: [], removed: [] });

    const steps: Array<{ name: string; act: () => void; expected: { changed: string[]; added: string[]; removed: string[] } }> = [
      { name: 'edit', act: () => writeService(repo, 'a.yaml', 'a', 'nginx:2'), expected: { changed: [key('a')], added: [], removed: [] } },
      { name: 'add', act: () => writeService(repo, 'c.yaml', 'c', 'nginx:1'), expected: { changed: [], added: [key('c')], removed: [] } },
      { name: 'delete', act: () => rmSync(path.join(repo, 'b.yaml')), expected: { changed: [], added: [], removed: [key('b')] } },
      { name: 'rename', act: () => git(repo, 'mv', 'c.yaml', 'renamed-c.yaml'), expected: { changed: [], added: [], removed: [] } },
    ];
    for (const step of steps) {
      const from = rec.deliveries.length;
      step.act();
      const sha = commitAll(repo, step.name);
      const last = await rec.waitForRevision(sha, from);
      // An uncommitted state may be seen first (`<old>-dirty`); across the step the union is exact.
      expect(rec.changesSince(from), step.name).toEqual(step.expected);
      expect(last.snapshot.revision, step.name).toBe(sha);
      expect(source.current()?.revision).toBe(sha);
    }
    expect(source.current()?.services.map((s) => `${s.key}@${s.source.file}`)).toEqual([`${key('a')}@a.yaml`, `${key('c')}@renamed-c.yaml`]);
  });

  it('watches a sub path and ignores files outside it', async () => {
    const repo = initRepo();
    writeService(repo, 'deploy/a.yaml', 'a', 'nginx:1');
    writeService(repo, 'other/x.yaml', 'x', 'nginx:1');
    commitAll(repo);
    const { rec } = await startSource(repo, 50, { path: 'deploy' });
    expect(rec.deliveries[0]?.snapshot.services.map((s) => s.key)).toEqual([key('a')]);
    const from = rec.deliveries.length;
    writeService(repo, 'deploy/a.yaml', 'a', 'nginx:9');
    const sha = commitAll(repo);
    await rec.waitForRevision(sha, from);
    expect(rec.changesSince(from)).toEqual({ changed: [key('a')], added: [], removed: [] });
  });

  it('stamps an uncommitted edit as <HEAD>-dirty, never as the commit that does not contain it', async () => {
    const repo = initRepo();
    writeService(repo, 'a.yaml', 'a', 'nginx:1');
    const head = commitAll(repo);
    const { rec } = await startSource(repo);
    writeService(repo, 'a.yaml', 'a', 'nginx:2');
    const dirty = await rec.waitForRevision(`${head}-dirty`);
    expect(imageOf(dirty.snapshot.services, key('a'))).toBe('nginx:2');
    expect(dirty.changes.changed).toEqual([key('a')]);
  });

  it('reads a plain directory as unversioned with a content hash that changes with the content', async () => {
    const dir = tempDir();
    writeService(dir, 'a.yaml', 'a', 'nginx:1');
    const { rec } = await startSource(dir);
    const first = rec.deliveries[0]?.snapshot.revision ?? '';
    expect(first).toMatch(/^unversioned:[0-9a-f]{12}$/);
    writeService(dir, 'a.yaml', 'a', 'nginx:2');
    const next = await rec.waitFor((d) => d.snapshot.revision !== first);
    expect(next.snapshot.revision).toMatch(/^unversioned:[0-9a-f]{12}$/);
    expect(next.changes.changed).toEqual([key('a')]);
  });

  it('coalesces a pull that touches 500 files into one snapshot', async () => {
    const upstream = initRepo();
    writeService(upstream, 'a.yaml', 'a', 'nginx:1');
    commitAll(upstream);
    const repo = tempDir();
    git(repo, 'clone', '-q', upstream, '.');
    for (let i = 0; i < 500; i++) writeService(upstream, `many/s${i}.yaml`, `s${i}`, 'nginx:1');
    const target = commitAll(upstream, 'bulk');
    // 250 ms of quiet: a local fast-forward of 500 small files writes them well inside it.
    const { rec } = await startSource(repo, 250);
    const from = rec.deliveries.length;
    git(repo, 'pull', '-q', '--ff-only');
    const last = await rec.waitForRevision(target, from);
    expect(rec.deliveries.length - from).toBe(1);
    expect(last.changes.added).toHaveLength(500);
    expect(last.snapshot.services).toHaveLength(501);
  });

  it('at the default debounce, 500 file writes with gaps under 50 ms give one snapshot, 50 ms after the last', async () => {
    // Real files and watcher events, time from a FakeClock: the test decides how far apart the
    // writes are as the debouncer sees them, however slow this machine is at the moment.
    const dir = tempDir();
    const staging = tempDir();
    writeService(dir, 'a.yaml', 'a', 'nginx:1');
    const clock = new FakeClock();
    const seen = new Set<string>();
    let notify: (() => void) | undefined;
    const logger = {
      debug: (fields: Record<string, unknown>, message: string) => {
        if (message !== 'checkout changed') return;
        seen.add(String(fields.reason));
        notify?.();
      },
      info: () => undefined, warn: () => undefined, error: () => undefined,
    };
    let loads = 0;
    const source = createCheckoutSource({ root: dir, clock, logger, load: (d, signal) => (loads++, yamlLoad(d, signal)) });
    sources.push(source);
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    const from = rec.deliveries.length;
    const readsBefore = loads;

    for (let i = 0; i < 500; i++) {
      // Every 25th gap is 49 ms, the others none: 931 ms in all, under the 1 s cap on one burst.
      if (i > 0) await clock.advance(i % 25 === 0 ? 49 : 0);
      // Renamed in whole, so each file gives exactly one event (a write in place may add a 'change').
      writeService(staging, `s${i}.yaml`, `s${i}`, 'nginx:1');
      const event = `changed s${i}.yaml`;
      const arrived = new Promise<void>((resolve) => (notify = () => seen.has(event) && resolve()));
      renameSync(path.join(staging, `s${i}.yaml`), path.join(dir, `s${i}.yaml`));
      await arrived;
    }
    await clock.advance(49);
    expect(loads).toBe(readsBefore);
    await clock.advance(1);
    const last = await rec.waitFor((d) => d.snapshot.services.length === 501, from);
    expect(rec.deliveries.slice(from)).toEqual([last]);
    expect(loads).toBe(readsBefore + 1);
    expect(last.changes.added).toHaveLength(500);
  });

  it('converges on the last of 50 rapid commits and never delivers an older revision after a newer one', async () => {
    const repo = initRepo();
    writeService(repo, 'a.yaml', 'a', 'nginx:0');
    const order = [commitAll(repo)];
    const { rec } = await startSource(repo, 20);
    for (let i = 1; i <= 50; i++) {
      writeService(repo, 'a.yaml', 'a', `nginx:${i}`);
      order.push(commitAll(repo, `commit ${i}`));
    }
    const last = order[order.length - 1] ?? '';
    const final = await rec.waitForRevision(last);
    expect(imageOf(final.snapshot.services, key('a'))).toBe('nginx:50');
    // Position of each delivery in commit order; `-dirty` sits between its base and the next commit.
    const positions = rec.deliveries.map(({ snapshot }) => {
      const base = snapshot.revision.replace(/-dirty$/, '');
      const index = order.indexOf(base);
      expect(index, snapshot.revision).toBeGreaterThanOrEqual(0);
      return index + (snapshot.revision.endsWith('-dirty') ? 0.5 : 0);
    });
    for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1] ?? -1);
    expect(rec.deliveries[rec.deliveries.length - 1]?.snapshot.revision).toBe(last);
  });

  it('reports a half-written file as a problem of that file only, then picks up the finished file', async () => {
    const repo = initRepo();
    writeService(repo, 'a.yaml', 'a', 'nginx:1');
    commitAll(repo);
    const { rec } = await startSource(repo);
    const full = serviceYaml('c', 'nginx:1');
    writeFile(repo, 'c.yaml', `${full.slice(0, full.indexOf('containerDefinitions'))}containerDefinitions: [{ name: c, ima`);
    const partial = await rec.waitFor((d) => d.snapshot.filesWithProblems.has('c.yaml'));
    expect(partial.snapshot.services.map((s) => s.key)).toEqual([key('a')]);
    expect(partial.changes).toMatchObject({ changed: [], added: [], removed: [] });
    writeFile(repo, 'c.yaml', full);
    const done = await rec.waitFor((d) => d.snapshot.services.some((s) => s.key === key('c')));
    expect(done.snapshot.problems).toEqual([]);
    expect(done.changes).toMatchObject({ changed: [], added: [key('c')], removed: [] });
  });

  it('switching to a branch with broken manifests blocks those keys instead of removing them', async () => {
    const repo = initRepo();
    writeService(repo, 'a.yaml', 'a', 'nginx:1');
    writeService(repo, 'b.yaml', 'b', 'nginx:1');
    commitAll(repo);
    git(repo, 'checkout', '-q', '-b', 'broken');
    writeFile(repo, 'b.yaml', 'kind: Service\nmetadata: [unclosed\n');
    writeService(repo, 'a.yaml', 'a', 'nginx:2');
    const broken = commitAll(repo, 'broken');
    git(repo, 'checkout', '-q', 'main');
    const { rec } = await startSource(repo);
    const from = rec.deliveries.length;
    git(repo, 'checkout', '-q', 'broken');
    const got = await rec.waitForRevision(broken, from);
    expect(got.snapshot.filesWithProblems.has('b.yaml')).toBe(true);
    expect(rec.changesSince(from)).toEqual({ changed: [key('a'), key('b')], added: [], removed: [] });
  });

  it('follows a git-sync style symlink swapped atomically to a new worktree', async () => {
    const base = tempDir();
    const repo = initRepo(path.join(base, 'repo-dir'));
    writeService(repo, 'a.yaml', 'a', 'nginx:1');
    const one = commitAll(repo);
    git(repo, 'worktree', 'add', '-q', '--detach', path.join(base, 'wt', one), one);
    const link = path.join(base, 'current');
    symlinkSync(path.join('wt', one), link);

    const { source, rec } = await startSource(link);
    expect(rec.deliveries[0]?.snapshot.revision).toBe(one);

    let previous = one;
    for (const image of ['nginx:2', 'nginx:3']) {
      writeService(repo, 'a.yaml', 'a', image);
      writeService(repo, `${image.replace(':', '-')}.yaml`, image.replace(':', '-'), image);
      const sha = commitAll(repo);
      git(repo, 'worktree', 'add', '-q', '--detach', path.join(base, 'wt', sha), sha);
      const from = rec.deliveries.length;
      symlinkSync(path.join('wt', sha), path.join(base, 'current.tmp'));
      renameSync(path.join(base, 'current.tmp'), link); // atomic swap, as git-sync does
      git(repo, 'worktree', 'remove', '--force', path.join(base, 'wt', previous));
      const got = await rec.waitForRevision(sha, from);
      expect(imageOf(got.snapshot.services, key('a'))).toBe(image);
      expect(rec.changesSince(from)).toEqual({ changed: [key('a')], added: [key(image.replace(':', '-'))], removed: [] });
      previous = sha;
    }
    expect(source.watchedDir()).toBe(path.join(base, 'wt', previous));
  });

  it('re-reads on the recheck interval even when no file event gets through', async () => {
    const dir = tempDir();
    writeService(dir, 'a.yaml', 'a', 'nginx:1');
    const clock = new FakeClock();
    // Events are debounced for an hour on the fake clock: only the recheck timer can cause the read.
    const source = createCheckoutSource({ root: dir, load: yamlLoad, clock, debounceMs: 3_600_000, maxDebounceMs: 3_600_000, recheckMs: 1000 });
    sources.push(source);
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    writeService(dir, 'a.yaml', 'a', 'nginx:2');
    await clock.advance(1000);
    const got = await rec.waitFor((d) => d.changes.changed.length > 0);
    expect(imageOf(got.snapshot.services, key('a'))).toBe('nginx:2');
  });

  it('fails to start with SOURCE_ROOT_NOT_FOUND for a missing root or path', async () => {
    const source = createCheckoutSource({ root: path.join(tempDir(), 'nope'), load: yamlLoad });
    await expect(source.start(() => undefined)).rejects.toMatchObject({ code: 'SOURCE_ROOT_NOT_FOUND' });
    const repo = initRepo();
    const sub = createCheckoutSource({ root: repo, path: 'missing', load: yamlLoad });
    await expect(sub.start(() => undefined)).rejects.toMatchObject({ code: 'SOURCE_ROOT_NOT_FOUND', message: expect.stringContaining('missing') });
  });
});
