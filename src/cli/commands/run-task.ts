/**
 * `ecs-gitops run-task --service S [--cluster C] [--] command...`: run a
 * one-off task from a service's current definition (debugging, a manual
 * migration), follow it, and exit with its essential container's exit code.
 * The task definition, network configuration, launch type or capacity
 * provider strategy and platform version are the service's, as
 * DescribeServices reports them; the command replaces the command of
 * --container, else of the first essential container (docs/cli.md, "run-task").
 *
 * Exit codes: the essential container's exit code (0 success); 124 the task
 * ran past --timeout and was stopped; 130 interrupted (the task is stopped);
 * 2 the task could not be started (no such service, RunTask refused, the task
 * failed to start); 1 the task had to be stopped (timeout, Ctrl-C) and
 * StopTask failed: it may still be running.
 *
 * The task carries the `ecs-gitops/managed-by=<--controller-id>` tag: the
 * IAM policy (deploy/iam/ecs-gitops-policy.json) allows StopTask only on
 * tasks so tagged.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { connectEcs, resolveRegion } from '../../app/runtime.js';
import { TAG_MANAGED_BY } from '../../diff/tags.js';
import type { EcsApi } from '../../ecs/ecs-api.js';
import { tagValue } from '../../plan/task-definition-input.js';
import {
  awslogsLocation, buildRunTaskInput, commandContainer, describeTask, judgeTask, placementOfService, runOneOffTask, stopTask, timeoutReason,
} from '../../tasks/index.js';
import { sleep, systemClock } from '../../util/clock.js';
import type { CommandContext, CommandSpec } from '../command.js';

export const RUN_TASK_EXIT = { stopFailed: 1, cannotStart: 2, timedOut: 124, interrupted: 130 } as const;

class CannotStart extends Error {}

function startedByFor(service: string, now: number): string {
  // RunTask's startedBy: at most 128 of [A-Za-z0-9_/-]; service names are [A-Za-z0-9_-] already.
  return `ecs-gitops/run-task/${service.slice(0, 80)}/${now.toString(36)}`;
}

async function describeServiceOf(ecs: EcsApi, cluster: string, service: string, signal: AbortSignal): Promise<ECS.Service> {
  const out = await ecs.send('DescribeServices', { cluster, services: [service] }, signal);
  const found = out.services?.find((s) => s.status !== 'INACTIVE');
  if (!found?.taskDefinition) throw new CannotStart(`service ${service} not found in cluster ${cluster}${out.failures?.[0]?.reason ? ` (${out.failures[0].reason})` : ''}`);
  return found;
}

async function run(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const service = String(flags.service ?? '');
  if (!service) {
    ctx.stderr.write('error CLI_MISSING_ARGUMENT: run-task needs --service\n');
    return RUN_TASK_EXIT.cannotStart;
  }
  const cluster = typeof flags.cluster === 'string' ? flags.cluster : 'default';
  const region = resolveRegion(flags.region, ctx.env, 'us-east-1');
  const timeoutSeconds = Number(flags.timeout);
  const pollMs = Number(flags['poll-interval']);
  const command = ctx.args.positionals;
  const controllerId = String(flags['controller-id']);
  const out = (line: string) => ctx.stdout.write(`${line}\n`);

  const connection = await connectEcs({ region, env: ctx.env });
  const ecs = connection.ecs;
  let taskArn: string | undefined;
  try {
    let taskDefinition: ECS.TaskDefinition;
    try {
      const live = await describeServiceOf(ecs, cluster, service, ctx.signal);
      const described = await ecs.send('DescribeTaskDefinition', { taskDefinition: live.taskDefinition }, ctx.signal);
      if (!described.taskDefinition) throw new CannotStart(`task definition ${live.taskDefinition ?? ''} not found`);
      taskDefinition = described.taskDefinition;
      const container = typeof flags.container === 'string' ? flags.container : undefined;
      // A --container the task definition lacks is refused before anything starts.
      if (container) commandContainer(taskDefinition, container);
      const input = buildRunTaskInput({
        placement: placementOfService(cluster, live), taskDefinition, startedBy: startedByFor(service, Date.now()),
        tags: [{ key: TAG_MANAGED_BY, value: tagValue(controllerId) }],
        ...(command.length > 0 ? { command } : {}), ...(container ? { container } : {}),
      });
      const task = await runOneOffTask(ecs, input, ctx.signal);
      taskArn = task.taskArn as string;
      out(`task ${taskArn} started from ${taskDefinition.taskDefinitionArn ?? ''} (startedBy ${input.startedBy})`);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      ctx.stderr.write(`error: cannot start a task for service ${service} in cluster ${cluster}: ${error instanceof Error ? error.message : String(error)}\n`);
      return RUN_TASK_EXIT.cannotStart;
    }

    const started = Date.now();
    let lastStatus: string | undefined;
    for (;;) {
      const task = await describeTask(ecs, cluster, taskArn, ctx.signal);
      const status = task?.lastStatus ?? 'UNKNOWN';
      if (status !== lastStatus) {
        out(`${new Date().toISOString()} ${status}${status === 'STOPPED' && task?.stoppedReason ? `: ${task.stoppedReason}` : ''}`);
        lastStatus = status;
      }
      if (task && status === 'STOPPED') {
        const verdict = judgeTask(task, taskDefinition);
        const logs = awslogsLocation(taskDefinition, verdict.container ?? firstEssential(taskDefinition), taskArn);
        if (logs) out(`logs: awslogs group ${logs.logGroup}${logs.logStream ? ` stream ${logs.logStream}` : ''}${logs.region ? ` (${logs.region})` : ''}`);
        if (verdict.exitCode === undefined) {
          ctx.stderr.write(`error: the task stopped without an exit code${task.stopCode ? ` (${task.stopCode})` : ''}: ${verdict.reason ?? 'no reason given'}\n`);
          return task.stopCode === 'TaskFailedToStart' ? RUN_TASK_EXIT.cannotStart : 1;
        }
        out(`exit code ${verdict.exitCode}${verdict.container ? ` (container ${verdict.container})` : ''}`);
        return verdict.exitCode;
      }
      if (Date.now() - started >= timeoutSeconds * 1000) {
        const stopError = await tryStop(ecs, cluster, taskArn, timeoutReason(timeoutSeconds));
        if (stopError) {
          ctx.stderr.write(`error: the task ran longer than --timeout ${timeoutSeconds}s and StopTask failed: ${stopError}; task ${taskArn} may still be running\n`);
          return RUN_TASK_EXIT.stopFailed;
        }
        ctx.stderr.write(`error: the task ran longer than --timeout ${timeoutSeconds}s and was stopped (StopTask)\n`);
        return RUN_TASK_EXIT.timedOut;
      }
      await sleep(systemClock, Math.min(pollMs, Math.max(1, timeoutSeconds * 1000 - (Date.now() - started))), ctx.signal);
    }
  } catch (error) {
    if (ctx.signal.aborted && taskArn) {
      // Ctrl-C: the task is not left running behind the user's back.
      const stopError = await tryStop(ecs, cluster, taskArn, 'ecs-gitops run-task: interrupted');
      if (stopError) {
        ctx.stderr.write(`interrupted: StopTask failed: ${stopError}; task ${taskArn} may still be running\n`);
        return RUN_TASK_EXIT.stopFailed;
      }
      ctx.stderr.write(`interrupted: task ${taskArn} stopped\n`);
      return RUN_TASK_EXIT.interrupted;
    }
    throw error;
  } finally {
    await connection.close();
  }
}

/** StopTask, never aborted by the command's own signal (Ctrl-C is why it is sent); its error message, or undefined once sent. */
async function tryStop(ecs: EcsApi, cluster: string, taskArn: string, reason: string): Promise<string | undefined> {
  try {
    await stopTask(ecs, cluster, taskArn, reason);
    return undefined;
  } catch (error) {
    const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error instanceof Error ? error.message : String(error)}`;
  }
}

function firstEssential(taskDefinition: ECS.TaskDefinition): string | undefined {
  try {
    return commandContainer(taskDefinition);
  } catch {
    return undefined;
  }
}

export const runTaskCommand: CommandSpec = {
  name: 'run-task',
  summary: 'run a one-off task from a service\'s current definition, wait for it and exit with its exit code',
  usage: '--service NAME [--cluster NAME] [--] [COMMAND...]  (default: the container\'s own command)',
  maxPositionals: Number.MAX_SAFE_INTEGER,
  usageExitCode: RUN_TASK_EXIT.cannotStart,
  flags: [
    { name: 'service', type: 'string', description: 'the service whose task definition, network configuration and launch type or capacity provider strategy the task uses' },
    { name: 'cluster', type: 'string', default: 'default', description: 'the service\'s cluster' },
    { name: 'region', type: 'string', description: 'AWS Region (else AWS_REGION, us-east-1)' },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'the task\'s ownership tag value (ecs-gitops/managed-by): the IAM policy lets only tasks so tagged be stopped' },
    { name: 'container', type: 'string', description: 'the container whose command is replaced (default: the first essential container)' },
    {
      name: 'timeout', type: 'integer', default: 600, description: 'seconds to wait before the task is stopped (StopTask) and the command exits 124',
      validate: (v) => (typeof v === 'number' && v > 0 ? undefined : 'expected a positive number of seconds'),
    },
    { name: 'poll-interval', type: 'duration', default: '2s', description: 'how often the task is described while it runs' },
  ],
  run,
};
