/** The simulated clock and the per-Region step queue, on injected time. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/sandbox/sim-clock.js';
import { StepQueue } from '../../src/sandbox/step-queue.js';
import type { ServiceRecord } from '../../src/sandbox/state.js';

describe('SimClock', () => {
  it('runs at its speed, jumps with advance, and keeps time continuous across speed changes', () => {
    let real = 1_000;
    const clock = new SimClock({ speed: 2, realNow: () => real, start: 50_000 });
    real += 100;
    expect(clock.now()).toBe(50_200);
    clock.advance(1_000);
    expect(clock.now()).toBe(51_200);
    clock.setSpeed(0);
    real += 5_000;
    expect(clock.now()).toBe(51_200);
    clock.setSpeed(10);
    real += 10;
    expect(clock.now()).toBe(51_300);
  });

  it.each([[-1], [Number.NaN], [Infinity]])('rejects speed %s and negative advances', (speed) => {
    expect(() => new SimClock({ speed })).toThrow(RangeError);
    expect(() => new SimClock().advance(-5)).toThrow(RangeError);
  });
});

describe('StepQueue', () => {
  const svc = (nextStepAt: number): ServiceRecord => ({ nextStepAt } as ServiceRecord);

  it('property: pops due services in time order and skips stale entries', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { maxLength: 60 }), fc.integer({ min: 0, max: 1000 }), (items, now) => {
      const queue = new StepQueue();
      const records = items.map(([at, stale]) => {
        const record = svc(at);
        queue.push(record, at);
        if (stale) record.nextStepAt = at + 5000; // rescheduled: the old entry must be ignored
        return record;
      });
      const popped: number[] = [];
      for (let r = queue.popDue(now); r; r = queue.popDue(now)) popped.push(r.nextStepAt);
      const expected = records.filter((r, i) => !items[i]?.[1] && r.nextStepAt <= now).map((r) => r.nextStepAt).sort((a, b) => a - b);
      expect(popped).toEqual(expected);
    }));
  });
});
