/**
 * The lease table's adapter (src/ha/lease-table.ts) over the real SDK against
 * moto_server's DynamoDB: creating and checking the table, the conditional
 * writes that make leases exclusive and epochs monotonic, members, paging,
 * and the task definitions stored for warm takeovers. Each test has a table
 * of its own.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, GetItemCommand, UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoDbClient, DynamoLeaseTable } from '../../src/ha/lease-table.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';

const endpoint = motoEndpoint();
const client = (): DynamoDBClient => createDynamoDbClient({ region: 'eu-west-1', endpoint: endpoint as string, credentials: dummyCredentials(), maxAttempts: 1 });
const tableName = () => `ecs-gitops-test-${randomUUID().slice(0, 8)}`;

async function freshTable(options: { pageSize?: number; c?: DynamoDBClient } = {}): Promise<DynamoLeaseTable> {
  const table = new DynamoLeaseTable({ client: options.c ?? client(), table: tableName(), pageSize: options.pageSize, createPollMs: 50 });
  expect(await table.ensure({ create: true })).toBe('created');
  return table;
}

const errorOf = async (p: Promise<unknown>): Promise<{ code?: string; message: string; cause?: unknown }> => {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
};

const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ arn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/web:${i + 1}`, json: `{"r":${i + 1}}` }));

type BatchInput = { RequestItems?: Record<string, unknown[]> };
const batchItems = (input: BatchInput): unknown[] => Object.values(input.RequestItems ?? {}).flat();

/** The number of items each BatchWriteItem call sends. */
function recordBatchSizes(c: DynamoDBClient): number[] {
  const sizes: number[] = [];
  c.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'BatchWriteItemCommand') sizes.push(batchItems(args.input as BatchInput).length);
    return next(args);
  }, { step: 'initialize' });
  return sizes;
}

/**
 * Makes BatchWriteItem process only the first `processed(call)` items of a
 * call: those go to moto, the others come back as UnprocessedItems, the way
 * DynamoDB answers when it throttles part of a batch (moto never does).
 */
function leaveUnprocessed(c: DynamoDBClient, processed: (call: number) => number): void {
  let call = 0;
  c.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName !== 'BatchWriteItemCommand') return next(args);
    const input = args.input as BatchInput;
    const [table, requests] = Object.entries(input.RequestItems ?? {})[0] ?? ['', []];
    const keep = processed(call++);
    if (keep >= requests.length) return next(args);
    const unprocessed = { [table]: requests.slice(keep) };
    if (keep === 0) return { output: { UnprocessedItems: unprocessed, $metadata: {} }, response: {} } as Awaited<ReturnType<typeof next>>;
    const result = await next({ ...args, input: { ...input, RequestItems: { [table]: requests.slice(0, keep) } } });
    (result.output as { UnprocessedItems?: unknown }).UnprocessedItems = unprocessed;
    return result;
  }, { step: 'initialize', priority: 'low' });
}

