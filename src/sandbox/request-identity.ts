/**
 * Who is calling and where: the account and Region of a request, read the way
 * the sandbox documents it. The Authorization header is checked in form only
 * (SigV4 shape); signatures are not verified. Temporary credentials the
 * sandbox's STS issued (`ASIA...` keys) act in the assumed role's account
 * until they expire (sts.ts).
 */
import { SandboxApiError } from './api-error.js';

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';
export const ACCOUNT_HEADER = 'x-sandbox-account-id';

export interface RequestIdentity {
  readonly account: string;
  readonly region: string;
  /** Set for temporary credentials STS issued: the assumed role session calling. */
  readonly caller?: CallerPrincipal;
}

/** The principal behind temporary credentials (what GetCallerIdentity reports). */
export interface CallerPrincipal {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

/** Resolves an issued access key; throws UnrecognizedClientException or ExpiredTokenException. */
export interface IssuedCredentialLookup {
  resolve(accessKeyId: string, sessionToken: string | undefined): CallerPrincipal;
}

/** Access keys STS issues (temporary credentials), as opposed to an account's long-term AKIA keys. */
export const TEMPORARY_KEY = /^ASIA[A-Z0-9]{16}$/;

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/;

export function identify(headers: Readonly<Record<string, string | undefined>>, issued?: IssuedCredentialLookup): RequestIdentity {
  const auth = headers.authorization;
  if (!auth) throw new SandboxApiError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  const m = CREDENTIAL.exec(auth);
  if (!auth.startsWith('AWS4-HMAC-SHA256 ') || !m) {
    throw new SandboxApiError('IncompleteSignatureException', `Authorization header requires 'Credential' parameter. Authorization=${auth.slice(0, 40)}`, 403);
  }
  const accessKey = m[1] as string;
  const region = m[2] as string;
  const explicit = headers[ACCOUNT_HEADER];
  if (explicit !== undefined && !/^\d{12}$/.test(explicit)) {
    throw new SandboxApiError('InvalidParameterException', `${ACCOUNT_HEADER} must be 12 digits, got ${JSON.stringify(explicit)}`);
  }
  // Checked even with the account header: an expired or unknown session never acts.
  const caller = issued && TEMPORARY_KEY.test(accessKey) ? issued.resolve(accessKey, headers['x-amz-security-token']) : undefined;
  const account = explicit ?? caller?.account ?? (/^\d{12}$/.test(accessKey) ? accessKey : DEFAULT_ACCOUNT);
  return caller ? { account, region, caller } : { account, region };
}
