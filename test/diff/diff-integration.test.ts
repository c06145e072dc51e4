/**
 * The diff engine against real implementations of the ECS API, through the
 * real SDK over HTTP: moto_server and the embedded sandbox run the same test
 * body. Manifests (hand-written and generated) are applied with the planner's
 * own actions, read back, and must show no drift; then one field is changed
 * live and exactly that pointer must be reported, and applying the plan heals it.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type Service,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffService, type Change } from '../../src/diff/index.js';
import type { ServiceManifest, ServiceSpec, TaskDefinitionSpec } from '../../src/manifests/types.js';
import { planService, withRegisteredTaskDefinition, type Action } from '../../src/plan/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { motoAccount, motoEndpoint } from '../support/moto.js';
import { serviceSpecArb } from './arbitraries.js';
import { baseSpec, desiredOf, manifestOf } from './fixtures.js';

const CLUSTER = 'prod';

/** A backend fidelity gap (docs/ecs-facts.md#moto-521-vs-real-ecs): fields the backend does not store. */
type Gap = 'deploymentConfiguration' | 'serviceFlags' | 'defaultSecurityGroup';

interface Connection {
  readonly ecs: ECSClient;
  /** Subnets and security groups that exist in the backend (moto checks them against its EC2). */
  readonly network: { readonly subnets: readonly string[]; readonly securityGroups: readonly string[] };
  close(): Promise<void>;
}

interface Backend {
  readonly name: string;
  readonly available: boolean;
  readonly gaps: ReadonlySet<Gap>;
  connect(): Promise<Connection>;
}

const backends: Backend[] = [
  {
    name: 'moto',
    available: motoEndpoint() !== null,
    // moto's CreateService drops deploymentConfiguration, enableExecuteCommand and healthCheckGracePeriodSeconds,
    // and fails (HTTP 500) on awsvpc without securityGroups instead of using the VPC's default group.
    gaps: new Set<Gap>(['deploymentConfiguration', 'serviceFlags', 'defaultSecurityGroup']),
    connect: async () => {
      const account = motoAccount();
      return { ecs: account.ecs(), network: await motoNetwork(account.endpoint, account.accountId, account.region), close: async () => {} };
    },
  },
  {
    name: 'sandbox',
    available: true,
    gaps: new Set<Gap>(),
    connect: async () => {
      const sandbox: Sandbox = await startSandbox({ clockSpeed: 0, throttling: 'off' });
      const ecs = new ECSClient({ ...sandbox.clientConfig(), maxAttempts: 1 });
      const network = { subnets: ['subnet-a', 'subnet-b', 'subnet-c'], securityGroups: ['sg-1', 'sg-2'] };
      return { ecs, network, close: () => sandbox.close() };
    },
  },
];

/**
 * A VPC with three subnets and two security groups in moto's EC2, created over
 * EC2's query protocol (the project has no EC2 SDK client; moto reads the
 * account from its header and the Region from the credential scope).
 */
async function motoNetwork(endpoint: string, accountId: string, region: string): Promise<Connection['network']> {
  const call = async (params: Record<string, string>, field: string): Promise<string> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      body: new URLSearchParams({ Version: '2016-11-15', ...params }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-moto-account-id': accountId,
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    const text = await response.text();
    const value = new RegExp(`<${field}>([^<]+)</${field}>`).exec(text)?.[1];
    if (!value) throw new Error(`moto EC2 ${params.Action} failed: ${text.slice(0, 300)}`);
    return value;
  };
  const vpcId = await call({ Action: 'CreateVpc', CidrBlock: '10.0.0.0/16' }, 'vpcId');
  const subnets = [];
  for (const n of [1, 2, 3]) subnets.push(await call({ Action: 'CreateSubnet', VpcId: vpcId, CidrBlock: `10.0.${n}.0/24` }, 'subnetId'));
  const securityGroups = [];
  for (const n of [1, 2]) {
    securityGroups.push(await call({ Action: 'CreateSecurityGroup', GroupName: `it-${n}`, GroupDescription: 'diff test', VpcId: vpcId }, 'groupId'));
  }
  return { subnets, securityGroups };
}

