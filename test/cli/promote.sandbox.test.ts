/**
 * `ecs-gitops promote` against the sandbox over HTTP, two environments in two
 * accounts reached through STS AssumeRole: the real binary in its own process
 * (cli-process.ts). dev runs a newer image than prod; promote writes dev's
 * running image into prod's override, and a sync then deploys it in prod's
 * account. promote refuses while dev is not Synced.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ECS from '@aws-sdk/client-ecs';
import { REGION } from '../controller/harness.js';
import { runCliProcess } from './cli-process.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const CONTROLLER_ACCOUNT = '420000000021';
const DEV = '421000000001';
const PROD = '421000000002';

const environment = (name: string, account: string) => `apiVersion: ecs-gitops/v1
kind: Environment
metadata:
  name: ${name}
spec:
  account: "${account}"
  region: ${REGION}
  roleArn: arn:aws:iam::${account}:role/ecs-gitops-target
  cluster: apps
`;

const CLUSTER = `apiVersion: ecs-gitops/v1
kind: Cluster
metadata:
  name: apps
  environments: [dev, prod]
spec: {}
`;

const service = (desiredCount: number) => `# api in every environment
apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: api
  environments: [dev, prod]
spec:
  desiredCount: ${desiredCount}
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration: { subnets: [subnet-a] }
  taskDefinition:
    family: api
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: example/api:1.1.0
        essential: true
  environments:
    prod:
      desiredCount: 2
      taskDefinition:
        containerDefinitions:
          - name: app
            image: example/api:1.0.0
`;

describe('ecs-gitops promote (sandbox, two accounts)', () => {
  let world: CliSandbox;
  const file = () => path.join(world.dir.root, 'services/api.yaml');
  const cli = (...args: string[]) => runCliProcess(args, world.env, 90_000);
  const runningImage = (account: string): string | undefined => {
    const services = world.sandbox.call('DescribeServices', { cluster: 'apps', services: ['api'] }, { accountId: account, region: REGION }) as ECS.DescribeServicesResponse;
    const arn = services.services?.[0]?.taskDefinition;
    if (arn === undefined) return undefined;
    const td = world.sandbox.call('DescribeTaskDefinition', { taskDefinition: arn }, { accountId: account, region: REGION }) as ECS.DescribeTaskDefinitionResponse;
    return td.taskDefinition?.containerDefinitions?.[0]?.image;
  };

  beforeAll(async () => {
    world = await startCliSandbox(CONTROLLER_ACCOUNT);
    await world.dir.write('environments/dev.yaml', environment('dev', DEV));
    await world.dir.write('environments/prod.yaml', environment('prod', PROD));
    await world.dir.write('clusters/apps.yaml', CLUSTER);
    await world.dir.write('services/api.yaml', service(1));
    const sync = await cli('sync', world.dir.root);
    expect(sync.code, `${sync.stdout}\n${sync.stderr}`).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it('starts with each account running its own image', () => {
    expect(runningImage(DEV)).toBe('example/api:1.1.0');
    expect(runningImage(PROD)).toBe('example/api:1.0.0');
  });

  it('refuses an unknown environment, naming the flag and the declared ones', async () => {
    const result = await cli('promote', 'api', '--from', 'dve', '--to', 'prod', world.dir.root);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--from: no environment "dve" (did you mean "dev"?); declared: dev, prod');
  });

  it('refuses while the source is not Synced, and changes no file', async () => {
    const before = await readFile(file(), 'utf8');
    await world.dir.write('services/api.yaml', before.replace('desiredCount: 1', 'desiredCount: 3'));
    const result = await cli('promote', 'api', '--from', 'dev', '--to', 'prod', world.dir.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CLI_PROMOTE_REFUSED');
    expect(result.stderr).toContain(`${DEV}@${REGION}/apps/api (dev) is not Synced`);
    expect(await readFile(file(), 'utf8')).toBe(before.replace('desiredCount: 1', 'desiredCount: 3'));
    await world.dir.write('services/api.yaml', before);
  });

  it('writes dev\'s running image into the prod override, which the next sync deploys in prod\'s account', async () => {
    const result = await cli('promote', 'api', '--from', 'dev', '--to', 'prod', world.dir.root);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${PROD}@${REGION}/apps/api: container app: example/api:1.1.0`);
    const text = await readFile(file(), 'utf8');
    expect(text).toContain('# api in every environment');
    const doc = parse(text) as { spec: { environments: { prod: unknown }; taskDefinition: { containerDefinitions: { image: string }[] } } };
    expect(doc.spec.environments.prod).toEqual({ desiredCount: 2, taskDefinition: { containerDefinitions: [{ name: 'app', image: 'example/api:1.1.0' }] } });
    expect(doc.spec.taskDefinition.containerDefinitions[0]?.image).toBe('example/api:1.1.0');
    // Nothing applied by promote itself: prod still runs the old image until the change is synced.
    expect(runningImage(PROD)).toBe('example/api:1.0.0');
    const sync = await cli('sync', world.dir.root);
    expect(sync.code, sync.stderr).toBe(0);
    expect(runningImage(PROD)).toBe('example/api:1.1.0');
    const again = await cli('promote', 'api', '--from', 'dev', '--to', 'prod', world.dir.root);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('prod already declares the images dev runs for api; nothing to change');
  }, 120_000);
});
