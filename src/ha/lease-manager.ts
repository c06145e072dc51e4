/**
 * The lease manager (docs/ha.md): one per replica. Every renew interval it
 * heartbeats its membership item, reads the members and the leases (one
 * Query each), renews the leases it holds, hands over those rendezvous
 * hashing now gives another live replica, and takes those it gives this one
 * once they are free (released, or expired by more than the clock-skew
 * bound). The controller asks it which shards it may work on (ShardGate) and
 * every mutating AWS call asks it first (WriteFence).
 *
 * Fencing: a lease renewed with a request sent at monotonic time t is ours
 * until t + leaseMs on our clock at the earliest, because its item says
 * expiresAt = wall(t) + leaseMs and no replica takes it before its own clock
 * passes expiresAt + clockSkewMs. Writes stop at t + leaseMs - fenceMarginMs,
 * the margin covering a call checked just before the deadline that reaches AWS
 * later. A replica that cannot reach the table (partition, throttling,
 * credentials) therefore stops writing by itself, without hearing from anyone.
 * The epoch a reconcile began under is checked before each of its writes, so
 * a lease lost and taken again in between still stops it.
 */
import { performance } from 'node:perf_hooks';
import { GitopsError } from '../errors/index.js';
import { errorCodeOf, errorMessage } from '../controller/errors.js';
import { silentLogger, type Logger } from '../observe/logger.js';
import { currentLease } from './lease-context.js';
import { assignShards, shardOfCluster, shardsOfSnapshot } from './shards.js';
import type { ManifestSnapshot } from '../manifests/types.js';
import {
  takeoverBoundMs, type HaSettings, type HaStatus, type LeaseRecord, type LeaseTable, type MemberRecord,
  type FencedWrite, type ShardChange, type ShardGate, type ShardView, type WriteFence,
} from './types.js';

/** How a lease's holding changed, the label of ecs_gitops_lease_transitions_total. */
export type LeaseTransition = 'acquired' | 'renewed_failed' | 'lost' | 'fenced' | 'released' | 'handed_over';
export const LEASE_TRANSITIONS: readonly LeaseTransition[] = ['acquired', 'renewed_failed', 'lost', 'fenced', 'released', 'handed_over'];

/** What the metrics read at scrape time. */
export interface HaCounters {
  readonly transitions: Readonly<Record<LeaseTransition, number>>;
  /** Mutating calls refused by the fence. */
  readonly fencingStops: number;
  /** Failed calls to the lease table. */
  readonly tableErrors: number;
  /** Every shard this replica knows, and whether it holds it (writable) now. */
  readonly shards: ReadonlyMap<string, boolean>;
}

export interface LeaseManagerOptions {
  readonly table: LeaseTable;
  readonly settings: HaSettings;
  readonly logger?: Logger;
  /** Wall clock, ms since the epoch (lease items, membership). @default Date.now */
  readonly wallClock?: () => number;
  /** Monotonic clock, ms (the fence's deadlines). @default performance.now */
  readonly monotonic?: () => number;
  /** Timers (tests drive ticks themselves with `tick()`). @default setTimeout */
  readonly setTimer?: (ms: number, fn: () => void) => () => void;
}

interface Held {
  readonly epoch: number;
  /** Monotonic ms after which this replica must not write. */
  deadline: number;
  /** Set while handing the shard over: no new write starts. */
  releasing: boolean;
  expiresAt: number;
}

/** Attempts of one round's renewal of a lease, and the pause before the second (the third waits twice as long). */
const RENEW_ATTEMPTS = 3;
const RENEW_RETRY_PAUSE_MS = 200;
/** How long a release waits after a write of the shard ended by an abort (in transit when it was aborted). */
const ABORTED_WRITE_SETTLE_MS = 1_000;

function defaultTimer(ms: number, fn: () => void): () => void {
  const handle = setTimeout(fn, Math.max(0, ms));
  handle.unref?.();
  return () => clearTimeout(handle);
}

