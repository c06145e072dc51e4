/**
 * Batched, cached reads of live service auto scaling in one Region.
 *
 * Application Auto Scaling answers for a whole namespace at once, so the
 * reader lists the Region's ECS scalable targets once (DescribeScalableTargets,
 * every page) and answers every service's `describe` from that listing while
 * it is younger than `maxAgeMs`; concurrent callers share one listing. The
 * policies, scheduled actions and our alarms (DescribeScalingPolicies,
 * DescribeScheduledActions, DescribeAlarms by the `ecs-gitops/` name prefix)
 * are listed, again once for the Region, only when a caller asks for a
 * service that has a target: a fleet without scaling costs one
 * DescribeScalableTargets page per pass.
 *
 * After a write (`invalidate`), the next `describe` of that service reads it
 * alone with targeted calls and that answer replaces the listing's entry,
 * until a listing started later supersedes it.
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import { scalingAlarmPrefix, type LiveScaling } from '../plan/scaling-types.js';
import { untilAborted, type Clock } from '../util/clock.js';
import {
  ECS_DESIRED_COUNT_DIMENSION, ECS_SERVICE_NAMESPACE, scalingResourceId,
  type ScalingApi, type ScalingInput, type ScalingOperation, type ScalingOutput,
} from './scaling-api.js';

/** Largest page each listing call accepts. */
export const SCALING_PAGE_SIZE = 50;
export const ALARM_PAGE_SIZE = 100;
/** How many recent scaling activities status shows. */
export const RECENT_ACTIVITIES = 5;

/** The name prefix shared by every alarm the controller creates (scalingAlarmPrefix of any service starts with it). */
export const ALARM_LISTING_PREFIX = 'ecs-gitops/';

export interface ScalingReaderOptions {
  /** Rate-limited scaling API of the Region. */
  readonly scaling: ScalingApi;
  readonly clock: Clock;
  /** How long a listing (and a service's targeted re-read, and its activities) is reused at most; the controller also starts a new listing at each resync (expireListing). @default 60000 */
  readonly maxAgeMs?: number;
  /** Lifetime signal for listings shared by several callers. */
  readonly signal?: AbortSignal;
}

interface Details {
  readonly policies: ReadonlyMap<string, AAS.ScalingPolicy[]>;
  readonly scheduledActions: ReadonlyMap<string, AAS.ScheduledAction[]>;
  readonly alarms: ReadonlyMap<string, CW.MetricAlarm[]>;
}

interface Listing {
  readonly startedAt: number;
  readonly targets: Promise<ReadonlyMap<string, AAS.ScalableTarget>>;
  /** Listed on first need, once per listing. */
  details?: Promise<Details>;
}

interface Timed<T> {
  readonly startedAt: number;
  readonly value: Promise<T>;
}

const NO_SCALING: LiveScaling = Object.freeze({ policies: [], scheduledActions: [], alarms: [] });

function isServiceDimension(item: { ScalableDimension?: string | undefined }): boolean {
  return item.ScalableDimension === ECS_DESIRED_COUNT_DIMENSION;
}

/** The resource id an alarm named by scalingAlarmName belongs to, or undefined for any other name. */
export function alarmResourceId(alarmName: string | undefined): string | undefined {
  if (!alarmName?.startsWith(ALARM_LISTING_PREFIX)) return undefined;
  const [cluster, service] = alarmName.slice(ALARM_LISTING_PREFIX.length).split('/');
  if (!cluster || !service) return undefined;
  // Exactly the prefix scalingAlarmPrefix gives that service, so the grouping and ownership agree.
  return alarmName.startsWith(scalingAlarmPrefix(cluster, service)) ? scalingResourceId(cluster, service) : undefined;
}

/**
 * Every item of a paged listing. A page that hands back the token it was
 * asked with would repeat forever (moto 5.2.1 does so from a listing's third
 * page of scalable targets): that fails the read instead.
 */
