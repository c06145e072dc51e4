/**
 * One controller, the same service in two accounts, against moto_server
 * (docs/environments.md "Many accounts from one controller" and "Lookups"):
 * the connection reaches each account through STS AssumeRole (moto ties the
 * credentials it returns to the role's account), and each account holds its
 * own `${ssm:…}` parameter and `${cfn:STACK.OutputKey}` stack output, seeded
 * there with PutParameter and a CreateStack whose template has only Outputs.
 * What landed in each account is read back as that account's own caller
 * (x-moto-account-id), not through the controller's clients. Fresh account
 * ids per run keep this file apart from every other user of the shared moto.
 */
import { randomInt } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateClusterCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListServicesCommand, ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs, type EcsConnection } from '../../src/app/runtime.js';
import { createController, type Controller } from '../../src/controller/index.js';
import { addRequestHeaders } from '../../src/ecs/sdk-adapter.js';
import { CachingLookupResolver, LocationLookupLimiters } from '../../src/lookups/index.js';
import { systemClock } from '../../src/util/clock.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';
import { manifestDirsForFile, serviceManifest } from './harness.js';

const endpoint = motoEndpoint();
const dirs = manifestDirsForFile();
const freshAccount = (): string => String(randomInt(100_000_000_000, 999_999_999_999));
const roleOf = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;

interface Place {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
}

/** Clients acting as the account's own caller (moto's x-moto-account-id), for seeding and reading back. */
function ownClients(place: Place) {
  const common = { endpoint: endpoint ?? '', region: place.region, credentials: dummyCredentials(), maxAttempts: 1 };
  const header = { 'x-moto-account-id': place.account };
  return {
    ecs: addRequestHeaders(new ECSClient(common), header),
    ssm: addRequestHeaders(new SSMClient(common), header),
    cloudFormation: addRequestHeaders(new CloudFormationClient(common), header),
  };
}

/** What each account holds before the controller starts: its cluster, a parameter and a stack with one output. */
async function seed(place: Place): Promise<void> {
  const own = ownClients(place);
  await own.ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
  await own.ssm.send(new PutParameterCommand({ Name: '/app/db-host', Type: 'String', Value: `db.${place.environment}.internal` }));
  await own.ssm.send(new PutParameterCommand({ Name: '/app/log-targets', Type: 'StringList', Value: `${place.environment}-a,${place.environment}-b` }));
  const queueUrl = `https://sqs.${place.region}.amazonaws.com/${place.account}/jobs`;
  await own.cloudFormation.send(new CreateStackCommand({
    StackName: 'app-shared',
    TemplateBody: JSON.stringify({ Resources: {}, Outputs: { QueueUrl: { Value: queueUrl } } }),
  }));
}

/** The service as moto holds it in the account, with the environment of its task definition's container. */
async function landed(place: Place, name: string): Promise<{
  serviceArn?: string; taskDefinitionArn?: string; environment: Record<string, string>; command?: string[];
} | undefined> {
  const own = ownClients(place);
  const service = (await own.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name] }))).services?.[0];
  if (!service?.taskDefinition) return undefined;
  const definition = (await own.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }))).taskDefinition;
  const container = definition?.containerDefinitions?.[0];
  const environment = Object.fromEntries((container?.environment ?? []).map((e) => [e.name ?? '', e.value ?? '']));
  return {
    ...(container?.command ? { command: container.command } : {}),
    ...(service.serviceArn ? { serviceArn: service.serviceArn } : {}),
    ...(definition?.taskDefinitionArn ? { taskDefinitionArn: definition.taskDefinitionArn } : {}),
    environment,
  };
}

let world: { connection: EcsConnection; controller?: Controller } | undefined;
afterEach(async () => {
  await world?.controller?.stop({ graceMs: 100 });
  await world?.connection.close();
  world = undefined;
});

