/**
 * Turns the official ECS API model (botocore's service-2.json) into JSON Schema
 * definitions for the manifest `spec` shapes. Pure: the caller reads the model.
 * Kept apart from scripts/gen-ecs-schema.ts so the staleness test can
 * regenerate in memory and compare with the committed file.
 *
 * The manifest replaces a few request members (docs/manifests.md#spec): names and the
 * cluster live in `metadata`, `clientToken` is the controller's business,
 * `taskDefinition` is an inline RegisterTaskDefinition input rather than an ARN,
 * `autoScaling` is ours (generated from the Application Auto Scaling model by
 * autoscaling-schema-generator.ts), so is `hooks` (scheduler-schema-generator.ts), and tags are a string map. Those replacements are the table below; every
 * other member keeps the ECS model's own type, enum and required-ness.
 */
import { AUTOSCALING_MODEL_SCHEMA_FILE, ECS_MODEL_SCHEMA_FILE, MANIFEST_SCHEMA_FILE, SCHEDULER_MODEL_SCHEMA_FILE } from '../src/manifests/json-schema.js';

export interface BotocoreMember {
  readonly shape: string;
  readonly deprecated?: boolean;
}

export interface BotocoreShape {
  readonly type: string;
  readonly members?: Readonly<Record<string, BotocoreMember>>;
  readonly required?: readonly string[];
  readonly member?: BotocoreMember;
  readonly key?: BotocoreMember;
  readonly value?: BotocoreMember;
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly document?: boolean;
}

export interface BotocoreModel {
  readonly metadata: { readonly apiVersion: string; readonly serviceId: string };
  readonly shapes: Readonly<Record<string, BotocoreShape>>;
}

export type JsonSchema = { [keyword: string]: unknown };


interface SpecShape {
  /** The ECS input shape the spec is derived from. */
  readonly from: string;
  /** Members the manifest carries elsewhere (metadata) or never accepts. */
  readonly drop: readonly string[];
  /** Members whose schema is replaced (or added), by a $ref. */
  readonly replace: Readonly<Record<string, string>>;
  readonly required?: readonly string[];
}

// Relative references, so editors resolve them next to the file (schema/).
const TAG_MAP_REF = `${MANIFEST_SCHEMA_FILE}#/definitions/TagMap`;

/** The replacements of docs/manifests.md#spec ("Differences from the CreateService request"). */
export const SPEC_SHAPES: Readonly<Record<string, SpecShape>> = {
  ServiceSpec: {
    from: 'CreateServiceRequest',
    drop: ['serviceName', 'cluster', 'clientToken'],
    replace: {
      taskDefinition: '#/definitions/TaskDefinitionSpec',
      tags: TAG_MAP_REF,
      sync: `${MANIFEST_SCHEMA_FILE}#/definitions/SyncPolicy`,
      autoScaling: `${AUTOSCALING_MODEL_SCHEMA_FILE}#/definitions/AutoScalingSpec`,
      hooks: `${SCHEDULER_MODEL_SCHEMA_FILE}#/definitions/DeployHooksSpec`,
    },
    required: ['taskDefinition'],
  },
  TaskDefinitionSpec: { from: 'RegisterTaskDefinitionRequest', drop: [], replace: { tags: TAG_MAP_REF } },
  ClusterSpec: { from: 'CreateClusterRequest', drop: ['clusterName'], replace: { tags: TAG_MAP_REF } },
  // `kind: CapacityProvider` declares an Auto Scaling group capacity provider
  // (docs/manifests.md, "kind: CapacityProvider"): the name is metadata.name,
  // and `cluster` / `managedInstancesProvider` belong to ECS Managed Instances
  // providers, which live inside one cluster and are not managed by ecs-gitops.
  CapacityProviderSpec: {
    from: 'CreateCapacityProviderRequest',
    drop: ['name', 'cluster', 'managedInstancesProvider'],
    replace: { tags: TAG_MAP_REF },
    required: ['autoScalingGroupProvider'],
  },
};

export function shapeOf(model: BotocoreModel, name: string): BotocoreShape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`the ${model.metadata.serviceId} model has no shape named ${name}`);
  return shape;
}

/**
 * Scalars, enums, lists and maps are inlined so a schema reader (and ajv's
 * error parentSchema) sees the type where the member is; structures become
 * named definitions because they can be recursive and are shared.
 */
