/**
 * The hash that stands in for a masked value must not let a reader of a diff
 * test guesses of a weak secret offline. With a public default key
 * ('ecs-gitops') and 32 bits, anyone could compute HMAC(key, guess) for a
 * dictionary and match `***sha256:...` in a diff. Now, without a configured
 * key, each process draws a random one (so two `diff` runs show different
 * hashes for the same value), and with --mask-key-file / ECS_GITOPS_MASK_KEY
 * hashes are stable across processes. Real `ecs-gitops diff` processes
 * against the embedded sandbox over HTTP.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskValue } from '../../src/diff/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, serviceManifest } from '../controller/harness.js';

const ACCOUNT = '310000000018';
const WEAK_PASSWORD = 'hunter2';
const FINGERPRINT = /\*\*\*sha256:([0-9a-f]+)/;

function runDiff(dir: string, env: Record<string, string>, flags: readonly string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'diff', dir, '--region', REGION, ...flags], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function fingerprintIn(output: { stdout: string; stderr: string }): string {
  const found = FINGERPRINT.exec(output.stdout);
  expect(found, output.stdout + output.stderr).not.toBeNull();
  return (found as RegExpExecArray)[1] as string;
}

describe('the mask key', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    dir = await ManifestDir.create();
    const doc = serviceManifest({ name: 'vault', desiredCount: 1 });
    const spec = doc.spec as { taskDefinition: { containerDefinitions: Array<Record<string, unknown>> } };
    (spec.taskDefinition.containerDefinitions[0] as Record<string, unknown>).environment = [{ name: 'DB_PASSWORD', value: WEAK_PASSWORD }];
    await dir.write('vault.yaml', [doc]);
    env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy-secret', AWS_REGION: REGION, NO_COLOR: '1' };
  });
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
  });

  it('without a configured key: no dictionary match with the old public key, a different key per process, 128-bit hashes', async () => {
    const [first, second] = await Promise.all([runDiff(dir.root, env), runDiff(dir.root, env)]);
    expect(first.code, first.stderr).toBe(2);
    const a = fingerprintIn(first);
    const b = fingerprintIn(second);
    // The offline attack: HMAC of a guess under the well-known constant key.
    const guessed = createHmac('sha256', 'ecs-gitops').update(WEAK_PASSWORD).digest('hex');
    expect(guessed.startsWith(a)).toBe(false);
    expect(a).not.toBe(b);
    expect(a).toHaveLength(32);
    expect(first.stdout).not.toContain(WEAK_PASSWORD);
  }, 60_000);

  it('with a configured key (file or environment): the same hash in every process', async () => {
    const keyFile = path.join(dir.root, '..', `mask-key-${process.pid}`);
    await writeFile(keyFile, 'per-installation-key\n');
    const [fromEnv, alsoFromEnv] = await Promise.all([
      runDiff(dir.root, { ...env, ECS_GITOPS_MASK_KEY: 'per-installation-key' }),
      runDiff(dir.root, { ...env, ECS_GITOPS_MASK_KEY: 'per-installation-key' }),
    ]);
    const fromFile = await runDiff(dir.root, env, ['--mask-key-file', keyFile]);
    const expected = maskValue(WEAK_PASSWORD, { maskKey: 'per-installation-key' });
    expect(`***sha256:${fingerprintIn(fromEnv)}`).toBe(expected);
    expect(`***sha256:${fingerprintIn(alsoFromEnv)}`).toBe(expected);
    expect(`***sha256:${fingerprintIn(fromFile)}`).toBe(expected);
    expect(expected).toMatch(/^\*\*\*sha256:[0-9a-f]{32}$/);
  }, 60_000);
});
