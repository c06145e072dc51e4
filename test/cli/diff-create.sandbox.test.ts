/**
 * `ecs-gitops diff` on a service that does not exist yet says it will be
 * created (`[create service]`, JSON `action: create`), not updated; once it
 * exists, a change to it is an update. The real binary against a sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, serviceManifest } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';
import { runCliProcess } from './cli-process.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

describe('diff of a service that does not exist yet', () => {
  let setup: CliSandbox;
  beforeAll(async () => {
    setup = await startCliSandbox('310987654321');
    await setup.dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
  });
  afterAll(() => setup.close());

  it('labels it `create service` in text and `action: create` in JSON; an existing one `update service`', { timeout: 120_000 }, async () => {
    const text = await runCliProcess(['diff', setup.dir.root], setup.env);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`@@ ${REGION}/demo/web: missing (will be created) @@`);
    expect(text.stdout).toMatch(/^\+ \/spec {2}\[create service\]$/m);
    expect(text.stdout).not.toContain('[update service]');

    const json = await runCliProcess(['diff', setup.dir.root, '--output', 'json'], setup.env);
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout) as { services: { key: string; status: string; action: string; changes: { pointer: string; kind: string }[] }[] };
    expect(parsed.services).toEqual([expect.objectContaining({
      key: `${REGION}/demo/web`, status: 'missing', action: 'create',
      changes: [expect.objectContaining({ pointer: '/spec', kind: 'added' })],
    })]);

    // Setting the stage, not under test: in-process is quicker.
    expect((await runCliCaptured(['sync', setup.dir.root, '--wait', '--timeout', '60s'], { env: setup.env })).code).toBe(0);
    await setup.dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 3 })]);
    const update = await runCliProcess(['diff', setup.dir.root, '--output', 'json'], setup.env);
    expect(update.code).toBe(2);
    expect(JSON.parse(update.stdout)).toMatchObject({ services: [{ status: 'out-of-sync', action: 'update', changes: [{ pointer: '/spec/desiredCount' }] }] });
    const updateText = await runCliProcess(['diff', setup.dir.root], setup.env);
    expect(updateText.stdout).toMatch(/^~ \/spec\/desiredCount {2}\[update service\]$/m);
  });
});
