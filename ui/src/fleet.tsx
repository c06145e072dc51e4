/**
 * The fleet view: counts, filters, the sortable and paged table, all served
 * by GET /api/v1/services (the server filters, sorts and pages), kept live by
 * the stream: visible rows change in place, and a change that may move rows
 * in or out of the page refetches it (debounced, one request at a time), and
 * so does a `resync` (a batch too large to stream row by row).
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { FleetCounts, FleetPage, FleetSortKey, ServiceRow, StreamMessage } from '../../src/web/api-types.js';
import { DEFAULT_PAGE_LIMIT } from '../../src/web/api-types.js';
import { asApiError, getFleetPage, type ApiError } from './api.js';
import { ErrorMessage } from './error-message.js';
import { plural, relativeTime, rolloutSettled, shortSha } from './format.js';
import { changedKeys, decide, placement } from './live-rows.js';
import { RefetchDemand } from './refetch-demand.js';
import { navigateFleet } from './navigate.js';
import { lastPageIfPastEnd, pageRange } from './paging.js';
import { fleetHash, parseSort, serviceHash, type FleetFilterName, type FleetQuery } from './route.js';
import { HEALTH_STATUSES, StatusBadge, SYNC_STATUSES } from './status.js';
import { liveStream } from './stream.js';
import { ScheduledTasksPanel } from './scheduled-tasks.js';
import { HaPanel, StandbyNotice, type HaState } from './ha.js';
import type { HaStatus } from '../../src/ha/types.js';

/** Long enough to coalesce a batch of stream messages into one request, short enough to show a change within a second. */
const REFETCH_DEBOUNCE_MS = 150;
const SEARCH_DEBOUNCE_MS = 200;
const ANNOUNCE_EVERY_MS = 2000;

let fleetRenderedMarked = false;

interface Props {
  readonly query: FleetQuery;
  /** Changes after a login: fetch again. */
  readonly reloadToken: number;
  readonly announce: (text: string) => void;
  /** With --ha-table: this replica and the shards' holders (ha.tsx); a standby's empty fleet says so. */
  readonly ha: HaState;
}

interface RowUpdate {
  readonly version: number;
  readonly at: number;
  readonly row?: ServiceRow;
}

