/**
 * Manifests that cannot be read never turn into deletions: `ecs-gitops sync
 * --prune` over a root with entries whose read fails (a dangling symlink, a
 * FIFO) or a root replaced by a file deletes nothing and says why. ("Could
 * not read" never means "deleted".)
 */
import { execFileSync } from 'node:child_process';
import { rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, sandboxWorld, serviceManifest } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';
import { directApi, liveServices } from './world.js';

const NAMES = ['keep-a', 'keep-b', 'keep-c'];

describe('sync --prune over manifests that cannot be read', () => {
  let sandbox: Sandbox;
  let accountId: string;
  let dir: ManifestDir;
  let env: Record<string, string>;

  beforeEach(async () => {
    ({ sandbox, accountId } = await sandboxWorld());
    dir = await ManifestDir.create();
    env = {
      AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret', NO_COLOR: '1',
    };
    for (const name of NAMES) await dir.write(`${name}.yaml`, [serviceManifest({ name, desiredCount: 1 })]);
    const first = await runCliCaptured(['sync', dir.root, '--prune'], { env });
    expect({ code: first.code, stdout: first.stdout, stderr: first.stderr }).toMatchObject({ code: 0 });
  });
  afterEach(async () => {
    await sandbox.close();
    await dir.dispose();
  });

  const activeServices = async () =>
    (await liveServices(directApi(sandbox, accountId, REGION), 'demo')).filter((s) => s.status === 'ACTIVE').map((s) => s.name);
  const deletions = () => sandbox.admin.callLog({ accountId, operation: 'DeleteService' });

  // One unreadable entry at a time: each alone must hold the prune back.
  it.each([
    ['a dangling symlink', 'keep-b', async (file: string) => symlink(path.join(dir.root, 'moved-away.yaml'), file), 'cannot follow the symlink'],
    ['a FIFO', 'keep-c', async (file: string) => execFileSync('mkfifo', [file]), 'not a regular file'],
  ] as const)('%s in place of a manifest blocks the prune and is named', async (_what, name, replace, reason) => {
    const file = path.join(dir.root, `${name}.yaml`);
    await rm(file);
    await replace(file);

    const result = await runCliCaptured(['sync', dir.root, '--prune', '--max-prune', '20'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${name}\\.yaml:\\d+:\\d+: MANIFEST_UNREADABLE ${reason}`, 'm'));
    expect(result.stdout).toContain('prune blocked (snapshot_errors)');
    expect(result.stdout).toContain(`✓ ${REGION}/demo/keep-a`);
    expect(deletions()).toEqual([]);
    expect(await activeServices()).toEqual(NAMES);
  });

  it('a root replaced by a file fails the sync with the reason and deletes nothing', async () => {
    await rm(dir.root, { recursive: true, force: true });
    await writeFile(dir.root, 'not a directory any more\n');

    const result = await runCliCaptured(['sync', dir.root, '--prune', '--max-prune', '20'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error SOURCE_ROOT_NOT_FOUND: manifests root ${dir.root} is not a directory\n`);
    expect(deletions()).toEqual([]);
    expect(await activeServices()).toEqual(NAMES);
  });
});
