/**
 * One-off ECS tasks, shared by deploy hooks (src/controller/hooks) and
 * `ecs-gitops run-task`: the RunTask input built from a service's definition,
 * finding a task again by its `startedBy`, judging how it ended, where its
 * logs are, and stopping it on a timeout. The IO edge over EcsApi; the
 * builders and judges are pure.
 *
 * A task succeeded when it STOPPED and every essential container exited 0
 * (docs/controller.md, "Deploy hooks"). ECS reports no `essential` flag on a
 * task's containers: it is read from the task definition (absent = true).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { EcsApi } from '../ecs/ecs-api.js';

/** Where and how the task runs: a service's placement, or a hook's own. */
export interface TaskPlacement {
  readonly cluster: string;
  readonly networkConfiguration?: ECS.NetworkConfiguration;
  readonly launchType?: ECS.LaunchType;
  readonly capacityProviderStrategy?: readonly ECS.CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
}

export interface OneOffTaskRequest {
  readonly placement: TaskPlacement;
  /** The revision to run (its ARN) and its content (containers, log configuration). */
  readonly taskDefinition: ECS.TaskDefinition;
  /** Found again by this (ListTasks startedBy); at most 128 of [A-Za-z0-9_/-]. */
  readonly startedBy: string;
  /** Replaces the command of `container`, or of the first essential container. */
  readonly command?: readonly string[];
  readonly container?: string;
  /** RunTask's full overrides (exclusive with `command`). */
  readonly overrides?: ECS.TaskOverride;
  /** Tags for the task (the controller's ownership tag: its IAM policy lets it stop only tasks tagged as its own). */
  readonly tags?: readonly ECS.Tag[];
}

/** Placement fields given by a hook (or a flag) win over the service's; a launch type and a strategy exclude each other. */
export function mergePlacement(service: TaskPlacement, own: Omit<TaskPlacement, 'cluster'>): TaskPlacement {
  const merged: { -readonly [K in keyof TaskPlacement]: TaskPlacement[K] } = { cluster: service.cluster };
  const networkConfiguration = own.networkConfiguration ?? service.networkConfiguration;
  if (networkConfiguration) merged.networkConfiguration = networkConfiguration;
  if (own.launchType) merged.launchType = own.launchType;
  else if (own.capacityProviderStrategy) merged.capacityProviderStrategy = own.capacityProviderStrategy;
  else if (service.launchType) merged.launchType = service.launchType;
  else if (service.capacityProviderStrategy && service.capacityProviderStrategy.length > 0) merged.capacityProviderStrategy = service.capacityProviderStrategy;
  const platformVersion = own.platformVersion ?? service.platformVersion;
  if (platformVersion) merged.platformVersion = platformVersion;
  return merged;
}

/** The placement a live service's tasks have (DescribeServices). */
export function placementOfService(cluster: string, service: ECS.Service): TaskPlacement {
  return {
    cluster,
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy && service.capacityProviderStrategy.length > 0 ? { capacityProviderStrategy: service.capacityProviderStrategy } : {}),
    ...(service.platformVersion && service.platformVersion !== 'LATEST' ? { platformVersion: service.platformVersion } : {}),
  };
}

/** Essential containers of a task definition (ECS's default for `essential` is true). */
export function essentialContainers(taskDefinition: ECS.TaskDefinition | undefined): string[] {
  return (taskDefinition?.containerDefinitions ?? []).filter((c) => c.essential !== false && c.name).map((c) => c.name as string);
}

/** The container a command override replaces: the one named, else the first essential one. */
export function commandContainer(taskDefinition: ECS.TaskDefinition, named?: string): string {
  const names = (taskDefinition.containerDefinitions ?? []).map((c) => c.name).filter((n): n is string => typeof n === 'string');
  if (named !== undefined) {
    if (!names.includes(named)) throw new Error(`task definition ${taskDefinition.taskDefinitionArn ?? taskDefinition.family ?? ''} has no container "${named}" (it has ${names.join(', ') || 'none'})`);
    return named;
  }
  const first = essentialContainers(taskDefinition)[0] ?? names[0];
  if (first === undefined) throw new Error(`task definition ${taskDefinition.taskDefinitionArn ?? ''} has no containers`);
  return first;
}

