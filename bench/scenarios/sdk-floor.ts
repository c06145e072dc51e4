/**
 * The floor under the resync CPU figures (scenarios 1 and 4): the CPU this
 * process spends making the same DescribeServices calls a resync makes (one
 * per 10 services of a cluster, TAGS included) through a bare
 * @aws-sdk/client-ecs client with the SDK's defaults. ecs-gitops must use the
 * SDK, so no resync can cost less than this; the controller's CPU is reported
 * against it, as the call counts are against the ideal. The sandbox's
 * throttling is off meanwhile (waiting costs no CPU) and restored after.
 */
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { REGION, type Fleet } from '../lib/fixture.js';
import type { SandboxAdminClient } from '../lib/sandbox-admin.js';

export interface SdkFloorResult {
  readonly calls: number;
  /** CPU seconds of the measured pass (after one warm-up pass). */
  readonly cpuSeconds: number;
  readonly cpuMsPerCall: number;
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
  const pass = async (): Promise<number> => {
    let next = 0;
    const before = process.cpuUsage();
    await Promise.all(Array.from({ length: LANES }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as { cluster: string; services: string[] };
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
    return { calls: batches.length, cpuSeconds, cpuMsPerCall: (cpuSeconds * 1000) / batches.length };
  } finally {
    client.destroy();
    await admin.setThrottling(restoreThrottling);
  }
}
