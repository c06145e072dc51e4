/**
 * Reconcile deadlines shared by the reconciles that fall due together.
 *
 * Every reconcile must give up after `timeoutMs` and when the controller
 * shuts down. One AbortController, shutdown listener and timer per reconcile
 * did that, at about 15-20 µs of CPU each (AbortSignal construction is an
 * EventTarget's): 0.2 s of a 10,000-service resync. Here reconciles whose
 * deadlines round up to the same `granularityMs` step share one signal, so a
 * resync makes a few dozen of them instead of one per service. A deadline
 * can therefore fire up to `granularityMs` late (at most a second, and a
 * tenth of the timeout for short ones), never early.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../util/clock.js';

export interface DeadlineLease {
  /** Aborts at the deadline (reason: an Error saying so) or on shutdown (the shutdown signal's reason). */
  readonly signal: AbortSignal;
  /** Call once the reconcile is over; the shared timer stops when its last reconcile is done. */
  release(): void;
}

interface Bucket {
  readonly controller: AbortController;
  users: number;
  close(): void;
}

export class SharedDeadlines {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #granularityMs: number;
  readonly #shutdown: AbortSignal;
  /** Open buckets by the time they fall due. */
  readonly #buckets = new Map<number, Bucket>();

  constructor(clock: Clock, timeoutMs: number, shutdown: AbortSignal) {
    if (!(timeoutMs > 0)) throw new RangeError(`the reconcile timeout must be above 0 ms, got ${timeoutMs}`);
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#granularityMs = Math.max(1, Math.min(1000, Math.floor(timeoutMs / 10)));
    this.#shutdown = shutdown;
  }

  /** Buckets with a reconcile still running (for tests: they must not pile up). */
  get open(): number {
    return this.#buckets.size;
  }

  /** A deadline `timeoutMs` (up to a granularity step more) from now. */
  acquire(): DeadlineLease {
    const now = this.#clock.now();
    const due = Math.ceil((now + this.#timeoutMs) / this.#granularityMs) * this.#granularityMs;
    const bucket = this.#buckets.get(due) ?? this.#openBucket(due, now);
    bucket.users++;
    let released = false;
    return {
      signal: bucket.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        bucket.users--;
        if (bucket.users === 0) {
          bucket.close();
          if (this.#buckets.get(due) === bucket) this.#buckets.delete(due);
        }
      },
    };
  }

  #openBucket(due: number, now: number): Bucket {
    const controller = new AbortController();
    // Every SDK call and wait of the bucket's reconciles listens on this one signal.
    setMaxListeners(0, controller.signal);
    const onShutdown = () => controller.abort(this.#shutdown.reason);
    if (this.#shutdown.aborted) onShutdown();
    else this.#shutdown.addEventListener('abort', onShutdown, { once: true });
    const cancelTimer = this.#clock.setTimer(due - now, () => {
      controller.abort(new Error(`reconcile took longer than ${this.#timeoutMs} ms`));
    });
    const bucket: Bucket = {
      controller,
      users: 0,
      close: () => {
        cancelTimer();
        this.#shutdown.removeEventListener('abort', onShutdown);
      },
    };
    this.#buckets.set(due, bucket);
    return bucket;
  }
}