export function FleetView({ query, reloadToken, announce, ha }: Props) {
  const [page, setPage] = useState<FleetPage>();
  const [rows, setRows] = useState<readonly ServiceRow[]>([]);
  const [counts, setCounts] = useState<FleetCounts>();
  const [updatedAt, setUpdatedAt] = useState<Readonly<Record<string, number>>>({});
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(false);
  const [, setTick] = useState(0);

  const queryRef = useRef(query);
  queryRef.current = query;
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const pageVersion = useRef(-1);
  const countsTotal = useRef<number>();
  /** Stream updates newer than the page: laid over a page that was cut before them. */
  const newer = useRef(new Map<string, RowUpdate>());
  /** The placement last seen of keys off the page (live-rows.ts). */
  const placements = useRef(new Map<string, string>());
  const inFlight = useRef<AbortController>();
  /** What the stream asked to refetch, by version: a page already cut at or after a message's version is not fetched again for it. */
  const demand = useRef(new RefetchDemand());
  const refetchTimer = useRef<ReturnType<typeof setTimeout>>();
  const pendingMarks = useRef<{ key: string; at: number }[]>([]);
  /** The newest `resync` not yet answered by a page: the rows its refetch changes are marked updated at its `at`. */
  const resyncSeen = useRef<{ version: number; at: number }>();
  const updatesToAnnounce = useRef(new Set<string>());
  const announceTimer = useRef<ReturnType<typeof setTimeout>>();

  const load = useCallback((reason: 'navigate' | 'live') => {
    if (reason === 'live') {
      // One request at a time: the one running settles the demand when it ends.
      if (inFlight.current || !demand.current.pending(pageVersion.current)) return;
    } else {
      inFlight.current?.abort();
    }
    demand.current.taken();
    const controller = new AbortController();
    inFlight.current = controller;
    const requested = queryRef.current;
    /** The page asked for is past the end: the navigation to the last page fetches, not this request's end. */
    let movedToLastPage = false;
    setLoading(true);
    getFleetPage(requested, controller.signal).then(
      (next) => {
        if (controller.signal.aborted) return;
        const lastPage = lastPageIfPastEnd(next);
        if (lastPage !== undefined && lastPage !== requested.page) {
          movedToLastPage = true;
          setCounts(next.counts);
          countsTotal.current = next.counts.total;
          // Replacing the entry: Back goes where the user came from, not to the empty page.
          navigateFleet({ ...requested, page: lastPage }, { replace: true });
          return;
        }
        pageVersion.current = next.version;
        for (const [key, update] of newer.current) if (update.version <= next.version) newer.current.delete(key);
        const items: ServiceRow[] = [];
        for (const item of next.items) {
          const update = newer.current.get(item.key);
          if (update && !update.row) continue;
          items.push(update?.row ?? item);
        }
        placements.current.clear();
        for (const item of items) placements.current.set(item.key, placement(item, requested));
        const resync = resyncSeen.current;
        if (resync && resync.version <= next.version) {
          resyncSeen.current = undefined;
          const changed = changedKeys(rowsRef.current, items);
          if (changed.length > 0) {
            setUpdatedAt((marks) => ({ ...marks, ...Object.fromEntries(changed.map((key) => [key, resync.at])) }));
            for (const key of changed) pendingMarks.current.push({ key, at: resync.at });
          }
        }
        rowsRef.current = items;
        countsTotal.current = next.counts.total;
        setPage(next);
        setRows(items);
        setCounts(next.counts);
        setError(undefined);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(asApiError(failure));
      },
    ).finally(() => {
      if (inFlight.current !== controller) return;
      inFlight.current = undefined;
      if (movedToLastPage) return;
      setLoading(false);
      // Only for a message newer than the page just shown: the same batch's messages ask more than once.
      load('live');
    });
  }, []);

  /** `version`: the stream message's that asked; none for a reset or reconnection (always refetch). */
  const scheduleRefetch = useCallback((version?: number) => {
    demand.current.want(version);
    if (refetchTimer.current !== undefined) return;
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = undefined;
      load('live');
    }, REFETCH_DEBOUNCE_MS);
  }, [load]);

  // A new query (filters, sort, page; Back and Forward included) or a login: fetch now.
  const queryHash = fleetHash(query);
  useEffect(() => {
    load('navigate');
  }, [queryHash, reloadToken, load]);

  useEffect(() => () => {
    inFlight.current?.abort();
    clearTimeout(refetchTimer.current);
    clearTimeout(announceTimer.current);
  }, []);

  useEffect(() => {
    const onMessage = (message: StreamMessage) => {
      if (message.type === 'hello') {
        // Changes between the page's cut and the stream's start were not sent: the page may be behind.
        if (pageVersion.current >= 0 && message.version > pageVersion.current) scheduleRefetch(message.version);
      } else if (message.type === 'counts') {
        if (message.version < pageVersion.current) return;
        setCounts(message.counts);
        // A service came or went: the matched set and the pages shift.
        if (countsTotal.current !== undefined && message.counts.total !== countsTotal.current) scheduleRefetch(message.version);
        countsTotal.current = message.counts.total;
      } else if (message.type === 'resync') {
        // A batch too large to stream row by row (a mass change): its counts, and the page again.
        if (message.version <= pageVersion.current) return;
        setCounts(message.counts);
        countsTotal.current = message.counts.total;
        if (!resyncSeen.current || message.version > resyncSeen.current.version) resyncSeen.current = { version: message.version, at: message.at };
        scheduleRefetch(message.version);
      } else if (message.type === 'service') {
        if (message.version <= pageVersion.current) return;
        newer.current.set(message.key, { version: message.version, at: message.at, ...(message.row ? { row: message.row } : {}) });
        const current = queryRef.current;
        const previous = rowsRef.current.find((row) => row.key === message.key);
        const decision = decide(current, previous, message.row, placements.current.get(message.key));
        if (!previous && message.row) placements.current.set(message.key, placement(message.row, current));
        if (decision === 'refetch' || decision === 'update-and-refetch') scheduleRefetch(message.version);
        if ((decision === 'update' || decision === 'update-and-refetch') && message.row) {
          const row = message.row;
          const next = rowsRef.current.map((r) => (r.key === row.key ? row : r));
          rowsRef.current = next;
          setRows(next);
          setUpdatedAt((marks) => ({ ...marks, [row.key]: message.at }));
          pendingMarks.current.push({ key: row.key, at: message.at });
          updatesToAnnounce.current.add(row.key);
          if (announceTimer.current === undefined) {
            announceTimer.current = setTimeout(() => {
              announceTimer.current = undefined;
              announce(`${plural(updatesToAnnounce.current.size, 'service')} updated`);
              updatesToAnnounce.current.clear();
            }, ANNOUNCE_EVERY_MS);
          }
        }
      }
    };
    const unsubscribe = liveStream.subscribe(onMessage);
    const unsubscribeResync = liveStream.onResync(() => scheduleRefetch());
    return () => {
      unsubscribe();
      unsubscribeResync();
    };
  }, [scheduleRefetch, announce]);

  // Relative times ("2 min ago") age while the page stays open.
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 30_000);
    return () => clearInterval(timer);
  }, []);

  // After the DOM holds the rows: the marks the browser tests and the bench read (ui selectors contract).
  useLayoutEffect(() => {
    if (page && !fleetRenderedMarked) {
      fleetRenderedMarked = true;
      performance.mark('fleet-rendered');
      document.documentElement.dataset.fleetReady = 'true';
    }
    const marks = pendingMarks.current.splice(0);
    for (const detail of marks) performance.mark('row-updated', { detail });
  }, [page, rows]);

  return (
    <div class="fleet">
      <h1>Fleet</h1>
      <FleetCountsPanel counts={counts ?? page?.counts} query={query} />
      <Filters query={query} counts={counts ?? page?.counts} />
      {error && <ErrorMessage error={error} retry={() => load('navigate')} />}
      {page && !page.snapshotLoaded && <p class="notice">The controller has not loaded its first manifest snapshot yet; services appear once it has.</p>}
      <FleetTable query={query} rows={rows} updatedAt={updatedAt} loading={loading} loaded={page !== undefined} matched={page?.matched ?? 0}
        standby={ha.ha && ha.ha.held.length === 0 && (counts ?? page?.counts)?.total === 0 ? ha.ha : undefined} />
      {page && <Pagination query={query} page={page} />}
      <ScheduledTasksPanel reloadToken={reloadToken} />
      <HaPanel state={ha} />
    </div>
  );
}

