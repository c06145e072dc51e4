/**
 * `ecs-gitops status [--server URL] [--cluster C] [--output table|json]`:
 * the fleet table of a running controller, read page by page from its
 * GET /api/v1/services (src/web/api-types.ts), like `flux get kustomizations`
 * or `argocd app list`. Exit codes (STATUS_SUMMARY, docs/cli.md#status): 0
 * every listed service Synced and Healthy (or Suspended), 1 any other, 2 the
 * status could not be read, 3 a usage error. 2 is apart from 1 so a script
 * can tell "something is unhealthy" from "I could not ask".
 *
 * With --ha-table (docs/ha.md) each replica lists only the services of the
 * shards it holds, so GET /api/v1/ha is read too: a line says which replica
 * answered and who holds the other shards (a standby's empty list is then not
 * "no services"), and a shard with no holder exits 1, since no replica
 * reconciles its services.
 */
import { isGitopsError, GitopsError, type ErrorCode } from '../../errors/index.js';
import { DEFAULT_LISTEN } from '../../observe/listen-address.js';
import type { HaStatus } from '../../ha/types.js';
import { FLEET_PATH, HA_PATH, MAX_PAGE_LIMIT, type FleetPage, type ServiceRow } from '../../web/api-types.js';
import { useColour, type CommandContext, type CommandSpec } from '../command.js';
import { apiAccessFrom } from '../config-flags.js';
import { countRows, renderFleetTable, renderHaLine, renderSummary, rowReady, unheldShards } from '../fleet-table.js';
import { parseJsonObject } from '../../util/json-object.js';

export const STATUS_EXIT = { ready: 0, notReady: 1, unavailable: 2, usage: 3 } as const;

export const DEFAULT_SERVER = `http://${DEFAULT_LISTEN}`;

export const STATUS_SUMMARY = [
  'print the fleet table of a running controller (its /api/v1/services)',
  '',
  'Exit codes:',
  '  0  every listed service is Synced and Healthy (or Suspended: scaled to zero), with no error;',
  '     the rule of sync --wait',
  '  1  any listed service is not, or (--ha-table) a shard has no holder: no replica reconciles its services',
  '  2  the status could not be read: the server is unreachable, refused the token (401) or the Host (421),',
  '     is not an ecs-gitops controller, or has not loaded its first manifest snapshot yet',
  '  3  usage error (a bad flag, --cluster naming no cluster with services)',
].join('\n');

/** What went wrong reading the status; `code` is a catalogued error code, printed as `error CODE: message`. */
class StatusUnavailable extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/**
 * --server as a base URL: `http(s)://host:port[/prefix]`, or `host:port` as
 * --listen takes it (http assumed). The API's path is appended to it, so a
 * controller behind a path-routing proxy works too.
 */
