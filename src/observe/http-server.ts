/**
 * The controller's one HTTP server: Prometheus scrape, liveness and readiness
 * probes, the read-only status API, the web UI (`/`, its assets under /ui/,
 * the fleet table, the live stream and the session cookie: docs/ui.md) and
 * (when configured) the Git webhook. Small on purpose (node:http, a fixed
 * route table): every path is read-only except the webhook and the session,
 * bodies are refused elsewhere and bounded there, every API error is JSON
 * with a stable code, and no stack trace ever leaves the process.
 * `/api/*` answers only to an allowed Host and, when a token is configured, to
 * its bearer or the session cookie (api-access.ts); the probes and /metrics
 * stay open for load balancers and Prometheus, the webhook has its own
 * signature check, and `/` and /ui/ serve only the page and its code (the
 * data behind them is /api/*).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { StatusStore } from '../controller/status.js';
import { GitopsError, type ErrorCode } from '../errors/index.js';
import { checkApiAccess, constantTimeEqual, SECURE_SESSION_COOKIE, SESSION_MAX_AGE_SECONDS, WebSessions } from './api-access.js';
import type { Logger } from './logger.js';
import { scrubSecrets } from './secret-scrub.js';
import type { WebhookHandler } from '../source/webhook.js';
import { EVENT_TYPES, type ControllerEvent, type EventQuery, type EventType } from '../events/types.js';
import { MAX_QUERY_LIMIT, eventQueryOrder } from '../events/event-log.js';
import { ERROR_CATALOGS } from '../errors/index.js';
import { FLEET_PATH, HA_OPTIONAL_QUERY, HA_PATH, SCHEDULED_TASKS_PATH, SESSION_COOKIE, SESSION_PATH, STREAM_PATH, UI_ASSET_PREFIX, type FleetPage, type ScheduledTaskList, type ServiceDetail } from '../web/api-types.js';
import { UiAssets, notBuiltPage } from '../web/assets.js';
import { commitUrl } from '../web/commit-link.js';
import { FleetIndex } from '../web/fleet-index.js';
import { formatSort, parseFleetQuery } from '../web/fleet-query.js';
import { registerStreamMetrics } from '../web/stream-metrics.js';
import { StreamHub, type StreamLimits } from '../web/stream.js';
import { parseJsonObject } from '../util/json-object.js';

/** The webhook's request and answer are the webhook module's (src/source/webhook.ts). */
export type { WebhookRequest, WebhookResponse } from '../source/webhook.js';

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

export interface HttpServerOptions {
  /** Interface to bind; tests and the default use loopback (127.0.0.1). */
  readonly host: string;
  /** 0 picks a free port (read it back from the result). */
  readonly port: number;
  readonly registry: Registry;
  readonly status: StatusStore;
  /** /readyz answers 200 only when this says ready; otherwise 503 with the reasons. */
  readonly readiness: () => Readiness;
  /** When given, POST /api/v1/webhook passes the raw body (for HMAC checks) to it. */
  readonly webhook?: WebhookHandler;
  /** Largest webhook body accepted. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Time allowed to receive a whole request. @default 30 s */
  readonly requestTimeoutMs?: number;
  /** `/api/*` (except the webhook) needs `Authorization: Bearer <apiToken>` when set (--api-token-file). */
  readonly apiToken?: string;
  /** Host names `/api/*` answers to besides IP literals, localhost and `host` (--api-allowed-hosts). */
  readonly apiAllowedHosts?: readonly string[];
  /** Connections held at once; more are dropped on accept, so a flood cannot exhaust the process's file descriptors. @default 256 */
  readonly maxConnections?: number;
  /** The controller's event log (src/events/event-log.ts), served at /api/v1/events and forwarded on the stream; absent: that path is 404. */
  readonly events?: {
    query(query: EventQuery): readonly ControllerEvent[];
    subscribe?(listener: (event: ControllerEvent) => void): () => void;
  };
  /** Where the built web UI is (manifest.json and the hashed files). @default dist/ui at the package root (src/web/assets.ts) */
  readonly uiAssetsDir?: string;
  /** The stream's bounds; tests lower them. @default STREAM_LIMITS (src/web/api-types.ts) */
  readonly streamLimits?: Partial<StreamLimits>;
  /** Epoch ms for the sessions' issue and expiry times; tests move it. @default Date.now */
  readonly now?: () => number;
  readonly logger?: Logger;
}

