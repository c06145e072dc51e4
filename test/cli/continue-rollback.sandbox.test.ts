/**
 * `ecs-gitops continue` and `ecs-gitops rollback` against the sandbox over
 * HTTP (the real SDK, the CLI in-process as a user runs it): a BLUE_GREEN
 * service whose PAUSE hook holds its second deployment is continued to
 * SUCCESSFUL, or rolled back through the hook or by StopServiceDeployment to
 * ROLLBACK_SUCCESSFUL; and every refusal names its code: a name the manifests
 * do not declare, one declared in several clusters or environments, a service
 * not in ECS, no deployment running, no hook waiting. The sandbox's clock is
 * frozen and moved by the test (docs/sandbox.md).
 */
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, startSandbox, type JsonObject, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir } from '../controller/harness.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';
import { runCliCaptured, type CliResult } from '../support/run-cli.js';

const ACCOUNT = '430000000022';
const DEV = '431000000001';
const PROD = '431000000002';
const REGION = 'eu-west-1';
const TG = (name: string) => `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/0123456789abcdef`;
const RULE = (name: string) => `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/app/web/0123456789abcdef/0123456789abcdef/${name}`;

interface Deployment {
  serviceDeploymentArn: string;
  status: string;
  lifecycleStage?: string;
  lifecycleHookDetails?: { hookId: string; status: string; targetType: string }[];
  rollback?: { reason?: string };
}

/** A BLUE_GREEN service with a PAUSE hook after test traffic moves to green: `image` decides the revision. */
const blueGreen = (name: string, image: string, hooks = `
    lifecycleHooks:
      - targetType: PAUSE
        lifecycleStages: [POST_TEST_TRAFFIC_SHIFT]
        timeoutConfiguration: { timeoutInMinutes: 60, action: ROLLBACK }`) => `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: ${name}
  cluster: demo
spec:
  desiredCount: 2
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration: { subnets: [subnet-a], securityGroups: [sg-a] }
  loadBalancers:
    - targetGroupArn: ${TG(`${name}-blue`)}
      containerName: app
      containerPort: 8080
      advancedConfiguration:
        alternateTargetGroupArn: ${TG(`${name}-green`)}
        productionListenerRule: ${RULE(`${name}-prod`)}
        testListenerRule: ${RULE(`${name}-test`)}
        roleArn: arn:aws:iam::${ACCOUNT}:role/ecs-infrastructure-load-balancers
  deploymentConfiguration:
    strategy: BLUE_GREEN
    bakeTimeInMinutes: 2${hooks}
  taskDefinition:
    family: ${name}
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: ${image}
        essential: true
        portMappings: [{ containerPort: 8080 }]
`;

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

const plainService = (name: string, extra: string) => `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: ${name}
${extra}spec:
  desiredCount: 1
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration: { subnets: [subnet-a] }
  taskDefinition:
    family: ${name}
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: example/${name}:1
        essential: true
`;

