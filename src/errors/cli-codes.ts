import { defineErrorCodes } from './define.js';

/** Errors in how a command was invoked (exit code 3 for validate, 1 elsewhere). */
export const CLI_ERROR_CODES = defineErrorCodes({
  CLI_UNKNOWN_COMMAND: { title: 'unknown command', hint: 'Run `ecs-gitops --help` for the list of commands.' },
  CLI_UNKNOWN_FLAG: { title: 'unknown flag', hint: 'Check the spelling; the message suggests the closest known flag.' },
  CLI_BAD_FLAG_VALUE: { title: 'a flag or its ECS_GITOPS_* environment twin has an invalid value', hint: 'The message names the flag and the expected form.' },
  CLI_MISSING_FLAG_VALUE: { title: 'a flag that takes a value was given none', hint: 'Write `--flag value` or `--flag=value`.' },
  CLI_TOO_MANY_ARGUMENTS: { title: 'more positional arguments than the command takes', hint: 'See the command\'s --help.' },
  CLI_MISSING_ARGUMENT: { title: 'a required flag or argument is missing', hint: 'See the command\'s --help.' },
  CLI_PROMOTE_REFUSED: { title: '`promote` refused: the source environment is not Synced and Healthy, or the target cannot take the image', hint: 'The message says why; let the source settle (or fix it) and run promote again.' },
  CLI_SERVICE_NOT_DECLARED: { title: '`continue` or `rollback` named a service the manifests do not declare (or whose file has problems)', hint: 'Check the name (the message suggests the closest declared one) and the manifests directory; run `ecs-gitops validate` when its file has problems.' },
  CLI_SERVICE_AMBIGUOUS: { title: 'the service name is declared in several clusters, Regions or environments', hint: 'Pick one with the flags the message names (--cluster, --region, --env).' },
  CLI_NO_DEPLOYMENT_IN_PROGRESS: { title: 'the service has no ECS service deployment in progress to continue or roll back', hint: 'The message says how its last deployment ended. To go back to an earlier version once a deployment has finished, revert the commit in Git; see docs/deployments.md#rollback.' },
  CLI_NO_HOOK_WAITING: { title: '`continue`: no lifecycle hook of the running deployment is waiting for an action', hint: 'The message names the stage and each hook\'s status; only a PAUSE hook in AWAITING_ACTION can be continued (docs/deployments.md#pausing-hooks-and-continue).' },
  CLI_DEPLOYMENTS_API_UNAVAILABLE: { title: 'the ECS endpoint has no service deployments API (moto, an older ECS-compatible endpoint)', hint: 'Use the AWS ECS API (or the ecs-gitops sandbox); elsewhere roll back by reverting the commit in Git (docs/deployments.md#where-ecs-has-no-deployments-api).' },
  CLI_STATUS_UNAVAILABLE: { title: '`status` could not read the controller\'s fleet API: it is unreachable, not an ecs-gitops controller, or answered with an error', hint: 'Start the controller (ecs-gitops run, or npm start) or point --server (or ECS_GITOPS_SERVER) at its --listen address; the message says what answered.' },
  IO_READ_FAILED: { title: 'a file or directory could not be read', hint: 'Check that the path exists and is readable.' },
});
