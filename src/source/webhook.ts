/**
 * The push webhook (`POST /api/v1/webhook`): verifies the request came from
 * the Git host, and on a push to the configured ref asks the source to fetch
 * now instead of waiting for the next poll. GitHub style signs the raw body
 * (`X-Hub-Signature-256: sha256=<HMAC-SHA256 hex>`); GitLab style sends the
 * shared token (`X-Gitlab-Token`). Both are compared in constant time. A
 * request that fails verification changes nothing. The HTTP server owns
 * reading the body (and may bound it first); this handler bounds it again so
 * it is safe on its own.
 *
 * What the headers alone can tell (no auth header at all, a wrong GitLab
 * token, a malformed signature) is checked by `checkHeaders` before the
 * server reads a byte of body, so an anonymous sender cannot make it buffer a
 * megabyte. A delivery seen recently (by its id, or for GitHub by its
 * signature, which the id does not enter) is answered 200 without a fetch: a
 * captured request replayed is a no-op.
 */
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GitopsError, type SourceErrorCode } from '../errors/index.js';
import { constantTimeEqual } from '../observe/api-access.js';
import { silentLogger } from '../observe/logger.js';
import type { SourceLogger } from './manifest-source.js';

export interface WebhookRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface WebhookResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface WebhookHandler {
  (request: WebhookRequest): Promise<WebhookResponse>;
  /**
   * The answer when the headers alone already fail verification (the server
   * then refuses without reading the body); undefined when the body must be
   * read to decide. The handler repeats this check, so calling it is optional.
   */
  readonly checkHeaders?: (headers: IncomingHttpHeaders) => WebhookResponse | undefined;
}

export interface PushEvent {
  readonly provider: 'github' | 'gitlab';
  /** Full ref from the payload, e.g. refs/heads/main. */
  readonly ref: string;
  /** Commit the ref now points to, when the payload says. */
  readonly after?: string;
  /** The host's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID), for logs. */
  readonly delivery?: string;
}

export interface WebhookOptions {
  /** GitHub: the HMAC key; GitLab: the token. */
  readonly secret: string;
  /** The ref the controller follows: `main`, `v1.2` (branch or tag name) or a full `refs/...` ref. */
  readonly ref: string;
  /** Called for an authenticated push to `ref` (typically `() => source.refresh()`). */
  readonly onPush: (event: PushEvent) => void | Promise<void>;
  /** Largest body accepted. @default 1048576 (1 MiB; push payloads are a few KiB) */
  readonly maxBodyBytes?: number;
  /** How many recent deliveries are remembered to ignore replays. @default 1000 */
  readonly replayMemory?: number;
  /** How long a delivery is remembered. @default 1 h */
  readonly replayWindowMs?: number;
  /** Clock of the replay memory (tests). @default Date.now */
  readonly now?: () => number;
  readonly logger?: SourceLogger;
}

export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_WEBHOOK_REPLAY_MEMORY = 1000;
export const DEFAULT_WEBHOOK_REPLAY_WINDOW_MS = 60 * 60 * 1000;

/**
 * The delivery keys seen in the last `windowMs`, at most `capacity` of them
 * (the oldest go first). A Map keeps insertion order, so the oldest entry is
 * always the first one.
 */
class RecentDeliveries {
  private readonly seenAt = new Map<string, number>();

  constructor(private readonly capacity: number, private readonly windowMs: number, private readonly now: () => number) {}

  /** The first of `keys` seen within the window, if any. */
  seen(keys: readonly string[]): string | undefined {
    this.expire();
    return keys.find((key) => this.seenAt.has(key));
  }

  remember(keys: readonly string[]): void {
    const at = this.now();
    for (const key of keys) {
      this.seenAt.delete(key);
      this.seenAt.set(key, at);
    }
    while (this.seenAt.size > this.capacity) {
      const oldest = this.seenAt.keys().next().value as string;
      this.seenAt.delete(oldest);
    }
  }

