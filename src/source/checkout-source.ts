/**
 * The source for `run --repo DIR [--path SUBDIR]`: a checkout kept current by
 * someone else (a developer, CI, a git-sync sidecar). File and ref events are
 * debounced into one read; reads are consistent (consistent-snapshot.ts) and
 * serial (snapshot-pump.ts). When the root is a symlink, every read
 * re-resolves it and the watchers follow the link to its new target.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { systemClock, type Clock } from '../util/clock.js';
import { GitopsError } from '../errors/define.js';
import { watchCheckout, type CheckoutWatcher } from './checkout-watcher.js';
import { readConsistentSnapshot, requireDirectory, type RevisionedSnapshot } from './consistent-snapshot.js';
import { createDebouncer } from './debouncer.js';
import { silentLogger } from '../observe/logger.js';
import type { LoadManifests, ManifestSource, SnapshotListener, SourceErrorListener, SourceLogger } from './manifest-source.js';
import { SnapshotPump } from './snapshot-pump.js';

/** See CheckoutSourceOptions.debounceMs. */
export const DEFAULT_DEBOUNCE_MS = 50;

export interface CheckoutSourceOptions {
  /** The checkout directory, or the symlink git-sync swaps. */
  readonly root: string;
  /** Manifests directory relative to `root`. @default '' */
  readonly path?: string;
  /**
   * Quiet period after the last file event before reading. A commit's own
   * ref update restarts it, so it is paid in full on every commit; 50 ms still
   * covers the gaps between the file writes of a `git pull` or checkout.
   * @default 50
   */
  readonly debounceMs?: number;
  /** Longest a burst of events can postpone a read. @default 10 * debounceMs, at least 1000 */
  readonly maxDebounceMs?: number;
  readonly load: LoadManifests;
  readonly logger?: SourceLogger;
  /** Each failed read (the last good snapshot stays current). */
  readonly onError?: SourceErrorListener;
  readonly clock?: Clock;
  /** Bounded retries when HEAD or the link moves during a read. @default 5 */
  readonly maxReadAttempts?: number;
  /** Mark uncommitted changes under the manifests path as `<commit>-dirty`. @default true */
  readonly detectLocalChanges?: boolean;
  /**
   * Also re-read on this interval, in case file events are lost (network
   * filesystems, inotify limits). A re-read that finds nothing new delivers
   * nothing. @default undefined (events only)
   */
  readonly recheckMs?: number;
}

export interface CheckoutSource extends ManifestSource {
  /** The directory currently watched (resolved link target + path); undefined before start. */
  watchedDir(): string | undefined;
}

export function createCheckoutSource(options: CheckoutSourceOptions): CheckoutSource {
  const { root, load, clock = systemClock, maxReadAttempts, detectLocalChanges } = options;
  const subPath = options.path ?? '';
  const logger = options.logger ?? silentLogger();
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  let watcher: CheckoutWatcher | undefined;
  let watching: Promise<void> = Promise.resolve();
  let started = false;
  let closed = false;
  let cancelRecheck: (() => void) | undefined;

  const pump = new SnapshotPump({
    logger,
    onError: options.onError,
    read: async (signal) => {
      const result = await readConsistentSnapshot({ root, path: subPath, load, signal, maxAttempts: maxReadAttempts, detectLocalChanges });
      if (result.retries > 0) logger.debug({ retries: result.retries, revision: result.snapshot.revision }, 'checkout moved during read; read again');
      if (watcher !== undefined && watcher.dir !== result.resolvedDir) await follow(result.resolvedDir, result.resolvedRoot);
      return result.snapshot;
    },
  });

  const debouncer = createDebouncer({
    clock,
    delayMs: debounceMs,
    maxWaitMs: options.maxDebounceMs ?? Math.max(1000, debounceMs * 10),
    fn: () => pump.request(),
  });

  const onChange = (reason: string) => {
    if (closed) return;
    logger.debug({ reason }, 'checkout changed');
    debouncer.trigger();
  };

  /** Re-points the watchers at a new link target; reads once more to cover events missed meanwhile. */
  function follow(dir: string, checkoutRoot: string): Promise<void> {
    watching = watching.then(async () => {
      if (closed || watcher?.dir === dir) return;
      const old = watcher;
      try {
        watcher = await watchCheckout({ root, dir, checkoutRoot, onChange, logger, signal: pump.signal });
      } catch (error) {
        logger.warn({ err: String(error), dir }, 'could not watch the new link target');
        return;
      }
      await old?.close();
      logger.info({ dir }, 'checkout link moved; now watching the new target');
      if (closed) await watcher.close();
      else debouncer.trigger();
    });
    return watching;
  }

  return {
    async start(onSnapshot: SnapshotListener) {
      if (started) throw new Error('source already started');
      started = true;
      pump.listen(onSnapshot);
      const resolved = await realpath(root).catch((error: unknown) => {
        throw new GitopsError('SOURCE_ROOT_NOT_FOUND', `manifests root ${root} does not exist`, { root }, { cause: error });
      });
      await requireDirectory(path.join(resolved, subPath), root, subPath);
      // Watch before the first read, so nothing written during it is missed.
      watcher = await watchCheckout({ root, dir: path.join(resolved, subPath), checkoutRoot: resolved, onChange, logger, signal: pump.signal }).catch(
        (error: unknown) => {
          throw new GitopsError('SOURCE_ROOT_NOT_FOUND', `cannot watch ${path.join(root, subPath)}: ${String(error)}`, { root, path: subPath }, { cause: error });
        },
      );
      const outcome = await pump.read();
      if (!outcome.ok) {
        await this.close();
        throw outcome.error;
      }
      const recheckMs = options.recheckMs;
      if (recheckMs !== undefined && recheckMs > 0) {
        const tick = () => {
          if (closed) return;
          pump.request();
          cancelRecheck = clock.setTimer(recheckMs, tick);
        };
        cancelRecheck = clock.setTimer(recheckMs, tick);
      }
    },
    current: (): RevisionedSnapshot | undefined => pump.current(),
    refresh() {
      // Before start there is no listener: a read now would swallow the first snapshot.
      if (started && !closed) pump.request();
    },
    watchedDir: () => watcher?.dir,
    async close() {
      if (closed) return;
      closed = true;
      debouncer.cancel();
      cancelRecheck?.();
      await pump.close();
      await watching;
      await watcher?.close();
    },
  };
}
