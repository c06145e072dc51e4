/**
 * Read-ahead groups are queued taking turns between locations (account and
 * Region), so a whole-fleet pass over many accounts starts every location at
 * once instead of one after another.
 */
import { describe, expect, it } from 'vitest';
import { enqueueWithReadAhead, takingTurns } from '../../src/controller/enqueue.js';
import type { DesiredIndex } from '../../src/controller/reconciler.js';
import type { RegionAccessPool } from '../../src/controller/regions.js';
import type { WorkQueue } from '../../src/controller/workqueue.js';
import { serviceIdentity } from '../../src/keys/index.js';
import type { DesiredService, ManifestSnapshot } from '../../src/manifests/types.js';

function service(account: string | undefined, region: string, cluster: string, name: string): DesiredService {
  return { key: serviceIdentity(region, cluster, name, account), region, cluster, name, ...(account ? { account } : {}) } as DesiredService;
}

describe('takingTurns', () => {
  it.each<[string, string[][], string[]]>([
    ['none', [], []],
    ['one list', [['a1', 'a2']], ['a1', 'a2']],
    ['uneven lists', [['a1', 'a2', 'a3'], ['b1'], ['c1', 'c2']], ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']],
  ])('%s', (_name, lists, expected) => {
    expect([...takingTurns(lists)]).toEqual(expected);
  });
});

describe('enqueueWithReadAhead across locations', () => {
  it('queues the groups of each location in turn, each group announced to its own location\'s reader first', () => {
    const services = [
      ...Array.from({ length: 25 }, (_, i) => service('111111111111', 'eu-west-1', 'apps', `a${String(i).padStart(2, '0')}`)),
      ...Array.from({ length: 12 }, (_, i) => service('222222222222', 'eu-west-1', 'apps', `b${String(i).padStart(2, '0')}`)),
      ...Array.from({ length: 3 }, (_, i) => service(undefined, 'us-east-1', 'demo', `c${i}`)),
    ];
    const index = { services: new Map(services.map((s) => [s.key, s])), snapshot: { blockedKeys: new Set<string>() } as unknown as ManifestSnapshot } as unknown as DesiredIndex;
    const events: string[] = [];
    const queue = { processing: [], add: (key: string) => events.push(`add ${key}`) } as unknown as WorkQueue;
    const regions = {
      get: (location: string) => ({ reader: { planBatch: (cluster: string, names: string[]) => events.push(`plan ${location} ${cluster} ${names.length}`) } }),
    } as unknown as RegionAccessPool;

    enqueueWithReadAhead(services.map((s) => s.key), index, queue, regions);

    const plans = events.filter((e) => e.startsWith('plan'));
    expect(plans).toEqual([
      'plan 111111111111@eu-west-1 apps 10', 'plan 222222222222@eu-west-1 apps 10', 'plan us-east-1 demo 3',
      'plan 111111111111@eu-west-1 apps 10', 'plan 222222222222@eu-west-1 apps 2',
      'plan 111111111111@eu-west-1 apps 5',
    ]);
    // Every key queued once, right after its group's plan.
    expect(events.filter((e) => e.startsWith('add'))).toHaveLength(40);
    expect(events.slice(0, 12)).toEqual([plans[0], ...services.slice(0, 10).map((s) => `add ${s.key}`), plans[1]]);
  });
});
