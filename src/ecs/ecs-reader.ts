/**
 * Batched, cached reads of live ECS state for the reconcilers:
 * - services: concurrent look-ups in one cluster are coalesced into one
 *   DescribeServices per 10 names (include TAGS); a pass over many services
 *   plans read-ahead groups (planBatch), and each answer read ahead is
 *   consumed once, within a TTL;
 * - service deployments (a followed rollout, docs/deployments.md): concurrent
 *   look-ups coalesced into one DescribeServiceDeployments per 20 ARNs;
 * - task definitions: cached by ARN forever (revisions are immutable);
 * - lists: every page followed via nextToken.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { untilAborted, type Clock } from '../util/clock.js';
import type { EcsApi } from './ecs-api.js';
import type { TaskDefinitionStore } from './task-definition-store.js';

export const DESCRIBE_SERVICES_MAX = 10;
/** DescribeServiceDeployments takes at most 20 ARNs. */
export const DESCRIBE_SERVICE_DEPLOYMENTS_MAX = 20;
/** How long service deployment look-ups wait to share a DescribeServiceDeployments call. */
export const DEPLOYMENT_BATCH_WINDOW_MS = 20;

export interface LiveTaskDefinition {
  readonly taskDefinition: ECS.TaskDefinition;
  readonly tags: readonly ECS.Tag[];
}

export interface ServiceLookup {
  /** Undefined when ECS reports the service MISSING. INACTIVE services are returned as they are. */
  readonly service?: ECS.Service;
}

interface PendingLookup {
  readonly name: string;
  resolve(value: ServiceLookup): void;
  reject(err: unknown): void;
}

export interface EcsReaderOptions {
  readonly ecs: EcsApi;
  readonly clock: Clock;
  /** How long a prefetched service stays usable. @default 10000 */
  readonly prefetchTtlMs?: number;
  /** Lifetime signal for batched calls shared by several callers. */
  readonly signal?: AbortSignal;
  /**
   * Where task definitions read or registered here outlive the process
   * (src/ecs/task-definition-store.ts): loaded before the first task
   * definition look-up (and again by reloadTaskDefinitions), every ECS
   * answer and registration saved to it, and each loaded entry once when
   * first used.
   * `location` is this reader's `[account@]region` (src/keys).
   */
  readonly taskDefinitionStore?: TaskDefinitionStoreOption;
}

/** EcsReaderOptions.taskDefinitionStore: a store and this reader's location in it. */
export interface TaskDefinitionStoreOption {
  readonly store: TaskDefinitionStore;
  readonly location: string;
}

function serviceName(service: ECS.Service): string {
  return service.serviceName ?? service.serviceArn?.split('/').pop() ?? '';
}

function nameFromFailureArn(arn: string | undefined): string {
  return arn?.split('/').pop() ?? '';
}

export class EcsReader {
  readonly #ecs: EcsApi;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #signal: AbortSignal | undefined;
  readonly #taskDefinitions = new Map<string, Promise<LiveTaskDefinition>>();
  readonly #store: TaskDefinitionStoreOption | undefined;
  /** The store's latest load (the first, or a reload), shared by the look-ups; resolves (to nothing) even when the load fails. */
  #storeLoad: Promise<void> | undefined;
  /**
   * What a load found and no look-up has used yet: the look-ups waiting for
   * the load take their answer from here, and the first use of an entry is
   * handed to the store's save (so the store knows it is in use, see #use).
   */
  readonly #loaded = new Map<string, LiveTaskDefinition>();
  /** ARNs whose look-up waits for a load of the store (their cache entry is that wait, not an answer yet). */
  readonly #waiting = new Set<string>();
  /** A reload asked for but not started yet (it waits for the load before it); later asks share it. */
  #reloadQueued: Promise<void> | undefined;
  readonly #prefetched = new Map<string, { lookup: ServiceLookup; at: number }>();
  /** Reads still running for look-ups not made yet, per cluster/name; a look-up claims its entry. */
  readonly #inflight = new Map<string, Promise<Map<string, ServiceLookup>>>();
  /** Read-ahead groups (planBatch): the first look-up of a member reads every member still planned. */
  readonly #groups = new Map<string, { readonly names: readonly string[] }>();
  readonly #pending = new Map<string, PendingLookup[]>();
  #flushScheduled = false;
  /** Service deployment look-ups of this turn, by ARN. */
  #deploymentFlushScheduled = false;
  #pendingDeployments = new Map<string, { resolve(value: ECS.ServiceDeployment | undefined): void; reject(err: unknown): void }[]>();

