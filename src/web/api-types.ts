/**
 * The contract between the controller's web surface (src/web/, served on the
 * --listen address) and its readers: the browser UI (ui/), `ecs-gitops status`
 * (src/cli/commands/status.ts), the browser tests and the bench. Types and
 * constants only, no IO, so the browser bundle can import it (docs/ui.md has
 * the reference).
 *
 * - `GET /api/v1/services?…` is the fleet table, filtered, sorted and paged on
 *   the server: a browser never downloads 10,000 rows to show 50.
 * - `GET /api/v1/stream` is Server-Sent Events: one `service` message per
 *   changed service (coalesced), `counts` after each batch, `event` for each
 *   controller event; `resync` instead of them when a batch is too large to
 *   send row by row (a mass change: refetch), `reset` when the client fell
 *   behind (refetch and reconnect).
 * - `GET /api/v1/services/{region}/{cluster}/{service}` (the existing status of
 *   one service) gains the ServiceDetailLinks fields.
 * - `GET /api/v1/ha` is this replica's view of the shard leases (HaStatus, as
 *   in /api/v1/status's `ha`) with --ha-table, 404 without: a standby's empty
 *   fleet is then told apart from "no services" (docs/ha.md).
 * - `POST /api/v1/session` turns the API token (typed once into the page) into
 *   an HttpOnly, SameSite=Strict cookie the browser then sends with every API
 *   request and the stream; only when --api-token-file is set.
 */
import type { HealthStatus, ScheduledTaskStatus, ServiceStatus, SyncStatus } from '../controller/status.js';
import type { ControllerEvent } from '../events/types.js';

export const FLEET_PATH = '/api/v1/services';
export const STREAM_PATH = '/api/v1/stream';
export const SESSION_PATH = '/api/v1/session';
/** The scheduled tasks (kind: ScheduledTask) and their last runs: a short list, read whole; the fleet view shows it under the services. */
export const SCHEDULED_TASKS_PATH = '/api/v1/scheduled-tasks';
/**
 * With --ha-table (docs/ha.md): which replica this is, the live replicas and
 * which holds which shard (HaStatus, the `ha` of /api/v1/status without the
 * services); 404 HTTP_NOT_FOUND when the controller runs without --ha-table.
 */
export const HA_PATH = '/api/v1/ha';
/**
 * `GET /api/v1/ha?optional=true` answers `200` with JSON `null` instead of the
 * 404 when not HA: the page asks on every controller, and a browser logs every
 * 4xx answer as a console error.
 */
export const HA_OPTIONAL_QUERY = 'optional=true';
/** Built browser assets (dist/ui/), content-hashed names, cached immutably. */
export const UI_ASSET_PREFIX = '/ui/';
/** The cookie POST /api/v1/session sets; api-access.ts accepts it like the bearer token. */
export const SESSION_COOKIE = 'ecs_gitops_session';

/** Filters of GET /api/v1/services; each takes one value, or several separated by commas (any of them matches). `q` is a case-insensitive substring of the service name or key. */
export const FLEET_FILTERS = ['cluster', 'sync', 'health', 'mode', 'environment', 'account', 'region', 'q'] as const;
export type FleetFilter = (typeof FLEET_FILTERS)[number];
/** `sort=NAME` ascending, `sort=-NAME` descending; ties are broken by key. @default key */
export const FLEET_SORT_KEYS = ['key', 'service', 'cluster', 'sync', 'health', 'mode', 'lastSyncTime', 'environment', 'account'] as const;
export type FleetSortKey = (typeof FLEET_SORT_KEYS)[number];
export const FLEET_PARAMETERS = [...FLEET_FILTERS, 'sort', 'offset', 'limit'] as const;
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** One row of the fleet table: what a list needs, nothing more (the diff and rollout stay in the service view). */
export interface ServiceRow extends Pick<ServiceStatus,
  'key' | 'account' | 'environment' | 'region' | 'cluster' | 'service' | 'sync' | 'health' | 'mode' | 'lastSyncTime' | 'lastAppliedRevision' | 'driftCause'
> {
  /** Number of changed fields in the current diff. */
  readonly changes: number;
  /** lastError.code. */
  readonly errorCode?: string;
  /** The followed rollout's state when there is one: IN_PROGRESS, SUCCESSFUL, FAILED… from the deployments API, COMPLETED from a rolloutState. */
  readonly rolloutState?: string;
}

