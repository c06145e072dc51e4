/**
 * Slowloris: 40 connections trickle a header byte every 250 ms and never
 * finish. The server keeps answering /healthz meanwhile, and closes every
 * trickling connection on its own (headers timeout), within a bounded number
 * of trickles: nothing holds a socket forever. Kept in its own file so its
 * wait overlaps other test files.
 */
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusStore } from '../../src/controller/status.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startHttpServer, type RunningHttpServer } from '../../src/observe/http-server.js';

const CONNECTIONS = 40;
const TRICKLE_MS = 250;
/** Node checks header timeouts every 30 s (connectionsCheckingInterval); give it two rounds. */
const MAX_TRICKLES = 260;

describe('slowloris-style clients are cut off', () => {
  let server: RunningHttpServer;

  beforeAll(async () => {
    const registry = new Registry();
    createMetrics(registry);
    server = await startHttpServer({
      host: '127.0.0.1', port: 0, registry, status: new StatusStore(), readiness: () => ({ ready: true, reasons: [] }), requestTimeoutMs: 2000,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes every trickling connection and keeps serving others', async () => {
    const sockets = Array.from({ length: CONNECTIONS }, () => net.connect(server.port, '127.0.0.1'));
    const closed = new Set<net.Socket>();
    const answers: string[] = [];
    for (const s of sockets) {
      s.on('close', () => closed.add(s));
      s.on('error', () => closed.add(s));
      s.on('data', (c: Buffer) => answers.push(c.toString()));
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    }
    let trickles = 0;
    let healthyDuring = 0;
    while (closed.size < CONNECTIONS && trickles < MAX_TRICKLES) {
      await new Promise((resolve) => setTimeout(resolve, TRICKLE_MS));
      trickles++;
      for (const s of sockets) if (!closed.has(s)) s.write(`X-${trickles}: a\r\n`);
      if (trickles % 20 === 0 && (await fetch(`${server.url}/healthz`)).status === 200) healthyDuring++;
    }
    for (const s of sockets) s.destroy();
    expect(closed.size).toBe(CONNECTIONS);
    expect(healthyDuring).toBeGreaterThan(0);
    // Cut off with a 408 (or a plain close), never a stack trace.
    for (const a of answers) {
      expect(a).toMatch(/^HTTP\/1\.1 408/);
      expect(a).not.toMatch(/\n\s+at /);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 90_000);
});
