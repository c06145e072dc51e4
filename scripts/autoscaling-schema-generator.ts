/**
 * Turns botocore's Application Auto Scaling model (and CloudWatch's
 * PutMetricAlarm input, for the alarm a step scaling policy needs) into the
 * JSON Schema of a Service's `spec.autoScaling`. Pure: the caller reads the
 * models. Kept apart from scripts/gen-ecs-schema.ts, like the ECS generator,
 * so the staleness test can regenerate in memory.
 *
 * The manifest flattens the API's nesting (docs/manifests.md, "Auto
 * scaling"): one block holds the scalable target's capacities and state and
 * three lists (target tracking policies, step scaling policies with their
 * alarm, scheduled actions). Every member below names the API member it is,
 * so its type, range and enum come from the model; member names are the
 * API's in camelCase. `narrow` only ever restricts what the model allows
 * (the ECS subset of an enum, a range the API reference states in prose):
 * an enum value the model does not have fails the generation.
 */
import { AUTOSCALING_MODEL_SCHEMA_FILE } from '../src/manifests/json-schema.js';
import { ECS_PREDEFINED_METRICS } from '../src/manifests/types.js';
import { schemaFor, shapeOf, type BotocoreModel, type JsonSchema } from './ecs-schema-generator.js';

export interface AutoScalingModels {
  readonly applicationAutoScaling: BotocoreModel;
  readonly cloudWatch: BotocoreModel;
}

type ModelName = keyof AutoScalingModels;

/** A manifest member that is an API member (of `shape` in `model`), optionally narrowed. Shared by the generators that camelCase a botocore model. */
export interface ModelMember<M extends string> {
  readonly model: M;
  readonly shape: string;
  readonly member: string;
  readonly narrow?: JsonSchema;
}

/** A manifest member that is ours (for auto scaling: the lists and the alarm that group the API's calls). */
export interface OwnMember {
  readonly own: JsonSchema;
}

export interface ManifestDefinitionOf<M extends string> {
  readonly members: Readonly<Record<string, ModelMember<M> | OwnMember>>;
  readonly required: readonly string[];
}

type FromModel = ModelMember<ModelName>;
type Own = OwnMember;
type ManifestDefinition = ManifestDefinitionOf<ModelName>;

const aas = (shape: string, member: string, narrow?: JsonSchema): FromModel => ({ model: 'applicationAutoScaling', shape, member, ...(narrow ? { narrow } : {}) });
const alarm = (member: string, narrow?: JsonSchema): FromModel => ({ model: 'cloudWatch', shape: 'PutMetricAlarmInput', member, ...(narrow ? { narrow } : {}) });
const listOf = (definition: string): Own => ({ own: { type: 'array', items: { $ref: `#/definitions/${definition}` } } });

/**
 * Capacities are task counts. Cooldowns are seconds: neither the model nor
 * the API reference gives a range, so ecs-gitops refuses negatives and more
 * than a day, which no service needs (docs/manifests.md, "Auto scaling").
 */
const CAPACITY: JsonSchema = { minimum: 0 };
const COOLDOWN: JsonSchema = { minimum: 0, maximum: 86400 };

/**
 * The comparison operators of a static threshold. The other three compare
 * with an anomaly detection band, which needs a metric math alarm
 * (ThresholdMetricId) that the manifest's alarm does not describe.
 */
const STATIC_COMPARISONS = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'];
/** PutMetricAlarm documents these four values in prose; the model only says "a string". */
const TREAT_MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'];

const TARGET = 'RegisterScalableTargetRequest';
const TARGET_TRACKING = 'TargetTrackingScalingPolicyConfiguration';
const STEP_SCALING = 'StepScalingPolicyConfiguration';
const SCHEDULED = 'PutScheduledActionRequest';

