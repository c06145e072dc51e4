/**
 * POST/DELETE /api/v1/session (docs/ui.md "Session"): the API token typed
 * into the page becomes an HttpOnly cookie that /api (the fleet, the detail,
 * the stream) accepts like the bearer; a wrong token is 401; without a
 * configured token the route does not exist. The cookie is not a fixed
 * token-equivalent: it expires on the server after 12 hours, a restart or
 * DELETE ends it, and one stale duplicate does not lock the user out.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FLEET_PATH, SESSION_PATH, STREAM_PATH } from '../../src/web/api-types.js';
import { SseReader, serviceStatus, startWebServer, type WebServer } from './web-support.js';

const TOKEN = 'the-api-token-4b1d';
/** What the old scheme issued on every login, forever: HMAC(token, constant). */
const FIXED_COOKIE = createHmac('sha256', TOKEN).update('ecs-gitops-session').digest('hex');
const SESSION_VALUE = /^v1\.(\d+)\.[0-9a-f]{64}$/;
const opened: WebServer[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await Promise.all(opened.splice(0).map((w) => w.server.close()));
});

async function start(apiToken: string | null = TOKEN, now?: () => number) {
  const web = await startWebServer({ ...(apiToken === null ? {} : { apiToken }), ...(now ? { now } : {}) }, [serviceStatus('web')]);
  opened.push(web);
  return web;
}

