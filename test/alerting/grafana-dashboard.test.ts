/** Structural checks on deploy/grafana/ecs-gitops.dashboard.json, so it imports cleanly into Grafana. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

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
  ])('has the %s panel the issue asks for', (title) => {
    expect(dashboard.panels.map((p) => p.title)).toContain(title);
  });
});
