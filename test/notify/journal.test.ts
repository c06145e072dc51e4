/** The notification journal on a real file: durable records, restart, compaction, a torn or corrupt file. */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileJournal, createMemoryJournal } from '../../src/notify/journal.js';
import type { JournalEntry } from '../../src/notify/types.js';
import { capturedLogger, makeEvent } from './receiver.js';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 0, 10);

function tempFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'notify-journal-')), 'state', 'notifications.jsonl');
}

function lines(file: string): JournalEntry[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalEntry);
}

const at = (ms: number) => new Date(ms).toISOString();

describe('file journal', () => {
  it('has every accepted pair at once, keeps each record on disk when record() resolves, and remembers it after a restart', async () => {
    const file = tempFile();
    const journal = createFileJournal(file, { now: () => NOW });
    await journal.open();
    const [a, b] = [makeEvent({ revision: 'a'.repeat(40) }), makeEvent({ revision: 'b'.repeat(40) })];
    const queued = journal.record({ eventId: a.id, sink: 'n/webhook', state: 'queued', event: a, at: at(NOW) });
    expect(journal.has(a.id, 'n/webhook')).toBe(true);
    expect(journal.has(a.id, 'n/slack')).toBe(false);
    await queued;
    expect(lines(file)).toHaveLength(1);
    // Concurrent appends: all land, in order.
    await Promise.all([
      journal.record({ eventId: b.id, sink: 'n/webhook', state: 'queued', event: b, at: at(NOW) }),
      journal.record({ eventId: a.id, sink: 'n/webhook', state: 'sending', at: at(NOW) }),
      journal.record({ eventId: a.id, sink: 'n/webhook', state: 'delivered', at: at(NOW) }),
      journal.record({ eventId: b.id, sink: 'n/webhook', state: 'sending', at: at(NOW) }),
    ]);
    expect(lines(file).map((entry) => `${entry.eventId === a.id ? 'a' : 'b'}:${entry.state}`)).toEqual(['a:queued', 'b:queued', 'a:sending', 'a:delivered', 'b:sending']);
    await journal.close();

    const again = createFileJournal(file, { now: () => NOW });
    await again.open();
    expect(again.has(a.id, 'n/webhook')).toBe(true);
    expect(again.unfinished()).toEqual([{ eventId: b.id, sink: 'n/webhook', state: 'sending', event: b, at: at(NOW) }]);
    // Compacted: one line per pair, the unfinished one with its event.
    expect(lines(file).map((entry) => entry.state)).toEqual(['delivered', 'sending']);
    await again.close();
  });

  it('drops finished pairs past the retention, keeps the newest finished ids up to the bound, and abandons old unfinished ones', async () => {
    const file = tempFile();
    const old = makeEvent({ revision: 'c'.repeat(40) });
    const fresh = Array.from({ length: 3 }, (_, i) => makeEvent({ revision: String(i).repeat(40) }));
    const stale = makeEvent({ revision: 'd'.repeat(40) });
    const entries: JournalEntry[] = [
      { eventId: old.id, sink: 's', state: 'delivered', at: at(NOW - 8 * DAY) },
      ...fresh.map((event, i) => ({ eventId: event.id, sink: 's', state: 'skipped' as const, at: at(NOW - (3 - i) * 1000) })),
      { eventId: stale.id, sink: 's', state: 'queued', event: stale, at: at(NOW - 8 * DAY) },
    ];
    const journal = createFileJournal(file, { now: () => NOW, maxFinished: 2 });
    await journal.open();
    for (const entry of entries) await journal.record(entry);
    await journal.close();
    const log = capturedLogger();
    const reopened = createFileJournal(file, { now: () => NOW, maxFinished: 2, logger: log.logger });
    await reopened.open();
    expect(reopened.has(old.id, 's')).toBe(false);
    expect(reopened.has(fresh[0]?.id ?? '', 's')).toBe(false);
    expect(reopened.has(fresh[1]?.id ?? '', 's')).toBe(true);
    expect(reopened.has(fresh[2]?.id ?? '', 's')).toBe(true);
    expect(reopened.unfinished()).toEqual([]);
    expect(log.text()).toContain('older than the retention was abandoned');
    expect(lines(file)).toHaveLength(2);
    await reopened.close();
  });

  it('drops a finished pair past the retention even when the bound leaves room', async () => {
    const file = tempFile();
    const [old, recent] = [makeEvent({ revision: 'e'.repeat(40) }), makeEvent({ revision: 'f'.repeat(40) })];
    const journal = createFileJournal(file, { now: () => NOW });
    await journal.open();
    await journal.record({ eventId: old.id, sink: 's', state: 'delivered', at: at(NOW - 7 * DAY - 1) });
    await journal.record({ eventId: recent.id, sink: 's', state: 'delivered', at: at(NOW - 7 * DAY) });
    await journal.close();
    const reopened = createFileJournal(file, { now: () => NOW });
    await reopened.open();
    expect([reopened.has(old.id, 's'), reopened.has(recent.id, 's')]).toEqual([false, true]);
    await reopened.close();
  });

  it('ignores a last line a crash cut short', async () => {
    const file = tempFile();
    const event = makeEvent();
    const journal = createFileJournal(file, { now: () => NOW });
    await journal.open();
    await journal.record({ eventId: event.id, sink: 's', state: 'queued', event, at: at(NOW) });
    await journal.close();
    appendFileSync(file, '{"eventId":"abc","sink":"s","sta');
    const log = capturedLogger();
    const reopened = createFileJournal(file, { now: () => NOW, logger: log.logger });
    await reopened.open();
    expect(reopened.unfinished().map((entry) => entry.eventId)).toEqual([event.id]);
    expect(readdirSync(path.dirname(file))).toEqual(['notifications.jsonl']);
    expect(log.text()).not.toContain('NOTIFY_JOURNAL_CORRUPT');
    await reopened.close();
  });

  it('moves a corrupt file aside with a log line, keeps its readable entries, and goes on', async () => {
    const file = tempFile();
    const event = makeEvent();
    const journal = createFileJournal(file, { now: () => NOW });
    await journal.open();
    await journal.close();
    writeFileSync(file, `garbage\u0000\n${JSON.stringify({ eventId: event.id, sink: 's', state: 'delivered', at: at(NOW) })}\n{"eventId":1}\n`);
    const log = capturedLogger();
    const reopened = createFileJournal(file, { now: () => NOW, logger: log.logger });
    await reopened.open();
    expect(reopened.has(event.id, 's')).toBe(true);
    const warning = log.lines().find((line) => line.code === 'NOTIFY_JOURNAL_CORRUPT');
    expect(warning).toMatchObject({ level: 'warn', unreadableLines: 2, keptEntries: 1 });
    expect(readdirSync(path.dirname(file)).sort()).toEqual(['notifications.jsonl', path.basename(String(warning?.movedTo))].sort());
    await reopened.record({ eventId: 'x', sink: 's', state: 'skipped', at: at(NOW) });
    expect(lines(file)).toHaveLength(2);
    await reopened.close();
  });
});

