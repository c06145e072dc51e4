/**
 * GET /api/v1/ha: with --ha-table, this replica's view of the shard leases
 * (the `ha` of /api/v1/status, without the services) so a standby's empty
 * fleet can say who holds what; 404 without --ha-table. Behind the same
 * token and Host checks as every /api path, and scrubbed like them.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { HaStatus } from '../../src/ha/types.js';
import { HA_OPTIONAL_QUERY, HA_PATH } from '../../src/web/api-types.js';
import { startWebServer, type WebServer } from './web-support.js';

const PLANTED = 'PLANTED-ha-url-pw-7c1d';
const TOKEN = 'ha-api-token';

const HA_FIXTURE: HaStatus = {
  table: 'ecs-gitops-leases',
  replicaId: 'replica-b',
  members: [
    { replicaId: 'replica-a', heartbeatAt: '2026-05-01T10:00:00.000Z', startedAt: '2026-05-01T09:00:00.000Z' },
    { replicaId: 'replica-b', heartbeatAt: '2026-05-01T10:00:01.000Z', startedAt: '2026-05-01T09:30:00.000Z' },
  ],
  shards: [
    { shard: '111111111111/eu-west-1#0', holder: 'replica-a', epoch: 4, expiresAt: '2026-05-01T10:00:20.000Z', assignedTo: 'replica-a' },
    { shard: '111111111111/eu-west-1#1', holder: 'replica-b', epoch: 2, expiresAt: '2026-05-01T10:00:21.000Z', assignedTo: 'replica-b' },
  ],
  held: ['111111111111/eu-west-1#1'],
  lastTableReadAt: '2026-05-01T10:00:01.000Z',
  // A table error quoting an endpoint URL with user info: masked like every answer.
  lastError: { code: 'HA_TABLE_UNAVAILABLE', message: `DynamoDB at https://admin:${PLANTED}@dynamodb.local/ timed out`, at: '2026-05-01T09:59:00.000Z' },
  timings: { leaseMs: 15_000, renewMs: 5_000, clockSkewMs: 1_000, fenceMarginMs: 2_000 },
  takeoverBoundMs: 21_000,
};

function rawGet(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(url);
    const req = httpRequest({ host: '127.0.0.1', port, method: 'GET', path: HA_PATH, headers: { host, authorization: `Bearer ${TOKEN}` }, agent: false }, (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe(HA_PATH, () => {
  let web: WebServer | undefined;
  afterEach(async () => {
    await web?.server.close();
    web = undefined;
  });

  it('answers the HaStatus of /api/v1/status, read anew each time, with secrets masked', async () => {
    web = await startWebServer();
    let reads = 0;
    web.status.readHaFrom(() => {
      reads++;
      return { ...HA_FIXTURE, held: reads > 1 ? [] : HA_FIXTURE.held };
    });
    const response = await fetch(`${web.server.url}${HA_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text).not.toContain(PLANTED);
    const body = JSON.parse(text) as HaStatus;
    expect(body.lastError?.message).toContain('dynamodb.local');
    const { lastError: _ignored, ...rest } = body;
    const { lastError: _fixture, ...expected } = HA_FIXTURE;
    expect(rest).toEqual(expected);
    // The same view /api/v1/status carries (both masked).
    const status = (await (await fetch(`${web.server.url}/api/v1/status`)).json()) as { ha?: HaStatus };
    expect(status.ha?.replicaId).toBe('replica-b');
    // Read live from the lease manager, not cached: the second read lost the shard.
    const again = (await (await fetch(`${web.server.url}${HA_PATH}`)).json()) as HaStatus;
    expect(again.held).toEqual([]);
  });

  it('is 404 HTTP_NOT_FOUND naming --ha-table when the controller runs without it (null with ?optional=true)', async () => {
    web = await startWebServer();
    const response = await fetch(`${web.server.url}${HA_PATH}`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('HTTP_NOT_FOUND');
    expect(body.error.message).toMatch(/^this controller runs without --ha-table/);
    // The page's form: null, since a browser logs every 404 as a console error.
    const optional = await fetch(`${web.server.url}${HA_PATH}?${HA_OPTIONAL_QUERY}`);
    expect(optional.status).toBe(200);
    expect(await optional.json()).toBeNull();
    // With HA, the same answer either way.
    web.status.readHaFrom(() => HA_FIXTURE);
    expect(((await (await fetch(`${web.server.url}${HA_PATH}?${HA_OPTIONAL_QUERY}`)).json()) as HaStatus).replicaId).toBe('replica-b');
  });

  it('needs the token and an allowed Host like every /api path, and is read-only', async () => {
    web = await startWebServer({ apiToken: TOKEN });
    web.status.readHaFrom(() => HA_FIXTURE);
    const url = `${web.server.url}${HA_PATH}`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('replica-a');
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const authorized = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(authorized.status).toBe(200);
    expect(((await authorized.json()) as HaStatus).replicaId).toBe('replica-b');
    // A DNS-rebinding page's browser sends its own Host: refused even with the token.
    expect(await rawGet(web.server.url, 'evil.example')).toBe(421);
    const post = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(post.status).toBe(405);
  });
});
