/**
 * The fleet table kept up to date from the StatusStore (docs/ui.md): one
 * ServiceRow per service, a `version` that grows with every status write,
 * the counts and each sort order computed at most once per version (lazily,
 * on the first request that needs them, not per request and not per write),
 * and a change feed for the stream (stream.ts) carrying the write time,
 * silent about writes that only move lastSyncTime.
 *
 * Why caches and not the store's list: StatusStore.list() copies and sorts
 * every status (localeCompare) on each call; at 10,000 services that is tens
 * of milliseconds per request. Here a page request is one pass over an
 * already-sorted array while the fleet is quiet, and one sort after a change.
 */
import type { StatusStore } from '../controller/status.js';
import type { FleetCounts, ServiceRow } from './api-types.js';
import { countFleet, formatSort, pageOfSorted, rowComparator, sameStatusApartFromSyncTime, serviceRow, type FleetQuery, type FleetSlice } from './fleet-query.js';

/** More services written since the last request than this: rebuilding an order (one sort) is cheaper than patching it. */
const PATCH_LIMIT = 256;

function parseSortName(name: string): FleetQuery['sort'] {
  const descending = name.startsWith('-');
  return { key: (descending ? name.slice(1) : name) as FleetQuery['sort']['key'], descending };
}

/** Where `row` goes in `rows` (sorted by `compare`, a total order). */
function insertionPoint(rows: readonly ServiceRow[], row: ServiceRow, compare: (a: ServiceRow, b: ServiceRow) => number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(rows[mid] as ServiceRow, row) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export interface FleetChange {
  readonly key: string;
  /** Absent: the service is no longer managed. */
  readonly row?: ServiceRow;
  /** The index's version after this write. */
  readonly version: number;
  /** Epoch ms of the status write. */
  readonly at: number;
}

export type FleetChangeListener = (change: FleetChange) => void;

export interface FleetIndexOptions {
  /** Epoch ms; tests pin it. @default Date.now */
  readonly now?: () => number;
}

export class FleetIndex {
  readonly #rows = new Map<string, ServiceRow>();
  readonly #listeners = new Set<FleetChangeListener>();
  readonly #now: () => number;
  readonly #unsubscribe: () => void;
  #version = 0;
  #counts: { readonly version: number; readonly counts: FleetCounts } | undefined;
  /** Sorted row arrays by formatSort(sort), as of #sortedVersion; #dirty holds the keys written since. */
  #sorted = new Map<string, readonly ServiceRow[]>();
  #sortedVersion = 0;
  readonly #dirty = new Set<string>();

  constructor(store: StatusStore, options: FleetIndexOptions = {}) {
    this.#now = options.now ?? Date.now;
    for (const status of store.list()) this.#rows.set(status.key, serviceRow(status));
    this.#unsubscribe = store.subscribe((key, next, previousStatus) => {
      const at = this.#now();
      this.#version++;
      this.#dirty.add(key);
      let row: ServiceRow | undefined;
      if (next) {
        row = serviceRow(next);
        this.#rows.set(key, row);
      } else {
        this.#rows.delete(key);
      }
      // Only lastSyncTime moved (every controller pass writes it): pages and sorts see it, the stream does not (docs/ui.md "The stream").
      // The whole status is compared, not the row: an open service view refetches on its key's message.
      if (previousStatus && next && sameStatusApartFromSyncTime(previousStatus, next)) return;
      const change: FleetChange = { key, ...(row ? { row } : {}), version: this.#version, at };
      for (const listener of this.#listeners) listener(change);
    });
  }

  /** Grows by one with every status write (the fleet page's `version`, the stream's). */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#rows.size;
  }

  get(key: string): ServiceRow | undefined {
    return this.#rows.get(key);
  }

  counts(): FleetCounts {
    if (this.#counts?.version !== this.#version) this.#counts = { version: this.#version, counts: countFleet(this.#rows.values()) };
    return this.#counts.counts;
  }

  /**
   * The rows in the order of `query.sort`. A sort order once built is kept and
   * patched for the services written since (one pass dropping them, then a
   * binary-search insert each), so a request after a few writes costs well
   * under a millisecond at 10,000 services instead of a full sort; after many
   * writes (a mass apply) the orders are dropped and rebuilt when asked for.
   */
  sorted(query: Pick<FleetQuery, 'sort'>): readonly ServiceRow[] {
    if (this.#sortedVersion !== this.#version) this.#patchSorted();
    const name = formatSort(query.sort);
    let rows = this.#sorted.get(name);
    if (!rows) {
      rows = [...this.#rows.values()].sort(rowComparator(query.sort));
      this.#sorted.set(name, rows);
    }
    return rows;
  }

  #patchSorted(): void {
    const dirty = this.#dirty;
    if (dirty.size > PATCH_LIMIT) {
      this.#sorted = new Map();
    } else {
      for (const [name, rows] of this.#sorted) {
        const compare = rowComparator(parseSortName(name));
        const kept = rows.filter((row) => !dirty.has(row.key));
        for (const key of dirty) {
          const row = this.#rows.get(key);
          if (row) kept.splice(insertionPoint(kept, row, compare), 0, row);
        }
        this.#sorted.set(name, kept);
      }
    }
    dirty.clear();
    this.#sortedVersion = this.#version;
  }

  query(query: FleetQuery): FleetSlice {
    return pageOfSorted(this.sorted(query), query);
  }

  /** Every status write from now on that changes a row in more than its lastSyncTime (or adds or removes one); returns the unsubscribe. */
  onChange(listener: FleetChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }
}
