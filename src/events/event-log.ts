/**
 * The controller's event log (docs/controller.md, "Events"): a bounded ring
 * per service (and one for events about no service, PruneBlocked), in
 * memory. It numbers events (`seq`, monotonic in this process), gives them
 * their id (the idempotency key) and severity, drops an event whose id its
 * service's ring already holds (a second pass seeing the same completion),
 * answers /api/v1/events queries and hands every new event to its listeners
 * (the notification dispatcher, the UI's stream).
 *
 * Memory is bounded: `perService` events per service, and a service the
 * controller forgets (its record removed) takes its ring with it.
 */
import { EVENT_SEVERITY, eventId, type ControllerEvent, type EventListener, type EventQuery, type NewEvent } from './types.js';

export const DEFAULT_EVENTS_PER_SERVICE = 200;
export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;
/** The ring of events without a service. */
const NO_SERVICE = '';

export interface EventLogOptions {
  /** Events kept per service (and for events without a service). @default 200 */
  readonly perService?: number;
  /** A listener threw: told here (the log goes on; one failing listener must not stop the others). */
  readonly onListenerError?: (error: unknown, event: ControllerEvent) => void;
}

/** The order query() answers in: oldest first when resuming `after` a seq, else newest first. */
export function eventQueryOrder(query: EventQuery): 'oldest-first' | 'newest-first' {
  return query.after !== undefined ? 'oldest-first' : 'newest-first';
}

class Ring {
  readonly #items: (ControllerEvent | undefined)[];
  #start = 0;
  #size = 0;
  readonly #ids = new Set<string>();

  constructor(capacity: number) {
    this.#items = new Array<ControllerEvent | undefined>(capacity);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  push(event: ControllerEvent): void {
    const capacity = this.#items.length;
    if (this.#size === capacity) {
      const dropped = this.#items[this.#start];
      if (dropped) this.#ids.delete(dropped.id);
      this.#items[this.#start] = event;
      this.#start = (this.#start + 1) % capacity;
    } else {
      this.#items[(this.#start + this.#size) % capacity] = event;
      this.#size++;
    }
    this.#ids.add(event.id);
  }

  /** Oldest first. */
  *values(): Generator<ControllerEvent> {
    for (let i = 0; i < this.#size; i++) {
      const item = this.#items[(this.#start + i) % this.#items.length];
      if (item) yield item;
    }
  }
}

export class EventLog {
  readonly #perService: number;
  readonly #rings = new Map<string, Ring>();
  readonly #listeners = new Set<EventListener>();
  readonly #onListenerError: EventLogOptions['onListenerError'];
  #seq = 0;

  constructor(options: EventLogOptions = {}) {
    const perService = options.perService ?? DEFAULT_EVENTS_PER_SERVICE;
    if (!Number.isInteger(perService) || perService < 1) throw new RangeError(`EventLog perService must be a whole number of at least 1, got ${String(perService)}`);
    this.#perService = perService;
    this.#onListenerError = options.onListenerError;
  }

  /** The last seq handed out (0 before the first event). */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * Records an event: numbered, with its id and severity, and handed to the
   * listeners. Undefined when its service's ring already holds its id.
   */
  append(event: NewEvent): ControllerEvent | undefined {
    const id = eventId(event);
    const ringKey = event.service ?? NO_SERVICE;
    let ring = this.#rings.get(ringKey);
    if (ring?.has(id)) return undefined;
    if (!ring) {
      ring = new Ring(this.#perService);
      this.#rings.set(ringKey, ring);
    }
    const { discriminator: _partOfTheId, ...rest } = event;
    const recorded: ControllerEvent = Object.freeze({ ...rest, id, seq: ++this.#seq, severity: EVENT_SEVERITY[event.type] });
    ring.push(recorded);
    for (const listener of this.#listeners) {
      try {
        listener(recorded);
      } catch (error) {
        this.#onListenerError?.(error, recorded);
      }
    }
    return recorded;
  }

  /** Whether the ring of `service` (undefined: events without a service) holds the id. */
  has(id: string, service?: string): boolean {
    return this.#rings.get(service ?? NO_SERVICE)?.has(id) ?? false;
  }

  /**
   * Events matching every filter given: newest first, or oldest first when
   * `after` is given (eventQueryOrder). A client catching up with `after`
   * must get the events right after its seq: newest first, `limit` would cut
   * off the oldest ones and the next `after` (the newest seq seen) would skip
   * them for good; oldest first, it asks again from the last seq it got.
   */
  query(query: EventQuery = {}): ControllerEvent[] {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_QUERY_LIMIT), 0), MAX_QUERY_LIMIT);
    const since = query.since !== undefined ? Date.parse(query.since) : undefined;
    const types = query.types && query.types.length > 0 ? new Set(query.types) : undefined;
    const rings = query.service !== undefined ? [this.#rings.get(query.service)].filter((r): r is Ring => r !== undefined) : [...this.#rings.values()];
    const found: ControllerEvent[] = [];
    for (const ring of rings) {
      for (const event of ring.values()) {
        if (types && !types.has(event.type)) continue;
        if (query.after !== undefined && event.seq <= query.after) continue;
        if (since !== undefined && !(Date.parse(event.at) >= since)) continue;
        found.push(event);
      }
    }
    const oldestFirst = eventQueryOrder(query) === 'oldest-first';
    found.sort((a, b) => (oldestFirst ? a.seq - b.seq : b.seq - a.seq));
    return found.slice(0, limit);
  }

  /** Every event recorded from now on; returns the unsubscribe. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The service is no longer managed: its ring goes (bounded memory). */
  forget(service: string): void {
    this.#rings.delete(service);
  }

  /** Services holding a ring (tests, the bound). */
  services(): string[] {
    return [...this.#rings.keys()].filter((k) => k !== NO_SERVICE);
  }
}
