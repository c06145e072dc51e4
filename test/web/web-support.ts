/**
 * What the web tests share: a real HTTP server over a real StatusStore and
 * EventLog, a fake built UI in a temp dir (manifest + files + .gz/.br twins,
 * as scripts/build-ui.ts writes them), and an SSE reader over fetch.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { StatusStore, type ServiceStatus } from '../../src/controller/status.js';
import { EventLog } from '../../src/events/event-log.js';
import { startHttpServer, type HttpServerOptions, type RunningHttpServer } from '../../src/observe/http-server.js';
import type { StreamMessage } from '../../src/web/api-types.js';

export function serviceStatus(service: string, partial: Partial<ServiceStatus> = {}): ServiceStatus {
  const region = partial.region ?? 'eu-west-1';
  const cluster = partial.cluster ?? 'prod';
  return { key: `${region}/${cluster}/${service}`, region, cluster, service, sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [], ...partial };
}

export const FAKE_JS = `console.log(${JSON.stringify('ecs-gitops ui '.repeat(40))});\n`;
export const FAKE_CSS = `body { color: CanvasText; }\n${'.row { margin: 0 }\n'.repeat(30)}`;

/** A dist/ui as the build writes it; returns its dir and a cleanup. */
export function fakeUiBuild(files: { js?: string; css?: string; manifest?: string | false } = {}): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-gitops-ui-'));
  const write = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, `${name}.gz`), gzipSync(content, { level: 9 }));
    writeFileSync(join(dir, `${name}.br`), brotliCompressSync(content));
  };
  write('app-1a2b3c4d.js', files.js ?? FAKE_JS);
  write('app-5e6f7a8b.css', files.css ?? FAKE_CSS);
  // A file beside them the manifest does not list: must never be served.
  writeFileSync(join(dir, 'secret-notes.txt'), 'not listed');
  if (files.manifest !== false) writeFileSync(join(dir, 'manifest.json'), files.manifest ?? JSON.stringify({ js: 'app-1a2b3c4d.js', css: 'app-5e6f7a8b.css' }));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface WebServer {
  readonly server: RunningHttpServer;
  readonly status: StatusStore;
  readonly events: EventLog;
}

export async function startWebServer(overrides: Partial<HttpServerOptions> = {}, seed: readonly ServiceStatus[] = []): Promise<WebServer> {
  const status = new StatusStore();
  for (const s of seed) status.update(s.key, {}, s);
  status.setSnapshot('0123456789abcdef0123456789abcdef01234567', '2026-01-01T00:00:00Z', 0);
  const events = new EventLog();
  const server = await startHttpServer({
    host: '127.0.0.1', port: 0, registry: new Registry(), status, events,
    readiness: () => ({ ready: true, reasons: [] }),
    ...overrides,
  });
  return { server, status, events };
}

/** An open stream read with fetch: messages parsed as they arrive, comments counted. */
export class SseReader {
  readonly messages: (StreamMessage & { readonly receivedAt: number })[] = [];
  comments = 0;
  ended = false;
  readonly #controller = new AbortController();
  readonly done: Promise<void>;
  #buffer = '';
  #waiters: (() => void)[] = [];

  private constructor(readonly response: Response) {
    this.done = this.#pump().finally(() => {
      this.ended = true;
      this.#wake();
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    const reader = new SseReader(response);
    reader.#abort = () => controller.abort();
    return reader;
  }

  #abort: () => void = () => this.#controller.abort();

  async #pump(): Promise<void> {
    if (!this.response.body) return;
    const decoder = new TextDecoder();
    const reader = this.response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.#buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
          const block = this.#buffer.slice(0, end);
          this.#buffer = this.#buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data.length > 0) this.messages.push({ ...(JSON.parse(data) as StreamMessage), receivedAt: Date.now() });
          else if (block.startsWith(':')) this.comments++;
        }
        this.#wake();
      }
    } catch {
      // aborted or reset: `ended` says so
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Resolves with the first message (from index `from`) matching, or rejects after `timeoutMs`. */
  async waitFor<T extends StreamMessage['type']>(type: T, predicate: (m: Extract<StreamMessage, { type: T }>) => boolean = () => true, timeoutMs = 5_000, from = 0): Promise<Extract<StreamMessage, { type: T }> & { receivedAt: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find((m) => m.type === type && predicate(m as unknown as Extract<StreamMessage, { type: T }>));
      if (found) return found as Extract<StreamMessage, { type: T }> & { receivedAt: number };
      if (this.ended) throw new Error(`stream ended without a ${type} message; got ${this.messages.map((m) => m.type).join(', ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} message within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#abort();
  }
}
