/**
 * `ecs-gitops render [DIR] [--env NAME] [--output yaml|json] [--resolve]`:
 * every manifest exactly as the controller will apply it (docs/cli.md,
 * "render"): each document that lists environments once per environment
 * (override merged, variables substituted, region, account and cluster from
 * the environment), and every single-target document as it is. Lookups
 * (`${ssm:…}`, `${cfn:…}`) are shown as written, offline; with --resolve
 * they are read as the controller reads them (src/controller/lookups.ts): in
 * each instance's account (through its environment's role) and Region.
 * Exit 0 when rendered, 1 when the manifests have problems (printed as
 * `validate` prints them, on stderr) or a lookup failed (that instance's
 * error on stderr, the others printed), 3 for usage or IO errors (missing
 * directory, unknown --env).
 */
import path from 'node:path';
import { Document } from 'yaml';
import { regionFlagProblem, resolveRegion } from '../../app/region.js';
import { connectForSnapshot } from '../../app/runtime.js';
import { GitopsError, isGitopsError } from '../../errors/index.js';
import { locationOf } from '../../keys/index.js';
import { formatProblem, loadManifests, type LookupUse, type ManifestSnapshot, type SourceLocation } from '../../manifests/index.js';
import type { CommandContext, CommandSpec } from '../command.js';

/** problems: the manifests have problems, or (--resolve) a lookup of some instance failed. */
export const RENDER_EXIT = { rendered: 0, problems: 1, ioError: 3 } as const;

/** One rendered (or single-target) resource, as printed. */
interface RenderedInstance {
  readonly kind: string;
  readonly key: string;
  readonly environment?: string;
  readonly account?: string;
  readonly region: string;
  readonly source: SourceLocation;
  readonly lookups?: readonly LookupUse[];
  readonly manifest: unknown;
  /** --resolve: its lookups were read and are substituted in `manifest`. */
  readonly resolved?: boolean;
}

function instancesOf(snapshot: ManifestSnapshot): RenderedInstance[] {
  const all: RenderedInstance[] = [
    ...snapshot.clusters.map((c) => ({ ...c, kind: 'Cluster' })),
    ...(snapshot.capacityProviders ?? []).map((p) => ({ ...p, kind: 'CapacityProvider' })),
    ...snapshot.services.map((s) => ({ ...s, kind: 'Service' })),
    ...(snapshot.scheduledTasks ?? []).map((t) => ({ ...t, kind: 'ScheduledTask' })),
  ];
  // In file order, a document's environments by name: the output reads like the manifests.
  return all.sort((a, b) =>
    a.source.file.localeCompare(b.source.file)
    || a.source.line - b.source.line
    || a.source.column - b.source.column
    || (a.environment ?? '').localeCompare(b.environment ?? ''));
}

function heading(instance: RenderedInstance): string {
  const where = [
    ...(instance.environment !== undefined ? [`environment ${instance.environment}`] : []),
    ...(instance.account !== undefined ? [`account ${instance.account}`] : []),
    `region ${instance.region}`,
    ...(instance.resolved ? [`lookups resolved: ${[...new Set((instance.lookups ?? []).map((use) => use.lookup.text))].join(', ')}`] : []),
  ].join(', ');
  return `# ${instance.kind} ${instance.key} (${where}) from ${instance.source.file}:${instance.source.line}`;
}

function yamlDocuments(instances: readonly RenderedInstance[]): string {
  return instances.map((instance) => `${heading(instance)}\n${new Document(instance.manifest).toString({ lineWidth: 0 })}`).join('---\n');
}

function jsonReport(instances: readonly RenderedInstance[]): unknown {
  return instances.map((i) => ({
    kind: i.kind,
    key: i.key,
    ...(i.environment !== undefined ? { environment: i.environment } : {}),
    ...(i.account !== undefined ? { account: i.account } : {}),
    region: i.region,
    source: i.source,
    lookups: i.lookups ?? [],
    ...(i.resolved ? { resolved: true } : {}),
    manifest: i.manifest,
  }));
}

/**
 * --resolve: each instance with lookups, its lookups read in its location as
 * the controller reads them (cached, behind each location's buckets, roles
 * from the environments). An instance whose lookups fail is left out, its
 * error returned; nothing else touches AWS.
 */
async function resolveInstances(
  instances: readonly RenderedInstance[], snapshot: ManifestSnapshot, ctx: CommandContext, defaultRegion: string,
): Promise<{ instances: RenderedInstance[]; failures: { instance: RenderedInstance; error: unknown }[] }> {
  if (!instances.some((i) => (i.lookups ?? []).length > 0)) return { instances: [...instances], failures: [] };
  const { connection, lookups: resolver } = await connectForSnapshot(snapshot, { region: defaultRegion, env: ctx.env, controllerId: String(ctx.args.flags['controller-id']) });
  try {
    const outcomes = await Promise.allSettled(instances.map(async (instance): Promise<RenderedInstance> => {
      const lookups = instance.lookups ?? [];
      if (lookups.length === 0) return instance;
      const location = locationOf({ ...(instance.account !== undefined ? { account: instance.account } : {}), region: instance.region });
      return { ...instance, manifest: await resolver.resolve(instance.manifest, lookups, location, ctx.signal), resolved: true };
    }));
    ctx.signal.throwIfAborted();
    const resolved: RenderedInstance[] = [];
    const failures: { instance: RenderedInstance; error: unknown }[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') resolved.push(outcome.value);
      else failures.push({ instance: instances[i] as RenderedInstance, error: outcome.reason });
    });
    return { instances: resolved, failures };
  } finally {
    await connection.close();
  }
}

