/** The one type for JSON Schema documents held in code (hand-written or generated). */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };

/**
 * The schema files refer to each other by file name, so an editor resolves
 * them next to each other in schema/; the validator registers them under
 * these URIs, which resolve the same relative names.
 */
export const ECS_MODEL_SCHEMA_FILE = 'ecs-model.generated.json';
export const MANIFEST_SCHEMA_FILE = 'manifest.schema.json';
export const AUTOSCALING_MODEL_SCHEMA_FILE = 'autoscaling-model.generated.json';
export const SCHEDULER_MODEL_SCHEMA_FILE = 'scheduler-model.generated.json';
export const SCHEMA_BASE = 'https://ecs-gitops.dev/schema/v1/';
export const ECS_MODEL_SCHEMA_ID = `${SCHEMA_BASE}${ECS_MODEL_SCHEMA_FILE}`;
export const MANIFEST_SCHEMA_ID = `${SCHEMA_BASE}${MANIFEST_SCHEMA_FILE}`;
export const AUTOSCALING_MODEL_SCHEMA_ID = `${SCHEMA_BASE}${AUTOSCALING_MODEL_SCHEMA_FILE}`;
export const SCHEDULER_MODEL_SCHEMA_ID = `${SCHEMA_BASE}${SCHEDULER_MODEL_SCHEMA_FILE}`;
