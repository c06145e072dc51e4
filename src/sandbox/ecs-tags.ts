/** ECS tagging operations on clusters, services and task definitions, addressed by ARN. */
import { SandboxApiError, invalidParameter } from './api-error.js';
import { parseArn } from './arn.js';
import { capacityProviderExists } from './ecs-capacity-providers.js';
import { resolveTaskDefinition } from './ecs-task-definitions.js';
import { optString, optStringArray, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import type { RegionState } from './state.js';
import { addTags, parseTags, tagList } from './tags.js';

const notFound = (): SandboxApiError => new SandboxApiError('ResourceNotFoundException', 'The specified resource could not be found.');

/** Throws unless `arn` names an existing cluster, service, task definition, task or capacity provider of this account and Region. */
function requireResource(state: RegionState, arn: string | undefined): string {
  if (!arn) throw invalidParameter('resourceArn can not be blank.');
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'ecs') throw invalidParameter(`Invalid identifier: Unexpected number of separators: ${arn}`);
  if (parsed.account !== state.account || parsed.region !== state.region) throw notFound();
  const [kind, ...rest] = parsed.resource.split('/');
  let exists = false;
  if (kind === 'cluster') exists = state.clusters.get(rest.join('/'))?.status === 'ACTIVE';
  else if (kind === 'service' && rest.length === 2) {
    const svc = state.clusters.get(rest[0] as string)?.services.get(rest[1] as string);
    exists = svc !== undefined && svc.status !== 'INACTIVE';
  } else if (kind === 'task-definition') exists = resolveTaskDefinition(state, arn) !== undefined && /:\d+$/.test(arn);
  else if (kind === 'task') exists = state.taskIndex.has(arn) || state.standaloneTaskIndex.has(arn);
  else if (kind === 'capacity-provider') exists = capacityProviderExists(state, rest.join('/'));
  else throw invalidParameter(`Invalid identifier: ${arn}`);
  if (!exists) throw notFound();
  return arn;
}

export function tagResource(ctx: OpContext, input: JsonObject): JsonObject {
  const arn = requireResource(ctx.state, optString(input, 'resourceArn'));
  const tags = parseTags(input.tags);
  if (tags.size === 0) throw invalidParameter('tags can not be empty.');
  addTags(ctx.state, arn, tags);
  return {};
}

export function untagResource(ctx: OpContext, input: JsonObject): JsonObject {
  const arn = requireResource(ctx.state, optString(input, 'resourceArn'));
  const keys = optStringArray(input, 'tagKeys');
  if (!keys || keys.length === 0) throw invalidParameter('tagKeys can not be empty.');
  const existing = ctx.state.tags.get(arn);
  for (const key of keys) existing?.delete(key);
  return {};
}

export function listTagsForResource(ctx: OpContext, input: JsonObject): JsonObject {
  const arn = requireResource(ctx.state, optString(input, 'resourceArn'));
  return { tags: tagList(ctx.state, arn) };
}
