/**
 * `ecs-gitops status` end to end: a real `run` (in process, --api-token-file)
 * on a checkout of four services in two clusters of the sandbox, one of them
 * failing (an ECR image that does not exist). status lists it and exits 1,
 * --cluster narrows to the healthy cluster (exit 0), --output json parses,
 * without the token it says so and exits 2, and once the broken manifest is
 * gone every service is ready and it exits 0.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ServiceRow } from '../../src/web/api-types.js';
import { ManifestDir, REGION, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { runCliCaptured, type CliResult } from '../support/run-cli.js';

const ACCOUNT = '310000000024';
const TOKEN = 'status-e2e-token-5c1d';

describe('ecs-gitops status against a running controller', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let tmp: string;
  let tokenFile: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({
      accounts: [{
        accountId: ACCOUNT, region: REGION,
        clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }, { name: 'batch', capacityProviders: ['FARGATE'] }],
      }],
    });
    dir = await ManifestDir.create();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'status-e2e-'));
    tokenFile = path.join(tmp, 'api-token');
    await writeFile(tokenFile, `${TOKEN}\n`);
  });
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('lists the failing service and exits 1, filters by cluster, prints JSON, wants the token, and exits 0 once all are ready', async () => {
    const env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy', AWS_REGION: REGION };
    await dir.write('web.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    await dir.write('api.yaml', [serviceManifest({ name: 'api', desiredCount: 1 })]);
    await dir.write('worker.yaml', [serviceManifest({ name: 'worker', cluster: 'batch', desiredCount: 1 })]);
    await dir.write('missing.yaml', [serviceManifest({ name: 'missing', desiredCount: 1, image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/nope:1` })]);
    const cli = startCliInProcess(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, '--resync', '1s', '--api-token-file', tokenFile], env);
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    const status = (...argv: string[]) => runCliCaptured(['status', '--server', url, ...argv], { env: { ECS_GITOPS_API_TOKEN: TOKEN } });
    let last: CliResult | undefined;
    try {
      // The three good services settle, and the broken one carries its image error.
      await eventually(async () => {
        last = await status('--output', 'json');
        if (last.code === 2) return false;
        const rows = (JSON.parse(last.stdout) as { services: (ServiceRow & { ready: boolean })[] }).services;
        const ready = new Set(rows.filter((r) => r.ready).map((r) => r.service));
        return rows.length === 4 && ['web', 'api', 'worker'].every((s) => ready.has(s))
          && rows.find((r) => r.service === 'missing')?.errorCode?.startsWith('CONTROLLER_IMAGE_') === true;
      }, () => last, 60_000);

      const table = await status();
      expect(table.code, table.stderr).toBe(1);
      expect(table.stderr).toBe('');
      expect(table.stdout).toMatch(/^NAME +CLUSTER +SYNC +HEALTH +MODE +REVISION +AGE +MESSAGE$/m);
      expect(table.stdout).toMatch(/^missing +demo +\S+ +\S+ +auto +\S+ +\S+ +CONTROLLER_IMAGE_(NOT_FOUND|ACCESS_DENIED)$/m);
      // A plain directory's revision, short; a rollout that succeeded says nothing.
      for (const name of ['web', 'api']) expect(table.stdout).toMatch(new RegExp(`^${name} +demo +Synced +Healthy +auto +unversioned:[0-9a-f]{7} +\\d+[smhd]$`, 'm'));
      expect(table.stdout).toMatch(/^worker +batch +Synced +Healthy +auto +unversioned:[0-9a-f]{7} +\d+[smhd]$/m);
      expect(table.stdout).toMatch(/^4 services: .*; 1 not Synced and Healthy$/m);

      const batch = await status('--cluster', 'batch');
      expect(batch.code, batch.stdout + batch.stderr).toBe(0);
      expect(batch.stdout).not.toMatch(/^(web|api|missing) /m);
      expect(batch.stdout).toMatch(/^1 service: 1 Synced; 1 Healthy; all Synced and Healthy$/m);
      expect((await status('--cluster', 'demo')).code).toBe(1);
      const typo = await status('--cluster', 'dmeo');
      expect(typo.code).toBe(3);
      expect(typo.stderr).toBe('error CLI_BAD_FLAG_VALUE: --cluster: no managed service is in "dmeo"; clusters with services: batch, demo\n');

      const json = await status('--output', 'json');
      expect(json.code).toBe(1);
      const doc = JSON.parse(json.stdout) as { server: string; ready: boolean; counts: { total: number; notReady: number }; services: { key: string }[] };
      expect(doc).toMatchObject({ server: url, ready: false, counts: { total: 4, notReady: 1 } });
      expect(doc.services.map((s) => s.key)).toEqual([`${REGION}/batch/worker`, `${REGION}/demo/api`, `${REGION}/demo/missing`, `${REGION}/demo/web`]);

      const noToken = await runCliCaptured(['status', '--server', url], { env: {} });
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toBe(`error HTTP_UNAUTHORIZED: ${url} requires an API token: pass --api-token-file FILE (or set ECS_GITOPS_API_TOKEN) with the token the controller was started with\n`);
      const withFile = await runCliCaptured(['status', '--server', url, '--api-token-file', tokenFile], { env: {} });
      expect(withFile.code).toBe(1);
      expect(withFile.stdout).toContain('missing');

      // The broken manifest leaves Git: every service the controller manages is ready.
      await dir.remove('missing.yaml');
      await eventually(async () => {
        last = await status();
        return last.code === 0;
      }, () => last, 60_000);
      expect(last?.stdout).toMatch(/^3 services: 3 Synced; 3 Healthy; all Synced and Healthy$/m);
      expect(last?.stdout).not.toContain('missing');
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    // The token went in a header, never into anything printed.
    expect(cli.stdout() + cli.stderr()).not.toContain(TOKEN);
  }, 180_000);

  it('a controller that is not running is exit 2 naming its address', async () => {
    const stopped = startCliInProcess(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT], {
      AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy', AWS_REGION: REGION,
    });
    const url = await waitForListenUrl(stopped.stdout, { stopped: settled(stopped.exit), stopOnFailure: stopped.stop });
    stopped.stop();
    expect(await stopped.exit).toBe(0);
    const result = await runCliCaptured(['status', '--server', url], { env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^error CLI_STATUS_UNAVAILABLE: cannot reach ${url.replace(/\./g, '\\.')} \\(ECONNREFUSED`));
  }, 60_000);
});
