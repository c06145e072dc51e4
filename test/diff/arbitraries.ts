/**
 * fast-check generators of valid manifests (task definitions and services) in
 * the forms users write them: units as "0.5 vCPU" or numbers, optional
 * defaults, environment with empty values, named lists in any order.
 */
import fc from 'fast-check';
import type { ServiceSpec, TaskDefinitionSpec } from '../../src/manifests/types.js';

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/);
const envValue = fc.oneof(fc.constant(''), fc.string({ maxLength: 12 }));

const cpu = fc.constantFrom<string | number>('256', '512', '1024', 256, 1024, '0.25 vCPU', '0.5 vCPU', '1 vCPU', '2 vcpu');
const memory = fc.constantFrom<string | number>('512', '1024', 2048, '1 GB', '2GB', '0.5 GB', '3072');

function uniqueBy<T>(arb: fc.Arbitrary<T[]>, key: (t: T) => string): fc.Arbitrary<T[]> {
  return arb.map((items) => {
    const seen = new Set<string>();
    return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
  });
}

const portMapping = fc.record(
  { containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('tcp', 'udp') },
  { requiredKeys: ['containerPort'] },
);

const healthCheck = fc.record(
  {
    command: fc.constant(['CMD-SHELL', 'exit 0']),
    interval: fc.integer({ min: 5, max: 300 }),
    timeout: fc.integer({ min: 2, max: 60 }),
    retries: fc.integer({ min: 1, max: 10 }),
  },
  { requiredKeys: ['command'] },
);

const containerArb = fc.record(
  {
    name,
    image: fc.stringMatching(/^[a-z]{1,8}:[0-9]\.[0-9]{1,2}$/),
    essential: fc.boolean(),
    cpu: fc.integer({ min: 0, max: 1024 }),
    memory: fc.integer({ min: 64, max: 4096 }),
    portMappings: fc.array(portMapping, { maxLength: 2 }),
    environment: uniqueBy(fc.array(fc.record({ name: envName, value: envValue }), { maxLength: 4 }), (e) => e.name),
    secrets: uniqueBy(
      fc.array(fc.record({ name: envName, valueFrom: fc.stringMatching(/^arn:aws:ssm:eu-west-1:1:parameter\/[a-z]{1,6}$/) }), { maxLength: 2 }),
      (e) => e.name,
    ),
    command: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
    dockerLabels: fc.dictionary(fc.stringMatching(/^[A-Za-z.]{1,8}$/), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    healthCheck,
  },
  { requiredKeys: ['name', 'image'] },
);

export const taskDefinitionArb: fc.Arbitrary<TaskDefinitionSpec> = fc
  .record(
    {
      family: name,
      cpu,
      memory,
      networkMode: fc.constantFrom('awsvpc', 'bridge', 'host'),
      requiresCompatibilities: fc.constantFrom(['FARGATE'], ['EC2'], ['EC2', 'FARGATE']),
      containerDefinitions: uniqueBy(fc.array(containerArb, { minLength: 1, maxLength: 3 }), (c) => c.name),
    },
    { requiredKeys: ['family', 'containerDefinitions'] },
  )
  .map((td) => td as unknown as TaskDefinitionSpec);

const subnetList = fc.uniqueArray(fc.stringMatching(/^subnet-[a-f0-9]{2}$/), { minLength: 1, maxLength: 3 });

export const serviceSpecArb: fc.Arbitrary<ServiceSpec> = fc
  .record(
    {
      taskDefinition: taskDefinitionArb,
      desiredCount: fc.integer({ min: 0, max: 20 }),
      launch: fc.oneof(
        fc.record({ launchType: fc.constantFrom('FARGATE', 'EC2') }),
        fc.record({
          capacityProviderStrategy: uniqueBy(
            fc.array(
              fc.record(
                { capacityProvider: fc.constantFrom('FARGATE', 'FARGATE_SPOT', 'asg-1'), weight: fc.integer({ min: 0, max: 5 }), base: fc.integer({ min: 0, max: 2 }) },
                { requiredKeys: ['capacityProvider'] },
              ),
              { minLength: 1, maxLength: 3 },
            ),
            (e) => e.capacityProvider,
          ),
        }),
      ),
      deploymentConfiguration: fc.record(
        {
          maximumPercent: fc.integer({ min: 100, max: 200 }),
          minimumHealthyPercent: fc.integer({ min: 0, max: 100 }),
          deploymentCircuitBreaker: fc.record({ enable: fc.boolean(), rollback: fc.boolean() }),
        },
        { requiredKeys: [] },
      ),
      networkConfiguration: fc.record({
        awsvpcConfiguration: fc.record(
          { subnets: subnetList, securityGroups: fc.uniqueArray(fc.stringMatching(/^sg-[0-9]{2}$/), { maxLength: 2 }), assignPublicIp: fc.constantFrom('ENABLED', 'DISABLED') },
          { requiredKeys: ['subnets'] },
        ),
      }),
      propagateTags: fc.constantFrom('NONE', 'SERVICE', 'TASK_DEFINITION'),
      enableExecuteCommand: fc.boolean(),
      healthCheckGracePeriodSeconds: fc.integer({ min: 0, max: 300 }),
      // ECS tag characters: letters, digits, spaces and + - = . _ : / @
      tags: fc.dictionary(fc.stringMatching(/^[a-z][a-z/]{0,8}$/), fc.stringMatching(/^[A-Za-z0-9 +=._:/@-]{0,8}$/), { maxKeys: 3 }),
      sync: fc.constant(undefined),
    },
    { requiredKeys: ['taskDefinition', 'launch'] },
  )
  .map(({ launch, sync: _sync, ...rest }) => ({ ...rest, ...launch }) as unknown as ServiceSpec);
