/**
 * Replicas and shards in the web UI (--ha-table, docs/ha.md), in Debian's
 * headless Chromium through playwright-core: real HTTP servers
 * (startHttpServer over a StatusStore whose readHaFrom answers a fixture, as
 * the lease manager does) serving this run's UI build. A replica holding a
 * shard shows "replica <id> · holds N of M shards" in the header and the
 * shard table under the fleet; a standby's empty fleet says it is a standby
 * and names the holders instead of "no services"; without --ha-table none of
 * it appears. Every page is checked for console errors, CSP violations and
 * requests to other origins.
 */
import type { BrowserContext } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StatusStore, type ServiceStatus } from '../../src/controller/status.js';
import type { HaStatus } from '../../src/ha/types.js';
import { startHttpServer, type RunningHttpServer } from '../../src/observe/http-server.js';
import { requireChromium } from '../support/browser.js';
import { browserForFile } from './browser-per-file.js';
import { expectCleanPage, watchPage, type WatchedPage } from './watched-page.js';

const chromiumPath = requireChromium();

const SHARD_0 = '310000000025/eu-west-1#0';
const SHARD_1 = '310000000025/eu-west-1#1';
const SHARD_2 = '310000000025/us-east-1#0';
const TIMINGS = { leaseMs: 15_000, renewMs: 5_000, clockSkewMs: 1_000, fenceMarginMs: 2_000 };
const MEMBERS = [
  { replicaId: 'ctl-a', heartbeatAt: '2026-05-01T10:00:00.000Z', startedAt: '2026-05-01T09:00:00.000Z' },
  { replicaId: 'ctl-b', heartbeatAt: '2026-05-01T10:00:01.000Z', startedAt: '2026-05-01T09:10:00.000Z' },
  { replicaId: 'ctl-c', heartbeatAt: '2026-05-01T10:00:02.000Z', startedAt: '2026-05-01T09:20:00.000Z' },
];
const SHARDS = [
  { shard: SHARD_0, holder: 'ctl-a', epoch: 7, expiresAt: '2026-05-01T10:00:15.000Z', assignedTo: 'ctl-a' },
  { shard: SHARD_1, holder: 'ctl-b', epoch: 3, expiresAt: '2026-05-01T10:00:16.000Z', assignedTo: 'ctl-b' },
  // Its holder died and no one has taken it yet.
  { shard: SHARD_2, epoch: 2, assignedTo: 'ctl-a' },
];
const base = { table: 'ecs-gitops-leases', members: MEMBERS, shards: SHARDS, lastTableReadAt: '2026-05-01T10:00:02.000Z', timings: TIMINGS, takeoverBoundMs: 21_000 };
const HOLDER: HaStatus = { ...base, replicaId: 'ctl-b', held: [SHARD_1] };
const STANDBY: HaStatus = { ...base, replicaId: 'ctl-c', held: [] };

function service(name: string): ServiceStatus {
  return { key: `eu-west-1/prod/${name}`, region: 'eu-west-1', cluster: 'prod', service: name, sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [] };
}

async function serve(ha: HaStatus | undefined, services: readonly ServiceStatus[]): Promise<RunningHttpServer> {
  const status = new StatusStore();
  for (const s of services) status.update(s.key, {}, s);
  status.setSnapshot('0123456789abcdef0123456789abcdef01234567', '2026-05-01T09:00:00Z', 0);
  if (ha) status.readHaFrom(() => ha);
  return startHttpServer({
    host: '127.0.0.1', port: 0, registry: new Registry(), status,
    readiness: () => ({ ready: true, reasons: [] }),
    uiAssetsDir: inject('uiBuild').outDir,
  });
}

