/** The shape every subcommand implements; main.ts only dispatches. */
import type { Writable } from 'node:stream';
import type { FlagSpec, ParsedArgs } from './flags.js';

export interface CommandContext {
  readonly args: ParsedArgs;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM; long-running commands drain and return. */
  readonly signal: AbortSignal;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** e.g. "[DIR]" */
  readonly usage: string;
  readonly maxPositionals: number;
  readonly flags: readonly FlagSpec[];
  /** Exit code for usage errors (validate uses 3, see docs/cli.md#flags-environment-and-output). */
  readonly usageExitCode: number;
  run(ctx: CommandContext): Promise<number>;
}

/** Flags every command accepts. */
export const OUTPUT_FLAG: FlagSpec = {
  name: 'output',
  type: 'string',
  choices: ['text', 'json'],
  default: 'text',
  description: 'output format',
};

export function useColour(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(stream.isTTY) && env.NO_COLOR === undefined;
}
