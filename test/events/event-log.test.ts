/** The event log: numbering, ids, the per-service ring and its bound, dedupe, queries and listeners. */
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { eventId, type ControllerEvent, type NewEvent } from '../../src/events/types.js';

function event(patch: Partial<NewEvent> = {}): NewEvent {
  return { type: 'Applied', service: 'eu-west-1/prod/web', revision: 'r1', at: '2026-01-01T00:00:00.000Z', message: 'm', ...patch };
}

describe('EventLog', () => {
  it('numbers events, gives them their id and severity, and keeps the discriminator out of the record', () => {
    const log = new EventLog();
    const a = log.append(event({ discriminator: 'd1' }));
    const b = log.append(event({ type: 'RolloutFailed', discriminator: 'd1' }));
    expect(a).toMatchObject({ seq: 1, severity: 'info', id: eventId(event({ discriminator: 'd1' })) });
    expect(b).toMatchObject({ seq: 2, severity: 'error' });
    expect(a && 'discriminator' in a).toBe(false);
  });

  it('drops an event whose id its service\'s ring already holds', () => {
    const log = new EventLog();
    expect(log.append(event())).toBeDefined();
    expect(log.append(event({ at: '2026-01-02T00:00:00.000Z', message: 'seen again' }))).toBeUndefined();
    expect(log.query()).toHaveLength(1);
    // Another service's ring is its own.
    expect(log.append(event({ service: 'eu-west-1/prod/api' }))).toBeDefined();
  });

  it('keeps at most perService events per service, oldest dropped first', () => {
    const log = new EventLog({ perService: 3 });
    for (let i = 0; i < 5; i++) log.append(event({ revision: `r${i}` }));
    log.append(event({ service: undefined, type: 'PruneBlocked', revision: 'p' }));
    expect(log.query({ service: 'eu-west-1/prod/web' }).map((e) => e.revision)).toEqual(['r4', 'r3', 'r2']);
    // An id that fell out of the ring is new again (the notification journal still knows it was sent).
    expect(log.append(event({ revision: 'r0' }))).toBeDefined();
    expect(log.query().map((e) => e.type)).toContain('PruneBlocked');
  });

  it('filters by service, types, since and after; newest first unless after is given; limit bounded', () => {
    const log = new EventLog();
    log.append(event({ revision: 'a', at: '2026-01-01T00:00:00.000Z' }));
    log.append(event({ revision: 'b', type: 'RolloutCompleted', at: '2026-01-01T00:01:00.000Z' }));
    log.append(event({ revision: 'c', service: 'eu-west-1/prod/api', at: '2026-01-01T00:02:00.000Z' }));
    expect(log.query().map((e) => e.revision)).toEqual(['c', 'b', 'a']);
    expect(log.query({ service: 'eu-west-1/prod/web' }).map((e) => e.revision)).toEqual(['b', 'a']);
    expect(log.query({ types: ['RolloutCompleted'] }).map((e) => e.revision)).toEqual(['b']);
    expect(log.query({ since: '2026-01-01T00:01:00.000Z' }).map((e) => e.revision)).toEqual(['c', 'b']);
    expect(log.query({ after: 2 }).map((e) => e.revision)).toEqual(['c']);
    expect(log.query({ after: 0 }).map((e) => e.revision)).toEqual(['a', 'b', 'c']);
    expect(log.query({ limit: 1 }).map((e) => e.revision)).toEqual(['c']);
    expect(log.query({ service: 'nope' })).toEqual([]);
    for (let i = 0; i < 1100; i++) log.append(event({ service: `s${i % 20}`, revision: `x${i}` }));
    expect(log.query({ limit: 5000 })).toHaveLength(1000);
    expect(log.query()).toHaveLength(100);
  });

  it('after a seq: oldest first, so a client catching up with a limit misses nothing', () => {
    const log = new EventLog();
    for (let i = 1; i <= 25; i++) log.append(event({ service: `s${i % 3}`, revision: `r${i}` }));
    // A client that last saw seq 4 catches up 10 at a time, each time from the newest seq it got.
    const seen: number[] = [];
    let after = 4;
    for (;;) {
      const page = log.query({ after, limit: 10 });
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.seq));
      after = Math.max(...page.map((e) => e.seq));
    }
    expect(seen).toEqual(Array.from({ length: 21 }, (_, i) => i + 5));
    expect(log.query({ after: 4, limit: 3, service: 's1' }).map((e) => e.seq)).toEqual([7, 10, 13]);
  });

  it('hands every new event to its listeners, survives one that throws, and unsubscribes', () => {
    const errors: unknown[] = [];
    const log = new EventLog({ onListenerError: (e) => errors.push(e) });
    const seen: ControllerEvent[] = [];
    log.subscribe(() => {
      throw new Error('listener bug');
    });
    const stop = log.subscribe((e) => seen.push(e));
    log.append(event());
    log.append(event());
    stop();
    log.append(event({ revision: 'r2' }));
    expect(seen.map((e) => e.seq)).toEqual([1]);
    expect(errors).toHaveLength(2);
  });

  it('forgetting a service drops its ring', () => {
    const log = new EventLog();
    log.append(event());
    expect(log.services()).toEqual(['eu-west-1/prod/web']);
    log.forget('eu-west-1/prod/web');
    expect(log.services()).toEqual([]);
    expect(log.query()).toEqual([]);
  });

  it('refuses a ring size that is not a whole number of at least 1, quoting it', () => {
    expect(() => new EventLog({ perService: 0 })).toThrow(/perService .* got 0/);
  });
});
