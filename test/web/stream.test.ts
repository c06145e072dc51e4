/**
 * GET /api/v1/stream over a real server (docs/ui.md "The stream"): a status
 * write arrives as a `service` message within a batch, bursts coalesce per
 * service with one `counts` per batch, a mass change is one small `resync`,
 * writes that only move lastSyncTime send nothing, controller events are
 * forwarded, the client bound answers 503, a client that stops reading never
 * holds more than the bound and is reset and cut off, a batch with no client
 * costs nothing, and shutdown sends reset.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusStore } from '../../src/controller/status.js';
import { STREAM_LIMITS, STREAM_PATH } from '../../src/web/api-types.js';
import { FleetIndex } from '../../src/web/fleet-index.js';
import { StreamHub } from '../../src/web/stream.js';
import { SseReader, serviceStatus, startWebServer, type WebServer } from './web-support.js';

const KEYS = Array.from({ length: 10 }, (_, i) => `eu-west-1/prod/svc-${i}`);
const opened: WebServer[] = [];
const readers: SseReader[] = [];
const stuckSockets: Socket[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  for (const socket of stuckSockets.splice(0)) socket.destroy();
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

/** A raw socket that sends the request and never reads a byte: the kernel's buffers fill, then the response's. */
function stuckClient(web: WebServer): { readonly socket: Socket; closed(): boolean } {
  const socket = connect(Number(new URL(web.server.url).port), '127.0.0.1');
  socket.setNoDelay(true);
  socket.write(`GET ${STREAM_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  socket.pause();
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  stuckSockets.push(socket);
  return { socket, closed: () => closed };
}

const MASS = 10_000;
const massFleet = () => Array.from({ length: MASS }, (_, i) => serviceStatus(`svc-${String(i).padStart(5, '0')}`, { cluster: `c${i % 20}` }));

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
    // How soon is the bench's to measure (scenario 8, status change to display), not a unit test's.
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

  it('sends a 10,000-service change as one small resync, so each stuck client queues bytes, not megabytes', async () => {
    const web = await startWebServer({}, massFleet());
    opened.push(web);
    const good = await open(web);
    const stuck = Array.from({ length: 8 }, () => stuckClient(web));
    await good.waitFor('hello');
    await expect.poll(() => web.server.streamStats().clients).toBe(9);
    // Two mass changes: loopback's socket buffers absorb the first batch's ~3.8 MB per client, the second piled up in the server (3 MB per client before).
    for (const health of ['Progressing', 'Healthy'] as const) {
      for (let i = 0; i < MASS; i++) web.status.update(`eu-west-1/c${i % 20}/svc-${String(i).padStart(5, '0')}`, { health });
      const resync = await good.waitFor('resync', (m) => m.counts.health[health] === MASS, 5_000);
      expect(resync.counts.total).toBe(MASS);
      expect(resync.version).toBeGreaterThanOrEqual(MASS);
      await new Promise((r) => setTimeout(r, 50));
      expect(web.server.streamStats().maxQueuedBytes).toBeLessThan(16 * 1024);
    }
    expect(good.messages.filter((m) => m.type === 'service' || m.type === 'counts')).toEqual([]);
    expect(web.server.streamStats()).toMatchObject({ clients: 9, overflows: 0 });
    expect(stuck.some((c) => c.closed())).toBe(false);
    // A small change afterwards is a row again.
    web.status.update('eu-west-1/c3/svc-00003', { health: 'Missing' });
    await good.waitFor('service', (m) => m.key === 'eu-west-1/c3/svc-00003' && m.row?.health === 'Missing');
  });

  it('sends a batch over a quarter of maxBufferedBytes as resync, even with few services', async () => {
    const web = await start({ streamLimits: { maxBufferedBytes: 64 * 1024 } });
    const reader = await open(web);
    await reader.waitFor('hello');
    // 10 rows of ~9 KB: 90 KB, more than the 16 KB a batch may take here.
    for (const key of KEYS) web.status.update(key, { lastAppliedRevision: 'r'.repeat(9_000) });
    const resync = await reader.waitFor('resync');
    expect(resync.counts.total).toBe(KEYS.length);
    expect(reader.messages.some((m) => m.type === 'service')).toBe(false);
  });

  it('sends nothing for writes that only move lastSyncTime (every controller pass), and the next real change as a row', async () => {
    const web = await start();
    const reader = await open(web);
    await reader.waitFor('hello');
    for (let pass = 0; pass < 5; pass++) {
      for (const key of KEYS) web.status.update(key, { lastSyncTime: new Date(Date.UTC(2026, 0, 1, 0, pass)).toISOString() });
    }
    await new Promise((r) => setTimeout(r, STREAM_LIMITS.flushMs * 3));
    expect(reader.messages.map((m) => m.type)).toEqual(['hello']);
    // The page still sees the new times (it is only as fresh as its last fetch or real change: docs/ui.md).
    const page = (await (await fetch(`${web.server.url}/api/v1/services?limit=1`)).json()) as { items: { lastSyncTime?: string }[] };
    expect(page.items[0]?.lastSyncTime).toBe('2026-01-01T00:04:00.000Z');
    web.status.update(KEYS[1] as string, { lastSyncTime: '2026-01-01T00:05:00.000Z', sync: 'OutOfSync' });
    const row = await reader.waitFor('service');
    expect(row.row).toMatchObject({ key: KEYS[1], sync: 'OutOfSync', lastSyncTime: '2026-01-01T00:05:00.000Z' });
  });

  it('drops a batch with no client connected before formatting it: a 10,000-row flush reads no row', async () => {
    const store = new StatusStore();
    for (const s of massFleet()) store.update(s.key, {}, s);
    const index = new FleetIndex(store);
    const hub = new StreamHub({ index });
    let rowsRead = 0;
    let countsRead = 0;
    const get = index.get.bind(index);
    const counts = index.counts.bind(index);
    index.get = (key) => (rowsRead++, get(key));
    index.counts = () => (countsRead++, counts());
    try {
      for (const health of ['Degraded', 'Healthy', 'Degraded'] as const) {
        for (const s of massFleet()) store.update(s.key, { health });
        hub.flush();
      }
      // Formatting and scrubbing 10,000 rows took 60-155 ms per flush before; reading none is what makes it free.
      expect({ rowsRead, countsRead }).toEqual({ rowsRead: 0, countsRead: 0 });
    } finally {
      await hub.close();
      index.close();
    }
  });

  it('never lets a client that stops reading hold more than maxBufferedBytes (the batch being written included), then resets and cuts it off, and goes on serving the others', async () => {
    const maxBufferedBytes = 1024 * 1024;
    const web = await start({ streamLimits: { maxBufferedBytes, flushMs: 10 } });
    const good = await open(web);
    const stuck = stuckClient(web);
    await good.waitFor('hello');
    await expect.poll(() => web.server.streamStats().clients).toBe(2);
    let peak = 0;
    // About 200 KB per round (under the quarter of the bound, so rows, not resync); loopback's buffers absorb a few MB first.
    for (let round = 0; round < 400 && web.server.streamStats().overflows === 0; round++) {
      for (const key of KEYS) web.status.update(key, { lastAppliedRevision: `${round}`.padStart(20_000, 'r') });
      await new Promise((r) => setTimeout(r, 15));
      peak = Math.max(peak, web.server.streamStats().maxQueuedBytes);
    }
    expect(web.server.streamStats()).toMatchObject({ clients: 1, overflows: 1 });
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(maxBufferedBytes);
    // Reading now, the stuck client finds its stream closed by the server (after at most the bound's worth of messages).
    let received = '';
    stuck.socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    stuck.socket.resume();
    await expect.poll(() => stuck.closed(), { timeout: 5_000 }).toBe(true);
    expect(received.length).toBeLessThan(16 * 1024 * 1024);
    // The reader that keeps up still gets every batch, and never a reset.
    web.status.update(KEYS[0] as string, { health: 'Missing' });
    await good.waitFor('service', (m) => m.row?.health === 'Missing');
    expect(good.messages.some((m) => m.type === 'reset')).toBe(false);
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