/** Makes a generated spec valid for Fargate (sizes, awsvpc, unique ports) and leaves out what the backend cannot store. */
function fitForFargate(spec: ServiceSpec, name: string, gaps: ReadonlySet<Gap>, network: Connection['network'], seed: number): ServiceSpec {
  const { capacityProviderStrategy: _cps, ...rest } = spec;
  let port = 8000;
  const containers = (spec.taskDefinition.containerDefinitions ?? []).map((c) => {
    const { cpu: _cpu, memory: _memory, ...container } = c;
    return { ...container, portMappings: (c.portMappings ?? []).map((m) => ({ ...m, containerPort: port++ })) };
  });
  const td: TaskDefinitionSpec = {
    ...spec.taskDefinition,
    family: name,
    cpu: '0.25 vCPU',
    memory: '0.5 GB',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containerDefinitions: containers,
  };
  const vpc = spec.networkConfiguration?.awsvpcConfiguration;
  const pick = (pool: readonly string[], count: number) => pool.slice(seed % pool.length).concat(pool).slice(0, Math.min(count, pool.length));
  const awsvpcConfiguration = {
    ...vpc,
    subnets: pick(network.subnets, Math.max(1, vpc?.subnets?.length ?? 1)),
    ...(vpc?.securityGroups?.length || gaps.has('defaultSecurityGroup')
      ? { securityGroups: pick(network.securityGroups, Math.max(1, vpc?.securityGroups?.length ?? 1)) }
      : {}),
  };
  const fitted: Record<string, unknown> = { ...rest, launchType: 'FARGATE', taskDefinition: td, networkConfiguration: { awsvpcConfiguration } };
  if (gaps.has('deploymentConfiguration')) delete fitted.deploymentConfiguration;
  if (gaps.has('serviceFlags')) {
    delete fitted.enableExecuteCommand;
    delete fitted.healthCheckGracePeriodSeconds;
  }
  return fitted as unknown as ServiceSpec;
}

function manifests(gaps: ReadonlySet<Gap>, network: Connection['network']): ServiceManifest[] {
  const handWritten = baseSpec();
  handWritten.networkConfiguration = { awsvpcConfiguration: { subnets: [...network.subnets.slice(0, 2)].reverse(), securityGroups: [network.securityGroups[0] as string] } };
  handWritten.tags = { team: 'payments', 'cost/center': '42' };
  if (!gaps.has('deploymentConfiguration')) {
    handWritten.deploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: true } };
  }
  const generated = fc.sample(serviceSpecArb, { numRuns: 5, seed: 4242 });
  return [
    manifestOf(handWritten, 'web'),
    ...generated.map((spec, i) => manifestOf(fitForFargate(spec, `gen${i}`, gaps, network, i), `gen${i}`)),
  ];
}

async function apply(ecs: ECSClient, actions: readonly Action[]): Promise<void> {
  let registered: string | undefined;
  for (const action of actions) {
    const step = registered === undefined ? action : withRegisteredTaskDefinition(action, registered);
    switch (step.kind) {
      case 'registerTaskDefinition':
        registered = (await ecs.send(new RegisterTaskDefinitionCommand(step.input))).taskDefinition?.taskDefinitionArn;
        break;
      case 'createService':
        await ecs.send(new CreateServiceCommand(step.input));
        break;
      case 'updateService':
        await ecs.send(new UpdateServiceCommand(step.input));
        break;
      case 'tagResource':
        await ecs.send(new TagResourceCommand({ resourceArn: step.resourceArn, tags: step.tags }));
        break;
      case 'untagResource':
        await ecs.send(new UntagResourceCommand({ resourceArn: step.resourceArn, tagKeys: step.tagKeys }));
        break;
      case 'deleteService':
        await ecs.send(new DeleteServiceCommand(step.input));
        break;
    }
  }
}

interface Live {
  service?: Service;
  taskDefinition?: TaskDefinition;
  tags?: Tag[];
}

