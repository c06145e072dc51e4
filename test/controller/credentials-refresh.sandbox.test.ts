/**
 * Credentials that expire and are refreshed while the controller runs
 * (docs/controller.md "Many accounts and Regions", Credentials;
 * docs/environments.md "Many accounts from one controller"): one controller
 * over the sandbox through the real SDK and STS, two environments each
 * reached through its role, several resync passes while the sandbox issues
 * 3-second credentials and, once mid-run, expires every credential it issued.
 * Every reconcile stays a success: the credentials are assumed again ahead of
 * their expiry (so no call is refused as expired before the forced expiry),
 * and the calls refused by the forced expiry are retried with fresh ones.
 *
 * Every request (AssumeRole too) passes a loopback proxy that holds it for
 * 300 ms, as a network would: a call signed just before its credentials
 * expire then reaches AWS after they did, which is what refreshing ahead of
 * expiry (a quarter of the credentials' life here) is for.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs, type EcsConnection } from '../../src/app/runtime.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createController, type Controller } from '../../src/controller/index.js';
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import { createLogger } from '../../src/observe/logger.js';
import type { ReconcileResult } from '../../src/observe/metrics.js';
import { manifestDirsForFile, serviceManifest } from './harness.js';

const DEV = '111111111111';
const PROD = '222222222222';
const roleOf = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;
/** Lifetime of every credential the sandbox's STS issues in this test (wall-clock seconds). */
const SESSION_SECONDS = 3;
const RUN_MS = 9_000;
const EXPIRE_AT_MS = 4_500;
const RESYNC_MS = 300;
/** Time every request spends on the way to the sandbox. */
const NETWORK_MS = 300;
/** AWS's answers to a request whose signing credentials were refused (expired, unknown or invalid). */
const CREDENTIAL_REFUSALS = /Expired|UnrecognizedClient|InvalidClientTokenId|InvalidSignature|AccessDenied/;

const dirs = manifestDirsForFile();

function environmentDoc(name: string, account: string, region: string): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name },
    spec: { account, region, roleArn: roleOf(account), cluster: 'demo' },
  };
}

function serviceDoc(name: string): Record<string, unknown> {
  const doc = serviceManifest({ name, desiredCount: 1 });
  return { ...doc, metadata: { name, environments: ['dev', 'prod'] } };
}

interface Run {
  sandbox: Sandbox;
  proxy: FaultProxy;
  connection?: EcsConnection;
  controller?: Controller;
}

