/**
 * The deployment strategies survive a round trip through `ecs-gitops export`
 * and `diff` against the sandbox over HTTP: BLUE_GREEN, LINEAR and CANARY
 * services with lifecycle hooks and loadBalancers[].advancedConfiguration,
 * created the way a console user would, export to manifests that validate
 * and diff with nothing to change (no false drift from what ECS fills in);
 * and manifests written by hand with only the required fields show no drift
 * once `sync` applied them, before and after the deployments end.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { JsonObject } from '../../src/sandbox/json-input.js';
import { runCliCaptured, type CliResult } from '../support/run-cli.js';

const REGION = 'eu-west-1';
const ACCOUNT = '367890123456';
const HOUR = 3_600_000;
const ELB = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}`;
const LB_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecs-infrastructure-load-balancers`;
const HOOK_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecs-lifecycle-hooks`;
const SMOKE_TEST = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:smoke-test`;
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'] } };

/** A load balancer whose production (and optionally test) listener rule ECS moves between blue and green. */
function loadBalancer(name: string, withTestRule: boolean): JsonObject {
  return {
    targetGroupArn: `${ELB}:targetgroup/${name}-blue/0123456789abcdef`, containerName: 'app', containerPort: 8080,
    advancedConfiguration: {
      alternateTargetGroupArn: `${ELB}:targetgroup/${name}-green/fedcba9876543210`,
      productionListenerRule: `${ELB}:listener-rule/app/${name}/0123456789abcdef/0123456789abcdef/0123456789abcdef`,
      ...(withTestRule ? { testListenerRule: `${ELB}:listener-rule/app/${name}/0123456789abcdef/fedcba9876543210/fedcba9876543210` } : {}),
      roleArn: LB_ROLE,
    },
  };
}

const taskDefinition = (family: string): JsonObject => ({
  family, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
  containerDefinitions: [{ name: 'app', image: 'nginx:1.27', essential: true, portMappings: [{ containerPort: 8080 }] }],
});

/** The three strategies with everything a person might set, as CreateService input. */
const CONSOLE_SERVICES: Record<string, JsonObject> = {
  checkout: {
    loadBalancers: [loadBalancer('checkout', true)],
    deploymentConfiguration: {
      strategy: 'BLUE_GREEN', bakeTimeInMinutes: 15, minimumHealthyPercent: 100, maximumPercent: 200,
      lifecycleHooks: [
        { targetType: 'AWS_LAMBDA', hookTargetArn: SMOKE_TEST, roleArn: HOOK_ROLE, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] },
        { targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 120, action: 'ROLLBACK' } },
      ],
    },
  },
  api: {
    loadBalancers: [loadBalancer('api', false)],
    deploymentConfiguration: {
      strategy: 'LINEAR', bakeTimeInMinutes: 10, linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 5 },
      alarms: { alarmNames: ['api-5xx'], enable: true, rollback: true },
      lifecycleHooks: [{ targetType: 'AWS_LAMBDA', hookTargetArn: SMOKE_TEST, roleArn: HOOK_ROLE, lifecycleStages: ['PRE_SCALE_UP', 'POST_PRODUCTION_TRAFFIC_SHIFT'] }],
    },
  },
  search: {
    loadBalancers: [loadBalancer('search', true)],
    deploymentConfiguration: {
      strategy: 'CANARY', bakeTimeInMinutes: 10, canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 15 },
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 60, action: 'CONTINUE' } }],
    },
  },
};

/** A hook as export writes it: without targetType AWS_LAMBDA and timeoutConfiguration's defaults (1440 minutes, ROLLBACK). */
function withoutHookDefaults(hook: JsonObject): JsonObject {
  const { targetType, timeoutConfiguration, ...rest } = hook;
  const timeout = Object.fromEntries(Object.entries((timeoutConfiguration ?? {}) as JsonObject).filter(([k, v]) => !(k === 'timeoutInMinutes' && v === 1440) && !(k === 'action' && v === 'ROLLBACK')));
  return { ...(targetType === 'AWS_LAMBDA' ? {} : { targetType }), ...rest, ...(Object.keys(timeout).length > 0 ? { timeoutConfiguration: timeout } : {}) } as JsonObject;
}

/** Only what each strategy requires (docs/deployments.md): ECS fills in the rest. */
function handWritten(name: string, strategy: 'BLUE_GREEN' | 'LINEAR' | 'CANARY'): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name, cluster: 'shop', region: REGION },
    spec: {
      desiredCount: 2, launchType: 'FARGATE', networkConfiguration: NETWORK,
      loadBalancers: [loadBalancer(name, false)],
      deploymentConfiguration: { strategy },
      taskDefinition: {
        family: name, cpu: '256', memory: '512', networkMode: 'awsvpc',
        containerDefinitions: [{ name: 'app', image: 'nginx:1.27', portMappings: [{ containerPort: 8080 }] }],
      },
    },
  };
}

