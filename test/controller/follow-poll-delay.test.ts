/**
 * followPollDelay: every followed rollout is looked at again on a shared tick
 * of the poll interval, so the passes land together and their reads batch
 * (docs/controller.md). Table and property tests (pure).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { followPollDelay } from '../../src/controller/service/decide.js';

describe('followPollDelay', () => {
  it.each([
    // [now, poll, delay]
    [10_000, 2000, 2000], // on a tick: the next one
    [10_001, 2000, 1999],
    [10_999, 2000, 1001],
    [11_000, 2000, 1000], // exactly half an interval away: still this tick
    [11_001, 2000, 2999], // closer than half: the tick after
    [11_999, 2000, 2001],
  ])('at %d with a %d ms poll waits %d ms', (now, poll, delay) => {
    expect(followPollDelay(now, poll)).toBe(delay);
  });

  it('lands on a tick, at least half and at most one and a half intervals away; passes at different times meet', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 1, max: 60_000 }), (now, poll) => {
      const delay = followPollDelay(now, poll);
      expect((now + delay) % poll).toBe(0);
      expect(delay).toBeGreaterThanOrEqual(poll / 2);
      expect(delay).toBeLessThanOrEqual(poll * 1.5);
    }));
    // Two rollouts applied 700 ms apart are looked at again at the same moment.
    expect(1_000_300 + followPollDelay(1_000_300, 2000)).toBe(1_001_000 + followPollDelay(1_001_000, 2000));
  });
});
