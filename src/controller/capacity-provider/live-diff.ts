/**
 * Read-only comparison of declared `kind: CapacityProvider` manifests with
 * live ECS for `ecs-gitops diff`: each provider goes through the reconciler's
 * own observe step (readCapacityProvider) and decision (planCapacityProvider),
 * never a write, and the pointers the plan names become the field-level
 * Changes the diff renderers print.
 *
 * Ownership is what `sync` decides, not what differs: for a provider another
 * controller owns, or an untagged one nobody opted in, the fields are compared
 * as the plan would compare them once the provider were this controller's, and
 * the refusal `sync` would report comes along as `blocked` (as `diff` shows a
 * service's fields whatever its owner).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { capacityProviderDifferences } from '../../diff/capacity-provider-normalize.js';
import { MISSING_SERVICE_POINTER, serviceDiffStatus } from '../../diff/diff-service.js';
import { TAG_MANAGED_BY, tagsToMap, userTags } from '../../diff/tags.js';
import type { Change, ServiceDiffStatus } from '../../diff/types.js';
import type { EcsApi } from '../../ecs/ecs-api.js';
import type { ErrorCode } from '../../errors/index.js';
import type { DesiredCapacityProvider } from '../../manifests/types.js';
import { planCapacityProvider, type CapacityProviderPlan } from '../../plan/plan-capacity-provider.js';
import { locationOf } from '../../keys/index.js';
import { readCapacityProvider } from './reconciler.js';

/** One provider's comparison, in the shape the diff renderers take (ServiceDiffResult), plus why `sync` would refuse it. */
export interface CapacityProviderDiffResult {
  /** `capacity-provider:region/name` */
  readonly key: string;
  readonly changes: readonly Change[];
  readonly status: ServiceDiffStatus;
  /** Set when `sync` would not apply it: another controller owns it, nobody opted it in, or its group differs. */
  readonly blocked?: { readonly code: ErrorCode; readonly message: string };
}

export interface CapacityProviderDiffOptions {
  /** ECS per location (`[account@]region`, src/keys). */
  readonly ecs: (location: string) => EcsApi;
  readonly controllerId: string;
  readonly signal: AbortSignal;
}

const OWNERSHIP_BLOCKS: ReadonlySet<string> = new Set(['DIFF_OWNED_BY_OTHER_CONTROLLER', 'DIFF_ADOPTION_NOT_ALLOWED']);

/** The live provider as if this controller owned it: only the ownership tag differs. */
function ownedBy(live: ECS.CapacityProvider, controllerId: string): ECS.CapacityProvider {
  return { ...live, tags: [...(live.tags ?? []).filter((t) => t.key !== TAG_MANAGED_BY), { key: TAG_MANAGED_BY, value: controllerId }] };
}

/** The plan's pointers (relative to `spec`) as Changes with the manifest's and live's values. */
function changesOf(plan: CapacityProviderPlan, desired: DesiredCapacityProvider, live: ECS.CapacityProvider | undefined): Change[] {
  const spec = desired.manifest.spec;
  if (!live) {
    return plan.changes.includes('') ? [{ pointer: MISSING_SERVICE_POINTER, desired: spec, live: undefined, kind: 'added', scope: 'capacityProvider' }] : [];
  }
  const fields = new Map(capacityProviderDifferences(spec, live).map((d) => [d.pointer, d]));
  return plan.changes.map((pointer): Change => {
    const at = `/spec${pointer}`;
    if (pointer === '/autoScalingGroupProvider/autoScalingGroupArn') {
      return {
        pointer: at, desired: spec.autoScalingGroupProvider?.autoScalingGroupArn, live: live.autoScalingGroupProvider?.autoScalingGroupArn,
        kind: 'changed', scope: 'replacement',
      };
    }
    if (pointer === '/tags') {
      const liveTags = userTags(tagsToMap(live.tags));
      return { pointer: at, desired: spec.tags ?? {}, live: liveTags, kind: Object.keys(liveTags).length === 0 ? 'added' : 'changed', scope: 'capacityProvider' };
    }
    const field = fields.get(pointer);
    return { pointer: at, desired: field?.desired, live: field?.live, kind: field?.live === undefined ? 'added' : 'changed', scope: 'capacityProvider' };
  });
}

export async function diffCapacityProvidersAgainstLive(
  providers: readonly DesiredCapacityProvider[], options: CapacityProviderDiffOptions,
): Promise<CapacityProviderDiffResult[]> {
  const sorted = [...providers].sort((a, b) => a.key.localeCompare(b.key));
  const lives = await Promise.all(sorted.map((p) => readCapacityProvider(options.ecs(locationOf(p)), p.name, options.signal)));
  return sorted.map((desired, i) => {
    const live = lives[i];
    // The revision only stamps tags on a write; a comparison never writes.
    const plan = planCapacityProvider({ desired, live, controllerId: options.controllerId, revision: '' });
    const compared = live && plan.blocked && OWNERSHIP_BLOCKS.has(plan.blocked.code)
      ? planCapacityProvider({ desired, live: ownedBy(live, options.controllerId), controllerId: options.controllerId, revision: '' })
      : plan;
    const changes = changesOf(compared, desired, live);
    const blocked = plan.blocked ?? compared.blocked;
    return {
      key: desired.key, changes, status: serviceDiffStatus(changes),
      ...(blocked ? { blocked: { code: blocked.code, message: blocked.message } } : {}),
    };
  });
}
