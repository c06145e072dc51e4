/**
 * `ecs-gitops validate` with `kind: Notifier` documents (docs/manifests.md,
 * "Notifier"): counted in the summary and the JSON report, their problems
 * printed as file:line:col: CODE message like any other kind's, the Slack URL
 * warning printed without failing, and no secret in what it prints.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/run-cli.js';
import { FULL_NOTIFIER, MINIMAL_SERVICE as SERVICE } from '../manifests/notifier-fixtures.js';


let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-validate-notifier-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(relative: string, content: string): void {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), content);
}

describe('ecs-gitops validate with notifiers', () => {
  it('counts notifiers in the summary and lists them, sinks by name and type, in the JSON report', async () => {
    put('web.yaml', SERVICE);
    put('notifiers/payments.yaml', FULL_NOTIFIER);
    expect(await runCliCaptured(['validate', dir])).toEqual({ code: 0, stdout: 'valid: 2 files, 1 service, 0 clusters, 1 notifier\n', stderr: '' });

    const json = await runCliCaptured(['validate', dir, '--output', 'json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { notifiers: unknown[] };
    expect(report.notifiers).toEqual([
      {
        key: 'notifier:payments',
        name: 'payments',
        sinks: [
          { name: 'slack', type: 'slack' },
          { name: 'slack-oncall', type: 'slack' },
          { name: 'webhook', type: 'webhook' },
          { name: 'sns', type: 'sns' },
          { name: 'github', type: 'github' },
          { name: 'gitlab', type: 'gitlab' },
        ],
        source: { file: 'notifiers/payments.yaml', line: 1, column: 1 },
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    // Where secrets are kept is not repeated in the report.
    expect(json.stdout).not.toContain('/run/secrets');
  });

  it('reports a notifier\'s problems like any other kind\'s, exits 1, and the rest stays valid', async () => {
    put('web.yaml', SERVICE);
    put('notifiers/bad.yaml', `apiVersion: ecs-gitops/v1
kind: Notifier
metadata:
  name: bad
spec:
  events: [RolloutComplete]
  sinks:
    - type: github
      repository: acme/web
      token: ghp_PLANTEDsecret
`);
    const result = await runCliCaptured(['validate', dir]);
    expect(result).toEqual({
      code: 1,
      stdout: [
        'notifiers/bad.yaml:6:12: MANIFEST_BAD_ENUM /spec/events/0: "RolloutComplete" is not one of SyncStarted, Applied, RolloutCompleted, RolloutFailed, DriftDetected, DriftCorrected, ImageNotFound, HookFailed, PruneBlocked, ReconcileFailing, ReconcileRecovered; did you mean "RolloutCompleted"?',
        'notifiers/bad.yaml:10:7: MANIFEST_SECRET_IN_MANIFEST /spec/sinks/0/token: secrets are never written in a manifest (Git keeps every commit, and everyone who reads the repository reads them); put the token in a file named by tokenFile, or in an environment variable named by tokenEnv. Change the secret if this was ever committed',
        '2 problems in 1 of 2 files; 1 service and 0 clusters valid',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(result.stdout).not.toContain('PLANTED');
    const json = JSON.parse((await runCliCaptured(['validate', dir, '--output', 'json'])).stdout) as { valid: boolean; notifiers?: unknown };
    expect(json.valid).toBe(false);
    expect(json.notifiers).toBeUndefined();
  });

  it('prints the Slack URL warning without failing, and without the URL', async () => {
    put('n.yaml', `apiVersion: ecs-gitops/v1
kind: Notifier
metadata: {name: team}
spec:
  sinks:
    - type: slack
      url: https://hooks.slack.com/services/T0/B0/PLANTEDslack
`);
    const result = await runCliCaptured(['validate', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe([
      'n.yaml:7:7: warning MANIFEST_SECRET_URL /spec/sinks/0/url: a Slack incoming webhook URL is a secret (whoever has it can post to the channel); move it to a file named by urlFile or an environment variable named by urlEnv, and keep url for a test receiver',
      'valid: 1 file, 0 services, 0 clusters, 1 notifier (1 warning)',
      '',
    ].join('\n'));
    expect(result.stdout).not.toContain('PLANTED');
  });
});
