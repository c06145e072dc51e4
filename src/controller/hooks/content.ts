/**
 * What identifies a deploy hook's run, and when a pass deploys. Pure.
 *
 * A hook runs once per distinct content: its RunTask `startedBy` is
 * `ecs-gitops/hook/<name>/<hash16>`, hash16 the first 16 hex of sha256 over
 * the canonical JSON of {service identity, the desired manifest's
 * contentHash, spec hash of the task definition the hook runs, the hook's own
 * fields}. The same content (a resync, a restart, a drift correction
 * re-pointing the service at the same revision) finds the task it started
 * before instead of starting another; any commit that changes the service's
 * manifest is new content and runs its hooks again (a held failure retries).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../manifests/canonical-json.js';
import type { DeployHookSpec, DesiredService } from '../../manifests/types.js';
import type { TaskPlacement } from '../../tasks/index.js';
import { REGISTERED_TASK_DEFINITION, type Plan } from '../../plan/types.js';

export const HOOK_STARTED_BY_PREFIX = 'ecs-gitops/hook/';
/** spec.hooks[].timeout when absent (seconds). */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 600;

export function hookStartedBy(serviceIdentity: string, contentHash: string, taskDefinitionSpecHash: string, hook: DeployHookSpec): string {
  const hash = createHash('sha256').update(canonicalJson({ service: serviceIdentity, content: contentHash, taskDefinition: taskDefinitionSpecHash, hook })).digest('hex');
  return `${HOOK_STARTED_BY_PREFIX}${hook.name}/${hash.slice(0, 16)}`;
}

export function hookTimeoutSeconds(hook: DeployHookSpec): number {
  return hook.timeout ?? DEFAULT_HOOK_TIMEOUT_SECONDS;
}

/**
 * The revision a plan deploys, when it deploys one: `registered` when it
 * registers (or reuses by spec hash) a task definition for the service, the
 * ARN when it points the service at another existing revision, undefined when
 * the service keeps its revision (tags, counts, other fields).
 */
export function deployedRevision(plan: Plan, liveTaskDefinitionArn: string | undefined): 'registered' | { readonly arn: string } | undefined {
  for (const action of plan.actions) {
    if (action.kind === 'registerTaskDefinition') return 'registered';
    if (action.kind === 'createService' || action.kind === 'updateService') {
      const td = action.input.taskDefinition;
      if (td === REGISTERED_TASK_DEFINITION) return 'registered';
      if (td !== undefined && td !== liveTaskDefinitionArn) return { arn: td };
    }
  }
  return undefined;
}

/** Where a hook's task runs: the service's placement as the manifest declares it, with the hook's own fields winning. */
export function servicePlacement(desired: DesiredService): TaskPlacement {
  const spec = desired.manifest.spec;
  return {
    cluster: desired.cluster,
    ...(spec.networkConfiguration ? { networkConfiguration: spec.networkConfiguration } : {}),
    ...(spec.launchType ? { launchType: spec.launchType } : {}),
    ...(spec.capacityProviderStrategy ? { capacityProviderStrategy: spec.capacityProviderStrategy } : {}),
    ...(spec.platformVersion ? { platformVersion: spec.platformVersion } : {}),
  };
}

export function hookPlacementFields(hook: DeployHookSpec): Omit<TaskPlacement, 'cluster'> {
  return {
    ...(hook.networkConfiguration ? { networkConfiguration: hook.networkConfiguration } : {}),
    ...(hook.launchType ? { launchType: hook.launchType } : {}),
    ...(hook.capacityProviderStrategy ? { capacityProviderStrategy: hook.capacityProviderStrategy } : {}),
    ...(hook.platformVersion ? { platformVersion: hook.platformVersion } : {}),
  };
}
