/** ECS task definition operations: register, describe, list, list families, deregister. */
import { clientException, invalidParameter } from './api-error.js';
import { parseArn, taskDefinitionArn } from './arn.js';
import { epochSeconds, optNumber, optString, optStringArray, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import { checkTaskDefinitionRequest } from './server-side-rules.js';
import type { RegionState, TaskDefinitionRecord } from './state.js';
import { addTags, parseTags, tagList } from './tags.js';
import { normalizeTaskDefinition } from './task-definition-normalize.js';

const PAGE = { min: 1, max: 100, default: 100 } as const;

/**
 * Resolves `family`, `family:revision` or a full ARN. A family alone means its
 * latest ACTIVE revision. Undefined when nothing matches.
 */
export function resolveTaskDefinition(state: RegionState, identifier: string): TaskDefinitionRecord | undefined {
  let ref = identifier;
  if (identifier.startsWith('arn:')) {
    const parsed = parseArn(identifier);
    if (!parsed || parsed.account !== state.account || parsed.region !== state.region || !parsed.resource.startsWith('task-definition/')) return undefined;
    ref = parsed.resource.slice('task-definition/'.length);
  }
  const colon = ref.lastIndexOf(':');
  if (colon < 0) {
    const family = state.families.get(ref);
    if (!family) return undefined;
    for (let i = family.revisions.length - 1; i >= 0; i--) {
      const rev = family.revisions[i];
      if (rev?.status === 'ACTIVE') return rev;
    }
    return undefined;
  }
  const revision = Number(ref.slice(colon + 1));
  if (!Number.isInteger(revision) || revision < 1) return undefined;
  return state.families.get(ref.slice(0, colon))?.revisions[revision - 1];
}

export function taskDefinitionView(td: TaskDefinitionRecord): JsonObject {
  const view: JsonObject = { ...td.body, status: td.status };
  if (td.deregisteredAt !== undefined) view.deregisteredAt = epochSeconds(td.deregisteredAt);
  return view;
}

export function registerTaskDefinition(ctx: OpContext, input: JsonObject): JsonObject {
  const familyName = optString(input, 'family');
  const family = familyName !== undefined ? ctx.state.families.get(familyName) : undefined;
  const revision = (family?.revisions.length ?? 0) + 1;
  const arn = taskDefinitionArn(ctx.state.region, ctx.state.account, familyName ?? '', revision);
  const body = normalizeTaskDefinition(input, {
    arn,
    revision,
    registeredAt: epochSeconds(ctx.now),
    registeredBy: `arn:aws:iam::${ctx.state.account}:root`,
  });
  // After normalizing, so the checks it shares with these rules keep ECS's own messages.
  checkTaskDefinitionRequest(input);
  const tags = parseTags(input.tags);
  const record: TaskDefinitionRecord = { arn, family: familyName as string, revision, status: 'ACTIVE', body };
  if (family) family.revisions.push(record);
  else ctx.state.families.set(record.family, { name: record.family, revisions: [record] });
  ctx.state.taskDefinitionsByArn.set(arn, record);
  addTags(ctx.state, arn, tags);
  return { taskDefinition: taskDefinitionView(record), tags: tagList(ctx.state, arn) };
}

export function describeTaskDefinition(ctx: OpContext, input: JsonObject): JsonObject {
  const id = optString(input, 'taskDefinition');
  if (!id) throw clientException('TaskDefinition can not be blank.');
  const td = resolveTaskDefinition(ctx.state, id);
  if (!td) throw clientException('Unable to describe task definition.');
  const include = optStringArray(input, 'include') ?? [];
  const out: JsonObject = { taskDefinition: taskDefinitionView(td) };
  if (include.includes('TAGS')) out.tags = tagList(ctx.state, td.arn);
  return out;
}

export function deregisterTaskDefinition(ctx: OpContext, input: JsonObject): JsonObject {
  const id = optString(input, 'taskDefinition') ?? '';
  // Deregistering needs an exact revision (family:revision or ARN), never a bare family.
  if (!/:\d+$/.test(id)) {
    throw clientException('The specified task definition identifier is invalid. Specify a valid name or ARN and try again.');
  }
  const td = resolveTaskDefinition(ctx.state, id);
  if (!td) throw clientException('The specified task definition does not exist. Specify a valid account, family, revision and try again.');
  if (td.status === 'ACTIVE') {
    td.status = 'INACTIVE';
    td.deregisteredAt = ctx.now;
  }
  return { taskDefinition: taskDefinitionView(td) };
}

export function listTaskDefinitions(ctx: OpContext, input: JsonObject): JsonObject {
  const prefix = optString(input, 'familyPrefix');
  const status = optString(input, 'status') ?? 'ACTIVE';
  const sort = optString(input, 'sort') ?? 'ASC';
  if (!['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'].includes(status)) throw invalidParameter(`Invalid status: ${status}`);
  if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter(`Invalid sort: ${sort}`);
  const arns: string[] = [];
  // With a prefix ECS matches the family exactly (familyPrefix is a family name), which we follow.
  const families = prefix !== undefined
    ? [ctx.state.families.get(prefix)].filter((f) => f !== undefined)
    : [...ctx.state.families.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const family of families) for (const rev of family.revisions) if (rev.status === status) arns.push(rev.arn);
  if (sort === 'DESC') arns.reverse();
  const page = paginate('ListTaskDefinitions', arns, optNumber(input, 'maxResults'), optString(input, 'nextToken'), PAGE);
  return page.nextToken ? { taskDefinitionArns: page.items, nextToken: page.nextToken } : { taskDefinitionArns: page.items };
}

export function listTaskDefinitionFamilies(ctx: OpContext, input: JsonObject): JsonObject {
  const prefix = optString(input, 'familyPrefix') ?? '';
  const status = optString(input, 'status') ?? 'ACTIVE';
  if (!['ACTIVE', 'INACTIVE', 'ALL'].includes(status)) throw invalidParameter(`Invalid status: ${status}`);
  const names = [...ctx.state.families.values()]
    .filter((f) => f.name.startsWith(prefix))
    .filter((f) => {
      if (status === 'ALL') return true;
      const anyActive = f.revisions.some((r) => r.status === 'ACTIVE');
      return status === 'ACTIVE' ? anyActive : !anyActive;
    })
    .map((f) => f.name)
    .sort();
  const page = paginate('ListTaskDefinitionFamilies', names, optNumber(input, 'maxResults'), optString(input, 'nextToken'), PAGE);
  return page.nextToken ? { families: page.items, nextToken: page.nextToken } : { families: page.items };
}
