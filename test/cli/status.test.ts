/**
 * `ecs-gitops status` against a small real HTTP server on 127.0.0.1 that
 * answers GET /api/v1/services as src/web/api-types.ts says (filters, offset,
 * limit ≤ 500, counts over the whole fleet): a fake of the controller's
 * server, so the command's paging, table, exit codes and error messages are
 * tested without the controller. status.sandbox.test.ts runs it against a
 * real `run`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { formatAge, renderFleetTable, rowMessage, shortRevision } from '../../src/cli/fleet-table.js';
import { FLEET_PATH, MAX_PAGE_LIMIT, type FleetCounts, type FleetPage, type ServiceRow } from '../../src/web/api-types.js';
import { freePort } from '../support/free-port.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[`);
/** The text as a terminal without colour would show it. */
const plain = (text: string) => text.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '');

function row(service: string, overrides: Partial<ServiceRow> = {}): ServiceRow {
  const cluster = overrides.cluster ?? 'prod';
  const region = overrides.region ?? 'eu-west-1';
  return {
    key: `${region}/${cluster}/${service}`, region, cluster, service,
    sync: 'Synced', health: 'Healthy', mode: 'auto',
    lastSyncTime: new Date(Date.now() - 90_000).toISOString(), lastAppliedRevision: SHA, changes: 0,
    ...overrides,
  };
}

interface FakeOptions {
  rows: readonly ServiceRow[];
  token?: string;
  snapshotLoaded?: boolean;
  /** Replaces the whole answer. */
  answer?: (request: IncomingMessage, response: ServerResponse) => void;
}

interface Fake {
  readonly url: string;
  readonly requests: URL[];
  readonly authorizations: (string | undefined)[];
  options: FakeOptions;
}

function counts(rows: readonly ServiceRow[]): FleetCounts {
  const tally = (pick: (r: ServiceRow) => string) => rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [pick(r)]: (acc[pick(r)] ?? 0) + 1 }), {});
  return {
    total: rows.length,
    sync: { Synced: 0, OutOfSync: 0, Unknown: 0, ...tally((r) => r.sync) },
    health: { Healthy: 0, Progressing: 0, Degraded: 0, Missing: 0, Suspended: 0, Unknown: 0, ...tally((r) => r.health) },
    mode: tally((r) => r.mode),
    cluster: tally((r) => r.cluster),
  };
}

/** The contract's GET /api/v1/services: cluster filter (a,b), sort by key, offset, limit capped at MAX_PAGE_LIMIT; counts over all. */
function answerFleet(fake: Fake, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://x');
  const { rows, token, snapshotLoaded = true } = fake.options;
  const send = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  };
  if (token !== undefined && request.headers.authorization !== `Bearer ${token}`) {
    send(401, { error: { code: 'HTTP_UNAUTHORIZED', message: 'no' } });
    return;
  }
  if (url.pathname !== '/api/v1/services') {
    send(404, { error: { code: 'HTTP_NOT_FOUND', message: `no such path ${url.pathname}` } });
    return;
  }
  const limit = Number(url.searchParams.get('limit') ?? 50);
  if (limit > MAX_PAGE_LIMIT) {
    send(400, { error: { code: 'HTTP_BAD_REQUEST', message: `limit must be at most ${MAX_PAGE_LIMIT}`, parameter: 'limit' } });
    return;
  }
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const clusters = url.searchParams.get('cluster')?.split(',');
  const matched = rows.filter((r) => clusters === undefined || clusters.includes(r.cluster)).sort((a, b) => a.key.localeCompare(b.key));
  const page: FleetPage = {
    version: 7, revision: SHA, snapshotLoaded, counts: counts(rows), matched: snapshotLoaded ? matched.length : 0,
    offset, limit, sort: url.searchParams.get('sort') ?? 'key', items: snapshotLoaded ? matched.slice(offset, offset + limit) : [],
  };
  send(200, page);
}