async function readLive(ecs: ECSClient, name: string): Promise<Live> {
  const described = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name], include: ['TAGS'] }));
  const service = described.services?.[0];
  if (!service?.taskDefinition) return { service };
  const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
  return { service, taskDefinition: td.taskDefinition, tags: service.tags };
}

async function sync(ecs: ECSClient, manifest: ServiceManifest): Promise<Change[]> {
  const live = await readLive(ecs, manifest.metadata.name);
  const changes = diffService(manifest, live);
  const plan = planService({ desired: desiredOf(manifest), live, changes, controllerId: 'it-controller', revision: 'r1' });
  expect(plan.blocked).toBeUndefined();
  await apply(ecs, plan.actions);
  return changes;
}

async function diffNow(ecs: ECSClient, manifest: ServiceManifest): Promise<Change[]> {
  return diffService(manifest, await readLive(ecs, manifest.metadata.name));
}

for (const backend of backends) {
  describe.runIf(backend.available)(`diff against live ECS: ${backend.name}`, () => {
    let connection: Connection;
    let ecs: ECSClient;
    let all: ServiceManifest[] = [];
    let web: ServiceManifest;

    beforeAll(async () => {
      connection = await backend.connect();
      ecs = connection.ecs;
      all = manifests(backend.gaps, connection.network);
      web = all[0] as ServiceManifest;
      await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
      for (const manifest of all) await sync(ecs, manifest);
    });
    afterAll(async () => {
      ecs?.destroy();
      await connection?.close();
    });

    it('applied manifests (hand-written and generated) read back with no drift', async () => {
      for (const manifest of all) {
        expect({ service: manifest.metadata.name, changes: await diffNow(ecs, manifest) }).toEqual({ service: manifest.metadata.name, changes: [] });
      }
    });

    it('desiredCount changed live: exactly /spec/desiredCount, and sync heals it', async () => {
      await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', desiredCount: 7 }));
      const changes = await diffNow(ecs, web);
      expect(changes.map((c) => [c.pointer, c.desired, c.live])).toEqual([['/spec/desiredCount', 2, 7]]);
      await sync(ecs, web);
      expect(await diffNow(ecs, web)).toEqual([]);
    });

    it('a console-style new revision with another image: exactly the image pointer, and sync heals it', async () => {
      const current = await readLive(ecs, 'web');
      const td = current.taskDefinition as TaskDefinition;
      const containers = (td.containerDefinitions ?? []).map((c) => ({ ...c, image: `${c.image}-hotfix` }));
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: td.family,
          cpu: td.cpu,
          memory: td.memory,
          networkMode: td.networkMode,
          requiresCompatibilities: td.requiresCompatibilities,
          executionRoleArn: td.executionRoleArn,
          containerDefinitions: containers,
        }),
      );
      await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', taskDefinition: registered.taskDefinition?.taskDefinitionArn }));
      const changes = await diffNow(ecs, web);
      expect(changes.map((c) => [c.pointer, c.kind, c.scope])).toEqual([['/spec/taskDefinition/containerDefinitions/0/image', 'changed', 'taskDefinition']]);
      await sync(ecs, web);
      expect(await diffNow(ecs, web)).toEqual([]);
    });

    it('a user tag changed live: exactly that tag pointer, and sync heals it', async () => {
      const service = (await readLive(ecs, 'web')).service as Service;
      await ecs.send(new TagResourceCommand({ resourceArn: service.serviceArn, tags: [{ key: 'cost/center', value: '99' }] }));
      const changes = await diffNow(ecs, web);
      expect(changes.map((c) => [c.pointer, c.desired, c.live])).toEqual([['/spec/tags/cost~1center', '42', '99']]);
      await sync(ecs, web);
      expect(await diffNow(ecs, web)).toEqual([]);
    });

    it('a deleted service is reported missing', async () => {
      const manifest = all[1] as ServiceManifest;
      await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: manifest.metadata.name, desiredCount: 0 }));
      await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: manifest.metadata.name }));
      const changes = await diffNow(ecs, manifest);
      expect(changes.map((c) => [c.pointer, c.kind])).toEqual([['/spec', 'added']]);
    });
  });
}