const login = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${SESSION_PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

/** Logs in and returns the cookie's `name=value` as a browser would send it back. */
async function session(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await login(url, JSON.stringify({ token: TOKEN }), headers);
  expect(res.status).toBe(204);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

const fleetStatus = async (url: string, cookie: string) => (await fetch(`${url}${FLEET_PATH}`, { headers: { cookie } })).status;

describe('the session cookie', () => {
  it('is set for the right token, and /api accepts it like the bearer (fleet, detail, stream)', async () => {
    const { server } = await start();
    expect((await fetch(`${server.url}${FLEET_PATH}`)).status).toBe(401);
    expect((await fetch(`${server.url}${STREAM_PATH}`)).status).toBe(401);
    const before = Math.floor(Date.now() / 1000);
    const res = await login(server.url, JSON.stringify({ token: TOKEN }));
    expect(res.status).toBe(204);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^ecs_gitops_session=v1\.\d+\.[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    const value = setCookie.slice('ecs_gitops_session='.length).split(';')[0] as string;
    const issuedAt = Number(SESSION_VALUE.exec(value)?.[1]);
    expect(issuedAt).toBeGreaterThanOrEqual(before);
    expect(issuedAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const cookie = { cookie: `other=1; ecs_gitops_session=${value}` };
    const page = await fetch(`${server.url}${FLEET_PATH}`, { headers: cookie });
    expect(page.status).toBe(200);
    expect(((await page.json()) as { matched: number }).matched).toBe(1);
    expect((await fetch(`${server.url}/api/v1/services/eu-west-1/prod/web`, { headers: cookie })).status).toBe(200);
    const stream = await SseReader.open(`${server.url}${STREAM_PATH}`, cookie);
    readers.push(stream);
    expect(stream.response.status).toBe(200);
    await stream.waitFor('hello');
    // The bearer still works, and the cookie never holds the token itself.
    expect((await fetch(`${server.url}${FLEET_PATH}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(res.headers.get('set-cookie')).not.toContain(TOKEN);
  });

  it('behind a proxy that terminates HTTPS is Secure and named __Host- (kept for this host only), and accepted under that name', async () => {
    const { server } = await start();
    const res = await login(server.url, JSON.stringify({ token: TOKEN }), { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-ecs_gitops_session=v1\.\d+\.[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Secure$/);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(await fleetStatus(server.url, cookie)).toBe(200);
  });

  it('is not the same token-equivalent on every login: the old fixed value is refused, and a restart (a new server, same token) ends every session', async () => {
    const first = await start();
    const cookie = await session(first.server.url);
    expect(await fleetStatus(first.server.url, cookie)).toBe(200);
    expect(await fleetStatus(first.server.url, `ecs_gitops_session=${FIXED_COOKIE}`)).toBe(401);
    const restarted = await start();
    expect(await fleetStatus(restarted.server.url, cookie)).toBe(401);
    expect((await fetch(`${restarted.server.url}${STREAM_PATH}`, { headers: { cookie } })).status).toBe(401);
  });

  it('expires on the server 12 hours after login, whatever the browser keeps', async () => {
    let now = Date.UTC(2026, 0, 1, 8, 0, 0);
    const { server } = await start(TOKEN, () => now);
    const cookie = await session(server.url);
    now += 12 * 60 * 60 * 1000 - 1000;
    expect(await fleetStatus(server.url, cookie)).toBe(200);
    now += 2000;
    expect(await fleetStatus(server.url, cookie)).toBe(401);
    expect((await fetch(`${server.url}${STREAM_PATH}`, { headers: { cookie } })).status).toBe(401);
    // A value with an issue time far in the future is no way around it: the MAC covers the time.
    const [, , mac] = cookie.split('=')[1]?.split('.') ?? [];
    expect(await fleetStatus(server.url, `ecs_gitops_session=v1.${Math.floor(now / 1000) + 3600}.${mac}`)).toBe(401);
  });

  it('accepts a good cookie beside a stale one of the same name (another port, an old login), in either order and under either name', async () => {
    const { server } = await start();
    const good = (await session(server.url)).split('=')[1] as string;
    const stale = 'v1.1700000000.' + 'ab'.repeat(32);
    expect(await fleetStatus(server.url, `ecs_gitops_session=${stale}; ecs_gitops_session=${good}`)).toBe(200);
    expect(await fleetStatus(server.url, `ecs_gitops_session=${good}; ecs_gitops_session=${stale}`)).toBe(200);
    expect(await fleetStatus(server.url, `__Host-ecs_gitops_session=${stale}; ecs_gitops_session=${good}`)).toBe(200);
    expect(await fleetStatus(server.url, `ecs_gitops_session=${stale}; __Host-ecs_gitops_session=${stale}`)).toBe(401);
  });

  it.each([
    ['a wrong token', JSON.stringify({ token: 'nope' }), 401, 'HTTP_UNAUTHORIZED'],
    ['the token with a suffix', JSON.stringify({ token: `${TOKEN}x` }), 401, 'HTTP_UNAUTHORIZED'],
    ['no token field', JSON.stringify({ password: TOKEN }), 400, 'HTTP_BAD_REQUEST'],
    ['not JSON', `token=${TOKEN}`, 400, 'HTTP_BAD_REQUEST'],
    ['a body over 4 KiB', JSON.stringify({ token: 'x'.repeat(5000) }), 413, 'HTTP_BODY_TOO_LARGE'],
  ])('refuses %s', async (_what, body, status, code) => {
    const { server } = await start();
    const res = await login(server.url, body);
    expect(res.status).toBe(status);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.json()).toMatchObject({ error: { code } });
  });

  it('refuses a wrong or forged cookie on /api and the stream', async () => {
    const { server } = await start();
    for (const value of ['', 'abc', createHmac('sha256', 'other-token').update('ecs-gitops-session').digest('hex'), TOKEN, `v1.${Math.floor(Date.now() / 1000)}.${'0'.repeat(64)}`]) {
      const headers = { cookie: `ecs_gitops_session=${value}` };
      expect((await fetch(`${server.url}${FLEET_PATH}`, { headers })).status).toBe(401);
      expect((await fetch(`${server.url}${STREAM_PATH}`, { headers })).status).toBe(401);
    }
  });

  it('is cleared by DELETE, which also ends that session on the server (a copy of the cookie stops working), not others', async () => {
    let now = Date.UTC(2026, 0, 1, 8, 0, 0);
    const { server } = await start(TOKEN, () => now);
    const cookie = await session(server.url);
    now += 1000;
    const other = await session(server.url);
    const res = await fetch(`${server.url}${SESSION_PATH}`, { method: 'DELETE', headers: { cookie } });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBe('ecs_gitops_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
    expect(await fleetStatus(server.url, cookie)).toBe(401);
    expect(await fleetStatus(server.url, other)).toBe(200);
    // Behind HTTPS both names are cleared.
    const secure = await fetch(`${server.url}${SESSION_PATH}`, { method: 'DELETE', headers: { 'x-forwarded-proto': 'https' } });
    expect(secure.headers.getSetCookie()).toEqual([
      'ecs_gitops_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure',
      '__Host-ecs_gitops_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure',
    ]);
  });

  it('ends a stream opened with a session once that session is revoked or expires (at the next heartbeat), not one opened with the bearer', async () => {
    let now = Date.UTC(2026, 0, 1, 8, 0, 0);
    const web = await startWebServer({ apiToken: TOKEN, now: () => now, streamLimits: { heartbeatMs: 50 } }, [serviceStatus('web')]);
    opened.push(web);
    const { server } = web;
    const revoked = await session(server.url);
    const expiring = await session(server.url);
    const streams = {
      revoked: await SseReader.open(`${server.url}${STREAM_PATH}`, { cookie: revoked }),
      expiring: await SseReader.open(`${server.url}${STREAM_PATH}`, { cookie: expiring }),
      bearer: await SseReader.open(`${server.url}${STREAM_PATH}`, { authorization: `Bearer ${TOKEN}` }),
    };
    readers.push(...Object.values(streams));
    for (const stream of Object.values(streams)) await stream.waitFor('hello');
    // Several heartbeats with every session valid: nothing ends.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Object.values(streams).map((stream) => stream.ended)).toEqual([false, false, false]);
    expect((await fetch(`${server.url}${SESSION_PATH}`, { method: 'DELETE', headers: { cookie: revoked } })).status).toBe(204);
    expect((await streams.revoked.waitFor('reset', undefined, 2_000)).reason).toBe('unauthorized');
    await streams.revoked.done;
    expect(streams.expiring.ended).toBe(false);
    now += 12 * 60 * 60 * 1000 + 1000;
    expect((await streams.expiring.waitFor('reset', undefined, 2_000)).reason).toBe('unauthorized');
    await streams.expiring.done;
    // The bearer does not expire: its stream goes on.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(streams.bearer.ended).toBe(false);
    expect(streams.bearer.comments).toBeGreaterThan(0);
  });

  it('does not exist without a configured token, and checks the Host like the API', async () => {
    const open = await start(null);
    const res = await login(open.server.url, JSON.stringify({ token: 'x' }));
    expect(res.status).toBe(404);
    expect((await fetch(`${open.server.url}${FLEET_PATH}`)).status).toBe(200);
    const { server } = await start();
    // fetch will not send another Host: a raw request does, as a DNS-rebinding page's browser would.
    const rebound = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(server.url);
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: SESSION_PATH, headers: { host: 'evil.example', 'content-type': 'application/json' }, agent: false }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ token: TOKEN }));
    });
    expect(rebound).toBe(421);
    expect((await fetch(`${server.url}${SESSION_PATH}`)).status).toBe(405);
  });
});
