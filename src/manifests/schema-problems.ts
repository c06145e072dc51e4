/**
 * Translates ajv errors into problems a person can act on: the JSON pointer,
 * what was expected, what was found, and a "did you mean" for near misses.
 */
import type { ErrorObject } from 'ajv';
import { closestMatch } from '../util/did-you-mean.js';
import { ECS_MODEL_SCHEMA } from './ecs-model.generated.js';
import { joinPointer } from './json-pointer.js';
import { CAPACITY_PROVIDER_NAME_PATTERN, ECS_NAME_PATTERN, HOOK_NAME_PATTERN, REGION_PATTERN, SCHEDULE_NAME_PATTERN } from './manifest-schema.js';
import type { RuleProblem } from './rule-problem.js';
import { describeType, describeValue, typeHint } from './value-describe.js';

/** Spec members the manifest deliberately does not accept, and why. */
const MOVED_FIELDS: Readonly<Record<string, string>> = {
  '/spec/serviceName': 'the service name is metadata.name',
  '/spec/cluster': 'the cluster is metadata.cluster',
  '/spec/clientToken': 'the controller sets clientToken itself',
  '/spec/clusterName': 'the cluster name is metadata.name',
  '/spec/actionAfterCompletion': 'ecs-gitops does not offer actionAfterCompletion: DELETE would make the controller create a fired one-time schedule again (docs/manifests.md, "ScheduledTask")',
};

/** Habits from the ECS API and CLI that the manifest format does differently. */
const SHAPE_HINTS: readonly { at: RegExp; found: (data: unknown) => boolean; hint: string }[] = [
  {
    at: /^\/spec\/taskDefinition$/,
    found: (data) => typeof data === 'string',
    hint: '; write the task definition inline (family, containerDefinitions, ...): the controller registers revisions itself',
  },
  {
    at: /\/tags$/,
    found: Array.isArray,
    hint: '; write tags as a map, e.g. tags: { team: payments }, not the API\'s key/value list',
  },
];

function definitionFields(name: string): readonly string[] {
  const definitions = ECS_MODEL_SCHEMA.definitions as Readonly<Record<string, { properties?: Record<string, unknown> }>>;
  return Object.keys(definitions[name]?.properties ?? {});
}

/** Fields written one level too high: task definition fields in spec, container fields in taskDefinition. */
function misplaced(at: string, field: string, candidates: readonly string[]): string | undefined {
  // Only a Service spec (the one with a taskDefinition) has a level below to move to.
  if (at === '/spec' && candidates.includes('taskDefinition') && definitionFields('TaskDefinitionSpec').includes(field)) {
    return `"${field}" is a task definition field: move it under taskDefinition`;
  }
  if (at === '/spec/taskDefinition' && definitionFields('ContainerDefinition').includes(field)) {
    return `"${field}" is a container field: move it into an entry of containerDefinitions`;
  }
  return undefined;
}

/** CreateCapacityProvider members a `kind: CapacityProvider` spec leaves out (ecs-schema-generator.ts says why). */
function capacityProviderField(at: string, field: string, candidates: readonly string[]): string | undefined {
  if (at !== '/spec' || !candidates.includes('autoScalingGroupProvider')) return undefined;
  if (field === 'name') return 'the capacity provider name is metadata.name';
  if (field === 'cluster' || field === 'managedInstancesProvider') {
    return 'ecs-gitops manages Auto Scaling group capacity providers, which belong to no cluster (attach one with the Cluster\'s capacityProviders); ECS Managed Instances providers are not supported';
  }
  return undefined;
}

const PATTERN_TEXT: Readonly<Record<string, string>> = {
  [ECS_NAME_PATTERN]: 'is not a valid ECS name: use 1-255 letters, digits, hyphens (-) and underscores (_)',
  [REGION_PATTERN]: 'is not an AWS region name such as eu-west-1',
  [CAPACITY_PROVIDER_NAME_PATTERN]:
    'is not a valid capacity provider name: use 1-255 letters, digits, hyphens (-) and underscores (_), not starting with aws, ecs or fargate',
  [SCHEDULE_NAME_PATTERN]: 'is not a valid schedule name: use 1-64 letters, digits, hyphens (-), underscores (_) and dots (.)',
  [HOOK_NAME_PATTERN]: 'is not a valid hook name: use 1-64 letters, digits, hyphens (-) and underscores (_)',
};

function listFields(candidates: readonly string[]): string {
  return candidates.length <= 40 ? `; fields allowed here: ${candidates.join(', ')}` : '';
}

function schemaProperties(parentSchema: unknown): string[] {
  if (parentSchema !== null && typeof parentSchema === 'object') {
    const properties = (parentSchema as { properties?: unknown }).properties;
    if (properties !== null && typeof properties === 'object') return Object.keys(properties);
  }
  return [];
}

/**
 * JSON exports and YAML templates often carry `null` for "not set"; ECS
 * rejects null for every field, so the fix is to leave the field out.
 */
