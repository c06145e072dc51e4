/**
 * One headless Chromium per test file (test/support/browser.ts launches it):
 * started in beforeAll, closed in afterAll; each test opens its own context.
 * Kept apart from browser.ts, which the bench imports outside vitest.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../support/browser.js';

/** `browser()` throws when called before the launch, or when the file was skipped (no executable). */
export function browserForFile(executablePath: string | undefined): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (executablePath !== undefined) browser = await launchChromium(executablePath);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('browserForFile: no browser (Chromium missing, or called outside a test)');
    return browser;
  };
}