export function schemaFor(model: BotocoreModel, name: string, structures: Set<string>): JsonSchema {
  const shape = shapeOf(model, name);
  switch (shape.type) {
    case 'structure':
      if (shape.document) return {};
      structures.add(name);
      return { $ref: `#/definitions/${name}` };
    case 'string': {
      const s: JsonSchema = { type: 'string' };
      if (shape.enum) s.enum = [...shape.enum];
      // botocore patterns are unanchored Java regexes (e.g. `([\p{L}...]*)`
      // matches anything), so they are not carried over.
      if (shape.min !== undefined && shape.min > 0) s.minLength = shape.min;
      if (shape.max !== undefined) s.maxLength = shape.max;
      return s;
    }
    case 'integer':
    case 'long': {
      const s: JsonSchema = { type: 'integer' };
      if (shape.min !== undefined) s.minimum = shape.min;
      if (shape.max !== undefined) s.maximum = shape.max;
      return s;
    }
    case 'double':
    case 'float':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'timestamp':
      return { type: 'string' };
    case 'blob':
      return { type: 'string' };
    case 'list': {
      if (!shape.member) throw new Error(`list shape ${name} has no member`);
      const s: JsonSchema = { type: 'array', items: schemaFor(model, shape.member.shape, structures) };
      if (shape.min !== undefined && shape.min > 0) s.minItems = shape.min;
      if (shape.max !== undefined) s.maxItems = shape.max;
      return s;
    }
    case 'map': {
      if (!shape.key || !shape.value) throw new Error(`map shape ${name} has no key or value`);
      const key = schemaFor(model, shape.key.shape, structures);
      const s: JsonSchema = { type: 'object', additionalProperties: schemaFor(model, shape.value.shape, structures) };
      const { type: _type, ...keyConstraints } = key;
      if (Object.keys(keyConstraints).length > 0) s.propertyNames = { type: 'string', ...keyConstraints };
      return s;
    }
    default:
      throw new Error(`shape ${name} has unsupported type ${shape.type}`);
  }
}

function structureSchema(
  model: BotocoreModel,
  name: string,
  structures: Set<string>,
  spec?: SpecShape,
): JsonSchema {
  const shape = shapeOf(model, spec?.from ?? name);
  const properties: Record<string, JsonSchema> = {};
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    if (spec?.drop.includes(member)) continue;
    const replacement = spec?.replace[member];
    properties[member] = replacement ? { $ref: replacement } : schemaFor(model, ref.shape, structures);
  }
  for (const [member, replacement] of Object.entries(spec?.replace ?? {})) {
    if (!(member in properties)) properties[member] = { $ref: replacement };
  }
  const required = [...(shape.required ?? []).filter((m) => m in properties), ...(spec?.required ?? [])];
  const s: JsonSchema = { type: 'object', additionalProperties: false, properties };
  if (required.length > 0) s.required = [...new Set(required)];
  return s;
}

export function generateEcsModelSchema(model: BotocoreModel, botocoreVersion: string): JsonSchema {
  const structures = new Set<string>();
  const definitions: Record<string, JsonSchema> = {};
  for (const [name, spec] of Object.entries(SPEC_SHAPES)) {
    definitions[name] = structureSchema(model, name, structures, spec);
  }
  // Walk structures reachable from the spec shapes until no new one appears.
  const done = new Set<string>();
  for (;;) {
    const next = [...structures].find((n) => !done.has(n));
    if (next === undefined) break;
    done.add(next);
    definitions[next] = structureSchema(model, next, structures);
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment:
      `${ECS_MODEL_SCHEMA_FILE}: generated by scripts/gen-ecs-schema.ts from botocore ${botocoreVersion} ` +
      `(${model.metadata.serviceId} API ${model.metadata.apiVersion}). Do not edit: run \`npx tsx scripts/gen-ecs-schema.ts\`.`,
    definitions: sorted,
  };
}

/** Stable text form of a schema, as committed. */
export function renderJson(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The same schema as a TypeScript module, so the runtime needs neither fs nor Python. */
export function renderTsModule(exportName: string, schema: unknown, sourceNote: string): string {
  return [
    `// ${sourceNote}`,
    `// Generated by scripts/gen-ecs-schema.ts. Do not edit.`,
    `import type { JsonSchemaObject } from './json-schema.js';`,
    ``,
    `export const ${exportName}: JsonSchemaObject = ${JSON.stringify(schema, null, 2)};`,
    ``,
  ].join('\n');
}
