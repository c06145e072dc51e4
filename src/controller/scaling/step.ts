/**
 * The auto scaling step of a Service pass: decide (decide.ts, pure), claim the
 * target on the service (tag) before registering, apply through the scaling
 * applier, read the latest activity when the count moved, and fold the result
 * into the service's decision, so the pass still writes one status record:
 * scaling differences join `diff` (pointers under /spec/autoScaling), scaling
 * failures are the pass's error, and `autoScaling` in status says who owns
 * the count and why Git's desiredCount is not what runs.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { isServiceGone, maskChanges, type Change, type MaskOptions } from '../../diff/index.js';
import { TAG_AUTOSCALING, TAG_MANAGED_BY } from '../../diff/tags.js';
import type { DesiredService } from '../../manifests/types.js';
import type { LiveScaling } from '../../plan/scaling-types.js';
import { tagValue } from '../../plan/task-definition-input.js';
import type { Action, ActionKind } from '../../plan/types.js';
import { errorCodeOf, errorMessage } from '../errors.js';
import type { RegionAccess } from '../regions.js';
import type { AutoScalingStatus, ServiceStatus, StatusChange, StatusError } from '../status.js';
import type { ServiceDecision } from '../service/decide.js';
import type { ServiceObserveResult } from '../service/observe.js';
import { activityStatus, appliedScalingStatus, decideScaling, needsActivity, type ScalingDecision } from './decide.js';

export interface ScalingStepInput {
  readonly desired: DesiredService;
  /** The service's decision, settled when it acted. */
  readonly decision: ServiceDecision;
  readonly observed: ServiceObserveResult;
  /** The service CreateService/UpdateService returned this pass, if it acted. */
  readonly created: ECS.Service | undefined;
  readonly region: RegionAccess;
  readonly signal: AbortSignal;
  readonly status: ServiceStatus | undefined;
  readonly controllerId: string;
  readonly revision: string;
  readonly now: number;
  readonly mask: MaskOptions;
}

const EMPTY_SCALING: LiveScaling = Object.freeze({ policies: [], scheduledActions: [], alarms: [] });

export async function reconcileScaling(input: ScalingStepInput): Promise<ServiceDecision> {
  const { desired, decision, observed, region } = input;
  const declared = desired.manifest.spec.autoScaling !== undefined;
  const at = new Date(input.now).toISOString();
  // Nothing was compared (a failed read, another controller's service, a refused adoption): neither is scaling.
  if (!observed.complete || decision.patch.sync === 'Unknown') return decision;
  if (!region.scaling) {
    if (!declared) return decision;
    const error: StatusError = {
      code: 'CONTROLLER_SCALING_UNAVAILABLE', at,
      message: `${desired.key} (${desired.source.file}) declares spec.autoScaling, but this controller was started without Application Auto Scaling access`,
    };
    return failed(decision, error, [], input.mask, false);
  }
  const observedService = observed.observation.live.service;
  const liveService = observedService && !isServiceGone(observedService) ? observedService : undefined;
  const service = input.created ?? liveService;
  if (!service) return withScalingStatus(decision, undefined, input.status);

  const leftBehind = liveService ? undefined : observed.observation.scaling?.target;
  const scaling = decideScaling({
    desired,
    // Created this pass: nothing of ours is registered for it yet; a target already there (left behind by a
    // deleted service of the same name, or another tool's) was not claimed at CreateService and is not ours.
    live: liveService || leftBehind ? (observed.observation.scaling ?? EMPTY_SCALING) : EMPTY_SCALING,
    owned: liveService ? observed.observation.scalingOwned === true : declared && leftBehind === undefined,
    // Reaching here with an untagged service means its adoption was allowed (decide.ts refuses it otherwise).
    adopting: liveService !== undefined && observed.observation.ownership?.kind === 'unowned',
    serviceExists: true,
    ...(service.desiredCount !== undefined ? { liveDesiredCount: service.desiredCount } : {}),
    mode: decision.mode, controllerId: input.controllerId, now: input.now,
  });

  if (scaling.blocked) return failed(withScalingStatus(decision, scaling.status, input.status), scaling.blocked, scaling.changes, input.mask, false);
  if (scaling.actions.length === 0 && !scaling.claim) {
    const status = await withActivity(scaling.status, input);
    return withScalingStatus(outOfSyncWith(decision, scaling.changes, input.mask), status, input.status);
  }

  const performed: ActionKind[] = [];
  try {
    if (scaling.claim === 'claim' && liveService?.serviceArn) {
      // An adopted target registered outside Git gets our ownership tag first (the IAM policy's conditions
      // read it): were the service claimed first and this failed, later passes could not write to it.
      const adoptedArn = observed.observation.scaling?.target?.ScalableTargetARN;
      if (adoptedArn) await region.scaling.tagTarget(adoptedArn, { [TAG_MANAGED_BY]: tagValue(input.controllerId) }, input.signal);
      performed.push(...(await claimTag(region, liveService.serviceArn, input.controllerId, input.signal)));
    }
    const outcome = scaling.actions.length > 0
      ? await region.scaling.applier.apply(desired.cluster, desired.name, scaling.actions, input.signal)
      : { performed: [] };
    if (scaling.claim === 'release' && liveService?.serviceArn) {
      performed.push(...(await region.applier.apply([{ kind: 'untagResource', resourceArn: liveService.serviceArn, tagKeys: [TAG_AUTOSCALING] }], input.signal)).performed);
    }
    const applied = [...(decision.applied ?? []), ...performed, ...outcome.performed];
    const status = appliedScalingStatus(scaling, desired, input.status?.autoScaling);
    // Claiming the target alone (an adoption) corrects no drift.
    const next = scaling.changes.length > 0 ? corrected(decision, applied, input.revision) : { ...decision, applied };
    return withScalingStatus(next, status, input.status);
  } catch (error) {
    const failure: StatusError = { code: errorCodeOf(error, 'CONTROLLER_APPLY_FAILED'), message: errorMessage(error), at };
    return failed(withScalingStatus(decision, scaling.status, input.status), failure, scaling.changes, input.mask, true);
  } finally {
    if (scaling.claim && liveService) region.reader.invalidateService(desired.cluster, desired.name);
  }
}

