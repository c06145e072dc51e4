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
  IO_READ_FAILED: { title: 'a file or directory could not be read', hint: 'Check that the path exists and is readable.' },
});
