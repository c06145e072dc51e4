/**
 * The ECR calls ecs-gitops makes (image tag -> digest, existence checks), as
 * one `send` method like EcsApi, plus its SDK adapter. The only runtime
 * importer of @aws-sdk/client-ecr.
 */
import type * as ECR from '@aws-sdk/client-ecr';
import { DescribeImagesCommand, ECRClient, type ECRClientConfig } from '@aws-sdk/client-ecr';
import { toAwsCallError } from './aws-error.js';
import type { AwsRequestObserver } from './ecs-api.js';

export interface EcrOperations {
  DescribeImages: { input: ECR.DescribeImagesRequest; output: ECR.DescribeImagesResponse };
}
export type EcrOperation = keyof EcrOperations;

export interface EcrApi {
  send<Op extends EcrOperation>(operation: Op, input: EcrOperations[Op]['input'], signal?: AbortSignal): Promise<EcrOperations[Op]['output']>;
}

export interface SdkEcrOptions {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: ECRClientConfig['credentials'];
  readonly observer?: AwsRequestObserver;
}

export function ecrApiFromClient(client: ECRClient, observer?: AwsRequestObserver): EcrApi {
  return {
    async send(operation, input, signal) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const output = await client.send(new DescribeImagesCommand(input), { abortSignal: signal });
        observer?.({ api: 'ecr', operation, outcome: 'ok', durationSeconds: seconds() });
        return output;
      } catch (err) {
        const wrapped = toAwsCallError(err, 'ecr', operation);
        observer?.({ api: 'ecr', operation, outcome: wrapped.outcome, durationSeconds: seconds(), errorName: wrapped.awsName });
        throw wrapped;
      }
    },
  };
}

export function createSdkEcrApi(options: SdkEcrOptions = {}): { api: EcrApi; client: ECRClient } {
  const client = new ECRClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
  });
  return { api: ecrApiFromClient(client, options.observer), client };
}