/** Counts over the whole fleet (not the filtered page): the header of the fleet view. */
export interface FleetCounts {
  readonly total: number;
  readonly sync: Readonly<Record<SyncStatus, number>>;
  readonly health: Readonly<Record<HealthStatus, number>>;
  readonly mode: Readonly<Record<string, number>>;
  readonly cluster: Readonly<Record<string, number>>;
  /** Present when any service has an environment / account. */
  readonly environment?: Readonly<Record<string, number>>;
  readonly account?: Readonly<Record<string, number>>;
}

export interface FleetPage {
  /** The status version this page was cut at; stream messages carry later versions. */
  readonly version: number;
  readonly revision?: string;
  /** False until the controller has loaded its first manifest snapshot. */
  readonly snapshotLoaded: boolean;
  readonly counts: FleetCounts;
  /** Services matching the filters (the page is a slice of them). */
  readonly matched: number;
  readonly offset: number;
  readonly limit: number;
  /** The sort applied, as given (`-lastSyncTime`) or the default `key`. */
  readonly sort: string;
  readonly items: readonly ServiceRow[];
}

/** Fields GET /api/v1/services/{region}/{cluster}/{service} adds to the ServiceStatus. */
export interface ServiceDetailLinks {
  /** A browsable URL of `lastAppliedRevision` when the source's repository URL is a known Git host (src/web/commit-link.ts). */
  readonly commitUrl?: string;
  /** The catalogue's "what to do" for lastError.code (src/errors/). */
  readonly errorHint?: string;
  /** docs/errors.md's entry for lastError.code. */
  readonly errorRunbookUrl?: string;
}
export type ServiceDetail = ServiceStatus & ServiceDetailLinks;

export interface ScheduledTaskList {
  readonly scheduledTasks: readonly ScheduledTaskStatus[];
}

/**
 * The stream's messages. On the wire each is `event: <type>\ndata: <JSON>\n\n`
 * (the JSON is the whole message, `type` included). `at` is the server's
 * epoch milliseconds when the status was written, so a reader on the same
 * clock can measure status-to-display latency.
 */
export type StreamMessage =
  | { readonly type: 'hello'; readonly version: number; readonly at: number }
  /** `row` absent: the service is no longer managed. */
  | { readonly type: 'service'; readonly version: number; readonly at: number; readonly key: string; readonly row?: ServiceRow }
  | { readonly type: 'counts'; readonly version: number; readonly at: number; readonly counts: FleetCounts }
  | { readonly type: 'event'; readonly event: ControllerEvent }
  /**
   * Sent instead of a batch's `service`, `counts` and `event` messages when
   * the batch holds more than STREAM_LIMITS.resyncAboveMessages of them or
   * would take more than a quarter of maxBufferedBytes (a mass change of
   * thousands of services): the counts as of `version`, and the client
   * refetches what it shows (its page, an open service and its events). The
   * stream stays open.
   */
  | { readonly type: 'resync'; readonly version: number; readonly at: number; readonly counts: FleetCounts }
  /**
   * The stream ends: the client fell behind the bounded buffer, the server is shutting down, or the session the stream
   * was opened with was revoked or expired (checked at each heartbeat). Refetch and reconnect; a 401 then asks for the token.
   */
  | { readonly type: 'reset'; readonly reason: 'overflow' | 'shutdown' | 'unauthorized' };
export type StreamMessageType = StreamMessage['type'];

/** Server-side bounds of the stream (docs/ui.md). */
export const STREAM_LIMITS = {
  /** Open streams at once; one more is answered 503. */
  maxClients: 64,
  /** Changes are batched this long before being written, so a mass apply is one write per client per batch. */
  flushMs: 100,
  /** Unsent bytes a slow client may hold before it gets `reset` and is closed (counting the batch about to be written). */
  maxBufferedBytes: 1024 * 1024,
  /**
   * A batch with more `service` and `event` messages than this is sent as one
   * `resync` instead: 10,000 rows are ~3.8 MB per client, more than the page
   * can apply as fast as refetching its 50 rows.
   */
  resyncAboveMessages: 200,
  /** A comment line this often keeps proxies (an ALB's idle timeout is 60 s) from closing the stream. */
  heartbeatMs: 15_000,
} as const;
