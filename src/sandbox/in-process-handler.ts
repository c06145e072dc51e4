/**
 * An SDK request handler that answers from the sandbox in memory: give it to
 * `new ECSClient({ requestHandler })` and the unmodified SDK (serializers,
 * signing, error mapping) runs without a socket. The shapes below are the
 * structural subset of Smithy's HttpRequest/HttpResponse that the SDK uses.
 */
import type { SandboxCore } from './sandbox-core.js';

export interface InProcessHttpRequest {
  readonly method: string;
  readonly path: string;
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
      const out = core.handle({ target: headers['x-amz-target'], body: bodyText(request.body), headers });
      return Promise.resolve({ response: { statusCode: out.status, headers: { ...out.headers }, body: Buffer.from(out.body, 'utf8') } });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}
