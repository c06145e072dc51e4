/**
 * Errors of a reconcile pass. A failure the queue should retry with backoff
 * reaches it as a ReconcileError carrying the catalogued code the status
 * record shows.
 */
import { isPermanentAwsCode } from '../ecs/aws-error.js';
import { GitopsError, type ErrorCode } from '../errors/index.js';

export { errorCodeOf } from '../errors/index.js';

/** A pass failed in a way worth retrying; status already says why. */
export class ReconcileError extends GitopsError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
    this.name = 'ReconcileError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failure that a retry of the same pass cannot fix (ECS rejecting the
 * request as invalid, a missing permission): the queue does not retry it with
 * backoff. `sync` fails at once instead of spending its retries, and the
 * long-running controller tries again on the next revision or resync.
 */
export function isPermanentFailure(code: string | undefined): boolean {
  return code !== undefined && isPermanentAwsCode(code);
}
