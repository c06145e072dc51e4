/**
 * A loopback HTTP receiver standing in for Slack or a webhook consumer: it
 * records every request (raw body bytes included) and answers as the test
 * scripts it: a status, a reset (socket destroyed), or no answer at all.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../src/observe/logger.js';
import type { ControllerEvent } from '../../src/events/types.js';
import { EVENT_SEVERITY, eventId, type NewEvent } from '../../src/events/types.js';

export interface Arrival {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  /** performance.now() when the request's body was read. */
  readonly at: number;
}

export type Answer =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string; readonly delayMs?: number }
  | 'reset'
  | 'hang';

export interface Receiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** Answers for the next requests, in order; when empty, `fallback`. */
  readonly script: Answer[];
  fallback: Answer;
  /** Parsed JSON bodies. */
  bodies(): unknown[];
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const arrivals: Arrival[] = [];
  const script: Answer[] = [];
  const receiver = {
    url: '',
    arrivals,
    script,
    fallback: { status: 200, body: 'ok' } as Answer,
    bodies: () => arrivals.map((arrival) => JSON.parse(arrival.raw.toString('utf8')) as unknown),
    close: (): Promise<void> => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      arrivals.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks), at: performance.now() });
      const answer = script.shift() ?? receiver.fallback;
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}${path}`;
  receiver.close = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
  return receiver;
}

/** A logger whose JSON lines are kept for the test to read. */
export function capturedLogger(): { logger: Logger; text: () => string; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ destination: stream, level: 'debug' });
  return {
    logger,
    text: () => text,
    lines: () => text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

let seq = 0;

/** An event as src/events would make it (id from eventId). */
export function makeEvent(overrides: Partial<NewEvent> = {}): ControllerEvent {
  const base: NewEvent = {
    type: 'RolloutCompleted',
    service: 'eu-west-1/prod/checkout',
    region: 'eu-west-1',
    cluster: 'prod',
    serviceName: 'checkout',
    environment: 'production',
    revision: '0123456789abcdef0123456789abcdef01234567',
    deploymentId: 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/checkout/AbCdEf123',
    at: '2026-01-01T12:00:00.000Z',
    message: 'checkout rolled out revision 0123456789ab (3/3 tasks running)',
    ...overrides,
  };
  const { discriminator: _discriminator, ...rest } = base;
  return { ...rest, id: eventId(base), seq: ++seq, severity: EVENT_SEVERITY[base.type] };
}

/** Polls `check` until it holds (real time), for a receiver that counts arrivals. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