export interface RunningHttpServer {
  /** http://host:port, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The live stream's open clients, those cut off for not reading, and the most unsent bytes one client holds now (the bench and tests read it). */
  streamStats(): { readonly clients: number; readonly overflows: number; readonly maxQueuedBytes: number };
  /** Sends each stream its reset, stops accepting, drops open connections, resolves when the socket is closed. */
  close(): Promise<void>;
}

export const WEBHOOK_PATH = '/api/v1/webhook';
export const SERVICE_PATH_PREFIX = '/api/v1/services/';
export const EVENTS_PATH = '/api/v1/events';
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** POST /api/v1/session's JSON body: {"token": "..."} is far below this. */
export const MAX_SESSION_BODY_BYTES = 4 * 1024;
/** How long a session lasts (checked by the server; the cookie's Max-Age tells the browser the same): a working day. */
export { SESSION_MAX_AGE_SECONDS };
/** docs/errors.md on GitHub: each code has an anchor (its lower-case name) there. */
export const ERROR_RUNBOOK_BASE = 'https://github.com/ecs-gitops/ecs-gitops/blob/main/docs/errors.md';
/**
 * The page's headers (docs/security.md "Web UI"): nothing inline, nothing from
 * another origin, no framing, no referrer. `img-src data:` is for the empty
 * favicon only.
 */
export const UI_CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const UI_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Far above what Prometheus, health checks and a Git host use at once (a handful), far below the default 1,024-descriptor limit. */
export const DEFAULT_MAX_CONNECTIONS = 256;
const API_PATH_PREFIX = '/api/';
const READ_METHODS = ['GET', 'HEAD'] as const;

/** The `error.code` of the server's own JSON error bodies (the webhook handler answers with its SOURCE_* codes). */
type HttpErrorCode = Extract<ErrorCode, `HTTP_${string}`> | 'CONTROLLER_NO_SNAPSHOT';

/** The catalogue's entry for a code (errorHint); undefined for a code it does not hold. */
function errorSpec(code: string): { readonly title: string; readonly hint: string } | undefined {
  for (const catalog of Object.values(ERROR_CATALOGS)) {
    const spec = (catalog as Readonly<Record<string, { readonly title: string; readonly hint: string }>>)[code];
    if (spec) return spec;
  }
  return undefined;
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Buffer;
  /** A list sends the header once per value (two Set-Cookie lines). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}

function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(body)}\n`, headers };
}

function errorBody(code: HttpErrorCode, message: string): { readonly error: { readonly code: HttpErrorCode; readonly message: string } } {
  return { error: { code, message } };
}

function httpError(status: number, code: HttpErrorCode, message: string, headers?: Record<string, string>): Reply {
  return json(status, errorBody(code, message), headers);
}

function requestHasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  if (length !== undefined && length !== '0') return true;
  return headers['transfer-encoding'] !== undefined;
}

/**
 * A private control-flow sentinel, not a product error (hence not a GitopsError):
 * readBody rejects with it and handleWebhook turns it into 413 HTTP_BODY_TOO_LARGE.
 */
class BodyTooLarge extends Error {}

/** Reads at most `limit` bytes; rejects with BodyTooLarge beyond that. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        request.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    request.on('end', () => {
      ended = true;
      if (!failed) resolve(Buffer.concat(chunks));
    });
    request.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
    // A client that disconnects mid-body must not leave this promise pending forever.
    request.on('close', () => {
      if (!ended && !failed) {
        failed = true;
        reject(new Error('client closed the connection before sending the whole body'));
      }
    });
  });
}

/** A query parameter /api/v1/events does not accept as given: answered 400 naming it. */
interface BadParameter {
  readonly parameter: string;
  readonly message: string;
}

const EVENT_QUERY_PARAMETERS = ['service', 'type', 'since', 'after', 'limit'] as const;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `/api/v1/events?service=KEY&type=A,B&since=ISO&after=SEQ&limit=N` as an
 * EventQuery, or the first parameter that is wrong (unknown, repeated, or
 * not of its form), so the answer can name it.
 */
export function parseEventQuery(params: URLSearchParams): EventQuery | BadParameter {
  for (const name of new Set(params.keys())) {
    if (!(EVENT_QUERY_PARAMETERS as readonly string[]).includes(name)) {
      return { parameter: name, message: `unknown parameter ${JSON.stringify(name)}; ${EVENTS_PATH} takes ${EVENT_QUERY_PARAMETERS.join(', ')}` };
    }
    if (params.getAll(name).length > 1) return { parameter: name, message: `parameter ${JSON.stringify(name)} is given more than once` };
  }
  const query: { -readonly [K in keyof EventQuery]: EventQuery[K] } = {};
  const service = params.get('service');
  if (service !== null) {
    if (service.length === 0) return { parameter: 'service', message: 'service must be a service key ([account@]region/cluster/service), got an empty value' };
    query.service = service;
  }
  const type = params.get('type');
  if (type !== null) {
    const types = type.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
    const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (types.length === 0 || unknown.length > 0) {
      return { parameter: 'type', message: `unknown event type ${JSON.stringify(unknown[0] ?? type)}; valid types: ${EVENT_TYPES.join(', ')}` };
    }
    query.types = types as EventType[];
  }
  const since = params.get('since');
  if (since !== null) {
    if (!ISO_TIME.test(since) || !Number.isFinite(Date.parse(since))) {
      return { parameter: 'since', message: `since must be an ISO 8601 time such as 2026-01-01T12:00:00Z, got ${JSON.stringify(since)}` };
    }
    query.since = since;
  }
  const after = params.get('after');
  if (after !== null) {
    if (!/^\d{1,15}$/.test(after)) return { parameter: 'after', message: `after must be an event seq (a whole number of 0 or more), got ${JSON.stringify(after)}` };
    query.after = Number(after);
  }
  const limit = params.get('limit');
  if (limit !== null) {
    const n = /^\d{1,7}$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= 1 && n <= MAX_QUERY_LIMIT)) return { parameter: 'limit', message: `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}, got ${JSON.stringify(limit)}` };
    query.limit = n;
  }
  return query;
}

