/**
 * The notification dispatcher (docs/notifications.md#delivery): fans the
 * controller's events out to the sinks of every `kind: Notifier`, off the
 * reconcile path. publish() only journals and queues; each sink has its own
 * FIFO worker (one delivery at a time, so a commit status goes pending before
 * success), token-bucket rate limit and retries with full-jitter exponential
 * backoff, Retry-After honoured, given up after a bound with a log line and a
 * metric.
 *
 * Exactly once per (event, sink): the event id is the idempotency key; the
 * journal remembers every pair it accepted, so a repeated publish (a retried
 * reconcile, several passes seeing one rollout, a restart re-deriving the
 * same transition) sends nothing. Each pair is journaled `queued` (with the
 * event), `sending` before its first attempt and then `delivered`, `skipped`
 * or `given_up`. start() resends what an earlier process left unfinished; a
 * pair left `sending` (a crash while a request was out) is first checked with
 * the sink's alreadyDelivered when it has one, else sent again: the only
 * window where a receiver can see an event twice, which is why every sink
 * carries the event id (X-Ecs-Gitops-Delivery, Idempotency-Key). flushed()
 * tells a caller when the `queued` records of what it published are on disk,
 * so it can record elsewhere that the event was announced only after that.
 *
 * A sink whose secrets cannot be read is kept, misconfigured: status shows
 * the NOTIFY_ error as its lastError, ecs_gitops_notifier_sink_up is 0, and
 * its events are journaled and wait in its queue (at most maxQueue, the
 * oldest given up beyond) until a later snapshot finds the secret; they are
 * then sent in order. A sink removed from Git keeps its unfinished events
 * journaled, and gets them if it comes back (the journal abandons them after
 * its retention). Removing a sink wakes its worker from a rate-limit or
 * backoff wait (a request already out is let finish), so its events are set
 * aside at once; a sink that comes back while its worker still runs (a
 * snapshot without the notifier and the next with it) takes that worker and
 * its queue back, so there is never a second worker for one sink (a commit
 * status must go pending before success) and nothing is left behind it.
 */
import type { Registry } from 'prom-client';
import { EVENT_TYPES, SEVERITY_RANK, type ControllerEvent, type EventType } from '../events/types.js';
import { errorCodeOf, type ErrorCode } from '../errors/index.js';
import { TokenBucket } from '../ecs/token-bucket.js';
import type { NotifierSinkSpec, NotifierSpec } from '../manifests/types.js';
import type { Logger } from '../observe/logger.js';
import { secretTextScrubber } from '../observe/secret-scrub.js';
import { globToRegExp } from '../util/glob.js';
import { sleep, systemClock, type Clock } from '../util/clock.js';
import { createNotifyMetrics, type NotificationResult, type SinkLabels } from './notify-metrics.js';
import { createSink as createSinkFromSpec, sinkId as sinkIdOf, sinkNames, type CreateSinkOptions } from './sinks/index.js';
import type {
  DeliveryResult, JournalEntry, NotificationDispatcher, NotificationJournal, NotifierStatus, RetryPolicy, Sink, SinkDeps, SinkId, SinkStatus,
} from './types.js';

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ baseMs: 1000, maxMs: 60_000, maxAttempts: 12 });
/** Deliveries per second and burst when the sink does not say: Slack allows about one message a second per webhook. */
export const DEFAULT_RATE: Readonly<Record<Sink['type'], number>> = { slack: 1, webhook: 10, sns: 10, github: 10, gitlab: 10 };
/** Events waiting for one sink at most; beyond, the oldest is given up (a sink misconfigured for days must not eat the memory). */
export const DEFAULT_MAX_QUEUE = 10_000;
/** close(): how long in-flight attempts may finish. */
export const DEFAULT_CLOSE_GRACE_MS = 5000;

