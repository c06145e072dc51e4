/**
 * High availability (docs/ha.md): replicas of `run --ha-table NAME` share a
 * DynamoDB table. Work is split into shards, one per location (`[account@]region`,
 * src/keys) or, with `bucketsPerLocation` > 1, one per hash bucket of cluster
 * names in a location. Each shard has a lease item taken and renewed with
 * conditional writes; replicas heartbeat a membership item; shards are spread
 * over live members by rendezvous hashing. A replica reconciles, and issues
 * mutating AWS calls for, only the shards it holds, and stops writing before
 * its lease could have expired for anyone else (the fence).
 *
 * This file is the contract between the parts: the table's adapter
 * (lease-table.ts), the pure assignment and lease rules (shards.ts,
 * lease-rules.ts), the lease manager (lease-manager.ts), the controller's gate
 * (src/controller, ControllerOptions.shards) and the write fence in front of
 * every mutating AWS call (src/controller/regions.ts).
 */
import type { ManifestSnapshot } from '../manifests/types.js';

/** Timings of the leases, all in milliseconds. */
export interface LeaseTimings {
  /** How long a lease lasts after each renewal is sent. @default 15000 */
  readonly leaseMs: number;
  /** How often a holder renews, a replica heartbeats and reads the table. @default 5000 */
  readonly renewMs: number;
  /** The most two replicas' wall clocks may differ; a lease is taken over only this long after its expiry. @default 1000 */
  readonly clockSkewMs: number;
  /**
   * How long before its lease's expiry (counted from the renewal's send, on
   * the holder's monotonic clock) a holder stops issuing mutating calls: it
   * covers a call checked just before the deadline that reaches AWS later.
   * Must leave leaseMs - fenceMarginMs > 2 * renewMs, so one failed renewal
   * never fences. @default 4000
   */
  readonly fenceMarginMs: number;
}

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = Object.freeze({
  leaseMs: 15_000,
  renewMs: 5_000,
  clockSkewMs: 1_000,
  fenceMarginMs: 4_000,
});

/**
 * The longest a shard can be without a working holder after its holder was
 * SIGKILLed with the given timings: the last renewal was at most one renew
 * interval before the kill, the lease runs leaseMs from it, a contender waits
 * clockSkewMs more, and reads the table at most renewMs later.
 */
export function takeoverBoundMs(t: LeaseTimings): number {
  return t.leaseMs + t.clockSkewMs + t.renewMs;
}

export interface HaSettings extends LeaseTimings {
  /** The DynamoDB table's name (`--ha-table`). */
  readonly table: string;
  /** This replica's id (`--replica-id`; default: hostname and pid). */
  readonly replicaId: string;
  /** Hash buckets of cluster names per location (`--ha-buckets`). @default 1 */
  readonly bucketsPerLocation: number;
  /** Create the table when it is missing (on-demand, TTL on `ttl`). @default true */
  readonly createTable: boolean;
}

/** A shard's lease as stored: item `pk = "lease"`, `sk = <shard id>`. */
export interface LeaseRecord {
  readonly shard: string;
  /** Replica id; absent once released. */
  readonly holder?: string;
  /** Incremented by every acquisition (never by a renewal); 0 before the first. */
  readonly epoch: number;
  /** Wall-clock ms since the epoch when the lease lapses unless renewed; 0 when released. */
  readonly expiresAt: number;
}

/** A replica's heartbeat: item `pk = "member"`, `sk = <replica id>`, `ttl` an hour after expiresAt. */
export interface MemberRecord {
  readonly replicaId: string;
  /** Wall-clock ms of the last heartbeat. */
  readonly heartbeatAt: number;
  /** Wall-clock ms after which the member is counted gone (heartbeatAt + leaseMs). */
  readonly expiresAt: number;
  /** Wall-clock ms the replica started (shown in status). */
  readonly startedAt: number;
}

/** One cached task definition: item `pk = "taskdef#<location>"`, `sk = <task definition ARN>`. */
export interface CachedTaskDefinition {
  readonly arn: string;
  /** The DescribeTaskDefinition answer's JSON (`taskDefinition` and `tags`), as EcsReader caches it. */
  readonly json: string;
}

/**
 * The lease table (DynamoDB; lease-table.ts). Every method takes a signal;
 * a conditional write that loses answers false/undefined, never throws; any
 * other failure throws (HA_TABLE_UNAVAILABLE, HA_TABLE_SCHEMA, ...).
 */
