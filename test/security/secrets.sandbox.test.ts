/**
 * Planted secrets (environment values under secret-looking names, and
 * secrets[].valueFrom references) never leave the controller through logs
 * (debug level), metrics, the status API, the web UI (its page, fleet pages
 * and live stream), `diff` / `sync` / `validate`
 * output or error messages, across a full run with failures: 20% AWS faults,
 * an image that does not exist, a rejected update, a broken file and console
 * drift of the secret itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { runCliCaptured } from '../support/run-cli.js';

const ACCOUNT = '310000000004';
// Distinctive markers: any occurrence anywhere is a leak.
const PLANTED = {
  password: 'PLANTED-pw-7f3c9a1e',
  token: 'PLANTED-tok-51b2d8e0',
  valueFrom: 'arn:aws:secretsmanager:eu-west-1:310000000004:secret:PLANTED-vf-c0ffee',
  rotated: 'PLANTED-pw-rotated-4411',
  drift: 'PLANTED-console-drift-9d9d',
  broken: 'PLANTED-in-broken-file-2a2a',
};
const containsPlanted = (text: string) => Object.values(PLANTED).filter((p) => text.includes(p) || text.includes(p.replace('arn:aws:secretsmanager:', '')));

function secretService(name: string, password: string, extra: { image?: string } = {}) {
  const doc = serviceManifest({ name, desiredCount: 1, ...(extra.image ? { image: extra.image } : {}) });
  const spec = doc.spec as { taskDefinition: { containerDefinitions: Array<Record<string, unknown>> } };
  const container = spec.taskDefinition.containerDefinitions[0] as Record<string, unknown>;
  container.environment = [
    { name: 'DB_PASSWORD', value: password },
    { name: 'API_TOKEN', value: PLANTED.token },
    { name: 'LOG_LEVEL', value: 'info' },
  ];
  container.secrets = [{ name: 'DB_URL', valueFrom: PLANTED.valueFrom }];
  return doc;
}

describe('planted secrets never leak', () => {
  let sandbox: Sandbox;
  let proxy: FaultProxy;
  let dir: ManifestDir;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    proxy = await startFaultProxy({ target: sandbox.endpoint, seed: 7, defaultRule: { rate: 0.2, kinds: ['throttle', 'http500', 'reset', 'truncate'] } });
    dir = await ManifestDir.create();
  });
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
    await dir?.dispose();
  });

  it('across run (debug logs, metrics, status API), diff, sync and validate with failures', async () => {
    const env = { AWS_ENDPOINT_URL_ECS: proxy.url, AWS_ENDPOINT_URL_ECR: proxy.url, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy-secret', AWS_REGION: REGION };
    await dir.write('vault.yaml', [secretService('vault', PLANTED.password)]);
    // Fails: an ECR image that does not exist (CONTROLLER_IMAGE_NOT_FOUND: no such repository in a registry the controller may read), with the same secrets.
    await dir.write('missing.yaml', [secretService('missing', PLANTED.password, { image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/nope:1` })]);
    const cli = startCliInProcess(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, '--resync', '1s', '--log-level', 'trace', '--prune'], env);
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    const collected: string[] = [];
    let rotatedArn = '';
    // The web UI's live stream for the whole run, raw: every status change and event it carried is checked below.
    const streamStop = new AbortController();
    let streamText = '';
    const streamRead = (async () => {
      try {
        const response = await fetch(`${url}/api/v1/stream`, { signal: streamStop.signal });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          streamText += decoder.decode(value, { stream: true });
        }
      } catch {
        // aborted at the end of the run
      }
    })();
    const grab = async (path: string) => {
      const text = await (await fetch(`${url}${path}`)).text();
      collected.push(text);
      return text;
    };
    try {
      await eventually(async () => {
        try {
          const status = JSON.parse(await grab('/api/v1/status')) as { services: Array<{ service: string; sync: string; lastError?: { code: string } }> };
          return status.services.find((s) => s.service === 'vault')?.sync === 'Synced'
            && status.services.find((s) => s.service === 'missing')?.lastError?.code.startsWith('CONTROLLER_IMAGE_') === true;
        } catch {
          return false;
        }
      }, () => collected.at(-1)?.slice(0, 3000), 60_000);

      // Rotate the secret in Git (the diff now has a secret change), and drift the secret in the console.
      await dir.write('vault.yaml', [secretService('vault', PLANTED.rotated)]);
      // A broken file holding a secret: its problem message must not quote it.
      await dir.write('broken.yaml', `apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: broken, cluster: demo}\nspec:\n  desiredCount: 1\n  taskDefinition:\n    family: broken\n    containerDefinitions:\n      - name: app\n        image: nginx\n        environment:\n          - name: DB_PASSWORD\n            value: [${PLANTED.broken}]\n            valeu: ${PLANTED.broken}\n`);
      // Synced alone is not enough: the pass before the rotation was seen also reported Synced. Wait until what runs holds the rotated value,
      // so the console drift below registers after the controller's own revision.
      await eventually(async () => {
        const status = JSON.parse(await grab('/api/v1/status')) as { manifestProblems: number; services: Array<{ service: string; sync: string; liveTaskDefinition?: string }> };
        const vault = status.services.find((s) => s.service === 'vault');
        if (!(status.manifestProblems > 0 && vault?.sync === 'Synced' && vault.liveTaskDefinition)) return false;
        const running = JSON.stringify(sandbox.call('DescribeTaskDefinition', { taskDefinition: vault.liveTaskDefinition }, { accountId: ACCOUNT, region: REGION, api: 'ecs' }));
        if (!running.includes(PLANTED.rotated)) return false;
        rotatedArn = vault.liveTaskDefinition;
        return true;
      }, () => cli.stdout().slice(-2000), 60_000);
      const live = await runCliCaptured(['diff', dir.root, '--region', REGION], { env: { ...env, AWS_ENDPOINT_URL_ECS: sandbox.endpoint } });
      collected.push(live.stdout, live.stderr);
      // Console drift of the secret value itself (a new task definition revision with the drifted value).
      const td = await sandbox.call('RegisterTaskDefinition', {
        family: 'vault', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: 'nginx:1.27', environment: [{ name: 'DB_PASSWORD', value: PLANTED.drift }], secrets: [{ name: 'DB_URL', valueFrom: PLANTED.valueFrom }] }],
      }, { accountId: ACCOUNT, region: REGION, api: 'ecs' }) as { taskDefinition: { taskDefinitionArn: string } };
      sandbox.admin.setServiceTaskDefinition({ accountId: ACCOUNT, region: REGION, cluster: 'demo', service: 'vault' }, td.taskDefinition.taskDefinitionArn);
      // A clean copy declaring the original password differs from whatever runs now (rotated or drifted) in DB_PASSWORD.
      const other = await ManifestDir.create();
      try {
        await other.write('vault.yaml', [secretService('vault', PLANTED.password)]);
        const secretDiff = await runCliCaptured(['diff', other.root, '--region', REGION], { env: { ...env, AWS_ENDPOINT_URL_ECS: sandbox.endpoint } });
        collected.push(secretDiff.stdout, secretDiff.stderr);
        expect(secretDiff.code, secretDiff.stderr).toBe(2);
        expect(secretDiff.stdout).toContain('DB_PASSWORD');
        expect(secretDiff.stdout).toContain('***sha256:');
        const jsonDiff = await runCliCaptured(['diff', other.root, '--region', REGION, '--output', 'json'], { env: { ...env, AWS_ENDPOINT_URL_ECS: sandbox.endpoint } });
        collected.push(jsonDiff.stdout, jsonDiff.stderr);
      } finally {
        await other.dispose();
      }
      await eventually(async () => {
        const status = JSON.parse(await grab('/api/v1/status')) as { services: Array<{ service: string; liveTaskDefinition?: string }> };
        return status.services.find((s) => s.service === 'vault')?.liveTaskDefinition !== td.taskDefinition.taskDefinitionArn;
      }, () => cli.stdout().slice(-2000), 60_000);
      await grab('/api/v1/services/eu-west-1/demo/vault');
      await grab('/api/v1/services/eu-west-1/demo/missing');
      await grab('/metrics');
      // The web UI: its page, the fleet pages it reads (every row, and a search), and the stream.
      await grab('/');
      await grab('/api/v1/services?limit=500');
      await grab('/api/v1/services?q=vault&sort=-lastSyncTime');
      const sync = await runCliCaptured(['sync', dir.root, '--region', REGION, '--log-level', 'trace'], { env });
      const validate = await runCliCaptured(['validate', dir.root, '--region', REGION], { env });
      collected.push(sync.stdout, sync.stderr, validate.stdout, validate.stderr);
      expect(validate.code).not.toBe(0);
      expect(validate.stdout + validate.stderr).toContain('broken.yaml');
    } finally {
      streamStop.abort();
      await streamRead;
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    // The stream really carried the secret-bearing service's changes and events (the leak check covers something).
    expect(streamText).toMatch(/event: service\ndata: .*"service":"vault"/);
    expect(streamText).toMatch(/event: event\ndata: .*"serviceName":"vault"/);
    collected.push(streamText);
    collected.push(cli.stdout(), cli.stderr());
    // The run really exercised failures and secrets: faults injected, the failing service reported, a secret-bearing diff rendered masked.
    expect(Object.values(proxy.injectedByKind()).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(0);
    const all = collected.join('\n');
    expect(all).toMatch(/CONTROLLER_IMAGE_(NOT_FOUND|ACCESS_DENIED)/);
    expect(all).toContain('***sha256:');
    expect(all.length).toBeGreaterThan(10_000);
    expect(containsPlanted(all)).toEqual([]);
    // ...while the secrets really went through the controller to ECS (the check above is not vacuous).
    const target = { accountId: ACCOUNT, region: REGION, api: 'ecs' as const };
    const registered = JSON.stringify([
      sandbox.call('DescribeTaskDefinition', { taskDefinition: 'vault:1' }, target),
      sandbox.call('DescribeTaskDefinition', { taskDefinition: rotatedArn }, target),
    ]);
    expect(registered).toContain(PLANTED.password);
    expect(registered).toContain(PLANTED.rotated);
    expect(registered).toContain(PLANTED.valueFrom);
  }, 180_000);
});
