/**
 * A loopback HTTP fault proxy for reliability tests: it sits between an AWS
 * SDK client and the sandbox (or moto) and, per operation (X-Amz-Target),
 * answers a configurable share of calls with a fault instead of (or after)
 * forwarding them. Decisions come from one seeded PRNG stream per operation,
 * so the n-th call of an operation gets the same decision on every run with
 * the same seed, however calls of different operations interleave.
 *
 * Faults injected BEFORE forwarding (the call never reaches the backend):
 *   throttle (400 ThrottlingException), http500, http503, latency (delay, then forward).
 * Faults injected AFTER forwarding (the backend applied the call, the client
 * never learns the result, the hardest case for idempotency):
 *   reset (socket destroyed), truncate (half the body, then destroyed),
 *   timeout (held for `timeoutMs`, then destroyed).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULT_KINDS = ['throttle', 'http500', 'http503', 'reset', 'truncate', 'latency', 'timeout'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** Share of calls (0..1) that get a fault. */
  readonly rate: number;
  /** Kinds to pick from, uniformly. @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** Most faults injected into one operation's calls (e.g. 1 with rate 1: only its first call fails). @default no limit */
  readonly max?: number;
}

export interface FaultProxyOptions {
  /** Backend base URL, e.g. the sandbox endpoint. */
  readonly target: string;
  readonly seed: number;
  /** Applies to every operation without its own rule. @default { rate: 0 } */
  readonly defaultRule?: FaultRule;
  /** Per-operation rules keyed by operation name (the part of X-Amz-Target after the dot). */
  readonly rules?: Readonly<Record<string, FaultRule>>;
  /** Added delay for `latency`. @default 200 */
  readonly latencyMs?: number;
  /** How long `timeout` holds the connection before destroying it. @default 1500 */
  readonly timeoutMs?: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:port */
  readonly url: string;
  /** Faults injected, per operation and kind. */
  injected(): Record<string, Partial<Record<FaultKind, number>>>;
  /** Faults injected in total, per kind. */
  injectedByKind(): Partial<Record<FaultKind, number>>;
  /** Calls seen per operation (faulted or not). */
  calls(): Record<string, number>;
  /** Replace the rules at run time (e.g. faults off to let everything settle). */
  setRules(defaultRule: FaultRule, rules?: Readonly<Record<string, FaultRule>>): void;
  close(): Promise<void>;
}

/** mulberry32: small, fast, good enough for picking faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The fault (or undefined) for the next call of one operation: pure given the stream. */
export function decideFault(random: () => number, rule: FaultRule): FaultKind | undefined {
  const roll = random();
  const pick = random();
  if (roll >= rule.rate) return undefined;
  const kinds = rule.kinds && rule.kinds.length > 0 ? rule.kinds : FAULT_KINDS;
  return kinds[Math.min(kinds.length - 1, Math.floor(pick * kinds.length))];
}

function operationOf(req: http.IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  if (!value) return 'unknown';
  const dot = value.lastIndexOf('.');
  return dot >= 0 ? value.slice(dot + 1) : value;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface Upstream { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function forward(target: URL, req: http.IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    const upstream = http.request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

function awsJsonError(res: http.ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': 'fault-proxy' });
  res.end(body);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  let defaultRule: FaultRule = options.defaultRule ?? { rate: 0 };
  let rules: Readonly<Record<string, FaultRule>> = options.rules ?? {};
  const latencyMs = options.latencyMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 1500;
  const streams = new Map<string, () => number>();
  const injected: Record<string, Partial<Record<FaultKind, number>>> = {};
  const calls: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const delay = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  const decide = (operation: string): FaultKind | undefined => {
    let random = streams.get(operation);
    if (!random) {
      random = seededRandom((options.seed ^ hashString(operation)) >>> 0);
      streams.set(operation, random);
    }
    const rule = rules[operation] ?? defaultRule;
    // Decided even past `max`, so the stream (and every later decision) stays the same.
    const fault = decideFault(random, rule);
    const soFar = Object.values(injected[operation] ?? {}).reduce((a, b) => a + (b ?? 0), 0);
    return rule.max !== undefined && soFar >= rule.max ? undefined : fault;
  };

  const count = (operation: string, kind: FaultKind) => {
    const perOp = (injected[operation] ??= {});
    perOp[kind] = (perOp[kind] ?? 0) + 1;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const operation = operationOf(req);
      calls[operation] = (calls[operation] ?? 0) + 1;
      const fault = decide(operation);
      if (fault) count(operation, fault);
      switch (fault) {
        case 'throttle': return awsJsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
        case 'http500': return awsJsonError(res, 500, 'ServerException', 'Service encountered an internal error (injected by fault proxy)');
        case 'http503': return awsJsonError(res, 503, 'ServiceUnavailableException', 'Service unavailable (injected by fault proxy)');
        case 'latency': await delay(latencyMs); break;
        default: break;
      }
      const upstream = await forward(target, req, body);
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault === 'timeout') {
        await delay(timeoutMs);
        req.socket.destroy();
        return;
      }
      const headers = { ...upstream.headers };
      delete headers['transfer-encoding'];
      headers['content-length'] = String(upstream.body.length);
      res.writeHead(upstream.status, headers);
      if (fault === 'truncate') {
        res.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)));
        // Give the half body a chance to leave before the socket dies.
        await delay(5);
        req.socket.destroy();
        return;
      }
      res.end(upstream.body);
    })().catch(() => {
      if (!closing) {
        try {
          if (!res.headersSent) awsJsonError(res, 502, 'ServerException', 'fault proxy: backend unreachable');
          else req.socket.destroy();
        } catch {
          req.socket.destroy();
        }
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    injected: () => structuredClone(injected),
    injectedByKind: () => {
      const total: Partial<Record<FaultKind, number>> = {};
      for (const perOp of Object.values(injected)) {
        for (const [kind, n] of Object.entries(perOp) as [FaultKind, number][]) total[kind] = (total[kind] ?? 0) + n;
      }
      return total;
    },
    calls: () => ({ ...calls }),
    setRules: (nextDefault, nextRules = {}) => {
      defaultRule = nextDefault;
      rules = nextRules;
    },
    close: async () => {
      closing = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
