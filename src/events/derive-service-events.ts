/**
 * Which events one Service pass makes (docs/controller.md, "Events"): pure,
 * read off the status transition (previous -> next) and the pass's facts,
 * plus a small per-service memory (consecutive failures, the failing spell
 * announced, the drift announced). No IO and no clock: the same facts give
 * the same events with the same ids, so a retried pass, a rollout seen by
 * several passes, or a restarted controller looking at the same ECS
 * deployment say nothing new (the event log and the notification journal
 * drop an id they already have).
 *
 * SyncStarted is not derived here: the recorder emits it before the apply
 * (recorder.ts applyStarting).
 */
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors/index.js';
import { parseKey } from '../keys/index.js';
import type { RolloutStatus, ServiceStatus, StatusChange } from '../controller/status.js';
import { EVENT_MESSAGES, fieldList, oneLine, shortRevision } from './event-messages.js';
import { eventId, type DriftCause, type NewEvent, type ServicePassFacts } from './types.js';

const FAILED_RESULTS: ReadonlySet<string> = new Set(['failed', 'rolled_back', 'timed_out']);

/** Consecutive error passes before ReconcileFailing. */
export const DEFAULT_FAILING_AFTER = 3;

/** What the recorder keeps per service between passes; replaced, never mutated. */
export interface ServiceEventMemory {
  /** Passes in a row whose result was `error`. */
  readonly consecutiveErrors: number;
  /** The ReconcileFailing announced for the current failing spell (its id is ReconcileRecovered's discriminator). */
  readonly failing?: { readonly id: string; readonly code: ErrorCode };
  /** The drift last announced (DriftDetected) and not yet seen gone. */
  readonly drift?: { readonly fingerprint: string; readonly cause: DriftCause };
  /**
   * Drifts announced for the service so far (kept across corrections, and across restarts in the state dir): part of
   * a DriftDetected's id, so the same drift recurring on the same revision after it was corrected (someone scales the
   * service down by hand every Friday) is announced each time, while one drift seen again is not.
   */
  readonly drifts?: number;
  /** Failing spells announced so far (kept like `drifts`): part of ReconcileFailing's id, so a second spell with the same code on one revision is announced too. */
  readonly spells?: number;
}

export const EMPTY_SERVICE_EVENT_MEMORY: ServiceEventMemory = Object.freeze({ consecutiveErrors: 0 });

export interface DeriveOptions {
  /** Consecutive error passes before ReconcileFailing. @default 3 */
  readonly failingAfter?: number;
}

export interface DerivedEvents {
  readonly events: readonly NewEvent[];
  readonly memory: ServiceEventMemory;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * A drift's fingerprint: its fields and their live values (masked as in
 * status). Only what ECS shows goes in, so the same drift seen again (next
 * pass, after a restart) has the same fingerprint. Without a diff (a drift
 * corrected in one pass whose reconciler did not hand over the diff it
 * found) the actions that corrected it stand in.
 */
export function driftFingerprint(diff: readonly StatusChange[], applied: readonly string[]): string {
  if (diff.length === 0) return shortHash(`actions:${[...applied].sort().join(',')}`);
  const entries = diff.map((c) => [c.pointer, c.live === undefined ? null : c.live] as const).sort((a, b) => a[0].localeCompare(b[0]));
  return shortHash(JSON.stringify(entries));
}

type ServiceFields = Pick<NewEvent, 'service' | 'account' | 'region' | 'cluster' | 'serviceName' | 'environment' | 'source'>;

/**
 * An event's service fields, from the record, else from the key itself (a
 * pass that left no record), and the `cluster/service` label messages use.
 */
export function eventServiceFields(key: string, record: ServiceStatus | undefined): ServiceFields & { readonly label: string } {
  if (record) {
    return {
      service: key, region: record.region, cluster: record.cluster, serviceName: record.service, label: `${record.cluster}/${record.service}`,
      ...(record.account !== undefined ? { account: record.account } : {}),
      ...(record.environment !== undefined ? { environment: record.environment } : {}),
      ...(record.source !== undefined ? { source: record.source } : {}),
    };
  }
  try {
    const parsed = parseKey(key);
    if (parsed.kind === 'Service') {
      return {
        service: key, region: parsed.region, cluster: parsed.cluster, serviceName: parsed.name, label: `${parsed.cluster}/${parsed.name}`,
        ...(parsed.account !== undefined ? { account: parsed.account } : {}),
      };
    }
  } catch {
    // Not a service key: the key itself names it.
  }
  return { service: key, label: key };
}

function serviceFields(facts: ServicePassFacts): ReturnType<typeof eventServiceFields> {
  return eventServiceFields(facts.key, facts.next ?? facts.previous);
}

/** Two rollout records describe the same ECS rollout. */
function sameRollout(a: RolloutStatus | undefined, b: RolloutStatus): boolean {
  if (!a) return false;
  if (a.serviceDeploymentArn !== undefined || b.serviceDeploymentArn !== undefined) return a.serviceDeploymentArn === b.serviceDeploymentArn;
  if (a.deploymentId !== undefined && b.deploymentId !== undefined) return a.deploymentId === b.deploymentId;
  return a.startedAt === b.startedAt;
}

