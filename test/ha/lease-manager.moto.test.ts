/**
 * The lease manager against moto_server's DynamoDB through the real adapter,
 * with its clocks driven by the test: rounds are run by hand (tick()), the
 * wall clock and the monotonic clock moved explicitly, so expiry, fencing and
 * the skew bound are checked at their edges without sleeping.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isGitopsError } from '../../src/errors/index.js';
import { runUnderLease } from '../../src/ha/lease-context.js';
import { LeaseManager } from '../../src/ha/lease-manager.js';
import { DEFAULT_LEASE_TIMINGS, type HaSettings, type LeaseTable, type ShardChange } from '../../src/ha/types.js';
import { motoLeaseTable } from '../support/moto.js';

const SHARDS = ['111111111111@eu-west-1', '222222222222@eu-west-1', 'eu-west-1#0', 'eu-west-1#1', 'us-east-1'];

/** One clock pair shared by the replicas of a test (their wall clocks may be offset to model skew). */
class Clocks {
  wall = 1_800_000_000_000;
  mono = 1_000;
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}

const managers: LeaseManager[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
});

function newTable(): Promise<LeaseTable> {
  return motoLeaseTable('test');
}

function replica(table: LeaseTable, replicaId: string, clocks: Clocks, options: { skewMs?: number; settings?: Partial<HaSettings> } = {}) {
  const settings: HaSettings = {
    ...DEFAULT_LEASE_TIMINGS, table: table.name, replicaId, bucketsPerLocation: 1, createTable: true, ...options.settings,
  };
  const changes: ShardChange[] = [];
  const manager = new LeaseManager({
    table, settings, wallClock: () => clocks.wall + (options.skewMs ?? 0), monotonic: () => clocks.mono,
    setTimer: () => () => undefined,
  });
  manager.onChange((c) => changes.push(c));
  manager.setShards(SHARDS);
  managers.push(manager);
  return { manager, changes };
}

type LeaseCall = 'leases' | 'members' | 'heartbeat' | 'leave' | 'acquire' | 'renew' | 'release';

/** The real table with every lease call passed through `fault` (which may fail it before or after it is sent). */
function faultyTable(real: LeaseTable, fault: <T>(call: () => Promise<T>, what: LeaseCall) => Promise<T>): LeaseTable {
  return {
    name: real.name,
    ensure: (o) => real.ensure(o),
    leases: (sig) => fault(() => real.leases(sig), 'leases'),
    members: (sig) => fault(() => real.members(sig), 'members'),
    heartbeat: (m, sig) => fault(() => real.heartbeat(m, sig), 'heartbeat'),
    leave: (id, sig) => fault(() => real.leave(id, sig), 'leave'),
    acquire: (...args) => fault(() => real.acquire(...args), 'acquire'),
    renew: (...args) => fault(() => real.renew(...args), 'renew'),
    release: (...args) => fault(() => real.release(...args), 'release'),
    putTaskDefinitions: (...args) => real.putTaskDefinitions(...args),
    taskDefinitions: (...args) => real.taskDefinitions(...args),
  };
}

function heldBy(...replicas: Array<{ manager: LeaseManager }>): string[][] {
  return replicas.map((r) => r.manager.held());
}

async function round(...replicas: Array<{ manager: LeaseManager }>): Promise<void> {
  for (const r of replicas) await r.manager.tick();
}

/** Two rounds: the first only heartbeats and reads, the second takes what rendezvous hashing gives each replica. */
async function settle(...replicas: Array<{ manager: LeaseManager }>): Promise<void> {
  await round(...replicas);
  await round(...replicas);
}

/** A table of its own and the clocks its replicas share. */
async function fresh(): Promise<{ table: LeaseTable; clocks: Clocks }> {
  return { table: await newTable(), clocks: new Clocks() };
}

