/**
 * The controller as a real child process (`node --import tsx src/cli/bin.ts run`)
 * talking to a sandbox that lives in the test process, so the sandbox outlives
 * every SIGKILL of the controller. Output is kept for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');

export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ControllerProcessOptions {
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

let stateHome: string | undefined;

/**
 * XDG_STATE_HOME for the controllers this test process starts: a controller
 * without --state-dir keeps its notification journal and open deploys under
 * $XDG_STATE_HOME/ecs-gitops/<controller-id>, and with the real HOME test
 * files running side by side (and a developer's own controller) would share
 * one. One directory per test process, so a controller restarted within a
 * file still finds what the one before it left; removed when the process exits.
 */
function testStateHome(): string {
  if (stateHome === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ecs-gitops-xdg-state-'));
    stateHome = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return stateHome;
}

export function startControllerProcess(options: ControllerProcessOptions): ControllerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'run', ...options.args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      XDG_STATE_HOME: testStateHome(),
      AWS_ENDPOINT_URL_ECS: options.endpoint,
      AWS_ENDPOINT_URL_ECR: options.endpoint,
      // The sandbox reads a 12-digit access key id as the account (dummy credentials).
      AWS_ACCESS_KEY_ID: options.accountId,
      AWS_SECRET_ACCESS_KEY: 'dummy-secret-key-for-tests',
      AWS_REGION: options.region,
      ...(options.env ?? {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, pid: child.pid ?? -1, output: () => out, exited };
}

/** Waits for `promise` or fails after `ms` naming `what` (a hang bound, not a timing assertion). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
