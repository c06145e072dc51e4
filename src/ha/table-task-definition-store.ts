/**
 * The TaskDefinitionStore of a replica under HA (docs/ha.md "Warm restart and
 * takeover"): task definitions live in the lease table, so a replica that
 * takes a shard over loads what the previous holder learned instead of
 * reading every live task definition again.
 *
 * Saves are coalesced (one short timer) into one putTaskDefinitions per
 * location and written one batch at a time in the background; an ARN saved
 * or loaded once is not written again (a revision never changes), with one
 * exception: items expire 90 days after their last write (lease-table.ts),
 * so a loaded entry written more than REFRESH_AFTER_MS ago is written again
 * when it is used (EcsReader saves a loaded entry on its first use), and an
 * entry in use never expires while retired ones still do. Nothing here
 * throws into a reconcile: failures go to `onError`, and an ARN whose write
 * failed may be saved again.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { LiveTaskDefinition } from '../ecs/ecs-reader.js';
import type { TaskDefinitionStore } from '../ecs/task-definition-store.js';
import type { StoredTaskDefinition } from './lease-table.js';
import type { CachedTaskDefinition, LeaseTable } from './types.js';

export interface TableTaskDefinitionStoreOptions {
  /** Told of every failed load, unreadable entry and failed write (the caller logs them). */
  readonly onError?: (err: unknown) => void;
  /** How long saves are gathered before a write. @default 20 */
  readonly batchDelayMs?: number;
  /** Wall-clock ms (compared with the items' ttl). @default Date.now */
  readonly clock?: () => number;
}

/**
 * A loaded entry whose ttl is less than this far away (written over 30 days
 * ago, with the table's 90-day ttl) is written again on its first use.
 */
export const REFRESH_WHEN_TTL_WITHIN_MS = 60 * 24 * 3600 * 1000;

/** Entries decoded between two turns of the event loop while loading. */
const DECODE_CHUNK = 100;

/** The Date fields of ECS.TaskDefinition, which JSON carries as ISO strings. */
const DATE_FIELDS = ['registeredAt', 'deregisteredAt', 'deleteRequestedAt'] as const;

/** The stored JSON: `{"taskDefinition":...,"tags":[...]}`, as EcsReader caches a DescribeTaskDefinition answer. */
export function encodeTaskDefinition(value: LiveTaskDefinition): string {
  return JSON.stringify({ taskDefinition: value.taskDefinition, tags: value.tags });
}

/** The stored JSON back as EcsReader's value, Dates revived; throws on anything else. */
export function decodeTaskDefinition(entry: CachedTaskDefinition): LiveTaskDefinition {
  const parsed = JSON.parse(entry.json) as { taskDefinition?: unknown; tags?: unknown };
  const td = parsed.taskDefinition;
  if (typeof td !== 'object' || td === null || Array.isArray(td)) throw new Error(`cached task definition ${entry.arn}: no taskDefinition object`);
  const taskDefinition = { ...(td as Record<string, unknown>) };
  if (taskDefinition.taskDefinitionArn !== entry.arn) throw new Error(`cached task definition ${entry.arn}: its JSON names ${String(taskDefinition.taskDefinitionArn)}`);
  for (const field of DATE_FIELDS) {
    const v = taskDefinition[field];
    if (typeof v === 'string') taskDefinition[field] = new Date(v);
  }
  const tags = Array.isArray(parsed.tags) ? (parsed.tags as ECS.Tag[]) : [];
  return { taskDefinition: taskDefinition as ECS.TaskDefinition, tags };
}

export class TableTaskDefinitionStore implements TaskDefinitionStore {
  readonly #table: LeaseTable;
  readonly #onError: (err: unknown) => void;
  readonly #delayMs: number;
  /** ARNs written, being written, queued or loaded, per location. */
  readonly #known = new Map<string, Set<string>>();
  /** Loaded ARNs whose ttl is near (REFRESH_WHEN_TTL_WITHIN_MS), per location: their first save writes them again. */
  readonly #stale = new Map<string, Set<string>>();
  readonly #clock: () => number;
  /** Queued entries by location, then ARN. */
  #queued = new Map<string, Map<string, CachedTaskDefinition>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The chain of writes; each waits for the one before. */
  #writing: Promise<void> = Promise.resolve();

