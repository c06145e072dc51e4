/**
 * Scenario 8 (issue 24): the web UI of a controller with N services in sync,
 * measured in headless Chromium (Debian's package, driven by playwright-core;
 * test/support/browser.ts) the way a person meets it:
 *
 * - cold load: a new browser context (empty cache, no cookies) opens the
 *   fleet view; time to first meaningful paint is the page's own
 *   `performance.mark('fleet-rendered')` (set once the first page's rows are
 *   in the DOM, docs/ui.md), relative to navigation start; bytes are what
 *   went over the wire for it (CDP Network.loadingFinished encodedDataLength:
 *   headers and compressed bodies of every finished request; the event
 *   stream never finishes and Chromium reports its chunks as 0 encoded
 *   bytes, so its few hundred bytes of hello and counts are left out);
 * - status change to display: with one page open, a commit changes one
 *   service on the page at a time; for every `row-updated` mark the page
 *   sets, delay = performance.timeOrigin + mark.startTime − detail.at (the
 *   server's clock when it wrote the status; same machine, same clock);
 * - the fleet API: GET /api/v1/services (the filter/sort/offset shapes a
 *   person's clicks make) at N services, from Node, right after the changes
 *   above (the first request of a shape after a status change sorts again:
 *   the max) and then on a quiet controller.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { git, REGION } from '../lib/fixture.js';
import { percentile } from '../lib/stats.js';
import { FLEET_PATH } from '../../src/web/api-types.js';

/** The services a bench commit changes: their own files in the fleet's first cluster, so their keys sort onto the first page. */
export const LIVE_SERVICE_PREFIX = 'ui-live-';

export interface LiveServices {
  readonly names: readonly string[];
  readonly cluster: string;
  /** The service's key as the API and the page name it. */
  key(name: string): string;
  /** Writes (or rewrites) the manifests of every live service; desiredCount per name. */
  write(desiredCounts?: ReadonlyMap<string, number>): void;
  /** Sets one service's desiredCount and commits it; returns the epoch ms just before the write. */
  commit(name: string, desiredCount: number): number;
}

/** `count` single-service manifests in `cluster` of the checkout at `root` (the fleet's Fargate shape, its own family). */
export function liveServices(root: string, cluster: string, count: number): LiveServices {
  const names = Array.from({ length: count }, (_, i) => `${LIVE_SERVICE_PREFIX}${String(i).padStart(2, '0')}`);
  const counts = new Map(names.map((n) => [n, 1]));
  const file = (name: string) => path.join(root, 'services', `${name}.yaml`);
  const manifest = (name: string) => stringify({
    apiVersion: 'ecs-gitops/v1',
    kind: 'Service',
    metadata: { name, cluster, region: REGION },
    spec: {
      desiredCount: counts.get(name) ?? 1,
      launchType: 'FARGATE',
      taskDefinition: {
        family: `${name}-td`, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27.0', portMappings: [{ containerPort: 8080 }] }],
      },
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60003'] } },
    },
  });
  return {
    names,
    cluster,
    key: (name) => `${REGION}/${cluster}/${name}`,
    write(desiredCounts) {
      for (const [name, n] of desiredCounts ?? []) counts.set(name, n);
      for (const name of names) writeFileSync(file(name), manifest(name));
    },
    commit(name, desiredCount) {
      counts.set(name, desiredCount);
      const at = Date.now();
      writeFileSync(file(name), manifest(name));
      git(root, 'commit', '-q', '-a', '-m', `${name}: desiredCount ${desiredCount}`);
      return at;
    },
  };
}

export interface ColdLoad {
  /** performance.mark('fleet-rendered').startTime: ms after navigation start. */
  readonly fleetRenderedMs: number;
  /** Encoded bytes over the wire for the view (headers + compressed bodies of every finished request; not the open stream's). */
  readonly bytes: number;
  readonly requests: number;
  /** Bytes per URL path, for the details. */
  readonly byPath: Readonly<Record<string, number>>;
}

