/**
 * `ecs-gitops diff [DIR]`: read live ECS and print what applying the manifests
 * would change, per service, secrets masked. Exit 0 no changes, 2 changes,
 * 1 error (including manifest problems, which are printed first).
 */
import path from 'node:path';
import { systemClock } from '../../util/clock.js';
import { diffAgainstLive } from '../../controller/live-diff.js';
import { connectEcs, printProblems, printWarnings, readSnapshot, resolveRegion } from '../../app/runtime.js';
import { diffJson, renderDiffText, summarize } from '../../diff/index.js';
import { OUTPUT_FLAG, useColour, type CommandContext, type CommandSpec } from '../command.js';
import { MASK_FLAGS, maskOptionsFrom } from '../config-flags.js';

export const DIFF_EXIT = { inSync: 0, error: 1, changes: 2 } as const;

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
    ctx.stderr.write(`${snapshot.problems.length} manifest problem(s): services declared in those files are not compared\n`);
  }
  const connection = await connectEcs({ region, env: ctx.env });
  try {
    const { results, images, imageProblems, unverifiedImages } = await diffAgainstLive(selected.filter((s) => !snapshot.blockedKeys.has(s.key)), {
      ecs: (r) => connection.ecsFor(r), ecr: (r) => connection.ecrFor(r), scaling: (r) => connection.scalingFor(r),
      controllerId: String(ctx.args.flags['controller-id']), clock: systemClock, signal: ctx.signal,
    });
    for (const problem of imageProblems) ctx.stderr.write(`error ${problem.code}: ${problem.message}\n`);
    // Not an error (applying deploys them, as ECS pulls them with the task's execution role), but said, as the controller says it.
    for (const image of unverifiedImages) {
      ctx.stderr.write(`warning ${image.key}: container ${image.container} image ${image.image} cannot be verified and would be deployed as written: ${image.reason}\n`);
    }
    if (ctx.args.flags.output === 'json') {
      ctx.stdout.write(`${JSON.stringify({ revision: snapshot.revision, ...diffJson(results, mask), ...(images.length > 0 ? { images } : {}), ...(unverifiedImages.length > 0 ? { unverifiedImages } : {}) }, null, 2)}\n`);
    } else {
      ctx.stdout.write(renderDiffText(results, { ...mask, colour: useColour(ctx.stdout, ctx.env) }));
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
    return summary.outOfSync + summary.missing > 0 ? DIFF_EXIT.changes : DIFF_EXIT.inSync;
  } finally {
    await connection.close();
  }
}

export const diffCommand: CommandSpec = {
  name: 'diff',
  summary: 'show what would change in live ECS (exit 0 none, 2 changes, 1 error)',
  usage: '[DIR]  (default: ./manifests)',
  maxPositionals: 1,
  usageExitCode: 1,
  flags: [
    { name: 'cluster', type: 'string', description: 'only services in this cluster' },
    { name: 'service', type: 'string', description: 'only services with this name' },
    { name: 'region', type: 'string', description: 'default region for manifests without metadata.region (else AWS_REGION, us-east-1)' },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'the controller whose scalable targets are Git\'s (the service tag ecs-gitops/autoscaling)' },
    ...MASK_FLAGS,
    OUTPUT_FLAG,
  ],
  run,
};