const COUNT_GROUPS = [
  { name: 'sync', label: 'Sync' },
  { name: 'health', label: 'Health' },
  { name: 'cluster', label: 'Cluster' },
  { name: 'environment', label: 'Environment' },
  { name: 'account', label: 'Account' },
] as const;

function FleetCountsPanel({ counts, query }: { readonly counts: FleetCounts | undefined; readonly query: FleetQuery }) {
  if (!counts) return <section class="counts" data-testid="fleet-counts" aria-busy="true" aria-label="Fleet counts"><p>Loading counts…</p></section>;
  return (
    <section class="counts" data-testid="fleet-counts" aria-label="Fleet counts">
      <p class="counts-total">
        <span data-count="total">{String(counts.total)}</span> services
      </p>
      {COUNT_GROUPS.map(({ name, label }) => {
        const values = counts[name];
        if (!values) return null;
        const entries = Object.entries(values).filter(([, n]) => name === 'sync' || name === 'health' || n > 0);
        if (entries.length === 0) return null;
        return (
          <div class="count-group" key={name}>
            <h2>{label}</h2>
            <ul>
              {entries.map(([value, n]) => {
                const filterable = name !== 'account';
                const content = (
                  <>
                    {name === 'sync' || name === 'health' ? <StatusBadge kind={name} value={value} /> : <span>{value}</span>}{' '}
                    <span class="count" data-count={`${name}:${value}`}>{String(n)}</span>
                  </>
                );
                return (
                  <li key={value}>
                    {filterable ? (
                      <a href={fleetHash({ ...query, [name]: value, page: 1 })} aria-current={query[name as FleetFilterName] === value ? 'true' : undefined}>
                        {content}
                      </a>
                    ) : <span class="pill">{content}</span>}
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </section>
  );
}

function Filters({ query, counts }: { readonly query: FleetQuery; readonly counts: FleetCounts | undefined }) {
  const [search, setSearch] = useState(query.q ?? '');
  const searchTimer = useRef<ReturnType<typeof setTimeout>>();
  const queryRef = useRef(query);
  queryRef.current = query;
  // Back/Forward or a count link changed q: show it.
  useEffect(() => setSearch(query.q ?? ''), [query.q]);
  useEffect(() => () => clearTimeout(searchTimer.current), []);

  const set = (name: FleetFilterName, value: string) => navigateFleet({ ...queryRef.current, [name]: value || undefined, page: 1 });
  const options = (name: 'cluster' | 'mode' | 'environment'): string[] => {
    const known = Object.keys(counts?.[name] ?? {}).sort();
    const current = query[name];
    return current && !known.includes(current) ? [...known, current] : known;
  };
  const select = (name: FleetFilterName, label: string, values: readonly string[]) => (
    <div class="filter">
      <label for={`filter-${name}`}>{label}</label>
      <select id={`filter-${name}`} name={name} value={query[name] ?? ''} onChange={(e) => set(name, e.currentTarget.value)}>
        <option value="">All</option>
        {values.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    </div>
  );
  return (
    <form class="filters" role="search" aria-label="Filter services" onSubmit={(e) => {
      e.preventDefault();
      clearTimeout(searchTimer.current);
      navigateFleet({ ...queryRef.current, q: search || undefined, page: 1 });
    }}>
      <div class="filter filter-search">
        <label for="filter-q">Search</label>
        <input
          id="filter-q"
          name="q"
          type="search"
          placeholder="service name or key"
          autocomplete="off"
          value={search}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setSearch(value);
            clearTimeout(searchTimer.current);
            // Typing replaces the history entry: Back leaves the search, not each keystroke.
            searchTimer.current = setTimeout(() => navigateFleet({ ...queryRef.current, q: value || undefined, page: 1 }, { replace: true }), SEARCH_DEBOUNCE_MS);
          }}
        />
      </div>
      {select('cluster', 'Cluster', options('cluster'))}
      {select('sync', 'Sync', SYNC_STATUSES)}
      {select('health', 'Health', HEALTH_STATUSES)}
      {select('mode', 'Mode', options('mode'))}
      {(counts?.environment || query.environment) && select('environment', 'Environment', options('environment'))}
      {(query.cluster || query.sync || query.health || query.mode || query.environment || query.q) && (
        <a class="clear-filters" href={fleetHash({ ...(query.sort ? { sort: query.sort } : {}), page: 1 })}>Clear filters</a>
      )}
    </form>
  );
}

const COLUMNS: readonly { col: string; label: string; sort?: FleetSortKey }[] = [
  { col: 'service', label: 'Service', sort: 'service' },
  { col: 'cluster', label: 'Cluster', sort: 'cluster' },
  { col: 'sync', label: 'Sync', sort: 'sync' },
  { col: 'health', label: 'Health', sort: 'health' },
  { col: 'mode', label: 'Mode', sort: 'mode' },
  { col: 'revision', label: 'Revision' },
  { col: 'synced-at', label: 'Last sync', sort: 'lastSyncTime' },
];

function describeQuery(query: FleetQuery): string {
  const parts = (['cluster', 'sync', 'health', 'mode', 'environment'] as const).filter((n) => query[n]).map((n) => `${n} ${query[n] ?? ''}`);
  if (query.q) parts.push(`matching “${query.q}”`);
  const sort = parseSort(query.sort);
  const sorted = sort ? `, sorted by ${sort.key}${sort.descending ? ' (descending)' : ''}` : '';
  return `Services${parts.length > 0 ? ` with ${parts.join(', ')}` : ''}${sorted}`;
}

function FleetTable(props: {
  readonly query: FleetQuery; readonly rows: readonly ServiceRow[]; readonly updatedAt: Readonly<Record<string, number>>; readonly loading: boolean; readonly loaded: boolean; readonly matched: number;
  /** This replica holds no shard (and so has no service): the empty state says who shows them. */
  readonly standby: HaStatus | undefined;
}) {
  const { query, rows, updatedAt, loading, loaded, matched, standby } = props;
  const sort = parseSort(query.sort);
  const toggle = (key: FleetSortKey) => {
    const next = sort?.key === key && !sort.descending ? `-${key}` : key;
    navigateFleet({ ...query, sort: next === 'key' ? undefined : next, page: 1 });
  };
  return (
    <div class="table-wrap">
      <table class="fleet-table" data-testid="fleet-table" aria-busy={loading ? 'true' : 'false'}>
        <caption>{describeQuery(query)}</caption>
        <thead>
          <tr>
            {COLUMNS.map(({ col, label, sort: sortKey }) => {
              const active = sortKey !== undefined && sort?.key === sortKey;
              return (
                <th scope="col" key={col} class={`col-${col}`} aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}>
                  {sortKey ? (
                    <button type="button" class="sort" data-sort={sortKey} onClick={() => toggle(sortKey)}>
                      {label}
                      <span class="sort-symbol" aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ' ↕'}</span>
                    </button>
                  ) : label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => <FleetRow key={row.key} row={row} updatedAt={updatedAt[row.key]} />)}
          {loaded && rows.length === 0 && (
            <tr class="empty">
              <td colSpan={COLUMNS.length}>
                {standby ? <StandbyNotice ha={standby} /> : matched > 0 ? 'No services on this page.' : 'No services match these filters.'}
              </td>
            </tr>
          )}
          {!loaded && (
            <tr class="empty">
              <td colSpan={COLUMNS.length}>Loading services…</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function FleetRow({ row, updatedAt }: { readonly row: ServiceRow; readonly updatedAt: number | undefined }) {
  return (
    <tr data-key={row.key} data-updated-at={updatedAt} class={updatedAt !== undefined ? 'updated' : undefined}>
      <td data-col="service">
        <a data-testid="service-link" href={serviceHash(row.key)}>{row.service}</a>
        {row.environment && <span class="tag">{row.environment}</span>}
        {row.errorCode && <span class="error-code" title="last error">⚠ {row.errorCode}</span>}
      </td>
      <td data-col="cluster">{row.cluster}</td>
      <td data-col="sync">
        <StatusBadge kind="sync" value={row.sync} />
        {row.changes > 0 && <span class="detail"> {plural(row.changes, 'change')}{row.driftCause ? ` (${row.driftCause === 'live' ? 'changed outside Git' : 'new in Git'})` : ''}</span>}
      </td>
      <td data-col="health">
        <StatusBadge kind="health" value={row.health} />
        {!rolloutSettled(row.rolloutState) && <span class="detail"> rollout {row.rolloutState}</span>}
      </td>
      <td data-col="mode">{row.mode}</td>
      <td data-col="revision"><code title={row.lastAppliedRevision}>{shortSha(row.lastAppliedRevision)}</code></td>
      <td data-col="synced-at">{row.lastSyncTime ? <time dateTime={row.lastSyncTime} title={row.lastSyncTime}>{relativeTime(row.lastSyncTime)}</time> : '—'}</td>
    </tr>
  );
}

function Pagination({ query, page }: { readonly query: FleetQuery; readonly page: FleetPage }) {
  const limit = page.limit || DEFAULT_PAGE_LIMIT;
  const { from, to } = pageRange(page);
  const hasPrevious = query.page > 1;
  const hasNext = page.offset + limit < page.matched;
  return (
    <nav class="pagination" aria-label="Pages">
      <button type="button" data-testid="page-prev" disabled={!hasPrevious} onClick={() => navigateFleet({ ...query, page: query.page - 1 })}>
        <span aria-hidden="true">← </span>Previous
      </button>
      <span data-testid="page-info">{`${from}–${to} of ${page.matched}`}</span>
      <button type="button" data-testid="page-next" disabled={!hasNext} onClick={() => navigateFleet({ ...query, page: query.page + 1 })}>
        Next<span aria-hidden="true"> →</span>
      </button>
    </nav>
  );
}
