/**
 * The SDK adapter: the only module that loads @aws-sdk/client-ecs at run time.
 * It keeps the SDK's own retries low (maxAttempts 1 by default) so throttles
 * and failures reach the controller, whose per-key backoff owns retries, and
 * it reports every request's outcome to an observer (metrics).
 */
import {
  CreateCapacityProviderCommand, CreateClusterCommand, CreateServiceCommand, DeleteCapacityProviderCommand,
  DeleteServiceCommand, DescribeCapacityProvidersCommand, DescribeClustersCommand, ListClustersCommand,
  UpdateCapacityProviderCommand,
  DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListServicesCommand,
  ListTagsForResourceCommand, ListTaskDefinitionsCommand, PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand, TagResourceCommand, UntagResourceCommand, UpdateClusterCommand,
  UpdateServiceCommand, RunTaskCommand, StopTaskCommand, DescribeTasksCommand, ListTasksCommand, type ECSClientConfig,
  DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand, StopServiceDeploymentCommand, ContinueServiceDeploymentCommand,
} from '@aws-sdk/client-ecs';
import { toAwsCallError } from './aws-error.js';
import { DirectAwsJson1_1Protocol } from './json-protocol.js';
import type { AwsRequestObserver, EcsApi, EcsInput, EcsOperation, EcsOutput } from './ecs-api.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK command constructors differ only in their I/O types, which EcsOperations pins down.
type AnyCommandCtor = new (input: any) => any;

const COMMANDS: Readonly<Record<EcsOperation, AnyCommandCtor>> = {
  DescribeClusters: DescribeClustersCommand,
  CreateCluster: CreateClusterCommand,
  UpdateCluster: UpdateClusterCommand,
  PutClusterCapacityProviders: PutClusterCapacityProvidersCommand,
  DescribeServices: DescribeServicesCommand,
  ListServices: ListServicesCommand,
  CreateService: CreateServiceCommand,
  UpdateService: UpdateServiceCommand,
  DeleteService: DeleteServiceCommand,
  DescribeTaskDefinition: DescribeTaskDefinitionCommand,
  ListTaskDefinitions: ListTaskDefinitionsCommand,
  RegisterTaskDefinition: RegisterTaskDefinitionCommand,
  ListTagsForResource: ListTagsForResourceCommand,
  TagResource: TagResourceCommand,
  UntagResource: UntagResourceCommand,
  DescribeCapacityProviders: DescribeCapacityProvidersCommand,
  CreateCapacityProvider: CreateCapacityProviderCommand,
  UpdateCapacityProvider: UpdateCapacityProviderCommand,
  DeleteCapacityProvider: DeleteCapacityProviderCommand,
  ListClusters: ListClustersCommand,
  RunTask: RunTaskCommand,
  StopTask: StopTaskCommand,
  DescribeTasks: DescribeTasksCommand,
  ListTasks: ListTasksCommand,
  DescribeServiceDeployments: DescribeServiceDeploymentsCommand,
  ListServiceDeployments: ListServiceDeploymentsCommand,
  StopServiceDeployment: StopServiceDeploymentCommand,
  ContinueServiceDeployment: ContinueServiceDeploymentCommand,
};

export interface SdkEcsOptions {
  /** Region; defaults to the SDK chain (AWS_REGION). */
  readonly region?: string;
  /** Endpoint override (sandbox, moto); otherwise the SDK chain (AWS_ENDPOINT_URL_ECS). */
  readonly endpoint?: string;
  readonly credentials?: ECSClientConfig['credentials'];
  /** SDK attempts per call (1-2): the controller's backoff owns retries so throttles stay visible. @default 1 */
  readonly maxAttempts?: number;
  /** Extra headers on every request (test isolation: x-moto-account-id, x-sandbox-account-id). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly observer?: AwsRequestObserver;
  /** Monotonic seconds for request durations. @default performance.now()/1000 */
  readonly nowSeconds?: () => number;
}

/** Wraps an already-built ECSClient (tests pass moto/sandbox clients) as an EcsApi. */
export function ecsApiFromClient(
  client: ECSClient,
  observer?: AwsRequestObserver,
  nowSeconds: () => number = () => performance.now() / 1000,
): EcsApi {
  return {
    async send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> {
      const Command = COMMANDS[operation];
      const started = nowSeconds();
      try {
        const output = (await client.send(new Command(input), { abortSignal: signal })) as EcsOutput<Op>;
        observer?.({ api: 'ecs', operation, outcome: 'ok', durationSeconds: nowSeconds() - started });
        return output;
      } catch (err) {
        const wrapped = toAwsCallError(signal?.aborted ? Object.assign(new Error('aborted'), { name: 'AbortError' }) : err, 'ecs', operation);
        observer?.({
          api: 'ecs', operation, outcome: wrapped.outcome, durationSeconds: nowSeconds() - started, errorName: wrapped.awsName,
        });
        throw wrapped;
      }
    },
  };
}

/**
 * Removes the SDK's logger middleware; for clients built without a `logger`
 * (the SDK's default no-op one), whose log lines go nowhere. That middleware
 * still copies every response through the sensitive-field filter
 * (schemaLogFilter walks the whole DescribeServices answer, events included)
 * to hand it to the no-op logger: about a fifth of a resync's CPU in
 * bench/profile-resync.ts. Returns whether it was there.
 */
export function dropSdkResponseLogging(client: ECSClient): boolean {
  return client.middlewareStack.remove('loggerMiddleware');
}

/**
 * Sends `headers` on every request of `client` (test isolation:
 * x-moto-account-id, x-sandbox-account-id). Any SDK v3 client: ECS, ECR,
 * Application Auto Scaling and CloudWatch stacks differ only in their
 * operation types.
 */
export function addRequestHeaders<Client extends { readonly middlewareStack: unknown }>(client: Client, headers: Readonly<Record<string, string>>): Client {
  // One cast lets one helper serve every client.
  (client.middlewareStack as ECSClient['middlewareStack']).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) Object.assign(request.headers, headers);
      return next(args);
    },
    // Named by the header names: adding the same ones again replaces them, other ones add up.
    { step: 'build', name: `ecsGitopsExtraHeaders:${Object.keys(headers).sort().join(',')}`, override: true },
  );
  return client;
}

export function createSdkEcsApi(options: SdkEcsOptions = {}): { api: EcsApi; client: ECSClient } {
  const maxAttempts = options.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 3) {
    throw new RangeError(`maxAttempts must be 1, 2 or 3, got ${JSON.stringify(options.maxAttempts)}`);
  }
  const client = new ECSClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts,
    protocol: DirectAwsJson1_1Protocol,
  });
  dropSdkResponseLogging(client);
  if (options.headers && Object.keys(options.headers).length > 0) addRequestHeaders(client, options.headers);
  return { api: ecsApiFromClient(client, options.observer, options.nowSeconds), client };
}