export function parseServerUrl(value: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GitopsError('CLI_BAD_FLAG_VALUE', `--server: expected a URL such as ${DEFAULT_SERVER}, got ${JSON.stringify(value)}`, { flag: 'server' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GitopsError('CLI_BAD_FLAG_VALUE', `--server: expected an http:// or https:// URL such as ${DEFAULT_SERVER}, got ${JSON.stringify(value)}`, { flag: 'server' });
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new GitopsError('CLI_BAD_FLAG_VALUE', `--server: expected the controller's base URL without query, fragment or credentials (the token goes in --api-token-file), got ${JSON.stringify(value)}`, { flag: 'server' });
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** The base URL as people wrote it, for messages: no trailing slash. */
function shown(base: URL): string {
  return base.href.replace(/\/$/, '');
}

function isFleetPage(body: unknown): body is FleetPage {
  if (typeof body !== 'object' || body === null) return false;
  const page = body as Partial<FleetPage>;
  return Array.isArray(page.items) && typeof page.matched === 'number' && typeof page.snapshotLoaded === 'boolean'
    && typeof page.counts === 'object' && page.counts !== null;
}

function errorOf(body: Readonly<Record<string, unknown>> | undefined): { code?: string; message?: string } {
  const error = body?.error;
  if (typeof error !== 'object' || error === null) return {};
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { ...(typeof code === 'string' ? { code } : {}), ...(typeof message === 'string' ? { message } : {}) };
}

function networkReason(err: unknown): string {
  // fetch wraps the socket error in `cause`: ECONNREFUSED, ENOTFOUND, a TLS failure...
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return typeof cause.message === 'string' && cause.message !== '' ? `${cause.code}: ${cause.message}` : cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

interface ReadOptions {
  readonly base: URL;
  readonly cluster?: string;
  readonly token?: string;
  readonly tokenOrigin: string;
  readonly signal: AbortSignal;
}

/** GET `url` with the token; a failure to get any answer is StatusUnavailable naming the server. */
async function get(options: ReadOptions, url: URL): Promise<Response> {
  const { base, token } = options;
  const where = shown(base);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
      // A redirect is a login page or another host; following it would send nothing useful (and fetch drops the token on the way).
      redirect: 'manual',
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal.aborted) {
      const reason: unknown = options.signal.reason;
      const timedOut = typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
      throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', timedOut
        ? `${where} did not answer within --timeout; check the address (--server, or ECS_GITOPS_SERVER) and that the controller is not overloaded`
        : `${where}: interrupted`);
    }
    throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', `cannot reach ${where} (${networkReason(err)}); start the controller there (ecs-gitops run, or npm start) or point --server (or ECS_GITOPS_SERVER) at its --listen address`);
  }
  return response;
}

async function readPage(options: ReadOptions, offset: number): Promise<FleetPage> {
  const { base, token } = options;
  const url = new URL(FLEET_PATH.replace(/^\//, ''), base);
  if (options.cluster !== undefined) url.searchParams.set('cluster', options.cluster);
  url.searchParams.set('sort', 'key');
  url.searchParams.set('offset', String(offset));
  url.searchParams.set('limit', String(MAX_PAGE_LIMIT));
  const where = shown(base);
  const response = await get(options, url);
  const text = await response.text().catch(() => '');
  const body = parseJsonObject(text);
  const answered = errorOf(body);
  if (response.status === 401) {
    throw new StatusUnavailable('HTTP_UNAUTHORIZED', token === undefined
      ? `${where} requires an API token: pass --api-token-file FILE (or set ECS_GITOPS_API_TOKEN) with the token the controller was started with`
      : `${where} refused the token from ${options.tokenOrigin}: it is not the one the controller was started with (its --api-token-file)`);
  }
  if (response.status === 421) {
    throw new StatusUnavailable('HTTP_HOST_NOT_ALLOWED', `${where} refused the host name: ${answered.message ?? 'not one it answers to'}`);
  }
  if (answered.code === 'CONTROLLER_NO_SNAPSHOT' || (isFleetPage(body) && !body.snapshotLoaded)) {
    throw new StatusUnavailable('CONTROLLER_NO_SNAPSHOT', `${where} has not loaded its first manifest snapshot yet, so no service status is known; retry shortly, and if it stays so read "source" in ${where}/api/v1/status for why loading fails`);
  }
  if (response.status >= 300 && response.status < 400) {
    throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', `${where} answered GET ${FLEET_PATH} with a redirect to ${response.headers.get('location') ?? '(no location)'}: it is not the controller's API (a proxy asking for a browser login?); point --server at the controller's --listen address`);
  }
  if (response.status === 404 && answered.code === 'HTTP_NOT_FOUND') {
    throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', `${where} is an ecs-gitops controller without ${FLEET_PATH} (a version older than this command); upgrade it, or read ${where}/api/v1/status`);
  }
  if (!response.ok) {
    const detail = answered.code !== undefined ? `${answered.code}: ${answered.message ?? ''}` : `HTTP ${response.status}`;
    throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', `${where} answered GET ${FLEET_PATH} with ${detail}${answered.code === undefined ? '; is it an ecs-gitops controller? (--server)' : ''}`);
  }
  if (!isFleetPage(body)) {
    throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', `${where} answered GET ${FLEET_PATH} with something that is not an ecs-gitops fleet page (${response.headers.get('content-type') ?? 'no content type'}); is --server the controller's --listen address?`);
  }
  return body;
}

interface Fleet {
  readonly rows: readonly ServiceRow[];
  readonly first: FleetPage;
}

function isHaStatus(body: unknown): body is HaStatus {
  if (typeof body !== 'object' || body === null) return false;
  const ha = body as Partial<HaStatus>;
  return typeof ha.replicaId === 'string' && typeof ha.table === 'string' && Array.isArray(ha.shards) && Array.isArray(ha.held)
    && ha.shards.every((view: unknown) => typeof view === 'object' && view !== null && typeof (view as { shard?: unknown }).shard === 'string');
}

/**
 * GET /api/v1/ha, after the fleet (so the server, token and Host are known
 * good): undefined on a 404, a controller without --ha-table (or one older
 * than the route). Any other failure is exit 2: without it a standby's empty
 * list would pass for a healthy fleet of none.
 */
async function readHa(options: ReadOptions): Promise<HaStatus | undefined> {
  const where = shown(options.base);
  const response = await get(options, new URL(HA_PATH.replace(/^\//, ''), options.base));
  const text = await response.text().catch(() => '');
  if (response.status === 404) return undefined;
  const body = parseJsonObject(text);
  if (!response.ok) {
    const answered = errorOf(body);
    const detail = answered.code !== undefined ? `${answered.code}: ${answered.message ?? ''}` : `HTTP ${response.status}`;
    throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', `${where} answered GET ${HA_PATH} with ${detail}`);
  }
  if (!isHaStatus(body)) {
    throw new StatusUnavailable('CLI_STATUS_UNAVAILABLE', `${where} answered GET ${HA_PATH} with something that is not an ecs-gitops replica status (${response.headers.get('content-type') ?? 'no content type'})`);
  }
  return body;
}

/**
 * Every page of the filtered fleet. Pages are cut at different status
 * versions, so a service may move between them: rows are kept by key (the
 * later wins) and reading stops at `matched` or at an empty page. Paging is
 * by offset, so a service added or removed before the offset while the pages
 * are read would shift a row past us unseen: when the fleet's size or the
 * matched count changed between pages, the whole read is done again (at most
 * READ_ATTEMPTS times; the last read is used as it is).
 */
const READ_ATTEMPTS = 3;

async function readFleet(options: ReadOptions): Promise<Fleet> {
  let fleet: Fleet | undefined;
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const read = await readFleetOnce(options);
    fleet = read.fleet;
    if (read.stable) break;
  }
  return fleet!;
}

async function readFleetOnce(options: ReadOptions): Promise<{ readonly fleet: Fleet; readonly stable: boolean }> {
  const first = await readPage(options, 0);
  const byKey = new Map<string, ServiceRow>();
  for (const row of first.items) byKey.set(row.key, row);
  let offset = first.items.length;
  let matched = first.matched;
  let stable = true;
  while (offset < matched) {
    const page = await readPage(options, offset);
    if (page.counts.total !== first.counts.total || page.matched !== first.matched) stable = false;
    if (page.items.length === 0) break;
    for (const row of page.items) byKey.set(row.key, row);
    offset += page.items.length;
    matched = page.matched;
  }
  const rows = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { fleet: { rows, first }, stable };
}

async function run(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const serverFlag = ctx.args.fromEnv?.has('server') === true ? 'ECS_GITOPS_SERVER' : '--server';
  let base: URL;
  try {
    base = parseServerUrl(String(flags.server));
  } catch (err) {
    // The flag parser filled --server from its twin: name the variable the user set.
    if (isGitopsError(err) && serverFlag !== '--server') throw new GitopsError(err.code, err.message.replace(/^--server/, serverFlag), { flag: 'server' });
    throw err;
  }
  const cluster = typeof flags.cluster === 'string' ? flags.cluster : undefined;
  if (cluster !== undefined && cluster.trim() === '') throw new GitopsError('CLI_BAD_FLAG_VALUE', '--cluster: must not be empty', { flag: 'cluster' });
  let token: string | undefined;
  try {
    token = (await apiAccessFrom(ctx)).apiToken;
  } catch (err) {
    // An unreadable token file is the caller's mistake, like a bad flag: not "the controller is down".
    if (isGitopsError(err) && err.code === 'IO_READ_FAILED') {
      ctx.stderr.write(`error ${err.code}: ${err.message}\n`);
      return STATUS_EXIT.usage;
    }
    throw err;
  }
  const tokenOrigin = typeof flags['api-token-file'] === 'string' ? `--api-token-file ${flags['api-token-file']}` : 'ECS_GITOPS_API_TOKEN';
  const timeout = AbortSignal.timeout(flags.timeout as number);
  const signal = AbortSignal.any([ctx.signal, timeout]);

  let fleet: Fleet;
  let ha: HaStatus | undefined;
  try {
    const options: ReadOptions = { base, ...(cluster !== undefined ? { cluster } : {}), ...(token !== undefined ? { token } : {}), tokenOrigin, signal };
    fleet = await readFleet(options);
    ha = await readHa(options);
  } catch (err) {
    if (err instanceof StatusUnavailable) {
      ctx.stderr.write(`error ${err.code}: ${err.message}\n`);
      return STATUS_EXIT.unavailable;
    }
    throw err;
  }

  const { rows, first } = fleet;
  if (cluster !== undefined && rows.length === 0 && first.counts.total > 0) {
    // Most likely a typo: exit 0 over no services would let a script believe a cluster it never checked is fine.
    const known = Object.keys(first.counts.cluster).sort();
    ctx.stderr.write(`error CLI_BAD_FLAG_VALUE: --cluster: no managed service is in ${JSON.stringify(cluster)}; clusters with services: ${known.join(', ')}\n`);
    return STATUS_EXIT.usage;
  }
  const counts = countRows(rows);
  const unheld = ha ? unheldShards(ha) : [];
  const ready = counts.notReady === 0 && unheld.length === 0;
  if (flags.output === 'json') {
    ctx.stdout.write(`${JSON.stringify({
      server: shown(base),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(first.revision !== undefined ? { revision: first.revision } : {}),
      version: first.version,
      ready,
      counts,
      services: rows.map((row) => ({ ...row, ready: rowReady(row) })),
      ...(ha ? { ha } : {}),
    }, null, 2)}\n`);
  } else {
    const colour = useColour(ctx.stdout, ctx.env);
    if (rows.length > 0) ctx.stdout.write(renderFleetTable(rows, { colour, now: Date.now() }));
    // A standby's empty list is said by its HA line, not as "no services".
    else if (!ha || ha.held.length > 0) ctx.stdout.write(`no services managed by the controller at ${shown(base)}\n`);
    if (ha) ctx.stdout.write(renderHaLine(ha, colour));
    ctx.stdout.write(renderSummary(counts, colour));
  }
  return ready ? STATUS_EXIT.ready : STATUS_EXIT.notReady;
}

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: STATUS_SUMMARY,
  usage: '',
  maxPositionals: 0,
  usageExitCode: STATUS_EXIT.usage,
  flags: [
    { name: 'server', type: 'string', default: DEFAULT_SERVER, description: 'the controller\'s base URL (its --listen address, host:port or http(s)://host:port)' },
    { name: 'cluster', type: 'string', description: 'only services in this cluster (several: a,b)' },
    // `text` is accepted for `table` so one ECS_GITOPS_OUTPUT=text serves every command.
    { name: 'output', type: 'string', choices: ['table', 'text', 'json'], default: 'table', description: 'output format' },
    { name: 'timeout', type: 'duration', default: '30s', description: 'give up reading the status after this long (exit 2)' },
    { name: 'api-token-file', type: 'string', description: 'file holding the token the controller was started with (its --api-token-file), sent as Authorization: Bearer (or set ECS_GITOPS_API_TOKEN)' },
  ],
  run,
};
