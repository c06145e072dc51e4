/**
 * `ecs-gitops export --env NAME` against the sandbox over HTTP with the real
 * SDKs, the environment in a second account reached through STS AssumeRole
 * (the sandbox's AssumeRole of a role ARN acts in that role's account). A
 * console-made service and a scheduled task live only in prod's account; the
 * export writes templates for prod (metadata.environments, no region, no
 * cluster when it is prod's), which validate and diff in sync in prod's
 * account. The attached capacity provider is said to be skipped; an unknown
 * environment, --region beside --env and broken manifests are refused.
 */
import { cp, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REGION } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const CONTROLLER_ACCOUNT = '420000000041';
const PROD = '421000000041';
const ASG = `arn:aws:autoscaling:${REGION}:${PROD}:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/workers`;

const PROD_ENVIRONMENT = `apiVersion: ecs-gitops/v1
kind: Environment
metadata:
  name: prod
spec:
  account: "${PROD}"
  region: ${REGION}
  roleArn: arn:aws:iam::${PROD}:role/ecs-gitops-target
  cluster: apps
  variables:
    greeting: not-this
`;

/** Declared in another folder and synced: how the scheduled task comes to run in prod's account. */
const REPORT = `apiVersion: ecs-gitops/v1
kind: ScheduledTask
metadata:
  name: report
  environments: [prod]
spec:
  schedule: rate(6 hours)
  roleArn: arn:aws:iam::${PROD}:role/ecs-scheduler/report
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration: { subnets: [subnet-a] }
  taskDefinition:
    family: report
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - name: app
        image: busybox:1.36
        command: [run-report, "--stage=$\${env.name}"]
`;

interface Template {
  metadata: Record<string, unknown>;
  spec: { taskDefinition: { containerDefinitions: { environment?: { name: string; value: string }[]; command?: string[] }[] } };
}

