/**
 * Who can read the status API (issue 17, "Exposed without authentication"),
 * through the real CLI (`run` and `start` against the in-process sandbox)
 * and a real HTTP client:
 * - listening beyond loopback without a token logs a warning that says what
 *   is exposed and how to fix it; loopback or a token means no warning;
 * - with --api-token-file (or ECS_GITOPS_API_TOKEN) every /api/* request
 *   needs the bearer token, while /metrics, /healthz and /readyz stay open;
 * - a DNS-rebinding request (a browser sending Host: <attacker's name>) is
 *   refused on /api/* unless the name is in --api-allowed-hosts, while IP
 *   literals and localhost work and the probes answer any Host.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestDir, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { settled, waitForListenUrl } from '../support/listen-url.js';
import { runCliCaptured } from '../support/run-cli.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** GET with exactly these headers (fetch would not let a test choose the Host header). */
function get(url: string, pathname: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: pathname, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const WARNING = 'open without authentication';

/** The JSON log lines at level warn that carry the exposure warning. */
function exposureWarnings(output: string): string[] {
  return output.split('\n').filter((line) => line.includes(WARNING) && line.includes('"level":"warn"'));
}

async function startRun(argv: readonly string[], env: Record<string, string> = {}) {
  const dir = await ManifestDir.create();
  await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
  const cli = startCliInProcess(['run', '--repo', dir.root, '--sandbox', ...argv], env);
  const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
  // The warning is logged right after the listen line; "controller started" comes after both.
  await eventually(() => cli.stdout().includes('"msg":"controller started"'), () => cli.stdout().slice(-2000));
  return {
    url, cli, dir,
    async stop() {
      cli.stop();
      expect(await cli.exit).toBe(0);
      await dir.dispose();
    },
  };
}

describe('status API access', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('warns at start when the API listens on all interfaces without a token, naming what is exposed and both fixes', async () => {
    const run = await startRun(['--listen', '0.0.0.0:0']);
    cleanups.push(run.stop);
    const warnings = exposureWarnings(run.cli.stdout());
    expect(warnings, run.cli.stdout().slice(-2000)).toHaveLength(1);
    const line = JSON.parse(warnings[0] as string) as { msg: string };
    const port = new URL(run.url).port;
    expect(line.msg).toContain('/api/v1/status');
    expect(line.msg).toContain(`0.0.0.0:${port}`);
    expect(line.msg).toContain('--api-token-file');
    expect(line.msg).toContain(`--listen 127.0.0.1:${port}`);
    // What the warning is about: anyone reaching the address reads the status.
    expect((await get(run.url, '/api/v1/status')).status).toBe(200);
  }, 60_000);

  it('does not warn on loopback, and refuses a DNS-rebinding Host on /api/* but not on the probes', async () => {
    const run = await startRun(['--listen', '127.0.0.1:0']);
    cleanups.push(run.stop);
    expect(exposureWarnings(run.cli.stdout())).toEqual([]);
    const port = new URL(run.url).port;

    // The attacker's page at http://rebind.attacker.example:<port>/ after its name was re-pointed to 127.0.0.1.
    for (const pathname of ['/api/v1/status', '/api/v1/services/eu-west-1/demo/web']) {
      const rebound = await get(run.url, pathname, { host: `rebind.attacker.example:${port}` });
      expect(rebound.status, pathname).toBe(421);
      expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: 'HTTP_HOST_NOT_ALLOWED' } });
      expect(rebound.body).not.toContain('eu-west-1/demo/web"');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      expect((await get(run.url, '/api/v1/status', { host })).status, host).toBe(200);
    }
    for (const pathname of ['/metrics', '/healthz']) {
      expect((await get(run.url, pathname, { host: `rebind.attacker.example:${port}` })).status, pathname).toBe(200);
    }
  }, 60_000);

  it('requires the bearer token from --api-token-file on /api/* (no warning then), keeps the probes open, and accepts --api-allowed-hosts', async () => {
    const tokenDir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-api-token-'));
    cleanups.push(() => rm(tokenDir, { recursive: true, force: true }));
    const tokenFile = path.join(tokenDir, 'token');
    await writeFile(tokenFile, 's3cr3t-api-token\n');
    const run = await startRun(['--listen', '0.0.0.0:0', '--api-token-file', tokenFile, '--api-allowed-hosts', 'gitops.internal,lb.example:8080']);
    cleanups.push(run.stop);
    expect(exposureWarnings(run.cli.stdout())).toEqual([]);
    const port = new URL(run.url).port;

    const anonymous = await get(run.url, '/api/v1/status');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: 'HTTP_UNAUTHORIZED', message: expect.stringContaining('--api-token-file') } });
    for (const authorization of ['Bearer wrong', 'Bearer s3cr3t-api-token-and-more', 'Basic czNjcjN0LWFwaS10b2tlbg==', 's3cr3t-api-token', 'Bearer']) {
      const refused = await get(run.url, '/api/v1/status', { authorization });
      expect(refused.status, authorization).toBe(401);
      expect(refused.body).not.toContain('eu-west-1/demo');
    }
    expect((await get(run.url, '/api/v1/services/eu-west-1/demo/web')).status).toBe(401);
    const allowed = await get(run.url, '/api/v1/status', { authorization: 'Bearer s3cr3t-api-token' });
    expect(allowed.status).toBe(200);
    expect((await get(run.url, '/api/v1/status', { authorization: 'bearer s3cr3t-api-token' })).status).toBe(200);

    // Prometheus and ECS/ALB health checks send no token.
    for (const pathname of ['/metrics', '/healthz']) expect((await get(run.url, pathname)).status, pathname).toBe(200);
    await eventually(async () => (await get(run.url, '/readyz')).status === 200, () => run.cli.stdout().slice(-2000));

    // The names behind a load balancer: listed ones pass (with the token), others do not even with it.
    const withToken = (host: string) => get(run.url, '/api/v1/status', { host, authorization: 'Bearer s3cr3t-api-token' });
    expect((await withToken(`gitops.internal:${port}`)).status).toBe(200);
    expect((await withToken('lb.example:8080')).status).toBe(200);
    expect((await withToken('lb.example:9090')).status).toBe(421);
    expect((await withToken(`evil.example:${port}`)).status).toBe(421);
    // Any address of the machine is an IP literal, as an ALB or ECS health check sends it.
    expect((await withToken(`10.1.2.3:${port}`)).status).toBe(200);
    expect((await withToken(`[::1]:${port}`)).status).toBe(200);
  }, 60_000);

  it('start takes the token from ECS_GITOPS_API_TOKEN', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-api-start-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(path.resolve('manifests'), dir, { recursive: true });
    const cli = startCliInProcess(['start', dir, '--listen', '0.0.0.0:0', '--log-format', 'json'], { ECS_GITOPS_API_TOKEN: 'from-the-environment' });
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    cleanups.push(async () => {
      cli.stop();
      expect(await cli.exit).toBe(0);
    });
    await eventually(() => cli.stdout().includes('Try next:'), () => cli.stdout().slice(-2000));
    // The quick start's hint says the status link needs the token.
    expect(cli.stdout()).toMatch(/status {5}http:\/\/[^ ]+\/api\/v1\/status \(send Authorization: Bearer/);
    expect(exposureWarnings(cli.stdout())).toEqual([]);
    expect((await get(url, '/api/v1/status')).status).toBe(401);
    expect((await get(url, '/api/v1/status', { authorization: 'Bearer from-the-environment' })).status).toBe(200);
  }, 60_000);

  it.each([
    ['an empty --api-token-file', (file: string) => ['--api-token-file', file], {}, (file: string) => `error CLI_BAD_FLAG_VALUE: --api-token-file: ${file} is empty; put the API bearer token in it`],
    ['a blank ECS_GITOPS_API_TOKEN', () => [], { ECS_GITOPS_API_TOKEN: '  ' }, () => 'error CLI_BAD_FLAG_VALUE: ECS_GITOPS_API_TOKEN is empty; put the API bearer token in it'],
    ['a token with a space', () => [], { ECS_GITOPS_API_TOKEN: 'two words' }, () => 'error CLI_BAD_FLAG_VALUE: ECS_GITOPS_API_TOKEN: the API token must be one line of printable ASCII without spaces (it travels in an HTTP header)'],
    ['an allowed host with a scheme', () => ['--api-allowed-hosts', 'https://lb.example'], {}, () => 'error CLI_BAD_FLAG_VALUE: --api-allowed-hosts: "https://lb.example" is not a host name or host:port (no scheme, path or wildcard)'],
  ])('refuses %s before starting, naming the flag', async (_name, argv, env, message) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-api-flags-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'token');
    await writeFile(file, '\n');
    const result = await runCliCaptured(['run', '--repo', dir, '--sandbox', '--listen', '127.0.0.1:0', ...argv(file)], { env });
    expect(result.stderr).toBe(`${message(file)}\n`);
    expect(result.code).toBe(1);
  });
});
