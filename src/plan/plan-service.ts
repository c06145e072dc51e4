/**
 * planService: the ECS calls that bring one service to its manifest, from the
 * changes diffService found. Pure policy: refuses replacements, services
 * another controller owns and untagged services nobody opted in for adoption, registers a task definition only when its content
 * changed (reusing a revision with the same spec hash), and sends UpdateService
 * only the fields that differ.
 */
import type { CreateServiceRequest, Tag, UpdateServiceRequest } from '@aws-sdk/client-ecs';
import { isServiceGone } from '../diff/diff-service.js';
import { pointerTokens, pointerWithin } from '../diff/json-pointer.js';
import { normalizeService } from '../diff/service-normalize.js';
import { TAG_AUTOSCALING, TAG_MANAGED_BY, TAG_REVISION, TAG_SOURCE, tagsToList, tagsToMap, userTags } from '../diff/tags.js';
import type { Change } from '../diff/types.js';
import type { DiffOptions } from '../diff/types.js';
import type { DIFF_ERROR_CODES } from '../errors/diff-codes.js';
import { adoptionRefusal, ownershipOf } from './ownership.js';
import { buildTaskDefinitionRegistration, tagValue } from './task-definition-input.js';
import { REGISTERED_TASK_DEFINITION, type Action, type Plan, type PlanServiceInput } from './types.js';

/** Manifest `spec` keys that are not CreateService fields. */
const NOT_SERVICE_FIELDS = new Set(['taskDefinition', 'tags', 'sync', 'autoScaling']);

