/**
 * The TaskDefinitionStore of a replica under HA (docs/ha.md "Warm restart and
 * takeover"): task definitions live in the lease table, so a replica that
 * takes a shard over loads what the previous holder learned instead of
 * reading every live task definition again.
 *
 * Saves are coalesced (one short timer) into one putTaskDefinitions per
 * location and written one batch at a time in the background; an ARN saved
 * or loaded once is not written again (a revision never changes). Nothing
 * here throws into a reconcile: failures go to `onError`, and an ARN whose
 * write failed may be saved again.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { LiveTaskDefinition } from '../ecs/ecs-reader.js';
import type { TaskDefinitionStore } from '../ecs/task-definition-store.js';
import type { CachedTaskDefinition, LeaseTable } from './types.js';

export interface TableTaskDefinitionStoreOptions {
  /** Told of every failed load, unreadable entry and failed write (the caller logs them). */
  readonly onError?: (err: unknown) => void;
  /** How long saves are gathered before a write. @default 20 */
  readonly batchDelayMs?: number;
}

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
  /** Queued entries by location, then ARN. */
  #queued = new Map<string, Map<string, CachedTaskDefinition>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The chain of writes; each waits for the one before. */
  #writing: Promise<void> = Promise.resolve();

  constructor(table: LeaseTable, options: TableTaskDefinitionStoreOptions = {}) {
    this.#table = table;
    this.#onError = options.onError ?? (() => {});
    this.#delayMs = options.batchDelayMs ?? 20;
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
    const out: LiveTaskDefinition[] = [];
    for (const entry of entries) {
      try {
        out.push(decodeTaskDefinition(entry));
        known.add(entry.arn);
      } catch (err) {
        this.#report(err);
      }
    }
    return out;
  }

  save(location: string, entries: readonly LiveTaskDefinition[]): void {
    const known = this.#knownIn(location);
    for (const entry of entries) {
      const arn = entry.taskDefinition.taskDefinitionArn;
      if (!arn || known.has(arn)) continue;
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
