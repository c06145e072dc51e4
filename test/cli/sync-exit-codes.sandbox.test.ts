/**
 * What `sync`'s exit code promises, as its help says: without --wait, 0 means
 * applied and nothing failed while rollouts may still run (and the output
 * names them); with --wait, 0 only once every service is healthy, 1 when the
 * wait ends first. The real binary against a sandbox whose clock is frozen, so
 * a rollout stays in progress for as long as the test needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, serviceManifest } from '../controller/harness.js';
import { runCliProcess } from './cli-process.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

describe('sync exit codes with rollouts still in progress', () => {
  let setup: CliSandbox;
  beforeAll(async () => {
    setup = await startCliSandbox('410987654321');
    await setup.dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
  });
  afterAll(() => setup.close());

  it('the help says what 0 means with and without --wait', async () => {
    const help = await runCliProcess(['sync', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('0  without --wait: every service was applied (or already in sync) and nothing failed;');
    expect(help.stdout).toContain('rollouts may still be in progress (use --wait to wait for them)');
    expect(help.stdout).toContain('0  with --wait: every service is synced and healthy');
    expect(help.stdout).not.toContain('0 all synced and healthy');
  });

  it('without --wait exits 0 while the rollout is Progressing and names it; --wait exits 1 when the wait ends first, 0 once healthy', { timeout: 120_000 }, async () => {
    setup.sandbox.clock.setSpeed(0);
    const applied = await runCliProcess(['sync', setup.dir.root], setup.env);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(`✓ ${REGION}/demo/web  Synced Progressing`);
    expect(applied.stdout).toContain(`still rolling out (not waited for; use --wait): ${REGION}/demo/web`);
    expect(applied.stdout).toContain('sync complete: 1/1 services ok');
    expect(applied.code).toBe(0);

    const waited = await runCliProcess(['sync', setup.dir.root, '--wait', '--timeout', '3s'], setup.env);
    expect(waited.stdout).toContain(`✗ ${REGION}/demo/web  Synced Progressing`);
    expect(waited.stdout).toContain(`CONTROLLER_WAIT_TIMED_OUT: gave up after 3 s; still progressing: ${REGION}/demo/web`);
    expect(waited.code).toBe(1);

    setup.sandbox.clock.setSpeed(40);
    const healthy = await runCliProcess(['sync', setup.dir.root, '--wait', '--timeout', '60s'], setup.env);
    expect(healthy.stdout).toContain(`✓ ${REGION}/demo/web  Synced Healthy`);
    expect(healthy.stdout).not.toContain('still rolling out');
    expect(healthy.code).toBe(0);
  });
});
