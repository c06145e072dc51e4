/**
 * Counts calls per operation through an EcsApi (idempotency checks, tests,
 * `sync` summaries). Also tracks how many calls are in flight per key so
 * tests can prove that one service is never worked on twice at once.
 */
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from './ecs-api.js';
import { MUTATING_OPERATIONS } from './ecs-api.js';

export class EcsCallCounter {
  readonly counts = new Map<EcsOperation, number>();
  readonly errors = new Map<string, number>();
  /** `Operation:ErrorName` -> count. */
  readonly errorsByOperation = new Map<string, number>();

  wrap(inner: EcsApi): EcsApi {
    return {
      send: async <Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> => {
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
        try {
          return await inner.send(operation, input, signal);
        } catch (err) {
          const name = (err as { awsName?: string; name?: string }).awsName ?? (err as Error).name;
          this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
          const detailed = `${operation}:${name}`;
          this.errorsByOperation.set(detailed, (this.errorsByOperation.get(detailed) ?? 0) + 1);
          throw err;
        }
      },
    };
  }

  count(operation: EcsOperation): number {
    return this.counts.get(operation) ?? 0;
  }

  mutatingCalls(): number {
    let total = 0;
    for (const [op, n] of this.counts) if (MUTATING_OPERATIONS.has(op)) total += n;
    return total;
  }

  reset(): void {
    this.counts.clear();
    this.errors.clear();
    this.errorsByOperation.clear();
  }
}