async function startFake(options: FakeOptions): Promise<Fake & { close(): Promise<void> }> {
  const fake: Fake = { url: '', requests: [], authorizations: [], options };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    // The fleet's pages only: status also asks GET /api/v1/ha (404 here: not HA), which these counts leave out.
    if (url.pathname === FLEET_PATH) fake.requests.push(url);
    fake.authorizations.push(request.headers.authorization);
    if (fake.options.answer) fake.options.answer(request, response);
    else answerFleet(fake, request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function status(argv: readonly string[], options: { env?: Record<string, string>; tty?: boolean } = {}): Promise<Result> {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty === true });
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(['status', ...argv], { stdout, stderr, env: options.env ?? {}, cwd: process.cwd(), signal: new AbortController().signal });
  return { code, stdout: out, stderr: err };
}

let fake: Awaited<ReturnType<typeof startFake>>;
let tmp: string;

beforeAll(async () => {
  fake = await startFake({ rows: [] });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'status-cli-'));
});
afterAll(async () => {
  await fake.close();
  await rm(tmp, { recursive: true, force: true });
});
afterEach(() => {
  fake.requests.length = 0;
  fake.authorizations.length = 0;
});

describe('ecs-gitops status: the table and the exit code', () => {
  it('exits 0 when every service is Synced and Healthy or Suspended, with one aligned row each and the counts', async () => {
    fake.options = { rows: [row('web'), row('worker', { health: 'Suspended' }), row('api', { cluster: 'staging' })] };
    const result = await status(['--server', fake.url]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +CLUSTER +SYNC +HEALTH +MODE +REVISION +AGE +MESSAGE$/);
    // Sorted by key: eu-west-1/prod/web, eu-west-1/prod/worker, eu-west-1/staging/api.
    expect(lines.slice(1, 4).map((l) => l.split(/ +/)[0])).toEqual(['web', 'worker', 'api']);
    expect(lines[1]).toMatch(/^web +prod +Synced +Healthy +auto +0123456 +1m$/);
    expect(lines[2]).toMatch(/^worker +prod +Synced +Suspended +auto +0123456 +1m$/);
    // Columns line up: SYNC starts at the same offset on every line.
    expect(new Set(lines.slice(0, 4).map((l) => l.search(/SYNC|Synced/))).size).toBe(1);
    expect(lines[4]).toBe('3 services: 3 Synced; 2 Healthy, 1 Suspended; all Synced and Healthy');
    expect(result.stdout).not.toMatch(ANSI);
  });

  it('exits 1 when one service is not, and says which and why in MESSAGE', async () => {
    fake.options = {
      rows: [
        row('web'),
        row('broken', { sync: 'Synced', health: 'Degraded', errorCode: 'CONTROLLER_ROLLOUT_FAILED', rolloutState: 'FAILED' }),
        row('rolling', { health: 'Progressing', rolloutState: 'IN_PROGRESS' }),
        row('drifted', { sync: 'OutOfSync', changes: 2, driftCause: 'live' }),
      ],
    };
    const result = await status(['--server', fake.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^broken +prod +Synced +Degraded +auto +0123456 +1m +CONTROLLER_ROLLOUT_FAILED$/m);
    expect(result.stdout).toMatch(/^rolling +prod +Synced +Progressing .* rollout IN_PROGRESS$/m);
    expect(result.stdout).toMatch(/^drifted +prod +OutOfSync +Healthy .* 2 changes \(changed outside Git\)$/m);
    expect(result.stdout).toMatch(/^4 services: 3 Synced, 1 OutOfSync; 2 Healthy, 1 Progressing, 1 Degraded; 3 not Synced and Healthy$/m);
  });

  it('counts a service whose last pass left an error as not ready, as sync --wait does, even when Synced and Healthy', async () => {
    fake.options = { rows: [row('web', { errorCode: 'CONTROLLER_LOOKUP_FAILED' })] };
    const result = await status(['--server', fake.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('CONTROLLER_LOOKUP_FAILED');
  });

  it('reads every page (limit at most 500) of a fleet larger than one', async () => {
    const rows = Array.from({ length: 1_234 }, (_, i) => row(`svc-${String(i).padStart(4, '0')}`));
    fake.options = { rows: [...rows.slice(0, 1_233), { ...rows[1_233] as ServiceRow, health: 'Degraded' }] };
    const result = await status(['--server', fake.url, '--output', 'json']);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as { services: ServiceRow[]; counts: { total: number; notReady: number } };
    expect(doc.services).toHaveLength(1_234);
    expect(doc.counts).toMatchObject({ total: 1_234, notReady: 1 });
    expect(fake.requests.map((u) => [u.searchParams.get('offset'), u.searchParams.get('limit')])).toEqual([['0', '500'], ['500', '500'], ['1000', '500']]);
  });

  it('reads again when a service is removed while the pages are read, so no row shifts past it unseen', async () => {
    const rows = Array.from({ length: 1_234 }, (_, i) => row(`svc-${String(i).padStart(4, '0')}`, i === 500 ? { health: 'Degraded' } : {}));
    // The first page is cut with all 1,234; then svc-0010 goes, and offset 500 now starts at svc-0501: svc-0500 (Degraded) would be skipped.
    const answer = (request: IncomingMessage, response: ServerResponse) => {
      answerFleet(fake, request, response);
      if (fake.requests.length === 1) fake.options = { rows: rows.filter((r) => r.service !== 'svc-0010'), answer };
    };
    fake.options = { rows, answer };
    const result = await status(['--server', fake.url, '--output', 'json']);
    const doc = JSON.parse(result.stdout) as { services: ServiceRow[] };
    expect(doc.services.map((s) => s.service)).toContain('svc-0500');
    expect(doc.services.map((s) => s.service)).not.toContain('svc-0010');
    expect(doc.services).toHaveLength(1_233);
    expect(result.code).toBe(1);
  });

  it('--cluster filters on the server, and counts only what it lists', async () => {
    fake.options = { rows: [row('web'), row('api', { cluster: 'staging', health: 'Degraded' })] };
    const result = await status(['--server', fake.url, '--cluster', 'prod']);
    expect(result.code).toBe(0);
    expect(fake.requests[0]?.searchParams.get('cluster')).toBe('prod');
    expect(result.stdout).not.toContain('api');
    expect(result.stdout).toContain('1 service: 1 Synced; 1 Healthy; all Synced and Healthy');
    const staging = await status(['--server', fake.url, '--cluster', 'staging']);
    expect(staging.code).toBe(1);
  });

  it('--cluster naming no cluster with services is a usage error listing the ones that have, not a silent exit 0', async () => {
    fake.options = { rows: [row('web'), row('api', { cluster: 'staging' })] };
    const result = await status(['--server', fake.url, '--cluster', 'prdo']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('error CLI_BAD_FLAG_VALUE: --cluster: no managed service is in "prdo"; clusters with services: prod, staging\n');
    expect(result.stdout).toBe('');
  });

  it('an empty fleet exits 0 and says so', async () => {
    fake.options = { rows: [] };
    const result = await status(['--server', fake.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`no services managed by the controller at ${fake.url}\n0 services\n`);
  });

  it('shows ENVIRONMENT when a service has one, and REGION when the rows span several', async () => {
    fake.options = { rows: [row('web', { environment: 'prod' }), row('web', { region: 'us-east-1' })] };
    const result = await status(['--server', fake.url]);
    const [header, first, second] = result.stdout.split('\n');
    expect(header).toMatch(/^NAME +REGION +CLUSTER +ENVIRONMENT +SYNC /);
    expect(first).toMatch(/^web +eu-west-1 +prod +prod +Synced /);
    expect(second).toMatch(/^web +us-east-1 +prod +- +Synced /);
  });

  it('--output json is one document with the rows, each with ready, and the counts', async () => {
    fake.options = { rows: [row('web'), row('api', { health: 'Missing' })] };
    const result = await status(['--server', fake.url, '--output', 'json']);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      server: fake.url, revision: SHA, version: 7, ready: false,
      counts: { total: 2, notReady: 1, sync: { Synced: 2 }, health: { Healthy: 1, Missing: 1 } },
    });
    expect((doc.services as { service: string; ready: boolean }[]).map((s) => [s.service, s.ready])).toEqual([['api', false], ['web', true]]);
  });

  it('colours the states only on a TTY, and never with NO_COLOR', async () => {
    fake.options = { rows: [row('web'), row('api', { health: 'Degraded', errorCode: 'CONTROLLER_ROLLOUT_FAILED' })] };
    const tty = await status(['--server', fake.url], { tty: true });
    expect(tty.stdout).toContain('\u001b[32mHealthy\u001b[0m');
    expect(tty.stdout).toContain('\u001b[31mDegraded\u001b[0m');
    // The words are still there: status is never told by colour alone.
    expect(plain(tty.stdout)).toBe((await status(['--server', fake.url])).stdout);
    const noColour = await status(['--server', fake.url], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColour.stdout).not.toMatch(ANSI);
  });

  it('takes the server from ECS_GITOPS_SERVER, and host:port as --listen writes it', async () => {
    fake.options = { rows: [row('web')] };
    expect((await status([], { env: { ECS_GITOPS_SERVER: fake.url } })).code).toBe(0);
    expect((await status(['--server', fake.url.replace('http://', '')])).code).toBe(0);
    expect(fake.requests).toHaveLength(2);
  });
});

describe('ecs-gitops status: when the status cannot be read (exit 2)', () => {
  it('names the server and what to do when nothing listens there', async () => {
    const port = await freePort();
    const result = await status(['--server', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^error CLI_STATUS_UNAVAILABLE: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED.*\\); start the controller there \\(ecs-gitops run, or npm start\\) or point --server \\(or ECS_GITOPS_SERVER\\) at its --listen address\\n$`));
    expect(result.stdout).toBe('');
  });

  it('asks for --api-token-file when the controller wants a token, and sends it as a bearer token', async () => {
    fake.options = { rows: [row('web')], token: 's3cret-token' };
    const missing = await status(['--server', fake.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error HTTP_UNAUTHORIZED: ${fake.url} requires an API token: pass --api-token-file FILE (or set ECS_GITOPS_API_TOKEN) with the token the controller was started with\n`);

    const wrongFile = path.join(tmp, 'wrong');
    await writeFile(wrongFile, 'not-it\n');
    const wrong = await status(['--server', fake.url, '--api-token-file', wrongFile]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`error HTTP_UNAUTHORIZED: ${fake.url} refused the token from --api-token-file ${wrongFile}: it is not the one the controller was started with (its --api-token-file)\n`);

    const rightFile = path.join(tmp, 'right');
    await writeFile(rightFile, 's3cret-token\n');
    const right = await status(['--server', fake.url, '--api-token-file', rightFile]);
    expect(right.code).toBe(0);
    expect(fake.authorizations.at(-1)).toBe('Bearer s3cret-token');
    expect((await status(['--server', fake.url], { env: { ECS_GITOPS_API_TOKEN: 's3cret-token' } })).code).toBe(0);
    // The token never reaches the output.
    expect(right.stdout + right.stderr + wrong.stderr).not.toContain('s3cret-token');
  });

  it('an unreadable token file is a usage error naming the flag', async () => {
    fake.options = { rows: [row('web')] };
    const result = await status(['--server', fake.url, '--api-token-file', path.join(tmp, 'absent')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error IO_READ_FAILED: --api-token-file: cannot read .*absent/);
    expect(fake.requests).toHaveLength(0);
  });

  it('says the controller has not loaded its first snapshot yet, as a page or as a 503', async () => {
    fake.options = { rows: [row('web')], snapshotLoaded: false };
    const page = await status(['--server', fake.url]);
    expect(page.code).toBe(2);
    expect(page.stderr).toMatch(/^error CONTROLLER_NO_SNAPSHOT: http:\/\/127\.0\.0\.1:\d+ has not loaded its first manifest snapshot yet.*retry shortly/);
    fake.options = {
      rows: [], answer: (_q, response) => {
        response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' });
        response.end(JSON.stringify({ error: { code: 'CONTROLLER_NO_SNAPSHOT', message: 'no manifest snapshot loaded yet' } }));
      },
    };
    const unavailable = await status(['--server', fake.url]);
    expect(unavailable.code).toBe(2);
    expect(unavailable.stderr).toMatch(/^error CONTROLLER_NO_SNAPSHOT: /);
  });

  it('passes on the controller\'s word when it refuses the host name (DNS rebinding protection)', async () => {
    fake.options = {
      rows: [], answer: (_q, response) => {
        response.writeHead(421, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'HTTP_HOST_NOT_ALLOWED', message: 'Host "ctl.example" is not one this controller answers to on /api; add the name to --api-allowed-hosts' } }));
      },
    };
    const result = await status(['--server', fake.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error HTTP_HOST_NOT_ALLOWED: ${fake.url} refused the host name: Host "ctl.example" is not one this controller answers to on /api; add the name to --api-allowed-hosts\n`);
  });

  it.each([
    ['an HTML page', 200, 'text/html', '<html>hello</html>', /not an ecs-gitops fleet page \(text\/html\); is --server the controller's --listen address\?/],
    ['a plain 404', 404, 'text/plain', 'Not Found', /answered GET \/api\/v1\/services with HTTP 404; is it an ecs-gitops controller\? \(--server\)/],
    ['an older controller', 404, 'application/json', JSON.stringify({ error: { code: 'HTTP_NOT_FOUND', message: 'no such path' } }), /is an ecs-gitops controller without \/api\/v1\/services/],
    ['JSON of another shape', 200, 'application/json', '{"status":"ok"}', /not an ecs-gitops fleet page/],
    ['a login redirect', 302, 'text/html', '', /with a redirect to https:\/\/login\.example\/: it is not the controller's API/],
  ])('refuses %s', async (_name, code, contentType, body, message) => {
    fake.options = {
      rows: [], answer: (_q, response) => {
        response.writeHead(code, { 'content-type': contentType, ...(code === 302 ? { location: 'https://login.example/' } : {}) });
        response.end(body);
      },
    };
    const result = await status(['--server', fake.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error CLI_STATUS_UNAVAILABLE: /);
    expect(result.stderr).toMatch(message);
  });

  it('gives up after --timeout when the server does not answer', async () => {
    fake.options = { rows: [], answer: () => undefined };
    const started = Date.now();
    const result = await status(['--server', fake.url, '--timeout', '300ms']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error CLI_STATUS_UNAVAILABLE: ${fake.url} did not answer within --timeout; check the address (--server, or ECS_GITOPS_SERVER) and that the controller is not overloaded\n`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('ecs-gitops status: bad flags (exit 3, naming the flag)', () => {
  it.each([
    [['--server', 'ftp://host:21'], {}, 'error CLI_BAD_FLAG_VALUE: --server: expected an http:// or https:// URL such as http://127.0.0.1:9400, got "ftp://host:21"\n'],
    [['--server', 'http://host:9400/?x=1'], {}, 'error CLI_BAD_FLAG_VALUE: --server: expected the controller\'s base URL without query, fragment or credentials (the token goes in --api-token-file), got "http://host:9400/?x=1"\n'],
    [['--server', 'http://[::1'], {}, 'error CLI_BAD_FLAG_VALUE: --server: expected a URL such as http://127.0.0.1:9400, got "http://[::1"\n'],
    [[], { ECS_GITOPS_SERVER: 'gopher://x' }, 'error CLI_BAD_FLAG_VALUE: ECS_GITOPS_SERVER: expected an http:// or https:// URL such as http://127.0.0.1:9400, got "gopher://x"\n'],
    [['--output', 'yaml'], {}, 'error CLI_BAD_FLAG_VALUE: --output: expected one of table, text, json, got "yaml"\n'],
    [['--timeout', 'soon'], {}, 'error CLI_BAD_FLAG_VALUE: --timeout: expected a duration such as 500ms, 60s or 5m, got "soon"\n'],
    [['--cluster', ''], {}, 'error CLI_BAD_FLAG_VALUE: --cluster: must not be empty\n'],
    [['--clutser', 'prod'], {}, 'error CLI_UNKNOWN_FLAG: unknown flag --clutser (did you mean --cluster?)\n'],
    [['prod'], {}, 'error CLI_TOO_MANY_ARGUMENTS: expected at most 0 argument(s), got 1: prod\n'],
  ] as const)('%j %j', async (argv, env, stderr) => {
    const result = await status(argv, { env });
    expect(result).toEqual({ code: 3, stdout: '', stderr });
  });

  it('--help lists the flags with their twins and the exit codes', async () => {
    const result = await status(['--help']);
    expect(result.code).toBe(0);
    // The default server is run's default --listen.
    expect(result.stdout).toMatch(/--server <string> +.*\(default: http:\/\/127\.0\.0\.1:9400\)/);
    expect(result.stdout).toContain('[env ECS_GITOPS_SERVER]');
    expect(result.stdout).toContain('2  the status could not be read');
  });
});

describe('fleet-table formatting', () => {
  it('ages read like kubectl', () => {
    const now = Date.parse('2025-01-10T00:00:00Z');
    const ago = (ms: number) => new Date(now - ms).toISOString();
    expect([ago(5_000), ago(59_999), ago(60_000), ago(3_599_000), ago(3_600_000), ago(47 * 3_600_000), ago(49 * 3_600_000)].map((t) => formatAge(t, now)))
      .toEqual(['5s', '59s', '1m', '59m', '1h', '47h', '2d']);
    expect(formatAge(undefined, now)).toBe('-');
    expect(formatAge(ago(-5_000), now)).toBe('0s');
  });

  it('revisions are cut to a short commit id', () => {
    expect(shortRevision(SHA)).toBe('0123456');
    expect(shortRevision(undefined)).toBe('-');
    expect(shortRevision(`${SHA}-dirty`)).toBe('0123456-dirty');
    expect(shortRevision('unversioned:a1b2c3d4e5f6')).toBe('unversioned:a1b2c3d');
    expect(shortRevision('v1.2')).toBe('v1.2');
    expect(shortRevision('refs/heads/main-something-long')).toBe('refs/heads/main-som…');
  });

  it('a quiet row has no message, a rollout that succeeded is quiet', () => {
    expect(rowMessage(row('web', { rolloutState: 'COMPLETED' }))).toBe('');
    expect(rowMessage(row('web', { rolloutState: 'SUCCESSFUL' }))).toBe('');
    expect(rowMessage(row('web', { rolloutState: 'ROLLBACK_SUCCESSFUL' }))).toBe('rollout ROLLBACK_SUCCESSFUL');
    expect(rowMessage(row('web', { sync: 'OutOfSync', changes: 1, driftCause: 'git' }))).toBe('1 change (new in Git)');
  });

  it('pads from the plain text, so coloured columns line up', () => {
    const rows = [row('a', { health: 'Degraded' }), row('bbbbbbbb')];
    const uncoloured = renderFleetTable(rows, { colour: false, now: Date.now() });
    const coloured = renderFleetTable(rows, { colour: true, now: Date.now() });
    expect(plain(coloured)).toBe(uncoloured);
  });
});