export function planService(input: PlanServiceInput, options: Pick<DiffOptions, 'clusterDefaultCapacityProviderStrategy'> = {}): Plan {
  const { desired, live, changes, controllerId, revision } = input;
  const spec = desired.manifest.spec;

  const replacements = changes.filter((c) => c.scope === 'replacement');
  if (replacements.length > 0) {
    const fields = replacements.map((c) => `${c.pointer} (live ${show(c.live)}, manifest ${show(c.desired)})`).join(', ');
    return blocked(
      'DIFF_REQUIRES_REPLACEMENT',
      `${desired.key} (${desired.source.file}): ${fields} cannot be changed on an existing service; ` +
        'create the service under a new name or revert the manifest (the controller never deletes and re-creates a service)',
    );
  }

  const gone = isServiceGone(live.service);
  const liveTags = tagsToMap(live.tags ?? live.service?.tags);
  const ownership = ownershipOf(liveTags, controllerId);
  if (!gone && ownership.kind === 'other') {
    return blocked(
      'DIFF_OWNED_BY_OTHER_CONTROLLER',
      `${desired.key} (${desired.source.file}): the live service is managed by controller "${ownership.owner}", not "${controllerId}"; leaving it alone`,
    );
  }
  if (!gone && ownership.kind === 'unowned') {
    const refusal = adoptionRefusal(liveTags, controllerId, { name: desired.cluster, arn: live.service?.clusterArn }, input.adoption,
      `${desired.key} (${desired.source.file}): the live service`);
    if (refusal !== undefined) return blocked('DIFF_ADOPTION_NOT_ALLOWED', refusal);
  }

  const stamp = { controllerId, revision, sourceFile: desired.source.file };
  const controllerTags: Tag[] = [
    { key: TAG_MANAGED_BY, value: tagValue(controllerId) },
    { key: TAG_SOURCE, value: tagValue(desired.source.file) },
    { key: TAG_REVISION, value: tagValue(revision) },
  ];
  const actions: Action[] = [];
  const needsTaskDefinition = gone || changes.some((c) => c.scope === 'taskDefinition');
  let taskDefinitionArn: string | undefined;
  if (needsTaskDefinition) {
    if (input.existingRevisionForHash !== undefined) {
      taskDefinitionArn = input.existingRevisionForHash;
    } else {
      const registration = buildTaskDefinitionRegistration(desired.manifest, live.taskDefinition, stamp);
      actions.push({ kind: 'registerTaskDefinition', input: registration.input, specHash: registration.specHash });
      taskDefinitionArn = REGISTERED_TASK_DEFINITION;
    }
  }

  if (gone) {
    const create: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(spec)) if (!NOT_SERVICE_FIELDS.has(field)) create[field] = value;
    const daemon = spec.schedulingStrategy === 'DAEMON';
    // Without a desiredCount in the manifest, autoscaling owns the count: start with 1, never touch it again.
    if (!daemon) create.desiredCount = spec.desiredCount ?? 1;
    actions.push({
      kind: 'createService',
      input: {
        ...(create as Partial<CreateServiceRequest>),
        cluster: desired.cluster,
        serviceName: desired.name,
        taskDefinition: taskDefinitionArn,
        // Declared scaling is claimed with the service, so the target registered right after is ours from the start.
        tags: [
          ...tagsToList(userTags({ ...spec.tags })), ...controllerTags,
          ...(spec.autoScaling && !input.scalingTargetExists ? [{ key: TAG_AUTOSCALING, value: tagValue(controllerId) }] : []),
        ],
      },
    });
    return { actions };
  }

  const update: Record<string, unknown> = {};
  const canonical = normalizeService(spec, options) as Record<string, unknown>;
  for (const change of changes) {
    if (change.scope !== 'service' || pointerWithin(change.pointer, '/spec/tags')) continue;
    const field = pointerTokens(change.pointer)[1];
    if (field === undefined) continue;
    // A list written as [] in the manifest is cleared with [] (canonical forms drop empty lists).
    // desiredCount changes only reach here when Git owns the count (diff-service.ts ignores it otherwise).
    update[field] = field === 'desiredCount' ? spec.desiredCount : (canonical[field] ?? (change.kind === 'removed' ? [] : undefined));
  }
  // A new capacity provider strategy alone does not start a deployment.
  if ('capacityProviderStrategy' in update) update.forceNewDeployment = true;
  if (taskDefinitionArn !== undefined) update.taskDefinition = taskDefinitionArn;
  if (Object.keys(update).length > 0) {
    actions.push({
      kind: 'updateService',
      input: { ...(update as Partial<UpdateServiceRequest>), cluster: desired.cluster, service: desired.name },
    });
  }

  const serviceArn = live.service?.serviceArn ?? desired.name;
  const tagChanges = changes.filter((c) => pointerWithin(c.pointer, '/spec/tags') && c.pointer !== '/spec/tags');
  const setTags: Tag[] = tagChanges
    .filter((c) => c.kind !== 'removed' && typeof c.desired === 'string')
    .map((c) => ({ key: tagKey(c), value: c.desired as string }));
  const removeKeys = tagChanges.filter((c) => c.kind === 'removed').map(tagKey);
  // Ownership and source are kept true always; the revision tag moves only when something else is applied.
  const ownershipStale = ownership.kind !== 'ours' || liveTags[TAG_SOURCE] !== tagValue(desired.source.file);
  if (actions.length > 0 || setTags.length > 0 || removeKeys.length > 0 || ownershipStale) {
    const tagAction: Action = { kind: 'tagResource', resourceArn: serviceArn, tags: [...setTags, ...controllerTags] };
    // Adopting a service: claim it before changing it, because the least-privilege
    // IAM policy lets UpdateService touch only services tagged as ours.
    const updateAt = actions.findIndex((a) => a.kind === 'updateService');
    if (ownership.kind === 'unowned' && updateAt >= 0) actions.splice(updateAt, 0, tagAction);
    else actions.push(tagAction);
  }
  if (removeKeys.length > 0) actions.push({ kind: 'untagResource', resourceArn: serviceArn, tagKeys: removeKeys });
  return { actions };
}

/** A create/update action with REGISTERED_TASK_DEFINITION replaced by the ARN RegisterTaskDefinition returned. */
export function withRegisteredTaskDefinition<A extends Action>(action: A, arn: string): A {
  if ((action.kind === 'createService' || action.kind === 'updateService') && action.input.taskDefinition === REGISTERED_TASK_DEFINITION) {
    return { ...action, input: { ...action.input, taskDefinition: arn } };
  }
  return action;
}

function tagKey(change: Change): string {
  return pointerTokens(change.pointer)[2] ?? '';
}

function blocked(code: keyof typeof DIFF_ERROR_CODES, message: string): Plan {
  return { actions: [], blocked: { code, message } };
}

function show(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
