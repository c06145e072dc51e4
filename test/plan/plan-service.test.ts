/**
 * planService: which ECS calls bring a service to its manifest, for each kind
 * of difference, plus the policies (replacement refused, other controller's
 * services left alone, desiredCount owned by autoscaling, revision reuse).
 */
import { describe, expect, it } from 'vitest';
import { diffService, TAG_MANAGED_BY, TAG_REVISION, TAG_SOURCE, TAG_SPEC_HASH, taskDefinitionSpecHash } from '../../src/diff/index.js';
import { ERROR_CATALOGS } from '../../src/errors/index.js';
import {
  planService,
  REGISTERED_TASK_DEFINITION,
  withRegisteredTaskDefinition,
  type Action,
  type LiveServiceState,
  type Plan,
} from '../../src/plan/index.js';
import type { AdoptionPolicy } from '../../src/plan/ownership.js';
import {
  baseSpec,
  container,
  desiredOf,
  liveContainer,
  liveService,
  liveTags,
  liveTaskDefinition,
  manifestOf,
  SERVICE_ARN,
  type SpecDraft,
} from '../diff/fixtures.js';

const CONTROLLER = 'controller-1';

function plan(spec: SpecDraft, live: LiveServiceState, extra: { existingRevisionForHash?: string; adoption?: AdoptionPolicy; scalingTargetExists?: boolean } = {}): Plan {
  const manifest = manifestOf(spec);
  const changes = diffService(manifest, live);
  return planService({ desired: desiredOf(manifest), live, changes, controllerId: CONTROLLER, revision: 'c0ffee', ...extra });
}

function inSync(): { service: ReturnType<typeof liveService>; taskDefinition: ReturnType<typeof liveTaskDefinition>; tags: ReturnType<typeof liveTags> } {
  return { service: liveService(), taskDefinition: liveTaskDefinition(), tags: liveTags() };
}

const kinds = (p: Plan) => p.actions.map((a) => a.kind);
function find<K extends Action['kind']>(p: Plan, kind: K): Extract<Action, { kind: K }> {
  const action = p.actions.find((a) => a.kind === kind);
  if (!action) throw new Error(`no ${kind} action in ${JSON.stringify(kinds(p))}`);
  return action as Extract<Action, { kind: K }>;
}

