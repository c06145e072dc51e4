/**
 * `ecs-gitops export --cluster C [--service S] [--out DIR] [--region R | --env NAME] [--force]`:
 * write one manifest per live service so an existing cluster can be adopted
 * into Git, and (for a whole cluster, not with --service) one
 * `kind: CapacityProvider` manifest per Auto Scaling group provider the
 * cluster attaches and one `kind: ScheduledTask` manifest per EventBridge
 * Scheduler schedule of the controller's group (and of --schedule-group
 * groups) that runs a task in the cluster. Read-only against AWS. Exit 0 when every file was written
 * and reads back in sync, 1 otherwise (errors, or a file that would not).
 * With --env NAME (an Environment declared under --out) the reads go to that
 * environment's account and Region through its role, and the files are
 * templates for it (metadata.environments: [NAME], docs/environments.md);
 * capacity providers, which are single-target, are left out.
 */
import path from 'node:path';
import { systemClock } from '../../util/clock.js';
import { connectEcs, printProblems, readSnapshot, requireDirectoryArgument, resolveRegion } from '../../app/runtime.js';
import { AccountDirectory } from '../../accounts/account-directory.js';
import { environmentLocation } from '../../export/environment-template.js';
import type { EnvironmentManifest, ManifestSnapshot } from '../../manifests/types.js';
import { closestMatch } from '../../util/did-you-mean.js';
import {
  existingCapacityProviderFiles, exportServices, planCapacityProviderExport, writeCapacityProviderExport,
  type ExportReport, type ExportedCapacityProviderFile, type PlannedCapacityProviderFile,
  existingScheduledTaskFiles, planScheduledTaskExport, writeScheduledTaskExport,
  type ExportedScheduledTaskFile, type PlannedScheduledTaskFile,
} from '../../export/index.js';
import { scheduleGroupName } from '../../scheduler/scheduler-api.js';
import { GitopsError, isGitopsError } from '../../errors/index.js';
import { OUTPUT_FLAG, type CommandContext, type CommandSpec } from '../command.js';

export const EXPORT_EXIT = { ok: 0, error: 1 } as const;

function printReadBackProblems(what: string, problems: readonly string[], environment: EnvironmentManifest | undefined, ctx: CommandContext): void {
  if (problems.length === 0) return;
  ctx.stderr.write(`error EXPORT_NOT_IN_SYNC: ${what}: the written file does not render for environment ${environment?.metadata.name ?? ''} as written: ${problems.join('; ')}\n`);
}

function printText(
  report: ExportReport, providers: readonly ExportedCapacityProviderFile[], scheduled: readonly ExportedScheduledTaskFile[], outDir: string, ctx: CommandContext,
  environment: EnvironmentManifest | undefined,
): void {
  for (const file of report.files) {
    ctx.stdout.write(`wrote ${path.relative(ctx.cwd, file.path) || file.path}\n`);
    for (const secret of file.flaggedSecrets) {
      ctx.stderr.write(`warning: ${report.cluster}/${file.service}: environment ${secret} looks like a secret; move it to \`secrets\` (see the comment in the file)\n`);
    }
    if (file.residualChanges.length > 0) {
      ctx.stderr.write(`error EXPORT_NOT_IN_SYNC: ${report.cluster}/${file.service}: the written file differs from live at ${file.residualChanges.map((c) => c.pointer).join(', ')}\n`);
    }
    printReadBackProblems(`${report.cluster}/${file.service}`, file.readBackProblems, environment, ctx);
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
    printReadBackProblems(`scheduled task ${file.scheduledTask}`, file.readBackProblems, environment, ctx);
  }
  // With providers or scheduled tasks, the next diff reads the whole --out root: they sit beside the cluster's directory.
  const diffDir = providers.length > 0 || scheduled.length > 0 ? outDir : path.dirname(report.files[0]?.path ?? '.');
  const attached = (providers.length > 0 ? `, with ${providers.length} capacity provider(s) it attaches` : '')
    + (scheduled.length > 0 ? `, ${scheduled.length} scheduled task(s)` : '');
  const from = environment === undefined ? `${report.region}/${report.cluster}` : `${report.location ?? ''}/${report.cluster} (environment ${environment.metadata.name})`;
  ctx.stdout.write(`${report.files.length} service(s) exported from ${from}${attached}. Next: \`ecs-gitops diff ${path.relative(ctx.cwd, diffDir) || '.'}\` should report no changes.\n`);
}