let run: Run | undefined;
afterEach(async () => {
  await run?.controller?.stop({ graceMs: 100 });
  await run?.connection?.close();
  await run?.proxy.close();
  await run?.sandbox.close();
  run = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('credentials expire and refresh during a run (sandbox, real SDK and STS)', () => {
  it('keeps every reconcile a success over several resyncs with 3 s credentials and one forced expiry', async () => {
    const sandbox = await startSandbox({ clockSpeed: 40 });
    const proxy = await startFaultProxy({ target: sandbox.endpoint, seed: 21, defaultRule: { rate: 1, kinds: ['latency'] }, latencyMs: NETWORK_MS });
    run = { sandbox, proxy };
    const requests: (AwsRequestEvent & { at: number })[] = [];
    const accounts = new AccountDirectory();
    // The sandbox's own keys act in its default account: the controller's own credentials, which assume the roles.
    const own = sandbox.clientConfig({ region: 'eu-west-1' }).credentials;
    const connection = await connectEcs({
      region: 'eu-west-1', accounts, controllerId: 'ecs-gitops',
      env: { AWS_ENDPOINT_URL_ECS: proxy.url, AWS_ACCESS_KEY_ID: own.accessKeyId, AWS_SECRET_ACCESS_KEY: own.secretAccessKey },
      observer: (event) => requests.push({ ...event, at: Date.now() }),
    });
    run.connection = connection;
    sandbox.admin.seed({
      accounts: [
        { accountId: DEV, region: 'eu-west-1', clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] },
        { accountId: PROD, region: 'us-east-1', clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] },
      ],
    });
    sandbox.admin.setSessionSeconds(SESSION_SECONDS);

    const logLines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(line);
    });
    const outcomes: { key: string; result: ReconcileResult }[] = [];
    const controller = createController({
      ecs: (location) => connection.ecsFor(location),
      scheduler: (location) => connection.schedulerFor(location),
      accounts,
      logger: createLogger({ level: 'debug', destination: sink }),
      workers: 4, resyncMs: RESYNC_MS, resyncJitter: 0, rolloutPollMs: 25, backoffBaseMs: 50, backoffMaxMs: 200, followRollouts: false,
      hooks: { afterReconcile: (key, result) => outcomes.push({ key, result }) },
    });
    run.controller = controller;

    const dir = dirs();
    await dir.write('environments.yaml', [environmentDoc('dev', DEV, 'eu-west-1'), environmentDoc('prod', PROD, 'us-east-1')]);
    await dir.write('services.yaml', [serviceDoc('web'), serviceDoc('api'), serviceDoc('worker')]);
    const snapshot = await dir.load('r1');
    expect(snapshot.problems).toEqual([]);

    const started = Date.now();
    controller.setSnapshot(snapshot);
    await controller.start();
    await sleep(EXPIRE_AT_MS - (Date.now() - started));
    const expiredAt = Date.now();
    // Every credential the controller holds (one per account) stops working now.
    expect(sandbox.admin.expireCredentials()).toBeGreaterThanOrEqual(2);
    await sleep(RUN_MS - (Date.now() - started));
    await controller.stop({ graceMs: 2_000 });
    const stoppedAt = Date.now();

    // Several resync passes over the six keys, and every one a success.
    const keys = [...new Set(outcomes.map((o) => o.key))].sort();
    expect(keys).toEqual(['web', 'api', 'worker'].flatMap((name) => [`${DEV}@eu-west-1/demo/${name}`, `${PROD}@us-east-1/demo/${name}`]).sort());
    for (const key of keys) expect(outcomes.filter((o) => o.key === key).length, key).toBeGreaterThanOrEqual(5);
    expect(outcomes.filter((o) => o.result !== 'success')).toEqual([]);
    for (const record of controller.status.list()) {
      expect(record.lastError, record.key).toBeUndefined();
      expect(record.sync, record.key).toBe('Synced');
    }
    expect(logLines.filter((line) => /AWS_CREDENTIALS_EXPIRED|AWS_ASSUME_ROLE_FAILED|ExpiredToken/.test(line))).toEqual([]);
    expect(logLines.filter((line) => (JSON.parse(line) as { level?: string }).level === 'error')).toEqual([]);

    // Refreshed ahead of expiry: no call was refused as expired before the forced expiry, nor once its
    // refusals were retried. The forced expiry did reach calls in flight (each retried once, then ok).
    // (The scheduled-task scan's GetScheduleGroup answers ResourceNotFound every pass: there is no group yet.)
    const refused = requests.filter((r) => r.errorName !== undefined && CREDENTIAL_REFUSALS.test(r.errorName));
    expect(refused.every((r) => r.errorName === 'ExpiredTokenException'), JSON.stringify(refused)).toBe(true);
    expect(refused.filter((r) => r.at < expiredAt)).toEqual([]);
    expect(refused.filter((r) => r.at > expiredAt + 2 * RESYNC_MS + 8 * NETWORK_MS)).toEqual([]);
    expect(refused.length).toBeGreaterThanOrEqual(1);

    // Assumed again several times per account (refresh happened), yet far fewer times than calls were made there.
    const assumed = sandbox.admin.assumeRoleCalls();
    const wallSeconds = (stoppedAt - started) / 1000;
    for (const account of [DEV, PROD]) {
      const calls = sandbox.admin.callLog({ accountId: account }).length;
      const assumes = assumed[roleOf(account)] ?? 0;
      // One per credential lifetime (less a quarter: refreshed ahead), plus one for the forced expiry.
      expect(assumes, account).toBeGreaterThanOrEqual(3);
      expect(assumes, account).toBeLessThanOrEqual(Math.ceil(wallSeconds / (SESSION_SECONDS * 0.75)) + 3);
      expect(calls, account).toBeGreaterThan(assumes * 5);
      // Each call reached the account it was meant for; the only ones that failed are the scan's missing schedule group.
      const failed = sandbox.admin.callLog({ accountId: account }).filter((c) => c.outcome !== 'ok');
      expect(failed.filter((c) => c.operation !== 'GetScheduleGroup'), account).toEqual([]);
    }
  }, 30_000);
});
