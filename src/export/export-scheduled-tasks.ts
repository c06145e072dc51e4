/**
 * The IO side of exporting `kind: ScheduledTask` manifests: list the
 * schedules of the controller's schedule group (and, when asked, of other
 * groups: where the console or Copilot put them) whose target is the
 * exported ECS cluster, read each (GetSchedule) and the task definition it
 * runs (DescribeTaskDefinition with tags; read-only calls only), convert with
 * scheduledTaskManifestFromLive, and write `<out>/scheduled-tasks/<name>.yaml`.
 * Schedules whose target is not an ECS cluster are not scheduled tasks and
 * are skipped. As for services and capacity providers, existing files are
 * never overwritten without `force`, and when any target exists nothing is
 * written: planScheduledTaskExport and writeScheduledTaskExport are the two
 * halves, so `ecs-gitops export` can check every file before it writes any.
 */
import path from 'node:path';
import { Document } from 'yaml';
import { awsErrorName } from '../ecs/aws-error.js';
import type { EcsApi } from '../ecs/ecs-api.js';
import type { SchedulerApi } from '../scheduler/scheduler-api.js';
import { existingFiles, refuseExistingFiles, writeFileAtomically } from './export-files.js';
import { clusterNameOfTarget, scheduledTaskManifestFromLive } from './scheduled-task-from-live.js';
import type { EnvironmentManifest, ScheduledTaskManifest } from '../manifests/types.js';
import { diffScheduledTask } from '../diff/diff-scheduled-task.js';
import { environmentOrigin, renderWrittenTemplate, templateForEnvironment } from './environment-template.js';

export interface ExportScheduledTasksOptions {
  readonly ecs: EcsApi;
  readonly scheduler: SchedulerApi;
  readonly region: string;
  /** The cluster whose scheduled tasks are exported. */
  readonly cluster: string;
  /** Schedule groups to read, the controller's first; a name already taken by an earlier group is skipped. */
  readonly groups: readonly string[];
  readonly outDir: string;
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  /** Export templates for this environment (`export --env`): `ecs` and `scheduler` act in its account and Region. */
  readonly environment?: EnvironmentManifest;
}

export interface ExportedScheduledTaskFile {
  /** Absolute path written. */
  readonly path: string;
  readonly scheduledTask: string;
  /** The group it was read from. */
  readonly group: string;
  /** Pointers (relative to `spec`) the controller would still find different (empty = reads back in sync). */
  readonly residualChanges: readonly string[];
  /** Why the written template does not render for its environment as written (`export --env` only; empty = it does). */
  readonly readBackProblems: readonly string[];
}

/** One file export would write; nothing is on disk yet. */
export interface PlannedScheduledTaskFile extends ExportedScheduledTaskFile {
  readonly text: string;
}

/** The manifest as YAML, with a header that says where it came from and what the controller will do with it. */
export function renderScheduledTaskYaml(
  manifest: ScheduledTaskManifest, group: string, controllerGroup: string,
  options: { readonly defaultGroupAdded?: boolean; /** A template's origin (environmentOrigin); its metadata has no region. */ readonly origin?: string } = {},
): string {
  const doc = new Document(manifest);
  const moved = group === controllerGroup ? ''
    : `\n The controller creates it in its own schedule group (${controllerGroup}); delete the original in ${group} once it runs there, or both fire.`;
  const taskGroup = options.defaultGroupAdded
    ? `\n The live schedule names no task group; the controller gives its tasks the group scheduled-task:${manifest.metadata.name} (how their runs are found).`
    : '';
  const from = options.origin === undefined
    ? ` Exported by \`ecs-gitops export\` from schedule ${group}/${manifest.metadata.name} (${manifest.metadata.region ?? ''}).\n`
    : ` Exported by \`ecs-gitops export --env\` from schedule ${group}/${manifest.metadata.name} in ${options.origin}.\n`
      + ' A template for that environment: list more in metadata.environments, their differences in spec.environments.<name> (docs/environments.md).\n';
  doc.commentBefore = `${from} Review it, then commit (docs/controller.md, "Scheduled tasks").${moved}${taskGroup}`;
  return doc.toString({ lineWidth: 0 });
}

