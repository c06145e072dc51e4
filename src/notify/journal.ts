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
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EVENT_TYPES, type ControllerEvent } from '../events/types.js';
import type { Logger } from '../observe/logger.js';
import type { JournalEntry, NotificationJournal, SinkId } from './types.js';

/** Finished entries are kept this long: an event re-observed within it is recognised. */
export const JOURNAL_RETENTION_MS = 7 * 24 * 3600_000;
/** At most this many finished (event, sink) pairs are kept. */
export const JOURNAL_MAX_FINISHED = 100_000;

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
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  if (typeof entry.eventId !== 'string' || typeof entry.sink !== 'string' || typeof entry.at !== 'string') return undefined;
  if (typeof entry.state !== 'string' || !STATES.has(entry.state)) return undefined;
  if (entry.event !== undefined && !isEvent(entry.event)) return undefined;
  return value as JournalEntry;
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

  /** Drops finished pairs older than `retentionMs` and beyond the newest `maxFinished`; returns the unfinished pairs abandoned for age. */
  compact(now: number, retentionMs: number, maxFinished: number): JournalEntry[] {
    const abandoned: JournalEntry[] = [];
    const finished: Array<[string, Slot]> = [];
    for (const [key, slot] of this.slots) {
      const age = now - Date.parse(slot.entry.at);
      if (!isFinished(slot.entry.state)) {
        if (age > retentionMs || slot.entry.event === undefined) {
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

/** For a process without a state dir: the same rules in memory, nothing survives a restart. */
export function createMemoryJournal(): NotificationJournal {
  const index = new JournalIndex();
  return {
    open: () => Promise.resolve(),
    has: (eventId, sink) => index.has(eventId, sink),
    record(entry) {
      index.apply(entry);
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
  const log = options.logger?.child({ component: 'notify-journal' });
  const index = new JournalIndex();
  let handle: FileHandle | undefined;
  let opened = false;
  let closed = false;
  let pending: PendingWrite[] = [];
  let flushing: Promise<void> | undefined;

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
