/**
 * The port race in the test helpers: a port picked free may be taken before
 * the server binds it. startServerProcess must retry on a fresh port when its
 * process reports the address in use, give up after a bounded number of
 * attempts naming the program and the port, and never take a foreign server
 * on the port for its own. Each case occupies a port and makes the helper's
 * first pick collide with it (an injected port picker).
 */
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { isAddressInUse, ownsListeningPort, retryOnPortInUse, spawnLauncher, startServerProcess, type PortAttempt } from './listen-retry.js';
import { listenUrlIn } from './listen-url.js';
import { canRunPrometheusStack, startPrometheusStack } from './prometheus-stack.js';

/** An HTTP server answering 200 "impostor" to everything: what a client would reach on a taken port. */
async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer((_request, response) => response.end('impostor'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Picks `first` once, then free ports; records every pick. */
function pickerCollidingWith(first: number): { pickPort: () => Promise<number>; picks: number[] } {
  const picks: number[] = [];
  return {
    picks,
    pickPort: async () => {
      const port = picks.length === 0 ? first : await freePort();
      picks.push(port);
      return port;
    },
  };
}

/**
 * A node HTTP server that binds argv's port after `delayMs` (so a readiness
 * probe reaches whatever holds the port first) and exits 1 with Node's
 * "listen EADDRINUSE: address already in use" when it cannot.
 */
const SERVER = `
const http = require('node:http');
const port = Number(process.argv.at(-2));
setTimeout(() => {
  const server = http.createServer((_q, r) => r.end('real'));
  server.on('error', (err) => { console.error(err.message); process.exit(1); });
  server.listen(port, '127.0.0.1');
}, Number(process.argv.at(-1)));
`;
const nodeServer = (delayMs = 300) => spawnLauncher(process.execPath, (port) => ['-e', SERVER, String(port), String(delayMs)]);
const answers200 = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`)).ok;
const body = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`)).text();

describe('startServerProcess', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const occupied = async () => {
    const held = await occupy();
    cleanups.push(() => new Promise((resolve) => held.server.close(() => resolve())));
    return held;
  };

  it('retries on a fresh port when the first one is taken, reports the failed attempt, and serves from its own process', async () => {
    const { port: taken } = await occupied();
    const { pickPort, picks } = pickerCollidingWith(taken);
    const retries: PortAttempt[] = [];
    const server = await startServerProcess({ program: 'test-server', launch: nodeServer(), ready: answers200, pickPort, onRetry: (a) => retries.push(a), timeoutMs: 15_000 });
    cleanups.push(() => server.stop());

    expect(picks[0]).toBe(taken);
    expect(server.port).not.toBe(taken);
    expect(server.port).toBe(picks.at(-1));
    expect(server.failedAttempts).toEqual([{ port: taken, reason: expect.stringMatching(/address already in use/) }]);
    expect(retries).toEqual(server.failedAttempts);
    // The started process is the one answering, and it is alive; the impostor still holds the taken port.
    expect(await body(server.port)).toBe('real');
    expect(server.value.child.exitCode).toBeNull();
    expect(await ownsListeningPort(server.value.child.pid as number, server.port)).toBe(true);
    expect(await body(taken)).toBe('impostor');
  }, 30_000);

  it('fails after a bounded number of attempts, naming the program and the ports', async () => {
    const { port: taken } = await occupied();
    const start = startServerProcess({ program: 'test-server', launch: nodeServer(0), ready: answers200, pickPort: async () => taken, attempts: 3, onRetry: () => {}, timeoutMs: 15_000 });
    await expect(start).rejects.toThrow(`test-server could not listen: address already in use on port ${taken}, then ${taken}, then ${taken} (3 attempts)`);
  }, 30_000);

  it('never takes a foreign server on the port for its own, even while its process stays alive', async () => {
    const { port: taken } = await occupied();
    // Alive but never binding: the impostor answers every probe, yet the start must not succeed.
    const start = startServerProcess({
      program: 'sleeper', launch: spawnLauncher(process.execPath, () => ['-e', 'setTimeout(() => {}, 60000)']),
      ready: answers200, pickPort: async () => taken, attempts: 1, timeoutMs: 1500,
    });
    await expect(start).rejects.toThrow(`sleeper was not ready on port ${taken} within 1500 ms (it does not hold the port)`);
  }, 30_000);

  it('does not retry other failures', async () => {
    let launches = 0;
    const launch = spawnLauncher(process.execPath, () => {
      launches++;
      return ['-e', 'console.error("config is broken"); process.exit(3)'];
    });
    await expect(startServerProcess({ program: 'broken', launch, timeoutMs: 15_000 })).rejects.toThrow(/broken exited with code 3 before it was ready on port \d+[\s\S]*config is broken/);
    expect(launches).toBe(1);
  }, 30_000);
});

