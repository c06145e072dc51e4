/**
 * POST/DELETE /api/v1/session (docs/ui.md "Session"): the API token typed
 * into the page becomes an HttpOnly cookie that /api (the fleet, the detail,
 * the stream) accepts like the bearer; a wrong token is 401; without a
 * configured token the route does not exist.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FLEET_PATH, SESSION_PATH, STREAM_PATH } from '../../src/web/api-types.js';
import { SseReader, serviceStatus, startWebServer, type WebServer } from './web-support.js';

const TOKEN = 'the-api-token-4b1d';
const EXPECTED_COOKIE = createHmac('sha256', TOKEN).update('ecs-gitops-session').digest('hex');
const opened: WebServer[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await Promise.all(opened.splice(0).map((w) => w.server.close()));
});

async function start(apiToken: string | null = TOKEN) {
  const web = await startWebServer(apiToken === null ? {} : { apiToken }, [serviceStatus('web')]);
  opened.push(web);
  return web;
}

const login = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${SESSION_PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('the session cookie', () => {
  it('is set for the right token, and /api accepts it like the bearer (fleet, detail, stream)', async () => {
    const { server } = await start();
    expect((await fetch(`${server.url}${FLEET_PATH}`)).status).toBe(401);
    expect((await fetch(`${server.url}${STREAM_PATH}`)).status).toBe(401);
    const res = await login(server.url, JSON.stringify({ token: TOKEN }));
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBe(`ecs_gitops_session=${EXPECTED_COOKIE}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`);
    const cookie = { cookie: `other=1; ecs_gitops_session=${EXPECTED_COOKIE}` };
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

  it('adds Secure behind a proxy that terminates HTTPS', async () => {
    const { server } = await start();
    const res = await login(server.url, JSON.stringify({ token: TOKEN }), { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
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
    for (const value of ['', 'abc', createHmac('sha256', 'other-token').update('ecs-gitops-session').digest('hex'), TOKEN]) {
      const headers = { cookie: `ecs_gitops_session=${value}` };
      expect((await fetch(`${server.url}${FLEET_PATH}`, { headers })).status).toBe(401);
      expect((await fetch(`${server.url}${STREAM_PATH}`, { headers })).status).toBe(401);
    }
  });

  it('is cleared by DELETE', async () => {
    const { server } = await start();
    const res = await fetch(`${server.url}${SESSION_PATH}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBe('ecs_gitops_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
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
