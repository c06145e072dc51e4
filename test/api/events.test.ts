/** GET /api/v1/events over real HTTP: filters, newest first (oldest first after a seq), 400s naming the parameter, the API's access rules, scrubbed output. */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusStore } from '../../src/controller/status.js';
import { EventLog } from '../../src/events/event-log.js';
import { EVENT_TYPES, type NewEvent } from '../../src/events/types.js';
import { startHttpServer, type RunningHttpServer } from '../../src/observe/http-server.js';

const WEB = 'eu-west-1/prod/web';
const API = 'eu-west-1/prod/api';
const PLANTED = 'planted-secret-4c1d';
const servers: RunningHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function event(patch: Partial<NewEvent>): NewEvent {
  return { type: 'Applied', service: WEB, revision: 'r1', at: '2026-01-01T00:00:00.000Z', message: 'Applied r1 to prod/web; rollout started', ...patch };
}

async function start(options: { token?: string; withEvents?: boolean } = {}) {
  const log = new EventLog();
  log.append(event({ revision: 'r1' }));
  log.append(event({ type: 'RolloutCompleted', revision: 'r1', at: '2026-01-01T00:02:00.000Z', message: 'Rollout of r1 to prod/web completed' }));
  log.append(event({ service: API, type: 'DriftDetected', cause: 'live', revision: 'r1', at: '2026-01-01T00:03:00.000Z', message: 'prod/api was changed outside Git: /spec/desiredCount' }));
  // A message built wrongly somewhere must still not leave the API with a secret in it.
  log.append(event({ service: API, type: 'ImageNotFound', revision: 'r2', at: '2026-01-01T00:04:00.000Z', message: `pull from https://bot:${PLANTED}@registry.example/x failed` }));
  const server = await startHttpServer({
    host: '127.0.0.1', port: 0, registry: new Registry(), status: new StatusStore(), readiness: () => ({ ready: true, reasons: [] }),
    ...(options.withEvents === false ? {} : { events: log }),
    ...(options.token !== undefined ? { apiToken: options.token } : {}),
  });
  servers.push(server);
  return { server, log };
}

async function get(server: RunningHttpServer, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, body: await response.json() as { order?: string; events?: Array<Record<string, unknown>>; error?: { code: string; message: string; parameter?: string } } };
}

describe('GET /api/v1/events', () => {
  it('answers every event newest first', async () => {
    const { server } = await start();
    const { status, body } = await get(server, '/api/v1/events');
    expect(status).toBe(200);
    expect(body.order).toBe('newest-first');
    expect(body.events?.map((e) => [e['seq'], e['type']])).toEqual([[4, 'ImageNotFound'], [3, 'DriftDetected'], [2, 'RolloutCompleted'], [1, 'Applied']]);
    expect(body.events?.[2]).toMatchObject({ service: WEB, revision: 'r1', severity: 'info', message: 'Rollout of r1 to prod/web completed' });
    expect(typeof body.events?.[2]?.['id']).toBe('string');
  });

  it('filters by service, type, since, after and limit', async () => {
    const { server } = await start();
    const types = async (query: string) => (await get(server, `/api/v1/events?${query}`)).body.events?.map((e) => e['type']);
    expect(await types(`service=${encodeURIComponent(WEB)}`)).toEqual(['RolloutCompleted', 'Applied']);
    expect(await types('type=Applied,DriftDetected')).toEqual(['DriftDetected', 'Applied']);
    expect(await types('since=2026-01-01T00:02:00Z')).toEqual(['ImageNotFound', 'DriftDetected', 'RolloutCompleted']);
    expect(await types('after=3')).toEqual(['ImageNotFound']);
    expect(await types('limit=2')).toEqual(['ImageNotFound', 'DriftDetected']);
    expect(await types(`service=${encodeURIComponent(API)}&type=DriftDetected`)).toEqual(['DriftDetected']);
  });

  it('after a seq answers oldest first and says so, so a client catching up page by page misses nothing', async () => {
    const { server, log } = await start();
    for (let i = 0; i < 6; i++) log.append(event({ revision: `c${i}`, at: `2026-01-01T00:1${i}:00.000Z` }));
    const first = await get(server, '/api/v1/events?after=1&limit=3');
    expect(first.body.order).toBe('oldest-first');
    expect(first.body.events?.map((e) => e['seq'])).toEqual([2, 3, 4]);
    const next = await get(server, '/api/v1/events?after=4&limit=3');
    expect(next.body.events?.map((e) => e['seq'])).toEqual([5, 6, 7]);
    expect((await get(server, '/api/v1/events?after=7&limit=3')).body.events?.map((e) => e['seq'])).toEqual([8, 9, 10]);
    expect((await get(server, '/api/v1/events?after=10')).body).toEqual({ order: 'oldest-first', events: [] });
  });

  it('never serves a secret in an event', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}/api/v1/events`);
    expect(await response.text()).not.toContain(PLANTED);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['type=Deployed', 'type', new RegExp(`unknown event type "Deployed"; valid types: ${EVENT_TYPES.join(', ')}`)],
    ['since=yesterday', 'since', /since must be an ISO 8601 time/],
    ['after=-1', 'after', /after must be an event seq/],
    ['limit=0', 'limit', /limit must be a whole number from 1 to 1000, got "0"/],
    ['limit=1001', 'limit', /from 1 to 1000/],
    ['service=', 'service', /service must be a service key/],
    ['servce=x', 'servce', /unknown parameter "servce"/],
    ['limit=1&limit=2', 'limit', /more than once/],
  ];
  for (const [query, parameter, message] of bad) {
    it(`400 naming ${parameter} for ?${query}`, async () => {
      const { server } = await start();
      const { status, body } = await get(server, `/api/v1/events?${query}`);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'HTTP_BAD_REQUEST', parameter });
      expect(body.error?.message).toMatch(message);
    });
  }

  it('is protected like /api/v1/status: bearer token and Host check', async () => {
    const { server } = await start({ token: 'api-token-1' });
    expect((await get(server, '/api/v1/events')).status).toBe(401);
    expect((await get(server, '/api/v1/events', { authorization: 'Bearer api-token-1' })).status).toBe(200);
    // A DNS-rebound name is refused before the token is even looked at.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(server.url);
      const req = request({ hostname, port, path: '/api/v1/events', headers: { host: 'evil.example', authorization: 'Bearer api-token-1' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('is read-only, and 404 when the controller keeps no event log', async () => {
    const { server } = await start();
    expect((await fetch(`${server.url}/api/v1/events`, { method: 'DELETE' })).status).toBe(405);
    const { server: without } = await start({ withEvents: false });
    expect((await get(without, '/api/v1/events')).status).toBe(404);
  });
});
