/**
 * Which Chromium the browser tests and the bench use (test/support/browser.ts):
 * CHROMIUM_PATH when set, and then it must be an executable (a typo is an
 * error naming the variable, never a silent fall back to another browser).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from '../support/browser.js';

describe('findChromium', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chromium-lookup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes CHROMIUM_PATH when it names an executable', () => {
    const fake = path.join(dir, 'my-chromium');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findChromium({ CHROMIUM_PATH: fake })).toEqual({ executablePath: fake });
  });

  it('names CHROMIUM_PATH when it is not an executable', () => {
    const notExecutable = path.join(dir, 'not-executable');
    writeFileSync(notExecutable, '');
    chmodSync(notExecutable, 0o644);
    expect(() => findChromium({ CHROMIUM_PATH: notExecutable })).toThrow(/CHROMIUM_PATH=.*not-executable is not an executable file/);
    expect(() => findChromium({ CHROMIUM_PATH: path.join(dir, 'missing') })).toThrow(/CHROMIUM_PATH=/);
  });

  it('without CHROMIUM_PATH, finds one on the usual paths or says how to install it', () => {
    const found = findChromium({});
    if ('executablePath' in found) expect(path.isAbsolute(found.executablePath)).toBe(true);
    else expect(found.missing).toMatch(/apt-get install --no-install-recommends chromium/);
  });
});
