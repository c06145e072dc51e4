import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEALTH_STATUSES, SYNC_STATUSES, type ServiceStatus } from '../../src/controller/status.js';
import { FLEET_SORT_KEYS, MAX_PAGE_LIMIT, type FleetSortKey, type ServiceRow } from '../../src/web/api-types.js';
import { countFleet, pageOfSorted, parseFleetQuery, queryFleet, rowComparator, serviceRow, type FleetQuery } from '../../src/web/fleet-query.js';

const parse = (query: string) => parseFleetQuery(new URLSearchParams(query));

describe('parseFleetQuery', () => {
  it.each([
    ['', { filters: {}, sort: { key: 'key', descending: false }, offset: 0, limit: 50 }],
    ['health=Degraded,Missing&cluster=prod', { filters: { health: ['Degraded', 'Missing'], cluster: ['prod'] }, sort: { key: 'key', descending: false }, offset: 0, limit: 50 }],
    ['q=WeB&sort=-lastSyncTime&offset=100&limit=500', { filters: { q: ['web'] }, sort: { key: 'lastSyncTime', descending: true }, offset: 100, limit: 500 }],
    ['mode=detect&sync=OutOfSync&environment=prod&account=123&region=eu-west-1', {
      filters: { mode: ['detect'], sync: ['OutOfSync'], environment: ['prod'], account: ['123'], region: ['eu-west-1'] },
      sort: { key: 'key', descending: false }, offset: 0, limit: 50,
    }],
  ])('%j', (query, expected) => {
    expect(parse(query)).toEqual(expected);
  });

  it.each([
    ['nope=1', 'nope', /unknown parameter "nope".*cluster, sync/],
    ['health=Degraded&health=Missing', 'health', /more than once/],
    ['sync=Bad', 'sync', /unknown sync "Bad"; valid values: Synced, OutOfSync, Unknown/],
    ['health=Degraded,sick', 'health', /unknown health "sick"; valid values: Healthy, Progressing/],
    ['mode=manual', 'mode', /valid values: auto, detect/],
    ['cluster=', 'cluster', /needs a value/],
    ['q=,', 'q', /needs a value/],
    ['sort=name', 'sort', /unknown sort key "name"; valid keys: key, service/],
    ['sort=--key', 'sort', /unknown sort key/],
    ['offset=-1', 'offset', /offset must be a whole number from 0/],
    ['offset=1.5', 'offset', /offset/],
    ['limit=0', 'limit', /limit must be a whole number from 1 to 500/],
    [`limit=${MAX_PAGE_LIMIT + 1}`, 'limit', /from 1 to 500, got "501"/],
    ['limit=abc', 'limit', /limit/],
  ])('%s is refused naming %s', (query, parameter, message) => {
    const parsed = parse(query);
    expect(parsed).toMatchObject({ parameter });
    expect((parsed as { message: string }).message).toMatch(message);
  });
});

function status(partial: Partial<ServiceStatus> & Pick<ServiceStatus, 'service'>): ServiceStatus {
  const region = partial.region ?? 'eu-west-1';
  const cluster = partial.cluster ?? 'prod';
  return { key: `${region}/${cluster}/${partial.service}`, region, cluster, sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [], ...partial };
}

describe('serviceRow', () => {
  it('keeps list fields and summarises the rest', () => {
    const row = serviceRow(status({
      service: 'web', account: '111122223333', environment: 'prod', lastSyncTime: '2026-01-01T00:00:00Z', lastAppliedRevision: 'abc1234',
      lastError: { code: 'CONTROLLER_ROLLOUT_FAILED', message: 'failed: DB_PASSWORD=x', at: '2026-01-01T00:00:00Z' },
      diff: [{ pointer: '/a', kind: 'changed', scope: 'service', desired: 1, live: 2 }],
      driftCause: 'live',
      rollout: { strategy: 'ROLLING', source: 'rollout-state', state: 'FAILED' },
    }));
    expect(row).toEqual({
      key: 'eu-west-1/prod/web', account: '111122223333', environment: 'prod', region: 'eu-west-1', cluster: 'prod', service: 'web',
      sync: 'Synced', health: 'Healthy', mode: 'auto', lastSyncTime: '2026-01-01T00:00:00Z', lastAppliedRevision: 'abc1234',
      changes: 1, driftCause: 'live', errorCode: 'CONTROLLER_ROLLOUT_FAILED', rolloutState: 'FAILED',
    });
  });
});

