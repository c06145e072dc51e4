/**
 * Decide, for one service's auto scaling: who owns the count, what differs
 * from `spec.autoScaling`, what to apply, and the status to show. Pure (the
 * time and every read are inputs). It runs in the Service reconciler's pass,
 * after the service itself was decided and applied, so the scalable target is
 * registered once the service exists and before the pass reports it Healthy,
 * and the status record is still written once per pass.
 *
 * Ownership (docs/autoscaling.md): the service's ecs-gitops/autoscaling tag
 * says this controller registered the target; a target without it is
 * external and never touched.
 */
import type { ScalingActivity } from '@aws-sdk/client-application-auto-scaling';
import { diffScaling } from '../../diff/diff-scaling.js';
import type { Change } from '../../diff/index.js';
import type { ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import { ignoredPointers } from '../../diff/diff-service.js';
import type { AutoScalingSpec, DesiredService, SyncMode } from '../../manifests/types.js';
import { planScaling } from '../../plan/plan-scaling.js';
import type { LiveScaling, ScalingAction } from '../../plan/scaling-types.js';
import type { AutoScalingStatus, StatusError } from '../status.js';

export interface ScalingDecisionInput {
  readonly desired: DesiredService;
  /** Undefined: the service does not exist live (nothing to scale yet). */
  readonly live: LiveScaling | undefined;
  /** The service carries this controller's ecs-gitops/autoscaling tag. */
  readonly owned: boolean;
  /**
   * The service itself is being adopted in this pass (a person opted it in:
   * docs/controller.md, "Adoption"): a target registered for it outside Git
   * comes with it when the manifest declares autoScaling.
   */
  readonly adopting?: boolean;
  /** The service exists once this pass's own changes are applied (created now, or already there). */
  readonly serviceExists: boolean;
  /** The live service's desiredCount, the autoscaler's when it scales. */
  readonly liveDesiredCount?: number;
  readonly mode: SyncMode;
  readonly controllerId: string;
  readonly now: number;
}

/** The ecs-gitops/autoscaling tag on the service: claimed before the first registration, released after deregistration. */
export type ScalingClaim = 'claim' | 'release';

export interface ScalingDecision {
  /** Differences between `spec.autoScaling` and live (pointers under /spec/autoScaling). */
  readonly changes: readonly Change[];
  /** What to apply (auto mode, service exists, target ours or none); empty otherwise. */
  readonly actions: readonly ScalingAction[];
  readonly claim?: ScalingClaim;
  /** Why the manifest's scaling is not applied (a target registered outside Git). */
  readonly blocked?: StatusError;
  /** The status as read (before acting); `settleScaling` finishes it. */
  readonly status?: AutoScalingStatus;
  /** The block the actions bring live: the manifest's, with ignored fields kept at their live values. */
  readonly spec?: AutoScalingSpec;
}

const NOTE_GIT = 'desiredCount belongs to the autoscaler (spec.autoScaling): Git\'s desiredCount only started the service, and the controller never sends it again';
const NOTE_PENDING = 'spec.autoScaling is not registered yet: the scalable target is registered once the service exists';

function externalNote(declared: boolean): string {
  return declared
    ? 'a scalable target registered outside Git (not by this controller) scales this service: spec.autoScaling is not applied; deregister that target or remove autoScaling from the manifest'
    : 'desiredCount is not enforced: a scalable target registered outside Git (not by this controller) scales this service';
}

/**
 * `spec.autoScaling` with the fields `sync.ignoreDifferences` names replaced
 * by the live target's (validate allows only the target's own fields there),
 * so an ignored field is neither reported nor sent; `/autoScaling` itself
 * leaves the whole block as it is live (undefined: nothing to compare).
 */
export function effectiveScalingSpec(desired: DesiredService, target: ScalableTarget | undefined): AutoScalingSpec | undefined | 'ignored' {
  const spec = desired.manifest.spec.autoScaling;
  const ignored = ignoredPointers(desired.manifest).filter((p) => p === '/spec/autoScaling' || p.startsWith('/spec/autoScaling/'));
  if (!spec || ignored.length === 0) return spec;
  if (ignored.includes('/spec/autoScaling')) return 'ignored';
  if (!target) return spec;
  const out: { -readonly [K in keyof AutoScalingSpec]: AutoScalingSpec[K] } = { ...spec };
  if (ignored.includes('/spec/autoScaling/minCapacity') && target.MinCapacity !== undefined) out.minCapacity = target.MinCapacity;
  if (ignored.includes('/spec/autoScaling/maxCapacity') && target.MaxCapacity !== undefined) out.maxCapacity = target.MaxCapacity;
  const live = target.SuspendedState ?? {};
  const flags = [['dynamicScalingInSuspended', live.DynamicScalingInSuspended], ['dynamicScalingOutSuspended', live.DynamicScalingOutSuspended],
    ['scheduledScalingSuspended', live.ScheduledScalingSuspended]] as const;
  const suspended: Record<string, boolean | undefined> = { ...spec.suspendedState };
  for (const [flag, value] of flags) {
    if (ignored.includes('/spec/autoScaling/suspendedState') || ignored.includes(`/spec/autoScaling/suspendedState/${flag}`)) suspended[flag] = value ?? false;
  }
  if (ignored.some((p) => p.startsWith('/spec/autoScaling/suspendedState'))) out.suspendedState = suspended;
  return out;
}

export function decideScaling(input: ScalingDecisionInput): ScalingDecision {
  const { live } = input;
  const target = live?.target;
  const effective = effectiveScalingSpec(input.desired, target);
  if (effective === 'ignored') {
    // Left as it is live: shown, never compared or written.
    return { changes: [], actions: [], ...(target ? { status: liveStatus(live, input.owned ? 'git' : 'external', true, input.liveDesiredCount, 'spec.sync.ignoreDifferences names /autoScaling: the live scaling is left as it is') } : {}) };
  }
  const desired = effective === input.desired.manifest.spec.autoScaling
    ? input.desired
    : { ...input.desired, manifest: { ...input.desired.manifest, spec: { ...input.desired.manifest.spec, autoScaling: effective } } };
  const spec = effective;
  const owned = input.owned || (input.adopting === true && spec !== undefined && target !== undefined);
  if (!input.serviceExists) return { changes: [], actions: [] };
  if (target && !owned) {
    const status = liveStatus(live, 'external', true, input.liveDesiredCount, externalNote(spec !== undefined));
    if (!spec) return { changes: [], actions: [], status };
    const changes = diffScaling(spec, live, { owned: false });
    const message = `${desired.key} (${desired.source.file}): ${externalNote(true)}`;
    return { changes, actions: [], status, blocked: { code: 'DIFF_SCALING_TARGET_NOT_OWNED', message, at: new Date(input.now).toISOString() } };
  }
  // Our claim outlived our target (deregistered by hand, or the untag after deregistering failed):
  // release it, or a target someone registers later would look like ours.
  if (!spec && input.owned && !target) return { changes: [], actions: [], claim: 'release' };
  if (!spec && !(owned && target)) return { changes: [], actions: [] };

  const changes = live === undefined ? diffScaling(spec, undefined, { owned }) : diffScaling(spec, live, { owned });
  const status = spec
    ? liveStatus(live, 'git', target !== undefined, input.liveDesiredCount, target ? NOTE_GIT : NOTE_PENDING)
    : undefined;
  const claim: ScalingClaim | undefined = spec && !input.owned ? 'claim' : !spec && owned ? 'release' : undefined;
  if ((changes.length === 0 && !claim) || input.mode === 'detect') return { changes, actions: [], ...(status ? { status } : {}) };

  const plan = planScaling({
    cluster: desired.cluster, service: desired.name, desired: spec, live, owned, external: false, controllerId: input.controllerId,
  });
  if (plan.blocked) {
    return { changes, actions: [], ...(status ? { status } : {}), blocked: { ...plan.blocked, at: new Date(input.now).toISOString() } };
  }
  return { spec, changes, actions: plan.actions, ...(claim ? { claim } : {}), ...(status ? { status } : {}) };
}

/** The status once the decision's actions ran: what Git declares is now live. */
export function appliedScalingStatus(decision: ScalingDecision, desired: DesiredService, previous?: AutoScalingStatus): AutoScalingStatus | undefined {
  const spec = decision.spec ?? desired.manifest.spec.autoScaling;
  if (!spec) return undefined;
  const before = decision.status;
  const lastActivity = before?.lastActivity ?? previous?.lastActivity;
  return {
    managedBy: 'git', registered: true,
    minCapacity: spec.minCapacity, maxCapacity: spec.maxCapacity,
    ...(before?.desiredCount !== undefined ? { desiredCount: before.desiredCount } : {}),
    policies: [...(spec.targetTracking ?? []), ...(spec.stepScaling ?? [])].map((p) => p.name).sort(),
    scheduledActions: (spec.scheduled ?? []).map((s) => s.name).sort(),
    ...(lastActivity ? { lastActivity } : {}),
    note: NOTE_GIT,
  };
}

/** The latest activity as status shows it. */
export function activityStatus(activity: ScalingActivity | undefined): AutoScalingStatus['lastActivity'] {
  if (!activity?.StartTime || activity.Description === undefined) return undefined;
  return {
    at: new Date(activity.StartTime).toISOString(),
    description: activity.Description,
    ...(activity.Cause !== undefined ? { cause: activity.Cause } : {}),
    ...(activity.StatusCode !== undefined ? { statusCode: activity.StatusCode } : {}),
  };
}

/**
 * Whether the pass should read the latest activity: only when the count moved
 * since the last pass (one call per scaling event, never one per service per
 * resync; a controller that just started shows none until the count moves).
 */
export function needsActivity(status: AutoScalingStatus | undefined, previous: AutoScalingStatus | undefined): boolean {
  if (!status?.registered || previous === undefined) return false;
  return previous.desiredCount !== status.desiredCount;
}

function liveStatus(live: LiveScaling | undefined, managedBy: AutoScalingStatus['managedBy'], registered: boolean, desiredCount: number | undefined, note: string): AutoScalingStatus {
  const target = live?.target;
  return {
    managedBy, registered,
    ...(target?.MinCapacity !== undefined ? { minCapacity: target.MinCapacity } : {}),
    ...(target?.MaxCapacity !== undefined ? { maxCapacity: target.MaxCapacity } : {}),
    ...(desiredCount !== undefined ? { desiredCount } : {}),
    ...(live ? {
      policies: live.policies.flatMap((p) => (p.PolicyName ? [p.PolicyName] : [])).sort(),
      scheduledActions: live.scheduledActions.flatMap((s) => (s.ScheduledActionName ? [s.ScheduledActionName] : [])).sort(),
    } : {}),
    note,
  };
}
