/**
 * Loopback stand-ins for the GitHub and GitLab commit-status APIs, on the
 * real paths, for the commit-status sinks' tests and the end-to-end
 * notification tests:
 *
 *   GitHub  POST /repos/:owner/:repo/statuses/:sha               (Authorization: Bearer <token>) -> 201
 *           GET  /repos/:owner/:repo/commits/:sha/statuses       newest first
 *   GitLab  POST /api/v4/projects/:id/statuses/:sha              (PRIVATE-TOKEN: <token>) -> 201
 *           GET  /api/v4/projects/:id/repository/commits/:sha/statuses[?name=]  latest per name
 *
 * A wrong or missing token is a 401, a body the API would refuse a 422
 * (GitHub) or 400 (GitLab), and GitLab refuses a post that would not change
 * the named status's state with its 400 "Cannot transition status via :run
 * from :running". Every request is kept (method, path with query, lower-case
 * headers, parsed JSON body) whatever was answered, faults included.
 *
 * Faults: `fail(count, fault)` makes the next `count` requests (optionally of
 * one method) answer `fault` instead: an HTTP status (with Retry-After and a
 * body), a connection reset, or a delay before the real answer. Faulted
 * requests change no state.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent (`/repos/o/r/statuses/abc…`). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  readonly body: unknown;
  /** What was answered (0: reset). */
  readonly answered: number;
}

export type ReceiverFault =
  | { readonly status: number; readonly retryAfter?: string; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly reset: true }
  | { readonly delayMs: number };

/** A commit status as the receiver stores it (GitHub's `state`/`context`, GitLab's `status`/`name`, in one shape). */
export interface StoredStatus {
  readonly id: number;
  readonly sha: string;
  /** owner/repo (GitHub) or the project id or path as sent, decoded (GitLab). */
  readonly project: string;
  readonly state: string;
  readonly context: string;
  readonly description?: string;
  readonly targetUrl?: string;
  readonly createdAt: string;
}

