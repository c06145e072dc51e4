/**
 * What /readyz reports: the controller is ready once it has loaded its first
 * manifest snapshot and completed its first read of live ECS. Components mark
 * conditions as they happen; the HTTP server asks `check()`. Conditions can be
 * added (e.g. "sandbox started") so a caller sees every unmet reason at once.
 */
import type { Readiness } from './http-server.js';

export const SNAPSHOT_LOADED = 'first manifest snapshot not loaded yet';
export const LIVE_READ_DONE = 'first read of live ECS not done yet';

export class ReadinessTracker {
  readonly #pending: Set<string>;

  /** Starts with the two standard conditions plus any `extra` reasons. */
  constructor(extra: readonly string[] = []) {
    this.#pending = new Set([SNAPSHOT_LOADED, LIVE_READ_DONE, ...extra]);
  }

  markSnapshotLoaded(): void {
    this.#pending.delete(SNAPSHOT_LOADED);
  }

  markLiveReadDone(): void {
    this.#pending.delete(LIVE_READ_DONE);
  }

  /** Satisfies a condition given to the constructor (no-op when already met or unknown). */
  satisfy(reason: string): void {
    this.#pending.delete(reason);
  }

  check(): Readiness {
    return { ready: this.#pending.size === 0, reasons: [...this.#pending] };
  }
}
