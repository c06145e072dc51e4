/**
 * What the GitHub and GitLab commit-status sinks (sinks/github.ts,
 * sinks/gitlab.ts) share: which events set a status and to what phase, which
 * revisions are commits a status can be put on, the context and link
 * templates, and one JSON request over fetch whose outcome is classified the
 * way the dispatcher retries (src/notify/types.ts DeliveryResult).
 *
 * Posts go through the sinks' shared request (src/notify/http-post.ts: no
 * redirects followed, secrets kept out of reasons); two answers are read
 * here first: GitHub's rate limit, a 403 with Retry-After or
 * `x-ratelimit-remaining: 0`, is retried, and a sink may take a 4xx as done
 * (GitLab's "already in this state"). Reads (alreadyDelivered) need the whole
 * list, so they have their own GET.
 */
import type { ControllerEvent } from '../events/types.js';
import { MAX_RETRY_AFTER_MS, classifyResponse, parseRetryAfter, sendRequest, USER_AGENT, type SinkRequest, type SinkResponse } from './http-post.js';
import type { DeliveryResult } from './types.js';

/** Where a deploy stands, as a commit status shows it; each forge names these states its own way. */
export type DeployPhase = 'started' | 'applied' | 'succeeded' | 'failed';

/**
 * The phase an event sets, or undefined for events a commit status says
 * nothing about (drift, prune, a recovery). An Applied that starts no
 * rollout (`final`) ends the sync, so it is the success. A ReconcileFailing
 * is the failure of its revision: an apply that keeps failing never reaches
 * Applied or a rollout, and without it the SyncStarted's pending would stay
 * on the commit for good; its message (the error code and text) is the
 * description. A later pass that succeeds sets the status again.
 */
export function deployPhase(event: ControllerEvent): DeployPhase | undefined {
  switch (event.type) {
    case 'SyncStarted':
      return 'started';
    case 'Applied':
      return event.final === true ? 'succeeded' : 'applied';
    case 'RolloutCompleted':
      return 'succeeded';
    case 'RolloutFailed':
    case 'ReconcileFailing':
      return 'failed';
    default:
      return undefined;
  }
}

const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The commit a revision names (SHA-1 or SHA-256 object id), or why there is
 * none: a plain directory's `unversioned:<hash>` and a checkout with local
 * changes (`<sha>-dirty`) are not commits the forge knows, and a status on the
 * clean commit would claim that commit was deployed.
 */
export function commitOf(revision: string): { readonly sha: string } | { readonly skipReason: string } {
  const lower = revision.toLowerCase();
  if (COMMIT_SHA.test(lower)) return { sha: lower };
  if (lower.endsWith('-dirty')) return { skipReason: `revision ${revision} has uncommitted changes: no commit status is set` };
  return { skipReason: `revision ${revision} is not a Git commit: no commit status is set` };
}

/** The status description most forges allow (GitHub rejects longer ones with 422). */
export const MAX_DESCRIPTION = 140;

/** At most `max` characters, ending in an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A commit status description: the event's one-line message, cut to 140 characters. */
export function statusDescription(event: ControllerEvent): string {
  return truncate(event.message.replace(/\s+/g, ' ').trim(), MAX_DESCRIPTION);
}

/** `{cluster}`, `{service}`, `{environment}`, `{region}`, `{account}` replaced from the event (empty when it has none). */
export function renderTemplate(template: string, event: ControllerEvent): string {
  const values: Readonly<Record<string, string | undefined>> = {
    cluster: event.cluster, service: event.serviceName, environment: event.environment, region: event.region, account: event.account,
  };
  return template.replace(/\{(cluster|service|environment|region|account)\}/g, (_m, name: string) => values[name] ?? '');
}

/** The status context (GitHub) / name (GitLab): the spec's template, or `ecs-gitops/{cluster}/{service}[/{environment}]`. */
export function statusContext(template: string | undefined, event: ControllerEvent): string {
  if (template !== undefined) return renderTemplate(template, event);
  const base = `ecs-gitops/${event.cluster ?? ''}/${event.serviceName ?? ''}`;
  return event.environment ? `${base}/${event.environment}` : base;
}

