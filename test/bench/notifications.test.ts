/**
 * The parts of scenario 7 (issue 23, bench/scenarios/notifications.ts) that
 * decide its figures: the delivery ideal the last notification is measured
 * against, the slow receiver (a real HTTP server on loopback: it notes each
 * request when its body arrives and answers only after its delay), and the
 * bench notifier, which `ecs-gitops validate`'s loader must accept beside the
 * fleet.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet, REGION } from '../../bench/lib/fixture.js';
import { addBenchNotifier, benchNotifierManifest, deliveryIdealSeconds, NOTIFIED_EVENTS, SlowReceiver } from '../../bench/scenarios/notifications.js';
import { readSnapshot } from '../../src/app/runtime.js';
import { requireProgram } from '../support/programs.js';

const hasGit = requireProgram('git', 'apt-get install git');

describe('deliveryIdealSeconds', () => {
  it.each([
    // events, rate/s, burst, answer ms -> token bucket alone, one delivery at a time
    { events: 0, rate: 1, burst: 1, delayMs: 2000, ideal: { rate: 0, oneAtATime: 0 } },
    { events: 1, rate: 1, burst: 1, delayMs: 2000, ideal: { rate: 0, oneAtATime: 0 } },
    // A 2 s answer binds: one request every 2 s, whatever the bucket allows.
    { events: 5, rate: 1, burst: 1, delayMs: 2000, ideal: { rate: 4, oneAtATime: 8 } },
    // A fast answer: the bucket binds, and both ideals agree.
    { events: 5, rate: 1, burst: 1, delayMs: 100, ideal: { rate: 4, oneAtATime: 4 } },
    // A burst lets the first requests go as fast as the answers come, then the rate paces them.
    { events: 6, rate: 2, burst: 4, delayMs: 100, ideal: { rate: 1, oneAtATime: 1 } },
    { events: 4, rate: 2, burst: 4, delayMs: 100, ideal: { rate: 0, oneAtATime: 0.3 } },
  ])('$events events at $rate/s (burst $burst), answers after $delayMs ms', ({ events, rate, burst, delayMs, ideal }) => {
    const got = deliveryIdealSeconds(events, rate, burst, delayMs);
    expect(got.rate).toBeCloseTo(ideal.rate, 9);
    expect(got.oneAtATime).toBeCloseTo(ideal.oneAtATime, 9);
  });
});

describe('SlowReceiver', () => {
  let receiver: SlowReceiver | undefined;
  afterAll(async () => receiver?.close());

  it('notes each request when it arrives and answers only after its delay', async () => {
    receiver = await SlowReceiver.start(300);
    const post = async (id: string, type: string) => {
      const sent = Date.now();
      const res = await fetch(receiver?.url ?? '', {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-ecs-gitops-delivery': id, 'x-ecs-gitops-event': type }, body: JSON.stringify({ id, type }),
      });
      return { status: res.status, sent, answered: Date.now() };
    };
    const [a, b] = await Promise.all([post('e1', 'SyncStarted'), post('e2', 'RolloutCompleted')]);
    for (const r of [a, b]) {
      expect(r?.status).toBe(200);
      expect((r?.answered ?? 0) - (r?.sent ?? 0)).toBeGreaterThanOrEqual(290);
    }
    expect(receiver.arrivals.map((x) => [x.id, x.type]).sort()).toEqual([['e1', 'SyncStarted'], ['e2', 'RolloutCompleted']]);
    // Noted on arrival, not on answer.
    for (const x of receiver.arrivals) expect(x.at - (a?.sent ?? 0)).toBeLessThan(250);
  });
});

describe.skipIf(!hasGit)('the bench notifier', () => {
  const fleets: Fleet[] = [];
  afterAll(() => {
    for (const f of fleets) f.remove();
  });

  it('is accepted beside the fleet: one webhook sink at the receiver, the notified events only', async () => {
    const fleet = new Fleet({ services: 8, clusters: 4, families: 2, prefix: 'nt', blueGreenEvery: 4 });
    fleets.push(fleet);
    fleet.init();
    addBenchNotifier(fleet, 'http://127.0.0.1:9/hooks/ecs-gitops');
    const snapshot = await readSnapshot(fleet.root, REGION, new AbortController().signal);
    expect(snapshot.problems).toEqual([]);
    const notifiers = snapshot.notifiers ?? [];
    expect(notifiers.map((n) => n.name)).toEqual(['bench']);
    const spec = notifiers[0]?.manifest.spec;
    expect(spec?.events).toEqual([...NOTIFIED_EVENTS]);
    expect(spec?.sinks).toEqual([{ type: 'webhook', name: 'slow', url: 'http://127.0.0.1:9/hooks/ecs-gitops', ratePerSecond: 1 }]);
    expect(notifiers[0]?.source.file).toBe(path.join('notifiers', 'bench.yaml'));
    expect(benchNotifierManifest('http://x')).toContain('kind: Notifier');
  });
});
