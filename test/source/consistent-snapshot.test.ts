/**
 * readConsistentSnapshot against real git: a read that HEAD or the root link
 * moved under is thrown away and redone; a checkout that never holds still
 * gives SOURCE_SNAPSHOT_UNSTABLE; plain directories are `unversioned:<hash>`.
 */
import { renameSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestSnapshot } from '../../src/manifests/types.js';
import { readConsistentSnapshot } from '../../src/source/consistent-snapshot.js';
import { readRevision } from '../../src/source/revision.js';
import { requireProgram } from '../support/programs.js';
import { commitAll, git, initRepo, removeTempDirs, tempDir, writeService } from './support/git-fixture.js';
import { yamlLoad } from './support/yaml-load.js';

const hasGit = requireProgram('git', 'apt-get install git');
afterEach(() => removeTempDirs());

const image = (s: ManifestSnapshot) => s.services[0]?.manifest.spec.taskDefinition.containerDefinitions?.[0]?.image;

describe.skipIf(!hasGit)('readConsistentSnapshot', () => {
  it('reads again when HEAD moves during the load, and stamps the revision the files came from', async () => {
    const repo = initRepo();
    writeService(repo, 'a.yaml', 'a', 'nginx:1');
    commitAll(repo);
    let calls = 0;
    let moved = '';
    const load = async (dir: string, signal: AbortSignal) => {
      const snapshot = await yamlLoad(dir, signal);
      if (calls++ === 0) {
        writeService(repo, 'a.yaml', 'a', 'nginx:2');
        moved = commitAll(repo); // a pull lands while we read
      }
      return snapshot;
    };
    const { snapshot, retries } = await readConsistentSnapshot({ root: repo, load });
    expect(retries).toBe(1);
    expect(snapshot.revision).toBe(moved);
    expect(image(snapshot)).toBe('nginx:2');
  });

  it('gives up with SOURCE_SNAPSHOT_UNSTABLE when HEAD moves during every read', async () => {
    const repo = initRepo();
    writeService(repo, 'a.yaml', 'a', 'nginx:0');
    commitAll(repo);
    let calls = 0;
    const load = async (dir: string, signal: AbortSignal) => {
      const snapshot = await yamlLoad(dir, signal);
      writeService(repo, 'a.yaml', 'a', `nginx:${++calls}`);
      commitAll(repo);
      return snapshot;
    };
    await expect(readConsistentSnapshot({ root: repo, load, maxAttempts: 3 })).rejects.toMatchObject({ code: 'SOURCE_SNAPSHOT_UNSTABLE' });
    expect(calls).toBe(3);
  });

  it('reads again when the root link is swapped during the load (git-sync)', async () => {
    const base = tempDir();
    for (const [dir, tag] of [['one', 'nginx:1'], ['two', 'nginx:2']] as const) writeService(path.join(base, dir), 'a.yaml', 'a', tag);
    const link = path.join(base, 'current');
    symlinkSync('one', link);
    let calls = 0;
    const load = async (dir: string, signal: AbortSignal) => {
      const snapshot = await yamlLoad(dir, signal);
      if (calls++ === 0) {
        symlinkSync('two', `${link}.tmp`);
        renameSync(`${link}.tmp`, link);
      }
      return snapshot;
    };
    const { snapshot, resolvedDir, retries } = await readConsistentSnapshot({ root: link, load });
    expect({ retries, resolvedDir, image: image(snapshot) }).toEqual({ retries: 1, resolvedDir: path.join(base, 'two'), image: 'nginx:2' });
    expect(snapshot.root).toBe(link);
  });

  it('names a plain directory unversioned:<content hash>, the same for the same content', async () => {
    const dirs = [tempDir(), tempDir()];
    for (const dir of dirs) writeService(dir, 'a.yaml', 'a', 'nginx:1');
    const [a, b] = await Promise.all(dirs.map((root) => readConsistentSnapshot({ root, load: yamlLoad })));
    expect(a?.snapshot.revision).toMatch(/^unversioned:[0-9a-f]{12}$/);
    expect(a?.snapshot.revision).toBe(b?.snapshot.revision);
  });

  it('wraps a load failure that is not movement as SOURCE_LOAD_FAILED', async () => {
    const repo = initRepo();
    commitAll(repo);
    const load = () => Promise.reject(new Error('EIO'));
    await expect(readConsistentSnapshot({ root: repo, load })).rejects.toMatchObject({ code: 'SOURCE_LOAD_FAILED', message: expect.stringContaining('EIO') });
  });

  it.each([
    ['a plain directory', () => tempDir(), 'unversioned'],
    ['a repository without commits', () => initRepo(), 'unversioned'],
  ])('readRevision of %s is %s', async (_name, make, expected) => {
    expect(await readRevision(make())).toBe(expected);
  });

  it('readRevision of a checkout is its HEAD commit, also from a subdirectory of the given root', async () => {
    const repo = initRepo();
    writeService(repo, 'deep/er/a.yaml', 'a', 'nginx:1');
    const head = commitAll(repo);
    expect(await readRevision(path.join(repo, 'deep', 'er'), undefined, repo)).toBe(head);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('a folder inside a repository, given as the root itself, is unversioned: the .git above it is not used', async () => {
    const repo = initRepo();
    writeService(repo, 'deep/a.yaml', 'a', 'nginx:1');
    commitAll(repo);
    expect(await readRevision(path.join(repo, 'deep'))).toBe('unversioned');
    const { snapshot } = await readConsistentSnapshot({ root: path.join(repo, 'deep'), load: yamlLoad });
    expect(snapshot.revision).toMatch(/^unversioned:[0-9a-f]{12}$/);
  });
});
