/**
 * The one table of event messages (docs/controller.md, "Events"): every
 * human line an event carries is built here, so the wording is stable (the
 * notification tests assert it word for word) and reviewed in one place.
 * Messages are one line, short, and never carry a secret: error text comes
 * from status (masked on the way in) and is masked once more here.
 */
import { secretTextScrubber } from '../observe/secret-scrub.js';
import type { RolloutResultStatus, StatusChange } from '../controller/status.js';
import type { DriftCause } from './types.js';

/** Longest message; a longer one (an AWS error quoted whole) is cut with an ellipsis. */
export const MAX_MESSAGE_LENGTH = 300;
/** Fields of a diff named in a drift message before "+N more". */
const MAX_FIELDS_SHOWN = 3;

const scrubText = secretTextScrubber();

/** A Git sha shortened to 7 characters (as Git shows it); anything else (`unversioned`) as is. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 7) : revision;
}

/** `/spec/desiredCount, /spec/taskDefinition/cpu (+2 more)`. */
export function fieldList(diff: readonly Pick<StatusChange, 'pointer'>[]): string {
  const pointers = [...new Set(diff.map((c) => (c.pointer === '' ? '(whole service)' : c.pointer)))];
  if (pointers.length === 0) return 'no field named';
  const shown = pointers.slice(0, MAX_FIELDS_SHOWN).join(', ');
  return pointers.length > MAX_FIELDS_SHOWN ? `${shown} (+${pointers.length - MAX_FIELDS_SHOWN} more)` : shown;
}

/** One line, masked, bounded. */
export function oneLine(text: string): string {
  const flat = scrubText(text).replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE_LENGTH ? `${flat.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : flat;
}

type FailedResult = Exclude<RolloutResultStatus, 'completed' | 'superseded'>;

const FAILED_VERB: Readonly<Record<FailedResult, string>> = { failed: 'failed', rolled_back: 'rolled back', timed_out: 'timed out' };

/**
 * The message formats. `svc` is `cluster/service`, `rev` the short revision.
 * Keep in step with the table in docs/controller.md ("Event messages").
 */
export const EVENT_MESSAGES = {
  SyncStarted: (svc: string, rev: string) => `Applying ${rev} to ${svc}`,
  AppliedWithRollout: (svc: string, rev: string) => `Applied ${rev} to ${svc}; rollout started`,
  AppliedFinal: (svc: string, rev: string) => `Applied ${rev} to ${svc}; no rollout needed`,
  RolloutCompleted: (svc: string, rev: string) => `Rollout of ${rev} to ${svc} completed`,
  // ECS's reason often starts with the verb already ("rolled back: the circuit breaker…"): said once.
  RolloutFailed: (svc: string, rev: string, result: FailedResult, reason: string) =>
    `Rollout of ${rev} to ${svc} ${FAILED_VERB[result]}: ${reason.replace(/^(rolled back|rolling back|failed|timed out):\s*/i, '')}`,
  DriftDetected: (svc: string, rev: string, cause: DriftCause, fields: string) => (cause === 'live'
    ? `${svc} was changed outside Git: ${fields}`
    : `${svc} differs from Git at ${rev}: ${fields}`),
  DriftCorrected: (svc: string, fields: string) => `${svc} corrected back to Git: ${fields}`,
  ImageNotFound: (svc: string, rev: string, message: string) => `Image not found for ${svc} at ${rev}: ${message}`,
  HookFailed: (svc: string, rev: string, phase: string, hooks: string) => `Deploy hook ${hooks} of ${svc} failed (${phase}) at ${rev}`,
  PruneBlocked: (reason: string, message: string) => `Prune blocked (${reason}): ${message}`,
  ReconcileFailing: (svc: string, passes: number, code: string, message: string) => `${svc} failed ${passes} passes in a row: ${code}: ${message}`,
  ReconcileRecovered: (svc: string, code: string) => `${svc} reconciles again (was failing with ${code})`,
} as const;
