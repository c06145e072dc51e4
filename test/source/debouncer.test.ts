/** The debouncer on a FakeClock: bursts collapse to one call; a steady trickle is capped by maxWait. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/util/clock.js';
import { createDebouncer } from '../../src/source/debouncer.js';

function setup(delayMs = 100, maxWaitMs?: number) {
  const clock = new FakeClock();
  let calls = 0;
  const debouncer = createDebouncer({ clock, delayMs, maxWaitMs, fn: () => void calls++ });
  return { clock, debouncer, calls: () => calls };
}

describe('debouncer', () => {
  it('collapses a burst of 500 events into one call, delayMs after the last', async () => {
    const { clock, debouncer, calls } = setup(100);
    for (let i = 0; i < 500; i++) {
      debouncer.trigger();
      await clock.advance(1);
    }
    expect(calls()).toBe(0);
    await clock.advance(99);
    expect(calls()).toBe(1);
    await clock.advance(1000);
    expect(calls()).toBe(1);
  });

  it('fires at most maxWait after the first event of a steady trickle', async () => {
    const { clock, debouncer, calls } = setup(100, 300);
    for (let i = 0; i < 10; i++) {
      debouncer.trigger();
      await clock.advance(50);
    }
    // 500 ms of events every 50 ms: without a cap this would never fire.
    expect(calls()).toBe(1);
    await clock.advance(100);
    expect(calls()).toBe(2);
  });

  it('separate bursts give separate calls; cancel drops a pending one', async () => {
    const { clock, debouncer, calls } = setup(100);
    debouncer.trigger();
    await clock.advance(150);
    debouncer.trigger();
    await clock.advance(150);
    expect(calls()).toBe(2);
    debouncer.trigger();
    expect(debouncer.pending).toBe(true);
    debouncer.cancel();
    await clock.advance(1000);
    expect(calls()).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses a negative delay', () => {
    expect(() => createDebouncer({ clock: new FakeClock(), delayMs: -1, fn: () => undefined })).toThrow(/-1/);
  });
});
