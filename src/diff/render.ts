/**
 * Renderings of diff results for people (unified-style text, colours only when
 * asked) and machines (JSON). Both mask secrets themselves, so no caller can
 * print a secret by forgetting to.
 */
import { MISSING_SERVICE_POINTER, serviceDiffStatus } from './diff-service.js';
import { maskChanges } from './secret-mask.js';
import type { Change, MaskOptions, ServiceDiffResult, ServiceDiffStatus } from './types.js';

export interface RenderOptions extends MaskOptions {
  readonly colour: boolean;
  /** What the summary line counts. @default SERVICE_NOUN */
  readonly noun?: SummaryNoun;
}

/** The singular and plural the summary line counts results with. */
export interface SummaryNoun {
  readonly one: string;
  readonly many: string;
}

export const SERVICE_NOUN: SummaryNoun = { one: 'service', many: 'services' };
export const CAPACITY_PROVIDER_NOUN: SummaryNoun = { one: 'capacity provider', many: 'capacity providers' };

export interface DiffSummary {
  readonly services: number;
  readonly inSync: number;
  readonly outOfSync: number;
  readonly missing: number;
}

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', cyan: '\u001b[36m', bold: '\u001b[1m', reset: '\u001b[0m' };

const SCOPE_LABEL: Readonly<Record<Change['scope'], string>> = {
  taskDefinition: 'new task definition revision',
  service: 'update service',
  replacement: 'REQUIRES REPLACEMENT',
  autoScaling: 'update auto scaling',
  capacityProvider: 'update capacity provider',
  scheduledTask: 'update schedule',
};

/**
 * The label of one change. A service that does not exist yet is one change
 * of scope `service` at /spec (diffService), but applying it is a
 * CreateService, not an update.
 */
export function changeLabel(change: Change, status: ServiceDiffStatus): string {
  if (status === 'missing' && change.pointer === MISSING_SERVICE_POINTER && change.kind === 'added') {
    if (change.scope === 'capacityProvider') return 'create capacity provider';
    return change.scope === 'scheduledTask' ? 'create schedule' : 'create service';
  }
  return SCOPE_LABEL[change.scope];
}

export function statusOf(result: ServiceDiffResult): ServiceDiffStatus {
  return result.status ?? serviceDiffStatus(result.changes);
}

export function summarize(results: readonly ServiceDiffResult[]): DiffSummary {
  const count = (status: ServiceDiffStatus) => results.filter((r) => statusOf(r) === status).length;
  return { services: results.length, inSync: count('in-sync'), outOfSync: count('out-of-sync'), missing: count('missing') };
}

/** "3 services: 1 in sync, 1 out of sync, 1 missing" (`summary.services` is the count of whatever `noun` names) */
export function summaryLine(summary: DiffSummary, nouns: SummaryNoun = SERVICE_NOUN): string {
  const noun = summary.services === 1 ? nouns.one : nouns.many;
  return `${summary.services} ${noun}: ${summary.inSync} in sync, ${summary.outOfSync} out of sync, ${summary.missing} missing`;
}

export function renderDiffText(results: readonly ServiceDiffResult[], options: RenderOptions): string {
  const paint = (colour: keyof typeof ANSI, text: string) => (options.colour ? `${ANSI[colour]}${text}${ANSI.reset}` : text);
  const lines: string[] = [];
  for (const result of results) {
    const status = statusOf(result);
    const changes = maskChanges(result.changes, options);
    if (status === 'in-sync') {
      lines.push(`= ${result.key}: in sync`);
      continue;
    }
    const header =
      status === 'missing'
        ? `${result.key}: missing (will be created)`
        : `${result.key}: out of sync (${changes.length} ${changes.length === 1 ? 'change' : 'changes'})`;
    lines.push(paint('bold', `--- ${result.key} (live)`), paint('bold', `+++ ${result.key} (manifest)`), paint('cyan', `@@ ${header} @@`));
    for (const change of changes) {
      const label = changeLabel(change, status);
      lines.push(`${markerOf(change)} ${change.pointer}  ${paint(change.scope === 'replacement' ? 'yellow' : 'cyan', `[${label}]`)}`);
      if (change.live !== undefined) for (const line of valueLines(change.live)) lines.push(paint('red', `-   ${line}`));
      if (change.desired !== undefined) for (const line of valueLines(change.desired)) lines.push(paint('green', `+   ${line}`));
    }
  }
  lines.push(summaryLine(summarize(results), options.noun));
  return `${lines.join('\n')}\n`;
}

/** What applying the manifest does to a service: the `action` of the JSON output, as the text labels say it. */
export type ServiceDiffAction = 'create' | 'update' | 'none';

const ACTION_OF_STATUS: Readonly<Record<ServiceDiffStatus, ServiceDiffAction>> = { 'in-sync': 'none', 'out-of-sync': 'update', missing: 'create' };

export interface DiffJson {
  readonly summary: DiffSummary;
  readonly services: readonly {
    readonly key: string;
    readonly status: ServiceDiffStatus;
    readonly action: ServiceDiffAction;
    readonly changes: readonly Change[];
  }[];
}

/** The `--output json` document (as an object; JSON.stringify it, or use renderDiffJson). */
export function diffJson(results: readonly ServiceDiffResult[], options: MaskOptions = {}): DiffJson {
  return {
    summary: summarize(results),
    services: results.map((result) => {
      const status = statusOf(result);
      return { key: result.key, status, action: ACTION_OF_STATUS[status], changes: maskChanges(result.changes, options) };
    }),
  };
}

export function renderDiffJson(results: readonly ServiceDiffResult[], options: MaskOptions = {}): string {
  return `${JSON.stringify(diffJson(results, options), null, 2)}\n`;
}

function markerOf(change: Change): string {
  return change.kind === 'added' ? '+' : change.kind === 'removed' ? '-' : '~';
}

function valueLines(value: unknown): string[] {
  return JSON.stringify(value, null, 2).split('\n');
}
