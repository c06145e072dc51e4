/**
 * The error an emulated AWS operation raises. It carries the wire name
 * (`__type`) and HTTP status the real service uses, so the SDK maps it to the
 * same exception class it would get from AWS. It is also a GitopsError (it
 * escapes to embedders through `Sandbox.call`, and a seed or admin request
 * can fail with it), whose `code` is the AWS_* code the controller gives the
 * same error from real AWS (ClusterNotFoundException -> AWS_CLUSTER_NOT_FOUND).
 */
import { GitopsError, type AwsErrorCode } from '../errors/index.js';
import { awsErrorCode } from '../ecs/aws-error.js';

export class SandboxApiError extends GitopsError<AwsErrorCode> {
  /** AWS's own error name, as sent in `__type` (e.g. ServiceNotFoundException). */
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(awsErrorCode({ name: type, message, $metadata: { httpStatusCode: status } }), message, { awsError: type });
    this.name = type;
    this.type = type;
    this.status = status;
  }
}

export const invalidParameter = (message: string): SandboxApiError => new SandboxApiError('InvalidParameterException', message);
export const clientException = (message: string): SandboxApiError => new SandboxApiError('ClientException', message);
export const clusterNotFound = (): SandboxApiError => new SandboxApiError('ClusterNotFoundException', 'Cluster not found.');
export const serviceNotFound = (): SandboxApiError => new SandboxApiError('ServiceNotFoundException', 'Service not found.');
export const serviceNotActive = (): SandboxApiError => new SandboxApiError('ServiceNotActiveException', 'Service was not ACTIVE.');
