/**
 * Scenario 2 (issue 6's figure): commit-to-apply latency. A controller
 * process watches a real checkout of the fleet; one manifest at a time gets a
 * new image and is committed; the latency is from just before the file is
 * written to the sandbox receiving UpdateService for that service (the
 * sandbox's call log; both timestamps are this machine's wall clock). Rounds
 * wait for the previous apply to finish, so each measures one commit alone.
 */
import type { Fleet } from '../lib/fixture.js';
import { waitFor, type ControllerProcess } from '../lib/processes.js';
import type { SandboxAdminClient } from '../lib/sandbox-admin.js';
import { percentile } from '../lib/stats.js';

export interface CommitLatencyResult {
  readonly commits: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Commit to the RegisterTaskDefinition that precedes the update (the part spent before any write). */
  readonly registerP50Ms: number;
  /** Commit to the controller's first ECS call for the edited service or its family: the source's part (watch, debounce, snapshot) plus the plan. */
  readonly firstCallP50Ms: number;
  readonly samplesMs: readonly number[];
}

export async function measureCommitLatency(
  controller: ControllerProcess, admin: SandboxAdminClient, fleet: Fleet, commits: number, deadline: number,
): Promise<CommitLatencyResult> {
  const samples: number[] = [];
  const registers: number[] = [];
  const firstCalls: number[] = [];
  for (let round = 0; round < commits; round++) {
    if (Date.now() > deadline) throw new Error(`commit latency: round ${round} would run into the controller's next resync; raise its interval`);
    const ref = fleet.refs[(round * 37 + 11) % fleet.refs.length];
    if (!ref) throw new Error('empty fleet');
    fleet.setImage(ref.family, `public.ecr.aws/nginx/nginx:1.27.${round + 1}`);
    const t0 = Date.now();
    fleet.commit([ref], `bench: bump ${ref.name} (round ${round + 1})`);
    const update = await waitFor(`UpdateService for ${ref.name}`, async () => {
      const log = await admin.callLog({ operation: 'UpdateService', since: t0 });
      return log.find((c) => c.outcome === 'ok' && (c.target === ref.name || c.target?.endsWith(`/${ref.name}`)));
    }, 30_000, 10, controller.proc);
    samples.push(update.at - t0);
    const register = (await admin.callLog({ operation: 'RegisterTaskDefinition', since: t0 })).find((c) => c.target === ref.family);
    if (register) registers.push(register.at - t0);
    // The first call for this service or its family: other calls (the previous round's rollout being followed) are not this commit's.
    const first = (await admin.callLog({ since: t0 })).find((c) => c.target === ref.family || c.target === ref.name || c.target?.endsWith(`/${ref.name}`) === true);
    if (first) firstCalls.push(first.at - t0);
    // Let the apply (tags, status) finish before the next commit; the rollout is followed in the background.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    commits: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    registerP50Ms: percentile(registers, 50),
    firstCallP50Ms: percentile(firstCalls, 50),
    samplesMs: samples,
  };
}
