/**
 * GET /api/v1/stream: the web UI's live feed as Server-Sent Events, bounded
 * per STREAM_LIMITS (src/web/api-types.ts, docs/ui.md "The stream").
 *
 * - Status writes are batched for `flushMs` and coalesced per service (the
 *   last write wins, with the latest write time); each batch ends with one
 *   `counts`. Controller events are forwarded as `event` messages in the same
 *   batch. The fleet index reports no write that only moved lastSyncTime
 *   (fleet-index.ts), so a resync pass that changes nothing sends nothing.
 * - A batch of more than `resyncAboveMessages` messages, or one larger than a
 *   quarter of `maxBufferedBytes`, is sent as one small `resync` (the counts;
 *   clients refetch their page): a mass change of 10,000 services would be
 *   ~3.8 MB per client, held in memory for every client that reads slowly.
 * - With no client connected a batch is dropped before anything is formatted.
 * - A batch is serialised (and scrubbed) once into one Buffer, and that same
 *   Buffer is queued on every client (a string would be encoded per socket).
 * - A client whose unsent bytes plus the batch would pass `maxBufferedBytes`
 *   (it stopped reading) gets `reset` instead and is closed, so a stuck
 *   browser cannot grow the server's memory; the page refetches and
 *   reconnects.
 * - More than `maxClients` at once: the route answers 503 (canAccept()).
 * - A comment line every `heartbeatMs` keeps proxies from closing an idle stream.
 */
import type { ServerResponse } from 'node:http';
import type { ControllerEvent } from '../events/types.js';
import { scrubSecrets } from '../observe/secret-scrub.js';
import { STREAM_LIMITS, type StreamMessage } from './api-types.js';
import type { FleetChange, FleetIndex } from './fleet-index.js';

export type StreamLimits = { readonly [K in keyof typeof STREAM_LIMITS]: number };

export interface EventSource {
  subscribe(listener: (event: ControllerEvent) => void): () => void;
}

export interface StreamHubOptions {
  readonly index: FleetIndex;
  /** Controller events to forward (the event log); absent: no `event` messages. */
  readonly events?: EventSource;
  /** Tests lower them; the defaults are the documented ones. */
  readonly limits?: Partial<StreamLimits>;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** One SSE message: `event: <type>` and the whole message as JSON (scrubbed: the one way data leaves here). */
export function formatStreamMessage(message: StreamMessage): string {
  return `event: ${message.type}\ndata: ${JSON.stringify(scrubSecrets(message))}\n\n`;
}

const HEARTBEAT = Buffer.from(': heartbeat\n\n');

/** A client that stopped reading is closed this long after its `reset` was queued, whether or not it read it. */
const RESET_GRACE_MS = 1_000;

export class StreamHub {
  readonly #index: FleetIndex;
  readonly #limits: StreamLimits;
  readonly #now: () => number;
  readonly #clients = new Set<ServerResponse>();
  /** Coalesced changes since the last flush: key -> latest write time. */
  readonly #pending = new Map<string, number>();
  #pendingEvents: ControllerEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #heartbeat: NodeJS.Timeout;
  /** Streams opened with a session: asked again at each heartbeat. */
  readonly #authorization = new Map<ServerResponse, () => boolean>();
  readonly #unsubscribe: (() => void)[] = [];
  #closed = false;
  /** Clients reset for falling behind (tests, the log, ecs_gitops_ui_stream_overflows_total). */
  overflows = 0;
  /** Batches sent as one `resync` (ecs_gitops_ui_stream_resyncs_total). */
  resyncs = 0;

  constructor(options: StreamHubOptions) {
    this.#index = options.index;
    this.#limits = { ...STREAM_LIMITS, ...options.limits };
    this.#now = options.now ?? Date.now;
    this.#unsubscribe.push(this.#index.onChange((change) => this.#onChange(change)));
    if (options.events) this.#unsubscribe.push(options.events.subscribe((event) => this.#onEvent(event)));
    this.#heartbeat = setInterval(() => {
      for (const [client, stillAuthorized] of this.#authorization) if (!stillAuthorized()) this.#end(client, 'unauthorized');
      this.#broadcast(HEARTBEAT);
    }, this.#limits.heartbeatMs);
    this.#heartbeat.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** False when the stream is full (maxClients open) or shutting down: answer 503. */
  canAccept(): boolean {
    return !this.#closed && this.#clients.size < this.#limits.maxClients;
  }

  /** Takes over `response` as a stream: headers, `hello`, then every batch until the client leaves or the hub closes. */
  /**
   * Takes over `response` as a stream. `stillAuthorized` (a session cookie's
   * check) is asked again at every heartbeat: a session revoked or expired
   * after the stream opened ends it with reset reason `unauthorized` within
   * heartbeatMs, and the page's reconnect then meets the login form.
   */
  accept(response: ServerResponse, options: { readonly stillAuthorized?: () => boolean } = {}): void {
    const socket = response.socket;
    // The server's idle timeout is for ordinary requests; the heartbeat keeps this one alive.
    socket?.setTimeout(0);
    socket?.setNoDelay(true);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // nginx and similar proxies buffer responses by default, which would hold batches back.
      'x-accel-buffering': 'no',
      // The socket ends with the stream (reset, shutdown): it is never reused for another request.
      connection: 'close',
    });
    this.#clients.add(response);
    if (options.stillAuthorized) this.#authorization.set(response, options.stillAuthorized);
    response.on('close', () => {
      this.#clients.delete(response);
      this.#authorization.delete(response);
    });
    response.write(`retry: 1000\n\n${formatStreamMessage({ type: 'hello', version: this.#index.version, at: this.#now() })}`);
  }

