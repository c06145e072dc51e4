/**
 * The AWS query protocol as STS, CloudFormation and SNS speak it to the SDK v3 and
 * the aws CLI: a form-encoded `POST /` naming `Action` and `Version`, answered
 * with XML in the service's namespace (`<ActionResponse><ActionResult>`), and
 * errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error>`.
 * Lists are `<member>` elements, as both services write them.
 */
import type { Json, JsonObject } from './json-input.js';

export type QueryApi = 'sts' | 'cloudformation' | 'sns';

/** Each query API by its `Version` parameter (which is how one POST / tells them apart). */
export const QUERY_APIS: Readonly<Record<string, { readonly api: QueryApi; readonly namespace: string }>> = {
  '2011-06-15': { api: 'sts', namespace: 'https://sts.amazonaws.com/doc/2011-06-15/' },
  '2010-05-15': { api: 'cloudformation', namespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/' },
  '2010-03-31': { api: 'sns', namespace: 'http://sns.amazonaws.com/doc/2010-03-31/' },
};

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** A query request: its content type is a form (the JSON APIs send application/x-amz-json-1.x). */
export function isQueryRequest(headers: Readonly<Record<string, string | undefined>>): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith(FORM_CONTENT_TYPE);
}

export interface QueryRequest {
  readonly action: string;
  readonly version: string;
  /** Every other parameter as sent (flat: `Tags.member.1.Key` stays one key). */
  readonly params: Readonly<Record<string, string>>;
}

export function parseQueryBody(body: string): QueryRequest {
  const form = new URLSearchParams(body);
  const params: Record<string, string> = {};
  for (const [key, value] of form) if (key !== 'Action' && key !== 'Version') params[key] = value;
  return { action: form.get('Action') ?? '', version: form.get('Version') ?? '', params };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** One value as query-protocol XML content: objects as elements, lists as `<member>` items. */
export function toXml(value: Json): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `<${k}>${toXml(v)}</${k}>`).join('');
  }
  return escapeXml(String(value));
}

export function queryResponse(action: string, namespace: string, result: JsonObject, requestId: string): string {
  return `<${action}Response xmlns="${namespace}"><${action}Result>${toXml(result)}</${action}Result>`
    + `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryErrorResponse(namespace: string, code: string, message: string, status: number, requestId: string): string {
  const side = status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${namespace}"><Error><Type>${side}</Type><Code>${escapeXml(code)}</Code>`
    + `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/**
 * The query protocol's name for errors the JSON path raises under their JSON
 * names (the identity checks are shared): ECS says UnrecognizedClientException
 * where STS and CloudFormation say InvalidClientTokenId, and so on.
 */
export const QUERY_ERROR_CODES: Readonly<Record<string, { readonly code: string; readonly status?: number }>> = {
  UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
  ExpiredTokenException: { code: 'ExpiredToken', status: 400 },
  MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken' },
  IncompleteSignatureException: { code: 'IncompleteSignature' },
  UnknownOperationException: { code: 'InvalidAction' },
  ThrottlingException: { code: 'Throttling' },
  InvalidParameterException: { code: 'ValidationError' },
  ServerException: { code: 'InternalFailure' },
};
