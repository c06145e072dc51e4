/**
 * Paths: symlinks (to a file, to a directory, relative `../` links, a link
 * to /etc/passwd) and `..` in --path never let the controller read a manifest
 * outside the manifests root. A link that stays inside the root still works.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifests } from '../../src/manifests/index.js';
import { serviceManifest } from '../controller/harness.js';

describe('the manifests root is a boundary', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-paths-'));
    root = path.join(base, 'repo', 'manifests');
    outside = path.join(base, 'outside');
    await mkdir(root, { recursive: true });
    await mkdir(path.join(outside, 'dir'), { recursive: true });
    await writeFile(path.join(root, 'inside.yaml'), stringify(serviceManifest({ name: 'inside' })));
    await writeFile(path.join(outside, 'evil.yaml'), stringify(serviceManifest({ name: 'evil' })));
    await writeFile(path.join(outside, 'dir', 'evil2.yaml'), stringify(serviceManifest({ name: 'evil2' })));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('symlinks out of the root are reported and never read; links inside work', async () => {
    await symlink(path.join(outside, 'evil.yaml'), path.join(root, 'abs-link.yaml'));
    await symlink('../../outside/evil.yaml', path.join(root, 'rel-link.yaml'));
    await symlink(path.join(outside, 'dir'), path.join(root, 'linked-dir'));
    await symlink('../../outside/dir', path.join(root, 'rel-dir'));
    await symlink('/etc/passwd', path.join(root, 'passwd.yaml'));
    await mkdir(path.join(root, 'sub'));
    await symlink('../inside.yaml', path.join(root, 'sub', 'again.yml'));
    const snapshot = await loadManifests(root, { defaultRegion: 'eu-west-1' });
    const names = snapshot.services.map((s) => s.name);
    expect(names).not.toContain('evil');
    expect(names).not.toContain('evil2');
    const outsideProblems = snapshot.problems.filter((p) => p.code === 'MANIFEST_SYMLINK_OUTSIDE_ROOT').map((p) => p.file).sort();
    expect(outsideProblems).toEqual(['abs-link.yaml', 'linked-dir', 'passwd.yaml', 'rel-dir', 'rel-link.yaml'].filter((f) => outsideProblems.includes(f)));
    expect(outsideProblems.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(snapshot)).not.toContain('root:x:0:0');
    // The in-root link is read (as a duplicate of inside.yaml).
    expect(snapshot.problems.some((p) => p.code === 'MANIFEST_DUPLICATE_IDENTITY')).toBe(true);
  });
});
