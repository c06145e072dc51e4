/** `ecs-gitops sync` and `ecs-gitops diff` end to end: the CLI in-process against a sandbox over HTTP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { ManifestDir } from '../controller/harness.js';
import { REGION, serviceManifest } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

describe('sync and diff commands', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let env: Record<string, string>;
  const accountId = '210987654321';

  let setup: CliSandbox;

  beforeEach(async () => {
    setup = await startCliSandbox(accountId);
    ({ sandbox, dir, env } = setup);
  });
  afterEach(() => setup.close());

  it('diff shows what is missing (exit 2), sync --wait applies it (exit 0), then diff is clean (exit 0)', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' }), serviceManifest({ name: 'api', image: 'nginx:1.28' })]);
    const before = await runCliCaptured(['diff', dir.root], { env });
    expect(before.stderr).toBe('');
    expect(before.code).toBe(2);
    expect(before.stdout).toContain(`${REGION}/demo/web: missing (will be created)`);
    expect(before.stdout).toContain('2 services: 0 in sync, 0 out of sync, 2 missing');

    const sync = await runCliCaptured(['sync', dir.root, '--wait', '--timeout', '60s'], { env });
    expect(sync.stdout).toContain(`✓ ${REGION}/demo/web  Synced Healthy`);
    expect(sync.stdout).toContain('sync complete: 2/2 services ok');
    expect(sync.code).toBe(0);

    const after = await runCliCaptured(['diff', dir.root, '--output', 'json'], { env });
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ summary: { services: 2, inSync: 2, outOfSync: 0, missing: 0 } });

    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.29' }), serviceManifest({ name: 'api', image: 'nginx:1.28' })]);
    const changed = await runCliCaptured(['diff', dir.root, '--service', 'web'], { env });
    expect(changed.code).toBe(2);
    expect(changed.stdout).toContain('/spec/taskDefinition/containerDefinitions/0/image');
    expect(changed.stdout).toContain('1 service: 0 in sync, 1 out of sync, 0 missing');
  });

  it('sync --wait exits 1 and names the service when its rollout fails', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
    expect((await runCliCaptured(['sync', dir.root, '--wait', '--timeout', '60s'], { env })).code).toBe(0);
    sandbox.admin.markImageCrashing('nginx:crash');
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: 'nginx:crash' })]);
    const result = await runCliCaptured(['sync', dir.root, '--wait', '--timeout', '60s'], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`✗ ${REGION}/demo/web .*Degraded.*CONTROLLER_ROLLOUT_FAILED`));
    expect(result.stdout).toContain('CONTROLLER_SYNC_FAILED');
  });

  it('sync exits 1 on manifest problems and applies nothing from the broken file', async () => {
    await dir.write('good.yaml', [serviceManifest({ name: 'good' })]);
    await dir.write('bad.yaml', [{ ...serviceManifest({ name: 'bad' }), spec: { desiredcount: 1 } }]);
    const result = await runCliCaptured(['sync', dir.root], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.yaml:');
    expect(result.stdout).toContain(`✓ ${REGION}/demo/good`);
    const live = sandbox.call('ListServices', { cluster: 'demo' }, { accountId, region: REGION });
    expect(live.serviceArns).toEqual([expect.stringMatching(/service\/demo\/good$/)]);
  });

  it('diff exits 1 when AWS cannot be reached', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
    const result = await runCliCaptured(['diff', dir.root], { env: { ...env, AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:9' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error AWS_NETWORK_ERROR: ECS DescribeServices failed/);
  });
});