function decodeSegments(rest: string): string[] | undefined {
  try {
    return rest.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { registry, status, readiness, webhook, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Per server: a restart ends every session (api-access.ts).
  const sessions = options.apiToken !== undefined ? new WebSessions(options.apiToken, options.now ? { now: options.now } : {}) : undefined;
  const accessPolicy = {
    listenHost: options.host,
    ...(options.apiToken !== undefined ? { token: options.apiToken } : {}),
    ...(sessions ? { sessions } : {}),
    ...(options.apiAllowedHosts ? { allowedHosts: options.apiAllowedHosts } : {}),
  };
  // The session route checks the Host but not the token: it is where a browser without the cookie proves it has the token.
  const hostOnlyPolicy = { listenHost: options.host, ...(options.apiAllowedHosts ? { allowedHosts: options.apiAllowedHosts } : {}) };
  const fleet = new FleetIndex(status);
  const events = options.events;
  const subscribeEvents = events?.subscribe?.bind(events);
  const stream = new StreamHub({
    index: fleet,
    ...(subscribeEvents ? { events: { subscribe: subscribeEvents } } : {}),
    ...(options.streamLimits ? { limits: options.streamLimits } : {}),
  });
  const assets = new UiAssets(options.uiAssetsDir);
  let streamsRefused = 0;
  registerStreamMetrics(registry, () => ({ clients: stream.clientCount, overflows: stream.overflows, resyncs: stream.resyncs, refused: streamsRefused }));

  async function metrics(): Promise<Reply> {
    return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
  }

  function ready(): Reply {
    const state = readiness();
    return state.ready
      ? json(200, { status: 'ready' })
      : json(503, { status: 'not ready', reasons: state.reasons });
  }

  function service(pathname: string): Reply {
    const segments = decodeSegments(pathname.slice(SERVICE_PATH_PREFIX.length));
    if (!segments) return httpError(400, 'HTTP_BAD_REQUEST', `malformed percent-encoding in ${JSON.stringify(pathname)}`);
    if (segments.length !== 3 || segments.some((s) => s.length === 0)) {
      return httpError(404, 'HTTP_NOT_FOUND', `expected ${SERVICE_PATH_PREFIX}{region}/{cluster}/{service}, got ${JSON.stringify(pathname)}`);
    }
    const key = segments.join('/');
    const found = status.get(key);
    if (!found) {
      // Before the first snapshot no service is known yet: "not managed" would be a wrong answer, "not yet" is right.
      if (status.snapshot().snapshotLoadedAt === undefined) {
        return httpError(503, 'CONTROLLER_NO_SNAPSHOT', `no manifest snapshot loaded yet, so it is not known whether ${JSON.stringify(key)} is managed; retry (see source in /api/v1/status for why loading fails)`, { 'retry-after': '5' });
      }
      return httpError(404, 'HTTP_NOT_FOUND', `no managed service ${JSON.stringify(key)} (see /api/v1/status for the list)`);
    }
    const detail: ServiceDetail = { ...found, ...detailLinks(found) };
    // Status diffs are masked by the controller; scrubbing again is cheap insurance.
    return json(200, scrubSecrets(detail));
  }

  function detailLinks(found: NonNullable<ReturnType<StatusStore['get']>>): { commitUrl?: string; errorHint?: string; errorRunbookUrl?: string } {
    const link = commitUrl(status.source?.url, found.lastAppliedRevision);
    const code = found.lastError?.code;
    const spec = code === undefined ? undefined : errorSpec(code);
    return {
      ...(link !== undefined ? { commitUrl: link } : {}),
      ...(code !== undefined && spec ? { errorHint: spec.hint, errorRunbookUrl: `${ERROR_RUNBOOK_BASE}#${code.toLowerCase()}` } : {}),
    };
  }

  function fleetPage(search: URLSearchParams): Reply {
    const query = parseFleetQuery(search);
    if ('parameter' in query) {
      return json(400, { error: { code: 'HTTP_BAD_REQUEST' satisfies HttpErrorCode, message: query.message, parameter: query.parameter } });
    }
    const { matched, items } = fleet.query(query);
    const revision = status.revision;
    const page: FleetPage = {
      version: fleet.version,
      ...(revision !== undefined ? { revision } : {}),
      snapshotLoaded: status.snapshotLoadedAt !== undefined,
      counts: fleet.counts(),
      matched,
      offset: query.offset,
      limit: query.limit,
      sort: formatSort(query.sort),
      items,
    };
    // Rows carry no diff or error text, only names and states; scrubbed all the same, like every answer.
    return json(200, scrubSecrets(page));
  }

  async function uiShell(): Promise<Reply> {
    const shell = await assets.shell();
    if (shell === undefined) {
      return { status: 503, contentType: 'text/html; charset=utf-8', body: notBuiltPage(), headers: { ...UI_PAGE_HEADERS, 'retry-after': '10' } };
    }
    return { status: 200, contentType: 'text/html; charset=utf-8', body: shell, headers: UI_PAGE_HEADERS };
  }

  async function uiAsset(request: IncomingMessage, pathname: string): Promise<Reply> {
    // A name, never a path: only the files the manifest lists are looked up (assets.ts), so ../ leads nowhere.
    const name = pathname.slice(UI_ASSET_PREFIX.length);
    const variant = await assets.asset(name, request.headers['accept-encoding']);
    if (!variant) return httpError(404, 'HTTP_NOT_FOUND', `no web UI asset ${JSON.stringify(name)} (the page names its assets; run \`npm run build:ui\` if none exist)`);
    const headers: Record<string, string> = { etag: variant.etag, vary: 'Accept-Encoding', 'cache-control': IMMUTABLE };
    if (variant.encoding !== 'identity') headers['content-encoding'] = variant.encoding;
    if (etagMatches(request.headers['if-none-match'], variant.etag)) return { status: 304, contentType: variant.contentType, body: '', headers };
    return { status: 200, contentType: variant.contentType, body: variant.body, headers };
  }

  async function session(request: IncomingMessage): Promise<Reply> {
    const method = request.method ?? 'GET';
    if (method !== 'POST' && method !== 'DELETE') {
      return httpError(405, 'HTTP_METHOD_NOT_ALLOWED', `${method} is not allowed on ${SESSION_PATH}`, { allow: 'POST, DELETE' });
    }
    const token = options.apiToken;
    if (token === undefined || sessions === undefined) return httpError(404, 'HTTP_NOT_FOUND', `no session to open: this controller has no API token (--api-token-file), so ${SESSION_PATH} is not needed`);
    // Behind a proxy that terminates HTTPS the cookie is Secure and named __Host-…: kept for this host alone, never sent over plain HTTP.
    const secure = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase() === 'https';
    const cookie = (value: string, maxAge: number, name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE) =>
      `${name}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
    if (method === 'DELETE') {
      if (requestHasBody(request.headers)) return httpError(400, 'HTTP_BODY_NOT_ALLOWED', `DELETE ${SESSION_PATH} takes no request body`, { connection: 'close' });
      // Ends the sessions it was sent on the server too: a copy of the cookie stops working, not just the browser's.
      sessions.revoke(request.headers.cookie);
      const cleared = secure ? [cookie('', 0, SESSION_COOKIE), cookie('', 0)] : [cookie('', 0)];
      return { status: 204, contentType: 'text/plain', body: '', headers: { 'set-cookie': cleared.length === 1 ? cleared[0] as string : cleared } };
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > MAX_SESSION_BODY_BYTES) {
      return httpError(413, 'HTTP_BODY_TOO_LARGE', `${SESSION_PATH} body of ${declared} bytes is over the ${MAX_SESSION_BODY_BYTES}-byte limit`, { connection: 'close' });
    }
    let body: Buffer;
    try {
      body = await readBody(request, MAX_SESSION_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) return httpError(413, 'HTTP_BODY_TOO_LARGE', `${SESSION_PATH} body is over the ${MAX_SESSION_BODY_BYTES}-byte limit`, { connection: 'close' });
      throw err;
    }
    const given = parseJsonObject(body.toString('utf8'))?.token;
    if (typeof given !== 'string' || given.length === 0) {
      return json(400, { error: { code: 'HTTP_BAD_REQUEST' satisfies HttpErrorCode, message: `${SESSION_PATH} takes a JSON body {"token": "<the API token>"}`, parameter: 'token' } });
    }
    if (!constantTimeEqual(given, token)) {
      return httpError(401, 'HTTP_UNAUTHORIZED', 'the token is not the one in --api-token-file (or ECS_GITOPS_API_TOKEN)');
    }
    return {
      status: 204, contentType: 'text/plain', body: '',
      headers: { 'set-cookie': cookie(sessions.issue(), SESSION_MAX_AGE_SECONDS) },
    };
  }

  /**
   * GET /api/v1/stream: checked like every /api path, then handed to the hub,
   * which owns the response from there (long-lived, so not a Reply).
   */
  function openStream(request: IncomingMessage, response: ServerResponse): void {
    const refuse = (reply: Reply) => send(request, response, reply);
    const denied = checkApiAccess(request.headers, accessPolicy);
    if (denied) return refuse(httpError(denied.status, denied.code, denied.message, { ...denied.headers }));
    if (request.method !== 'GET') return refuse(httpError(405, 'HTTP_METHOD_NOT_ALLOWED', `${request.method ?? ''} is not allowed on ${STREAM_PATH}`, { allow: 'GET' }));
    if (requestHasBody(request.headers)) return refuse(httpError(400, 'HTTP_BODY_NOT_ALLOWED', `${STREAM_PATH} takes no request body`, { connection: 'close' }));
    if (!stream.canAccept()) {
      streamsRefused++;
      return refuse(httpError(503, 'HTTP_TOO_MANY_STREAMS', `the stream serves ${stream.clientCount} clients at once already; retry later`, { 'retry-after': '5' }));
    }
    // A bearer token does not expire, but a session cookie does (and can be revoked): ask again while the stream lasts.
    const bySession = options.apiToken !== undefined && !request.headers.authorization;
    stream.accept(response, bySession ? { stillAuthorized: () => checkApiAccess(request.headers, accessPolicy) === undefined } : {});
    logger?.debug({ method: request.method, path: STREAM_PATH, status: 200, clients: stream.clientCount }, 'HTTP stream opened');
  }

  function eventList(search: URLSearchParams): Reply {
    if (!options.events) return httpError(404, 'HTTP_NOT_FOUND', `no event log: this controller does not record events (${EVENTS_PATH})`);
    const query = parseEventQuery(search);
    if ('parameter' in query) {
      return json(400, { error: { code: 'HTTP_BAD_REQUEST' satisfies HttpErrorCode, message: query.message, parameter: query.parameter } });
    }
    // Messages are masked when built (src/events/event-messages.ts); scrubbing again is cheap insurance.
    // `order` says how the list is sorted, since it depends on the query: oldest first when resuming `after` a seq.
    return json(200, { order: eventQueryOrder(query), events: scrubSecrets(options.events.query(query)) });
  }

  /**
   * GET /api/v1/ha: the `ha` of /api/v1/status, so a standby's empty fleet can
   * say who holds the shards (docs/ha.md); read from the store's own getter,
   * not snapshot(), which would list every service (the page reads it every 30 s).
   * The page asks with ?optional=true (null, not 404, when not HA): a browser
   * logs every 4xx as a console error.
   */
  function haView(search: URLSearchParams): Reply {
    const ha = status.ha;
    if (!ha && search.toString() === HA_OPTIONAL_QUERY) return json(200, null);
    if (!ha) return httpError(404, 'HTTP_NOT_FOUND', `this controller runs without --ha-table, so it has no shards or replicas (${HA_PATH})`);
    return json(200, scrubSecrets(ha));
  }

  async function handleWebhook(request: IncomingMessage, handler: NonNullable<HttpServerOptions['webhook']>): Promise<Reply> {
    // Unauthenticated senders are refused on their headers alone: no body is read for them.
    const refused = handler.checkHeaders?.(request.headers);
    if (refused) return json(refused.status, refused.body, { connection: 'close' });
    const declared = Number(request.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      return httpError(413, 'HTTP_BODY_TOO_LARGE', `webhook body of ${declared} bytes is over the ${maxBodyBytes}-byte limit`, { connection: 'close' });
    }
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        return httpError(413, 'HTTP_BODY_TOO_LARGE', `webhook body is over the ${maxBodyBytes}-byte limit`, { connection: 'close' });
      }
      throw err;
    }
    const answer = await handler({ headers: request.headers, body });
    return json(answer.status, answer.body);
  }

  async function route(request: IncomingMessage, pathname: string, search: URLSearchParams): Promise<Reply> {
    const method = request.method ?? 'GET';
    if (pathname === WEBHOOK_PATH && webhook) {
      if (method !== 'POST') return httpError(405, 'HTTP_METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}`, { allow: 'POST' });
      return handleWebhook(request, webhook);
    }
    if (pathname === SESSION_PATH) {
      const denied = checkApiAccess(request.headers, hostOnlyPolicy);
      if (denied) return httpError(denied.status, denied.code, denied.message, { ...denied.headers });
      return session(request);
    }
    if (pathname.startsWith(API_PATH_PREFIX)) {
      const denied = checkApiAccess(request.headers, accessPolicy);
      if (denied) return httpError(denied.status, denied.code, denied.message, { ...denied.headers });
    }
    let handler: (() => Reply | Promise<Reply>) | undefined;
    if (pathname === '/metrics') handler = metrics;
    else if (pathname === '/healthz') handler = () => json(200, { status: 'ok' });
    else if (pathname === '/readyz') handler = ready;
    else if (pathname === '/api/v1/status') handler = () => json(200, scrubSecrets(status.snapshot()));
    else if (pathname === EVENTS_PATH) handler = () => eventList(search);
    else if (pathname === FLEET_PATH) handler = () => fleetPage(search);
    else if (pathname === SCHEDULED_TASKS_PATH) handler = () => json(200, scrubSecrets({ scheduledTasks: status.listScheduledTasks() } satisfies ScheduledTaskList));
    else if (pathname === HA_PATH) handler = () => haView(search);
    else if (pathname.startsWith(SERVICE_PATH_PREFIX)) handler = () => service(pathname);
    else if (pathname === '/') handler = uiShell;
    else if (pathname.startsWith(UI_ASSET_PREFIX)) handler = () => uiAsset(request, pathname);
    if (!handler) return httpError(404, 'HTTP_NOT_FOUND', `no such path ${JSON.stringify(pathname)}`);
    if (!(READ_METHODS as readonly string[]).includes(method)) {
      return httpError(405, 'HTTP_METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname} (the API is read-only)`, { allow: READ_METHODS.join(', ') });
    }
    if (requestHasBody(request.headers)) {
      return httpError(400, 'HTTP_BODY_NOT_ALLOWED', `${pathname} takes no request body`, { connection: 'close' });
    }
    return handler();
  }

  function send(request: IncomingMessage, response: ServerResponse, reply: Reply): void {
    if (response.headersSent) return;
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    // 204 and 304 carry no body, so no length or type either (a 304's would have to be the full answer's).
    const bodyless = reply.status === 204 || reply.status === 304;
    response.writeHead(reply.status, {
      ...(bodyless ? {} : { 'content-type': reply.contentType, 'content-length': String(body.length) }),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...reply.headers,
    });
    response.end(request.method === 'HEAD' || bodyless ? undefined : body);
    // Path only: query strings and headers may carry tokens.
    logger?.debug({ method: request.method, path: new URL(request.url ?? '/', 'http://localhost').pathname, status: reply.status }, 'HTTP request');
  }

  const server = createServer((request, response) => {
    const rawUrl = request.url ?? '/';
    let pathname: string;
    let search: URLSearchParams;
    try {
      const url = new URL(rawUrl.startsWith('/') ? rawUrl : `/${rawUrl}`, 'http://localhost');
      pathname = url.pathname;
      search = url.searchParams;
    } catch {
      send(request, response, httpError(400, 'HTTP_BAD_REQUEST', 'malformed request URL', { connection: 'close' }));
      return;
    }
    if (pathname === STREAM_PATH) {
      openStream(request, response);
      return;
    }
    route(request, pathname, search).then(
      (reply) => send(request, response, reply),
      (err: unknown) => {
        // A client that hung up mid-request is not a server failure.
        if (request.socket.destroyed || response.destroyed) {
          logger?.debug({ method: request.method, path: pathname }, 'client went away before the request was answered');
          return;
        }
        logger?.error({ err, method: request.method, path: pathname }, 'HTTP request failed');
        send(request, response, httpError(500, 'HTTP_INTERNAL_ERROR', 'internal error (details are in the controller log)'));
      },
    );
  });

  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  server.headersTimeout = Math.min(10_000, server.requestTimeout);
  server.keepAliveTimeout = 5_000;
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.setTimeout(60_000, (socket) => socket.destroy());
  // Malformed HTTP and timed-out requests: a JSON answer when the socket can still take one.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const body = JSON.stringify(timedOut
      ? errorBody('HTTP_REQUEST_TIMEOUT', 'request not received in time')
      : errorBody('HTTP_BAD_REQUEST', 'malformed HTTP request'));
    socket.end(
      `HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new GitopsError(
          'OBSERVE_LISTEN_FAILED',
          `cannot listen on ${options.host}:${options.port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`,
          { host: options.host, port: options.port, errno: err.code },
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      server.on('error', (err) => logger?.error({ err }, 'HTTP server error'));
      const { port, address, family } = server.address() as AddressInfo;
      const host = family === 'IPv6' ? `[${address}]` : address;
      const url = `http://${host}:${port}`;
      logger?.info({ url, ui: `${url}/` }, `HTTP server listening (web UI at /, /metrics, /healthz, /readyz, /api/v1/status, ${FLEET_PATH}, ${SCHEDULED_TASKS_PATH}, ${HA_PATH}, ${STREAM_PATH}${options.events ? `, ${EVENTS_PATH}` : ''})`);
      let closing: Promise<void> | undefined;
      resolve({
        url,
        port,
        streamStats: () => ({ clients: stream.clientCount, overflows: stream.overflows, maxQueuedBytes: stream.maxQueuedBytes() }),
        close() {
          // Streams first: each gets its reset (reason shutdown) before the sockets are dropped.
          closing ??= stream.close().then(() => new Promise<void>((done) => {
            fleet.close();
            server.close(() => done());
            server.closeAllConnections();
          }));
          return closing;
        },
      });
    });
  });
}

/** Whether an If-None-Match header names `etag` (or is `*`). */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
