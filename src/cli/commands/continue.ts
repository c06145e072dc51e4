/**
 * `ecs-gitops continue SERVICE [DIR] [--action continue|rollback]`: answers
 * the lifecycle hook that holds the service's running deployment (a PAUSE
 * hook in AWAITING_ACTION) with ContinueServiceDeployment, so the deployment
 * goes on to its next stage, or rolls back (docs/deployments.md, "Pausing
 * hooks and continue"). Exit 0 when ECS took the answer; 1 with a named code
 * when there is nothing to answer (CLI_NO_DEPLOYMENT_IN_PROGRESS,
 * CLI_NO_HOOK_WAITING), the name does not pick one service
 * (CLI_SERVICE_NOT_DECLARED, CLI_SERVICE_AMBIGUOUS) or the endpoint has no
 * deployments API (CLI_DEPLOYMENTS_API_UNAVAILABLE).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { GitopsError } from '../../errors/index.js';
import type { CommandContext, CommandSpec } from '../command.js';
import {
  ACTIVE_STATUSES, HELD_AS_FAILED, RUNNING_FORWARD, TARGET_FLAGS, describeInstance, finishedSentence, iso, resolveDeploymentTarget,
} from './service-deployment-target.js';

function hookList(hooks: readonly ECS.DeploymentLifecycleHookDetail[]): string {
  return hooks.length === 0 ? 'it has no lifecycle hooks' : `hooks: ${hooks.map((h) => `${h.hookId ?? '?'} ${h.targetType ?? ''} ${h.status ?? '?'}`.replace(/\s+/g, ' ')).join(', ')}`;
}

/** The AWAITING_ACTION hook to answer: the one waiting, or the one --hook names among those waiting. */
function waitingHook(deployment: ECS.ServiceDeployment, wanted: string | undefined, who: string): ECS.DeploymentLifecycleHookDetail {
  const hooks = deployment.lifecycleHookDetails ?? [];
  const waiting = hooks.filter((h) => h.status === 'AWAITING_ACTION');
  const where = `deployment ${deployment.serviceDeploymentArn ?? '?'} is ${deployment.status ?? '?'} at stage ${deployment.lifecycleStage ?? 'unknown'}`;
  if (wanted !== undefined) {
    const named = waiting.find((h) => h.hookId === wanted);
    if (named) return named;
    throw new GitopsError('CLI_NO_HOOK_WAITING', `${who}: no hook ${wanted} is waiting for an action: ${where} (${hookList(hooks)})`, { hookId: wanted });
  }
  if (waiting.length === 1) return waiting[0] as ECS.DeploymentLifecycleHookDetail;
  if (waiting.length > 1) {
    throw new GitopsError('CLI_NO_HOOK_WAITING', `${who}: ${waiting.length} hooks are waiting at stage ${deployment.lifecycleStage ?? 'unknown'}: ${waiting.map((h) => h.hookId ?? '?').join(', ')}; name one with --hook`, {});
  }
  throw new GitopsError('CLI_NO_HOOK_WAITING', `${who}: no lifecycle hook is waiting for an action: ${where} (${hookList(hooks)})`, {});
}

async function run(ctx: CommandContext): Promise<number> {
  const action = ctx.args.flags.action === 'rollback' ? 'ROLLBACK' : 'CONTINUE';
  const wantedHook = typeof ctx.args.flags.hook === 'string' ? ctx.args.flags.hook : undefined;
  const { instance, ecs, connection, deployment } = await resolveDeploymentTarget(ctx, 'continue');
  try {
    const who = describeInstance(instance);
    if (!deployment) throw new GitopsError('CLI_NO_DEPLOYMENT_IN_PROGRESS', `${who}: no service deployment in progress; ECS lists none for it`, { key: instance.key });
    if (!RUNNING_FORWARD.has(deployment.status ?? '')) {
      const state = ACTIVE_STATUSES.has(deployment.status ?? '')
        ? `its deployment ${deployment.serviceDeploymentArn ?? '?'} is already ${deployment.status ?? '?'}${deployment.rollback?.reason ? ` (${deployment.rollback.reason})` : ''}`
        : finishedSentence(deployment);
      throw new GitopsError('CLI_NO_DEPLOYMENT_IN_PROGRESS', `${who}: no deployment in progress to continue: ${state}`, { key: instance.key });
    }
    const hook = waitingHook(deployment, wantedHook, who);
    const arn = deployment.serviceDeploymentArn as string;
    const stage = deployment.lifecycleStage ?? 'unknown';
    await ecs.send('ContinueServiceDeployment', { serviceDeploymentArn: arn, hookId: hook.hookId, action }, ctx.signal);
    const next = action === 'CONTINUE'
      ? `ECS goes on from stage ${stage} to the next lifecycle stage; the controller's status follows it (ecs-gitops status API, docs/deployments.md).`
      : `ECS rolls the deployment back to the previous revision (ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL). ${HELD_AS_FAILED}`;
    if (ctx.args.flags.output === 'json') {
      ctx.stdout.write(`${JSON.stringify({
        key: instance.key, ...(instance.environment !== undefined ? { environment: instance.environment } : {}),
        serviceDeploymentArn: arn, lifecycleStage: stage, hookId: hook.hookId, action,
        ...(hook.expiresAt ? { hookExpiresAt: hook.expiresAt.toISOString() } : {}), next,
      }, null, 2)}\n`);
      return 0;
    }
    const verb = action === 'CONTINUE' ? 'continued' : 'rolled back (hook answered ROLLBACK)';
    ctx.stdout.write(`${who}: ${verb} service deployment ${arn}\n`);
    ctx.stdout.write(`  stage ${stage}, hook ${hook.hookId ?? '?'}${hook.targetType ? ` (${hook.targetType})` : ''}, waiting until ${iso(hook.expiresAt)}${hook.timeoutAction ? ` (then ${hook.timeoutAction})` : ''}\n`);
    ctx.stdout.write(`next: ${next}\n`);
    return 0;
  } finally {
    await connection.close();
  }
}

export const continueCommand: CommandSpec = {
  name: 'continue',
  summary: 'answer the lifecycle hook that holds a service\'s deployment (ContinueServiceDeployment): go on, or --action rollback',
  usage: 'SERVICE [DIR]  (default DIR: ./manifests)',
  maxPositionals: 2,
  usageExitCode: 1,
  flags: [
    { name: 'action', type: 'string', choices: ['continue', 'rollback'], default: 'continue', description: 'continue: the deployment goes on to its next stage; rollback: ECS rolls it back' },
    { name: 'hook', type: 'string', description: 'the hookId to answer, when several hooks wait at once (DescribeServiceDeployments lists them)' },
    ...TARGET_FLAGS,
  ],
  run,
};
