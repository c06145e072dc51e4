/**
 * Identities of the resources ecs-gitops manages, built and parsed in this one
 * place. Two string forms:
 *
 * - the identity (`region/cluster/name` for a service, `region/cluster` for a
 *   cluster): what manifests, status records, metrics labels, the status API
 *   and snapshot changes carry;
 * - the queue key: the identity with a kind prefix (`cluster:`, `prune:`); a
 *   service's queue key is its identity, so status and queue agree on it.
 *
 * An account, when set, leads the identity as `account@region/...`: every
 * resource an Environment (docs/environments.md) renders carries its
 * environment's account, so two accounts can each have `eu-west-1/demo/web`
 * in one queue. Resources declared without environments carry none (the
 * controller's own credentials' account). Pure: no IO.
 *
 * A location, `[account@]region`, is where AWS calls for a key go: one set of
 * clients, credentials and rate-limit buckets per location.
 */

/** Every kind the work queue carries; one reconciler per kind. */
export type ResourceKind = 'Service' | 'Cluster' | 'ServicePrune' | 'CapacityProvider' | 'ScheduledTask';

export const RESOURCE_KINDS: readonly ResourceKind[] = ['Service', 'Cluster', 'ServicePrune', 'CapacityProvider', 'ScheduledTask'];

interface Scope {
  /** AWS account id; undefined = the controller's own credentials' account. */
  readonly account?: string;
  readonly region: string;
  readonly cluster: string;
}

export interface ServiceKey extends Scope {
  readonly kind: 'Service';
  readonly name: string;
}

export interface ClusterKey extends Scope {
  readonly kind: 'Cluster';
}

/** Deleting an owned service that left the manifests (`--prune`): its own kind, so it never races the service's reconcile. */
export interface ServicePruneKey extends Scope {
  readonly kind: 'ServicePrune';
  readonly name: string;
}

/**
 * A capacity provider: it belongs to an account and Region, not to a cluster
 * (clusters attach it by name). Its queue key and its identity are the same
 * string, capacityProviderIdentity's `capacity-provider:[account@]region/name`.
 */
export interface CapacityProviderKey {
  readonly kind: 'CapacityProvider';
  readonly account?: string;
  readonly region: string;
  readonly name: string;
}

/**
 * An EventBridge Scheduler schedule that runs an ECS task in a cluster. Its
 * queue key and its identity are the same string,
 * scheduledTaskIdentity's `scheduled-task:[account@]region/cluster/name`.
 * The reconciler handles both a declared schedule and one to prune.
 */
export interface ScheduledTaskKey extends Scope {
  readonly kind: 'ScheduledTask';
  readonly name: string;
}

export type ResourceKey = ServiceKey | ClusterKey | ServicePruneKey | CapacityProviderKey | ScheduledTaskKey;

/** The kinds that live inside a cluster (their keys carry `cluster`). */
export type ClusterScopedKey = ServiceKey | ClusterKey | ServicePruneKey | ScheduledTaskKey;

export type KeyOfKind<K extends ResourceKind> = Extract<ResourceKey, { kind: K }>;

const QUEUE_PREFIX: Readonly<Record<ResourceKind, string>> = {
  Service: '',
  Cluster: 'cluster:',
  ServicePrune: 'prune:',
  // Part of the identity itself (status and manifests carry it too), so not added again.
  CapacityProvider: '',
  ScheduledTask: '',
};

const CAPACITY_PROVIDER_PREFIX = 'capacity-provider:';
const SCHEDULED_TASK_PREFIX = 'scheduled-task:';

/** Segments a name may not contain: they separate the parts of a key. */
const RESERVED = /[/@:]/;

export class KeyFormatError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`not a resource key: ${JSON.stringify(key)} (${reason})`);
    this.name = 'KeyFormatError';
  }
}

function checkPart(key: ResourceKey, what: string, value: string): void {
  if (value === '' || RESERVED.test(value)) {
    throw new KeyFormatError(QUEUE_PREFIX[key.kind] + identityOf(key), `${what} ${JSON.stringify(value)} must be non-empty and contain no '/', '@' or ':'`);
  }
}

