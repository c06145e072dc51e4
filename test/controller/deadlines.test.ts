/**
 * SharedDeadlines: reconciles that fall due in the same step share one
 * signal; a deadline fires at its time (rounded up by at most one step),
 * never early; shutdown aborts every open deadline; finished reconciles
 * leave no timers or buckets behind.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/util/clock.js';
import { SharedDeadlines } from '../../src/controller/deadlines.js';

describe('SharedDeadlines', () => {
  it('aborts at the timeout, not a millisecond before, with a reason naming it', async () => {
    const clock = new FakeClock();
    const deadlines = new SharedDeadlines(clock, 1000, new AbortController().signal);
    const lease = deadlines.acquire();
    await clock.advance(999);
    expect(lease.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(lease.signal.aborted).toBe(true);
    expect(String(lease.signal.reason)).toContain('took longer than 1000 ms');
  });

  it('shares one signal between reconciles due in the same step, and fires late by less than a step', async () => {
    const clock = new FakeClock();
    // 300 s timeout: steps of one second.
    const deadlines = new SharedDeadlines(clock, 300_000, new AbortController().signal);
    await clock.advance(100); // 100 ms into a step
    const first = deadlines.acquire();
    await clock.advance(400);
    const second = deadlines.acquire();
    expect(second.signal).toBe(first.signal);
    expect(deadlines.open).toBe(1);
    await clock.advance(600); // into the next step
    const third = deadlines.acquire();
    expect(third.signal).not.toBe(first.signal);
    expect(deadlines.open).toBe(2);
    // The first one's 300 s are up 300,000 ms after it started; the step ends 900 ms later.
    await clock.advance(300_000 - 1_000);
    expect(first.signal.aborted).toBe(false);
    await clock.advance(899);
    expect(first.signal.aborted).toBe(false);
    await clock.advance(1);
    expect([first.signal.aborted, second.signal.aborted, third.signal.aborted]).toEqual([true, true, false]);
    await clock.advance(1000);
    expect(third.signal.aborted).toBe(true);
  });

  it('aborts open deadlines on shutdown with the shutdown reason, and at once for one acquired after it', async () => {
    const clock = new FakeClock();
    const shutdown = new AbortController();
    const deadlines = new SharedDeadlines(clock, 60_000, shutdown.signal);
    const running = deadlines.acquire();
    const reason = new Error('stopping');
    shutdown.abort(reason);
    expect(running.signal.aborted).toBe(true);
    expect(running.signal.reason).toBe(reason);
    await clock.advance(1000);
    expect(deadlines.acquire().signal.aborted).toBe(true);
  });

  it('stops the shared timer and forgets the step once its last reconcile is released', async () => {
    const clock = new FakeClock();
    const shutdown = new AbortController();
    const deadlines = new SharedDeadlines(clock, 1000, shutdown.signal);
    const one = deadlines.acquire();
    const two = deadlines.acquire();
    one.release();
    one.release(); // twice is once
    expect(deadlines.open).toBe(1);
    two.release();
    expect(deadlines.open).toBe(0);
    await clock.advance(5000);
    expect(two.signal.aborted).toBe(false);
    // The shutdown listener went with it: aborting now touches no released signal.
    shutdown.abort(new Error('stopping'));
    expect(one.signal.aborted).toBe(false);
  });

  it('rejects a timeout that is not above zero', () => {
    expect(() => new SharedDeadlines(new FakeClock(), 0, new AbortController().signal)).toThrow(/above 0 ms, got 0/);
  });
});
