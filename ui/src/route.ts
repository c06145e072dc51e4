/**
 * Hash routing (ui selectors contract): `#/` is the fleet, its filters, sort
 * and page in the hash's query (`#/?health=Degraded&q=web&sort=-lastSyncTime&page=2`),
 * so a URL can be shared and Back restores the view; `#/services/<key>` is a
 * service (the key encoded with encodeURIComponent). No DOM here (navigate.ts
 * changes the location), so the unit tests run it in Node.
 */
import { FLEET_SORT_KEYS, type FleetSortKey } from '../../src/web/api-types.js';

export const FLEET_FILTER_NAMES = ['cluster', 'sync', 'health', 'mode', 'environment', 'q'] as const;
export type FleetFilterName = (typeof FLEET_FILTER_NAMES)[number];

export interface FleetQuery {
  readonly cluster?: string;
  readonly sync?: string;
  readonly health?: string;
  readonly mode?: string;
  readonly environment?: string;
  readonly q?: string;
  /** `key`, `-lastSyncTime`… (FLEET_SORT_KEYS, `-` for descending); absent: the server's default (key). */
  readonly sort?: string;
  /** 1-based. */
  readonly page: number;
}

export type Route = { readonly view: 'fleet'; readonly query: FleetQuery } | { readonly view: 'service'; readonly key: string };

const SERVICE_PREFIX = '#/services/';

export function parseSort(sort: string | undefined): { key: FleetSortKey; descending: boolean } | undefined {
  if (!sort) return undefined;
  const descending = sort.startsWith('-');
  const key = descending ? sort.slice(1) : sort;
  return (FLEET_SORT_KEYS as readonly string[]).includes(key) ? { key: key as FleetSortKey, descending } : undefined;
}

export function parseRoute(hash: string): Route {
  if (hash.startsWith(SERVICE_PREFIX)) {
    try {
      const key = decodeURIComponent(hash.slice(SERVICE_PREFIX.length));
      if (key) return { view: 'service', key };
    } catch {
      // Malformed encoding: fall back to the fleet.
    }
  }
  const queryStart = hash.indexOf('?');
  const params = new URLSearchParams(queryStart >= 0 ? hash.slice(queryStart + 1) : '');
  const query: { -readonly [K in keyof FleetQuery]: FleetQuery[K] } = { page: 1 };
  for (const name of FLEET_FILTER_NAMES) {
    const value = params.get(name);
    if (value) query[name] = value;
  }
  const sort = params.get('sort') ?? undefined;
  if (parseSort(sort)) query.sort = sort;
  const page = Number(params.get('page'));
  if (Number.isInteger(page) && page > 1) query.page = page;
  return { view: 'fleet', query };
}

export function fleetHash(query: FleetQuery): string {
  const params = new URLSearchParams();
  for (const name of FLEET_FILTER_NAMES) {
    const value = query[name];
    if (value) params.set(name, value);
  }
  if (query.sort) params.set('sort', query.sort);
  if (query.page > 1) params.set('page', String(query.page));
  const search = params.toString();
  return search ? `#/?${search}` : '#/';
}

export function serviceHash(key: string): string {
  return `${SERVICE_PREFIX}${encodeURIComponent(key)}`;
}

/** The fleet URL last shown, so the service view's "back to fleet" keeps the filters. */
let lastFleetHash = '#/';
export function rememberFleetHash(hash: string): void {
  lastFleetHash = hash;
}
export function backToFleetHash(): string {
  return lastFleetHash;
}
