/**
 * The fleet table `ecs-gitops status` prints (docs/cli.md#status): pure
 * functions from the API's rows (src/web/api-types.ts) to text, so the layout,
 * the colours and the verdict are tested without a server.
 */
import type { HealthStatus, SyncStatus } from '../controller/status.js';
import type { HaStatus } from '../ha/types.js';
import type { ServiceRow } from '../web/api-types.js';

/**
 * A service is ready when it is Synced, Healthy or Suspended (scaled to zero),
 * and its last pass left no error: the rule of `sync --wait`'s exit 0
 * (src/cli/commands/sync.ts, `failed`), so a pipeline gets the same answer
 * from either command.
 */
export function rowReady(row: ServiceRow): boolean {
  return row.sync === 'Synced' && (row.health === 'Healthy' || row.health === 'Suspended') && row.errorCode === undefined;
}

export interface StatusCounts {
  readonly total: number;
  /** Services that are not ready (rowReady false): any of them makes the exit code 1. */
  readonly notReady: number;
  readonly sync: Readonly<Partial<Record<SyncStatus, number>>>;
  readonly health: Readonly<Partial<Record<HealthStatus, number>>>;
}

const SYNC_ORDER: readonly SyncStatus[] = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH_ORDER: readonly HealthStatus[] = ['Healthy', 'Suspended', 'Progressing', 'Degraded', 'Missing', 'Unknown'];

/** Counts over the rows listed (the server's FleetCounts cover the whole fleet, not the --cluster filter). */
export function countRows(rows: readonly ServiceRow[]): StatusCounts {
  const sync: Partial<Record<SyncStatus, number>> = {};
  const health: Partial<Record<HealthStatus, number>> = {};
  let notReady = 0;
  for (const row of rows) {
    sync[row.sync] = (sync[row.sync] ?? 0) + 1;
    health[row.health] = (health[row.health] ?? 0) + 1;
    if (!rowReady(row)) notReady++;
  }
  return { total: rows.length, notReady, sync, health };
}

/**
 * A revision as short as `git log --oneline` prints it: a commit id (and the
 * `-dirty` of an uncommitted checkout) to 7 characters, a plain directory's
 * `unversioned:<hash>` (src/source/revision.ts) to 7 of the hash; anything
 * else longer than 20 characters is cut.
 */
export function shortRevision(revision: string | undefined): string {
  if (revision === undefined || revision === '') return '-';
  const commit = /^([0-9a-f]{40,64})(-dirty)?$/i.exec(revision);
  if (commit) return `${(commit[1] ?? '').slice(0, 7)}${commit[2] ?? ''}`;
  const unversioned = /^(unversioned:)([0-9a-f]{7,})$/i.exec(revision);
  if (unversioned) return `${unversioned[1] ?? ''}${(unversioned[2] ?? '').slice(0, 7)}`;
  return revision.length > 20 ? `${revision.slice(0, 19)}…` : revision;
}

/** Time since `iso` as kubectl and flux print it: 42s, 5m, 3h, 2d; `-` when unknown. */
export function formatAge(iso: string | undefined, now: number): string {
  if (iso === undefined) return '-';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '-';
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 2 * 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** A rollout that ended as it should: the deployments API's SUCCESSFUL, or the older rolloutState's COMPLETED. */
const ROLLOUT_DONE: ReadonlySet<string> = new Set(['SUCCESSFUL', 'COMPLETED']);

/**
 * What needs attention in a row: the last error's code, else a rollout that
 * has not simply succeeded, else what is out of sync. Empty for a quiet row,
 * so the column reads like `argocd app list`'s CONDITION.
 */
export function rowMessage(row: ServiceRow): string {
  if (row.errorCode !== undefined) return row.errorCode;
  if (row.rolloutState !== undefined && !ROLLOUT_DONE.has(row.rolloutState)) return `rollout ${row.rolloutState}`;
  if (row.sync === 'OutOfSync') {
    const changes = row.changes === 1 ? '1 change' : `${row.changes} changes`;
    const cause = row.driftCause === 'live' ? ' (changed outside Git)' : row.driftCause === 'git' ? ' (new in Git)' : '';
    return `${changes}${cause}`;
  }
  return '';
}

type Paint = (text: string) => string;
const ansi = (code: number): Paint => (text) => `\u001b[${code}m${text}\u001b[0m`;
const GREEN = ansi(32);
const YELLOW = ansi(33);
const RED = ansi(31);
const CYAN = ansi(36);
const DIM = ansi(2);
const BOLD = ansi(1);

/** Colours for the words only: the word itself always says the state, so no reader depends on colour. */
const SYNC_PAINT: Readonly<Record<SyncStatus, Paint>> = { Synced: GREEN, OutOfSync: YELLOW, Unknown: DIM };
const HEALTH_PAINT: Readonly<Record<HealthStatus, Paint>> = {
  Healthy: GREEN, Suspended: DIM, Progressing: CYAN, Degraded: RED, Missing: YELLOW, Unknown: DIM,
};

interface Cell {
  readonly text: string;
  readonly paint?: Paint;
}

export interface TableOptions {
  readonly colour: boolean;
  /** Epoch ms the ages are measured from. */
  readonly now: number;
}

/**
 * The rows as a column-aligned table. ENVIRONMENT appears when any row has
 * one, REGION and ACCOUNT when the rows span more than one (a NAME and
 * CLUSTER alone would then not say which service it is).
 */
export function renderFleetTable(rows: readonly ServiceRow[], options: TableOptions): string {
  const distinct = (pick: (row: ServiceRow) => string | undefined) => new Set(rows.map(pick)).size;
  const columns: { readonly title: string; readonly cell: (row: ServiceRow) => Cell }[] = [
    { title: 'NAME', cell: (r) => ({ text: r.service }) },
    ...(distinct((r) => r.account) > 1 ? [{ title: 'ACCOUNT', cell: (r: ServiceRow) => ({ text: r.account ?? '-' }) }] : []),
    ...(distinct((r) => r.region) > 1 ? [{ title: 'REGION', cell: (r: ServiceRow) => ({ text: r.region }) }] : []),
    { title: 'CLUSTER', cell: (r) => ({ text: r.cluster }) },
    ...(rows.some((r) => r.environment !== undefined) ? [{ title: 'ENVIRONMENT', cell: (r: ServiceRow) => ({ text: r.environment ?? '-' }) }] : []),
    { title: 'SYNC', cell: (r) => ({ text: r.sync, paint: SYNC_PAINT[r.sync] }) },
    { title: 'HEALTH', cell: (r) => ({ text: r.health, paint: HEALTH_PAINT[r.health] }) },
    { title: 'MODE', cell: (r) => ({ text: r.mode }) },
    { title: 'REVISION', cell: (r) => ({ text: shortRevision(r.lastAppliedRevision) }) },
    { title: 'AGE', cell: (r) => ({ text: formatAge(r.lastSyncTime, options.now) }) },
    { title: 'MESSAGE', cell: (r) => ({ text: rowMessage(r), ...(r.errorCode !== undefined ? { paint: RED } : {}) }) },
  ];
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  // Widths from the plain text: escape codes take no room on screen.
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((line) => line[i]?.text.length ?? 0)));
  const format = (line: readonly Cell[], header: boolean): string => line
    .map((cell, i) => {
      const last = i === line.length - 1;
      const padded = last ? cell.text : cell.text.padEnd(widths[i] ?? 0);
      const paint = header ? BOLD : cell.paint;
      if (!options.colour || paint === undefined || cell.text === '') return padded;
      // Paint the word, not its padding, so underlined or inverted themes do not smear.
      return paint(cell.text) + padded.slice(cell.text.length);
    })
    .join('   ')
    .trimEnd();
  const header = format(columns.map((c) => ({ text: c.title })), true);
  return [header, ...cells.map((line) => format(line, false))].map((line) => `${line}\n`).join('');
}

