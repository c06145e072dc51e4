/**
 * The scheduled task prune scan's decisions belong to the snapshot they were
 * made for: a delete verdict is never handed to a pass under a later
 * snapshot (the schedule may have been declared again meanwhile), and each
 * scan starts with no decision left from the one before. The group listing
 * is a narrow stand-in for ListSchedules (the sandbox tests cover the wire).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScheduledTaskPruneScan } from '../../src/controller/scheduled-task/prune-scan.js';
import { scheduledTaskIdentity } from '../../src/keys/index.js';
import type { SchedulerApi } from '../../src/scheduler/scheduler-api.js';
import { ManifestDir, REGION, serviceManifest } from './harness.js';

const CLUSTER_ARN = `arn:aws:ecs:${REGION}:123456789012:cluster/demo`;
const ID = scheduledTaskIdentity(REGION, 'demo', 'report');

function groupHolding(names: readonly string[]): SchedulerApi {
  return {
    send: ((op: string) => {
      if (op !== 'ListSchedules') throw new Error(`unexpected ${op}`);
      return Promise.resolve({ Schedules: names.map((Name) => ({ Name, Target: { Arn: CLUSTER_ARN } })) });
    }) as SchedulerApi['send'],
  };
}

describe('ScheduledTaskPruneScan', () => {
  let dir: ManifestDir;
  beforeEach(async () => {
    dir = await ManifestDir.create();
    await dir.write('web.yaml', [serviceManifest({ name: 'web' })]);
  });
  afterEach(() => dir.dispose());

  const access = (names: readonly string[]) => ({ scheduler: () => groupHolding(names), groupState: () => Promise.resolve('owned' as const) });

  it('scans every Region a snapshot names, not only those with scheduled tasks', async () => {
    const scan = new ScheduledTaskPruneScan({ controllerId: 'ecs-gitops', group: 'ecs-gitops', prune: true, maxDeletes: 5, detect: false });
    const snapshot = await dir.load('rev-1');
    scan.remember(snapshot);
    expect(scan.regions()).toEqual([REGION]);
    const queued: string[] = [];
    const { candidates } = await scan.scan(snapshot, access(['report']), (k) => queued.push(k), new AbortController().signal);
    expect(candidates).toEqual([ID]);
    expect(queued).toHaveLength(1);
  });

  it('the default Region and Regions of status records are scanned too', () => {
    const scan = new ScheduledTaskPruneScan({ controllerId: 'ecs-gitops', group: 'ecs-gitops', prune: true, maxDeletes: 5, detect: false, defaultRegion: 'us-east-1' });
    scan.rememberRegion('ap-south-1');
    expect([...scan.regions()].sort()).toEqual(['ap-south-1', 'us-east-1']);
  });

  it('a delete verdict is taken only under the snapshot it was decided for, and a new scan clears the old ones', async () => {
    const scan = new ScheduledTaskPruneScan({ controllerId: 'ecs-gitops', group: 'ecs-gitops', prune: true, maxDeletes: 5, detect: false });
    const first = await dir.load('rev-1');
    scan.remember(first);
    await scan.scan(first, access(['report']), () => undefined, new AbortController().signal);
    // The schedule was declared again (rev-2), then removed again (rev-3) before its pass ran.
    const later = await dir.load('rev-3');
    expect(scan.take(ID, later)).toBeUndefined();

    await scan.scan(first, access(['report']), () => undefined, new AbortController().signal);
    // A scan that no longer finds it (declared again) leaves no verdict from the one before.
    await scan.scan(first, access([]), () => undefined, new AbortController().signal);
    expect(scan.take(ID, first)).toBeUndefined();

    await scan.scan(first, access(['report']), () => undefined, new AbortController().signal);
    expect(scan.take(ID, first)).toEqual({ kind: 'delete' });
    expect(scan.take(ID, first)).toBeUndefined();
  });
});
