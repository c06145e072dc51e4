/**
 * nextToken pagination with ECS's page-size bounds. Tokens are opaque to
 * clients; they encode the operation and an offset into a stable,
 * creation-ordered list, and are rejected when used with another operation.
 */
import { invalidParameter } from './api-error.js';

export interface PageBounds {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

export function paginate<T>(
  operation: string,
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  bounds: PageBounds,
): Page<T> {
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < bounds.min || maxResults > bounds.max)) {
    throw invalidParameter(`maxResults must be between ${bounds.min} and ${bounds.max}.`);
  }
  const size = maxResults ?? bounds.default;
  const offset = nextToken === undefined ? 0 : decodeToken(operation, nextToken);
  const slice = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { items: slice, nextToken: encodeToken(operation, next) } : { items: slice };
}

function encodeToken(operation: string, offset: number): string {
  return Buffer.from(JSON.stringify({ op: operation, o: offset })).toString('base64url');
}

function decodeToken(operation: string, token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { op?: unknown; o?: unknown };
    if (parsed.op === operation && typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through: any undecodable token is invalid
  }
  throw invalidParameter('Invalid nextToken.');
}
