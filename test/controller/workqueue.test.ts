import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, flushPromises } from '../../src/util/clock.js';
import { WorkQueue, type WorkHandler } from '../../src/controller/workqueue.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('WorkQueue', () => {
  it('merges duplicate keys added before a worker takes them', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const gate = deferred();
    const queue = new WorkQueue({
      clock, workers: 1,
      handler: async (key) => {
        seen.push(key);
        if (key === 'first') await gate.promise;
      },
    });
    queue.add('first');
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.depth).toBe(2);
    gate.resolve();
    await queue.onIdle();
    expect(seen).toEqual(['first', 'a', 'b']);
  });

  it('never hands one key to two workers; a key re-added while held runs again afterwards', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const queue = new WorkQueue({
      clock, workers: 4,
      handler: async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (calls === 1) await gate.promise;
        running--;
      },
    });
    queue.add('k');
    await flushPromises();
    expect(queue.processing).toEqual(['k']);
    queue.add('k');
    queue.add('k');
    await flushPromises();
    expect(calls).toBe(1);
    gate.resolve();
    await queue.onIdle();
    await flushPromises();
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('runs at most `workers` keys at once', async () => {
    const clock = new FakeClock();
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const queue = new WorkQueue({
      clock, workers: 2,
      handler: async (key) => {
        const gate = deferred();
        gates.set(key, gate);
        await gate.promise;
      },
    });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await flushPromises();
    expect(queue.processing).toEqual(['a', 'b']);
    expect(queue.depth).toBe(2);
    gates.get('a')?.resolve();
    await flushPromises();
    expect([...queue.processing].sort()).toEqual(['b', 'c']);
    for (const key of ['b', 'c']) gates.get(key)?.resolve();
    await flushPromises();
    gates.get('d')?.resolve();
    await queue.onIdle();
  });

  it('addAfter waits on the clock, and an earlier pending add wins', async () => {
    const clock = new FakeClock();
    const seen: Array<[string, number]> = [];
    const queue = new WorkQueue({ clock, handler: async (key) => void seen.push([key, clock.now()]) });
    const t0 = clock.now();
    queue.addAfter('x', 5000);
    queue.addAfter('x', 2000);
    queue.addAfter('x', 9000);
    await clock.advance(1999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual([['x', t0 + 2000]]);
    await clock.advance(10_000);
    expect(seen).toHaveLength(1);
  });

  it('starts keys due at the same moment in one turn (their reads can be batched), and unschedules a moved key from its group', async () => {
    const clock = new FakeClock();
    const turns: Array<[string, number]> = [];
    let turn = 0;
    const queue = new WorkQueue({ clock, workers: 8, handler: async (key) => void turns.push([key, turn]) });
    // Scheduled at different times for the same due moment, as followed rollouts on one poll tick.
    queue.addAfter('a', 3000);
    await clock.advance(1000);
    queue.addAfter('b', 2000);
    queue.addAfter('c', 2000);
    queue.addAfter('c', 1500); // moved earlier: leaves the group
    queue.addAfter('d', 4000); // another moment
    // a and b share one timer; c (moved) and d have their own.
    expect(clock.pendingTimers).toBe(3);
    await clock.advance(1500);
    expect(turns).toEqual([['c', 0]]);
    // The fake clock lets macrotasks run between timers: a and b only share a turn if one callback added both.
    const ticking = setInterval(() => turn++, 0);
    await clock.advance(500);
    clearInterval(ticking);
    expect(turns.slice(1).map(([k]) => k).sort()).toEqual(['a', 'b']);
    expect(turns[1]?.[1]).toBe(turns[2]?.[1]);
    expect(queue.scheduled).toEqual(['d']);
    await clock.advance(2000);
    expect(turns.map(([k]) => k)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('requeues after the delay a handler asks for, without counting a failure', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const queue = new WorkQueue({
      clock, handler: async () => (++calls < 3 ? { requeueAfterMs: 1000 } : {}),
    });
    queue.add('r');
    await clock.advance(1000);
    await clock.advance(1000);
    expect(calls).toBe(3);
    expect(queue.failures('r')).toBe(0);
    await clock.advance(60_000);
    expect(calls).toBe(3);
  });

  it.each([
    [1, 1000], [2, 2000], [3, 4000], [4, 8000], [10, 300_000], [50, 300_000],
  ])('backs off exponentially: failure %i waits %i ms before jitter', (failures, expected) => {
    const noJitter = new WorkQueue({ clock: new FakeClock(), handler: async () => {}, jitter: 0 });
    expect(noJitter.backoffMs(failures)).toBe(expected);
    const fullJitter = new WorkQueue({ clock: new FakeClock(), handler: async () => {}, jitter: 0.2, random: () => 0.999999 });
    expect(fullJitter.backoffMs(failures)).toBeGreaterThanOrEqual(Math.round(expected * 0.8));
    expect(fullJitter.backoffMs(failures)).toBeLessThanOrEqual(expected);
  });

  it('retries a failing key with growing delays and resets the count on success', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const retries: number[] = [];
    const t0 = clock.now();
    const queue = new WorkQueue({
      clock, jitter: 0,
      observer: { onRetry: (_k, delay) => retries.push(delay) },
      handler: async () => {
        times.push(clock.now() - t0);
        if (times.length <= 3) throw new Error('boom');
      },
    });
    queue.add('f');
    await clock.advance(10_000);
    expect(times).toEqual([0, 1000, 3000, 7000]);
    expect(retries).toEqual([1000, 2000, 4000]);
    expect(queue.failures('f')).toBe(0);
  });

  it('shutdown drops queued keys, lets running handlers finish within the grace, then aborts them', async () => {
    const clock = new FakeClock();
    let aborted = false;
    const started: string[] = [];
    const queue = new WorkQueue({
      clock, workers: 1,
      handler: (key, signal) => new Promise<void>((resolve) => {
        started.push(key);
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      }),
    });
    queue.add('slow');
    queue.add('never');
    queue.addAfter('later', 100);
    await flushPromises();
    const done = queue.shutdown({ graceMs: 1000, abortWaitMs: 1000 });
    await clock.advance(999);
    expect(aborted).toBe(false);
    await clock.advance(1);
    await done;
    expect(aborted).toBe(true);
    expect(started).toEqual(['slow']);
    queue.add('after-shutdown');
    await clock.advance(1000);
    expect(started).toEqual(['slow']);
  });

  it('property: any interleaving of adds never runs one key twice at once and works every key after its last add', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), delay: fc.integer({ min: 0, max: 3 }), work: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 3 }),
        async (ops, workers) => {
          const clock = new FakeClock();
          const running = new Set<string>();
          const lastAdd = new Map<string, number>();
          const lastStart = new Map<string, number>();
          let violation = false;
          let step = 0;
          const work = new Map<string, number>();
          const handler: WorkHandler = async (key) => {
            if (running.has(key)) violation = true;
            running.add(key);
            lastStart.set(key, step);
            const ms = work.get(key) ?? 0;
            if (ms > 0) await new Promise<void>((resolve) => clock.setTimer(ms * 10, resolve));
            running.delete(key);
          };
          const queue = new WorkQueue({ clock, workers, handler });
          for (const op of ops) {
            step++;
            work.set(op.key, op.work);
            lastAdd.set(op.key, step);
            queue.add(op.key);
            await clock.advance(op.delay * 10);
          }
          step++;
          await clock.advance(1000);
          await queue.onIdle();
          expect(violation).toBe(false);
          for (const [key, addedAt] of lastAdd) expect(lastStart.get(key) ?? -1).toBeGreaterThanOrEqual(addedAt);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('WorkQueue maxRetries', () => {
  it('drops a key after maxRetries consecutive failures and says so', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const gaveUp: Array<[string, number]> = [];
    const queue = new WorkQueue({
      clock, jitter: 0, maxRetries: 2,
      observer: { onGiveUp: (key, _err, failures) => gaveUp.push([key, failures]) },
      handler: async () => {
        calls++;
        throw new Error('always');
      },
    });
    queue.add('k');
    await clock.advance(60_000);
    expect(calls).toBe(3);
    expect(gaveUp).toEqual([['k', 3]]);
    expect(queue.scheduled).toEqual([]);
  });
});