function rolloutDeploymentId(rollout: RolloutStatus): string | undefined {
  return rollout.serviceDeploymentArn ?? rollout.deploymentId;
}

/** A rollout this pass started (an apply's new status.rollout, not yet ended). */
function newRolloutOf(previous: ServiceStatus | undefined, next: ServiceStatus): RolloutStatus | undefined {
  const rollout = next.rollout;
  if (!rollout || rollout === previous?.rollout || rollout.result !== undefined) return undefined;
  return rollout;
}

/** The Applied of a pass that wrote new Git content (or resumed a deploy an earlier process began). */
function appliedEvent(facts: ServicePassFacts, next: ServiceStatus, base: ReturnType<typeof serviceFields>): NewEvent | undefined {
  const isGit = next.driftCause !== 'live';
  if (!((facts.applied.length > 0 && isGit) || facts.resumedDeploy === true)) return undefined;
  // A resumed deploy's rollout may have ended while the controller was down: it is still the deploy's rollout, and
  // the apply was not final (its RolloutCompleted or RolloutFailed comes in the same pass).
  const rollout = facts.resumedDeploy === true ? next.rollout : newRolloutOf(facts.previous, next);
  const revision = rollout?.revision ?? facts.revision;
  const deploymentId = rollout ? rolloutDeploymentId(rollout) : undefined;
  const { label, ...fields } = base;
  return {
    ...fields, type: 'Applied', revision, at: facts.at,
    ...(deploymentId !== undefined ? { deploymentId } : {}),
    // With no deployment named, the task definition applied tells two applies of one revision apart (a follow-tag
    // redeploy). With one, the deployment alone is the apply: a resumed pass (whose live task definition may already
    // be the rolled-back one) computes the same id as the process that applied.
    ...(deploymentId === undefined && next.liveTaskDefinition !== undefined ? { discriminator: next.liveTaskDefinition } : {}),
    ...(rollout ? {} : { final: true }),
    message: oneLine(rollout ? EVENT_MESSAGES.AppliedWithRollout(label, shortRevision(revision)) : EVENT_MESSAGES.AppliedFinal(label, shortRevision(revision))),
  };
}

/** RolloutCompleted or RolloutFailed when this pass saw the followed rollout end (only on ECS's own verdict). */
function rolloutEndEvent(facts: ServicePassFacts, next: ServiceStatus, base: ReturnType<typeof serviceFields>): NewEvent | undefined {
  const rollout = next.rollout;
  if (!rollout?.result || rollout.result === 'superseded') return undefined;
  if (rollout === facts.previous?.rollout) return undefined;
  const before = facts.previous?.rollout;
  if (before?.result !== undefined && sameRollout(before, rollout)) return undefined;
  const revision = rollout.revision ?? facts.revision;
  const deploymentId = rolloutDeploymentId(rollout);
  const { label, ...fields } = base;
  const common = { ...fields, revision, at: rollout.finishedAt ?? facts.at, ...(deploymentId !== undefined ? { deploymentId } : {}) };
  if (rollout.result === 'completed') {
    return { ...common, type: 'RolloutCompleted', message: oneLine(EVENT_MESSAGES.RolloutCompleted(label, shortRevision(revision))) };
  }
  const code: ErrorCode = next.lastError?.code ?? (rollout.result === 'timed_out' ? 'CONTROLLER_ROLLOUT_TIMED_OUT' : 'CONTROLLER_ROLLOUT_FAILED');
  const reason = rollout.reason ?? next.lastError?.message ?? 'no reason given';
  return {
    ...common, type: 'RolloutFailed', code, discriminator: rollout.result,
    message: oneLine(EVENT_MESSAGES.RolloutFailed(label, shortRevision(revision), rollout.result, reason)),
  };
}

/**
 * Derives the events of one Service pass. `memory` is what the previous call
 * for this service returned (EMPTY_SERVICE_EVENT_MEMORY at first).
 */
