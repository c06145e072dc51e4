/**
 * Who is calling and where: the account and Region of a request, read the way
 * the sandbox documents it. The Authorization header is checked in form only
 * (SigV4 shape); signatures are not verified.
 */
import { SandboxApiError } from './api-error.js';

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';
export const ACCOUNT_HEADER = 'x-sandbox-account-id';

export interface RequestIdentity {
  readonly account: string;
  readonly region: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/;

export function identify(headers: Readonly<Record<string, string | undefined>>): RequestIdentity {
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
  const account = explicit ?? (/^\d{12}$/.test(accessKey) ? accessKey : DEFAULT_ACCOUNT);
  return { account, region };
}
