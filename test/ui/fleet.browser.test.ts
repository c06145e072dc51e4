/**
 * The web UI in a real browser (issue 24, "Tests in a real browser"): Debian's
 * headless Chromium through playwright-core against a real `ecs-gitops run`
 * on a 10,000-service checkout in the sandbox (fleet-world.ts). Every page is
 * opened with its network limited to the controller's origin (anything else
 * is aborted and recorded), listens for CSP violations and console errors,
 * and keeps every response body it received, so each test also checks that
 * the page needs nothing from elsewhere and breaks no policy.
 *
 * Set-up time (checkout, seeding, the controller's cold start) is printed to
 * stderr; the file's wall time is mostly that.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { STREAM_PATH, type FleetPage } from '../../src/web/api-types.js';
import { ManifestDir, REGION, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { requireChromium } from '../support/browser.js';
import { browserForFile } from './browser-per-file.js';
import { expectCleanPage, watchPage, type WatchedPage } from './watched-page.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { requireProgram } from '../support/programs.js';
import { BROKEN, DRIFTED_COUNT, PLANTED_SECRETS, SERVICES, keyOf, startFleetWorld, type FleetWorld } from './fleet-world.js';

// The page's globals as these callbacks use them: the test tsconfig has no DOM lib.
declare const document: {
  readonly documentElement: { readonly outerHTML: string };
  readonly activeElement: { matches(selector: string): boolean } | null;
  addEventListener(type: string, listener: (event: { violatedDirective: string; blockedURI: string }) => void): void;
};
declare const window: Record<string, unknown>;
declare function getComputedStyle(element: unknown): { readonly backgroundColor: string };

const ACCOUNT = '310000000424';
const hasGit = requireProgram('git', 'apt-get install git');
const chromiumPath = hasGit ? requireChromium() : undefined;
const runs = hasGit && chromiumPath !== undefined;

/** What one page saw, for the checks every test ends with. */
interface Watched extends WatchedPage {
  /** Every finished response body except the event stream's (read separately: it never finishes). */
  readonly bodies: { url: string; body: string }[];
  readonly pending: Promise<void>[];
}

/** watchPage, keeping every response body too (the planted secrets must be in none). */
async function watchPageBodies(context: BrowserContext, origin: string): Promise<Watched> {
  const watched = await watchPage(context, origin);
  const bodies: { url: string; body: string }[] = [];
  const pending: Promise<void>[] = [];
  watched.page.on('response', (response) => {
    if ((response.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    pending.push(response.body().then((body) => void bodies.push({ url: response.url(), body: body.toString('utf8') }), () => undefined));
  });
  return { ...watched, bodies, pending };
}

const rowKeys = (page: Page) => page.locator('[data-testid=fleet-table] tbody tr[data-key]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key') ?? ''));