  forget(keys: readonly string[]): void {
    for (const key of keys) this.seenAt.delete(key);
  }

  private expire(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [key, at] of this.seenAt) {
      if (at > cutoff) break;
      this.seenAt.delete(key);
    }
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function verifyGithub(signature: string, body: Buffer, secret: string): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return constantTimeEqual(signature.trim().toLowerCase(), expected);
}

/** The only form an X-Hub-Signature-256 that can verify has. */
const GITHUB_SIGNATURE_FORM = /^sha256=[0-9a-f]{64}$/i;

/** Replay keys of a verified request: its delivery ids, and for GitHub the signature (a replay with a made-up id still carries it). */
function deliveryKeys(provider: PushEvent['provider'], headers: IncomingHttpHeaders): string[] {
  const keys: string[] = [];
  const add = (kind: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') keys.push(`${provider}:${kind}:${value.trim()}`);
  };
  if (provider === 'github') {
    add('delivery', header(headers, 'x-github-delivery'));
    add('signature', header(headers, 'x-hub-signature-256')?.toLowerCase());
  } else {
    add('event', header(headers, 'x-gitlab-event-uuid'));
    add('idempotency', header(headers, 'idempotency-key'));
  }
  return keys;
}

/** True when a payload ref names the configured ref. */
export function refMatches(configured: string, payloadRef: string): boolean {
  if (configured.startsWith('refs/')) return payloadRef === configured;
  return payloadRef === `refs/heads/${configured}` || payloadRef === `refs/tags/${configured}`;
}

function error(status: number, code: SourceErrorCode, message: string): WebhookResponse {
  return { status, body: { error: { code, message } } };
}

/** GitHub may send `application/x-www-form-urlencoded` with the JSON in `payload`. */
function parsePayload(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString('utf8');
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new SyntaxError('form body without a payload field');
    return JSON.parse(payload) as unknown;
  }
  return JSON.parse(text) as unknown;
}