describe('file journal compaction while running', () => {
  const pair = (i: number) => makeEvent({ revision: String(i).padStart(40, '0') });

  it('keeps the file and the index bounded without a restart: retention and the bound on finished ids apply as it runs', async () => {
    const file = tempFile();
    const journal = createFileJournal(file, { now: () => NOW, maxFinished: 5, compactAfterLines: 10 });
    await journal.open();
    const old = makeEvent({ revision: 'e'.repeat(40) });
    await journal.record({ eventId: old.id, sink: 's', state: 'delivered', at: at(NOW - 8 * DAY) });
    let longest = 0;
    for (let i = 0; i < 60; i++) {
      const event = pair(i);
      await journal.record({ eventId: event.id, sink: 's', state: 'queued', event, at: at(NOW + i) });
      await journal.record({ eventId: event.id, sink: 's', state: 'delivered', at: at(NOW + i) });
      longest = Math.max(longest, lines(file).length);
    }
    // 121 records: without compaction the file would hold them all.
    expect(longest).toBeLessThanOrEqual(10 + 5 + 2);
    expect(journal.has(old.id, 's')).toBe(false);
    expect(journal.has(pair(0).id, 's')).toBe(false);
    expect(journal.has(pair(59).id, 's')).toBe(true);
    await journal.close();
    const reopened = createFileJournal(file, { now: () => NOW, maxFinished: 5 });
    await reopened.open();
    expect([55, 56, 57, 58, 59].every((i) => reopened.has(pair(i).id, 's'))).toBe(true);
    expect(reopened.has(old.id, 's')).toBe(false);
    await reopened.close();
  });

  it('never loses an unfinished entry, however old, nor a record made while it rewrites the file', async () => {
    const file = tempFile();
    const journal = createFileJournal(file, { now: () => NOW, maxFinished: 3, compactAfterLines: 4 });
    await journal.open();
    // A sink misconfigured for more than the retention: the dispatcher still holds this event.
    const waiting = makeEvent({ revision: 'w'.repeat(40) });
    await journal.record({ eventId: waiting.id, sink: 'broken', state: 'queued', event: waiting, at: at(NOW - 9 * DAY) });
    const list = Array.from({ length: 40 }, (_, i) => pair(i));
    // All at once: later records arrive while earlier batches are being written and the file compacted.
    await Promise.all(list.flatMap((event, i) => [
      journal.record({ eventId: event.id, sink: 's', state: 'queued', event, at: at(NOW + i) }),
      ...(i % 2 === 0 ? [journal.record({ eventId: event.id, sink: 's', state: 'delivered', at: at(NOW + i) })] : []),
    ]));
    const unfinished = [waiting.id, ...list.filter((_, i) => i % 2 === 1).map((event) => event.id)];
    expect(journal.unfinished().map((entry) => entry.eventId)).toEqual(unfinished);
    await journal.close();
    expect(lines(file).length).toBeLessThan(60);
    const reopened = createFileJournal(file, { now: () => NOW - 9 * DAY + 1000, maxFinished: 3 });
    await reopened.open();
    expect(reopened.unfinished().map((entry) => entry.eventId)).toEqual(unfinished);
    expect(reopened.unfinished()[0]).toEqual({ eventId: waiting.id, sink: 'broken', state: 'queued', event: waiting, at: at(NOW - 9 * DAY) });
    expect(list.filter((_, i) => i % 2 === 1).every((event) => reopened.unfinished().some((entry) => entry.eventId === event.id && entry.event?.id === event.id))).toBe(true);
    await reopened.close();
  });
});