describe('planService', () => {
  it('claims declared auto scaling on create, unless a scalable target is already registered for the service', () => {
    const spec = { ...baseSpec(), autoScaling: { minCapacity: 1, maxCapacity: 3 } } as SpecDraft;
    const claimed = find(plan(spec, { service: undefined }), 'createService').input.tags ?? [];
    expect(claimed).toContainEqual({ key: 'ecs-gitops/autoscaling', value: CONTROLLER });
    expect(find(plan(spec, { service: undefined }), 'createService').input).not.toHaveProperty('autoScaling');
    const leftBehind = find(plan(spec, { service: undefined }, { scalingTargetExists: true }), 'createService').input.tags ?? [];
    expect(leftBehind.map((t) => t.key)).not.toContain('ecs-gitops/autoscaling');
  });

  it('in sync: no actions', () => {
    expect(plan(baseSpec(), inSync())).toEqual({ actions: [] });
  });

  it('missing service: register the task definition, then create the service with controller tags', () => {
    const spec = baseSpec();
    spec.tags = { team: 'payments' };
    const p = plan(spec, { service: undefined });
    expect(kinds(p)).toEqual(['registerTaskDefinition', 'createService']);
    const register = find(p, 'registerTaskDefinition');
    expect(register.input.family).toBe('web');
    expect(register.specHash).toBe(taskDefinitionSpecHash(spec.taskDefinition));
    expect(register.input.tags).toEqual(
      expect.arrayContaining([
        { key: TAG_SPEC_HASH, value: register.specHash },
        { key: TAG_MANAGED_BY, value: CONTROLLER },
        { key: TAG_SOURCE, value: 'services/web.yaml' },
        { key: TAG_REVISION, value: 'c0ffee' },
      ]),
    );
    const create = find(p, 'createService');
    expect(create.input).toMatchObject({ cluster: 'prod', serviceName: 'web', taskDefinition: REGISTERED_TASK_DEFINITION, desiredCount: 2, launchType: 'FARGATE' });
    expect(create.input.tags).toEqual([
      { key: 'team', value: 'payments' },
      { key: TAG_MANAGED_BY, value: CONTROLLER },
      { key: TAG_SOURCE, value: 'services/web.yaml' },
      { key: TAG_REVISION, value: 'c0ffee' },
    ]);
    expect(create.input).not.toHaveProperty('sync');
  });

  it('missing service with desiredCount omitted: created with 1', () => {
    const spec = baseSpec();
    delete spec.desiredCount;
    expect(find(plan(spec, { service: undefined }), 'createService').input.desiredCount).toBe(1);
  });

  it('desiredCount omitted: never changed after creation, whatever live says', () => {
    const spec = baseSpec();
    delete spec.desiredCount;
    const live = inSync();
    live.service.desiredCount = 40;
    expect(plan(spec, live).actions).toEqual([]);
  });

  it('reuses an existing revision with the same spec hash instead of registering', () => {
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:12';
    const p = plan(baseSpec(), { service: undefined }, { existingRevisionForHash: arn });
    expect(kinds(p)).toEqual(['createService']);
    expect(find(p, 'createService').input.taskDefinition).toBe(arn);
  });

  it('task definition drift: register, then update the service to it (and stamp the revision)', () => {
    const live = inSync();
    liveContainer(live.taskDefinition).image = 'web:old';
    const p = plan(baseSpec(), live);
    expect(kinds(p)).toEqual(['registerTaskDefinition', 'updateService', 'tagResource']);
    expect(find(p, 'updateService').input).toEqual({ cluster: 'prod', service: 'web', taskDefinition: REGISTERED_TASK_DEFINITION });
    expect(find(p, 'tagResource')).toEqual({
      kind: 'tagResource',
      resourceArn: SERVICE_ARN,
      tags: [
        { key: TAG_MANAGED_BY, value: CONTROLLER },
        { key: TAG_SOURCE, value: 'services/web.yaml' },
        { key: TAG_REVISION, value: 'c0ffee' },
      ],
    });
  });

  it.each([
    ['desiredCount', (l: ReturnType<typeof inSync>) => void (l.service.desiredCount = 9), { desiredCount: 2 }],
    ['enableExecuteCommand', (l: ReturnType<typeof inSync>) => void (l.service.enableExecuteCommand = true), { enableExecuteCommand: false }],
    [
      'networkConfiguration (whole field, canonical)',
      (l: ReturnType<typeof inSync>) => void (l.service.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-z'], assignPublicIp: 'ENABLED' } }),
      { networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } } },
    ],
    [
      'deploymentConfiguration (defaults the manifest implies)',
      (l: ReturnType<typeof inSync>) => void (l.service.deploymentConfiguration = { maximumPercent: 150, minimumHealthyPercent: 50 }),
      { deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false } } },
    ],
  ])('service drift in %s: UpdateService with only that field', (_field, edit, expected) => {
    const live = inSync();
    edit(live);
    const p = plan(baseSpec(), live);
    expect(kinds(p)).toEqual(['updateService', 'tagResource']);
    expect(find(p, 'updateService').input).toEqual({ cluster: 'prod', service: 'web', ...expected });
  });

  it('a new capacity provider strategy forces a new deployment (the field alone does not start one)', () => {
    const spec = baseSpec();
    delete spec.launchType;
    spec.capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    const p = plan(spec, inSync());
    expect(find(p, 'updateService').input).toMatchObject({
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
      forceNewDeployment: true,
    });
  });

  it('tags: set changed/added ones with the controller tags, untag removed ones', () => {
    const spec = baseSpec();
    spec.tags = { team: 'payments', env: 'prod' };
    const live = inSync();
    live.tags = liveTags([{ key: 'team', value: 'search' }, { key: 'owner', value: 'bob' }]);
    const p = plan(spec, live);
    expect(kinds(p)).toEqual(['tagResource', 'untagResource']);
    expect(find(p, 'tagResource').tags.slice(0, 2)).toEqual([
      { key: 'env', value: 'prod' },
      { key: 'team', value: 'payments' },
    ]);
    expect(find(p, 'untagResource')).toEqual({ kind: 'untagResource', resourceArn: SERVICE_ARN, tagKeys: ['owner'] });
  });

  it('refuses an untagged live service nobody opted in: no call at all, a cataloged code saying how to opt in', () => {
    const live = inSync();
    live.tags = [{ key: 'team', value: 'payments' }];
    live.service.desiredCount = 9;
    const p = plan(baseSpec(), live);
    expect(p.actions).toEqual([]);
    expect(p.blocked?.code).toBe('DIFF_ADOPTION_NOT_ALLOWED');
    expect(p.blocked?.message).toContain(`ecs-gitops/adopt=${CONTROLLER}`);
    expect(p.blocked?.message).toContain('--adopt-clusters');
    expect(Object.keys(ERROR_CATALOGS.diff ?? {})).toContain(p.blocked?.code);
  });

  it('an adopt tag naming another controller, or a cluster off the allow-list, is no opt-in', () => {
    const live = inSync();
    live.tags = [{ key: 'ecs-gitops/adopt', value: 'someone-else' }];
    expect(plan(baseSpec(), live, { adoption: { clusters: ['staging-*'] } }).blocked?.code).toBe('DIFF_ADOPTION_NOT_ALLOWED');
    expect(plan(baseSpec(), live).blocked?.message).toContain('names "someone-else"');
  });

  it('adopts an untagged live service a person tagged ecs-gitops/adopt=<id>, by tagging it, without touching anything else', () => {
    const live = inSync();
    live.tags = [{ key: 'ecs-gitops/adopt', value: CONTROLLER }];
    const p = plan(baseSpec(), live);
    expect(kinds(p)).toEqual(['tagResource']);
  });

  it('adopts an untagged live service in a cluster on the allow-list (by name pattern or ARN pattern)', () => {
    const live = inSync();
    live.tags = [];
    const cluster = live.service.clusterArn ?? '';
    expect(cluster).toMatch(/^arn:/);
    expect(kinds(plan(baseSpec(), live, { adoption: { clusters: ['*'] } }))).toEqual(['tagResource']);
    expect(kinds(plan(baseSpec(), live, { adoption: { clusters: [cluster.replace(/[^/]*$/, '*')] } }))).toEqual(['tagResource']);
    expect(plan(baseSpec(), live, { adoption: { clusters: [`${cluster}x`] } }).blocked?.code).toBe('DIFF_ADOPTION_NOT_ALLOWED');
  });

  it('adopting a drifted service tags it before updating it (the IAM policy only lets UpdateService touch owned services)', () => {
    const live = inSync();
    live.tags = [{ key: 'ecs-gitops/adopt', value: CONTROLLER }];
    live.service.desiredCount = 9;
    const p = plan(baseSpec(), live);
    expect(kinds(p)).toEqual(['tagResource', 'updateService']);
    expect(find(p, 'tagResource').tags).toContainEqual({ key: TAG_MANAGED_BY, value: CONTROLLER });
  });

  it('an owned service is updated first and re-stamped after', () => {
    const live = inSync();
    live.service.desiredCount = 9;
    expect(kinds(plan(baseSpec(), live))).toEqual(['updateService', 'tagResource']);
  });

  it('replacement changes block the plan with a clear, cataloged code', () => {
    const live = inSync();
    live.service.launchType = 'EC2';
    live.taskDefinition.memory = '4096';
    const p = plan(baseSpec(), live);
    expect(p.actions).toEqual([]);
    expect(p.blocked?.code).toBe('DIFF_REQUIRES_REPLACEMENT');
    expect(p.blocked?.message).toContain('/spec/launchType (live "EC2", manifest "FARGATE")');
    expect(p.blocked?.message).toContain('services/web.yaml');
    expect(Object.keys(ERROR_CATALOGS.diff ?? {})).toContain(p.blocked?.code);
  });

  it("a service managed by another controller is left alone", () => {
    const live = inSync();
    live.tags = [{ key: TAG_MANAGED_BY, value: 'someone-else' }];
    live.service.desiredCount = 9;
    const p = plan(baseSpec(), live);
    expect(p.actions).toEqual([]);
    expect(p.blocked?.code).toBe('DIFF_OWNED_BY_OTHER_CONTROLLER');
    expect(p.blocked?.message).toContain('someone-else');
  });

  it('keeps live values of ignored task definition fields when registering a new revision', () => {
    const spec = baseSpec();
    spec.sync = { ignoreDifferences: ['/taskDefinition/containerDefinitions/0/image'] };
    container(spec).image = 'web:from-manifest';
    const live = inSync();
    liveContainer(live.taskDefinition).image = 'web:from-ci';
    live.taskDefinition.memory = '1024';
    const p = plan(spec, live);
    const register = find(p, 'registerTaskDefinition');
    expect(register.input.memory).toBe('512');
    expect(register.input.containerDefinitions?.[0]?.image).toBe('web:from-ci');
    expect(register.specHash).toBe(taskDefinitionSpecHash(register.input));
  });

  it('withRegisteredTaskDefinition fills the placeholder and leaves other actions alone', () => {
    const p = plan(baseSpec(), { service: undefined });
    const create = find(p, 'createService');
    expect(withRegisteredTaskDefinition(create, 'arn:td:1').input.taskDefinition).toBe('arn:td:1');
    expect(create.input.taskDefinition).toBe(REGISTERED_TASK_DEFINITION);
    const register = find(p, 'registerTaskDefinition');
    expect(withRegisteredTaskDefinition(register, 'arn:td:1')).toBe(register);
  });

  it('DAEMON services are created without a desiredCount', () => {
    const spec = baseSpec();
    spec.schedulingStrategy = 'DAEMON';
    spec.launchType = 'EC2';
    delete spec.desiredCount;
    expect(find(plan(spec, { service: undefined }), 'createService').input).not.toHaveProperty('desiredCount');
  });
});

describe('planService: clearing a list', () => {
  it('loadBalancers: [] sends UpdateService with an empty list', () => {
    const spec = baseSpec();
    spec.loadBalancers = [];
    const live = inSync();
    live.service.loadBalancers = [{ targetGroupArn: 'arn:tg', containerName: 'web', containerPort: 8080 }];
    expect(find(plan(spec, live), 'updateService').input).toEqual({ cluster: 'prod', service: 'web', loadBalancers: [] });
  });
});