export class LeaseManager implements ShardGate, WriteFence {
  readonly #table: LeaseTable;
  readonly #settings: HaSettings;
  readonly #log: Logger;
  readonly #wall: () => number;
  readonly #mono: () => number;
  readonly #setTimer: (ms: number, fn: () => void) => () => void;
  readonly #startedAt: number;
  readonly #held = new Map<string, Held>();
  readonly #inFlight = new Map<string, number>();
  /** Per shard, when a write last ended by an abort (it may still reach AWS a moment later). */
  readonly #abortedAt = new Map<string, number>();
  /** Per shard, the epoch this process last held it under: its own lease found again after a fence may be taken back. */
  readonly #lastEpoch = new Map<string, number>();
  readonly #listeners = new Set<(change: ShardChange) => void>();
  #shards: string[] = [];
  #members: MemberRecord[] = [];
  #leases = new Map<string, LeaseRecord>();
  #assignment = new Map<string, string>();
  #lastReadAt: number | undefined;
  /** Monotonic ms of the last table call that was answered. */
  #lastReplyAt: number | undefined;
  #lastError: { code: string; message: string; at: string } | undefined;
  #ticks = 0;
  #closed = false;
  #cancelTick: (() => void) | undefined;
  #cancelRenew: (() => void) | undefined;
  #cancelFence: (() => void) | undefined;
  readonly #running = new Set<Promise<void>>();
  readonly #transitions: Record<LeaseTransition, number> = { acquired: 0, renewed_failed: 0, lost: 0, fenced: 0, released: 0, handed_over: 0 };
  #fencingStops = 0;
  #tableErrors = 0;

  constructor(options: LeaseManagerOptions) {
    this.#table = options.table;
    this.#settings = options.settings;
    this.#log = options.logger ?? silentLogger();
    this.#wall = options.wallClock ?? Date.now;
    this.#mono = options.monotonic ?? (() => performance.now());
    this.#setTimer = options.setTimer ?? defaultTimer;
    this.#startedAt = this.#wall();
    const { leaseMs, renewMs, fenceMarginMs } = this.#settings;
    if (!(leaseMs - fenceMarginMs > 2 * renewMs)) {
      throw new RangeError(`lease timings leave no room for one failed renewal: leaseMs - fenceMarginMs (${leaseMs - fenceMarginMs}) must exceed 2 x renewMs (${2 * renewMs})`);
    }
  }

  get replicaId(): string {
    return this.#settings.replicaId;
  }

  /** The shards the current snapshot makes (shardsOfSnapshot); with the table's lease items, the shards replicas share out. */
  setShards(shards: readonly string[]): void {
    this.#shards = [...shards].sort();
  }

