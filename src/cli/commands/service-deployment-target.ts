/**
 * What `ecs-gitops continue` and `ecs-gitops rollback` share: SERVICE (with
 * --cluster, --region, --env) resolved to the one instance the manifests
 * declare, read in its own account and Region as diff and promote read it
 * (connectForSnapshot), and that service's current ECS service deployment
 * (DescribeServices -> currentServiceDeployment -> DescribeServiceDeployments;
 * docs/deployments.md).
 */
import path from 'node:path';
import type * as ECS from '@aws-sdk/client-ecs';
import { connectForSnapshot, printProblems, readSnapshot, resolveRegion, type EcsConnection } from '../../app/runtime.js';
import { operationMissingReason } from '../../ecs/aws-error.js';
import type { EcsApi } from '../../ecs/ecs-api.js';
import { GitopsError } from '../../errors/index.js';
import { locationOf } from '../../keys/index.js';
import type { DesiredService, ManifestSnapshot } from '../../manifests/types.js';
import { closestMatch } from '../../util/did-you-mean.js';
import { OUTPUT_FLAG, type CommandContext } from '../command.js';
import { checkEnvironmentFlag } from '../environment-flag.js';
import type { FlagSpec } from '../flags.js';

/** The flags both commands take to pick one declared instance and to reach it. */
export const TARGET_FLAGS: readonly FlagSpec[] = [
  { name: 'cluster', type: 'string', description: 'the service\'s cluster, when its name is declared in several' },
  { name: 'region', type: 'string', description: 'the service\'s Region, when its name is declared in several; also the default Region of manifests without metadata.region (else AWS_REGION, us-east-1)' },
  { name: 'env', type: 'string', description: 'the environment (kind: Environment) whose instance of the service is meant, when it is rendered for several' },
  { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'the controller whose STS session name is used for the environments\' roles' },
  OUTPUT_FLAG,
];

/**
 * Statuses of a deployment ECS is still working on. PENDING and IN_PROGRESS
 * can be stopped or continued; the others are already on their way back or to
 * a stop (docs/deployments.md, "Statuses").
 */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']);
export const RUNNING_FORWARD: ReadonlySet<string> = new Set(['PENDING', 'IN_PROGRESS']);

export interface DeploymentTarget {
  readonly instance: DesiredService;
  readonly ecs: EcsApi;
  readonly connection: EcsConnection;
  /** The current service deployment; undefined when the service has none. */
  readonly deployment: ECS.ServiceDeployment | undefined;
}

/** What the user typed, to name the instance in messages: `key (environment E)`. */
export function describeInstance(instance: DesiredService): string {
  return `${instance.key}${instance.environment !== undefined ? ` (environment ${instance.environment})` : ''}`;
}

/**
 * The one instance of SERVICE the flags select. None: CLI_SERVICE_NOT_DECLARED
 * (with the closest declared name); several: CLI_SERVICE_AMBIGUOUS naming the
 * flags that tell them apart.
 */
export function selectInstance(snapshot: ManifestSnapshot, service: string, filters: { cluster?: string; region?: string; env?: string }): DesiredService {
  if (filters.env !== undefined) checkEnvironmentFlag(snapshot, filters.env, 'env');
  const named = snapshot.services.filter((s) => s.name === service);
  const matches = named.filter((s) => (filters.cluster === undefined || s.cluster === filters.cluster)
    && (filters.region === undefined || s.region === filters.region)
    && (filters.env === undefined || s.environment === filters.env));
  if (matches.length === 1) return matches[0] as DesiredService;
  if (matches.length === 0) {
    const narrowed = [
      filters.cluster !== undefined ? `cluster ${filters.cluster}` : undefined,
      filters.region !== undefined ? `Region ${filters.region}` : undefined,
      filters.env !== undefined ? `environment ${filters.env}` : undefined,
    ].filter((part): part is string => part !== undefined);
    if (named.length > 0) {
      throw new GitopsError('CLI_SERVICE_NOT_DECLARED', `service "${service}" is not declared in ${narrowed.join(', ')}; it is declared as ${named.map(describeInstance).join(', ')}`, { service });
    }
    const blocked = [...snapshot.blockedKeys].some((key) => key.endsWith(`/${service}`));
    const suggestion = closestMatch(service, new Set(snapshot.services.map((s) => s.name)));
    throw new GitopsError('CLI_SERVICE_NOT_DECLARED', `no service "${service}" in the manifests${suggestion ? ` (did you mean "${suggestion}"?)` : ''}${blocked ? '; a file that declares it has problems: run ecs-gitops validate' : ''}`, { service });
  }
  const differ = (pick: (s: DesiredService) => string | undefined) => new Set(matches.map(pick)).size > 1;
  const flags = [
    differ((s) => s.cluster) ? '--cluster' : undefined,
    differ((s) => s.region) ? '--region' : undefined,
    // An environment decides the account: two accounts are told apart by --env.
    differ((s) => s.environment) || differ((s) => s.account) ? '--env' : undefined,
  ].filter((flag): flag is string => flag !== undefined);
  throw new GitopsError('CLI_SERVICE_AMBIGUOUS', `service "${service}" is declared ${matches.length} times: ${matches.map(describeInstance).join(', ')}; pick one with ${flags.join(' or ')}`, { service, flags });
}

