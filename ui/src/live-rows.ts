/**
 * Whether a stream `service` message can change which rows the current fleet
 * page shows (so the page must be refetched) or only what a visible row says
 * (updated in place). Refetching on every message would send a request per
 * change of any of 10,000 services; never refetching would leave a service
 * that turned Degraded off a `health=Degraded` page.
 */
import type { ServiceRow } from '../../src/web/api-types.js';
import { parseSort, type FleetQuery } from './route.js';

function anyOf(filter: string | undefined, value: string | undefined): boolean {
  if (!filter) return true;
  return filter.split(',').some((wanted) => wanted.trim() === value);
}

/** The filters on what a service is (its name, cluster, environment): these never change for a key. */
export function matchesIdentity(row: ServiceRow, query: FleetQuery): boolean {
  if (!anyOf(query.cluster, row.cluster) || !anyOf(query.environment, row.environment)) return false;
  if (query.q) {
    const needle = query.q.toLowerCase();
    if (!row.service.toLowerCase().includes(needle) && !row.key.toLowerCase().includes(needle)) return false;
  }
  return true;
}

export function matches(row: ServiceRow, query: FleetQuery): boolean {
  return matchesIdentity(row, query) && anyOf(query.sync, row.sync) && anyOf(query.health, row.health) && anyOf(query.mode, row.mode);
}

const MUTABLE_SORT_KEYS = new Set(['sync', 'health', 'mode', 'lastSyncTime']);

export function hasMutableFilter(query: FleetQuery): boolean {
  return Boolean(query.sync || query.health || query.mode);
}

/** The sort field's value, when the page is sorted by something a status change can change. */
export function mutableSortValue(row: ServiceRow, query: FleetQuery): string | undefined {
  const sort = parseSort(query.sort);
  if (!sort || !MUTABLE_SORT_KEYS.has(sort.key)) return undefined;
  return String(row[sort.key as 'sync' | 'health' | 'mode' | 'lastSyncTime'] ?? '');
}

/** What decides a row's membership and position under this query; equal fingerprints: the row did not move. */
export function placement(row: ServiceRow, query: FleetQuery): string {
  return `${row.sync}|${row.health}|${row.mode}|${mutableSortValue(row, query) ?? ''}`;
}

export type LiveDecision = 'ignore' | 'update' | 'update-and-refetch' | 'refetch';

/**
 * `previous`: the visible row, or undefined when the key is not on the page.
 * `lastPlacement`: the placement last seen for an off-page key (undefined: never seen).
 */
export function decide(query: FleetQuery, previous: ServiceRow | undefined, next: ServiceRow | undefined, lastPlacement: string | undefined): LiveDecision {
  if (previous) {
    if (!next) return 'refetch';
    if (!matches(next, query)) return 'update-and-refetch';
    return mutableSortValue(previous, query) !== mutableSortValue(next, query) ? 'update-and-refetch' : 'update';
  }
  // A service removed off the page: the counts' total changes, and that refetches.
  if (!next) return 'ignore';
  if (!matchesIdentity(next, query)) return 'ignore';
  // Without status filters or a status sort, an existing service never enters or moves within the page; a new one changes the total.
  if (!hasMutableFilter(query) && mutableSortValue(next, query) === undefined) return 'ignore';
  return lastPlacement === placement(next, query) ? 'ignore' : 'refetch';
}

function sameRow(a: ServiceRow, b: ServiceRow): boolean {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ServiceRow>;
  for (const field of fields) if (a[field] !== b[field]) return false;
  return true;
}

/**
 * Keys on both pages whose row differs: after a `resync` (no `service`
 * messages for that batch), the rows the refetch changed, so they get the
 * same update marks a `service` message gives.
 */
export function changedKeys(previous: readonly ServiceRow[], next: readonly ServiceRow[]): string[] {
  const before = new Map(previous.map((row) => [row.key, row]));
  return next.filter((row) => {
    const old = before.get(row.key);
    return old !== undefined && !sameRow(old, row);
  }).map((row) => row.key);
}
