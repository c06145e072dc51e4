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

describe('memory journal', () => {
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