export function buildRunTaskInput(request: OneOffTaskRequest): ECS.RunTaskRequest {
  const { placement, taskDefinition } = request;
  if (!taskDefinition.taskDefinitionArn) throw new Error('the task definition to run has no ARN');
  let overrides: ECS.TaskOverride | undefined = request.overrides;
  if (request.command) {
    const name = commandContainer(taskDefinition, request.container);
    overrides = { containerOverrides: [{ name, command: [...request.command] }] };
  }
  return {
    cluster: placement.cluster,
    taskDefinition: taskDefinition.taskDefinitionArn,
    startedBy: request.startedBy,
    count: 1,
    ...(placement.networkConfiguration ? { networkConfiguration: placement.networkConfiguration } : {}),
    ...(placement.launchType ? { launchType: placement.launchType } : {}),
    ...(placement.capacityProviderStrategy ? { capacityProviderStrategy: [...placement.capacityProviderStrategy] } : {}),
    ...(placement.platformVersion ? { platformVersion: placement.platformVersion } : {}),
    ...(overrides ? { overrides } : {}),
    ...(request.tags && request.tags.length > 0 ? { tags: [...request.tags] } : {}),
  };
}

/**
 * RunTask answered but started no task: its `failures[]`. `transient` when
 * every reason is one a later try can clear: no room right now
 * (`RESOURCE:CPU`, `RESOURCE:MEMORY`, `RESOURCE:PORTS`, ...), an agent not
 * connected (`AGENT`), capacity unavailable. Other reasons (`ATTRIBUTE`: a
 * placement constraint nothing satisfies, `MISSING`) do not clear by waiting.
 */
export class RunTaskFailures extends Error {
  override readonly name = 'RunTaskFailures';
  readonly transient: boolean;
  constructor(readonly failures: readonly ECS.Failure[]) {
    const reasons = failures.map((f) => [f.arn, f.reason, f.detail].filter(Boolean).join(': ')).join('; ');
    super(`RunTask started no task${reasons ? `: ${reasons}` : ''}`);
    this.transient = failures.length > 0 && failures.every((f) => isTransientRunTaskFailure(f.reason));
  }
}

export function isTransientRunTaskFailure(reason: string | undefined): boolean {
  if (reason === undefined) return false;
  return reason.startsWith('RESOURCE:') || reason === 'AGENT' || /capacity/i.test(reason);
}

/** Starts the task; throws RunTaskFailures with ECS's failure reasons when none started. */
export async function runOneOffTask(ecs: EcsApi, input: ECS.RunTaskRequest, signal?: AbortSignal): Promise<ECS.Task> {
  const out = await ecs.send('RunTask', input, signal);
  const task = out.tasks?.[0];
  if (!task?.taskArn) throw new RunTaskFailures(out.failures ?? []);
  return task;
}

/**
 * Every task of `cluster` started with `startedBy` that ECS still lists
 * (RUNNING and PENDING, then STOPPED: ECS keeps stopped tasks visible for a
 * while only), newest first.
 */
export async function findTasksByStartedBy(ecs: EcsApi, cluster: string, startedBy: string, signal?: AbortSignal): Promise<ECS.Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await ecs.send('ListTasks', { cluster, startedBy, desiredStatus, ...(nextToken ? { nextToken } : {}) }, signal);
      for (const arn of page.taskArns ?? []) if (!arns.includes(arn)) arns.push(arn);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const tasks = await describeTasks(ecs, cluster, arns, signal);
  return tasks.filter((t) => t.startedBy === undefined || t.startedBy === startedBy).sort((a, b) => time(b.createdAt) - time(a.createdAt));
}

/** The one task to judge among those found: one still running, else the newest. */
export function pickTask(tasks: readonly ECS.Task[]): ECS.Task | undefined {
  return tasks.find((t) => t.lastStatus !== 'STOPPED') ?? tasks[0];
}

