/**
 * The stream's metrics on /metrics: open streams, refusals beyond the limit,
 * resyncs of large batches (docs/observability.md "Web UI").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { STREAM_PATH } from '../../src/web/api-types.js';
import { SseReader, serviceStatus, startWebServer, type WebServer } from './web-support.js';

async function metric(web: WebServer, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${web.server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('web UI stream metrics', () => {
  let web: WebServer | undefined;
  const readers: SseReader[] = [];
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await web?.server.close();
    web = undefined;
  });

  it('count open streams, refused streams and resyncs', async () => {
    const fleet = Array.from({ length: 30 }, (_, i) => serviceStatus(`svc-${i}`));
    web = await startWebServer({ streamLimits: { maxClients: 2, resyncAboveMessages: 10 } }, fleet);
    expect(await metric(web, 'ecs_gitops_ui_streams')).toBe(0);
    expect(await metric(web, 'ecs_gitops_ui_streams_refused_total')).toBe(0);
    for (let i = 0; i < 2; i++) {
      const reader = await SseReader.open(`${web.server.url}${STREAM_PATH}`);
      readers.push(reader);
      await reader.waitFor('hello');
    }
    expect(await metric(web, 'ecs_gitops_ui_streams')).toBe(2);
    const third = await fetch(`${web.server.url}${STREAM_PATH}`);
    expect(third.status).toBe(503);
    await third.body?.cancel();
    expect(await metric(web, 'ecs_gitops_ui_streams_refused_total')).toBe(1);

    // 30 services change in one batch, over the limit of 10: one resync.
    for (const s of fleet) web.status.update(s.key, { health: 'Degraded' });
    await readers[0]!.waitFor('resync');
    expect(await metric(web, 'ecs_gitops_ui_stream_resyncs_total')).toBe(1);
    expect(await metric(web, 'ecs_gitops_ui_stream_overflows_total')).toBe(0);
    // Counters never go back, and a second scrape without news reports the same.
    expect(await metric(web, 'ecs_gitops_ui_stream_resyncs_total')).toBe(1);

    readers.splice(0).forEach((r) => r.close());
    await expect.poll(() => metric(web!, 'ecs_gitops_ui_streams')).toBe(0);
  });
});
