/**
 * A DAEMON service runs one task per container instance, so on a cluster
 * without instances ECS reports desiredCount 0: that is the service doing
 * what it should (Healthy), not one scaled to zero (Suspended). Synced twice
 * with the real binary, since the second sync is where the replica rule used
 * to call it Suspended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from '../controller/harness.js';
import { runCliProcess } from './cli-process.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

const daemon = {
  apiVersion: 'ecs-gitops/v1',
  kind: 'Service',
  metadata: { name: 'log-agent', cluster: 'demo', region: REGION },
  spec: {
    launchType: 'EC2',
    schedulingStrategy: 'DAEMON',
    taskDefinition: {
      family: 'log-agent',
      networkMode: 'bridge',
      requiresCompatibilities: ['EC2'],
      containerDefinitions: [{ name: 'agent', image: 'amazon/aws-for-fluent-bit:2.32.0', memory: 64, essential: true }],
    },
  },
};

describe('a DAEMON service on a cluster without container instances', () => {
  let setup: CliSandbox;
  beforeAll(async () => {
    setup = await startCliSandbox('510987654321');
    await setup.dir.write('daemon.yaml', [daemon]);
  });
  afterAll(() => setup.close());

  it('is Healthy (running == desired == 0) on the first and the second sync, never Suspended', { timeout: 120_000 }, async () => {
    const key = `${REGION}/demo/log-agent`;
    for (const pass of ['first', 'second']) {
      const sync = await runCliProcess(['sync', setup.dir.root, '--wait', '--timeout', '30s', '--output', 'json'], setup.env);
      expect({ pass, code: sync.code, stderr: sync.stderr }).toEqual({ pass, code: 0, stderr: '' });
      const { services } = JSON.parse(sync.stdout) as { services: { key: string; sync: string; health: string }[] };
      expect({ pass, services }).toEqual({ pass, services: [expect.objectContaining({ key, sync: 'Synced', health: 'Healthy' })] });
    }
    const live = setup.sandbox.call('DescribeServices', { cluster: 'demo', services: ['log-agent'] }, { accountId: '510987654321', region: REGION }) as {
      services: { schedulingStrategy: string; desiredCount: number; runningCount: number }[];
    };
    expect(live.services[0]).toMatchObject({ schedulingStrategy: 'DAEMON', desiredCount: 0, runningCount: 0 });
    const text = await runCliProcess(['sync', setup.dir.root], setup.env);
    expect(text.stdout).toContain(`✓ ${key}  Synced Healthy`);
    expect(text.code).toBe(0);
  });
});
