/**
 * `ecs-gitops rollback SERVICE [DIR]`: stops the service's running deployment
 * with StopServiceDeployment(stopType ROLLBACK), so ECS returns the service to
 * the revision it ran before. A temporary override of Git: the controller
 * holds the Git content that deployment rolled out as failed until the
 * manifest changes (docs/deployments.md, "How it fits GitOps"). Exit 0 when
 * ECS took the request; 1 with a named code when nothing runs
 * (CLI_NO_DEPLOYMENT_IN_PROGRESS), the name does not pick one service or the
 * endpoint has no deployments API.
 */
import { GitopsError } from '../../errors/index.js';
import type { CommandContext, CommandSpec } from '../command.js';
import {
  ACTIVE_STATUSES, HELD_AS_FAILED, RUNNING_FORWARD, TARGET_FLAGS, describeInstance, finishedSentence, resolveDeploymentTarget,
} from './service-deployment-target.js';

const REVERT_IN_GIT = 'to go back, revert the commit in Git';

async function run(ctx: CommandContext): Promise<number> {
  const { instance, ecs, connection, deployment } = await resolveDeploymentTarget(ctx, 'rollback');
  try {
    const who = describeInstance(instance);
    if (!deployment) throw new GitopsError('CLI_NO_DEPLOYMENT_IN_PROGRESS', `${who}: nothing to roll back: ECS lists no service deployment for it; ${REVERT_IN_GIT}`, { key: instance.key });
    if (!RUNNING_FORWARD.has(deployment.status ?? '')) {
      const why = ACTIVE_STATUSES.has(deployment.status ?? '')
        ? `its deployment ${deployment.serviceDeploymentArn ?? '?'} is already ${deployment.status ?? '?'}${deployment.rollback?.reason ? ` (${deployment.rollback.reason})` : ''}`
        : `${finishedSentence(deployment)}; ${REVERT_IN_GIT}`;
      throw new GitopsError('CLI_NO_DEPLOYMENT_IN_PROGRESS', `${who}: nothing to roll back: ${why}`, { key: instance.key });
    }
    const arn = deployment.serviceDeploymentArn as string;
    const stage = deployment.lifecycleStage ?? 'unknown';
    await ecs.send('StopServiceDeployment', { serviceDeploymentArn: arn, stopType: 'ROLLBACK' }, ctx.signal);
    const previous = deployment.sourceServiceRevisions?.[0]?.arn;
    const next = `ECS rolls back to ${previous ? `revision ${previous}` : 'the previous revision'} (ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL). ${HELD_AS_FAILED}`;
    if (ctx.args.flags.output === 'json') {
      ctx.stdout.write(`${JSON.stringify({
        key: instance.key, ...(instance.environment !== undefined ? { environment: instance.environment } : {}),
        serviceDeploymentArn: arn, lifecycleStage: stage, status: deployment.status, stopType: 'ROLLBACK',
        ...(previous ? { rollbackTo: previous } : {}), next,
      }, null, 2)}\n`);
      return 0;
    }
    ctx.stdout.write(`${who}: rollback requested for service deployment ${arn}\n`);
    ctx.stdout.write(`  it was ${deployment.status ?? '?'} at stage ${stage}${deployment.targetServiceRevision?.arn ? `, rolling out ${deployment.targetServiceRevision.arn}` : ''}\n`);
    ctx.stdout.write(`next: ${next}\n`);
    return 0;
  } finally {
    await connection.close();
  }
}

export const rollbackCommand: CommandSpec = {
  name: 'rollback',
  summary: 'roll a service\'s running deployment back (StopServiceDeployment ROLLBACK); a controller following it then holds Git\'s content as failed until it changes',
  usage: 'SERVICE [DIR]  (default DIR: ./manifests)',
  maxPositionals: 2,
  usageExitCode: 1,
  flags: [...TARGET_FLAGS],
  run,
};
