/**
 * `ecs-gitops status` against a replica started with --ha-table (docs/ha.md):
 * a real HTTP server (startHttpServer over a StatusStore whose readHaFrom
 * answers a fixture, as the lease manager does). Each replica lists only the
 * services of the shards it holds, so the command says which replica answered
 * and who holds the other shards; a standby's empty list exits 0 and says it
 * is a standby, and a shard with no holder (nobody reconciles it) exits 1.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusStore, type ServiceStatus } from '../../src/controller/status.js';
import type { HaStatus, ShardView } from '../../src/ha/types.js';
import { startHttpServer, type HttpServerOptions, type RunningHttpServer } from '../../src/observe/http-server.js';
import { runCliCaptured } from '../support/run-cli.js';

const S0 = '310000000025/eu-west-1#0';
const S1 = '310000000025/eu-west-1#1';
const S2 = '310000000025/us-east-1#0';
const TOKEN = 'status-ha-token';

function ha(replicaId: string, shards: readonly ShardView[]): HaStatus {
  return {
    table: 'ecs-gitops-leases', replicaId,
    members: ['ctl-a', 'ctl-b', 'ctl-c'].map((id) => ({ replicaId: id, heartbeatAt: '2026-05-01T10:00:00.000Z', startedAt: '2026-05-01T09:00:00.000Z' })),
    shards,
    held: shards.filter((view) => view.holder === replicaId).map((view) => view.shard),
    lastTableReadAt: '2026-05-01T10:00:00.000Z',
    timings: { leaseMs: 15_000, renewMs: 5_000, clockSkewMs: 1_000, fenceMarginMs: 2_000 },
    takeoverBoundMs: 21_000,
  };
}

const held = (shard: string, holder: string): ShardView => ({ shard, holder, epoch: 3, expiresAt: '2026-05-01T10:00:15.000Z', assignedTo: holder });
const orphan = (shard: string): ShardView => ({ shard, epoch: 2, assignedTo: 'ctl-a' });

function service(name: string, partial: Partial<ServiceStatus> = {}): ServiceStatus {
  return { key: `eu-west-1/prod/${name}`, region: 'eu-west-1', cluster: 'prod', service: name, sync: 'Synced', health: 'Healthy', mode: 'auto', diff: [], ...partial };
}

let server: RunningHttpServer | undefined;
let tokenDir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (tokenDir) await rm(tokenDir, { recursive: true, force: true });
  tokenDir = undefined;
});

/** `read`: what the lease manager answers (undefined: no --ha-table). */
async function serve(read: (() => HaStatus) | undefined, services: readonly ServiceStatus[], overrides: Partial<HttpServerOptions> = {}): Promise<string> {
  const status = new StatusStore();
  for (const s of services) status.update(s.key, {}, s);
  status.setSnapshot('0123456789abcdef0123456789abcdef01234567', '2026-05-01T09:00:00Z', 0);
  status.readHaFrom(read);
  server = await startHttpServer({ host: '127.0.0.1', port: 0, registry: new Registry(), status, readiness: () => ({ ready: true, reasons: [] }), ...overrides });
  return server.url;
}

const status = (url: string, ...args: string[]) => runCliCaptured(['status', '--server', url, ...args]);
const lines = (text: string) => text.trimEnd().split('\n');

