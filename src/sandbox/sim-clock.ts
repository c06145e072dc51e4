/**
 * The sandbox's simulated clock. Deployments and task start-up run on it; it
 * moves with real time multiplied by a speed factor (0 freezes it) and jumps
 * forward with advance(), so tests can drive a rollout step by step without
 * sleeping.
 */
export class SimClock {
  readonly #realNow: () => number;
  #anchorReal: number;
  #anchorSim: number;
  #speed: number;

  constructor(options: { speed?: number; realNow?: () => number; start?: number } = {}) {
    this.#realNow = options.realNow ?? Date.now;
    this.#speed = checkSpeed(options.speed ?? 1);
    this.#anchorReal = this.#realNow();
    this.#anchorSim = options.start ?? this.#anchorReal;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.#anchorSim + (this.#realNow() - this.#anchorReal) * this.#speed;
  }

  get speed(): number {
    return this.#speed;
  }

  setSpeed(speed: number): void {
    this.#reanchor();
    this.#speed = checkSpeed(speed);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms) needs a non-negative number, got ${ms}`);
    this.#reanchor();
    this.#anchorSim += ms;
  }

  #reanchor(): void {
    this.#anchorSim = this.now();
    this.#anchorReal = this.#realNow();
  }
}

function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError(`clock speed must be a number >= 0, got ${speed}`);
  return speed;
}
