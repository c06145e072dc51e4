/**
 * Errors of a reconcile pass. A failure the queue should retry with backoff
 * reaches it as a ReconcileError carrying the catalogued code the status
 * record shows.
 */
import { GitopsError, isGitopsError, type ErrorCode } from '../errors/index.js';

/** A pass failed in a way worth retrying; status already says why. */
export class ReconcileError extends GitopsError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
    this.name = 'ReconcileError';
  }
}

/** The catalogued code an error carries, or `fallback` for anything else (a bug, a Node error). */
export function errorCodeOf(err: unknown, fallback: ErrorCode): ErrorCode {
  return isGitopsError(err) ? err.code : fallback;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
