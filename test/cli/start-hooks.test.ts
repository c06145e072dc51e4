/**
 * The quick start's try-next step 6 (src/cli/commands/start.ts, README "Try
 * next"): with the repository's own manifests/ (copied to a temp dir), the
 * sandbox told that web's image exits 1 (POST /_sandbox/images/exit), a
 * change to web is held back by its preDeploy `migrate` hook: no
 * UpdateService, Degraded with CONTROLLER_HOOK_FAILED, the exit code and the
 * log stream. The next change, with the rule cleared, deploys.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../controller/harness.js';
import { startQuickStartCopy, statusOf } from './quick-start-harness.js';

const ACCOUNT = '123456789012';
const WEB_IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2`;

describe('quick start, try next step 6: a failing migration holds the deploy', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('web\'s migrate hook exiting 1 holds a change to web (CONTROLLER_HOOK_FAILED, no UpdateService); the next change retries and deploys', async () => {
    const started = await startQuickStartCopy('ecs-gitops-start-hooks-');
    dir = started.dir;
    const { cli, url } = started;
    try {
      expect(cli.stdout()).toContain('Try next:');
      const { endpoint } = started;
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const web = async () => (await statusOf(url)).find((s) => s.service === 'web');
      await eventually(async () => {
        const s = await web();
        return s?.sync === 'Synced' && s.health === 'Healthy' && s.hooks?.state === 'succeeded';
      }, () => cli.stdout().slice(-3000), 30_000);
      const before = (await web())?.liveTaskDefinition;
      const updateServices = async () => {
        const response = await fetch(`${endpoint}/_sandbox/calls/log?operation=UpdateService&accountId=${ACCOUNT}`);
        return ((await response.json()) as { calls: { operation: string; outcome: string }[] }).calls.filter((c) => c.outcome === 'ok').length;
      };
      const updatesBefore = await updateServices();

      // The step's own command: the sandbox's tasks of web's image exit 1.
      const rule = await fetch(`${endpoint}/_sandbox/images/exit`, { method: 'POST', body: JSON.stringify({ image: WEB_IMAGE, exitCode: 1 }) });
      expect(rule.status, await rule.text()).toBe(200);
      const webFile = path.join(dir, 'services', 'web.yaml');
      const text = await readFile(webFile, 'utf8');
      expect(text).toContain('{ name: LOG_LEVEL, value: info }');
      await writeFile(webFile, text.replace('{ name: LOG_LEVEL, value: info }', '{ name: LOG_LEVEL, value: debug }'));

      await eventually(async () => (await web())?.lastError?.code === 'CONTROLLER_HOOK_FAILED', async () => ({ web: await web(), out: cli.stdout().slice(-3000) }), 30_000);
      const held = await web();
      expect(held?.health).toBe('Degraded');
      expect(held?.sync).toBe('OutOfSync');
      expect(held?.hooks?.hooks[0]).toMatchObject({ name: 'migrate', state: 'failed', exitCode: 1, logGroup: '/ecs/demo/web' });
      expect(held?.lastError?.message).toContain('exit code 1');
      expect(held?.lastError?.message).toContain(`web/web/${held?.hooks?.hooks[0]?.taskArn?.split('/').pop() ?? 'none'}`);
      expect(held?.liveTaskDefinition).toBe(before);
      expect(await updateServices()).toBe(updatesBefore);

      // Undo, then the next change retries the migration and deploys.
      const clear = await fetch(`${endpoint}/_sandbox/images/exit`, { method: 'POST', body: JSON.stringify({ image: WEB_IMAGE, clear: true }) });
      expect(clear.status).toBe(200);
      await writeFile(webFile, text.replace('{ name: LOG_LEVEL, value: info }', '{ name: LOG_LEVEL, value: warn }'));
      await eventually(async () => {
        const s = await web();
        return s?.sync === 'Synced' && s.lastError === undefined && s.liveTaskDefinition !== before;
      }, async () => web(), 30_000);
      expect(await updateServices()).toBeGreaterThan(updatesBefore);
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
  }, 90_000);
});
