/**
 * The controller's HTTP server probed with raw sockets, as an attacker on the
 * network would: it listens on loopback by default, is read-only except the
 * authenticated webhook, refuses huge headers and bodies, bounds a
 * slowloris-style trickle, answers path traversal with 404, and never sends a
 * stack trace or file path back.
 */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusStore } from '../../src/controller/status.js';
import { DEFAULT_LISTEN, parseListenAddress } from '../../src/observe/listen-address.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startHttpServer, type RunningHttpServer } from '../../src/observe/http-server.js';
import { createWebhookHandler } from '../../src/source/webhook.js';

const SECRET = 'webhook-secret-for-tests';

/** Sends raw bytes, returns everything the server answered until it closed (or `waitMs` passed). */
function raw(port: number, data: string | Buffer, waitMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(data);
  });
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
const noStack = (text: string) => {
  expect(text).not.toMatch(/\n\s+at [^\n]+\(/);
  expect(text).not.toMatch(/\/(src|node_modules)\/[\w/.-]+\.(ts|js)/);
};

describe('HTTP server under hostile requests', () => {
  let server: RunningHttpServer;
  let port: number;
  const webhookCalls: unknown[] = [];

  beforeAll(async () => {
    const registry = new Registry();
    createMetrics(registry);
    const status = new StatusStore();
    // A controller that has loaded its manifests: before that, service paths answer 503 CONTROLLER_NO_SNAPSHOT.
    status.setSnapshot('abc123', '2026-01-01T00:00:00Z', 0);
    const webhook = createWebhookHandler({ secret: SECRET, ref: 'main', onPush: (event) => {
      webhookCalls.push(event);
    } });
    server = await startHttpServer({
      host: '127.0.0.1', port: 0, registry, status, readiness: () => ({ ready: true, reasons: [] }), webhook, maxBodyBytes: 64 * 1024,
    });
    port = server.port;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('listens on loopback unless told otherwise', () => {
    expect(parseListenAddress(DEFAULT_LISTEN).host).toBe('127.0.0.1');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'])('refuses %s on every read-only path, with no stack trace', async (method) => {
    for (const path of ['/metrics', '/healthz', '/readyz', '/api/v1/status', '/api/v1/services/eu-west-1/demo/web']) {
      const { text } = await raw(port, `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(statusOf(text), `${method} ${path}`).toBe(405);
      noStack(text);
    }
  });

  it('refuses CONNECT and garbage request lines with 400, no stack trace', async () => {
    for (const line of ['CONNECT 127.0.0.1:22 HTTP/1.1', 'GET', '\u0000\u0001\u0002 / HTTP/1.1', 'GET / HTTP/9.9', 'G\u00c9T / HTTP/1.1']) {
      const { text } = await raw(port, `${line}\r\nHost: localhost\r\n\r\n`);
      expect([400, 404, 405, 505, 0]).toContain(statusOf(text));
      noStack(text);
    }
  });

  it.each([
    '/../../../../etc/passwd',
    '/api/v1/services/../../../../etc/passwd',
    '/api/v1/services/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/api/v1/services/..%2f..%2f..%2fetc/passwd/x',
    '/api/v1/services/%2e%2e%2f%2e%2e%2fetc%2fpasswd/a/b',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/api/v1/services/%ZZ/a/b',
    '//etc/passwd',
    '/metrics/../../etc/passwd',
  ])('path traversal %s is a 404/400 and reads no file', async (path) => {
    const { text } = await raw(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    expect([400, 404]).toContain(statusOf(text));
    expect(text).not.toContain('root:');
    noStack(text);
  });

  it('refuses a huge header block (431) and a huge body without reading it all', async () => {
    const big = await raw(port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(128 * 1024)}\r\n\r\n`);
    // Node refuses it (HPE_HEADER_OVERFLOW); the server answers a JSON 400.
    expect([400, 431]).toContain(statusOf(big.text));
    expect(big.closed).toBe(true);
    const many = await raw(port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`);
    expect([400, 431]).toContain(statusOf(many.text));
    const body = Buffer.alloc(1024 * 1024, 'a');
    // Signed (as far as headers tell): the size is what refuses it.
    const huge = await raw(port, Buffer.concat([Buffer.from(`POST /api/v1/webhook HTTP/1.1\r\nHost: localhost\r\nX-Hub-Signature-256: sha256=${'0'.repeat(64)}\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    expect(statusOf(huge.text)).toBe(413);
    noStack(huge.text);
    // A body on a read-only path is refused, not read.
    const getBody = await raw(port, `GET /api/v1/status HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
    expect(statusOf(getBody.text)).toBe(400);
  });

  it('the webhook is the only writable path and needs a valid signature', async () => {
    const payload = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) });
    const unsigned = await raw(port, `POST /api/v1/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`);
    const forged = await raw(port, `POST /api/v1/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: sha256=${'0'.repeat(64)}\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`);
    for (const r of [unsigned, forged]) {
      expect(statusOf(r.text)).toBeGreaterThanOrEqual(400);
      expect(statusOf(r.text)).toBeLessThan(500);
      noStack(r.text);
      expect(r.text).not.toContain(SECRET);
    }
    expect(webhookCalls).toEqual([]);
    const signature = `sha256=${createHmac('sha256', SECRET).update(payload).digest('hex')}`;
    const good = await raw(port, `POST /api/v1/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: d1\r\nX-Hub-Signature-256: ${signature}\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`);
    expect(statusOf(good.text), good.text).toBeLessThan(300);
    expect(webhookCalls).toHaveLength(1);
  });
});
