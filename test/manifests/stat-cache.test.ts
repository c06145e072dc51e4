/**
 * loadManifests with a cache skips files whose stat (device, inode, size,
 * mtime, ctime) is the one their cached content was read under — but never
 * at the price of a missed edit. Real files in temp dirs; `open` and `stat`
 * of node:fs/promises are wrapped at the module edge to count opens and, for
 * the racy cases, to act like a filesystem whose timestamps did not advance
 * between two writes (coarse timestamps), which a real fast disk cannot be
 * made to do on demand.
 */
import type { BigIntStats } from 'node:fs';
import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { mkdir, mkdtemp, rename, rm, stat as realStat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadManifests, ManifestFileCache, type ManifestSnapshot } from '../../src/manifests/index.js';

const fsEdge = vi.hoisted(() => ({
  opened: [] as string[],
  /** When set, bigint stats of files under `dir` report these times instead of the real ones. */
  frozenTimes: undefined as { dir: string; ns: bigint } | undefined,
}));

const adjustTimes = vi.hoisted(() => (file: string, info: unknown): unknown => {
  const frozen = fsEdge.frozenTimes;
  if (frozen === undefined || typeof (info as { mtimeNs?: unknown } | undefined)?.mtimeNs !== 'bigint' || !file.startsWith(frozen.dir)) return info;
  return Object.assign(Object.create(Object.getPrototypeOf(info) as object) as object, info, { mtimeNs: frozen.ns, ctimeNs: frozen.ns });
});

// The loader's stat-only pass uses statSync; reads go through fs/promises.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof Fs>();
  const statSync = ((file: string, opts?: object) => adjustTimes(String(file), real.statSync(file, opts as never))) as typeof real.statSync;
  return { ...real, default: { ...real, statSync }, statSync };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const adjust = adjustTimes;
  const open: typeof real.open = async (file, ...rest) => {
    fsEdge.opened.push(String(file));
    const handle = await real.open(file, ...rest);
    const handleStat = handle.stat.bind(handle);
    Object.defineProperty(handle, 'stat', { value: async (opts?: { bigint?: boolean }) => adjust(String(file), await handleStat(opts as never)) });
    return handle;
  };
  const stat = (async (file: string, opts?: { bigint?: boolean }) => adjust(String(file), await real.stat(file, opts as never))) as typeof real.stat;
  return { ...real, default: { ...real, open, stat }, open, stat };
});

function service(name: string, image: string): string {
  return [
    'apiVersion: ecs-gitops/v1',
    'kind: Service',
    `metadata: { name: ${name}, cluster: prod }`,
    'spec:',
    '  launchType: EC2',
    '  taskDefinition:',
    `    family: ${name}`,
    `    containerDefinitions: [{ name: app, image: "${image}", memory: 256 }]`,
    '',
  ].join('\n');
}

const images = (snapshot: ManifestSnapshot): Record<string, unknown> =>
  Object.fromEntries(snapshot.services.map((s) => [s.name, s.manifest.spec.taskDefinition.containerDefinitions?.[0]?.image]));

/** A load clock far enough ahead that every file written so far is settled (not racy). */
const later = (): number => Date.now() + 60_000;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'stat-cache-'));
  fsEdge.opened = [];
  fsEdge.frozenTimes = undefined;
});