/** Refuses before any service file is written when a provider's or scheduled task's file exists (the same rule exportServices keeps for its own). */
async function refuseExistingProviderFiles(planned: readonly PlannedCapacityProviderFile[], scheduled: readonly PlannedScheduledTaskFile[]): Promise<void> {
  const existing = [...await existingCapacityProviderFiles(planned), ...await existingScheduledTaskFiles(scheduled)];
  if (existing.length > 0) {
    throw new GitopsError('EXPORT_FILE_EXISTS',
      `${existing.length} file(s) already exist, nothing written (--force overwrites): ${existing.join(', ')}`, { files: existing });
  }
}

/**
 * The Environment --env names, read from the manifests under --out: they must
 * load without problems (the environment's account, Region and role are
 * only trusted from a clean snapshot, as sync trusts them).
 */
async function environmentNamed(name: string, outDir: string, ctx: CommandContext): Promise<{ environment: EnvironmentManifest; snapshot: ManifestSnapshot }> {
  let snapshot: ManifestSnapshot;
  try {
    snapshot = await readSnapshot(outDir, resolveRegion(undefined, ctx.env, 'us-east-1'), ctx.signal, ctx.cwd);
  } catch (err) {
    if (isGitopsError(err) && err.code === 'MANIFEST_ROOT_UNREADABLE') {
      throw new GitopsError('CLI_BAD_FLAG_VALUE', `--env ${name}: environments are read from the manifests under --out, and ${err.message}`, { flag: 'env' }, { cause: err });
    }
    throw err;
  }
  if (snapshot.problems.length > 0) {
    printProblems(snapshot, ctx.stderr);
    throw new GitopsError('EXPORT_MANIFESTS_INVALID',
      `--env ${name}: the manifests under ${path.relative(ctx.cwd, outDir) || '.'} have ${snapshot.problems.length} problem(s) (printed above); nothing was read or written`,
      { flag: 'env', problems: snapshot.problems.length });
  }
  const declared = (snapshot.environments ?? []).map((e) => e.name);
  const found = snapshot.environments?.find((e) => e.name === name);
  if (!found) {
    const suggestion = closestMatch(name, declared);
    throw new GitopsError('CLI_BAD_FLAG_VALUE',
      `--env: no environment "${name}" under ${path.relative(ctx.cwd, outDir) || '.'}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; declared: ${declared.join(', ') || 'none (add kind: Environment documents)'}`,
      { flag: 'env' });
  }
  return { environment: found.manifest, snapshot };
}

