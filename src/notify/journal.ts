/**
 * The notification journal: what each sink was told, durable across
 * restarts, so each (event, sink) is sent once (docs/notifications.md#exactly-once).
 *
 * A file of JSON lines (`<state dir>/notifications.jsonl`), one JournalEntry
 * per line, appended by one writer: appends are serialized, and the appends
 * that arrive while a write is on its way go together in the next write and
 * fsync (a burst of events costs one sync, not one per event). record()
 * resolves once its line is on disk.
 *
 * On open the file is read and compacted: finished entries older than the
 * retention (7 days) are dropped, at most 100,000 finished ids are kept (the
 * newest), unfinished ones older than the retention are abandoned with a log
 * line, and the rest is rewritten atomically (temp file, fsync, rename). A
 * torn last line (a crash mid-write) is ignored; other unreadable lines make
 * the file "corrupt": it is moved aside, the readable entries kept, and a
 * warning logged, never a crash.
 *
 * A controller runs for months, so it compacts while running too: once more
 * lines were appended since the last compaction than the threshold
 * (compactAfterLines, and at least as many as the pairs it kept, so the
 * rewrite costs a constant per appended line), the writer drops finished pairs the
 * same way between two batches and rewrites the file. Unfinished pairs are
 * all kept while running: the dispatcher still holds them in its queues
 * (a sink misconfigured for a week), and only a restart that finds them
 * past the retention abandons them. record() is never refused meanwhile; its
 * line waits for the rewrite (milliseconds) and goes into the new file.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EVENT_TYPES, type ControllerEvent } from '../events/types.js';
import type { Logger } from '../observe/logger.js';
import type { JournalEntry, NotificationJournal, SinkId } from './types.js';
import { parseJsonObject } from '../util/json-object.js';

/** Finished entries are kept this long: an event re-observed within it is recognised. */
export const JOURNAL_RETENTION_MS = 7 * 24 * 3600_000;
/** At most this many finished (event, sink) pairs are kept. */
export const JOURNAL_MAX_FINISHED = 100_000;
/** Lines appended (records made) while running before the journal is compacted again. */
export const JOURNAL_COMPACT_AFTER_LINES = 50_000;

const STATES: ReadonlySet<string> = new Set(['queued', 'sending', 'delivered', 'given_up', 'skipped']);
const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isFinished(state: JournalEntry['state']): boolean {
  return state === 'delivered' || state === 'given_up' || state === 'skipped';
}

/** The latest state of one (event, sink), with the event kept while it is unfinished. */
interface Slot {
  entry: JournalEntry;
  /** Position of the first record: unfinished() is oldest first. */
  readonly order: number;
}

function slotKey(eventId: string, sink: SinkId): string {
  return `${eventId}\u0000${sink}`;
}

function isEvent(value: unknown): value is ControllerEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return typeof event.id === 'string' && typeof event.type === 'string' && EVENT_TYPE_SET.has(event.type)
    && typeof event.revision === 'string' && typeof event.at === 'string' && typeof event.message === 'string';
}

/** A parsed line, or undefined when it is not a journal entry. */
export function parseEntry(line: string): JournalEntry | undefined {
  const entry = parseJsonObject(line);
  if (!entry) return undefined;
  if (typeof entry.eventId !== 'string' || typeof entry.sink !== 'string' || typeof entry.at !== 'string') return undefined;
  if (typeof entry.state !== 'string' || !STATES.has(entry.state)) return undefined;
  if (entry.event !== undefined && !isEvent(entry.event)) return undefined;
  return entry as unknown as JournalEntry;
}

/** The in-memory index both journals share. */
class JournalIndex {
  readonly slots = new Map<string, Slot>();
  #order = 0;

  has(eventId: string, sink: SinkId): boolean {
    return this.slots.has(slotKey(eventId, sink));
  }

