/**
 * One look at one deploy hook, never a wait: find its task (by the ARN the
 * status record holds, else by `startedBy`: ListTasks RUNNING and STOPPED),
 * start it when there is none, stop it once past its timeout, and judge it
 * once stopped. A hook whose record is already final costs no call: a failed
 * hook is held, not run again, on every later pass of the same content.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { EcsApi } from '../../ecs/ecs-api.js';
import type { DeployHookSpec } from '../../manifests/types.js';
import type { DeployHookResult } from '../../observe/metrics.js';
import {
  awslogsLocation, buildRunTaskInput, commandContainer, describeTask, epochMs, findTasksByStartedBy, judgeTask, mergePlacement, pickTask,
  RunTaskFailures, runOneOffTask, stopTask, timeoutReason, type TaskPlacement,
} from '../../tasks/index.js';
import type { DeployHookRunStatus } from '../status.js';
import { hookPlacementFields, hookTimeoutSeconds } from './content.js';

export interface HookLook {
  readonly ecs: EcsApi;
  readonly hook: DeployHookSpec;
  readonly startedBy: string;
  /** The revision the hook runs, with its content (containers, log configuration). */
  readonly taskDefinition: ECS.TaskDefinition;
  /** The service's placement (the hook's own fields win). */
  readonly placement: TaskPlacement;
  /** This hook's record from the last pass, when it was for the same startedBy. */
  readonly previous: DeployHookRunStatus | undefined;
  /** Tags the task is started with (the controller's ownership tag). */
  readonly tags: readonly ECS.Tag[];
  /** Clock time of the pass (ms). */
  readonly now: number;
  readonly signal: AbortSignal;
}

export interface HookLookResult {
  readonly run: DeployHookRunStatus;
  /** Set on the pass that saw the hook finish (for the metric: once per run). */
  readonly finished?: DeployHookResult;
  /** While it runs: look again after this long at the latest (its timeout). */
  readonly timeoutInMs?: number;
}

const FINAL: ReadonlySet<DeployHookRunStatus['state']> = new Set(['succeeded', 'failed', 'timed_out']);

export function isFinal(run: DeployHookRunStatus | undefined): boolean {
  return run !== undefined && FINAL.has(run.state);
}

export async function lookAtHook(look: HookLook): Promise<HookLookResult> {
  const { ecs, hook, startedBy, taskDefinition, previous, now, signal } = look;
  const cluster = look.placement.cluster;
  if (previous && isFinal(previous)) return { run: previous };

  let task: ECS.Task | undefined;
  if (previous?.taskArn) task = await describeTask(ecs, cluster, previous.taskArn, signal);
  // A restart (no record), or a record whose task ECS no longer describes: ask by startedBy before starting one.
  task ??= pickTask(await findTasksByStartedBy(ecs, cluster, startedBy, signal));

  const timeoutSeconds = hookTimeoutSeconds(hook);
  if (!task) {
    let started: ECS.Task;
    try {
      const input = buildRunTaskInput({
        placement: mergePlacement(look.placement, hookPlacementFields(hook)), taskDefinition, startedBy, tags: look.tags,
        ...(hook.command ? { command: hook.command } : {}), ...(hook.container ? { container: hook.container } : {}),
        ...(hook.overrides ? { overrides: hook.overrides } : {}),
      });
      started = await runOneOffTask(ecs, input, signal);
    } catch (error) {
      // ECS answered but cannot ever start it (a placement nothing satisfies, a container the task definition
      // lacks): the hook failed. No room right now (failures[] RESOURCE:*, AGENT, capacity) or a failed call
      // (throttling, network) is not the hook's outcome: it fails the pass, retried with backoff.
      if (isRunTaskRefusal(error)) {
        const run: DeployHookRunStatus = { name: hook.name, state: 'failed', startedBy, reason: `could not start: ${(error as Error).message}` };
        return { run, finished: 'failed' };
      }
      throw error;
    }
    const run = withLogs({
      name: hook.name, state: 'running', startedBy, taskArn: started.taskArn as string, startedAt: new Date(now).toISOString(), timeoutSeconds,
    }, taskDefinition, hook);
    return { run, timeoutInMs: timeoutSeconds * 1000 };
  }

  const startedAtMs = (previous?.startedAt ? Date.parse(previous.startedAt) : undefined) ?? epochMs(task.startedAt) ?? epochMs(task.createdAt) ?? now;
  const base: DeployHookRunStatus = withLogs({
    name: hook.name, state: 'running', startedBy, taskArn: task.taskArn as string, startedAt: new Date(startedAtMs).toISOString(), timeoutSeconds,
  }, taskDefinition, hook);
  const verdict = judgeTask(task, taskDefinition);
  if (verdict.state === 'running') {
    const elapsedMs = now - startedAtMs;
    if (elapsedMs < timeoutSeconds * 1000) return { run: base, timeoutInMs: timeoutSeconds * 1000 - elapsedMs };
    await stopTask(ecs, cluster, base.taskArn as string, timeoutReason(timeoutSeconds), signal);
    return { run: { ...base, state: 'timed_out', reason: `timed out after ${timeoutSeconds}s: stopped (StopTask)`, stoppedAt: new Date(now).toISOString() }, finished: 'timed_out' };
  }
  const stoppedAt = epochMs(task.stoppedAt);
  const run: DeployHookRunStatus = {
    ...withLogs(base, taskDefinition, hook, verdict.container),
    state: verdict.state,
    ...(verdict.exitCode !== undefined ? { exitCode: verdict.exitCode } : {}),
    ...(verdict.state === 'timed_out' ? { reason: `timed out after ${timeoutSeconds}s: stopped (StopTask)` } : verdict.reason ? { reason: verdict.reason } : {}),
    ...(stoppedAt !== undefined ? { stoppedAt: new Date(stoppedAt).toISOString() } : {}),
  };
  return { run, finished: verdict.state };
}

function withLogs(run: DeployHookRunStatus, taskDefinition: ECS.TaskDefinition, hook: DeployHookSpec, container?: string): DeployHookRunStatus {
  let name = container;
  if (name === undefined) {
    try {
      name = commandContainer(taskDefinition, hook.container);
    } catch {
      name = undefined;
    }
  }
  const logs = awslogsLocation(taskDefinition, name, run.taskArn);
  if (!logs) return run;
  return { ...run, logGroup: logs.logGroup, ...(logs.logStream ? { logStream: logs.logStream } : {}) };
}

/** RunTask's own refusal (no task started, or a request the task definition cannot satisfy), as opposed to a failed call. */
function isRunTaskRefusal(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof RunTaskFailures) return !error.transient;
  return error.message.includes('has no container');
}