const text = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(chromiumPath === undefined)('replicas and shards in the web UI (Chromium)', () => {
  const browser = browserForFile(chromiumPath);
  const servers: RunningHttpServer[] = [];
  const contexts: BrowserContext[] = [];
  let holder: RunningHttpServer;
  let standby: RunningHttpServer;
  let single: RunningHttpServer;

  beforeAll(async () => {
    holder = await serve(HOLDER, [service('api'), service('web')]);
    standby = await serve(STANDBY, []);
    single = await serve(undefined, []);
    servers.push(holder, standby, single);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    for (const server of servers) await server.close();
  });

  async function open(server: RunningHttpServer): Promise<WatchedPage> {
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const watched = await watchPage(context, server.url);
    await watched.page.goto(`${server.url}/#/`);
    await watched.page.locator('html[data-fleet-ready=true]').waitFor();
    return watched;
  }

  it('a holder: the header badge, the shard table with this replica marked, the live replicas, and its services', async () => {
    const watched = await open(holder);
    const { page } = watched;
    await expect.poll(async () => text(await page.locator('[data-testid=ha-badge]').textContent())).toBe('replica ctl-b · holds 1 of 3 shards');
    await expect.poll(() => page.locator('[data-testid=fleet-table] tbody tr[data-key]').count()).toBe(2);
    const panel = page.locator('[data-testid=ha-panel]');
    await panel.waitFor();
    expect(text(await panel.locator('caption').textContent())).toMatch(/^3 shards in lease table ecs-gitops-leases; this is replica ctl-b; read /);
    const rows = await panel.locator('[data-testid=ha-shards] tbody tr').evaluateAll((trs) => trs.map((tr) => [
      tr.getAttribute('data-shard'),
      ...[...tr.children].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim()),
    ]));
    expect(rows).toEqual([
      [SHARD_0, SHARD_0, 'ctl-a', '7', '2026-05-01 10:00:15Z', 'ctl-a'],
      [SHARD_1, SHARD_1, 'ctl-bthis replica', '3', '2026-05-01 10:00:16Z', 'ctl-bthis replica'],
      [SHARD_2, SHARD_2, 'no holder', '2', '—', 'ctl-a'],
    ]);
    // Row headers and column headers carry their scope (screen readers announce a cell with both).
    expect(await panel.locator('tbody th[scope=row]').count()).toBe(3);
    expect(await panel.locator('thead th[scope=col]').count()).toBe(5);
    const members = await panel.locator('[data-testid=ha-members] li').evaluateAll((lis) => lis.map((li) => (li.textContent ?? '').replace(/\s+/g, ' ').trim()));
    expect(members).toEqual([
      'ctl-a: last heartbeat 2026-05-01 10:00:00Z, started 2026-05-01 09:00:00Z',
      'ctl-bthis replica: last heartbeat 2026-05-01 10:00:01Z, started 2026-05-01 09:10:00Z',
      'ctl-c: last heartbeat 2026-05-01 10:00:02Z, started 2026-05-01 09:20:00Z',
    ]);
    expect(await page.locator('[data-testid=ha-standby]').count()).toBe(0);
    await expectCleanPage(watched);
  });

  it('a standby: its empty fleet says it holds no shard and names the holders, not "no services"', async () => {
    const watched = await open(standby);
    const { page } = watched;
    await expect.poll(async () => text(await page.locator('[data-testid=ha-badge]').textContent())).toBe('replica ctl-c · holds 0 of 3 shards');
    const notice = page.locator('[data-testid=fleet-table] [data-testid=ha-standby]');
    await notice.waitFor();
    expect(text(await notice.locator('p').first().textContent()))
      .toBe('This replica is a standby: it holds no shard. Services are shown by the replica that holds their shard:');
    const holders = await notice.locator('li').evaluateAll((lis) => lis.map((li) => (li.textContent ?? '').replace(/\s+/g, ' ').trim()));
    expect(holders).toEqual([`replica ctl-a: ${SHARD_0}`, `replica ctl-b: ${SHARD_1}`, `no holder: ${SHARD_2}`]);
    expect(await page.getByText('No services match these filters.').count()).toBe(0);
    expect(await page.locator('[data-testid=ha-shards] tbody tr').count()).toBe(3);
    await expectCleanPage(watched);
  });

  it('without --ha-table: no badge, no shard panel, and the usual empty state', async () => {
    const watched = await open(single);
    const { page } = watched;
    await expect.poll(async () => text(await page.locator('[data-testid=fleet-table] tbody tr.empty').textContent())).toBe('No services match these filters.');
    // /api/v1/ha has answered by now ("not HA"): it is asked with the fleet page's request.
    await expect.poll(() => page.evaluate(() => performance.getEntriesByType('resource').some((entry) => entry.name.includes('/api/v1/ha')))).toBe(true);
    expect(await page.locator('[data-testid=ha-badge]').count()).toBe(0);
    expect(await page.locator('[data-testid=ha-panel]').count()).toBe(0);
    // Asked with ?optional=true, so no 404, which Chromium would log as a console error on every non-HA controller's page.
    await expectCleanPage(watched);
  });
});
