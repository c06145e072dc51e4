/** Structural checks on deploy/grafana/ecs-gitops.dashboard.json, so it imports cleanly into Grafana. */
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerHaMetrics } from '../../src/ha/ha-metrics.js';
import { createNotifyMetrics } from '../../src/notify/notify-metrics.js';
import { createMetrics } from '../../src/observe/metrics.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/ecs-gitops.dashboard.json', import.meta.url), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};

describe('Grafana dashboard', () => {
  it('has a stable uid and title', () => {
    expect(dashboard.uid).toBe('ecs-gitops');
    expect(dashboard.title).toBe('ecs-gitops');
  });

  it('gives every panel a unique id and a position inside the 24-column grid, without overlaps', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let col = x; col < x + w; col++) {
        for (let row = y; row < y + h; row++) {
          const cell = `${col},${row}`;
          expect(cells.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it('queries through the datasource variable, with a refId per target', () => {
    const variables = dashboard.templating.list.map((v) => v.name);
    expect(variables).toEqual(['datasource', 'account', 'region', 'cluster']);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets?.map((t) => t.refId) ?? [];
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const target of panel.targets ?? []) expect(target.expr.length).toBeGreaterThan(0);
    }
  });

  it('filters every per-service query by the account variable too (the same service name in two accounts is two series)', () => {
    const filtered = dashboard.panels.flatMap((p) => p.targets ?? []).filter((t) => t.expr.includes('region=~"$region"'));
    expect(filtered.length).toBeGreaterThan(0);
    for (const target of filtered) expect(target.expr).toContain('account=~"$account", region=~"$region"');
  });

  it.each([
    'Services by sync status', 'Services by health', 'Services out of sync', 'Reconciles by result', 'AWS calls by operation',
    'AWS throttles and errors', 'Queue depth', 'Rollout outcomes',
    'Deployment duration p50 / p95 by result', 'Rollout stage', 'Rollouts waiting for approval',
    'Notifications delivered by sink', 'Notifications given up by sink', 'Notifications pending', 'Notifier sinks',
  ])('has the %s panel the issue asks for', (title) => {
    expect(dashboard.panels.map((p) => p.title)).toContain(title);
  });

  const exprsOf = (title: string): string[] => dashboard.panels.find((p) => p.title === title)?.targets?.map((t) => t.expr) ?? [];

  it('shows the deployment duration p50 and p95 per result from the histogram\'s buckets', () => {
    expect(exprsOf('Deployment duration p50 / p95 by result')).toEqual([
      'histogram_quantile(0.5, sum by (result, le) (rate(ecs_gitops_deployment_duration_seconds_bucket[$__rate_interval])))',
      'histogram_quantile(0.95, sum by (result, le) (rate(ecs_gitops_deployment_duration_seconds_bucket[$__rate_interval])))',
    ]);
  });

  it('lists each followed rollout with its stage, and how long each rollout waiting for approval has waited', () => {
    expect(exprsOf('Rollout stage')).toEqual([expect.stringMatching(/^max by \(account, region, cluster, service, stage\) \(ecs_gitops_rollout_stage\{.*\}\) == 1$/)]);
    expect(exprsOf('Rollouts waiting for approval')).toEqual([
      expect.stringMatching(/^time\(\) - max by \(account, region, cluster, service\) \(ecs_gitops_rollout_waiting_for_approval_since_seconds\{.*\}\)$/),
    ]);
  });

  it('shows per notifier sink what was delivered, given up or rejected, what waits, and whether the sink is up, under a Notifications row', () => {
    const row = dashboard.panels.find((p) => p.type === 'row' && p.title === 'Notifications');
    expect(row).toBeDefined();
    const below = dashboard.panels.filter((p) => p.type !== 'row' && p.gridPos.y > (row?.gridPos.y ?? 0)).sort((a, b) => a.gridPos.y - b.gridPos.y);
    const nextRow = dashboard.panels.filter((p) => p.type === 'row' && p.gridPos.y > (row?.gridPos.y ?? 0)).sort((a, b) => a.gridPos.y - b.gridPos.y)[0];
    const inRow = below.filter((p) => nextRow === undefined || p.gridPos.y < nextRow.gridPos.y).map((p) => p.title);
    expect(inRow).toEqual(expect.arrayContaining(['Notifications delivered by sink', 'Notifications given up by sink', 'Notifications pending', 'Notifier sinks']));
    expect(exprsOf('Notifications delivered by sink')).toEqual([
      'sum by (notifier, sink) (rate(ecs_gitops_notifications_total{result="delivered"}[$__rate_interval]))',
    ]);
    // The same results NotificationsGivenUp pages on (deploy/prometheus/ecs-gitops.rules.yaml).
    expect(exprsOf('Notifications given up by sink')[0]).toBe(
      'sum by (notifier, sink, result) (increase(ecs_gitops_notifications_total{result=~"given_up|rejected"}[$__rate_interval]))',
    );
    expect(exprsOf('Notifications pending')).toEqual(['max by (notifier, sink) (ecs_gitops_notification_pending)']);
    expect(exprsOf('Notifier sinks')).toEqual(['max by (notifier, sink) (ecs_gitops_notifier_sink_up)']);
  });

  it('queries only metrics the controller exports', async () => {
    const registry = new Registry();
    createMetrics(registry, { defaultMetrics: false });
    createNotifyMetrics(registry);
    registerHaMetrics(registry, () => ({
      transitions: { acquired: 0, renewed_failed: 0, lost: 0, fenced: 0, released: 0, handed_over: 0 },
      fencingStops: 0, tableErrors: 0, shards: new Map(),
    }));
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const histogramSeries = /_(bucket|sum|count)$/;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        for (const [metric] of target.expr.matchAll(/\becs_gitops_\w+/g)) {
          const known = exported.has(metric) || exported.has(metric.replace(histogramSeries, ''));
          expect(known, `${panel.title}: ${metric}`).toBe(true);
        }
      }
    }
  });
});
