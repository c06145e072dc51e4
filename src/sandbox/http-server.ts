/**
 * The sandbox on a loopback socket: AWS JSON 1.1 / 1.0 on `POST /` for the SDK
 * and the aws CLI, the query protocol (a form-encoded `POST /`: STS and
 * CloudFormation, told apart from JSON by the content type), Smithy RPC v2 CBOR on `POST /service/<name>/operation/<Op>`
 * (the aws CLI's protocol for CloudWatch), EventBridge Scheduler's rest-json
 * paths (/schedules, /schedule-groups, /tags), and the admin API under /_sandbox/.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, handleAdmin } from './admin-routes.js';
import type { SandboxCore } from './sandbox-core.js';
import { isSchedulerPath } from './scheduler-rest.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const RPC_V2_PATH = /^\/service\/([^/]+)\/operation\/([^/]+)$/;

function headersOf(req: http.IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
  return headers;
}

export interface SandboxServer {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(core: SandboxCore, host: string, port: number): Promise<SandboxServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"__type":"SerializationException","message":"request too large"}');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const url = new URL(req.url ?? '/', 'http://sandbox.local');
      try {
        const rpc = RPC_V2_PATH.exec(url.pathname);
        if (req.method === 'POST' && rpc) {
          const out = core.handleRpcV2Cbor(rpc[1] as string, rpc[2] as string, raw, headersOf(req));
          res.writeHead(out.status, { ...out.headers, 'content-length': out.body.length }).end(Buffer.from(out.body));
          return;
        }
        // The deployments contract names this admin route outside /_sandbox/ (docs/sandbox.md).
        if (url.pathname === '/admin/deployment-hooks') url.pathname = `${ADMIN_PREFIX}deployment-hooks`;
        if (url.pathname.startsWith(ADMIN_PREFIX)) {
          const out = handleAdmin(core, req.method ?? 'GET', url, body);
          res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
          return;
        }
        if (isSchedulerPath(url.pathname)) {
          const out = core.handleRest(req.method ?? 'GET', url.pathname, url.searchParams, body, headersOf(req));
          res.writeHead(out.status, { ...out.headers, 'content-length': Buffer.byteLength(out.body) }).end(out.body);
          return;
        }
        if (req.method !== 'POST' || url.pathname !== '/') {
          res.writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ __type: 'UnknownOperationException', message: `${req.method} ${url.pathname} is not an AWS endpoint; POST / with X-Amz-Target (JSON) or a form body (query)` }));
          return;
        }
        const headers = headersOf(req);
        const out = core.handle({ target: headers['x-amz-target'], body, headers });
        res.writeHead(out.status, { ...out.headers, 'content-length': Buffer.byteLength(out.body) }).end(out.body);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ __type: 'ServerException', message: err instanceof Error ? err.message : String(err) }));
      }
    });
  });
  // AWS endpoints keep idle connections open far longer than Node's 5 s default. With 5 s, an SDK
  // client idle for a few seconds reused a socket the sandbox was just closing and a read failed
  // with ECONNRESET (a test flake, and not what a client of real ECS sees). Below headersTimeout (60 s).
  server.keepAliveTimeout = 55_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${urlHost}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
