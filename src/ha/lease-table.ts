/**
 * The lease table's adapter (docs/ha.md "The lease table"): the only module
 * that loads @aws-sdk/client-dynamodb. One table holds three kinds of item,
 * told apart by their partition key:
 *
 * - `pk = "lease"`, `sk = <shard>`: holder (absent once released), epoch,
 *   expiresAt (ms). No `ttl`: an expired-and-deleted lease would restart its
 *   epoch at 1, and epochs must only grow (the write fence compares them).
 * - `pk = "member"`, `sk = <replica id>`: heartbeatAt, expiresAt, startedAt
 *   (ms), `ttl` an hour after expiresAt so members that died are cleaned up.
 * - `pk = "taskdef#<location>"`, `sk = <task definition ARN>`: `body`, the
 *   gzip of the DescribeTaskDefinition answer's JSON, `ttl` 90 days after
 *   the last write (an entry in use is written again before it expires).
 *
 * Items are marshalled by hand: there are few attributes and all are S, N or B.
 * Every conditional write that loses answers false/undefined; anything else
 * throws a GitopsError (src/errors/ha-codes.ts) naming the table.
 */
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import {
  BatchWriteItemCommand, ConditionalCheckFailedException, CreateTableCommand, DeleteItemCommand, DescribeTableCommand,
  DescribeTimeToLiveCommand, DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand, UpdateTimeToLiveCommand,
  type AttributeValue, type DynamoDBClientConfig, type PutItemCommandInput, type TableDescription, type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { GitopsError } from '../errors/index.js';
import type { CachedTaskDefinition, LeaseRecord, LeaseTable, MemberRecord } from './types.js';

type Item = Record<string, AttributeValue>;

const LEASE_PK = 'lease';
const MEMBER_PK = 'member';
const taskDefinitionPk = (location: string) => `taskdef#${location}`;
/** The TTL attribute (seconds since the epoch); DynamoDB deletes items some time after it passes. */
const TTL_ATTRIBUTE = 'ttl';
/** Members that stopped heartbeating stay an hour past their expiry (status shows them gone, not vanished). */
const MEMBER_TTL_SECONDS = 3600;
/** Task definition revisions never change; 90 days without a save lets retired ones go. */
export const TASK_DEFINITION_TTL_SECONDS = 90 * 24 * 3600;
/** Items whose bodies are gunzipped at once by taskDefinitions(); the loop gets a turn between groups. */
const DECODE_CHUNK = 100;
const gunzipAsync = promisify(gunzip);

/**
 * A stored task definition as taskDefinitions() answers it: with the item's
 * `ttl` (seconds since the epoch), which tells how long ago it was written,
 * so an entry still in use can be written again before it expires
 * (src/ha/table-task-definition-store.ts).
 */
export interface StoredTaskDefinition extends CachedTaskDefinition {
  readonly ttl?: number;
}

/** BatchWriteItem's limit per call. */
const BATCH_WRITE_MAX = 25;
const UNPROCESSED_MAX_ATTEMPTS = 8;

/** Expression attribute names: `ttl` is a DynamoDB reserved word, and naming every attribute keeps the others safe too. */
const NAMES = { '#pk': 'pk', '#holder': 'holder', '#epoch': 'epoch', '#expiresAt': 'expiresAt' } as const;

export interface DynamoDbClientOptions {
  readonly region: string;
  /** Endpoint override (moto, a proxy); otherwise the SDK's chain: AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL. */
  readonly endpoint?: string;
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /**
   * SDK attempts per call. Two: a renewal retried once still lands within a
   * renew interval with the default timeout, and a retried acquisition whose
   * first attempt had succeeded is recognised (see acquire). @default 2
   */
  readonly maxAttempts?: number;
  /**
   * Milliseconds a request (and a connection) may take. Short: a lease call
   * that hangs must fail well before the fence (docs/ha.md "Timings and the
   * takeover bound"), not after the SDK's default of minutes. @default 2000
   */
  readonly requestTimeoutMs?: number;
}

/** A DynamoDB client for the lease table: short request timeout, few attempts. */
export function createDynamoDbClient(options: DynamoDbClientOptions): DynamoDBClient {
  const timeout = options.requestTimeoutMs ?? 2000;
  return new DynamoDBClient({
    region: options.region,
    // Leaving `endpoint` unset keeps the SDK's own lookup of AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL.
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 2,
    // Options rather than an instance: the SDK builds its NodeHttpHandler (@smithy/node-http-handler) from them.
    // Without throwOnRequestTimeout that handler only logs a warning when requestTimeout passes and keeps waiting.
    requestHandler: { requestTimeout: timeout, connectionTimeout: timeout, throwOnRequestTimeout: true },
  });
}

export interface DynamoLeaseTableOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** Wall-clock ms (the task definitions' ttl). @default Date.now */
  readonly clock?: () => number;
  /** Query page size (Limit); unset lets DynamoDB page at 1 MB. Tests set it to cover paging. */
  readonly pageSize?: number;
  /** How often ensure() polls a table being created. @default 1000 */
  readonly createPollMs?: number;
  /** How many polls ensure() waits for a new table to be ACTIVE. @default 120 */
  readonly createPollAttempts?: number;
  /** First pause before retrying BatchWriteItem's unprocessed items, doubled each time. @default 50 */
  readonly unprocessedBackoffMs?: number;
}

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

function str(item: Item, name: string): string | undefined {
  const v = item[name];
  return v && 'S' in v && typeof v.S === 'string' ? v.S : undefined;
}

function num(item: Item, name: string): number {
  const v = item[name];
  const n = v && 'N' in v ? Number(v.N) : NaN;
  return Number.isFinite(n) ? n : 0;
}

function leaseOf(item: Item): LeaseRecord {
  const holder = str(item, 'holder');
  return { shard: str(item, 'sk') ?? '', ...(holder !== undefined ? { holder } : {}), epoch: num(item, 'epoch'), expiresAt: num(item, 'expiresAt') };
}

function memberOf(item: Item): MemberRecord {
  return { replicaId: str(item, 'sk') ?? '', heartbeatAt: num(item, 'heartbeatAt'), expiresAt: num(item, 'expiresAt'), startedAt: num(item, 'startedAt') };
}

const awsName = (err: unknown): string =>
  typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string' ? (err as { name: string }).name : 'Error';

const isConditionFailure = (err: unknown): err is ConditionalCheckFailedException =>
  err instanceof ConditionalCheckFailedException || awsName(err) === 'ConditionalCheckFailedException';

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? Object.assign(new Error('aborted'), { name: 'AbortError' });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class DynamoLeaseTable implements LeaseTable {
  readonly name: string;
  readonly #client: DynamoDBClient;
  readonly #clock: () => number;
  readonly #pageSize: number | undefined;
  readonly #pollMs: number;
  readonly #pollAttempts: number;
  readonly #backoffMs: number;

  constructor(options: DynamoLeaseTableOptions) {
    this.name = options.table;
    this.#client = options.client;
    this.#clock = options.clock ?? Date.now;
    this.#pageSize = options.pageSize;
    this.#pollMs = options.createPollMs ?? 1000;
    this.#pollAttempts = options.createPollAttempts ?? 120;
    this.#backoffMs = options.unprocessedBackoffMs ?? 50;
  }

  async ensure(options: { readonly create: boolean; readonly signal?: AbortSignal }): Promise<'created' | 'exists'> {
    const { signal } = options;
    let table = await this.#describe(signal);
    let outcome: 'created' | 'exists' = 'exists';
    if (!table) {
      if (!options.create) throw this.#missing('it does not exist and creating it is off (--ha-create-table=false)');
      try {
        await this.#client.send(new CreateTableCommand({
          TableName: this.name,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
        }), { abortSignal: signal });
        outcome = 'created';
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        const name = awsName(err);
        if (name === 'AccessDeniedException') throw this.#missing('it does not exist and dynamodb:CreateTable was denied', err);
        // Another replica created it between our DescribeTable and CreateTable.
        if (name !== 'ResourceInUseException') throw this.#unavailable('CreateTable', err);
      }
      table = await this.#describe(signal);
      if (!table) throw this.#unavailable('DescribeTable', new Error('the table was created but DescribeTable does not find it'));
    }
    this.#checkSchema(table);
    await this.#waitActive(table, signal);
    await this.#enableTtl(outcome === 'created', signal);
    return outcome;
  }

  async leases(signal?: AbortSignal): Promise<LeaseRecord[]> {
    return (await this.#query(LEASE_PK, signal)).map(leaseOf);
  }

  async members(signal?: AbortSignal): Promise<MemberRecord[]> {
    return (await this.#query(MEMBER_PK, signal)).map(memberOf);
  }

  async heartbeat(member: MemberRecord, signal?: AbortSignal): Promise<void> {
    await this.#send('PutItem', signal, (o) => this.#client.send(new PutItemCommand({
      TableName: this.name,
      Item: {
        pk: S(MEMBER_PK), sk: S(member.replicaId),
        heartbeatAt: N(member.heartbeatAt), expiresAt: N(member.expiresAt), startedAt: N(member.startedAt),
        [TTL_ATTRIBUTE]: N(Math.floor(member.expiresAt / 1000) + MEMBER_TTL_SECONDS),
      },
    }), o));
  }

  async leave(replicaId: string, signal?: AbortSignal): Promise<void> {
    await this.#send('DeleteItem', signal, (o) =>
      this.#client.send(new DeleteItemCommand({ TableName: this.name, Key: { pk: S(MEMBER_PK), sk: S(replicaId) } }), o));
  }

  async acquire(shard: string, holder: string, previous: { readonly epoch: number; readonly expiresAt?: number }, expiresAt: number, signal?: AbortSignal): Promise<LeaseRecord | undefined> {
    const record: LeaseRecord = { shard, holder, epoch: previous.epoch + 1, expiresAt };
    const first = previous.epoch === 0;
    const asRead = previous.expiresAt !== undefined;
    const condition: Partial<Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>> = first
      ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': NAMES['#pk'] } }
      : {
        // Compare-and-swap on the item as read: a renewal since (expiresAt moved) makes the take fail.
        ConditionExpression: asRead ? '#epoch = :prev AND #expiresAt = :prevExpiresAt' : '#epoch = :prev',
        ExpressionAttributeNames: asRead ? { '#epoch': NAMES['#epoch'], '#expiresAt': NAMES['#expiresAt'] } : { '#epoch': NAMES['#epoch'] },
        ExpressionAttributeValues: { ':prev': N(previous.epoch), ...(asRead ? { ':prevExpiresAt': N(previous.expiresAt ?? 0) } : {}) },
      };
    try {
      await this.#client.send(new PutItemCommand({
        TableName: this.name,
        Item: { pk: S(LEASE_PK), sk: S(shard), holder: S(holder), epoch: N(record.epoch), expiresAt: N(expiresAt) },
        ...condition,
        // The item as it stood when the condition failed: lets a retry of our own
        // successful write (the SDK retries a timed-out attempt) be told from a loss.
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }), { abortSignal: signal });
      return record;
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      if (!isConditionFailure(err)) throw this.#unavailable('PutItem', err);
      const found = err.Item ? leaseOf(err.Item) : undefined;
      const ours = found && found.holder === holder && found.epoch === record.epoch && found.expiresAt === expiresAt;
      return ours ? record : undefined;
    }
  }

  async renew(shard: string, holder: string, epoch: number, expiresAt: number, signal?: AbortSignal): Promise<boolean> {
    return this.#conditionalUpdate(shard, holder, epoch, 'SET #expiresAt = :expiresAt', { ':expiresAt': N(expiresAt) }, signal);
  }

  async release(shard: string, holder: string, epoch: number, signal?: AbortSignal): Promise<boolean> {
    return this.#conditionalUpdate(shard, holder, epoch, 'SET #expiresAt = :expiresAt REMOVE #holder', { ':expiresAt': N(0) }, signal);
  }

  async putTaskDefinitions(location: string, entries: readonly CachedTaskDefinition[], signal?: AbortSignal): Promise<void> {
    const ttl = Math.floor(this.#clock() / 1000) + TASK_DEFINITION_TTL_SECONDS;
    // One request may not name a key twice (BatchWriteItem rejects it): the last entry per ARN wins.
    const byArn = new Map<string, CachedTaskDefinition>();
    for (const entry of entries) byArn.set(entry.arn, entry);
    const requests: WriteRequest[] = [...byArn.values()].map((entry) => ({
      PutRequest: {
        Item: { pk: S(taskDefinitionPk(location)), sk: S(entry.arn), body: { B: gzipSync(entry.json) }, [TTL_ATTRIBUTE]: N(ttl) },
      },
    }));
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) {
      let pending = requests.slice(i, i + BATCH_WRITE_MAX);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const batch = pending;
        const out = await this.#send('BatchWriteItem', signal, (o) =>
          this.#client.send(new BatchWriteItemCommand({ RequestItems: { [this.name]: batch } }), o));
        pending = out.UnprocessedItems?.[this.name] ?? [];
        if (pending.length === 0) break;
        if (attempt >= UNPROCESSED_MAX_ATTEMPTS) {
          throw this.#unavailable('BatchWriteItem', new Error(`${pending.length} items still unprocessed after ${attempt} attempts (throttled)`));
        }
        await sleep(this.#backoffMs * 2 ** (attempt - 1), signal);
      }
    }
  }

  /**
   * Every task definition stored for a location, each with its item's ttl.
   * The bodies are gunzipped off the event loop (zlib's thread pool), a group
   * of DECODE_CHUNK at a time: a location's thousands of entries must not
   * hold up the lease renewals sharing this process's loop.
   */
  async taskDefinitions(location: string, signal?: AbortSignal): Promise<StoredTaskDefinition[]> {
    const items = await this.#query(taskDefinitionPk(location), signal);
    const out: StoredTaskDefinition[] = [];
    for (let i = 0; i < items.length; i += DECODE_CHUNK) {
      if (signal?.aborted) throw abortError(signal);
      const decoded = await Promise.all(items.slice(i, i + DECODE_CHUNK).map(async (item): Promise<StoredTaskDefinition | undefined> => {
        const arn = str(item, 'sk');
        const body = item.body && 'B' in item.body ? item.body.B : undefined;
        if (!arn || !body) return undefined;
        const ttl = item[TTL_ATTRIBUTE] ? num(item, TTL_ATTRIBUTE) : undefined;
        return { arn, json: (await gunzipAsync(body)).toString('utf8'), ...(ttl !== undefined ? { ttl } : {}) };
      }));
      for (const entry of decoded) if (entry) out.push(entry);
    }
    return out;
  }

  async #conditionalUpdate(
    shard: string, holder: string, epoch: number, update: string, values: Record<string, AttributeValue>, signal?: AbortSignal,
  ): Promise<boolean> {
    try {
      await this.#client.send(new UpdateItemCommand({
        TableName: this.name,
        Key: { pk: S(LEASE_PK), sk: S(shard) },
        UpdateExpression: update,
        ConditionExpression: '#holder = :me AND #epoch = :epoch',
        ExpressionAttributeNames: { '#holder': NAMES['#holder'], '#epoch': NAMES['#epoch'], '#expiresAt': NAMES['#expiresAt'] },
        ExpressionAttributeValues: { ...values, ':me': S(holder), ':epoch': N(epoch) },
      }), { abortSignal: signal });
      return true;
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      if (isConditionFailure(err)) return false;
      throw this.#unavailable('UpdateItem', err);
    }
  }

  /** Every item of one partition, all pages, read consistently (a lease read just after a write must see it). */
  async #query(pk: string, signal?: AbortSignal): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page: Item | undefined = start;
      const out = await this.#send('Query', signal, (o) => this.#client.send(new QueryCommand({
        TableName: this.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': NAMES['#pk'] },
        ExpressionAttributeValues: { ':pk': S(pk) },
        ConsistentRead: true,
        ...(this.#pageSize !== undefined ? { Limit: this.#pageSize } : {}),
        ...(page ? { ExclusiveStartKey: page } : {}),
      }), o));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Sends one call; any failure but an abort becomes HA_TABLE_UNAVAILABLE naming the operation. */
  async #send<Output>(operation: string, signal: AbortSignal | undefined, call: (options: { abortSignal?: AbortSignal }) => Promise<Output>): Promise<Output> {
    try {
      return await call({ abortSignal: signal });
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      throw this.#unavailable(operation, err);
    }
  }

  /** The table's description, or undefined when it does not exist. */
  async #describe(signal?: AbortSignal): Promise<TableDescription | undefined> {
    try {
      const out = await this.#client.send(new DescribeTableCommand({ TableName: this.name }), { abortSignal: signal });
      return out.Table;
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      if (awsName(err) === 'ResourceNotFoundException') return undefined;
      throw this.#unavailable('DescribeTable', err);
    }
  }

  #checkSchema(table: TableDescription): void {
    const keys = (table.KeySchema ?? []).map((k) => `${k.AttributeName ?? '?'} ${k.KeyType ?? '?'}`);
    const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName ?? '', a.AttributeType ?? '?']));
    const ok = keys.length === 2 && keys[0] === 'pk HASH' && keys[1] === 'sk RANGE' && types.get('pk') === 'S' && types.get('sk') === 'S';
    if (ok) return;
    const found = (table.KeySchema ?? [])
      .map((k) => `${k.AttributeName ?? '?'} (${k.KeyType ?? '?'}, ${types.get(k.AttributeName ?? '') ?? '?'})`).join(', ') || 'no keys';
    throw new GitopsError(
      'HA_TABLE_SCHEMA',
      `lease table ${this.name} (--ha-table) has the key schema ${found}; it needs pk (HASH, S) and sk (RANGE, S)`,
      { table: this.name, keySchema: table.KeySchema ?? [], attributeDefinitions: table.AttributeDefinitions ?? [] },
    );
  }

  async #waitActive(table: TableDescription, signal?: AbortSignal): Promise<void> {
    let status = table.TableStatus;
    for (let polls = 0; status !== 'ACTIVE'; polls++) {
      if (status !== 'CREATING' && status !== 'UPDATING' && status !== undefined) {
        throw this.#unavailable('DescribeTable', new Error(`the table's status is ${status}`));
      }
      if (polls >= this.#pollAttempts) {
        throw this.#unavailable('DescribeTable', new Error(`the table is still ${status ?? 'not ACTIVE'} after ${polls} polls`));
      }
      await sleep(this.#pollMs, signal);
      status = (await this.#describe(signal))?.TableStatus;
    }
  }

  /**
   * TTL on `ttl` only cleans up old members and task definitions, so failing
   * to enable it (not allowed, or already set on another attribute) never
   * fails start: the leases, which matter, carry no ttl.
   */
  async #enableTtl(created: boolean, signal?: AbortSignal): Promise<void> {
    try {
      if (!created) {
        const out = await this.#client.send(new DescribeTimeToLiveCommand({ TableName: this.name }), { abortSignal: signal });
        const status = out.TimeToLiveDescription?.TimeToLiveStatus;
        if (status && status !== 'DISABLED') return;
      }
      await this.#client.send(new UpdateTimeToLiveCommand({
        TableName: this.name, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }), { abortSignal: signal });
    } catch {
      if (signal?.aborted) throw abortError(signal as AbortSignal);
    }
  }

  #missing(why: string, cause?: unknown): GitopsError {
    return new GitopsError('HA_TABLE_MISSING', `lease table ${this.name} (--ha-table): ${why}`, { table: this.name }, { cause });
  }

  #unavailable(operation: string, err: unknown): GitopsError {
    const message = err instanceof Error ? err.message : String(err);
    return new GitopsError(
      'HA_TABLE_UNAVAILABLE',
      `lease table ${this.name}: ${operation} failed: ${awsName(err)}: ${message}`,
      { table: this.name, operation, awsName: awsName(err) },
      { cause: err },
    );
  }
}