afterEach(async () => {
  fsEdge.frozenTimes = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function writeServices(root: string, count: number): Promise<void> {
  await mkdir(path.join(root, 'services'), { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(path.join(root, 'services', `svc-${i}.yaml`), service(`svc-${i}`, 'nginx:1.0'));
}

function openedSince(mark: number): string[] {
  return fsEdge.opened.slice(mark).map((file) => path.basename(file)).sort();
}

describe('loadManifests with a cache: stat fingerprints', () => {
  it('does not open files whose stat is unchanged, and opens exactly the changed one', async () => {
    await writeServices(dir, 20);
    const cache = new ManifestFileCache();
    await loadManifests(dir, { cache, now: later });
    expect(fsEdge.opened).toHaveLength(20);

    let mark = fsEdge.opened.length;
    const again = await loadManifests(dir, { cache, now: later });
    expect(openedSince(mark)).toEqual([]);
    expect(again.services).toHaveLength(20);

    await writeFile(path.join(dir, 'services', 'svc-7.yaml'), service('svc-7', 'nginx:1.1-longer'));
    mark = fsEdge.opened.length;
    const edited = await loadManifests(dir, { cache, now: later });
    expect(openedSince(mark)).toEqual(['svc-7.yaml']);
    expect(images(edited)['svc-7']).toBe('nginx:1.1-longer');
    // Whatever was skipped, the result is the one a fresh load gives.
    expect(edited).toEqual(await loadManifests(dir));
  });

  it('re-reads racy files: same size and same times, rewritten within one timestamp tick', async () => {
    await writeServices(dir, 3);
    const file = path.join(dir, 'services', 'svc-1.yaml');
    // A filesystem whose clock did not tick between the two writes: the stat cannot tell them apart.
    fsEdge.frozenTimes = { dir, ns: BigInt(Date.now()) * 1_000_000n };
    const cache = new ManifestFileCache();
    expect(images(await loadManifests(dir, { cache }))['svc-1']).toBe('nginx:1.0');

    await writeFile(file, service('svc-1', 'nginx:2.0'));
    const mark = fsEdge.opened.length;
    const after = await loadManifests(dir, { cache });
    expect(images(after)['svc-1']).toBe('nginx:2.0');
    // Every file still changed "just now" by that clock, so every one is read again.
    expect(openedSince(mark)).toEqual(['svc-0.yaml', 'svc-1.yaml', 'svc-2.yaml']);

    // Once the times are old enough to vouch for the content, nothing is opened.
    await loadManifests(dir, { cache, now: later });
    const settled = fsEdge.opened.length;
    await loadManifests(dir, { cache, now: later });
    expect(openedSince(settled)).toEqual([]);
  });

  it('picks up a same-size rewrite whose mtime was put back (utimes): ctime still moves', async () => {
    await writeServices(dir, 3);
    const file = path.join(dir, 'services', 'svc-2.yaml');
    // Whole seconds, so utimes can put the very same mtimeNs back.
    const wholeSeconds = Math.floor(Date.now() / 1000) - 3600;
    await utimes(file, wholeSeconds, wholeSeconds);
    const before = await realStat(file, { bigint: true });
    const cache = new ManifestFileCache();
    await loadManifests(dir, { cache, now: later });

    const rewritten = service('svc-2', 'nginx:9.9');
    expect(BigInt(Buffer.byteLength(rewritten))).toBe(before.size);
    let now: BigIntStats;
    do {
      // Until the kernel's clock ticks: a rewrite within the same tick is the racy case, tested above.
      await writeFile(file, rewritten);
      await utimes(file, wholeSeconds, wholeSeconds);
      now = await realStat(file, { bigint: true });
    } while (now.ctimeNs === before.ctimeNs);
    expect([now.dev, now.ino, now.size, now.mtimeNs]).toEqual([before.dev, before.ino, before.size, before.mtimeNs]);

    const after = await loadManifests(dir, { cache, now: later });
    expect(images(after)['svc-2']).toBe('nginx:9.9');
  });

  it('re-reads every file after a git-sync style link swap, even with identical times and sizes', async () => {
    const first = path.join(dir, 'wt-1');
    const second = path.join(dir, 'wt-2');
    await writeServices(first, 3);
    await writeServices(second, 3);
    await writeFile(path.join(second, 'services', 'svc-0.yaml'), service('svc-0', 'nginx:3.0'));
    const link = path.join(dir, 'current');
    await symlink(first, link);
    fsEdge.frozenTimes = { dir, ns: BigInt(Date.now() - 3_600_000) * 1_000_000n };
    const cache = new ManifestFileCache();
    expect(images(await loadManifests(link, { cache }))['svc-0']).toBe('nginx:1.0');

    // git-sync: a new link next to the old one, renamed over it (atomic).
    await symlink(second, path.join(dir, 'current.new'));
    await rename(path.join(dir, 'current.new'), link);
    const mark = fsEdge.opened.length;
    const swapped = await loadManifests(link, { cache });
    expect(images(swapped)['svc-0']).toBe('nginx:3.0');
    expect(fsEdge.opened.slice(mark).every((file) => file.startsWith(second))).toBe(true);
    expect(openedSince(mark)).toEqual(['svc-0.yaml', 'svc-1.yaml', 'svc-2.yaml']);
  });

  it('does not reuse a result across settings (default region) and still drops deleted files', async () => {
    await writeServices(dir, 2);
    const cache = new ManifestFileCache();
    await loadManifests(dir, { cache, now: later, defaultRegion: 'eu-west-1' });
    const mark = fsEdge.opened.length;
    const other = await loadManifests(dir, { cache, now: later, defaultRegion: 'us-east-2' });
    expect(openedSince(mark)).toHaveLength(2);
    expect(other.services.map((s) => s.key)).toEqual(['us-east-2/prod/svc-0', 'us-east-2/prod/svc-1']);

    await rm(path.join(dir, 'services', 'svc-0.yaml'));
    const removed = await loadManifests(dir, { cache, now: later, defaultRegion: 'us-east-2' });
    expect(removed.files).toEqual(['services/svc-1.yaml']);
    expect(cache.size).toBe(1);
  });
});
