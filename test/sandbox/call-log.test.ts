/**
 * The measurement hooks benchmarks use: the timestamped call log, the count of
 * ThrottlingExceptions, and switching throttling at run time — over the
 * admin HTTP API with the real SDK making the calls.
 */
import { CreateClusterCommand, ListClustersCommand, ListServicesCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallLog } from '../../src/sandbox/call-log.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { accountOn, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
let now = 1_000_000;
beforeAll(async () => {
  // Injected wall clock: throttling buckets refill only when the test says so.
  sandbox = await testSandbox({ throttling: 'real', realNow: () => now });
});
afterAll(async () => {
  await sandbox.close();
});

async function admin(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.endpoint}/_sandbox/${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('call log', () => {
  it('records each call with its arrival time, target and outcome, filtered by account, operation and time', async () => {
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    now = 2_000_000;
    await ecs.send(new CreateClusterCommand({ clusterName: 'alpha' }));
    now = 2_000_500;
    await expect(ecs.send(new ListServicesCommand({ cluster: 'missing' }))).rejects.toThrow(/Cluster not found/);
    const all = await admin('GET', `calls/log?accountId=${account.accountId}`);
    expect(all.json.calls).toEqual([
      { at: 2_000_000, accountId: account.accountId, region: 'eu-west-1', operation: 'CreateCluster', target: 'alpha', outcome: 'ok' },
      { at: 2_000_500, accountId: account.accountId, region: 'eu-west-1', operation: 'ListServices', target: 'missing', outcome: 'error' },
    ]);
    const later = await admin('GET', `calls/log?accountId=${account.accountId}&since=2000100`);
    expect((later.json.calls as unknown[]).length).toBe(1);
    const byOp = await admin('GET', `calls/log?accountId=${account.accountId}&operation=CreateCluster`);
    expect((byOp.json.calls as { operation: string }[]).map((c) => c.operation)).toEqual(['CreateCluster']);
    expect((await admin('GET', 'calls/log?since=soon')).status).toBe(400);
  });

  it('counts ThrottlingExceptions, and DELETE /calls clears counts and log', async () => {
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    now = 3_000_000;
    // cluster read: burst 50 at real rates, clock frozen so nothing refills.
    const results = await Promise.allSettled(Array.from({ length: 53 }, () => ecs.send(new ListClustersCommand({}))));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(3);
    const calls = await admin('GET', `calls?accountId=${account.accountId}`);
    expect(calls.json).toEqual({ counts: { ListClusters: 53 } });
    expect((await admin('GET', `calls/throttled?accountId=${account.accountId}`)).json).toEqual({ throttled: { ListClusters: 3 } });
    const log = (await admin('GET', `calls/log?accountId=${account.accountId}`)).json.calls as { outcome: string }[];
    expect(log.filter((c) => c.outcome === 'throttled')).toHaveLength(3);
    await admin('DELETE', `calls?accountId=${account.accountId}`);
    expect((await admin('GET', `calls?accountId=${account.accountId}`)).json).toEqual({ counts: {} });
    expect((await admin('GET', `calls/throttled?accountId=${account.accountId}`)).json).toEqual({ throttled: {} });
    expect((await admin('GET', `calls/log?accountId=${account.accountId}`)).json.calls).toEqual([]);
  });

  it('keeps only the newest records beyond its capacity', () => {
    const log = new CallLog(10);
    for (let i = 0; i < 25; i++) log.add({ at: i, accountId: 'a', region: 'r', operation: 'ListClusters', outcome: i % 5 === 0 ? 'throttled' : 'ok' });
    const kept = log.list();
    expect(kept.length).toBeLessThanOrEqual(10);
    expect(kept.at(-1)?.at).toBe(24);
    expect(kept.map((r) => r.at)).toEqual([...kept.map((r) => r.at)].sort((a, b) => a - b));
    // Throttle counts are not bounded by the ring.
    expect(log.throttledCounts('a')).toEqual({ ListClusters: 5 });
  });
});

describe('throttling switch', () => {
  it('turns throttling off and back on at run time, with full buckets', async () => {
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    now = 4_000_000;
    expect((await admin('GET', 'throttling')).json).toEqual({ throttling: 'real' });
    expect((await admin('POST', 'throttling', { throttling: 'off' })).json).toEqual({ throttling: 'off' });
    const unthrottled = await Promise.allSettled(Array.from({ length: 60 }, () => ecs.send(new ListClustersCommand({}))));
    expect(unthrottled.every((r) => r.status === 'fulfilled')).toBe(true);
    expect((await admin('POST', 'throttling', { throttling: 0.1 })).json).toEqual({ throttling: 0.1 });
    // Scaled by 0.1: a cluster-read burst of 5.
    const scaled = await Promise.allSettled(Array.from({ length: 7 }, () => ecs.send(new ListClustersCommand({}))));
    expect(scaled.filter((r) => r.status === 'rejected')).toHaveLength(2);
    expect((await admin('POST', 'throttling', { throttling: 'fast' })).status).toBe(400);
    expect((await admin('POST', 'throttling', { throttling: -1 })).status).toBe(400);
    await admin('POST', 'throttling', { throttling: 'real' });
    sandbox.admin.setThrottling('off');
    expect((await admin('GET', 'throttling')).json).toEqual({ throttling: 'off' });
  });
});
