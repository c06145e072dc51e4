/**
 * RunTask's `failures[]` as a deploy hook sees them. The sandbox always
 * places a task (it never answers with failures[]), so this is the narrowest
 * fake: an EcsApi whose ListTasks finds nothing and whose RunTask answers
 * with the failures given. No room right now (RESOURCE:*, AGENT, capacity)
 * fails the pass for a retry with backoff; a placement nothing can satisfy
 * is the hook's failure.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { lookAtHook } from '../../src/controller/hooks/run-hook.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { RunTaskFailures } from '../../src/tasks/index.js';

const TD: ECS.TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:7',
  containerDefinitions: [{ name: 'app', image: 'app:1' }],
};

function ecsAnswering(failures: ECS.Failure[]): EcsApi & { runTasks: number } {
  const api = {
    runTasks: 0,
    send: async (operation: string) => {
      if (operation === 'ListTasks') return { taskArns: [] };
      if (operation === 'DescribeTasks') return { tasks: [], failures: [] };
      if (operation === 'RunTask') {
        api.runTasks++;
        return { tasks: [], failures };
      }
      throw new Error(`unexpected ${operation}`);
    },
  };
  return api as unknown as EcsApi & { runTasks: number };
}

const look = (ecs: EcsApi) => lookAtHook({
  ecs, hook: { name: 'migrate', command: ['./migrate'] }, startedBy: 'ecs-gitops/hook/migrate/0123456789abcdef', taskDefinition: TD,
  placement: { cluster: 'demo', launchType: 'FARGATE' }, previous: undefined, tags: [], now: 0, signal: new AbortController().signal,
});

describe('a deploy hook whose RunTask answers with failures[]', () => {
  it.each([
    [[{ arn: 'arn:aws:ecs:eu-west-1:111111111111:container-instance/demo/1', reason: 'RESOURCE:MEMORY' }]],
    [[{ reason: 'RESOURCE:CPU' }, { reason: 'AGENT' }]],
    [[{ reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }]],
  ])('%j is transient: the pass fails for a retry, the hook is not recorded as failed', async (failures) => {
    const ecs = ecsAnswering(failures);
    const error = await look(ecs).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunTaskFailures);
    expect((error as RunTaskFailures).transient).toBe(true);
    expect((error as Error).message).toContain(failures[0]?.reason ?? '');
    expect(ecs.runTasks).toBe(1);
  });

  it('a placement nothing satisfies (ATTRIBUTE) is the hook\'s failure, with the reason', async () => {
    const result = await look(ecsAnswering([{ reason: 'ATTRIBUTE', detail: 'ecs.instance-type == p5.48xlarge' }]));
    expect(result.run).toMatchObject({ name: 'migrate', state: 'failed' });
    expect(result.run.reason).toContain('could not start: RunTask started no task: ATTRIBUTE');
    expect(result.finished).toBe('failed');
  });
});
