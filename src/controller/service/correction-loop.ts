/**
 * Correction loops: the same change applied to a service on pass after pass.
 * A correction that sticks is applied once; one that comes undone before the
 * next pass means something is fighting the controller (another tool, an
 * autoscaler, a person, or a field ECS stores differently from what we
 * compare, issue 18 section 1). Re-applying it on every resync writes to ECS
 * forever while the status says Synced after each write.
 *
 * After `threshold` consecutive passes applied the same change (same manifest
 * content, same changed pointers, same kinds of action), the next pass that
 * finds that change again holds it back: the reconciler reports the service
 * OutOfSync with the diff and CONTROLLER_CORRECTION_LOOP, and the change is
 * only retried at a slow, growing interval (firstRetryMs doubling up to
 * maxRetryMs). A pass that finds the service in sync ends the loop; a
 * different change (a new commit, other fields drifting) starts a new count.
 *
 * Pure: time is an input, state is a value the reconciler keeps per key.
 */
import type { Change } from '../../diff/index.js';
import type { Action } from '../../plan/types.js';
import type { CorrectionLoopStatus } from '../status.js';

export interface CorrectionLoopPolicy {
  /** Consecutive passes applying the same change before the next one is held back. */
  readonly threshold: number;
  /** Delay before the first retry of a held change; doubled on each retry. */
  readonly firstRetryMs: number;
  /** Longest delay between two retries. */
  readonly maxRetryMs: number;
}

export const DEFAULT_CORRECTION_LOOP_POLICY: CorrectionLoopPolicy = Object.freeze({ threshold: 3, firstRetryMs: 60_000, maxRetryMs: 600_000 });

/** What one key remembers between passes. Replaced, never mutated. */
export interface CorrectionLoopState {
  /** correctionSignature of the change last applied. */
  readonly signature: string;
  /** Consecutive passes that applied it. */
  readonly corrections: number;
  /** Set once the change is held back. */
  readonly loop?: {
    readonly detectedAt: number;
    readonly retries: number;
    readonly retryAt: number;
  };
}

/**
 * What this pass does with a change it would apply:
 * - `apply`: apply it (not a loop, or not yet); `state` is what to remember once it was applied;
 * - `hold`: do not apply; report the loop and look again at `retryAt`;
 * - `retry`: apply it once more, still reporting the loop, to see whether the fight is over.
 */
export type CorrectionVerdict =
  | { readonly kind: 'apply'; readonly state: CorrectionLoopState }
  | { readonly kind: 'hold'; readonly state: CorrectionLoopState & Required<Pick<CorrectionLoopState, 'loop'>>; readonly detected: boolean }
  | { readonly kind: 'retry'; readonly state: CorrectionLoopState & Required<Pick<CorrectionLoopState, 'loop'>> };

/**
 * Identifies a change: the manifest content it applies (a new commit is a new
 * change), the JSON pointers that differ, and the kinds of action. Live values
 * are left out on purpose: a tool that sets a field to a different wrong
 * value each time is still the same fight over the same field.
 */
export function correctionSignature(contentHash: string, changes: readonly Pick<Change, 'pointer'>[], actions: readonly Pick<Action, 'kind'>[]): string {
  let signature = contentHash;
  for (const change of changes) signature += `\n${change.pointer}`;
  signature += '\n|';
  for (const action of actions) signature += ` ${action.kind}`;
  return signature;
}

function retryDelay(policy: CorrectionLoopPolicy, retries: number): number {
  // 2 ** retries grows past maxRetryMs long before it could overflow.
  return Math.min(policy.maxRetryMs, policy.firstRetryMs * 2 ** Math.min(retries, 30));
}

/** The pass would apply the change `signature`: apply, hold or retry it. */
export function judgeCorrection(state: CorrectionLoopState | undefined, signature: string, now: number, policy: CorrectionLoopPolicy = DEFAULT_CORRECTION_LOOP_POLICY): CorrectionVerdict {
  if (!state || state.signature !== signature) return { kind: 'apply', state: { signature, corrections: 1 } };
  const loop = state.loop;
  if (!loop) {
    if (state.corrections < policy.threshold) return { kind: 'apply', state: { signature, corrections: state.corrections + 1 } };
    return { kind: 'hold', detected: true, state: { ...state, loop: { detectedAt: now, retries: 0, retryAt: now + retryDelay(policy, 0) } } };
  }
  if (now < loop.retryAt) return { kind: 'hold', detected: false, state: { ...state, loop } };
  const retries = loop.retries + 1;
  return { kind: 'retry', state: { ...state, loop: { detectedAt: loop.detectedAt, retries, retryAt: now + retryDelay(policy, retries) } } };
}

/** The loop as the status record shows it. */
export function correctionLoopStatus(state: CorrectionLoopState & Required<Pick<CorrectionLoopState, 'loop'>>): CorrectionLoopStatus {
  return {
    since: new Date(state.loop.detectedAt).toISOString(),
    corrections: state.corrections,
    retries: state.loop.retries,
    nextRetryAt: new Date(state.loop.retryAt).toISOString(),
  };
}
