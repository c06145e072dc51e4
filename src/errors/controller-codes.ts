import { defineErrorCodes } from './define.js';

/** User-facing errors of the controller area (service status lastError, logs, command output). */
export const CONTROLLER_ERROR_CODES = defineErrorCodes({
  CONTROLLER_ROLLOUT_FAILED: {
    title: 'the deployment of the applied change failed (rolloutState FAILED or a circuit-breaker rollback)',
    hint: 'Read the service events named in the message (e.g. crashing tasks, an image that cannot be pulled). The same manifest is not re-applied; push a fix to Git.',
  },
  CONTROLLER_ROLLOUT_TIMED_OUT: {
    title: 'the deployment did not finish within the rollout timeout',
    hint: 'Check the service events in ECS; raise the rollout timeout if deployments are legitimately slow.',
  },
  CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND: {
    title: 'the deployment of the applied change was rolled back by hand (StopServiceDeployment with ROLLBACK, e.g. `ecs-gitops rollback`), so its content is held as failed',
    hint: 'Git still declares what was rolled back: fix it or revert it in Git. Any change to the manifest applies again; until then the controller does not re-apply the rolled-back content (docs/deployments.md).',
  },
  CONTROLLER_HOOK_FAILED: {
    title: 'a deploy hook (spec.hooks preDeploy or postDeploy) did not stop with exit code 0 in its essential containers, or timed out, so the deploy is held (preDeploy: nothing applied) or marked failed (postDeploy)',
    hint: 'The message names the hook, its exit code, ECS\'s stopped reason and the awslogs group and stream to read. The same content is not run again; push a fix to Git (a changed task definition or hook retries). Runbook: docs/observability.md#deployhookfailed.',
  },
  CONTROLLER_LOOKUP_FAILED: {
    title: 'an `${ssm:…}` or `${cfn:…}` lookup in the manifest could not be resolved (the parameter or stack output does not exist, is a SecureString, or cannot be read), so nothing was applied',
    hint: 'The message names the lookup, the account and Region it was read in, and AWS\'s answer. Secrets belong in the task definition\'s `secrets` (valueFrom), never in a lookup. Retried with backoff.',
  },
  CONTROLLER_MANIFEST_BLOCKED: {
    title: 'the file that declares this service has problems, so the service is left as it is',
    hint: 'Run `ecs-gitops validate` and fix the file; nothing it declares is applied or pruned until then.',
  },
  CONTROLLER_CORRECTION_LOOP: {
    title: 'the same change was applied on several passes in a row and came undone each time (a correction loop), so it is no longer re-applied on every pass',
    hint: 'Something reverts the fields in the diff: another tool, an autoscaler, a person, or a field ECS stores differently from the manifest. Stop the other writer, or declare the field in spec.sync.ignoreDifferences; the controller retries the change at a slow interval and clears the loop once a pass finds the service in sync.',
  },
  CONTROLLER_APPLY_FAILED: {
    title: 'an ECS call needed to apply the manifest failed',
    hint: 'The message names the action and the AWS error; the service is retried with backoff.',
  },
  CONTROLLER_SCALING_UNAVAILABLE: {
    title: 'a manifest declares spec.autoScaling but the controller runs without Application Auto Scaling access',
    hint: 'Start the controller through the ecs-gitops CLI (run, sync, start), which always gives it Application Auto Scaling and CloudWatch access; embedders pass `scaling` to createController.',
  },
  CONTROLLER_SERVICE_DRAINING: {
    title: 'the service is being deleted in ECS (DRAINING) and cannot be updated or re-created yet',
    hint: 'Wait: the controller re-creates it once ECS has finished draining it.',
  },
  CONTROLLER_IMAGE_NOT_FOUND: {
    title: 'a container image in ECR does not exist (no such repository, tag or digest, in a registry the controller may read)',
    hint: 'Push the image or fix the tag; the service is not applied until the image exists, so no failing deployment is started.',
  },
  CONTROLLER_IMAGE_ACCESS_DENIED: {
    title: 'the controller may not read the ECR repository of a container image, and spec.sync.imagePreflight: strict blocks images it cannot check',
    hint: 'Allow the controller ecr:DescribeImages on the repository (another account\'s repository must allow it in its repository policy too), or set spec.sync.imagePreflight: permissive (the default) to deploy it and report it unverified. AWS-owned registries (aws-for-fluent-bit, App Mesh Envoy) never allow it.',
  },
  CONTROLLER_IMAGE_DIGEST_UNREADABLE: {
    title: 'spec.sync.images: pin-digest needs the digest of an ECR image the controller may not read',
    hint: 'Write the digest in the manifest (repo@sha256:...), which pin-digest deploys as written, or use spec.sync.images: as-written or follow-tag for this service.',
  },
  CONTROLLER_IMAGE_LOOKUP_FAILED: {
    title: 'an ECR image look-up failed for another reason (network, throttling)',
    hint: 'Retried with backoff; check the message for the AWS error.',
  },
  CONTROLLER_NO_SNAPSHOT: {
    title: 'no manifest snapshot has been loaded yet',
    hint: 'Check that --repo (or DIR) points at the manifests and that they can be read.',
  },
  CONTROLLER_SYNC_FAILED: {
    title: 'one or more services could not be brought in sync',
    hint: 'The output lists each failing service with its error code.',
  },
  CONTROLLER_WAIT_TIMED_OUT: {
    title: '`sync --wait` gave up before every rollout finished',
    hint: 'Raise --timeout, or check the services still Progressing in the output.',
  },
});