  #onChange(change: FleetChange): void {
    const previous = this.#pending.get(change.key);
    this.#pending.set(change.key, previous === undefined ? change.at : Math.max(previous, change.at));
    this.#schedule();
  }

  #onEvent(event: ControllerEvent): void {
    this.#pendingEvents.push(event);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => this.flush(), this.#limits.flushMs);
    this.#timer.unref();
  }

  /** Writes what is pending as one batch (the timer calls it; tests may too). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0 && this.#pendingEvents.length === 0) return;
    // Nobody to send it to: formatting and scrubbing 10,000 rows would block the event loop for nothing.
    if (this.#clients.size === 0) {
      this.#pending.clear();
      this.#pendingEvents = [];
      return;
    }
    const pending = [...this.#pending];
    const events = this.#pendingEvents;
    this.#pending.clear();
    this.#pendingEvents = [];
    const version = this.#index.version;
    let latest = 0;
    for (const [, at] of pending) if (at > latest) latest = at;
    const resync = (): Buffer => {
      this.resyncs++;
      return Buffer.from(formatStreamMessage({ type: 'resync', version, at: latest || this.#now(), counts: this.#index.counts() }));
    };
    let batch: Buffer;
    if (pending.length + events.length > this.#limits.resyncAboveMessages) {
      batch = resync();
    } else {
      const parts: string[] = [];
      if (pending.length > 0) {
        for (const [key, at] of pending) {
          // The row as it is now: a later write in the same batch wins.
          const row = this.#index.get(key);
          parts.push(formatStreamMessage({ type: 'service', version, at, key, ...(row ? { row } : {}) }));
        }
        parts.push(formatStreamMessage({ type: 'counts', version, at: latest, counts: this.#index.counts() }));
      }
      for (const event of events) parts.push(formatStreamMessage({ type: 'event', event }));
      batch = Buffer.from(parts.join(''));
      // Few but large messages (long revisions, big events): a slow reader would reach the bound in a few batches.
      if (batch.length > this.#limits.maxBufferedBytes / 4) batch = resync();
    }
    this.#broadcast(batch);
  }

  /** The most unsent bytes any client holds (tests, the bench). */
  maxQueuedBytes(): number {
    let most = 0;
    for (const client of this.#clients) most = Math.max(most, client.writableLength);
    return most;
  }

  #broadcast(chunk: Buffer): void {
    for (const client of this.#clients) {
      // What it has not taken yet plus this batch: a client never holds more than the bound.
      if (client.writableLength + chunk.length > this.#limits.maxBufferedBytes) {
        this.overflows++;
        this.#end(client, 'overflow');
        continue;
      }
      client.write(chunk);
    }
  }

  #end(client: ServerResponse, reason: 'overflow' | 'shutdown' | 'unauthorized'): void {
    this.#clients.delete(client);
    this.#authorization.delete(client);
    client.end(formatStreamMessage({ type: 'reset', reason }));
    // A client that does not read never lets end() finish: drop the connection so its buffer is freed.
    const drop = setTimeout(() => client.destroy(), RESET_GRACE_MS);
    drop.unref();
    client.once('close', () => clearTimeout(drop));
  }

  /**
   * Sends every client `reset` (reason shutdown) and ends its stream; later
   * connections are refused. Resolves once every stream has closed (at most
   * RESET_GRACE_MS: one that does not read is dropped), so the server can
   * close its sockets after the resets went out.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    clearInterval(this.#heartbeat);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    const clients = [...this.#clients];
    const closed = clients.map((client) => new Promise<void>((resolve) => {
      if (client.closed) resolve();
      else client.once('close', () => resolve());
    }));
    for (const client of clients) this.#end(client, 'shutdown');
    await Promise.all(closed);
  }
}
