/**
 * The sandbox applies the rules `validate` applies (src/sandbox/server-side-rules.ts
 * runs src/manifests/ecs-constraint-rules.ts): RegisterTaskDefinition refuses
 * with ClientException over the real SDK, CreateService/UpdateService checks
 * refuse with InvalidParameterException (an UpdateService judged on what it
 * sends plus the stored service), and a property over generated manifests:
 * one that passes `validate` is accepted by the sandbox, and one the sandbox
 * refuses for these rules `validate` refuses too.
 */
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand, type CreateServiceCommandInput, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDocuments } from '../../src/manifests/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { JsonObject } from '../../src/sandbox/json-input.js';
import { checkServiceRequest, checkTaskDefinitionRequest, requestFieldName } from '../../src/sandbox/server-side-rules.js';
import type { ServiceRecord } from '../../src/sandbox/state.js';
import { accountOn, fargateTaskDefinition, rejectionOf, testSandbox, type SandboxAccount } from './sandbox-harness.js';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/0123456789abcdef';
const TG_GREEN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/0123456789abcdef';
const RULE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/0123456789abcdef/0123456789abcdef/0123456789abcdef';
const ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructure';
const LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function:smoke-test';
const ADVANCED = { alternateTargetGroupArn: TG_GREEN, productionListenerRule: RULE, roleArn: ROLE };

let sandbox: Sandbox;
let account: SandboxAccount;

beforeAll(async () => {
  sandbox = await testSandbox();
  account = accountOn(sandbox);
  await account.ecs().send(new CreateClusterCommand({ clusterName: 'rules' }));
});
afterAll(async () => {
  await sandbox.close();
});

/** What the sandbox stores for a service, as far as these rules read it. */
function storedService(fields: { deploymentConfiguration?: JsonObject; loadBalancers?: unknown[] }): ServiceRecord {
  return {
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false }, ...fields.deploymentConfiguration },
    deploymentController: { type: 'ECS' },
    schedulingStrategy: 'REPLICA',
    passthrough: fields.loadBalancers ? { loadBalancers: fields.loadBalancers } : {},
  } as unknown as ServiceRecord;
}

function thrown(run: () => void): { type: string; message: string } | undefined {
  try {
    run();
  } catch (err) {
    const e = err as { type: string; message: string };
    return { type: e.type, message: e.message };
  }
  return undefined;
}

describe('sandbox server-side rules', () => {
  it('RegisterTaskDefinition refuses a health check out of range with ClientException, naming the field', async () => {
    const input = fargateTaskDefinition('rules-health');
    input.containerDefinitions = [{ name: 'app', image: 'nginx:1.27', healthCheck: { command: ['CMD-SHELL', 'true'], interval: 4 } }];
    const err = await rejectionOf(account.ecs().send(new RegisterTaskDefinitionCommand(input)));
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe('containerDefinitions[0].healthCheck.interval: healthCheck interval 4 is out of range: ECS allows 5 to 300 seconds');
  });

  it('RegisterTaskDefinition accepts the bounds and keeps the normalizer\'s own messages', async () => {
    const input = fargateTaskDefinition('rules-bounds');
    input.containerDefinitions = [{ name: 'app', image: 'nginx:1.27', healthCheck: { command: ['CMD', 'true'], interval: 300, timeout: 60, retries: 10, startPeriod: 300 } }];
    await account.ecs().send(new RegisterTaskDefinitionCommand(input));
    const err = await rejectionOf(account.ecs().send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('a b'))));
    expect(err.message).toContain('Family contains invalid characters');
  });

  it('CreateService checks throw InvalidParameterException with the field and the allowed range', () => {
    expect(thrown(() => checkServiceRequest({ desiredCount: -1 }, 'CreateService'))).toEqual({
      type: 'InvalidParameterException', message: 'desiredCount: desiredCount -1 is out of range: ECS allows 0 to 2147483647',
    });
    expect(thrown(() => checkServiceRequest({ deploymentConfiguration: { strategy: 'LINEAR', linearConfiguration: { stepPercent: 2 } }, loadBalancers: [{ targetGroupArn: TG, advancedConfiguration: ADVANCED }] }, 'CreateService'))?.message)
      .toBe('deploymentConfiguration.linearConfiguration.stepPercent: stepPercent 2 is not allowed: ECS takes multiples of 0.1 from 3.0 to 100.0');
    // What validate only warns about is let through.
    expect(thrown(() => checkServiceRequest({ deploymentConfiguration: { strategy: 'BLUE_GREEN' } }, 'CreateService'))).toBeUndefined();
  });

  it('UpdateService is judged on what it sends, with the stored service for the rules that pair two fields', () => {
    const blueGreen = storedService({ deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 }, loadBalancers: [{ targetGroupArn: TG, advancedConfiguration: ADVANCED }] });
    // Only desiredCount sent: nothing else is judged.
    expect(thrown(() => checkServiceRequest({ desiredCount: 3 }, 'UpdateService', blueGreen))).toBeUndefined();
    // Load balancers sent without advancedConfiguration to a BLUE_GREEN service.
    expect(thrown(() => checkServiceRequest({ loadBalancers: [{ targetGroupArn: TG }] }, 'UpdateService', blueGreen))?.message)
      .toContain('loadBalancers[0].advancedConfiguration: missing required field "advancedConfiguration": strategy BLUE_GREEN');
    // A rolling service with plain load balancers switched to CANARY.
    const rolling = storedService({ loadBalancers: [{ targetGroupArn: TG }] });
    expect(thrown(() => checkServiceRequest({ deploymentConfiguration: { strategy: 'CANARY' } }, 'UpdateService', rolling))?.message)
      .toContain('loadBalancers[0].advancedConfiguration: missing required field');
    // minimumHealthyPercent sent alone is compared with the stored maximumPercent.
    const narrow = storedService({ deploymentConfiguration: { maximumPercent: 120 } });
    expect(thrown(() => checkServiceRequest({ deploymentConfiguration: { minimumHealthyPercent: 150 } }, 'UpdateService', narrow))?.type).toBe('InvalidParameterException');
    expect(thrown(() => checkTaskDefinitionRequest({ family: 'web', containerDefinitions: [{ name: 'web', portMappings: [{ containerPortRange: '9-8' }] }] }))?.type).toBe('ClientException');
  });

  it('names request fields as ECS does', () => {
    expect(requestFieldName('/deploymentConfiguration/lifecycleHooks/0/lifecycleStages/1')).toBe('deploymentConfiguration.lifecycleHooks[0].lifecycleStages[1]');
  });
});

