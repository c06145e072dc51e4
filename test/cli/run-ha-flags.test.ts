/**
 * `run --ha-table` and its flags (docs/ha.md): bad values are refused before
 * any AWS call with CLI_BAD_FLAG_VALUE naming the flag; a missing table the
 * controller may not create, or a table with the wrong keys, stops the start
 * with HA_TABLE_MISSING / HA_TABLE_SCHEMA naming the table, before anything
 * reconciles; a table it may create is created on moto's DynamoDB; a
 * replica's /api/v1/status names it and its shards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';
import { runCliCaptured } from '../support/run-cli.js';

const ACCOUNT = '310000000026';

describe('run --ha-table', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let moto: string;
  const awsEnv = (): Record<string, string> => ({
    AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_ENDPOINT_URL_DYNAMODB: moto,
    AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy-secret-key-for-tests', AWS_REGION: REGION,
  });
  const dynamo = () => new DynamoDBClient({ region: REGION, endpoint: moto, credentials: dummyCredentials() });
  const table = () => `ecs-gitops-cli-${randomUUID().slice(0, 8)}`;
  const run = (args: readonly string[]) => runCliCaptured(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, ...args], { env: awsEnv() });

  beforeAll(async () => {
    const endpoint = motoEndpoint();
    if (!endpoint) throw new Error('moto_server is not running (install moto[server])');
    moto = endpoint;
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    dir = await ManifestDir.create();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
  });
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
  });

  it.each([
    [['--ha-table', 'x'], '--ha-table: "x" is not a DynamoDB table name'],
    [['--ha-table', 'ecs-gitops-ok', '--replica-id', 'has space'], '--replica-id: "has space" is not a replica id'],
    [['--ha-table', 'ecs-gitops-ok', '--ha-lease', '10s'], '--ha-lease: 10s leaves no room for a failed renewal: --ha-lease minus --ha-fence-margin (6s) must exceed twice --ha-renew (10s)'],
    [['--ha-table', 'ecs-gitops-ok', '--ha-buckets', '0'], '--ha-buckets: must be a whole number from 1 to 256'],
    [['--replica-id', 'r1'], '--replica-id: only means something with --ha-table'],
    [['--ha-table', 'ecs-gitops-ok', '--sandbox'], '--ha-table cannot be used with --sandbox'],
  ])('refuses %j before any AWS call', async (args, message) => {
    const since = Date.now();
    const result = await run(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('CLI_BAD_FLAG_VALUE');
    expect(result.stderr).toContain(message);
    expect(sandbox.admin.callLog({ accountId: ACCOUNT, since })).toEqual([]);
  });

  it('stops at start with HA_TABLE_MISSING when the table is missing and --no-ha-create-table, before any ECS call', async () => {
    const since = Date.now();
    const name = table();
    const result = await run(['--ha-table', name, '--no-ha-create-table']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('HA_TABLE_MISSING');
    expect(result.stderr).toContain(name);
    expect(sandbox.admin.callLog({ accountId: ACCOUNT, since })).toEqual([]);
  });

  it('stops at start with HA_TABLE_SCHEMA when the table has other keys, and leaves that table alone', async () => {
    const name = table();
    await dynamo().send(new CreateTableCommand({
      TableName: name, BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    }));
    const since = Date.now();
    const result = await run(['--ha-table', name]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('HA_TABLE_SCHEMA');
    expect(result.stderr).toContain(name);
    expect(sandbox.admin.callLog({ accountId: ACCOUNT, since })).toEqual([]);
    const after = await dynamo().send(new DescribeTableCommand({ TableName: name }));
    expect(after.Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
  });

  it('creates a missing table, takes the shard after its first round and reports itself in /api/v1/status', async () => {
    const name = table();
    const xdg = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-ha-xdg-'));
    const cli = startCliInProcess(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, '--ha-table', name, '--replica-id', 'only-one',
      '--ha-lease', '3s', '--ha-renew', '500ms', '--ha-fence-margin', '1s', '--ha-clock-skew', '200ms'], { ...awsEnv(), XDG_STATE_HOME: xdg });
    try {
      const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
      const created = await dynamo().send(new DescribeTableCommand({ TableName: name }));
      expect(created.Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
      let status: { ha?: { replicaId: string; held: string[]; shards: Array<{ shard: string; holder?: string }>; takeoverBoundMs: number }; services: Array<{ sync: string }> } = { services: [] };
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        status = await (await fetch(`${url}/api/v1/status`)).json() as typeof status;
        if (status.ha?.held.length === 1 && status.services[0]?.sync === 'Synced') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status.ha?.replicaId).toBe('only-one');
      expect(status.ha?.held).toEqual([REGION]);
      expect(status.ha?.shards).toEqual([expect.objectContaining({ shard: REGION, holder: 'only-one' })]);
      expect(status.ha?.takeoverBoundMs).toBe(3000 + 200 + 500);
      expect(status.services.map((s) => s.sync)).toEqual(['Synced']);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`ecs_gitops_shard_held{shard="${REGION}"} 1`);
      expect(metrics).toMatch(/ecs_gitops_lease_transitions_total\{transition="acquired"\} 1\b/);
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    // Replicas on one host keep separate state dirs by default (their notification journals must not be shared).
    const line = cli.stdout().split('\n').find((l) => l.includes('"msg":"state dir"'));
    expect((JSON.parse(line ?? '{}') as { stateDir?: string }).stateDir).toBe(path.join(xdg, 'ecs-gitops', 'ecs-gitops-only-one'));
    await rm(xdg, { recursive: true, force: true });
    // SIGTERM released the lease and left.
    const { Items } = await dynamo().send(new (await import('@aws-sdk/client-dynamodb')).ScanCommand({ TableName: name }));
    const lease = Items?.find((i) => i.pk?.S === 'lease');
    expect(lease?.holder).toBeUndefined();
    expect(Items?.some((i) => i.pk?.S === 'member')).toBe(false);
  }, 60_000);
});