function failureLine(instance: RenderedInstance, error: unknown): string {
  const what = `${instance.kind} ${instance.key}${instance.environment !== undefined ? ` (environment ${instance.environment})` : ''} from ${instance.source.file}:${instance.source.line}`;
  const why = isGitopsError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return `error ${what}: not printed: ${why}\n`;
}

async function run(ctx: CommandContext): Promise<number> {
  const dir = path.resolve(ctx.cwd, ctx.args.positionals[0] ?? 'manifests');
  const defaultRegion = resolveRegion(ctx.args.flags.region, ctx.env, 'us-east-1');
  const only = typeof ctx.args.flags.env === 'string' ? ctx.args.flags.env : undefined;
  let snapshot: ManifestSnapshot;
  try {
    snapshot = await loadManifests(dir, { defaultRegion, signal: ctx.signal });
  } catch (err) {
    if (isGitopsError(err) && err.code === 'MANIFEST_ROOT_UNREADABLE') {
      ctx.stderr.write(`error ${err.code}: ${err.message}\n`);
      return RENDER_EXIT.ioError;
    }
    throw err;
  }
  if (snapshot.problems.length > 0) {
    for (const problem of snapshot.problems) ctx.stderr.write(`${formatProblem(problem)}\n`);
    ctx.stderr.write(`${snapshot.problems.length} problem${snapshot.problems.length === 1 ? '' : 's'} in ${snapshot.filesWithProblems.size} of ${snapshot.files.length} file${snapshot.files.length === 1 ? '' : 's'}; nothing rendered (ecs-gitops validate says the same)\n`);
    return RENDER_EXIT.problems;
  }
  const environments = (snapshot.environments ?? []).map((e) => e.name);
  if (only !== undefined && !environments.includes(only)) {
    throw new GitopsError(
      'CLI_BAD_FLAG_VALUE',
      `--env: no kind: Environment is named ${JSON.stringify(only)} under ${dir}; ${environments.length > 0 ? `environments: ${environments.join(', ')}` : 'it declares no environments'}`,
      { flag: 'env' },
    );
  }
  const selected = instancesOf(snapshot).filter((i) => only === undefined || i.environment === only);
  const { instances, failures } = ctx.args.flags.resolve === true
    ? await resolveInstances(selected, snapshot, ctx, defaultRegion)
    : { instances: selected, failures: [] };
  ctx.stdout.write(ctx.args.flags.output === 'json' ? `${JSON.stringify(jsonReport(instances), null, 2)}\n` : yamlDocuments(instances));
  for (const { instance, error } of failures) ctx.stderr.write(failureLine(instance, error));
  if (failures.length > 0) {
    ctx.stderr.write(`${failures.length} of ${selected.length} instance${selected.length === 1 ? '' : 's'} not printed: ${failures.length === 1 ? 'its' : 'their'} lookups could not be resolved\n`);
    return RENDER_EXIT.problems;
  }
  return RENDER_EXIT.rendered;
}

export const renderCommand: CommandSpec = {
  name: 'render',
  summary: 'print every manifest as the controller will apply it: each document once per environment it lists (lookups as written, offline; read from AWS with --resolve)',
  usage: '[DIR] [--env NAME] [--output yaml|json] [--resolve]  (default DIR: ./manifests)',
  maxPositionals: 1,
  flags: [
    { name: 'env', type: 'string', description: 'only the instances rendered for this environment (default: every instance, single-target documents too)' },
    {
      name: 'resolve', type: 'boolean', default: false,
      description: 'read each ${ssm:…} and ${cfn:…} as the controller does, in the instance\'s account (its environment\'s role) and Region, and print the values; a failed lookup is that instance\'s error (exit 1, the others printed)',
    },
    { name: 'controller-id', type: 'string', default: 'ecs-gitops', description: 'with --resolve: the controller whose STS session name is used for the environments\' roles' },
    { name: 'output', type: 'string', choices: ['yaml', 'json'], default: 'yaml', description: 'YAML documents, each after a comment naming its kind, key, environment, account, Region and source; or one JSON list' },
    {
      name: 'region',
      type: 'string',
      description: 'region for documents without metadata.region and without environments (else AWS_REGION, AWS_DEFAULT_REGION, us-east-1)',
      validate: regionFlagProblem,
    },
  ],
  usageExitCode: RENDER_EXIT.ioError,
  run,
};
