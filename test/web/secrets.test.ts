/**
 * Planted secrets never leave through the web UI's surface: the page, every
 * fleet page, the service detail and the stream. The status is written
 * through the StatusStore as the controller writes it (its lastError masked
 * on the way in), plus a diff and an event holding a secret the controller
 * failed to mask (the server's scrubSecrets must catch those).
 * test/security/secrets.sandbox.test.ts covers the full controller run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FLEET_PATH, STREAM_PATH, type FleetPage } from '../../src/web/api-types.js';
import { SseReader, fakeUiBuild, serviceStatus, startWebServer, type WebServer } from './web-support.js';

const PLANTED = {
  password: 'PLANTED-web-pw-3e7a',
  urlPassword: 'PLANTED-web-url-91cc',
  token: 'PLANTED-web-tok-0b0b',
  event: 'PLANTED-web-event-5d5d',
};
const leaks = (text: string) => Object.values(PLANTED).filter((p) => text.includes(p));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('planted secrets and the web UI', () => {
  it('are absent from /, every fleet page, the detail and the stream', async () => {
    const build = fakeUiBuild();
    cleanups.push(() => build.dispose());
    const seed = Array.from({ length: 30 }, (_, i) => serviceStatus(`svc-${i}`));
    const web: WebServer = await startWebServer({ uiAssetsDir: build.dir }, seed);
    cleanups.push(() => web.server.close());
    const stream = await SseReader.open(`${web.server.url}${STREAM_PATH}`);
    cleanups.push(() => stream.close());
    await stream.waitFor('hello');
    const collected: string[] = [];
    const grab = async (path: string) => {
      const text = await (await fetch(`${web.server.url}${path}`)).text();
      collected.push(text);
      return text;
    };

    const key = 'eu-west-1/prod/svc-7';
    web.status.update(key, {
      sync: 'OutOfSync',
      health: 'Degraded',
      lastError: { code: 'CONTROLLER_APPLY_FAILED', message: `git fetch https://deploy:${PLANTED.urlPassword}@git.example.com/x failed; retry with --token=${PLANTED.token}`, at: '2026-01-01T00:00:00Z' },
      diff: [
        { pointer: '/spec/taskDefinition/containerDefinitions/0/environment/0', kind: 'changed', scope: 'taskDefinition', desired: { name: 'DB_PASSWORD', value: PLANTED.password }, live: { name: 'DB_PASSWORD', value: 'old' } },
      ],
    });
    web.events.append({ type: 'ReconcileFailing', service: key, revision: 'abc1234', at: new Date().toISOString(), message: `failing: API_TOKEN=${PLANTED.event}`, code: 'CONTROLLER_APPLY_FAILED' } as never);
    await stream.waitFor('event');
    await stream.waitFor('service', (m) => m.key === key);

    await grab('/');
    const first = JSON.parse(await grab(`${FLEET_PATH}?limit=10`)) as FleetPage;
    for (let offset = 10; offset < first.matched; offset += 10) await grab(`${FLEET_PATH}?limit=10&offset=${offset}`);
    await grab(`${FLEET_PATH}?q=svc-7&sort=-health`);
    const detail = await grab(`/api/v1/services/${key}`);
    await grab(`/api/v1/events?service=${encodeURIComponent(key)}`);
    stream.close();
    await stream.done;
    const streamed = JSON.stringify(stream.messages);
    collected.push(streamed);

    // The data really went through: the detail shows the (masked) diff and error, the stream the row and the event.
    expect(detail).toContain('DB_PASSWORD');
    expect(detail).toContain('git.example.com');
    expect(streamed).toContain('ReconcileFailing');
    expect(streamed).toContain('"health":"Degraded"');
    expect(leaks(collected.join('\n'))).toEqual([]);
  });
});
