/**
 * One HTTP request of a sink, on global fetch, classified as a DeliveryResult
 * (src/notify/types.ts): 2xx delivered; 429 retried after Retry-After; 5xx,
 * 408, network errors, resets and timeouts retried; a redirect or any other
 * 4xx rejected. The reason names the sink, never the URL (a Slack webhook
 * URL is itself a secret), and quotes at most a short, scrubbed excerpt of
 * the answer.
 */
import { VERSION } from '../version.js';
import { secretTextScrubber } from '../observe/secret-scrub.js';
import type { DeliveryResult } from './types.js';

export const USER_AGENT = `ecs-gitops/${VERSION}`;

/** A Retry-After longer than this is taken as this: a receiver cannot park a sink for hours. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;
/** Characters of an answer quoted in a reason. */
const EXCERPT_CHARS = 160;
/** Bytes of an answer read at most (the rest is discarded). */
const READ_LIMIT_BYTES = 4096;

export interface SinkRequest {
  /** `notifier/sink`: how the reason names the destination. */
  readonly label: string;
  readonly method?: 'POST' | 'GET' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** The dispatcher's (shutdown). */
  readonly signal: AbortSignal;
  /** Secret values to keep out of the excerpt (the URL, its path segments, a key, a token). */
  readonly secrets?: readonly string[];
  /** For an HTTP-date Retry-After. @default Date.now */
  readonly now?: () => number;
}

export interface SinkResponse {
  readonly status: number;
  /** The first READ_LIMIT_BYTES of the answer, decoded (not scrubbed: for the sink's own parsing, never for a message). */
  readonly body: string;
  readonly headers: Headers;
}

/** Retry-After as milliseconds: delay-seconds or an HTTP date, capped at MAX_RETRY_AFTER_MS; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

const scrubText = secretTextScrubber();

/** A short, one-line excerpt of an answer with secrets removed (the sink's own, then anything secret-shaped). */
export function excerpt(body: string, secrets: readonly string[] = []): string {
  let text = body;
  // Longest first, so a URL goes before its own path segments.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) text = text.split(secret).join('[REDACTED]');
  }
  text = scrubText(text.replace(/\s+/g, ' ').trim());
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < READ_LIMIT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Frees the connection without reading a large answer to its end.
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, READ_LIMIT_BYTES).toString('utf8');
}

/** Node's errno-style code of a fetch failure (`fetch failed` wraps it in `cause`), for a reason without the URL. */
function networkCode(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'network error';
}

export type SinkOutcome =
  | { readonly kind: 'answered'; readonly response: SinkResponse }
  | { readonly kind: 'failed'; readonly result: Extract<DeliveryResult, { kind: 'retry' }> };

/** Sends once; an answer of any status, or a retryable failure (timeout, reset, refused) as a reason without the URL. */
export async function sendRequest(request: SinkRequest): Promise<SinkOutcome> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  try {
    const response = await fetch(request.url, {
      method: request.method ?? 'POST',
      headers: { 'user-agent': USER_AGENT, ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      // A redirect is answered, not followed: a signed body or a token is never sent somewhere the manifest did not name.
      redirect: 'manual',
      signal,
    });
    const body = await readLimited(response);
    return { kind: 'answered', response: { status: response.status, body, headers: response.headers } };
  } catch (err) {
    if (timeout.aborted && !request.signal.aborted) {
      return { kind: 'failed', result: { kind: 'retry', reason: `${request.label}: no answer within ${request.timeoutMs} ms` } };
    }
    if (request.signal.aborted) return { kind: 'failed', result: { kind: 'retry', reason: `${request.label}: stopped (controller shutting down)` } };
    return { kind: 'failed', result: { kind: 'retry', reason: `${request.label}: ${networkCode(err)}` } };
  }
}

/** What an answer means for a delivery. */
export function classifyResponse(request: Pick<SinkRequest, 'label' | 'secrets' | 'now'>, response: SinkResponse): DeliveryResult {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const quoted = excerpt(response.body, request.secrets);
  const reason = `${request.label}: HTTP ${status}${quoted ? `: ${quoted}` : ''}`;
  if (status === 429 || status >= 500 || status === 408) {
    // RFC 9110 lets a 503 (and a 429) say when to come back; any retryable answer that does is taken at its word.
    const afterMs = parseRetryAfter(response.headers.get('retry-after'), (request.now ?? Date.now)());
    return afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, afterMs };
  }
  if (status >= 300 && status < 400) return { kind: 'rejected', reason: `${request.label}: HTTP ${status} redirect not followed (point the sink at the final URL)` };
  return { kind: 'rejected', reason };
}

/** sendRequest then classifyResponse: the whole attempt of a sink that only posts (Slack, webhook). */
export async function deliverRequest(request: SinkRequest): Promise<DeliveryResult> {
  const outcome = await sendRequest(request);
  return outcome.kind === 'failed' ? outcome.result : classifyResponse(request, outcome.response);
}
