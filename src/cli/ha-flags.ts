/**
 * `run`'s high-availability flags (docs/ha.md): `--ha-table` makes the
 * process one replica of several sharing a DynamoDB lease table. Every value
 * is checked before anything starts, and an error names the flag.
 */
import os from 'node:os';
import { GitopsError } from '../errors/index.js';
import { DEFAULT_LEASE_TIMINGS, type HaSettings } from '../ha/types.js';
import type { CommandContext } from './command.js';
import type { FlagSpec } from './flags.js';

const seconds = (ms: number) => `${ms / 1000}s`;

export const HA_FLAGS: readonly FlagSpec[] = [
  { name: 'ha-table', type: 'string', description: 'run as one replica of several sharing this DynamoDB lease table (docs/ha.md); created when missing' },
  { name: 'replica-id', type: 'string', description: 'this replica\'s id in the lease table (default: hostname-pid)' },
  { name: 'ha-lease', type: 'duration', default: seconds(DEFAULT_LEASE_TIMINGS.leaseMs), description: 'how long a shard lease lasts after each renewal' },
  { name: 'ha-renew', type: 'duration', default: seconds(DEFAULT_LEASE_TIMINGS.renewMs), description: 'how often leases are renewed and the table read' },
  { name: 'ha-clock-skew', type: 'duration', default: seconds(DEFAULT_LEASE_TIMINGS.clockSkewMs), description: 'the most replicas\' clocks may differ; an expired lease is taken this much later' },
  { name: 'ha-fence-margin', type: 'duration', default: seconds(DEFAULT_LEASE_TIMINGS.fenceMarginMs), description: 'a holder stops writing this long before its lease could expire' },
  { name: 'ha-buckets', type: 'integer', default: 1, description: 'shards per account and Region (hash buckets of cluster names)' },
  { name: 'ha-create-table', type: 'boolean', default: true, description: 'create the lease table when it is missing (--no-ha-create-table: fail instead)' },
];

/** DynamoDB's table name rule. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** What a replica id may hold: it is a sort key and shows in metrics labels and logs. */
const REPLICA_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

function bad(flag: string, message: string): GitopsError {
  return new GitopsError('CLI_BAD_FLAG_VALUE', `--${flag}: ${message}`, { flag });
}

/** The HA settings of `run`, or undefined without --ha-table. */
export function haSettingsFrom(ctx: CommandContext): HaSettings | undefined {
  const flags = ctx.args.flags;
  const table = flags['ha-table'];
  if (typeof table !== 'string') {
    for (const flag of ['replica-id']) if (typeof flags[flag] === 'string') throw bad(flag, 'only means something with --ha-table');
    return undefined;
  }
  if (!TABLE_NAME.test(table)) throw bad('ha-table', `${JSON.stringify(table)} is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)`);
  const replicaId = typeof flags['replica-id'] === 'string' ? flags['replica-id'] : `${os.hostname()}-${process.pid}`;
  if (!REPLICA_ID.test(replicaId)) {
    throw bad('replica-id', `${JSON.stringify(replicaId)} is not a replica id (1 to 128 of A-Z a-z 0-9 _ . : @ -)${typeof flags['replica-id'] === 'string' ? '' : '; the default is the hostname and pid, so set one'}`);
  }
  const leaseMs = flags['ha-lease'] as number;
  const renewMs = flags['ha-renew'] as number;
  const clockSkewMs = flags['ha-clock-skew'] as number;
  const fenceMarginMs = flags['ha-fence-margin'] as number;
  const bucketsPerLocation = flags['ha-buckets'] as number;
  if (!(renewMs >= 100)) throw bad('ha-renew', 'must be at least 100ms');
  if (!(clockSkewMs >= 0)) throw bad('ha-clock-skew', 'must not be negative');
  if (!(fenceMarginMs > 0)) throw bad('ha-fence-margin', 'must be more than 0');
  if (!(leaseMs - fenceMarginMs > 2 * renewMs)) {
    throw bad('ha-lease', `${seconds(leaseMs)} leaves no room for a failed renewal: --ha-lease minus --ha-fence-margin (${seconds(leaseMs - fenceMarginMs)}) must exceed twice --ha-renew (${seconds(2 * renewMs)})`);
  }
  if (!(Number.isInteger(bucketsPerLocation) && bucketsPerLocation >= 1 && bucketsPerLocation <= 256)) throw bad('ha-buckets', 'must be a whole number from 1 to 256');
  return {
    table, replicaId, leaseMs, renewMs, clockSkewMs, fenceMarginMs, bucketsPerLocation,
    createTable: flags['ha-create-table'] !== false,
  };
}
