/**
 * The keyed work queue (after client-go's workqueue): it carries only keys
 * ("region/cluster/service"); a key added while queued merges with the queued
 * one (dirty set); a key added while a worker holds it is parked and queued
 * again when the worker finishes (processing set), so no key is ever worked by
 * two workers at once. Failures back off per key (exponential, jittered,
 * bounded) and the count resets on success. p-queue is only the executor that
 * bounds how many keys are worked at the same time.
 */
import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { Clock } from '../util/clock.js';

/** What a handler asks for after a successful pass. */

/** The step delayed adds of a second or more are due on (see addAfter). */
const DUE_STEP_MS = 100;
export interface WorkResult {
  /** Look at the key again after this delay (rollout tracking); no failure is counted. */
  readonly requeueAfterMs?: number;
}

export type WorkHandler = (key: string, signal: AbortSignal) => Promise<WorkResult | void>;

/** Optional hooks for metrics; all times in seconds. */
export interface WorkQueueObserver {
  onAdd?(key: string): void;
  onDepth?(depth: number): void;
  onRetry?(key: string, delayMs: number, failures: number): void;
  onQueueDuration?(seconds: number): void;
  onWorkDuration?(seconds: number): void;
  /** A handler threw: the error is passed on once, before the retry is scheduled. */
  onError?(key: string, err: unknown, failures: number): void;
  /** A key failed more than maxRetries times in a row and was dropped. */
  onGiveUp?(key: string, err: unknown, failures: number): void;
}

