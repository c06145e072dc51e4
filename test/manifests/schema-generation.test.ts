import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AUTOSCALING_MODEL_SCHEMA, ECS_MODEL_SCHEMA, formatProblem, SCHEDULER_MODEL_SCHEMA, validateDocuments } from '../../src/manifests/index.js';
import { EDITOR_MANIFEST_SCHEMA } from '../../src/manifests/editor-schema.js';
import { schemaErrors } from '../../src/manifests/manifest-validator.js';
import { isCi } from '../support/programs.js';
import { generateAutoScalingSchema } from '../../scripts/autoscaling-schema-generator.js';
import { locateBotocoreModel, readBotocoreModel } from '../../scripts/botocore-model.js';
import { OUTPUTS, renderOutputs } from '../../scripts/gen-ecs-schema.js';
import { generateEcsModelSchema, type BotocoreModel } from '../../scripts/ecs-schema-generator.js';
import { generateSchedulerSchema } from '../../scripts/scheduler-schema-generator.js';

const repoFile = (file: string): string => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

// botocore ships with moto on the CI image: there a missing model is a failure, never a skip.
const model = locateBotocoreModel();
if (!model && isCi()) throw new Error('botocore (python3 -c "import botocore") is required when CI=true: it ships with moto');

describe('committed schemas', () => {
  it.skipIf(!model)('are what scripts/gen-ecs-schema.ts generates from the installed ECS model (run it if this fails)', () => {
    for (const [file, content] of Object.entries(renderOutputs())) {
      expect(repoFile(file), `${file} is stale: run npx tsx scripts/gen-ecs-schema.ts`).toBe(content);
    }
  });

  it('embed the same schema the JSON files hold (no build step needs Python)', () => {
    expect(JSON.parse(repoFile(OUTPUTS.modelJson))).toEqual(ECS_MODEL_SCHEMA);
    expect(JSON.parse(repoFile(OUTPUTS.autoScalingJson))).toEqual(AUTOSCALING_MODEL_SCHEMA);
    expect(JSON.parse(repoFile(OUTPUTS.schedulerJson))).toEqual(SCHEDULER_MODEL_SCHEMA);
    expect(JSON.parse(repoFile(OUTPUTS.manifestJson))).toEqual(EDITOR_MANIFEST_SCHEMA);
  });

  describe('templates (metadata.environments, spec.environments)', () => {
    const TEMPLATE = 'test/manifests/fixtures/environments/template.yaml';
    const editor = (): ValidateFunction => {
      const ajv = new Ajv({ strict: true, allErrors: true });
      for (const file of [OUTPUTS.modelJson, OUTPUTS.autoScalingJson, OUTPUTS.schedulerJson, OUTPUTS.manifestJson]) {
        ajv.addSchema(JSON.parse(repoFile(file)) as object, new URL(`../../${file}`, import.meta.url).href);
      }
      const validate = ajv.getSchema(new URL(`../../${OUTPUTS.manifestJson}`, import.meta.url).href);
      if (!validate) throw new Error('top-level schema missing');
      return validate;
    };
    const documents = (): Record<string, unknown>[] => (parseAllDocuments(repoFile(TEMPLATE)) as unknown as { toJS(): Record<string, unknown> }[]).map((doc) => doc.toJS());

    it('the editor schema accepts a template file that ecs-gitops renders without problems', () => {
      const validate = editor();
      const docs = documents();
      expect(docs.map((doc) => doc.kind)).toEqual(['Environment', 'Environment', 'Cluster', 'Service', 'ScheduledTask']);
      for (const doc of docs) expect(validate(doc), `${String(doc.kind)}: ${JSON.stringify(validate.errors)}`).toBe(true);
      const snapshot = validateDocuments([{ path: 'template.yaml', content: repoFile(TEMPLATE) }]);
      expect(snapshot.problems.map(formatProblem)).toEqual([]);
      expect([snapshot.clusters.length, snapshot.services.length, snapshot.scheduledTasks?.length]).toEqual([2, 2, 2]);
    });

    it('the editor schema still checks the template: names, the base spec, overrides as mappings', () => {
      const validate = editor();
      const [, , cluster, service, task] = documents() as [unknown, unknown, Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>];
      const withMetadata = (doc: Record<string, Record<string, unknown>>, metadata: Record<string, unknown>) => ({ ...doc, metadata: { ...doc.metadata, ...metadata } });
      const withSpec = (doc: Record<string, Record<string, unknown>>, spec: Record<string, unknown>) => ({ ...doc, spec: { ...doc.spec, ...spec } });
      expect(validate(withMetadata(service, { environments: [] }))).toBe(false);
      expect(validate(withMetadata(service, { environments: ['dev', 'dev'] }))).toBe(false);
      expect(validate(withMetadata(service, { environments: ['Prod'] }))).toBe(false);
      expect(validate(withMetadata(service, { environments: 'dev' }))).toBe(false);
      expect(validate(withSpec(service, { environments: { prod: 3 } }))).toBe(false);
      expect(validate(withSpec(service, { environments: { 'not a name': {} } }))).toBe(false);
      expect(validate(withSpec(service, { desiredCount: 'three' }))).toBe(false);
      expect(validate(withSpec(service, { unknownField: 1 }))).toBe(false);
      expect(validate(withSpec(cluster, { environments: { prod: [] } }))).toBe(false);
      expect(validate(withSpec(task, { taskCount: 11 }))).toBe(false);
      // Without environments a Service and a ScheduledTask still need a cluster; with them the environment may give it.
      const { environments: _listed, ...single } = service.metadata as Record<string, unknown>;
      expect(validate({ ...service, metadata: single })).toBe(false);
      expect(validate({ ...service, metadata: { ...single, cluster: 'main' } })).toBe(true);
      expect(validate(withMetadata(task, { cluster: 'main' }))).toBe(true);
    });

    it('the validator of rendered instances refuses both fields', () => {
      const [, , cluster, service, task] = documents() as [unknown, unknown, Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>];
      const concrete = (doc: Record<string, Record<string, unknown>>, kind: 'Service' | 'Cluster' | 'ScheduledTask') => {
        const { environments: _listed, ...metadata } = doc.metadata as Record<string, unknown>;
        const { environments: _overrides, ...spec } = doc.spec as Record<string, unknown>;
        const rendered = { ...doc, metadata: { ...metadata, region: 'eu-west-1', ...(kind === 'Cluster' ? {} : { cluster: 'main' }) }, spec: JSON.parse(JSON.stringify(spec).replaceAll(/\$\{[^}]*\}/g, 'x')) as unknown };
        expect(schemaErrors(kind, rendered), kind).toEqual([]);
        const listed = schemaErrors(kind, { ...rendered, metadata: { ...rendered.metadata, environments: ['dev'] } });
        expect(listed.map((e) => [e.instancePath, e.keyword, e.params]), kind).toEqual([['/metadata', 'additionalProperties', { additionalProperty: 'environments' }]]);
        const overridden = schemaErrors(kind, { ...rendered, spec: { ...(rendered.spec as object), environments: {} } });
        expect(overridden.map((e) => [e.instancePath, e.keyword, e.params]), kind).toEqual([['/spec', 'additionalProperties', { additionalProperty: 'environments' }]]);
      };
      concrete(cluster, 'Cluster');
      concrete(service, 'Service');
      concrete(task, 'ScheduledTask');
    });
  });

  it('compile in ajv strict mode as editors use them (top level, kind chosen by if/then/else)', () => {
    // Registered under file URIs, as an editor loading schema/*.json would: the relative $refs must resolve.
    const ajv = new Ajv({ strict: true, allErrors: true });
    ajv.addSchema(JSON.parse(repoFile(OUTPUTS.modelJson)) as object, new URL(`../../${OUTPUTS.modelJson}`, import.meta.url).href);
    ajv.addSchema(JSON.parse(repoFile(OUTPUTS.autoScalingJson)) as object, new URL(`../../${OUTPUTS.autoScalingJson}`, import.meta.url).href);
    ajv.addSchema(JSON.parse(repoFile(OUTPUTS.schedulerJson)) as object, new URL(`../../${OUTPUTS.schedulerJson}`, import.meta.url).href);
    ajv.addSchema(JSON.parse(repoFile(OUTPUTS.manifestJson)) as object, new URL(`../../${OUTPUTS.manifestJson}`, import.meta.url).href);
    const validate = ajv.getSchema(new URL(`../../${OUTPUTS.manifestJson}`, import.meta.url).href);
    if (!validate) throw new Error('top-level schema missing');
    for (const file of ['manifests/services/web.yaml', 'manifests/services/worker.yaml', 'manifests/services/edge-proxy.yaml', 'manifests/clusters/demo.yaml', 'test/manifests/fixtures/autoscaling/full.yaml', 'test/manifests/fixtures/scheduled-tasks/full.yaml']) {
      for (const doc of parseAllDocuments(repoFile(file)) as unknown as { toJS(): unknown }[]) {
        expect(validate(doc.toJS()), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
    expect(validate({ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'demo', cluster: 'x' } })).toBe(false);
    expect(validate({ apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name: 'web' }, spec: {} })).toBe(false);
    expect(validate({ apiVersion: 'ecs-gitops/v1', kind: 'CapacityProvider', metadata: { name: 'ecs-asg' }, spec: { autoScalingGroupProvider: { autoScalingGroupArn: 'x' } } })).toBe(false);
    const scheduledTask = { apiVersion: 'ecs-gitops/v1', kind: 'ScheduledTask', metadata: { name: 'nightly.report', cluster: 'demo' }, spec: { schedule: 'rate(1 day)', roleArn: 'arn:aws:iam::123456789012:role/r', taskDefinition: { family: 'f', containerDefinitions: [] } } };
    expect(validate(scheduledTask), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...scheduledTask, spec: { ...scheduledTask.spec, taskCount: 11 } })).toBe(false);
    expect(validate({ ...scheduledTask, metadata: { name: 'nightly report', cluster: 'demo' } })).toBe(false);
  });

  it('keep the ECS model\'s types, enums and required members, and apply the manifest replacements', () => {
    const definitions = ECS_MODEL_SCHEMA.definitions as Record<string, { properties: Record<string, unknown>; required?: string[]; additionalProperties: unknown }>;
    const service = definitions.ServiceSpec;
    expect(service?.additionalProperties).toBe(false);
    expect(service?.required).toEqual(['taskDefinition']);
    for (const dropped of ['serviceName', 'cluster', 'clientToken']) expect(service?.properties).not.toHaveProperty(dropped);
    expect(service?.properties.taskDefinition).toEqual({ $ref: '#/definitions/TaskDefinitionSpec' });
    expect(service?.properties.tags).toEqual({ $ref: 'manifest.schema.json#/definitions/TagMap' });
    expect(service?.properties.launchType).toEqual({ type: 'string', enum: ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] });
    expect(definitions.TaskDefinitionSpec?.required).toEqual(['family', 'containerDefinitions']);
    expect(definitions.ClusterSpec?.properties).not.toHaveProperty('clusterName');
    expect(definitions.ContainerDefinition?.properties.memory).toEqual({ type: 'integer' });
    expect(service?.properties.autoScaling).toEqual({ $ref: 'autoscaling-model.generated.json#/definitions/AutoScalingSpec' });
    const capacityProvider = definitions.CapacityProviderSpec;
    expect(capacityProvider?.required).toEqual(['autoScalingGroupProvider']);
    expect(Object.keys(capacityProvider?.properties ?? {})).toEqual(['autoScalingGroupProvider', 'tags']);
    expect(definitions.ManagedScaling?.properties.targetCapacity).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
  });

  it('take spec.autoScaling from the Application Auto Scaling and CloudWatch models, camelCased and narrowed to ECS', () => {
    const definitions = AUTOSCALING_MODEL_SCHEMA.definitions as Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
    expect(definitions.AutoScalingSpec?.required).toEqual(['minCapacity', 'maxCapacity']);
    expect(definitions.TargetTrackingPolicySpec?.properties.predefinedMetric?.enum).toEqual(['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget']);
    expect(definitions.TargetTrackingPolicySpec?.properties.scaleInCooldown).toEqual({ type: 'integer', minimum: 0, maximum: 86400 });
    expect(definitions.TargetTrackingPolicySpec?.properties.customizedMetric).toEqual({ $ref: '#/definitions/CustomizedMetricSpecification' });
    expect(Object.keys(definitions.CustomizedMetricSpecification?.properties ?? {})).toEqual(['metricName', 'namespace', 'dimensions', 'statistic', 'unit', 'metrics']);
    expect(definitions.StepAdjustment?.required).toEqual(['scalingAdjustment']);
    expect(definitions.StepScalingAlarmSpec?.properties.dimensions).toEqual({ type: 'array', items: { $ref: '#/definitions/Dimension' }, maxItems: 30 });
    expect(Object.keys(definitions.ScheduledActionSpec?.properties ?? {})).toEqual(['name', 'schedule', 'timezone', 'startTime', 'endTime', 'minCapacity', 'maxCapacity']);
  });
});

