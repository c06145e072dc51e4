/**
 * The notification metrics (docs/notifications.md#status-and-metrics), defined on the
 * controller's private registry next to src/observe/metrics.ts. Series of a
 * configured sink are created at 0 (every result for each event type its
 * notifier selects) so `increase()` works from the first scrape; the gauges
 * of a sink that is no longer configured are removed.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventType } from '../events/types.js';

export const NOTIFICATION_RESULTS = ['delivered', 'given_up', 'skipped', 'rejected'] as const;
export type NotificationResult = (typeof NOTIFICATION_RESULTS)[number];

const SINK_LABELS = ['notifier', 'sink'] as const;

export interface SinkLabels {
  readonly notifier: string;
  readonly sink: string;
}

export interface NotifyMetrics {
  /** A sink appears (configured): its series at 0, `up` as given. */
  initSink(labels: SinkLabels, types: readonly EventType[], up: boolean): void;
  /** A sink is no longer configured: its gauges go. */
  removeSink(labels: SinkLabels): void;
  setUp(labels: SinkLabels, up: boolean): void;
  setPending(labels: SinkLabels, pending: number): void;
  result(labels: SinkLabels, type: EventType, result: NotificationResult): void;
  retry(labels: SinkLabels): void;
  /** Seconds from the event's hand-over to its delivery (retries and rate limiting included). */
  deliverySeconds(labels: SinkLabels, seconds: number): void;
}

/** A metric already on the registry (a second dispatcher on the same registry, in tests) is reused. */
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createNotifyMetrics(registry: Registry): NotifyMetrics {
  const registers = [registry];
  const total = reuse(registry, 'ecs_gitops_notifications_total', () => new Counter({
    name: 'ecs_gitops_notifications_total',
    help: 'Notifications finished per sink and event type: delivered, given_up (retry bound reached), rejected (a 4xx, not retried), skipped (nothing to say).',
    labelNames: [...SINK_LABELS, 'type', 'result'] as const,
    registers,
  }));
  const retries = reuse(registry, 'ecs_gitops_notification_retries_total', () => new Counter({
    name: 'ecs_gitops_notification_retries_total',
    help: 'Delivery attempts that failed and were retried (5xx, 429, timeouts, network errors).',
    labelNames: SINK_LABELS,
    registers,
  }));
  const pending = reuse(registry, 'ecs_gitops_notification_pending', () => new Gauge({
    name: 'ecs_gitops_notification_pending',
    help: 'Notifications waiting for a sink (queued, being sent or retried; a misconfigured sink\'s wait here until it is fixed).',
    labelNames: SINK_LABELS,
    registers,
  }));
  const duration = reuse(registry, 'ecs_gitops_notification_delivery_seconds', () => new Histogram({
    name: 'ecs_gitops_notification_delivery_seconds',
    help: 'Seconds from an event\'s hand-over to the sink\'s acceptance of it, retries and rate limiting included.',
    labelNames: SINK_LABELS,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers,
  }));
  const up = reuse(registry, 'ecs_gitops_notifier_sink_up', () => new Gauge({
    name: 'ecs_gitops_notifier_sink_up',
    help: '1 when a notifier sink could be built (its secrets read), 0 when it is misconfigured (see /api/v1/status notifiers).',
    labelNames: SINK_LABELS,
    registers,
  }));
  return {
    initSink(labels, types, isUp) {
      for (const type of types) for (const result of NOTIFICATION_RESULTS) total.inc({ ...labels, type, result }, 0);
      retries.inc(labels, 0);
      pending.set(labels, 0);
      up.set(labels, isUp ? 1 : 0);
    },
    removeSink(labels) {
      pending.remove(labels);
      up.remove(labels);
    },
    setUp: (labels, isUp) => up.set(labels, isUp ? 1 : 0),
    setPending: (labels, count) => pending.set(labels, count),
    result: (labels, type, result) => total.inc({ ...labels, type, result }),
    retry: (labels) => retries.inc(labels),
    deliverySeconds: (labels, seconds) => duration.observe(labels, seconds),
  };
}
