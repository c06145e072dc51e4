/**
 * Sync and health as text plus a symbol (never colour alone: the colour is
 * a third cue for those who see it). The lists are kept here rather than
 * imported from src/controller/status.ts, whose runtime imports must not
 * reach the bundle; the Record types make them complete.
 */
import type { HealthStatus, SyncStatus } from '../../src/controller/status.js';

const SYNC_SYMBOLS: Readonly<Record<SyncStatus, string>> = { Synced: '✓', OutOfSync: '≠', Unknown: '?' };
const HEALTH_SYMBOLS: Readonly<Record<HealthStatus, string>> = {
  Healthy: '♥',
  Progressing: '↻',
  Degraded: '✕',
  Missing: '∅',
  Suspended: '‖',
  Unknown: '?',
};

export const SYNC_STATUSES = Object.keys(SYNC_SYMBOLS) as SyncStatus[];
export const HEALTH_STATUSES = Object.keys(HEALTH_SYMBOLS) as HealthStatus[];

function symbolOf(kind: 'sync' | 'health', value: string): string {
  const table: Readonly<Record<string, string>> = kind === 'sync' ? SYNC_SYMBOLS : HEALTH_SYMBOLS;
  return table[value] ?? '?';
}

/** A status as `<symbol> <text>`; the symbol is decoration (aria-hidden), the text is what a screen reader says. */
export function StatusBadge({ kind, value }: { readonly kind: 'sync' | 'health'; readonly value: string }) {
  return (
    <span class={`status status-${kind} status-${value}`}>
      <span class="status-symbol" aria-hidden="true">{symbolOf(kind, value)}</span> {value}
    </span>
  );
}
