/**
 * Vitest global setup: one moto_server per test run on a loopback port.
 * moto_server needs its port up front, so it starts through
 * startServerProcess: a port taken between picking and binding is retried on
 * a fresh one, and the server counts as started only when the moto_server
 * launched here holds the port and answers. Test files isolate themselves by
 * account (x-moto-account-id, see moto.ts), so they can share the one server.
 * With CI=true a missing moto_server fails the run instead of skipping the
 * tests that need it.
 */
import type { TestProject } from 'vitest/node';
import { spawnLauncher, startServerProcess } from './listen-retry.js';
import { requireProgram } from './programs.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!requireProgram('moto_server', 'pip install "moto[server]"')) {
    project.provide('motoEndpoint', null);
    return async () => {};
  }
  const moto = await startServerProcess({
    program: 'moto_server',
    launch: spawnLauncher('moto_server', (port) => ['-H', '127.0.0.1', '-p', String(port)], { keepChars: 4000 }),
    ready: async (port) => (await fetch(`http://127.0.0.1:${port}/moto-api/`)).ok,
    timeoutMs: 30_000,
  });
  project.provide('motoEndpoint', `http://127.0.0.1:${moto.port}`);
  return () => moto.stop(5000);
}