  constructor(table: LeaseTable, options: TableTaskDefinitionStoreOptions = {}) {
    this.#table = table;
    this.#onError = options.onError ?? (() => {});
    this.#delayMs = options.batchDelayMs ?? 20;
    this.#clock = options.clock ?? Date.now;
  }

  async load(location: string, signal?: AbortSignal): Promise<LiveTaskDefinition[]> {
    let entries: CachedTaskDefinition[];
    try {
      entries = await this.#table.taskDefinitions(location, signal);
    } catch (err) {
      this.#report(err);
      return [];
    }
    const known = this.#knownIn(location);
    const stale = this.#staleIn(location);
    const refreshBefore = this.#clock() + REFRESH_WHEN_TTL_WITHIN_MS;
    const out: LiveTaskDefinition[] = [];
    for (let i = 0; i < entries.length; i++) {
      // JSON.parse of thousands of entries would hold the loop (and the lease renewals) for long: give it turns.
      if (i > 0 && i % DECODE_CHUNK === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const entry = entries[i] as StoredTaskDefinition;
      try {
        out.push(decodeTaskDefinition(entry));
        known.add(entry.arn);
        if (entry.ttl !== undefined && entry.ttl * 1000 < refreshBefore) stale.add(entry.arn);
        else stale.delete(entry.arn);
      } catch (err) {
        this.#report(err);
      }
    }
    return out;
  }

  save(location: string, entries: readonly LiveTaskDefinition[]): void {
    const known = this.#knownIn(location);
    const stale = this.#stale.get(location);
    for (const entry of entries) {
      const arn = entry.taskDefinition.taskDefinitionArn;
      if (!arn) continue;
      // Known: written already, unless it was loaded with its ttl near and is in use now (saved again).
      if (known.has(arn) && !stale?.delete(arn)) continue;
      let json: string;
      try {
        json = encodeTaskDefinition(entry);
      } catch (err) {
        this.#report(err);
        continue;
      }
      known.add(arn);
      let queue = this.#queued.get(location);
      if (!queue) this.#queued.set(location, (queue = new Map()));
      queue.set(arn, { arn, json });
    }
    if (this.#queued.size > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#startWrite(), this.#delayMs);
      // A pending batch alone does not keep the process up; shutdown calls flush().
      this.#timer.unref?.();
    }
  }

  async flush(): Promise<void> {
    this.#startWrite();
    // Saves made while waiting are written and waited for too.
    let current: Promise<void>;
    do {
      current = this.#writing;
      await current;
      if (this.#queued.size > 0) this.#startWrite();
    } while (current !== this.#writing);
  }

  #startWrite(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queued;
    this.#queued = new Map();
    if (batch.size === 0) return;
    this.#writing = this.#writing.then(() => this.#write(batch));
  }

  async #write(batch: ReadonlyMap<string, ReadonlyMap<string, CachedTaskDefinition>>): Promise<void> {
    for (const [location, entries] of batch) {
      try {
        await this.#table.putTaskDefinitions(location, [...entries.values()]);
      } catch (err) {
        // Forget them so a later save retries; the reader keeps its in-memory answers meanwhile.
        const known = this.#knownIn(location);
        for (const arn of entries.keys()) known.delete(arn);
        this.#report(err);
      }
    }
  }

  #staleIn(location: string): Set<string> {
    let stale = this.#stale.get(location);
    if (!stale) this.#stale.set(location, (stale = new Set()));
    return stale;
  }

  #knownIn(location: string): Set<string> {
    let known = this.#known.get(location);
    if (!known) this.#known.set(location, (known = new Set()));
    return known;
  }

  #report(err: unknown): void {
    try {
      this.#onError(err);
    } catch {
      // A throwing callback must not turn into an unhandled rejection in the write chain.
    }
  }
}
