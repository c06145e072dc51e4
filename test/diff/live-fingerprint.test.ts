/**
 * liveServiceFingerprint lets the reconciler reuse a Synced pass's empty diff.
 * It is sound only if equal fingerprints mean equal diffs: the property below
 * mutates a live service (volatile fields and declarable ones alike) and
 * checks that whenever two records fingerprint equal, diffService says the
 * same about both. The examples pin down both directions for single fields.
 */
import type { Service } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffService, liveServiceFingerprint } from '../../src/diff/index.js';
import { baseSpec, clone, liveService, liveTags, liveTaskDefinition, manifestOf, TD_ARN } from './fixtures.js';

type Draft = ReturnType<typeof liveService>;
type Deployment = Record<string, unknown>;

const serviceConnect = { enabled: true, namespace: 'ns' };
const manifest = manifestOf({ ...baseSpec(), tags: { team: 'web' }, serviceConnectConfiguration: serviceConnect });
const td = liveTaskDefinition();

function base(): Draft {
  const svc = liveService();
  svc.tags = liveTags([{ key: 'team', value: 'web' }]);
  primary(svc).serviceConnectConfiguration = clone(serviceConnect);
  return svc;
}

function primary(svc: Draft): Deployment {
  return (svc.deployments as Deployment[]).find((d) => d.status === 'PRIMARY') as Deployment;
}

function diffOf(svc: Draft) {
  return diffService(manifest, { service: svc as Service, taskDefinition: td, tags: svc.tags ?? [] });
}

/** Changes ECS makes on its own while nothing declared changes. */
const volatileEdits: ReadonlyArray<readonly [string, (svc: Draft) => void]> = [
  ['new events', (svc) => {
    svc.events = [{ id: 'e2', message: '(service web) has started 1 tasks.', createdAt: new Date('2026-02-01T00:00:00Z') }, ...(svc.events ?? [])];
  }],
  ['task counts', (svc) => {
    svc.runningCount = 1;
    svc.pendingCount = 1;
  }],
  ['deployment progress', (svc) => {
    Object.assign(primary(svc), { runningCount: 1, pendingCount: 1, failedTasks: 2, rolloutState: 'IN_PROGRESS', updatedAt: new Date('2026-02-01T00:00:00Z') });
  }],
  ['a forced new deployment of the same task definition', (svc) => {
    primary(svc).status = 'ACTIVE';
    svc.deployments = [{
      id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: TD_ARN, desiredCount: 2, runningCount: 0, rolloutState: 'IN_PROGRESS',
      serviceConnectConfiguration: clone(serviceConnect),
    }, ...(svc.deployments ?? [])];
  }],
  ['task sets', (svc) => {
    (svc as Record<string, unknown>).taskSets = [{ id: 'ts-1', runningCount: 3 }];
  }],
];

/** Console changes to what a manifest declares: each one must change the fingerprint. */
const declaredEdits: ReadonlyArray<readonly [string, (svc: Draft) => void]> = [
  ['desiredCount', (svc) => void (svc.desiredCount = 5)],
  ['deploymentConfiguration', (svc) => void ((svc.deploymentConfiguration as Record<string, unknown>).maximumPercent = 150)],
  ['a subnet', (svc) => void (svc.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-c'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } })],
  ['a user tag', (svc) => void (svc.tags = liveTags([{ key: 'team', value: 'ops' }]))],
  ['enableExecuteCommand', (svc) => void (svc.enableExecuteCommand = true)],
  ['propagateTags', (svc) => void (svc.propagateTags = 'SERVICE')],
  ['the task definition', (svc) => void (svc.taskDefinition = TD_ARN.replace(':7', ':8'))],
  ['status', (svc) => void (svc.status = 'INACTIVE')],
  ['a load balancer', (svc) => void (svc.loadBalancers = [{ targetGroupArn: 'arn:tg', containerName: 'web', containerPort: 8080 }])],
  ['Service Connect, reported on the PRIMARY deployment only', (svc) => {
    primary(svc).serviceConnectConfiguration = { enabled: true, namespace: 'other' };
  }],
  ['a field the diff does not read today', (svc) => void ((svc as Record<string, unknown>).someNewEcsField = 'x')],
];

describe('liveServiceFingerprint', () => {
  it.each(volatileEdits)('ignores %s (and so does the diff)', (_what, edit) => {
    const svc = clone(base());
    edit(svc);
    expect(liveServiceFingerprint(svc as Service)).toBe(liveServiceFingerprint(base() as Service));
    expect(diffOf(svc)).toEqual(diffOf(base()));
  });

  it.each(declaredEdits)('changes with %s', (_what, edit) => {
    const svc = clone(base());
    edit(svc);
    expect(liveServiceFingerprint(svc as Service)).not.toBe(liveServiceFingerprint(base() as Service));
  });

  it('the base record is in sync with the manifest (so the examples compare a Synced pass)', () => {
    expect(diffOf(base())).toEqual([]);
  });

  it('equal fingerprints give equal diffs, whatever is edited', () => {
    const edits = [...volatileEdits, ...declaredEdits];
    const editSet = fc.uniqueArray(fc.integer({ min: 0, max: edits.length - 1 }), { maxLength: 4 });
    let equalPairs = 0;
    fc.assert(fc.property(editSet, editSet, (a, b) => {
      const one = clone(base());
      const two = clone(base());
      for (const i of a) edits[i]?.[1](one);
      for (const i of b) edits[i]?.[1](two);
      if (liveServiceFingerprint(one as Service) !== liveServiceFingerprint(two as Service)) return;
      equalPairs++;
      expect(diffOf(one)).toEqual(diffOf(two));
    }), { numRuns: 300 });
    // The property was exercised, not vacuously true.
    expect(equalPairs).toBeGreaterThan(10);
  });

  it('is undefined for a record that cannot be serialized (the caller then diffs)', () => {
    const svc = base() as Record<string, unknown>;
    svc.odd = 1n;
    expect(liveServiceFingerprint(svc as Service)).toBeUndefined();
  });
});