function breakdown<K extends string>(order: readonly K[], counts: Readonly<Partial<Record<K, number>>>): string {
  return order.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${counts[k]} ${k}`).join(', ');
}

/** The line under the table: `12 services: 11 Synced, 1 OutOfSync; 10 Healthy, 1 Suspended, 1 Degraded; 2 not ready`. */
export function renderSummary(counts: StatusCounts, colour: boolean): string {
  const noun = counts.total === 1 ? 'service' : 'services';
  if (counts.total === 0) return `0 ${noun}\n`;
  const verdict = counts.notReady === 0
    ? (colour ? GREEN('all Synced and Healthy') : 'all Synced and Healthy')
    : (colour ? RED(`${counts.notReady} not Synced and Healthy`) : `${counts.notReady} not Synced and Healthy`);
  return `${counts.total} ${noun}: ${breakdown(SYNC_ORDER, counts.sync)}; ${breakdown(HEALTH_ORDER, counts.health)}; ${verdict}\n`;
}

/** Shards no live replica holds (--ha-table): nobody reconciles their services, so `status` exits 1. */
export function unheldShards(ha: HaStatus): string[] {
  return ha.shards.filter((view) => view.holder === undefined).map((view) => view.shard);
}

/**
 * The line above the summary with --ha-table (docs/ha.md): each replica lists
 * only the services of the shards it holds, so a standby's empty list must not
 * read as "no services". `replica b holds 1 of 3 shards; other shards: s0 on a,
 * s2 with no holder`, or for a standby `replica c is a standby: holds no shard;
 * services are listed by a (s0), b (s1)`.
 */
export function renderHaLine(ha: HaStatus, colour: boolean): string {
  const noHolder = colour ? RED('no holder') : 'no holder';
  const mine = new Set(ha.held);
  const others = ha.shards.filter((view) => !mine.has(view.shard));
  const unheld = others.filter((view) => view.holder === undefined).map((view) => view.shard);
  const tableError = ha.lastError ? `; lease table ${ha.table}: ${ha.lastError.code}` : '';
  if (ha.shards.length === 0) return `replica ${ha.replicaId}: no shard known yet (lease table ${ha.table} not read)${tableError}\n`;
  if (mine.size === 0) {
    const byHolder = new Map<string, string[]>();
    for (const view of others) if (view.holder !== undefined) byHolder.set(view.holder, [...(byHolder.get(view.holder) ?? []), view.shard]);
    const holders = [...byHolder].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([holder, shards]) => `${holder} (${shards.join(', ')})`);
    const listedBy = holders.length > 0 ? `services are listed by ${holders.join(', ')}` : 'no replica holds a shard';
    return `replica ${ha.replicaId} is a standby: holds no shard; ${listedBy}${unheld.length > 0 ? `; ${noHolder}: ${unheld.join(', ')}` : ''}${tableError}\n`;
  }
  const rest = others.map((view) => (view.holder === undefined ? `${view.shard} with ${noHolder}` : `${view.shard} on ${view.holder}`));
  return `replica ${ha.replicaId} holds ${mine.size} of ${ha.shards.length} ${ha.shards.length === 1 ? 'shard' : 'shards'}${rest.length > 0 ? `; other shards: ${rest.join(', ')}` : ''}${tableError}\n`;
}