function unavailable(instance: DesiredService, detail: string): GitopsError {
  return new GitopsError('CLI_DEPLOYMENTS_API_UNAVAILABLE',
    `${describeInstance(instance)}: the ECS endpoint has no service deployments API (${detail}); moto and ECS-compatible endpoints older than October 2024 have none. `
    + 'Nothing was changed; to go back to an earlier version, revert the commit in Git.', { key: instance.key });
}

/** Calls one deployments API operation, turning "the endpoint does not know it" into CLI_DEPLOYMENTS_API_UNAVAILABLE. */
async function deploymentsCall<T>(instance: DesiredService, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const missing = operationMissingReason(error);
    if (missing !== undefined) throw unavailable(instance, `${operation}: ${missing}`);
    throw error;
  }
}

async function currentDeployment(ecs: EcsApi, instance: DesiredService, signal: AbortSignal): Promise<ECS.ServiceDeployment | undefined> {
  const described = await ecs.send('DescribeServices', { cluster: instance.cluster, services: [instance.name] }, signal);
  const live = described.services?.find((s) => s.status !== 'INACTIVE');
  if (!live) {
    throw new GitopsError('CLI_NO_DEPLOYMENT_IN_PROGRESS', `${describeInstance(instance)} does not exist in ECS${described.failures?.[0]?.reason ? ` (${described.failures[0].reason})` : ''}: nothing is deploying; the controller (or ecs-gitops sync) creates it`, { key: instance.key });
  }
  let arn = live.currentServiceDeployment;
  if (arn === undefined) {
    // Services whose last deployment predates the deployments API have no current one; an endpoint
    // without the API (moto) never sets it. ListServiceDeployments tells the two apart.
    const listed = await deploymentsCall(instance, 'ListServiceDeployments', () => ecs.send('ListServiceDeployments', { cluster: instance.cluster, service: instance.name }, signal));
    const newest = [...(listed.serviceDeployments ?? [])].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
    arn = newest?.serviceDeploymentArn;
    if (arn === undefined) return undefined;
  }
  const deployments = await deploymentsCall(instance, 'DescribeServiceDeployments', () => ecs.send('DescribeServiceDeployments', { serviceDeploymentArns: [arn] }, signal));
  const deployment = deployments.serviceDeployments?.[0];
  if (!deployment) {
    const reason = deployments.failures?.[0]?.reason;
    throw new GitopsError('CLI_NO_DEPLOYMENT_IN_PROGRESS', `${describeInstance(instance)}: ECS does not describe its current deployment ${arn}${reason ? ` (${reason})` : ''}`, { key: instance.key });
  }
  return deployment;
}

/**
 * Reads the manifests in DIR, picks the instance, connects to its account and
 * Region and reads its current service deployment. The caller closes
 * `connection` (also when it throws after this returns).
 */
export async function resolveDeploymentTarget(ctx: CommandContext, command: string): Promise<DeploymentTarget> {
  const service = ctx.args.positionals[0];
  if (!service) throw new GitopsError('CLI_MISSING_ARGUMENT', `${command} needs the SERVICE name: ecs-gitops ${command} SERVICE [DIR] [--cluster C] [--region R] [--env E]`);
  const flags = ctx.args.flags;
  const dir = path.resolve(ctx.cwd, ctx.args.positionals[1] ?? 'manifests');
  const region = resolveRegion(flags.region, ctx.env, 'us-east-1');
  const snapshot = await readSnapshot(dir, region, ctx.signal, ctx.cwd);
  // Problems elsewhere do not stop a person from acting on a deployment; they are shown, and a
  // service whose own file has problems is not declared (selectInstance says so).
  if (snapshot.problems.length > 0) printProblems(snapshot, ctx.stderr);
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const instance = selectInstance(snapshot, service, { cluster: str(flags.cluster), region: str(flags.region), env: str(flags.env) });
  const { connection } = await connectForSnapshot(snapshot, { region, env: ctx.env, controllerId: String(flags['controller-id']) });
  try {
    const ecs = connection.ecsFor(locationOf(instance));
    const deployment = await currentDeployment(ecs, instance, ctx.signal);
    return { instance, ecs, connection, deployment };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

export function iso(date: Date | undefined): string {
  return date ? date.toISOString() : 'an unknown time';
}

/** "the last deployment <arn> finished <status> at T": why there is nothing to act on. */
export function finishedSentence(deployment: ECS.ServiceDeployment): string {
  const at = deployment.finishedAt ?? deployment.stoppedAt ?? deployment.updatedAt;
  return `the last deployment ${deployment.serviceDeploymentArn ?? '?'} finished ${deployment.status ?? 'UNKNOWN'} at ${iso(at)}`;
}

/**
 * The GitOps consequence of a rollback, said the same way by both commands (docs/deployments.md#rollback).
 * The hold lives in the memory of the controller following the rollout: one that restarted since the
 * deployment started, or none following it, holds nothing and applies Git's content again.
 */
export const HELD_AS_FAILED = 'GitOps: a controller following this rollout holds this Git content as failed and does not apply it again until the manifest changes; '
  + 'only while it follows it: a controller restarted since the deployment started (or not following it) holds nothing and applies the content again on its next pass. '
  + 'Git is still the truth: fix forward (commit a corrected manifest) or revert the commit.';
