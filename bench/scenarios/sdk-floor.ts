/**
 * The floor under the resync CPU figures (scenarios 1 and 4): the CPU this
 * process spends making the same DescribeServices calls a resync makes (one
 * per 10 services of a cluster, TAGS included) through a bare
 * @aws-sdk/client-ecs client with the SDK's defaults: what the calls alone
 * cost a tool that uses the SDK as shipped. (ecs-gitops' client reads
 * answers for less, src/ecs/json-protocol.ts, but sends every call through
 * the same SDK request path: middleware, signing, HTTP.) Measured twice: as
 * fast as the sandbox answers, and paced at ECS's DescribeServices rate, as
 * a resync must send them. The sandbox's throttling is off meanwhile (the
 * pacing is ours) and restored after.
 */
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DEFAULT_RATE_LIMITS } from '../../src/ecs/rate-limits.js';
import { systemClock } from '../../src/util/clock.js';
import { TokenBucket, type BucketLimits } from '../../src/ecs/token-bucket.js';
import { REGION, type Fleet } from '../lib/fixture.js';
import type { SandboxAdminClient } from '../lib/sandbox-admin.js';

export interface SdkFloorResult {
  readonly calls: number;
  /** CPU seconds of the measured pass (after one warm-up pass), calls sent as fast as the sandbox answers. */
  readonly cpuSeconds: number;
  readonly cpuMsPerCall: number;
  /**
   * The same calls sent at ECS's DescribeServices rate (its burst at once, then
   * the refill rate), as a resync must send them: CPU seconds and wall time.
   * On this VM the same calls cost about twice the CPU when paced (timer
   * wake-ups, idle sockets, cold caches between calls), so this is the floor
   * a resync is compared with.
   */
  readonly pacedCpuSeconds: number;
  readonly pacedWallSeconds: number;
}

/** Parallel lanes: enough that the sandbox's answer time does not leave the client idle. */
const LANES = 16;

export async function measureSdkFloor(
  endpoint: string, accountId: string, admin: SandboxAdminClient, fleet: Fleet, restoreThrottling: 'real' | 'off',
): Promise<SdkFloorResult> {
  const batches: { cluster: string; services: string[] }[] = [];
  for (const cluster of fleet.clusterNames) {
    const names = fleet.refs.filter((r) => r.cluster === cluster).map((r) => r.name);
    for (let i = 0; i < names.length; i += 10) batches.push({ cluster, services: names.slice(i, i + 10) });
  }
  const client = new ECSClient({
    endpoint, region: REGION, maxAttempts: 1, credentials: { accessKeyId: accountId, secretAccessKey: 'bench-dummy-not-a-secret' },
  });
  const pass = async (pacing?: BucketLimits): Promise<number> => {
    let next = 0;
    const before = process.cpuUsage();
    // The controller's own token bucket, at ECS's published limits (no margins): the burst at once, then the refill rate.
    const bucket = pacing ? new TokenBucket('sdk-floor', pacing, systemClock) : undefined;
    await Promise.all(Array.from({ length: LANES }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as { cluster: string; services: string[] };
        await bucket?.take();
        const out = await client.send(new DescribeServicesCommand({ cluster: batch.cluster, services: batch.services, include: ['TAGS'] }));
        if ((out.services?.length ?? 0) !== batch.services.length) throw new Error(`SDK floor: ${batch.cluster} answered ${out.services?.length ?? 0} of ${batch.services.length} services`);
      }
    }));
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1e6;
  };
  await admin.setThrottling('off');
  try {
    await pass(); // JIT warm-up, as the controller's measured resync follows its cold start
    const cpuSeconds = await pass();
    const pacedFrom = performance.now();
    const pacedCpuSeconds = await pass(DEFAULT_RATE_LIMITS['service-read']);
    return {
      calls: batches.length, cpuSeconds, cpuMsPerCall: (cpuSeconds * 1000) / batches.length,
      pacedCpuSeconds, pacedWallSeconds: (performance.now() - pacedFrom) / 1000,
    };
  } finally {
    client.destroy();
    await admin.setThrottling(restoreThrottling);
  }
}