describe('queryFleet and countFleet', () => {
  const rows = [
    status({ service: 'web', health: 'Degraded', lastSyncTime: '2026-01-01T00:00:03Z' }),
    status({ service: 'api', cluster: 'stage', sync: 'OutOfSync', lastSyncTime: '2026-01-01T00:00:01Z' }),
    status({ service: 'web-worker', mode: 'detect', environment: 'prod' }),
    status({ service: 'db', health: 'Degraded', lastSyncTime: '2026-01-01T00:00:03Z' }),
  ].map(serviceRow);
  const q = (text: string) => parse(text) as FleetQuery;

  it.each([
    ['', 4, ['eu-west-1/prod/db', 'eu-west-1/prod/web', 'eu-west-1/prod/web-worker', 'eu-west-1/stage/api']],
    ['health=Degraded', 2, ['eu-west-1/prod/db', 'eu-west-1/prod/web']],
    ['q=WEB', 2, ['eu-west-1/prod/web', 'eu-west-1/prod/web-worker']],
    ['q=stage', 1, ['eu-west-1/stage/api']],
    ['cluster=stage,prod&sync=OutOfSync', 1, ['eu-west-1/stage/api']],
    ['environment=prod', 1, ['eu-west-1/prod/web-worker']],
    ['sort=-lastSyncTime', 4, ['eu-west-1/prod/db', 'eu-west-1/prod/web', 'eu-west-1/stage/api', 'eu-west-1/prod/web-worker']],
    ['sort=lastSyncTime&limit=2&offset=1', 4, ['eu-west-1/stage/api', 'eu-west-1/prod/db']],
    ['sort=service&offset=10', 4, []],
  ])('%s', (query, matched, keys) => {
    const result = queryFleet(rows, q(query));
    expect(result.matched).toBe(matched);
    expect(result.items.map((r) => r.key)).toEqual(keys);
  });

  it('counts the whole fleet, with environment only when one is present', () => {
    const counts = countFleet(rows);
    expect(counts).toEqual({
      total: 4,
      sync: { Synced: 3, OutOfSync: 1, Unknown: 0 },
      health: { Healthy: 2, Progressing: 0, Degraded: 2, Missing: 0, Suspended: 0, Unknown: 0 },
      mode: { auto: 3, detect: 1 },
      cluster: { prod: 3, stage: 1 },
      environment: { prod: 1 },
    });
    expect(countFleet(rows.slice(0, 2)).environment).toBeUndefined();
  });

  it('counts clusters, environments and accounts named like Object.prototype members (constructor, __proto__, toString)', () => {
    const odd = [
      status({ service: 'a', cluster: 'constructor', environment: '__proto__', account: 'toString' }),
      status({ service: 'b', cluster: '__proto__', environment: 'constructor', account: 'hasOwnProperty' }),
      status({ service: 'c', cluster: '__proto__', environment: 'valueOf', account: '__proto__' }),
      status({ service: 'd', cluster: 'toString', environment: '__proto__', account: 'toString' }),
    ].map(serviceRow);
    const counts = countFleet(odd);
    // Through JSON, as the API and the stream send them: every name an own key with its number.
    const sent = JSON.parse(JSON.stringify(counts)) as typeof counts;
    const entries = (record: Readonly<Record<string, number>> | undefined) => Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    expect(entries(sent.cluster)).toEqual([['__proto__', 2], ['constructor', 1], ['toString', 1]]);
    expect(entries(sent.environment)).toEqual([['__proto__', 2], ['constructor', 1], ['valueOf', 1]]);
    expect(entries(sent.account)).toEqual([['__proto__', 1], ['hasOwnProperty', 1], ['toString', 2]]);
    expect(Object.getPrototypeOf(sent.cluster)).toBe(Object.prototype);
  });
});