describe('ecs-gitops continue and rollback (sandbox)', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let env: Record<string, string>;
  const cli = (...argv: string[]): Promise<CliResult> => runCliCaptured(argv, { env });
  const call = <T>(operation: string, input: JsonObject): T => sandbox.call(operation, input, { accountId: ACCOUNT, region: REGION }) as unknown as T;

  const current = (service: string): Deployment => {
    const described = call<{ services: { currentServiceDeployment?: string }[] }>('DescribeServices', { cluster: 'demo', services: [service] });
    const arn = described.services[0]?.currentServiceDeployment;
    if (arn === undefined) throw new Error(`${service} has no currentServiceDeployment`);
    const out = call<{ serviceDeployments: Deployment[] }>('DescribeServiceDeployments', { serviceDeploymentArns: [arn] });
    return out.serviceDeployments[0] as Deployment;
  };

  /** Moves the simulated clock a scheduler step at a time until `done` holds for the service's current deployment. */
  const advanceUntil = (service: string, done: (d: Deployment) => boolean, what: string, maxSteps = 400): Deployment => {
    for (let i = 0; i < maxSteps; i++) {
      const d = current(service);
      if (done(d)) return d;
      sandbox.clock.advance(DEFAULT_TIMINGS.stepMs);
    }
    throw new Error(`${service}: ${what} did not happen; now ${JSON.stringify(current(service))}`);
  };
  const finished = (d: Deployment) => !['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'].includes(d.status);
  const paused = (d: Deployment) => (d.lifecycleHookDetails ?? []).some((h) => h.status === 'AWAITING_ACTION');

  /** Syncs `image` for the service and moves the clock until its deployment waits at the PAUSE hook. */
  const pausedAtHook = async (service: string, image: string): Promise<Deployment> => {
    await dir.write(`services/${service}.yaml`, blueGreen(service, image));
    const sync = await cli('sync', dir.root);
    expect(sync.code, `${sync.stdout}\n${sync.stderr}`).toBe(0);
    return advanceUntil(service, paused, 'a hook AWAITING_ACTION');
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 0, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo' }] }] });
    dir = await ManifestDir.create();
    env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret' };
    await dir.write('clusters/demo.yaml', 'apiVersion: ecs-gitops/v1\nkind: Cluster\nmetadata:\n  name: demo\nspec: {}\n');
    for (const service of ['web', 'api', 'shop']) await dir.write(`services/${service}.yaml`, blueGreen(service, `example/${service}:1`));
    const sync = await cli('sync', dir.root);
    expect(sync.code, `${sync.stdout}\n${sync.stderr}`).toBe(0);
    // The first deployment of a new service just scales up (no blue to shift from).
    for (const service of ['web', 'api', 'shop']) advanceUntil(service, finished, 'the first deployment');
  }, 120_000);
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
  });

  it('continue: the deployment paused at POST_TEST_TRAFFIC_SHIFT goes on to SUCCESSFUL', async () => {
    const waiting = await pausedAtHook('web', 'example/web:2');
    expect(waiting).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' });
    const hook = waiting.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION');
    const result = await cli('continue', 'web', dir.root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${REGION}/demo/web: continued service deployment ${waiting.serviceDeploymentArn}`);
    expect(result.stdout).toContain(`stage POST_TEST_TRAFFIC_SHIFT, hook ${hook?.hookId ?? '?'} (PAUSE)`);
    expect(result.stdout).toContain('next: ECS goes on from stage POST_TEST_TRAFFIC_SHIFT to the next lifecycle stage');
    const done = advanceUntil('web', finished, 'the end of the deployment');
    expect(done).toMatchObject({ serviceDeploymentArn: waiting.serviceDeploymentArn, status: 'SUCCESSFUL' });
  }, 60_000);

  it('continue --action rollback: the paused deployment rolls back to ROLLBACK_SUCCESSFUL, and the output says Git\'s content is held', async () => {
    const waiting = await pausedAtHook('api', 'example/api:2');
    const result = await cli('continue', 'api', dir.root, '--action', 'rollback', '--output', 'json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ key: `${REGION}/demo/api`, serviceDeploymentArn: waiting.serviceDeploymentArn, lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', action: 'ROLLBACK' });
    expect(String(json.next)).toContain('holds this Git content as failed');
    const done = advanceUntil('api', finished, 'the end of the rollback');
    expect(done.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(done.rollback?.reason).toContain('POST_TEST_TRAFFIC_SHIFT');
    // What a person does next in Git: revert. (A one-shot sync would otherwise apply example/api:2 again.)
    await dir.write('services/api.yaml', blueGreen('api', 'example/api:1'));
  }, 60_000);

  it('rollback: StopServiceDeployment ROLLBACK on the running deployment ends ROLLBACK_SUCCESSFUL; the output explains the GitOps consequence', async () => {
    const running = await pausedAtHook('shop', 'example/shop:2');
    const result = await cli('rollback', 'shop', dir.root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${REGION}/demo/shop: rollback requested for service deployment ${running.serviceDeploymentArn}`);
    expect(result.stdout).toContain('it was IN_PROGRESS at stage POST_TEST_TRAFFIC_SHIFT');
    expect(result.stdout).toContain('a controller following this rollout holds this Git content as failed and does not apply it again until the manifest changes');
    expect(result.stdout).toContain('a controller restarted since the deployment started (or not following it) holds nothing and applies the content again');
    expect(result.stdout).toContain('fix forward (commit a corrected manifest) or revert the commit');
    const done = advanceUntil('shop', finished, 'the end of the rollback');
    expect(done).toMatchObject({ serviceDeploymentArn: running.serviceDeploymentArn, status: 'ROLLBACK_SUCCESSFUL' });
    await dir.write('services/shop.yaml', blueGreen('shop', 'example/shop:1'));
  }, 60_000);

  it('rollback with nothing running: names the last deployment, how and when it finished, and says to revert in Git', async () => {
    const last = current('web');
    expect(last.status).toBe('SUCCESSFUL');
    const result = await cli('rollback', 'web', dir.root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error CLI_NO_DEPLOYMENT_IN_PROGRESS: ${REGION}/demo/web: nothing to roll back: the last deployment ${last.serviceDeploymentArn.replace(/[/.]/g, '\\$&')} finished SUCCESSFUL at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; to go back, revert the commit in Git\\n$`));
  });

  it('continue with nothing running: CLI_NO_DEPLOYMENT_IN_PROGRESS with the last deployment\'s end', async () => {
    const result = await cli('continue', 'api', dir.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error CLI_NO_DEPLOYMENT_IN_PROGRESS: ${REGION}/demo/api: no deployment in progress to continue: the last deployment ${current('api').serviceDeploymentArn} finished ROLLBACK_SUCCESSFUL at `);
  });

  it('continue while no hook waits: CLI_NO_HOOK_WAITING with the stage and each hook\'s status', async () => {
    // A Lambda hook the admin API holds IN_PROGRESS: the deployment runs, nothing waits for a person.
    const lambda = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:check-web`;
    sandbox.admin.setDeploymentHookResult(lambda, 'IN_PROGRESS');
    await dir.write('services/web.yaml', blueGreen('web', 'example/web:3', `
    lifecycleHooks:
      - targetType: AWS_LAMBDA
        hookTargetArn: ${lambda}
        roleArn: arn:aws:iam::${ACCOUNT}:role/ecs-hooks
        lifecycleStages: [POST_SCALE_UP]`));
    const sync = await cli('sync', dir.root);
    expect(sync.code, sync.stderr).toBe(0);
    const running = advanceUntil('web', (d) => (d.lifecycleHookDetails ?? []).some((h) => h.status === 'IN_PROGRESS'), 'the Lambda hook running');
    const result = await cli('continue', 'web', dir.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error CLI_NO_HOOK_WAITING: ${REGION}/demo/web: no lifecycle hook is waiting for an action: deployment \\S+ is IN_PROGRESS at stage POST_SCALE_UP \\(hooks: \\S+ AWS_LAMBDA IN_PROGRESS\\)\\n$`));
    expect(result.stderr).toContain(running.serviceDeploymentArn);
    // Left running for nobody: the hook answers, and the deployment ends.
    sandbox.admin.setDeploymentHookResult(lambda, 'SUCCEEDED');
    expect(advanceUntil('web', finished, 'the end of the deployment').status).toBe('SUCCESSFUL');
  }, 60_000);
});