async function claimTag(region: RegionAccess, serviceArn: string, controllerId: string, signal: AbortSignal): Promise<readonly ActionKind[]> {
  const action: Action = { kind: 'tagResource', resourceArn: serviceArn, tags: [{ key: TAG_AUTOSCALING, value: tagValue(controllerId) }] };
  return (await region.applier.apply([action], signal)).performed;
}

/** The status with the latest activity, read only when the count moved since the status last showed one. */
async function withActivity(status: AutoScalingStatus | undefined, input: ScalingStepInput): Promise<AutoScalingStatus | undefined> {
  const previous = input.status?.autoScaling;
  if (!status) return undefined;
  if (!needsActivity(status, previous)) return previous?.lastActivity ? { ...status, lastActivity: previous.lastActivity } : status;
  try {
    // The count moved since the last pass: a cached answer would predate that move.
    const activities = await input.region.scaling?.reader.recentActivities(input.desired.cluster, input.desired.name, input.signal, { fresh: true });
    const last = activityStatus(activities?.[0]);
    return last ? { ...status, lastActivity: last } : status;
  } catch {
    // Status detail only: a failed read keeps what was shown before.
    return previous?.lastActivity ? { ...status, lastActivity: previous.lastActivity } : status;
  }
}

function toStatusChanges(changes: readonly Change[], mask: MaskOptions): StatusChange[] {
  return maskChanges(changes, mask).map((c) => ({ pointer: c.pointer, kind: c.kind, scope: c.scope, desired: c.desired, live: c.live }));
}

function withScalingStatus(decision: ServiceDecision, status: AutoScalingStatus | undefined, previous: ServiceStatus | undefined): ServiceDecision {
  if (status === undefined && previous?.autoScaling === undefined) return decision;
  return { ...decision, patch: { ...decision.patch, autoScaling: status } };
}

/** Scaling differences not applied (detect mode): OutOfSync with them, whatever the service itself showed. */
function outOfSyncWith(decision: ServiceDecision, changes: readonly Change[], mask: MaskOptions): ServiceDecision {
  if (changes.length === 0) return decision;
  return { ...decision, patch: { ...decision.patch, sync: 'OutOfSync', diff: [...(decision.patch.diff ?? []), ...toStatusChanges(changes, mask)] } };
}

/** Applied: the pass found drift (observedSync) and left the scaling as Git says. */
function corrected(decision: ServiceDecision, applied: NonNullable<ServiceDecision['applied']>, revision: string): ServiceDecision {
  const serviceFailed = decision.result === 'error';
  return {
    ...decision,
    applied,
    observedSync: decision.observedSync ?? 'OutOfSync',
    patch: {
      ...decision.patch,
      lastAttemptedRevision: revision,
      // A rollout being followed says when the revision is applied (its pass sets lastAppliedRevision).
      ...(serviceFailed ? {} : decision.patch.health === 'Progressing' && decision.result === 'requeue'
        ? { lastApplySucceeded: decision.patch.lastApplySucceeded ?? true }
        : { lastApplySucceeded: decision.patch.lastApplySucceeded ?? true, lastAppliedRevision: revision }),
    },
  };
}

function failed(decision: ServiceDecision, error: StatusError, changes: readonly Change[], mask: MaskOptions, retry: boolean): ServiceDecision {
  const outOfSync = outOfSyncWith(decision, changes, mask);
  return {
    ...outOfSync, result: 'error', error, ...(retry ? { retry: true } : {}),
    patch: { ...outOfSync.patch, lastApplySucceeded: false, lastError: error },
  };
}

export type { ScalingDecision };