function scopePrefix(scope: Scope): string {
  return `${scope.account !== undefined ? `${scope.account}@` : ''}${scope.region}/${scope.cluster}`;
}

/**
 * `[account@]region/cluster[/name]`: the kind-free identity (status, metrics,
 * manifests); for a capacity provider `capacity-provider:[account@]region/name`.
 */
export function identityOf(key: ResourceKey): string {
  if (key.kind === 'CapacityProvider') return `${CAPACITY_PROVIDER_PREFIX}${key.account !== undefined ? `${key.account}@` : ''}${key.region}/${key.name}`;
  if (key.kind === 'ScheduledTask') return `${SCHEDULED_TASK_PREFIX}${scopePrefix(key)}/${key.name}`;
  return key.kind === 'Cluster' ? scopePrefix(key) : `${scopePrefix(key)}/${key.name}`;
}

/** The identity of the cluster a key lives in (`[account@]region/cluster`). */
export function clusterIdentityOf(key: Scope): string {
  return scopePrefix(key);
}

/** The string the work queue carries. */
export function formatKey(key: ResourceKey): string {
  checkPart(key, 'region', key.region);
  if (key.kind !== 'CapacityProvider') checkPart(key, 'cluster', key.cluster);
  if (key.account !== undefined) checkPart(key, 'account', key.account);
  if (key.kind !== 'Cluster') checkPart(key, 'name', key.name);
  return QUEUE_PREFIX[key.kind] + identityOf(key);
}

export function serviceKey(region: string, cluster: string, name: string, account?: string): ServiceKey {
  return { kind: 'Service', region, cluster, name, ...(account !== undefined ? { account } : {}) };
}

export function clusterKey(region: string, cluster: string, account?: string): ClusterKey {
  return { kind: 'Cluster', region, cluster, ...(account !== undefined ? { account } : {}) };
}

export function capacityProviderKey(region: string, name: string, account?: string): CapacityProviderKey {
  return { kind: 'CapacityProvider', region, name, ...(account !== undefined ? { account } : {}) };
}

export function scheduledTaskKey(region: string, cluster: string, name: string, account?: string): ScheduledTaskKey {
  return { kind: 'ScheduledTask', region, cluster, name, ...(account !== undefined ? { account } : {}) };
}

/** A scheduled task's identity and queue key: `scheduled-task:[account@]region/cluster/name`. */
export function scheduledTaskIdentity(region: string, cluster: string, name: string, account?: string): string {
  return formatKey(scheduledTaskKey(region, cluster, name, account));
}

export function servicePruneKey(region: string, cluster: string, name: string, account?: string): ServicePruneKey {
  return { kind: 'ServicePrune', region, cluster, name, ...(account !== undefined ? { account } : {}) };
}

/** A service's identity (`region/cluster/name`), the form status and manifests use. */
export function serviceIdentity(region: string, cluster: string, name: string, account?: string): string {
  return identityOf(serviceKey(region, cluster, name, account));
}

/**
 * A capacity provider's identity, `capacity-provider:[account@]region/name`:
 * capacity providers belong to an account and Region, not to a cluster, and
 * the prefix keeps the identity apart from a cluster's `region/name`. It is
 * also the provider's work-queue key (formatKey of capacityProviderKey).
 */
export function capacityProviderIdentity(region: string, name: string, account?: string): string {
  return formatKey(capacityProviderKey(region, name, account));
}

/** A cluster's identity (`region/cluster`). */
export function clusterIdentity(region: string, cluster: string, account?: string): string {
  return identityOf(clusterKey(region, cluster, account));
}

function parseIdentity(text: string, original: string): { scope: Scope; name?: string } {
  const at = text.indexOf('@');
  const account = at >= 0 ? text.slice(0, at) : undefined;
  const parts = (at >= 0 ? text.slice(at + 1) : text).split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '' || RESERVED.test(p))) {
    throw new KeyFormatError(original, 'expected [account@]region/cluster[/name]');
  }
  if (account !== undefined && (account === '' || RESERVED.test(account))) throw new KeyFormatError(original, 'empty or malformed account');
  const [region, cluster, name] = parts as [string, string, string | undefined];
  return { scope: { region, cluster, ...(account !== undefined ? { account } : {}) }, ...(name !== undefined ? { name } : {}) };
}

