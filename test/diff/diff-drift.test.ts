/**
 * Zero missed drift: each row changes one thing live (as a person in the
 * console would) or in the manifest, and asserts exactly which pointers,
 * kinds and scopes diffService reports.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { diffService, serviceDiffStatus } from '../../src/diff/index.js';
import {
  baseSpec,
  container,
  liveContainer,
  liveService,
  liveTags,
  liveTaskDefinition,
  manifestOf,
  type SpecDraft,
} from './fixtures.js';

interface World {
  spec: SpecDraft;
  td: ReturnType<typeof liveTaskDefinition>;
  svc: ReturnType<typeof liveService>;
  tags: Tag[];
}

type Expected = readonly (readonly [pointer: string, kind: 'added' | 'removed' | 'changed', scope: 'taskDefinition' | 'service' | 'replacement'])[];
type Row = readonly [what: string, edit: (w: World) => void, expected: Expected];

const C0 = '/spec/taskDefinition/containerDefinitions/0';

const rows: Row[] = [
  ['image tag changed live', (w) => {
    liveContainer(w.td).image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.1';
  }, [[`${C0}/image`, 'changed', 'taskDefinition']]],
  ['environment value changed (entry found by name, indexed as in the manifest)', (w) => {
    liveContainer(w.td).environment = [{ name: 'REGION', value: 'us-east-1' }, { name: 'LOG_LEVEL', value: 'info' }];
  }, [[`${C0}/environment/1`, 'changed', 'taskDefinition']]],
  ['secret valueFrom changed', (w) => {
    liveContainer(w.td).secrets = [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/web/db-old' }];
  }, [[`${C0}/secrets/0`, 'changed', 'taskDefinition']]],
  ['a container removed from the manifest still runs live', (w) => {
    (w.td.containerDefinitions as unknown[]).push({ name: 'sidecar', image: 'envoy:1', cpu: 0, essential: true });
  }, [['/spec/taskDefinition/containerDefinitions/1', 'removed', 'taskDefinition']]],
  ['a container added to the manifest is not live yet', (w) => {
    (w.spec.taskDefinition.containerDefinitions as unknown[]).push({ name: 'sidecar', image: 'envoy:1' });
  }, [['/spec/taskDefinition/containerDefinitions/1', 'added', 'taskDefinition']]],
  ['task memory changed', (w) => {
    w.td.memory = '1024';
  }, [['/spec/taskDefinition/memory', 'changed', 'taskDefinition']]],
  ['container port changed (hostPort follows under awsvpc)', (w) => {
    liveContainer(w.td).portMappings = [{ containerPort: 9090, hostPort: 9090, protocol: 'tcp' }];
  }, [[`${C0}/portMappings/0/containerPort`, 'changed', 'taskDefinition'], [`${C0}/portMappings/0/hostPort`, 'changed', 'taskDefinition']]],
  ['desiredCount changed live', (w) => {
    w.svc.desiredCount = 5;
  }, [['/spec/desiredCount', 'changed', 'service']]],
  ['environment variable added to the manifest', (w) => {
    (container(w.spec).environment as unknown[]).push({ name: 'FEATURE_X', value: 'on' });
  }, [[`${C0}/environment/2`, 'added', 'taskDefinition']]],
  ['environment variable added live (console)', (w) => {
    (liveContainer(w.td).environment as unknown[]).push({ name: 'DEBUG', value: '1' });
  }, [[`${C0}/environment/2`, 'removed', 'taskDefinition']]],
  ['load balancer target port changed', (w) => {
    w.spec.loadBalancers = [{ targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1', containerName: 'web', containerPort: 8080 }];
    w.svc.loadBalancers = [{ targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1', containerName: 'web', containerPort: 8081 }];
  }, [['/spec/loadBalancers/0/containerPort', 'changed', 'service']]],
  ['load balancer removed live', (w) => {
    w.spec.loadBalancers = [{ targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1', containerName: 'web', containerPort: 8080 }];
  }, [['/spec/loadBalancers', 'added', 'service']]],
  ['network configuration: subnet swapped and public IP turned on', (w) => {
    w.svc.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-c'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } };
  }, [
    ['/spec/networkConfiguration/awsvpcConfiguration/assignPublicIp', 'changed', 'service'],
    ['/spec/networkConfiguration/awsvpcConfiguration/subnets', 'changed', 'service'],
  ]],
  ['ECS Exec switched on in the console (manifest implies off)', (w) => {
    w.svc.enableExecuteCommand = true;
  }, [['/spec/enableExecuteCommand', 'changed', 'service']]],
  ['circuit breaker disabled live while the manifest enables it', (w) => {
    w.spec.deploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: true } };
  }, [
    ['/spec/deploymentConfiguration/deploymentCircuitBreaker/enable', 'changed', 'service'],
    ['/spec/deploymentConfiguration/deploymentCircuitBreaker/rollback', 'changed', 'service'],
  ]],
  ['Fargate platform version pinned live (manifest implies LATEST)', (w) => {
    w.svc.platformVersion = '1.3.0';
  }, [['/spec/platformVersion', 'changed', 'service']]],
  ['essential set to false live', (w) => {
    liveContainer(w.td).essential = false;
  }, [[`${C0}/essential`, 'changed', 'taskDefinition']]],
  ['healthCheck retries changed', (w) => {
    container(w.spec).healthCheck = { command: ['CMD', 'true'] };
    liveContainer(w.td).healthCheck = { command: ['CMD', 'true'], interval: 30, timeout: 5, retries: 10 };
  }, [[`${C0}/healthCheck/retries`, 'changed', 'taskDefinition']]],
  ['launch type changed: needs a new service', (w) => {
    w.svc.launchType = 'EC2';
  }, [['/spec/launchType', 'changed', 'replacement']]],
  ['scheduling strategy changed: needs a new service', (w) => {
    w.svc.schedulingStrategy = 'DAEMON';
    w.svc.deploymentConfiguration = { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false } };
  }, [['/spec/schedulingStrategy', 'changed', 'replacement']]],
  ['tag value changed, a user tag added live, keys with "/" escaped', (w) => {
    w.spec.tags = { team: 'payments', 'cost/center': '42' };
    w.tags = liveTags([{ key: 'team', value: 'search' }, { key: 'cost/center', value: '41' }, { key: 'owner', value: 'bob' }]);
  }, [['/spec/tags/cost~1center', 'changed', 'service'], ['/spec/tags/owner', 'removed', 'service'], ['/spec/tags/team', 'changed', 'service']]],
  ['task definition family differs (service points at another family)', (w) => {
    w.td.family = 'web-old';
  }, [['/spec/taskDefinition/family', 'changed', 'taskDefinition']]],
  ['capacity provider strategy weights changed', (w) => {
    delete w.spec.launchType;
    w.spec.capacityProviderStrategy = [{ capacityProvider: 'FARGATE', weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }];
    delete w.svc.launchType;
    w.svc.capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }, { capacityProvider: 'FARGATE', weight: 1, base: 0 }];
  }, [['/spec/capacityProviderStrategy/1/weight', 'changed', 'service']]],
  ['a live-only field in the task definition (console added a command)', (w) => {
    liveContainer(w.td).command = ['sleep', 'infinity'];
  }, [[`${C0}/command`, 'removed', 'taskDefinition']]],
];

describe('diffService: real drift is reported at exact pointers', () => {
  it('has at least 10 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
  });

  it.each(rows)('%s', (_what, edit, expected) => {
    const world: World = { spec: baseSpec(), td: liveTaskDefinition(), svc: liveService(), tags: liveTags() };
    edit(world);
    const changes = diffService(manifestOf(world.spec), { service: world.svc, taskDefinition: world.td, tags: world.tags });
    expect(changes.map((c) => [c.pointer, c.kind, c.scope])).toEqual(expected.map((e) => [...e]));
    expect(serviceDiffStatus(changes)).toBe('out-of-sync');
  });

  it('reports desired and live values of a change', () => {
    const td = liveTaskDefinition();
    liveContainer(td).image = 'nginx:old';
    const [change] = diffService(manifestOf(baseSpec()), { service: liveService(), taskDefinition: td, tags: liveTags() });
    expect(change).toEqual({
      pointer: `${C0}/image`,
      desired: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2',
      live: 'nginx:old',
      kind: 'changed',
      scope: 'taskDefinition',
    });
  });
});

describe('diffService: missing and partial live state', () => {
  it.each([
    ['no service', undefined],
    ['an INACTIVE service (deleted, still listed)', { ...liveService(), status: 'INACTIVE' }],
    ['a DRAINING service', { ...liveService(), status: 'DRAINING' }],
  ])('%s => one change at /spec, added', (_name, service) => {
    const changes = diffService(manifestOf(baseSpec()), { service, taskDefinition: undefined });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ pointer: '/spec', kind: 'added', scope: 'service', live: undefined });
    expect(serviceDiffStatus(changes)).toBe('missing');
  });

  it('a service whose task definition could not be read: the whole task definition is added', () => {
    const changes = diffService(manifestOf(baseSpec()), { service: liveService(), tags: liveTags() });
    expect(changes.map((c) => [c.pointer, c.kind, c.scope])).toEqual([['/spec/taskDefinition', 'added', 'taskDefinition']]);
  });
});

describe('diffService: ignore rules', () => {
  it.each([
    ['/desiredCount', (w: World) => void (w.svc.desiredCount = 9)],
    ['/taskDefinition/containerDefinitions/0/image', (w: World) => void (liveContainer(w.td).image = 'x:1')],
    ['/taskDefinition/containerDefinitions/0/environment', (w: World) => void (liveContainer(w.td).environment = [])],
    ['/networkConfiguration', (w: World) => void (w.svc.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-z'] } })],
  ])('spec.sync.ignoreDifferences %s hides changes under it', (pointer, edit) => {
    const world: World = { spec: baseSpec(), td: liveTaskDefinition(), svc: liveService(), tags: liveTags() };
    edit(world);
    const manifest = manifestOf(world.spec);
    const live = { service: world.svc, taskDefinition: world.td, tags: world.tags };
    expect(diffService(manifest, live).length).toBeGreaterThan(0);
    world.spec.sync = { ignoreDifferences: [pointer] };
    expect(diffService(manifestOf(world.spec), live)).toEqual([]);
    // The same through options (e.g. a controller-wide setting).
    expect(diffService(manifest, live, { ignoreDifferences: [pointer] })).toEqual([]);
  });

  it('ignoring one field does not hide its siblings', () => {
    const world: World = { spec: baseSpec(), td: liveTaskDefinition(), svc: liveService(), tags: liveTags() };
    world.spec.sync = { ignoreDifferences: ['/taskDefinition/containerDefinitions/0/image'] };
    liveContainer(world.td).image = 'x:1';
    world.td.memory = '2048';
    const changes = diffService(manifestOf(world.spec), { service: world.svc, taskDefinition: world.td, tags: world.tags });
    expect(changes.map((c) => c.pointer)).toEqual(['/spec/taskDefinition/memory']);
  });

  it('/desiredCount is compared when the manifest sets it, ignored when it does not', () => {
    const spec = baseSpec();
    const svc = { ...liveService(), desiredCount: 4 };
    const live = { service: svc, taskDefinition: liveTaskDefinition(), tags: liveTags() };
    expect(diffService(manifestOf(spec), live).map((c) => c.pointer)).toEqual(['/spec/desiredCount']);
    delete spec.desiredCount;
    expect(diffService(manifestOf(spec), live)).toEqual([]);
  });

  it('tags are not compared when the manifest declares none', () => {
    const live = { service: liveService(), taskDefinition: liveTaskDefinition(), tags: liveTags([{ key: 'owner', value: 'bob' }]) };
    expect(diffService(manifestOf(baseSpec()), live)).toEqual([]);
  });
});

describe('diffService: explicit empty lists', () => {
  it('loadBalancers: [] in the manifest while live has one is drift (UpdateService can clear it)', () => {
    const spec = baseSpec();
    spec.loadBalancers = [];
    const svc = { ...liveService(), loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'web', containerPort: 8080 }] };
    const changes = diffService(manifestOf(spec), { service: svc, taskDefinition: liveTaskDefinition(), tags: liveTags() });
    expect(changes).toEqual([
      { pointer: '/spec/loadBalancers', desired: [], live: [{ containerName: 'web', containerPort: 8080, targetGroupArn: 'arn:tg' }], kind: 'removed', scope: 'service' },
    ]);
    expect(diffService(manifestOf(spec), { service: liveService(), taskDefinition: liveTaskDefinition(), tags: liveTags() })).toEqual([]);
  });
});
