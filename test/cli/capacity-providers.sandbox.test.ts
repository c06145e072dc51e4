/**
 * `diff` and `sync` with `kind: CapacityProvider` manifests, the CLI in-process
 * against the sandbox over HTTP with the real SDK: diff prints the providers
 * (missing, in sync, a managed-scaling change, a group change that needs
 * replacement, one nobody opted in), counts them in its JSON summary and exits
 * 2 when they differ; sync creates and updates them with exactly the matching
 * calls, lists them, and exits 1 when one cannot be applied.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REGION } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const ACCOUNT = '421098765432';
const asg = (name: string) => `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/${name}`;
const KEY = `capacity-provider:${REGION}/ec2`;
const PROVIDER_WRITES = ['CreateCapacityProvider', 'UpdateCapacityProvider', 'DeleteCapacityProvider', 'TagResource', 'UntagResource'];

function provider(name: string, group: string, targetCapacity: number): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1', kind: 'CapacityProvider', metadata: { name },
    spec: { autoScalingGroupProvider: { autoScalingGroupArn: asg(group), managedScaling: { status: 'ENABLED', targetCapacity } }, tags: { team: 'infra' } },
  };
}

interface DiffJsonOutput {
  summary: { services: number; capacityProviders: { total: number; inSync: number; outOfSync: number; missing: number } };
  capacityProviders: { key: string; status: string; action: string; changes: { pointer: string; desired: unknown; live: unknown; scope: string }[]; blocked?: { code: string } }[];
}

describe('diff and sync with kind: CapacityProvider (sandbox)', () => {
  let setup: CliSandbox;
  let run: (argv: readonly string[]) => ReturnType<typeof runCliCaptured>;
  const writes = () => Object.fromEntries(PROVIDER_WRITES.map((op) => [op, setup.sandbox.callCounts(ACCOUNT)[op] ?? 0]));

  beforeEach(async () => {
    setup = await startCliSandbox(ACCOUNT);
    run = (argv) => runCliCaptured(argv, { env: setup.env, cwd: setup.dir.root });
  });
  afterEach(() => setup.close());

  it('diff shows a missing provider, sync creates it, then diff is clean; a managed scaling change is one UpdateCapacityProvider', async () => {
    await setup.dir.write('capacity-providers/ec2.yaml', [provider('ec2', 'ec2-asg', 90)]);
    await setup.dir.write('clusters/ec2.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'ec2-cluster' }, spec: { capacityProviders: ['ec2'] } }]);

    const missing = await run(['diff', '.']);
    expect(missing.stdout).toContain(`@@ ${KEY}: missing (will be created) @@`);
    expect(missing.stdout).toContain('+ /spec  [create capacity provider]');
    expect(missing.stdout).toContain('1 capacity provider: 0 in sync, 0 out of sync, 1 missing');
    expect(missing.code).toBe(2);
    const missingJson = JSON.parse((await run(['diff', '.', '--output', 'json'])).stdout) as DiffJsonOutput;
    expect(missingJson.summary.capacityProviders).toEqual({ total: 1, inSync: 0, outOfSync: 0, missing: 1 });
    expect(missingJson.capacityProviders).toMatchObject([{ key: KEY, status: 'missing', action: 'create' }]);

    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const created = await run(['sync', '.']);
    expect(created.stdout).toContain(`✓ ${KEY}  Synced`);
    expect(created.stdout).toContain('sync complete: 0/0 services ok, 1/1 capacity providers ok');
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(writes()).toMatchObject({ CreateCapacityProvider: 1, UpdateCapacityProvider: 0 });
    const live = setup.sandbox.call('DescribeCapacityProviders', { capacityProviders: ['ec2'], include: ['TAGS'] }, { accountId: ACCOUNT, region: REGION }) as {
      capacityProviders: { autoScalingGroupProvider: { managedScaling: { targetCapacity: number } }; tags: { key: string; value: string }[] }[];
    };
    expect(live.capacityProviders[0]?.autoScalingGroupProvider.managedScaling.targetCapacity).toBe(90);
    expect(live.capacityProviders[0]?.tags).toContainEqual({ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' });

    const clean = await run(['diff', '.']);
    expect(clean.stdout).toContain(`= ${KEY}: in sync`);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect((JSON.parse((await run(['diff', '.', '--output', 'json'])).stdout) as DiffJsonOutput).summary.capacityProviders)
      .toEqual({ total: 1, inSync: 1, outOfSync: 0, missing: 0 });

    await setup.dir.write('capacity-providers/ec2.yaml', [provider('ec2', 'ec2-asg', 70)]);
    const changed = await run(['diff', '.', '--output', 'json']);
    expect(changed.code).toBe(2);
    expect((JSON.parse(changed.stdout) as DiffJsonOutput).capacityProviders).toEqual([{
      key: KEY, status: 'out-of-sync', action: 'update',
      changes: [{ pointer: '/spec/autoScalingGroupProvider/managedScaling/targetCapacity', desired: 70, live: 90, kind: 'changed', scope: 'capacityProvider' }],
    }]);
    const changedText = await run(['diff', '.']);
    expect(changedText.stdout).toContain('~ /spec/autoScalingGroupProvider/managedScaling/targetCapacity  [update capacity provider]\n-   90\n+   70');

    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const updated = await run(['sync', '.', '--output', 'json']);
    expect(updated.code, updated.stdout + updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ ok: true, capacityProviders: [{ key: KEY, sync: 'Synced', lastApplySucceeded: true }] });
    expect(writes()).toMatchObject({ CreateCapacityProvider: 0, UpdateCapacityProvider: 1, DeleteCapacityProvider: 0 });
    expect((await run(['diff', '.'])).code).toBe(0);
  });

  it('--service compares no provider; --cluster only those its manifest attaches', async () => {
    await setup.dir.write('capacity-providers/ec2.yaml', [provider('ec2', 'ec2-asg', 90)]);
    await setup.dir.write('capacity-providers/spare.yaml', [provider('spare', 'spare-asg', 90)]);
    await setup.dir.write('clusters/ec2.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'ec2-cluster' }, spec: { capacityProviders: ['ec2'] } }]);
    const all = JSON.parse((await run(['diff', '.', '--output', 'json'])).stdout) as DiffJsonOutput;
    expect(all.capacityProviders.map((p) => p.key)).toEqual([KEY, `capacity-provider:${REGION}/spare`]);
    const cluster = JSON.parse((await run(['diff', '.', '--cluster', 'ec2-cluster', '--output', 'json'])).stdout) as DiffJsonOutput;
    expect(cluster.capacityProviders.map((p) => p.key)).toEqual([KEY]);
    const service = await run(['diff', '.', '--service', 'web', '--output', 'json']);
    expect(service.code).toBe(0);
    expect((JSON.parse(service.stdout) as DiffJsonOutput).summary.capacityProviders.total).toBe(0);
  });

  it('a group change is shown as needing replacement (exit 2) and sync refuses it with exit 1, writing nothing', async () => {
    await setup.dir.write('capacity-providers/ec2.yaml', [provider('ec2', 'ec2-asg', 90)]);
    expect((await run(['sync', '.'])).code).toBe(0);

    await setup.dir.write('capacity-providers/ec2.yaml', [provider('ec2', 'other-asg', 90)]);
    const diff = await run(['diff', '.']);
    expect(diff.code).toBe(2);
    expect(diff.stdout).toContain('~ /spec/autoScalingGroupProvider/autoScalingGroupArn  [REQUIRES REPLACEMENT]');
    expect(diff.stderr).toContain(`warning ${KEY}: sync would not apply it: DIFF_REQUIRES_REPLACEMENT:`);

    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const sync = await run(['sync', '.']);
    expect(sync.stdout).toContain(`✗ ${KEY}  OutOfSync  DIFF_REQUIRES_REPLACEMENT`);
    expect(sync.stdout).toContain('CONTROLLER_SYNC_FAILED: sync finished with failures: 0/0 services ok, 0/1 capacity providers ok');
    expect(sync.code).toBe(1);
    expect(writes()).toEqual({ CreateCapacityProvider: 0, UpdateCapacityProvider: 0, DeleteCapacityProvider: 0, TagResource: 0, UntagResource: 0 });
  });

  it('a provider nobody opted in: diff shows what differs and why sync would refuse; sync exits 1 and touches nothing', async () => {
    setup.sandbox.call('CreateCapacityProvider', {
      name: 'ec2', autoScalingGroupProvider: { autoScalingGroupArn: asg('ec2-asg'), managedScaling: { status: 'ENABLED', targetCapacity: 100 } },
      tags: [{ key: 'team', value: 'infra' }],
    }, { accountId: ACCOUNT, region: REGION });
    await setup.dir.write('capacity-providers/ec2.yaml', [provider('ec2', 'ec2-asg', 80)]);

    const diff = await run(['diff', '.', '--output', 'json']);
    expect(diff.code).toBe(2);
    expect((JSON.parse(diff.stdout) as DiffJsonOutput).capacityProviders).toEqual([expect.objectContaining({
      key: KEY, status: 'out-of-sync', blocked: expect.objectContaining({ code: 'DIFF_ADOPTION_NOT_ALLOWED' }) as unknown,
      changes: [expect.objectContaining({ pointer: '/spec/autoScalingGroupProvider/managedScaling/targetCapacity', desired: 80, live: 100 })],
    })]);
    expect(diff.stderr).toContain(`warning ${KEY}: sync would not apply it: DIFF_ADOPTION_NOT_ALLOWED:`);

    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const sync = await run(['sync', '.']);
    expect(sync.stdout).toContain(`✗ ${KEY}  OutOfSync  DIFF_ADOPTION_NOT_ALLOWED`);
    expect(sync.code).toBe(1);
    expect(writes()).toEqual({ CreateCapacityProvider: 0, UpdateCapacityProvider: 0, DeleteCapacityProvider: 0, TagResource: 0, UntagResource: 0 });
  });

  it('sync exits 1 when ECS refuses to create a provider, and still applies the others', async () => {
    // ECS (and the sandbox) refuse a second provider on an Auto Scaling group another provider uses.
    setup.sandbox.call('CreateCapacityProvider', { name: 'existing', autoScalingGroupProvider: { autoScalingGroupArn: asg('shared-asg') } }, { accountId: ACCOUNT, region: REGION });
    await setup.dir.write('capacity-providers/ec2.yaml', [provider('ec2', 'shared-asg', 90)]);
    await setup.dir.write('capacity-providers/spare.yaml', [provider('spare', 'spare-asg', 90)]);

    const sync = await run(['sync', '.', '--output', 'json']);
    expect(sync.code).toBe(1);
    const report = JSON.parse(sync.stdout) as { ok: boolean; capacityProviders: { key: string; sync: string; lastApplySucceeded?: boolean; lastError?: { code: string } }[] };
    expect(report.ok).toBe(false);
    expect(report.capacityProviders).toEqual([
      expect.objectContaining({ key: KEY, sync: 'OutOfSync', lastApplySucceeded: false, lastError: expect.objectContaining({ code: expect.stringMatching(/^AWS_/) as unknown }) as unknown }),
      expect.objectContaining({ key: `capacity-provider:${REGION}/spare`, sync: 'Synced', lastApplySucceeded: true }),
    ]);
  });
});
