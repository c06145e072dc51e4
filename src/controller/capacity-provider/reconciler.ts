/**
 * The CapacityProvider kind (docs/controller.md, "Capacity providers"):
 * observe the provider (DescribeCapacityProviders with its tags), decide with
 * the pure planCapacityProvider, and in auto mode send its calls in order.
 * A key whose provider no manifest declares any more is a prune candidate:
 * deleted only with --prune, only when this controller owns it, and never
 * while a cluster attaches it (planCapacityProviderPrune). The outcome carries
 * the provider's status record; the controller writes it once per pass.
 *
 * Also here: which declared providers a cluster waits for (the controller
 * queues changed providers ahead of the clusters), and the scan that
 * finds owned providers no manifest declares (run with --prune on each new
 * revision and resync, since a provider removed while the controller was
 * down is in no snapshot change).
 *
 * The controller's own account has two spellings of a location (`OWN@region`
 * and `region`, src/accounts/own-account.ts): a provider declared under
 * either is declared, never pruned through the other, and the scan lists
 * each real location once.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { distinctLocations, namesAnAccount, normalizeIdentity, otherSpelling, ownSpellings } from '../../accounts/own-account.js';
import type { EcsApi } from '../../ecs/ecs-api.js';
import {
  capacityProviderIdentity, capacityProviderKey, formatKey, identityOf, locationOf, parseLocation, type CapacityProviderKey,
} from '../../keys/index.js';
import type { DesiredCapacityProvider, ManifestSnapshot, SyncMode } from '../../manifests/types.js';
import {
  capacityProviderGone, planCapacityProvider, planCapacityProviderPrune, type CapacityProviderAction,
} from '../../plan/plan-capacity-provider.js';
import { ownershipOf } from '../../plan/ownership.js';
import type { Clock } from '../../util/clock.js';
import { errorCodeOf, errorMessage } from '../errors.js';
import { SUCCESS, type ReconcileContext, type ReconcileOutcome, type Reconciler } from '../reconciler.js';
import type { CapacityProviderStatus, StatusError } from '../status.js';

const byIdentity = new WeakMap<ManifestSnapshot, ReadonlyMap<string, DesiredCapacityProvider>>();

/** The snapshot's providers by identity, indexed once per snapshot. */
export function declaredCapacityProviders(snapshot: ManifestSnapshot): ReadonlyMap<string, DesiredCapacityProvider> {
  let index = byIdentity.get(snapshot);
  if (!index) {
    index = new Map((snapshot.capacityProviders ?? []).map((p) => [p.key, p]));
    byIdentity.set(snapshot, index);
  }
  return index;
}

/** Declared providers a cluster manifest attaches (`spec.capacityProviders`), as identities; FARGATE and providers declared nowhere are not waited for. */
export function declaredProvidersOfCluster(snapshot: ManifestSnapshot, region: string, cluster: string, account?: string): string[] {
  const declared = declaredCapacityProviders(snapshot);
  const manifest = snapshot.clusters.find((c) => c.region === region && c.name === cluster && c.account === account)?.manifest;
  return (manifest?.spec.capacityProviders ?? []).map((name) => capacityProviderIdentity(region, name, account)).filter((id) => declared.has(id));
}

/** The live provider, or undefined when ECS does not know it or reports it deleted or being deleted (capacityProviderGone). */
export async function readCapacityProvider(ecs: EcsApi, name: string, signal: AbortSignal): Promise<ECS.CapacityProvider | undefined> {
  const answer = await ecs.send('DescribeCapacityProviders', { capacityProviders: [name], include: ['TAGS'] }, signal);
  const live = (answer.capacityProviders ?? []).find((p) => p.name === name);
  return capacityProviderGone(live) ? undefined : live;
}