describe('memory journal', () => {
  it('compacts as it goes: finished ids past the bound go, unfinished ones stay', async () => {
    const journal = createMemoryJournal({ now: () => NOW, maxFinished: 2, compactAfterLines: 4 });
    const list = Array.from({ length: 10 }, (_, i) => makeEvent({ revision: String(i).padStart(40, '7') }));
    const waiting = makeEvent({ revision: 'w'.repeat(40) });
    await journal.record({ eventId: waiting.id, sink: 's', state: 'queued', event: waiting, at: at(NOW - 9 * DAY) });
    for (const [i, event] of list.entries()) await journal.record({ eventId: event.id, sink: 's', state: 'delivered', at: at(NOW + i) });
    // At most maxFinished kept by the last compaction plus the records since (fewer than compactAfterLines).
    expect(list.map((event) => journal.has(event.id, 's')).filter(Boolean).length).toBeLessThanOrEqual(2 + 4);
    expect(journal.has(list[0]?.id ?? '', 's')).toBe(false);
    expect(journal.has(list[9]?.id ?? '', 's')).toBe(true);
    expect(journal.unfinished().map((entry) => entry.eventId)).toEqual([waiting.id]);
  });


  it('follows the same rules without a file', async () => {
    const journal = createMemoryJournal();
    await journal.open();
    const event = makeEvent();
    await journal.record({ eventId: event.id, sink: 's', state: 'queued', event, at: at(NOW) });
    await journal.record({ eventId: event.id, sink: 's', state: 'sending', at: at(NOW) });
    expect(journal.unfinished()).toEqual([{ eventId: event.id, sink: 's', state: 'sending', event, at: at(NOW) }]);
    await journal.record({ eventId: event.id, sink: 's', state: 'given_up', at: at(NOW) });
    expect(journal.unfinished()).toEqual([]);
    expect(journal.has(event.id, 's')).toBe(true);
  });
});
