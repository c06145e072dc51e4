import type * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { unhealthyReason } from '../../src/cli/commands/promote.js';

const deployment = (fields: Partial<ECS.Deployment>): ECS.Deployment => ({ status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: 2, desiredCount: 2, ...fields });

describe('promote: when the source is Healthy', () => {
  it.each<[string, ECS.Service | undefined, string | undefined]>([
    ['one completed deployment running every task', { status: 'ACTIVE', deployments: [deployment({})] }, undefined],
    ['no rolloutState (a service without the circuit breaker API)', { status: 'ACTIVE', deployments: [deployment({ rolloutState: undefined })] }, undefined],
    ['missing', undefined, 'it does not exist in ECS'],
    ['draining', { status: 'DRAINING', deployments: [deployment({})] }, 'it does not exist in ECS (status DRAINING)'],
    ['two deployments', { status: 'ACTIVE', deployments: [deployment({}), deployment({ status: 'ACTIVE' })] }, 'a deployment is in progress (2 deployments)'],
    ['rolling out', { status: 'ACTIVE', deployments: [deployment({ rolloutState: 'IN_PROGRESS' })] }, 'its deployment is IN_PROGRESS'],
    ['failed', { status: 'ACTIVE', deployments: [deployment({ rolloutState: 'FAILED' })] }, 'its deployment is FAILED'],
    ['tasks missing', { status: 'ACTIVE', deployments: [deployment({ runningCount: 1 })] }, '1 of 2 tasks are running'],
  ])('%s', (_name, service, reason) => {
    expect(unhealthyReason(service)).toBe(reason);
  });
});
