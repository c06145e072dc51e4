/**
 * The UI's pure parts (no DOM): the hash routes a shared URL restores, and
 * when a stream `service` message refetches the fleet page instead of
 * updating a row in place (ui/src/live-rows.ts). The browser tests cover
 * the rendered page.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceRow } from '../../src/web/api-types.js';
import { changedKeys, decide, placement } from '../../ui/src/live-rows.js';
import { lastPageIfPastEnd, pageRange } from '../../ui/src/paging.js';
import { RefetchDemand } from '../../ui/src/refetch-demand.js';
import { fleetHash, parseRoute, serviceHash, type FleetQuery } from '../../ui/src/route.js';

const row = (over: Partial<ServiceRow> = {}): ServiceRow => ({
  key: 'eu-west-1/prod/web', region: 'eu-west-1', cluster: 'prod', service: 'web',
  sync: 'Synced', health: 'Healthy', mode: 'auto', changes: 0, lastSyncTime: '2026-01-01T00:00:00Z', ...over,
});

describe('hash routes', () => {
  it('round-trips the fleet query (filters, sort, page) and drops what the API would refuse', () => {
    const query: FleetQuery = { health: 'Degraded', q: 'web', sort: '-lastSyncTime', page: 2 };
    expect(fleetHash(query)).toBe('#/?health=Degraded&q=web&sort=-lastSyncTime&page=2');
    expect(parseRoute(fleetHash(query))).toEqual({ view: 'fleet', query });
    expect(parseRoute('#/?sort=-nonsense&page=0&bogus=1')).toEqual({ view: 'fleet', query: { page: 1 } });
    expect(parseRoute('')).toEqual({ view: 'fleet', query: { page: 1 } });
  });

  it('encodes a service key (account@, slashes) into one hash segment and back', () => {
    const key = '222222222222@eu-west-1/apps/api';
    expect(serviceHash(key)).toBe('#/services/222222222222%40eu-west-1%2Fapps%2Fapi');
    expect(parseRoute(serviceHash(key))).toEqual({ view: 'service', key });
    expect(parseRoute('#/services/%E0%A4%A')).toEqual({ view: 'fleet', query: { page: 1 } });
  });
});

describe('a stream service message on the fleet page', () => {
  const all: FleetQuery = { page: 1 };
  const degraded: FleetQuery = { health: 'Degraded', page: 1 };

  it('updates a visible row in place when it still matches and does not move', () => {
    expect(decide(all, row(), row({ health: 'Degraded' }), undefined)).toBe('update');
    expect(decide(degraded, row({ health: 'Degraded' }), row({ health: 'Degraded', sync: 'OutOfSync' }), undefined)).toBe('update');
  });

  it('refetches when a visible row leaves the filter, moves in the sort order, or is no longer managed', () => {
    expect(decide(degraded, row({ health: 'Degraded' }), row({ health: 'Healthy' }), undefined)).toBe('update-and-refetch');
    const byTime: FleetQuery = { sort: '-lastSyncTime', page: 1 };
    expect(decide(byTime, row(), row({ lastSyncTime: '2026-01-01T00:01:00Z' }), undefined)).toBe('update-and-refetch');
    expect(decide(all, row(), undefined, undefined)).toBe('refetch');
  });

  it('refetches when a service off the page may have entered the filter, and not again while its placement stays', () => {
    const next = row({ health: 'Degraded' });
    expect(decide(degraded, undefined, next, undefined)).toBe('refetch');
    expect(decide(degraded, undefined, next, placement(next, degraded))).toBe('ignore');
    expect(decide(degraded, undefined, row({ health: 'Degraded', sync: 'OutOfSync' }), placement(next, degraded))).toBe('refetch');
  });

  it('ignores services off the page that cannot appear on it (other cluster, or no status filter or sort)', () => {
    expect(decide({ cluster: 'staging', health: 'Degraded', page: 1 }, undefined, row({ health: 'Degraded' }), undefined)).toBe('ignore');
    expect(decide({ q: 'WE', page: 1 }, undefined, row({ health: 'Degraded' }), undefined)).toBe('ignore');
    expect(decide(all, undefined, row({ health: 'Degraded' }), undefined)).toBe('ignore');
  });

  it('matches comma-separated filter values (any of them) like the API', () => {
    expect(decide({ health: 'Degraded,Missing', page: 1 }, row({ health: 'Missing' }), row({ health: 'Degraded' }), undefined)).toBe('update');
  });
});

describe('refetching the fleet page for stream messages (ui/src/refetch-demand.ts)', () => {
  it('does not fetch again for messages the page just fetched already holds (a batch asks twice)', () => {
    const demand = new RefetchDemand();
    demand.want(7);
    expect(demand.pending(6)).toBe(true);
    demand.taken();
    // While the request runs, the same batch's counts message asks again: the page comes back cut at 7.
    demand.want(7);
    expect(demand.pending(7)).toBe(false);
  });

  it('fetches again for a message newer than the page, and for a reset or reconnection (no version)', () => {
    const demand = new RefetchDemand();
    demand.taken();
    demand.want(8);
    demand.want(9);
    expect(demand.pending(8)).toBe(true);
    expect(demand.pending(9)).toBe(false);
    demand.taken();
    demand.want();
    expect(demand.pending(1_000)).toBe(true);
    demand.taken();
    expect(demand.pending(-1)).toBe(false);
  });
});

describe('rows a resync refetch changed (marked updated like a service message)', () => {
  it('names the keys on both pages whose row differs, field by field, not rows that entered or left', () => {
    const web = row();
    const api = row({ key: 'eu-west-1/prod/api', service: 'api' });
    const previous = [web, api, row({ key: 'eu-west-1/prod/gone', service: 'gone' })];
    const next = [{ ...web }, { ...api, health: 'Degraded' as const, errorCode: 'E1' }, row({ key: 'eu-west-1/prod/new', service: 'new' })];
    expect(changedKeys(previous, next)).toEqual(['eu-west-1/prod/api']);
    expect(changedKeys(previous, [{ ...web, rolloutState: 'IN_PROGRESS' }])).toEqual([web.key]);
  });
});

describe('a fleet page past the end of a filtered set that shrank (ui/src/paging.ts)', () => {
  it('goes to the last page when the page starts past the end, and stays on a page that still has rows', () => {
    // health=Progressing&page=200 after 9,900 of 10,000 recovered.
    expect(lastPageIfPastEnd({ matched: 100, offset: 9950, limit: 50 })).toBe(2);
    expect(lastPageIfPastEnd({ matched: 101, offset: 9950, limit: 50 })).toBe(3);
    expect(lastPageIfPastEnd({ matched: 100, offset: 100, limit: 50 })).toBe(2);
    expect(lastPageIfPastEnd({ matched: 100, offset: 50, limit: 50 })).toBeUndefined();
    // Nothing matches: page 1's "No services match these filters", not a move.
    expect(lastPageIfPastEnd({ matched: 0, offset: 9950, limit: 50 })).toBeUndefined();
  });

  it('never shows a range starting past the matched count', () => {
    expect(pageRange({ matched: 100, offset: 9950, limit: 50, items: [] })).toEqual({ from: 100, to: 100 });
    expect(pageRange({ matched: 731, offset: 50, limit: 50, items: Array.from({ length: 50 }) })).toEqual({ from: 51, to: 100 });
    expect(pageRange({ matched: 0, offset: 0, limit: 50, items: [] })).toEqual({ from: 0, to: 0 });
  });
});