describe('ecs-gitops continue and rollback: which service (sandbox)', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let env: Record<string, string>;
  const cli = (...argv: string[]): Promise<CliResult> => runCliCaptured(argv, { env });

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 0, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'a' }, { name: 'b' }] }] });
    dir = await ManifestDir.create();
    env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret' };
    await dir.write('environments/dev.yaml', environment('dev', DEV));
    await dir.write('environments/prod.yaml', environment('prod', PROD));
    await dir.write('services/api.yaml', plainService('api', '  environments: [dev, prod]\n'));
    await dir.write('services/worker-a.yaml', plainService('worker', '  cluster: a\n'));
    await dir.write('services/worker-b.yaml', plainService('worker', '  cluster: b\n'));
  });
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
  });

  it.each(['continue', 'rollback'])('%s: a name the manifests do not declare is CLI_SERVICE_NOT_DECLARED with the closest name', async (command) => {
    const result = await cli(command, 'wroker', dir.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error CLI_SERVICE_NOT_DECLARED: no service "wroker" in the manifests (did you mean "worker"?)\n');
  });

  it.each(['continue', 'rollback'])('%s: a name in two environments is CLI_SERVICE_AMBIGUOUS naming --env', async (command) => {
    const result = await cli(command, 'api', dir.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error CLI_SERVICE_AMBIGUOUS: service "api" is declared 2 times: ${DEV}@${REGION}/apps/api (environment dev), ${PROD}@${REGION}/apps/api (environment prod); pick one with --env\n`);
  });

  it('a name in two clusters is CLI_SERVICE_AMBIGUOUS naming --cluster', async () => {
    const result = await cli('rollback', 'worker', dir.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error CLI_SERVICE_AMBIGUOUS: service "worker" is declared 2 times: ${REGION}/a/worker, ${REGION}/b/worker; pick one with --cluster\n`);
  });

  it('flags that select none say where the name is declared; an unknown --env names the declared ones', async () => {
    const wrongCluster = await cli('continue', 'worker', dir.root, '--cluster', 'c');
    expect(wrongCluster.code).toBe(1);
    expect(wrongCluster.stderr).toBe(`error CLI_SERVICE_NOT_DECLARED: service "worker" is not declared in cluster c; it is declared as ${REGION}/a/worker, ${REGION}/b/worker\n`);
    // --region is also the Region of manifests without metadata.region, as in every command: it picks
    // among Regions that the manifests (or their environments) name.
    const wrongRegion = await cli('continue', 'api', dir.root, '--region', 'us-west-2');
    expect(wrongRegion.stderr).toBe(`error CLI_SERVICE_NOT_DECLARED: service "api" is not declared in Region us-west-2; it is declared as ${DEV}@${REGION}/apps/api (environment dev), ${PROD}@${REGION}/apps/api (environment prod)\n`);
    const wrongEnv = await cli('continue', 'api', dir.root, '--env', 'prd');
    expect(wrongEnv.code).toBe(1);
    expect(wrongEnv.stderr).toBe('error CLI_BAD_FLAG_VALUE: --env: no environment "prd" (did you mean "prod"?); declared: dev, prod\n');
  });

  it('a declared service that is not in ECS: CLI_NO_DEPLOYMENT_IN_PROGRESS, it does not exist there', async () => {
    const result = await cli('continue', 'worker', dir.root, '--cluster', 'b');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error CLI_NO_DEPLOYMENT_IN_PROGRESS: ${REGION}/b/worker does not exist in ECS \\(MISSING\\): nothing is deploying; the controller \\(or ecs-gitops sync\\) creates it\\n$`));
  });
});

// moto_server has no deployments API (issue 22): where ECS answers without it, both commands say so and change nothing.
describe.skipIf(motoEndpoint() === null)('ecs-gitops continue and rollback where ECS has no deployments API (moto)', () => {
  let dir: ManifestDir;
  let env: Record<string, string>;
  const cluster = `no-deployments-api-${Date.now().toString(36)}`;
  const cli = (...argv: string[]): Promise<CliResult> => runCliCaptured(argv, { env });

  beforeAll(async () => {
    const endpoint = motoEndpoint() as string;
    // The CLI sends no x-moto-account-id: moto's default account, a cluster of this run's own name.
    const ecs = new ECSClient({ endpoint, region: REGION, credentials: dummyCredentials(), maxAttempts: 1 });
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'legacy', containerDefinitions: [{ name: 'app', image: 'example/legacy:1', memory: 128, essential: true }] }));
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: 'legacy', taskDefinition: 'legacy', desiredCount: 1 }));
    ecs.destroy();
    dir = await ManifestDir.create();
    await dir.write('services/legacy.yaml', plainService('legacy', `  cluster: ${cluster}\n`));
    env = { AWS_ENDPOINT_URL_ECS: endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTEST', AWS_SECRET_ACCESS_KEY: 'test-secret-not-real' };
  });
  afterAll(async () => {
    await dir?.dispose();
  });

  it.each(['continue', 'rollback'])('%s: CLI_DEPLOYMENTS_API_UNAVAILABLE, naming the call ECS did not know', async (command) => {
    const result = await cli(command, 'legacy', dir.root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error CLI_DEPLOYMENTS_API_UNAVAILABLE: eu-west-1\/no-deployments-api-\w+\/legacy: the ECS endpoint has no service deployments API \(ListServiceDeployments: an HTTP 5xx answer that is not an AWS error, as moto gives for an action it has not implemented\); moto and ECS-compatible endpoints older than October 2024 have none\. Nothing was changed; to go back to an earlier version, revert the commit in Git\.\n$/);
  });
});
