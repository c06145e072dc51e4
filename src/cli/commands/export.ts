/**
 * `ecs-gitops export --cluster C [--service S] [--out DIR] [--region R] [--force]`:
 * write one manifest per live service so an existing cluster can be adopted
 * into Git, and (for a whole cluster, not with --service) one
 * `kind: CapacityProvider` manifest per Auto Scaling group provider the
 * cluster attaches and one `kind: ScheduledTask` manifest per EventBridge
 * Scheduler schedule of the controller's group (and of --schedule-group
 * groups) that runs a task in the cluster. Read-only against AWS. Exit 0 when every file was written
 * and reads back in sync, 1 otherwise (errors, or a file that would not).
 */
import path from 'node:path';
import { systemClock } from '../../util/clock.js';
import { connectEcs, requireDirectoryArgument, resolveRegion } from '../../app/runtime.js';
import {
  existingCapacityProviderFiles, exportServices, planCapacityProviderExport, writeCapacityProviderExport,
  type ExportReport, type ExportedCapacityProviderFile, type PlannedCapacityProviderFile,
  existingScheduledTaskFiles, planScheduledTaskExport, writeScheduledTaskExport,
  type ExportedScheduledTaskFile, type PlannedScheduledTaskFile,
} from '../../export/index.js';
import { scheduleGroupName } from '../../scheduler/scheduler-api.js';
import { GitopsError } from '../../errors/index.js';
import { OUTPUT_FLAG, type CommandContext, type CommandSpec } from '../command.js';

export const EXPORT_EXIT = { ok: 0, error: 1 } as const;

function printText(
  report: ExportReport, providers: readonly ExportedCapacityProviderFile[], scheduled: readonly ExportedScheduledTaskFile[], outDir: string, ctx: CommandContext,
): void {
  for (const file of report.files) {
    ctx.stdout.write(`wrote ${path.relative(ctx.cwd, file.path) || file.path}\n`);
    for (const secret of file.flaggedSecrets) {
      ctx.stderr.write(`warning: ${report.cluster}/${file.service}: environment ${secret} looks like a secret; move it to \`secrets\` (see the comment in the file)\n`);
    }
    if (file.residualChanges.length > 0) {
      ctx.stderr.write(`error EXPORT_NOT_IN_SYNC: ${report.cluster}/${file.service}: the written file differs from live at ${file.residualChanges.map((c) => c.pointer).join(', ')}\n`);
    }
  }
  for (const file of providers) {
    ctx.stdout.write(`wrote ${path.relative(ctx.cwd, file.path) || file.path}\n`);
    if (file.residualChanges.length > 0) {
      ctx.stderr.write(`error EXPORT_NOT_IN_SYNC: capacity provider ${file.capacityProvider}: the written file differs from live at ${file.residualChanges.join(', ')}\n`);
    }
  }
  for (const file of scheduled) {
    ctx.stdout.write(`wrote ${path.relative(ctx.cwd, file.path) || file.path}\n`);
    if (file.residualChanges.length > 0) {
      ctx.stderr.write(`error EXPORT_NOT_IN_SYNC: scheduled task ${file.scheduledTask}: the written file differs from live at ${file.residualChanges.join(', ')}\n`);
    }
  }
  // With providers or scheduled tasks, the next diff reads the whole --out root: they sit beside the cluster's directory.
  const diffDir = providers.length > 0 || scheduled.length > 0 ? outDir : path.dirname(report.files[0]?.path ?? '.');
  const attached = (providers.length > 0 ? `, with ${providers.length} capacity provider(s) it attaches` : '')
    + (scheduled.length > 0 ? `, ${scheduled.length} scheduled task(s)` : '');
  ctx.stdout.write(`${report.files.length} service(s) exported from ${report.region}/${report.cluster}${attached}. Next: \`ecs-gitops diff ${path.relative(ctx.cwd, diffDir) || '.'}\` should report no changes.\n`);
}

/** Refuses before any service file is written when a provider's or scheduled task's file exists (the same rule exportServices keeps for its own). */
async function refuseExistingProviderFiles(planned: readonly PlannedCapacityProviderFile[], scheduled: readonly PlannedScheduledTaskFile[]): Promise<void> {
  const existing = [...await existingCapacityProviderFiles(planned), ...await existingScheduledTaskFiles(scheduled)];
  if (existing.length > 0) {
    throw new GitopsError('EXPORT_FILE_EXISTS',
      `${existing.length} file(s) already exist, nothing written (--force overwrites): ${existing.join(', ')}`, { files: existing });
  }
}

