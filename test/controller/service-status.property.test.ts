/**
 * Status is consistent by construction: whatever a Service pass observed,
 * remembered and did, the record it writes says `OutOfSync` only with the
 * diff that makes it so, `Synced` and `Unknown` only with no diff, and every
 * failing pass says why. A property over the pure decide/settle steps
 * (src/controller/service/decide.ts) with arbitrary observations, memory,
 * previous records, modes and apply results.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/controller/applier.js';
import { defaultPlanner } from '../../src/controller/planner.js';
import { decideService, settle, type ActResult, type ServiceDecisionInput, type ServiceMemory } from '../../src/controller/service/decide.js';
import type { ServiceObserveResult, ServiceObservation } from '../../src/controller/service/observe.js';
import type { ImagePolicyResult } from '../../src/controller/image-policy.js';
import type { ServiceStatus } from '../../src/controller/status.js';
import { GitopsError } from '../../src/errors/index.js';
import { ownershipOf } from '../../src/plan/ownership.js';
import { TD_ARN, baseSpec, clone, desiredOf, liveService, liveTaskDefinition, manifestOf } from '../diff/fixtures.js';

const CONTROLLER = 'ecs-gitops';
const NOW = Date.parse('2026-12-01T12:00:00Z');

const desired = (detect: boolean) => {
  const spec = baseSpec();
  if (detect) spec.sync = { mode: 'detect' };
  return desiredOf(manifestOf(spec));
};

const driftArb = fc.constantFrom('none', 'desiredCount', 'image', 'launchType', 'userTag');
const presenceArb = fc.constantFrom('missing', 'draining', 'active', 'active', 'active');
const ownerArb = fc.constantFrom<string | undefined>(undefined, CONTROLLER, CONTROLLER, 'someone-else');
const rolloutArb = fc.constantFrom<ECS.DeploymentRolloutState>('COMPLETED', 'IN_PROGRESS', 'FAILED');
const failureArb = fc.constantFrom<'none' | 'live' | 'images' | 'strategy'>('none', 'none', 'none', 'live', 'images', 'strategy');
const problemArb = fc.constantFrom<ImagePolicyResult['problem'] | undefined>(
  undefined, undefined, undefined,
  { code: 'CONTROLLER_IMAGE_NOT_FOUND', message: 'no such tag' },
  { code: 'CONTROLLER_IMAGE_LOOKUP_FAILED', message: 'ECR unreachable' },
);

function observed(options: {
  presence: string; owner: string | undefined; drift: string; rollout: ECS.DeploymentRolloutState; failure: string;
  problem: ImagePolicyResult['problem'] | undefined; withPolicy: boolean; detect: boolean;
}): ServiceObserveResult {
  const service = liveService();
  service.tags = options.owner ? [{ key: 'ecs-gitops/managed-by', value: options.owner }, { key: 'ecs-gitops/source', value: 'services/web.yaml' }] : [];
  if (options.drift === 'desiredCount') service.desiredCount = 5;
  if (options.drift === 'launchType') service.launchType = 'EC2';
  if (options.drift === 'userTag') service.tags = [...service.tags, { key: 'team', value: 'ops' }];
  const primary = service.deployments?.[0];
  if (primary) primary.rolloutState = options.rollout;
  const taskDefinition = clone(liveTaskDefinition()) as ECS.TaskDefinition;
  if (options.drift === 'image' && taskDefinition.containerDefinitions?.[0]) taskDefinition.containerDefinitions[0].image = 'nginx:other';
  if (options.presence !== 'active') service.status = options.presence === 'draining' ? 'DRAINING' : 'INACTIVE';
  const active = options.presence === 'active';
  const observation: ServiceObservation = {
    ...(options.presence !== 'missing' ? { described: service as ECS.Service } : {}),
    live: active ? { service: service as ECS.Service, tags: service.tags, taskDefinition } : {},
    ...(active ? { ownership: ownershipOf(service.tags, CONTROLLER) } : {}),
    ...(options.withPolicy ? {
      policy: {
        desired: desired(options.detect), imageUpdates: [], imageDigests: {}, targetDigests: {}, followDigests: new Map(),
        ...(options.problem ? { problem: options.problem } : {}),
      },
    } : {}),
  };
  if (options.failure !== 'none' && (options.failure === 'live' || options.withPolicy || options.failure === 'strategy')) {
    return { complete: false, step: options.failure as 'live' | 'images' | 'strategy', error: new GitopsError('AWS_THROTTLED', 'slow down'), observation };
  }
  return { complete: true, observation };
}

const previousArb = fc.option(fc.record({
  sync: fc.constantFrom<ServiceStatus['sync']>('Synced', 'OutOfSync', 'Unknown'),
  health: fc.constantFrom<ServiceStatus['health']>('Healthy', 'Progressing', 'Degraded', 'Unknown'),
  lastApplySucceeded: fc.option(fc.boolean(), { nil: undefined }),
}), { nil: undefined });

const memoryArb = fc.record({
  watched: fc.constantFrom<'none' | 'same' | 'other-content' | 'old'>('none', 'none', 'same', 'other-content', 'old'),
  failedContent: fc.constantFrom<'none' | 'same' | 'other'>('none', 'none', 'same', 'other'),
});

const actArb = fc.oneof(
  fc.record({ ok: fc.constant(true as const), deploymentStarted: fc.boolean(), withArn: fc.boolean() }),
  fc.constant({ ok: false as const }),
);

describe('Service status consistency', () => {
  it('property: OutOfSync always carries the diff that makes it so; Synced and Unknown carry none; errors say why', () => {
    fc.assert(fc.property(
      presenceArb, ownerArb, driftArb, rolloutArb, failureArb, problemArb, fc.boolean(), fc.boolean(), fc.constantFrom<'auto' | 'detect'>('auto', 'detect'),
      previousArb, memoryArb, fc.boolean(), actArb,
      (presence, owner, drift, rollout, failure, problem, withPolicy, detect, mode, previousDraft, memoryDraft, followRollouts, act) => {
        const service = desired(detect);
        const memory: ServiceMemory = {
          ...(memoryDraft.watched !== 'none' ? {
            watched: {
              taskDefinitionArn: TD_ARN, revision: 'rev-0', contentHash: memoryDraft.watched === 'other-content' ? 'older' : service.contentHash,
              startedAt: memoryDraft.watched === 'old' ? NOW - 3_600_000 : NOW - 1000,
            },
          } : {}),
          ...(memoryDraft.failedContent !== 'none' ? { failedContent: memoryDraft.failedContent === 'same' ? service.contentHash : 'other' } : {}),
        };
        const initial: ServiceStatus = {
          key: service.key, region: service.region, cluster: service.cluster, service: service.name,
          sync: 'Unknown', health: 'Unknown', mode, diff: [],
        };
        const previous: ServiceStatus | undefined = previousDraft && {
          ...initial, ...previousDraft,
          diff: previousDraft.sync === 'OutOfSync' ? [{ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 2, live: 9 }] : [],
        };
        const input: ServiceDecisionInput = {
          desired: service, observed: observed({ presence, owner, drift, rollout, failure, problem, withPolicy, detect }), memory, previous, mode,
          controllerId: CONTROLLER, revision: 'rev-1', now: NOW, planner: defaultPlanner, mask: {}, followRollouts,
          rolloutPollMs: 2000, rolloutTimeoutMs: 1_800_000,
        };
        let decision = decideService(input);
        if (decision.act) {
          const applied: ApplyResult = { performed: ['updateService'], deploymentStarted: act.ok && act.deploymentStarted, ...(act.ok && act.withArn ? { taskDefinitionArn: TD_ARN } : {}) };
          const acted: ActResult = act.ok ? { ok: true, result: applied } : { ok: false, error: new GitopsError('AWS_THROTTLED', 'slow down') };
          decision = settle(input, decision, acted);
          expect(decision.act).toBeUndefined();
        }
        const { patch } = decision;
        // sync and diff are only ever written together...
        expect('sync' in patch).toBe(true);
        expect('diff' in patch).toBe(true);
        // ...and agree.
        const after = { ...initial, ...previous, ...patch };
        if (after.sync === 'OutOfSync') expect(after.diff.length).toBeGreaterThan(0);
        else expect(after.diff).toEqual([]);
        // A failing pass says why, in the outcome and in the record.
        if (decision.result === 'error') {
          expect(decision.error).toBeDefined();
          expect(after.lastError).toEqual(decision.error);
        }
        // A rollout outcome only comes from a rollout this key was following.
        if (decision.rollout) expect(memory.watched).toBeDefined();
      },
    ), { numRuns: 2000 });
  });

  it('a service blocked by a missing image shows the change it would make', () => {
    const service = desired(false);
    const live = liveService();
    live.tags = [{ key: 'ecs-gitops/managed-by', value: CONTROLLER }];
    const taskDefinition = clone(liveTaskDefinition()) as ECS.TaskDefinition;
    if (taskDefinition.containerDefinitions?.[0]) taskDefinition.containerDefinitions[0].image = `${String(taskDefinition.containerDefinitions[0].image)}-old`;
    const decision = decideService({
      desired: service, memory: {}, previous: undefined, mode: 'auto', controllerId: CONTROLLER, revision: 'rev-1', now: NOW,
      planner: defaultPlanner, mask: {}, followRollouts: true, rolloutPollMs: 2000, rolloutTimeoutMs: 1_800_000,
      observed: {
        complete: true,
        observation: {
          described: live as ECS.Service, live: { service: live as ECS.Service, tags: live.tags, taskDefinition }, ownership: { kind: 'ours' },
          policy: { desired: service, imageUpdates: [], imageDigests: {}, targetDigests: {}, followDigests: new Map(), problem: { code: 'CONTROLLER_IMAGE_NOT_FOUND', message: 'tag 9.9.9 not found' } },
        },
      },
    });
    expect(decision).toMatchObject({ result: 'error', patch: { sync: 'OutOfSync', lastError: { code: 'CONTROLLER_IMAGE_NOT_FOUND' } } });
    expect(decision.patch.diff?.map((c) => c.pointer)).toContain('/spec/taskDefinition/containerDefinitions/0/image');
    expect(decision.act).toBeUndefined();
  });
});
