/**
 * Rate-limit buckets per location (docs/controller.md "Many accounts and
 * Regions", Buckets per location): one controller over the sandbox, through
 * the real SDK and STS, serving three locations: two Regions of one account
 * and a second account. One environment declares tight `rateLimits` (its
 * account and Region's quotas, docs/environments.md); only that location's
 * calls wait for tokens, so the other two finish their first pass while it is
 * still at its first services. Compared by order and counts, with only
 * generous bounds on time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs, type EcsConnection } from '../../src/app/runtime.js';
import { createController, type Controller } from '../../src/controller/index.js';
import type { ReconcileResult } from '../../src/observe/metrics.js';
import { manifestDirsForFile, serviceManifest } from './harness.js';

const DEV = '111111111111';
const PROD = '222222222222';
const roleOf = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;
const SERVICES = ['web', 'api', 'worker', 'cron'];
/** One token a second, one in the bucket: ECS quotas far below the defaults, in the slow location only. */
const TIGHT = { burst: 1, refillPerSecond: 1 };

interface Place {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly rateLimits?: Record<string, { burst: number; refillPerSecond: number }>;
}

const FAST_EU: Place = { environment: 'dev-eu', account: DEV, region: 'eu-west-1' };
const SLOW_US: Place = {
  environment: 'dev-us', account: DEV, region: 'us-east-1',
  rateLimits: { 'service-read': TIGHT, 'service-modify': TIGHT, 'task-definition-read': TIGHT, 'task-definition-modify': TIGHT },
};
const FAST_PROD: Place = { environment: 'prod', account: PROD, region: 'eu-west-1' };
const PLACES = [FAST_EU, SLOW_US, FAST_PROD];
const locationOf = (place: Place) => `${place.account}@${place.region}`;

const dirs = manifestDirsForFile();

let world: { connection: EcsConnection; controller?: Controller } | undefined;
afterEach(async () => {
  await world?.controller?.stop({ graceMs: 100 });
  await world?.connection.close();
  world = undefined;
});

describe('rate-limit buckets per location (sandbox, real SDK and STS)', () => {
  it('tight rateLimits in one environment slow only its own account and Region', async () => {
    const accounts = new AccountDirectory();
    const connection = await connectEcs({ region: 'eu-west-1', env: {}, sandbox: { clockSpeed: 40 }, accounts, controllerId: 'ecs-gitops' });
    world = { connection };
    const sandbox = connection.sandbox;
    if (!sandbox) throw new Error('no sandbox');
    sandbox.admin.seed({
      accounts: PLACES.map((place) => ({ accountId: place.account, region: place.region, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] })),
    });
    // When each key's first pass ended, in order.
    const firstPass: { key: string; location: string; result: ReconcileResult }[] = [];
    const controller = createController({
      ecs: (location) => connection.ecsFor(location),
      accounts,
      // A worker for every key: what is measured is the buckets, not a shared pool of workers.
      workers: PLACES.length * SERVICES.length,
      resyncMs: 0, rolloutPollMs: 25, backoffBaseMs: 50, backoffMaxMs: 200, followRollouts: false,
      hooks: {
        afterReconcile: (key, result) => {
          if (!firstPass.some((p) => p.key === key)) firstPass.push({ key, location: key.slice(0, key.indexOf('/')), result });
        },
      },
    });
    world.controller = controller;

    const dir = dirs();
    await dir.write('environments.yaml', PLACES.map((place) => ({
      apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name: place.environment },
      spec: {
        account: place.account, region: place.region, roleArn: roleOf(place.account), cluster: 'demo',
        ...(place.rateLimits ? { rateLimits: place.rateLimits } : {}),
      },
    })));
    await dir.write('services.yaml', SERVICES.map((name) => ({
      ...serviceManifest({ name, desiredCount: 1 }), metadata: { name, environments: PLACES.map((p) => p.environment) },
    })));
    const snapshot = await dir.load('r1');
    expect(snapshot.problems).toEqual([]);

    const started = Date.now();
    controller.setSnapshot(snapshot);
    await controller.waitForIdle();
    const elapsedMs = Date.now() - started;

    // Everything was reconciled, in its own location.
    expect(firstPass).toHaveLength(PLACES.length * SERVICES.length);
    expect(firstPass.filter((p) => p.result !== 'success')).toEqual([]);
    for (const place of PLACES) {
      const creates = sandbox.admin.callLog({ accountId: place.account, operation: 'CreateService' }).filter((c) => c.region === place.region);
      expect(creates.map((c) => c.target).sort(), locationOf(place)).toEqual([...SERVICES].sort());
    }
    expect(accounts.rateLimitsFor(locationOf(SLOW_US))).toMatchObject({ 'service-modify': TIGHT });

    // The two fast locations were done before the slow one had finished more than one of its four keys.
    const order = firstPass.map((p) => p.location);
    const lastFast = Math.max(...[FAST_EU, FAST_PROD].map((place) => order.lastIndexOf(locationOf(place))));
    const slowDoneByThen = order.slice(0, lastFast + 1).filter((location) => location === locationOf(SLOW_US)).length;
    expect(slowDoneByThen, order.join(' ')).toBeLessThanOrEqual(1);
    expect(order.slice(-SERVICES.length + 1).every((location) => location === locationOf(SLOW_US)), order.join(' ')).toBe(true);

    // The slow location's writes were paced by its own bucket (one a second after the first)...
    const slowWrites = sandbox.admin.callLog({ accountId: SLOW_US.account }).filter((c) => c.region === SLOW_US.region && c.operation === 'CreateService');
    const gaps = slowWrites.slice(1).map((c, i) => c.at - (slowWrites[i]?.at ?? c.at));
    expect(gaps.every((gap) => gap >= 500), JSON.stringify(gaps)).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual((SERVICES.length - 1) * 800);
    // ...while the other locations' writes were all made before the slow location's second one.
    const secondSlowWrite = slowWrites[1]?.at ?? 0;
    for (const place of [FAST_EU, FAST_PROD]) {
      const writes = sandbox.admin.callLog({ accountId: place.account }).filter((c) => c.region === place.region && /^(CreateService|RegisterTaskDefinition)$/.test(c.operation));
      expect(writes, locationOf(place)).toHaveLength(2 * SERVICES.length);
      expect(writes.every((c) => c.at < secondSlowWrite), locationOf(place)).toBe(true);
    }
  }, 30_000);
});