describe.skipIf(endpoint === null)('DynamoLeaseTable against moto', () => {
  describe('ensure', () => {
    it('creates a missing table on demand with TTL on `ttl`, then finds it existing', async () => {
      const c = client();
      const name = tableName();
      const table = new DynamoLeaseTable({ client: c, table: name, createPollMs: 50 });
      expect(await table.ensure({ create: true })).toBe('created');
      const { Table } = await c.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
      const ttl = await c.send(new DescribeTimeToLiveCommand({ TableName: name }));
      expect(ttl.TimeToLiveDescription).toEqual({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
      expect(await table.ensure({ create: true })).toBe('exists');
      expect(await new DynamoLeaseTable({ client: client(), table: name }).ensure({ create: false })).toBe('exists');
    });

    it('enables TTL on an existing table that has it off', async () => {
      const c = client();
      const name = tableName();
      await c.send(new CreateTableCommand({
        TableName: name, BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      }));
      await c.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: false } }));
      expect((await c.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
      expect(await new DynamoLeaseTable({ client: c, table: name }).ensure({ create: false })).toBe('exists');
      expect((await c.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription).toEqual({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
    });

    it('refuses a table with another key schema (HA_TABLE_SCHEMA), naming the table and the keys found', async () => {
      const c = client();
      const name = tableName();
      await c.send(new CreateTableCommand({
        TableName: name, BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }));
      const err = await errorOf(new DynamoLeaseTable({ client: c, table: name }).ensure({ create: true }));
      expect(err.code).toBe('HA_TABLE_SCHEMA');
      expect(err.message).toContain(name);
      expect(err.message).toContain('id (HASH, S)');
    });

    it('refuses a missing table it may not create (HA_TABLE_MISSING), and creates nothing', async () => {
      const c = client();
      const name = tableName();
      const err = await errorOf(new DynamoLeaseTable({ client: c, table: name }).ensure({ create: false }));
      expect(err.code).toBe('HA_TABLE_MISSING');
      expect(err.message).toContain(name);
      expect((await errorOf(c.send(new DescribeTableCommand({ TableName: name })))).message).toMatch(/not found/i);
    });

    it('reports an unreachable table as HA_TABLE_UNAVAILABLE with the AWS error name, the table and the cause', async () => {
      // Nothing listens on port 9 of loopback (discard): the connection is refused.
      const c = createDynamoDbClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: dummyCredentials(), maxAttempts: 1 });
      const err = await errorOf(new DynamoLeaseTable({ client: c, table: 'ecs-gitops-nowhere' }).ensure({ create: true }));
      expect(err.code).toBe('HA_TABLE_UNAVAILABLE');
      expect(err.message).toContain('ecs-gitops-nowhere');
      expect(err.message).toContain('DescribeTable');
      expect(err.cause).toBeDefined();
    });
  });

  describe('createDynamoDbClient', () => {
    it('fails a request the server never answers after requestTimeoutMs, as HA_TABLE_UNAVAILABLE', async () => {
      // Accepts connections and never answers.
      const sockets: Socket[] = [];
      const server = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const c = createDynamoDbClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials: dummyCredentials(), maxAttempts: 1, requestTimeoutMs: 200 });
        const err = await errorOf(new DynamoLeaseTable({ client: c, table: 'ecs-gitops-silent' }).leases());
        expect(err.code).toBe('HA_TABLE_UNAVAILABLE');
        expect(err.message).toMatch(/^lease table ecs-gitops-silent: Query failed: TimeoutError/);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('defaults to a 2 s request timeout that fails the request, and 2 attempts', async () => {
      const c = createDynamoDbClient({ region: 'eu-west-1', endpoint: endpoint as string, credentials: dummyCredentials() });
      await new DynamoLeaseTable({ client: c, table: tableName() }).ensure({ create: true });
      // The handler resolves its settings on its first request.
      const handler = c.config.requestHandler as unknown as { httpHandlerConfigs(): Record<string, unknown> };
      expect(handler.httpHandlerConfigs()).toMatchObject({ requestTimeout: 2000, connectionTimeout: 2000, throwOnRequestTimeout: true });
      expect(await c.config.maxAttempts()).toBe(2);
    });

    it('finds the endpoint in AWS_ENDPOINT_URL_DYNAMODB when none is given, as the SDK does', async () => {
      const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB;
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint as string;
      try {
        const c = createDynamoDbClient({ region: 'eu-west-1', credentials: dummyCredentials(), maxAttempts: 1 });
        const name = tableName();
        expect(await new DynamoLeaseTable({ client: c, table: name }).ensure({ create: true })).toBe('created');
        expect((await client().send(new DescribeTableCommand({ TableName: name }))).Table?.TableName).toBe(name);
      } finally {
        if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
        else process.env.AWS_ENDPOINT_URL_DYNAMODB = saved;
      }
    });
  });

  describe('leases', () => {
    it('acquires an absent lease at epoch 1; a contender with the stale epoch then loses', async () => {
      const table = await freshTable();
      expect(await table.acquire('eu-west-1', 'a', { epoch: 0 }, 1_000)).toEqual({ shard: 'eu-west-1', holder: 'a', epoch: 1, expiresAt: 1_000 });
      expect(await table.acquire('eu-west-1', 'b', { epoch: 0 }, 2_000)).toBeUndefined();
      expect(await table.leases()).toEqual([{ shard: 'eu-west-1', holder: 'a', epoch: 1, expiresAt: 1_000 }]);
      // Taking over an expired lease with the epoch read: b wins, a's stale view of it loses.
      expect(await table.acquire('eu-west-1', 'b', { epoch: 1 }, 3_000)).toEqual({ shard: 'eu-west-1', holder: 'b', epoch: 2, expiresAt: 3_000 });
      expect(await table.acquire('eu-west-1', 'a', { epoch: 1 }, 4_000)).toBeUndefined();
      expect(await table.leases()).toEqual([{ shard: 'eu-west-1', holder: 'b', epoch: 2, expiresAt: 3_000 }]);
    });

    it('answers a repeated acquisition of its own (a retried request whose first attempt landed) as won', async () => {
      const table = await freshTable();
      expect(await table.acquire('s', 'a', { epoch: 0 }, 1_000)).toEqual({ shard: 's', holder: 'a', epoch: 1, expiresAt: 1_000 });
      expect(await table.acquire('s', 'a', { epoch: 0 }, 1_000)).toEqual({ shard: 's', holder: 'a', epoch: 1, expiresAt: 1_000 });
      // Another expiry is another attempt, not a retry: it lost.
      expect(await table.acquire('s', 'a', { epoch: 0 }, 1_500)).toBeUndefined();
    });

    it('renews only for the holder at the current epoch', async () => {
      const table = await freshTable();
      await table.acquire('s', 'a', { epoch: 0 }, 1_000);
      expect(await table.renew('s', 'b', 1, 9_000)).toBe(false);
      expect(await table.renew('s', 'a', 2, 9_000)).toBe(false);
      expect(await table.renew('absent', 'a', 1, 9_000)).toBe(false);
      expect(await table.leases()).toEqual([{ shard: 's', holder: 'a', epoch: 1, expiresAt: 1_000 }]);
      expect(await table.renew('s', 'a', 1, 5_000)).toBe(true);
      expect(await table.leases()).toEqual([{ shard: 's', holder: 'a', epoch: 1, expiresAt: 5_000 }]);
      // Taken over: the old holder's renewal at its epoch fails.
      expect(await table.acquire('s', 'b', { epoch: 1 }, 6_000)).toBeDefined();
      expect(await table.renew('s', 'a', 1, 7_000)).toBe(false);
      expect(await table.leases()).toEqual([{ shard: 's', holder: 'b', epoch: 2, expiresAt: 6_000 }]);
    });

    it('refuses the same holder\'s renewal and release at an epoch it held before', async () => {
      const table = await freshTable();
      await table.acquire('s', 'a', { epoch: 0 }, 1_000);
      await table.release('s', 'a', 1);
      expect(await table.acquire('s', 'a', { epoch: 1 }, 2_000)).toEqual({ shard: 's', holder: 'a', epoch: 2, expiresAt: 2_000 });
      expect(await table.renew('s', 'a', 1, 9_000)).toBe(false);
      expect(await table.release('s', 'a', 1)).toBe(false);
      expect(await table.leases()).toEqual([{ shard: 's', holder: 'a', epoch: 2, expiresAt: 2_000 }]);
    });

    it('releases (holder removed, expiresAt 0, epoch kept), and the next acquisition takes epoch + 1', async () => {
      const table = await freshTable();
      await table.acquire('s', 'a', { epoch: 0 }, 1_000);
      expect(await table.release('s', 'b', 1)).toBe(false);
      expect(await table.release('s', 'a', 2)).toBe(false);
      expect(await table.release('s', 'a', 1)).toBe(true);
      expect(await table.leases()).toEqual([{ shard: 's', epoch: 1, expiresAt: 0 }]);
      expect(await table.release('s', 'a', 1)).toBe(false);
      expect(await table.renew('s', 'a', 1, 2_000)).toBe(false);
      expect(await table.acquire('s', 'b', { epoch: 1 }, 3_000)).toEqual({ shard: 's', holder: 'b', epoch: 2, expiresAt: 3_000 });
    });

    it('takes a lease only as it was read: a renewal since the read (expiresAt moved, epoch the same) makes the take fail', async () => {
      const table = await freshTable();
      await table.acquire('s', 'a', { epoch: 0 }, 1_000);
      const read = (await table.leases())[0] as { epoch: number; expiresAt: number };
      // The holder renews after the contender's read: same epoch, later expiry.
      expect(await table.renew('s', 'a', 1, 5_000)).toBe(true);
      expect(await table.acquire('s', 'b', { epoch: read.epoch, expiresAt: read.expiresAt }, 9_000)).toBeUndefined();
      expect(await table.leases()).toEqual([{ shard: 's', holder: 'a', epoch: 1, expiresAt: 5_000 }]);
      // Read again, unchanged since: the take succeeds.
      expect(await table.acquire('s', 'b', { epoch: 1, expiresAt: 5_000 }, 9_000)).toEqual({ shard: 's', holder: 'b', epoch: 2, expiresAt: 9_000 });
    });

    it('keeps epochs strictly increasing over many acquisitions, and lease items carry no ttl', async () => {
      const c = client();
      const table = await freshTable({ c });
      let epoch = 0;
      for (let i = 0; i < 30; i++) {
        const holder = `r${i % 3}`;
        const won = await table.acquire('s', holder, { epoch }, 1_000 + i);
        expect(won?.epoch).toBe(epoch + 1);
        epoch = won?.epoch ?? epoch;
        if (i % 2 === 0) expect(await table.release('s', holder, epoch)).toBe(true);
      }
      expect((await table.leases())[0]?.epoch).toBe(30);
      const { Item } = await c.send(new GetItemCommand({ TableName: table.name, Key: { pk: { S: 'lease' }, sk: { S: 's' } }, ConsistentRead: true }));
      expect(Object.keys(Item ?? {}).sort()).toEqual(['epoch', 'expiresAt', 'holder', 'pk', 'sk']);
    });

    it('lets exactly one of two replicas racing for the same lease win, round after round', async () => {
      const first = await freshTable();
      const second = new DynamoLeaseTable({ client: client(), table: first.name });
      let epoch = 0;
      for (let round = 0; round < 20; round++) {
        const results = await Promise.all([first.acquire('s', 'a', { epoch }, 1_000 + round), second.acquire('s', 'b', { epoch }, 2_000 + round)]);
        const winners = results.filter((r) => r !== undefined);
        expect(winners, `round ${round}`).toHaveLength(1);
        expect(winners[0]?.epoch).toBe(epoch + 1);
        const stored = await first.leases();
        expect(stored).toEqual([winners[0]]);
        epoch += 1;
      }
    });

    it('reads every lease across Query pages', async () => {
      const table = await freshTable({ pageSize: 7 });
      const shards = Array.from({ length: 23 }, (_, i) => `123456789012@eu-west-1#${String(i).padStart(2, '0')}`);
      for (const shard of shards) await table.acquire(shard, 'a', { epoch: 0 }, 1_000);
      const leases = await table.leases();
      expect(leases.map((l) => l.shard)).toEqual(shards);
      expect(new Set(leases.map((l) => l.holder))).toEqual(new Set(['a']));
    });
  });

  describe('members', () => {
    it('heartbeats (with a ttl an hour past expiry), lists every member across pages, and leaves', async () => {
      const c = client();
      const table = await freshTable({ c, pageSize: 2 });
      const members = ['r1', 'r2', 'r3', 'r4', 'r5'].map((replicaId, i) => ({ replicaId, heartbeatAt: 10_000 + i, expiresAt: 25_000 + i, startedAt: 5_000 }));
      for (const m of members) await table.heartbeat(m);
      expect(await table.members()).toEqual(members);
      await table.heartbeat({ ...members[0]!, heartbeatAt: 20_000, expiresAt: 35_000 });
      expect((await table.members())[0]).toEqual({ replicaId: 'r1', heartbeatAt: 20_000, expiresAt: 35_000, startedAt: 5_000 });
      const { Item } = await c.send(new GetItemCommand({ TableName: table.name, Key: { pk: { S: 'member' }, sk: { S: 'r1' } }, ConsistentRead: true }));
      expect(Item?.ttl).toEqual({ N: String(35 + 3600) });
      await table.leave('r2');
      expect((await table.members()).map((m) => m.replicaId)).toEqual(['r1', 'r3', 'r4', 'r5']);
      // Members and leases share the table but not a partition.
      expect(await table.leases()).toEqual([]);
    });
  });

  describe('task definitions', () => {
    it('stores 60 entries, gzipped with a 90-day ttl, and reads them back per location', async () => {
      const c = client();
      const now = Date.UTC(2026, 0, 1);
      const table = new DynamoLeaseTable({ client: c, table: tableName(), clock: () => now, pageSize: 25 });
      await table.ensure({ create: true });
      const entries = Array.from({ length: 60 }, (_, i) => {
        const arn = `arn:aws:ecs:eu-west-1:123456789012:task-definition/web:${i + 1}`;
        return { arn, json: JSON.stringify({ taskDefinition: { taskDefinitionArn: arn, family: 'web', revision: i + 1 }, tags: [] }) };
      });
      await table.putTaskDefinitions('123456789012@eu-west-1', entries);
      await table.putTaskDefinitions('eu-central-1', entries.slice(0, 1));
      const back = await table.taskDefinitions('123456789012@eu-west-1');
      // Each with its item's ttl (seconds), which tells the cache how long ago it was written.
      const ttl = now / 1000 + 90 * 24 * 3600;
      expect(back.sort((x, y) => x.json.localeCompare(y.json))).toEqual([...entries].sort((x, y) => x.json.localeCompare(y.json)).map((e) => ({ ...e, ttl })));
      expect(await table.taskDefinitions('eu-central-1')).toEqual(entries.slice(0, 1).map((e) => ({ ...e, ttl })));
      expect(await table.taskDefinitions('eu-north-1')).toEqual([]);
      const { Item } = await c.send(new GetItemCommand({
        TableName: table.name, Key: { pk: { S: 'taskdef#123456789012@eu-west-1' }, sk: { S: entries[7]!.arn } }, ConsistentRead: true,
      }));
      expect(gunzipSync(Item?.body?.B as Uint8Array).toString('utf8')).toBe(entries[7]!.json);
      expect(Item?.ttl).toEqual({ N: String(now / 1000 + 90 * 24 * 3600) });
    });

    it('sends at most 25 items per BatchWriteItem (moto takes more, DynamoDB does not)', async () => {
      const c = client();
      const sizes = recordBatchSizes(c);
      const table = await freshTable({ c });
      await table.putTaskDefinitions('eu-west-1', entries(60));
      expect(sizes).toEqual([25, 25, 10]);
      expect(await table.taskDefinitions('eu-west-1')).toHaveLength(60);
    });

    it('retries the items DynamoDB leaves unprocessed until all are written', async () => {
      const c = client();
      const sizes = recordBatchSizes(c);
      // The first two calls process only 10 items each and hand the rest back, as a throttled table does.
      leaveUnprocessed(c, (call) => (call < 2 ? 10 : Infinity));
      const table = new DynamoLeaseTable({ client: c, table: tableName(), unprocessedBackoffMs: 1 });
      await table.ensure({ create: true });
      await table.putTaskDefinitions('eu-west-1', entries(30));
      expect(sizes).toEqual([25, 15, 5, 5]);
      expect((await table.taskDefinitions('eu-west-1')).map((e) => e.arn).sort()).toEqual(entries(30).map((e) => e.arn).sort());
    });

    it('gives up on items left unprocessed call after call, as HA_TABLE_UNAVAILABLE', async () => {
      const c = client();
      const sizes = recordBatchSizes(c);
      leaveUnprocessed(c, () => 0);
      const table = new DynamoLeaseTable({ client: c, table: tableName(), unprocessedBackoffMs: 1 });
      await table.ensure({ create: true });
      const err = await errorOf(table.putTaskDefinitions('eu-west-1', entries(3)));
      expect(err.code).toBe('HA_TABLE_UNAVAILABLE');
      expect(err.message).toContain('BatchWriteItem');
      expect(err.message).toContain(table.name);
      expect(sizes).toEqual(Array.from({ length: 8 }, () => 3));
    });

    it('writes an ARN given twice in one call once (BatchWriteItem refuses duplicate keys)', async () => {
      const table = await freshTable();
      const arn = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1';
      await table.putTaskDefinitions('eu-west-1', [{ arn, json: '{"a":1}' }, { arn, json: '{"a":2}' }]);
      expect((await table.taskDefinitions('eu-west-1')).map((e) => ({ arn: e.arn, json: e.json }))).toEqual([{ arn, json: '{"a":2}' }]);
    });

    it('gunzips 250 bodies a hundred at a time off the event loop, which gets turns in between, and stops when aborted', async () => {
      const c = client();
      // Counts the loop's turns from the moment the Query's last page is answered: what remains is the decoding.
      let turns = 0;
      let counting = false;
      const tick = () => {
        if (!counting) return;
        turns++;
        setImmediate(tick);
      };
      c.middlewareStack.add((next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'QueryCommand' && !(out.output as { LastEvaluatedKey?: unknown }).LastEvaluatedKey && counting === false && turns === 0) {
          counting = true;
          setImmediate(tick);
        }
        return out;
      }, { step: 'initialize' });
      const table = await freshTable({ c });
      await table.putTaskDefinitions('eu-west-1', entries(250));
      const back = await table.taskDefinitions('eu-west-1');
      counting = false;
      expect(back.map((e) => e.json).sort()).toEqual(entries(250).map((e) => e.json).sort());
      // Decoded on the loop in one go (gunzipSync) there would be none.
      expect(turns).toBeGreaterThanOrEqual(2);
      const aborted = new AbortController();
      aborted.abort(new Error('stopping'));
      expect((await errorOf(table.taskDefinitions('eu-west-1', aborted.signal))).message).toBe('stopping');
    });

    it('fails a write to a table that is not there as HA_TABLE_UNAVAILABLE', async () => {
      const name = tableName();
      const err = await errorOf(new DynamoLeaseTable({ client: client(), table: name }).putTaskDefinitions('eu-west-1', [{ arn: 'x', json: '{}' }]));
      expect(err.code).toBe('HA_TABLE_UNAVAILABLE');
      expect(err.message).toContain(name);
      expect(err.message).toContain('ResourceNotFoundException');
    });
  });
});
