/**
 * The controller on port 0: `--listen 127.0.0.1:0` makes the kernel pick the
 * port, so nothing can take it between picking and binding (see
 * listen-retry.ts). The controller logs the bound address at info level
 * ("HTTP server listening", `url`), which these helpers read back from its
 * JSON log output. Below info (--log-level warn) the line is not written;
 * such a controller needs startServerProcess instead.
 */

/** --listen value that binds a kernel-chosen loopback port. */
export const LISTEN_ANY_PORT = '127.0.0.1:0';

const LISTENING = 'HTTP server listening';

/** The http://host:port the controller logged it listens on, or undefined if not (yet) logged. */
export function listenUrlIn(output: string): string | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes(LISTENING)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (typeof entry.msg === 'string' && entry.msg.startsWith(LISTENING) && typeof entry.url === 'string') return entry.url;
    } catch {
      // Not a JSON log line.
    }
  }
  return undefined;
}

export interface WaitForListenUrlOptions {
  /** What to call the controller in messages. @default 'controller' */
  readonly what?: string;
  /** True once the controller has stopped: waiting ends with its output. */
  readonly stopped?: () => boolean;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** Called before failing (e.g. the in-process CLI's stop), so a controller that never logged its address is not left running. */
  readonly stopOnFailure?: () => void;
}

/** Waits until `output()` holds the controller's listen line; returns its URL. */
export async function waitForListenUrl(output: () => string, options: WaitForListenUrlOptions = {}): Promise<string> {
  const what = options.what ?? 'controller';
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const url = listenUrlIn(output());
    if (url !== undefined) return url;
    if (options.stopped?.()) throw new Error(`${what} stopped before it logged "${LISTENING}":\n${output().slice(-3000)}`);
    if (Date.now() > deadline) {
      options.stopOnFailure?.();
      throw new Error(`${what} did not log "${LISTENING}" within ${options.timeoutMs ?? 30_000} ms:\n${output().slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Tracks whether a promise has settled (for `stopped`). */
export function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  return () => done;
}
