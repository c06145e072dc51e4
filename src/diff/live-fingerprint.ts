/**
 * A fingerprint of what diffService can read from a DescribeServices record:
 * the whole record minus an explicit list of fields that move while nothing
 * declared changes (task counts, events, rollout progress), plus the
 * declarable fields ECS reports only on the PRIMARY deployment. Equal
 * fingerprints mean equal diff input, so a caller that found a service in
 * sync may reuse that result instead of normalizing and comparing again.
 * Hashing the record minus a deny-list (rather than the fields the diff reads
 * today) keeps this safe when the diff learns to read a new field: an
 * unlisted field can only cost a recomputation, never hide drift.
 */
import { createHash } from 'node:crypto';
import type { Service } from '@aws-sdk/client-ecs';
import { DEPLOYMENT_FIELDS } from './service-normalize.js';

/**
 * Service fields the diff never reads and that change on their own: each
 * DescribeServices answer has new counts, events and deployment progress.
 * `deployments` is left out whole; the PRIMARY deployment's declarable fields
 * (DEPLOYMENT_FIELDS) are fingerprinted apart.
 */
export const VOLATILE_SERVICE_FIELDS: ReadonlySet<string> = new Set([
  'events',
  'runningCount',
  'pendingCount',
  'deployments',
  'taskSets',
  'currentServiceDeployment',
  'currentServiceRevisions',
]);

/**
 * Base64 sha256 of the service record minus VOLATILE_SERVICE_FIELDS, with
 * the PRIMARY deployment's DEPLOYMENT_FIELDS. Undefined when the record cannot
 * be serialized (the caller then always diffs).
 */
export function liveServiceFingerprint(service: Service): string | undefined {
  // for-in and a plain copy rather than Object.entries: this runs for every
  // service of every resync (10,000 per pass at the bench's scale).
  const record = service as Record<string, unknown>;
  const stable: Record<string, unknown> = {};
  for (const field in record) {
    if (VOLATILE_SERVICE_FIELDS.has(field)) continue;
    const value = record[field];
    // A top-level timestamp (createdAt) as its epoch milliseconds: the same
    // information, without JSON.stringify's toJSON call per Date. The Service
    // shape types each field either as a timestamp or not, so a number and a
    // Date never meet at one field.
    stable[field] = value instanceof Date ? value.getTime() : value;
  }
  let primary: Record<string, unknown> | undefined;
  for (const deployment of service.deployments ?? []) {
    if (deployment.status === 'PRIMARY') {
      primary = deployment as Record<string, unknown>;
      break;
    }
  }
  const declaredOnDeployment = DEPLOYMENT_FIELDS.map((field) => primary?.[field] ?? null);
  let json: string;
  try {
    json = JSON.stringify([stable, declaredOnDeployment]);
  } catch {
    return undefined;
  }
  return createHash('sha256').update(json).digest('base64');
}
