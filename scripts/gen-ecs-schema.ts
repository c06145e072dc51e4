/**
 * Regenerates the committed schemas from the API models that botocore
 * ships (installed with moto):
 *   schema/ecs-model.generated.json       ECS request shapes as JSON Schema
 *   src/manifests/ecs-model.generated.ts  the same, importable without fs
 *   schema/autoscaling-model.generated.json       spec.autoScaling, from the Application
 *                                                 Auto Scaling and CloudWatch models
 *   src/manifests/autoscaling-model.generated.ts  the same, importable without fs
 *   schema/scheduler-model.generated.json       kind: ScheduledTask and spec.hooks, from the
 *                                               EventBridge Scheduler and ECS (RunTask) models
 *   src/manifests/scheduler-model.generated.ts  the same, importable without fs
 *   schema/manifest.schema.json           the hand-written top-level schema, for editors: it
 *                                         also accepts templates (src/manifests/editor-schema.ts)
 * Run: npx tsx scripts/gen-ecs-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EDITOR_MANIFEST_SCHEMA } from '../src/manifests/editor-schema.js';
import { generateEcsModelSchema, renderJson, renderTsModule } from './ecs-schema-generator.js';
import { generateAutoScalingSchema } from './autoscaling-schema-generator.js';
import { generateSchedulerSchema } from './scheduler-schema-generator.js';
import { locateBotocoreModel, readBotocoreModel, type BotocoreModelName } from './botocore-model.js';

export const OUTPUTS = {
  modelJson: 'schema/ecs-model.generated.json',
  modelTs: 'src/manifests/ecs-model.generated.ts',
  autoScalingJson: 'schema/autoscaling-model.generated.json',
  autoScalingTs: 'src/manifests/autoscaling-model.generated.ts',
  schedulerJson: 'schema/scheduler-model.generated.json',
  schedulerTs: 'src/manifests/scheduler-model.generated.ts',
  manifestJson: 'schema/manifest.schema.json',
} as const;

/** Every output file's expected content, keyed by repository-relative path. */
export function renderOutputs(): Record<string, string> {
  const read = (name: BotocoreModelName) => {
    const located = locateBotocoreModel(name);
    if (!located) {
      throw new Error(`botocore's ${name} model not found: install botocore (\`pip install botocore\`, it ships with moto) so python3 can import it`);
    }
    return { model: readBotocoreModel(located.modelPath), version: located.version };
  };
  const ecs = read('ecs');
  const schema = generateEcsModelSchema(ecs.model, ecs.version);
  const autoScaling = generateAutoScalingSchema(
    { applicationAutoScaling: read('applicationAutoScaling').model, cloudWatch: read('cloudWatch').model },
    ecs.version,
  );
  const scheduler = generateSchedulerSchema({ scheduler: read('scheduler').model, ecs: ecs.model, ecsSchema: schema }, ecs.version);
  return {
    [OUTPUTS.modelJson]: renderJson(schema),
    [OUTPUTS.modelTs]: renderTsModule('ECS_MODEL_SCHEMA', schema, `ECS API model from botocore ${ecs.version}.`),
    [OUTPUTS.autoScalingJson]: renderJson(autoScaling),
    [OUTPUTS.autoScalingTs]: renderTsModule(
      'AUTOSCALING_MODEL_SCHEMA',
      autoScaling,
      `Application Auto Scaling and CloudWatch (PutMetricAlarm) API models from botocore ${ecs.version}.`,
    ),
    [OUTPUTS.schedulerJson]: renderJson(scheduler),
    [OUTPUTS.schedulerTs]: renderTsModule(
      'SCHEDULER_MODEL_SCHEMA',
      scheduler,
      `EventBridge Scheduler (CreateSchedule) and ECS (RunTask) API models from botocore ${ecs.version}.`,
    ),
    [OUTPUTS.manifestJson]: renderJson(EDITOR_MANIFEST_SCHEMA),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = new URL('../', import.meta.url);
  for (const [file, content] of Object.entries(renderOutputs())) {
    writeFileSync(new URL(file, root), content);
    console.log(`wrote ${file}`);
  }
}
