/**
 * Extracts the metric names a PromQL expression selects. A small lexer, not a
 * full parser: it drops strings, label matchers, range/subquery brackets and
 * grouping label lists, then keeps identifiers that are not functions,
 * aggregations, keywords or numbers. Good enough for the expressions we ship,
 * and unit-tested so a gap shows up as a failing case rather than a silent miss.
 */

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atmodifier',
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'inf', 'nan',
]);

/** Names that Prometheus itself produces for a scrape rather than the target exporting them. */
export const SYNTHETIC_METRICS = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added', 'scrape_samples_post_metric_relabeling']);

export function metricNames(expr: string): string[] {
  let text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/#[^\n]*/g, ' '); // comments
  // Label matchers and range/subquery selectors hold label names and durations, never metric names.
  text = text.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  // Grouping and matching label lists: by (...), without (...), on (...), ignoring (...), group_left (...), group_right (...).
  text = text.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  const identifier = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  for (let match = identifier.exec(text); match; match = identifier.exec(text)) {
    const word = match[0];
    const before = text[match.index - 1];
    // Part of a number (1e3) or a Grafana variable ($__rate_interval, ${datasource}).
    if (before !== undefined && /[0-9.$]/.test(before)) continue;
    if (KEYWORDS.has(word.toLowerCase())) continue;
    const after = text.slice(match.index + word.length);
    if (/^\s*\(/.test(after)) continue; // function call
    names.add(word);
  }
  return [...names].sort();
}
