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
  {
    name: 'ha-renew', type: 'duration', default: seconds(DEFAULT_LEASE_TIMINGS.renewMs), description: 'how often leases are renewed and the table read',
    validate: (v) => (typeof v === 'number' && v >= 100 ? undefined : 'must be at least 100ms'),
  },
  {
    name: 'ha-clock-skew', type: 'duration', default: seconds(DEFAULT_LEASE_TIMINGS.clockSkewMs), description: 'the most replicas\' clocks may differ; an expired lease is taken this much later',
    validate: (v) => (typeof v === 'number' && v >= 0 ? undefined : 'must not be negative'),
  },
  {
    name: 'ha-fence-margin', type: 'duration', default: seconds(DEFAULT_LEASE_TIMINGS.fenceMarginMs), description: 'a holder stops writing this long before its lease could expire',
    validate: (v) => (typeof v === 'number' && v > 0 ? undefined : 'must be more than 0'),
  },
  {
    name: 'ha-buckets', type: 'integer', default: 1, description: 'shards per account and Region (hash buckets of cluster names)',
    validate: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 256 ? undefined : 'must be a whole number from 1 to 256'),
  },
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
  // Each flag's own range is its FlagSpec's validate (checked by the parser); what is left is how they relate.
  if (!(leaseMs - fenceMarginMs > 2 * renewMs)) {
    throw bad('ha-lease', `${seconds(leaseMs)} leaves no room for a failed renewal: --ha-lease minus --ha-fence-margin (${seconds(leaseMs - fenceMarginMs)}) must exceed twice --ha-renew (${seconds(2 * renewMs)})`);
  }
  return {
    table, replicaId, leaseMs, renewMs, clockSkewMs, fenceMarginMs, bucketsPerLocation,
    createTable: flags['ha-create-table'] !== false,
  };
}
