/**
 * The page's calls to the controller's API (src/web/api-types.ts): same
 * origin only, JSON in and out, errors as ApiError carrying the server's
 * `error.code` and message so the page can always say what went wrong.
 */
import type { ControllerEvent } from '../../src/events/types.js';
import type { ScheduledTaskStatus } from '../../src/controller/status.js';
import type { HaStatus } from '../../src/ha/types.js';
import { DEFAULT_PAGE_LIMIT, FLEET_PATH, HA_OPTIONAL_QUERY, HA_PATH, SCHEDULED_TASKS_PATH, SESSION_PATH, type FleetPage, type ScheduledTaskList, type ServiceDetail } from '../../src/web/api-types.js';
import type { FleetQuery } from './route.js';

export const EVENTS_PATH = '/api/v1/events';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Anything thrown by fetch or parsing, as an ApiError (status 0: no answer from the server). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === 'AbortError') return new ApiError(0, 'ABORTED', 'request cancelled');
  return new ApiError(0, 'NETWORK_ERROR', `no answer from the controller (${error instanceof Error ? error.message : String(error)})`);
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called whenever the API answers 401, so the app can show the login form. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `the controller answered ${response.status}`;
  let parameter: string | undefined;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown; parameter?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.parameter === 'string') parameter = body.error.parameter;
  } catch {
    // Not JSON (a proxy's page): the status line is all there is.
  }
  return new ApiError(response.status, code, message, parameter);
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (error) {
    throw asApiError(error);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401) for (const listener of unauthorizedListeners) listener();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new ApiError(response.status, 'BAD_RESPONSE', `the controller's answer to ${path} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function fleetSearch(query: FleetQuery, limit = DEFAULT_PAGE_LIMIT): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of ['cluster', 'sync', 'health', 'mode', 'environment', 'q'] as const) {
    const value = query[name];
    if (value) params.set(name, value);
  }
  if (query.sort) params.set('sort', query.sort);
  params.set('offset', String((query.page - 1) * limit));
  params.set('limit', String(limit));
  return params;
}

export function getFleetPage(query: FleetQuery, signal?: AbortSignal): Promise<FleetPage> {
  return request<FleetPage>(`${FLEET_PATH}?${fleetSearch(query).toString()}`, { signal });
}

/** `[account@]region/cluster/service` → /api/v1/services/{[account@]region}/{cluster}/{service}, each segment encoded. */
export function serviceUrl(key: string): string {
  return `${FLEET_PATH}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function getService(key: string, signal?: AbortSignal): Promise<ServiceDetail> {
  return request<ServiceDetail>(serviceUrl(key), { signal });
}

export async function getServiceEvents(key: string, signal?: AbortSignal): Promise<ControllerEvent[]> {
  const params = new URLSearchParams({ service: key, limit: '50' });
  const body = await request<{ events: ControllerEvent[] }>(`${EVENTS_PATH}?${params.toString()}`, { signal });
  return body.events;
}

export async function getScheduledTasks(signal?: AbortSignal): Promise<readonly ScheduledTaskStatus[]> {
  return (await request<ScheduledTaskList>(SCHEDULED_TASKS_PATH, { signal })).scheduledTasks;
}

/**
 * This replica's view of the shards; null when the controller runs without
 * --ha-table (asked with ?optional=true, so that is a 200, not a 404 the
 * browser would log as an error; a controller older than the route still 404s).
 */
export async function getHa(signal?: AbortSignal): Promise<HaStatus | null> {
  try {
    return await request<HaStatus | null>(`${HA_PATH}?${HA_OPTIONAL_QUERY}`, { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.code === 'HTTP_NOT_FOUND') return null;
    throw error;
  }
}

/**
 * One small API request, for when only the stream failed: EventSource hides
 * the status of a refused stream, so a 401 there is learned here (and shows
 * the login form through onUnauthorized). True when the API answered 401.
 */
export async function accessRefused(): Promise<boolean> {
  try {
    await request<FleetPage>(`${FLEET_PATH}?limit=1`);
    return false;
  } catch (error) {
    return error instanceof ApiError && error.status === 401;
  }
}

export function createSession(token: string): Promise<unknown> {
  return request<unknown>(SESSION_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
}
