/**
 * `run --path` cannot lead the controller out of the checkout: `..` or a
 * symlink inside the repository that points elsewhere is refused at start with
 * SOURCE_PATH_OUTSIDE_ROOT, and nothing declared outside is applied.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { requireProgram } from '../support/programs.js';
import { runCliCaptured } from '../support/run-cli.js';

describe('run --path stays inside the checkout', () => {
  let base: string;
  let repo: string;

  beforeEach(async () => {
    requireProgram('git', 'apt-get install git');
    base = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-pathflag-'));
    repo = path.join(base, 'repo');
    await mkdir(path.join(repo, 'manifests'), { recursive: true });
    await mkdir(path.join(base, 'outside'), { recursive: true });
    await writeFile(path.join(repo, 'manifests', 'inside.yaml'), stringify(serviceManifest({ name: 'inside' })));
    await writeFile(path.join(base, 'outside', 'evil.yaml'), stringify(serviceManifest({ name: 'evil' })));
    await symlink('../outside', path.join(repo, 'escape'));
    execFileSync('git', ['-C', repo, 'init', '-q', '-b', 'main']);
    execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '-A']);
    execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'init']);
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it.each([['../outside'], ['escape'], ['manifests/../../outside'], ['manifests/../escape']])('--path %s is refused', async (flag) => {
    // Bounded: a controller that wrongly starts is stopped after 15 s and then fails the exit-code check.
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(new Error('test bound')), 15_000);
    const r = await runCliCaptured(['run', '--repo', repo, '--path', flag, '--sandbox', '--listen', LISTEN_ANY_PORT], { signal: stop.signal });
    clearTimeout(timer);
    const output = r.stdout + r.stderr;
    expect(r.code, output.slice(-2000)).not.toBe(0);
    expect(output).toContain('SOURCE_PATH_OUTSIDE_ROOT');
    expect(output).not.toContain('demo/evil');
  }, 30_000);

  it('a --path inside the checkout still works', async () => {
    const cli = startCliInProcess(['run', '--repo', repo, '--path', 'manifests/./', '--sandbox', '--listen', LISTEN_ANY_PORT]);
    let ready = false;
    try {
      const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), timeoutMs: 20_000 });
      for (let i = 0; i < 200 && !ready; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = await fetch(`${url}/readyz`).then((res) => res.status === 200, () => false);
      }
    } finally {
      cli.stop();
    }
    const code = await cli.exit;
    expect(ready, cli.stdout().slice(-2000)).toBe(true);
    expect(code).toBe(0);
    expect(cli.stdout()).toContain('demo/inside');
  }, 40_000);
});
