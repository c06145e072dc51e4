/**
 * `ecs-gitops render [DIR] [--env NAME] [--output yaml|json]`: every manifest
 * exactly as the controller will apply it (docs/cli.md, "render"): each
 * document that lists environments once per environment (override merged,
 * variables substituted, region, account and cluster from the environment),
 * and every single-target document as it is. Lookups (`${ssm:…}`,
 * `${cfn:…}`) are shown as written. Offline. Exit 0 when rendered, 1 when the
 * manifests have problems (printed as `validate` prints them, on stderr), 3
 * for usage or IO errors (missing directory, unknown --env).
 */
import path from 'node:path';
import { Document } from 'yaml';
import { resolveRegion } from '../../app/region.js';
import { GitopsError, isGitopsError } from '../../errors/index.js';
import { formatProblem, loadManifests, type LookupUse, type ManifestSnapshot, type SourceLocation } from '../../manifests/index.js';
import type { CommandContext, CommandSpec } from '../command.js';

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
    manifest: i.manifest,
  }));
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
  const instances = instancesOf(snapshot).filter((i) => only === undefined || i.environment === only);
  ctx.stdout.write(ctx.args.flags.output === 'json' ? `${JSON.stringify(jsonReport(instances), null, 2)}\n` : yamlDocuments(instances));
  return RENDER_EXIT.rendered;
}

export const renderCommand: CommandSpec = {
  name: 'render',
  summary: 'print every manifest as the controller will apply it: each document once per environment it lists (lookups as written); offline',
  usage: '[DIR] [--env NAME] [--output yaml|json]  (default DIR: ./manifests)',
  maxPositionals: 1,
  flags: [
    { name: 'env', type: 'string', description: 'only the instances rendered for this environment (default: every instance, single-target documents too)' },
    { name: 'output', type: 'string', choices: ['yaml', 'json'], default: 'yaml', description: 'YAML documents, each after a comment naming its kind, key, environment, account, Region and source; or one JSON list' },
    {
      name: 'region',
      type: 'string',
      description: 'region for documents without metadata.region and without environments (else AWS_REGION, AWS_DEFAULT_REGION, us-east-1)',
      validate: (value) =>
        value === undefined || (typeof value === 'string' && /^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(value))
          ? undefined
          : `expected a region name such as eu-west-1, got ${JSON.stringify(value)}`,
    },
  ],
  usageExitCode: RENDER_EXIT.ioError,
  run,
};
