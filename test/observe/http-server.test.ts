import { request as httpRequest } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusStore, type ServiceStatus } from '../../src/controller/status.js';
import { isGitopsError } from '../../src/errors/index.js';
import { startHttpServer, type HttpServerOptions, type RunningHttpServer, type WebhookRequest } from '../../src/observe/http-server.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { bindServiceStatusMetrics } from '../../src/observe/service-status-metrics.js';

const KEY = 'eu-west-1/prod/web';
const PLANTED = 'planted-secret-9f2e';

function webStatus(): ServiceStatus {
  return {
    key: KEY,
    region: 'eu-west-1',
    cluster: 'prod',
    service: 'web',
    sync: 'OutOfSync',
    health: 'Degraded',
    mode: 'auto',
    lastApplySucceeded: false,
    lastError: { code: 'CONTROLLER_ROLLOUT_FAILED', message: 'rollout failed', at: '2026-01-01T00:00:00Z' },
    diff: [
      { pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 3, live: 2 },
      // A secret the controller failed to mask must still not leave the API.
      { pointer: '/spec/taskDefinition/containerDefinitions/0/environment/0', kind: 'changed', scope: 'taskDefinition', desired: { name: 'DB_PASSWORD', value: PLANTED }, live: { name: 'DB_PASSWORD', value: 'old' } },
    ],
  };
}

const servers: RunningHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(overrides: Partial<HttpServerOptions> = {}) {
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  const status = new StatusStore();
  bindServiceStatusMetrics(metrics, status);
  status.update(KEY, {}, webStatus());
  status.setSnapshot('abc123', '2026-01-01T00:00:00Z', 0);
  let readiness = { ready: false, reasons: ['first snapshot not loaded', 'first live read not done'] };
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    registry,
    status,
    readiness: () => readiness,
    ...overrides,
  });
  servers.push(server);
  return { server, status, setReady: (value: typeof readiness) => (readiness = value) };
}

/** A raw request (fetch cannot send a GET body or control chunking). */
function raw(
  url: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; chunks?: Buffer[] },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, method: options.method, path: options.path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