export async function describeTasks(ecs: EcsApi, cluster: string, arns: readonly string[], signal?: AbortSignal): Promise<ECS.Task[]> {
  const tasks: ECS.Task[] = [];
  // DescribeTasks takes at most 100 tasks per call.
  for (let i = 0; i < arns.length; i += 100) {
    const out = await ecs.send('DescribeTasks', { cluster, tasks: arns.slice(i, i + 100) }, signal);
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

export async function describeTask(ecs: EcsApi, cluster: string, arn: string, signal?: AbortSignal): Promise<ECS.Task | undefined> {
  return (await describeTasks(ecs, cluster, [arn], signal))[0];
}

/** StopTask's reason for a task stopped on its timeout: how a later pass (or a restarted controller) knows it timed out. */
export const TIMEOUT_REASON_PREFIX = 'ecs-gitops: timed out after';

export function timeoutReason(timeoutSeconds: number): string {
  return `${TIMEOUT_REASON_PREFIX} ${timeoutSeconds}s`;
}

export async function stopTask(ecs: EcsApi, cluster: string, taskArn: string, reason: string, signal?: AbortSignal): Promise<void> {
  await ecs.send('StopTask', { cluster, task: taskArn, reason }, signal);
}

export type TaskState = 'running' | 'succeeded' | 'failed' | 'timed_out';

export interface TaskVerdict {
  readonly state: TaskState;
  /** With a stopped task: the exit code of the first essential container that did not exit 0 (0 when all did). */
  readonly exitCode?: number;
  /** The essential container `exitCode` is of. */
  readonly container?: string;
  /** ECS's stoppedReason, with the container's own reason when it gave one. */
  readonly reason?: string;
  readonly stopCode?: string;
  readonly lastStatus?: string;
}

/** How the task ended, or that it still runs. A stop with our timeout reason is `timed_out`, whatever exit code the stop left. */
export function judgeTask(task: ECS.Task, taskDefinition: ECS.TaskDefinition | undefined): TaskVerdict {
  const lastStatus = task.lastStatus ?? 'UNKNOWN';
  if (lastStatus !== 'STOPPED') return { state: 'running', lastStatus };
  const stopCode = task.stopCode;
  const common = { lastStatus, ...(stopCode ? { stopCode } : {}) };
  if (task.stoppedReason?.startsWith(TIMEOUT_REASON_PREFIX)) return { ...common, state: 'timed_out', reason: task.stoppedReason };
  const essential = new Set(essentialContainers(taskDefinition));
  const containers = (task.containers ?? []).filter((c) => essential.size === 0 || (c.name !== undefined && essential.has(c.name)));
  const bad = containers.find((c) => c.exitCode !== 0);
  if (containers.length > 0 && !bad) return { ...common, state: 'succeeded', exitCode: 0 };
  const reason = [task.stoppedReason, bad?.reason].filter((r): r is string => typeof r === 'string' && r.length > 0).join(': ') || undefined;
  return {
    ...common, state: 'failed',
    ...(bad?.exitCode !== undefined && bad.exitCode !== null ? { exitCode: bad.exitCode } : {}),
    ...(bad?.name ? { container: bad.name } : {}),
    ...(reason ? { reason } : {}),
  };
}

export interface LogLocation {
  readonly logGroup: string;
  /** `<awslogs-stream-prefix>/<container>/<task id>`; absent without a prefix (ECS then names streams itself). */
  readonly logStream?: string;
  readonly region?: string;
}

/** Where a container of the task writes with the awslogs driver, from the task definition's logConfiguration. */
export function awslogsLocation(taskDefinition: ECS.TaskDefinition | undefined, container: string | undefined, taskArn: string | undefined): LogLocation | undefined {
  const definitions = taskDefinition?.containerDefinitions ?? [];
  // The container named (the one that failed, or the one the command ran in) when it logs with awslogs, else
  // the first essential one that does: the task's logs are still the place to look.
  const awslogs = (c: ECS.ContainerDefinition) => c.logConfiguration?.logDriver === 'awslogs';
  const definition = (container !== undefined ? definitions.find((c) => c.name === container && awslogs(c)) : undefined)
    ?? definitions.find((c) => c.essential !== false && c.logConfiguration?.logDriver === 'awslogs')
    ?? definitions.find((c) => c.logConfiguration?.logDriver === 'awslogs');
  const config = definition?.logConfiguration;
  if (!definition?.name || config?.logDriver !== 'awslogs') return undefined;
  const group = config.options?.['awslogs-group'];
  if (!group) return undefined;
  const prefix = config.options?.['awslogs-stream-prefix'];
  const taskId = taskArn?.split('/').pop();
  const region = config.options?.['awslogs-region'];
  return {
    logGroup: group,
    ...(prefix && taskId ? { logStream: `${prefix}/${definition.name}/${taskId}` } : {}),
    ...(region ? { region } : {}),
  };
}

function time(value: Date | string | number | undefined): number {
  if (value === undefined) return 0;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : 0;
}

/** Epoch ms of an SDK time field (Date), or undefined. */
export function epochMs(value: Date | undefined): number | undefined {
  return value === undefined ? undefined : time(value) || undefined;
}