describe.skipIf(!runs)('the web UI in Chromium, 10,000 services', () => {
  const browser = browserForFile(chromiumPath);
  const lifetime = new AbortController();
  let world: FleetWorld;
  const opened: Watched[] = [];

  beforeAll(async () => {
    world = await startFleetWorld(ACCOUNT, lifetime.signal);
    const timings = Object.entries(world.timings).map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(', ');
    process.stderr.write(`[fleet.browser] set-up of ${SERVICES} services: ${timings}\n`);
  }, 300_000);
  afterAll(async () => {
    lifetime.abort();
    for (const w of opened) await w.context.close().catch(() => undefined);
    await world?.close();
  });

  async function openFleet(hash = '#/'): Promise<Watched> {
    const context = await browser().newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    const watched = await watchPageBodies(context, world.url);
    opened.push(watched);
    await watched.page.goto(`${world.url}/${hash}`);
    await watched.page.locator('html[data-fleet-ready=true]').waitFor();
    return watched;
  }

  it('shows the counts of all 10,000 services and a first page of 50 rows, then the next page', async () => {
    const watched = await openFleet();
    const { page } = watched;
    await expect.poll(() => page.locator('[data-count=total]').textContent()).toBe(String(SERVICES));
    const syncCounts = await page.locator('[data-count^="sync:"]').allTextContents();
    expect(syncCounts.map(Number).reduce((a, b) => a + b, 0)).toBe(SERVICES);
    expect(await page.locator('[data-count="health:Degraded"]').textContent()).toBe(String(BROKEN));
    const first = await rowKeys(page);
    expect(first).toHaveLength(50);
    expect(await page.getByTestId('page-info').textContent()).toBe(`1–50 of ${SERVICES}`);
    await page.getByTestId('page-next').click();
    await expect.poll(() => page.getByTestId('page-info').textContent()).toBe(`51–100 of ${SERVICES}`);
    const second = await rowKeys(page);
    expect(second).toHaveLength(50);
    expect(second.filter((key) => first.includes(key))).toEqual([]);
    expect(new URL(page.url()).hash).toContain('page=2');
    await expectCleanPage(watched);
  });

  it('filters by health on the server: Degraded shows only the services whose image does not exist', async () => {
    const watched = await openFleet();
    const { page } = watched;
    await page.locator('select[name=health]').selectOption('Degraded');
    await expect.poll(() => page.getByTestId('page-info').textContent()).toBe(`1–${BROKEN} of ${BROKEN}`);
    expect((await rowKeys(page)).sort()).toEqual(Array.from({ length: BROKEN }, (_, i) => keyOf(`ui-broken-${i}`)).sort());
    for (const text of await page.locator('tbody td[data-col=health]').allTextContents()) expect(text).toContain('Degraded');
    // Not colour alone: the cell's text says it, with its symbol.
    expect(await page.locator('tbody td[data-col=health]').first().textContent()).toMatch(/✕\s*Degraded/);
    expect(await page.locator('tbody td[data-col=service]').first().textContent()).toContain('CONTROLLER_IMAGE_NOT_FOUND');
    expect(new URL(page.url()).hash).toContain('health=Degraded');
    await expectCleanPage(watched);
  });

  it('searches by name (debounced, on the server)', async () => {
    const watched = await openFleet();
    const { page } = watched;
    await page.locator('input[name=q]').fill('ui-svc-12');
    // ui-svc-12, ui-svc-120…129, ui-svc-1200…1299: 111 of the 10,000.
    await expect.poll(() => page.getByTestId('page-info').textContent()).toBe('1–50 of 111');
    for (const name of await page.locator('tbody a[data-testid=service-link]').allTextContents()) expect(name).toContain('ui-svc-12');
    await expectCleanPage(watched);
  });

  it('opens a drifted service and shows its diff field by field', async () => {
    const watched = await openFleet();
    const { page } = watched;
    await page.locator(`tr[data-key="${keyOf('ui-drift')}"] a[data-testid=service-link]`).click();
    await page.getByTestId('service-view').waitFor();
    expect(new URL(page.url()).hash).toBe(`#/services/${encodeURIComponent(keyOf('ui-drift'))}`);
    const row = page.locator('[data-testid=service-diff] tr[data-pointer="/spec/desiredCount"]');
    await row.waitFor();
    expect(await row.locator('td[data-col=desired]').textContent()).toBe('1');
    expect(await row.locator('td[data-col=live]').textContent()).toBe(String(DRIFTED_COUNT));
    expect(await page.getByTestId('service-status').textContent()).toContain('OutOfSync');
    expect(await page.getByTestId('service-identity').textContent()).toContain(keyOf('ui-drift'));
    await expectCleanPage(watched);
  });

  it('shows a commit on its row within seconds, without a reload', async () => {
    const watched = await openFleet();
    const { page } = watched;
    const row = page.locator(`tr[data-key="${keyOf('ui-live')}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-updated-at')).toBeNull();
    await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
    // Survives only if the document is never reloaded.
    await page.evaluate(() => (window.sameDocument = 'still here'));
    const before = await row.locator('td[data-col=revision]').textContent();
    world.commitSpecial('ui-live', { desiredCount: 2 }, 'ui-live: two tasks');
    await expect.poll(() => row.getAttribute('data-updated-at'), { timeout: 15_000 }).not.toBeNull();
    const at = Number(await row.getAttribute('data-updated-at'));
    expect(Math.abs(Date.now() - at)).toBeLessThan(60_000);
    // The row now shows the commit it applied.
    await expect.poll(() => row.locator('td[data-col=revision]').textContent(), { timeout: 15_000 }).not.toBe(before);
    expect(await page.evaluate(() => window.sameDocument)).toBe('still here');
    const marks = await page.evaluate(() => performance.getEntriesByName('row-updated').map((m) => (m as unknown as { detail: { key: string } }).detail.key));
    expect(marks).toContain(keyOf('ui-live'));
    await expectCleanPage(watched);
  });

  it('never puts a planted secret in the DOM, an API response or the event stream', async () => {
    // The stream as the page gets it, read from the start by a second reader (the page's own never finishes).
    const streamAbort = new AbortController();
    let streamText = '';
    const stream = await fetch(`${world.url}${STREAM_PATH}`, { signal: streamAbort.signal, headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) streamText += decoder.decode(chunk, { stream: true });
    })().catch(() => undefined);
    try {
      const watched = await openFleet();
      const { page } = watched;
      const row = page.locator(`tr[data-key="${keyOf('ui-secret')}"]`);
      await row.waitFor();
      await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
      // A third value while the page and the stream are open: the status change goes through the stream.
      world.commitSpecial('ui-secret', { password: PLANTED_SECRETS[2], mode: 'detect' }, 'ui-secret: rotate DB_PASSWORD');
      await expect.poll(() => row.getAttribute('data-updated-at'), { timeout: 15_000 }).not.toBeNull();
      await row.locator('a[data-testid=service-link]').click();
      const diffRow = page.locator('[data-testid=service-diff] tr[data-pointer*="/environment/"]');
      await diffRow.waitFor();
      // The diff shows that the secret changed, masked on both sides.
      for (const side of ['desired', 'live']) expect(await diffRow.locator(`td[data-col=${side}]`).textContent()).toMatch(/DB_PASSWORD.*\*\*\*sha256:/s);
      await page.getByTestId('service-events').waitFor();
      await Promise.all(watched.pending);
      const html = await page.evaluate(() => document.documentElement.outerHTML);
      expect(watched.bodies.length).toBeGreaterThan(3);
      const apiBodies = watched.bodies.filter((b) => b.url.includes('/api/'));
      expect(apiBodies.some((b) => b.url.includes(encodeURIComponent('ui-secret')) || b.url.includes('/ui-secret'))).toBe(true);
      expect(streamText).toContain('ui-secret');
      for (const secret of PLANTED_SECRETS) {
        expect(html.includes(secret), `the DOM holds ${secret}`).toBe(false);
        for (const { url, body } of watched.bodies) expect(body.includes(secret), `${url} holds ${secret}`).toBe(false);
        expect(streamText.includes(secret), `the event stream holds ${secret}`).toBe(false);
      }
      await expectCleanPage(watched);
    } finally {
      streamAbort.abort();
      await reading;
    }
  });

  it('is keyboard navigable: Tab reaches the filters and a service link, Enter opens it', async () => {
    const watched = await openFleet();
    const { page } = watched;
    const reached = new Set<string>();
    const targets = { search: 'input[name=q]', health: 'select[name=health]', link: 'a[data-testid=service-link]' } as const;
    for (let i = 0; i < 80 && !reached.has('link'); i++) {
      await page.keyboard.press('Tab');
      for (const [name, selector] of Object.entries(targets)) {
        if (await page.evaluate((s) => document.activeElement?.matches(s) === true, selector)) reached.add(name);
      }
    }
    expect([...reached].sort()).toEqual(['health', 'link', 'search']);
    await page.keyboard.press('Enter');
    await page.getByTestId('service-view').waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/services\//);
    await expectCleanPage(watched);
  });

  it('follows the system theme: dark changes the background', async () => {
    const watched = await openFleet();
    const { page } = watched;
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    expect(dark).not.toBe(light);
    await expectCleanPage(watched);
  });

  it('answers the fleet API at 10,000 services with one page, never the whole fleet', async () => {
    const res = await fetch(`${world.url}/api/v1/services?health=Healthy&limit=50&sort=-lastSyncTime`);
    expect(res.status).toBe(200);
    const page = await res.json() as FleetPage;
    expect(page.items).toHaveLength(50);
    expect(page.counts.total).toBe(SERVICES);
    expect(page.matched).toBeGreaterThan(9_000);
  });
});

describe.skipIf(!runs)('the web UI behind --api-token-file', () => {
  const browser = browserForFile(chromiumPath);
  const TOKEN = 'browser-login-token-9f3e1c';
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let tmp: string;
  let cli: ReturnType<typeof startCliInProcess>;
  let url: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: '310000000425', region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    dir = await ManifestDir.create();
    await dir.write('web.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ui-login-'));
    const tokenFile = path.join(tmp, 'api-token');
    await writeFile(tokenFile, `${TOKEN}\n`);
    const env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_ACCESS_KEY_ID: '310000000425', AWS_SECRET_ACCESS_KEY: 'dummy', AWS_REGION: REGION };
    cli = startCliInProcess(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, '--resync', '30m', '--state-dir', path.join(tmp, 'state'), '--api-token-file', tokenFile], env);
    url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, () => cli.stdout().slice(-2000));
  }, 120_000);
  afterAll(async () => {
    cli?.stop();
    await cli?.exit.catch(() => undefined);
    await sandbox?.close();
    await dir?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('asks for the token, refuses a wrong one, and shows the fleet with the right one', async () => {
    const context = await browser().newContext();
    try {
      const watched = await watchPageBodies(context, url);
      const { page } = watched;
      await page.goto(`${url}/#/`);
      const form = page.locator('form[data-testid=login]');
      await form.waitFor();
      expect(await form.locator('input[name=token]').getAttribute('type')).toBe('password');
      await form.locator('input[name=token]').fill('not-the-token');
      await form.locator('button[type=submit]').click();
      await form.getByTestId('api-error').waitFor();
      await form.locator('input[name=token]').fill(TOKEN);
      await form.locator('button[type=submit]').click();
      await page.locator('html[data-fleet-ready=true]').waitFor();
      expect(await page.locator('[data-count=total]').textContent()).toBe('1');
      expect(await rowKeys(page)).toEqual([`${REGION}/demo/web`]);
      await expect.poll(() => page.getByTestId('live-indicator').textContent()).toContain('Live');
      // The token never reaches the DOM or a response (the session is an HttpOnly cookie).
      await Promise.all(watched.pending);
      expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(TOKEN);
      for (const { url: u, body } of watched.bodies) expect(body.includes(TOKEN), `${u} holds the token`).toBe(false);
      // The wrong token's 401 shows as the page's error, which the console also logs as a failed request.
      expect(watched.consoleErrors.filter((e) => !/401|Unauthorized/i.test(e))).toEqual([]);
      expect(watched.foreign).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows the login form again on an open, idle page when its session ends on the server', async () => {
    const context = await browser().newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${url}/#/`);
      const form = page.locator('form[data-testid=login]');
      await form.locator('input[name=token]').fill(TOKEN);
      await form.locator('button[type=submit]').click();
      await page.locator('html[data-fleet-ready=true]').waitFor();
      await expect.poll(() => page.getByTestId('live-indicator').textContent()).toContain('Live');
      // Another tab signs out: the session is revoked on the server. This page makes no request of its own while
      // nothing changes; the stream, checked at each heartbeat (15 s), ends with reset `unauthorized` and the page's
      // refetch meets the 401.
      // A second stream in the page records why the server ends it (the page's own refetch could also come from a poll).
      await page.evaluate(() => {
        const resets: string[] = [];
        Object.assign(window, { streamResets: resets });
        new EventSource('/api/v1/stream').addEventListener('reset', (e) => resets.push((JSON.parse((e as unknown as { data: string }).data) as { reason: string }).reason));
      });
      expect(await page.evaluate(async () => (await fetch('/api/v1/session', { method: 'DELETE' })).status)).toBe(204);
      await expect.poll(() => page.evaluate(() => (window as unknown as { streamResets: string[] }).streamResets), { timeout: 40_000 }).toContain('unauthorized');
      await form.waitFor({ timeout: 40_000 });
      await form.locator('input[name=token]').fill(TOKEN);
      await form.locator('button[type=submit]').click();
      await page.locator('[data-testid=fleet-table] tbody tr').first().waitFor();
      await expect.poll(() => page.getByTestId('live-indicator').textContent(), { timeout: 10_000 }).toContain('Live');
    } finally {
      await context.close();
    }
  }, 90_000);
});
