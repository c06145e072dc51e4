/**
 * Regenerates the committed schemas from the ECS API model that botocore
 * ships (installed with moto):
 *   schema/ecs-model.generated.json       ECS request shapes as JSON Schema
 *   src/manifests/ecs-model.generated.ts  the same, importable without fs
 *   schema/manifest.schema.json           the hand-written top-level schema, for editors
 * Run: npx tsx scripts/gen-ecs-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MANIFEST_SCHEMA } from '../src/manifests/manifest-schema.js';
import { generateEcsModelSchema, renderJson, renderTsModule } from './ecs-schema-generator.js';
import { locateBotocoreModel, readBotocoreModel } from './botocore-model.js';

export const OUTPUTS = {
  modelJson: 'schema/ecs-model.generated.json',
  modelTs: 'src/manifests/ecs-model.generated.ts',
  manifestJson: 'schema/manifest.schema.json',
} as const;

/** Every output file's expected content, keyed by repository-relative path. */
export function renderOutputs(): Record<string, string> {
  const located = locateBotocoreModel();
  if (!located) {
    throw new Error('botocore not found: install it (`pip install botocore`, it ships with moto) so python3 can import it');
  }
  const model = readBotocoreModel(located.modelPath);
  const schema = generateEcsModelSchema(model, located.version);
  return {
    [OUTPUTS.modelJson]: renderJson(schema),
    [OUTPUTS.modelTs]: renderTsModule('ECS_MODEL_SCHEMA', schema, `ECS API model from botocore ${located.version}.`),
    [OUTPUTS.manifestJson]: renderJson(MANIFEST_SCHEMA),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = new URL('../', import.meta.url);
  for (const [file, content] of Object.entries(renderOutputs())) {
    writeFileSync(new URL(file, root), content);
    console.log(`wrote ${file}`);
  }
}
