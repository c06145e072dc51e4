/**
 * The ajv validators for each kind (Service, Cluster, CapacityProvider, ScheduledTask, Environment, Notifier), compiled once
 * (strict mode) from the hand-written and the generated schema, plus a walker
 * that answers "does this JSON pointer name a field of spec?" from the same
 * schemas, so ignore rules and validation never disagree.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { AUTOSCALING_MODEL_SCHEMA } from './autoscaling-model.generated.js';
import { ECS_MODEL_SCHEMA } from './ecs-model.generated.js';
import { PROTOTYPE_TOKENS } from './json-pointer.js';
import { AUTOSCALING_MODEL_SCHEMA_ID, ECS_MODEL_SCHEMA_ID, MANIFEST_SCHEMA_ID, SCHEDULER_MODEL_SCHEMA_ID, type JsonSchemaObject } from './json-schema.js';
import { MANIFEST_SCHEMA, type MANIFEST_KINDS } from './manifest-schema.js';
import { SCHEDULER_MODEL_SCHEMA } from './scheduler-model.generated.js';

export type ManifestKind = (typeof MANIFEST_KINDS)[number];

interface Compiled {
  readonly validators: Readonly<Record<ManifestKind, ValidateFunction>>;
}

// Compiling takes tens of milliseconds; the result is immutable and holds no
// IO or configuration, so one per process is shared by every caller.
let compiled: Compiled | undefined;

function compile(): Compiled {
  if (compiled) return compiled;
  const ajv = new Ajv({ strict: true, allErrors: true, verbose: true });
  ajv.addSchema(ECS_MODEL_SCHEMA, ECS_MODEL_SCHEMA_ID);
  ajv.addSchema(AUTOSCALING_MODEL_SCHEMA, AUTOSCALING_MODEL_SCHEMA_ID);
  ajv.addSchema(SCHEDULER_MODEL_SCHEMA, SCHEDULER_MODEL_SCHEMA_ID);
  ajv.addSchema(MANIFEST_SCHEMA, MANIFEST_SCHEMA_ID);
  const get = (name: string): ValidateFunction => {
    const fn = ajv.getSchema(`${MANIFEST_SCHEMA_ID}#/definitions/${name}`);
    if (!fn) throw new Error(`manifest schema has no definition ${name}`);
    return fn;
  };
  compiled = {
    validators: {
      Service: get('ServiceManifest'),
      Cluster: get('ClusterManifest'),
      CapacityProvider: get('CapacityProviderManifest'),
      ScheduledTask: get('ScheduledTaskManifest'),
      Environment: get('EnvironmentManifest'),
      Notifier: get('NotifierManifest'),
    },
  };
  return compiled;
}

export function schemaErrors(kind: ManifestKind, value: unknown): readonly ErrorObject[] {
  const validate = compile().validators[kind];
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

const SCHEMAS: Readonly<Record<string, JsonSchemaObject>> = {
  [ECS_MODEL_SCHEMA_ID]: ECS_MODEL_SCHEMA,
  [AUTOSCALING_MODEL_SCHEMA_ID]: AUTOSCALING_MODEL_SCHEMA,
  [SCHEDULER_MODEL_SCHEMA_ID]: SCHEDULER_MODEL_SCHEMA,
  [MANIFEST_SCHEMA_ID]: MANIFEST_SCHEMA,
};

function resolveRef(ref: string, base: string): { schema: JsonSchemaObject; base: string } | undefined {
  const [uri, fragment = ''] = ref.split('#');
  const docId = uri === '' || uri === undefined ? base : new URL(uri, base).href;
  let node: unknown = SCHEMAS[docId];
  for (const part of fragment.split('/').filter((p) => p !== '')) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node !== null && typeof node === 'object' ? { schema: node as JsonSchemaObject, base: docId } : undefined;
}

function deref(schema: JsonSchemaObject, base: string): { schema: JsonSchemaObject; base: string } {
  let current = { schema, base };
  for (let hops = 0; typeof current.schema.$ref === 'string' && hops < 20; hops++) {
    const next = resolveRef(current.schema.$ref, current.base);
    if (!next) break;
    current = next;
  }
  return current;
}

export type SpecPathReason = 'unknown-field' | 'not-an-index' | 'prototype-token' | 'past-a-scalar';

export type SpecPathResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly failedAt: number; readonly reason: SpecPathReason; readonly candidates: readonly string[] };

const SCALAR_TYPES: ReadonlySet<unknown> = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** The spec definition a kind's `sync.ignoreDifferences` pointers are relative to. */
const SPEC_ROOTS: Readonly<Partial<Record<ManifestKind, string>>> = {
  Service: `${ECS_MODEL_SCHEMA_ID}#/definitions/ServiceSpec`,
  ScheduledTask: `${SCHEDULER_MODEL_SCHEMA_ID}#/definitions/ScheduledTaskSpec`,
};

/**
 * Checks that `segments` (of a pointer relative to a Service's, or another
 * kind's, `spec`) can name a value. Map keys (tags, dockerLabels, log options) are free, except the
 * prototype tokens, which are refused wherever they appear; a pointer that
 * goes on below a string or number names nothing and is refused too.
 */
export function checkSpecPath(segments: readonly string[], kind: ManifestKind = 'Service'): SpecPathResult {
  const root = SPEC_ROOTS[kind];
  if (root === undefined) throw new Error(`kind ${kind} has no sync.ignoreDifferences`);
  let current = deref({ $ref: root }, MANIFEST_SCHEMA_ID);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (PROTOTYPE_TOKENS.has(segment)) return { ok: false, failedAt: i, reason: 'prototype-token', candidates: [] };
    const { schema, base } = current;
    if (SCALAR_TYPES.has(schema.type)) return { ok: false, failedAt: i, reason: 'past-a-scalar', candidates: [] };
    if (schema.type === 'array') {
      if (!/^(0|[1-9]\d*)$/.test(segment)) return { ok: false, failedAt: i, reason: 'not-an-index', candidates: [] };
      current = deref(schema.items as JsonSchemaObject, base);
    } else if (schema.type === 'object' && schema.properties) {
      const properties = schema.properties as Record<string, JsonSchemaObject>;
      const next = Object.hasOwn(properties, segment) ? properties[segment] : undefined;
      if (!next) return { ok: false, failedAt: i, reason: 'unknown-field', candidates: Object.keys(properties) };
      current = deref(next, base);
    } else if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
      current = deref(schema.additionalProperties as JsonSchemaObject, base);
    } else {
      // Free-form documents (no type, or several): nothing further to check,
      // but every later segment must still not be a prototype token.
      const later = segments.slice(i + 1).findIndex((s) => PROTOTYPE_TOKENS.has(s));
      return later < 0 ? { ok: true } : { ok: false, failedAt: i + 1 + later, reason: 'prototype-token', candidates: [] };
    }
  }
  return { ok: true };
}
