/**
 * What the end-to-end notification tests share (notifications-story and
 * notifications-faults): a plain loopback receiver standing in for Slack or
 * a webhook consumer, the webhook's HMAC check, a Git helper, a seeded
 * random source, and a fault front: a loopback proxy before any receiver
 * that fails a seeded share of the requests (5xx, 429 with Retry-After,
 * connection resets, answers slower than the sink's timeout) and forwards
 * the rest. A faulted request never reaches the receiver behind it (as the
 * git-host receivers' own faults change no state), so what a receiver holds
 * is what was delivered, and a request counted twice there was sent twice.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a loopback receiver accepted (answered 200), with the sandbox's simulated time at that moment. */
export interface Arrival {
  readonly raw: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly simAt: number;
  /** Date.now() when it came (to place it against a kill). */
  readonly wallAt: number;
}

export interface PlainReceiver {
  /** `http://127.0.0.1:PORT/hook` */
  readonly url: string;
  /** Every request so far, oldest first. */
  readonly arrivals: Arrival[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Answers every request 200 and keeps it. */
export async function startPlainReceiver(simNow: () => number): Promise<PlainReceiver> {
  const arrivals: Arrival[] = [];
  const server = createServer((req, res) => {
    const simAt = simNow();
    const wallAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrivals.push({ raw: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '/', headers: req.headers, simAt, wallAt });
      res.writeHead(200).end('ok');
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/hook`, arrivals, close: () => closeServer(server) };
}

/** The webhook body's fields these tests read. */
export interface WebhookEvent {
  readonly id: string;
  readonly type: string;
  readonly service?: string;
  readonly serviceName?: string;
  readonly revision: string;
  readonly message: string;
  readonly cause?: string;
  readonly deploymentId?: string;
}

/** A webhook arrival's event, its X-Ecs-Gitops-Signature checked over the raw body (throws naming the body when it does not verify). */
export function verifiedWebhookEvent(arrival: Arrival, hmacKey: string): WebhookEvent & { readonly simAt: number; readonly delivery: string } {
  const expected = Buffer.from(`sha256=${createHmac('sha256', hmacKey).update(arrival.raw, 'utf8').digest('hex')}`);
  const got = Buffer.from(String(arrival.headers['x-ecs-gitops-signature'] ?? ''));
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new Error(`bad signature on ${arrival.raw}`);
  return { ...(JSON.parse(arrival.raw) as WebhookEvent), simAt: arrival.simAt, delivery: String(arrival.headers['x-ecs-gitops-delivery'] ?? '') };
}

// The suite's own helpers: a hermetic git (test/source/support/git-fixture.ts) and the seeded generator the fault proxy uses.
export { git } from '../source/support/git-fixture.js';
export { seededRandom } from '../support/fault-proxy.js';

export type FrontFault = '5xx' | '429' | 'reset' | 'slow';

/** One request the front saw, faulted or forwarded. */
export interface FrontRecord {
  readonly method: string;
  readonly path: string;
  /** X-Ecs-Gitops-Delivery, when the sink sends one. */
  readonly delivery?: string;
  readonly body: string;
  /** Undefined: forwarded to the receiver. */
  readonly fault?: FrontFault;
  /** The sandbox's simulated time when it came (`simNow`), and Date.now(). */
  readonly simAt: number;
  readonly wallAt: number;
}

export interface FaultFront {
  /** `http://127.0.0.1:PORT`: the receiver's URL with this origin. */
  readonly url: string;
  readonly records: readonly FrontRecord[];
  close(): Promise<void>;
}

export interface FaultFrontOptions {
  /** Origin of the receiver requests are forwarded to (`http://127.0.0.1:PORT`). */
  readonly target: string;
  readonly random: () => number;
  /** The sandbox's simulated clock, for each record. */
  readonly simNow: () => number;
  /** Share of requests faulted. @default 0.2 */
  readonly rate?: number;
  /** How a fault is picked: relative weights. */
  readonly weights?: Readonly<Record<FrontFault, number>>;
  /** A slow answer's delay: longer than the sink's per-attempt timeout. */
  readonly slowMs: number;
  /** Slow answers at most (each holds the sink for its whole timeout); further slow picks become 5xx. @default Infinity */
  readonly maxSlow?: number;
  /** 429's Retry-After (seconds). @default '1' */
  readonly retryAfter?: string;
}

/**
 * A proxy that fails `rate` of the requests it gets, picked by `random`:
 * 503, 429 with Retry-After, a reset before any answer, or an answer held
 * past the sink's timeout (then reset). The rest go to `target` unchanged
 * and its answer comes back.
 */
export async function startFaultFront(options: FaultFrontOptions): Promise<FaultFront> {
  const rate = options.rate ?? 0.2;
  const weights = options.weights ?? { '5xx': 3, '429': 2, reset: 3, slow: 1 };
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  const target = new URL(options.target);
  const records: FrontRecord[] = [];
  let slowLeft = options.maxSlow ?? Number.POSITIVE_INFINITY;
  const held = new Set<NodeJS.Timeout>();

  const pick = (): FrontFault | undefined => {
    if (options.random() >= rate) return undefined;
    let r = options.random() * total;
    for (const [fault, weight] of Object.entries(weights) as Array<[FrontFault, number]>) {
      r -= weight;
      if (r < 0) {
        if (fault !== 'slow') return fault;
        if (slowLeft <= 0) return '5xx';
        slowLeft -= 1;
        return fault;
      }
    }
    return '5xx';
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const delivery = req.headers['x-ecs-gitops-delivery'];
      const fault = pick();
      records.push({
        method: req.method ?? 'GET', path: req.url ?? '/', body: body.toString('utf8'), simAt: options.simNow(), wallAt: Date.now(),
        ...(typeof delivery === 'string' ? { delivery } : {}), ...(fault ? { fault } : {}),
      });
      switch (fault) {
        case '5xx':
          res.writeHead(503, { 'content-type': 'text/plain' }).end('injected 503');
          return;
        case '429':
          res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': options.retryAfter ?? '1' }).end('injected 429');
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'slow': {
          const timer = setTimeout(() => {
            held.delete(timer);
            req.socket.destroy();
          }, options.slowMs);
          held.add(timer);
          return;
        }
        default:
          break;
      }
      const headers = { ...req.headers, host: target.host };
      delete headers.connection;
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => req.socket.destroy());
      upstream.end(body);
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    close: () => {
      for (const timer of held) clearTimeout(timer);
      return closeServer(server);
    },
  };
}
