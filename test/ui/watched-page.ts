/**
 * A browser page opened the way every UI test opens one: its network limited
 * to the controller's origin (anything else aborted and recorded), CSP
 * violations collected by a script the browser injects before the page's own
 * (not through the page, so the CSP does not apply to it), and console errors
 * and uncaught exceptions kept, so each test can end with expectCleanPage.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

// The page's globals as these callbacks use them: the test tsconfig has no DOM lib.
declare const document: {
  addEventListener(type: string, listener: (event: { violatedDirective: string; blockedURI: string }) => void): void;
};
declare const window: Record<string, unknown>;

export interface WatchedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Requests to any other origin (aborted). */
  readonly foreign: string[];
  readonly consoleErrors: string[];
}

export async function watchPage(context: BrowserContext, origin: string): Promise<WatchedPage> {
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  await context.addInitScript(() => {
    const seen: string[] = [];
    window.cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  return { context, page, foreign, consoleErrors };
}

/** No CSP violation, console error or request to another origin on the page. */
export async function expectCleanPage(watched: WatchedPage): Promise<void> {
  const violations = await watched.page.evaluate(() => window.cspViolations as string[]);
  expect(violations, 'CSP violations').toEqual([]);
  expect(watched.consoleErrors, 'console errors').toEqual([]);
  expect(watched.foreign, 'requests to another origin').toEqual([]);
}