export function createWebhookHandler(options: WebhookOptions): WebhookHandler {
  const { secret, ref, onPush, maxBodyBytes = DEFAULT_WEBHOOK_MAX_BODY_BYTES } = options;
  const logger = options.logger ?? silentLogger();
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new GitopsError('SOURCE_WEBHOOK_SECRET_INVALID', 'the webhook secret is empty: put it in the file named by --webhook-secret-file, or set ECS_GITOPS_WEBHOOK_SECRET', { flag: '--webhook-secret-file' });
  }
  const recent = new RecentDeliveries(
    options.replayMemory ?? DEFAULT_WEBHOOK_REPLAY_MEMORY,
    options.replayWindowMs ?? DEFAULT_WEBHOOK_REPLAY_WINDOW_MS,
    options.now ?? Date.now,
  );

  /** GitHub's signature needs the body; its presence and form, and GitLab's whole token, do not. */
  const checkHeaders = (headers: IncomingHttpHeaders): WebhookResponse | undefined => {
    const githubSignature = header(headers, 'x-hub-signature-256');
    if (githubSignature !== undefined) {
      if (GITHUB_SIGNATURE_FORM.test(githubSignature.trim())) return undefined;
      logger.warn({ provider: 'github', delivery: header(headers, 'x-github-delivery') }, 'webhook signature malformed; ignored');
      return error(401, 'SOURCE_WEBHOOK_UNAUTHORIZED', 'X-Hub-Signature-256 is not of the form sha256=<64 hex digits>');
    }
    const gitlabToken = header(headers, 'x-gitlab-token');
    if (gitlabToken !== undefined) {
      if (constantTimeEqual(gitlabToken, secret)) return undefined;
      logger.warn({ provider: 'gitlab' }, 'webhook token invalid; ignored');
      return error(401, 'SOURCE_WEBHOOK_UNAUTHORIZED', 'X-Gitlab-Token does not match the webhook secret');
    }
    return error(401, 'SOURCE_WEBHOOK_UNAUTHORIZED', 'missing X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab) header');
  };

  const handle = async ({ headers, body }: WebhookRequest): Promise<WebhookResponse> => {
    const refused = checkHeaders(headers);
    if (refused) return refused;
    if (body.length > maxBodyBytes) {
      return error(413, 'SOURCE_WEBHOOK_TOO_LARGE', `webhook body of ${body.length} bytes is over the ${maxBodyBytes}-byte limit`);
    }

    const githubSignature = header(headers, 'x-hub-signature-256');
    let provider: PushEvent['provider'];
    let event: string | undefined;
    if (githubSignature !== undefined) {
      if (!verifyGithub(githubSignature, body, secret)) {
        logger.warn({ provider: 'github', delivery: header(headers, 'x-github-delivery') }, 'webhook signature invalid; ignored');
        return error(401, 'SOURCE_WEBHOOK_UNAUTHORIZED', 'X-Hub-Signature-256 does not match the body signed with the webhook secret');
      }
      provider = 'github';
      event = header(headers, 'x-github-event');
    } else {
      // checkHeaders has verified the GitLab token.
      provider = 'gitlab';
      event = header(headers, 'x-gitlab-event');
    }

    let payload: unknown;
    try {
      payload = parsePayload(body, header(headers, 'content-type'));
    } catch (parseError) {
      return error(400, 'SOURCE_WEBHOOK_BAD_REQUEST', `webhook body is not valid JSON: ${(parseError as Error).message}`);
    }
    if (provider === 'github' && event === 'ping') return { status: 200, body: { ok: true, event: 'ping' } };

    const isPush = provider === 'github' ? event === 'push' : event === 'Push Hook' || event === 'Tag Push Hook';
    if (!isPush) return { status: 200, body: { triggered: false, reason: `event ${event ?? '(none)'} ignored; only push events trigger a fetch` } };

    const fields = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
    const payloadRef = typeof fields.ref === 'string' ? fields.ref : undefined;
    if (payloadRef === undefined) return error(400, 'SOURCE_WEBHOOK_BAD_REQUEST', 'push payload has no "ref" field');
    if (!refMatches(ref, payloadRef)) {
      return { status: 200, body: { triggered: false, reason: `push to ${payloadRef} ignored; following ${ref}` } };
    }
    const delivery = header(headers, provider === 'github' ? 'x-github-delivery' : 'x-gitlab-event-uuid');
    const push: PushEvent = {
      provider,
      ref: payloadRef,
      ...(typeof fields.after === 'string' ? { after: fields.after } : {}),
      ...(delivery === undefined ? {} : { delivery }),
    };
    const keys = deliveryKeys(provider, headers);
    const duplicate = recent.seen(keys);
    if (duplicate !== undefined) {
      logger.info({ provider, ref: payloadRef, delivery }, 'webhook delivery already handled; duplicate ignored');
      return { status: 200, body: { triggered: false, duplicate: true, reason: 'this delivery was already handled within the last hour; duplicate ignored' } };
    }
    // Remembered before onPush runs, so a copy arriving meanwhile is already a duplicate.
    recent.remember(keys);
    try {
      await onPush(push);
    } catch (pushError) {
      // The host's retry of a delivery that failed here must get through.
      recent.forget(keys);
      logger.error({ err: String(pushError), ref: payloadRef }, 'webhook push handler failed');
      return error(500, 'SOURCE_FETCH_FAILED', 'the push was accepted but the fetch could not be started');
    }
    logger.info({ provider, ref: payloadRef, after: push.after, delivery: push.delivery }, 'webhook push: fetching now');
    return { status: 202, body: { triggered: true, ref: payloadRef, ...(push.after === undefined ? {} : { after: push.after }) } };
  };
  return Object.assign(handle, { checkHeaders });
}
