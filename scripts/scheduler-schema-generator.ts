/**
 * Turns botocore's EventBridge Scheduler model (CreateSchedule, its Target and
 * the Target's EcsParameters) and ECS's RunTask input into the JSON Schema of
 * the two kinds of one-off task runs a manifest declares: a `kind:
 * ScheduledTask` spec and a Service's `spec.hooks` (docs/manifests.md,
 * "ScheduledTask" and "Deploy hooks"). Pure: the caller reads the models.
 * Kept apart from scripts/gen-ecs-schema.ts, like the other generators, so
 * the staleness test can regenerate in memory.
 *
 * The manifest flattens CreateSchedule (its Target and EcsParameters lose
 * their nesting) and names every member the API's member in camelCase, so
 * type, range and enum come from the model. What is ours: the embedded task
 * definition (the Service's TaskDefinitionSpec, not an ARN), tags as a map,
 * the sync policy, and the hook's own fields (name, command, timeout).
 * Structures that ecs-model.generated.json already defines are referred to
 * there rather than copied, so a Service and a hook share one
 * NetworkConfiguration; the rest (Scheduler's structures, ECS's TaskOverride)
 * are defined here, members camelCased.
 */
import { ECS_MODEL_SCHEMA_FILE, MANIFEST_SCHEMA_FILE, SCHEDULER_MODEL_SCHEMA_FILE } from '../src/manifests/json-schema.js';
import { HOOK_NAME_PATTERN, MAX_HOOK_TIMEOUT_SECONDS, MAX_HOOKS_PER_PHASE } from '../src/manifests/manifest-schema.js';
import { camelCaseMember, narrowed, type ManifestDefinitionOf, type ModelMember, type OwnMember } from './autoscaling-schema-generator.js';
import { schemaFor, shapeOf, type BotocoreModel, type JsonSchema } from './ecs-schema-generator.js';

export interface SchedulerModels {
  readonly scheduler: BotocoreModel;
  readonly ecs: BotocoreModel;
  /** The generated ECS schema (generateEcsModelSchema): its definitions are referred to, not copied. */
  readonly ecsSchema: JsonSchema;
}

type ModelName = 'scheduler' | 'ecs';

type FromModel = ModelMember<ModelName>;
type Own = OwnMember;
type ManifestDefinition = ManifestDefinitionOf<ModelName>;

const schedule = (member: string, narrow?: JsonSchema): FromModel => ({ model: 'scheduler', shape: 'CreateScheduleInput', member, ...(narrow ? { narrow } : {}) });
const target = (member: string): FromModel => ({ model: 'scheduler', shape: 'Target', member });
const ecsParameter = (member: string): FromModel => ({ model: 'scheduler', shape: 'EcsParameters', member });
const runTask = (member: string): FromModel => ({ model: 'ecs', shape: 'RunTaskRequest', member });
const ecsRef = (definition: string): Own => ({ own: { $ref: `${ECS_MODEL_SCHEMA_FILE}#/definitions/${definition}` } });
const manifestRef = (definition: string): Own => ({ own: { $ref: `${MANIFEST_SCHEMA_FILE}#/definitions/${definition}` } });

/** The manifest's definitions (types.ts: ScheduledTaskSpec, DeployHooksSpec, DeployHookSpec). */
export const SCHEDULER_DEFINITIONS: Readonly<Record<string, ManifestDefinition>> = {
  ScheduledTaskSpec: {
    members: {
      schedule: schedule('ScheduleExpression'),
      timezone: schedule('ScheduleExpressionTimezone'),
      flexibleTimeWindow: schedule('FlexibleTimeWindow'),
      startDate: schedule('StartDate'),
      endDate: schedule('EndDate'),
      state: schedule('State'),
      description: schedule('Description'),
      kmsKeyArn: schedule('KmsKeyArn'),
      roleArn: target('RoleArn'),
      retryPolicy: target('RetryPolicy'),
      deadLetterConfig: target('DeadLetterConfig'),
      taskDefinition: ecsRef('TaskDefinitionSpec'),
      launchType: ecsParameter('LaunchType'),
      capacityProviderStrategy: ecsParameter('CapacityProviderStrategy'),
      platformVersion: ecsParameter('PlatformVersion'),
      networkConfiguration: ecsParameter('NetworkConfiguration'),
      taskCount: ecsParameter('TaskCount'),
      propagateTags: ecsParameter('PropagateTags'),
      enableECSManagedTags: ecsParameter('EnableECSManagedTags'),
      enableExecuteCommand: ecsParameter('EnableExecuteCommand'),
      group: ecsParameter('Group'),
      placementConstraints: ecsParameter('PlacementConstraints'),
      placementStrategy: ecsParameter('PlacementStrategy'),
      referenceId: ecsParameter('ReferenceId'),
      // Scheduler passes the target's Input to RunTask as `overrides`.
      overrides: runTask('overrides'),
      tags: manifestRef('TagMap'),
      sync: manifestRef('SyncPolicy'),
    },
    required: ['schedule', 'roleArn', 'taskDefinition'],
  },
  DeployHooksSpec: {
    members: {
      preDeploy: { own: { type: 'array', items: { $ref: '#/definitions/DeployHookSpec' }, maxItems: MAX_HOOKS_PER_PHASE } },
      postDeploy: { own: { type: 'array', items: { $ref: '#/definitions/DeployHookSpec' }, maxItems: MAX_HOOKS_PER_PHASE } },
      rollbackOnPostDeployFailure: { own: { type: 'boolean' } },
    },
    required: [],
  },
  DeployHookSpec: {
    members: {
      name: { own: { type: 'string', pattern: HOOK_NAME_PATTERN } },
      command: { model: 'ecs', shape: 'ContainerOverride', member: 'command', narrow: { minItems: 1 } },
      container: { model: 'ecs', shape: 'ContainerOverride', member: 'name' },
      overrides: runTask('overrides'),
      taskDefinition: ecsRef('TaskDefinitionSpec'),
      timeout: { own: { type: 'integer', minimum: 1, maximum: MAX_HOOK_TIMEOUT_SECONDS } },
      networkConfiguration: runTask('networkConfiguration'),
      launchType: runTask('launchType'),
      capacityProviderStrategy: runTask('capacityProviderStrategy'),
      platformVersion: runTask('platformVersion'),
    },
    required: ['name'],
  },
};