export interface DispatcherOptions {
  readonly journal: NotificationJournal;
  readonly deps: SinkDeps;
  /** Where sinks' `…Env` secrets are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What sinks' relative `…File` paths are resolved against. */
  readonly cwd: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** @default systemClock */
  readonly clock?: Clock;
  readonly retry?: Partial<RetryPolicy>;
  /** In [0, 1): the backoff's jitter. @default Math.random */
  readonly random?: () => number;
  /** @default DEFAULT_MAX_QUEUE */
  readonly maxQueue?: number;
  /** Builds a sink from its spec. @default createSink (src/notify/sinks/index.ts) */
  readonly createSink?: (notifierName: string, sinkSpec: NotifierSinkSpec, index: number, options: CreateSinkOptions) => Sink;
}

interface QueueItem {
  readonly event: ControllerEvent;
  /** Journaled `sending` by an earlier process: ask alreadyDelivered before sending again. */
  readonly resumedSending: boolean;
  /** Clock time it was handed over (delivery_seconds). */
  readonly acceptedAt: number;
}

interface StatusError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly at: string;
}

interface SinkRuntime {
  readonly id: SinkId;
  readonly notifier: string;
  readonly labels: SinkLabels;
  type: Sink['type'];
  /** Undefined while misconfigured. */
  sink: Sink | undefined;
  configError: StatusError | undefined;
  selects: (event: ControllerEvent) => boolean;
  bucket: TokenBucket;
  rate: { readonly ratePerSecond: number; readonly burst: number };
  readonly queue: QueueItem[];
  inFlight: QueueItem | undefined;
  worker: Promise<void> | undefined;
  removed: boolean;
  /** Aborted when the sink is removed: ends the worker's rate-limit and backoff waits (replaced when it comes back). */
  wake: AbortController;
  /** Clock time before which the next attempt must not start (Retry-After, backoff): kept on the runtime so a woken worker still honours it. */
  retryAt: number | undefined;
  delivered: number;
  givenUp: number;
  lastDeliveredAt: string | undefined;
  lastError: StatusError | undefined;
}

interface NotifierEntry {
  readonly name: string;
  readonly key: string;
  readonly source: string;
  readonly sinkIds: readonly SinkId[];
}

function matchesAny(patterns: readonly RegExp[] | undefined, ...values: Array<string | undefined>): boolean {
  if (patterns === undefined) return true;
  return values.some((value) => value !== undefined && patterns.some((pattern) => pattern.test(value)));
}

/**
 * Whether a notifier wants an event: its type is in `events` (absent: all),
 * its severity at least minSeverity, and each selector list that is given
 * matches (a glob per entry; `services` matches the service's name or its
 * full key). An event without the field a list filters on (PruneBlocked has
 * no cluster) does not match that list.
 */
export function notifierSelects(spec: NotifierSpec): (event: ControllerEvent) => boolean {
  const types = spec.events === undefined ? undefined : new Set(spec.events);
  const selector = spec.selector ?? {};
  const globs = (list: readonly string[] | undefined) => list?.map((glob) => globToRegExp(glob));
  const clusters = globs(selector.clusters);
  const services = globs(selector.services);
  const environments = globs(selector.environments);
  const minRank = SEVERITY_RANK[selector.minSeverity ?? 'info'];
  return (event) =>
    (types === undefined || types.has(event.type))
    && SEVERITY_RANK[event.severity] >= minRank
    && matchesAny(clusters, event.cluster)
    && matchesAny(services, event.serviceName, event.service)
    && matchesAny(environments, event.environment);
}

/** The types a notifier can send (for its metric series at 0). */
function selectedTypes(spec: NotifierSpec): EventType[] {
  return spec.events === undefined ? [...EVENT_TYPES] : EVENT_TYPES.filter((type) => spec.events?.includes(type));
}

function rateOf(spec: NotifierSinkSpec): { ratePerSecond: number; burst: number } {
  const ratePerSecond = spec.ratePerSecond !== undefined && spec.ratePerSecond > 0 ? spec.ratePerSecond : DEFAULT_RATE[spec.type];
  const burst = spec.burst !== undefined && spec.burst >= 1 ? spec.burst : Math.max(1, Math.ceil(ratePerSecond));
  return { ratePerSecond, burst };
}

