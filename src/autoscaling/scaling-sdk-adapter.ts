/**
 * The SDK adapter for auto scaling: the only module that loads
 * @aws-sdk/client-application-auto-scaling and @aws-sdk/client-cloudwatch at
 * run time. One ScalingApi over both clients, built like the ECS adapter
 * (src/ecs/sdk-adapter.ts): the SDK's own retries kept low (maxAttempts 1 by
 * default) so throttles reach the limiter and the controller's backoff, every
 * request reported to an observer (api label 'application-autoscaling' or
 * 'cloudwatch'), every failure mapped to an AwsCallError with an AWS_* code.
 *
 * The clients keep the SDK's own protocols. The faster JSON reader of
 * src/ecs/json-protocol.ts pays off for DescribeServices, sent for every
 * service on every pass; the scaling reads are a few listing pages per
 * Region and pass (scaling-reader.ts), so it would save nothing measurable
 * and would need its own equivalence tests for these shapes.
 */
import {
  ApplicationAutoScalingClient, DeleteScalingPolicyCommand, DeleteScheduledActionCommand, DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand, DescribeScalingActivitiesCommand, DescribeScalingPoliciesCommand, DescribeScheduledActionsCommand,
  PutScalingPolicyCommand, PutScheduledActionCommand, RegisterScalableTargetCommand, TagResourceCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { toAwsCallError } from '../ecs/aws-error.js';
import type { AwsApi, AwsRequestObserver } from '../ecs/ecs-api.js';
import { addRequestHeaders, type SdkEcsOptions } from '../ecs/sdk-adapter.js';
import type { ScalingApi, ScalingInput, ScalingOperation, ScalingOutput } from './scaling-api.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK command constructors differ only in their I/O types, which ScalingOperations pins down.
type AnyCommandCtor = new (input: any) => any;

type ScalingAwsApi = Extract<AwsApi, 'application-autoscaling' | 'cloudwatch'>;

const COMMANDS: Readonly<Record<ScalingOperation, { readonly api: ScalingAwsApi; readonly Command: AnyCommandCtor }>> = {
  DescribeScalableTargets: { api: 'application-autoscaling', Command: DescribeScalableTargetsCommand },
  RegisterScalableTarget: { api: 'application-autoscaling', Command: RegisterScalableTargetCommand },
  DeregisterScalableTarget: { api: 'application-autoscaling', Command: DeregisterScalableTargetCommand },
  DescribeScalingPolicies: { api: 'application-autoscaling', Command: DescribeScalingPoliciesCommand },
  PutScalingPolicy: { api: 'application-autoscaling', Command: PutScalingPolicyCommand },
  DeleteScalingPolicy: { api: 'application-autoscaling', Command: DeleteScalingPolicyCommand },
  DescribeScheduledActions: { api: 'application-autoscaling', Command: DescribeScheduledActionsCommand },
  PutScheduledAction: { api: 'application-autoscaling', Command: PutScheduledActionCommand },
  DeleteScheduledAction: { api: 'application-autoscaling', Command: DeleteScheduledActionCommand },
  DescribeScalingActivities: { api: 'application-autoscaling', Command: DescribeScalingActivitiesCommand },
  TagResource: { api: 'application-autoscaling', Command: TagResourceCommand },
  DescribeAlarms: { api: 'cloudwatch', Command: DescribeAlarmsCommand },
  PutMetricAlarm: { api: 'cloudwatch', Command: PutMetricAlarmCommand },
  DeleteAlarms: { api: 'cloudwatch', Command: DeleteAlarmsCommand },
};

/** Which API (metric label) an operation belongs to. */
export function scalingOperationApi(operation: ScalingOperation): ScalingAwsApi {
  return COMMANDS[operation].api;
}

/** The structural part of an SDK client this module needs: both clients have it. */
interface SendingClient {
  send(command: unknown, options: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Wraps already-built clients (tests pass moto/sandbox clients) as one ScalingApi. */
export function scalingApiFromClients(
  aas: ApplicationAutoScalingClient,
  cw: CloudWatchClient,
  observer?: AwsRequestObserver,
  nowSeconds: () => number = () => performance.now() / 1000,
): ScalingApi {
  const clients: Readonly<Record<ScalingAwsApi, SendingClient>> = {
    'application-autoscaling': aas as unknown as SendingClient,
    cloudwatch: cw as unknown as SendingClient,
  };
  return {
    async send<Op extends ScalingOperation>(operation: Op, input: ScalingInput<Op>, signal?: AbortSignal): Promise<ScalingOutput<Op>> {
      const { api, Command } = COMMANDS[operation];
      const started = nowSeconds();
      try {
        const output = (await clients[api].send(new Command(input), { abortSignal: signal })) as ScalingOutput<Op>;
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

type ScalingClient = ApplicationAutoScalingClient | CloudWatchClient;

/**
 * Removes the SDK's logger middleware from a client built without a logger,
 * as src/ecs/sdk-adapter.ts does for ECS: its log lines go nowhere, yet it
 * copies every answer through the sensitive-field filter.
 */
export function dropScalingResponseLogging(client: ScalingClient): boolean {
  return client.middlewareStack.remove('loggerMiddleware');
}

/** Sends `headers` on every request of `client` (test isolation: x-moto-account-id, x-sandbox-account-id). */
export function addScalingRequestHeaders<Client extends ScalingClient>(client: Client, headers: Readonly<Record<string, string>>): Client {
  return addRequestHeaders(client, headers);
}

/**
 * Options as for ECS (src/ecs/sdk-adapter.ts). `endpoint` serves both APIs
 * (the sandbox and moto answer both at one address); without it the SDK chain
 * applies (AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING, AWS_ENDPOINT_URL_CLOUDWATCH).
 */
export type SdkScalingOptions = SdkEcsOptions;

export function createSdkScalingApi(options: SdkScalingOptions = {}): {
  api: ScalingApi; autoScaling: ApplicationAutoScalingClient; cloudWatch: CloudWatchClient;
} {
  const maxAttempts = options.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 3) {
    throw new RangeError(`maxAttempts must be 1, 2 or 3, got ${JSON.stringify(options.maxAttempts)}`);
  }
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts,
  };
  const autoScaling = new ApplicationAutoScalingClient(common);
  const cloudWatch = new CloudWatchClient(common);
  for (const client of [autoScaling, cloudWatch]) {
    dropScalingResponseLogging(client);
    if (options.headers && Object.keys(options.headers).length > 0) addScalingRequestHeaders(client, options.headers);
  }
  return { api: scalingApiFromClients(autoScaling, cloudWatch, options.observer, options.nowSeconds), autoScaling, cloudWatch };
}
