/**
 * Observe: every read a decision about one service needs, and nothing else.
 * The reconciler and `ecs-gitops diff` both call it, so the command shows
 * exactly what a reconcile would compare. Reads, in order:
 *
 * 1. the service (batched with other look-ups in its cluster, tags included)
 *    and the task definition it runs (cached by ARN);
 * 2. the image policy's ECR look-ups (`spec.sync.images`, and existence of
 *    images about to be deployed);
 * 3. the cluster's default capacity provider strategy, when the manifest
 *    names neither a launch type nor a strategy (cached for a minute);
 * 4. while the reconciler follows a rollout of the service, and ECS exposes it
 *    as a service deployment: that deployment (DescribeServiceDeployments,
 *    one call per pass, through the location's rate-limited ECS client). Where
 *    the deployments API is missing or refused (moto, older ECS, no IAM
 *    permission), the location stops asking for a while and the rollout is
 *    judged from the rolloutState (src/controller/rollout.ts).
 *
 * A service that is draining, or that another controller owns, is not read
 * further: nothing would be compared. A failed read ends the observation and
 * says which step failed.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { isServiceDraining, isServiceGone } from '../../diff/index.js';
import { isControllerTagValue, ownershipOf, type Ownership } from '../../plan/ownership.js';
import type { DesiredService } from '../../manifests/types.js';
import type { LiveServiceState } from '../../plan/types.js';
import type { LiveScaling } from '../../plan/scaling-types.js';
import { TAG_AUTOSCALING, tagsToMap } from '../../diff/tags.js';
import { applyImagePolicy, type FollowedDigests, type ImagePolicyResult } from '../image-policy.js';
import type { RegionAccess } from '../regions.js';
import { serviceDeploymentArnFor, type WatchedRollout } from '../rollout.js';
import { awsErrorCode, operationMissingReason } from '../../ecs/aws-error.js';
import type { EcsApi } from '../../ecs/ecs-api.js';

export interface ServiceObservation {
  /** The record DescribeServices returned, a DRAINING or INACTIVE one included; undefined when MISSING. */
  readonly described?: ECS.Service;
  /** What the diff and the planner compare: the service and its task definition, empty when the service is gone. */
  readonly live: LiveServiceState;
  /** The tags of the task definition the service runs (read with it, no extra call): its ecs-gitops/spec-hash says what it was registered for. */
  readonly taskDefinitionTags?: readonly ECS.Tag[];
  /** Whose the live service is (its ecs-gitops/managed-by tag); absent when it is gone. */
  readonly ownership?: Ownership;
  /** With ECR access: the manifest after `spec.sync.images` (digests pinned) and what the look-ups found. */
  readonly policy?: ImagePolicyResult;
  /** The cluster's default strategy, read when the manifest leaves launch type and strategy to it. */
  readonly strategy?: readonly ECS.CapacityProviderStrategyItem[];
  /** With auto scaling access and a live service: its scalable target, policies, scheduled actions and our alarms. */
  readonly scaling?: LiveScaling;
  /** The service carries this controller's ecs-gitops/autoscaling tag: its scalable target is Git's. */
  readonly scalingOwned?: boolean;
  /** The followed rollout's service deployment, read this pass (absent on the rolloutState path). */
  readonly serviceDeployment?: ECS.ServiceDeployment;
}

export type ObserveStep = 'live' | 'images' | 'strategy' | 'scaling' | 'rollout';

export type ServiceObserveResult =
  | { readonly complete: true; readonly observation: ServiceObservation }
  /** `observation` holds what was read before the failed step. */
  | { readonly complete: false; readonly step: ObserveStep; readonly error: unknown; readonly observation: ServiceObservation };

export interface ObserveOptions {
  /** Judge ownership for this controller, and stop after the live read when another controller owns the service. */
  readonly controllerId?: string;
  /** follow-tag: the digests this controller last deployed or saw, for this service. */
  readonly followed?: FollowedDigests;
  /** The rollout the reconciler follows: its service deployment is read. Never given for a service nobody follows. */
  readonly watched?: WatchedRollout;
  /** Clock time of the pass (ms): how long a location that refused the deployments API is left alone. */
  readonly now?: number;
  /** Where the one warning goes when a location has no deployments API. */
  readonly warn?: (fields: Record<string, unknown>, message: string) => void;
}

/** How long a location whose deployments API is missing or refused is not asked again. */
export const DEPLOYMENTS_API_RETRY_MS = 15 * 60_000;
/** Per location (its rate-limited ECS client): until when the deployments API is not asked. */
const deploymentsApiUnavailable = new WeakMap<EcsApi, number>();