describe('the ScheduledTask spec and spec.hooks', () => {
  type Definitions = Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
  const definitions = SCHEDULER_MODEL_SCHEMA.definitions as Definitions;

  it('take CreateSchedule, Target and EcsParameters members, camelCased, with the models\' ranges and enums', () => {
    const spec = definitions.ScheduledTaskSpec;
    expect(spec?.required).toEqual(['schedule', 'roleArn', 'taskDefinition']);
    expect(Object.keys(spec?.properties ?? {})).toEqual([
      'schedule', 'timezone', 'flexibleTimeWindow', 'startDate', 'endDate', 'state', 'description', 'kmsKeyArn', 'roleArn', 'retryPolicy', 'deadLetterConfig',
      'taskDefinition', 'launchType', 'capacityProviderStrategy', 'platformVersion', 'networkConfiguration', 'taskCount', 'propagateTags', 'enableECSManagedTags',
      'enableExecuteCommand', 'group', 'placementConstraints', 'placementStrategy', 'referenceId', 'overrides', 'tags', 'sync',
    ]);
    expect(spec?.properties.taskCount).toEqual({ type: 'integer', minimum: 1, maximum: 10 });
    expect(spec?.properties.group).toEqual({ type: 'string', minLength: 1, maxLength: 255 });
    expect(spec?.properties.launchType).toEqual({ type: 'string', enum: ['EC2', 'FARGATE', 'EXTERNAL'] });
    expect(spec?.properties.taskDefinition).toEqual({ $ref: 'ecs-model.generated.json#/definitions/TaskDefinitionSpec' });
    expect(spec?.properties.overrides).toEqual({ $ref: '#/definitions/TaskOverride' });
    expect(spec?.properties.sync).toEqual({ $ref: 'manifest.schema.json#/definitions/SyncPolicy' });
    expect(definitions.FlexibleTimeWindow?.properties).toEqual({ maximumWindowInMinutes: { type: 'integer', minimum: 1, maximum: 1440 }, mode: { type: 'string', enum: ['OFF', 'FLEXIBLE'] } });
    expect(definitions.FlexibleTimeWindow?.required).toEqual(['mode']);
    expect(definitions.RetryPolicy?.properties).toEqual({ maximumEventAgeInSeconds: { type: 'integer', minimum: 60, maximum: 86400 }, maximumRetryAttempts: { type: 'integer', minimum: 0, maximum: 185 } });
    expect(definitions.AwsVpcConfiguration?.required).toEqual(['subnets']);
    // ECS's TaskOverride is defined here; what ecs-model.generated.json defines is referred to there.
    expect(definitions.ContainerOverride?.properties.environment).toEqual({ type: 'array', items: { $ref: 'ecs-model.generated.json#/definitions/KeyValuePair' } });
  });

  it('give a hook the ECS RunTask members and its own name, command and timeout', () => {
    const hook = definitions.DeployHookSpec;
    expect(hook?.required).toEqual(['name']);
    expect(hook?.properties.name).toEqual({ type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' });
    expect(hook?.properties.timeout).toEqual({ type: 'integer', minimum: 1, maximum: 86400 });
    expect(hook?.properties.networkConfiguration).toEqual({ $ref: 'ecs-model.generated.json#/definitions/NetworkConfiguration' });
    expect(hook?.properties.launchType).toEqual({ type: 'string', enum: ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] });
    expect(definitions.DeployHooksSpec?.properties.preDeploy).toEqual({ type: 'array', items: { $ref: '#/definitions/DeployHookSpec' }, maxItems: 10 });
  });

  it('fails loudly when a member left the model', () => {
    const schedulerModel = locateBotocoreModel('scheduler');
    if (!schedulerModel || !model) return;
    const scheduler = readBotocoreModel(schedulerModel.modelPath) as unknown as { shapes: Record<string, { members?: Record<string, unknown> }> };
    const ecs = readBotocoreModel(model.modelPath);
    const ecsSchema = generateEcsModelSchema(ecs, '1');
    expect(() => generateSchedulerSchema({ scheduler: scheduler as unknown as BotocoreModel, ecs, ecsSchema }, '1')).not.toThrow();
    delete scheduler.shapes.EcsParameters?.members?.TaskCount;
    expect(() => generateSchedulerSchema({ scheduler: scheduler as unknown as BotocoreModel, ecs, ecsSchema }, '1'))
      .toThrow("the Scheduler model's EcsParameters has no member TaskCount");
  });
});

describe('generateAutoScalingSchema', () => {
  it('fails loudly when a narrowed enum value left the model, or a member is gone', () => {
    const aasModel = locateBotocoreModel('applicationAutoScaling');
    const cwModel = locateBotocoreModel('cloudWatch');
    if (!aasModel || !cwModel) return;
    const applicationAutoScaling = readBotocoreModel(aasModel.modelPath);
    const cloudWatch = readBotocoreModel(cwModel.modelPath);
    const withoutAlb = structuredClone(applicationAutoScaling) as { shapes: Record<string, { enum?: string[] }> };
    const metricType = withoutAlb.shapes.MetricType as { enum: string[] };
    metricType.enum = metricType.enum.filter((v) => v !== 'ALBRequestCountPerTarget');
    expect(() => generateAutoScalingSchema({ applicationAutoScaling: withoutAlb as unknown as BotocoreModel, cloudWatch }, '1'))
      .toThrow("PredefinedMetricSpecification.PredefinedMetricType: the model's enum no longer has ALBRequestCountPerTarget");
    const withoutCooldown = structuredClone(applicationAutoScaling) as { shapes: Record<string, { members?: Record<string, unknown> }> };
    delete withoutCooldown.shapes.StepScalingPolicyConfiguration?.members?.Cooldown;
    expect(() => generateAutoScalingSchema({ applicationAutoScaling: withoutCooldown as unknown as BotocoreModel, cloudWatch }, '1'))
      .toThrow("the Application Auto Scaling model's StepScalingPolicyConfiguration has no member Cooldown");
  });
});

describe('generateEcsModelSchema', () => {
  // A tiny hand-made model: every botocore type the generator maps.
  const tiny: BotocoreModel = {
    metadata: { apiVersion: '2014-11-13', serviceId: 'ECS' },
    shapes: {
      CreateServiceRequest: {
        type: 'structure',
        required: ['serviceName'],
        members: {
          serviceName: { shape: 'String' },
          cluster: { shape: 'String' },
          clientToken: { shape: 'String' },
          taskDefinition: { shape: 'String' },
          tags: { shape: 'Tags' },
          desiredCount: { shape: 'BoxedInteger' },
          weight: { shape: 'Weight' },
          ratio: { shape: 'Double' },
          enabled: { shape: 'Boolean' },
          launchType: { shape: 'LaunchType' },
          items: { shape: 'ItemList' },
          labels: { shape: 'Labels' },
          hook: { shape: 'HookDetails' },
        },
      },
      RegisterTaskDefinitionRequest: { type: 'structure', required: ['family'], members: { family: { shape: 'String' }, tags: { shape: 'Tags' } } },
      CreateClusterRequest: { type: 'structure', members: { clusterName: { shape: 'String' }, tags: { shape: 'Tags' } } },
      CreateCapacityProviderRequest: {
        type: 'structure',
        required: ['name'],
        members: { name: { shape: 'String' }, cluster: { shape: 'String' }, autoScalingGroupProvider: { shape: 'String' }, managedInstancesProvider: { shape: 'String' }, tags: { shape: 'Tags' } },
      },
      String: { type: 'string' },
      BoxedInteger: { type: 'integer', box: true } as BotocoreModel['shapes'][string],
      Weight: { type: 'integer', min: 0, max: 1000 },
      Double: { type: 'double' },
      Boolean: { type: 'boolean' },
      LaunchType: { type: 'string', enum: ['EC2', 'FARGATE'] },
      Item: { type: 'structure', members: { name: { shape: 'String' }, child: { shape: 'Item' } } },
      ItemList: { type: 'list', member: { shape: 'Item' }, max: 5 },
      Labels: { type: 'map', key: { shape: 'LabelKey' }, value: { shape: 'String' } },
      LabelKey: { type: 'string', min: 1, max: 10 },
      HookDetails: { type: 'structure', members: {}, document: true },
      Tags: { type: 'list', member: { shape: 'String' } },
    },
  };

  it('maps every shape type, recursion included, and records where it came from', () => {
    const schema = generateEcsModelSchema(tiny, '9.9.9');
    expect(schema.$comment).toContain('botocore 9.9.9 (ECS API 2014-11-13)');
    const d = schema.definitions as Record<string, { properties: Record<string, unknown>; required?: string[] }>;
    expect(Object.keys(d)).toEqual(['CapacityProviderSpec', 'ClusterSpec', 'Item', 'ServiceSpec', 'TaskDefinitionSpec']);
    expect(d.CapacityProviderSpec?.properties).toEqual({ autoScalingGroupProvider: { type: 'string' }, tags: { $ref: 'manifest.schema.json#/definitions/TagMap' } });
    expect(d.ServiceSpec?.properties).toEqual({
      taskDefinition: { $ref: '#/definitions/TaskDefinitionSpec' },
      tags: { $ref: 'manifest.schema.json#/definitions/TagMap' },
      desiredCount: { type: 'integer' },
      weight: { type: 'integer', minimum: 0, maximum: 1000 },
      ratio: { type: 'number' },
      enabled: { type: 'boolean' },
      launchType: { type: 'string', enum: ['EC2', 'FARGATE'] },
      items: { type: 'array', items: { $ref: '#/definitions/Item' }, maxItems: 5 },
      labels: { type: 'object', additionalProperties: { type: 'string' }, propertyNames: { type: 'string', minLength: 1, maxLength: 10 } },
      hook: {},
      sync: { $ref: 'manifest.schema.json#/definitions/SyncPolicy' },
      autoScaling: { $ref: 'autoscaling-model.generated.json#/definitions/AutoScalingSpec' },
      hooks: { $ref: 'scheduler-model.generated.json#/definitions/DeployHooksSpec' },
    });
    expect(d.ServiceSpec?.required).toEqual(['taskDefinition']);
    expect(d.Item?.properties.child).toEqual({ $ref: '#/definitions/Item' });
  });

  it('fails loudly on a shape type it does not know', () => {
    const broken = { ...tiny, shapes: { ...tiny.shapes, Double: { type: 'bignum' } } };
    expect(() => generateEcsModelSchema(broken, '1')).toThrow('shape Double has unsupported type bignum');
  });
});
