import { defineErrorCodes } from './define.js';

/**
 * User-facing errors of high availability (docs/ha.md): the lease table and
 * the write fence. Messages name the table, the shard and the replica.
 */
export const HA_ERROR_CODES = defineErrorCodes({
  HA_TABLE_MISSING: {
    title: 'the lease table named by --ha-table does not exist and the controller was not allowed to create it (--ha-create-table=false, or dynamodb:CreateTable denied)',
    hint: 'Create it with the schema in docs/ha.md#the-lease-table (pk HASH S, sk RANGE S, on-demand, TTL on ttl) or let the controller create it; the CloudFormation stack creates it (deploy/cloudformation).',
  },
  HA_TABLE_SCHEMA: {
    title: 'the lease table named by --ha-table exists but its key schema is not pk (HASH, string) and sk (RANGE, string)',
    hint: 'Point --ha-table at a table of its own with the schema in docs/ha.md#the-lease-table; the message names the keys found. The controller never changes or deletes an existing table.',
  },
  HA_TABLE_UNAVAILABLE: {
    title: 'a call to the lease table failed (throttled, 5xx, network, credentials); leases not renewed in time are fenced, and then released to other replicas by expiry',
    hint: 'Check DynamoDB reachability and the task role\'s dynamodb permissions (docs/ha.md#permissions); ecs_gitops_lease_table_errors_total and status `ha.lastError` tell how often. Fencing stops writes before another replica can take the shard over.',
  },
  HA_NOT_LEASE_HOLDER: {
    title: 'a mutating AWS call was refused before it was sent: this replica does not hold the lease of the shard the work belongs to, or the lease was lost, fenced or taken again since the reconcile began',
    hint: 'Nothing to do: the shard\'s holder reconciles it. It repeats only while the lease table is unreachable (see HA_TABLE_UNAVAILABLE); ecs_gitops_fencing_stops_total counts it.',
  },
});
