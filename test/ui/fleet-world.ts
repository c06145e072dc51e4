/**
 * The 10,000-service world of the browser tests: a real Git checkout (the
 * bench's fleet, bench/lib/fixture.ts, on few task definition families so the
 * first reconcile is quick, plus a handful of services each test watches),
 * seeded into an in-process sandbox by the bench's seeding controller, then a
 * real `ecs-gitops run --repo` on it (in-process, the CLI as a user starts it)
 * whose cold start finds the fleet in sync except for the planted cases:
 *
 * - `ui-broken-*`: an image in the sandbox's ECR that does not exist, so the
 *   controller deploys nothing and reports them Degraded (CONTROLLER_IMAGE_NOT_FOUND);
 * - `ui-drift`: in detect mode, scaled in the sandbox's console after seeding,
 *   so its diff (desiredCount, Git 1 vs live 3) stays;
 * - `ui-secret`: DB_PASSWORD changed in Git after seeding, in detect mode, so
 *   the secret-named value is in its diff (masked) and never corrected;
 * - `ui-live`: the service a test commits a change to while the page is open.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Fleet, git, seedFleet } from '../../bench/lib/fixture.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { REGION, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';

export const SERVICES = 10_000;
export const BROKEN = 4;
/** Every planted service is in the fleet's first cluster, so they sort onto the first page by key. */
export const SPECIAL_CLUSTER = 'ui-cluster-0';
export const DRIFTED_COUNT = 3;
/** Values of DB_PASSWORD: seeded, then in Git at the start, then committed while a page watches. */
export const PLANTED_SECRETS = ['seeded-pw-7Hq2xV9r', 'git-pw-K3m8Zt1w', 'rotated-pw-Q5n4Lp6y'] as const;

const SPECIAL_NAMES = [...Array.from({ length: BROKEN }, (_, i) => `ui-broken-${i}`), 'ui-drift', 'ui-secret', 'ui-live'];

export const keyOf = (service: string, cluster = SPECIAL_CLUSTER) => `${REGION}/${cluster}/${service}`;

/** Every client-side ECS bucket far above what a cold start of 10,000 services uses: the sandbox's throttling is off too. */
const UNLIMITED = JSON.stringify(Object.fromEntries([
  'cluster-read', 'cluster-modify', 'task-definition-read', 'task-definition-modify', 'service-read', 'service-modify', 'tag-read', 'tag-modify', 'task-read', 'task-launch',
].map((category) => [category, { burst: 1_000_000, refillPerSecond: 1_000_000 }])));

export interface FleetWorld {
  readonly sandbox: Sandbox;
  readonly fleet: Fleet;
  readonly accountId: string;
  /** http://127.0.0.1:PORT of the controller. */
  readonly url: string;
  /** Seconds of each step of the set-up, reported by the test. */
  readonly timings: Readonly<Record<string, number>>;
  /** Writes services/<name>.yaml and commits it (the checkout source picks it up). */
  commitSpecial(name: string, change: SpecialChange, message: string): void;
  controllerOutput(): string;
  close(): Promise<void>;
}

export interface SpecialChange {
  readonly desiredCount?: number;
  readonly password?: string;
  readonly mode?: 'auto' | 'detect';
}

