/**
 * The schema editors use (schema/manifest.schema.json, written by
 * scripts/gen-ecs-schema.ts): MANIFEST_SCHEMA, which validates concrete and
 * rendered manifests, widened to accept what only templates hold
 * (docs/manifests.md, "Environments"): `metadata.environments` and
 * `spec.environments` on Service, Cluster and ScheduledTask documents.
 *
 * The validator keeps using MANIFEST_SCHEMA (manifest-validator.ts), where
 * both fields are refused: a rendered instance never holds them, and a
 * document that has them is rendered before it is validated.
 *
 * The spec schemas (ServiceSpec, ClusterSpec, ScheduledTaskSpec) forbid
 * unknown fields, so `spec.environments` cannot be added beside them; the
 * editor schema holds a copy of each with that one property added, its
 * `$ref`s rebased to the file the original lives in.
 */
import { ECS_MODEL_SCHEMA } from './ecs-model.generated.js';
import { ECS_MODEL_SCHEMA_FILE, MANIFEST_SCHEMA_FILE, SCHEDULER_MODEL_SCHEMA_FILE, type JsonSchemaObject } from './json-schema.js';
import { ENVIRONMENT_NAME_PATTERN, MANIFEST_SCHEMA } from './manifest-schema.js';
import { SCHEDULER_MODEL_SCHEMA } from './scheduler-model.generated.js';

type Definitions = Readonly<Record<string, JsonSchemaObject>>;

const definitionsOf = (schema: JsonSchemaObject): Definitions => schema.definitions as Definitions;

/**
 * `node` as seen from manifest.schema.json when it was written in `file`:
 * a local `#/…` becomes `file#/…`, and `manifest.schema.json#/…` becomes local.
 */
function rebase(node: unknown, file: string): unknown {
  if (Array.isArray(node)) return node.map((item) => rebase(item, file));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.startsWith('#') ? `${file}${value}` : value.startsWith(`${MANIFEST_SCHEMA_FILE}#`) ? value.slice(MANIFEST_SCHEMA_FILE.length) : value;
    } else {
      out[key] = rebase(value, file);
    }
  }
  return out;
}

/** A spec definition of `file`, copied here with `environments` added. */
function templateSpec(definition: JsonSchemaObject | undefined, file: string, name: string): JsonSchemaObject {
  if (definition === undefined || typeof definition.properties !== 'object') throw new Error(`${file} has no ${name} with properties`);
  const copy = rebase(definition, file) as Record<string, unknown>;
  return { ...copy, properties: { ...(copy.properties as object), environments: { $ref: '#/definitions/EnvironmentOverrides' } } };
}

/**
 * A manifest definition of MANIFEST_SCHEMA with `metadata.environments`
 * allowed, its spec replaced by `spec`, and metadata.cluster no longer
 * required of a document that lists environments (each may supply one).
 */
function templateManifest(manifest: JsonSchemaObject | undefined, spec: string): JsonSchemaObject {
  const properties = manifest?.properties as Record<string, JsonSchemaObject> | undefined;
  const metadata = properties?.metadata;
  if (properties === undefined || metadata === undefined) throw new Error(`manifest definition without metadata (for ${spec})`);
  const metadataProperties = metadata.properties as Record<string, unknown>;
  const required = (metadata.required as readonly string[]).filter((field) => field !== 'cluster');
  const needsCluster = (metadata.required as readonly string[]).includes('cluster');
  return {
    ...manifest,
    properties: {
      ...properties,
      metadata: {
        ...metadata,
        required,
        properties: { ...metadataProperties, environments: { $ref: '#/definitions/EnvironmentNames' } },
        // Each branch names its property again: ajv's strict mode (as editors run it) wants `required` beside `properties`.
        ...(needsCluster
          ? { anyOf: [{ properties: { cluster: metadataProperties.cluster }, required: ['cluster'] }, { properties: { environments: { $ref: '#/definitions/EnvironmentNames' } }, required: ['environments'] }] }
          : {}),
      },
      spec: { $ref: `#/definitions/${spec}` },
    },
  };
}

const manifestDefinitions = definitionsOf(MANIFEST_SCHEMA);

export const EDITOR_MANIFEST_SCHEMA: JsonSchemaObject = {
  ...MANIFEST_SCHEMA,
  title: `${MANIFEST_SCHEMA.title as string}; templates may list metadata.environments and override spec.environments`,
  definitions: {
    ...manifestDefinitions,
    ServiceManifest: templateManifest(manifestDefinitions.ServiceManifest, 'ServiceTemplateSpec'),
    ClusterManifest: templateManifest(manifestDefinitions.ClusterManifest, 'ClusterTemplateSpec'),
    ScheduledTaskManifest: templateManifest(manifestDefinitions.ScheduledTaskManifest, 'ScheduledTaskTemplateSpec'),
    ServiceTemplateSpec: templateSpec(definitionsOf(ECS_MODEL_SCHEMA).ServiceSpec, ECS_MODEL_SCHEMA_FILE, 'ServiceSpec'),
    ClusterTemplateSpec: templateSpec(definitionsOf(ECS_MODEL_SCHEMA).ClusterSpec, ECS_MODEL_SCHEMA_FILE, 'ClusterSpec'),
    ScheduledTaskTemplateSpec: templateSpec(definitionsOf(SCHEDULER_MODEL_SCHEMA).ScheduledTaskSpec, SCHEDULER_MODEL_SCHEMA_FILE, 'ScheduledTaskSpec'),
    EnvironmentNames: {
      description: 'The environments (kind: Environment names) this document is rendered for, once each; docs/manifests.md, "Environments".',
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: ENVIRONMENT_NAME_PATTERN },
    },
    EnvironmentOverrides: {
      description: 'Per-environment overrides, by environment name: each a JSON Merge Patch (RFC 7386) on spec, arrays of named items merged by name; docs/manifests.md, "metadata.environments and spec.environments".',
      type: 'object',
      propertyNames: { pattern: ENVIRONMENT_NAME_PATTERN },
      additionalProperties: { type: 'object' },
    },
  },
};
