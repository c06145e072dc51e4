import { GitopsError } from '../../errors/index.js';
import type { CommandSpec } from '../command.js';

/** Placeholder for commands whose issue has not landed; says so plainly and fails. */
export function notImplemented(name: string, summary: string): CommandSpec {
  return {
    name,
    summary,
    usage: '',
    maxPositionals: 10,
    flags: [],
    usageExitCode: 1,
    run: () => Promise.reject(new GitopsError('CLI_NOT_IMPLEMENTED', `\`ecs-gitops ${name}\` is not implemented yet in this version`)),
  };
}
