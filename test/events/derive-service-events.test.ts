/** The event rules of one Service pass (docs/controller.md, "Events"), one table row per rule, and the id property. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RolloutStatus, ServiceStatus, StatusChange } from '../../src/controller/status.js';
import {
  deriveServiceEvents, EMPTY_SERVICE_EVENT_MEMORY, type ServiceEventMemory,
} from '../../src/events/derive-service-events.js';
import { eventId, type NewEvent, type ServicePassFacts } from '../../src/events/types.js';

const KEY = 'eu-west-1/prod/web';
const REV = '0123456789abcdef0123456789abcdef01234567';
const REV7 = '0123456';
const ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/abc';
const AT = '2026-01-01T00:00:10.000Z';

function status(patch: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    key: KEY, region: 'eu-west-1', cluster: 'prod', service: 'web', sync: 'Synced', health: 'Healthy', mode: 'auto',
    source: 'services/web.yaml', diff: [], ...patch,
  };
}

function facts(patch: Partial<ServicePassFacts>): ServicePassFacts {
  return { key: KEY, revision: REV, startedAt: '2026-01-01T00:00:09.000Z', at: AT, previous: status(), next: status(), applied: [], result: 'success', ...patch };
}

const started: RolloutStatus = { strategy: 'ROLLING', source: 'service-deployment', serviceDeploymentArn: ARN, state: 'PENDING', startedAt: AT, revision: REV };
const completed: RolloutStatus = { ...started, state: 'SUCCESSFUL', result: 'completed', finishedAt: '2026-01-01T00:01:00.000Z' };
const desiredCountDrift: StatusChange[] = [{ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 2, live: 5 }];

function types(events: readonly NewEvent[]): string[] {
  return events.map((e) => e.type);
}

describe('deriveServiceEvents', () => {
  const rows: Array<{ name: string; facts: ServicePassFacts; memory?: ServiceEventMemory; expect: Array<Partial<NewEvent>> }> = [
    {
      name: 'Applied with a rollout: its deployment, not final',
      facts: facts({ applied: ['updateService'], next: status({ sync: 'Synced', driftCause: 'git', rollout: started, health: 'Progressing' }) }),
      expect: [{ type: 'Applied', deploymentId: ARN, revision: REV, message: `Applied ${REV7} to prod/web; rollout started` }],
    },
    {
      name: 'Applied without a deployment (tags only): final',
      facts: facts({ applied: ['tagResource'], next: status({ driftCause: 'git' }) }),
      expect: [{ type: 'Applied', final: true, message: `Applied ${REV7} to prod/web; no rollout needed` }],
    },
    {
      name: 'first creation counts as git',
      facts: facts({ previous: undefined, applied: ['createService'], next: status({ rollout: started, health: 'Progressing' }) }),
      expect: [{ type: 'Applied', deploymentId: ARN }],
    },
    {
      name: 'a resumed deploy is Applied without actions of its own',
      facts: facts({ resumedDeploy: true, next: status({ rollout: started, health: 'Progressing' }) }),
      expect: [{ type: 'Applied', deploymentId: ARN }],
    },
    {
      name: 'RolloutCompleted only on the pass that saw ECS complete it',
      facts: facts({ previous: status({ rollout: started }), next: status({ rollout: completed }) }),
      expect: [{ type: 'RolloutCompleted', deploymentId: ARN, revision: REV, at: completed.finishedAt, message: `Rollout of ${REV7} to prod/web completed` }],
    },
    {
      name: 'no second RolloutCompleted for the same finished rollout',
      facts: facts({ previous: status({ rollout: completed }), next: status({ rollout: { ...completed } }) }),
      expect: [],
    },
    {
      name: 'RolloutFailed with ECS\'s reason and the error code (circuit breaker rollback)',
      facts: facts({
        previous: status({ rollout: started }),
        next: status({
          health: 'Degraded', rollout: { ...started, state: 'ROLLBACK_SUCCESSFUL', result: 'rolled_back', reason: 'rolled back: tasks failed to start' },
          lastError: { code: 'CONTROLLER_ROLLOUT_FAILED', message: 'rollout failed', at: AT },
        }),
      }),
      expect: [{ type: 'RolloutFailed', code: 'CONTROLLER_ROLLOUT_FAILED', message: `Rollout of ${REV7} to prod/web rolled back: tasks failed to start` }],
    },
    {
      name: 'a superseded rollout says nothing',
      facts: facts({ previous: status({ rollout: started }), next: status({ rollout: { ...started, result: 'superseded' } }) }),
      expect: [],
    },
    {
      name: 'Progressing is no completion',
      facts: facts({ previous: status({ rollout: started }), next: status({ rollout: { ...started, state: 'IN_PROGRESS' }, health: 'Progressing' }) }),
      expect: [],
    },
    {
      name: 'DriftDetected cause live, with the fields',
      facts: facts({ next: status({ sync: 'OutOfSync', driftCause: 'live', diff: desiredCountDrift }), result: 'success' }),
      expect: [{ type: 'DriftDetected', cause: 'live', message: 'prod/web was changed outside Git: /spec/desiredCount' }],
    },
    {
      name: 'DriftDetected cause git when not applied (detect mode)',
      facts: facts({ next: status({ sync: 'OutOfSync', driftCause: 'git', mode: 'detect', diff: desiredCountDrift }) }),
      expect: [{ type: 'DriftDetected', cause: 'git', message: `prod/web differs from Git at ${REV7}: /spec/desiredCount` }],
    },
    {
      name: 'no DriftDetected for git content this pass applied (Applied says it)',
      facts: facts({ applied: ['updateService'], observedSync: 'OutOfSync', next: status({ driftCause: 'git' }) }),
      expect: [{ type: 'Applied' }],
    },
    {
      name: 'live drift found and corrected in one pass: detected and corrected, same discriminator',
      facts: facts({ applied: ['updateService'], observedSync: 'OutOfSync', observedDiff: desiredCountDrift, next: status({ driftCause: 'live' }) }),
      expect: [
        { type: 'DriftDetected', cause: 'live' },
        { type: 'DriftCorrected', cause: 'live', message: 'prod/web corrected back to Git: /spec/desiredCount' },
      ],
    },
    {
      name: 'ImageNotFound once per error',
      facts: facts({ result: 'error', next: status({ sync: 'Synced', lastError: { code: 'CONTROLLER_IMAGE_NOT_FOUND', message: 'repo web has no tag 9.9', at: AT } }) }),
      expect: [{ type: 'ImageNotFound', code: 'CONTROLLER_IMAGE_NOT_FOUND', message: `Image not found for prod/web at ${REV7}: repo web has no tag 9.9` }],
    },
    {
      name: 'ImageNotFound not again for the same error',
      facts: facts({
        result: 'error',
        previous: status({ lastError: { code: 'CONTROLLER_IMAGE_NOT_FOUND', message: 'repo web has no tag 9.9', at: AT } }),
        next: status({ lastError: { code: 'CONTROLLER_IMAGE_NOT_FOUND', message: 'repo web has no tag 9.9', at: AT } }),
      }),
      expect: [],
    },
    {
      name: 'HookFailed names the hook and phase',
      facts: facts({
        previous: status({ hooks: { phase: 'preDeploy', contentHash: 'c1', state: 'running', hooks: [{ name: 'migrate', state: 'running', startedBy: 'x' }] } }),
        next: status({ hooks: { phase: 'preDeploy', contentHash: 'c1', state: 'failed', hooks: [{ name: 'migrate', state: 'failed', startedBy: 'x', exitCode: 1 }] } }),
      }),
      expect: [{ type: 'HookFailed', code: 'CONTROLLER_HOOK_FAILED', discriminator: 'c1', message: `Deploy hook migrate of prod/web failed (preDeploy) at ${REV7}` }],
    },
    {
      name: 'ReconcileFailing on the third error pass in a row',
      memory: { consecutiveErrors: 2 },
      facts: facts({ result: 'error', error: { code: 'CONTROLLER_APPLY_FAILED', message: 'UpdateService: throttled', at: AT } }),
      expect: [{ type: 'ReconcileFailing', code: 'CONTROLLER_APPLY_FAILED', message: 'prod/web failed 3 passes in a row: CONTROLLER_APPLY_FAILED: UpdateService: throttled' }],
    },
    {
      name: 'no second ReconcileFailing in the same spell',
      memory: { consecutiveErrors: 5, failing: { id: 'f1', code: 'CONTROLLER_APPLY_FAILED' } },
      facts: facts({ result: 'error', error: { code: 'CONTROLLER_APPLY_FAILED', message: 'again', at: AT } }),
      expect: [],
    },
    {
      name: 'ReconcileRecovered on the first pass without an error, naming the failing event',
      memory: { consecutiveErrors: 4, failing: { id: 'f1', code: 'CONTROLLER_APPLY_FAILED' } },
      facts: facts({ result: 'success' }),
      expect: [{ type: 'ReconcileRecovered', discriminator: 'f1', message: 'prod/web reconciles again (was failing with CONTROLLER_APPLY_FAILED)' }],
    },
    { name: 'a quiet pass says nothing', facts: facts({}), expect: [] },
  ];

  for (const row of rows) {
    it(row.name, () => {
      const { events } = deriveServiceEvents(row.facts, row.memory ?? EMPTY_SERVICE_EVENT_MEMORY);
      expect(types(events)).toEqual(row.expect.map((e) => e.type));
      row.expect.forEach((partial, i) => expect(events[i]).toMatchObject(partial));
    });
  }

  it('a live drift is announced once while it lasts, and corrected with the discriminator it was detected with', () => {
    const drifted = status({ sync: 'OutOfSync', driftCause: 'live', diff: desiredCountDrift, mode: 'detect' });
    const first = deriveServiceEvents(facts({ next: drifted }), EMPTY_SERVICE_EVENT_MEMORY);
    expect(types(first.events)).toEqual(['DriftDetected']);
    const second = deriveServiceEvents(facts({ previous: drifted, next: drifted }), first.memory);
    expect(second.events).toEqual([]);
    const corrected = deriveServiceEvents(facts({ previous: drifted, next: status({ mode: 'detect' }) }), second.memory);
    expect(types(corrected.events)).toEqual(['DriftCorrected']);
    expect(corrected.events[0]?.discriminator).toBe(first.events[0]?.discriminator);
    expect(corrected.memory.drift).toBeUndefined();
  });

  it('the ReconcileFailing threshold is configurable', () => {
    const error = { code: 'CONTROLLER_APPLY_FAILED' as const, message: 'x', at: AT };
    const once = deriveServiceEvents(facts({ result: 'error', error }), EMPTY_SERVICE_EVENT_MEMORY, { failingAfter: 1 });
    expect(types(once.events)).toEqual(['ReconcileFailing']);
    expect(once.memory.failing?.id).toBe(eventId(once.events[0]!));
  });

  it('messages show a planted secret masked, never in clear', () => {
    const planted = 'https://user:planted-secret-77@example.com/x';
    const { events } = deriveServiceEvents(facts({
      result: 'error', next: status({ lastError: { code: 'CONTROLLER_IMAGE_NOT_FOUND', message: `pull from ${planted} failed`, at: AT } }),
    }), EMPTY_SERVICE_EVENT_MEMORY);
    expect(JSON.stringify(events)).not.toContain('planted-secret-77');
  });
});

describe('deriveServiceEvents property', () => {
  const rollout = fc.record({
    strategy: fc.constant('ROLLING' as const),
    source: fc.constantFrom('service-deployment' as const, 'rollout-state' as const),
    serviceDeploymentArn: fc.option(fc.constantFrom(ARN, `${ARN}2`), { nil: undefined }),
    state: fc.constantFrom('PENDING', 'IN_PROGRESS', 'SUCCESSFUL', 'STOPPED'),
    revision: fc.option(fc.constant(REV), { nil: undefined }),
    result: fc.option(fc.constantFrom('completed' as const, 'failed' as const, 'rolled_back' as const, 'timed_out' as const, 'superseded' as const), { nil: undefined }),
    reason: fc.option(fc.constant('tasks failed'), { nil: undefined }),
  }, { requiredKeys: ['strategy', 'source', 'state'] });
  const record = fc.record({
    sync: fc.constantFrom('Synced' as const, 'OutOfSync' as const, 'Unknown' as const),
    driftCause: fc.option(fc.constantFrom('git' as const, 'live' as const), { nil: undefined }),
    rollout: fc.option(rollout, { nil: undefined }),
    lastError: fc.option(fc.record({ code: fc.constantFrom('CONTROLLER_IMAGE_NOT_FOUND' as const, 'CONTROLLER_APPLY_FAILED' as const), message: fc.constantFrom('m1', 'm2'), at: fc.constant(AT) }), { nil: undefined }),
    diff: fc.constantFrom([], desiredCountDrift),
  }).map((r) => status(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))));
  const passFacts = fc.record({
    previous: fc.option(record, { nil: undefined }),
    next: fc.option(record, { nil: undefined }),
    applied: fc.constantFrom([], ['updateService']),
    result: fc.constantFrom('success' as const, 'error' as const, 'requeue' as const),
    observedSync: fc.option(fc.constantFrom('OutOfSync' as const, 'Synced' as const), { nil: undefined }),
    resumedDeploy: fc.option(fc.boolean(), { nil: undefined }),
  }).map((f) => facts(Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== undefined || k === 'previous' || k === 'next'))));
  const memory = fc.record({ consecutiveErrors: fc.nat(5) });

  it('a retried pass (the same facts again) gives events with the same ids', () => {
    fc.assert(fc.property(passFacts, memory, (f, m) => {
      const a = deriveServiceEvents(f, m).events.map(eventId);
      const b = deriveServiceEvents(structuredClone(f), structuredClone(m)).events.map(eventId);
      expect(b).toEqual(a);
    }));
  });

  it('the ids never depend on the pass\'s times', () => {
    fc.assert(fc.property(passFacts, memory, fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }), (f, m, when) => {
      const later = { ...f, startedAt: when.toISOString(), at: when.toISOString() };
      expect(deriveServiceEvents(later, m).events.map(eventId)).toEqual(deriveServiceEvents(f, m).events.map(eventId));
    }));
  });
});

describe('drift after a failed rollout', () => {
  it('the held, rolled-back content is not announced as drift (RolloutFailed said it)', () => {
    const failed: RolloutStatus = { ...started, state: 'ROLLBACK_SUCCESSFUL', result: 'rolled_back', reason: 'tasks failed to start' };
    const held = status({ sync: 'OutOfSync', driftCause: 'live', health: 'Degraded', rollout: failed, diff: desiredCountDrift });
    const { events } = deriveServiceEvents(facts({ previous: held, next: held }), EMPTY_SERVICE_EVENT_MEMORY);
    expect(types(events)).toEqual([]);
  });
});

describe('review fixes', () => {
  const failed: RolloutStatus = { ...started, state: 'ROLLBACK_SUCCESSFUL', result: 'rolled_back', reason: 'tasks failed to start' };

  it('auto mode: a commit found OutOfSync before its apply (a preDeploy hook running) is not a drift event', () => {
    const pending = status({ sync: 'OutOfSync', driftCause: 'git', diff: [{ pointer: '', kind: 'added', scope: 'service', desired: {}, live: undefined }] });
    expect(types(deriveServiceEvents(facts({ previous: undefined, next: pending }), EMPTY_SERVICE_EVENT_MEMORY).events)).toEqual([]);
  });

  it('a drift other than the rollback while the content is held is announced', () => {
    const held = status({ sync: 'OutOfSync', driftCause: 'live', health: 'Degraded', rollout: failed, diff: desiredCountDrift });
    const first = deriveServiceEvents(facts({ previous: status({ rollout: started }), next: held }), EMPTY_SERVICE_EVENT_MEMORY);
    expect(types(first.events)).toEqual(['RolloutFailed']);
    const scaled = status({ ...held, diff: [...desiredCountDrift, { pointer: '/spec/networkConfiguration', kind: 'changed', scope: 'service', desired: 1, live: 2 }] });
    const second = deriveServiceEvents(facts({ previous: held, next: scaled }), first.memory);
    expect(types(second.events)).toEqual(['DriftDetected']);
    // A fix in Git applied later is no "corrected back to Git" of the rollback.
    const fixed = deriveServiceEvents(facts({ previous: scaled, next: status({ driftCause: 'git' }), applied: ['updateService'], observedSync: 'OutOfSync' }), { ...second.memory, drift: { fingerprint: 'x', cause: 'git' } });
    expect(types(fixed.events)).toEqual(['Applied']);
  });

  it('a resumed deploy whose rollout ended while the controller was down: Applied with the deployment and the same id as the first process\'s, never final', () => {
    const applying = status({ driftCause: 'git', rollout: started, health: 'Progressing', liveTaskDefinition: 'web:2' });
    const original = deriveServiceEvents(facts({ applied: ['updateService'], next: applying }), EMPTY_SERVICE_EVENT_MEMORY).events[0]!;
    const resumed = deriveServiceEvents(facts({ previous: undefined, resumedDeploy: true, next: status({ rollout: failed, liveTaskDefinition: 'web:1', sync: 'OutOfSync', driftCause: 'live', diff: desiredCountDrift }) }), EMPTY_SERVICE_EVENT_MEMORY).events;
    expect(types(resumed)).toEqual(['Applied', 'RolloutFailed']);
    expect(resumed[0]!.final).toBeUndefined();
    expect(eventId(resumed[0]!)).toBe(eventId(original));
  });

  it('a blocked prune has the same id on every revision', () => {
    const at = (revision: string) => eventId({ type: 'PruneBlocked', revision, discriminator: 'too_many:abc' });
    expect(at('r1')).toBe(at('r2'));
  });
});
