/**
 * Read-only comparison of a snapshot with live ECS for `ecs-gitops diff`:
 * each service goes through the reconciler's own observe step
 * (service/observe.ts: batched DescribeServices with tags, task definitions
 * by ARN, the image policy's ECR look-ups, the cluster's default capacity
 * provider strategy) and the same diff, never a write.
 */
import { diffService, isServiceGone, serviceDiffResult, type ServiceDiffResult } from '../diff/index.js';
import type { ScalingApi } from '../autoscaling/scaling-api.js';
import { decideScaling } from './scaling/decide.js';
import { isScaledExternally } from './service/decide.js';
import type { EcsApi } from '../ecs/ecs-api.js';
import type { EcrApi } from '../ecs/ecr-api.js';
import type { DesiredService, ImagePolicy } from '../manifests/types.js';
import type { Clock } from '../util/clock.js';
import { imagePolicyOf, imagesToPrefetch, type ImagePolicyProblem, type UnverifiedImage } from './image-policy.js';
import { RegionAccessPool, type LocationDirectory } from './regions.js';
import { DEFAULT_CONTROLLER_ID } from './controller.js';
import { observeService } from './service/observe.js';
import { locationOf } from '../keys/index.js';
import type { LookupResolver } from '../lookups/lookup-api.js';
import { resolveRecord } from './lookups.js';

/** The digests a service's ECR tags resolve to, for services whose `spec.sync.images` uses digests. */
export interface ServiceImageDigests {
  readonly key: string;
  readonly policy: Exclude<ImagePolicy, 'as-written'>;
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
  /** Images the controller cannot read (another account's registry), which applying would deploy as written, per service key. */
  readonly unverifiedImages: ReadonlyArray<UnverifiedImage & { readonly key: string }>;
}

export interface LiveDiffOptions {
  /** ECS per location (`[account@]region`, src/keys): each service is read in its own account and Region. */
  readonly ecs: (location: string) => EcsApi;
  /** With ECR access, `spec.sync.images` is applied and images about to be deployed are checked. */
  readonly ecr?: (location: string) => EcrApi;
  /** With auto scaling access, `spec.autoScaling` is compared and a target registered outside Git exempts desiredCount. */
  readonly scaling?: (location: string) => ScalingApi;
  /** The environments' rate limits per location (AccountDirectory). */
  readonly accounts?: LocationDirectory;
  /** Resolves `${ssm:…}`/`${cfn:…}` lookups first, in each service's location; without it a service with lookups fails (CONTROLLER_LOOKUP_FAILED). */
  readonly lookups?: LookupResolver;
  /** Whose scalable targets count as Git's (the service's ecs-gitops/autoscaling tag). @default 'ecs-gitops' */
  readonly controllerId?: string;
  readonly clock: Clock;
  readonly signal: AbortSignal;
}

export async function diffAgainstLive(declaredServices: readonly DesiredService[], options: LiveDiffOptions): Promise<LiveDiff> {
  // Lookups resolved in each service's own account and Region, as the controller would before applying.
  const services = await Promise.all(declaredServices.map((s) => resolveRecord(s, options.lookups, locationOf(s), options.signal)));
  // The command's own access: the rate limits a controller would respect, no applier used.
  const regions = new RegionAccessPool({
    ecs: options.ecs, clock: options.clock, signal: options.signal,
    ...(options.ecr ? { ecr: options.ecr } : {}), ...(options.scaling ? { scaling: options.scaling } : {}),
    ...(options.accounts ? { accounts: options.accounts } : {}),
  });
  const controllerId = options.controllerId ?? DEFAULT_CONTROLLER_ID;
  // One batched look-up per repository for every image compared.
  await regions.images?.prefetch(services.flatMap((s) => imagesToPrefetch(s, true)), options.signal);
  const sorted = [...services].sort((a, b) => a.key.localeCompare(b.key));
  // Observed side by side: look-ups in one cluster made in the same turn share DescribeServices calls.
  const observed = await Promise.all(sorted.map((s) => observeService(s, regions.get(locationOf(s)), options.signal, { controllerId })));
  const imageProblems: Array<ImagePolicyProblem & { key: string }> = [];
  const unverifiedImages: Array<UnverifiedImage & { key: string }> = [];
  const images: ServiceImageDigests[] = [];
  const results: ServiceDiffResult[] = [];
  sorted.forEach((declared, i) => {
    const result = observed[i];
    if (!result) return;
    if (!result.complete) throw result.error;
    const { live, policy, strategy } = result.observation;
    if (policy?.problem) imageProblems.push({ key: declared.key, ...policy.problem });
    for (const image of policy?.unverified ?? []) unverifiedImages.push({ key: declared.key, ...image });
    const kind = imagePolicyOf(declared);
    if (policy && kind !== 'as-written' && Object.keys(policy.targetDigests).length > 0) {
      const written = new Map((declared.manifest.spec.taskDefinition.containerDefinitions ?? []).map((c) => [c.name ?? '', c.image ?? '']));
      images.push({
        key: declared.key, policy: kind,
        containers: Object.fromEntries(Object.entries(policy.targetDigests).map(([name, digest]) => [name, {
          image: written.get(name) ?? '', digest, ...(policy.imageUpdates.some((u) => u.container === name) ? { pending: true as const } : {}),
        }])),
      });
    }
    const desired = policy?.desired ?? declared;
    const scaledExternally = isScaledExternally(declared, result.observation);
    const changes = diffService(desired.manifest, live, {
      ...(strategy ? { clusterDefaultCapacityProviderStrategy: strategy } : {}), ...(scaledExternally ? { desiredCountScaledExternally: true } : {}),
    });
    // Scaling as a detect-mode pass sees it (nothing to scale while the service is missing).
    const scaling = live.service && !isServiceGone(live.service)
      ? decideScaling({
        desired: declared, live: result.observation.scaling, owned: result.observation.scalingOwned === true, serviceExists: true,
        mode: 'detect', controllerId, now: options.clock.now(),
      }).changes
      : [];
    results.push(serviceDiffResult(desired.key, [...changes, ...scaling]));
  });
  return { results, images, imageProblems, unverifiedImages };
}