export interface LeaseTable {
  readonly name: string;
  /**
   * Checks the table: key schema `pk` (HASH, S) and `sk` (RANGE, S). When it
   * is missing and `create`, creates it (PAY_PER_REQUEST), waits for ACTIVE
   * and enables TTL on `ttl`. Throws HA_TABLE_SCHEMA (wrong keys), HA_TABLE_MISSING
   * (missing, not allowed to create) with the table name in the message.
   */
  ensure(options: { readonly create: boolean; readonly signal?: AbortSignal }): Promise<'created' | 'exists'>;
  /** Every lease item (one Query of pk = "lease", paged). */
  leases(signal?: AbortSignal): Promise<LeaseRecord[]>;
  /** Every member item (one Query of pk = "member", paged). */
  members(signal?: AbortSignal): Promise<MemberRecord[]>;
  /** Writes this replica's member item (unconditional PutItem). */
  heartbeat(member: MemberRecord, signal?: AbortSignal): Promise<void>;
  /** Deletes this replica's member item (shutdown). */
  leave(replicaId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Takes a lease: writes holder, epoch = `previous.epoch + 1` and expiresAt,
   * on condition that the item is absent (previous.epoch 0) or is still
   * exactly as read: the same epoch and, when `previous.expiresAt` is given,
   * the same expiresAt. Every renewal moves expiresAt, so a lease renewed
   * since the read (its holder alive after all) is not taken from a stale
   * read; the epoch alone would not tell. Answers the new record, or
   * undefined when the condition failed.
   */
  acquire(shard: string, holder: string, previous: { readonly epoch: number; readonly expiresAt?: number }, expiresAt: number, signal?: AbortSignal): Promise<LeaseRecord | undefined>;
  /** Extends a held lease, on condition holder and epoch are still ours. False when not. */
  renew(shard: string, holder: string, epoch: number, expiresAt: number, signal?: AbortSignal): Promise<boolean>;
  /** Releases a held lease (holder removed, expiresAt 0, epoch kept), on condition holder and epoch are still ours. */
  release(shard: string, holder: string, epoch: number, signal?: AbortSignal): Promise<boolean>;
  /** Stores task definitions learned in a location (BatchWriteItem, 25 a call, unprocessed items retried). */
  putTaskDefinitions(location: string, entries: readonly CachedTaskDefinition[], signal?: AbortSignal): Promise<void>;
  /** Every task definition stored for a location (Query, paged). */
  taskDefinitions(location: string, signal?: AbortSignal): Promise<CachedTaskDefinition[]>;
}

/** What a replica knows of the shards (status API, metrics). */
export interface ShardView {
  readonly shard: string;
  /** The holder per the last read of the table (or this replica's own state for its shards). */
  readonly holder?: string;
  readonly epoch: number;
  /** ISO time the lease lapses unless renewed. */
  readonly expiresAt?: string;
  /** Which live replica rendezvous hashing assigns it to. */
  readonly assignedTo?: string;
}

/** The `ha` part of /api/v1/status on every replica. */
export interface HaStatus {
  readonly table: string;
  readonly replicaId: string;
  /** Live replicas, by their heartbeats. */
  readonly members: readonly { readonly replicaId: string; readonly heartbeatAt: string; readonly startedAt: string }[];
  /** Every known shard and its holder. */
  readonly shards: readonly ShardView[];
  /** Shards this replica holds and may write to now. */
  readonly held: readonly string[];
  /** ISO time of the last successful read of the table; absent before the first. */
  readonly lastTableReadAt?: string;
  /** The last failure talking to the table, until a call succeeds again. */
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
  readonly timings: LeaseTimings;
  /** takeoverBoundMs(timings). */
  readonly takeoverBoundMs: number;
}

/** A lease a reconcile runs under: the shard and the epoch it was held with when the reconcile began. */
export interface HeldLease {
  readonly shard: string;
  readonly epoch: number;
}

/** Changes to the shards this replica holds. */
export interface ShardChange {
  readonly acquired: readonly string[];
  /** Released, lost, or fenced (no longer writable). */
  readonly lost: readonly string[];
}

/**
 * What the controller asks of the lease manager (ControllerOptions.shards).
 * Absent = a single process that owns everything (no --ha-table).
 */
export interface ShardGate {
  /** The shard of a location's cluster (a capacity provider, which has no cluster, is its location's first bucket). */
  shardOf(location: string, cluster: string | undefined): string;
  /** The epoch this replica holds `shard` with and may write under now; undefined when not held or fenced. */
  heldEpoch(shard: string): number | undefined;
  /** Called after acquisitions and losses; answers an unsubscribe. */
  onChange(listener: (change: ShardChange) => void): () => void;
  /** The shards this replica holds and may write to now, sorted. */
  held(): string[];
  /** Every snapshot the controller takes: the shards it makes (with the environments' and the default Region's locations). */
  snapshotShards(snapshot: ManifestSnapshot, extraLocations: readonly string[]): void;
}

/** A mutating call the fence let through (WriteFence.beginWrite). */
export interface FencedWrite {
  /**
   * Aborts at the lease's fence deadline: a write not yet on the wire by then
   * (waiting for credentials, a connection) is not sent at all, so the fence
   * margin only has to cover the network, not everything before it.
   */
  readonly signal: AbortSignal;
  /** The call settled; `aborted` when it ended by an abort (it may still have reached AWS). */
  done(aborted: boolean): void;
}

/**
 * Checked right before every mutating AWS call (regions.ts wraps each API):
 * throws HA_NOT_LEASE_HOLDER when the call runs outside a held lease, or the
 * lease it began under has been lost, fenced or taken again with another
 * epoch. A holder releasing a shard waits for the writes still out.
 */
export interface WriteFence {
  beginWrite(location: string, operation: string): FencedWrite;
}