describe('LeaseManager on DynamoDB (moto)', () => {
  it('takes nothing in its first round, then every shard; three replicas split the shards with no shard held twice', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    await a.manager.tick();
    expect(a.manager.held()).toEqual([]);
    const b = replica(table, 'b', clocks);
    const c = replica(table, 'c', clocks);
    await round(b, c);
    await round(a, b, c);
    await round(a, b, c);
    const held = heldBy(a, b, c);
    expect(held.flat().sort()).toEqual([...SHARDS].sort());
    expect(new Set(held.flat()).size).toBe(SHARDS.length);
    // Every replica's view names the same holder for every shard, and it is the one rendezvous assigns.
    const views = [a, b, c].map((r) => r.manager.status().shards.map((s) => `${s.shard}=${s.holder}/${s.assignedTo}`));
    expect(views[1]).toEqual(views[0]);
    for (const s of a.manager.status().shards) expect(s.holder).toBe(s.assignedTo);
  });

  it('hands over exactly the shards rendezvous moves to a replica that joins, and nothing else', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    await settle(a);
    expect(a.manager.held()).toEqual([...SHARDS].sort());
    const b = replica(table, 'b', clocks);
    await b.manager.tick();
    // a sees b, hands over b's shards (released), b takes them in its next round.
    await a.manager.tick();
    const assigned = a.manager.status().shards.filter((s) => s.assignedTo === 'b').map((s) => s.shard);
    expect(a.manager.held()).toEqual(SHARDS.filter((s) => !assigned.includes(s)).sort());
    await b.manager.tick();
    expect(b.manager.held()).toEqual([...assigned].sort());
    expect(a.manager.counters().transitions.handed_over).toBe(assigned.length);
    expect(a.changes.flatMap((c) => c.lost).sort()).toEqual([...assigned].sort());
  });

  it('fences a holder that cannot renew before its lease expires, and a contender takes it only after expiry + skew', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    const b = replica(table, 'b', clocks);
    await settle(a, b);
    const shard = a.manager.held()[0] ?? b.manager.held()[0];
    if (shard === undefined) throw new Error('no shard held');
    const [holder, other] = a.manager.held().includes(shard) ? [a, b] : [b, a];
    const { leaseMs, fenceMarginMs, clockSkewMs } = DEFAULT_LEASE_TIMINGS;
    // The holder stops ticking (partitioned from the table). Its fence closes at its last renewal + lease - margin.
    clocks.advance(leaseMs - fenceMarginMs - 1);
    expect(holder.manager.heldEpoch(shard)).toBeDefined();
    clocks.advance(1);
    expect(holder.manager.heldEpoch(shard)).toBeUndefined();
    holder.manager.checkFences();
    expect(holder.changes.flatMap((c) => c.lost)).toContain(shard);
    expect(holder.manager.counters().transitions.fenced).toBeGreaterThan(0);
    // Its member item expired too, so the other replica is now assigned the shard, but the lease is not yet past expiry + skew.
    clocks.advance(fenceMarginMs - 1);
    await other.manager.tick();
    expect(other.manager.held()).not.toContain(shard);
    clocks.advance(clockSkewMs + 2);
    await other.manager.tick();
    expect(other.manager.held()).toContain(shard);
    const view = other.manager.status().shards.find((s) => s.shard === shard);
    expect(view?.epoch).toBe(2);
  });

  it('a replica whose clock runs behind by the skew bound still never holds a shard while another may write to it', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    // b's wall clock is ahead by exactly the bound: it sees a's leases expire as early as the bound allows.
    const b = replica(table, 'b', clocks, { skewMs: DEFAULT_LEASE_TIMINGS.clockSkewMs });
    await settle(a);
    const shards = a.manager.held();
    expect(shards.length).toBe(SHARDS.length);
    // a freezes (no renewals); step 250 ms at a time and check that no shard is ever writable by both.
    for (let step = 0; step < 100; step++) {
      clocks.advance(250);
      await b.manager.tick();
      for (const shard of SHARDS) {
        const both = a.manager.heldEpoch(shard) !== undefined && b.manager.heldEpoch(shard) !== undefined;
        expect(both, `${shard} writable by both at step ${step}`).toBe(false);
      }
    }
    expect(b.manager.held().length).toBeGreaterThan(0);
  });

  it('SIGTERM: close() releases every lease and leaves, so the other replica takes them in its next round', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    const b = replica(table, 'b', clocks);
    await settle(a, b);
    const fromA = a.manager.held();
    expect(fromA.length).toBeGreaterThan(0);
    await a.manager.close();
    expect((await table.members()).map((m) => m.replicaId)).toEqual(['b']);
    // No time passes: the shards are free at once, not at expiry.
    await b.manager.tick();
    expect(b.manager.held()).toEqual([...SHARDS].sort());
    expect(a.manager.counters().transitions.released).toBe(fromA.length);
  });

  it('a holder that finds its lease taken (the item names another holder) stops at once', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    await settle(a);
    const shard = SHARDS[0] as string;
    const epoch = a.manager.heldEpoch(shard) as number;
    // Someone (an operator, a bug elsewhere) takes the lease from under it.
    expect(await table.acquire(shard, 'intruder', { epoch }, clocks.wall + 60_000)).toBeDefined();
    await a.manager.tick();
    expect(a.manager.heldEpoch(shard)).toBeUndefined();
    expect(a.manager.counters().transitions.lost).toBe(1);
  });

  it('the fence refuses a write outside a lease, under a lost lease, and under an older epoch; allows it under the held one', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    await settle(a);
    const shard = 'eu-west-1#0';
    const epoch = a.manager.heldEpoch(shard) as number;
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
        return undefined;
      } catch (err) {
        return isGitopsError(err) ? err.code : String(err);
      }
    };
    expect(code(() => a.manager.beginWrite('eu-west-1', 'UpdateService'))).toBe('HA_NOT_LEASE_HOLDER');
    const write = runUnderLease({ shard, epoch }, () => a.manager.beginWrite('eu-west-1', 'UpdateService'));
    expect(write.signal.aborted).toBe(false);
    write.done(false);
    expect(code(() => runUnderLease({ shard, epoch: epoch - 1 }, () => a.manager.beginWrite('eu-west-1', 'UpdateService')))).toBe('HA_NOT_LEASE_HOLDER');
    expect(code(() => runUnderLease({ shard, epoch }, () => a.manager.beginWrite('us-east-1', 'UpdateService')))).toBe('HA_NOT_LEASE_HOLDER');
    clocks.advance(DEFAULT_LEASE_TIMINGS.leaseMs);
    expect(code(() => runUnderLease({ shard, epoch }, () => a.manager.beginWrite('eu-west-1', 'UpdateService')))).toBe('HA_NOT_LEASE_HOLDER');
    expect(a.manager.counters().fencingStops).toBe(4);
  });

  it('a write let through aborts at the fence deadline as it stood, so one not yet on the wire by then is never sent', async () => {
    const { table, clocks } = await fresh();
    const timings = { leaseMs: 900, renewMs: 100, fenceMarginMs: 300, clockSkewMs: 50 };
    const a = replica(table, 'a', clocks, { settings: timings });
    await settle(a);
    const shard = 'eu-west-1#0';
    const epoch = a.manager.heldEpoch(shard) as number;
    // The deadline is 600 ms after the renewal on the (driven) monotonic clock; the write's signal counts it in real time.
    const write = runUnderLease({ shard, epoch }, () => a.manager.beginWrite('eu-west-1', 'UpdateService'));
    const aborted = new Promise<number>((resolve) => write.signal.addEventListener('abort', () => resolve(Date.now()), { once: true }));
    const began = Date.now();
    expect(await aborted - began).toBeGreaterThanOrEqual(550);
    write.done(true);
  });

  it('a lease granted while the replica shuts down is handed straight back', async () => {
    const real = await newTable();
    const clocks = new Clocks();
    let closing: Promise<void> | undefined;
    // close() begins while the take is on its way; the table grants it anyway.
    const table = faultyTable(real, (call, what) => {
      if (what !== 'acquire' || closing) return call();
      closing = a.manager.close();
      return call();
    });
    const a = replica(table, 'a', clocks);
    await settle(a);
    await closing;
    expect(a.manager.held()).toEqual([]);
    expect((await real.leases()).filter((l) => l.holder !== undefined)).toEqual([]);
  });

  it('a renewal answered after the fence closed counts as fenced, and the lease is taken back at once with a new epoch', async () => {
    const real = await newTable();
    const clocks = new Clocks();
    let slow = false;
    // While slow, a renewal's answer arrives after the deadline (the driven clock jumps while it is on its way).
    const table = faultyTable(real, (call, what) => {
      if (what !== 'renew' || !slow) return call();
      slow = false;
      return call().then((v) => {
        clocks.advance(DEFAULT_LEASE_TIMINGS.leaseMs - DEFAULT_LEASE_TIMINGS.fenceMarginMs);
        return v;
      });
    });
    const a = replica(table, 'a', clocks, {});
    a.manager.setShards(['eu-west-1']);
    await settle(a);
    expect(a.manager.heldEpoch('eu-west-1')).toBe(1);
    slow = true;
    await a.manager.renewRound();
    expect(a.manager.heldEpoch('eu-west-1')).toBeUndefined();
    expect(a.changes.at(-1)).toEqual({ acquired: [], lost: ['eu-west-1'] });
    // Its own lease, unchanged since: taken back in the next membership round, not after expiry.
    await a.manager.membershipRound();
    expect(a.manager.heldEpoch('eu-west-1')).toBe(2);
    expect(a.changes.at(-1)).toEqual({ acquired: ['eu-west-1'], lost: [] });
  });

  it('keeps a shard with a lease item that its snapshot no longer makes, and agrees on it with a replica that never saw it', async () => {
    const { table, clocks } = await fresh();
    const a = replica(table, 'a', clocks);
    await settle(a);
    // The location left a's manifests (its orphans still need a holder); b started later and never saw it.
    a.manager.setShards(SHARDS.slice(1));
    const b = replica(table, 'b', clocks);
    b.manager.setShards(SHARDS.slice(1));
    for (let i = 0; i < 3; i++) await round(a, b);
    const held = [...a.manager.held(), ...b.manager.held()].sort();
    expect(held).toEqual([...SHARDS].sort());
    expect(a.manager.counters().transitions.released).toBe(0);
    expect(b.manager.status().shards.map((v) => v.shard)).toEqual([...SHARDS].sort());
  });

  it('tries a renewal that did not reach the table again within the round, so one lost request does not bring the fence closer', async () => {
    const real = await newTable();
    let failures = 0;
    // The real table, with the next `failures` renewals failing before they are sent (a throttle, a reset).
    const table = faultyTable(real, (call, what) => (what === 'renew' && failures-- > 0 ? Promise.reject(new Error('ThrottlingException')) : call()));
    const clocks = new Clocks();
    const a = replica(table, 'a', clocks);
    await settle(a);
    const shards = a.manager.held().length;
    // Every round from now on loses its first renewal of each lease; each is tried again and succeeds.
    for (let round = 0; round < 4; round++) {
      clocks.advance(DEFAULT_LEASE_TIMINGS.renewMs);
      failures = 1;
      await a.manager.tick();
      expect(a.manager.held().length).toBe(shards);
    }
    // Four renew intervals (20 s) is past the fence had no retry renewed (11 s after the last good renewal).
    expect(a.manager.counters().transitions.fenced).toBe(0);
    expect(a.manager.counters().transitions.renewed_failed).toBe(4);
  });

  it('half-open partition: a replica whose requests land but whose answers are lost stops heartbeating, so its shards pass on', async () => {
    const real = await newTable();
    let answersLost = false;
    // Every call reaches the real table; while answersLost, its answer never comes back (a timeout after it landed).
    const table = faultyTable(real, (call) => call().then((v) => (answersLost ? Promise.reject(new Error('TimeoutError: answer lost')) : v)));
    const clocks = new Clocks();
    const a = replica(table, 'a', clocks);
    const b = replica(real, 'b', clocks);
    await settle(a, b);
    const fromA = a.manager.held();
    expect(fromA.length).toBeGreaterThan(0);
    answersLost = true;
    // Rounds go on for both; a's requests land, it hears nothing back.
    for (let step = 0; step < 12 && b.manager.held().length < SHARDS.length; step++) {
      clocks.advance(DEFAULT_LEASE_TIMINGS.renewMs);
      await round(a, b);
      for (const shard of SHARDS) expect(a.manager.heldEpoch(shard) !== undefined && b.manager.heldEpoch(shard) !== undefined).toBe(false);
    }
    expect(a.manager.held()).toEqual([]);
    expect(b.manager.held()).toEqual([...SHARDS].sort());
    // Its answers come back: it rejoins and rendezvous hands its shards back to it.
    answersLost = false;
    for (let step = 0; step < 4; step++) {
      clocks.advance(DEFAULT_LEASE_TIMINGS.renewMs);
      await round(a, b);
    }
    expect(a.manager.held().length).toBeGreaterThan(0);
    expect([...a.manager.held(), ...b.manager.held()].sort()).toEqual([...SHARDS].sort());
  });

  it('refuses timings that leave no room for one failed renewal', async () => {
    const table = await newTable();
    expect(() => replica(table, 'a', new Clocks(), { settings: { leaseMs: 10_000, renewMs: 5_000, fenceMarginMs: 4_000 } })).toThrow(/no room for one failed renewal/);
  });
});
