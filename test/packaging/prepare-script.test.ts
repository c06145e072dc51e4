/**
 * `prepare` (run by npm install / npm ci in this repository) builds the web
 * UI, except in a production install (`npm ci --omit=dev`) where the build
 * tools are absent: there it must succeed without building, or the install fails.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('the prepare script', () => {
  it('is what package.json runs on install', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node scripts/prepare.js');
  });

  it('succeeds without building when the build tools are not installed (npm ci --omit=dev)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-prepare-'));
    try {
      mkdirSync(path.join(dir, 'scripts'));
      copyFileSync(path.join(root, 'scripts/prepare.js'), path.join(dir, 'scripts/prepare.js'));
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', type: 'module', scripts: { 'build:ui': 'exit 7' } }));
      const result = spawnSync(process.execPath, ['scripts/prepare.js'], { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_execpath: '' } });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('not building the web UI (tsx, esbuild, preact not installed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