/** The manifest's definitions (types.ts: AutoScalingSpec and the specs it lists). */
export const AUTOSCALING_DEFINITIONS: Readonly<Record<string, ManifestDefinition>> = {
  AutoScalingSpec: {
    members: {
      minCapacity: aas(TARGET, 'MinCapacity', CAPACITY),
      maxCapacity: aas(TARGET, 'MaxCapacity', CAPACITY),
      suspendedState: aas(TARGET, 'SuspendedState'),
      targetTracking: listOf('TargetTrackingPolicySpec'),
      stepScaling: listOf('StepScalingPolicySpec'),
      scheduled: listOf('ScheduledActionSpec'),
    },
    required: ['minCapacity', 'maxCapacity'],
  },
  TargetTrackingPolicySpec: {
    members: {
      name: aas('PutScalingPolicyRequest', 'PolicyName'),
      targetValue: aas(TARGET_TRACKING, 'TargetValue'),
      predefinedMetric: aas('PredefinedMetricSpecification', 'PredefinedMetricType', { enum: [...ECS_PREDEFINED_METRICS] }),
      resourceLabel: aas('PredefinedMetricSpecification', 'ResourceLabel'),
      customizedMetric: aas(TARGET_TRACKING, 'CustomizedMetricSpecification'),
      scaleInCooldown: aas(TARGET_TRACKING, 'ScaleInCooldown', COOLDOWN),
      scaleOutCooldown: aas(TARGET_TRACKING, 'ScaleOutCooldown', COOLDOWN),
      disableScaleIn: aas(TARGET_TRACKING, 'DisableScaleIn'),
    },
    required: ['name', 'targetValue'],
  },
  StepScalingPolicySpec: {
    members: {
      name: aas('PutScalingPolicyRequest', 'PolicyName'),
      adjustmentType: aas(STEP_SCALING, 'AdjustmentType'),
      stepAdjustments: aas(STEP_SCALING, 'StepAdjustments'),
      cooldown: aas(STEP_SCALING, 'Cooldown', COOLDOWN),
      metricAggregationType: aas(STEP_SCALING, 'MetricAggregationType'),
      minAdjustmentMagnitude: aas(STEP_SCALING, 'MinAdjustmentMagnitude'),
      alarm: { own: { $ref: '#/definitions/StepScalingAlarmSpec' } },
    },
    required: ['name', 'adjustmentType', 'stepAdjustments', 'alarm'],
  },
  StepScalingAlarmSpec: {
    members: {
      metricName: alarm('MetricName'),
      namespace: alarm('Namespace'),
      dimensions: alarm('Dimensions'),
      statistic: alarm('Statistic'),
      extendedStatistic: alarm('ExtendedStatistic'),
      unit: alarm('Unit'),
      period: alarm('Period'),
      evaluationPeriods: alarm('EvaluationPeriods'),
      datapointsToAlarm: alarm('DatapointsToAlarm'),
      threshold: alarm('Threshold'),
      comparisonOperator: alarm('ComparisonOperator', { enum: STATIC_COMPARISONS }),
      treatMissingData: alarm('TreatMissingData', { enum: TREAT_MISSING_DATA }),
    },
    required: ['metricName', 'namespace', 'period', 'evaluationPeriods', 'threshold', 'comparisonOperator'],
  },
  ScheduledActionSpec: {
    members: {
      name: aas(SCHEDULED, 'ScheduledActionName'),
      schedule: aas(SCHEDULED, 'Schedule'),
      timezone: aas(SCHEDULED, 'Timezone'),
      startTime: aas(SCHEDULED, 'StartTime'),
      endTime: aas(SCHEDULED, 'EndTime'),
      minCapacity: aas('ScalableTargetAction', 'MinCapacity', CAPACITY),
      maxCapacity: aas('ScalableTargetAction', 'MaxCapacity', CAPACITY),
    },
    required: ['name', 'schedule'],
  },
};

/** `MetricName` → `metricName`: the manifest's spelling of an API member. */
export function camelCaseMember(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

/** The model's schema for a member with the manifest's narrowing applied; fails when the model no longer allows what the narrowing names. */
export function narrowed(generated: JsonSchema, narrow: JsonSchema | undefined, where: string): JsonSchema {
  if (!narrow) return generated;
  if (generated.$ref !== undefined) throw new Error(`${where}: a structure cannot be narrowed`);
  const allowed = generated.enum as readonly unknown[] | undefined;
  const wanted = narrow.enum as readonly unknown[] | undefined;
  const unknown = allowed && wanted ? wanted.filter((value) => !allowed.includes(value)) : [];
  if (unknown.length > 0) throw new Error(`${where}: the model's enum no longer has ${unknown.map(String).join(', ')}`);
  return { ...generated, ...narrow };
}

function memberSchema(models: AutoScalingModels, source: FromModel, structures: Map<ModelName, Set<string>>): JsonSchema {
  const model = models[source.model];
  const ref = shapeOf(model, source.shape).members?.[source.member];
  if (!ref) throw new Error(`the ${model.metadata.serviceId} model's ${source.shape} has no member ${source.member}`);
  const seen = structures.get(source.model) ?? new Set<string>();
  structures.set(source.model, seen);
  return narrowed(schemaFor(model, ref.shape, seen), source.narrow, `${source.shape}.${source.member}`);
}

/** A structure the manifest members reach (CustomizedMetricSpecification, StepAdjustment...), members camelCased. */
function nestedStructure(model: BotocoreModel, name: string, structures: Set<string>): JsonSchema {
  const shape = shapeOf(model, name);
  const properties: Record<string, JsonSchema> = {};
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    properties[camelCaseMember(member)] = schemaFor(model, ref.shape, structures);
  }
  const s: JsonSchema = { type: 'object', additionalProperties: false, properties };
  if (shape.required && shape.required.length > 0) s.required = shape.required.map(camelCaseMember);
  return s;
}

export function generateAutoScalingSchema(models: AutoScalingModels, botocoreVersion: string): JsonSchema {
  const structures = new Map<ModelName, Set<string>>();
  const definitions: Record<string, JsonSchema> = {};
  for (const [name, definition] of Object.entries(AUTOSCALING_DEFINITIONS)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [member, source] of Object.entries(definition.members)) {
      properties[member] = 'own' in source ? source.own : memberSchema(models, source, structures);
    }
    definitions[name] = { type: 'object', additionalProperties: false, properties, required: [...definition.required] };
  }
  // Walk the structures the members reach, per model, until no new one appears.
  const origin = new Map<string, ModelName>();
  for (;;) {
    let progressed = false;
    for (const [modelName, seen] of structures) {
      for (const name of [...seen]) {
        if (origin.has(name)) {
          if (origin.get(name) !== modelName) throw new Error(`structure ${name} exists in two models; give one a manifest name`);
          continue;
        }
        if (name in definitions) throw new Error(`structure ${name} collides with a manifest definition`);
        origin.set(name, modelName);
        definitions[name] = nestedStructure(models[modelName], name, seen);
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
  const source = (model: BotocoreModel): string => `${model.metadata.serviceId} API ${model.metadata.apiVersion}`;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment:
      `${AUTOSCALING_MODEL_SCHEMA_FILE}: generated by scripts/gen-ecs-schema.ts from botocore ${botocoreVersion} ` +
      `(${source(models.applicationAutoScaling)}; ${source(models.cloudWatch)}, PutMetricAlarm). Do not edit: run \`npx tsx scripts/gen-ecs-schema.ts\`.`,
    definitions: sorted,
  };
}