async function run(ctx: CommandContext): Promise<number> {
  const cluster = requireDirectoryArgument(typeof ctx.args.flags.cluster === 'string' ? ctx.args.flags.cluster : undefined, '--cluster');
  const service = typeof ctx.args.flags.service === 'string' ? ctx.args.flags.service : undefined;
  const outDir = path.resolve(ctx.cwd, typeof ctx.args.flags.out === 'string' ? ctx.args.flags.out : 'manifests');
  const region = resolveRegion(ctx.args.flags.region, ctx.env, 'us-east-1');
  const connection = await connectEcs({ region, env: ctx.env });
  try {
    const force = ctx.args.flags.force === true;
    // Only a whole-cluster export brings the cluster's providers; --service exports that service alone.
    const plannedProviders = service === undefined
      ? await planCapacityProviderExport({ ecs: connection.ecs, region, cluster, outDir, signal: ctx.signal })
      : [];
    // The controller's group first: a name it already holds is not exported again from another group.
    const groups = [scheduleGroupName(String(ctx.args.flags['controller-id'])), ...((ctx.args.flags['schedule-group'] as string[] | undefined) ?? [])];
    const plannedScheduled = service === undefined
      ? await planScheduledTaskExport({
        ecs: connection.ecs, scheduler: connection.schedulerFor(region), region, cluster, groups: [...new Set(groups)], outDir, signal: ctx.signal,
      })
      : [];
    if (!force) await refuseExistingProviderFiles(plannedProviders, plannedScheduled);
    const report = await exportServices({
      ecs: connection.ecs, scaling: connection.scalingFor(region), clock: systemClock, region, cluster, outDir, force: ctx.args.flags.force === true,
      signal: ctx.signal, ...(service !== undefined ? { service } : {}),
    });
    const providers = await writeCapacityProviderExport(plannedProviders, { force, signal: ctx.signal });
    const scheduled = await writeScheduledTaskExport(plannedScheduled, { force, signal: ctx.signal });
    if (ctx.args.flags.output === 'json') {
      ctx.stdout.write(`${JSON.stringify({
        region: report.region, cluster: report.cluster,
        files: report.files.map((f) => ({
          path: f.path, service: f.service, flaggedSecrets: f.flaggedSecrets, residualChanges: f.residualChanges.map((c) => c.pointer),
        })),
        capacityProviders: providers.map((f) => ({ path: f.path, capacityProvider: f.capacityProvider, residualChanges: f.residualChanges })),
        scheduledTasks: scheduled.map((f) => ({ path: f.path, scheduledTask: f.scheduledTask, group: f.group, residualChanges: f.residualChanges })),
      }, null, 2)}\n`);
    } else {
      printText(report, providers, scheduled, outDir, ctx);
    }
    const notInSync = report.files.some((f) => f.residualChanges.length > 0) || providers.some((f) => f.residualChanges.length > 0)
      || scheduled.some((f) => f.residualChanges.length > 0);
    return notInSync ? EXPORT_EXIT.error : EXPORT_EXIT.ok;
  } finally {
    await connection.close();
  }
}

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'write manifests for existing services, the capacity providers their cluster attaches and the scheduled tasks that run in it (adoption; read-only against AWS)',
  usage: '--cluster NAME [--service NAME] [--out DIR] [--region REGION] [--schedule-group NAME,...] [--force]',
  maxPositionals: 0,
  usageExitCode: 1,
  flags: [
    { name: 'cluster', type: 'string', description: 'the cluster to export (required)' },
    { name: 'service', type: 'string', description: 'only this service, without capacity providers or scheduled tasks (default: every ACTIVE service in the cluster, the providers it attaches and its scheduled tasks)' },
    { name: 'out', type: 'string', default: 'manifests', description: 'manifests root; files go to <out>/<cluster>/<service>.yaml, <out>/capacity-providers/<name>.yaml and <out>/scheduled-tasks/<name>.yaml' },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'the controller whose schedule group (its id when that starts with ecs-gitops, else ecs-gitops-<id>) scheduled tasks are exported from' },
    { name: 'schedule-group', type: 'list', description: 'also export the cluster\'s schedules of these EventBridge Scheduler groups (e.g. default); the controller re-creates them in its own group' },
    { name: 'region', type: 'string', description: 'the Region (else AWS_REGION / AWS_DEFAULT_REGION, us-east-1)' },
    { name: 'force', type: 'boolean', default: false, description: 'overwrite existing files' },
    OUTPUT_FLAG,
  ],
  run,
};
