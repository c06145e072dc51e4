/**
 * GET /api/v1/stream over a real server (docs/ui.md "The stream"): a status
 * write arrives as a `service` message within a batch, bursts coalesce per
 * service with one `counts` per batch, controller events are forwarded, the
 * client bound answers 503, a client that stops reading is reset and cut off
 * with the server's memory bounded, and shutdown sends reset.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { STREAM_LIMITS, STREAM_PATH } from '../../src/web/api-types.js';
import { SseReader, serviceStatus, startWebServer, type WebServer } from './web-support.js';

const KEYS = Array.from({ length: 10 }, (_, i) => `eu-west-1/prod/svc-${i}`);
const opened: WebServer[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await Promise.all(opened.splice(0).map((w) => w.server.close()));
});

async function start(options: Parameters<typeof startWebServer>[0] = {}) {
  const web = await startWebServer(options, KEYS.map((key) => serviceStatus(key.split('/')[2] ?? '')));
  opened.push(web);
  return web;
}

async function open(web: WebServer, headers: Record<string, string> = {}) {
  const reader = await SseReader.open(`${web.server.url}${STREAM_PATH}`, headers);
  readers.push(reader);
  return reader;
}

describe('the stream', () => {
  it('says hello, then shows a status write as a service message within flushMs plus a margin, then counts', async () => {
    const web = await start();
    const reader = await open(web);
    expect(reader.response.status).toBe(200);
    expect(reader.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const hello = await reader.waitFor('hello');
    expect(hello.version).toBe(0);
    const key = KEYS[3] as string;
    const writtenAt = Date.now();
    web.status.update(key, { health: 'Degraded' });
    const message = await reader.waitFor('service', (m) => m.key === key);
    expect(message.row).toMatchObject({ key, health: 'Degraded' });
    expect(message.at).toBeGreaterThanOrEqual(writtenAt);
    expect(message.receivedAt - writtenAt).toBeLessThan(STREAM_LIMITS.flushMs + 400);
    const counts = await reader.waitFor('counts');
    expect(counts.counts.health.Degraded).toBe(1);
    expect(counts.version).toBe(message.version);
    expect(reader.messages.indexOf(counts)).toBeGreaterThan(reader.messages.indexOf(message));
    // A removed service: a service message without a row.
    web.status.remove(key);
    const removed = await reader.waitFor('service', (m) => m.key === key && m.row === undefined);
    expect(removed.version).toBeGreaterThan(message.version);
  });

  it('coalesces a burst of 1,000 writes to 10 services into at most 10 service messages per batch, the last write winning', async () => {
    const web = await start();
    const reader = await open(web);
    await reader.waitFor('hello');
    for (let i = 0; i < 1000; i++) {
      const key = KEYS[i % 10] as string;
      web.status.update(key, { lastSyncTime: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(), health: i >= 990 ? 'Progressing' : 'Healthy' });
    }
    await reader.waitFor('counts', (m) => m.counts.health.Progressing === 10);
    // Messages come in batches: each batch is some service messages closed by one counts.
    const batches: number[] = [];
    let inBatch = 0;
    for (const m of reader.messages) {
      if (m.type === 'service') inBatch++;
      if (m.type === 'counts') {
        batches.push(inBatch);
        inBatch = 0;
      }
    }
    expect(batches.length).toBeGreaterThanOrEqual(1);
    for (const size of batches) expect(size).toBeLessThanOrEqual(10);
    expect(batches.reduce((a, b) => a + b, 0)).toBeLessThan(1000 / 10);
    const last = reader.messages.filter((m) => m.type === 'service').at(-1);
    expect(last?.type === 'service' && last.row?.health).toBe('Progressing');
  });

  it('forwards controller events, scrubbed', async () => {
    const web = await start();
    const reader = await open(web);
    await reader.waitFor('hello');
    web.events.append({ type: 'DriftDetected', service: KEYS[0], revision: 'abc1234', at: new Date().toISOString(), message: 'drift: https://user:planted-pass-77@git.example.com/x', cause: 'live' } as never);
    const forwarded = await reader.waitFor('event');
    expect(forwarded.event).toMatchObject({ type: 'DriftDetected', service: KEYS[0], seq: 1 });
    expect(JSON.stringify(forwarded)).not.toContain('planted-pass-77');
  });

  it('answers 503 HTTP_TOO_MANY_STREAMS to one client more than maxClients, and takes one again when a slot frees', async () => {
    const web = await start();
    const clients = await Promise.all(Array.from({ length: STREAM_LIMITS.maxClients }, () => open(web)));
    await Promise.all(clients.map((c) => c.waitFor('hello')));
    const extra = await fetch(`${web.server.url}${STREAM_PATH}`);
    expect(extra.status).toBe(503);
    expect(extra.headers.get('retry-after')).toBe('5');
    expect(await extra.json()).toMatchObject({ error: { code: 'HTTP_TOO_MANY_STREAMS' } });
    clients[0]?.close();
    await expect.poll(async () => {
      const again = await SseReader.open(`${web.server.url}${STREAM_PATH}`);
      readers.push(again);
      return again.response.status;
    }, { timeout: 3_000 }).toBe(200);
  });

  it('resets and cuts off a client that never reads, keeping the server\'s buffered bytes bounded, and goes on serving the others', async () => {
    const maxBufferedBytes = 64 * 1024;
    const web = await start({ streamLimits: { maxBufferedBytes, flushMs: 10 } });
    const good = await open(web);
    // A raw socket that sends the request and never reads a byte: the kernel buffers fill, then the response's.
    const stuck = connect(Number(new URL(web.server.url).port), '127.0.0.1');
    stuck.setNoDelay(true);
    stuck.write(`GET ${STREAM_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    stuck.pause();
    let stuckClosed = false;
    stuck.on('close', () => (stuckClosed = true));
    stuck.on('error', () => undefined);
    await good.waitFor('hello');
    await new Promise((r) => setTimeout(r, 200));
    // Buffers queued for a socket are memory outside the JS heap: what a stuck client would pile up.
    const outsideHeap = () => process.memoryUsage().external + process.memoryUsage().arrayBuffers;
    const before = outsideHeap();
    let peak = 0;
    // About 90 KB per round: 400 rounds would queue 36 MB for the stuck client without the bound (more than loopback's socket buffers absorb).
    for (let round = 0; round < 400 && web.server.streamStats().overflows === 0; round++) {
      for (const key of KEYS) web.status.update(key, { lastAppliedRevision: `${round}`.padStart(9_000, 'r') });
      await new Promise((r) => setTimeout(r, 12));
      peak = Math.max(peak, outsideHeap() - before);
    }
    expect(web.server.streamStats()).toEqual({ clients: 1, overflows: 1 });
    expect(peak).toBeLessThan(16 * 1024 * 1024);
    // Reading now, the stuck client finds its stream closed by the server (after at most the bound's worth of messages).
    let received = '';
    stuck.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    stuck.resume();
    await expect.poll(() => stuckClosed, { timeout: 5_000 }).toBe(true);
    expect(received.length).toBeLessThan(16 * 1024 * 1024);
    // The reader that keeps up still gets every batch, and never a reset.
    web.status.update(KEYS[0] as string, { health: 'Missing' });
    await good.waitFor('service', (m) => m.row?.health === 'Missing');
    expect(good.messages.some((m) => m.type === 'reset')).toBe(false);
    stuck.destroy();
  });

  it('sends reset (reason shutdown) to every client when the server closes', async () => {
    const web = await start();
    const a = await open(web);
    const b = await open(web);
    await Promise.all([a.waitFor('hello'), b.waitFor('hello')]);
    await web.server.close();
    for (const reader of [a, b]) {
      const reset = await reader.waitFor('reset');
      expect(reset.reason).toBe('shutdown');
      await reader.done;
      expect(reader.ended).toBe(true);
    }
  });

  it('keeps an idle stream alive with heartbeat comments', async () => {
    const web = await start({ streamLimits: { heartbeatMs: 50 } });
    const reader = await open(web);
    await reader.waitFor('hello');
    await expect.poll(() => reader.comments, { timeout: 2_000 }).toBeGreaterThanOrEqual(2);
  });

  it('is read-only and takes no body', async () => {
    const web = await start();
    const post = await fetch(`${web.server.url}${STREAM_PATH}`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});
