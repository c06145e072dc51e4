/**
 * The app's one EventSource on /api/v1/stream (src/web/api-types.ts
 * StreamMessage): views subscribe to its messages and to its state. A `reset`
 * (the client fell behind the server's bounded buffer, or the server is
 * stopping) and every reconnection after the first `hello` tell the views to
 * refetch, since messages may have been missed in between.
 */
import { STREAM_PATH, type StreamMessage, type StreamMessageType } from '../../src/web/api-types.js';
import { accessRefused } from './api.js';

export type StreamState = 'connecting' | 'open' | 'closed';
export type StreamListener = (message: StreamMessage) => void;
/** Called when what a view shows may be stale (a reset, a reconnection): refetch. */
export type ResyncListener = () => void;

const MESSAGE_TYPES: readonly StreamMessageType[] = ['hello', 'service', 'counts', 'event', 'resync', 'reset'];
/** Retry delays after the server closed the stream for good (EventSource retries on its own otherwise). */
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

class LiveStream {
  private source: EventSource | undefined;
  private state: StreamState = 'closed';
  private helloSeen = false;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<StreamListener>();
  private readonly resyncListeners = new Set<ResyncListener>();
  private readonly stateListeners = new Set<(state: StreamState) => void>();

  subscribe(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onResync(listener: ResyncListener): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  onState(listener: (state: StreamState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  /** Opens the stream (again): at start, after a reset, after logging in. */
  connect(): void {
    this.close();
    clearTimeout(this.retryTimer);
    const source = new EventSource(STREAM_PATH, { withCredentials: true });
    this.source = source;
    this.setState('connecting');
    source.onopen = () => {
      this.retries = 0;
      this.setState('open');
    };
    source.onerror = () => {
      if (this.source !== source) return;
      if (source.readyState === EventSource.CLOSED) {
        // The server refused (401, 503 for too many streams…) or the answer was not a stream: the browser gave up, retry later.
        this.setState('closed');
        const delay = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)] ?? 10_000;
        this.retries++;
        this.retryTimer = setTimeout(() => this.connect(), delay);
        // EventSource does not say why: without this a 401 (a session cookie expired or gone) left the page stale under
        // "Reconnecting…" forever. A 401 shows the login form (api.ts onUnauthorized), whose success connects again.
        void accessRefused().then((refused) => {
          if (refused && this.source === source) clearTimeout(this.retryTimer);
        });
      } else {
        this.setState('connecting');
      }
    };
    for (const type of MESSAGE_TYPES) {
      source.addEventListener(type, (event) => {
        if (this.source !== source) return;
        let message: StreamMessage;
        try {
          message = JSON.parse((event as MessageEvent<string>).data) as StreamMessage;
        } catch {
          return;
        }
        this.receive(message);
      });
    }
  }

  close(): void {
    if (this.source) {
      this.source.close();
      this.source = undefined;
    }
    this.setState('closed');
  }

  private receive(message: StreamMessage): void {
    if (message.type === 'hello') {
      this.setState('open');
      // The first hello starts the app's view of the stream; a later one follows a reconnection with a gap.
      if (this.helloSeen) this.resync();
      this.helloSeen = true;
    }
    for (const listener of this.listeners) listener(message);
    if (message.type === 'reset') {
      this.resync();
      this.connect();
    }
  }

  private resync(): void {
    for (const listener of this.resyncListeners) listener();
  }

  private setState(state: StreamState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

export const liveStream = new LiveStream();
