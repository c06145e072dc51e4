/**
 * HA metrics per replica (docs/ha.md "Status, metrics and alerts"), read from the
 * lease manager's counts at scrape time. `ecs_gitops_shard_held{shard}` is 1
 * on the replica that holds a shard and may write to it, 0 on every other
 * replica that knows the shard: `max by (shard)` over the replicas is 0 for
 * a shard nobody holds, which the ShardWithoutHolder alert watches.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { cumulativeCounter } from '../observe/cumulative-counter.js';
import { LEASE_TRANSITIONS, type HaCounters, type LeaseTransition } from './lease-manager.js';

export function registerHaMetrics(registry: Registry, read: () => HaCounters): void {
  if (registry.getSingleMetric('ecs_gitops_shard_held')) return;
  new Gauge({
    name: 'ecs_gitops_shard_held',
    help: 'Whether this replica holds the shard\'s lease and may write to it (1) or not (0), for every shard it knows.',
    labelNames: ['shard'], registers: [registry],
    collect() {
      this.reset();
      for (const [shard, held] of read().shards) this.set({ shard }, held ? 1 : 0);
    },
  });
  const reported: Record<LeaseTransition, number> = { acquired: 0, renewed_failed: 0, lost: 0, fenced: 0, released: 0, handed_over: 0 };
  const transitions = new Counter({
    name: 'ecs_gitops_lease_transitions_total',
    help: 'Shard lease transitions on this replica: acquired, released (shutdown or shard gone), handed_over (rebalanced), lost (taken by another), fenced (not renewed in time), renewed_failed (a renewal that did not reach the table).',
    labelNames: ['transition'], registers: [registry],
    collect() {
      const now = read().transitions;
      for (const t of LEASE_TRANSITIONS) {
        if (now[t] > reported[t]) transitions.inc({ transition: t }, now[t] - reported[t]);
        reported[t] = now[t];
      }
    },
  });
  for (const t of LEASE_TRANSITIONS) transitions.inc({ transition: t }, 0);
  cumulativeCounter(registry, 'ecs_gitops_fencing_stops_total',
    'Mutating AWS calls the write fence refused before sending: this replica did not hold (or no longer held) the shard\'s lease.',
    () => read().fencingStops);
  cumulativeCounter(registry, 'ecs_gitops_lease_table_errors_total',
    'Calls to the lease table (DynamoDB) that failed: heartbeats, reads, renewals, acquisitions, releases.',
    () => read().tableErrors);
}