export function deriveServiceEvents(facts: ServicePassFacts, memory: ServiceEventMemory, options: DeriveOptions = {}): DerivedEvents {
  const failingAfter = options.failingAfter ?? DEFAULT_FAILING_AFTER;
  const { previous, next } = facts;
  const base = serviceFields(facts);
  const { label, ...fields } = base;
  const events: NewEvent[] = [];
  let after: ServiceEventMemory = memory;

  if (next) {
    const applied = appliedEvent(facts, next, base);
    if (applied) events.push(applied);
    const ended = rolloutEndEvent(facts, next, base);
    if (ended) events.push(ended);

    // Drift: announced once per fingerprint while it lasts; a live drift seen gone is DriftCorrected.
    const outOfSync = next.sync === 'OutOfSync' || facts.observedSync === 'OutOfSync';
    const cause: DriftCause = next.driftCause ?? 'git';
    // After a failed rollout ECS runs the old revision and the content is held: that difference is the rollback
    // RolloutFailed announced, not a drift of its own. It is remembered as announced (cause git: no DriftCorrected
    // when a fix is applied), so a different drift while the content is held (a console scale-down) still is one.
    const heldAfterFailedRollout = next.rollout?.result !== undefined && FAILED_RESULTS.has(next.rollout.result);
    // A commit in auto mode is announced by its SyncStarted and Applied (or, if its apply keeps failing, by
    // ReconcileFailing): a pass that finds it OutOfSync before or while applying it (a preDeploy hook running) is not
    // news. Only detect mode, where nothing applies it, announces a commit as drift.
    const gitDriftApplied = cause === 'git' && (facts.applied.length > 0 || next.mode !== 'detect');
    if (outOfSync && !gitDriftApplied) {
      const diff = facts.observedDiff ?? (next.sync === 'OutOfSync' ? next.diff : previous?.sync === 'OutOfSync' ? previous.diff : []);
      const fingerprint = driftFingerprint(diff, facts.applied);
      if (heldAfterFailedRollout && (ended !== undefined || after.drift === undefined)) {
        after = { ...after, drift: { fingerprint, cause: 'git' } };
      } else if (after.drift?.fingerprint !== fingerprint) {
        const drifts = (after.drifts ?? 0) + 1;
        events.push({
          ...fields, type: 'DriftDetected', revision: facts.revision, at: facts.at, cause, discriminator: `${fingerprint}:${drifts}`,
          message: oneLine(EVENT_MESSAGES.DriftDetected(label, shortRevision(facts.revision), cause, fieldList(diff))),
        });
        after = { ...after, drift: { fingerprint: `${fingerprint}`, cause }, drifts };
      }
    }
    if (next.sync === 'Synced' && after.drift) {
      if (after.drift.cause === 'live') {
        const diff = facts.observedDiff ?? (previous?.sync === 'OutOfSync' ? previous.diff : []);
        events.push({
          ...fields, type: 'DriftCorrected', revision: facts.revision, at: facts.at, cause: 'live', discriminator: `${after.drift.fingerprint}:${after.drifts ?? 0}`,
          message: oneLine(EVENT_MESSAGES.DriftCorrected(label, fieldList(diff))),
        });
      }
      // A Git-caused drift that is gone was applied (Applied says so) or reverted in Git: nothing more to say.
      const { drift: _gone, ...rest } = after;
      after = rest;
    }

    const error = next.lastError;
    if (error?.code === 'CONTROLLER_IMAGE_NOT_FOUND' && !(previous?.lastError?.code === error.code && previous.lastError.message === error.message)) {
      events.push({
        ...fields, type: 'ImageNotFound', revision: facts.revision, at: facts.at, code: error.code, discriminator: shortHash(error.message),
        message: oneLine(EVENT_MESSAGES.ImageNotFound(label, shortRevision(facts.revision), error.message)),
      });
    }

    const hooks = next.hooks;
    if (hooks?.state === 'failed' && !(previous?.hooks?.state === 'failed' && previous.hooks.contentHash === hooks.contentHash)) {
      const failed = hooks.hooks.filter((h) => h.state === 'failed' || h.state === 'timed_out').map((h) => h.name);
      events.push({
        ...fields, type: 'HookFailed', revision: facts.revision, at: facts.at, code: 'CONTROLLER_HOOK_FAILED', discriminator: hooks.contentHash,
        message: oneLine(EVENT_MESSAGES.HookFailed(label, shortRevision(facts.revision), hooks.phase, failed.length > 0 ? failed.join(', ') : '(unnamed)')),
      });
    }
  }

  // Failing spells: announced once after N error passes in a row; the first pass without an error ends it.
  if (facts.result === 'error') {
    after = { ...after, consecutiveErrors: after.consecutiveErrors + 1 };
    if (after.consecutiveErrors >= failingAfter && !after.failing) {
      const error = facts.error ?? next?.lastError;
      const code: ErrorCode = error?.code ?? 'CONTROLLER_APPLY_FAILED';
      const spells = (after.spells ?? 0) + 1;
      const event: NewEvent = {
        ...fields, type: 'ReconcileFailing', revision: facts.revision, at: facts.at, code, discriminator: `${code}:${spells}`,
        message: oneLine(EVENT_MESSAGES.ReconcileFailing(label, after.consecutiveErrors, code, error?.message ?? 'no message')),
      };
      events.push(event);
      after = { ...after, failing: { id: eventId(event), code }, spells };
    }
  } else {
    if (after.failing) {
      events.push({
        ...fields, type: 'ReconcileRecovered', revision: facts.revision, at: facts.at, discriminator: after.failing.id,
        message: oneLine(EVENT_MESSAGES.ReconcileRecovered(label, after.failing.code)),
      });
    }
    if (after.consecutiveErrors !== 0 || after.failing) {
      const { failing: _over, ...rest } = after;
      after = { ...rest, consecutiveErrors: 0 };
    }
  }
  return { events, memory: after };
}