async function run(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const service = typeof flags.service === 'string' ? flags.service : undefined;
  const outDir = path.resolve(ctx.cwd, typeof flags.out === 'string' ? flags.out : 'manifests');
  const envName = typeof flags.env === 'string' ? flags.env : undefined;
  if (envName !== undefined && flags.region !== undefined) {
    throw new GitopsError('CLI_BAD_FLAG_VALUE',
      `--region (or ECS_GITOPS_REGION) cannot be given with --env: environment ${envName} decides the account and Region`, { flag: 'region' });
  }
  const selected = envName === undefined ? undefined : await environmentNamed(envName, outDir, ctx);
  const environment = selected?.environment;
  const cluster = requireDirectoryArgument(typeof flags.cluster === 'string' ? flags.cluster : environment?.spec.cluster,
    environment === undefined ? '--cluster' : `--cluster (environment ${environment.metadata.name} has no spec.cluster)`);
  const region = environment?.spec.region ?? resolveRegion(flags.region, ctx.env, 'us-east-1');
  const controllerId = String(flags['controller-id']);
  // With an environment, every read goes to its location (account@region) through its role, as the controller's would.
  const accounts = new AccountDirectory();
  if (selected) accounts.update(selected.snapshot.environments ?? []);
  const connection = await connectEcs({ region, env: ctx.env, ...(selected ? { accounts, controllerId } : {}) });
  const location = environment === undefined ? region : environmentLocation(environment);
  const ecs = environment === undefined ? connection.ecs : connection.ecsFor(location);
  try {
    const force = flags.force === true;
    const environmentOption = environment === undefined ? {} : { environment };
    // Only a whole-cluster export brings the cluster's providers; --service exports that service alone.
    const plannedProviders = service === undefined
      ? await planCapacityProviderExport({ ecs, region, cluster, outDir, signal: ctx.signal })
      : [];
    // A capacity provider is single-target (it takes no metadata.environments): a template cannot carry it.
    const skippedProviders = environment === undefined ? [] : plannedProviders.map((p) => p.capacityProvider);
    if (skippedProviders.length > 0) {
      ctx.stderr.write(`capacity provider(s) not exported with --env (they are single-target, not per environment): ${skippedProviders.join(', ')}; export them without --env if Git should own them\n`);
    }
    const writtenProviders = environment === undefined ? plannedProviders : [];
    // The controller's group first: a name it already holds is not exported again from another group.
    const groups = [scheduleGroupName(controllerId), ...((flags['schedule-group'] as string[] | undefined) ?? [])];
    const plannedScheduled = service === undefined
      ? await planScheduledTaskExport({
        ecs, scheduler: connection.schedulerFor(location), region, cluster, groups: [...new Set(groups)], outDir, signal: ctx.signal, ...environmentOption,
      })
      : [];
    if (!force) await refuseExistingProviderFiles(writtenProviders, plannedScheduled);
    const report = await exportServices({
      ecs, scaling: connection.scalingFor(location), clock: systemClock, region, cluster, outDir, force,
      signal: ctx.signal, ...(service !== undefined ? { service } : {}), ...environmentOption,
    });
    const providers = await writeCapacityProviderExport(writtenProviders, { force, signal: ctx.signal });
    const scheduled = await writeScheduledTaskExport(plannedScheduled, { force, signal: ctx.signal });
    if (flags.output === 'json') {
      const singleTarget = environment === undefined;
      ctx.stdout.write(`${JSON.stringify({
        region: report.region, cluster: report.cluster,
        ...(environment === undefined ? {} : { environment: environment.metadata.name, account: environment.spec.account, skippedCapacityProviders: skippedProviders }),
        files: report.files.map((f) => ({
          path: f.path, service: f.service, flaggedSecrets: f.flaggedSecrets, residualChanges: f.residualChanges.map((c) => c.pointer),
          ...(singleTarget ? {} : { readBackProblems: f.readBackProblems }),
        })),
        capacityProviders: providers.map((f) => ({ path: f.path, capacityProvider: f.capacityProvider, residualChanges: f.residualChanges })),
        scheduledTasks: scheduled.map((f) => ({
          path: f.path, scheduledTask: f.scheduledTask, group: f.group, residualChanges: f.residualChanges,
          ...(singleTarget ? {} : { readBackProblems: f.readBackProblems }),
        })),
      }, null, 2)}\n`);
    } else {
      printText(report, providers, scheduled, outDir, ctx, environment);
    }
    const notInSync = report.files.some((f) => f.residualChanges.length > 0 || f.readBackProblems.length > 0)
      || providers.some((f) => f.residualChanges.length > 0)
      || scheduled.some((f) => f.residualChanges.length > 0 || f.readBackProblems.length > 0);
    return notInSync ? EXPORT_EXIT.error : EXPORT_EXIT.ok;
  } finally {
    await connection.close();
  }
}

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'write manifests for existing services, the capacity providers their cluster attaches and the scheduled tasks that run in it (adoption; read-only against AWS)',
  usage: '--cluster NAME [--service NAME] [--out DIR] [--region REGION | --env NAME] [--schedule-group NAME,...] [--force]',
  maxPositionals: 0,
  usageExitCode: 1,
  flags: [
    { name: 'cluster', type: 'string', description: 'the cluster to export (required, unless --env names an environment with a spec.cluster)' },
    { name: 'env', type: 'string', description: 'export from this environment\'s account and Region (a kind: Environment under --out) as templates for it (metadata.environments: [NAME]); capacity providers are left out' },
    { name: 'service', type: 'string', description: 'only this service, without capacity providers or scheduled tasks (default: every ACTIVE service in the cluster, the providers it attaches and its scheduled tasks)' },
    { name: 'out', type: 'string', default: 'manifests', description: 'manifests root; files go to <out>/<cluster>/<service>.yaml, <out>/capacity-providers/<name>.yaml and <out>/scheduled-tasks/<name>.yaml' },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'the controller whose schedule group (its id when that starts with ecs-gitops, else ecs-gitops-<id>) scheduled tasks are exported from' },
    { name: 'schedule-group', type: 'list', description: 'also export the cluster\'s schedules of these EventBridge Scheduler groups (e.g. default); the controller re-creates them in its own group' },
    { name: 'region', type: 'string', description: 'the Region (else AWS_REGION / AWS_DEFAULT_REGION, us-east-1); not with --env, whose environment decides it' },
    { name: 'force', type: 'boolean', default: false, description: 'overwrite existing files' },
    OUTPUT_FLAG,
  ],
  run,
};
