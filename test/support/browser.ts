/**
 * Headless Chromium for the browser tests, the bench's UI scenario and the
 * README's screenshots: Debian's `chromium` package (.ci/run installs it),
 * driven by playwright-core with that executable, so nothing downloads a
 * browser. As with the other external programs (test/support/programs.ts), a
 * missing browser skips the tests on a developer's machine and fails them
 * when CI=true: CI must never pass by skipping.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { isCi } from './programs.js';

/** Where Debian and Ubuntu put it; CHROMIUM_PATH wins over both. */
const DEFAULT_LOCATIONS = ['/usr/bin/chromium', 'chromium-browser'] as const;
const INSTALL_HINT = 'install Debian\'s chromium package (apt-get install --no-install-recommends chromium) or set CHROMIUM_PATH to a Chromium executable';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A bare name (chromium-browser) is looked up on PATH. */
function resolveExecutable(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export type ChromiumLookup = { readonly executablePath: string } | { readonly missing: string };

/**
 * The Chromium executable: CHROMIUM_PATH (which must then be one: a wrong
 * path is an error naming the variable, not a silent fallback), else
 * /usr/bin/chromium, else chromium-browser on PATH.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const configured = env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') {
    const found = resolveExecutable(configured);
    if (found === undefined) throw new Error(`CHROMIUM_PATH=${configured} is not an executable file (${INSTALL_HINT})`);
    return { executablePath: found };
  }
  for (const name of DEFAULT_LOCATIONS) {
    const found = resolveExecutable(name);
    if (found !== undefined) return { executablePath: found };
  }
  return { missing: `no Chromium found (CHROMIUM_PATH unset, no ${DEFAULT_LOCATIONS.join(', no ')} on PATH): ${INSTALL_HINT}` };
}

/**
 * The executable, or undefined with the reason written to stderr (a
 * developer's machine without Chromium: the caller skips). Throws when
 * CI=true and there is none.
 */
export function requireChromium(): string | undefined {
  const lookup = findChromium();
  if ('executablePath' in lookup) return lookup.executablePath;
  if (isCi()) throw new Error(`Chromium is required when CI=true: ${lookup.missing}`);
  process.stderr.write(`browser tests skipped: ${lookup.missing}\n`);
  return undefined;
}

/**
 * Starts headless Chromium. --no-sandbox: CI runs as root in a container,
 * where Chromium's own sandbox cannot start; the pages it opens are the
 * controller's own, on loopback.
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}
