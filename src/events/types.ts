/**
 * The controller's events (docs/notifications.md): every meaningful
 * transition of a service (and a prune pass) as one record with a stable
 * type, kept in a bounded ring per service (/api/v1/events, the web UI) and
 * handed to the notifiers (src/notify). Pure types and the event id.
 *
 * An event's `id` is its idempotency key: the same transition seen again (a
 * retried reconcile, a rollout observed by several passes, a restarted
 * controller observing the same ECS deployment) has the same id, and the
 * notification journal (src/notify/journal.ts) sends each id to each sink
 * once.
 */
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors/index.js';
import type { NotifierSeverity } from '../manifests/types.js';
import type { ReconcileResult } from '../observe/metrics.js';
import type { PruneStatus, ServiceStatus, StatusChange, StatusError, SyncStatus } from '../controller/status.js';

export const EVENT_TYPES = [
  'SyncStarted',
  'Applied',
  'RolloutCompleted',
  'RolloutFailed',
  'DriftDetected',
  'DriftCorrected',
  'ImageNotFound',
  'HookFailed',
  'PruneBlocked',
  'ReconcileFailing',
  'ReconcileRecovered',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type EventSeverity = NotifierSeverity;

/** How much each type matters (a notifier's selector.minSeverity filters on it). */
export const EVENT_SEVERITY: Readonly<Record<EventType, EventSeverity>> = {
  SyncStarted: 'info',
  Applied: 'info',
  RolloutCompleted: 'info',
  RolloutFailed: 'error',
  DriftDetected: 'warning',
  DriftCorrected: 'info',
  ImageNotFound: 'error',
  HookFailed: 'error',
  PruneBlocked: 'warning',
  ReconcileFailing: 'error',
  ReconcileRecovered: 'info',
};

export const SEVERITY_RANK: Readonly<Record<EventSeverity, number>> = { info: 0, warning: 1, error: 2 };

/** Why a service is OutOfSync: a commit changed what Git declares (`git`), or live was changed outside Git (`live`). */
export type DriftCause = 'git' | 'live';

export interface ControllerEvent {
  /** The idempotency key (eventId): equal for the same transition, however often it is seen. */
  readonly id: string;
  /** Position in this process's event log (monotonic; `/api/v1/events?after=`, the UI's stream). Not stable across restarts. */
  readonly seq: number;
  readonly type: EventType;
  readonly severity: EventSeverity;
  /** The service key `[account@]region/cluster/service`; absent for events about the whole controller (PruneBlocked). */
  readonly service?: string;
  readonly account?: string;
  readonly region?: string;
  readonly cluster?: string;
  /** The service's name (the key's last part). */
  readonly serviceName?: string;
  readonly environment?: string;
  /** The Git revision the event is about: for rollout events the revision ECS was given (the applied one). */
  readonly revision: string;
  /** ECS's deployment: the service deployment ARN where ECS gives one, else the deployment id (ecs-svc/…). */
  readonly deploymentId?: string;
  /** DriftDetected (and DriftCorrected): what made the service OutOfSync. */
  readonly cause?: DriftCause;
  /** The error code behind a failure event (RolloutFailed, ImageNotFound, HookFailed, ReconcileFailing). */
  readonly code?: ErrorCode;
  /** ISO time of the transition (SyncStarted: when the pass that applied began). */
  readonly at: string;
  /** One short line for people; secrets masked. */
  readonly message: string;
  /** The manifest file declaring the service, relative to the manifests root. */
  readonly source?: string;
  /** Applied only: no ECS rollout follows (a change that starts no deployment), so this ends the sync (commit statuses: success). */
  readonly final?: boolean;
}

/** An event before the log numbers it. */
export type NewEvent = Omit<ControllerEvent, 'seq' | 'id' | 'severity'> & {
  /**
   * What tells two transitions of the same type, service, revision and
   * deployment apart (a drift's fingerprint, a failure's code). Part of the id.
   */
  readonly discriminator?: string;
};

/**
 * The idempotency key: sha256 over service, revision, deployment id, type and
 * discriminator, 32 hex characters. Only facts ECS and Git give go in (never
 * a time or a counter of this process), so a restarted controller computes
 * the same id for the same transition.
 */
export function eventId(event: Pick<NewEvent, 'service' | 'revision' | 'deploymentId' | 'type' | 'discriminator'>): string {
  // A blocked prune is about the candidates, not the commit: the same block is not news again on every new revision.
  const revision = event.type === 'PruneBlocked' ? '' : event.revision;
  const parts = [event.service ?? '', revision, event.deploymentId ?? '', event.type, event.discriminator ?? ''];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** `/api/v1/events` filters; every field optional. */
export interface EventQuery {
  /** A service key (exact). */
  readonly service?: string;
  readonly types?: readonly EventType[];
  /** ISO time: events at or after it. */
  readonly since?: string;
  /** Events with seq greater than this (a stream resuming). */
  readonly after?: number;
  /** At most this many: newest first, or oldest first when `after` is given (a client catching up). @default 100, at most 1000 */
  readonly limit?: number;
}

/** Something that receives every event the log records (the notifiers; the UI's stream later). */
export type EventListener = (event: ControllerEvent) => void;

/** What one Service pass did, as the controller's record() sees it (the input of deriveServiceEvents). */
export interface ServicePassFacts {
  /** The service identity (status key). */
  readonly key: string;
  /** The snapshot revision the pass reconciled. */
  readonly revision: string;
  /** ISO times the pass began and was recorded. */
  readonly startedAt: string;
  readonly at: string;
  readonly previous: ServiceStatus | undefined;
  /** After the pass's status write; undefined when the record was removed. */
  readonly next: ServiceStatus | undefined;
  /** The sync the pass found before acting, when acting changed it. */
  readonly observedSync?: SyncStatus;
  /** ECS actions the pass performed (empty: none). */
  readonly applied: readonly string[];
  readonly result: ReconcileResult;
  readonly error?: StatusError;
  /** The pass picked up a deploy an earlier process began and did not record as applied (ServiceReconciler.resume). */
  readonly resumedDeploy?: boolean;
  /** The diff found before acting, when acting changed it (ReconcileOutcome.observedDiff): a drift corrected in one pass. */
  readonly observedDiff?: readonly StatusChange[];
}

/** A deploy under way that a restarted controller must finish announcing (src/events/open-deploys.ts). */
export interface OpenDeploy {
  readonly service: string;
  readonly revision: string;
  /** DesiredService.contentHash being applied. */
  readonly contentHash: string;
  /** ISO time the apply began. */
  readonly startedAt: string;
  /** Known once applied (Applied announced): the rollout then only needs its end. */
  readonly deploymentId?: string;
  readonly serviceDeploymentArn?: string;
  readonly taskDefinitionArn?: string;
  readonly applied: boolean;
}

/**
 * The controller's side of the events: the Service reconciler announces an
 * apply before its first write; the controller's record() hands over every
 * Service pass and every prune pass. Implemented by src/events/recorder.ts.
 */
export interface EventRecorder {
  /**
   * Called by the Service reconciler before it writes to ECS (awaited): a
   * SyncStarted for new Git content (cause git), recorded durably as an open
   * deploy, so a crash between this and the pass's end is finished after a
   * restart. Corrections of live drift are announced by the pass's record.
   */
  applyStarting(info: { readonly key: string; readonly revision: string; readonly contentHash: string; readonly cause: DriftCause; readonly at: string; readonly status: ServiceStatus | undefined }): Promise<void>;
  recordServicePass(facts: ServicePassFacts): void;
  recordPrune(prune: PruneStatus): void;
  /** Deploys an earlier process left open, for ServiceReconciler.resume at start. */
  openDeploys(): readonly OpenDeploy[];
}