describe('ecs-gitops status with --ha-table replicas', () => {
  it('a holder: its services, then "replica <id> holds N of M shards; other shards: <shard> on <holder>" before the summary; exit 0', async () => {
    const url = await serve(() => ha('ctl-b', [held(S0, 'ctl-a'), held(S1, 'ctl-b')]), [service('api'), service('web')]);
    const result = await status(url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^NAME\s+CLUSTER/);
    expect(out.slice(-2)).toEqual([
      `replica ctl-b holds 1 of 2 shards; other shards: ${S0} on ctl-a`,
      '2 services: 2 Synced; 2 Healthy; all Synced and Healthy',
    ]);
  });

  it('a replica holding every shard names no other', async () => {
    const url = await serve(() => ha('ctl-a', [held(S0, 'ctl-a'), held(S1, 'ctl-a')]), [service('api')]);
    const result = await status(url);
    expect(result.code).toBe(0);
    expect(lines(result.stdout).at(-2)).toBe('replica ctl-a holds 2 of 2 shards');
  });

  it('a standby with no services exits 0 and names the holders, not "no services"', async () => {
    const url = await serve(() => ha('ctl-c', [held(S0, 'ctl-a'), held(S1, 'ctl-b'), held(S2, 'ctl-a')]), []);
    const result = await status(url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('no services managed');
    expect(lines(result.stdout)).toEqual([
      `replica ctl-c is a standby: holds no shard; services are listed by ctl-a (${S0}, ${S2}), ctl-b (${S1})`,
      '0 services',
    ]);
  });

  it('a shard with no holder is said ("no holder") and exits 1, on a holder and on a standby', async () => {
    let current = ha('ctl-b', [held(S0, 'ctl-a'), held(S1, 'ctl-b'), orphan(S2)]);
    const url = await serve(() => current, [service('api')]);
    const onHolder = await status(url);
    expect(onHolder.code).toBe(1);
    expect(lines(onHolder.stdout).at(-2)).toBe(`replica ctl-b holds 1 of 3 shards; other shards: ${S0} on ctl-a, ${S2} with no holder`);

    current = ha('ctl-c', [held(S0, 'ctl-a'), held(S1, 'ctl-b'), orphan(S2)]);
    const onStandby = await status(url);
    expect(onStandby.code).toBe(1);
    expect(lines(onStandby.stdout).at(-2)).toBe(`replica ctl-c is a standby: holds no shard; services are listed by ctl-a (${S0}), ctl-b (${S1}); no holder: ${S2}`);
  });

  it('--output json carries the replica status as `ha`, and `ready` is false while a shard has no holder', async () => {
    let current = ha('ctl-b', [held(S0, 'ctl-a'), held(S1, 'ctl-b')]);
    const url = await serve(() => current, [service('api')]);
    const healthy = await status(url, '--output', 'json');
    expect(healthy.code).toBe(0);
    const doc = JSON.parse(healthy.stdout) as { ready: boolean; ha: HaStatus };
    expect(doc.ready).toBe(true);
    expect(doc.ha).toEqual(current);

    current = ha('ctl-b', [orphan(S0), held(S1, 'ctl-b')]);
    const unheld = await status(url, '--output', 'json');
    expect(unheld.code).toBe(1);
    const second = JSON.parse(unheld.stdout) as { ready: boolean; ha: HaStatus };
    expect(second.ready).toBe(false);
    expect(second.ha.shards.find((view) => view.shard === S0)?.holder).toBeUndefined();
  });

  it('without --ha-table (/api/v1/ha is 404) prints no replica line and no `ha`', async () => {
    const url = await serve(undefined, []);
    const table = await status(url);
    expect(table.code).toBe(0);
    expect(lines(table.stdout)).toEqual([`no services managed by the controller at ${url}`, '0 services']);
    const json = JSON.parse((await status(url, '--output', 'json')).stdout) as Record<string, unknown>;
    expect(json).not.toHaveProperty('ha');
  });

  it('sends the API token to /api/v1/ha too', async () => {
    const url = await serve(() => ha('ctl-c', [held(S0, 'ctl-a')]), [], { apiToken: TOKEN });
    tokenDir = await mkdtemp(path.join(os.tmpdir(), 'status-ha-'));
    const file = path.join(tokenDir, 'token');
    await writeFile(file, `${TOKEN}\n`);
    const result = await status(url, '--api-token-file', file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)[0]).toBe(`replica ctl-c is a standby: holds no shard; services are listed by ctl-a (${S0})`);
  });

  it('exits 2 naming /api/v1/ha when the replica status cannot be read, rather than pass a standby off as a healthy empty fleet', async () => {
    const url = await serve(() => {
      throw new Error('lease manager gone');
    }, []);
    const result = await status(url);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error CLI_STATUS_UNAVAILABLE: .* answered GET \/api\/v1\/ha with /);
  });
});
