/**
 * `ecs-gitops render --resolve` against the sandbox over HTTP (docs/cli.md,
 * "render"), the real binary in its own process: two environments in two
 * accounts reached through STS AssumeRole, each with its own SSM parameters
 * and CloudFormation stack. A StringList is spliced into the subnets, a stack
 * output fills the security group, a parameter missing in one account is that
 * instance's error (naming lookup, account and Region) while every other
 * instance is printed. Without --resolve nothing reaches AWS.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REGION } from '../controller/harness.js';
import { runCliProcess } from './cli-process.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const CONTROLLER_ACCOUNT = '420000000031';
const DEV = '431000000001';
const PROD = '431000000002';
const role = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;

const environment = (name: string, account: string) => `apiVersion: ecs-gitops/v1
kind: Environment
metadata:
  name: ${name}
spec:
  account: "${account}"
  region: ${REGION}
  roleArn: ${role(account)}
  cluster: apps
`;

const CLUSTER = `apiVersion: ecs-gitops/v1
kind: Cluster
metadata:
  name: apps
  environments: [dev, prod]
spec: {}
`;

const API = `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: api
  environments: [dev, prod]
spec:
  desiredCount: 1
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: ["\${ssm:/net/private-subnets}"]
      securityGroups: ["\${cfn:network.ServiceSecurityGroup}"]
  taskDefinition:
    family: api
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: example/api:1.0.0
        essential: true
        environment:
          - { name: SUBNETS, value: "\${ssm:/net/private-subnets}" }
          - { name: ESCAPED, value: "$\${ssm:/net/private-subnets}" }
`;

// /worker/queue exists in dev's account only.
const WORKER = `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: worker
  environments: [dev, prod]
spec:
  desiredCount: 1
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration: { subnets: [subnet-fixed] }
  taskDefinition:
    family: worker
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: example/worker:1.0.0
        essential: true
        environment:
          - { name: QUEUE, value: "\${ssm:/worker/queue}" }
`;

interface RenderedService {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly networkConfiguration: { readonly awsvpcConfiguration: { readonly subnets: string[]; readonly securityGroups?: string[] } };
    readonly taskDefinition: { readonly containerDefinitions: { readonly environment?: { name: string; value: string }[] }[] };
  };
}

/** The YAML documents printed, with the comment line before each. */
function documents(stdout: string): { heading: string; manifest: RenderedService }[] {
  if (stdout === '') return [];
  return stdout.split(/^---\n/m).map((chunk) => {
    const [heading = '', ...rest] = chunk.split('\n');
    return { heading, manifest: parse(rest.join('\n')) as RenderedService };
  });
}

