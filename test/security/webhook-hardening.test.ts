/**
 * The webhook and the HTTP server against an anonymous sender on the network
 * (issue 17, "Low"): a request without a valid auth header is refused on its
 * headers alone, before any of its (up to 1 MiB) body is read; a flood of
 * connections is capped; and a captured, genuinely signed delivery replayed
 * (as is, or with a made-up delivery id) does not trigger another fetch.
 * Real server, real webhook handler, raw sockets and fetch as the client.
 */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusStore } from '../../src/controller/status.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { DEFAULT_MAX_CONNECTIONS, startHttpServer, type RunningHttpServer } from '../../src/observe/http-server.js';
import { createWebhookHandler, type PushEvent, type WebhookOptions } from '../../src/source/webhook.js';

const SECRET = 'webhook-secret-for-hardening-tests';

let server: RunningHttpServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

async function start(options: { webhook?: Partial<WebhookOptions>; maxConnections?: number } = {}) {
  const pushes: PushEvent[] = [];
  const registry = new Registry();
  createMetrics(registry);
  const webhook = createWebhookHandler({ secret: SECRET, ref: 'main', onPush: (event) => void pushes.push(event), ...options.webhook });
  server = await startHttpServer({
    host: '127.0.0.1', port: 0, registry, status: new StatusStore(), readiness: () => ({ ready: true, reasons: [] }), webhook,
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
  });
  return { server, pushes };
}

/** Opens a socket, writes `data`, and collects what the server answers until it closes or `waitMs` passes. */
function exchange(port: number, data: string, waitMs: number): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const began = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, ms: Date.now() - began });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(data);
  });
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

describe('webhook: authentication before the body', () => {
  // Headers that announce almost 1 MiB of body (under the limit, so size alone does not refuse it), and no body at all.
  const announced = (auth: string) => `POST /api/v1/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n`
    + `X-GitHub-Event: push\r\nX-Gitlab-Event: Push Hook\r\n${auth}Content-Length: ${1000 * 1000}\r\n\r\n`;

  it.each([
    ['no signature or token header', ''],
    ['a wrong GitLab token', 'X-Gitlab-Token: guessed\r\n'],
    ['a GitHub signature that cannot be one', 'X-Hub-Signature-256: sha256=nope\r\n'],
  ])('answers 401 to %s on the headers alone, without waiting for the announced body', async (_name, auth) => {
    const { server, pushes } = await start();
    const answer = await exchange(server.port, announced(auth), 3000);
    expect(statusOf(answer.text), answer.text || '(no answer: the server waited for the body)').toBe(401);
    expect(answer.text).toContain('SOURCE_WEBHOOK_UNAUTHORIZED');
    expect(answer.closed).toBe(true);
    expect(pushes).toEqual([]);
  });

  it('still waits for the body of a request whose headers pass (the GitHub signature needs the body)', async () => {
    const { server } = await start();
    const answer = await exchange(server.port, announced(`X-Hub-Signature-256: sha256=${'0'.repeat(64)}\r\n`), 500);
    expect(answer.text).toBe('');
  });
});

describe('connection cap', () => {
  /** Opens `count` keep-alive connections that each got one answer, so the server holds all of them. */
  async function holdConnections(port: number, count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      sockets.push(socket);
      socket.once('data', () => resolve());
      socket.once('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    })));
  }

  it('drops connections beyond maxConnections and serves again once they go', async () => {
    const { server } = await start({ maxConnections: 4 });
    await holdConnections(server.port, 4);
    const extra = await exchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 3000);
    expect(extra).toMatchObject({ text: '', closed: true });
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it(`caps connections by default (${DEFAULT_MAX_CONNECTIONS})`, async () => {
    expect(DEFAULT_MAX_CONNECTIONS).toBeGreaterThanOrEqual(64);
    const { server } = await start();
    await holdConnections(server.port, 256);
    const extra = await exchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 3000);
    expect(extra).toMatchObject({ text: '', closed: true });
  });
});

describe('webhook: replayed deliveries', () => {
  const payload = JSON.stringify({ ref: 'refs/heads/main', after: 'c'.repeat(40) });
  const signature = `sha256=${createHmac('sha256', SECRET).update(payload).digest('hex')}`;
  const post = (url: string, headers: Record<string, string>, body = payload) =>
    fetch(`${url}/api/v1/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const github = (delivery: string) => ({ 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature });
  const gitlab = (ids: Record<string, string>) => ({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET, ...ids });

  it('ignores a signed GitHub delivery sent again, and the same signed body under a made-up delivery id', async () => {
    const { server, pushes } = await start();
    const first = await post(server.url, github('72d3162e-cc78-11e3-81ab-4c9367dc0958'));
    expect(first.status).toBe(202);
    const replayed = await post(server.url, github('72d3162e-cc78-11e3-81ab-4c9367dc0958'));
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toMatchObject({ triggered: false, duplicate: true });
    const renamed = await post(server.url, github('00000000-0000-0000-0000-000000000000'));
    expect(await renamed.json()).toMatchObject({ triggered: false, duplicate: true });
    expect(pushes).toHaveLength(1);
  });

  it('ignores a GitLab delivery sent again (X-Gitlab-Event-UUID, Idempotency-Key), not distinct deliveries', async () => {
    const { server, pushes } = await start();
    expect((await post(server.url, gitlab({ 'x-gitlab-event-uuid': 'e-1' }))).status).toBe(202);
    expect(await (await post(server.url, gitlab({ 'x-gitlab-event-uuid': 'e-1' }))).json()).toMatchObject({ duplicate: true });
    expect((await post(server.url, gitlab({ 'idempotency-key': 'k-1' }))).status).toBe(202);
    expect(await (await post(server.url, gitlab({ 'idempotency-key': 'k-1' }))).json()).toMatchObject({ duplicate: true });
    // Deliveries without ids cannot be told apart from a replay; GitLab's token is not bound to the body, so they all count.
    expect((await post(server.url, gitlab({}))).status).toBe(202);
    expect((await post(server.url, gitlab({}))).status).toBe(202);
    expect(pushes).toHaveLength(4);
  });

  it('lets the Git host retry a delivery whose fetch could not be started', async () => {
    let failNext = true;
    const pushes: PushEvent[] = [];
    const { server } = await start({ webhook: { onPush: (event) => {
      if (failNext) {
        failNext = false;
        throw new Error('queue full');
      }
      pushes.push(event);
    } } });
    expect((await post(server.url, github('retry-1'))).status).toBe(500);
    expect((await post(server.url, github('retry-1'))).status).toBe(202);
    expect(pushes).toHaveLength(1);
  });

  it('forgets deliveries after the window, and holds at most replayMemory of them', async () => {
    let now = 0;
    const { server, pushes } = await start({ webhook: { replayMemory: 2, replayWindowMs: 60_000, now: () => now } });
    const hook = (id: string) => post(server.url, gitlab({ 'x-gitlab-event-uuid': id }));
    expect((await hook('a')).status).toBe(202);
    now = 59_000;
    expect((await hook('a')).status).toBe(200);
    now = 61_000;
    expect((await hook('a')).status).toBe(202); // an hour-old id is a new delivery again
    expect((await hook('b')).status).toBe(202);
    expect((await hook('c')).status).toBe(202); // evicts a, the oldest
    expect((await hook('a')).status).toBe(202);
    expect((await hook('c')).status).toBe(200);
    expect(pushes).toHaveLength(5);
  });
});
