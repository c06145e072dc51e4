/**
 * Lookups at apply time (docs/environments.md, "Lookups"; docs/controller.md,
 * "Many accounts and Regions"): before a Service, Cluster or ScheduledTask
 * key is reconciled, the `${ssm:…}` and `${cfn:…}` values its rendered
 * manifest still carries are resolved in the key's own location (account and
 * Region) through the LookupResolver (src/lookups), and the reconciler sees
 * the resolved record, never a placeholder. The resolved values join the
 * record's contentHash (as pinned image digests do, image-policy.ts), so a
 * changed parameter is new content: its deploy hooks run again.
 *
 * A lookup that fails, or a record with lookups in a controller without a
 * resolver, is the key's error (CONTROLLER_LOOKUP_FAILED, retried with
 * backoff): nothing is applied.
 */
import { GitopsError } from '../errors/index.js';
import type { ResourceKey } from '../keys/index.js';
import type { AccountDirectory } from '../accounts/account-directory.js';
import type { RateCategory } from '../ecs/rate-limits.js';
import type { BucketLimits } from '../ecs/token-bucket.js';
import type { LookupApi, LookupResolver } from '../lookups/lookup-api.js';
import { CachingLookupResolver, type CachingLookupResolverOptions } from '../lookups/lookup-resolver.js';
import { LocationLookupLimiters } from '../lookups/rate-limited-lookups.js';
import type { Clock } from '../util/clock.js';
import { contentHash as hashOf } from '../manifests/canonical-json.js';
import type { DesiredCluster, DesiredScheduledTask, DesiredService, LookupUse, SyncMode } from '../manifests/types.js';
import type { DesiredIndex, ReconcileOutcome } from './reconciler.js';
import type { ScheduledTaskStatus, ServiceStatus, StatusError } from './status.js';

type WithLookups = DesiredService | DesiredCluster | DesiredScheduledTask;

/** The record a key reconciles against, when its kind can carry lookups. */
export function recordWithLookups(key: ResourceKey, identity: string, index: DesiredIndex): WithLookups | undefined {
  const record = key.kind === 'Service' ? index.services.get(identity)
    : key.kind === 'Cluster' ? index.clusters.get(identity)
      : key.kind === 'ScheduledTask' ? index.scheduledTasks.get(identity)
        : undefined;
  return record?.lookups && record.lookups.length > 0 ? record : undefined;
}

/** The lookups as written, for messages: `${ssm:/a}, ${cfn:stack.Out}`. */
function written(lookups: readonly LookupUse[]): string {
  return [...new Set(lookups.map((use) => use.lookup.text))].join(', ');
}

/**
 * `desired` with its lookups resolved in `location` (no `lookups` left); the
 * resolver's CONTROLLER_LOOKUP_FAILED as it is, any other failure wrapped in one.
 */
export async function resolveRecord<D extends WithLookups>(
  desired: D, resolver: LookupResolver | undefined, location: string, signal: AbortSignal,
): Promise<D> {
  const lookups = desired.lookups ?? [];
  if (lookups.length === 0) return desired;
  if (!resolver) {
    throw new GitopsError('CONTROLLER_LOOKUP_FAILED', `${desired.key} uses lookups (${written(lookups)}) but the controller runs without lookup access (SSM and CloudFormation clients), so nothing was applied`, { key: desired.key, location });
  }
  let manifest: D['manifest'];
  try {
    manifest = await resolver.resolve(desired.manifest, lookups, location, signal);
  } catch (err) {
    if (signal.aborted || (err instanceof GitopsError && err.code === 'CONTROLLER_LOOKUP_FAILED')) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new GitopsError('CONTROLLER_LOOKUP_FAILED', `${desired.key}: lookups (${written(lookups)}) could not be resolved in ${location}: ${message}`, { key: desired.key, location }, { cause: err });
  }
  const { lookups: _resolved, ...rest } = desired;
  return { ...rest, manifest, contentHash: `${desired.contentHash}|lookups:${hashOf(manifest).slice(0, 16)}` } as D;
}