describe('ecs-gitops render --resolve (sandbox, two accounts)', () => {
  let world: CliSandbox;
  const cli = (...args: string[]) => runCliProcess(args, world.env, 90_000);

  beforeAll(async () => {
    world = await startCliSandbox(CONTROLLER_ACCOUNT);
    const admin = world.sandbox.admin;
    admin.putParameter({ accountId: DEV, region: REGION, name: '/net/private-subnets', value: 'subnet-dev1,subnet-dev2', type: 'StringList' });
    admin.putParameter({ accountId: PROD, region: REGION, name: '/net/private-subnets', value: 'subnet-prod1, subnet-prod2, subnet-prod3', type: 'StringList' });
    admin.putStack({ accountId: DEV, region: REGION, stackName: 'network', outputs: { ServiceSecurityGroup: 'sg-dev' } });
    admin.putStack({ accountId: PROD, region: REGION, stackName: 'network', outputs: { ServiceSecurityGroup: 'sg-prod' } });
    admin.putParameter({ accountId: DEV, region: REGION, name: '/worker/queue', value: 'https://sqs.example/dev-jobs' });
    await world.dir.write('environments/dev.yaml', environment('dev', DEV));
    await world.dir.write('environments/prod.yaml', environment('prod', PROD));
    await world.dir.write('clusters/apps.yaml', CLUSTER);
    await world.dir.write('services/api.yaml', API);
    await world.dir.write('services/worker.yaml', WORKER);
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  it('without --resolve prints the lookups as written and sends nothing to AWS, with or without an endpoint', async () => {
    const calls = world.sandbox.admin.callLog().length;
    const pointed = await cli('render', world.dir.root);
    expect(pointed.code, pointed.stderr).toBe(0);
    expect(world.sandbox.admin.callLog().length).toBe(calls);
    expect(world.sandbox.admin.assumeRoleCalls()).toEqual({});
    // No AWS settings at all: still renders.
    const bare = await runCliProcess(['render', world.dir.root], {}, 90_000);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toBe(pointed.stdout);
    const api = documents(bare.stdout).find((d) => d.manifest.metadata.name === 'api' && d.heading.includes(`environment prod`));
    expect(api?.manifest.spec.networkConfiguration.awsvpcConfiguration.subnets).toEqual(['${ssm:/net/private-subnets}']);
    expect(api?.heading).not.toContain('lookups resolved');
  }, 120_000);

  it('reads each instance\'s lookups in its own account through its role; a parameter missing in prod fails only prod\'s worker', async () => {
    const result = await cli('render', world.dir.root, '--resolve');
    expect(result.code, result.stderr).toBe(1);
    const printed = documents(result.stdout);
    const find = (name: string, env: string) => printed.find((d) => d.manifest.metadata.name === name && d.heading.includes(`(environment ${env},`));
    // Clusters (no lookups), api in both environments and dev's worker: five of six instances.
    expect(printed).toHaveLength(5);
    expect(find('worker', 'prod')).toBeUndefined();

    const devApi = find('api', 'dev')?.manifest;
    const prodApi = find('api', 'prod')?.manifest;
    // The StringList spliced into the array item by item, trimmed; the stack output from each account's own stack.
    expect(devApi?.spec.networkConfiguration.awsvpcConfiguration).toEqual({ subnets: ['subnet-dev1', 'subnet-dev2'], securityGroups: ['sg-dev'] });
    expect(prodApi?.spec.networkConfiguration.awsvpcConfiguration).toEqual({ subnets: ['subnet-prod1', 'subnet-prod2', 'subnet-prod3'], securityGroups: ['sg-prod'] });
    // In a string (not an array item) a StringList is its text as stored; an escaped lookup stays text.
    expect(prodApi?.spec.taskDefinition.containerDefinitions[0]?.environment).toEqual([
      { name: 'SUBNETS', value: 'subnet-prod1, subnet-prod2, subnet-prod3' },
      { name: 'ESCAPED', value: '${ssm:/net/private-subnets}' },
    ]);
    expect(find('worker', 'dev')?.manifest.spec.taskDefinition.containerDefinitions[0]?.environment).toEqual([{ name: 'QUEUE', value: 'https://sqs.example/dev-jobs' }]);
    expect(find('api', 'prod')?.heading).toContain('lookups resolved: ${ssm:/net/private-subnets}, ${cfn:network.ServiceSecurityGroup}');

    expect(result.stderr).toContain(`error Service ${PROD}@${REGION}/apps/worker (environment prod) from ${path.join('services', 'worker.yaml')}:1: not printed: CONTROLLER_LOOKUP_FAILED: lookup \${ssm:/worker/queue} in account ${PROD}, Region ${REGION}: parameter /worker/queue does not exist`);
    expect(result.stderr).toContain('1 of 6 instances not printed');
    expect(result.stderr).not.toContain(DEV);
    // Each account reached through its own role.
    const assumed = world.sandbox.admin.assumeRoleCalls();
    expect(Object.keys(assumed).sort()).toEqual([role(DEV), role(PROD)]);
  }, 120_000);

  it('--env dev --output json: only dev, every lookup resolved, exit 0', async () => {
    const result = await cli('render', world.dir.root, '--resolve', '--env', 'dev', '--output', 'json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { key: string; environment: string; resolved?: boolean; lookups: unknown[]; manifest: RenderedService }[];
    expect(report.map((r) => [r.key, r.resolved ?? false])).toEqual([
      [`${DEV}@${REGION}/apps`, false],
      [`${DEV}@${REGION}/apps/api`, true],
      [`${DEV}@${REGION}/apps/worker`, true],
    ]);
    expect(report[1]?.manifest.spec.networkConfiguration.awsvpcConfiguration.subnets).toEqual(['subnet-dev1', 'subnet-dev2']);
  }, 120_000);

  it('a role that cannot be assumed is the error of that account\'s instances only', async () => {
    world.sandbox.admin.setRole(role(PROD), { denied: true });
    try {
      const result = await cli('render', world.dir.root, '--resolve');
      expect(result.code).toBe(1);
      expect(documents(result.stdout).map((d) => d.heading.match(/\(environment (\w+)/)?.[1])).toEqual(['dev', 'prod', 'dev', 'dev']);
      expect(result.stderr).toMatch(new RegExp(`error Service ${PROD}@${REGION}/apps/api \\(environment prod\\).*CONTROLLER_LOOKUP_FAILED: lookup .* in account ${PROD}, Region ${REGION}`));
      expect(result.stderr).toContain('2 of 6 instances not printed');
    } finally {
      world.sandbox.admin.setRole(role(PROD), { denied: false });
    }
  }, 120_000);
});
