/**
 * The pure parts of src/tasks and of the hook content: how a task is judged
 * (essential containers only, the timeout reason), where its logs are, the
 * RunTask input built from a service, and the startedBy that identifies a
 * hook's content. The IO around them is covered over HTTP by
 * test/controller/hooks.sandbox.test.ts and test/cli/run-task.sandbox.test.ts.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { hookStartedBy } from '../../src/controller/hooks/content.js';
import { awslogsLocation, buildRunTaskInput, judgeTask, mergePlacement, placementOfService, timeoutReason } from '../../src/tasks/index.js';

const TD: ECS.TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:7',
  containerDefinitions: [
    { name: 'log-router', essential: false, image: 'fluent-bit' },
    { name: 'app', image: 'app:1', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'web' } } },
    { name: 'sidecar', image: 'envoy', essential: true },
  ],
};
const stopped = (containers: ECS.Container[], extra: Partial<ECS.Task> = {}): ECS.Task => ({
  taskArn: 'arn:aws:ecs:eu-west-1:111111111111:task/demo/abc123', lastStatus: 'STOPPED', containers, ...extra,
});

describe('judgeTask', () => {
  it('is running until STOPPED', () => {
    expect(judgeTask({ lastStatus: 'RUNNING' }, TD).state).toBe('running');
    expect(judgeTask({ lastStatus: 'DEPROVISIONING' }, TD).state).toBe('running');
  });
  it('succeeds when every essential container exited 0, whatever a non-essential one did', () => {
    expect(judgeTask(stopped([{ name: 'app', exitCode: 0 }, { name: 'sidecar', exitCode: 0 }, { name: 'log-router', exitCode: 1 }]), TD)).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });
  it('fails with the first non-zero essential exit code, the container and the reasons', () => {
    const verdict = judgeTask(stopped([{ name: 'app', exitCode: 0 }, { name: 'sidecar', exitCode: 2, reason: 'OOM' }], { stoppedReason: 'Essential container in task exited', stopCode: 'EssentialContainerExited' }), TD);
    expect(verdict).toEqual({ state: 'failed', exitCode: 2, container: 'sidecar', reason: 'Essential container in task exited: OOM', stopCode: 'EssentialContainerExited', lastStatus: 'STOPPED' });
  });
  it('fails without an exit code when a container never ran', () => {
    const verdict = judgeTask(stopped([{ name: 'app' }, { name: 'sidecar' }], { stoppedReason: 'CannotPullContainerError', stopCode: 'TaskFailedToStart' }), TD);
    expect(verdict.state).toBe('failed');
    expect(verdict.exitCode).toBeUndefined();
    expect(verdict.reason).toContain('CannotPullContainerError');
  });
  it('is timed out when it was stopped with the timeout reason, whatever the exit code', () => {
    expect(judgeTask(stopped([{ name: 'app', exitCode: 137 }], { stoppedReason: timeoutReason(600), stopCode: 'UserInitiated' }), TD).state).toBe('timed_out');
  });
});

describe('awslogsLocation', () => {
  it('is the group and <prefix>/<container>/<task id> of the container', () => {
    expect(awslogsLocation(TD, 'app', 'arn:aws:ecs:eu-west-1:1:task/demo/abc123')).toEqual({ logGroup: '/ecs/web', logStream: 'web/app/abc123' });
  });
  it('falls back to the essential awslogs container; none without the driver', () => {
    expect(awslogsLocation(TD, 'sidecar', 'arn:aws:ecs:eu-west-1:1:task/demo/x')?.logStream).toBe('web/app/x');
    expect(awslogsLocation({ containerDefinitions: [{ name: 'a' }] }, 'a', 'x')).toBeUndefined();
  });
});

describe('buildRunTaskInput', () => {
  const service: ECS.Service = {
    launchType: 'FARGATE', platformVersion: '1.4.0',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
  };
  it('takes the service\'s placement and replaces the first essential container\'s command', () => {
    const input = buildRunTaskInput({ placement: placementOfService('demo', service), taskDefinition: TD, startedBy: 'ecs-gitops/run-task/web/1', command: ['migrate'] });
    expect(input).toEqual({
      cluster: 'demo', taskDefinition: TD.taskDefinitionArn, startedBy: 'ecs-gitops/run-task/web/1', count: 1, launchType: 'FARGATE', platformVersion: '1.4.0',
      networkConfiguration: service.networkConfiguration, overrides: { containerOverrides: [{ name: 'app', command: ['migrate'] }] },
    });
  });
  it('a named container must exist; a hook\'s strategy replaces the service\'s launch type', () => {
    expect(() => buildRunTaskInput({ placement: { cluster: 'demo' }, taskDefinition: TD, startedBy: 's', command: ['x'], container: 'nope' })).toThrow(/no container "nope"/);
    const merged = mergePlacement(placementOfService('demo', service), { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] });
    expect(merged.launchType).toBeUndefined();
    expect(merged.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
  });
});

describe('hookStartedBy', () => {
  const hook = { name: 'migrate', command: ['./migrate'] };
  it('is stable for the same content and changes with the service, the task definition or the hook', () => {
    const a = hookStartedBy('eu-west-1/demo/web', 'c1', 'h1', hook);
    expect(a).toMatch(/^ecs-gitops\/hook\/migrate\/[0-9a-f]{16}$/);
    expect(hookStartedBy('eu-west-1/demo/web', 'c1', 'h1', { command: ['./migrate'], name: 'migrate' })).toBe(a);
    expect(hookStartedBy('eu-west-1/demo/api', 'c1', 'h1', hook)).not.toBe(a);
    expect(hookStartedBy('eu-west-1/demo/web', 'c1', 'h2', hook)).not.toBe(a);
    expect(hookStartedBy('eu-west-1/demo/web', 'c1', 'h1', { ...hook, timeout: 60 })).not.toBe(a);
    // Any change to the manifest is new content: a held failure retries on the next commit.
    expect(hookStartedBy('eu-west-1/demo/web', 'c2', 'h1', hook)).not.toBe(a);
  });
});