function nullHint(at: string): string {
  return /\/(0|[1-9]\d*)$/.test(at)
    ? '; remove the entry; ECS does not accept null here'
    : '; remove the key; ECS does not accept null here';
}

function translate(error: ErrorObject): RuleProblem | undefined {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.propertyName !== undefined) {
    const pointer = joinPointer(at, error.propertyName);
    const name = JSON.stringify(error.propertyName.length > 40 ? `${error.propertyName.slice(0, 37)}...` : error.propertyName);
    const limit = params.limit as number;
    const what = error.keyword === 'maxLength' ? `is longer than ${limit} characters` : error.keyword === 'minLength' ? 'must not be empty' : 'is not allowed';
    return { code: 'MANIFEST_INVALID_VALUE', pointer, target: 'key', message: `${pointer}: key ${name} ${what}` };
  }
  switch (error.keyword) {
    case 'propertyNames':
    case 'if':
      return undefined; // reported through the inner error
    case 'required': {
      const missing = String(params.missingProperty);
      const pointer = joinPointer(at, missing);
      return { code: 'MANIFEST_MISSING_FIELD', pointer, locateAt: at, target: 'key', message: `${pointer}: missing required field "${missing}"` };
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const pointer = joinPointer(at, field);
      const candidates = schemaProperties(error.parentSchema);
      const moved = capacityProviderField(at, field, candidates) ?? MOVED_FIELDS[pointer] ?? misplaced(at, field, candidates);
      const suggestion = closestMatch(field, candidates);
      const advice = moved
        ? `; ${moved}`
        : suggestion
          ? `; did you mean "${suggestion}"?`
          : listFields(candidates);
      return { code: 'MANIFEST_UNKNOWN_FIELD', pointer, target: 'key', message: `${pointer}: unknown field "${field}"${advice}` };
    }
    case 'type': {
      const expected = String(params.type);
      const hint = error.data === null
        ? nullHint(at)
        : (SHAPE_HINTS.find((h) => h.at.test(at) && h.found(error.data))?.hint ?? typeHint(expected, error.data));
      return {
        code: 'MANIFEST_WRONG_TYPE',
        pointer: at,
        message: `${at}: expected ${describeType(expected)}, found ${describeValue(error.data)}${hint}`,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' ? closestMatch(error.data, allowed) : undefined;
      return {
        code: 'MANIFEST_BAD_ENUM',
        pointer: at,
        message: `${at}: ${JSON.stringify(error.data)} is not one of ${allowed.join(', ')}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
      };
    }
    case 'const':
      return {
        code: 'MANIFEST_INVALID_VALUE',
        pointer: at,
        message: `${at}: expected ${JSON.stringify(params.allowedValue)}, found ${describeValue(error.data)}`,
      };
    case 'pattern': {
      const text = PATTERN_TEXT[String(params.pattern)] ?? `does not match the pattern ${String(params.pattern)}`;
      return { code: 'MANIFEST_INVALID_VALUE', pointer: at, message: `${at}: ${JSON.stringify(error.data)} ${text}` };
    }
    case 'minimum':
    case 'maximum':
      return {
        code: 'MANIFEST_INVALID_VALUE',
        pointer: at,
        message: `${at}: ${String(error.data)} is ${error.keyword === 'minimum' ? 'below the minimum' : 'above the maximum'} of ${String(params.limit)}`,
      };
    case 'minLength':
    case 'maxLength':
      return {
        code: 'MANIFEST_INVALID_VALUE',
        pointer: at,
        message:
          error.keyword === 'minLength'
            ? `${at}: must be at least ${String(params.limit)} character(s) long, found ${describeValue(error.data)}`
            : `${at}: must be at most ${String(params.limit)} characters long, found ${String((error.data as string).length)}`,
      };
    case 'minItems':
    case 'maxItems':
    case 'maxProperties':
      return {
        code: 'MANIFEST_INVALID_VALUE',
        pointer: at,
        message: `${at}: must have ${error.keyword.startsWith('min') ? 'at least' : 'at most'} ${String(params.limit)} ${error.keyword === 'maxProperties' ? 'entries' : 'items'}`,
      };
    default:
      return { code: 'MANIFEST_INVALID_VALUE', pointer: at, message: `${at}: ${error.message ?? 'is not valid'}` };
  }
}

/** Problems for one document's ajv errors; the envelope (apiVersion, kind) is checked elsewhere. */
export function schemaProblems(errors: readonly ErrorObject[]): RuleProblem[] {
  const typeErrors = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const problems: RuleProblem[] = [];
  for (const error of errors) {
    if (error.instancePath === '/apiVersion' || error.instancePath === '/kind') continue;
    if (error.keyword === 'required' && error.instancePath === '' && ['apiVersion', 'kind'].includes(String(error.params.missingProperty))) continue;
    // A value of the wrong type fails its enum/pattern too; the type says it all.
    if (error.keyword !== 'type' && typeErrors.has(error.instancePath) && error.propertyName === undefined) continue;
    const problem = translate(error);
    if (problem) problems.push(problem);
  }
  return problems;
}
