/** The one type for JSON Schema documents held in code (hand-written or generated). */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };

export const SCHEMA_BASE = 'https://ecs-gitops.dev/schema/v1/';
export const ECS_MODEL_SCHEMA_ID = `${SCHEMA_BASE}ecs-model.generated.json`;
export const MANIFEST_SCHEMA_ID = `${SCHEMA_BASE}manifest.schema.json`;
