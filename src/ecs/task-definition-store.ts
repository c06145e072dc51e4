/**
 * Where what the controller learned about task definitions outlives the
 * process (issue 25, docs/ha.md "Warm restart and takeover"). A task
 * definition revision is immutable, so a DescribeTaskDefinition answer stays
 * true: a restarted controller (the state dir) or a replica taking a shard
 * over (the lease table) loads the answers instead of reading every live
 * task definition again at DescribeTaskDefinition's 20/s.
 *
 * EcsReader (one per location) loads its location's entries once, before its
 * first task definition look-up, and hands every answer it reads from ECS, or
 * registers, to `save`. A store that fails to load or save never fails a
 * reconcile: the reader falls back to ECS and the failure is logged by the store.
 */
import type { LiveTaskDefinition } from './ecs-reader.js';

export interface TaskDefinitionStore {
  /** Every task definition kept for `location` (`[account@]region`, src/keys); [] when none or unreadable. */
  load(location: string, signal?: AbortSignal): Promise<LiveTaskDefinition[]>;
  /**
   * Keeps task definitions learned in `location`, and is told of each loaded
   * entry once, on its first use (a store may keep entries in use longer, or
   * refresh their expiry). Returns at once; writes are batched and made in the
   * background (flush() waits for them).
   */
  save(location: string, entries: readonly LiveTaskDefinition[]): void;
  /** Resolves once everything saved so far is written (or has failed). */
  flush(): Promise<void>;
}
