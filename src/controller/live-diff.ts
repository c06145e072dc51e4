/**
 * Read-only comparison of a snapshot with live ECS for `ecs-gitops diff`:
 * the same reads the reconciler makes (batched DescribeServices with tags,
 * task definitions by ARN, the cluster's default capacity provider strategy),
 * never a write.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { diffService, isServiceGone, serviceDiffResult, type ServiceDiffResult } from '../diff/index.js';
import type { EcsApi } from '../ecs/ecs-api.js';
import { EcsReader } from '../ecs/ecs-reader.js';
import type { DesiredService } from '../manifests/types.js';
import type { EcrApi } from '../ecs/ecr-api.js';
import { ImageResolver } from '../ecs/image-resolver.js';
import type { Clock } from '../util/clock.js';
import { applyImagePolicy, FollowedDigests, imagePolicyOf, imagesToPrefetch, type ImagePolicyProblem } from './image-policy.js';

/** The digests a service's ECR tags resolve to, for services whose `spec.sync.images` uses digests. */
export interface ServiceImageDigests {
  readonly key: string;
  readonly policy: 'pin-digest' | 'follow-tag';
  /**
   * Container name -> { image as written, digest it resolves to now }; with
   * `pending`, follow-tag would start a new deployment for it (the image was
   * pushed after the running deployment started).
   */
  readonly containers: Readonly<Record<string, { readonly image: string; readonly digest: string; readonly pending?: true }>>;
}

export interface LiveDiff {
  readonly results: ServiceDiffResult[];
  readonly images: readonly ServiceImageDigests[];
  /** Images that do not exist or cannot be read, per service key. */
  readonly imageProblems: ReadonlyArray<ImagePolicyProblem & { readonly key: string }>;
}

export interface LiveDiffOptions {
  readonly ecs: (region: string) => EcsApi;
  /** With ECR access, `spec.sync.images` is applied and images about to be deployed are checked. */
  readonly ecr?: (region: string) => EcrApi;
  readonly clock: Clock;
  readonly signal: AbortSignal;
}

export async function diffAgainstLive(services: readonly DesiredService[], options: LiveDiffOptions): Promise<LiveDiff> {
  const resolver = options.ecr ? new ImageResolver({ ecr: options.ecr, clock: options.clock }) : undefined;
  const followed = new FollowedDigests();
  // One batched look-up per repository for every image compared.
  await resolver?.prefetch(services.flatMap((s) => imagesToPrefetch(s, true)), options.signal);
  const imageProblems: Array<ImagePolicyProblem & { key: string }> = [];
  const images: ServiceImageDigests[] = [];
  const readers = new Map<string, EcsReader>();
  const readerFor = (region: string) => {
    let reader = readers.get(region);
    if (!reader) {
      reader = new EcsReader({ ecs: options.ecs(region), clock: options.clock, signal: options.signal });
      readers.set(region, reader);
    }
    return reader;
  };
  // One batched read per cluster.
  const byCluster = new Map<string, DesiredService[]>();
  for (const s of services) byCluster.set(`${s.region}/${s.cluster}`, [...(byCluster.get(`${s.region}/${s.cluster}`) ?? []), s]);
  const live = new Map<string, ECS.Service | undefined>();
  const strategies = new Map<string, readonly ECS.CapacityProviderStrategyItem[]>();
  await Promise.all([...byCluster.entries()].map(async ([id, list]) => {
    const first = list[0] as DesiredService;
    const reader = readerFor(first.region);
    const found = await reader.describeServices(first.cluster, list.map((s) => s.name), options.signal);
    for (const s of list) live.set(s.key, found.get(s.name)?.service);
    if (list.some((s) => !s.manifest.spec.launchType && !s.manifest.spec.capacityProviderStrategy)) {
      strategies.set(id, (await reader.describeCluster(first.cluster, options.signal))?.defaultCapacityProviderStrategy ?? []);
    }
  }));
  const results: ServiceDiffResult[] = [];
  for (const declared of [...services].sort((a, b) => a.key.localeCompare(b.key))) {
    let desired = declared;
    const service = live.get(desired.key);
    const active = isServiceGone(service) ? undefined : service;
    const taskDefinition = active?.taskDefinition
      ? (await readerFor(desired.region).taskDefinition(active.taskDefinition, options.signal)).taskDefinition
      : undefined;
    if (resolver) {
      const policy = await applyImagePolicy(desired, { ...(taskDefinition ? { taskDefinition } : {}), ...(active ? { service: active } : {}) }, resolver, followed, options.signal);
      if (policy.problem) imageProblems.push({ key: desired.key, ...policy.problem });
      const kind = imagePolicyOf(declared);
      if (kind !== 'as-written' && Object.keys(policy.targetDigests).length > 0) {
        const written = new Map((declared.manifest.spec.taskDefinition.containerDefinitions ?? []).map((c) => [c.name ?? '', c.image ?? '']));
        images.push({
          key: desired.key, policy: kind,
          containers: Object.fromEntries(Object.entries(policy.targetDigests).map(([name, digest]) => [name, {
            image: written.get(name) ?? '', digest, ...(policy.imageUpdates.some((u) => u.container === name) ? { pending: true as const } : {}),
          }])),
        });
      }
      desired = policy.desired;
    }
    const strategy = strategies.get(`${desired.region}/${desired.cluster}`);
    const changes = diffService(
      desired.manifest,
      { ...(active ? { service: active, tags: active.tags ?? [] } : {}), ...(taskDefinition ? { taskDefinition } : {}) },
      strategy ? { clusterDefaultCapacityProviderStrategy: strategy } : {},
    );
    results.push(serviceDiffResult(desired.key, changes));
  }
  return { results, images, imageProblems };
}
