/**
 * The fleet table kept up to date from the StatusStore (docs/ui.md): one
 * ServiceRow per service, a `version` that grows with every status write,
 * the counts and each sort order computed at most once per version (lazily,
 * on the first request that needs them, not per request and not per write),
 * and a change feed for the stream (stream.ts) carrying the write time.
 *
 * Why caches and not the store's list: StatusStore.list() copies and sorts
 * every status (localeCompare) on each call; at 10,000 services that is tens
 * of milliseconds per request. Here a page request is one pass over an
 * already-sorted array while the fleet is quiet, and one sort after a change.
 */
import type { StatusStore } from '../controller/status.js';
import type { FleetCounts, ServiceRow } from './api-types.js';
import { countFleet, formatSort, pageOfSorted, rowComparator, serviceRow, type FleetQuery, type FleetSlice } from './fleet-query.js';

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
  /** Sorted row arrays by formatSort(sort), valid for #sortedVersion only. */
  #sorted = new Map<string, readonly ServiceRow[]>();
  #sortedVersion = -1;

  constructor(store: StatusStore, options: FleetIndexOptions = {}) {
    this.#now = options.now ?? Date.now;
    for (const status of store.list()) this.#rows.set(status.key, serviceRow(status));
    this.#unsubscribe = store.subscribe((key, next) => {
      const at = this.#now();
      this.#version++;
      let row: ServiceRow | undefined;
      if (next) {
        row = serviceRow(next);
        this.#rows.set(key, row);
      } else {
        this.#rows.delete(key);
      }
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

  /** The rows in the order of `query.sort`, sorted at most once per version and sort. */
  sorted(query: Pick<FleetQuery, 'sort'>): readonly ServiceRow[] {
    if (this.#sortedVersion !== this.#version) {
      this.#sorted = new Map();
      this.#sortedVersion = this.#version;
    }
    const name = formatSort(query.sort);
    let rows = this.#sorted.get(name);
    if (!rows) {
      rows = [...this.#rows.values()].sort(rowComparator(query.sort));
      this.#sorted.set(name, rows);
    }
    return rows;
  }

  query(query: FleetQuery): FleetSlice {
    return pageOfSorted(this.sorted(query), query);
  }

  /** Every status write from now on; returns the unsubscribe. */
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
