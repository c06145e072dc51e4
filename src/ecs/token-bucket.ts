/**
 * A token bucket on an injected clock, with adaptive slow-down: when AWS still
 * answers ThrottlingException, the refill rate halves (down to a floor) and the
 * bucket is emptied; each success then restores a little of the rate until it
 * is back at its configured value. Waiters are served first come, first served.
 */
import { sleep, type Clock } from '../util/clock.js';

export interface BucketLimits {
  /** Bucket size: calls allowed at once after idling. */
  readonly burst: number;
  /** Sustained calls per second. */
  readonly refillPerSecond: number;
}

export class TokenBucket {
  readonly name: string;
  readonly limits: BucketLimits;
  readonly #clock: Clock;
  #tokens: number;
  #rate: number;
  #last: number;
  #tail: Promise<void> = Promise.resolve();

  constructor(name: string, limits: BucketLimits, clock: Clock) {
    if (!(limits.burst >= 1) || !(limits.refillPerSecond > 0)) {
      throw new RangeError(`bucket ${name}: burst must be >= 1 and refillPerSecond > 0, got ${JSON.stringify(limits)}`);
    }
    this.name = name;
    this.limits = limits;
    this.#clock = clock;
    this.#tokens = limits.burst;
    this.#rate = limits.refillPerSecond;
    this.#last = clock.now();
  }

  /** Current refill rate (lower than configured after throttling). */
  get rate(): number {
    return this.#rate;
  }

  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.limits.burst, this.#tokens + elapsed * this.#rate);
  }

  /** Takes one token, waiting for it in arrival order. Resolves to the seconds waited. */
  async take(signal?: AbortSignal): Promise<number> {
    const previous = this.#tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // The next waiter goes after both us and everyone before us, even if we abort.
    this.#tail = Promise.all([previous, mine]).then(() => undefined);
    const started = this.#clock.now();
    try {
      if (signal) {
        let onAbort = (): void => undefined;
        try {
          await Promise.race([
            previous,
            new Promise<never>((_, reject) => {
              onAbort = () => reject(signal.reason);
              if (signal.aborted) onAbort();
              signal.addEventListener('abort', onAbort, { once: true });
            }),
          ]);
        } finally {
          // One signal serves every call of a reconcile: leave no listener behind per call.
          signal.removeEventListener('abort', onAbort);
        }
      } else {
        await previous;
      }
      for (;;) {
        this.#refill();
        if (this.#tokens >= 1) {
          this.#tokens -= 1;
          return (this.#clock.now() - started) / 1000;
        }
        const waitMs = Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
        await sleep(this.#clock, Math.max(1, waitMs), signal);
      }
    } finally {
      release();
    }
  }

  /** AWS throttled a call of this category anyway: halve the rate and start from empty. */
  penalize(): void {
    this.#refill();
    this.#rate = Math.max(this.limits.refillPerSecond / 16, this.#rate / 2);
    this.#tokens = Math.min(this.#tokens, 0);
  }

  /** A call succeeded: win back a tenth of the configured rate, up to it. */
  reward(): void {
    if (this.#rate >= this.limits.refillPerSecond) return;
    this.#refill();
    this.#rate = Math.min(this.limits.refillPerSecond, this.#rate + this.limits.refillPerSecond / 10);
  }
}
