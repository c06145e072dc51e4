/**
 * The web UI stream's metrics (docs/observability.md "Web UI"): how many
 * pages are open, and how often the stream's bounds acted. Read from the
 * hub's own counts at scrape time, so the stream's hot path has no metric
 * calls. Registered once per registry (a second server on the same registry
 * is not reported: one controller runs one server).
 */
import { Gauge, type Registry } from 'prom-client';
import { cumulativeCounter } from '../observe/cumulative-counter.js';

export interface StreamCounts {
  /** Streams open now. */
  readonly clients: number;
  /** Clients reset for falling behind, since start. */
  readonly overflows: number;
  /** Batches sent as one `resync`, since start. */
  readonly resyncs: number;
  /** Streams refused with 503 (all slots taken), since start. */
  readonly refused: number;
}

export function registerStreamMetrics(registry: Registry, read: () => StreamCounts): void {
  if (registry.getSingleMetric('ecs_gitops_ui_streams')) return;
  new Gauge({
    name: 'ecs_gitops_ui_streams', help: 'Web UI live streams (GET /api/v1/stream) open now.', registers: [registry],
    collect() {
      this.set(read().clients);
    },
  });
  cumulativeCounter(registry, 'ecs_gitops_ui_stream_overflows_total', 'Web UI streams reset and closed because the client fell more than 1 MiB behind.', () => read().overflows);
  cumulativeCounter(registry, 'ecs_gitops_ui_stream_resyncs_total', 'Stream batches sent as one resync (too many changes at once) instead of one message per service.', () => read().resyncs);
  cumulativeCounter(registry, 'ecs_gitops_ui_streams_refused_total', 'Web UI streams refused with 503 because every slot was taken.', () => read().refused);
}
