/**
 * ECS's deployments API (ListServiceDeployments, DescribeServiceDeployments,
 * StopServiceDeployment) and the server-side check of a BLUE_GREEN service's
 * load balancer, one contract suite against the sandbox and moto_server with
 * the real SDK client. moto 5.2.1 has no deployments API (its answer is an
 * HTML 500) and returns no currentServiceDeployment: those cases are listed
 * in MOTO_KNOWN_GAPS (backends.ts) and run there as expected failures, which
 * is why the moto suite exercises the controller's rolloutState fallback
 * (docs/deployments.md, docs/ecs-facts.md#moto-521-vs-real-ecs).
 */
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServiceDeploymentsCommand, DescribeServicesCommand, ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand, StopServiceDeploymentCommand, UpdateServiceCommand, type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { describe, expect } from 'vitest';
import { type Backend, type ContractAccount, contractBackends, contractCase } from './backends.js';

const backends: Backend[] = contractBackends();

/** Long enough on the sandbox's clock for tasks to start and a rolling deployment to finish (DEFAULT_TIMINGS are seconds). */
const SETTLE_MS = 10 * 60_000;
const RUNNING = new Set(['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']);

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to be refused');
}

/**
 * Cluster `c` and task definition `web` (revisions 1 and 2): bridge mode on
 * EC2, because moto (like ECS) checks awsvpc subnets against EC2.
 */
async function clusterAndRevisions(a: ContractAccount): Promise<void> {
  await a.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  for (const image of ['nginx:1.27', 'nginx:1.28']) {
    await a.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'web', networkMode: 'bridge', requiresCompatibilities: ['EC2'], memory: '512',
      containerDefinitions: [{ name: 'app', image, essential: true, portMappings: [{ containerPort: 8080 }] }],
    }));
  }
}

/** Service `web` on web:1, settled, then updated to web:2 and settled: two finished deployments. */
async function createdThenUpdated(a: ContractAccount): Promise<{ created: string | undefined; updated: string | undefined }> {
  await clusterAndRevisions(a);
  const create = await a.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'EC2' }));
  a.advanceClock?.(SETTLE_MS);
  const update = await a.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
  a.advanceClock?.(SETTLE_MS);
  return { created: create.service?.currentServiceDeployment, updated: update.service?.currentServiceDeployment };
}

async function describeDeployment(a: ContractAccount, arn: string): Promise<ServiceDeployment> {
  const out = await a.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  expect(out.failures ?? []).toEqual([]);
  expect(out.serviceDeployments).toHaveLength(1);
  return out.serviceDeployments?.[0] as ServiceDeployment;
}

describe.each(backends)('contract (service deployments): $name', (backend) => {
  const contract = contractCase(backend);

  contract('service deployments: CreateService and UpdateService return the deployment they started as currentServiceDeployment', async (a) => {
    const { created, updated } = await createdThenUpdated(a);
    const arnOf = new RegExp(`^arn:aws:ecs:${a.region}:${a.accountId}:service-deployment/c/web/[\\w-]+$`);
    expect(created).toMatch(arnOf);
    expect(updated).toMatch(arnOf);
    expect(updated).not.toBe(created);
    const svc = (await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
    expect(svc?.currentServiceDeployment).toBe(updated);
  });

  contract('service deployments: ListServiceDeployments lists a service\'s deployments newest first with their status', async (a) => {
    const { created, updated } = await createdThenUpdated(a);
    const out = await a.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web' }));
    const listed = out.serviceDeployments ?? [];
    expect(listed.map((d) => d.serviceDeploymentArn)).toEqual([updated, created]);
    expect(listed.map((d) => d.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    expect(listed[0]).toMatchObject({
      serviceArn: `arn:aws:ecs:${a.region}:${a.accountId}:service/c/web`, clusterArn: `arn:aws:ecs:${a.region}:${a.accountId}:cluster/c`,
    });
    expect(listed[0]?.startedAt?.getTime()).toBeGreaterThanOrEqual(listed[1]?.startedAt?.getTime() ?? Infinity);
    // The status filter: nothing is running any more.
    const running = await a.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', status: ['IN_PROGRESS', 'PENDING'] }));
    expect(running.serviceDeployments ?? []).toEqual([]);
  });

  contract('service deployments: DescribeServiceDeployments returns the status and the targetServiceRevision', async (a) => {
    await clusterAndRevisions(a);
    await a.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'EC2' }));
    a.advanceClock?.(SETTLE_MS);
    const update = await a.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
    const arn = update.service?.currentServiceDeployment ?? '';
    const started = await describeDeployment(a, arn);
    expect(started).toMatchObject({
      serviceDeploymentArn: arn, serviceArn: `arn:aws:ecs:${a.region}:${a.accountId}:service/c/web`,
      clusterArn: `arn:aws:ecs:${a.region}:${a.accountId}:cluster/c`,
    });
    expect(RUNNING.has(started.status ?? '') || started.status === 'SUCCESSFUL').toBe(true);
    expect(started.targetServiceRevision?.arn).toMatch(new RegExp(`^arn:aws:ecs:${a.region}:${a.accountId}:service-revision/c/web/\\d+$`));
    expect(started.targetServiceRevision?.requestedTaskCount).toBe(1);
    expect(started.sourceServiceRevisions?.map((r) => r.arn)).not.toContain(started.targetServiceRevision?.arn);
    a.advanceClock?.(SETTLE_MS);
    const finished = await describeDeployment(a, arn);
    expect(finished.status).toBe('SUCCESSFUL');
    expect(finished.targetServiceRevision).toMatchObject({ arn: started.targetServiceRevision?.arn, runningTaskCount: 1 });
    expect(finished.finishedAt?.getTime()).toBeGreaterThanOrEqual(finished.startedAt?.getTime() ?? Infinity);
    // An ARN ECS does not know is a failure, not an error.
    const missing = `arn:aws:ecs:${a.region}:${a.accountId}:service-deployment/c/web/doesnotexist`;
    const out = await a.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [missing] }));
    expect(out.serviceDeployments ?? []).toEqual([]);
    expect(out.failures).toEqual([expect.objectContaining({ arn: missing, reason: 'MISSING' })]);
  });

  contract('service deployments: StopServiceDeployment of a finished deployment is refused and leaves it as it was', async (a) => {
    const { updated } = await createdThenUpdated(a);
    const arn = updated ?? '';
    expect((await describeDeployment(a, arn)).status).toBe('SUCCESSFUL');
    const refused = await rejection(a.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })));
    // A client error of StopServiceDeployment's list (the sandbox answers ConflictException; docs/ecs-facts.md: not confirmed which).
    expect(['ConflictException', 'ClientException', 'InvalidParameterException']).toContain(refused.name);
    expect(refused.$metadata?.httpStatusCode).toBe(400);
    const after = await describeDeployment(a, arn);
    expect(after.status).toBe('SUCCESSFUL');
    expect(after.rollback).toBeUndefined();
  });

  contract('service: a BLUE_GREEN service whose load balancer has no advancedConfiguration is an InvalidParameterException', async (a) => {
    await clusterAndRevisions(a);
    const refused = await rejection(a.ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'EC2',
      deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 },
      loadBalancers: [{ targetGroupArn: `arn:aws:elasticloadbalancing:${a.region}:${a.accountId}:targetgroup/blue/0123456789abcdef`, containerName: 'app', containerPort: 8080 }],
    })));
    expect(refused.name).toBe('InvalidParameterException');
    expect((await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services ?? []).toEqual([]);
  });
});
