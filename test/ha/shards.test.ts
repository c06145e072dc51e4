import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignShards, bucketOf, rendezvousOwner, shardId, shardOfCluster, shardOfQueueKey, shardsOfSnapshot } from '../../src/ha/shards.js';
import type { ManifestSnapshot } from '../../src/manifests/types.js';

describe('shards', () => {
  it.each([
    ['eu-west-1', 0, 1, 'eu-west-1'],
    ['123456789012@eu-west-1', 0, 1, '123456789012@eu-west-1'],
    ['eu-west-1', 3, 4, 'eu-west-1#3'],
  ])('shardId(%s, %d, %d) = %s', (location, bucket, buckets, expected) => {
    expect(shardId(location, bucket, buckets)).toBe(expected);
  });

  it('puts every cluster of an unsplit location in the location shard, and a capacity provider in bucket 0', () => {
    expect(shardOfCluster('eu-west-1', 'web', 1)).toBe('eu-west-1');
    expect(shardOfCluster('eu-west-1', undefined, 8)).toBe('eu-west-1#0');
    expect(shardOfQueueKey('capacity-provider:eu-west-1/spot', 8)).toBe('eu-west-1#0');
  });

  it('gives a service, its cluster, its prune key and its scheduled tasks the same shard', () => {
    for (const buckets of [1, 4, 16]) {
      const cluster = shardOfQueueKey('cluster:111122223333@us-east-1/payments', buckets);
      expect(shardOfQueueKey('111122223333@us-east-1/payments/api', buckets)).toBe(cluster);
      expect(shardOfQueueKey('scheduled-task:111122223333@us-east-1/payments/nightly', buckets)).toBe(cluster);
      expect(cluster?.startsWith('111122223333@us-east-1')).toBe(true);
    }
  });

  it('buckets are stable, in range and spread cluster names', () => {
    expect(bucketOf('web', 8)).toBe(bucketOf('web', 8));
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[bucketOf(`cluster-${i}`, 8)] = (counts[bucketOf(`cluster-${i}`, 8)] ?? 0) + 1;
    for (const n of counts) expect(n).toBeGreaterThan(800);
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (name, n) => {
      const b = bucketOf(name, n);
      return Number.isInteger(b) && b >= 0 && b < n;
    }));
  });

  it('lists every bucket of every location a snapshot names, sorted', () => {
    const snapshot = {
      services: [{ region: 'eu-west-1', cluster: 'a' }, { region: 'us-east-1', account: '111122223333', cluster: 'b' }],
      clusters: [{ region: 'eu-west-1', name: 'a' }],
      scheduledTasks: [], capacityProviders: [],
    } as unknown as ManifestSnapshot;
    expect(shardsOfSnapshot(snapshot, 1, ['ap-south-1'])).toEqual(['111122223333@us-east-1', 'ap-south-1', 'eu-west-1']);
    expect(shardsOfSnapshot(snapshot, 2)).toEqual(['111122223333@us-east-1#0', '111122223333@us-east-1#1', 'eu-west-1#0', 'eu-west-1#1']);
  });
});

describe('rendezvous hashing', () => {
  const shards = Array.from({ length: 200 }, (_, i) => `1111222233${String(i).padStart(2, '0')}@eu-west-1`);

  it('every replica computes the same owner whatever the order of the members', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 1, maxLength: 6 }), (members) => {
      const reversed = [...members].reverse();
      return shards.slice(0, 20).every((s) => rendezvousOwner(s, members) === rendezvousOwner(s, reversed));
    }));
  });

  it('a replica joining takes only shards from others to itself, and leaving moves only its own', () => {
    const before = assignShards(shards, ['r1', 'r2', 'r3']);
    const joined = assignShards(shards, ['r1', 'r2', 'r3', 'r4']);
    for (const s of shards) if (joined.get(s) !== before.get(s)) expect(joined.get(s)).toBe('r4');
    const left = assignShards(shards, ['r1', 'r3']);
    for (const s of shards) if (before.get(s) !== 'r2') expect(left.get(s)).toBe(before.get(s));
  });

  it('spreads shards roughly evenly', () => {
    const owners = [...assignShards(shards, ['r1', 'r2', 'r3']).values()];
    for (const r of ['r1', 'r2', 'r3']) expect(owners.filter((o) => o === r).length).toBeGreaterThan(40);
  });

  it('has no owner without replicas', () => {
    expect(rendezvousOwner('eu-west-1', [])).toBeUndefined();
  });
});
