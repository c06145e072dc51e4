/**
 * Every error a user can see has a stable code, declared once in a domain
 * catalog (src/errors/*-codes.ts). Messages are built from the catalog so the
 * same mistake always reads the same way; the README lists every code.
 */
import type { ErrorCode } from './index.js';

export interface ErrorCodeSpec {
  /** One line: what went wrong, in the user's terms. */
  readonly title: string;
  /** What to do about it (shown in the README table). */
  readonly hint: string;
}

export type ErrorCatalog<Code extends string> = Readonly<Record<Code, ErrorCodeSpec>>;

export function defineErrorCodes<Code extends string>(catalog: Record<Code, ErrorCodeSpec>): ErrorCatalog<Code> {
  return Object.freeze(catalog);
}

/**
 * The base of every error the product raises. `code` is one of the catalogued
 * codes (ErrorCode); a subclass may narrow it to its domain, e.g.
 * `GitopsError<AwsErrorCode>`.
 */
export class GitopsError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  /** Structured context (file, flag, key...). Never put secret values here. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitopsError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isGitopsError(err: unknown): err is GitopsError {
  return err instanceof GitopsError;
}
