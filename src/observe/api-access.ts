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
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { isLoopbackHost } from './listen-address.js';
import { SESSION_COOKIE } from '../web/api-types.js';

export interface ApiAccessPolicy {
  /**
   * Every `/api/*` request must carry `Authorization: Bearer <token>`, or the
   * web UI's session cookie derived from it (sessionCookieValue); undefined
   * leaves the API open.
   */
  readonly token?: string;
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

/** The domain separator of the session cookie's HMAC: the cookie proves the token without being it. */
const SESSION_HMAC_MESSAGE = 'ecs-gitops-session';

/**
 * The value of the web UI's session cookie (POST /api/v1/session, docs/ui.md):
 * HMAC-SHA256 keyed with the API token over "ecs-gitops-session", in hex.
 * The browser keeps this, not the token (a cookie read off a disk or a proxy
 * log does not reveal the token), and a new token invalidates every cookie.
 */
export function sessionCookieValue(token: string): string {
  return createHmac('sha256', token).update(SESSION_HMAC_MESSAGE).digest('hex');
}

/** The value of cookie `name` in a Cookie header (the first one when repeated); undefined when absent. */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when the request carries the session cookie of `token` (constant-time compare, like the bearer). */
export function sessionCookieMatches(cookieHeader: string | undefined, token: string): boolean {
  const given = cookieValue(cookieHeader, SESSION_COOKIE);
  return constantTimeEqual(given ?? '', sessionCookieValue(token)) && given !== undefined;
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
  if (policy.token !== undefined && !bearerTokenMatches(headers.authorization, policy.token) && !sessionCookieMatches(headers.cookie, policy.token)) {
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
