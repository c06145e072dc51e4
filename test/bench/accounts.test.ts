/**
 * The accounts scenario's fixture and yardsticks (bench/scenarios/accounts.ts):
 * the environment fleet loads as valid manifests whose keys land in 8
 * locations, its Environments give the controller the scaled quotas and roles,
 * seeding over HTTP puts every service in its own account and Region, and the
 * scaled quotas never let the controller's buckets outrun the sandbox's.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentFleet, REGION, seedEnvironmentFleet, targetRoleArn } from '../../bench/lib/fixture.js';
import { ECS_BUCKETS } from '../../bench/lib/rate-limit-ideal.js';
import { SandboxAdminClient } from '../../bench/lib/sandbox-admin.js';
import {
  ACCOUNTS_THROTTLING_SCALE, benchEnvironments, coldStartBoundSeconds, locationWindows, scaledEcsQuotas,
} from '../../bench/scenarios/accounts.js';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { readSnapshot } from '../../src/app/runtime.js';
import { ECS_RATE_CATEGORIES } from '../../src/ecs/rate-limits.js';
import { clientSideLimits } from '../../src/ecs/rate-limited-ecs.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { requireProgram } from '../support/programs.js';

const hasGit = requireProgram('git', 'apt-get install git');

const fleets: EnvironmentFleet[] = [];
let sandbox: Sandbox | undefined;
afterEach(async () => {
  for (const f of fleets.splice(0)) f.remove();
  await sandbox?.close();
  sandbox = undefined;
});

function smallFleet(templates: number): EnvironmentFleet {
  const fleet = new EnvironmentFleet({
    templates, clusters: 2, families: 2, prefix: 'act', environments: benchEnvironments(), rateLimits: scaledEcsQuotas(ACCOUNTS_THROTTLING_SCALE),
  });
  fleets.push(fleet);
  fleet.init();
  return fleet;
}

describe('benchEnvironments', () => {
  it('is 4 accounts x 2 Regions, 8 distinct locations', () => {
    const environments = benchEnvironments();
    expect(environments).toHaveLength(8);
    expect(new Set(environments.map((e) => e.account)).size).toBe(4);
    expect(new Set(environments.map((e) => e.region))).toEqual(new Set(['eu-west-1', 'us-east-1']));
    expect(new Set(environments.map((e) => `${e.account}@${e.region}`)).size).toBe(8);
  });
});

describe('scaledEcsQuotas', () => {
  it('at scale 1 is ECS\'s published table', () => {
    const quotas = scaledEcsQuotas(1);
    for (const category of ECS_RATE_CATEGORIES) {
      expect(quotas[category]).toEqual({ burst: ECS_BUCKETS[category].burst, refillPerSecond: ECS_BUCKETS[category].perSecond });
    }
  });

  it.each([
    { scale: 0.05, category: 'service-read', expected: { burst: 5, refillPerSecond: 1 } },
    // 2.5 tokens in the sandbox: the Environment asks for the whole 2.
    { scale: 0.05, category: 'task-definition-read', expected: { burst: 2, refillPerSecond: 1 } },
    { scale: 0.05, category: 'cluster-modify', expected: { burst: 1, refillPerSecond: 0.05 } },
  ] as const)('$category at $scale -> $expected', ({ scale, category, expected }) => {
    const quota = scaledEcsQuotas(scale)[category];
    expect(quota.burst).toBe(expected.burst);
    expect(quota.refillPerSecond).toBeCloseTo(expected.refillPerSecond, 10);
  });

  it('never gives the controller a bucket larger or faster than the sandbox\'s at the same scale (no throttle by construction)', () => {
    fc.assert(fc.property(fc.double({ min: 0.05, max: 1, noNaN: true }), (scale) => {
      const quotas = scaledEcsQuotas(scale);
      for (const category of ECS_RATE_CATEGORIES) {
        const quota = quotas[category];
        expect(Number.isInteger(quota.burst) && quota.burst >= 1).toBe(true);
        const client = clientSideLimits(quota, 0.02, 0.25);
        expect(client.burst).toBeLessThanOrEqual(ECS_BUCKETS[category].burst * scale);
        expect(client.refillPerSecond).toBeLessThan(ECS_BUCKETS[category].perSecond * scale);
      }
    }));
  });
});

describe.skipIf(!hasGit)('EnvironmentFleet', () => {
  it('loads without problems: every template in every environment, keys in 8 locations, Environments carrying the roles and quotas', async () => {
    const fleet = smallFleet(3);
    expect(fleet.services).toBe(24);
    const snapshot = await readSnapshot(fleet.root, REGION, new AbortController().signal);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services).toHaveLength(24);
    const perLocation = new Map<string, number>();
    for (const s of snapshot.services) {
      const location = `${s.account}@${s.region}`;
      perLocation.set(location, (perLocation.get(location) ?? 0) + 1);
      expect(s.key).toBe(`${location}/${s.cluster}/${s.name}`);
    }
    expect(new Set(perLocation.keys())).toEqual(new Set(fleet.locations));
    expect([...perLocation.values()]).toEqual(new Array(8).fill(3));
    expect(fleet.servicesPerCluster.sort()).toEqual([1, 2]);

    const accounts = new AccountDirectory();
    accounts.update(snapshot.environments ?? []);
    for (const e of fleet.spec.environments) {
      expect(accounts.roleFor(e.account)?.roleArn).toBe(targetRoleArn(e.account));
      expect(accounts.rateLimitsFor(`${e.account}@${e.region}`)?.['service-read']).toEqual(scaledEcsQuotas(ACCOUNTS_THROTTLING_SCALE)['service-read']);
    }
  });

  it('seeds every service in its own account and Region over HTTP (and nowhere else), without an AssumeRole', async () => {
    const fleet = smallFleet(3);
    sandbox = await startSandbox({ clockSpeed: 0, throttling: 'real' });
    const seeded = await seedEnvironmentFleet(fleet, sandbox.endpoint, new AbortController().signal);
    expect(seeded.synced).toBe(24);
    for (const e of fleet.spec.environments) {
      for (const ref of fleet.templates) {
        const answer = sandbox.call('DescribeServices', { cluster: ref.cluster, services: [ref.name] }, { accountId: e.account, region: e.region }) as { services: { status: string; serviceArn: string }[] };
        expect(answer.services[0]?.status).toBe('ACTIVE');
        expect(answer.services[0]?.serviceArn).toBe(`arn:aws:ecs:${e.region}:${e.account}:service/${ref.cluster}/${ref.name}`);
      }
    }
    // Not in the default account either.
    expect(() => sandbox?.call('DescribeServices', { cluster: fleet.templates[0]?.cluster ?? '', services: ['act-svc-0'] }, { region: REGION })).toThrow(/Cluster not found|ClusterNotFound/);
    const admin = new SandboxAdminClient(sandbox.endpoint);
    expect(await admin.assumeRoleCalls()).toEqual({});
    // The admin client without an account sees every account's calls: the seed's creations in all 8 locations.
    const windows = await locationWindows(admin, fleet.locations, 0);
    expect(windows.every((w) => w.calls > 0)).toBe(true);
  });
});

describe('coldStartBoundSeconds', () => {
  it('is the slower of service-read (ListServices per cluster + DescribeServices) and task-definition-read, at the controller\'s margins', () => {
    // 125 services in 10 clusters: 10 ListServices + 20 DescribeServices through 4 tokens + 0.98/s.
    const fleet = { servicesPerCluster: new Array(10).fill(0).map((_, i) => (i < 5 ? 13 : 12)), clusterNames: new Array(10).fill('c'), spec: { families: 10 } } as unknown as EnvironmentFleet;
    expect(coldStartBoundSeconds(fleet, ACCOUNTS_THROTTLING_SCALE)).toBeCloseTo((30 - 4) / 0.98, 6);
    // Families dominate: 100 DescribeTaskDefinition through 1 token + 0.98/s.
    const many = { ...fleet, spec: { families: 100 } } as unknown as EnvironmentFleet;
    expect(coldStartBoundSeconds(many, ACCOUNTS_THROTTLING_SCALE)).toBeCloseTo(99 / 0.98, 6);
  });
});
