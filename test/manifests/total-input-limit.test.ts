/**
 * Manifest input is bounded by the memory the controller has: every file's
 * text stays in memory until the snapshot is validated, so 5000 files of
 * 256 KiB (1.25 GiB) would not fit the CloudFormation template's 1 GiB task.
 * The total is derived from V8's heap limit (limits.ts, docs/manifests.md
 * "Limits"); past it, files are refused with a problem each, not read.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ManifestFileCache, loadManifests } from '../../src/manifests/index.js';
import { LOAD_BYTES_PER_MANIFEST_BYTE, MANIFEST_HEAP_SHARE, totalBytesForHeap } from '../../src/manifests/limits.js';
import { serviceManifest } from '../controller/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const MiB = 1024 * 1024;

/** A valid one-service file padded with a comment to `bytes`. */
function paddedService(name: string, bytes: number): string {
  const doc = stringify(serviceManifest({ name }));
  return `# ${'x'.repeat(bytes - doc.length - 3)}\n${doc}`;
}

describe('total manifest input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-total-'));
    // 28 files of 240 KiB: each under the file limit, 6.6 MiB together.
    for (let i = 0; i < 28; i++) await writeFile(path.join(dir, `svc-${String(i).padStart(2, '0')}.yaml`), paddedService(`svc-${i}`, 240 * 1024));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fits half the heap at the measured peak cost, within 4 and 64 MiB', () => {
    expect(LOAD_BYTES_PER_MANIFEST_BYTE * totalBytesForHeap(816 * MiB)).toBeLessThanOrEqual(816 * MiB * MANIFEST_HEAP_SHARE);
    // --max-old-space-size=768 (heap limit 816 MiB): 24 MiB of manifests.
    expect(totalBytesForHeap(816 * MiB)).toBe(Math.floor((816 * MiB * 0.5) / 17));
    expect(totalBytesForHeap(64 * MiB)).toBe(4 * MiB);
    expect(totalBytesForHeap(16 * 1024 * MiB)).toBe(64 * MiB);
    // The old product of the per-file limits could not fit a 1 GiB task; the total always does.
    expect(totalBytesForHeap(1024 * MiB) * LOAD_BYTES_PER_MANIFEST_BYTE).toBeLessThan(1024 * MiB);
  });

  it('validate under a 128 MiB heap refuses the files past the total, naming each', async () => {
    const result = await run(process.execPath, ['--max-old-space-size=128', '--import', 'tsx', 'src/cli/bin.ts', 'validate', dir], { cwd: root, timeout: 120_000 })
      .then(() => ({ code: 0, stdout: '' }), (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }));
    expect(result.code).not.toBe(0);
    const refused = result.stdout.split('\n').filter((line) => line.includes('MANIFEST_TOO_MUCH_INPUT'));
    // 176 MiB heap limit -> 5.18 MiB: 22 files of 240 KiB are read, the other 6 are not.
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(refused.length).toBeLessThanOrEqual(7);
    for (const line of refused) expect(line).toMatch(/^svc-\d\d\.yaml(:\d+:\d+)?: MANIFEST_TOO_MUCH_INPUT .*over the total size limit of \d+ bytes/);
  });

  it('counts files held by the cache from an earlier load', async () => {
    const small = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-total-cache-'));
    try {
      const cache = new ManifestFileCache();
      // Room for four files: three are loaded and cached, then four more appear.
      // Loads an hour from now: the files' stats are settled, so the cache reuses unchanged ones without reading them.
      const options = { limits: { maxTotalBytes: 4 * 240 * 1024 + 1024 }, cache, defaultRegion: 'eu-west-1', now: () => Date.now() + 3_600_000 };
      for (let i = 0; i < 3; i++) await writeFile(path.join(small, `a-${i}.yaml`), paddedService(`a-${i}`, 240 * 1024));
      expect((await loadManifests(small, options)).problems).toEqual([]);
      for (let i = 0; i < 4; i++) await writeFile(path.join(small, `b-${i}.yaml`), paddedService(`b-${i}`, 240 * 1024));
      const second = await loadManifests(small, options);
      expect(second.problems.filter((p) => p.code === 'MANIFEST_TOO_MUCH_INPUT')).toHaveLength(3);
      expect(second.services).toHaveLength(4);
    } finally {
      await rm(small, { recursive: true, force: true });
    }
  });
});