export interface GitHostReceiver {
  /** The sink's apiUrl (`http://127.0.0.1:PORT`). */
  readonly url: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** The statuses posted and accepted, oldest first (optionally of one commit). */
  statuses(sha?: string): readonly StoredStatus[];
  /** The next `count` requests (of `only` that method) answer `fault`. */
  fail(count: number, fault: ReceiverFault, only?: 'GET' | 'POST'): void;
  /** Forgets requests, statuses and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

type Route = (method: string, url: URL, headers: Readonly<Record<string, string>>, body: unknown) => Answer;

interface PendingFault {
  remaining: number;
  readonly fault: ReceiverFault;
  readonly only?: 'GET' | 'POST';
}

async function startReceiver(makeRoute: (store: StoredStatus[], nextId: () => number) => Route): Promise<GitHostReceiver> {
  const requests: RecordedRequest[] = [];
  const store: StoredStatus[] = [];
  let faults: PendingFault[] = [];
  let id = 0;
  const route = makeRoute(store, () => ++id);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const record = (answered: number) => requests.push({ method, path, headers, body, answered });
      const send = (answer: Answer) => {
        record(answer.status);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      const pending = faults.find((f) => f.remaining > 0 && (f.only === undefined || f.only === method));
      if (pending) {
        pending.remaining -= 1;
        faults = faults.filter((f) => f.remaining > 0);
        const fault = pending.fault;
        if ('reset' in fault) {
          record(0);
          req.socket.destroy();
          return;
        }
        if ('status' in fault) {
          send({
            status: fault.status, body: fault.body ?? { message: `injected ${fault.status}` },
            headers: { ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}), ...fault.headers },
          });
          return;
        }
        setTimeout(() => {
          if (!res.destroyed) send(route(method, new URL(path, 'http://receiver.local'), headers, body));
        }, fault.delayMs);
        return;
      }
      send(route(method, new URL(path, 'http://receiver.local'), headers, body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    statuses: (sha) => store.filter((s) => sha === undefined || s.sha === sha),
    fail: (count, fault, only) => {
      faults.push({ remaining: count, fault, ...(only ? { only } : {}) });
    },
    reset: () => {
      requests.length = 0;
      store.length = 0;
      faults = [];
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** GitHub's commit-status API; requests must carry `Authorization: Bearer <token>`. */
export function startGitHubReceiver(options: { readonly token: string }): Promise<GitHostReceiver> {
  return startReceiver((store, nextId) => (method, url, headers, body) => {
    if (headers.authorization !== `Bearer ${options.token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
    }
    const post = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(url.pathname);
    if (method === 'POST' && post) {
      const [, owner, repo, sha] = post as unknown as [string, string, string, string];
      const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const state = str(input.state);
      const description = str(input.description);
      if (!state || !['error', 'failure', 'pending', 'success'].includes(state)) {
        return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Status', field: 'state', code: 'invalid' }] } };
      }
      if (description !== undefined && description.length > 140) {
        return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'custom', message: 'description is too long (maximum is 140 characters)' }] } };
      }
      if (!SHA.test(sha)) return { status: 422, body: { message: `No commit found for SHA: ${sha}` } };
      const targetUrl = str(input.target_url);
      const status: StoredStatus = {
        id: nextId(), sha, project: `${decodeURIComponent(owner)}/${decodeURIComponent(repo)}`, state, context: str(input.context) ?? 'default',
        ...(description !== undefined ? { description } : {}), ...(targetUrl !== undefined ? { targetUrl } : {}), createdAt: new Date().toISOString(),
      };
      store.push(status);
      return { status: 201, body: githubStatus(status) };
    }
    const list = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/statuses$/.exec(url.pathname);
    if (method === 'GET' && list) {
      const project = `${decodeURIComponent(list[1] as string)}/${decodeURIComponent(list[2] as string)}`;
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
      const page = store.filter((s) => s.project === project && s.sha === list[3]).reverse().slice(0, perPage);
      return { status: 200, body: page.map(githubStatus) };
    }
    return { status: 404, body: { message: 'Not Found' } };
  });
}

function githubStatus(s: StoredStatus): Record<string, unknown> {
  return {
    id: s.id, state: s.state, context: s.context, description: s.description ?? null, target_url: s.targetUrl ?? null,
    created_at: s.createdAt, updated_at: s.createdAt, creator: { login: 'ecs-gitops-bot', id: 1, type: 'Bot' },
  };
}

/** The state machine event GitLab names in its refusal ("via :run from :running"). */
const GITLAB_EVENT: Readonly<Record<string, string>> = { pending: 'enqueue', running: 'run', success: 'succeed', failed: 'drop', canceled: 'cancel' };

/** GitLab's commit-status API; requests must carry `PRIVATE-TOKEN: <token>`. */
export function startGitLabReceiver(options: { readonly token: string }): Promise<GitHostReceiver> {
  return startReceiver((store, nextId) => (method, url, headers, body) => {
    if (headers['private-token'] !== options.token) return { status: 401, body: { message: '401 Unauthorized' } };
    // The project id may be a URL-encoded path (group%2Fproject): match on the raw path, decode the id.
    const rawPath = url.pathname;
    const post = /^\/api\/v4\/projects\/([^/]+)\/statuses\/([^/]+)$/.exec(rawPath);
    if (method === 'POST' && post) {
      const project = decodeURIComponent(post[1] as string);
      const sha = post[2] as string;
      const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const state = str(input.state);
      if (!state || !(state in GITLAB_EVENT)) return { status: 400, body: { error: 'state does not have a valid value' } };
      if (!SHA.test(sha)) return { status: 404, body: { message: '404 Commit Not Found' } };
      const name = str(input.name) ?? str(input.context) ?? 'default';
      const current = [...store].reverse().find((s) => s.project === project && s.sha === sha && s.context === name);
      if (current && current.state === state) {
        const event = GITLAB_EVENT[state] as string;
        return { status: 400, body: { message: `Cannot transition status via :${event} from :${state} (Reason(s): Status cannot transition via "${event}")` } };
      }
      const description = str(input.description);
      const targetUrl = str(input.target_url);
      const status: StoredStatus = {
        id: nextId(), sha, project, state, context: name,
        ...(description !== undefined ? { description } : {}), ...(targetUrl !== undefined ? { targetUrl } : {}), createdAt: new Date().toISOString(),
      };
      store.push(status);
      return { status: 201, body: gitlabStatus(status) };
    }
    const list = /^\/api\/v4\/projects\/([^/]+)\/repository\/commits\/([^/]+)\/statuses$/.exec(rawPath);
    if (method === 'GET' && list) {
      const project = decodeURIComponent(list[1] as string);
      const name = url.searchParams.get('name');
      const all = url.searchParams.get('all') === 'true';
      const matching = store.filter((s) => s.project === project && s.sha === list[2] && (name === null || s.context === name));
      // Without all=true GitLab answers only the latest status of each name.
      const latest = all ? matching : matching.filter((s) => !matching.some((o) => o.context === s.context && o.id > s.id));
      return { status: 200, body: latest.map(gitlabStatus) };
    }
    return { status: 404, body: { message: '404 Not Found' } };
  });
}

function gitlabStatus(s: StoredStatus): Record<string, unknown> {
  return {
    id: s.id, sha: s.sha, ref: null, status: s.state, name: s.context, description: s.description ?? null, target_url: s.targetUrl ?? null,
    created_at: s.createdAt, started_at: null, finished_at: null, allow_failure: false, author: { id: 1, username: 'ecs-gitops-bot' },
  };
}
