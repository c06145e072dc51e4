/**
 * `ecs-gitops promote SERVICE --from ENV --to ENV [DIR]`: writes the images
 * that run in one environment into another environment's override of the
 * document that declares the service (docs/environments.md, "Promotion").
 * A Git-native promotion: nothing is applied, the person reviews the file
 * change and commits it. Refused (exit 1, CLI_PROMOTE_REFUSED) unless the
 * source is Synced (the diff against live is empty) and Healthy (one
 * deployment, COMPLETED, every task running). Exit 0 when the file was
 * written or already held those images.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as ECS from '@aws-sdk/client-ecs';
import { connectForSnapshot, printProblems, readSnapshot, resolveRegion } from '../../app/runtime.js';
import { diffAgainstLive } from '../../controller/live-diff.js';
import { GitopsError } from '../../errors/index.js';
import { locationOf } from '../../keys/index.js';
import { resolveLimits } from '../../manifests/limits.js';
import type { DesiredService, ManifestSnapshot } from '../../manifests/types.js';
import { parseManifestText } from '../../manifests/yaml-documents.js';
import { writePromotion, type ImagePromotion } from '../../promote/write-promotion.js';
import { systemClock } from '../../util/clock.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { checkEnvironmentFlag } from '../environment-flag.js';

function refuse(message: string, details: Record<string, unknown> = {}): GitopsError {
  return new GitopsError('CLI_PROMOTE_REFUSED', `promote refused: ${message}`, details);
}

/** The one rendered instance of SERVICE in ENV (narrowed by --cluster when the name is in several clusters). */
function instanceOf(snapshot: ManifestSnapshot, service: string, environment: string, cluster: string | undefined, flag: 'from' | 'to'): DesiredService {
  checkEnvironmentFlag(snapshot, environment, flag);
  const matches = snapshot.services.filter((s) => s.environment === environment && s.name === service && (cluster === undefined || s.cluster === cluster));
  if (matches.length === 0) {
    const blocked = [...snapshot.blockedKeys].some((key) => key.endsWith(`/${service}`));
    throw refuse(`service "${service}" is not rendered for environment ${environment}${cluster ? ` in cluster ${cluster}` : ''}${blocked ? ' (its file has problems: run ecs-gitops validate)' : ''}; list it in the document's metadata.environments`);
  }
  if (matches.length > 1) {
    throw new GitopsError('CLI_MISSING_ARGUMENT', `service "${service}" is in several clusters of ${environment} (${matches.map((m) => m.cluster).join(', ')}); pass --cluster`, { flag: 'cluster' });
  }
  return matches[0] as DesiredService;
}

/** Healthy as the controller says it: the service is ACTIVE with one deployment that COMPLETED and runs every task. */
export function unhealthyReason(service: ECS.Service | undefined): string | undefined {
  if (!service || service.status !== 'ACTIVE') return `it does not exist in ECS${service?.status ? ` (status ${service.status})` : ''}`;
  const deployments = service.deployments ?? [];
  if (deployments.length !== 1) return `a deployment is in progress (${deployments.length} deployments)`;
  const primary = deployments[0] as ECS.Deployment;
  if (primary.rolloutState !== undefined && primary.rolloutState !== 'COMPLETED') return `its deployment is ${primary.rolloutState}`;
  if ((primary.runningCount ?? 0) !== (primary.desiredCount ?? 0)) return `${primary.runningCount ?? 0} of ${primary.desiredCount ?? 0} tasks are running`;
  return undefined;
}

/** The 0-based index of the document that starts at `line` in the file (Desired.source gives the start). */
function documentIndexAt(text: string, line: number): number {
  const parsed = parseManifestText(text, resolveLimits());
  const doc = parsed.documents.find((d) => d.start.line === line);
  if (!doc) throw new GitopsError('IO_READ_FAILED', `the file changed while promote read it: no document starts at line ${line}`);
  return doc.index;
}