function parseCapacityProviderKey(text: string): CapacityProviderKey {
  const rest = text.slice(CAPACITY_PROVIDER_PREFIX.length);
  const at = rest.indexOf('@');
  const account = at >= 0 ? rest.slice(0, at) : undefined;
  const parts = (at >= 0 ? rest.slice(at + 1) : rest).split('/');
  if (parts.length !== 2 || parts.some((p) => p === '' || RESERVED.test(p))) {
    throw new KeyFormatError(text, 'expected capacity-provider:[account@]region/name');
  }
  if (account !== undefined && (account === '' || RESERVED.test(account))) throw new KeyFormatError(text, 'empty or malformed account');
  const [region, name] = parts as [string, string];
  return capacityProviderKey(region, name, account);
}

/** The inverse of formatKey; throws KeyFormatError for anything formatKey cannot produce. */
export function parseKey(text: string): ResourceKey {
  if (text.startsWith(CAPACITY_PROVIDER_PREFIX)) return parseCapacityProviderKey(text);
  if (text.startsWith(SCHEDULED_TASK_PREFIX)) {
    const { scope, name } = parseIdentity(text.slice(SCHEDULED_TASK_PREFIX.length), text);
    if (name === undefined) throw new KeyFormatError(text, 'expected scheduled-task:[account@]region/cluster/name');
    return { kind: 'ScheduledTask', ...scope, name };
  }
  for (const kind of RESOURCE_KINDS) {
    const prefix = QUEUE_PREFIX[kind];
    if (prefix === '' || !text.startsWith(prefix)) continue;
    const { scope, name } = parseIdentity(text.slice(prefix.length), text);
    if (kind === 'Cluster') {
      if (name !== undefined) throw new KeyFormatError(text, 'a cluster key has no service name');
      return { kind, ...scope };
    }
    if (name === undefined) throw new KeyFormatError(text, 'a prune key names a service');
    return { kind: 'ServicePrune', ...scope, name };
  }
  const { scope, name } = parseIdentity(text, text);
  if (name === undefined) throw new KeyFormatError(text, 'a service key is region/cluster/name');
  return { kind: 'Service', ...scope, name };
}

/** The queue key of the same resource under another kind (a service's prune key, say). */
export function withKind<K extends 'Service' | 'ServicePrune'>(key: ServiceKey | ServicePruneKey, kind: K): KeyOfKind<K> {
  return { ...key, kind } as KeyOfKind<K>;
}

/** True for `[account@]region/cluster/name` (blocked keys and snapshot changes mix service and cluster identities). */
export function isServiceIdentity(text: string): boolean {
  try {
    return parseKey(text).kind === 'Service';
  } catch {
    return false;
  }
}

/** Where a resource's AWS calls go: an account (absent = the controller's own credentials) and a Region. */
export interface Location {
  readonly account?: string;
  readonly region: string;
}

/** `[account@]region`: the string form of a Location (access pools, client caches and bucket sets are keyed by it). */
export function locationOf(scope: Location): string {
  return scope.account !== undefined ? `${scope.account}@${scope.region}` : scope.region;
}

/** The inverse of locationOf; throws KeyFormatError for an empty or malformed part. */
export function parseLocation(text: string): Location {
  const at = text.indexOf('@');
  const account = at >= 0 ? text.slice(0, at) : undefined;
  const region = at >= 0 ? text.slice(at + 1) : text;
  if (region === '' || RESERVED.test(region)) throw new KeyFormatError(text, 'expected [account@]region');
  if (account !== undefined && (account === '' || RESERVED.test(account))) throw new KeyFormatError(text, 'empty or malformed account');
  return account !== undefined ? { account, region } : { region };
}