// Generated manifests: valid-ish services with random deployment configurations, health checks, ports, strategies and hooks.
const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });
/** Mostly a value in range, now and then one out of it: so both verdicts come up often. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
const int = (min: number, max: number, ...bad: number[]): fc.Arbitrary<number> => mostly(fc.integer({ min, max }), fc.constantFrom(...bad));
const STAGES = ['RECONCILE_SERVICE', 'PRE_SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'] as const;
const hookArb = fc.record({
  targetType: opt(fc.constantFrom('AWS_LAMBDA', 'PAUSE')),
  hookTargetArn: mostly(fc.constant<string | undefined>(LAMBDA), fc.constantFrom(undefined, 'arn:aws:sns:eu-west-1:123456789012:topic')),
  roleArn: mostly(fc.constant<string | undefined>(ROLE), fc.constantFrom(undefined, 'arn:aws:iam::123456789012:user/ops')),
  lifecycleStages: mostly(fc.subarray(['POST_SCALE_UP', 'POST_TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT'], { minLength: 1 }), fc.subarray([...STAGES])),
});
const deploymentArb = fc.record({
  strategy: opt(fc.constantFrom('ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY')),
  maximumPercent: opt(int(100, 300, -10)),
  minimumHealthyPercent: opt(int(0, 100, -10, 250)),
  bakeTimeInMinutes: opt(int(0, 1440, -5, 1441)),
  deploymentCircuitBreaker: opt(fc.record({ enable: fc.boolean(), rollback: fc.boolean() })),
  linearConfiguration: opt(fc.record({ stepPercent: opt(mostly(fc.constantFrom(3, 10, 33.3, 100), fc.constantFrom(2.9, 12.55, 100.1))), stepBakeTimeInMinutes: opt(int(0, 1440, -1, 1441)) })),
  canaryConfiguration: opt(fc.record({ canaryPercent: opt(mostly(fc.constantFrom(0.1, 5, 12.3, 100), fc.constantFrom(0, 0.05, 101))), canaryBakeTimeInMinutes: opt(int(0, 1440, -1, 1441)) })),
  lifecycleHooks: opt(fc.array(hookArb, { maxLength: 2 })),
});
const advancedArb = fc.record({
  alternateTargetGroupArn: mostly(fc.constant<string | undefined>(TG_GREEN), fc.constantFrom(undefined, TG)),
  productionListenerRule: mostly(fc.constant<string | undefined>(RULE), fc.constantFrom(undefined, TG_GREEN)),
  roleArn: mostly(fc.constant<string | undefined>(ROLE), fc.constant(undefined)),
});
const manifestArb = fc.record({
  desiredCount: opt(int(0, 4, -1)),
  healthCheckGracePeriodSeconds: opt(int(0, 600, -1)),
  deploymentConfiguration: opt(deploymentArb),
  advancedConfiguration: mostly(advancedArb, fc.constant(undefined)),
  withLoadBalancer: fc.boolean(),
  healthCheck: opt(fc.record({
    command: mostly<string[]>(fc.constantFrom(['CMD-SHELL', 'true'], ['CMD', '/bin/true']), fc.constant(['true'])),
    interval: opt(int(5, 300, 4, 301)),
    timeout: opt(int(2, 60, 1, 61, 120)),
    retries: opt(int(1, 10, 0, 11)),
    startPeriod: opt(int(0, 300, -1, 301)),
  })),
  containerPort: mostly(fc.constant(8080), fc.constantFrom(0, 70000)),
  portRange: opt(mostly(fc.constant('9000-9100'), fc.constantFrom('9100-9000', '9000'))),
});
type Generated = typeof manifestArb extends fc.Arbitrary<infer T> ? T : never;

/** JSON round trip: drops the undefined fields fast-check leaves in. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function toManifest(g: Generated, name: string): { content: string; spec: JsonObject; taskDefinition: JsonObject } {
  const portMappings: JsonObject[] = [{ containerPort: g.containerPort }];
  if (g.portRange !== undefined) portMappings.push({ containerPortRange: g.portRange });
  const taskDefinition = plain({
    family: name, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [{ name: 'web', image: 'nginx:1.27', portMappings, ...(g.healthCheck ? { healthCheck: g.healthCheck } : {}) }],
  }) as JsonObject;
  const spec = plain({
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'] } },
    desiredCount: g.desiredCount,
    healthCheckGracePeriodSeconds: g.healthCheckGracePeriodSeconds,
    deploymentConfiguration: g.deploymentConfiguration,
    ...(g.withLoadBalancer ? { loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: g.containerPort, ...(g.advancedConfiguration ? { advancedConfiguration: g.advancedConfiguration } : {}) }] } : {}),
  }) as JsonObject;
  const content = JSON.stringify({ apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name, cluster: 'rules' }, spec: { ...spec, taskDefinition } });
  return { content, spec, taskDefinition };
}

/** The sandbox's verdict on these rules for the service and its task definition. */
function sandboxRefusal(spec: JsonObject, taskDefinition: JsonObject): string | undefined {
  return thrown(() => checkTaskDefinitionRequest(taskDefinition))?.message ?? thrown(() => checkServiceRequest(spec, 'CreateService'))?.message;
}

