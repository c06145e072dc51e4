/**
 * An SDK request handler that answers from the sandbox in memory: give it to
 * `new ECSClient({ requestHandler })` and the unmodified SDK (serializers,
 * signing, error mapping) runs without a socket. The shapes below are the
 * structural subset of Smithy's HttpRequest/HttpResponse that the SDK uses.
 */
import type { SandboxCore } from './sandbox-core.js';
import { isSchedulerPath } from './scheduler-rest.js';

export interface InProcessHttpRequest {
  readonly method: string;
  readonly path: string;
  /** Query members (rest-json APIs such as EventBridge Scheduler). */
  readonly query?: Record<string, string | readonly string[] | null | undefined>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

export interface InProcessHttpResponse {
  readonly statusCode: number;
  readonly reason?: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

export interface InProcessRequestHandler {
  handle(request: InProcessHttpRequest, options?: { abortSignal?: { readonly aborted: boolean } }): Promise<{ response: InProcessHttpResponse }>;
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  throw new TypeError('the in-process sandbox handler accepts string or byte request bodies only');
}

export function inProcessHandler(core: SandboxCore): InProcessRequestHandler {
  return {
    handle(request, options) {
      if (options?.abortSignal?.aborted) {
        const err = new Error('Request aborted');
        err.name = 'AbortError';
        return Promise.reject(err);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
      const path = request.path.split('?')[0] ?? '/';
      let out;
      if (isSchedulerPath(path)) {
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(request.query ?? {})) {
          if (typeof v === 'string') query.append(k, v);
          else if (Array.isArray(v)) for (const item of v as readonly string[]) query.append(k, item);
        }
        out = core.handleRest(request.method, path, query, bodyText(request.body), headers);
      } else out = core.handle({ target: headers['x-amz-target'], body: bodyText(request.body), headers });
      return Promise.resolve({ response: { statusCode: out.status, headers: { ...out.headers }, body: Buffer.from(out.body, 'utf8') } });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}