/** target_url: the spec's template, else the controller's page for the service when its external URL is known. */
export function statusTargetUrl(template: string | undefined, event: ControllerEvent, externalUrl: string | undefined): string | undefined {
  if (template !== undefined) return renderTemplate(template, event);
  if (externalUrl === undefined || event.service === undefined) return undefined;
  return `${externalUrl.replace(/\/+$/, '')}/services/${encodeURIComponent(event.service)}`;
}

/** Most bytes of a status list read (GitHub's 100 statuses with their creators run to about 150 kB). */
const LIST_LIMIT_BYTES = 1024 * 1024;

/**
 * A commit status post. `accept` lets a sink count a non-2xx answer as done
 * (undefined: classified as usual).
 */
export async function postStatus(request: SinkRequest, accept?: (response: SinkResponse) => boolean): Promise<DeliveryResult> {
  const outcome = await sendRequest({ ...request, method: 'POST', headers: { 'content-type': 'application/json', ...request.headers } });
  if (outcome.kind === 'failed') return outcome.result;
  const { response } = outcome;
  if (accept?.(response)) return { kind: 'delivered' };
  const classified = classifyResponse(request, response);
  if (response.status === 403 && classified.kind === 'rejected') {
    const now = (request.now ?? Date.now)();
    const afterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    const remaining = response.headers.get('x-ratelimit-remaining');
    // GitHub's primary (remaining 0, reset at x-ratelimit-reset) and secondary (Retry-After) rate limits answer 403.
    if (afterMs !== undefined) return { kind: 'retry', reason: classified.reason, afterMs };
    if (remaining === '0') {
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      const untilReset = Number.isFinite(reset) && reset > 0 ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, reset * 1000 - now)) : undefined;
      return untilReset === undefined ? { kind: 'retry', reason: classified.reason } : { kind: 'retry', reason: classified.reason, afterMs: untilReset };
    }
  }
  return classified;
}

/** A JSON list read (GET, redirects not followed): the parsed answer of a 2xx, else undefined. Never throws. */
export async function getJson(request: Omit<SinkRequest, 'method' | 'body' | 'label'>): Promise<unknown> {
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]);
  try {
    const response = await fetch(request.url, { method: 'GET', headers: { 'user-agent': USER_AGENT, ...request.headers }, redirect: 'manual', signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > LIST_LIMIT_BYTES) return undefined;
        chunks.push(value);
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** What one event makes a forge's commit status say (the fields GitHub and GitLab share), before their own body shapes. */
export interface PlannedStatus<State extends string> {
  readonly sha: string;
  readonly state: State;
  readonly context: string;
  readonly description: string;
  readonly targetUrl?: string;
}

/**
 * The status an event sets on a forge, or the result that ends it without a
 * request: `skipped` for an event that is not about a deploy or a revision
 * that is not a commit, `rejected` when the token's file or variable gave nothing.
 */
export function planCommitStatus<State extends string>(event: ControllerEvent, sink: {
  readonly id: string;
  readonly forge: 'GitHub' | 'GitLab';
  readonly token: string | undefined;
  readonly states: Readonly<Record<DeployPhase, State>>;
  readonly context: string | undefined;
  readonly targetUrl: string | undefined;
  readonly externalUrl: string | undefined;
}): PlannedStatus<State> | DeliveryResult {
  const phase = deployPhase(event);
  if (phase === undefined) return { kind: 'skipped' };
  const commit = commitOf(event.revision);
  if ('skipReason' in commit) return { kind: 'skipped', reason: commit.skipReason };
  if (!sink.token) return { kind: 'rejected', reason: `${sink.id}: no ${sink.forge} token (tokenFile or tokenEnv gave nothing)` };
  const targetUrl = statusTargetUrl(sink.targetUrl, event, sink.externalUrl);
  return {
    sha: commit.sha, state: sink.states[phase], context: statusContext(sink.context, event), description: statusDescription(event),
    ...(targetUrl ? { targetUrl } : {}),
  };
}