describe.skipIf(endpoint === null)('one controller, one service in two accounts through AssumeRole (moto_server)', () => {
  it('creates the service in each account with that account\'s SSM parameter and stack output', async () => {
    const staging: Place = { environment: 'staging', account: freshAccount(), region: 'eu-west-1' };
    const prod: Place = { environment: 'prod', account: freshAccount(), region: 'eu-central-1' };
    await Promise.all([seed(staging), seed(prod)]);

    const accounts = new AccountDirectory();
    const credentials = dummyCredentials();
    const assumed: string[] = [];
    // AWS_ENDPOINT_URL_ECS alone names a local stand-in: STS, SSM and CloudFormation go there too (src/app/runtime.ts).
    const connection = await connectEcs({
      region: 'eu-west-1', accounts, controllerId: 'ecs-gitops',
      env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_ENDPOINT_URL_ECS: endpoint ?? '' },
      onAssumeRole: ({ account, ok }) => assumed.push(`${account}:${ok}`),
    });
    world = { connection };
    const limiters = new LocationLookupLimiters({ clock: systemClock });
    const controller = createController({
      ecs: (location) => connection.ecsFor(location),
      accounts,
      lookups: new CachingLookupResolver({ api: (location) => limiters.wrap(location, connection.lookupFor(location)), clock: systemClock }),
      workers: 4, resyncMs: 0, rolloutPollMs: 25, backoffBaseMs: 50, backoffMaxMs: 200, followRollouts: false, maxRetries: 3,
    });
    world.controller = controller;

    const dir = dirs();
    await dir.write('environments.yaml', [staging, prod].map((place) => ({
      apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name: place.environment },
      spec: { account: place.account, region: place.region, roleArn: roleOf(place.account), externalId: `ecs-gitops-${place.environment}`, cluster: 'demo' },
    })));
    const base = serviceManifest({ name: 'web', moto: true, desiredCount: 1 });
    const spec = base.spec as { taskDefinition: { containerDefinitions: Record<string, unknown>[] } };
    spec.taskDefinition.containerDefinitions[0] = {
      ...spec.taskDefinition.containerDefinitions[0],
      // A StringList lookup that is a whole array item becomes one item per value.
      command: ['serve', '${ssm:/app/log-targets}'],
      environment: [
        { name: 'DB_HOST', value: '${ssm:/app/db-host}' },
        { name: 'LOG_TARGETS', value: '${ssm:/app/log-targets}' },
        { name: 'QUEUE_URL', value: '${cfn:app-shared.QueueUrl}' },
        { name: 'STAGE', value: '${env.name}' },
      ],
    };
    await dir.write('web.yaml', [{ ...base, metadata: { name: 'web', environments: ['staging', 'prod'] } }]);
    const snapshot = await dir.load('r1');
    expect(snapshot.problems).toEqual([]);

    controller.setSnapshot(snapshot);
    await controller.waitForIdle();

    for (const place of [staging, prod]) {
      const key = `${place.account}@${place.region}/demo/web`;
      expect(controller.status.get(key), key).toMatchObject({ account: place.account, environment: place.environment, sync: 'Synced' });
      expect(controller.status.get(key)?.lastError, key).toBeUndefined();
      const service = await landed(place, 'web');
      expect(service?.serviceArn).toBe(`arn:aws:ecs:${place.region}:${place.account}:service/demo/web`);
      expect(service?.taskDefinitionArn).toMatch(new RegExp(`^arn:aws:ecs:${place.region}:${place.account}:task-definition/web:1$`));
      // That account's own values; a StringList inside a string is its comma-separated text.
      expect(service?.environment).toEqual({
        DB_HOST: `db.${place.environment}.internal`,
        LOG_TARGETS: `${place.environment}-a,${place.environment}-b`,
        QUEUE_URL: `https://sqs.${place.region}.amazonaws.com/${place.account}/jobs`,
        STAGE: place.environment,
      });
      expect(service?.command).toEqual(['serve', `${place.environment}-a`, `${place.environment}-b`]);
      // Exactly one service and one task definition revision there: the other environment's render did not land here too.
      const own = ownClients(place);
      expect((await own.ecs.send(new ListServicesCommand({ cluster: 'demo' }))).serviceArns).toEqual([service?.serviceArn]);
      expect((await own.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }))).taskDefinitionArns).toEqual([service?.taskDefinitionArn]);
    }
    expect(controller.status.list().map((s) => s.key).sort()).toEqual([
      `${prod.account}@${prod.region}/demo/web`, `${staging.account}@${staging.region}/demo/web`,
    ].sort());
    expect(assumed.sort()).toEqual([`${prod.account}:true`, `${staging.account}:true`].sort());
  });
});
