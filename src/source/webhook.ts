/**
 * The push webhook (`POST /api/v1/webhook`): verifies the request came from
 * the Git host, and on a push to the configured ref asks the source to fetch
 * now instead of waiting for the next poll. GitHub style signs the raw body
 * (`X-Hub-Signature-256: sha256=<HMAC-SHA256 hex>`); GitLab style sends the
 * shared token (`X-Gitlab-Token`). Both are compared in constant time. A
 * request that fails verification changes nothing. The HTTP server owns
 * reading the body (and may bound it first); this handler bounds it again so
 * it is safe on its own.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GitopsError, type SourceErrorCode } from '../errors/index.js';
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

export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

export interface PushEvent {
  readonly provider: 'github' | 'gitlab';
  /** Full ref from the payload, e.g. refs/heads/main. */
  readonly ref: string;
  /** Commit the ref now points to, when the payload says. */
  readonly after?: string;
  /** The host's delivery id, for logs. */
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
  readonly logger?: SourceLogger;
}

export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time equality of two strings of any length (hash first, so lengths do not leak). */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function verifyGithub(signature: string, body: Buffer, secret: string): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return safeEqual(signature.trim().toLowerCase(), expected);
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

  return async ({ headers, body }) => {
    if (body.length > maxBodyBytes) {
      return error(413, 'SOURCE_WEBHOOK_TOO_LARGE', `webhook body of ${body.length} bytes is over the ${maxBodyBytes}-byte limit`);
    }

    const githubSignature = header(headers, 'x-hub-signature-256');
    const gitlabToken = header(headers, 'x-gitlab-token');
    let provider: PushEvent['provider'];
    let event: string | undefined;
    if (githubSignature !== undefined) {
      if (!verifyGithub(githubSignature, body, secret)) {
        logger.warn({ provider: 'github', delivery: header(headers, 'x-github-delivery') }, 'webhook signature invalid; ignored');
        return error(401, 'SOURCE_WEBHOOK_UNAUTHORIZED', 'X-Hub-Signature-256 does not match the body signed with the webhook secret');
      }
      provider = 'github';
      event = header(headers, 'x-github-event');
    } else if (gitlabToken !== undefined) {
      if (!safeEqual(gitlabToken, secret)) {
        logger.warn({ provider: 'gitlab' }, 'webhook token invalid; ignored');
        return error(401, 'SOURCE_WEBHOOK_UNAUTHORIZED', 'X-Gitlab-Token does not match the webhook secret');
      }
      provider = 'gitlab';
      event = header(headers, 'x-gitlab-event');
    } else {
      return error(401, 'SOURCE_WEBHOOK_UNAUTHORIZED', 'missing X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab) header');
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
    const push: PushEvent = {
      provider,
      ref: payloadRef,
      ...(typeof fields.after === 'string' ? { after: fields.after } : {}),
      ...(header(headers, 'x-github-delivery') === undefined ? {} : { delivery: header(headers, 'x-github-delivery') }),
    };
    try {
      await onPush(push);
    } catch (pushError) {
      logger.error({ err: String(pushError), ref: payloadRef }, 'webhook push handler failed');
      return error(500, 'SOURCE_FETCH_FAILED', 'the push was accepted but the fetch could not be started');
    }
    logger.info({ provider, ref: payloadRef, after: push.after, delivery: push.delivery }, 'webhook push: fetching now');
    return { status: 202, body: { triggered: true, ref: payloadRef, ...(push.after === undefined ? {} : { after: push.after }) } };
  };
}