/** Every provider of the account and Region (paginated; FARGATE and FARGATE_SPOT included), with tags. */
export async function listCapacityProviders(ecs: EcsApi, signal: AbortSignal): Promise<ECS.CapacityProvider[]> {
  const out: ECS.CapacityProvider[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send('DescribeCapacityProviders', { include: ['TAGS'], maxResults: 10, ...(nextToken ? { nextToken } : {}) }, signal);
    out.push(...(page.capacityProviders ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

const DESCRIBE_CLUSTERS_MAX = 100;

/** Names of the clusters whose live capacityProviders list `name` (ListClusters, then DescribeClusters 100 at a time). */
export async function clustersUsing(ecs: EcsApi, name: string, signal: AbortSignal): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send('ListClusters', { maxResults: 100, ...(nextToken ? { nextToken } : {}) }, signal);
    arns.push(...(page.clusterArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const using: string[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_CLUSTERS_MAX) {
    const answer = await ecs.send('DescribeClusters', { clusters: arns.slice(i, i + DESCRIBE_CLUSTERS_MAX) }, signal);
    for (const cluster of answer.clusters ?? []) {
      if (cluster.status !== 'INACTIVE' && (cluster.capacityProviders ?? []).includes(name)) using.push(cluster.clusterName ?? cluster.clusterArn ?? '?');
    }
  }
  return using.sort();
}

export interface CapacityProviderReconcilerOptions {
  readonly clock: Clock;
  readonly controllerId: string;
  readonly mode: SyncMode;
  /** Delete owned providers that left the manifests. */
  readonly prune: boolean;
  /** False for a location (`[account@]region`) whose environment sets `sync.prune: false`: nothing there is pruned. @default always true */
  readonly pruneAllowed?: (location: string) => boolean;
  /**
   * The account of the controller's own credentials (rejects when unknown);
   * asked only for an undeclared provider when some spelling names an account. @default none
   */
  readonly ownAccount?: () => Promise<string | undefined>;
}

export class CapacityProviderReconciler implements Reconciler<'CapacityProvider'> {
  readonly kind = 'CapacityProvider' as const;
  readonly #options: CapacityProviderReconcilerOptions;

  constructor(options: CapacityProviderReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(key: CapacityProviderKey, context: ReconcileContext): Promise<ReconcileOutcome> {
    const identity = identityOf(key);
    const snapshot = context.desired.snapshot;
    // Declared in a file with problems: neither applied nor pruned until the file is fixed.
    if (snapshot.blockedKeys.has(identity)) return SUCCESS;
    const desired = declaredCapacityProviders(snapshot).get(identity);
    return desired ? this.#declared(key, desired, context) : this.#undeclared(key, context);
  }

  #now(): string {
    return new Date(this.#options.clock.now()).toISOString();
  }

  #initial(key: CapacityProviderKey): CapacityProviderStatus {
    return {
      key: identityOf(key), region: key.region, ...(key.account !== undefined ? { account: key.account } : {}), name: key.name,
      sync: 'Unknown', mode: this.#options.mode, diff: [],
    };
  }

  #write(key: CapacityProviderKey, patch: Partial<CapacityProviderStatus>): ReconcileOutcome['status'] {
    return { kind: 'set-capacity-provider', patch, initial: this.#initial(key) };
  }

  #failed(key: CapacityProviderKey, err: unknown, patch: Partial<CapacityProviderStatus> = {}): ReconcileOutcome {
    const error: StatusError = { code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), message: errorMessage(err), at: this.#now() };
    // Every failed ECS call is marked transient; the controller retries it with backoff unless its code says no retry can help.
    return { result: 'error', retry: true, error, status: this.#write(key, { ...patch, lastError: error }) };
  }

  async #declared(key: CapacityProviderKey, desired: DesiredCapacityProvider, context: ReconcileContext): Promise<ReconcileOutcome> {
    const { region, signal, revision } = context;
    const { controllerId, mode } = this.#options;
    const source = desired.source.file;
    let live: ECS.CapacityProvider | undefined;
    try {
      live = await readCapacityProvider(region.ecs, desired.name, signal);
    } catch (err) {
      return this.#failed(key, err, { source, mode });
    }
    const plan = planCapacityProvider({ desired, live, controllerId, revision });
    const compared = { source, mode, lastSyncTime: this.#now(), diff: plan.changes, ...(live?.capacityProviderArn ? { arn: live.capacityProviderArn } : {}) };
    if (plan.blocked) {
      const error: StatusError = { ...plan.blocked, at: this.#now() };
      return { result: 'error', error, status: this.#write(key, { ...compared, sync: 'OutOfSync', lastError: error }) };
    }
    if (plan.actions.length === 0) {
      return { ...SUCCESS, status: this.#write(key, { ...compared, sync: 'Synced', lastError: undefined }) };
    }
    const changes = plan.actions.map((a) => a.operation);
    if (mode === 'detect') {
      return {
        ...SUCCESS, status: this.#write(key, { ...compared, sync: 'OutOfSync', lastError: undefined }),
        notes: [{ level: 'info', message: 'capacity provider differs (detect mode)', fields: { changes, diff: plan.changes } }],
      };
    }
    let arn = live?.capacityProviderArn;
    try {
      for (const action of plan.actions) {
        const answer = await send(region.ecs, action, signal);
        arn = answer?.capacityProvider?.capacityProviderArn ?? arn;
      }
    } catch (err) {
      return this.#failed(key, err, { ...compared, sync: 'OutOfSync', lastAttemptedRevision: revision, lastApplySucceeded: false });
    }
    return {
      ...SUCCESS,
      status: this.#write(key, {
        ...compared, ...(arn ? { arn } : {}), sync: 'Synced', diff: [], lastAttemptedRevision: revision, lastAppliedRevision: revision,
        lastApplySucceeded: true, lastError: undefined,
      }),
      notes: [{ level: 'info', message: live ? 'capacity provider updated' : 'capacity provider created', fields: { changes, diff: plan.changes, mode } }],
    };
  }

  async #undeclared(key: CapacityProviderKey, context: ReconcileContext): Promise<ReconcileOutcome> {
    const { region, signal } = context;
    const snapshot = context.desired.snapshot;
    const gone: ReconcileOutcome = { ...SUCCESS, status: { kind: 'remove-capacity-provider' } };
    if (this.#options.mode === 'detect') return gone;
    let live: ECS.CapacityProvider | undefined;
    let attachedTo: string[] = [];
    let own: string | undefined;
    try {
      // Declared (or blocked) under the own account's other spelling: the same provider, that key's to reconcile.
      if (key.account !== undefined || namesAnAccount((snapshot.capacityProviders ?? []).map((p) => locationOf(p)))) {
        own = await this.#options.ownAccount?.();
        const other = otherSpelling(identityOf(key), own);
        if (other !== undefined && (declaredCapacityProviders(snapshot).has(other) || snapshot.blockedKeys.has(other))) return gone;
      }
      live = await readCapacityProvider(region.ecs, key.name, signal);
      const precheck = planCapacityProviderPrune(this.#pruneInput(key, live, snapshot, [], own));
      // Listing the Region's clusters costs calls: only for a provider that would otherwise be deleted.
      if (precheck.actions.length > 0) attachedTo = await clustersUsing(region.ecs, key.name, signal);
    } catch (err) {
      return this.#failed(key, err, { sync: 'OutOfSync', diff: [''] });
    }
    const plan = planCapacityProviderPrune(this.#pruneInput(key, live, snapshot, attachedTo, own));
    if (plan.skipped) return gone;
    if (plan.blocked) {
      if (plan.blocked.reason === 'disabled') {
        // As for services with pruning off: reported (logged), not an error, no status record to go stale.
        return { ...gone, notes: [{ level: 'info', message: plan.blocked.message, fields: { reason: plan.blocked.reason } }] };
      }
      return this.#pruneBlocked(key, live, plan.blocked.reason, plan.blocked.message);
    }
    try {
      for (const action of plan.actions) {
        const answer = await send(region.ecs, action, signal);
        // ECS answers a delete it refuses (a cluster attached the provider since clustersUsing looked) with success and updateStatus DELETE_FAILED.
        if (action.operation === 'DeleteCapacityProvider' && answer?.capacityProvider?.updateStatus === 'DELETE_FAILED') {
          const reason = answer.capacityProvider.updateStatusReason ?? 'no reason given';
          return this.#pruneBlocked(key, live, 'delete_failed', `capacity provider ${key.name} is no longer declared but ECS refused to delete it (DELETE_FAILED): ${reason}`);
        }
      }
    } catch (err) {
      return this.#failed(key, err, { sync: 'OutOfSync', diff: [''], lastApplySucceeded: false });
    }
    return {
      ...SUCCESS, status: { kind: 'remove-capacity-provider' },
      notes: [{ level: 'info', message: 'pruned capacity provider no longer in the manifests', fields: { arn: live?.capacityProviderArn } }],
    };
  }

  /** A kept provider: its status record stays, saying why, until the next pass may delete it. */
  #pruneBlocked(key: CapacityProviderKey, live: ECS.CapacityProvider | undefined, reason: string, message: string): ReconcileOutcome {
    const error: StatusError = { code: 'DIFF_PRUNE_BLOCKED', message, at: this.#now() };
    return {
      result: 'error', error,
      status: this.#write(key, { sync: 'OutOfSync', diff: [''], lastSyncTime: this.#now(), lastError: error, ...(live?.capacityProviderArn ? { arn: live.capacityProviderArn } : {}) }),
      notes: [{ level: 'warn', message: 'capacity provider prune blocked', fields: { reason, message } }],
    };
  }

  #pruneInput(key: CapacityProviderKey, live: ECS.CapacityProvider | undefined, snapshot: ManifestSnapshot, attachedTo: string[], own?: string) {
    // A cluster of either spelling of the own account's location lists it: the same account and Region.
    const sameAccount = (account: string | undefined) => (account ?? own) === (key.account ?? own);
    const listedBy = snapshot.clusters
      .filter((c) => c.region === key.region && sameAccount(c.account) && (c.manifest.spec.capacityProviders ?? []).includes(key.name))
      .map((c) => c.name);
    const pruneAllowed = this.#options.pruneAllowed ?? (() => true);
    const pruneEnabled = this.#options.prune && ownSpellings(locationOf(key), own).every(pruneAllowed);
    return {
      name: key.name, live, controllerId: this.#options.controllerId, pruneEnabled,
      snapshotHasProblems: snapshot.problems.length > 0,
      snapshotEmpty: snapshot.services.length === 0 && snapshot.clusters.length === 0 && (snapshot.capacityProviders ?? []).length === 0,
      attachedTo, listedBy,
    };
  }
}

function send(ecs: EcsApi, action: CapacityProviderAction, signal: AbortSignal): Promise<{ capacityProvider?: ECS.CapacityProvider } | undefined> {
  switch (action.operation) {
    case 'CreateCapacityProvider': return ecs.send('CreateCapacityProvider', action.input, signal);
    case 'UpdateCapacityProvider': return ecs.send('UpdateCapacityProvider', action.input, signal);
    case 'DeleteCapacityProvider': return ecs.send('DeleteCapacityProvider', action.input, signal);
    case 'TagResource': return ecs.send('TagResource', action.input, signal).then(() => undefined);
    case 'UntagResource': return ecs.send('UntagResource', action.input, signal).then(() => undefined);
  }
}

/**
 * Finds the owned providers no manifest declares, in every location
 * (`[account@]region`) a snapshot has named since the start, and hands their
 * keys to the queue (their pass decides, level-triggered, whether they may
 * go). Runs with --prune only. A location that cannot be listed (its role
 * cannot be assumed, access denied) is skipped and reported in `failed`; the
 * others are still scanned.
 */
export class CapacityProviderPruneScan {
  readonly #locations = new Set<string>();
  readonly #controllerId: string;
  readonly #ownAccount: (() => Promise<string | undefined>) | undefined;

  /** `ownAccount`: the controller's own account (rejects when unknown), asked only when some location names an account. */
  constructor(controllerId: string, ownAccount?: () => Promise<string | undefined>) {
    this.#controllerId = controllerId;
    this.#ownAccount = ownAccount;
  }

  remember(snapshot: ManifestSnapshot, extraLocations: readonly string[] = []): void {
    for (const item of [...snapshot.services, ...snapshot.clusters, ...(snapshot.capacityProviders ?? [])]) this.#locations.add(locationOf(item));
    for (const location of extraLocations) this.#locations.add(location);
  }

  /** Locations (`[account@]region`) scanned: every one a snapshot named since the start, and the extra ones. */
  locations(): string[] {
    return [...this.#locations];
  }

  async scan(
    snapshot: ManifestSnapshot, ecsOf: (location: string) => EcsApi, enqueue: (queueKey: string) => void, signal: AbortSignal,
    ownsLocation: (location: string) => boolean = () => true,
  ): Promise<{ failed: Array<{ location: string; error: unknown }> }> {
    // A scan that needs the own account and cannot learn it fails as a whole (the controller logs it; next resync).
    const own = namesAnAccount(this.#locations) ? await this.#ownAccount?.() : undefined;
    const declared = new Set([...declaredCapacityProviders(snapshot).keys(), ...snapshot.blockedKeys].map((id) => normalizeIdentity(id, own)));
    const failed: Array<{ location: string; error: unknown }> = [];
    for (const location of distinctLocations(this.#locations, own)) {
      // With --ha-table, a location's capacity providers are the replica's that holds its first shard (docs/ha.md).
      if (!ownsLocation(location)) continue;
      const { account, region } = parseLocation(location);
      let lives: ECS.CapacityProvider[];
      try {
        lives = await listCapacityProviders(ecsOf(location), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        failed.push({ location, error });
        continue;
      }
      for (const live of lives) {
        if (!live.name || capacityProviderGone(live) || ownershipOf(live.tags, this.#controllerId).kind !== 'ours') continue;
        const key = capacityProviderKey(region, live.name, account);
        if (!declared.has(normalizeIdentity(identityOf(key), own))) enqueue(formatKey(key));
      }
    }
    return { failed };
  }
}
