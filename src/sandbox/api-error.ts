/**
 * The error an emulated AWS operation raises. It carries the wire name
 * (`__type`) and HTTP status the real service uses, so the SDK maps it to the
 * same exception class it would get from AWS.
 */
export class SandboxApiError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
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
