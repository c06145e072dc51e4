/**
 * Who may read `/api/*`: a bearer token (when one is configured) and a Host
 * header check against DNS rebinding. Kept apart from the server so any HTTP
 * surface that serves controller data (the status API, a web UI) applies the
 * same rule by calling `checkApiAccess` once per request.
 *
 * Why the Host check: a page on evil.example can make its own name resolve to
 * 127.0.0.1 (or to the controller's private address) after the browser has
 * loaded it, and then read the API as "same origin". The browser still sends
 * `Host: evil.example`, so answering only to names the operator chose (plus IP
 * literals and loopback names, which no attacker can re-point) stops it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { isLoopbackHost } from './listen-address.js';
import { SESSION_COOKIE } from '../web/api-types.js';

export interface ApiAccessPolicy {
  /**
   * Every `/api/*` request must carry `Authorization: Bearer <token>`, or a
   * web UI session cookie `sessions` accepts; undefined leaves the API open.
   */
  readonly token?: string;
  /** The web UI's sessions (POST /api/v1/session); absent: only the bearer is accepted. */
  readonly sessions?: Pick<WebSessions, 'matches'>;
  /** Host names (`name` for any port, `name:port` for one) accepted besides IP literals, loopback names and the listen host. */
  readonly allowedHosts?: readonly string[];
  /** The --listen host: a DNS name given there is accepted as a Host too. */
  readonly listenHost?: string;
}

export interface ApiAccessDenial {
  readonly status: 401 | 421;
  readonly code: 'HTTP_UNAUTHORIZED' | 'HTTP_HOST_NOT_ALLOWED';
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Constant-time equality of two strings of any length (hash first, so lengths do not leak). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** True when `authorization` is `Bearer <token>` (scheme case-insensitive, RFC 7235) with exactly `token`. */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  if (authorization === undefined) return false;
  const value = authorization.trim();
  const space = value.indexOf(' ');
  const isBearer = space > 0 && value.slice(0, space).toLowerCase() === 'bearer';
  // Compare something even when the header is malformed, so timing does not tell the two apart.
  return constantTimeEqual(isBearer ? value.slice(space + 1).trim() : '', token) && isBearer;
}

/** The cookie's name when it is set with `Secure`: browsers keep a `__Host-` cookie only from a secure origin, for this host alone, on path `/`. */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
/** How long a session lasts, checked by the server (the cookie's Max-Age only tells the browser): a working day. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
/** A session issued this far "in the future" (the clock stepped back since) is still accepted; more is a forgery or a broken clock. */
const SESSION_CLOCK_SKEW_SECONDS = 300;
/** Sessions ended by DELETE and not expired yet, remembered at most: past this the oldest is forgotten (it still expires on time). */
const MAX_REVOKED_SESSIONS = 10_000;
/** Cookies with the session's names checked per request at most: enough for stale duplicates, too few to make a request costly. */
const MAX_SESSION_COOKIES_CHECKED = 8;
const SESSION_FORMAT = /^v1\.(\d{1,12})\.([0-9a-f]{64})$/;