async function listGroup(scheduler: SchedulerApi, group: string, signal?: AbortSignal): Promise<{ name: string; targetArn?: string }[]> {
  const out: { name: string; targetArn?: string }[] = [];
  let NextToken: string | undefined;
  do {
    let page;
    try {
      page = await scheduler.send('ListSchedules', { GroupName: group, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }, signal);
    } catch (err) {
      // A group that does not exist holds nothing to export.
      if (awsErrorName(err) === 'ResourceNotFoundException') return out;
      throw err;
    }
    for (const s of page.Schedules ?? []) if (s.Name) out.push({ name: s.Name, ...(s.Target?.Arn ? { targetArn: s.Target.Arn } : {}) });
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** The read half: what would be written, with no write. */
export async function planScheduledTaskExport(options: ExportScheduledTasksOptions): Promise<readonly PlannedScheduledTaskFile[]> {
  const { scheduler, ecs, signal } = options;
  const controllerGroup = options.groups[0] ?? '';
  const seen = new Set<string>();
  const planned: PlannedScheduledTaskFile[] = [];
  for (const group of options.groups) {
    for (const summary of (await listGroup(scheduler, group, signal)).sort((a, b) => a.name.localeCompare(b.name))) {
      if (seen.has(summary.name) || clusterNameOfTarget(summary.targetArn) !== options.cluster) continue;
      const schedule = await scheduler.send('GetSchedule', { Name: summary.name, GroupName: group }, signal);
      const arn = schedule.Target?.EcsParameters?.TaskDefinitionArn;
      if (!arn) continue;
      const td = await ecs.send('DescribeTaskDefinition', { taskDefinition: arn, include: ['TAGS'] }, signal);
      if (!td.taskDefinition) continue;
      const exported = scheduledTaskManifestFromLive({
        region: options.region, schedule, taskDefinition: td.taskDefinition, ...(td.tags ? { taskDefinitionTags: td.tags } : {}),
      });
      if (!exported) continue;
      seen.add(summary.name);
      const file = path.join(options.outDir, 'scheduled-tasks', `${summary.name}.yaml`);
      const defaultGroupAdded = exported.defaultGroupAdded === true;
      const environment = options.environment;
      if (environment === undefined) {
        planned.push({
          path: file, scheduledTask: summary.name, group,
          text: renderScheduledTaskYaml(exported.manifest, group, controllerGroup, { defaultGroupAdded }),
          residualChanges: exported.residualChanges.map((c) => c.pointer), readBackProblems: [],
        });
        continue;
      }
      const template = templateForEnvironment(exported.manifest, environment) as unknown as ScheduledTaskManifest;
      const text = renderScheduledTaskYaml(template, group, controllerGroup, { defaultGroupAdded, origin: environmentOrigin(environment) });
      // What diff will compare: the written template rendered for the environment, against the schedule and its task definition.
      const readBack = renderWrittenTemplate(text, environment);
      const residual = readBack.manifest === undefined ? [] : diffScheduledTask(readBack.manifest as unknown as ScheduledTaskManifest, schedule, {
        taskDefinition: td.taskDefinition, tags: td.tags,
      }, { clusterArn: schedule.Target?.Arn });
      planned.push({
        path: file, scheduledTask: summary.name, group, text,
        // The controller's default group is what the adopted schedule will carry (as scheduledTaskManifestFromLive says).
        residualChanges: residual.filter((c) => !(defaultGroupAdded && c.pointer === '/group')).map((c) => c.pointer),
        readBackProblems: readBack.problems,
      });
    }
  }
  return planned;
}

/** The planned files that already exist (what export refuses to overwrite without force). */
export async function existingScheduledTaskFiles(planned: readonly PlannedScheduledTaskFile[]): Promise<string[]> {
  return existingFiles(planned);
}

/** The write half: refuses (writing nothing) when a file exists, unless `force`. */
export async function writeScheduledTaskExport(
  planned: readonly PlannedScheduledTaskFile[], options: { readonly force?: boolean; readonly signal?: AbortSignal },
): Promise<readonly ExportedScheduledTaskFile[]> {
  await refuseExistingFiles(planned, options.force);
  const files: ExportedScheduledTaskFile[] = [];
  for (const p of planned) {
    await writeFileAtomically(p, options.signal);
    files.push({ path: p.path, scheduledTask: p.scheduledTask, group: p.group, residualChanges: p.residualChanges, readBackProblems: p.readBackProblems });
  }
  return files;
}