  constructor(options: EcsReaderOptions) {
    this.#ecs = options.ecs;
    this.#clock = options.clock;
    this.#ttl = options.prefetchTtlMs ?? 10_000;
    this.#signal = options.signal;
    this.#store = options.taskDefinitionStore;
  }

  /**
   * One service, coalesced with other look-ups in the same cluster made in the
   * same turn. `signal` abandons this caller's wait (the shared call goes on
   * for the others, bounded by the reader's own signal).
   */
  describeService(cluster: string, name: string, signal?: AbortSignal): Promise<ServiceLookup> {
    const id = `${cluster}/${name}`;
    const cached = this.#prefetched.get(id);
    if (cached) {
      this.#prefetched.delete(id);
      if (this.#clock.now() - cached.at <= this.#ttl) return Promise.resolve(cached.lookup);
    }
    let inflight = this.#inflight.get(id);
    if (inflight) this.#inflight.delete(id);
    else if (this.#groups.has(id)) inflight = this.#readGroup(cluster, name);
    // A group read answers this look-up; if that read fails, read on our own (unless stopping).
    const shared = inflight
      ? inflight.then((found) => found.get(name) ?? {}, (err: unknown) => {
        if (this.#signal?.aborted || signal?.aborted) throw err;
        return this.#enqueue(cluster, name);
      })
      : this.#enqueue(cluster, name);
    return untilAborted(shared, signal);
  }

  #enqueue(cluster: string, name: string): Promise<ServiceLookup> {
    return new Promise((resolve, reject) => {
      const list = this.#pending.get(cluster) ?? [];
      list.push({ name, resolve, reject });
      this.#pending.set(cluster, list);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batches = [...this.#pending.entries()];
    this.#pending.clear();
    for (const [cluster, lookups] of batches) {
      const names = [...new Set(lookups.map((l) => l.name))];
      this.describeServices(cluster, names, this.#signal).then(
        (found) => {
          for (const l of lookups) l.resolve(found.get(l.name) ?? {});
        },
        (err: unknown) => {
          for (const l of lookups) l.reject(err);
        },
      );
    }
  }

  /**
   * One service deployment by ARN (undefined when ECS reports it MISSING),
   * coalesced with the other look-ups made within DEPLOYMENT_BATCH_WINDOW_MS: the passes over
   * rollouts followed at once (aligned on one poll tick) share
   * DescribeServiceDeployments calls of up to 20 ARNs. A failed call fails
   * every look-up it carried.
   */
  describeServiceDeployment(arn: string, signal?: AbortSignal): Promise<ECS.ServiceDeployment | undefined> {
    const waiting = new Promise<ECS.ServiceDeployment | undefined>((resolve, reject) => {
      const list = this.#pendingDeployments.get(arn) ?? [];
      list.push({ resolve, reject });
      this.#pendingDeployments.set(arn, list);
      if (!this.#deploymentFlushScheduled) {
        this.#deploymentFlushScheduled = true;
        // A short window rather than one turn: the passes of one poll tick reach this read when their cluster's
        // DescribeServices answers, a few ms apart; a rollout's next look is seconds away, so waiting costs nothing.
        setTimeout(() => this.#flushDeployments(), DEPLOYMENT_BATCH_WINDOW_MS);
      }
    });
    return untilAborted(waiting, signal);
  }

  #flushDeployments(): void {
    this.#deploymentFlushScheduled = false;
    const pending = this.#pendingDeployments;
    if (pending.size === 0) return;
    this.#pendingDeployments = new Map();
    const arns = [...pending.keys()];
    for (let i = 0; i < arns.length; i += DESCRIBE_SERVICE_DEPLOYMENTS_MAX) {
      const chunk = arns.slice(i, i + DESCRIBE_SERVICE_DEPLOYMENTS_MAX);
      this.#ecs.send('DescribeServiceDeployments', { serviceDeploymentArns: chunk }, this.#signal).then((out) => {
        const found = new Map((out.serviceDeployments ?? []).map((d) => [d.serviceDeploymentArn, d]));
        for (const arn of chunk) for (const waiter of pending.get(arn) ?? []) waiter.resolve(found.get(arn));
      }, (err: unknown) => {
        for (const arn of chunk) for (const waiter of pending.get(arn) ?? []) waiter.reject(err);
      });
    }
  }

  /** DescribeServices in chunks of 10 (include TAGS). Names ECS reports MISSING map to `{}`. */
  async describeServices(cluster: string, names: readonly string[], signal?: AbortSignal): Promise<Map<string, ServiceLookup>> {
    const result = new Map<string, ServiceLookup>();
    const chunks: string[][] = [];
    for (let i = 0; i < names.length; i += DESCRIBE_SERVICES_MAX) chunks.push(names.slice(i, i + DESCRIBE_SERVICES_MAX));
    await Promise.all(chunks.map(async (chunk) => {
      const out = await this.#ecs.send('DescribeServices', { cluster, services: chunk, include: ['TAGS'] }, signal);
      for (const service of out.services ?? []) {
        const name = serviceName(service);
        // ECS may return an INACTIVE and a newer ACTIVE record for one name; keep the ACTIVE one.
        const seen = result.get(name)?.service;
        if (!seen || seen.status === 'INACTIVE') result.set(name, { service });
      }
      for (const failure of out.failures ?? []) {
        const name = nameFromFailureArn(failure.arn);
        if (failure.reason === 'MISSING' && !result.has(name)) result.set(name, {});
      }
    }));
    for (const name of names) if (!result.has(name)) result.set(name, {});
    return result;
  }

  /**
   * Declares services that will be looked up soon, one after the other (a
   * resync pass, a new snapshot): the first look-up of any of them reads all
   * of them still planned in one DescribeServices (at most 10 names), and the
   * others are answered from that read. Reading when the first one is needed,
   * rather than up front, keeps every answer inside the TTL however long the
   * whole pass takes.
   */
  planBatch(cluster: string, names: readonly string[]): void {
    const group = { names: names.slice(0, DESCRIBE_SERVICES_MAX) };
    for (const name of group.names) this.#groups.set(`${cluster}/${name}`, group);
  }

  /** Reads the members of `name`'s group still planned; the others' answers wait for their look-ups. */
  #readGroup(cluster: string, name: string): Promise<Map<string, ServiceLookup>> {
    const group = this.#groups.get(`${cluster}/${name}`);
    const names = (group?.names ?? [name]).filter((n) => n === name || this.#groups.get(`${cluster}/${n}`) === group);
    for (const n of names) this.#groups.delete(`${cluster}/${n}`);
    const others = names.filter((n) => n !== name);
    const call = this.describeServices(cluster, names, this.#signal);
    for (const n of others) this.#inflight.set(`${cluster}/${n}`, call);
    call.then((found) => {
      const at = this.#clock.now();
      for (const n of others) {
        const id = `${cluster}/${n}`;
        // Claimed by a look-up while reading: it got this answer already.
        if (this.#inflight.get(id) !== call) continue;
        this.#inflight.delete(id);
        this.#prefetched.set(id, { lookup: found.get(n) ?? {}, at });
      }
    }, () => {
      for (const n of others) if (this.#inflight.get(`${cluster}/${n}`) === call) this.#inflight.delete(`${cluster}/${n}`);
    });
    return call;
  }

  /** Drops prefetched state for one service (after writing to it). */
  invalidateService(cluster: string, name: string): void {
    this.#prefetched.delete(`${cluster}/${name}`);
    this.#inflight.delete(`${cluster}/${name}`);
    this.#groups.delete(`${cluster}/${name}`);
  }

  /** A task definition with its tags, cached by ARN (revisions never change). */
  taskDefinition(arn: string, signal?: AbortSignal): Promise<LiveTaskDefinition> {
    if (this.#store) return this.#storedTaskDefinition(this.#store, arn, signal);
    let entry = this.#taskDefinitions.get(arn);
    if (!entry) {
      entry = this.#describeTaskDefinition(arn, signal);
      this.#taskDefinitions.set(arn, entry);
      // A failed read must not poison the cache.
      entry.catch(() => this.#taskDefinitions.delete(arn));
    }
    return entry;
  }

  /** taskDefinition with a store: the store's answer if it has one, else ECS's, saved. */
  #storedTaskDefinition(store: TaskDefinitionStoreOption, arn: string, signal: AbortSignal | undefined): Promise<LiveTaskDefinition> {
    const cached = this.#taskDefinitions.get(arn);
    if (cached) {
      if (!this.#waiting.has(arn)) this.#use(store, arn);
      return cached;
    }
    // Look-ups made before the load ends wait for it: the answer may be in it.
    this.#waiting.add(arn);
    const entry: Promise<LiveTaskDefinition> = this.#loadStore(store).then(() => {
      this.#waiting.delete(arn);
      const loaded = this.#use(store, arn);
      if (loaded) return loaded;
      // Registered meanwhile (rememberTaskDefinition replaced this entry).
      const current = this.#taskDefinitions.get(arn);
      if (current && current !== entry) return current;
      return this.#describeTaskDefinition(arn, signal).then((value) => {
        this.#save(store, value);
        return value;
      });
    });
    this.#taskDefinitions.set(arn, entry);
    // A failed read must not poison the cache (nor drop a registration remembered meanwhile).
    entry.catch(() => {
      if (this.#taskDefinitions.get(arn) === entry) this.#taskDefinitions.delete(arn);
    });
    return entry;
  }

  #describeTaskDefinition(arn: string, signal: AbortSignal | undefined): Promise<LiveTaskDefinition> {
    return this.#ecs.send('DescribeTaskDefinition', { taskDefinition: arn, include: ['TAGS'] }, signal).then((out) => {
      if (!out.taskDefinition) throw new Error(`DescribeTaskDefinition returned no task definition for ${arn}`);
      return { taskDefinition: out.taskDefinition, tags: out.tags ?? [] };
    });
  }

  /**
   * Loads the store again and seeds the cache with the entries it has not
   * answered yet: a replica taking a shard over (docs/ha.md "Warm restart
   * and takeover") finds what the previous holder learned since this reader's
   * first load, instead of reading it again from ECS. Look-ups of ARNs not
   * cached that are made meanwhile wait for it, as for the first load; asks
   * made while one is pending share it. Resolves (to nothing) when the load
   * fails: the look-ups then read ECS. Without a store, nothing to do.
   */
  reloadTaskDefinitions(signal?: AbortSignal): Promise<void> {
    const store = this.#store;
    if (!store) return Promise.resolve();
    // Never loaded: the first load is the reload.
    if (!this.#storeLoad) return this.#loadStore(store, signal);
    if (this.#reloadQueued) return this.#reloadQueued;
    const queued: Promise<void> = this.#storeLoad.then(() => {
      if (this.#reloadQueued === queued) this.#reloadQueued = undefined;
      return this.#loadInto(store, signal);
    });
    this.#reloadQueued = queued;
    this.#storeLoad = queued;
    return queued;
  }

  /** Loads the store once (see reloadTaskDefinitions for later loads); every look-up shares it. */
  #loadStore(store: TaskDefinitionStoreOption, signal?: AbortSignal): Promise<void> {
    this.#storeLoad ??= this.#loadInto(store, signal);
    return this.#storeLoad;
  }

  /**
   * One load, seeding the cache with what it holds: entries the cache has
   * already (answered, being read from ECS, a registration) are kept; look-ups
   * waiting for this load find theirs in #loaded. A failing load counts as
   * empty: the look-ups read ECS as without a store.
   */
  async #loadInto(store: TaskDefinitionStoreOption, signal: AbortSignal | undefined): Promise<void> {
    let loaded: readonly LiveTaskDefinition[];
    try {
      loaded = await store.store.load(store.location, bothSignals(this.#signal, signal));
    } catch {
      return;
    }
    for (const value of loaded) {
      const arn = value.taskDefinition.taskDefinitionArn;
      if (!arn) continue;
      const cached = this.#taskDefinitions.has(arn);
      if (cached && !this.#waiting.has(arn)) continue;
      this.#loaded.set(arn, value);
      if (!cached) this.#taskDefinitions.set(arn, Promise.resolve(value));
    }
  }

  /**
   * The first use of a loaded entry: taken out of #loaded and handed to the
   * store's save, which writes nothing for an ARN it holds but learns that
   * the entry is in use (the disk store keeps it through a rewrite, the table
   * store refreshes its ttl; src/ecs/disk-task-definition-store.ts,
   * src/ha/table-task-definition-store.ts). Later uses cost a map look-up.
   */
  #use(store: TaskDefinitionStoreOption, arn: string): LiveTaskDefinition | undefined {
    const loaded = this.#loaded.get(arn);
    if (!loaded) return undefined;
    this.#loaded.delete(arn);
    this.#save(store, loaded);
    return loaded;
  }

  #save(store: TaskDefinitionStoreOption, value: LiveTaskDefinition): void {
    try {
      store.store.save(store.location, [value]);
    } catch {
      // Saving is an optimisation (a restart reads ECS again); it never fails a look-up.
    }
  }

  /** Seeds the cache with a task definition just registered (its ARN is new and immutable). */
  rememberTaskDefinition(value: LiveTaskDefinition): void {
    const arn = value.taskDefinition.taskDefinitionArn;
    if (arn) {
      this.#taskDefinitions.set(arn, Promise.resolve(value));
      if (this.#store) this.#save(this.#store, value);
    }
  }

  /** Every service ARN in a cluster, all pages. */
  async listServiceArns(cluster: string, signal?: AbortSignal): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.#ecs.send('ListServices', { cluster, maxResults: 100, ...(nextToken ? { nextToken } : {}) }, signal);
      arns.push(...(out.serviceArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  /** Every ACTIVE task definition ARN of a family, newest first, at most `limit`. */
  async listActiveRevisions(family: string, limit: number, signal?: AbortSignal): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.#ecs.send('ListTaskDefinitions', {
        familyPrefix: family, status: 'ACTIVE', sort: 'DESC', maxResults: 100, ...(nextToken ? { nextToken } : {}),
      }, signal);
      // familyPrefix matches prefixes ("web" also lists "web-api"): keep the exact family only.
      for (const arn of out.taskDefinitionArns ?? []) {
        if (arn.split('/').pop()?.replace(/:\d+$/, '') === family) arns.push(arn);
      }
      nextToken = out.nextToken;
    } while (nextToken && arns.length < limit);
    // moto ignores `sort`; order by revision ourselves.
    const revision = (arn: string) => Number(arn.split(':').pop());
    return arns.sort((a, b) => revision(b) - revision(a)).slice(0, limit);
  }

  /**
   * The newest ACTIVE revision of `family` tagged `tagKey=hash` (content we
   * would register anyway), looking at no more than `limit` recent revisions.
   */
  async findRevisionByTag(family: string, tagKey: string, hash: string, limit: number, signal?: AbortSignal): Promise<LiveTaskDefinition | undefined> {
    for (const arn of await this.listActiveRevisions(family, limit, signal)) {
      const live = await this.taskDefinition(arn, signal);
      if (live.tags.some((t) => t.key === tagKey && t.value === hash)) return live;
    }
    return undefined;
  }

  async describeCluster(name: string, signal?: AbortSignal): Promise<ECS.Cluster | undefined> {
    const out = await this.#ecs.send('DescribeClusters', { clusters: [name], include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] }, signal);
    return out.clusters?.find((c) => c.clusterName === name && c.status !== 'INACTIVE');
  }
}

/** One signal for both (either aborting aborts it); undefined when neither is given. */
function bothSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}