/** Opens the fleet view in a new context (empty cache) and measures it; `settleMs` after the mark catches late requests. */
export async function measureColdLoad(browser: Browser, url: string, settleMs = 1_000): Promise<ColdLoad> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const paths = new Map<string, string>();
    const bytes = new Map<string, number>();
    cdp.on('Network.requestWillBeSent', (e) => paths.set(e.requestId, new URL(e.request.url).pathname));
    // Finished requests report their total; the stream never finishes, so its chunks are summed as they arrive.
    cdp.on('Network.dataReceived', (e) => bytes.set(e.requestId, (bytes.get(e.requestId) ?? 0) + e.encodedDataLength));
    cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, e.encodedDataLength));
    await page.goto(`${url}/#/`);
    await page.locator('html[data-fleet-ready=true]').waitFor({ timeout: 60_000 });
    const fleetRenderedMs = await page.evaluate(() => performance.getEntriesByName('fleet-rendered')[0]?.startTime ?? Number.NaN);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const byPath: Record<string, number> = {};
    for (const [id, n] of bytes) {
      const p = paths.get(id) ?? '?';
      byPath[p] = (byPath[p] ?? 0) + n;
    }
    return { fleetRenderedMs, bytes: [...bytes.values()].reduce((a, b) => a + b, 0), requests: paths.size, byPath };
  } finally {
    await context.close();
  }
}

export interface UpdateDelays {
  readonly changes: number;
  /** One per row-updated mark the page set for a changed service (a change may write its status more than once). */
  readonly delaysMs: readonly number[];
  readonly medianMs: number;
  readonly maxMs: number;
  /** Changes whose row never showed an update within the wait. */
  readonly missed: number;
}

interface RowMark { readonly key: string; readonly at: number; readonly shownAt: number }

/**
 * With one page open on the fleet view (first page, sorted by key, where the
 * live services are), commits one change at a time to each live service and
 * waits for its row to show it; then reads every row-updated mark.
 */
export async function measureUpdateDelays(browser: Browser, url: string, live: LiveServices, changes: number, perChangeTimeoutMs = 15_000): Promise<UpdateDelays> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(`${url}/#/`);
    await page.locator('html[data-fleet-ready=true]').waitFor({ timeout: 60_000 });
    await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
    for (const name of live.names) {
      const row = page.locator(`tr[data-key="${live.key(name)}"]`);
      if (await row.count() !== 1) throw new Error(`bench ui: ${live.key(name)} is not on the fleet view's first page`);
    }
    const marks = () => page.evaluate(() => performance.getEntriesByName('row-updated').map((m) => {
      const detail = (m as unknown as { detail: { key: string; at: number } }).detail;
      return { key: detail.key, at: detail.at, shownAt: performance.timeOrigin + m.startTime };
    }));
    let missed = 0;
    const changedKeys = new Set<string>();
    for (let i = 0; i < changes; i++) {
      const name = live.names[i % live.names.length] ?? '';
      const key = live.key(name);
      changedKeys.add(key);
      const committedAt = live.commit(name, 2 + Math.floor(i / live.names.length) % 2);
      const deadline = Date.now() + perChangeTimeoutMs;
      for (;;) {
        if ((await marks()).some((m) => m.key === key && m.at >= committedAt)) break;
        if (Date.now() > deadline) {
          missed++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Let the change's later status writes (the rollout's end) arrive before the next commit.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const all: RowMark[] = (await marks()).filter((m) => changedKeys.has(m.key));
    const delaysMs = all.map((m) => m.shownAt - m.at);
    return { changes, delaysMs, medianMs: percentile(delaysMs, 50), maxMs: Math.max(...delaysMs), missed };
  } finally {
    await context.close();
  }
}

export interface FleetApiLatency {
  readonly samplesMs: readonly number[];
  readonly p50Ms: number;
  readonly maxMs: number;
  /** Bytes of one default page (50 rows and the counts), uncompressed JSON. */
  readonly pageBytes: number;
}

/** The shapes of GET /api/v1/services a person's clicks produce. */
export const FLEET_API_QUERIES = ['', '?health=Healthy', '?q=svc-12', '?sort=-lastSyncTime', '?offset=5000&limit=50', '?cluster=ui-cluster-3&sync=Synced&sort=-service'] as const;

/** Each query `rounds` times from Node (a keep-alive fetch), timed to the last body byte. */
export async function measureFleetApi(url: string, rounds: number): Promise<FleetApiLatency> {
  const samplesMs: number[] = [];
  let pageBytes = 0;
  for (let r = 0; r < rounds; r++) {
    for (const query of FLEET_API_QUERIES) {
      const started = performance.now();
      const res = await fetch(`${url}${FLEET_PATH}${query}`);
      const body = await res.text();
      samplesMs.push(performance.now() - started);
      if (!res.ok) throw new Error(`bench ui: GET ${FLEET_PATH}${query} answered ${res.status}: ${body.slice(0, 300)}`);
      if (query === '') pageBytes = Buffer.byteLength(body);
    }
  }
  return { samplesMs, p50Ms: percentile(samplesMs, 50), maxMs: Math.max(...samplesMs), pageBytes };
}