/** Every value of the cookies named `names` in a Cookie header, in order (a browser sends stale duplicates too, e.g. from another port of the same host). */
export function cookieValues(cookieHeader: string | undefined, names: readonly string[]): string[] {
  const values: string[] = [];
  if (cookieHeader === undefined) return values;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (names.includes(part.slice(0, eq).trim())) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

export interface WebSessionOptions {
  /** Epoch ms; tests move it to expire sessions. @default Date.now */
  readonly now?: () => number;
}

/**
 * The web UI's sessions (POST /api/v1/session, docs/security.md "Web UI").
 * A session cookie is `v1.<issued at, epoch s>.<hex HMAC-SHA256 keyed with the
 * token over "ecs-gitops-session|<issued at>|<process key>">`:
 *
 * - it proves the token without being it (a cookie read off a disk or a proxy
 *   log does not reveal the token), and a new token ends every session;
 * - the process key is random per server, so a restart ends every session and
 *   a cookie from another controller on the same host (cookies are not kept
 *   apart by port) is worthless here even when both have the same token;
 * - the issue time is checked here, so a copied cookie stops working after
 *   SESSION_MAX_AGE_SECONDS whatever the browser does with Max-Age;
 * - DELETE /api/v1/session revokes the cookies it is sent, until they expire.
 */
export class WebSessions {
  readonly #token: string;
  readonly #processKey = randomBytes(32).toString('hex');
  readonly #now: () => number;
  /** Revoked cookie values -> the epoch second they would expire anyway. */
  readonly #revoked = new Map<string, number>();

  constructor(token: string, options: WebSessionOptions = {}) {
    this.#token = token;
    this.#now = options.now ?? Date.now;
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #mac(issuedAt: number): string {
    return createHmac('sha256', this.#token).update(`ecs-gitops-session|${issuedAt}|${this.#processKey}`).digest('hex');
  }

  /** A new session cookie's value, issued now. */
  issue(): string {
    const issuedAt = this.#seconds();
    return `v1.${issuedAt}.${this.#mac(issuedAt)}`;
  }

  /** Whether `value` is a session this server issued, not expired and not revoked (the MAC compared in constant time). */
  valid(value: string): boolean {
    const parsed = SESSION_FORMAT.exec(value);
    // Compare something even when the value is malformed, so timing does not tell the two apart.
    const issuedAt = parsed ? Number(parsed[1]) : 0;
    const macMatches = constantTimeEqual(parsed?.[2] ?? '', this.#mac(issuedAt)) && parsed !== null;
    if (!macMatches) return false;
    const age = this.#seconds() - issuedAt;
    return age >= -SESSION_CLOCK_SKEW_SECONDS && age <= SESSION_MAX_AGE_SECONDS && !this.#revoked.has(value);
  }

  /** Whether any session cookie in the header (either name, every duplicate) is valid: one stale cookie beside a good one does not lock the user out. */
  matches(cookieHeader: string | undefined): boolean {
    const values = cookieValues(cookieHeader, [SESSION_COOKIE, SECURE_SESSION_COOKIE]).slice(0, MAX_SESSION_COOKIES_CHECKED);
    let found = false;
    // Every value is checked (no early return), so the time taken does not say which one matched.
    for (const value of values) if (this.valid(value)) found = true;
    return found;
  }

  /** Ends the valid sessions among the header's cookies (DELETE /api/v1/session); returns how many. */
  revoke(cookieHeader: string | undefined): number {
    const now = this.#seconds();
    for (const [value, expiresAt] of this.#revoked) if (expiresAt < now) this.#revoked.delete(value);
    let revoked = 0;
    for (const value of cookieValues(cookieHeader, [SESSION_COOKIE, SECURE_SESSION_COOKIE]).slice(0, MAX_SESSION_COOKIES_CHECKED)) {
      if (!this.valid(value)) continue;
      if (this.#revoked.size >= MAX_REVOKED_SESSIONS) this.#revoked.delete(this.#revoked.keys().next().value as string);
      this.#revoked.set(value, Number(value.split('.')[1]) + SESSION_MAX_AGE_SECONDS);
      revoked++;
    }
    return revoked;
  }
}

/** `host[:port]` split into a lower-case host name (brackets removed from IPv6) and the port text; undefined when malformed. */
export function splitHostHeader(value: string): { readonly name: string; readonly port?: string } | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s/@]+))(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match) return undefined;
  const name = (match[1] ?? match[2] ?? '').toLowerCase();
  if (name.length === 0) return undefined;
  return match[3] === undefined ? { name } : { name, port: match[3] };
}

/**
 * Whether a request's Host header is one this controller answers to on `/api/*`:
 * an IP literal (an address cannot be rebound), `localhost`, the --listen host,
 * or an entry of `allowedHosts` (`name` matches any port, `name:port` only that
 * port). The port of the others is not checked: behind Docker's `-p 8080:9400`
 * the browser says :8080, and the attack lies in the name, not the port.
 */
export function hostHeaderAllowed(host: string | undefined, policy: Pick<ApiAccessPolicy, 'allowedHosts' | 'listenHost'>): boolean {
  if (host === undefined) return false;
  const parsed = splitHostHeader(host);
  if (!parsed) return false;
  const { name, port } = parsed;
  // An address, or a name that always means this machine: a DNS answer cannot re-point them.
  if (isIP(name) !== 0 || isLoopbackHost(name)) return true;
  if (policy.listenHost !== undefined && name === policy.listenHost.toLowerCase()) return true;
  for (const entry of policy.allowedHosts ?? []) {
    const allowed = splitHostHeader(entry);
    if (!allowed || allowed.name !== name) continue;
    if (allowed.port === undefined || allowed.port === port) return true;
  }
  return false;
}

function quoteForMessage(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
}

/**
 * The one access rule for data-bearing routes: the Host check first (a
 * rebinding page is refused whether or not it guessed a token), then the
 * bearer token when one is configured. Undefined means allowed.
 */
export function checkApiAccess(headers: IncomingHttpHeaders, policy: ApiAccessPolicy): ApiAccessDenial | undefined {
  const host = headers.host;
  if (!hostHeaderAllowed(host, policy)) {
    return {
      status: 421,
      code: 'HTTP_HOST_NOT_ALLOWED',
      message: host === undefined
        ? 'the request has no Host header; /api answers only to an IP address, localhost or a name in --api-allowed-hosts'
        : `Host ${quoteForMessage(host)} is not one this controller answers to on /api (DNS rebinding protection); `
          + 'use its IP address or localhost, or add the name to --api-allowed-hosts',
      headers: { connection: 'close' },
    };
  }
  if (policy.token !== undefined && !bearerTokenMatches(headers.authorization, policy.token) && policy.sessions?.matches(headers.cookie) !== true) {
    const given = headers.authorization !== undefined;
    return {
      status: 401,
      code: 'HTTP_UNAUTHORIZED',
      message: given
        ? 'the bearer token is not the one in --api-token-file (or ECS_GITOPS_API_TOKEN)'
        : '/api needs an "Authorization: Bearer <token>" header with the token in --api-token-file (or ECS_GITOPS_API_TOKEN), or the web UI\'s session cookie (POST /api/v1/session)',
      headers: { 'www-authenticate': given ? 'Bearer realm="ecs-gitops", error="invalid_token"' : 'Bearer realm="ecs-gitops"' },
    };
  }
  return undefined;
}
