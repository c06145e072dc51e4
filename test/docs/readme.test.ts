/**
 * The README is the front door: a quick start that works, what the project is,
 * and links to docs/ for the references (their links are checked by
 * links.test.ts). It keeps what it promises and stays short.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const readme = read('README.md');
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };

describe('README', () => {
  it('keeps the two-command quick start', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
    expect(packageJson.scripts.start).toBeDefined();
    expect(packageJson.scripts.test).toBe('vitest run');
  });

  it('shows every step `npm start` suggests trying next', () => {
    // The quick start prints numbered steps ('  1. Edit ...'); the README lists the same number.
    const printed = [...read('src/cli/commands/start.ts').matchAll(/^\s*['`]\s+(\d+)\. /gm)].map((m) => Number(m[1]));
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
    const listed = [...quickStart.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
    expect(printed.length).toBeGreaterThanOrEqual(4);
    expect(listed).toEqual(printed);
    expect(quickStart).toContain('CONTROLLER_IMAGE_NOT_FOUND');
  });

  it('states the Node.js versions package.json and the image use', () => {
    const minimum = /^>=(\d+\.\d+)$/.exec(packageJson.engines.node)?.[1];
    expect(minimum).toBeDefined();
    expect(readme).toContain(`Node.js ${minimum} or newer`);
    const imageMajor = /^FROM\s+node:(\d+)/m.exec(read('Dockerfile'))?.[1];
    expect(imageMajor).toBeDefined();
    expect(readme).toContain(`Node ${imageMajor}`);
  });

  it('links the error-code table, so a code seen in a log is one link away', () => {
    expect(readme).toContain('](docs/errors.md');
  });

  it('stays a front door: references live in docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(350);
  });
});
