/**
 * `ecs-gitops diff manifests --cluster demo` as a user runs it after the quick
 * start: the repository's example manifests, synced into a sandbox seeded like
 * `npm start`, read back clean (exit 0); one field changed through the SDK
 * behind the controller's back is reported as exactly that pointer (exit 2).
 */
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUICKSTART_SEED_PATH, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCliCaptured } from '../support/run-cli.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/** The JSON pointers a text diff lists (`~ /spec/...  [in place]`), in order. */
const pointersIn = (text: string): string[] => [...text.matchAll(/^[~+-] (\/\S*)/gm)].map((m) => m[1] as string);

describe('ecs-gitops diff on the example manifests', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  let env: Record<string, string>;
  const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: REPO_ROOT });

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 100, throttling: 'off', seed: QUICKSTART_SEED_PATH });
    ecs = new ECSClient({ ...sandbox.clientConfig({ accountId: ACCOUNT, region: REGION }), maxAttempts: 1 });
    env = {
      AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret',
    };
    const sync = await cli('sync', 'manifests', '--wait', '--timeout', '120s');
    expect({ code: sync.code, stdout: sync.stdout, stderr: sync.stderr }).toMatchObject({ code: 0 });
  });
  afterAll(async () => {
    ecs?.destroy();
    await sandbox?.close();
  });

  it('exits 0 after a sync, then 2 naming exactly the pointer of a field changed through the SDK', async () => {
    const clean = await cli('diff', 'manifests', '--cluster', 'demo');
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain(`= ${REGION}/demo/web: in sync`);
    expect(clean.stdout).toMatch(/^4 services: 4 in sync, 0 out of sync, 0 missing$/m);
    expect(pointersIn(clean.stdout)).toEqual([]);

    // The manifest says 30 s; someone raises it by hand.
    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', healthCheckGracePeriodSeconds: 300 }));

    const drifted = await cli('diff', 'manifests', '--cluster', 'demo');
    expect(drifted.stderr).toBe('');
    expect(drifted.code).toBe(2);
    expect(drifted.stdout).toContain(`@@ ${REGION}/demo/web: out of sync (1 change) @@`);
    expect(pointersIn(drifted.stdout)).toEqual(['/spec/healthCheckGracePeriodSeconds']);
    expect(drifted.stdout).toMatch(/^-\s+300$/m);
    expect(drifted.stdout).toMatch(/^\+\s+30$/m);
    expect(drifted.stdout).toMatch(/^4 services: 3 in sync, 1 out of sync, 0 missing$/m);

    const json = await cli('diff', 'manifests', '--cluster', 'demo', '--output', 'json');
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as { services: { key: string; changes: { pointer: string }[] }[] };
    expect(doc.services.map((s) => [s.key, s.changes.map((c) => c.pointer)])).toEqual(
      doc.services.map((s) => [s.key, s.key === `${REGION}/demo/web` ? ['/spec/healthCheckGracePeriodSeconds'] : []]),
    );
  });

  it('shows a scaling policy changed behind the controller as a change under /spec/autoScaling, and the autoscaler\'s count as none', async () => {
    const target = { accountId: ACCOUNT, region: REGION, api: 'application-autoscaling' as const };
    const resource = { ServiceNamespace: 'ecs', ResourceId: 'service/demo/worker', ScalableDimension: 'ecs:service:DesiredCount' };
    // The autoscaler moves the count: never a difference.
    sandbox.admin.scaleService({ accountId: ACCOUNT, region: REGION, cluster: 'demo', service: 'worker' }, 6);
    expect(pointersIn((await cli('diff', 'manifests', '--cluster', 'demo', '--service', 'worker')).stdout)).toEqual([]);
    // Someone edits the policy by hand: a difference, named by policy.
    sandbox.call('PutScalingPolicy', {
      ...resource, PolicyName: 'cpu-60', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 80, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleOutCooldown: 60, ScaleInCooldown: 300 },
    }, target);
    const drifted = await cli('diff', 'manifests', '--cluster', 'demo', '--service', 'worker');
    expect(drifted.stderr).toBe('');
    expect(drifted.code).toBe(2);
    expect(pointersIn(drifted.stdout)).toEqual(['/spec/autoScaling/targetTracking/cpu-60/targetValue']);
  });
});