async function run(ctx: CommandContext): Promise<number> {
  const flags = ctx.args.flags;
  const service = ctx.args.positionals[0];
  if (!service) throw new GitopsError('CLI_MISSING_ARGUMENT', 'promote needs the SERVICE name: ecs-gitops promote SERVICE --from ENV --to ENV [DIR]');
  const from = flags.from;
  const to = flags.to;
  if (typeof from !== 'string' || typeof to !== 'string') throw new GitopsError('CLI_MISSING_ARGUMENT', 'promote needs --from ENV and --to ENV', { flag: typeof from !== 'string' ? 'from' : 'to' });
  if (from === to) throw new GitopsError('CLI_BAD_FLAG_VALUE', `--from and --to are both ${from}; promote copies images from one environment to another`, { flag: 'to' });
  const cluster = typeof flags.cluster === 'string' ? flags.cluster : undefined;
  const dir = path.resolve(ctx.cwd, ctx.args.positionals[1] ?? 'manifests');
  const region = resolveRegion(flags.region, ctx.env, 'us-east-1');
  const snapshot = await readSnapshot(dir, region, ctx.signal, ctx.cwd);
  if (snapshot.problems.length > 0) {
    printProblems(snapshot, ctx.stderr);
    throw refuse(`the manifests have ${snapshot.problems.length} problem(s); fix them first (ecs-gitops validate)`);
  }
  const source = instanceOf(snapshot, service, from, cluster, 'from');
  const target = instanceOf(snapshot, service, to, cluster ?? source.cluster, 'to');

  const controllerId = String(flags['controller-id']);
  const { connection, accounts, lookups } = await connectForSnapshot(snapshot, { region, env: ctx.env, controllerId });
  try {
    const sourceLocation = locationOf(source);
    const ecs = connection.ecsFor(sourceLocation);
    const described = await ecs.send('DescribeServices', { cluster: source.cluster, services: [source.name] }, ctx.signal) as ECS.DescribeServicesResponse;
    const live = described.services?.[0];
    const unhealthy = unhealthyReason(live);
    if (unhealthy !== undefined) throw refuse(`${source.key} (${from}) is not Healthy: ${unhealthy}`, { key: source.key });
    const { results } = await diffAgainstLive([source], {
      ecs: (l) => connection.ecsFor(l), ecr: (l) => connection.ecrFor(l), scaling: (l) => connection.scalingFor(l),
      accounts, lookups, controllerId, clock: systemClock, signal: ctx.signal,
    });
    const drift = results[0];
    if (drift === undefined || drift.status !== 'in-sync') {
      throw refuse(`${source.key} (${from}) is not Synced: ${drift?.status ?? 'not compared'}; run ecs-gitops diff and let the controller apply it first`, { key: source.key });
    }
    const taskDefinition = await ecs.send('DescribeTaskDefinition', { taskDefinition: (live as ECS.Service).taskDefinition }, ctx.signal) as ECS.DescribeTaskDefinitionResponse;
    const running = new Map((taskDefinition.taskDefinition?.containerDefinitions ?? []).map((c) => [c.name ?? '', c.image ?? '']));
    const targetContainers = target.manifest.spec.taskDefinition.containerDefinitions ?? [];
    const images: ImagePromotion[] = [];
    for (const container of targetContainers) {
      const image = running.get(container.name ?? '');
      if (image === undefined) {
        ctx.stderr.write(`warning: container ${container.name ?? '?'} of ${target.key} does not run in ${from}; its image is left as it is\n`);
        continue;
      }
      if (image !== container.image) images.push({ container: container.name as string, image });
    }
    if (images.length === 0) {
      ctx.stdout.write(`${to} already declares the images ${from} runs for ${service}; nothing to change\n`);
      return 0;
    }
    const file = path.join(dir, target.source.file);
    const text = await readFile(file, 'utf8');
    const edit = writePromotion(text, { documentIndex: documentIndexAt(text, target.source.line), environment: to, images });
    if (edit.changed) await writeFile(file, edit.text);
    for (const { container, image } of images) ctx.stdout.write(`${target.key}: container ${container}: ${image}\n`);
    ctx.stdout.write(`wrote ${path.relative(ctx.cwd, file)} (spec.environments.${to}); review it with git diff and commit it to deploy\n`);
    return 0;
  } finally {
    await connection.close();
  }
}

export const promoteCommand: CommandSpec = {
  name: 'promote',
  summary: 'write the images one environment runs into another environment\'s override (review and commit the change)',
  usage: 'SERVICE [DIR]  (default DIR: ./manifests)',
  maxPositionals: 2,
  usageExitCode: 1,
  flags: [
    { name: 'from', type: 'string', description: 'the environment whose running images are promoted (must be Synced and Healthy)' },
    { name: 'to', type: 'string', description: 'the environment whose override receives them' },
    { name: 'cluster', type: 'string', description: 'the service\'s cluster, when its name is in several' },
    { name: 'region', type: 'string', description: 'default region for manifests without metadata.region (else AWS_REGION, us-east-1)' },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'the controller whose scalable targets are Git\'s' },
  ],
  run,
};