/** Rewrites local `#/definitions/X` references with `rename(X)` (deeply). */
function relink(schema: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => relink(item, rename));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/') ? rename(value.slice('#/definitions/'.length)) : relink(value, rename);
  }
  return out;
}

class Definitions {
  /** Structures to define here, each with the model it comes from. */
  readonly local = new Map<string, ModelName>();
  readonly #ecsDefined: ReadonlySet<string>;
  readonly #models: SchedulerModels;

  constructor(models: SchedulerModels) {
    this.#models = models;
    this.#ecsDefined = new Set(Object.keys((models.ecsSchema.definitions ?? {}) as object));
  }

  /** The schema of shape `name` in `model`, its structures defined here or referred to in the ECS file. */
  schemaOf(model: ModelName, name: string): JsonSchema {
    const reached = new Set<string>();
    const generated = schemaFor(this.#models[model], name, reached);
    return this.#link(model, generated, reached);
  }

  #link(model: ModelName, generated: JsonSchema, reached: ReadonlySet<string>): JsonSchema {
    const external = (structure: string): boolean => model === 'ecs' && this.#ecsDefined.has(structure);
    for (const structure of reached) {
      if (external(structure)) continue;
      const origin = this.local.get(structure);
      if (origin !== undefined && origin !== model) throw new Error(`structure ${structure} exists in the ${origin} and the ${model} models; give one a manifest name`);
      if (structure in SCHEDULER_DEFINITIONS) throw new Error(`structure ${structure} collides with a manifest definition`);
      this.local.set(structure, model);
    }
    return relink(generated, (structure) => (external(structure) ? `${ECS_MODEL_SCHEMA_FILE}#/definitions/${structure}` : `#/definitions/${structure}`)) as JsonSchema;
  }

  /** A structure the members reach, members camelCased (Scheduler's are PascalCase). */
  structure(name: string): JsonSchema {
    const model = this.local.get(name) as ModelName;
    const shape = shapeOf(this.#models[model], name);
    const properties: Record<string, JsonSchema> = {};
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      properties[camelCaseMember(member)] = this.schemaOf(model, ref.shape);
    }
    const s: JsonSchema = { type: 'object', additionalProperties: false, properties };
    if (shape.required && shape.required.length > 0) s.required = shape.required.map(camelCaseMember);
    return s;
  }
}

function memberSchema(models: SchedulerModels, definitions: Definitions, source: FromModel): JsonSchema {
  const model = models[source.model];
  const ref = shapeOf(model, source.shape).members?.[source.member];
  if (!ref) throw new Error(`the ${model.metadata.serviceId} model's ${source.shape} has no member ${source.member}`);
  return narrowed(definitions.schemaOf(source.model, ref.shape), source.narrow, `${source.shape}.${source.member}`);
}

export function generateSchedulerSchema(models: SchedulerModels, botocoreVersion: string): JsonSchema {
  const definitions = new Definitions(models);
  const out: Record<string, JsonSchema> = {};
  for (const [name, definition] of Object.entries(SCHEDULER_DEFINITIONS)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [member, source] of Object.entries(definition.members)) {
      properties[member] = 'own' in source ? source.own : memberSchema(models, definitions, source);
    }
    const s: JsonSchema = { type: 'object', additionalProperties: false, properties };
    if (definition.required.length > 0) s.required = [...definition.required];
    out[name] = s;
  }
  // Walk the structures the members reach until no new one appears.
  for (;;) {
    const next = [...definitions.local.keys()].find((name) => !(name in out));
    if (next === undefined) break;
    out[next] = definitions.structure(next);
  }
  const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  const source = (model: BotocoreModel): string => `${model.metadata.serviceId} API ${model.metadata.apiVersion}`;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment:
      `${SCHEDULER_MODEL_SCHEMA_FILE}: generated by scripts/gen-ecs-schema.ts from botocore ${botocoreVersion} ` +
      `(${source(models.scheduler)}, CreateSchedule; ${source(models.ecs)}, RunTask). Do not edit: run \`npx tsx scripts/gen-ecs-schema.ts\`.`,
    definitions: sorted,
  };
}