async function allPages<T>(page: (token: string | undefined) => Promise<{ items: readonly T[] | undefined; next: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const out = await page(token);
    items.push(...(out.items ?? []));
    if (out.next !== undefined && out.next === token) throw new Error(`paging did not advance (NextToken ${token} again)`);
    token = out.next;
  } while (token);
  return items;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class ScalingReader {
  readonly #scaling: ScalingApi;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;
  readonly #signal: AbortSignal | undefined;
  #listing: Listing | undefined;
  /** Services written to since their last read: the next describe reads them alone. */
  readonly #invalidated = new Set<string>();
  /** Targeted re-reads, by resource id. */
  readonly #reread = new Map<string, Timed<LiveScaling>>();
  readonly #activities = new Map<string, Timed<readonly AAS.ScalingActivity[]>>();
  /** Calls sent, per operation (tests, the bench). */
  readonly calls = new Map<ScalingOperation, number>();

  constructor(options: ScalingReaderOptions) {
    this.#scaling = options.scaling;
    this.#clock = options.clock;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#signal = options.signal;
  }

  callCount(operation: ScalingOperation): number {
    return this.calls.get(operation) ?? 0;
  }

  totalCalls(): number {
    let total = 0;
    for (const n of this.calls.values()) total += n;
    return total;
  }

  #send<Op extends ScalingOperation>(operation: Op, input: ScalingInput<Op>, signal: AbortSignal | undefined): Promise<ScalingOutput<Op>> {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    return this.#scaling.send(operation, input, signal);
  }

  #fresh(startedAt: number): boolean {
    return this.#clock.now() - startedAt <= this.#maxAgeMs;
  }

  /**
   * The service's scalable target, the policies on it, its scheduled actions
   * and the alarms named for it. `signal` abandons this caller's wait; a
   * shared listing goes on for the others (bounded by the reader's signal).
   */
  async describe(cluster: string, service: string, signal?: AbortSignal): Promise<LiveScaling> {
    const id = scalingResourceId(cluster, service);
    if (this.#invalidated.delete(id)) return untilAborted(this.#startReread(cluster, service), signal);
    // A re-read still kept is newer than the current listing (a later listing drops it).
    const reread = this.#reread.get(id);
    if (reread && this.#fresh(reread.startedAt)) return untilAborted(reread.value, signal);
    return untilAborted(this.#fromListing(id, this.#listingToUse(this.#currentListing())), signal);
  }

  /**
   * The next describe starts a new listing, however young the current one:
   * the controller calls this when a resync begins, so one listing serves the
   * whole pass, however long it takes, and every pass sees fresh data.
   */
  expireListing(): void {
    this.#listing = undefined;
    // A service's targeted re-read is older than the listing about to be taken: that listing answers for it.
    this.#reread.clear();
  }

  /** The service was written to: its next describe reads it alone (and its activities again). */
  invalidate(cluster: string, service: string): void {
    const id = scalingResourceId(cluster, service);
    this.#invalidated.add(id);
    this.#reread.delete(id);
    this.#activities.delete(id);
  }

  /** The latest scaling activities, newest first, cached per service for maxAgeMs (status only). */
  recentActivities(cluster: string, service: string, signal?: AbortSignal, options: { readonly fresh?: boolean } = {}): Promise<readonly AAS.ScalingActivity[]> {
    const id = scalingResourceId(cluster, service);
    const cached = this.#activities.get(id);
    // `fresh`: the caller knows the count moved since the cached answer.
    if (cached && !options.fresh && this.#fresh(cached.startedAt)) return untilAborted(cached.value, signal);
    const value = this.#send('DescribeScalingActivities', {
      ServiceNamespace: ECS_SERVICE_NAMESPACE, ResourceId: id, ScalableDimension: ECS_DESIRED_COUNT_DIMENSION, MaxResults: RECENT_ACTIVITIES,
    }, this.#signal).then((out) => out.ScalingActivities ?? []);
    const entry = { startedAt: this.#clock.now(), value };
    this.#activities.set(id, entry);
    // A failed read must not poison the cache.
    value.catch(() => {
      if (this.#activities.get(id) === entry) this.#activities.delete(id);
    });
    return untilAborted(value, signal);
  }

  #currentListing(): Listing | undefined {
    return this.#listing && this.#fresh(this.#listing.startedAt) ? this.#listing : undefined;
  }

  #listingToUse(current: Listing | undefined): Listing {
    if (current) return current;
    const startedAt = this.#clock.now();
    const listing: Listing = { startedAt, targets: this.#listTargets() };
    this.#listing = listing;
    // A failed listing is not reused: the next caller lists again.
    listing.targets.catch(() => {
      if (this.#listing === listing) this.#listing = undefined;
    });
    // Re-reads older than this listing are superseded by it.
    for (const [id, entry] of this.#reread) if (entry.startedAt < startedAt) this.#reread.delete(id);
    return listing;
  }

  async #fromListing(id: string, listing: Listing): Promise<LiveScaling> {
    const target = (await listing.targets).get(id);
    if (!target) return NO_SCALING;
    if (!listing.details) {
      const details = this.#listDetails();
      listing.details = details;
      details.catch(() => {
        if (listing.details === details) delete listing.details;
      });
    }
    const details = await listing.details;
    return {
      target,
      policies: details.policies.get(id) ?? [],
      scheduledActions: details.scheduledActions.get(id) ?? [],
      alarms: details.alarms.get(id) ?? [],
    };
  }

  async #listTargets(): Promise<ReadonlyMap<string, AAS.ScalableTarget>> {
    const listed = await allPages(async (NextToken) => {
      const out = await this.#send('DescribeScalableTargets', {
        ServiceNamespace: ECS_SERVICE_NAMESPACE, MaxResults: SCALING_PAGE_SIZE, ...(NextToken ? { NextToken } : {}),
      }, this.#signal);
      return { items: out.ScalableTargets, next: out.NextToken };
    });
    const targets = new Map<string, AAS.ScalableTarget>();
    for (const target of listed) if (target.ResourceId && isServiceDimension(target)) targets.set(target.ResourceId, target);
    return targets;
  }

  async #listDetails(): Promise<Details> {
    const [policies, scheduledActions, alarms] = await Promise.all([
      this.#listPolicies(undefined, this.#signal),
      this.#listScheduledActions(undefined, this.#signal),
      this.#listAlarms(ALARM_LISTING_PREFIX, this.#signal),
    ]);
    const byPolicy = new Map<string, AAS.ScalingPolicy[]>();
    for (const policy of policies) if (policy.ResourceId) push(byPolicy, policy.ResourceId, policy);
    const bySchedule = new Map<string, AAS.ScheduledAction[]>();
    for (const action of scheduledActions) if (action.ResourceId) push(bySchedule, action.ResourceId, action);
    const byAlarm = new Map<string, CW.MetricAlarm[]>();
    for (const alarm of alarms) {
      const id = alarmResourceId(alarm.AlarmName);
      if (id) push(byAlarm, id, alarm);
    }
    return { policies: byPolicy, scheduledActions: bySchedule, alarms: byAlarm };
  }

  /** The namespace's policies on service desired counts; with `resourceId`, that service's only. */
  async #listPolicies(resourceId: string | undefined, signal: AbortSignal | undefined): Promise<AAS.ScalingPolicy[]> {
    const policies = await allPages(async (NextToken) => {
      const out = await this.#send('DescribeScalingPolicies', {
        ServiceNamespace: ECS_SERVICE_NAMESPACE, MaxResults: SCALING_PAGE_SIZE,
        ...(resourceId ? { ResourceId: resourceId, ScalableDimension: ECS_DESIRED_COUNT_DIMENSION } : {}), ...(NextToken ? { NextToken } : {}),
      }, signal);
      return { items: out.ScalingPolicies, next: out.NextToken };
    });
    return policies.filter(isServiceDimension);
  }

  /** The namespace's scheduled actions on service desired counts; with `resourceId`, that service's only. */
  async #listScheduledActions(resourceId: string | undefined, signal: AbortSignal | undefined): Promise<AAS.ScheduledAction[]> {
    const actions = await allPages(async (NextToken) => {
      const out = await this.#send('DescribeScheduledActions', {
        ServiceNamespace: ECS_SERVICE_NAMESPACE, MaxResults: SCALING_PAGE_SIZE,
        ...(resourceId ? { ResourceId: resourceId, ScalableDimension: ECS_DESIRED_COUNT_DIMENSION } : {}), ...(NextToken ? { NextToken } : {}),
      }, signal);
      return { items: out.ScheduledActions, next: out.NextToken };
    });
    return actions.filter(isServiceDimension);
  }

  /** Metric alarms whose names start with `prefix`. */
  #listAlarms(prefix: string, signal: AbortSignal | undefined): Promise<CW.MetricAlarm[]> {
    return allPages(async (NextToken) => {
      const out = await this.#send('DescribeAlarms', {
        AlarmNamePrefix: prefix, MaxRecords: ALARM_PAGE_SIZE, ...(NextToken ? { NextToken } : {}),
      }, signal);
      return { items: out.MetricAlarms, next: out.NextToken };
    });
  }

  /** One service alone, with targeted calls; the answer replaces the listing's entry while fresh. */
  #startReread(cluster: string, service: string): Promise<LiveScaling> {
    const id = scalingResourceId(cluster, service);
    const value = this.#readOne(cluster, service);
    const entry = { startedAt: this.#clock.now(), value };
    this.#reread.set(id, entry);
    value.catch(() => {
      // Failed: the next describe tries again with targeted calls.
      if (this.#reread.get(id) === entry) {
        this.#reread.delete(id);
        this.#invalidated.add(id);
      }
    });
    return value;
  }

  async #readOne(cluster: string, service: string): Promise<LiveScaling> {
    const id = scalingResourceId(cluster, service);
    const signal = this.#signal;
    // All four at once: after a write the service usually has a target, and its status waits on this read.
    const [targets, policies, scheduledActions, alarms] = await Promise.all([
      this.#send('DescribeScalableTargets', {
        ServiceNamespace: ECS_SERVICE_NAMESPACE, ResourceIds: [id], ScalableDimension: ECS_DESIRED_COUNT_DIMENSION,
      }, signal),
      this.#listPolicies(id, signal),
      this.#listScheduledActions(id, signal),
      this.#listAlarms(scalingAlarmPrefix(cluster, service), signal),
    ]);
    const target = targets.ScalableTargets?.find((t) => t.ResourceId === id && isServiceDimension(t));
    return {
      ...(target ? { target } : {}),
      policies: policies.filter((p) => p.ResourceId === id),
      scheduledActions: scheduledActions.filter((a) => a.ResourceId === id),
      alarms: alarms.filter((a) => alarmResourceId(a.AlarmName) === id),
    };
  }
}
