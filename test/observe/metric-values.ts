/** Reads series out of a prom-client registry for assertions (test helper). */
import type { Registry } from 'prom-client';

export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

export async function seriesOf(registry: Registry, name: string): Promise<Series[]> {
  // Histogram samples (_bucket, _sum, _count) live under the base metric name.
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const all = await registry.getMetricsAsJSON();
  const metric = all.find((m) => m.name === name) ?? all.find((m) => m.name === base);
  if (!metric) return [];
  return metric.values
    .map((v) => ({
      name: (v as { metricName?: string }).metricName ?? metric.name,
      labels: v.labels as Record<string, string | number>,
      value: v.value,
    }))
    .filter((s) => s.name === name);
}

export async function valueOf(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const series = await seriesOf(registry, name);
  const match = series.find(
    (s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length
      && Object.entries(labels).every(([k, v]) => String(s.labels[k]) === v),
  );
  return match?.value;
}