describe('ecs-gitops export --env (sandbox, a second account)', () => {
  let world: CliSandbox;
  const run = (...argv: string[]) => runCliCaptured(argv, { env: world.env, cwd: world.dir.root });
  const prod = { accountId: PROD, region: REGION };

  beforeAll(async () => {
    world = await startCliSandbox(CONTROLLER_ACCOUNT);
    world.sandbox.admin.seed({ accounts: [{ accountId: PROD, region: REGION, clusters: [{ name: 'apps' }] }] });
    // Made the way a console user would, in prod's account only: a value that looks like a variable is data.
    world.sandbox.call('RegisterTaskDefinition', {
      family: 'web', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{
        name: 'web', image: 'nginx:1.27', essential: true,
        environment: [{ name: 'GREETING', value: 'hello ${env.name} and ${var.greeting}' }, { name: 'LOG_LEVEL', value: 'info' }],
      }],
    }, prod);
    world.sandbox.call('CreateService', {
      cluster: 'apps', serviceName: 'web', taskDefinition: 'web', desiredCount: 2, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], assignPublicIp: 'DISABLED' } },
      tags: [{ key: 'team', value: 'storefront' }],
    }, prod);
    world.sandbox.call('CreateCapacityProvider', {
      name: 'workers', autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedTerminationProtection: 'DISABLED' },
    }, prod);
    world.sandbox.call('PutClusterCapacityProviders', { cluster: 'apps', capacityProviders: ['workers'], defaultCapacityProviderStrategy: [] }, prod);
    await world.dir.write('source/environments/prod.yaml', PROD_ENVIRONMENT);
    await world.dir.write('source/jobs/report.yaml', REPORT);
    const synced = await run('sync', 'source');
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    await world.dir.write('exported/environments/prod.yaml', PROD_ENVIRONMENT);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it('exports prod\'s service and scheduled task from its account as templates for prod that validate and diff in sync', async () => {
    const exported = await run('export', '--env', 'prod', '--out', 'exported');
    expect(exported.code, exported.stdout + exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`wrote ${path.join('exported', 'apps', 'web.yaml')}`);
    expect(exported.stdout).toContain(`wrote ${path.join('exported', 'scheduled-tasks', 'report.yaml')}`);
    expect(exported.stdout).toContain(`1 service(s) exported from ${PROD}@${REGION}/apps (environment prod), 1 scheduled task(s)`);
    // Capacity providers are single-target: said once, naming them, and not written.
    expect(exported.stderr).toContain('capacity provider(s) not exported with --env (they are single-target, not per environment): workers;');
    expect(await readdir(path.join(world.dir.root, 'exported'))).toEqual(['apps', 'environments', 'scheduled-tasks']);

    const webText = await readFile(path.join(world.dir.root, 'exported', 'apps', 'web.yaml'), 'utf8');
    expect(webText).toContain(`# Exported by \`ecs-gitops export --env\` from apps/web in account ${PROD}, Region ${REGION} (environment prod).`);
    const web = parse(webText) as Template;
    expect(web.metadata).toEqual({ name: 'web', environments: ['prod'] });
    expect(web.spec.taskDefinition.containerDefinitions[0]?.environment).toContainEqual({ name: 'GREETING', value: 'hello $${env.name} and $${var.greeting}' });
    const reportText = await readFile(path.join(world.dir.root, 'exported', 'scheduled-tasks', 'report.yaml'), 'utf8');
    expect(reportText).toContain(`from schedule ecs-gitops/report in account ${PROD}, Region ${REGION} (environment prod).`);
    const report = parse(reportText) as Template;
    expect(report.metadata).toEqual({ name: 'report', environments: ['prod'] });
    // What runs in prod is `--stage=${env.name}` as text (the source escaped it): the template keeps it text.
    expect(report.spec.taskDefinition.containerDefinitions[0]?.command).toEqual(['run-report', '--stage=$${env.name}']);

    const validated = await run('validate', 'exported');
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
    const diffed = await run('diff', 'exported');
    expect(diffed.stdout).toContain(`= ${PROD}@${REGION}/apps/web: in sync`);
    expect(diffed.stdout).toContain(`= scheduled-task:${PROD}@${REGION}/apps/report: in sync`);
    expect(diffed.code, diffed.stdout + diffed.stderr).toBe(0);
  }, 120_000);

  it('--force --output json rewrites the same bytes and reports the environment, its account and the providers skipped', async () => {
    const file = path.join(world.dir.root, 'exported', 'apps', 'web.yaml');
    const before = await readFile(file, 'utf8');
    const again = await run('export', '--env', 'prod', '--out', 'exported', '--force', '--output', 'json');
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as Record<string, unknown> & { files: unknown[]; scheduledTasks: unknown[] };
    expect(report).toMatchObject({ region: REGION, cluster: 'apps', environment: 'prod', account: PROD, skippedCapacityProviders: ['workers'], capacityProviders: [] });
    expect(report.files).toEqual([expect.objectContaining({ service: 'web', residualChanges: [], readBackProblems: [] })]);
    expect(report.scheduledTasks).toEqual([expect.objectContaining({ scheduledTask: 'report', residualChanges: [], readBackProblems: [] })]);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('refuses an unknown environment, naming the flag and the declared ones, before any read', async () => {
    const result = await run('export', '--env', 'prdo', '--out', 'exported');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CLI_BAD_FLAG_VALUE');
    expect(result.stderr).toContain('--env: no environment "prdo" under exported (did you mean "prod"?); declared: prod');
  });

  it('refuses --region beside --env: the environment decides the Region', async () => {
    const result = await run('export', '--env', 'prod', '--region', 'us-west-2', '--out', 'exported');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CLI_BAD_FLAG_VALUE');
    expect(result.stderr).toContain('--region (or ECS_GITOPS_REGION) cannot be given with --env: environment prod decides the account and Region');
  });

  it('refuses when the manifests under --out have problems, printing them, and writes nothing', async () => {
    await world.dir.write('broken/environments/prod.yaml', PROD_ENVIRONMENT);
    await world.dir.write('broken/apps/api.yaml', 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata:\n  name: api\n  environments: [staging]\nspec: {}\n');
    const result = await run('export', '--env', 'prod', '--out', 'broken');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MANIFEST_UNKNOWN_ENVIRONMENT');
    expect(result.stderr).toContain(`EXPORT_MANIFESTS_INVALID`);
    expect(result.stderr).toContain('--env prod: the manifests under broken have');
    expect((await readdir(path.join(world.dir.root, 'broken'))).sort()).toEqual(['apps', 'environments']);
    expect(await readdir(path.join(world.dir.root, 'broken', 'apps'))).toEqual(['api.yaml']);
  });

  it('without --env nothing changes: the controller\'s own account is read (prod\'s cluster is not there)', async () => {
    await cp(path.join(world.dir.root, 'exported', 'environments'), path.join(world.dir.root, 'plain', 'environments'), { recursive: true });
    const result = await run('export', '--cluster', 'apps', '--out', 'plain');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EXPORT_CLUSTER_NOT_FOUND');
    expect(result.stderr).toContain(`cluster "apps" not found in ${REGION} (--cluster)`);
  });
});
