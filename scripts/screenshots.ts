/**
 * `npx tsx scripts/screenshots.ts`: the README's pictures of the web UI,
 * docs/images/ui-fleet.png and docs/images/ui-service.png, made the way a
 * reader meets the page: the quick start (`ecs-gitops start`, what `npm start`
 * runs, src/cli/commands/start.ts) on a copy of this repository's manifests/,
 * opened in headless Chromium (test/support/browser.ts: Debian's chromium or
 * CHROMIUM_PATH), light theme, 1280x800.
 *
 * The copy's web image points at a tag the sandbox's ECR does not have
 * (the quick start's try-next step 2), so the fleet shows a failing service
 * and the service view shows a diff, an error with its hint, and events.
 * manifests/ itself is never changed.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildUi } from './build-ui.js';
import { runCli } from '../src/cli/main.js';
import { findChromium, launchChromium } from '../test/support/browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'docs', 'images');
const VIEWPORT = { width: 1280, height: 800 };
/** The README embeds them: a picture heavier than this is a sign something odd was captured. */
const MAX_PNG_BYTES = 200 * 1024;
const BROKEN_TAG = '9.9.9';
const FAILING_SERVICE = 'eu-west-1/demo/web';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`screenshots: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  const lookup = findChromium();
  if (!('executablePath' in lookup)) throw new Error(`screenshots: ${lookup.missing}`);
  await buildUi();
  const work = mkdtempSync(path.join(os.tmpdir(), 'ecs-gitops-screenshots-'));
  const manifests = path.join(work, 'manifests');
  cpSync(path.join(ROOT, 'manifests'), manifests, { recursive: true });
  const web = path.join(manifests, 'services', 'web.yaml');
  const original = readFileSync(web, 'utf8');
  const broken = original.replace(/(\/web:)[\w.-]+/, `$1${BROKEN_TAG}`);
  if (broken === original) throw new Error(`screenshots: no web image tag found in ${web}`);

  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const stop = new AbortController();
  const exited = runCli(['start', manifests, '--listen', '127.0.0.1:0', '--log-format', 'json', '--log-level', 'warn'], {
    stdout, stderr: stdout, env: { PATH: process.env.PATH ?? '' }, cwd: work, signal: stop.signal,
  });
  const browser = await launchChromium(lookup.executablePath);
  try {
    // The banner's "web UI  http://127.0.0.1:PORT/" line.
    const url = await waitFor('the quick start banner', () => /web UI\s+(http:\/\/[\d.:]+)\//.exec(output)?.[1], 60_000);
    await waitFor('every quick start service reconciled', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 120_000);
    // Let the first rollouts finish, so the fleet shows its steady state plus the one failure below.
    await waitFor('the quick start fleet Healthy', async () => {
      const page = await (await fetch(`${url}/api/v1/services?health=Progressing`)).json() as { matched: number };
      return page.matched === 0 ? true : undefined;
    }, 120_000);
    writeFileSync(web, broken);
    await waitFor(`${FAILING_SERVICE} reporting the missing image`, async () => {
      const detail = await (await fetch(`${url}/api/v1/services/${FAILING_SERVICE}`)).json() as { lastError?: { code?: string } };
      return detail.lastError?.code === 'CONTROLLER_IMAGE_NOT_FOUND' ? true : undefined;
    }, 60_000);

    const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${url}/#/`);
    await page.locator('html[data-fleet-ready=true]').waitFor();
    await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
    const fleetPng = path.join(OUT_DIR, 'ui-fleet.png');
    await page.screenshot({ path: fleetPng });
    await page.goto(`${url}/#/services/${encodeURIComponent(FAILING_SERVICE)}`);
    await page.getByTestId('service-diff').waitFor();
    await page.getByTestId('service-events').locator('li').first().waitFor();
    const servicePng = path.join(OUT_DIR, 'ui-service.png');
    await page.screenshot({ path: servicePng });
    await context.close();
    for (const file of [fleetPng, servicePng]) {
      const bytes = statSync(file).size;
      process.stdout.write(`${path.relative(ROOT, file)}: ${Math.round(bytes / 1024)} KB\n`);
      if (bytes > MAX_PNG_BYTES) throw new Error(`screenshots: ${file} is ${bytes} bytes, more than ${MAX_PNG_BYTES}`);
    }
  } finally {
    await browser.close();
    stop.abort(new Error('screenshots taken'));
    await exited.catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
