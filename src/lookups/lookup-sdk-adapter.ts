/**
 * The SDK adapter for the lookups (docs/environments.md, "Lookups"): the only
 * module that loads @aws-sdk/client-ssm and @aws-sdk/client-cloudformation at
 * run time. Built like the ECS and Scheduler adapters (src/ecs/sdk-adapter.ts,
 * src/scheduler/scheduler-sdk-adapter.ts): the SDK's own retries kept low
 * (maxAttempts 1 by default) so throttles reach the limiter and the
 * controller's backoff, every request reported to an observer (api label
 * 'ssm' or 'cloudformation'), every failure mapped to an AwsCallError whose
 * awsName is AWS's error code (ParameterNotFound, ValidationError,
 * AccessDeniedException...), which the resolver puts in its message.
 */
import { CloudFormationClient, DescribeStacksCommand, type DescribeStacksCommandInput } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient, type GetParameterCommandInput } from '@aws-sdk/client-ssm';
import { toAwsCallError } from '../ecs/aws-error.js';
import type { AwsRequestObserver } from '../ecs/ecs-api.js';
import { addRequestHeaders, type SdkEcsOptions } from '../ecs/sdk-adapter.js';
import type { LookupApi, LookupOperation } from './lookup-api.js';

/** The API label and client each operation goes to. */
const OPERATION_API: Readonly<Record<LookupOperation, 'ssm' | 'cloudformation'>> = {
  GetParameter: 'ssm',
  DescribeStacks: 'cloudformation',
};

interface SendingClient {
  send(command: unknown, options: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Wraps already-built clients (tests pass moto/sandbox clients) as a LookupApi. */
export function lookupApiFromClients(
  clients: { readonly ssm: SSMClient; readonly cloudFormation: CloudFormationClient },
  observer?: AwsRequestObserver,
  nowSeconds: () => number = () => performance.now() / 1000,
): LookupApi {
  return {
    async send(operation: LookupOperation, input: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<Record<string, unknown>> {
      const api = OPERATION_API[operation];
      // A typo'd operation from an untyped caller must not reach an SDK client as undefined.
      if (api === undefined) throw new TypeError(`unknown lookup operation ${JSON.stringify(operation)}`);
      const client = (api === 'ssm' ? clients.ssm : clients.cloudFormation) as unknown as SendingClient;
      const command = operation === 'GetParameter'
        ? new GetParameterCommand(input as unknown as GetParameterCommandInput)
        : new DescribeStacksCommand(input as DescribeStacksCommandInput);
      const started = nowSeconds();
      try {
        const output = (await client.send(command, { abortSignal: signal })) as Record<string, unknown>;
        observer?.({ api, operation, outcome: 'ok', durationSeconds: nowSeconds() - started });
        return output;
      } catch (err) {
        const wrapped = toAwsCallError(signal?.aborted ? Object.assign(new Error('aborted'), { name: 'AbortError' }) : err, api, operation);
        observer?.({ api, operation, outcome: wrapped.outcome, durationSeconds: nowSeconds() - started, errorName: wrapped.awsName });
        throw wrapped;
      }
    },
  };
}

/**
 * Options as for ECS (src/ecs/sdk-adapter.ts), with a required Region (a
 * lookup is read where the resource lives). `endpoint` serves both APIs (the
 * sandbox and moto answer both on one address); without it the SDK chain
 * applies (AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL_CLOUDFORMATION).
 */
export interface SdkLookupOptions extends SdkEcsOptions {
  readonly region: string;
}

export interface SdkLookupApi {
  readonly api: LookupApi;
  readonly clients: { readonly ssm: SSMClient; readonly cloudFormation: CloudFormationClient };
  /** Closes both clients' sockets (the connection drops a location's clients when its role changes). */
  destroy(): void;
}

export function createSdkLookupApi(options: SdkLookupOptions): SdkLookupApi {
  const maxAttempts = options.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 3) {
    throw new RangeError(`maxAttempts must be 1, 2 or 3, got ${JSON.stringify(options.maxAttempts)}`);
  }
  if (typeof options.region !== 'string' || options.region === '') {
    throw new RangeError(`createSdkLookupApi: region is required (a lookup is read in its resource's Region), got ${JSON.stringify(options.region)}`);
  }
  const common = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts,
  };
  const ssm = new SSMClient(common);
  const cloudFormation = new CloudFormationClient(common);
  // As for ECS (dropSdkResponseLogging): a logger nobody reads still copies every answer through the sensitive-field filter.
  ssm.middlewareStack.remove('loggerMiddleware');
  cloudFormation.middlewareStack.remove('loggerMiddleware');
  if (options.headers && Object.keys(options.headers).length > 0) {
    addRequestHeaders(ssm, options.headers);
    addRequestHeaders(cloudFormation, options.headers);
  }
  const clients = { ssm, cloudFormation };
  return {
    api: lookupApiFromClients(clients, options.observer, options.nowSeconds),
    clients,
    destroy() {
      ssm.destroy();
      cloudFormation.destroy();
    },
  };
}
