/**
 * `sync` does not spend retries on a write ECS rejects as invalid: one
 * CreateService, then exit 1 naming the error (AWS_INVALID_REQUEST and ECS's
 * words). A throttled write is still retried with backoff and the sync
 * succeeds. Counted by calls, never by timing: the sandbox counts the calls
 * it answered, and a fault proxy in front of it throttles the first
 * CreateService the way ECS does (400 ThrottlingException).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, serviceManifest } from '../controller/harness.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { runCliProcess } from './cli-process.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const ACCOUNT = '610987654321';

describe('sync and errors a retry cannot fix', () => {
  let setup: CliSandbox;
  let proxy: FaultProxy;
  beforeAll(async () => {
    setup = await startCliSandbox(ACCOUNT);
    proxy = await startFaultProxy({ target: setup.sandbox.endpoint, seed: 18 });
  });
  afterAll(async () => {
    await proxy.close();
    await setup.close();
  });

  it('sends a write ECS rejects with InvalidParameterException once, then exits 1 naming the error', { timeout: 120_000 }, async () => {
    // Passes validate (which checks ECS's rules it knows, docs/manifests.md); ECS refuses more than 16 subnets.
    const subnets = Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(2, '0')}`);
    await setup.dir.write('svc.yaml', [serviceManifest({
      name: 'too-many-subnets',
      extra: { networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: ['sg-1'] } } },
    })]);
    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const sync = await runCliProcess(['sync', setup.dir.root], setup.env);
    expect(setup.sandbox.callCounts(ACCOUNT).CreateService).toBe(1);
    expect(sync.stdout).toMatch(new RegExp(`✗ ${REGION}/demo/too-many-subnets .*AWS_INVALID_REQUEST: createService failed: ECS CreateService failed: InvalidParameterException: subnets can have at most 16 items`));
    expect(sync.stdout).toContain('CONTROLLER_SYNC_FAILED');
    expect(sync.stderr).toContain('not retried');
    expect(sync.stderr).not.toContain('retrying with backoff');
    expect(sync.code).toBe(1);
  });

  it('retries a throttled write with backoff and succeeds', { timeout: 120_000 }, async () => {
    await setup.dir.write('svc.yaml', [serviceManifest({ name: 'throttled-once' })]);
    proxy.setRules({ rate: 0 }, { CreateService: { rate: 1, kinds: ['throttle'], max: 1 } });
    setup.sandbox.admin.resetCallCounts(ACCOUNT);
    const sync = await runCliProcess(['sync', setup.dir.root], { ...setup.env, AWS_ENDPOINT_URL_ECS: proxy.url });
    expect(proxy.injected().CreateService).toEqual({ throttle: 1 });
    expect(proxy.calls().CreateService).toBe(2);
    expect(setup.sandbox.callCounts(ACCOUNT).CreateService).toBe(1);
    expect(sync.stderr).toContain('AWS_THROTTLED');
    expect(sync.stderr).toContain('retrying with backoff');
    expect(sync.stdout).toContain(`✓ ${REGION}/demo/throttled-once  Synced`);
    expect(sync.code).toBe(0);
  });
});
