import { defineErrorCodes } from './define.js';

/** User-facing errors of the aws area: every failed AWS call maps to one of these (src/ecs/aws-error.ts). */
export const AWS_ERROR_CODES = defineErrorCodes({
  AWS_THROTTLED: {
    title: 'AWS throttled an API call (ThrottlingException) even after client-side rate limiting',
    hint: 'The reconcile is retried with backoff. If it persists, another tool shares the account\'s ECS rate limits: lower the limiter rates with --rate-limits.',
  },
  AWS_ACCESS_DENIED: {
    title: 'AWS refused the call for lack of permission (AccessDeniedException)',
    hint: 'Grant the controller\'s IAM role the ECS action named in the message (see docs/controller.md for the policy). Not retried: the controller tries again on the next resync.',
  },
  AWS_CREDENTIALS_MISSING: {
    title: 'no AWS credentials were found',
    hint: 'Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with --sandbox.',
  },
  AWS_ASSUME_ROLE_FAILED: {
    title: 'the controller could not assume an environment\'s role (STS AssumeRole was refused, or its credentials could not be refreshed)',
    hint: 'Check the role\'s trust policy names the controller\'s role and the external ID (deploy/iam/ecs-gitops-target-role-trust.json), and that the controller may call sts:AssumeRole on it. Only that account\'s work stops; runbook: docs/observability.md#accountaccessfailing.',
  },
  AWS_ACCOUNT_WITHOUT_ROLE: {
    title: 'no Environment gives a roleArn for an account the manifests act in, and the controller\'s own credentials are in another account (or their account could not be learned through STS GetCallerIdentity)',
    hint: 'Give that account\'s Environment spec.roleArn (deploy/cloudformation/ecs-gitops-target-role.yaml makes the role), or leave roleArn out only for the controller\'s own account. Nothing is sent to that account with the controller\'s own credentials; only its work stops, retried with backoff. Runbook: docs/observability.md#accountaccessfailing.',
  },
  AWS_CREDENTIALS_EXPIRED: {
    title: 'AWS refused a call because the credentials it was signed with had expired (ExpiredToken, RequestExpired)',
    hint: 'Assumed-role credentials are refreshed before expiry, and a call refused this way is retried once with fresh ones. If it persists, check the host\'s clock (NTP) and how the controller\'s own credentials are renewed; the reconcile is retried with backoff.',
  },
  AWS_CLUSTER_NOT_FOUND: {
    title: 'the ECS cluster named by a manifest does not exist',
    hint: 'Create it, or declare it with a `kind: Cluster` manifest so the controller creates it.',
  },
  AWS_SERVICE_NOT_FOUND: {
    title: 'the ECS service does not exist (ServiceNotFoundException)',
    hint: 'It was deleted outside Git; the next reconcile re-creates it.',
  },
  AWS_SERVICE_NOT_ACTIVE: {
    title: 'the ECS service is draining or inactive (ServiceNotActiveException)',
    hint: 'It was deleted recently; wait until ECS finishes draining it, then the controller re-creates it.',
  },
  AWS_INVALID_REQUEST: {
    title: 'ECS rejected the request as invalid (InvalidParameterException, ClientException)',
    hint: 'The message quotes ECS; fix the manifest field it names. Not retried: `sync` fails at once, and the controller tries again on the next revision or resync.',
  },
  AWS_TASK_DEFINITION_INACTIVE: {
    title: 'the task definition revision a service was to use has been deregistered (TaskDefinition is inactive)',
    hint: 'It was deregistered outside Git; the retry registers the manifest\'s task definition again.',
  },
  AWS_DEPENDENCY_NOT_READY: {
    title: 'ECS refused the call because something it depends on was created moments ago (the ECS service-linked role, a target group\'s load balancer listener)',
    hint: 'Retried with backoff. If it persists, create what the message names: the AWSServiceRoleForECS service-linked role, or a listener that forwards to the target group.',
  },
  AWS_SCALING_OBJECT_NOT_FOUND: {
    title: 'the scalable target, scaling policy, scheduled action or alarm a call named does not exist (ObjectNotFoundException, ResourceNotFound)',
    hint: 'It was removed outside Git (or not yet visible) since the last read; the retry reads the service\'s scaling again and plans from what is there.',
  },
  AWS_SCALING_CONCURRENT_UPDATE: {
    title: 'Application Auto Scaling refused a change because another change to the same target is in progress (ConcurrentUpdateException)',
    hint: 'Retried with backoff. If it persists, another tool is changing the same scalable target.',
  },
  AWS_SCALING_LIMIT_EXCEEDED: {
    title: 'an Application Auto Scaling or CloudWatch quota was reached (LimitExceededException, LimitExceededFault)',
    hint: 'Remove scalable targets, policies, scheduled actions or alarms the account no longer needs, or ask AWS for a higher quota. Not retried with backoff: the controller tries again on the next resync.',
  },
  AWS_SCALING_RESOURCE_ACCESS_FAILED: {
    title: 'Application Auto Scaling could not reach the ECS service or its alarms (FailedResourceAccessException)',
    hint: 'Retried with backoff: it happens while the AWSServiceRoleForApplicationAutoScaling_ECSService role is created on first use. If it persists, check that role\'s permissions.',
  },
  AWS_SCHEDULER_NOT_FOUND: {
    title: 'the EventBridge Scheduler schedule or schedule group a call named does not exist (ResourceNotFoundException)',
    hint: 'It was deleted outside Git (or is not yet visible) since the last read; the retry reads again and creates what is missing.',
  },
  AWS_SCHEDULER_CONFLICT: {
    title: 'EventBridge Scheduler refused a change that conflicts with the current state (ConflictException: the schedule or group already exists, or is being deleted)',
    hint: 'Retried with backoff: the retry reads the schedule again and plans from what is there. If it persists, another tool is changing the same schedule group.',
  },
  AWS_SCHEDULER_QUOTA_EXCEEDED: {
    title: 'an EventBridge Scheduler quota was reached (ServiceQuotaExceededException: schedules or schedule groups per Region)',
    hint: 'Delete schedules or schedule groups the account no longer needs, or ask AWS for a higher quota. Not retried with backoff: the controller tries again on the next resync.',
  },
  AWS_SERVER_ERROR: {
    title: 'AWS answered with a server error',
    hint: 'Transient on AWS\'s side; the reconcile is retried with backoff.',
  },
  AWS_NETWORK_ERROR: {
    title: 'the AWS endpoint could not be reached',
    hint: 'Check network access and AWS_ENDPOINT_URL_ECS / the region; the reconcile is retried with backoff.',
  },
  AWS_REQUEST_ABORTED: {
    title: 'an AWS call was aborted (shutdown or reconcile timeout)',
    hint: 'Expected during shutdown; otherwise raise the reconcile timeout.',
  },
});
