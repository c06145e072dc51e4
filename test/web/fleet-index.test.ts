/**
 * The fleet index over a real StatusStore, and the routes that read it:
 * GET /api/v1/services (pages, 400 naming the parameter) and the service
 * detail's links (commit, error hint, runbook anchor).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusStore } from '../../src/controller/status.js';
import { FLEET_PATH, type FleetPage, type ServiceDetail } from '../../src/web/api-types.js';
import { FleetIndex, type FleetChange } from '../../src/web/fleet-index.js';
import { parseFleetQuery, queryFleet, serviceRow, type FleetQuery } from '../../src/web/fleet-query.js';
import { serviceStatus, startWebServer, type WebServer } from './web-support.js';

const opened: WebServer[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.server.close()));
});

function fleetOf(n: number): StatusStore {
  const store = new StatusStore();
  for (let i = 0; i < n; i++) {
    const s = serviceStatus(`svc-${String(i).padStart(5, '0')}`, {
      cluster: `c${i % 7}`,
      health: i % 13 === 0 ? 'Degraded' : 'Healthy',
      lastSyncTime: new Date(Date.UTC(2026, 0, 1) + (i * 7919) % 100_000).toISOString(),
    });
    store.update(s.key, {}, s);
  }
  return store;
}

describe('FleetIndex', () => {
  it('follows writes and removals with a growing version, and reports each change with its write time', () => {
    const store = fleetOf(3);
    let now = 1_000;
    const index = new FleetIndex(store, { now: () => now });
    const changes: FleetChange[] = [];
    index.onChange((c) => changes.push(c));
    expect(index.size).toBe(3);
    expect(index.version).toBe(0);
    const key = 'eu-west-1/c1/svc-00001';
    now = 2_000;
    store.update(key, { health: 'Missing' });
    expect(index.version).toBe(1);
    expect(index.get(key)?.health).toBe('Missing');
    expect(index.counts().health.Missing).toBe(1);
    now = 3_000;
    store.remove(key);
    expect(index.get(key)).toBeUndefined();
    expect(index.counts().total).toBe(2);
    expect(changes).toEqual([
      { key, row: expect.objectContaining({ health: 'Missing' }), version: 1, at: 2_000 },
      { key, version: 2, at: 3_000 },
    ]);
    index.close();
    store.update('eu-west-1/c0/svc-00000', { health: 'Missing' });
    expect(index.version).toBe(2);
  });

  it('reports no change for a write that only moves lastSyncTime, yet pages and sorts see the new time', () => {
    const store = fleetOf(3);
    const index = new FleetIndex(store);
    const changes: FleetChange[] = [];
    index.onChange((c) => changes.push(c));
    const byTime = parseFleetQuery(new URLSearchParams('sort=-lastSyncTime')) as FleetQuery;
    index.sorted(byTime);
    const key = 'eu-west-1/c0/svc-00000';
    store.update(key, { lastSyncTime: '2030-01-01T00:00:00.000Z' });
    store.update(key, {});
    expect(changes).toEqual([]);
    expect(index.version).toBe(2);
    expect(index.get(key)?.lastSyncTime).toBe('2030-01-01T00:00:00.000Z');
    expect(index.sorted(byTime)[0]?.key).toBe(key);
    // Any other field, or lastSyncTime with it, is a change.
    store.update(key, { lastSyncTime: '2030-01-02T00:00:00.000Z', lastAppliedRevision: 'def5678' });
    store.update('eu-west-1/c1/svc-00001', { driftCause: 'live' });
    expect(changes.map((c) => [c.key, c.row?.lastSyncTime])).toEqual([[key, '2030-01-02T00:00:00.000Z'], ['eu-west-1/c1/svc-00001', expect.any(String)]]);
    index.close();
  });

  it('reports a change of the values in the diff even when the row stays the same, for an open service view', () => {
    const store = fleetOf(2);
    const key = 'eu-west-1/c0/svc-00000';
    const change = (desired: string) => ({ pointer: '/taskDefinition/containerDefinitions/0/environment/0', kind: 'changed' as const, scope: 'taskDefinition' as const, desired, live: '***sha256:aaaa' });
    store.update(key, { sync: 'OutOfSync', diff: [change('***sha256:1111')] });
    const index = new FleetIndex(store);
    const changes: FleetChange[] = [];
    index.onChange((c) => changes.push(c));
    // A pass rebuilds the same diff: equal by value, so nothing to stream.
    store.update(key, { diff: [change('***sha256:1111')], lastSyncTime: '2030-01-01T00:00:00.000Z' });
    expect(changes).toEqual([]);
    // The secret is rotated again in Git: same sync, same one change, other value.
    store.update(key, { diff: [change('***sha256:2222')] });
    expect(changes.map((c) => [c.key, c.row?.changes, c.row?.sync])).toEqual([[key, 1, 'OutOfSync']]);
    index.close();
  });

  it('answers as queryFleet over the store does, and sorts and counts once per version', () => {
    const store = fleetOf(500);
    const index = new FleetIndex(store);
    for (const text of ['', 'health=Degraded&sort=-lastSyncTime&offset=5&limit=7', 'cluster=c3,c4&q=svc-001&sort=cluster', 'sort=-key&limit=500']) {
      const query = parseFleetQuery(new URLSearchParams(text)) as FleetQuery;
      expect(index.query(query)).toEqual(queryFleet(store.list().map(serviceRow), query));
    }
    const query = parseFleetQuery(new URLSearchParams('sort=-lastSyncTime')) as FleetQuery;
    const sorted = index.sorted(query);
    expect(index.sorted(query)).toBe(sorted);
    const counts = index.counts();
    expect(index.counts()).toBe(counts);
    store.update('eu-west-1/c0/svc-00000', { health: 'Healthy' });
    expect(index.sorted(query)).not.toBe(sorted);
    expect(index.counts()).not.toBe(counts);
    // Patched orders (a few writes) and rebuilt ones (many) both equal a fresh sort.
    for (const writes of [3, 400]) {
      for (let i = 0; i < writes; i++) {
        const key = `eu-west-1/c${(i * 37) % 7}/svc-${String((i * 37) % 500).padStart(5, '0')}`;
        if (i % 50 === 7) store.remove(key);
        else if (store.get(key)) store.update(key, { lastSyncTime: new Date(Date.UTC(2027, 0, 1) - i * 1000).toISOString() });
      }
      for (const text of ['sort=-lastSyncTime', 'sort=key', 'health=Degraded&sort=cluster']) {
        const q = parseFleetQuery(new URLSearchParams(`${text}&limit=500`)) as FleetQuery;
        expect(index.query(q)).toEqual(queryFleet(store.list().map(serviceRow), q));
      }
    }
  });

  it('keeps a page request cheap at 10,000 services (measured; the number is in docs/ui.md)', () => {
    const store = fleetOf(10_000);
    const index = new FleetIndex(store);
    const queries = ['', 'health=Degraded', 'q=svc-0999&sort=-lastSyncTime', 'sort=cluster&offset=9950'].map((t) => parseFleetQuery(new URLSearchParams(t)) as FleetQuery);
    for (const q of queries) index.query(q);
    const quiet = timeEach(200, (i) => index.query(queries[i % queries.length] as FleetQuery));
    // After a write every sort order is stale: the first request of each order sorts again.
    const afterWrite = timeEach(40, (i) => {
      store.update('eu-west-1/c0/svc-00000', { lastSyncTime: new Date(i).toISOString() });
      index.query(queries[2] as FleetQuery);
    });
    const naive = timeEach(20, () => queryFleet(store.list().map(serviceRow), queries[2] as FleetQuery));
    console.log(`fleet page at 10,000 services: ${quiet.toFixed(2)} ms median quiet, ${afterWrite.toFixed(2)} ms after a write, ${naive.toFixed(2)} ms listing and sorting the store per request`);
    expect(quiet).toBeLessThan(naive);
    expect(quiet).toBeLessThan(20);
  });
});

function timeEach(runs: number, run: (i: number) => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

describe('GET /api/v1/services', () => {
  it('answers a page with the whole fleet\'s counts, the version and the revision', async () => {
    const web = await startWebServer({}, fleetOf(120).list());
    opened.push(web);
    const res = await fetch(`${web.server.url}${FLEET_PATH}?health=Degraded&sort=-service&limit=3&offset=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = (await res.json()) as FleetPage;
    expect(page).toMatchObject({ version: 0, revision: '0123456789abcdef0123456789abcdef01234567', snapshotLoaded: true, matched: 10, offset: 1, limit: 3, sort: '-service' });
    expect(page.counts.total).toBe(120);
    expect(page.counts.health.Degraded).toBe(10);
    expect(page.items.map((r) => r.service)).toEqual(['svc-00104', 'svc-00091', 'svc-00078']);
    web.status.update(page.items[0]?.key ?? '', { health: 'Healthy' });
    expect(((await (await fetch(`${web.server.url}${FLEET_PATH}?health=Degraded`)).json()) as FleetPage)).toMatchObject({ version: 1, matched: 9 });
  });

  it.each([
    ['limit=501', 'limit'],
    ['health=sick', 'health'],
    ['sort=-nope', 'sort'],
    ['page=2', 'page'],
  ])('answers %s with 400 naming %s', async (query, parameter) => {
    const web = await startWebServer();
    opened.push(web);
    const res = await fetch(`${web.server.url}${FLEET_PATH}?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'HTTP_BAD_REQUEST', parameter } });
  });
});

describe('the service detail\'s links', () => {
  it('adds commitUrl from the source URL, and the error\'s hint and runbook anchor', async () => {
    const sha = 'fedcba9876543210fedcba9876543210fedcba98';
    const web = await startWebServer({}, [serviceStatus('web', {
      lastAppliedRevision: sha,
      lastError: { code: 'CONTROLLER_ROLLOUT_FAILED', message: 'rollout failed', at: '2026-01-01T00:00:00Z' },
    })]);
    opened.push(web);
    web.status.setSource({ kind: 'git', url: 'git@gitlab.com:platform/deploy.git', ref: 'main', consecutiveFailures: 0 });
    const detail = (await (await fetch(`${web.server.url}/api/v1/services/eu-west-1/prod/web`)).json()) as ServiceDetail;
    expect(detail.commitUrl).toBe(`https://gitlab.com/platform/deploy/-/commit/${sha}`);
    expect(detail.errorHint).toMatch(/^Read the service events/);
    expect(detail.errorRunbookUrl).toBe('https://github.com/ecs-gitops/ecs-gitops/blob/main/docs/errors.md#controller_rollout_failed');
    // The anchor exists in the committed doc.
    expect(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')).toContain('<a id="controller_rollout_failed"></a>');
  });

  it('has no links without a known repository, revision or error', async () => {
    const web = await startWebServer({}, [serviceStatus('web', { lastAppliedRevision: 'main' })]);
    opened.push(web);
    const detail = (await (await fetch(`${web.server.url}/api/v1/services/eu-west-1/prod/web`)).json()) as ServiceDetail;
    expect(detail).not.toHaveProperty('commitUrl');
    expect(detail).not.toHaveProperty('errorHint');
    expect(detail).not.toHaveProperty('errorRunbookUrl');
  });
});
