/**
 * Task definitions whose names point at nothing, and the ClientException
 * message ECS answers RegisterTaskDefinition with (docs/ecs-facts.md,
 * "Cross-references RegisterTaskDefinition checks"). Shared by the sandbox
 * test and the contract suite, so the sandbox and moto face the same cases.
 */
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';

export interface ReferenceCase {
  readonly name: string;
  readonly input: RegisterTaskDefinitionCommandInput;
  readonly message: string;
}

const app: ContainerDefinition = { name: 'app', image: 'nginx:1.27', memory: 128 };
const envoy: ContainerDefinition = { name: 'envoy', image: 'envoy:v1', memory: 128 };
const router: ContainerDefinition = { name: 'log_router', image: 'fluent-bit:3', memory: 64, firelensConfiguration: { type: 'fluentbit' } };

export const REFERENCE_CASES: readonly ReferenceCase[] = [
  {
    name: 'a mount point naming no volume',
    input: { family: 'refs', volumes: [{ name: 'data' }], containerDefinitions: [{ ...app, mountPoints: [{ sourceVolume: 'date', containerPath: '/data' }] }] },
    message: "Unknown volume 'date'.",
  },
  {
    name: 'a mount point without sourceVolume',
    input: { family: 'refs', volumes: [{ name: 'data' }], containerDefinitions: [{ ...app, mountPoints: [{ containerPath: '/data' }] }] },
    message: "Unknown volume 'null'.",
  },
  {
    name: 'volumesFrom naming no container',
    input: { family: 'refs', containerDefinitions: [app, { ...envoy, volumesFrom: [{ sourceContainer: 'site' }] }] },
    message: "Invalid 'volumesFrom' setting. Unknown container: 'site'.",
  },
  {
    name: 'dependsOn naming no container',
    input: { family: 'refs', containerDefinitions: [{ ...app, dependsOn: [{ containerName: 'sidecar', condition: 'START' }] }] },
    message: "Cannot depend on container + 'sidecar' because it does not exist",
  },
  {
    name: 'proxyConfiguration naming no container',
    input: { family: 'refs', networkMode: 'awsvpc', proxyConfiguration: { type: 'APPMESH', containerName: 'envoy' }, containerDefinitions: [app] },
    message: "Invalid proxyConfiguration: container 'envoy' is not defined in the task definition.",
  },
  {
    name: 'awsfirelens without a log router',
    input: { family: 'refs', containerDefinitions: [{ ...app, logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'cloudwatch' } } }] },
    message: 'When awsfirelens log driver is specified in log configuration, a firelens configuration object must be configured in one of the containers.',
  },
  {
    name: 'a log router nobody logs to',
    input: { family: 'refs', containerDefinitions: [app, router] },
    message: 'When a firelensConfiguration object is specified, at least one container has to be configured with the awsfirelens log driver.',
  },
];

/** Every reference resolves: volumes, volumesFrom, dependsOn, an App Mesh proxy and FireLens. */
export const RESOLVED_REFERENCES: RegisterTaskDefinitionCommandInput = {
  family: 'refs-ok',
  networkMode: 'awsvpc',
  volumes: [{ name: 'data' }],
  proxyConfiguration: { type: 'APPMESH', containerName: 'envoy', properties: [{ name: 'AppPorts', value: '8080' }] },
  containerDefinitions: [
    {
      ...app,
      mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }],
      volumesFrom: [{ sourceContainer: 'envoy' }],
      dependsOn: [{ containerName: 'envoy', condition: 'START' }],
      logConfiguration: { logDriver: 'awsfirelens' },
    },
    envoy,
    router,
  ],
};