export interface WorkQueueOptions {
  readonly clock: Clock;
  readonly handler: WorkHandler;
  /** Keys worked at the same time. @default 4 */
  readonly workers?: number;
  /** First retry delay. @default 1000 */
  readonly baseBackoffMs?: number;
  /** Longest retry delay. @default 300000 */
  readonly maxBackoffMs?: number;
  /** Fraction of the delay taken off at random (0-1) so retries spread out. @default 0.2 */
  readonly jitter?: number;
  /** Random source in [0, 1). @default Math.random */
  readonly random?: () => number;
  readonly observer?: WorkQueueObserver;
  /** Consecutive failures after which a key is dropped instead of retried (one-shot runs). @default Infinity */
  readonly maxRetries?: number;
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #handler: WorkHandler;
  readonly #executor: PQueue;
  readonly #base: number;
  readonly #max: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #observer: WorkQueueObserver;
  readonly #maxRetries: number;
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Map<string, number>();
  readonly #addedAt = new Map<string, number>();
  readonly #failures = new Map<string, number>();
  /** Key -> when its delayed add is due. */
  readonly #timers = new Map<string, number>();
  /**
   * One timer per due time, adding all its keys in one callback: keys due at
   * the same moment (followed rollouts polled on a shared tick) start in the
   * same turn, so their reads are batched together.
   */
  readonly #due = new Map<number, { readonly keys: Set<string>; readonly cancel: () => void }>();
  readonly #abort = new AbortController();
  #shuttingDown = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions) {
    const workers = options.workers ?? 4;
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a whole number >= 1, got ${JSON.stringify(options.workers)}`);
    const jitter = options.jitter ?? 0.2;
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be between 0 and 1, got ${jitter}`);
    this.#clock = options.clock;
    this.#handler = options.handler;
    this.#executor = new PQueue({ concurrency: workers });
    this.#base = options.baseBackoffMs ?? 1000;
    this.#max = options.maxBackoffMs ?? 300_000;
    this.#jitter = jitter;
    this.#random = options.random ?? Math.random;
    this.#observer = options.observer ?? {};
    // Every running handler's IO listens on the one shutdown signal.
    setMaxListeners(0, this.#abort.signal);
    this.#maxRetries = options.maxRetries ?? Infinity;
  }

  /** Keys waiting for a worker. */
  get depth(): number {
    return this.#queue.length;
  }

  /** Keys being worked on right now. */
  get processing(): readonly string[] {
    return [...this.#processing.keys()];
  }

  /** Keys with a delayed add pending. */
  get scheduled(): readonly string[] {
    return [...this.#timers.keys()];
  }

  /** The signal every handler gets: aborted when shutdown stops waiting for running handlers. */
  get shutdownSignal(): AbortSignal {
    return this.#abort.signal;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Seconds the longest-running handler has been running (0 when idle). */
  longestRunningSeconds(): number {
    const now = this.#clock.now();
    let longest = 0;
    for (const started of this.#processing.values()) longest = Math.max(longest, (now - started) / 1000);
    return longest;
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  add(key: string): void {
    if (this.#shuttingDown) return;
    this.#observer.onAdd?.(key);
    if (this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#clock.now());
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  /** Adds `key` after `ms`; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const now = this.#clock.now();
    // Delays of a second or more fall due on DUE_STEP_MS steps: keys meant for one moment (followed rollouts
    // polled on a shared tick, computed by passes that ended a few ms apart) share one timer.
    const at = ms >= 1000 ? Math.max(now + 1, Math.round((now + ms) / DUE_STEP_MS) * DUE_STEP_MS) : now + ms;
    const existing = this.#timers.get(key);
    if (existing !== undefined && existing <= at) return;
    if (existing !== undefined) this.#unschedule(key, existing);
    let group = this.#due.get(at);
    if (!group) {
      const keys = new Set<string>();
      const cancel = this.#clock.setTimer(at - now, () => {
        this.#due.delete(at);
        for (const k of keys) this.#timers.delete(k);
        for (const k of keys) this.add(k);
      });
      group = { keys, cancel };
      this.#due.set(at, group);
    }
    group.keys.add(key);
    this.#timers.set(key, at);
  }

  #unschedule(key: string, at: number): void {
    this.#timers.delete(key);
    const group = this.#due.get(at);
    if (!group) return;
    group.keys.delete(key);
    if (group.keys.size === 0) {
      group.cancel();
      this.#due.delete(at);
    }
  }

  /** The delay before retrying `key` after its `failures`-th consecutive failure. */
  backoffMs(failures: number): number {
    const exponential = Math.min(this.#max, this.#base * 2 ** Math.min(30, Math.max(0, failures - 1)));
    return Math.max(1, Math.round(exponential * (1 - this.#jitter * this.#random())));
  }

  #enqueue(key: string): void {
    this.#queue.push(key);
    this.#observer.onDepth?.(this.#queue.length);
    void this.#executor.add(() => this.#workOne());
  }

  async #workOne(): Promise<void> {
    const key = this.#queue.shift();
    if (key === undefined) return;
    this.#observer.onDepth?.(this.#queue.length);
    if (this.#shuttingDown) {
      this.#dirty.delete(key);
      this.#checkIdle();
      return;
    }
    const started = this.#clock.now();
    this.#observer.onQueueDuration?.((started - (this.#addedAt.get(key) ?? started)) / 1000);
    this.#dirty.delete(key);
    this.#processing.set(key, started);
    try {
      const result = await this.#handler(key, this.#abort.signal);
      this.#failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      this.#observer.onError?.(key, err, failures);
      if (failures > this.#maxRetries) {
        this.#failures.delete(key);
        this.#observer.onGiveUp?.(key, err, failures);
      } else if (!this.#shuttingDown) {
        const delay = this.backoffMs(failures);
        this.#observer.onRetry?.(key, delay, failures);
        this.addAfter(key, delay);
      }
    } finally {
      this.#processing.delete(key);
      this.#observer.onWorkDuration?.((this.#clock.now() - started) / 1000);
      // Re-added while we held it: now it may run again.
      if (this.#dirty.has(key) && !this.#shuttingDown) this.#enqueue(key);
      this.#checkIdle();
    }
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#processing.size === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when nothing is queued or running (delayed adds may still be pending). */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work: pending and delayed keys are dropped, handlers get
   * `graceMs` to finish, then their AbortSignal fires. Resolves once every
   * handler has returned, or `graceMs + abortWaitMs` after the call at most.
   */
  async shutdown(options: { graceMs?: number; abortWaitMs?: number } = {}): Promise<void> {
    this.#shuttingDown = true;
    for (const group of this.#due.values()) group.cancel();
    this.#due.clear();
    this.#timers.clear();
    this.#queue.length = 0;
    this.#dirty.clear();
    this.#executor.clear();
    const graceMs = options.graceMs ?? 5000;
    const abortWaitMs = options.abortWaitMs ?? 5000;
    const settled = this.onIdle();
    const waitUpTo = (ms: number) => new Promise<boolean>((resolve) => {
      const cancel = this.#clock.setTimer(ms, () => resolve(false));
      void settled.then(() => {
        cancel();
        resolve(true);
      });
    });
    if (await waitUpTo(graceMs)) return;
    this.#abort.abort(new Error('shutting down'));
    await waitUpTo(abortWaitMs);
  }
}
