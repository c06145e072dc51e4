/**
 * The write fence in front of an AWS API (docs/ha.md "Fencing"): every
 * mutating operation asks the fence first, and is not sent when this replica
 * may not write to the shard the reconcile runs under. Reads pass untouched:
 * a standby reading costs API budget but cannot corrupt anything.
 */
import type { WriteFence } from './types.js';

interface SendingApi {
  send(operation: string, input: unknown, signal?: AbortSignal): Promise<unknown>;
}

/** `api` with its `mutating` operations checked by `fence` for `location` before they are sent. */
export function fencedApi<A extends object>(api: A, location: string, fence: WriteFence, mutating: ReadonlySet<string>): A {
  const inner = api as unknown as SendingApi;
  const fenced: SendingApi = {
    async send(operation, input, signal) {
      if (!mutating.has(operation)) return inner.send(operation, input, signal);
      const write = fence.beginWrite(location, operation);
      const bounded = signal ? AbortSignal.any([signal, write.signal]) : write.signal;
      let aborted = false;
      try {
        return await inner.send(operation, input, bounded);
      } catch (err) {
        aborted = bounded.aborted;
        throw err;
      } finally {
        write.done(aborted);
      }
    },
  };
  return fenced as unknown as A;
}