/** A thrown error's own words can hold anything (a URL in a stack): only its name and code go into a reason. */
function thrownReason(sinkId: SinkId, err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? ` ${(err as { code: string }).code}` : '';
  return `${sinkId}: the sink failed (${name}${code})`;
}

const scrubText = secretTextScrubber();

export function createDispatcher(options: DispatcherOptions): NotificationDispatcher {
  const { journal } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  const build = options.createSink ?? createSinkFromSpec;
  const log = options.logger.child({ component: 'notify' });
  const metrics = createNotifyMetrics(options.registry);

  const runtimes = new Map<SinkId, SinkRuntime>();
  let notifiers: NotifierEntry[] = [];
  /** Unfinished events of sinks not (or no longer) configured, by sink, oldest first. */
  const parked = new Map<SinkId, QueueItem[]>();
  /** Removed sinks whose worker has not ended yet: a sink that comes back before it ends gets this runtime back. */
  const retiring = new Map<SinkId, SinkRuntime>();
  /** Events published before start(): journal.has cannot answer before the journal is open. */
  let early: ControllerEvent[] = [];
  /** Journal writes not yet on disk (idle() waits for them). */
  const writes = new Set<Promise<void>>();
  /** The `queued` writes among them: what flushed() waits for. */
  const queuedWrites = new Set<Promise<void>>();
  let started = false;
  let closing = false;
  /** Settles when start() has journaled the early events, or close() dropped them (flushed() waits for it). */
  let markEarlySettled: () => void = () => undefined;
  const earlySettled = new Promise<void>((resolve) => {
    markEarlySettled = resolve;
  });
  /** Ends waits (rate limit, backoff) at close. */
  const stop = new AbortController();
  /** Ends attempts still in flight when close's grace is over. */
  const cut = new AbortController();

  const isoNow = () => new Date(clock.now()).toISOString();

  function record(entry: JournalEntry): Promise<void> {
    // A failed write is logged by the journal; delivery goes on from memory.
    const write = journal.record(entry).catch(() => undefined);
    writes.add(write);
    void write.finally(() => writes.delete(write));
    return write;
  }

  function updatePending(rt: SinkRuntime): void {
    if (!rt.removed) metrics.setPending(rt.labels, rt.queue.length + (rt.inFlight ? 1 : 0));
  }

  function kick(rt: SinkRuntime): void {
    if (rt.worker || !started || closing || rt.removed || !rt.sink || rt.queue.length === 0) return;
    rt.worker = work(rt).finally(() => {
      rt.worker = undefined;
      if (retiring.get(rt.id) === rt) retiring.delete(rt.id);
      kick(rt);
    });
  }

  function park(id: SinkId, items: readonly QueueItem[], front: boolean): void {
    if (items.length === 0) return;
    const list = parked.get(id) ?? [];
    parked.set(id, front ? [...items, ...list] : [...list, ...items]);
  }

  function finish(rt: SinkRuntime, item: QueueItem, state: 'delivered' | 'skipped' | 'given_up', result: NotificationResult): Promise<void> {
    metrics.result(rt.labels, item.event.type, result);
    if (state === 'delivered') {
      rt.delivered++;
      rt.lastDeliveredAt = isoNow();
      metrics.deliverySeconds(rt.labels, Math.max(0, clock.now() - item.acceptedAt) / 1000);
    } else if (state === 'given_up') {
      rt.givenUp++;
    }
    return record({ eventId: item.event.id, sink: rt.id, state, at: isoNow() });
  }

  function giveUp(rt: SinkRuntime, item: QueueItem, code: 'NOTIFY_DELIVERY_GIVEN_UP' | 'NOTIFY_DELIVERY_REJECTED', reason: string, attempts: number): Promise<void> {
    const message = scrubText(reason);
    rt.lastError = { code, message, at: isoNow() };
    log.warn(
      { code, sink: rt.id, eventType: item.event.type, eventId: item.event.id, attempts, reason: message },
      code === 'NOTIFY_DELIVERY_REJECTED' ? 'notification rejected by the sink, not retried' : 'notification given up after the retry bound',
    );
    return finish(rt, item, 'given_up', code === 'NOTIFY_DELIVERY_REJECTED' ? 'rejected' : 'given_up');
  }

  function backoffMs(attempt: number): number {
    const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.floor(random() * ceiling);
  }

  /** Delivers one event with retries. false: interrupted (closing, removed, misconfigured), to be tried again later. */
  async function deliverItem(rt: SinkRuntime, item: QueueItem): Promise<boolean> {
    let attempts = 0;
    let journaledSending = false;
    for (;;) {
      if (closing || rt.removed || !rt.sink) return false;
      const waits = AbortSignal.any([stop.signal, rt.wake.signal]);
      try {
        const untilRetry = rt.retryAt === undefined ? 0 : rt.retryAt - clock.now();
        if (untilRetry > 0) await sleep(clock, untilRetry, waits);
        await rt.bucket.take(waits);
      } catch {
        return false;
      }
      // Read after the waits: a snapshot in between may have changed (or removed) the sink.
      const sink = rt.sink;
      if (closing || rt.removed || !sink) return false;
      if (item.resumedSending && attempts === 0 && sink.alreadyDelivered) {
        let already = false;
        try {
          already = await sink.alreadyDelivered(item.event, cut.signal);
        } catch {
          // Unknown: send it (at least once).
        }
        if (already) {
          log.info({ sink: rt.id, eventType: item.event.type, eventId: item.event.id }, 'notification a crash left unconfirmed was found delivered; not sent again');
          await finish(rt, item, 'delivered', 'delivered');
          return true;
        }
      }
      if (!journaledSending) {
        // On disk before the request leaves: a crash from here on is the one window that may repeat.
        await record({ eventId: item.event.id, sink: rt.id, state: 'sending', at: isoNow() });
        journaledSending = true;
      }
      let result: DeliveryResult;
      try {
        result = await sink.deliver(item.event, cut.signal);
      } catch (err) {
        result = { kind: 'retry', reason: thrownReason(rt.id, err) };
      }
      attempts++;
      if (result.kind !== 'retry') rt.retryAt = undefined;
      switch (result.kind) {
        case 'delivered':
          await finish(rt, item, 'delivered', 'delivered');
          return true;
        case 'skipped':
          if (result.reason) log.debug({ sink: rt.id, eventType: item.event.type, eventId: item.event.id, reason: scrubText(result.reason) }, 'notification skipped by the sink');
          await finish(rt, item, 'skipped', 'skipped');
          return true;
        case 'rejected':
          await giveUp(rt, item, 'NOTIFY_DELIVERY_REJECTED', result.reason, attempts);
          return true;
        case 'retry': {
          if (closing) return false;
          if (attempts >= retry.maxAttempts) {
            rt.retryAt = undefined;
            await giveUp(rt, item, 'NOTIFY_DELIVERY_GIVEN_UP', result.reason, attempts);
            return true;
          }
          metrics.retry(rt.labels);
          const delay = result.afterMs ?? backoffMs(attempts);
          log.debug({ sink: rt.id, eventType: item.event.type, eventId: item.event.id, attempts, delayMs: delay, reason: scrubText(result.reason) }, 'notification attempt failed; retrying');
          // The wait itself is at the top of the loop, where a removal wakes it.
          rt.retryAt = clock.now() + delay;
        }
      }
    }
  }

  async function work(rt: SinkRuntime): Promise<void> {
    while (!closing && !rt.removed && rt.sink && rt.queue.length > 0) {
      const item = rt.queue.shift() as QueueItem;
      rt.inFlight = item;
      let done = false;
      try {
        done = await deliverItem(rt, item);
      } catch (err) {
        log.error({ sink: rt.id, eventId: item.event.id, err: String(err) }, 'notification dispatcher failed on an event; it stays queued');
      }
      rt.inFlight = undefined;
      if (!done) {
        // Removed: the whole queue is set aside behind this item, in order, for the sink's return.
        if (rt.removed) park(rt.id, [item, ...rt.queue.splice(0)], false);
        else rt.queue.unshift(item);
        updatePending(rt);
        return;
      }
      updatePending(rt);
    }
    if (rt.removed) park(rt.id, rt.queue.splice(0), false);
  }

  function accept(rt: SinkRuntime, event: ControllerEvent): void {
    if (journal.has(event.id, rt.id)) return;
    const queued = record({ eventId: event.id, sink: rt.id, state: 'queued', event, at: isoNow() });
    queuedWrites.add(queued);
    void queued.finally(() => queuedWrites.delete(queued));
    rt.queue.push({ event, resumedSending: false, acceptedAt: clock.now() });
    while (rt.queue.length > maxQueue) {
      const dropped = rt.queue.shift() as QueueItem;
      void giveUp(rt, dropped, 'NOTIFY_DELIVERY_GIVEN_UP', `${rt.id}: more than ${maxQueue} notifications waiting (the sink is misconfigured or down); the oldest was given up`, 0);
    }
    updatePending(rt);
    kick(rt);
  }

  function statusError(err: unknown): StatusError {
    const message = err instanceof Error ? err.message : String(err);
    return { code: errorCodeOf(err, 'NOTIFY_SINK_INVALID'), message: scrubText(message), at: isoNow() };
  }

  return {
    configure(desired) {
      const seen = new Set<SinkId>();
      const entries: NotifierEntry[] = [];
      for (const notifier of desired) {
        const { spec } = notifier.manifest;
        const names = sinkNames(spec.sinks);
        const selects = notifierSelects(spec);
        const types = selectedTypes(spec);
        const ids: SinkId[] = [];
        spec.sinks.forEach((sinkSpec, index) => {
          const id = sinkIdOf(notifier.name, names[index] as string);
          if (seen.has(id)) return; // a duplicate name: validation reports it; the first one wins.
          seen.add(id);
          ids.push(id);
          let sink: Sink | undefined;
          let configError: StatusError | undefined;
          try {
            sink = build(notifier.name, sinkSpec, index, { env: options.env, cwd: options.cwd, deps: options.deps, sinks: spec.sinks });
          } catch (err) {
            configError = statusError(err);
          }
          const rate = rateOf(sinkSpec);
          let rt = runtimes.get(id);
          const retired = rt ? undefined : retiring.get(id);
          if (retired) {
            // Back before its old worker ended: that worker and its queue carry on (one worker per sink, order kept).
            retiring.delete(id);
            retired.removed = false;
            retired.wake = new AbortController();
            runtimes.set(id, retired);
            const waiting = parked.get(id);
            if (waiting) {
              parked.delete(id);
              retired.queue.unshift(...waiting);
            }
            rt = retired;
          }
          if (!rt) {
            const labels = { notifier: notifier.name, sink: names[index] as string };
            rt = {
              id, notifier: notifier.name, labels, type: sinkSpec.type, sink, configError, selects, rate,
              bucket: new TokenBucket(`notify:${id}`, { burst: rate.burst, refillPerSecond: rate.ratePerSecond }, clock),
              queue: [], inFlight: undefined, worker: undefined, removed: false, wake: new AbortController(), retryAt: undefined,
              delivered: 0, givenUp: 0, lastDeliveredAt: undefined, lastError: undefined,
            };
            runtimes.set(id, rt);
            metrics.initSink(labels, types, sink !== undefined);
            const waiting = parked.get(id);
            if (waiting) {
              parked.delete(id);
              rt.queue.push(...waiting);
            }
          } else {
            if (rt.rate.ratePerSecond !== rate.ratePerSecond || rt.rate.burst !== rate.burst) {
              rt.bucket = new TokenBucket(`notify:${id}`, { burst: rate.burst, refillPerSecond: rate.ratePerSecond }, clock);
              rt.rate = rate;
            }
            rt.type = sinkSpec.type;
            rt.selects = selects;
            rt.sink = sink;
            metrics.initSink(rt.labels, types, sink !== undefined);
          }
          if (configError && configError.message !== rt.configError?.message) {
            log.warn({ code: configError.code, sink: id, reason: configError.message }, 'notifier sink is misconfigured; its events wait until it is fixed');
          } else if (!configError && rt.configError) {
            log.info({ sink: id }, 'notifier sink is configured again; sending what waited');
          }
          rt.configError = configError;
          updatePending(rt);
        });
        entries.push({ name: notifier.name, key: notifier.key, source: notifier.source.file, sinkIds: ids });
      }
      for (const rt of runtimes.values()) {
        if (seen.has(rt.id)) continue;
        rt.removed = true;
        runtimes.delete(rt.id);
        metrics.removeSink(rt.labels);
        if (rt.worker) {
          // Woken from its waits, the worker parks what is left as soon as a request it has out is answered.
          retiring.set(rt.id, rt);
          rt.wake.abort(new Error(`notifier sink ${rt.id} removed`));
        } else {
          park(rt.id, rt.queue.splice(0), false);
        }
      }
      notifiers = entries;
      for (const rt of runtimes.values()) kick(rt);
    },

    publish(event) {
      try {
        if (closing) return;
        if (!started) {
          early.push(event);
          return;
        }
        for (const rt of runtimes.values()) if (rt.selects(event)) accept(rt, event);
      } catch (err) {
        log.error({ eventId: event.id, err: String(err) }, 'notification dispatcher could not accept an event');
      }
    },

    status() {
      return notifiers.map((notifier): NotifierStatus => ({
        key: notifier.key,
        name: notifier.name,
        source: notifier.source,
        sinks: notifier.sinkIds.flatMap((id): SinkStatus[] => {
          const rt = runtimes.get(id);
          if (!rt) return [];
          const lastError = rt.configError ?? rt.lastError;
          return [{
            id,
            type: rt.type,
            pending: rt.queue.length + (rt.inFlight ? 1 : 0),
            delivered: rt.delivered,
            givenUp: rt.givenUp,
            ...(rt.lastDeliveredAt ? { lastDeliveredAt: rt.lastDeliveredAt } : {}),
            ...(lastError ? { lastError } : {}),
          }];
        }),
      }));
    },

    async start() {
      if (started) return;
      await journal.open();
      const resumed = new Map<SinkId, QueueItem[]>();
      for (const entry of journal.unfinished()) {
        if (!entry.event) continue;
        const items = resumed.get(entry.sink) ?? [];
        items.push({ event: entry.event, resumedSending: entry.state === 'sending', acceptedAt: clock.now() });
        resumed.set(entry.sink, items);
      }
      for (const [id, items] of resumed) {
        const rt = runtimes.get(id);
        if (rt) {
          rt.queue.unshift(...items);
          updatePending(rt);
        } else {
          park(id, items, true);
        }
      }
      if (resumed.size > 0) log.info({ sinks: resumed.size, events: [...resumed.values()].reduce((n, items) => n + items.length, 0) }, 'resending notifications an earlier process left unfinished');
      started = true;
      const waiting = early;
      early = [];
      for (const event of waiting) this.publish(event);
      markEarlySettled();
      for (const rt of runtimes.values()) kick(rt);
    },

    async close(closeOptions = {}) {
      if (closing) return;
      closing = true;
      // Events published before a start() that never came are not journaled; nobody may wait for them.
      markEarlySettled();
      stop.abort(new Error('notification dispatcher closing'));
      const graceMs = closeOptions.graceMs ?? DEFAULT_CLOSE_GRACE_MS;
      const cancel = clock.setTimer(graceMs, () => cut.abort(new Error('notification dispatcher closed')));
      const workers = [...runtimes.values(), ...retiring.values()].map((rt) => rt.worker).filter((worker) => worker !== undefined);
      await Promise.allSettled(workers);
      cancel();
      await Promise.allSettled([...writes]);
      await journal.close();
    },

    async flushed() {
      if (!started && !closing && early.length > 0) await earlySettled;
      // Only the `queued` records asked for so far: an event published while this waits is the next caller's.
      if (queuedWrites.size > 0) await Promise.all([...queuedWrites]);
    },

    async idle() {
      for (;;) {
        const workers = [...runtimes.values(), ...retiring.values()].map((rt) => rt.worker).filter((worker) => worker !== undefined);
        if (workers.length === 0 && writes.size === 0) return;
        await Promise.allSettled([...workers, ...writes]);
      }
    },
  };
}