function specialManifest(name: string, accountId: string, change: SpecialChange): Record<string, unknown> {
  const broken = name.startsWith('ui-broken-');
  const doc = serviceManifest({
    name, cluster: SPECIAL_CLUSTER, family: `ui-special-${name}`, desiredCount: change.desiredCount ?? 1,
    ...(broken ? { image: `${accountId}.dkr.ecr.${REGION}.amazonaws.com/ui-does-not-exist:1.0.0` } : {}),
    ...(change.mode ? { mode: change.mode } : {}),
  });
  if (change.password !== undefined) {
    const spec = doc.spec as { taskDefinition: { containerDefinitions: Record<string, unknown>[] } };
    const container = spec.taskDefinition.containerDefinitions[0];
    if (container) container.environment = [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DB_PASSWORD', value: change.password }];
  }
  return doc;
}

const step = async <T>(timings: Record<string, number>, name: string, run: () => Promise<T> | T): Promise<T> => {
  const started = Date.now();
  try {
    return await run();
  } finally {
    timings[name] = (Date.now() - started) / 1000;
  }
};

/** Builds the world and waits until the controller's /readyz answers 200 (every service reconciled once). */
export async function startFleetWorld(accountId: string, signal: AbortSignal): Promise<FleetWorld> {
  const timings: Record<string, number> = {};
  const sandbox = await startSandbox({ clockSpeed: 40, throttling: 'off' });
  const fleet = new Fleet({ services: SERVICES - SPECIAL_NAMES.length, clusters: 10, families: 10, prefix: 'ui', servicesPerFile: 10 });
  // Its own state dir: the default one (under the home directory) is shared with every other controller run without one.
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ui-browser-state-'));
  let cli: ReturnType<typeof startCliInProcess> | undefined;
  const writeSpecial = (name: string, change: SpecialChange) => {
    writeFileSync(path.join(fleet.root, 'services', `${name}.yaml`), stringify(specialManifest(name, accountId, change)));
  };
  try {
    await step(timings, 'checkout', () => {
      mkdirSync(path.join(fleet.root, 'services'), { recursive: true });
      for (const name of SPECIAL_NAMES.filter((n) => !n.startsWith('ui-broken-'))) writeSpecial(name, name === 'ui-secret' ? { password: PLANTED_SECRETS[0] } : {});
      fleet.init();
    });
    const seeded = await step(timings, 'seed', () => seedFleet(fleet, sandbox.endpoint, accountId, signal));
    if (seeded.synced !== SERVICES - BROKEN) throw new Error(`seeding left ${SERVICES - BROKEN - seeded.synced} services out of sync`);
    // After seeding: the broken services appear in Git (the seeding controller has no ECR client to refuse
    // their image), Git moves on for ui-secret, the console moves ui-drift; detect mode keeps both diffs.
    for (const name of SPECIAL_NAMES.filter((n) => n.startsWith('ui-broken-'))) writeSpecial(name, {});
    writeSpecial('ui-secret', { password: PLANTED_SECRETS[1], mode: 'detect' });
    writeSpecial('ui-drift', { mode: 'detect' });
    git(fleet.root, 'add', '-A');
    git(fleet.root, 'commit', '-q', '-m', 'broken images; ui-secret: new DB_PASSWORD; ui-drift and ui-secret detect only');
    sandbox.admin.scaleService({ accountId, region: REGION, cluster: SPECIAL_CLUSTER, service: 'ui-drift' }, DRIFTED_COUNT);
    const env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'dummy', AWS_REGION: REGION };
    const started = cli = startCliInProcess(['run', '--repo', fleet.root, '--listen', LISTEN_ANY_PORT, '--resync', '30m', '--state-dir', stateDir, '--rate-limits', UNLIMITED], env);
    const url = await step(timings, 'listen', () => waitForListenUrl(started.stdout, { stopped: settled(started.exit), stopOnFailure: started.stop, timeoutMs: 60_000 }));
    // /readyz answers 200 once every service was reconciled once.
    await step(timings, 'cold start', async () => {
      const deadline = Date.now() + 180_000;
      while ((await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) {
        if (Date.now() > deadline) throw new Error(`the controller was not ready within 180 s:\n${started.stdout().slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    return {
      sandbox, fleet, accountId, url, timings,
      commitSpecial(name, change, message) {
        writeSpecial(name, change);
        git(fleet.root, 'commit', '-q', '-a', '-m', message);
      },
      controllerOutput: () => started.stdout() + started.stderr(),
      async close() {
        started.stop();
        await started.exit.catch(() => undefined);
        await sandbox.close();
        fleet.remove();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    cli?.stop();
    await cli?.exit.catch(() => undefined);
    await sandbox.close();
    fleet.remove();
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}
