/**
 * The HA scenario's pure helpers (bench/scenarios/ha.ts): shard coverage read
 * from lease items, the single-process ideal of a resync, how a resync's calls
 * are split for the ratio, lease acquisition times, and the replica ids that
 * make the first replica the rendezvous owner. No process is started and
 * nothing is timed; the fleet writer is checked against the real loader.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  acquiredAtOf, addCounts, CallLogTail, countByLocation, LeaseTimeline, evaluateCoverage, haEnvironments, haIdealResyncCalls, HaFleet, haSize, leaseHeld, splitResyncCalls, standbyIds,
} from '../../bench/scenarios/ha.js';
import type { CallRecord } from '../../bench/lib/sandbox-admin.js';
import { git, REGION } from '../../bench/lib/fixture.js';
import { readSnapshot } from '../../src/app/runtime.js';
import { rendezvousOwner } from '../../src/ha/shards.js';
import { locationOf } from '../../src/keys/index.js';
import type { LeaseRecord } from '../../src/ha/types.js';
import { requireProgram } from '../support/programs.js';

const NOW = 1_800_000_000_000;
const SKEW = 1_000;
const lease = (shard: string, holder: string | undefined, expiresIn: number, epoch = 1): LeaseRecord => ({
  shard, epoch, expiresAt: NOW + expiresIn, ...(holder !== undefined ? { holder } : {}),
});

describe('leaseHeld', () => {
  it('is held while its live holder\'s lease runs, and for the clock-skew bound after', () => {
    const live = new Set(['r1']);
    expect(leaseHeld(lease('a', 'r1', 5_000), live, NOW, SKEW)).toBe(true);
    expect(leaseHeld(lease('a', 'r1', -999), live, NOW, SKEW)).toBe(true);
    expect(leaseHeld(lease('a', 'r1', -1_000), live, NOW, SKEW)).toBe(false);
  });

  it('is not held by a replica that is gone, nor when released', () => {
    expect(leaseHeld(lease('a', 'r2', 5_000), new Set(['r1']), NOW, SKEW)).toBe(false);
    expect(leaseHeld(lease('a', undefined, 5_000), new Set(['r1']), NOW, SKEW)).toBe(false);
  });
});

describe('evaluateCoverage', () => {
  const expected = ['1@eu-west-1', '1@us-east-1', '2@eu-west-1', 'eu-west-1'];

  it('lists each shard\'s holder and each live replica\'s shards; complete when every shard is held', () => {
    const c = evaluateCoverage(expected, [
      lease('1@eu-west-1', 'r1', 5_000), lease('1@us-east-1', 'r2', 5_000), lease('2@eu-west-1', 'r1', 5_000), lease('eu-west-1', 'r3', 5_000),
    ], ['r1', 'r2', 'r3'], NOW, SKEW);
    expect(c.complete).toBe(true);
    expect(c.unheld).toEqual([]);
    expect(c.holderOf).toEqual({ '1@eu-west-1': 'r1', '1@us-east-1': 'r2', '2@eu-west-1': 'r1', 'eu-west-1': 'r3' });
    expect(c.heldBy).toEqual({ r1: ['1@eu-west-1', '2@eu-west-1'], r2: ['1@us-east-1'], r3: ['eu-west-1'] });
  });

  it('counts a shard without an item, one of a dead replica, a lapsed or a released one as unheld', () => {
    const c = evaluateCoverage(expected, [
      lease('1@eu-west-1', 'dead', 5_000), lease('1@us-east-1', 'r1', -5_000), lease('2@eu-west-1', undefined, 0, 3),
    ], ['r1', 'r2'], NOW, SKEW);
    expect(c.complete).toBe(false);
    expect(c.unheld).toEqual(expected);
    expect(c.heldBy).toEqual({ r1: [], r2: [] });
  });

  it('ignores lease items of shards it was not asked about', () => {
    const c = evaluateCoverage(['eu-west-1'], [lease('eu-west-1', 'r1', 1), lease('old@us-east-1', 'r1', 5_000)], ['r1'], NOW, SKEW);
    expect(c).toEqual({ holderOf: { 'eu-west-1': 'r1' }, unheld: [], heldBy: { r1: ['eu-west-1'] }, complete: true });
  });
});

describe('haIdealResyncCalls', () => {
  it('is a DescribeServices per 10 services of each cluster (rounded up per cluster), in every location', () => {
    expect(haIdealResyncCalls(10, [500, 500])).toEqual({ perLocation: 100, total: 1_000 });
    expect(haIdealResyncCalls(3, [11, 10, 1])).toEqual({ perLocation: 4, total: 12 });
    expect(haIdealResyncCalls(10, [])).toEqual({ perLocation: 0, total: 0 });
  });

  it('for the scenario\'s sizes: 5,000 and 50,000 services over 10 locations of 10 clusters', () => {
    for (const quick of [true, false]) {
      const size = haSize(quick);
      const perCluster = size.services / 10 / size.clustersPerLocation;
      const ideal = haIdealResyncCalls(10, new Array<number>(size.clustersPerLocation).fill(perCluster));
      expect(ideal.total).toBe(size.services / 10);
    }
  });
});

describe('splitResyncCalls', () => {
  it('keeps the service reads, the prune listings and the scans apart', () => {
    const split = splitResyncCalls({
      DescribeServices: 100, DescribeTaskDefinition: 2, ListServices: 10, DescribeScalableTargets: 1, GetScheduleGroup: 1, DescribeAlarms: 1,
    });
    expect(split.serviceReads).toBe(102);
    expect(split.pruneReads).toBe(10);
    expect(split.scanReads).toBe(3);
    expect(split.ecsCalls).toBe(112);
  });

  it('leaves STS\'s AssumeRole out of the ECS counts', () => {
    expect(splitResyncCalls({ AssumeRole: 5, DescribeServices: 1 })).toMatchObject({ serviceReads: 1, pruneReads: 0, scanReads: 0, ecsCalls: 1 });
  });
});

describe('countByLocation and addCounts', () => {
  const call = (accountId: string, region: string, operation: string): CallRecord => ({ at: NOW, accountId, region, operation, outcome: 'ok' });

  it('counts operations per account@region and adds them back up', () => {
    const byLocation = countByLocation([
      call('1', 'eu-west-1', 'DescribeServices'), call('1', 'eu-west-1', 'DescribeServices'), call('1', 'us-east-1', 'ListServices'), call('2', 'eu-west-1', 'DescribeServices'),
    ]);
    expect(Object.fromEntries(byLocation)).toEqual({
      '1@eu-west-1': { DescribeServices: 2 }, '1@us-east-1': { ListServices: 1 }, '2@eu-west-1': { DescribeServices: 1 },
    });
    expect(addCounts([...byLocation.values()])).toEqual({ DescribeServices: 3, ListServices: 1 });
  });
});

describe('CallLogTail', () => {
  const rec = (at: number, operation: string): CallRecord => ({ at, accountId: '1', region: 'eu-west-1', operation, outcome: 'ok' });

  it('keeps each record once when the sandbox answers the last record\'s millisecond again', () => {
    const tail = new CallLogTail();
    tail.append([rec(1, 'A'), rec(2, 'B'), rec(2, 'C')]);
    // since = 2: the two records at 2 come back, then what is new (one more at 2 among them).
    tail.append([rec(2, 'B'), rec(2, 'C'), rec(2, 'D'), rec(3, 'E')]);
    tail.append([rec(3, 'E')]);
    tail.append([]);
    expect(tail.records.map((r) => r.operation)).toEqual(['A', 'B', 'C', 'D', 'E']);
  });
});

describe('LeaseTimeline', () => {
  it('records a shard only when its holder or epoch changes, in seconds after its origin', () => {
    const timeline = new LeaseTimeline(NOW);
    timeline.observe([lease('a', 'r1', 15_000, 1)], NOW + 5_000);
    timeline.observe([lease('a', 'r1', 20_000, 1)], NOW + 10_000);
    timeline.observe([lease('a', undefined, 0, 1)], NOW + 12_500);
    timeline.observe([lease('a', 'r2', 30_000, 2), lease('b', 'r2', 30_000, 1)], NOW + 15_000);
    expect(timeline.changes).toEqual([
      { atSeconds: 5, shard: 'a', holder: 'r1', epoch: 1 },
      { atSeconds: 12.5, shard: 'a', epoch: 1 },
      { atSeconds: 15, shard: 'a', holder: 'r2', epoch: 2 },
      { atSeconds: 15, shard: 'b', holder: 'r2', epoch: 1 },
    ]);
  });
});

describe('acquiredAtOf', () => {
  it('is the first expiresAt less the lease length', () => {
    expect(acquiredAtOf(lease('a', 'r1', 15_000), 15_000)).toBe(NOW);
  });
});

describe('standbyIds', () => {
  it('gives ids the first replica outscores on every shard', () => {
    const shards = ['eu-west-1', '100000000001@eu-west-1', '2@us-east-1'];
    const ids = standbyIds(shards, 'takeover', 2);
    expect(ids.holder).toBe('takeover-a');
    expect(ids.standbys).toHaveLength(2);
    for (const standby of ids.standbys) {
      expect(standby).toMatch(/^takeover-[bc]\d*$/);
      for (const shard of shards) expect(rendezvousOwner(shard, [ids.holder, standby])).toBe(ids.holder);
    }
  });
});

describe.skipIf(!requireProgram('git', 'apt-get install git'))('HaFleet', () => {
  const fleets: HaFleet[] = [];
  afterEach(() => {
    for (const f of fleets.splice(0)) f.remove();
  });

  it('writes 10 templates a file and loads as every template in each of the 10 account/Region pairs', async () => {
    const environments = haEnvironments();
    expect(new Set(environments.map((e) => locationOf(e))).size).toBe(10);
    const fleet = new HaFleet({ templates: 25, clusters: 2, families: 2, prefix: 'hat', environments });
    fleets.push(fleet);
    fleet.init();
    const snapshot = await readSnapshot(fleet.root, REGION, new AbortController().signal);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services).toHaveLength(250);
    expect(new Set(snapshot.services.map((s) => locationOf(s)))).toEqual(new Set(fleet.locations));
    expect(git(fleet.root, 'ls-files', 'services').trim().split('\n')).toHaveLength(3);
  });
});
