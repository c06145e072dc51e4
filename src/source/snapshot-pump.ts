/**
 * Runs snapshot reads one at a time and delivers their results in order. A
 * request made while a read is in flight does not queue a second read per
 * request: all requests made meanwhile share the one read that starts when
 * the current one ends. Because each read starts after the previous finished
 * and looks at the checkout as it is *then*, revisions are delivered in the
 * order they were observed (never older after newer), and revisions that came
 * and went while a read was busy are skipped, not replayed. A read that finds
 * nothing new (same revision, same content) delivers nothing.
 */
import { GitopsError, isGitopsError } from '../errors/define.js';
import { changedKeys } from './changed-keys.js';
import type { RevisionedSnapshot } from './consistent-snapshot.js';
import type { SnapshotChanges, SnapshotListener, SourceErrorListener, SourceLogger } from './manifest-source.js';
import { snapshotContentHash } from './revision.js';

export type ReadOutcome =
  | { readonly ok: true; readonly delivered: boolean; readonly snapshot: RevisionedSnapshot | undefined }
  | { readonly ok: false; readonly error: GitopsError };

export interface SnapshotPumpOptions {
  /** Takes one snapshot; undefined means "nothing new to read" (e.g. a fetch found the same commit). */
  readonly read: (signal: AbortSignal) => Promise<RevisionedSnapshot | undefined>;
  readonly logger: SourceLogger;
  readonly onError?: SourceErrorListener;
  /** Called after each delivery (e.g. to clean up worktrees older than the delivered one). */
  readonly afterDeliver?: (snapshot: RevisionedSnapshot) => void | Promise<void>;
}

interface Waiter {
  readonly resolve: (outcome: ReadOutcome) => void;
}

function toGitopsError(error: unknown): GitopsError {
  if (isGitopsError(error)) return error;
  return new GitopsError('SOURCE_LOAD_FAILED', `reading manifests failed: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
}

export class SnapshotPump {
  readonly #options: SnapshotPumpOptions;
  readonly #abort = new AbortController();
  #listener: SnapshotListener | undefined;
  #current: RevisionedSnapshot | undefined;
  #currentContent: string | undefined;
  #waiters: Waiter[] = [];
  #loop: Promise<void> | undefined;
  /** Cleared in the same synchronous step that finds no waiter left, so no request can fall in between. */
  #running = false;
  #closed = false;

  constructor(options: SnapshotPumpOptions) {
    this.#options = options;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  current(): RevisionedSnapshot | undefined {
    return this.#current;
  }

  listen(listener: SnapshotListener): void {
    this.#listener = listener;
  }

  /** Asks for a read; fire and forget (failures go to onError and the log). */
  request(): void {
    void this.read();
  }

  /** Asks for a read and resolves with the outcome of the read that serves this request. Never rejects. */
  read(): Promise<ReadOutcome> {
    if (this.#closed) {
      return Promise.resolve({ ok: false, error: new GitopsError('SOURCE_LOAD_FAILED', 'the source is closed') });
    }
    const outcome = new Promise<ReadOutcome>((resolve) => this.#waiters.push({ resolve }));
    if (!this.#running) {
      this.#running = true;
      this.#loop = this.#run();
    }
    return outcome;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort(new Error('source closed'));
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#waiters.length > 0 && !this.#closed) {
      const served = this.#waiters;
      this.#waiters = [];
      const outcome = await this.#readOnce().catch((error: unknown): ReadOutcome => ({ ok: false, error: toGitopsError(error) }));
      for (const waiter of served) waiter.resolve(outcome);
    }
    const closedOutcome: ReadOutcome = { ok: false, error: new GitopsError('SOURCE_LOAD_FAILED', 'the source is closed') };
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(closedOutcome);
    this.#running = false;
  }

  async #readOnce(): Promise<ReadOutcome> {
    const { read, logger, onError } = this.#options;
    let snapshot: RevisionedSnapshot | undefined;
    try {
      snapshot = await read(this.#abort.signal);
    } catch (error) {
      const failure = toGitopsError(error);
      if (this.#abort.signal.aborted) return { ok: false, error: failure };
      logger.warn({ code: failure.code, err: failure.message, revision: this.#current?.revision }, 'manifest snapshot not taken; keeping the last good one');
      try {
        onError?.(failure);
      } catch (listenerError) {
        logger.error({ err: String(listenerError) }, 'source error listener threw');
      }
      return { ok: false, error: failure };
    }
    if (snapshot === undefined || this.#abort.signal.aborted) return { ok: true, delivered: false, snapshot: this.#current };

    const content = snapshotContentHash(snapshot);
    if (this.#current?.revision === snapshot.revision && this.#currentContent === content) {
      return { ok: true, delivered: false, snapshot: this.#current };
    }
    const changes: SnapshotChanges = changedKeys(this.#current, snapshot);
    const previousRevision = this.#current?.revision;
    this.#current = snapshot;
    this.#currentContent = content;
    logger.info(
      {
        revision: snapshot.revision,
        previousRevision,
        services: snapshot.services.length,
        problems: snapshot.problems.length,
        changed: changes.changed.length,
        added: changes.added.length,
        removed: changes.removed.length,
      },
      'new manifest snapshot',
    );
    // Warnings block nothing, so a running controller says them once per new snapshot.
    for (const warning of snapshot.warnings ?? []) {
      logger.warn({ file: warning.file, line: warning.line, column: warning.column, code: warning.code, revision: snapshot.revision }, warning.message);
    }
    try {
      this.#listener?.(snapshot, changes);
    } catch (error) {
      logger.error({ err: String(error), revision: snapshot.revision }, 'snapshot listener threw');
    }
    try {
      await this.#options.afterDeliver?.(snapshot);
    } catch (error) {
      logger.warn({ err: String(error) }, 'post-delivery cleanup failed');
    }
    return { ok: true, delivered: true, snapshot };
  }
}