/** A map that answers `key` with `value` and everything else from `base`: one record replaced without copying the index. */
function overlay<V>(base: ReadonlyMap<string, V>, key: string, value: V): ReadonlyMap<string, V> {
  function* entries(): Generator<[string, V]> {
    for (const [k, v] of base) yield [k, k === key ? value : v];
    if (!base.has(key)) yield [key, value];
  }
  function* keys(): Generator<string> {
    for (const [k] of entries()) yield k;
  }
  function* values(): Generator<V> {
    for (const [, v] of entries()) yield v;
  }
  type Iter<T> = ReturnType<ReadonlyMap<string, T>['values']>;
  const map: ReadonlyMap<string, V> = {
    get: (k) => (k === key ? value : base.get(k)),
    has: (k) => k === key || base.has(k),
    get size() {
      return base.has(key) ? base.size : base.size + 1;
    },
    forEach(callback, thisArg) {
      for (const [k, v] of entries()) callback.call(thisArg, v, k, map);
    },
    entries: () => entries() as unknown as Iter<[string, V]>,
    keys: () => keys() as unknown as Iter<string>,
    values: () => values() as unknown as Iter<V>,
    [Symbol.iterator]: () => entries() as unknown as Iter<[string, V]>,
  };
  return map;
}

/** The index with one record replaced by its resolved form. */
export function withResolved(index: DesiredIndex, identity: string, resolved: WithLookups): DesiredIndex {
  switch (resolved.manifest.kind) {
    case 'Service': return { ...index, services: overlay(index.services, identity, resolved as DesiredService) };
    case 'Cluster': return { ...index, clusters: overlay(index.clusters, identity, resolved as DesiredCluster) };
    case 'ScheduledTask': return { ...index, scheduledTasks: overlay(index.scheduledTasks, identity, resolved as DesiredScheduledTask) };
  }
}

/**
 * The failed lookup as the key's outcome: an error retried with backoff, and
 * for a kind with status the record's lastError (its other fields untouched).
 */
export function lookupFailedOutcome(
  record: WithLookups, error: StatusError, context: { controllerMode: SyncMode; scheduleGroup: string; status: ServiceStatus | undefined },
): ReconcileOutcome {
  const base: ReconcileOutcome = { result: 'error', retry: true, error };
  const mode: SyncMode = context.controllerMode === 'detect' || ('sync' in record.manifest.spec && record.manifest.spec.sync?.mode === 'detect') ? 'detect' : 'auto';
  const placed = {
    ...(record.account !== undefined ? { account: record.account } : {}),
    ...(record.environment !== undefined ? { environment: record.environment } : {}),
  };
  if (record.manifest.kind === 'Service') {
    const service = record as DesiredService;
    const initial: ServiceStatus = context.status ?? {
      key: service.key, region: service.region, cluster: service.cluster, service: service.name, ...placed,
      sync: 'Unknown', health: 'Unknown', mode, source: service.source.file, diff: [],
    };
    return { ...base, status: { kind: 'set', patch: { lastError: error }, initial } };
  }
  if (record.manifest.kind === 'ScheduledTask') {
    const task = record as DesiredScheduledTask;
    const initial: ScheduledTaskStatus = {
      key: task.key, region: task.region, ...placed, cluster: task.cluster, name: task.name, group: context.scheduleGroup,
      sync: 'Unknown', mode, source: task.source.file, diff: [],
    };
    return { ...base, status: { kind: 'set-scheduled-task', patch: { lastError: error }, initial } };
  }
  return base;
}

export interface LookupAccessOptions {
  /** SSM and CloudFormation for a location (EcsConnection.lookupFor). */
  readonly lookupFor: (location: string) => LookupApi;
  /** The environments' limits per location over `rateLimits`. */
  readonly accounts?: Pick<AccountDirectory, 'rateLimitsFor'>;
  readonly clock: Clock;
  /** The controller's limits (--rate-limits); false = lookups unlimited, as ECS. */
  readonly rateLimits?: Partial<Record<RateCategory, BucketLimits>> | false;
  readonly onWait?: (bucket: string, seconds: number) => void;
  /** Each distinct value a resolve needed, by source and result (ecs_gitops_lookups_total). */
  readonly onLookup?: CachingLookupResolverOptions['onLookup'];
}

/** The resolver the commands give the controller: cached answers, reads behind each location's own buckets. */
export function createLookupResolver(options: LookupAccessOptions): LookupResolver {
  const { lookupFor, accounts, clock, rateLimits, onWait, onLookup } = options;
  const observed = onLookup ? { onLookup } : {};
  if (rateLimits === false) return new CachingLookupResolver({ api: lookupFor, clock, ...observed });
  const limiters = new LocationLookupLimiters({
    clock, ...(rateLimits ? { limits: rateLimits } : {}),
    ...(accounts ? { limitsFor: (location: string) => accounts.rateLimitsFor(location) } : {}),
    ...(onWait ? { onWait } : {}),
  });
  return new CachingLookupResolver({ api: (location) => limiters.wrap(location, lookupFor(location)), clock, ...observed });
}