const rowArbitrary: fc.Arbitrary<ServiceRow> = fc.record({
  cluster: fc.constantFrom('a', 'b', 'c'),
  service: fc.stringMatching(/^[a-e]{1,4}$/),
  sync: fc.constantFrom(...SYNC_STATUSES),
  health: fc.constantFrom(...HEALTH_STATUSES),
  mode: fc.constantFrom('auto' as const, 'detect' as const),
  environment: fc.option(fc.constantFrom('dev', 'prod'), { nil: undefined }),
  lastSyncTime: fc.option(fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'), { nil: undefined }),
}).map((r) => serviceRow(status(r)));

/** Unique keys, as in the store. */
const fleetArbitrary = fc.uniqueArray(rowArbitrary, { selector: (r) => r.key, maxLength: 60 });

const queryArbitrary: fc.Arbitrary<FleetQuery> = fc.record({
  filters: fc.record({
    cluster: fc.subarray(['a', 'b', 'c', 'z'], { minLength: 1 }),
    health: fc.subarray([...HEALTH_STATUSES], { minLength: 1 }),
    sync: fc.subarray([...SYNC_STATUSES], { minLength: 1 }),
    environment: fc.subarray(['dev', 'prod'], { minLength: 1 }),
    q: fc.array(fc.stringMatching(/^[a-e/]{1,2}$/), { minLength: 1, maxLength: 2 }),
  }, { requiredKeys: [] }),
  sort: fc.record({ key: fc.constantFrom<FleetSortKey>(...FLEET_SORT_KEYS), descending: fc.boolean() }),
  offset: fc.nat(70),
  limit: fc.integer({ min: 1, max: 20 }),
});

function naiveMatch(row: ServiceRow, filters: FleetQuery['filters']): boolean {
  return Object.entries(filters).every(([name, values]) => {
    if (name === 'q') return values.some((v) => row.service.toLowerCase().includes(v) || row.key.toLowerCase().includes(v));
    const value = (row as unknown as Record<string, string | undefined>)[name];
    return value !== undefined && values.includes(value);
  });
}

describe('fleet query properties', () => {
  it('filters agree with a naive filter, and the index path (pageOfSorted) with queryFleet', () => {
    fc.assert(fc.property(fleetArbitrary, queryArbitrary, (rows, query) => {
      const result = queryFleet(rows, query);
      const expected = rows.filter((r) => naiveMatch(r, query.filters));
      expect(result.matched).toBe(expected.length);
      expect(new Set(result.items.map((r) => r.key)).size).toBe(result.items.length);
      for (const item of result.items) expect(naiveMatch(item, query.filters)).toBe(true);
      const sorted = [...rows].sort(rowComparator(query.sort));
      expect(pageOfSorted(sorted, query)).toEqual(result);
    }));
  });

  it('paging covers every matched row exactly once, in sort order', () => {
    fc.assert(fc.property(fleetArbitrary, queryArbitrary, (rows, query) => {
      const seen: string[] = [];
      const all = queryFleet(rows, { ...query, offset: 0, limit: 10_000 });
      for (let offset = 0; offset < all.matched + query.limit; offset += query.limit) {
        const page = queryFleet(rows, { ...query, offset });
        expect(page.matched).toBe(all.matched);
        seen.push(...page.items.map((r) => r.key));
      }
      expect(seen).toEqual(all.items.map((r) => r.key));
    }));
  });

  it('sorts by the key given, ties broken by service key ascending, whatever the input order', () => {
    fc.assert(fc.property(fleetArbitrary, queryArbitrary, fc.nat(), (rows, query, seed) => {
      const all = { ...query, filters: {}, offset: 0, limit: 10_000 };
      const shuffled = [...rows].sort((a, b) => ((a.key.length * 31 + seed) % 7) - ((b.key.length * 31 + seed) % 7));
      const items = queryFleet(shuffled, all).items;
      expect(items.map((r) => r.key)).toEqual(queryFleet(rows, all).items.map((r) => r.key));
      for (let i = 1; i < items.length; i++) {
        const a = items[i - 1] as ServiceRow;
        const b = items[i] as ServiceRow;
        const va = query.sort.key === 'key' ? a.key : ((a as unknown as Record<string, string | undefined>)[query.sort.key] ?? '');
        const vb = query.sort.key === 'key' ? b.key : ((b as unknown as Record<string, string | undefined>)[query.sort.key] ?? '');
        if (va === vb) expect(a.key < b.key).toBe(true);
        else expect(query.sort.descending ? va > vb : va < vb).toBe(true);
      }
    }));
  });
});
