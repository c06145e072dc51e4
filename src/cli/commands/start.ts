/**
 * `npm start`: the quick start. Until the controller lands this only
 * validates the repository's manifests/ and says so.
 */
import path from 'node:path';
import type { CommandSpec } from '../command.js';
import { validateCommand } from './validate.js';
import { parseArgs } from '../flags.js';

export const startCommand: CommandSpec = {
  name: 'start',
  summary: 'the quick start (currently: validate manifests/)',
  usage: '[DIR]',
  maxPositionals: 1,
  flags: [],
  usageExitCode: 3,
  async run(ctx) {
    const dir = ctx.args.positionals[0] ?? path.join(ctx.cwd, 'manifests');
    ctx.stdout.write(`ecs-gitops quick start: this version only validates ${dir} (the controller and sandbox are not built yet).\n`);
    const args = parseArgs([dir], validateCommand.flags, {}, validateCommand.maxPositionals);
    return validateCommand.run({ ...ctx, args });
  },
};
