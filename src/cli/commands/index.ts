/**
 * The command table. Modules load lazily so `ecs-gitops validate` does not pay
 * for the AWS SDK or the sandbox.
 */
import type { CommandSpec } from '../command.js';

export const COMMAND_LOADERS: Readonly<Record<string, { summary: string; load: () => Promise<CommandSpec> }>> = {
  validate: { summary: 'check every manifest offline', load: async () => (await import('./validate.js')).validateCommand },
  render: { summary: 'print every manifest as it will be applied, once per environment', load: async () => (await import('./render.js')).renderCommand },
  diff: { summary: 'show what would change in live ECS', load: async () => (await import('./diff.js')).diffCommand },
  sync: { summary: 'apply once and exit', load: async () => (await import('./sync.js')).syncCommand },
  run: { summary: 'run the controller until stopped', load: async () => (await import('./run.js')).runCommand },
  status: { summary: 'print the fleet table of a running controller (exit 0 all Synced and Healthy, 1 not, 2 could not read it)', load: async () => (await import('./status.js')).statusCommand },
  'run-task': { summary: 'run a one-off task from a service\'s definition and exit with its exit code', load: async () => (await import('./run-task.js')).runTaskCommand },
  continue: { summary: 'answer the lifecycle hook that holds a service\'s deployment: go on (or --action rollback)', load: async () => (await import('./continue.js')).continueCommand },
  rollback: { summary: 'roll a service\'s running deployment back; a controller following it holds Git\'s content as failed until it changes', load: async () => (await import('./rollback.js')).rollbackCommand },
  promote: { summary: 'write the images one environment runs into another\'s override (review and commit)', load: async () => (await import('./promote.js')).promoteCommand },
  export: { summary: 'write manifests for existing services', load: async () => (await import('./export.js')).exportCommand },
  sandbox: { summary: 'serve the embedded ECS/ECR sandbox', load: async () => (await import('./sandbox.js')).sandboxCommand },
  start: { summary: 'the quick start: controller on manifests/ against an in-process sandbox', load: async () => (await import('./start.js')).startCommand },
};