describe('startHttpServer', () => {
  it('listens on the loopback address it was given, on a free port', async () => {
    const { server } = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves Prometheus text on GET /metrics, including per-service series', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('ecs_gitops_reconcile_total{result="error"} 0');
    expect(text).toContain('ecs_gitops_service_info{account="",region="eu-west-1",cluster="prod",service="web",sync_status="OutOfSync",health_status="Degraded"} 1');
  });

  it('answers /healthz while alive', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 503 with the reasons until ready, then 200', async () => {
    const { server, setReady } = await start();
    const before = await fetch(`${server.url}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'not ready', reasons: ['first snapshot not loaded', 'first live read not done'] });
    setReady({ ready: true, reasons: [] });
    const after = await fetch(`${server.url}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ready' });
  });

  it('serves the controller status with secrets masked', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}/api/v1/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    expect(text).not.toContain(PLANTED);
    const body = JSON.parse(text) as { revision: string; services: ServiceStatus[] };
    expect(body.revision).toBe('abc123');
    expect(body.services.map((s) => [s.key, s.sync, s.health])).toEqual([[KEY, 'OutOfSync', 'Degraded']]);
    expect(body.services[0]?.diff[0]).toEqual({ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 3, live: 2 });
  });

  it('serves one service in full, with percent-decoded path segments', async () => {
    const { server, status } = await start();
    status.update('us-east-1/my cluster/api', {}, { ...webStatus(), key: 'x', region: 'us-east-1', cluster: 'my cluster', service: 'api', diff: [] });
    const one = await fetch(`${server.url}/api/v1/services/eu-west-1/prod/web`);
    expect(one.status).toBe(200);
    const text = await one.text();
    expect(text).not.toContain(PLANTED);
    expect(JSON.parse(text)).toMatchObject({ key: KEY, lastError: { code: 'CONTROLLER_ROLLOUT_FAILED' } });
    const encoded = await fetch(`${server.url}/api/v1/services/us-east-1/my%20cluster/api`);
    expect(encoded.status).toBe(200);
    expect(await encoded.json()).toMatchObject({ key: 'us-east-1/my cluster/api' });
  });

  it('answers a service 503 CONTROLLER_NO_SNAPSHOT, not 404, until the first manifest snapshot is loaded', async () => {
    const status = new StatusStore();
    const { server } = await start({ status });
    const early = await fetch(`${server.url}/api/v1/services/eu-west-1/prod/web`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('5');
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('CONTROLLER_NO_SNAPSHOT');
    // The status document still answers (its source section says why nothing loaded), and a malformed path is still 404.
    expect((await fetch(`${server.url}/api/v1/status`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/services/eu-west-1/prod`)).status).toBe(404);
    status.setSnapshot('abc123', '2026-01-01T00:00:00Z', 0);
    const unknown = await fetch(`${server.url}/api/v1/services/eu-west-1/prod/web`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('HTTP_NOT_FOUND');
  });

  it.each([
    ['GET', '/api/v1/services/eu-west-1/prod/nope', 404, 'HTTP_NOT_FOUND'],
    ['GET', '/api/v1/services/eu-west-1/prod', 404, 'HTTP_NOT_FOUND'],
    ['GET', '/api/v1/services/eu-west-1/prod/web/extra', 404, 'HTTP_NOT_FOUND'],
    ['GET', '/api/v1/services/eu-west-1//web', 404, 'HTTP_NOT_FOUND'],
    ['GET', '/api/v1/services/eu-west-1/prod/%E0%A4%A', 400, 'HTTP_BAD_REQUEST'],
    ['GET', '/nope', 404, 'HTTP_NOT_FOUND'],
    ['GET', '/metrics/', 404, 'HTTP_NOT_FOUND'],
    ['POST', '/api/v1/webhook', 404, 'HTTP_NOT_FOUND'],
    ['POST', '/metrics', 405, 'HTTP_METHOD_NOT_ALLOWED'],
    ['PUT', '/api/v1/status', 405, 'HTTP_METHOD_NOT_ALLOWED'],
    ['DELETE', '/api/v1/services/eu-west-1/prod/web', 405, 'HTTP_METHOD_NOT_ALLOWED'],
    ['PATCH', '/healthz', 405, 'HTTP_METHOD_NOT_ALLOWED'],
  ])('%s %s answers %i with JSON error %s', async (method, path, statusCode, code) => {
    const { server } = await start();
    const response = await raw(server.url, { method, path });
    expect(response.status).toBe(statusCode);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(response.body) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(5);
    if (statusCode === 405) expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('answers HEAD like GET without a body', async () => {
    const { server } = await start();
    const response = await raw(server.url, { method: 'HEAD', path: '/healthz' });
    expect(response.status).toBe(200);
    expect(response.body).toBe('');
    expect(Number(response.headers['content-length'])).toBeGreaterThan(0);
  });

  it.each([
    // GET requests get no framing by default in node:http, so the tests set it explicitly.
    ['a content-length body', { body: '{"x":1}', headers: { 'content-length': '7' } }],
    ['a chunked body', { chunks: [Buffer.from('abc'), Buffer.from('def')], headers: { 'transfer-encoding': 'chunked' } }],
  ])('refuses %s on read-only endpoints', async (_label, payload) => {
    const { server } = await start();
    const response = await raw(server.url, { method: 'GET', path: '/api/v1/status', ...payload });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'HTTP_BODY_NOT_ALLOWED' } });
  });

  describe('webhook', () => {
    it('passes the raw body and headers to the handler and returns its answer', async () => {
      const seen: WebhookRequest[] = [];
      const { server } = await start({
        webhook: async (request) => {
          seen.push(request);
          return { status: 202, body: { accepted: true } };
        },
      });
      const payload = Buffer.from('{"ref":"refs/heads/main"}  \n');
      const response = await fetch(`${server.url}/api/v1/webhook`, {
        method: 'POST',
        headers: { 'x-hub-signature-256': 'sha256=abc', 'content-type': 'application/json' },
        body: payload,
      });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: true });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.body.equals(payload)).toBe(true);
      expect(seen[0]?.headers['x-hub-signature-256']).toBe('sha256=abc');
    });

    it('allows only POST on the webhook path', async () => {
      const { server } = await start({ webhook: async () => ({ status: 200, body: {} }) });
      const response = await raw(server.url, { method: 'GET', path: '/api/v1/webhook' });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
    });

    it('refuses a body over the limit, declared or streamed, without calling the handler', async () => {
      let calls = 0;
      const { server } = await start({
        maxBodyBytes: 64,
        webhook: async () => {
          calls++;
          return { status: 200, body: {} };
        },
      });
      const declared = await raw(server.url, { method: 'POST', path: '/api/v1/webhook', body: Buffer.alloc(65, 'a') });
      expect(declared.status).toBe(413);
      expect(JSON.parse(declared.body)).toMatchObject({ error: { code: 'HTTP_BODY_TOO_LARGE' } });
      const streamed = await raw(server.url, { method: 'POST', path: '/api/v1/webhook', chunks: [Buffer.alloc(40, 'a'), Buffer.alloc(40, 'b')] });
      expect(streamed.status).toBe(413);
      const exact = await raw(server.url, { method: 'POST', path: '/api/v1/webhook', body: Buffer.alloc(64, 'a') });
      expect(exact.status).toBe(200);
      expect(calls).toBe(1);
    });

    it('settles (never hangs on) a body cut off by the client, without calling the handler', async () => {
      let calls = 0;
      const logged: string[] = [];
      const { createLogger } = await import('../../src/observe/logger.js');
      const { PassThrough } = await import('node:stream');
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => logged.push(c.toString()));
      const { server } = await start({
        logger: createLogger({ destination: sink, level: 'debug' }),
        webhook: async () => {
          calls++;
          return { status: 200, body: {} };
        },
      });
      const { connect } = await import('node:net');
      const { port } = new URL(server.url);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write('POST /api/v1/webhook HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"partial":');
          setImmediate(() => socket.destroy());
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      // The pending body read is rejected when the socket closes (bounded wait, not a timing assertion).
      for (let i = 0; i < 100 && !logged.join('').includes('client went away'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(logged.join('')).toContain('client went away before the request was answered');
      expect(logged.join('')).not.toContain('"level":"error"');
      const after = await fetch(`${server.url}/healthz`);
      expect(after.status).toBe(200);
      expect(calls).toBe(0);
    });

    it('answers 500 with a generic JSON error when the handler throws, leaking neither message nor stack', async () => {
      const logged: string[] = [];
      const { createLogger } = await import('../../src/observe/logger.js');
      const { PassThrough } = await import('node:stream');
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => logged.push(c.toString()));
      const { server } = await start({
        logger: createLogger({ destination: sink }),
        webhook: async () => {
          throw new Error(`boom with ${PLANTED}`);
        },
      });
      const response = await raw(server.url, { method: 'POST', path: '/api/v1/webhook', body: '{}' });
      expect(response.status).toBe(500);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'HTTP_INTERNAL_ERROR', message: 'internal error (details are in the controller log)' } });
      expect(response.body).not.toContain('boom');
      expect(response.body).not.toContain('at ');
      expect(logged.join('')).toContain('HTTP request failed');
    });
  });

  it('reports a port in use as OBSERVE_LISTEN_FAILED naming the address', async () => {
    const { server } = await start();
    const failure = await start({ port: server.port }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isGitopsError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'OBSERVE_LISTEN_FAILED' });
    expect((failure as Error).message).toContain(`127.0.0.1:${server.port}`);
    expect((failure as Error).message).toContain('address already in use');
  });

  it('closes even with an idle keep-alive connection open', async () => {
    const { server } = await start();
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const { port } = new URL(server.url);
      httpRequest({ hostname: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      }).on('error', reject).end();
    });
    await server.close();
    await server.close(); // idempotent
    agent.destroy();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
