/**
 * The fault proxy itself: decisions are reproducible from the seed (per
 * operation, whatever the interleaving), rules are per operation, and in
 * front of moto the faults land as the SDK sees them in AWS: throttles and
 * 5xx never reach the backend, while resets and truncated answers do (the
 * call was applied, the answer lost).
 */
import { describe, expect, it } from 'vitest';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import { FAULT_KINDS, decideFault, seededRandom, startFaultProxy, type FaultKind } from '../support/fault-proxy.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';
import { requireProgram } from '../support/programs.js';

describe('fault decisions', () => {
  it('are a pure function of the seed and the call index', () => {
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 500 }, () => decideFault(random, { rate: 0.3 }) ?? '-');
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    const faults = run(1).filter((f) => f !== '-');
    // About 30 % faulted, every kind drawn.
    expect(faults.length).toBeGreaterThan(100);
    expect(faults.length).toBeLessThan(200);
    expect(new Set(faults)).toEqual(new Set(FAULT_KINDS));
  });

  it.each([0, 1])('rate %i means never / always, restricted to the given kinds', (rate) => {
    const random = seededRandom(5);
    const picks = Array.from({ length: 100 }, () => decideFault(random, { rate, kinds: ['reset'] }));
    expect(new Set(picks)).toEqual(new Set([rate === 0 ? undefined : 'reset']));
  });
});

describe('fault proxy in front of moto', () => {
  it('throttles and 5xx are not applied, resets and truncations are applied but unanswered', async () => {
    requireProgram('moto_server', 'pip install "moto[server]"');
    const endpoint = motoEndpoint();
    if (!endpoint) return;
    const accountId = String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000));
    const proxy = await startFaultProxy({ target: endpoint, seed: 3 });
    const events: AwsRequestEvent[] = [];
    const { api, client } = createSdkEcsApi({
      endpoint: proxy.url, region: 'eu-west-1', credentials: dummyCredentials(), headers: { 'x-moto-account-id': accountId },
      observer: (e) => events.push(e),
    });
    const { api: direct, client: directClient } = createSdkEcsApi({
      endpoint, region: 'eu-west-1', credentials: dummyCredentials(), headers: { 'x-moto-account-id': accountId },
    });
    const exists = async (name: string) => ((await direct.send('DescribeClusters', { clusters: [name] })).clusters ?? []).some((c) => c.status === 'ACTIVE');
    try {
      const cases: Array<[FaultKind, boolean, string]> = [
        ['throttle', false, 'throttled'],
        ['http500', false, 'server_error'],
        ['http503', false, 'server_error'],
        ['reset', true, 'network_error'],
        ['truncate', true, ''],
      ];
      for (const [kind, applied, outcome] of cases) {
        proxy.setRules({ rate: 0 }, { CreateCluster: { rate: 1, kinds: [kind] } });
        const name = `fp-${kind}`;
        await expect(api.send('CreateCluster', { clusterName: name }), kind).rejects.toThrow();
        expect(await exists(name), `${kind} applied`).toBe(applied);
        const last = events.at(-1);
        expect(last?.operation).toBe('CreateCluster');
        if (outcome) expect(last?.outcome, kind).toBe(outcome);
        else expect(last?.outcome, kind).not.toBe('ok');
      }
      // Latency: answered, late, applied.
      proxy.setRules({ rate: 0 }, { CreateCluster: { rate: 1, kinds: ['latency'] } });
      await api.send('CreateCluster', { clusterName: 'fp-latency' });
      expect(await exists('fp-latency')).toBe(true);
      // Other operations are untouched by a per-operation rule.
      expect((await api.send('DescribeClusters', { clusters: ['fp-latency'] })).clusters).toHaveLength(1);
      expect(proxy.injected()).toEqual({
        CreateCluster: { throttle: 1, http500: 1, http503: 1, reset: 1, truncate: 1, latency: 1 },
      });
      expect(proxy.calls().CreateCluster).toBe(6);
    } finally {
      client.destroy();
      directClient.destroy();
      await proxy.close();
    }
  }, 60_000);
});
