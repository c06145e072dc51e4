/**
 * Shards and their assignment (docs/ha.md "Shards"), pure: which shard a
 * location's cluster belongs to, the shards a snapshot makes, and which live
 * replica rendezvous hashing gives each shard.
 *
 * Rendezvous (highest random weight) hashing: every replica scores every
 * shard with a hash of the pair and the highest score owns it. A replica
 * joining takes only the shards it now scores highest on, and a replica
 * leaving gives up only its own, so a membership change moves the fewest
 * shards, and every replica computes the same answer from the same members.
 */
import { createHash } from 'node:crypto';
import { locationOf, parseKey, type ResourceKey } from '../keys/index.js';
import type { ManifestSnapshot } from '../manifests/types.js';

/** A location's shard for bucket `bucket` of `buckets`: the location itself when it is not split. */
export function shardId(location: string, bucket: number, buckets: number): string {
  return buckets <= 1 ? location : `${location}#${bucket}`;
}

/** FNV-1a, 32 bits: a stable bucket for a cluster name, the same in every replica and release. */
export function bucketOf(cluster: string, buckets: number): number {
  if (buckets <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < cluster.length; i++) {
    hash ^= cluster.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % buckets;
}

/** The shard of a location's cluster; a key without a cluster (a capacity provider) is its location's bucket 0. */
export function shardOfCluster(location: string, cluster: string | undefined, buckets: number): string {
  return shardId(location, cluster === undefined ? 0 : bucketOf(cluster, buckets), buckets);
}

/** The shard of a resource key. */
export function shardOfKey(key: ResourceKey, buckets: number): string {
  return shardOfCluster(locationOf(key), key.kind === 'CapacityProvider' ? undefined : key.cluster, buckets);
}

/** The shard of a queue key (its text form, src/keys); undefined for a key that cannot be parsed. */
export function shardOfQueueKey(queueKey: string, buckets: number): string | undefined {
  try {
    return shardOfKey(parseKey(queueKey), buckets);
  } catch {
    return undefined;
  }
}

/**
 * Every shard a snapshot makes: each location it names (and `extraLocations`,
 * the default Region and the environments' locations), split into all of its
 * buckets, so the set does not change as clusters come and go. Sorted.
 */
export function shardsOfSnapshot(snapshot: ManifestSnapshot, buckets: number, extraLocations: readonly string[] = []): string[] {
  const locations = new Set<string>(extraLocations);
  for (const s of snapshot.services) locations.add(locationOf(s));
  for (const c of snapshot.clusters) locations.add(locationOf(c));
  for (const t of snapshot.scheduledTasks ?? []) locations.add(locationOf(t));
  for (const p of snapshot.capacityProviders ?? []) locations.add(locationOf(p));
  const shards: string[] = [];
  for (const location of locations) for (let b = 0; b < Math.max(1, buckets); b++) shards.push(shardId(location, b, buckets));
  return shards.sort();
}

/** The replica's score for a shard (64 bits of SHA-256 of the pair). */
export function rendezvousScore(replicaId: string, shard: string): bigint {
  return createHash('sha256').update(replicaId).update('\0').update(shard).digest().readBigUInt64BE(0);
}

/** The live replica with the highest score for `shard`; ties (never in practice) go to the smaller id. */
export function rendezvousOwner(shard: string, replicas: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const replica of replicas) {
    const score = rendezvousScore(replica, shard);
    if (score > bestScore || (score === bestScore && best !== undefined && replica < best)) {
      best = replica;
      bestScore = score;
    }
  }
  return best;
}

/** Each shard's owner among `replicas`. */
export function assignShards(shards: readonly string[], replicas: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const shard of shards) {
    const owner = rendezvousOwner(shard, replicas);
    if (owner !== undefined) out.set(shard, owner);
  }
  return out;
}
