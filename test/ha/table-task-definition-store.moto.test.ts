/**
 * TableTaskDefinitionStore (src/ha/table-task-definition-store.ts) over the
 * real lease table in moto_server's DynamoDB: what one replica saves, another
 * loads as EcsReader's values (Dates included); saves are batched, deduped
 * and never throw; failures reach onError.
 */
import { randomUUID } from 'node:crypto';
import type * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { connectEcs, DYNAMODB_CACHE_MAX_ATTEMPTS } from '../../src/app/runtime.js';
import type { LiveTaskDefinition } from '../../src/ecs/ecs-reader.js';
import { createDynamoDbClient, DynamoLeaseTable } from '../../src/ha/lease-table.js';
import { TableTaskDefinitionStore } from '../../src/ha/table-task-definition-store.js';
import type { CachedTaskDefinition, LeaseTable } from '../../src/ha/types.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';

const endpoint = motoEndpoint();
const LOCATION = '123456789012@eu-west-1';

function liveTaskDefinition(revision: number): LiveTaskDefinition {
  const taskDefinition: ECS.TaskDefinition = {
    taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/web:${revision}`,
    family: 'web', revision, status: 'ACTIVE', registeredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, revision)),
    containerDefinitions: [{ name: 'app', image: `repo/web:${revision}`, essential: true, environment: [{ name: 'N', value: String(revision) }] }],
  };
  return { taskDefinition, tags: [{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }] };
}

/** `table` with some methods replaced (the others call the real table). */
function withOverrides(table: LeaseTable, overrides: Partial<Pick<LeaseTable, 'putTaskDefinitions' | 'taskDefinitions'>>): LeaseTable {
  return {
    name: table.name,
    ensure: (o) => table.ensure(o), leases: (s) => table.leases(s), members: (s) => table.members(s),
    heartbeat: (m, s) => table.heartbeat(m, s), leave: (r, s) => table.leave(r, s),
    acquire: (sh, h, p, e, s) => table.acquire(sh, h, p, e, s), renew: (sh, h, ep, e, s) => table.renew(sh, h, ep, e, s),
    release: (sh, h, ep, s) => table.release(sh, h, ep, s),
    putTaskDefinitions: (l, e, s) => table.putTaskDefinitions(l, e, s), taskDefinitions: (l, s) => table.taskDefinitions(l, s),
    ...overrides,
  };
}

/** Counts the writes reaching the real table (how many putTaskDefinitions calls, which ARNs). */
function counting(table: LeaseTable): { table: LeaseTable; puts: string[][] } {
  const puts: string[][] = [];
  const wrapped = withOverrides(table, {
    putTaskDefinitions: (location: string, entries: readonly CachedTaskDefinition[], signal?: AbortSignal) => {
      puts.push(entries.map((e) => e.arn));
      return table.putTaskDefinitions(location, entries, signal);
    },
  });
  return { table: wrapped, puts };
}

describe.skipIf(endpoint === null)('TableTaskDefinitionStore against moto', () => {
  const newTable = async (): Promise<DynamoLeaseTable> => {
    const client = createDynamoDbClient({ region: 'eu-west-1', endpoint: endpoint as string, credentials: dummyCredentials(), maxAttempts: 1 });
    const table = new DynamoLeaseTable({ client, table: `ecs-gitops-test-${randomUUID().slice(0, 8)}` });
    await table.ensure({ create: true });
    return table;
  };

  it('round-trips 60 task definitions saved by one replica to another that loads them, Dates and tags included', async () => {
    const table = await newTable();
    const errors: unknown[] = [];
    const { table: counted, puts } = counting(table);
    const writer = new TableTaskDefinitionStore(counted, { onError: (e) => errors.push(e) });
    const all = Array.from({ length: 60 }, (_, i) => liveTaskDefinition(i + 1));
    // Saved as EcsReader does: a few at a time, in one turn.
    for (let i = 0; i < all.length; i += 7) writer.save(LOCATION, all.slice(i, i + 7));
    await writer.flush();
    expect(errors).toEqual([]);
    // Coalesced: one write for everything saved before the timer fired.
    expect(puts).toHaveLength(1);
    expect(puts[0]).toHaveLength(60);

    const reader = new TableTaskDefinitionStore(table, { onError: (e) => errors.push(e) });
    const loaded = await reader.load(LOCATION);
    const byRevision = (a: LiveTaskDefinition, b: LiveTaskDefinition) => (a.taskDefinition.revision ?? 0) - (b.taskDefinition.revision ?? 0);
    expect(loaded.sort(byRevision)).toEqual(all);
    expect(loaded[0]?.taskDefinition.registeredAt).toBeInstanceOf(Date);
    expect(await reader.load('eu-central-1')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('stores {"taskDefinition":...,"tags":[...]} as the item body', async () => {
    const table = await newTable();
    const store = new TableTaskDefinitionStore(table);
    const value = liveTaskDefinition(1);
    store.save(LOCATION, [value]);
    await store.flush();
    const [entry] = await table.taskDefinitions(LOCATION);
    expect(entry?.arn).toBe(value.taskDefinition.taskDefinitionArn);
    expect(JSON.parse(entry?.json ?? '')).toEqual(JSON.parse(JSON.stringify({ taskDefinition: value.taskDefinition, tags: value.tags })));
  });

  it('writes no ARN twice: not one saved again, nor one it loaded', async () => {
    const table = await newTable();
    const first = new TableTaskDefinitionStore(table);
    first.save(LOCATION, [liveTaskDefinition(1)]);
    await first.flush();

    const { table: counted, puts } = counting(table);
    const store = new TableTaskDefinitionStore(counted);
    expect(await store.load(LOCATION)).toHaveLength(1);
    store.save(LOCATION, [liveTaskDefinition(1), liveTaskDefinition(2)]);
    await store.flush();
    store.save(LOCATION, [liveTaskDefinition(2), liveTaskDefinition(1)]);
    store.save(LOCATION, [liveTaskDefinition(3), liveTaskDefinition(3)]);
    await store.flush();
    expect(puts).toEqual([[liveTaskDefinition(2).taskDefinition.taskDefinitionArn], [liveTaskDefinition(3).taskDefinition.taskDefinitionArn]]);
    expect((await table.taskDefinitions(LOCATION)).map((e) => e.arn).sort()).toEqual([1, 2, 3].map((r) => liveTaskDefinition(r).taskDefinition.taskDefinitionArn).sort());
  });

  it('never throws: a table that is gone loads [] and fails saves to onError, and the failed ARNs are written when saved again', async () => {
    const table = await newTable();
    const gone = new DynamoLeaseTable({
      client: createDynamoDbClient({ region: 'eu-west-1', endpoint: endpoint as string, credentials: dummyCredentials(), maxAttempts: 1 }),
      table: `${table.name}-gone`,
    });
    const errors: { code?: string }[] = [];
    // Writes go to the missing table until `healed`, then to the real one.
    let healed = false;
    const switching = withOverrides(table, {
      putTaskDefinitions: (location, entries, signal) => (healed ? table : gone).putTaskDefinitions(location, entries, signal),
      taskDefinitions: (location, signal) => (healed ? table : gone).taskDefinitions(location, signal),
    });
    const store = new TableTaskDefinitionStore(switching, { onError: (e) => errors.push(e as { code?: string }) });

    expect(await store.load(LOCATION)).toEqual([]);
    expect(() => store.save(LOCATION, [liveTaskDefinition(1)])).not.toThrow();
    await store.flush();
    expect(errors.map((e) => e.code)).toEqual(['HA_TABLE_UNAVAILABLE', 'HA_TABLE_UNAVAILABLE']);

    healed = true;
    store.save(LOCATION, [liveTaskDefinition(1)]);
    await store.flush();
    expect((await table.taskDefinitions(LOCATION)).map((e) => e.arn)).toEqual([liveTaskDefinition(1).taskDefinition.taskDefinitionArn]);
  });

  it('skips an unreadable entry on load and reports it, keeping the others', async () => {
    const table = await newTable();
    const good = liveTaskDefinition(2);
    await table.putTaskDefinitions(LOCATION, [
      { arn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1', json: '{not json' },
      { arn: good.taskDefinition.taskDefinitionArn as string, json: JSON.stringify(good) },
    ]);
    const errors: unknown[] = [];
    const loaded = await new TableTaskDefinitionStore(table, { onError: (e) => errors.push(e) }).load(LOCATION);
    expect(loaded).toEqual([good]);
    expect(errors).toHaveLength(1);
  });

  it('writes a loaded entry again when it is used and its ttl is under 60 days away, and no other', async () => {
    const day = 24 * 3600 * 1000;
    const now = Date.UTC(2026, 6, 1);
    const name = `ecs-gitops-test-${randomUUID().slice(0, 8)}`;
    const client = createDynamoDbClient({ region: 'eu-west-1', endpoint: endpoint as string, credentials: dummyCredentials(), maxAttempts: 1 });
    const tableAt = (at: number) => new DynamoLeaseTable({ client, table: name, clock: () => at });
    await tableAt(now).ensure({ create: true });
    // Revisions 1-3 written 40 days ago (ttl 50 days away), revision 4 ten days ago (ttl 80 days away).
    const arn = (r: number) => liveTaskDefinition(r).taskDefinition.taskDefinitionArn as string;
    const json = (r: number) => JSON.stringify({ taskDefinition: liveTaskDefinition(r).taskDefinition, tags: liveTaskDefinition(r).tags });
    await tableAt(now - 40 * day).putTaskDefinitions(LOCATION, [1, 2, 3].map((r) => ({ arn: arn(r), json: json(r) })));
    await tableAt(now - 10 * day).putTaskDefinitions(LOCATION, [{ arn: arn(4), json: json(4) }]);
    const ttls = async () => new Map((await tableAt(now).taskDefinitions(LOCATION)).map((e) => [e.arn, e.ttl]));
    const before = await ttls();
    expect(before.get(arn(1))).toBe((now + 50 * day) / 1000);

    const { table: counted, puts } = counting(tableAt(now));
    const store = new TableTaskDefinitionStore(counted, { clock: () => now });
    const loaded = await store.load(LOCATION);
    expect(loaded).toHaveLength(4);
    // Loading writes nothing: an entry is refreshed only once in use (EcsReader saves a loaded entry on its first use).
    await store.flush();
    expect(puts).toEqual([]);
    const byRevision = (r: number) => loaded.find((v) => v.taskDefinition.revision === r) as LiveTaskDefinition;
    store.save(LOCATION, [byRevision(1), byRevision(4)]);
    store.save(LOCATION, [byRevision(2)]);
    await store.flush();
    // One batched write, of the two old ones in use; revision 4 is recent enough, revision 3 is not in use.
    expect(puts).toEqual([[arn(1), arn(2)]]);
    const after = await ttls();
    expect(after.get(arn(1))).toBe((now + 90 * day) / 1000);
    expect(after.get(arn(2))).toBe((now + 90 * day) / 1000);
    expect(after.get(arn(3))).toBe(before.get(arn(3)));
    expect(after.get(arn(4))).toBe(before.get(arn(4)));
    // The same body as before, still loadable.
    expect((await new TableTaskDefinitionStore(tableAt(now)).load(LOCATION)).find((v) => v.taskDefinition.revision === 1)).toEqual(liveTaskDefinition(1));
    // Refreshed once: used again, nothing written.
    store.save(LOCATION, [byRevision(1), byRevision(2), byRevision(4)]);
    await store.flush();
    expect(puts).toHaveLength(1);
  });

  it('gives the event loop turns while decoding a large load', async () => {
    const table = await newTable();
    const many: CachedTaskDefinition[] = Array.from({ length: 350 }, (_, i) => {
      const value = liveTaskDefinition(i + 1);
      return { arn: value.taskDefinition.taskDefinitionArn as string, json: JSON.stringify({ taskDefinition: value.taskDefinition, tags: value.tags }) };
    });
    // The entries are at hand at once: any turn the loop gets during load() is the decoding's.
    const store = new TableTaskDefinitionStore(withOverrides(table, { taskDefinitions: () => Promise.resolve(many) }));
    let turns = 0;
    let counting = true;
    const tick = () => {
      if (!counting) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const loaded = await store.load(LOCATION);
    counting = false;
    expect(loaded).toHaveLength(350);
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('runs over a DynamoDB client of its own in a replica (connectEcs), with a longer timeout and more attempts than the leases\'', async () => {
    const credentials = dummyCredentials();
    const connection = await connectEcs({
      region: 'eu-west-1',
      env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_ENDPOINT_URL_DYNAMODB: endpoint as string },
    });
    try {
      const leases = connection.dynamoDb({ purpose: 'leases', requestTimeoutMs: 2000 });
      const cache = connection.dynamoDb({ purpose: 'cache' });
      expect(cache).not.toBe(leases);
      expect(connection.dynamoDb({ requestTimeoutMs: 2000 })).toBe(leases);
      expect(connection.dynamoDb({ purpose: 'cache' })).toBe(cache);
      expect(await leases.config.maxAttempts()).toBe(2);
      expect(await cache.config.maxAttempts()).toBe(DYNAMODB_CACHE_MAX_ATTEMPTS);
      // Both reach the same table: the cache's calls go through its own client only.
      const sent: string[] = [];
      cache.middlewareStack.add((next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      }, { step: 'initialize' });
      const name = `ecs-gitops-test-${randomUUID().slice(0, 8)}`;
      await new DynamoLeaseTable({ client: leases, table: name }).ensure({ create: true });
      const store = new TableTaskDefinitionStore(new DynamoLeaseTable({ client: cache, table: name }));
      store.save(LOCATION, [liveTaskDefinition(1)]);
      await store.flush();
      expect(await store.load(LOCATION)).toEqual([liveTaskDefinition(1)]);
      expect(sent).toEqual(['BatchWriteItemCommand', 'QueryCommand']);
    } finally {
      await connection.close();
    }
  });

  it('flush waits for saves made while a write is under way', async () => {
    const table = await newTable();
    const store = new TableTaskDefinitionStore(table);
    store.save(LOCATION, [liveTaskDefinition(1)]);
    const flushing = store.flush();
    store.save(LOCATION, [liveTaskDefinition(2)]);
    await flushing;
    expect((await table.taskDefinitions(LOCATION)).map((e) => e.arn).sort()).toEqual(
      [1, 2].map((r) => liveTaskDefinition(r).taskDefinition.taskDefinitionArn).sort(),
    );
  });
});
