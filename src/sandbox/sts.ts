/**
 * STS: AssumeRole and GetCallerIdentity. AssumeRole issues temporary
 * credentials (`ASIA...` access key, secret, session token, expiration) that
 * act in the role's account: request-identity.ts resolves them through
 * StsState until they expire. There is no IAM: every well-formed role ARN can
 * be assumed unless the admin API denied it or gave it an external ID the
 * caller does not send (docs/sandbox.md, "STS").
 *
 * Expiry runs on the wall clock, not the simulated one: the SDK's credential
 * providers compare Expiration with Date.now() to refresh, so only wall time
 * keeps the sandbox and the client agreeing on when a session ends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SandboxApiError } from './api-error.js';
import type { JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import type { CallerPrincipal, IssuedCredentialLookup } from './request-identity.js';

export const DEFAULT_SESSION_SECONDS = 3600;
/** AWS's bounds for DurationSeconds; above 3600 needs a role whose MaxSessionDuration allows it (not modelled: the default 1 h). */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 3600;
/** Expired sessions are remembered this long (they answer ExpiredToken, not InvalidClientTokenId), then forgotten. */
const FORGET_EXPIRED_AFTER_MS = 24 * 3600_000;

const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/((?:[\x21-\x7e]+\/)?)([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface IssuedCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly roleArn: string;
  readonly principal: CallerPrincipal;
  /** Wall-clock epoch ms. */
  expiresAt: number;
}

export interface RoleSettings {
  /** AssumeRole answers AccessDenied (the role's trust policy does not name the caller). */
  readonly denied: boolean;
  /** The external ID the trust policy requires; another or none is AccessDenied. */
  readonly externalId?: string;
}

/** What the sandbox's STS remembers, across accounts: issued sessions, role settings, AssumeRole counts. */
export class StsState implements IssuedCredentialLookup {
  readonly #issued = new Map<string, IssuedCredential>();
  readonly #roles = new Map<string, RoleSettings>();
  readonly #assumeRoleCalls = new Map<string, number>();
  #sessionSeconds = DEFAULT_SESSION_SECONDS;

  constructor(readonly realNow: () => number = Date.now) {}

  resolve(accessKeyId: string, sessionToken: string | undefined): CallerPrincipal {
    const issued = this.#issued.get(accessKeyId);
    if (!issued || issued.sessionToken !== sessionToken) {
      throw new SandboxApiError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
    }
    if (issued.expiresAt <= this.realNow()) throw new SandboxApiError('ExpiredTokenException', 'The security token included in the request is expired', 400);
    return issued.principal;
  }

  /** Lifetime of credentials issued from now on (capped by DurationSeconds when a caller asks for less). */
  get sessionSeconds(): number {
    return this.#sessionSeconds;
  }

  setSessionSeconds(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 1) throw new SandboxApiError('InvalidParameterException', `seconds must be a whole number >= 1, got ${JSON.stringify(seconds)}`);
    this.#sessionSeconds = seconds;
  }

  setRole(roleArn: string, settings: RoleSettings): void {
    roleParts(roleArn);
    if (settings.externalId !== undefined && !EXTERNAL_ID.test(settings.externalId)) {
      throw new SandboxApiError('InvalidParameterException', `externalId must be 2 to 1224 of [\\w+=,.@:/-], got ${JSON.stringify(settings.externalId)}`);
    }
    this.#roles.set(roleArn, settings);
  }

  /** Every credential issued so far expires now (new AssumeRole calls still work). */
  expireAll(): number {
    const now = this.realNow();
    let expired = 0;
    for (const c of this.#issued.values()) {
      if (c.expiresAt > now) expired += 1;
      c.expiresAt = Math.min(c.expiresAt, now);
    }
    return expired;
  }

  /** AssumeRole calls per role ARN (denied and refused ones included). */
  assumeRoleCalls(): Record<string, number> {
    return Object.fromEntries(this.#assumeRoleCalls);
  }

  /** Forgets sessions acting in `account` and that account's role settings and counts (everything without one). */
  reset(account?: string): void {
    if (account === undefined) {
      this.#issued.clear();
      this.#roles.clear();
      this.#assumeRoleCalls.clear();
      this.#sessionSeconds = DEFAULT_SESSION_SECONDS;
      return;
    }
    for (const [key, c] of this.#issued) if (c.principal.account === account) this.#issued.delete(key);
    for (const map of [this.#roles, this.#assumeRoleCalls]) for (const arn of [...map.keys()]) if (roleParts(arn).account === account) map.delete(arn);
  }

  countAssumeRole(roleArn: string): void {
    this.#assumeRoleCalls.set(roleArn, (this.#assumeRoleCalls.get(roleArn) ?? 0) + 1);
  }

  role(roleArn: string): RoleSettings | undefined {
    return this.#roles.get(roleArn);
  }

  issue(roleArn: string, principal: CallerPrincipal, seconds: number): IssuedCredential {
    const now = this.realNow();
    for (const [key, c] of this.#issued) if (c.expiresAt + FORGET_EXPIRED_AFTER_MS < now) this.#issued.delete(key);
    const credential: IssuedCredential = {
      accessKeyId: `ASIA${randomKeyChars(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `sandbox-session/${randomBytes(48).toString('base64')}`,
      roleArn,
      principal,
      expiresAt: now + seconds * 1000,
    };
    this.#issued.set(credential.accessKeyId, credential);
    return credential;
  }
}

function randomKeyChars(n: number): string {
  return [...randomBytes(n)].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('');
}

/** The account, path and name of an IAM role ARN; anything else is a ValidationError naming RoleArn. */
export function roleParts(roleArn: string): { account: string; path: string; name: string } {
  const m = ROLE_ARN.exec(roleArn);
  if (!m) throw new SandboxApiError('ValidationError', `RoleArn ${JSON.stringify(roleArn)} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME).`);
  return { account: m[1] as string, path: m[2] as string, name: m[3] as string };
}

/** A stable role ID (AROA + 17 characters), as IAM gives each role one. */
function roleId(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  return `AROA${[...digest.subarray(0, 17)].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('')}`;
}

function required(input: JsonObject, member: string, wire: string): string {
  const value = input[member];
  if (typeof value !== 'string' || value === '') {
    throw new SandboxApiError('ValidationError', `1 validation error detected: Value null at '${wire}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function durationSeconds(input: JsonObject): number | undefined {
  const raw = input.DurationSeconds;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < MIN_DURATION_SECONDS || n > 43200) {
    throw new SandboxApiError('ValidationError', `1 validation error detected: Value '${String(raw)}' at 'durationSeconds' failed to satisfy constraint: Member must have value between ${MIN_DURATION_SECONDS} and 43200`);
  }
  if (n > MAX_DURATION_SECONDS) throw new SandboxApiError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  return n;
}

/** Who a request comes from: the session behind temporary credentials, else the account's root. */
export function callerOf(ctx: OpContext): CallerPrincipal {
  return ctx.caller ?? { account: ctx.state.account, arn: `arn:aws:iam::${ctx.state.account}:root`, userId: ctx.state.account };
}

export function assumeRole(ctx: OpContext, input: JsonObject): JsonObject {
  const sts = ctx.all.sts;
  const roleArn = required(input, 'RoleArn', 'roleArn');
  const sessionName = required(input, 'RoleSessionName', 'roleSessionName');
  const role = roleParts(roleArn);
  sts.countAssumeRole(roleArn);
  if (!SESSION_NAME.test(sessionName)) {
    throw new SandboxApiError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  const externalId = input.ExternalId;
  if (externalId !== undefined && (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId))) {
    throw new SandboxApiError('ValidationError', `1 validation error detected: Value '${String(externalId)}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`);
  }
  const requested = durationSeconds(input);
  const settings = sts.role(roleArn);
  const caller = callerOf(ctx);
  if (settings && (settings.denied || (settings.externalId !== undefined && settings.externalId !== externalId))) {
    throw new SandboxApiError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  }
  const id = roleId(roleArn);
  const principal: CallerPrincipal = {
    account: role.account,
    arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
    userId: `${id}:${sessionName}`,
  };
  const credential = sts.issue(roleArn, principal, Math.min(requested ?? DEFAULT_SESSION_SECONDS, sts.sessionSeconds));
  return {
    Credentials: {
      AccessKeyId: credential.accessKeyId,
      SecretAccessKey: credential.secretAccessKey,
      SessionToken: credential.sessionToken,
      Expiration: new Date(credential.expiresAt).toISOString(),
    },
    AssumedRoleUser: { AssumedRoleId: principal.userId, Arn: principal.arn },
  };
}

export function getCallerIdentity(ctx: OpContext): JsonObject {
  const caller = callerOf(ctx);
  return { UserId: caller.userId, Account: caller.account, Arn: caller.arn };
}
