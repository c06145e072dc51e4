/**
 * `ecs-gitops diff [DIR]`: read live ECS and print what applying the manifests
 * would change, per service, per `kind: CapacityProvider` and per
 * `kind: ScheduledTask` (its EventBridge Scheduler schedule), secrets masked.
 * Exit 0 no changes, 2 changes, 1 error (including manifest problems, which
 * are printed first).
 */
import path from 'node:path';
import { systemClock } from '../../util/clock.js';
import { diffAgainstLive } from '../../controller/live-diff.js';
import { diffCapacityProvidersAgainstLive } from '../../controller/capacity-provider/live-diff.js';
import { diffScheduledTasksAgainstLive } from '../../controller/scheduled-task/live-diff.js';
import { connectForSnapshot, printProblems, printWarnings, readSnapshot, resolveRegion } from '../../app/runtime.js';
import { CAPACITY_PROVIDER_NOUN, diffJson, renderDiffText, summarize, type SummaryNoun } from '../../diff/index.js';
import type { DesiredCapacityProvider, DesiredScheduledTask, ManifestSnapshot } from '../../manifests/types.js';
import { OUTPUT_FLAG, useColour, type CommandContext, type CommandSpec } from '../command.js';
import { MASK_FLAGS, maskOptionsFrom } from '../config-flags.js';

export const DIFF_EXIT = { inSync: 0, error: 1, changes: 2 } as const;

const SCHEDULED_TASK_NOUN: SummaryNoun = { one: 'scheduled task', many: 'scheduled tasks' };

/** The scheduled tasks compared: all of them, or those of --cluster; none with --service. */
function selectedScheduledTasks(snapshot: ManifestSnapshot, cluster: unknown, service: unknown): DesiredScheduledTask[] {
  if (typeof service === 'string') return [];
  return (snapshot.scheduledTasks ?? []).filter((t) => !snapshot.blockedKeys.has(t.key) && (typeof cluster !== 'string' || t.cluster === cluster));
}

/**
 * The providers compared: all of them without filters; with --cluster, those
 * that cluster's manifest attaches (a provider belongs to no cluster); none
 * with --service.
 */
function selectedCapacityProviders(snapshot: ManifestSnapshot, cluster: unknown, service: unknown): DesiredCapacityProvider[] {
  if (typeof service === 'string') return [];
  const declared = (snapshot.capacityProviders ?? []).filter((p) => !snapshot.blockedKeys.has(p.key));
  if (typeof cluster !== 'string') return declared;
  const attached = new Set(snapshot.clusters.filter((c) => c.name === cluster).flatMap((c) => (c.manifest.spec.capacityProviders ?? []).map((name) => `${c.region}/${name}`)));
  return declared.filter((p) => attached.has(`${p.region}/${p.name}`));
}

