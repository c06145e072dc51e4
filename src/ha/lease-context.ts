/**
 * The lease a reconcile runs under, carried through its async calls
 * (AsyncLocalStorage), so the write fence in front of each AWS API
 * (fenced-api.ts) can check a write against the shard and epoch its
 * reconcile began with, however deep in the reconciler the call is made.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { HeldLease } from './types.js';

const leaseContext = new AsyncLocalStorage<HeldLease>();

/** Runs `fn` (a reconcile) under `lease`: the fence checks its writes against it. */
export function runUnderLease<T>(lease: HeldLease, fn: () => T): T {
  return leaseContext.run(lease, fn);
}

/** The lease the current reconcile runs under, if any. */
export function currentLease(): HeldLease | undefined {
  return leaseContext.getStore();
}