describe('validate and the sandbox agree (property over generated manifests)', () => {
  it('every manifest validate passes is accepted; every one the sandbox refuses, validate refuses', () => {
    let counter = 0;
    let accepted = 0;
    let refused = 0;
    fc.assert(fc.property(manifestArb, (g) => {
      const { content, spec, taskDefinition } = toManifest(g, `gen-${counter++}`);
      const errors = validateDocuments([{ path: 'gen.json', content }], { defaultRegion: 'eu-west-1' }).problems;
      const refusal = sandboxRefusal(spec, taskDefinition);
      if (errors.length === 0) {
        accepted++;
        expect(refusal).toBeUndefined();
      }
      if (refusal !== undefined) {
        refused++;
        // The same rule, at the same field: the sandbox's message names the field validate points at.
        const field = refusal.slice(0, refusal.indexOf(':'));
        expect(errors.map((e) => requestFieldName(e.pointer.replace(/^\/spec(\/taskDefinition)?/, '')))).toContain(field);
      }
    }), { numRuns: 600, seed: 22 });
    // Both sides of the property were exercised.
    expect(accepted).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(60);
  });

  it('over the real SDK: manifests validate passes register and create in the sandbox', async () => {
    const ecs = account.ecs();
    const samples = fc.sample(manifestArb, { numRuns: 400, seed: 7 });
    let sent = 0;
    for (const [i, g] of samples.entries()) {
      const { content, spec, taskDefinition } = toManifest(g, `sdk-${i}`);
      if (validateDocuments([{ path: 'gen.json', content }], { defaultRegion: 'eu-west-1' }).problems.length > 0) continue;
      const td = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition as unknown as RegisterTaskDefinitionCommandInput));
      const input = { ...spec, cluster: 'rules', serviceName: `sdk-${i}`, taskDefinition: td.taskDefinition?.taskDefinitionArn } as unknown as CreateServiceCommandInput;
      await ecs.send(new CreateServiceCommand(input));
      sent++;
    }
    expect(sent).toBeGreaterThan(10);
  });
});
