/** Open deploys on disk: written atomically, read back by the next process, a corrupt file moved aside. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPEN_DEPLOYS_FILE, openDeployStore } from '../../src/events/open-deploys.js';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/observe/logger.js';
import type { OpenDeploy } from '../../src/events/types.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'open-deploys-'));
  dirs.push(dir);
  return dir;
}

function captureLogger(): { logger: ReturnType<typeof createLogger>; records: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { logger: createLogger({ destination: stream, level: 'debug' }), records: () => chunks.join('') };
}

const deploy: OpenDeploy = { service: 'eu-west-1/prod/web', revision: 'r1', contentHash: 'c1', startedAt: '2026-01-01T00:00:00.000Z', applied: false };

describe('openDeployStore', () => {
  it('keeps deploys across a restart (a second store on the same dir reads them back)', async () => {
    const dir = await tempDir();
    const first = await openDeployStore({ dir });
    await first.put(deploy);
    await first.put({ ...deploy, service: 'eu-west-1/prod/api' });
    await first.put({ ...deploy, applied: true, deploymentId: 'arn:dep' });
    await first.remove('eu-west-1/prod/api');
    const second = await openDeployStore({ dir });
    expect(second.list()).toEqual([{ ...deploy, applied: true, deploymentId: 'arn:dep' }]);
    // Only the file itself remains (the temp file was renamed over it).
    expect(await readdir(dir)).toEqual([OPEN_DEPLOYS_FILE]);
  });

  it('moves a corrupt file aside, logs its path, and starts empty', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, OPEN_DEPLOYS_FILE), '{"version": 1, "deploys": [{"service": 3}]}');
    const { logger, records } = captureLogger();
    const store = await openDeployStore({ dir, logger });
    expect(store.list()).toEqual([]);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith(`${OPEN_DEPLOYS_FILE}.corrupt-`))).toBe(true);
    expect(files).not.toContain(OPEN_DEPLOYS_FILE);
    expect(records()).toContain(path.join(dir, OPEN_DEPLOYS_FILE));
    // And it works on from there.
    await store.put(deploy);
    expect(JSON.parse(await readFile(path.join(dir, OPEN_DEPLOYS_FILE), 'utf8')).deploys).toEqual([deploy]);
  });

  it('keeps deploys in memory without a dir', async () => {
    const store = await openDeployStore();
    await store.put(deploy);
    expect(store.get(deploy.service)).toEqual(deploy);
  });
});
