/**
 * The quick start (`ecs-gitops start`, npm start) in-process on a fresh copy
 * of the repository's manifests/, so a test's edits stay in a temp folder:
 * shared by the tests of its try-next steps.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServiceStatus } from '../../src/controller/status.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { eventually, startCliInProcess } from '../controller/harness.js';

export async function statusOf(url: string): Promise<ServiceStatus[]> {
  const response = await fetch(`${url}/api/v1/status`);
  return ((await response.json()) as { services: ServiceStatus[] }).services;
}

export interface QuickStart {
  /** The copy of manifests/ it runs on (the caller removes it). */
  readonly dir: string;
  readonly cli: ReturnType<typeof startCliInProcess>;
  /** The status and metrics listener. */
  readonly url: string;
  /** The in-process sandbox's endpoint, as the banner prints it. */
  readonly endpoint: string;
}

/** Starts the quick start on a copy of manifests/ and waits until its whole hint is printed; stops it if that fails. */
export async function startQuickStartCopy(tempPrefix: string, extraFlags: readonly string[] = []): Promise<QuickStart> {
  const dir = await mkdtemp(path.join(os.tmpdir(), tempPrefix));
  await cp(path.resolve('manifests'), dir, { recursive: true });
  const cli = startCliInProcess(['start', dir, '--listen', LISTEN_ANY_PORT, '--log-format', 'json', ...extraFlags]);
  const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
  try {
    await eventually(() => cli.stdout().includes('Press Ctrl-C'), () => ({ out: cli.stdout(), err: cli.stderr() }));
  } catch (err) {
    cli.stop();
    throw err;
  }
  const endpoint = /sandbox\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(cli.stdout())?.[1] ?? '';
  return { dir, cli, url, endpoint };
}