/**
 * The deployments API is not there or not allowed: an operation ECS (or the
 * emulator) does not know, one it says it does not support, or IAM refusing
 * ecs:DescribeServiceDeployments. Any other failure (throttling, network) is
 * a failed read, retried like any other.
 */
export function deploymentsApiUnavailableError(error: unknown): boolean {
  return awsErrorCode(error) === 'AWS_ACCESS_DENIED' || operationMissingReason(error) !== undefined;
}

async function readServiceDeployment(
  region: RegionAccess, arn: string, signal: AbortSignal, options: ObserveOptions,
): Promise<ECS.ServiceDeployment | undefined> {
  const now = options.now ?? Date.now();
  const until = deploymentsApiUnavailable.get(region.ecs);
  if (until !== undefined && now < until) return undefined;
  try {
    // Batched with the other rollouts followed on the same poll tick (decide.ts, followPollDelay).
    const deployment = await region.reader.describeServiceDeployment(arn, signal);
    deploymentsApiUnavailable.delete(region.ecs);
    // Not found (failures[].reason MISSING): judged from the rolloutState this pass.
    return deployment;
  } catch (error) {
    if (!deploymentsApiUnavailableError(error)) throw error;
    if (until === undefined) {
      options.warn?.({ location: region.location, error: error instanceof Error ? error.message : String(error), retryInMinutes: DEPLOYMENTS_API_RETRY_MS / 60_000 },
        'the deployments API (DescribeServiceDeployments) is unavailable here: rollouts are judged from the rolloutState');
    }
    deploymentsApiUnavailable.set(region.ecs, now + DEPLOYMENTS_API_RETRY_MS);
    return undefined;
  }
}

/** True when the cluster's default strategy decides how the service's tasks are placed. */
export function usesClusterDefaultStrategy(desired: DesiredService): boolean {
  return !desired.manifest.spec.launchType && !desired.manifest.spec.capacityProviderStrategy;
}

export async function observeService(
  desired: DesiredService, region: RegionAccess, signal: AbortSignal, options: ObserveOptions = {},
): Promise<ServiceObserveResult> {
  // Filled in step by step (one object per pass: this runs for every service of every resync).
  const observation: { -readonly [K in keyof ServiceObservation]: ServiceObservation[K] } = { live: {} };
  try {
    const lookup = await region.reader.describeService(desired.cluster, desired.name, signal);
    if (lookup.service) observation.described = lookup.service;
    const service = isServiceGone(lookup.service) ? undefined : lookup.service;
    if (service) {
      const described = service.taskDefinition ? await region.reader.taskDefinition(service.taskDefinition, signal) : undefined;
      const taskDefinition = described?.taskDefinition;
      observation.live = taskDefinition ? { service, tags: service.tags ?? [], taskDefinition } : { service, tags: service.tags ?? [] };
      if (described && described.tags.length > 0) observation.taskDefinitionTags = described.tags;
      if (options.controllerId !== undefined) observation.ownership = ownershipOf(service.tags, options.controllerId);
    }
  } catch (error) {
    return { complete: false, step: 'live', error, observation };
  }
  if (isServiceDraining(observation.described)) return { complete: true, observation };
  if (observation.ownership?.kind === 'other') return { complete: true, observation };

  if (region.images) {
    try {
      observation.policy = await applyImagePolicy(desired, observation.live, region.images, options.followed, signal);
    } catch (error) {
      return { complete: false, step: 'images', error, observation };
    }
  }

  // Scaling is read for every service, declared or not, live or not: a target registered
  // outside Git owns the count (enforcing Git's desiredCount would fight it), and one left
  // behind by a deleted service of the same name must not be taken over by a new one.
  if (region.scaling) {
    try {
      observation.scaling = await region.scaling.reader.describe(desired.cluster, desired.name, signal);
      observation.scalingOwned = options.controllerId !== undefined && isControllerTagValue(tagsToMap(observation.live.tags)[TAG_AUTOSCALING], options.controllerId);
    } catch (error) {
      return { complete: false, step: 'scaling', error, observation };
    }
  }

  if (usesClusterDefaultStrategy(desired)) {
    try {
      observation.strategy = await region.clusterDefaultStrategy(desired.cluster, signal);
    } catch (error) {
      return { complete: false, step: 'strategy', error, observation };
    }
  }

  const arn = options.watched && observation.live.service ? serviceDeploymentArnFor(options.watched, observation.live.service) : undefined;
  if (arn !== undefined) {
    try {
      const deployment = await readServiceDeployment(region, arn, signal, options);
      if (deployment) observation.serviceDeployment = deployment;
    } catch (error) {
      return { complete: false, step: 'rollout', error, observation };
    }
  }
  return { complete: true, observation };
}
