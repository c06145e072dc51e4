/**
 * MemoryEcs: an in-memory ECS for reconciler unit tests. One account in one
 * Region; synchronous and deterministic inside (no timers, a tick clock);
 * records every call. It follows the ECS semantics the embedded sandbox
 * (src/sandbox) emulates where the controller relies on them, in a much
 * smaller form: no tasks, no scheduler. Rollouts move only when a test says
 * so (completeRollout, failRollout), and a deleted service stays DRAINING
 * until finishDraining.
 *
 * Errors are the SDK's own exception classes (ServiceNotFoundException...),
 * passed through toAwsCallError exactly as the product's SDK adapter
 * (src/ecs/sdk-adapter.ts) does, so the controller sees the same AwsCallError
 * codes (AWS_SERVICE_NOT_FOUND, AWS_CLUSTER_NOT_FOUND...) as against AWS.
 * memory-ecs.test.ts checks this fake against the sandbox call by call.
 */
import {
  ClientException, ClusterNotFoundException, InvalidParameterException, ResourceNotFoundException,
  ServiceNotActiveException, ServiceNotFoundException,
} from '@aws-sdk/client-ecs';
import type * as ECS from '@aws-sdk/client-ecs';
import { toAwsCallError } from '../../../src/ecs/aws-error.js';
import { MUTATING_OPERATIONS, type EcsApi, type EcsInput, type EcsOperation, type EcsOutput } from '../../../src/ecs/ecs-api.js';

export interface MemoryEcsOptions {
  /** @default '123456789012' */
  readonly account?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** Epoch ms of the first timestamp; every state change moves the clock one second on. @default 2024-01-01T00:00:00Z */
  readonly startAt?: number;
}

export interface RecordedCall<Op extends EcsOperation = EcsOperation> {
  readonly operation: Op;
  /** A copy of the input as sent. */
  readonly input: EcsInput<Op>;
}

export interface Gate {
  /** Lets every call held so far (and later ones) proceed, in the order they were made. */
  release(): void;
  /** Calls waiting at this gate. */
  readonly waiting: number;
}

export interface FailRolloutOptions {
  /** As the circuit breaker with rollback: the last COMPLETED deployment becomes PRIMARY again. */
  readonly rollback: boolean;
  /** rolloutStateReason of the failed deployment. @default 'ECS deployment circuit breaker: tasks failed to start.' */
  readonly reason?: string;
}

export type SeedServiceInput = Omit<ECS.CreateServiceRequest, 'taskDefinition'> & {
  readonly cluster: string;
  readonly serviceName: string;
  /** ARN, family:revision or family; omitted = a fresh EC2 task definition of family `serviceName`. */
  readonly taskDefinition?: string;
  /** State of the seeded deployment. @default 'COMPLETED' */
  readonly rolloutState?: 'COMPLETED' | 'IN_PROGRESS';
};

interface ClusterRecord {
  readonly name: string;
  readonly arn: string;
  settings: ECS.ClusterSetting[];
  configuration?: ECS.ClusterConfiguration;
  serviceConnectDefaults?: ECS.ClusterServiceConnectDefaults;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: ECS.CapacityProviderStrategyItem[];
  /** By name, in creation order; INACTIVE services stay until a create replaces them. */
  readonly services: Map<string, ServiceRecord>;
}

interface ServiceRecord {
  /** Exactly what DescribeServices returns, minus tags. */
  readonly view: ECS.Service & { deployments: ECS.Deployment[]; events: ECS.ServiceEvent[] };
  readonly cluster: ClusterRecord;
  /** CreateService fields ECS reports on the PRIMARY deployment only. */
  readonly deploymentFields: Partial<Pick<ECS.CreateServiceRequest, (typeof DEPLOYMENT_FIELDS)[number]>>;
}

/** Declared on CreateService/UpdateService, reported on the deployment (as service-normalize.ts reads them). */
const DEPLOYMENT_FIELDS = ['serviceConnectConfiguration', 'volumeConfigurations', 'vpcLatticeConfigurations'] as const;
/** Stored and echoed as given. */
const PASSTHROUGH_FIELDS = [
  'loadBalancers', 'serviceRegistries', 'placementConstraints', 'placementStrategy', 'availabilityZoneRebalancing',
] as const;
const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const DEFAULT_REASON = 'ECS deployment circuit breaker: tasks failed to start.';

type Handlers = { [Op in EcsOperation]: (input: EcsInput<Op>) => EcsOutput<Op> };

const meta = { httpStatusCode: 400 };
const invalidParameter = (message: string) => new InvalidParameterException({ message, $metadata: meta });
const clientException = (message: string) => new ClientException({ message, $metadata: meta });
const clusterNotFound = () => new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: meta });
const serviceNotFound = () => new ServiceNotFoundException({ message: 'Service not found.', $metadata: meta });
const serviceNotActive = () => new ServiceNotActiveException({ message: 'Service was not ACTIVE.', $metadata: meta });
const resourceNotFound = () => new ResourceNotFoundException({ message: 'The specified resource could not be found.', $metadata: meta });

const nameOf = (id: string): string => (id.startsWith('arn:') ? id.slice(id.lastIndexOf('/') + 1) : id);
const copy = <T>(value: T): T => structuredClone(value);

function page<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined, defaultSize: number): { items: T[]; nextToken?: string } {
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100)) {
    throw invalidParameter('maxResults must be between 1 and 100.');
  }
  const offset = nextToken === undefined ? 0 : Number(/^o(\d+)$/.exec(nextToken)?.[1] ?? NaN);
  if (!Number.isInteger(offset)) throw invalidParameter('Invalid nextToken.');
  const size = maxResults ?? defaultSize;
  const next = offset + size;
  return next < items.length ? { items: items.slice(offset, next), nextToken: `o${next}` } : { items: items.slice(offset, next) };
}