describe('retryOnPortInUse', () => {
  it('retries an in-process listen that hits EADDRINUSE', async () => {
    const held = await occupy();
    const { pickPort } = pickerCollidingWith(held.port);
    const listen = (port: number) => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
    try {
      const result = await retryOnPortInUse({ program: 'net-server', pickPort, onRetry: () => {} }, listen);
      expect(result.port).not.toBe(held.port);
      expect((result.value.address() as AddressInfo).port).toBe(result.port);
      expect(result.failedAttempts.map((a) => a.port)).toEqual([held.port]);
      result.value.close();
    } finally {
      held.server.close();
    }
  });

  it('recognises address-in-use errors and messages', () => {
    expect(isAddressInUse(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }))).toBe(true);
    expect(isAddressInUse(new Error('cannot listen on 127.0.0.1:9400: address already in use'))).toBe(true);
    expect(isAddressInUse(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'EADDRINUSE' }) }))).toBe(true);
    expect(isAddressInUse(new Error('connection refused'))).toBe(false);
  });
});

describe('listenUrlIn', () => {
  it('reads the controller\'s bound address from its JSON log', () => {
    const log = [
      '{"level":"info","time":"2025-01-01T00:00:00.000Z","msg":"starting"}',
      'not json: HTTP server listening',
      '{"level":"info","time":"2025-01-01T00:00:00.000Z","url":"http://127.0.0.1:45678","msg":"HTTP server listening (/metrics, /healthz, /readyz, /api/v1/status)"}',
    ].join('\n');
    expect(listenUrlIn(log)).toBe('http://127.0.0.1:45678');
    expect(listenUrlIn(log.split('\n').slice(0, 2).join('\n'))).toBeUndefined();
  });
});

describe.skipIf(!canRunPrometheusStack())('the Prometheus stack when Alertmanager\'s port is taken', () => {
  it('starts Alertmanager on another port and points Prometheus at it, not at the impostor', async () => {
    const held = await occupy();
    const { pickPort, picks } = pickerCollidingWith(held.port);
    const stack = await startPrometheusStack({ targets: ['127.0.0.1:1'], pickPort });
    try {
      expect(picks[0]).toBe(held.port);
      expect(stack.failedPortAttempts).toEqual([{ program: 'alertmanager', port: held.port, reason: expect.stringMatching(/address already in use/) }]);
      expect(stack.alertmanagerUrl).not.toBe(`http://127.0.0.1:${held.port}`);
      expect(await stack.alerts()).toEqual([]);
      // Prometheus discovers its Alertmanager shortly after start: the one the stack started, never the impostor.
      const activeAlertmanagers = async () => {
        const body = (await (await fetch(`${stack.prometheusUrl}/api/v1/alertmanagers`)).json()) as { data: { activeAlertmanagers: { url: string }[] } };
        return body.data.activeAlertmanagers.map((a) => new URL(a.url).origin);
      };
      await expect.poll(activeAlertmanagers, { timeout: 15_000 }).toEqual([stack.alertmanagerUrl]);
    } finally {
      await stack.stop();
      held.server.close();
    }
  }, 60_000);
});
