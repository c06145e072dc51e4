/**
 * A short list the stream does not carry (scheduled tasks, replicas and
 * shards), read when its view opens, after the stream reconnects (a gap may
 * hide changes) and every 30 s while the page is visible, one request at a
 * time. `stopWhen` ends the 30 s reads for an answer that cannot change
 * before a restart (the stream's reconnection still reads again).
 */
import { useEffect, useState } from 'preact/hooks';
import { asApiError, type ApiError } from './api.js';
import { liveStream } from './stream.js';

export const POLL_MS = 30_000;

export interface Polled<T> {
  /** undefined: not read yet. */
  readonly value: T | undefined;
  readonly readAt?: string;
  /** The last read's failure, until a read succeeds. */
  readonly error?: ApiError;
}

export function usePolled<T>(read: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], stopWhen?: (value: T) => boolean): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ value: undefined });
  useEffect(() => {
    const controller = new AbortController();
    let inFlight = false;
    const load = () => {
      if (inFlight || document.visibilityState === 'hidden') return;
      inFlight = true;
      read(controller.signal).then(
        (value) => {
          setState({ value, readAt: new Date().toISOString() });
          if (stopWhen?.(value)) clearInterval(timer);
        },
        (err: unknown) => {
          const error = asApiError(err);
          if (error.code !== 'ABORTED') setState((previous) => ({ ...previous, error }));
        },
      ).finally(() => {
        inFlight = false;
      });
    };
    const timer = setInterval(load, POLL_MS);
    load();
    const unsubscribe = liveStream.onResync(load);
    return () => {
      controller.abort();
      clearInterval(timer);
      unsubscribe();
    };
    // The caller's deps decide when to start over (a reload token, the route's view).
  }, deps);
  return state;
}