  /** Applies an entry; the event of a queued entry is kept until the pair finishes. */
  apply(entry: JournalEntry): void {
    const key = slotKey(entry.eventId, entry.sink);
    const slot = this.slots.get(key);
    if (!slot) {
      this.slots.set(key, { entry, order: this.#order++ });
      return;
    }
    const event = entry.event ?? (isFinished(entry.state) ? undefined : slot.entry.event);
    slot.entry = event === undefined ? withoutEvent(entry) : { ...entry, event };
  }

  unfinished(): JournalEntry[] {
    return [...this.slots.values()]
      .filter((slot) => !isFinished(slot.entry.state))
      .sort((a, b) => a.order - b.order)
      .map((slot) => slot.entry);
  }

  /**
   * Drops finished pairs older than `retentionMs` and beyond the newest
   * `maxFinished`; returns the unfinished pairs abandoned for age (none when
   * `keepUnfinished`: a running dispatcher still holds them).
   */
  compact(now: number, retentionMs: number, maxFinished: number, keepUnfinished = false): JournalEntry[] {
    const abandoned: JournalEntry[] = [];
    const finished: Array<[string, Slot]> = [];
    for (const [key, slot] of this.slots) {
      const age = now - Date.parse(slot.entry.at);
      if (!isFinished(slot.entry.state)) {
        if (!keepUnfinished && (age > retentionMs || slot.entry.event === undefined)) {
          abandoned.push(slot.entry);
          this.slots.delete(key);
        }
        continue;
      }
      if (!(age <= retentionMs)) this.slots.delete(key);
      else finished.push([key, slot]);
    }
    if (finished.length > maxFinished) {
      finished.sort((a, b) => Date.parse(b[1].entry.at) - Date.parse(a[1].entry.at));
      for (const [key] of finished.slice(maxFinished)) this.slots.delete(key);
    }
    return abandoned;
  }

  /** One line per pair, in first-record order: what a compacted file holds. */
  lines(): string {
    return [...this.slots.values()].sort((a, b) => a.order - b.order).map((slot) => `${JSON.stringify(slot.entry)}\n`).join('');
  }
}

function withoutEvent(entry: JournalEntry): JournalEntry {
  if (entry.event === undefined) return entry;
  const { event: _event, ...rest } = entry;
  return rest;
}

/**
 * When a running journal compacts: past the threshold, and not before as
 * many lines as the last compaction kept pairs (the rewrite's cost spread
 * over the lines that made it due).
 */
function compactionDue(linesSince: number, compactAfterLines: number, keptAtLastCompaction: number): boolean {
  return linesSince >= Math.max(compactAfterLines, keptAtLastCompaction);
}

export interface MemoryJournalOptions {
  /** @default Date.now */
  readonly now?: () => number;
  /** @default JOURNAL_RETENTION_MS */
  readonly retentionMs?: number;
  /** @default JOURNAL_MAX_FINISHED */
  readonly maxFinished?: number;
  /** @default JOURNAL_COMPACT_AFTER_LINES */
  readonly compactAfterLines?: number;
}

/** For a process without a state dir: the same rules in memory (compacted as it goes), nothing survives a restart. */
export function createMemoryJournal(options: MemoryJournalOptions = {}): NotificationJournal {
  const index = new JournalIndex();
  const now = options.now ?? Date.now;
  const compactAfterLines = options.compactAfterLines ?? JOURNAL_COMPACT_AFTER_LINES;
  let recordsSince = 0;
  let kept = 0;
  return {
    open: () => Promise.resolve(),
    has: (eventId, sink) => index.has(eventId, sink),
    record(entry) {
      index.apply(entry);
      if (compactionDue(++recordsSince, compactAfterLines, kept)) {
        recordsSince = 0;
        index.compact(now(), options.retentionMs ?? JOURNAL_RETENTION_MS, options.maxFinished ?? JOURNAL_MAX_FINISHED, true);
        kept = index.slots.size;
      }
      return Promise.resolve();
    },
    unfinished: () => index.unfinished(),
    close: () => Promise.resolve(),
  };
}

export interface FileJournalOptions {
  /** Logs a corrupt file moved aside, abandoned entries, failed writes. */
  readonly logger?: Logger;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default JOURNAL_RETENTION_MS */
  readonly retentionMs?: number;
  /** @default JOURNAL_MAX_FINISHED */
  readonly maxFinished?: number;
  /** Lines appended while running before the next compaction (at least the pairs kept). @default JOURNAL_COMPACT_AFTER_LINES */
  readonly compactAfterLines?: number;
}

interface PendingWrite {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Syncs a directory so a rename in it survives a power loss (not possible on every platform: best effort). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory; the rename is still atomic.
  }
}

export function createFileJournal(file: string, options: FileJournalOptions = {}): NotificationJournal {
  const now = options.now ?? Date.now;
  const retentionMs = options.retentionMs ?? JOURNAL_RETENTION_MS;
  const maxFinished = options.maxFinished ?? JOURNAL_MAX_FINISHED;
  const compactAfterLines = options.compactAfterLines ?? JOURNAL_COMPACT_AFTER_LINES;
  const log = options.logger?.child({ component: 'notify-journal' });
  const index = new JournalIndex();
  let handle: FileHandle | undefined;
  let opened = false;
  let closed = false;
  let pending: PendingWrite[] = [];
  let flushing: Promise<void> | undefined;
  /** Lines appended since the file was last rewritten, and the pairs that rewrite kept. */
  let linesSince = 0;
  let keptAtLastCompaction = 0;

  async function load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const lines = text.split('\n');
    // The text after the last newline is a line a crash cut short (or '' when the file ends cleanly).
    const torn = lines.pop() ?? '';
    let bad = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      const entry = parseEntry(line);
      if (entry) index.apply(entry);
      else bad++;
    }
    if (torn.trim() !== '') {
      // A torn line can still be whole JSON if only the newline was lost.
      const entry = parseEntry(torn);
      if (entry) index.apply(entry);
      else log?.info({ file }, 'notification journal: ignored a last line cut short by a crash');
    }
    if (bad > 0) {
      const aside = `${file}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
      await rename(file, aside);
      log?.warn(
        { code: 'NOTIFY_JOURNAL_CORRUPT', file, movedTo: aside, unreadableLines: bad, keptEntries: index.slots.size },
        'notification journal had unreadable lines: moved aside, readable entries kept',
      );
    }
  }

  async function rewrite(): Promise<void> {
    const temp = `${file}.tmp-${process.pid}`;
    await writeFile(temp, index.lines(), { flush: true });
    await rename(temp, file);
    syncDirectory(path.dirname(file));
  }

  /**
   * Compaction while running, by the writer between two batches (so no append
   * interleaves). The index may already hold records still waiting in
   * `pending`: the new file then has their pair's latest state, and the lines
   * appended after it repeat states that end in that same one.
   */
  async function compactRunning(): Promise<void> {
    linesSince = 0;
    const before = index.slots.size;
    index.compact(now(), retentionMs, maxFinished, true);
    keptAtLastCompaction = index.slots.size;
    const old = handle;
    handle = undefined;
    try {
      await old?.close();
      await rewrite();
      log?.debug({ file, pairsBefore: before, pairsKept: index.slots.size }, 'notification journal compacted');
    } catch (err) {
      // The old file is still whole (the rename is atomic): appends go on there, and the next threshold tries again.
      log?.error({ code: 'NOTIFY_JOURNAL_WRITE_FAILED', file, err: String(err) }, 'notification journal: compaction failed');
      await rm(`${file}.tmp-${process.pid}`, { force: true }).catch(() => undefined);
    } finally {
      handle = await open(file, 'a');
    }
  }

  /** Writes what is pending, batch after batch, until nothing is; `flushing` is cleared in the same turn the loop finds nothing left. */
  function startFlush(): void {
    if (flushing) return;
    flushing = (async () => {
      try {
        while (pending.length > 0) {
          const batch = pending;
          pending = [];
          try {
            if (!handle) throw new Error('notification journal is not open');
            await handle.write(batch.map((write) => write.line).join(''));
            await handle.datasync();
            for (const write of batch) write.resolve();
          } catch (err) {
            log?.error({ code: 'NOTIFY_JOURNAL_WRITE_FAILED', file, err: String(err) }, 'notification journal: write failed');
            for (const write of batch) write.reject(err);
          }
          linesSince += batch.length;
          if (compactionDue(linesSince, compactAfterLines, keptAtLastCompaction)) {
            try {
              await compactRunning();
            } catch (err) {
              log?.error({ code: 'NOTIFY_JOURNAL_WRITE_FAILED', file, err: String(err) }, 'notification journal: cannot reopen the file after compaction');
            }
          }
        }
      } finally {
        flushing = undefined;
      }
    })();
  }

  return {
    async open() {
      if (opened) return;
      await mkdir(path.dirname(file), { recursive: true });
      await load();
      const abandoned = index.compact(now(), retentionMs, maxFinished);
      for (const entry of abandoned) {
        log?.warn({ sink: entry.sink, eventId: entry.eventId, state: entry.state, at: entry.at }, 'notification journal: an unfinished delivery older than the retention was abandoned');
      }
      await rewrite();
      keptAtLastCompaction = index.slots.size;
      handle = await open(file, 'a');
      opened = true;
    },
    has: (eventId, sink) => index.has(eventId, sink),
    record(entry) {
      // The index changes now, so has() answers at once; the promise waits for the disk.
      index.apply(entry);
      if (closed) return Promise.reject(new Error('notification journal is closed'));
      return new Promise<void>((resolve, reject) => {
        pending.push({ line: `${JSON.stringify(entry)}\n`, resolve, reject });
        startFlush();
      });
    },
    unfinished: () => index.unfinished(),
    async close() {
      closed = true;
      while (flushing) await flushing;
      await handle?.close();
      handle = undefined;
    },
  };
}