/** "0.25 vCPU" -> "256", 512 -> "512"; "1 GB" -> "1024" (RegisterTaskDefinition stores strings of units / MiB). */
function units(value: string | number | undefined, kind: 'cpu' | 'memory'): string | undefined {
  if (value === undefined) return undefined;
  const v = String(value).trim();
  if (/^\d+$/.test(v)) return v;
  const m = kind === 'cpu' ? /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(v) : /^(\d+(?:\.\d+)?)\s*(gb|gib|mb|mib)$/i.exec(v);
  if (!m) throw clientException(`Invalid '${kind}' setting for task.`);
  const n = Number(m[1]);
  return String(Math.round(kind === 'cpu' || /^g/i.test(m[2] ?? '') ? n * 1024 : n));
}

function byName(a: { name?: string }, b: { name?: string }): number {
  return (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0;
}

export class MemoryEcs implements EcsApi {
  readonly account: string;
  readonly region: string;
  /** Every call, in the order send() was called (calls rejected for an already-aborted signal excluded). */
  readonly calls: RecordedCall[] = [];

  readonly #clusters = new Map<string, ClusterRecord>();
  /** Family -> revisions (index i = revision i + 1). */
  readonly #families = new Map<string, ECS.TaskDefinition[]>();
  readonly #tags = new Map<string, Map<string, string>>();
  readonly #failures = new Map<EcsOperation, unknown[]>();
  readonly #gates = new Map<EcsOperation, { promise: Promise<void>; waiting: number }>();
  readonly #delays = new Map<EcsOperation, number | Promise<unknown>>();
  readonly #startAt: number;
  #tick = 0;
  #ids = 0;

  constructor(options: MemoryEcsOptions = {}) {
    this.account = options.account ?? '123456789012';
    this.region = options.region ?? 'eu-west-1';
    this.#startAt = options.startAt ?? Date.UTC(2024, 0, 1);
  }

  // --- the EcsApi -----------------------------------------------------------

  async send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> {
    if (signal?.aborted) throw signal.reason;
    this.calls.push({ operation, input: copy(input) } as RecordedCall);
    await this.#wait(operation, signal);
    const failure = this.#failures.get(operation)?.shift();
    try {
      if (failure !== undefined) throw failure;
      const handler = this.#handlers[operation] as (input: EcsInput<Op>) => EcsOutput<Op>;
      return copy(handler(copy(input)));
    } catch (err) {
      throw toAwsCallError(err, 'ecs', operation);
    }
  }

  callsOf<Op extends EcsOperation>(operation: Op): RecordedCall<Op>[] {
    return this.calls.filter((c): c is RecordedCall<Op> => c.operation === operation);
  }

  /** Calls of MUTATING_OPERATIONS, in order. */
  writes(): RecordedCall[] {
    return this.calls.filter((c) => MUTATING_OPERATIONS.has(c.operation));
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  // --- test hooks -------------------------------------------------------------

  /** The next call of `operation` fails with `error` (wrapped like the SDK adapter's: pass an SDK exception). Queues. */
  failNext(operation: EcsOperation, error: unknown): void {
    const list = this.#failures.get(operation) ?? [];
    list.push(error);
    this.#failures.set(operation, list);
  }

  /** Calls of `operation` made from now on wait (before ECS sees them) until release(). */
  hold(operation: EcsOperation): Gate {
    let open!: () => void;
    const gate = { promise: new Promise<void>((resolve) => (open = resolve)), waiting: 0 };
    this.#gates.set(operation, gate);
    const gates = this.#gates;
    return {
      release(): void {
        if (gates.get(operation) === gate) gates.delete(operation);
        open();
      },
      get waiting(): number {
        return gate.waiting;
      },
    };
  }

  /** Every later call of `operation` first waits `ms` (real time) or for `until`; 0 removes the delay. */
  delay(operation: EcsOperation, until: number | Promise<unknown>): void {
    if (until === 0) this.#delays.delete(operation);
    else this.#delays.set(operation, until);
  }

  async #wait(operation: EcsOperation, signal: AbortSignal | undefined): Promise<void> {
    const waits: Promise<unknown>[] = [];
    const gate = this.#gates.get(operation);
    if (gate) {
      gate.waiting++;
      waits.push(gate.promise.finally(() => gate.waiting--));
    }
    const delay = this.#delays.get(operation);
    if (typeof delay === 'number') waits.push(new Promise((resolve) => setTimeout(resolve, delay)));
    else if (delay) waits.push(delay.then(() => undefined, () => undefined));
    if (waits.length === 0) return;
    const all = Promise.all(waits);
    if (!signal) {
      await all;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      all.then(() => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(signal.reason);
        else resolve();
      }, reject);
    });
  }

  seedCluster(name: string, input: Omit<ECS.CreateClusterRequest, 'clusterName'> = {}): ECS.Cluster {
    return copy(this.#createCluster({ ...input, clusterName: name }).cluster as ECS.Cluster);
  }

  seedTaskDefinition(input: ECS.RegisterTaskDefinitionRequest): ECS.TaskDefinition {
    return copy(this.#register(input).taskDefinition as ECS.TaskDefinition);
  }

  /** A service as if created earlier (the cluster too, when missing); its deployment COMPLETED unless asked. */
  seedService(input: SeedServiceInput): ECS.Service {
    const { rolloutState = 'COMPLETED', taskDefinition, ...rest } = input;
    if (!this.#clusters.has(input.cluster)) this.#createCluster({ clusterName: input.cluster });
    const td = taskDefinition ?? this.#register({
      family: input.serviceName, containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128 }],
    }).taskDefinition?.taskDefinitionArn;
    this.#createService({ ...rest, taskDefinition: td });
    if (rolloutState === 'COMPLETED') this.completeRollout(input.cluster, input.serviceName);
    return this.describe(input.cluster, input.serviceName) as ECS.Service;
  }

  /** A copy of the service as DescribeServices (include TAGS) would return it; undefined when unknown. */
  describe(cluster: string, name: string): ECS.Service | undefined {
    const svc = this.#clusters.get(cluster)?.services.get(name);
    return svc ? copy(this.#serviceView(svc, true)) : undefined;
  }

  /** The PRIMARY deployment reaches COMPLETED: tasks running, older deployments drained away. */
  completeRollout(cluster: string, name: string): void {
    const svc = this.#mustFind(cluster, name);
    const primary = this.#primary(svc);
    if (primary.rolloutState !== 'IN_PROGRESS') return;
    const at = this.#now();
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = `ECS deployment ${primary.id ?? ''} completed.`;
    primary.runningCount = primary.desiredCount;
    primary.pendingCount = 0;
    primary.updatedAt = at;
    svc.view.deployments = [primary];
    this.#counts(svc);
    this.#event(svc, `(deployment ${primary.id ?? ''}) deployment completed.`);
    this.#event(svc, 'has reached a steady state.');
  }

  /** Completes every rollout in progress (ACTIVE services). */
  completeAllRollouts(): void {
    for (const cluster of this.#clusters.values()) {
      for (const svc of cluster.services.values()) {
        if (svc.view.status === 'ACTIVE') this.completeRollout(cluster.name, svc.view.serviceName as string);
      }
    }
  }

  /**
   * The PRIMARY deployment FAILED (circuit breaker). With rollback, the last
   * COMPLETED deployment is PRIMARY again (and the service's task definition
   * with it); the failed one stays listed, FAILED, with `reason`.
   */
  failRollout(cluster: string, name: string, options: FailRolloutOptions): void {
    const svc = this.#mustFind(cluster, name);
    const failed = this.#primary(svc);
    if (failed.rolloutState !== 'IN_PROGRESS') throw new Error(`failRollout: ${cluster}/${name} has no rollout in progress`);
    failed.rolloutState = 'FAILED';
    failed.rolloutStateReason = options.reason ?? DEFAULT_REASON;
    failed.failedTasks = Math.max(3, Math.ceil((failed.desiredCount ?? 0) / 2));
    failed.updatedAt = this.#now();
    this.#event(svc, `(deployment ${failed.id ?? ''}) deployment failed: ${failed.rolloutStateReason}`);
    const target = options.rollback ? svc.view.deployments.find((d) => d !== failed && d.rolloutState === 'COMPLETED') : undefined;
    if (!target) return;
    failed.status = 'ACTIVE';
    failed.desiredCount = 0;
    failed.runningCount = 0;
    failed.pendingCount = 0;
    target.status = 'PRIMARY';
    target.desiredCount = svc.view.desiredCount;
    target.runningCount = svc.view.desiredCount;
    target.pendingCount = 0;
    target.updatedAt = failed.updatedAt;
    svc.view.taskDefinition = target.taskDefinition;
    svc.view.deployments = [target, failed];
    this.#counts(svc);
    this.#event(svc, `rolling back to deployment ${target.id ?? ''} (task definition ${target.taskDefinition ?? ''}).`);
    this.#event(svc, 'has reached a steady state.');
  }

  /** A DRAINING (deleted) service has stopped its tasks: INACTIVE. */
  finishDraining(cluster: string, name: string): void {
    const svc = this.#mustFind(cluster, name);
    if (svc.view.status !== 'DRAINING') throw new Error(`finishDraining: ${cluster}/${name} is ${svc.view.status ?? '?'}, not DRAINING`);
    svc.view.status = 'INACTIVE';
    for (const d of svc.view.deployments) Object.assign(d, { desiredCount: 0, runningCount: 0, pendingCount: 0 });
    this.#counts(svc);
    this.#tags.delete(svc.view.serviceArn as string);
  }

  // --- state helpers -----------------------------------------------------------

  #now(): Date {
    return new Date(this.#startAt + 1000 * this.#tick++);
  }

  #arn(resource: string): string {
    return `arn:aws:ecs:${this.region}:${this.account}:${resource}`;
  }

  #cluster(identifier: string | undefined): ClusterRecord {
    const cluster = this.#clusters.get(nameOf(identifier ?? 'default'));
    if (!cluster) throw clusterNotFound();
    return cluster;
  }

  #mustFind(cluster: string, name: string): ServiceRecord {
    const svc = this.#clusters.get(cluster)?.services.get(name);
    if (!svc) throw new Error(`MemoryEcs: no service ${cluster}/${name}`);
    return svc;
  }

  #primary(svc: ServiceRecord): ECS.Deployment {
    const primary = svc.view.deployments.find((d) => d.status === 'PRIMARY');
    if (!primary) throw new Error(`MemoryEcs: ${svc.view.serviceName ?? ''} has no PRIMARY deployment`);
    return primary;
  }

  #event(svc: ServiceRecord, message: string): void {
    svc.view.events.unshift({ id: `event-${++this.#ids}`, createdAt: this.#now(), message: `(service ${svc.view.serviceName ?? ''}) ${message}` });
    if (svc.view.events.length > 100) svc.view.events.length = 100;
  }

  #counts(svc: ServiceRecord): void {
    svc.view.runningCount = svc.view.deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0);
    svc.view.pendingCount = svc.view.deployments.reduce((n, d) => n + (d.pendingCount ?? 0), 0);
  }

  #tagList(arn: string): ECS.Tag[] {
    return [...(this.#tags.get(arn) ?? [])].map(([key, value]) => ({ key, value }));
  }

  #addTags(arn: string, tags: readonly ECS.Tag[] | undefined): void {
    if (!tags || tags.length === 0) return;
    if (tags.length > 50) throw invalidParameter('The number of tags exceeds the limit of 50.');
    const map = this.#tags.get(arn) ?? new Map<string, string>();
    for (const t of tags) {
      if (!t.key || t.key.length > 128) throw invalidParameter('Each tag needs a key of 1 to 128 characters.');
      if (t.key.toLowerCase().startsWith('aws:')) throw invalidParameter("Tag keys beginning with 'aws:' are reserved for system use.");
      if ((t.value ?? '').length > 256) throw invalidParameter(`Tag value for key '${t.key}' must be at most 256 characters.`);
    }
    for (const t of tags) map.set(t.key as string, t.value ?? '');
    if (map.size > 50) throw invalidParameter('The number of tags exceeds the limit of 50.');
    this.#tags.set(arn, map);
  }

  /** family, family:revision or ARN; a family alone = its latest ACTIVE revision. */
  #taskDefinition(identifier: string): ECS.TaskDefinition | undefined {
    let ref = identifier;
    if (identifier.startsWith('arn:')) {
      const prefix = this.#arn('task-definition/');
      if (!identifier.startsWith(prefix)) return undefined;
      ref = identifier.slice(prefix.length);
    }
    const colon = ref.lastIndexOf(':');
    if (colon < 0) return [...(this.#families.get(ref) ?? [])].reverse().find((td) => td.status === 'ACTIVE');
    const revision = Number(ref.slice(colon + 1));
    return Number.isInteger(revision) && revision > 0 ? this.#families.get(ref.slice(0, colon))?.[revision - 1] : undefined;
  }

  #clusterView(cluster: ClusterRecord, include: readonly string[]): ECS.Cluster {
    let active = 0;
    let running = 0;
    let pending = 0;
    for (const s of cluster.services.values()) {
      if (s.view.status === 'ACTIVE') active++;
      running += s.view.runningCount ?? 0;
      pending += s.view.pendingCount ?? 0;
    }
    return {
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: running,
      pendingTasksCount: pending,
      activeServicesCount: active,
      statistics: [],
      tags: include.includes('TAGS') ? this.#tagList(cluster.arn) : [],
      settings: cluster.settings,
      capacityProviders: cluster.capacityProviders,
      defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy,
      // As ECS: the configuration only when asked for.
      ...(cluster.configuration && include.includes('CONFIGURATIONS') ? { configuration: cluster.configuration } : {}),
      ...(cluster.serviceConnectDefaults ? { serviceConnectDefaults: cluster.serviceConnectDefaults } : {}),
    };
  }

  #serviceView(svc: ServiceRecord, includeTags: boolean): ECS.Service {
    return includeTags ? { ...svc.view, tags: this.#tagList(svc.view.serviceArn as string) } : { ...svc.view };
  }

  #startDeployment(svc: ServiceRecord): void {
    const v = svc.view;
    const desired = v.desiredCount ?? 0;
    const { minimumHealthyPercent = 100, maximumPercent = 200 } = v.deploymentConfiguration ?? {};
    // Older deployments: pending tasks stop at once, running ones while minimumHealthyPercent still holds.
    let running = v.deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0);
    for (const d of v.deployments) {
      const stop = Math.min(d.runningCount ?? 0, Math.max(0, running - Math.ceil((desired * minimumHealthyPercent) / 100)));
      running -= stop;
      Object.assign(d, { status: 'ACTIVE', desiredCount: 0, pendingCount: 0, runningCount: (d.runningCount ?? 0) - stop });
    }
    // The new one launches what maximumPercent leaves room for.
    const launched = Math.max(0, Math.min(desired, Math.max(desired, Math.floor((desired * maximumPercent) / 100)) - running));
    const at = this.#now();
    const id = `ecs-svc/${String(++this.#ids).padStart(19, '0')}`;
    v.deployments.unshift({
      id,
      status: 'PRIMARY',
      taskDefinition: v.taskDefinition,
      desiredCount: desired,
      pendingCount: launched,
      runningCount: 0,
      failedTasks: 0,
      createdAt: at,
      updatedAt: at,
      ...(v.launchType ? { launchType: v.launchType } : {}),
      ...(v.capacityProviderStrategy ? { capacityProviderStrategy: v.capacityProviderStrategy } : {}),
      ...(v.platformVersion ? { platformVersion: v.platformVersion, platformFamily: v.platformFamily } : {}),
      ...(v.networkConfiguration ? { networkConfiguration: v.networkConfiguration } : {}),
      ...copy(svc.deploymentFields),
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${id} in progress.`,
    });
    this.#counts(svc);
  }

  // --- operations ---------------------------------------------------------------

  readonly #handlers: Handlers = {
    DescribeClusters: (input) => {
      const ids = input.clusters ?? ['default'];
      if (ids.length > 100) throw invalidParameter('clusters can have at most 100 items.');
      const include = input.include ?? [];
      const clusters: ECS.Cluster[] = [];
      const failures: ECS.Failure[] = [];
      for (const id of ids) {
        const cluster = this.#clusters.get(nameOf(id));
        if (cluster) clusters.push(this.#clusterView(cluster, include));
        else failures.push({ arn: id.startsWith('arn:') ? id : this.#arn(`cluster/${id}`), reason: 'MISSING' });
      }
      return { clusters, failures };
    },
    CreateCluster: (input) => this.#createCluster(input),
    UpdateCluster: (input) => {
      const cluster = this.#cluster(input.cluster ?? '');
      if (input.settings) cluster.settings = input.settings;
      if (input.configuration) cluster.configuration = input.configuration;
      // An empty namespace removes the Service Connect defaults.
      if (input.serviceConnectDefaults?.namespace === '') delete cluster.serviceConnectDefaults;
      else if (input.serviceConnectDefaults) cluster.serviceConnectDefaults = { namespace: input.serviceConnectDefaults.namespace };
      this.#now();
      return { cluster: this.#clusterView(cluster, ['TAGS', 'CONFIGURATIONS']) };
    },
    PutClusterCapacityProviders: (input) => {
      const cluster = this.#cluster(input.cluster ?? '');
      if (!input.capacityProviders) throw invalidParameter('capacityProviders can not be null.');
      if (!input.defaultCapacityProviderStrategy) throw invalidParameter('defaultCapacityProviderStrategy can not be null.');
      cluster.defaultCapacityProviderStrategy = this.#checkStrategy(input.defaultCapacityProviderStrategy, input.capacityProviders);
      cluster.capacityProviders = input.capacityProviders;
      this.#now();
      return { cluster: this.#clusterView(cluster, ['TAGS', 'CONFIGURATIONS']) };
    },
    DescribeServices: (input) => {
      const cluster = this.#cluster(input.cluster);
      const ids = input.services ?? [];
      if (ids.length === 0) throw invalidParameter('services can not be empty.');
      if (ids.length > 10) throw invalidParameter('service names can have at most 10 items.');
      const tags = (input.include ?? []).includes('TAGS');
      const services: ECS.Service[] = [];
      const failures: ECS.Failure[] = [];
      for (const id of ids) {
        const svc = cluster.services.get(nameOf(id));
        if (svc) services.push(this.#serviceView(svc, tags));
        else failures.push({ arn: id.startsWith('arn:') ? id : this.#arn(`service/${cluster.name}/${id}`), reason: 'MISSING' });
      }
      return { services, failures };
    },
    ListServices: (input) => {
      const cluster = this.#cluster(input.cluster);
      const arns = [...cluster.services.values()]
        .filter((s) => s.view.status === 'ACTIVE')
        .filter((s) => !input.launchType || s.view.launchType === input.launchType)
        .filter((s) => !input.schedulingStrategy || s.view.schedulingStrategy === input.schedulingStrategy)
        .map((s) => s.view.serviceArn as string);
      const p = page(arns, input.maxResults, input.nextToken, 10);
      return p.nextToken ? { serviceArns: p.items, nextToken: p.nextToken } : { serviceArns: p.items };
    },
    CreateService: (input) => ({ service: this.#serviceView(this.#createService(input), false) }),
    UpdateService: (input) => {
      const cluster = this.#cluster(input.cluster);
      if (!input.service) throw invalidParameter('service can not be blank.');
      const svc = cluster.services.get(nameOf(input.service));
      if (!svc) throw serviceNotFound();
      if (svc.view.status !== 'ACTIVE') throw serviceNotActive();
      return { service: this.#serviceView(this.#updateService(svc, input), false) };
    },
    DeleteService: (input) => {
      const cluster = this.#cluster(input.cluster);
      if (!input.service) throw invalidParameter('service can not be blank.');
      const svc = cluster.services.get(nameOf(input.service));
      if (!svc) throw serviceNotFound();
      if (svc.view.status !== 'ACTIVE') throw serviceNotActive();
      if ((svc.view.desiredCount ?? 0) > 0 && !input.force) throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
      svc.view.status = 'DRAINING';
      svc.view.desiredCount = 0;
      for (const d of svc.view.deployments) d.desiredCount = 0;
      this.#event(svc, 'has begun draining.');
      return { service: this.#serviceView(svc, false) };
    },
    DescribeTaskDefinition: (input) => {
      if (!input.taskDefinition) throw clientException('TaskDefinition can not be blank.');
      const td = this.#taskDefinition(input.taskDefinition);
      if (!td) throw clientException('Unable to describe task definition.');
      return (input.include ?? []).includes('TAGS')
        ? { taskDefinition: td, tags: this.#tagList(td.taskDefinitionArn as string) }
        : { taskDefinition: td };
    },
    ListTaskDefinitions: (input) => {
      const status = input.status ?? 'ACTIVE';
      const sort = input.sort ?? 'ASC';
      if (!['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'].includes(status)) throw invalidParameter(`Invalid status: ${status}`);
      if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter(`Invalid sort: ${String(sort)}`);
      // familyPrefix names one family exactly (as ECS matches it).
      const families = input.familyPrefix !== undefined
        ? [this.#families.get(input.familyPrefix) ?? []]
        : [...this.#families.keys()].sort().map((f) => this.#families.get(f) ?? []);
      const arns = families.flat().filter((td) => td.status === status).map((td) => td.taskDefinitionArn as string);
      if (sort === 'DESC') arns.reverse();
      const p = page(arns, input.maxResults, input.nextToken, 100);
      return p.nextToken ? { taskDefinitionArns: p.items, nextToken: p.nextToken } : { taskDefinitionArns: p.items };
    },
    RegisterTaskDefinition: (input) => this.#register(input),
    ListTagsForResource: (input) => ({ tags: this.#tagList(this.#resource(input.resourceArn)) }),
    TagResource: (input) => {
      const arn = this.#resource(input.resourceArn);
      if (!input.tags || input.tags.length === 0) throw invalidParameter('tags can not be empty.');
      this.#addTags(arn, input.tags);
      return {};
    },
    UntagResource: (input) => {
      const arn = this.#resource(input.resourceArn);
      if (!input.tagKeys || input.tagKeys.length === 0) throw invalidParameter('tagKeys can not be empty.');
      for (const key of input.tagKeys) this.#tags.get(arn)?.delete(key);
      return {};
    },
    // Capacity providers are not modelled in memory (the sandbox and moto tests cover them): none exist, none can be made.
    DescribeCapacityProviders: (input) => ({
      capacityProviders: [],
      failures: (input.capacityProviders ?? []).map((name) => ({ arn: this.#arn(`capacity-provider/${name}`), reason: 'MISSING' })),
    }),
    CreateCapacityProvider: () => { throw clientException('capacity providers are not modelled by the in-memory ECS'); },
    UpdateCapacityProvider: () => { throw clientException('capacity providers are not modelled by the in-memory ECS'); },
    DeleteCapacityProvider: () => { throw clientException('capacity providers are not modelled by the in-memory ECS'); },
    ListClusters: () => ({ clusterArns: [...this.#clusters.keys()].map((name) => this.#arn(`cluster/${name}`)) }),
    // One-off tasks are not modelled here: hook and run-task tests run against the sandbox.
    RunTask: () => { throw new Error('MemoryEcs does not model RunTask'); },
    StopTask: () => { throw new Error('MemoryEcs does not model StopTask'); },
    DescribeTasks: () => ({ tasks: [], failures: [] }),
    ListTasks: () => ({ taskArns: [] }),
    // Like moto: no deployments API (services carry no currentServiceDeployment), so the rolloutState path is what runs here.
    DescribeServiceDeployments: () => { throw clientException('MemoryEcs has no deployments API'); },
    ListServiceDeployments: () => { throw clientException('MemoryEcs has no deployments API'); },
    StopServiceDeployment: () => { throw clientException('MemoryEcs has no deployments API'); },
    ContinueServiceDeployment: () => { throw clientException('MemoryEcs has no deployments API'); },
  };

  #checkStrategy(strategy: ECS.CapacityProviderStrategyItem[] | undefined, providers: readonly string[]): ECS.CapacityProviderStrategyItem[] {
    for (const item of strategy ?? []) {
      if (!item.capacityProvider || !providers.includes(item.capacityProvider)) {
        throw invalidParameter('The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. '
          + 'Associate the capacity provider with the cluster or specify a valid capacity provider and try again.');
      }
    }
    return strategy ?? [];
  }

  #createCluster(input: ECS.CreateClusterRequest): ECS.CreateClusterResponse {
    const name = input.clusterName ?? 'default';
    if (!NAME.test(name)) throw invalidParameter('Cluster name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
    const existing = this.#clusters.get(name);
    // CreateCluster of an existing cluster answers with it, unchanged.
    if (existing) return { cluster: this.#clusterView(existing, ['TAGS', 'CONFIGURATIONS']) };
    const capacityProviders = input.capacityProviders ?? [];
    const cluster: ClusterRecord = {
      name,
      arn: this.#arn(`cluster/${name}`),
      settings: input.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders,
      defaultCapacityProviderStrategy: this.#checkStrategy(input.defaultCapacityProviderStrategy, capacityProviders),
      services: new Map(),
    };
    if (input.configuration) cluster.configuration = input.configuration;
    if (input.serviceConnectDefaults?.namespace) cluster.serviceConnectDefaults = { namespace: input.serviceConnectDefaults.namespace };
    this.#addTags(cluster.arn, input.tags);
    this.#clusters.set(name, cluster);
    this.#now();
    return { cluster: this.#clusterView(cluster, ['TAGS', 'CONFIGURATIONS']) };
  }

  #register(input: ECS.RegisterTaskDefinitionRequest): ECS.RegisterTaskDefinitionResponse {
    const { tags, family, ...body } = input;
    if (!family) throw clientException('Family can not be blank.');
    if (!NAME.test(family)) throw clientException('Family contains invalid characters.');
    if (!body.containerDefinitions || body.containerDefinitions.length === 0) throw clientException('Container list cannot be empty.');
    const networkMode = body.networkMode ?? 'bridge';
    const cpu = units(body.cpu, 'cpu');
    const memory = units(body.memory, 'memory');
    const fargate = (body.requiresCompatibilities ?? []).includes('FARGATE');
    if (fargate && networkMode !== 'awsvpc') throw clientException("Fargate only supports network mode 'awsvpc'.");
    if (fargate && (cpu === undefined || memory === undefined)) throw clientException("Fargate requires that 'cpu' and 'memory' be defined at the task level.");
    const names = new Set<string>();
    const containerDefinitions = body.containerDefinitions.map((c): ECS.ContainerDefinition => {
      if (!c.name) throw clientException('Container.name should not be null or empty.');
      if (names.has(c.name)) throw clientException(`Duplicate container names are not allowed: ${c.name}`);
      names.add(c.name);
      if (!c.image) throw clientException('Container.image should not be null or empty.');
      if (memory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
        throw clientException(`Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
      }
      // What ECS fills in: cpu 0, essential, tcp, hostPort, empty lists; it drops empty variables and does not keep their order.
      return {
        ...c,
        cpu: c.cpu ?? 0,
        essential: c.essential ?? true,
        portMappings: (c.portMappings ?? []).map((pm) => ({
          ...pm,
          ...(pm.containerPort !== undefined
            ? { hostPort: networkMode === 'awsvpc' || networkMode === 'host' ? pm.containerPort : pm.hostPort ?? 0 }
            : {}),
          protocol: pm.protocol ?? 'tcp',
        })),
        environment: (c.environment ?? []).filter((e) => e.value !== undefined && e.value !== '').sort(byName),
        ...(c.secrets ? { secrets: [...c.secrets].sort(byName) } : {}),
        mountPoints: c.mountPoints ?? [],
        volumesFrom: c.volumesFrom ?? [],
        ...(c.healthCheck ? { healthCheck: { interval: 30, timeout: 5, retries: 3, ...c.healthCheck } } : {}),
      };
    });
    const revisions = this.#families.get(family) ?? [];
    const revision = revisions.length + 1;
    const arn = this.#arn(`task-definition/${family}:${revision}`);
    const compatibilities: ECS.Compatibility[] = ['EC2'];
    if (fargate || (networkMode === 'awsvpc' && cpu !== undefined && memory !== undefined)) compatibilities.push('FARGATE');
    const td: ECS.TaskDefinition = {
      taskDefinitionArn: arn,
      ...body,
      containerDefinitions,
      family,
      networkMode,
      ...(cpu !== undefined ? { cpu } : {}),
      ...(memory !== undefined ? { memory } : {}),
      volumes: body.volumes ?? [],
      placementConstraints: body.placementConstraints ?? [],
      revision,
      status: 'ACTIVE',
      compatibilities,
      registeredAt: this.#now(),
      registeredBy: `arn:aws:iam::${this.account}:root`,
    };
    this.#addTags(arn, tags);
    revisions.push(td);
    this.#families.set(family, revisions);
    return { taskDefinition: td, tags: this.#tagList(arn) };
  }

  #activeTaskDefinition(identifier: string): ECS.TaskDefinition {
    const td = this.#taskDefinition(identifier);
    if (!td) throw clientException('TaskDefinition not found.');
    if (td.status !== 'ACTIVE') throw clientException(`TaskDefinition is inactive: ${td.taskDefinitionArn ?? ''}`);
    return td;
  }

  /** awsvpc needs a network configuration, others refuse one; subnets and groups come back sorted, public IP DISABLED by default. */
  #network(given: ECS.NetworkConfiguration | undefined, td: ECS.TaskDefinition): ECS.NetworkConfiguration | undefined {
    const awsvpc = td.networkMode === 'awsvpc';
    if (!given) {
      if (awsvpc) throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
      return undefined;
    }
    if (!awsvpc) throw invalidParameter('Network Configuration is not valid for the given networkMode of this task definition.');
    const vpc = given.awsvpcConfiguration;
    if (!vpc?.subnets || vpc.subnets.length === 0) throw invalidParameter('subnets can not be empty.');
    return {
      awsvpcConfiguration: {
        subnets: [...vpc.subnets].sort(),
        ...(vpc.securityGroups ? { securityGroups: [...vpc.securityGroups].sort() } : {}),
        assignPublicIp: vpc.assignPublicIp ?? 'DISABLED',
      },
    };
  }

  #deploymentConfiguration(base: ECS.DeploymentConfiguration, given: ECS.DeploymentConfiguration | undefined): ECS.DeploymentConfiguration {
    if (!given) return base;
    const out = { ...base, ...given };
    if (given.deploymentCircuitBreaker) {
      const { enable, rollback } = given.deploymentCircuitBreaker;
      if (typeof enable !== 'boolean' || typeof rollback !== 'boolean') throw invalidParameter('deploymentCircuitBreaker requires both enable and rollback.');
      out.deploymentCircuitBreaker = { enable, rollback };
    }
    if ((out.minimumHealthyPercent ?? 0) > (out.maximumPercent ?? 0)) throw invalidParameter('minimumHealthyPercent must not be greater than maximumPercent.');
    return out;
  }

  #createService(input: ECS.CreateServiceRequest): ServiceRecord {
    const cluster = this.#cluster(input.cluster);
    const name = input.serviceName;
    if (!name) throw invalidParameter('serviceName can not be blank.');
    if (!NAME.test(name)) throw invalidParameter('Service name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
    const existing = cluster.services.get(name);
    if (existing && existing.view.status !== 'INACTIVE') throw invalidParameter('Creation of service was not idempotent.');
    if (!input.taskDefinition) throw invalidParameter('TaskDefinition can not be blank.');
    const td = this.#activeTaskDefinition(input.taskDefinition);
    let launchType = input.launchType;
    let strategy = input.capacityProviderStrategy?.length ? input.capacityProviderStrategy : undefined;
    if (launchType && strategy) {
      throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
    }
    // Neither given: the cluster's default strategy, or EC2 when it has none.
    if (!launchType && !strategy) {
      if (cluster.defaultCapacityProviderStrategy.length > 0) strategy = cluster.defaultCapacityProviderStrategy;
      else launchType = 'EC2';
    }
    const fargate = launchType === 'FARGATE' || (strategy ?? []).some((s) => s.capacityProvider?.startsWith('FARGATE'));
    if (fargate && !(td.compatibilities ?? []).includes('FARGATE')) throw invalidParameter('Task definition does not support launch_type FARGATE.');
    if (input.platformVersion && !fargate) throw invalidParameter('The platform version must be null when specifying an EC2 launch type.');
    const scheduling = input.schedulingStrategy ?? 'REPLICA';
    const daemon = scheduling === 'DAEMON';
    if (input.desiredCount !== undefined && (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)) {
      throw invalidParameter('desiredCount must be a non-negative integer.');
    }
    const networkConfiguration = this.#network(input.networkConfiguration, td);
    const arn = this.#arn(`service/${cluster.name}/${name}`);
    const svc: ServiceRecord = {
      cluster,
      deploymentFields: {},
      view: {
        serviceArn: arn,
        serviceName: name,
        clusterArn: cluster.arn,
        status: 'ACTIVE',
        desiredCount: input.desiredCount ?? 0,
        runningCount: 0,
        pendingCount: 0,
        ...(launchType ? { launchType } : {}),
        ...(strategy ? { capacityProviderStrategy: strategy } : {}),
        ...(fargate ? { platformVersion: input.platformVersion ?? 'LATEST', platformFamily: 'Linux' } : {}),
        taskDefinition: td.taskDefinitionArn,
        deploymentConfiguration: this.#deploymentConfiguration({
          deploymentCircuitBreaker: { enable: false, rollback: false },
          maximumPercent: daemon ? 100 : 200,
          minimumHealthyPercent: daemon ? 0 : 100,
        }, input.deploymentConfiguration),
        deployments: [],
        events: [],
        createdAt: this.#now(),
        loadBalancers: [],
        serviceRegistries: [],
        placementConstraints: [],
        placementStrategy: [],
        ...(networkConfiguration ? { networkConfiguration } : {}),
        ...(input.role ? { roleArn: input.role.startsWith('arn:') ? input.role : `arn:aws:iam::${this.account}:role/${input.role}` } : {}),
        healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds ?? 0,
        schedulingStrategy: scheduling,
        deploymentController: input.deploymentController ?? { type: 'ECS' },
        createdBy: `arn:aws:iam::${this.account}:root`,
        enableECSManagedTags: input.enableECSManagedTags ?? false,
        propagateTags: input.propagateTags ?? 'NONE',
        enableExecuteCommand: input.enableExecuteCommand ?? false,
      },
    };
    for (const key of PASSTHROUGH_FIELDS) if (input[key] !== undefined) Object.assign(svc.view, { [key]: input[key] });
    for (const key of DEPLOYMENT_FIELDS) if (input[key] !== undefined) Object.assign(svc.deploymentFields, { [key]: input[key] });
    // A create over an INACTIVE record replaces it, tags and all.
    if (existing) this.#tags.delete(arn);
    this.#addTags(arn, input.tags);
    cluster.services.delete(name);
    cluster.services.set(name, svc);
    this.#startDeployment(svc);
    return svc;
  }

  #updateService(svc: ServiceRecord, input: ECS.UpdateServiceRequest): ServiceRecord {
    const v = svc.view;
    let redeploy = input.forceNewDeployment ?? false;
    const td = input.taskDefinition !== undefined ? this.#activeTaskDefinition(input.taskDefinition) : this.#taskDefinition(v.taskDefinition as string);
    if (input.desiredCount !== undefined && (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)) {
      throw invalidParameter('desiredCount must be a non-negative integer.');
    }
    let network = v.networkConfiguration;
    if (td && (input.networkConfiguration || input.taskDefinition !== undefined)) network = this.#network(input.networkConfiguration ?? v.networkConfiguration, td);
    const deploymentConfiguration = this.#deploymentConfiguration(v.deploymentConfiguration ?? {}, input.deploymentConfiguration);
    const strategy = input.capacityProviderStrategy?.length ? input.capacityProviderStrategy : undefined;
    const fargate = (strategy ? undefined : v.launchType) === 'FARGATE'
      || (strategy ?? v.capacityProviderStrategy ?? []).some((s) => s.capacityProvider?.startsWith('FARGATE'));
    if (input.platformVersion !== undefined && !fargate) throw invalidParameter('The platform version must be null when specifying an EC2 launch type.');

    // Checks passed: apply. What changes what tasks run starts a deployment; desiredCount alone does not.
    if (td && td.taskDefinitionArn !== v.taskDefinition) {
      v.taskDefinition = td.taskDefinitionArn;
      redeploy = true;
    }
    if (JSON.stringify(network) !== JSON.stringify(v.networkConfiguration)) {
      if (network) v.networkConfiguration = network;
      else delete v.networkConfiguration;
      redeploy = true;
    }
    if (strategy) {
      v.capacityProviderStrategy = strategy;
      delete v.launchType;
      if (fargate) {
        v.platformVersion ??= 'LATEST';
        v.platformFamily ??= 'Linux';
      }
      redeploy = true;
    }
    if (input.platformVersion !== undefined && input.platformVersion !== v.platformVersion) {
      v.platformVersion = input.platformVersion;
      redeploy = true;
    }
    for (const key of DEPLOYMENT_FIELDS) {
      if (input[key] !== undefined) {
        Object.assign(svc.deploymentFields, { [key]: input[key] });
        redeploy = true;
      }
    }
    v.deploymentConfiguration = deploymentConfiguration;
    if (input.propagateTags !== undefined) v.propagateTags = input.propagateTags;
    if (input.enableECSManagedTags !== undefined) v.enableECSManagedTags = input.enableECSManagedTags;
    if (input.enableExecuteCommand !== undefined) v.enableExecuteCommand = input.enableExecuteCommand;
    if (input.healthCheckGracePeriodSeconds !== undefined) v.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
    for (const key of PASSTHROUGH_FIELDS) if (input[key] !== undefined) Object.assign(v, { [key]: input[key] });
    if (input.desiredCount !== undefined) v.desiredCount = input.desiredCount;
    if (redeploy) {
      this.#startDeployment(svc);
    } else {
      // A new count alone: the PRIMARY deployment scales (at once when it had completed).
      const primary = this.#primary(svc);
      primary.desiredCount = v.desiredCount;
      if (primary.rolloutState === 'COMPLETED') primary.runningCount = v.desiredCount;
      else primary.pendingCount = Math.max(0, (v.desiredCount ?? 0) - (primary.runningCount ?? 0));
      primary.updatedAt = this.#now();
      this.#counts(svc);
    }
    return svc;
  }

  /** The ARN of an existing cluster, (not INACTIVE) service or task definition revision. */
  #resource(arn: string | undefined): string {
    if (!arn) throw invalidParameter('resourceArn can not be blank.');
    const prefix = `arn:aws:ecs:`;
    if (!arn.startsWith(prefix) || arn.split(':').length < 6) throw invalidParameter(`Invalid identifier: Unexpected number of separators: ${arn}`);
    const own = this.#arn('');
    if (!arn.startsWith(own)) throw resourceNotFound();
    const [kind, ...rest] = arn.slice(own.length).split('/');
    let exists: boolean;
    if (kind === 'cluster') exists = this.#clusters.has(rest.join('/'));
    else if (kind === 'service' && rest.length === 2) {
      const status = this.#clusters.get(rest[0] as string)?.services.get(rest[1] as string)?.view.status;
      exists = status !== undefined && status !== 'INACTIVE';
    } else if (kind === 'task-definition') exists = /:\d+$/.test(arn) && this.#taskDefinition(arn) !== undefined;
    else throw invalidParameter(`Invalid identifier: ${arn}`);
    if (!exists) throw resourceNotFound();
    return arn;
  }
}