interface DiffReport {
  summary: { services: number; inSync: number; outOfSync: number; missing: number };
  services?: { key: string; changes?: unknown[] }[];
}

describe('deployment strategies: export and diff round trip (sandbox)', () => {
  let sandbox: Sandbox;
  let work: string;
  let env: Record<string, string>;
  const target = { accountId: ACCOUNT, region: REGION };
  const run = (argv: readonly string[]): Promise<CliResult> => runCliCaptured(argv, { env, cwd: work });

  beforeEach(async () => {
    sandbox = await startSandbox({ clockSpeed: 0, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'shop', capacityProviders: ['FARGATE'] }] }] });
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-export-strategies-'));
    env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret' };
  });
  afterEach(async () => {
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  });

  /** diff --output json, failing with the changes it found when anything is out of sync. */
  async function expectNoDrift(dir: string, services: number): Promise<void> {
    const diff = await run(['diff', dir, '--output', 'json']);
    const report = JSON.parse(diff.stdout || '{}') as DiffReport;
    const changes = (report.services ?? []).filter((s) => (s.changes ?? []).length > 0);
    expect(changes, JSON.stringify(changes, null, 2)).toEqual([]);
    expect(report.summary).toMatchObject({ services, inSync: services, outOfSync: 0, missing: 0 });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
  }

  it('exports BLUE_GREEN, LINEAR and CANARY services with hooks and advancedConfiguration to manifests that validate and diff clean', async () => {
    for (const [name, fields] of Object.entries(CONSOLE_SERVICES)) {
      sandbox.call('RegisterTaskDefinition', taskDefinition(name), target);
      sandbox.call('CreateService', {
        cluster: 'shop', serviceName: name, taskDefinition: name, desiredCount: 2, launchType: 'FARGATE', networkConfiguration: NETWORK, ...fields,
      }, target);
    }
    sandbox.clock.advance(HOUR);

    const exported = await run(['export', '--cluster', 'shop', '--out', 'out']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('3 service(s) exported');
    for (const [name, fields] of Object.entries(CONSOLE_SERVICES)) {
      const manifest = parse(await readFile(path.join(work, 'out', 'shop', `${name}.yaml`), 'utf8')) as { spec: Record<string, unknown> };
      // What was set comes back as it was set, less ECS's defaults (export writes short manifests).
      expect(manifest.spec.loadBalancers, name).toEqual(fields.loadBalancers);
      const { minimumHealthyPercent: _min, maximumPercent: _max, lifecycleHooks, ...rest } = fields.deploymentConfiguration as JsonObject;
      expect(manifest.spec.deploymentConfiguration, name).toEqual({ ...rest, lifecycleHooks: (lifecycleHooks as JsonObject[]).map(withoutHookDefaults) });
    }
    const checkout = parse(await readFile(path.join(work, 'out', 'shop', 'checkout.yaml'), 'utf8')) as { spec: { deploymentConfiguration: JsonObject } };
    expect(checkout.spec.deploymentConfiguration.lifecycleHooks).toEqual([
      { hookTargetArn: SMOKE_TEST, roleArn: HOOK_ROLE, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] },
      { targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 120 } },
    ]);

    const validate = await run(['validate', 'out']);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stdout).toContain('3 services');
    await expectNoDrift('out', 3);
  });

  it('shows no drift for hand-written manifests with only the required fields, right after sync and once the deployments ended', async () => {
    const dir = path.join(work, 'hand');
    await mkdir(dir, { recursive: true });
    const services = { checkout: 'BLUE_GREEN', api: 'LINEAR', search: 'CANARY' } as const;
    for (const [name, strategy] of Object.entries(services)) await writeFile(path.join(dir, `${name}.yaml`), stringify(handWritten(name, strategy)));
    expect((await run(['validate', 'hand'])).code).toBe(0);

    const sync = await run(['sync', 'hand']);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    const live = sandbox.call('DescribeServices', { cluster: 'shop', services: Object.keys(services) }, target) as { services: { serviceName: string; deploymentConfiguration: { strategy?: string } }[] };
    expect(Object.fromEntries(live.services.map((s) => [s.serviceName, s.deploymentConfiguration.strategy]))).toEqual(services);
    await expectNoDrift('hand', 3);

    // ECS's defaults (bake time, step and canary sizes) are what it deploys with: still nothing to change after.
    sandbox.clock.advance(2 * HOUR);
    const after = sandbox.call('DescribeServices', { cluster: 'shop', services: Object.keys(services) }, target) as { services: { deployments: { rolloutState?: string }[] }[] };
    expect(after.services.map((s) => s.deployments.map((d) => d.rolloutState))).toEqual([['COMPLETED'], ['COMPLETED'], ['COMPLETED']]);
    await expectNoDrift('hand', 3);
  });
});
