/**
 * Both sources with the real manifests loader (src/manifests), as the
 * controller wires them: an edit enqueues only its service, a broken file
 * blocks its services instead of removing them, and the built-in fetch reads
 * the same way.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/util/clock.js';
import { loadManifests } from '../../src/manifests/index.js';
import { createCheckoutSource } from '../../src/source/checkout-source.js';
import { createGitFetchSource } from '../../src/source/git-fetch-source.js';
import type { LoadManifests, ManifestSource } from '../../src/source/manifest-source.js';
import { requireProgram } from '../support/programs.js';
import { commitAll, git, initRepo, key, removeTempDirs, tempDir, writeFile, writeService } from './support/git-fixture.js';
import { SnapshotRecorder } from './support/snapshot-recorder.js';

const hasGit = requireProgram('git', 'apt-get install git');
const load: LoadManifests = (dir, signal) => loadManifests(dir, { defaultRegion: 'us-east-1', signal });

const sources: ManifestSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
  removeTempDirs();
});

describe.skipIf(!hasGit)('sources with the real manifests loader', () => {
  it('checkout: one edited file enqueues one service; a broken file blocks, never removes', async () => {
    const repo = initRepo();
    for (const name of ['a', 'b', 'c']) writeService(repo, `services/${name}.yaml`, name, 'nginx:1');
    commitAll(repo);
    const source = createCheckoutSource({ root: repo, load, debounceMs: 50 });
    sources.push(source);
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    expect(rec.deliveries[0]?.snapshot.problems).toEqual([]);
    expect(rec.deliveries[0]?.changes.added).toEqual([key('a'), key('b'), key('c')]);

    let from = rec.deliveries.length;
    writeService(repo, 'services/b.yaml', 'b', 'nginx:2');
    const edited = commitAll(repo);
    await rec.waitForRevision(edited, from);
    expect(rec.changesSince(from)).toEqual({ changed: [key('b')], added: [], removed: [] });

    from = rec.deliveries.length;
    writeFile(repo, 'services/c.yaml', 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: [unclosed\n');
    const broken = commitAll(repo);
    const got = await rec.waitForRevision(broken, from);
    expect(got.snapshot.filesWithProblems.has('services/c.yaml')).toBe(true);
    expect(got.snapshot.problems.every((p) => p.file === 'services/c.yaml')).toBe(true);
    expect(rec.changesSince(from)).toEqual({ changed: [key('c')], added: [], removed: [] });
  });

  it('built-in fetch: reads the fetched revision with the real loader', async () => {
    const base = tempDir();
    const remote = path.join(base, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const work = initRepo(path.join(base, 'work'));
    writeService(work, 'deploy/a.yaml', 'a', 'nginx:1');
    const sha = commitAll(work);
    git(work, 'push', '-q', remote, 'main');
    const source = createGitFetchSource({ url: remote, ref: 'main', path: 'deploy', workdir: path.join(base, 'controller'), load, clock: new FakeClock() });
    sources.push(source);
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    expect(rec.deliveries[0]?.snapshot).toMatchObject({ revision: sha, problems: [] });
    expect(rec.deliveries[0]?.snapshot.services.map((s) => s.key)).toEqual([key('a')]);
  });
});
