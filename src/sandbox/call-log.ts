/**
 * The sandbox's call log: when each ECS/ECR request arrived (wall clock, the
 * clock a client's stopwatch uses), for which account/Region/operation, the
 * service or family it named, and how it ended. Benchmarks read it to time
 * "a commit reached UpdateService" and to count ThrottlingExceptions; a
 * bounded ring so a long-running sandbox never grows without limit. Each
 * record names its caller when the client's User-Agent carries an app id
 * (`app/<id>`, which the AWS SDK adds from AWS_SDK_UA_APP_ID), so tests can
 * tell apart several processes sharing one account (HA replicas, docs/ha.md).
 */
export type CallOutcome = 'ok' | 'throttled' | 'error';

export interface CallRecord {
  /** Wall-clock epoch ms when the request reached the operation (before throttling). */
  readonly at: number;
  readonly accountId: string;
  readonly region: string;
  readonly operation: string;
  /** The `service` (or `serviceName`) / `family` / `cluster` / tagged `resourceArn` the request named, when it named one. */
  readonly target?: string;
  readonly outcome: CallOutcome;
  /** The app id of the client's User-Agent (`app/<id>`), when it sent one. */
  readonly caller?: string;
}

export interface CallLogFilter {
  readonly accountId?: string;
  readonly operation?: string;
  /** Only records with `at >= since`. */
  readonly since?: number;
  /** Only records of this caller (`CallRecord.caller`). */
  readonly caller?: string;
}

export const DEFAULT_CALL_LOG_CAPACITY = 100_000;

/**
 * What a request names, for the log: the service, else the task definition
 * family, else the cluster, else the resource ARN of a tagging call (so a
 * TagResource, too, can be traced to the cluster it writes to).
 */
export function callTarget(input: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of ['service', 'serviceName', 'family', 'taskDefinition', 'cluster', 'clusterName', 'resourceArn']) {
    const value = input[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

const APP_ID = /(?:^|\s)app\/(\S+)/;

/**
 * The caller a request names in its User-Agent: the `app/<id>` token the AWS
 * SDK for JavaScript v3 appends to `user-agent` when AWS_SDK_UA_APP_ID (or the
 * client's userAgentAppId) is set, e.g. `aws-sdk-js/3.x ua/2.1 ... app/replica-1`.
 * A browser cannot set `user-agent`, so the SDK sends its tokens in
 * `x-amz-user-agent` there: that header is read too.
 */
export function callerOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const name of ['user-agent', 'x-amz-user-agent']) {
    const id = APP_ID.exec(headers[name] ?? '')?.[1];
    if (id) return id;
  }
  return undefined;
}

export class CallLog {
  readonly #capacity: number;
  #records: CallRecord[] = [];
  /** Throttled calls per account and operation (not bounded by the ring). */
  readonly #throttled = new Map<string, Map<string, number>>();

  constructor(capacity = DEFAULT_CALL_LOG_CAPACITY) {
    if (!(capacity >= 1)) throw new RangeError(`call log capacity must be >= 1, got ${capacity}`);
    this.#capacity = capacity;
  }

  add(record: CallRecord): void {
    this.#records.push(record);
    // Drop the oldest half at once: amortized O(1) instead of a shift per call.
    if (this.#records.length > this.#capacity) this.#records = this.#records.slice(this.#records.length - Math.floor(this.#capacity / 2));
    if (record.outcome === 'throttled') {
      let counts = this.#throttled.get(record.accountId);
      if (!counts) this.#throttled.set(record.accountId, (counts = new Map()));
      counts.set(record.operation, (counts.get(record.operation) ?? 0) + 1);
    }
  }

  list(filter: CallLogFilter = {}): CallRecord[] {
    return this.#records.filter((r) =>
      (filter.accountId === undefined || r.accountId === filter.accountId)
      && (filter.operation === undefined || r.operation === filter.operation)
      && (filter.since === undefined || r.at >= filter.since)
      && (filter.caller === undefined || r.caller === filter.caller));
  }

  /** ThrottlingExceptions answered per operation, for one account or summed over all. */
  throttledCounts(accountId?: string): Record<string, number> {
    const out: Record<string, number> = {};
    const sources = accountId === undefined ? [...this.#throttled.values()] : [this.#throttled.get(accountId) ?? new Map<string, number>()];
    for (const counts of sources) for (const [op, n] of counts) out[op] = (out[op] ?? 0) + n;
    return out;
  }

  clear(accountId?: string): void {
    if (accountId === undefined) {
      this.#records = [];
      this.#throttled.clear();
    } else {
      this.#records = this.#records.filter((r) => r.accountId !== accountId);
      this.#throttled.delete(accountId);
    }
  }
}