async function run(ctx: CommandContext): Promise<number> {
  const dir = path.resolve(ctx.cwd, ctx.args.positionals[0] ?? 'manifests');
  const region = resolveRegion(ctx.args.flags.region, ctx.env, 'us-east-1');
  const mask = await maskOptionsFrom(ctx);
  const snapshot = await readSnapshot(dir, region, ctx.signal, ctx.cwd);
  printWarnings(snapshot, ctx.stderr);
  const cluster = ctx.args.flags.cluster;
  const service = ctx.args.flags.service;
  const selected = snapshot.services.filter((s) =>
    (typeof cluster !== 'string' || s.cluster === cluster) && (typeof service !== 'string' || s.name === service));
  if (snapshot.problems.length > 0) {
    printProblems(snapshot, ctx.stderr);
    ctx.stderr.write(`${snapshot.problems.length} manifest problem(s): services, capacity providers and scheduled tasks declared in those files are not compared\n`);
  }
  const controllerId = String(ctx.args.flags['controller-id']);
  // Each service is read in its environment's account (its role) and Region, as the controller would: the clean
  // environments count whatever problems other files have (an account without a role is never read with the own credentials).
  const { connection, accounts, lookups } = await connectForSnapshot(snapshot, { region, env: ctx.env, controllerId });
  try {
    const { results, images, imageProblems, unverifiedImages } = await diffAgainstLive(selected.filter((s) => !snapshot.blockedKeys.has(s.key)), {
      ecs: (r) => connection.ecsFor(r), ecr: (r) => connection.ecrFor(r), scaling: (r) => connection.scalingFor(r),
      accounts, lookups, controllerId, clock: systemClock, signal: ctx.signal,
    });
    const providers = await diffCapacityProvidersAgainstLive(selectedCapacityProviders(snapshot, cluster, service), {
      ecs: (r) => connection.ecsFor(r), controllerId, signal: ctx.signal,
    });
    // What sync would refuse (another controller's provider, one nobody opted in, another group): said, as sync would say it.
    for (const p of providers) if (p.blocked) ctx.stderr.write(`warning ${p.key}: sync would not apply it: ${p.blocked.code}: ${p.blocked.message}\n`);
    const providerSummary = summarize(providers);
    const scheduled = await diffScheduledTasksAgainstLive(selectedScheduledTasks(snapshot, cluster, service), {
      ecs: (r) => connection.ecsFor(r), scheduler: (r) => connection.schedulerFor(r), lookups, controllerId, signal: ctx.signal,
    });
    for (const t of scheduled) if (t.blocked) ctx.stderr.write(`warning ${t.key}: sync would not apply it: ${t.blocked.code}: ${t.blocked.message}\n`);
    const scheduledSummary = summarize(scheduled);
    for (const problem of imageProblems) ctx.stderr.write(`error ${problem.code}: ${problem.message}\n`);
    // Not an error (applying deploys them, as ECS pulls them with the task's execution role), but said, as the controller says it.
    for (const image of unverifiedImages) {
      ctx.stderr.write(`warning ${image.key}: container ${image.container} image ${image.image} cannot be verified and would be deployed as written: ${image.reason}\n`);
    }
    if (ctx.args.flags.output === 'json') {
      const services = diffJson(results, mask);
      const capacityProviders = diffJson(providers, mask).services.map((p, i) => ({ ...p, ...(providers[i]?.blocked ? { blocked: providers[i]?.blocked } : {}) }));
      const scheduledTasks = diffJson(scheduled, mask).services.map((t, i) => ({ ...t, ...(scheduled[i]?.blocked ? { blocked: scheduled[i]?.blocked } : {}) }));
      ctx.stdout.write(`${JSON.stringify({
        revision: snapshot.revision,
        summary: {
          ...services.summary,
          capacityProviders: { total: providerSummary.services, inSync: providerSummary.inSync, outOfSync: providerSummary.outOfSync, missing: providerSummary.missing },
          scheduledTasks: { total: scheduledSummary.services, inSync: scheduledSummary.inSync, outOfSync: scheduledSummary.outOfSync, missing: scheduledSummary.missing },
        },
        services: services.services, capacityProviders, scheduledTasks,
        ...(images.length > 0 ? { images } : {}), ...(unverifiedImages.length > 0 ? { unverifiedImages } : {}),
      }, null, 2)}\n`);
    } else {
      ctx.stdout.write(renderDiffText(results, { ...mask, colour: useColour(ctx.stdout, ctx.env) }));
      if (providers.length > 0) ctx.stdout.write(renderDiffText(providers, { ...mask, colour: useColour(ctx.stdout, ctx.env), noun: CAPACITY_PROVIDER_NOUN }));
      if (scheduled.length > 0) ctx.stdout.write(renderDiffText(scheduled, { ...mask, colour: useColour(ctx.stdout, ctx.env), noun: SCHEDULED_TASK_NOUN }));
      // Tags that pin-digest / follow-tag resolve: which digest applying would deploy.
      for (const service of images) {
        for (const [container, { image, digest, pending }] of Object.entries(service.containers)) {
          const note = pending ? ' (pushed after the running deployment started: a new deployment would start)' : '';
          ctx.stdout.write(`image ${service.key} (${service.policy}): container ${container}: ${image} -> ${digest}${note}\n`);
        }
      }
    }
    if (snapshot.problems.length > 0 || imageProblems.length > 0) return DIFF_EXIT.error;
    const summary = summarize(results);
    const changes = summary.outOfSync + summary.missing + providerSummary.outOfSync + providerSummary.missing + scheduledSummary.outOfSync + scheduledSummary.missing;
    return changes > 0 ? DIFF_EXIT.changes : DIFF_EXIT.inSync;
  } finally {
    await connection.close();
  }
}

export const diffCommand: CommandSpec = {
  name: 'diff',
  summary: 'show what would change in live ECS and EventBridge Scheduler: services, capacity providers and scheduled tasks (exit 0 none, 2 changes, 1 error)',
  usage: '[DIR]  (default: ./manifests)',
  maxPositionals: 1,
  usageExitCode: 1,
  flags: [
    { name: 'cluster', type: 'string', description: 'only services and scheduled tasks in this cluster (and the capacity providers its manifest attaches)' },
    { name: 'service', type: 'string', description: 'only services with this name (no capacity providers or scheduled tasks)' },
    { name: 'region', type: 'string', description: 'default region for manifests without metadata.region (else AWS_REGION, us-east-1)' },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'the controller whose scalable targets are Git\'s (the service tag ecs-gitops/autoscaling)' },
    ...MASK_FLAGS,
    OUTPUT_FLAG,
  ],
  run,
};
