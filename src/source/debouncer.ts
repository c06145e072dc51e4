/**
 * Turns a burst of file events into one call: `fn` runs `delayMs` after the
 * last `trigger()`, or at the latest `maxWaitMs` after the first one of the
 * burst, so a steady trickle of writes cannot postpone a snapshot forever.
 * Time comes from an injected Clock so tests drive it without sleeping.
 */
import type { Clock } from '../util/clock.js';

export interface Debouncer {
  trigger(): void;
  /** Drops a pending call. */
  cancel(): void;
  readonly pending: boolean;
}

export interface DebouncerOptions {
  readonly clock: Clock;
  /** Quiet period after the last event. */
  readonly delayMs: number;
  /** Longest wait from the first event of a burst. @default 10 * delayMs */
  readonly maxWaitMs?: number;
  readonly fn: () => void;
}

export function createDebouncer(options: DebouncerOptions): Debouncer {
  const { clock, delayMs, fn } = options;
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`debounce delay must be a non-negative number of ms, got ${delayMs}`);
  const maxWaitMs = options.maxWaitMs ?? Math.max(delayMs * 10, delayMs);
  let cancelTimer: (() => void) | undefined;
  let burstStart: number | undefined;

  const fire = () => {
    cancelTimer = undefined;
    burstStart = undefined;
    fn();
  };

  return {
    trigger() {
      const now = clock.now();
      burstStart ??= now;
      cancelTimer?.();
      const wait = Math.max(0, Math.min(delayMs, burstStart + maxWaitMs - now));
      cancelTimer = clock.setTimer(wait, fire);
    },
    cancel() {
      cancelTimer?.();
      cancelTimer = undefined;
      burstStart = undefined;
    },
    get pending() {
      return cancelTimer !== undefined;
    },
  };
}