  snapshotShards(snapshot: ManifestSnapshot, extraLocations: readonly string[]): void {
    this.setShards(shardsOfSnapshot(snapshot, this.#settings.bucketsPerLocation, extraLocations));
  }

  /** Starts ticking: the first tick heartbeats and reads only (replicas starting together see each other first). */
  start(): void {
    if (this.#cancelTick || this.#closed) return;
    // Renewals on a timer of their own: a slow membership round (a read retried, a handover waiting for a write)
    // never delays them towards the fence.
    const every = (round: () => Promise<void>, set: (cancel: () => void) => void): void => {
      const loop = (): void => {
        if (this.#closed) return;
        const started = this.#mono();
        const running = round().finally(() => {
          this.#running.delete(running);
          if (!this.#closed) set(this.#setTimer(Math.max(0, this.#settings.renewMs - (this.#mono() - started)), loop));
        });
        this.#running.add(running);
      };
      set(this.#setTimer(0, loop));
    };
    every(() => this.renewRound(), (cancel) => (this.#cancelRenew = cancel));
    every(() => this.membershipRound(), (cancel) => (this.#cancelTick = cancel));
    const fenceLoop = (): void => {
      this.checkFences();
      if (!this.#closed) this.#cancelFence = this.#setTimer(250, fenceLoop);
    };
    this.#cancelFence = this.#setTimer(250, fenceLoop);
  }

  // --- ShardGate ---------------------------------------------------------

  shardOf(location: string, cluster: string | undefined): string {
    return shardOfCluster(location, cluster, this.#settings.bucketsPerLocation);
  }

  heldEpoch(shard: string): number | undefined {
    const held = this.#held.get(shard);
    if (!held || held.releasing || this.#mono() >= held.deadline) return undefined;
    return held.epoch;
  }

  onChange(listener: (change: ShardChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // --- WriteFence --------------------------------------------------------

  beginWrite(location: string, operation: string): FencedWrite {
    const lease = currentLease();
    const refuse = (why: string): never => {
      this.#fencingStops++;
      throw new GitopsError('HA_NOT_LEASE_HOLDER', `${operation} in ${location} not sent: ${why} (replica ${this.replicaId})`, { location, operation, ...(lease ? { shard: lease.shard } : {}) });
    };
    if (!lease) return refuse('it runs outside any shard\'s reconcile');
    if (lease.shard !== location && !lease.shard.startsWith(`${location}#`)) return refuse(`the reconcile holds shard ${lease.shard}, not one of ${location}`);
    const epoch = this.heldEpoch(lease.shard);
    const held = this.#held.get(lease.shard);
    if (epoch === undefined || !held) return refuse(`the lease of shard ${lease.shard} is no longer held (lost, fenced or being handed over)`);
    if (epoch !== lease.epoch) return refuse(`the lease of shard ${lease.shard} was taken again (epoch ${epoch}) since the reconcile began under epoch ${lease.epoch}`);
    const shard = lease.shard;
    this.#inFlight.set(shard, (this.#inFlight.get(shard) ?? 0) + 1);
    let finished = false;
    return {
      // The deadline as it stands now: a renewal later does not extend a write already out.
      signal: AbortSignal.timeout(Math.max(0, Math.ceil(held.deadline - this.#mono()))),
      done: (aborted) => {
        if (finished) return;
        finished = true;
        if (aborted) this.#abortedAt.set(shard, this.#mono());
        const left = (this.#inFlight.get(shard) ?? 1) - 1;
        if (left <= 0) this.#inFlight.delete(shard);
        else this.#inFlight.set(shard, left);
      },
    };
  }

  // --- the loop ----------------------------------------------------------

  /** The snapshot's shards and every shard with a lease item, sorted. */
  #knownShards(): string[] {
    return [...new Set([...this.#shards, ...this.#leases.keys()])].sort();
  }

  /** Both rounds at once (tests drive them with this). */
  async tick(): Promise<void> {
    await Promise.all([this.renewRound(), this.membershipRound()]);
  }

  /** Renews every held lease. Exposed for tests. */
  async renewRound(): Promise<void> {
    if (this.#closed) return;
    const lost: string[] = [];
    await Promise.all([...this.#held.keys()].map(async (shard) => {
      if (await this.#renew(shard) === 'lost') lost.push(shard);
    }));
    lost.push(...this.#fenceExpired());
    this.#notify({ acquired: [], lost });
  }

  /**
   * Heartbeats, reads the members and the leases, hands over what is no
   * longer this replica's and takes what is. A replica that has heard nothing
   * from the table for the fence horizon (its leases are fenced by now) stops
   * heartbeating and taking, so that in a half-open partition (its requests
   * land, their answers are lost) its membership lapses and others take its
   * shards instead of leaving them without a writer; a read that succeeds
   * brings it back. Exposed for tests.
   */
  async membershipRound(): Promise<void> {
    if (this.#closed) return;
    const first = this.#ticks++ === 0;
    const { leaseMs, clockSkewMs, replicaId } = this.#settings;
    const acquired: string[] = [];
    const lost: string[] = [];
    const heartbeatAt = this.#wall();
    const cutOff = this.#lastReplyAt !== undefined && this.#mono() - this.#lastReplyAt > leaseMs - this.#settings.fenceMarginMs;
    const [, read] = await Promise.all([
      cutOff ? undefined : this.#call('heartbeat', () => this.#table.heartbeat({ replicaId, heartbeatAt, expiresAt: heartbeatAt + leaseMs, startedAt: this.#startedAt })),
      this.#call('read', () => Promise.all([this.#table.members(), this.#table.leases()])),
    ]);
    if (read) {
      this.#lastReadAt = this.#wall();
      this.#members = read[0];
      this.#leases = new Map(read[1].map((l) => [l.shard, l]));
    }
    if (read && !this.#closed) {
      const now = this.#wall();
      const live = this.#members.filter((m) => m.expiresAt + clockSkewMs > now).map((m) => m.replicaId);
      if (!live.includes(replicaId)) live.push(replicaId);
      // Every shard of this replica's snapshot, and every shard with a lease item: replicas that started at different
      // times remember different locations (one that left the manifests still has orphans to prune), and the table is
      // what they all see, so they agree on the list and a shard someone took once keeps a holder.
      const all = this.#knownShards();
      this.#assignment = assignShards(all, live);
      const wanted = new Set(all);
      // Hand over what is no longer ours: a shard another live replica now scores highest on, or one no snapshot makes.
      await Promise.all([...this.#held.keys()].map(async (shard) => {
        const owner = this.#assignment.get(shard);
        if (wanted.has(shard) && owner === replicaId) return;
        if (await this.#release(shard, wanted.has(shard) ? 'handed_over' : 'released')) lost.push(shard);
      }));
      if (!first && !cutOff) {
        await Promise.all(all.filter((s) => this.#assignment.get(s) === replicaId && !this.#held.has(s)).map(async (shard) => {
          if (await this.#acquire(shard)) acquired.push(shard);
        }));
      }
    }
    lost.push(...this.#fenceExpired());
    this.#notify({ acquired, lost });
  }

  /** Drops held shards whose deadline passed without a renewal (and tells the listeners). Exposed for tests. */
  checkFences(): void {
    const lost = this.#fenceExpired();
    if (lost.length > 0) this.#notify({ acquired: [], lost });
  }

  #fenceExpired(): string[] {
    const now = this.#mono();
    const lost: string[] = [];
    for (const [shard, held] of this.#held) {
      if (now < held.deadline) continue;
      this.#held.delete(shard);
      this.#transitions.fenced++;
      lost.push(shard);
      this.#log.warn({ shard, epoch: held.epoch }, 'shard fenced: its lease could not be renewed in time, so this replica stopped writing to it before another could take it over');
    }
    return lost;
  }

  /**
   * Renews a held lease. A renewal that does not reach the table is tried
   * again within the round (up to RENEW_ATTEMPTS, within half a renew
   * interval): a holder is fenced only when the table stays out of reach, not
   * when two rounds in a row each lose one request to a throttle or a reset.
   */
  async #renew(shard: string): Promise<'ok' | 'lost' | 'failed'> {
    const held = this.#held.get(shard);
    if (!held || held.releasing) return 'ok';
    const giveUpAt = this.#mono() + this.#settings.renewMs / 2;
    for (let attempt = 1; ; attempt++) {
      const sentAt = this.#mono();
      const expiresAt = this.#wall() + this.#settings.leaseMs;
      const ok = await this.#call('renew', () => this.#table.renew(shard, this.replicaId, held.epoch, expiresAt));
      if (this.#held.get(shard) !== held) return 'ok';
      if (ok === undefined) {
        this.#transitions.renewed_failed++;
        const pause = RENEW_RETRY_PAUSE_MS * attempt;
        if (attempt >= RENEW_ATTEMPTS || this.#closed || this.#mono() + pause >= giveUpAt) return 'failed';
        await new Promise((resolve) => setTimeout(resolve, pause));
        if (this.#held.get(shard) !== held) return 'ok';
        continue;
      }
      if (ok && this.#mono() >= held.deadline) {
        // The answer came after the fence closed: writes were refused meanwhile and keys passed over. Count it as
        // fenced, so the controller hears of it; the next membership round takes the lease back (a new epoch) and
        // the controller checks the shard's keys again.
        this.#held.delete(shard);
        this.#transitions.fenced++;
        return 'lost';
      }
      if (!ok) {
        // Someone else holds it (the item says otherwise): stop at once.
        this.#held.delete(shard);
        this.#transitions.lost++;
        this.#log.warn({ shard, epoch: held.epoch }, 'shard lease lost: the table says another replica holds it');
        return 'lost';
      }
      held.deadline = sentAt + this.#settings.leaseMs - this.#settings.fenceMarginMs;
      held.expiresAt = expiresAt;
      return 'ok';
    }
  }

  async #acquire(shard: string): Promise<boolean> {
    const record = this.#leases.get(shard);
    const now = this.#wall();
    // Free: never taken, released, expired by more than the skew bound, or this process's own lease found again after
    // a fence (no one took it since). A lease under this replica's id but from another process (a restart under a
    // fixed --replica-id) waits for expiry like anyone's. The take is a compare-and-swap on the item as read.
    const own = record?.holder === this.replicaId && record.epoch === this.#lastEpoch.get(shard);
    const free = !record || record.holder === undefined || own || now > record.expiresAt + this.#settings.clockSkewMs;
    if (!free) return false;
    const sentAt = this.#mono();
    const expiresAt = this.#wall() + this.#settings.leaseMs;
    const previous = record ? { epoch: record.epoch, expiresAt: record.expiresAt } : { epoch: 0 };
    const taken = await this.#call('acquire', () => this.#table.acquire(shard, this.replicaId, previous, expiresAt));
    if (!taken) return false;
    if (this.#closed) {
      // Granted while shutting down: hand it straight back rather than leave it to expire.
      await this.#call('release', () => this.#table.release(shard, this.replicaId, taken.epoch));
      return false;
    }
    this.#held.set(shard, { epoch: taken.epoch, deadline: sentAt + this.#settings.leaseMs - this.#settings.fenceMarginMs, releasing: false, expiresAt });
    this.#lastEpoch.set(shard, taken.epoch);
    this.#leases.set(shard, taken);
    this.#transitions.acquired++;
    this.#log.info({ shard, epoch: taken.epoch, previousHolder: record?.holder }, 'shard lease acquired');
    return true;
  }

  /** Stops writing to `shard`, waits for its writes still out (bounded), then releases the lease. True when it was held. */
  async #release(shard: string, transition: 'released' | 'handed_over'): Promise<boolean> {
    const held = this.#held.get(shard);
    if (!held) return false;
    held.releasing = true;
    const waitUntil = this.#mono() + this.#settings.fenceMarginMs;
    while ((this.#inFlight.get(shard) ?? 0) > 0 && this.#mono() < waitUntil) await new Promise((r) => setTimeout(r, 20));
    // A write that ended by an abort may still be on its way to AWS: give it a moment before another replica may write.
    const settle = (this.#abortedAt.get(shard) ?? -Infinity) + ABORTED_WRITE_SETTLE_MS - this.#mono();
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
    this.#held.delete(shard);
    if ((this.#inFlight.get(shard) ?? 0) > 0) {
      // A write is still out: let the lease expire rather than hand it over under it.
      this.#log.warn({ shard }, 'shard not released: a write was still out; it passes to another replica when its lease expires');
      this.#transitions.lost++;
      return true;
    }
    const released = await this.#call('release', () => this.#table.release(shard, this.replicaId, held.epoch));
    if (released) this.#leases.set(shard, { shard, epoch: held.epoch, expiresAt: 0 });
    this.#transitions[transition]++;
    this.#log.info({ shard, epoch: held.epoch, to: this.#assignment.get(shard) }, transition === 'handed_over' ? 'shard handed over' : 'shard lease released');
    return true;
  }

  /** A table call; a failure is noted (status, metric, log) and answers undefined. */
  async #call<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      const out = await call();
      this.#lastError = undefined;
      this.#lastReplyAt = this.#mono();
      return out;
    } catch (err) {
      this.#tableErrors++;
      const code = errorCodeOf(err, 'HA_TABLE_UNAVAILABLE');
      this.#lastError = { code, message: `${what}: ${errorMessage(err)}`, at: new Date(this.#wall()).toISOString() };
      this.#log.warn({ code, err: errorMessage(err), table: this.#table.name }, `lease table ${what} failed`);
      return undefined;
    }
  }

  #notify(change: ShardChange): void {
    if (change.acquired.length === 0 && change.lost.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (err) {
        this.#log.error({ err: errorMessage(err) }, 'shard change listener failed');
      }
    }
  }

  // --- reporting ---------------------------------------------------------

  counters(): HaCounters {
    const shards = new Map<string, boolean>();
    for (const shard of new Set([...this.#knownShards(), ...this.#held.keys()])) shards.set(shard, this.heldEpoch(shard) !== undefined);
    return { transitions: { ...this.#transitions }, fencingStops: this.#fencingStops, tableErrors: this.#tableErrors, shards };
  }

  /** Shards this replica may write to now. */
  held(): string[] {
    return [...this.#held.keys()].filter((s) => this.heldEpoch(s) !== undefined).sort();
  }

  status(): HaStatus {
    const now = this.#wall();
    const views: ShardView[] = [];
    for (const shard of this.#knownShards()) {
      const own = this.#held.get(shard);
      const record = this.#leases.get(shard);
      const live = record?.holder !== undefined && record.expiresAt + this.#settings.clockSkewMs > now;
      const holder = own && this.heldEpoch(shard) !== undefined ? this.replicaId : live ? record?.holder : undefined;
      const expiresAt = own ? own.expiresAt : record?.expiresAt;
      const assignedTo = this.#assignment.get(shard);
      views.push({
        shard, epoch: own?.epoch ?? record?.epoch ?? 0,
        ...(holder !== undefined ? { holder } : {}),
        ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
        ...(assignedTo !== undefined ? { assignedTo } : {}),
      });
    }
    views.sort((a, b) => a.shard.localeCompare(b.shard));
    const { leaseMs, renewMs, clockSkewMs, fenceMarginMs } = this.#settings;
    const timings = { leaseMs, renewMs, clockSkewMs, fenceMarginMs };
    return {
      table: this.#table.name,
      replicaId: this.replicaId,
      members: this.#members.filter((m) => m.expiresAt + clockSkewMs > now).map((m) => ({
        replicaId: m.replicaId, heartbeatAt: new Date(m.heartbeatAt).toISOString(), startedAt: new Date(m.startedAt).toISOString(),
      })),
      shards: views,
      held: this.held(),
      ...(this.#lastReadAt !== undefined ? { lastTableReadAt: new Date(this.#lastReadAt).toISOString() } : {}),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      timings,
      takeoverBoundMs: takeoverBoundMs(timings),
    };
  }

  /**
   * Shutdown (SIGTERM): stops ticking, stops every write, waits for writes
   * still out (bounded by the fence margin), releases every lease so another
   * replica takes it at its next read rather than at expiry, and leaves.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTick?.();
    this.#cancelRenew?.();
    this.#cancelFence?.();
    await Promise.all([...this.#running].map((r) => r.catch(() => undefined)));
    const shards = [...this.#held.keys()];
    for (const held of this.#held.values()) held.releasing = true;
    await Promise.all(shards.map((shard) => this.#release(shard, 'released')));
    await this.#call('leave', () => this.#table.leave(this.replicaId));
    this.#notify({ acquired: [], lost: shards });
  }
}
