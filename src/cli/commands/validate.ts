/**
 * `ecs-gitops validate [DIR]`: offline check of every manifest. Prints each
 * problem as `file:line:col: CODE message`, each warning as
 * `file:line:col: warning CODE message`, and a summary; exit 0 when valid
 * (warnings or not), 1 when problems were found, 3 for usage or IO errors (missing directory).
 */
import path from 'node:path';
import { regionFlagProblem, resolveRegion } from '../../app/region.js';
import { isGitopsError } from '../../errors/index.js';
import { formatProblem, formatWarning, loadManifests, sinkNames, type ManifestSnapshot } from '../../manifests/index.js';
import { OUTPUT_FLAG, useColour, type CommandContext, type CommandSpec } from '../command.js';

export const VALIDATE_EXIT = { valid: 0, problems: 1, ioError: 3 } as const;

const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/** Location plain, code bold red: what a terminal user scans for. */
function colourProblem(line: string, code: string): string {
  return line.replace(` ${code} `, ` ${BOLD}${RED}${code}${RESET} `);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function summary(snapshot: ManifestSnapshot): string {
  // Capacity providers are counted when any is declared, so the summary of a Fargate-only repository reads as it always did.
  const providers = snapshot.capacityProviders?.length ?? 0;
  const providerCount = providers > 0 ? plural(providers, 'capacity provider') : undefined;
  const scheduled = snapshot.scheduledTasks?.length ?? 0;
  const scheduledCount = scheduled > 0 ? plural(scheduled, 'scheduled task') : undefined;
  // Environments likewise; services, clusters and scheduled tasks count every rendered instance (one per environment).
  const environments = snapshot.environments?.length ?? 0;
  const environmentCount = environments > 0 ? plural(environments, 'environment') : undefined;
  const notifiers = snapshot.notifiers?.length ?? 0;
  const notifierCount = notifiers > 0 ? plural(notifiers, 'notifier') : undefined;
  const counts = [plural(snapshot.files.length, 'file'), plural(snapshot.services.length, 'service'), plural(snapshot.clusters.length, 'cluster'), providerCount, scheduledCount, environmentCount, notifierCount]
    .filter((c) => c !== undefined).join(', ');
  if (snapshot.files.length === 0) return `valid: no manifest files (*.yaml, *.yml, *.json) under ${snapshot.root}`;
  const warnings = snapshot.warnings?.length ?? 0;
  if (snapshot.problems.length === 0) return `valid: ${counts}${warnings > 0 ? ` (${plural(warnings, 'warning')})` : ''}`;
  const kinds = [plural(snapshot.services.length, 'service'), plural(snapshot.clusters.length, 'cluster'), providerCount, scheduledCount, environmentCount, notifierCount].filter((c) => c !== undefined);
  const valid = `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1] ?? ''} valid`;
  return `${plural(snapshot.problems.length, 'problem')} in ${snapshot.filesWithProblems.size} of ${plural(snapshot.files.length, 'file')}; ${valid}`;
}

/** The environment and account of a rendered instance; nothing for a single-target document (its record reads as it always did). */
function renderedFields(record: { readonly environment?: string; readonly account?: string }): Record<string, string> {
  return { ...(record.environment !== undefined ? { environment: record.environment } : {}), ...(record.account !== undefined ? { account: record.account } : {}) };
}

function jsonReport(snapshot: ManifestSnapshot): unknown {
  return {
    valid: snapshot.problems.length === 0,
    files: snapshot.files,
    services: snapshot.services.map((s) => ({ key: s.key, region: s.region, cluster: s.cluster, name: s.name, ...renderedFields(s), source: s.source, contentHash: s.contentHash })),
    clusters: snapshot.clusters.map((c) => ({ key: c.key, region: c.region, name: c.name, ...renderedFields(c), source: c.source, contentHash: c.contentHash })),
    capacityProviders: (snapshot.capacityProviders ?? []).map((p) => ({ key: p.key, region: p.region, name: p.name, ...renderedFields(p), source: p.source, contentHash: p.contentHash })),
    scheduledTasks: (snapshot.scheduledTasks ?? []).map((t) => ({ key: t.key, region: t.region, cluster: t.cluster, name: t.name, ...renderedFields(t), source: t.source, contentHash: t.contentHash })),
    // Only when there are some: the report of manifests without environments reads as it always did.
    ...((snapshot.environments?.length ?? 0) > 0
      ? { environments: (snapshot.environments ?? []).map((e) => ({ key: e.key, name: e.name, account: e.account, region: e.region, source: e.source, contentHash: e.contentHash })) }
      : {}),
    // Likewise; a sink by its name and type only: its other fields may name where a secret is kept.
    ...((snapshot.notifiers?.length ?? 0) > 0
      ? { notifiers: (snapshot.notifiers ?? []).map((n) => ({ key: n.key, name: n.name, sinks: sinkNames(n.manifest.spec).map((name, i) => ({ name, type: n.manifest.spec.sinks[i]?.type })), source: n.source, contentHash: n.contentHash })) }
      : {}),
    problems: snapshot.problems,
    warnings: snapshot.warnings ?? [],
  };
}

async function run(ctx: CommandContext): Promise<number> {
  const dir = path.resolve(ctx.cwd, ctx.args.positionals[0] ?? 'manifests');
  const defaultRegion = resolveRegion(ctx.args.flags.region, ctx.env, 'us-east-1');
  let snapshot: ManifestSnapshot;
  try {
    snapshot = await loadManifests(dir, { defaultRegion, signal: ctx.signal });
  } catch (err) {
    if (isGitopsError(err) && err.code === 'MANIFEST_ROOT_UNREADABLE') {
      ctx.stderr.write(`error ${err.code}: ${err.message}\n`);
      return VALIDATE_EXIT.ioError;
    }
    throw err;
  }
  if (ctx.args.flags.output === 'json') {
    ctx.stdout.write(`${JSON.stringify(jsonReport(snapshot), null, 2)}\n`);
  } else {
    const colour = useColour(ctx.stdout, ctx.env);
    for (const problem of snapshot.problems) {
      ctx.stdout.write(colour ? `${colourProblem(formatProblem(problem), problem.code)}\n` : `${formatProblem(problem)}\n`);
    }
    // Warnings do not change the exit code: the file is valid and is applied.
    for (const warning of snapshot.warnings ?? []) {
      const line = formatWarning(warning);
      ctx.stdout.write(colour ? `${line.replace(` warning ${warning.code} `, ` ${YELLOW}warning ${warning.code}${RESET} `)}\n` : `${line}\n`);
    }
    const text = summary(snapshot);
    ctx.stdout.write(colour ? `${snapshot.problems.length === 0 ? GREEN : RED}${text}${RESET}\n` : `${text}\n`);
  }
  return snapshot.problems.length === 0 ? VALIDATE_EXIT.valid : VALIDATE_EXIT.problems;
}

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'check every manifest offline; print each problem as file:line:col: CODE message',
  usage: '[DIR]  (default: ./manifests)',
  maxPositionals: 1,
  flags: [
    OUTPUT_FLAG,
    {
      name: 'region',
      type: 'string',
      description: 'region for manifests without metadata.region (else AWS_REGION, AWS_DEFAULT_REGION, us-east-1)',
      validate: regionFlagProblem,
    },
  ],
  usageExitCode: VALIDATE_EXIT.ioError,
  run,
};
