/**
 * Secrets that sit outside secret-named environment values — in `command`
 * (`--password=...`), in URL user info (`DATABASE_URL=postgres://user:pw@...`,
 * a health check's `curl http://admin:pw@...`), in `logConfiguration.options`
 * (`splunk-token`) and in a dockerLabel named like a secret — never leave the
 * controller through any output path: `diff` text and JSON, `/api/v1/status`
 * (a detect-mode service's full diff), the controller's log lines, `sync` and
 * `export` output. The real CLI against the embedded sandbox, no mocks; the
 * last step checks that the secrets did reach ECS and the exported file (the
 * assertions are not vacuous, and export still round-trips).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { runCliCaptured } from '../support/run-cli.js';

const ACCOUNT = '310000000017';
// Distinctive markers: any occurrence in an output is a leak.
const PLANTED = {
  commandFlag: 'PLANTED-cmd-pw-a1b2',
  commandSplit: 'PLANTED-cmd-split-c3d4',
  databaseUrl: 'PLANTED-url-pw-e5f6',
  healthCheck: 'PLANTED-hc-pw-0a0b',
  splunkToken: 'PLANTED-splunk-tok-7a8b',
  dockerLabel: 'PLANTED-label-tok-9c0d',
  entryPoint: 'PLANTED-entry-key-1e2f',
};
const leaked = (text: string) => Object.entries(PLANTED).filter(([, secret]) => text.includes(secret)).map(([where]) => where);

function leakyService(name: string, mode: 'auto' | 'detect') {
  const doc = serviceManifest({ name, desiredCount: 1, mode });
  const spec = doc.spec as { taskDefinition: { containerDefinitions: Array<Record<string, unknown>> } };
  Object.assign(spec.taskDefinition.containerDefinitions[0] as Record<string, unknown>, {
    entryPoint: ['sh', '-c', `API_KEY=${PLANTED.entryPoint} exec "$0" "$@"`],
    command: ['serve', `--db-password=${PLANTED.commandFlag}`, '--auth-token', PLANTED.commandSplit, '--port', '80'],
    environment: [
      { name: 'DATABASE_URL', value: `postgres://app:${PLANTED.databaseUrl}@db.internal:5432/app` },
      { name: 'LOG_LEVEL', value: 'info' },
    ],
    healthCheck: { command: ['CMD-SHELL', `curl -f http://admin:${PLANTED.healthCheck}@localhost/health || exit 1`], interval: 30, timeout: 5, retries: 3 },
    logConfiguration: {
      logDriver: 'splunk',
      options: { 'splunk-url': 'https://splunk.example.com:8088', 'splunk-token': PLANTED.splunkToken, 'splunk-index': 'main' },
    },
    dockerLabels: { 'x-auth-token': PLANTED.dockerLabel, team: 'storefront' },
  });
  return doc;
}

describe('secrets outside environment values never leak', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    dir = await ManifestDir.create();
    env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy-secret', AWS_REGION: REGION };
  });
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
  });

  it('in diff (text, JSON), /api/v1/status, controller logs, sync and export output', async () => {
    await dir.write('applied.yaml', [leakyService('applied', 'auto')]);
    await dir.write('watched.yaml', [leakyService('watched', 'detect')]);

    // Before anything exists: both services are `missing`, so the diff shows their whole spec.
    const text = await runCliCaptured(['diff', dir.root, '--region', REGION], { env });
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain('splunk-url');
    expect(text.stdout).toContain('https://splunk.example.com:8088');
    expect(text.stdout).toContain('db.internal:5432');
    expect(text.stdout).toContain('***sha256:');
    expect(leaked(text.stdout + text.stderr), 'diff text').toEqual([]);
    const json = await runCliCaptured(['diff', dir.root, '--region', REGION, '--output', 'json'], { env });
    expect(json.code, json.stderr).toBe(2);
    expect(json.stdout).toContain('"team": "storefront"');
    expect(leaked(json.stdout + json.stderr), 'diff json').toEqual([]);

    const cli = startCliInProcess(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, '--resync', '1s', '--log-level', 'trace'], env);
    let statusBody = '';
    try {
      const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
      await eventually(async () => {
        statusBody = await (await fetch(`${url}/api/v1/status`)).text();
        const status = JSON.parse(statusBody) as { services: Array<{ service: string; sync: string; diff: unknown[] }> };
        return status.services.find((s) => s.service === 'applied')?.sync === 'Synced'
          && (status.services.find((s) => s.service === 'watched')?.diff.length ?? 0) > 0;
      }, () => statusBody.slice(0, 3000), 60_000);
      // The detect-mode service's status carries its whole declared spec as the diff.
      expect(statusBody).toContain('splunk-url');
      expect(leaked(statusBody), '/api/v1/status').toEqual([]);
      const one = await (await fetch(`${url}/api/v1/services/${REGION}/demo/watched`)).text();
      expect(one).toContain('splunk-url');
      expect(leaked(one), '/api/v1/services/...').toEqual([]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(leaked(metrics), '/metrics').toEqual([]);
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    expect(cli.stdout()).toContain('"level":"debug"');
    expect(leaked(cli.stdout() + cli.stderr()), 'controller log lines').toEqual([]);

    const sync = await runCliCaptured(['sync', dir.root, '--region', REGION, '--output', 'json', '--log-level', 'trace'], { env });
    expect(sync.stdout).toContain('watched');
    expect(leaked(sync.stdout + sync.stderr), 'sync output').toEqual([]);

    const out = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-export-mask-'));
    try {
      for (const format of [[], ['--output', 'json']]) {
        const exported = await runCliCaptured(['export', '--cluster', 'demo', '--service', 'applied', '--out', out, '--region', REGION, '--force', ...format], { env });
        expect(exported.code, exported.stderr).toBe(0);
        expect(leaked(exported.stdout + exported.stderr), 'export output').toEqual([]);
      }
      // The file export writes keeps the real values: it must read back in sync (round trip), so it is never masked.
      const file = await readFile(path.join(out, 'demo', 'applied.yaml'), 'utf8');
      expect(leaked(file).sort()).toEqual(Object.keys(PLANTED).sort());
    } finally {
      await rm(out, { recursive: true, force: true });
    }

    // The secrets really went through the controller to ECS, so the checks above are not vacuous.
    const registered = JSON.stringify(sandbox.call('DescribeTaskDefinition', { taskDefinition: 'applied' }, { accountId: ACCOUNT, region: REGION, api: 'ecs' }));
    expect(leaked(registered).sort()).toEqual(Object.keys(PLANTED).sort());
  }, 180_000);
});
