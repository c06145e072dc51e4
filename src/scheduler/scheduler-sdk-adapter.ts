/**
 * The SDK adapter for EventBridge Scheduler: the only module that loads
 * @aws-sdk/client-scheduler at run time. Built like the ECS and scaling
 * adapters (src/ecs/sdk-adapter.ts, src/autoscaling/scaling-sdk-adapter.ts):
 * the SDK's own retries kept low (maxAttempts 1 by default) so throttles
 * reach the limiter and the controller's backoff, every request reported to
 * an observer (api label 'scheduler'), every failure mapped to an
 * AwsCallError with an AWS_* code (src/ecs/aws-error.ts: ResourceNotFound,
 * Conflict and ServiceQuotaExceeded have codes of their own).
 *
 * The client keeps the SDK's REST-JSON protocol: a pass reads a Region's
 * schedules with a few listing pages and one GetSchedule per scheduled task,
 * far from the DescribeServices volume that made ECS's own reader worthwhile.
 */
import {
  CreateScheduleCommand, CreateScheduleGroupCommand, DeleteScheduleCommand, GetScheduleCommand, GetScheduleGroupCommand,
  ListSchedulesCommand, ListTagsForResourceCommand, SchedulerClient, TagResourceCommand, UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { toAwsCallError } from '../ecs/aws-error.js';
import type { AwsRequestObserver } from '../ecs/ecs-api.js';
import { addRequestHeaders, type SdkEcsOptions } from '../ecs/sdk-adapter.js';
import type { SchedulerApi, SchedulerInput, SchedulerOperation, SchedulerOutput } from './scheduler-api.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK command constructors differ only in their I/O types, which SchedulerOperations pins down.
type AnyCommandCtor = new (input: any) => any;

const COMMANDS: Readonly<Record<SchedulerOperation, AnyCommandCtor>> = {
  CreateScheduleGroup: CreateScheduleGroupCommand,
  GetScheduleGroup: GetScheduleGroupCommand,
  ListTagsForResource: ListTagsForResourceCommand,
  TagResource: TagResourceCommand,
  CreateSchedule: CreateScheduleCommand,
  GetSchedule: GetScheduleCommand,
  UpdateSchedule: UpdateScheduleCommand,
  DeleteSchedule: DeleteScheduleCommand,
  ListSchedules: ListSchedulesCommand,
};

/** Wraps an already-built SchedulerClient (tests pass moto/sandbox clients) as a SchedulerApi. */
export function schedulerApiFromClient(
  client: SchedulerClient,
  observer?: AwsRequestObserver,
  nowSeconds: () => number = () => performance.now() / 1000,
): SchedulerApi {
  return {
    async send<Op extends SchedulerOperation>(operation: Op, input: SchedulerInput<Op>, signal?: AbortSignal): Promise<SchedulerOutput<Op>> {
      const Command = COMMANDS[operation];
      const started = nowSeconds();
      try {
        const output = (await client.send(new Command(input), { abortSignal: signal })) as SchedulerOutput<Op>;
        observer?.({ api: 'scheduler', operation, outcome: 'ok', durationSeconds: nowSeconds() - started });
        return output;
      } catch (err) {
        const wrapped = toAwsCallError(signal?.aborted ? Object.assign(new Error('aborted'), { name: 'AbortError' }) : err, 'scheduler', operation);
        observer?.({ api: 'scheduler', operation, outcome: wrapped.outcome, durationSeconds: nowSeconds() - started, errorName: wrapped.awsName });
        throw wrapped;
      }
    },
  };
}

/**
 * Removes the SDK's logger middleware from a client built without a logger,
 * as src/ecs/sdk-adapter.ts does for ECS: its log lines go nowhere, yet it
 * copies every answer through the sensitive-field filter.
 */
export function dropSchedulerResponseLogging(client: SchedulerClient): boolean {
  return client.middlewareStack.remove('loggerMiddleware');
}

/** Sends `headers` on every request of `client` (test isolation: x-moto-account-id, x-sandbox-account-id). */
export function addSchedulerRequestHeaders(client: SchedulerClient, headers: Readonly<Record<string, string>>): SchedulerClient {
  return addRequestHeaders(client, headers);
}

/**
 * Options as for ECS (src/ecs/sdk-adapter.ts). Without `endpoint` the SDK
 * chain applies (AWS_ENDPOINT_URL_SCHEDULER); src/app/runtime.ts passes the
 * sandbox's or a local stand-in's address.
 */
export type SdkSchedulerOptions = SdkEcsOptions;

export function createSdkSchedulerApi(options: SdkSchedulerOptions = {}): { api: SchedulerApi; client: SchedulerClient } {
  const maxAttempts = options.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 3) {
    throw new RangeError(`maxAttempts must be 1, 2 or 3, got ${JSON.stringify(options.maxAttempts)}`);
  }
  const client = new SchedulerClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts,
  });
  dropSchedulerResponseLogging(client);
  if (options.headers && Object.keys(options.headers).length > 0) addSchedulerRequestHeaders(client, options.headers);
  return { api: schedulerApiFromClient(client, options.observer, options.nowSeconds), client };
}
