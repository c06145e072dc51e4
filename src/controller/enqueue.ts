/**
 * Putting keys on the queue with read-ahead: declared services are queued in
 * groups of up to 10 per cluster (DescribeServices' limit), and each group is
 * announced to its location's reader (EcsReader.planBatch; one per account
 * and Region). The first reconcile
 * of a group reads the whole group in one DescribeServices and the others
 * take their answers from that read. Whole-fleet passes (the first snapshot
 * after a start, a resync, a commit touching many services) cost
 * ceil(n / 10) reads per cluster, and the answers are fresh however long the
 * pass takes (10,000 services need about a minute of reads at ECS's rates).
 */
import type { DesiredService } from '../manifests/types.js';
import { DESCRIBE_SERVICES_MAX } from '../ecs/ecs-reader.js';
import { clusterIdentity, locationOf } from '../keys/index.js';
import type { DesiredIndex } from './reconciler.js';
import type { RegionAccessPool } from './regions.js';
import type { WorkQueue } from './workqueue.js';

/** Declared services grouped by cluster, in the order given. */
function groupByCluster(services: Iterable<DesiredService>): Map<string, DesiredService[]> {
  const byCluster = new Map<string, DesiredService[]>();
  for (const s of services) {
    const id = clusterIdentity(s.region, s.cluster, s.account);
    const list = byCluster.get(id);
    if (list) list.push(s);
    else byCluster.set(id, [s]);
  }
  return byCluster;
}

/**
 * Queues `queueKeys`. Keys of declared, unblocked services not being
 * reconciled right now go in read-ahead groups; every other key (clusters,
 * prune keys, removed or blocked services) is queued as it is.
 */
export function enqueueWithReadAhead(queueKeys: Iterable<string>, desired: DesiredIndex | undefined, queue: WorkQueue, regions: RegionAccessPool): void {
  const processing = new Set(queue.processing);
  const grouped: DesiredService[] = [];
  for (const key of queueKeys) {
    const s = desired?.services.get(key);
    if (!s || desired?.snapshot.blockedKeys.has(key) || processing.has(key)) queue.add(key);
    else grouped.push(s);
  }
  // Groups are queued taking turns between locations: each location has its own buckets, and a worker
  // waiting for a token keeps its slot, so keys queued location after location let the first location's
  // waits hold every worker while the other locations' buckets sat idle (BENCHMARKS.md, issue 21).
  const byLocation = new Map<string, DesiredService[][]>();
  for (const list of groupByCluster(grouped).values()) {
    const location = locationOf(list[0] as DesiredService);
    const groups = byLocation.get(location) ?? [];
    for (let i = 0; i < list.length; i += DESCRIBE_SERVICES_MAX) groups.push(list.slice(i, i + DESCRIBE_SERVICES_MAX));
    byLocation.set(location, groups);
  }
  for (const group of takingTurns([...byLocation.values()])) {
    const first = group[0] as DesiredService;
    try {
      regions.get(locationOf(first)).reader.planBatch(first.cluster, group.map((s) => s.name));
    } catch {
      // Read-ahead only saves calls: a location whose access cannot be made fails in its own reconciles.
    }
    for (const s of group) queue.add(s.key);
  }
}

/** The first item of each list, then the second of each, and so on: [[a1, a2], [b1]] gives a1, b1, a2. */
export function* takingTurns<T>(lists: readonly (readonly T[])[]): Generator<T> {
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let turn = 0; turn < longest; turn++) {
    for (const list of lists) if (turn < list.length) yield list[turn] as T;
  }
}
