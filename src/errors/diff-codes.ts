import { defineErrorCodes } from './define.js';

/** User-facing errors of the diff and plan areas. */
export const DIFF_ERROR_CODES = defineErrorCodes({
  DIFF_REQUIRES_REPLACEMENT: {
    title: 'the manifest changes a field ECS cannot update in place (launchType, schedulingStrategy, role, ...)',
    hint: 'Revert the field, or create the service under a new name and delete the old one yourself; the controller never deletes and re-creates a service.',
  },
  DIFF_OWNED_BY_OTHER_CONTROLLER: {
    title: 'the live service is tagged ecs-gitops/managed-by with another controller id',
    hint: 'Only one controller may manage a service: remove the service from one of the repositories, or retag it deliberately.',
  },
  DIFF_ADOPTION_NOT_ALLOWED: {
    title: 'the live service or cluster exists, carries no ecs-gitops/managed-by tag, and nobody opted it in for adoption',
    hint: 'To hand it to this controller, tag it ecs-gitops/adopt=<controller id> (aws ecs tag-resource), or start the controller with --adopt-clusters <cluster name or ARN pattern>; otherwise rename the manifest.',
  },
  DIFF_SCALING_TARGET_NOT_OWNED: {
    title: "the service's scalable target was registered outside Git (not by this controller), so the manifest's autoScaling is not applied",
    hint: 'Deregister the other target where it was created (Terraform, the console, aws application-autoscaling deregister-scalable-target) so the controller registers its own, or remove autoScaling from the manifest and leave scaling to its owner.',
  },
  DIFF_PRUNE_BLOCKED: {
    title: 'pruning was skipped by a safety guard (disabled, manifest errors, empty snapshot or too many deletions)',
    hint: 'Fix the manifest errors, check the checkout is complete, or raise the prune limit if the deletions are intended.',
  },
});
