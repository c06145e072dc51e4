/**
 * Entry point shared by the bin and tests: parse the subcommand, its flags
 * (with ECS_GITOPS_* twins), run it, and map errors to exit codes. Nothing here
 * calls process.exit, so tests can run the CLI in-process.
 */
import { GitopsError, isGitopsError, type ErrorCode } from '../errors/index.js';
import { closestMatch } from '../util/did-you-mean.js';
import { VERSION } from '../version.js';
import type { CommandContext } from './command.js';
import { COMMAND_LOADERS } from './commands/index.js';
import { parseArgs, renderFlagHelp } from './flags.js';

export interface CliIo {
  readonly stdout: CommandContext['stdout'];
  readonly stderr: CommandContext['stderr'];
  readonly env: CommandContext['env'];
  readonly cwd: string;
  readonly signal: AbortSignal;
}

const USAGE_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CLI_UNKNOWN_COMMAND', 'CLI_UNKNOWN_FLAG', 'CLI_BAD_FLAG_VALUE', 'CLI_MISSING_FLAG_VALUE',
  'CLI_TOO_MANY_ARGUMENTS', 'CLI_MISSING_ARGUMENT',
]);

function topLevelHelp(): string {
  const names = Object.keys(COMMAND_LOADERS);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `ecs-gitops ${VERSION}: a GitOps controller for Amazon ECS`,
    '',
    'Usage: ecs-gitops <command> [flags]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}${COMMAND_LOADERS[n]?.summary ?? ''}`),
    '',
    'Run `ecs-gitops <command> --help` for a command\'s flags.',
    'Every flag has an environment twin: --resync 60s is ECS_GITOPS_RESYNC=60s.',
    'AWS settings come from the standard SDK chain (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_ECS, ...).',
    '',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(topLevelHelp());
    return first === undefined ? 3 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMAND_LOADERS[first];
  if (!entry) {
    const suggestion = closestMatch(first, Object.keys(COMMAND_LOADERS));
    io.stderr.write(`error CLI_UNKNOWN_COMMAND: unknown command ${JSON.stringify(first)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}\n`);
    return 3;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: ecs-gitops ${command.name} ${command.usage}\n\n${command.summary}\n\nFlags:\n${renderFlagHelp(command.flags)}\n`);
    return 0;
  }
  try {
    const args = parseArgs(rest, command.flags, io.env, command.maxPositionals);
    return await command.run({ ...io, args });
  } catch (err) {
    if (isGitopsError(err)) {
      io.stderr.write(`error ${err.code}: ${err.message}\n`);
      return USAGE_ERROR_CODES.has(err.code) ? command.usageExitCode : 1;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`error: ${message}\n`);
    return 1;
  }
}

export { GitopsError };
