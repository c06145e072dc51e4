/**
 * Notifications (docs/notifications.md): the contracts between the event log
 * (src/events), the dispatcher that fans events out to the sinks of every
 * `kind: Notifier`, the journal that makes delivery exactly once per (event,
 * sink) across restarts, and the sinks themselves (Slack, webhook, SNS,
 * GitHub and GitLab commit statuses).
 */
import type { ControllerEvent } from '../events/types.js';
import type { ErrorCode } from '../errors/index.js';
import type { DesiredNotifier } from '../manifests/types.js';

/** `notifier-name/sink-name`: how a sink is named in status, metrics, logs and the journal. */
export type SinkId = string;

/**
 * What one delivery attempt came to. `retry`: a 5xx, a 429 (afterMs from
 * Retry-After), a reset or a timeout: tried again with backoff within the
 * bound. `rejected`: a 4xx other than 408/429 (bad token, unknown repository):
 * not retried; the event is given up for that sink, with a metric and a log line.
 */
export type DeliveryResult =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly reason: string; readonly afterMs?: number }
  | { readonly kind: 'rejected'; readonly reason: string }
  /** The sink has nothing to say about this event (a commit-status sink and DriftDetected): counts as done. */
  | { readonly kind: 'skipped'; /** Why, when it is worth a log line (a revision that is not a commit). */ readonly reason?: string };

/**
 * One destination. Implementations hold their resolved secrets and never
 * put them in a reason, a log line or an error.
 */
export interface Sink {
  readonly id: SinkId;
  readonly type: 'slack' | 'webhook' | 'sns' | 'github' | 'gitlab';
  /** One attempt; must not throw (a thrown error is treated as `retry`). */
  deliver(event: ControllerEvent, signal: AbortSignal): Promise<DeliveryResult>;
  /**
   * Optional: asks the destination whether it already shows this event (a
   * commit status with this context, state and description), so a delivery
   * whose outcome a crash left unknown is not repeated.
   */
  alreadyDelivered?(event: ControllerEvent, signal: AbortSignal): Promise<boolean>;
}

/** A journal record: one (event, sink) pair and how far it got. */
export interface JournalEntry {
  readonly eventId: string;
  readonly sink: SinkId;
  /** `queued`: accepted, not yet sent; `sending`: an attempt began (outcome unknown after a crash); then the end state. */
  readonly state: 'queued' | 'sending' | 'delivered' | 'given_up' | 'skipped';
  /** The event itself while not finished, so a restarted controller sends it. */
  readonly event?: ControllerEvent;
  readonly at: string;
}

/**
 * Durable memory of what each sink was told. Appends are fsync'd before the
 * dispatcher acts on them; the file is compacted on open and, while running,
 * every so many appended lines (finished entries older than the retention
 * or beyond the bound dropped; unfinished ones kept while running).
 */
export interface NotificationJournal {
  /** Loaded from disk (or empty). */
  open(): Promise<void>;
  /** Whether (eventId, sink) was already accepted: queued, sent or given up. */
  has(eventId: string, sink: SinkId): boolean;
  /** Records a state; resolves once it is on disk. */
  record(entry: JournalEntry): Promise<void>;
  /** Entries not finished (queued or sending), oldest first: re-sent after a restart. */
  unfinished(): readonly JournalEntry[];
  close(): Promise<void>;
}

/** Per-sink view for /api/v1/status (`notifiers`). */
export interface SinkStatus {
  readonly id: SinkId;
  readonly type: Sink['type'];
  /** Events waiting (queued or being retried). */
  readonly pending: number;
  readonly delivered: number;
  readonly givenUp: number;
  readonly lastDeliveredAt?: string;
  /** Why the sink cannot be used (secret file missing, bad URL) or the last give-up; masked. */
  readonly lastError?: { readonly code: ErrorCode; readonly message: string; readonly at: string };
}

export interface NotifierStatus {
  /** `notifier:<name>` */
  readonly key: string;
  readonly name: string;
  readonly source?: string;
  readonly sinks: readonly SinkStatus[];
}

/** What a sink factory gets besides its spec and secrets (src/notify/sinks/index.ts createSink). */
export interface SinkDeps {
  /** Per attempt. @default 10000 */
  readonly timeoutMs: number;
  /** SNS Publish for a topic's Region (the controller's credentials; the sandbox's endpoint under `start`). */
  readonly publishToSns?: (region: string, input: SnsPublishInput, signal: AbortSignal) => Promise<void>;
  /** The controller's own URL for links (`--external-url`), when known. */
  readonly externalUrl?: string;
}

/** The subset of SNS Publish the sink uses (an adapter over @aws-sdk/client-sns, src/notify/sns-publisher.ts). */
export interface SnsPublishInput {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** FIFO topics only. */
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

/** The secrets a sink's spec names, read from their files or environment variables (src/notify/secrets.ts). */
export interface SinkSecrets {
  readonly url?: string;
  readonly hmacKey?: string;
  readonly token?: string;
}

/**
 * Fans events out to the sinks of every `kind: Notifier` (src/notify/dispatcher.ts
 * createDispatcher). Delivery is off the reconcile path: publish() only
 * queues; each sink has its own FIFO queue, rate limit and retries.
 */
export interface NotificationDispatcher {
  /** The notifiers of a new snapshot (replaces the set; a sink whose spec and secrets are unchanged keeps its queue). */
  configure(notifiers: readonly DesiredNotifier[]): void;
  /** Hands an event over; never blocks, never throws. Each matching sink gets it once (journal), in order. */
  publish(event: ControllerEvent): void;
  status(): readonly NotifierStatus[];
  /** Opens the journal and resends what an earlier process left unfinished. */
  start(): Promise<void>;
  /** Lets in-flight attempts finish for graceMs, then stops; unfinished entries stay journaled for the next start. */
  close(options?: { readonly graceMs?: number }): Promise<void>;
  /** Resolves once nothing is queued or being retried (tests, one-shot use). */
  idle(): Promise<void>;
  /**
   * Resolves once every event published so far is journaled: its `queued`
   * record on disk for each sink that takes it (delivery itself is not
   * awaited). Whoever records elsewhere that an event was announced (the
   * recorder's open deploys) awaits this first, so a crash in between cannot
   * lose the event. Resolved at once when nothing is being written; events
   * published before start() are waited for until start() journals them (or
   * close() drops them). Never rejects: a failed journal write is logged and
   * counts as done.
   */
  flushed(): Promise<void>;
}

/** Retry and give-up bounds of a sink's deliveries. */
export interface RetryPolicy {
  /** @default 1000 */
  readonly baseMs: number;
  /** @default 60000 */
  readonly maxMs: number;
  /** Attempts before giving up. @default 12 */
  readonly maxAttempts: number;
}
