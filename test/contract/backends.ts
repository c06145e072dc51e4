/**
 * The backends the contract suite runs against: the sandbox and moto_server.
 * Each `account()` call gives an isolated account with real SDK clients.
 * Known moto differences are declared once here, with the reason; on moto
 * those cases run as expected failures (docs/ecs-facts.md#moto-521-vs-real-ecs,
 * or a probe, says moto differs from real ECS there). The sandbox must pass
 * every case.
 */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { addRequestHeaders } from '../../src/ecs/sdk-adapter.js';
import { afterAll, beforeAll, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { dummyCredentials, motoAccount, motoEndpoint } from '../support/moto.js';
import { accountOn, testSandbox } from '../sandbox/sandbox-harness.js';

export type BackendName = 'sandbox' | 'moto';

export interface ContractAccount {
  readonly accountId: string;
  readonly region: string;
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly autoScaling: ApplicationAutoScalingClient;
  readonly cloudWatch: CloudWatchClient;
  readonly scheduler: SchedulerClient;
  readonly sns: () => SNSClient;
  /**
   * A reader of what a topic delivers from now on, as a subscriber sees it:
   * on moto an SQS queue subscribed to the topic (raw message delivery off,
   * so the SNS envelope carries Subject and MessageAttributes); on the
   * sandbox, which has no subscriptions, its admin view of the topic.
   */
  readonly snsInbox: (topicArn: string) => Promise<SnsInbox>;
  /** Moves the backend's clock forward (the sandbox's simulated clock); absent where time cannot be moved (moto). */
  readonly advanceClock?: (ms: number) => void;
}

/** One message as a topic's subscriber receives it (the SNS envelope's fields). */
export interface ReceivedSnsMessage {
  readonly message: string;
  readonly subject?: string;
  /** Name -> {Type, Value}, as the envelope's MessageAttributes. */
  readonly attributes: Readonly<Record<string, { readonly Type: string; readonly Value: string }>>;
}

export interface SnsInbox {
  /** Every message delivered since the inbox was opened, oldest first (waits up to ~2 s for at least `atLeast`). */
  received(atLeast?: number): Promise<ReceivedSnsMessage[]>;
}

export interface Backend {
  readonly name: BackendName;
  account(): ContractAccount;
}

export function sandboxBackend(getSandbox: () => Sandbox): Backend {
  return {
    name: 'sandbox',
    account: () => {
      const a = accountOn(getSandbox());
      return {
        accountId: a.accountId, region: a.region, ecs: a.ecs(), ecr: a.ecr(), autoScaling: a.autoScaling(), cloudWatch: a.cloudWatch(), scheduler: a.scheduler(),
        sns: () => new SNSClient({ ...getSandbox().clientConfig({ accountId: a.accountId, region: a.region }), maxAttempts: 1 }),
        snsInbox: (topicArn: string) => {
          const before = getSandbox().admin.snsMessages(topicArn).length;
          return Promise.resolve({
            received: () => Promise.resolve(getSandbox().admin.snsMessages(topicArn).slice(before).map((m) => ({
              message: m.message, ...(m.subject !== undefined ? { subject: m.subject } : {}),
              attributes: Object.fromEntries(Object.entries(m.messageAttributes).map(([k, v]) => [k, { Type: v.DataType, Value: v.StringValue ?? '' }])),
            }))),
          });
        },
        advanceClock: (ms: number) => getSandbox().clock.advance(ms),
      };
    },
  };
}

export function motoBackend(): Backend | undefined {
  if (motoEndpoint() === null) return undefined;
  return {
    name: 'moto',
    account: () => {
      const a = motoAccount();
      const sns = () => addRequestHeaders(new SNSClient({ endpoint: a.endpoint, region: a.region, credentials: dummyCredentials(), maxAttempts: 1 }), { 'x-moto-account-id': a.accountId });
      return {
        accountId: a.accountId, region: a.region, ecs: a.ecs(), ecr: a.ecr(), autoScaling: a.autoScaling(), cloudWatch: a.cloudWatch(), scheduler: a.scheduler(),
        sns,
        snsInbox: (topicArn: string) => motoSqsInbox(a, sns(), topicArn),
      };
    },
  };
}

/**
 * SQS over its JSON protocol with plain posts (@aws-sdk/client-sqs is not a
 * dependency; moto reads only the credential scope of the unsigned
 * Authorization header to route the request).
 */
async function motoSqs(a: { endpoint: string; accountId: string; region: string }, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${a.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${operation}`, 'x-moto-account-id': a.accountId,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST/20260101/${a.region}/sqs/aws4_request, SignedHeaders=host, Signature=unsigned`,
    },
    body: JSON.stringify(input),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`SQS ${operation} failed (${response.status}): ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A fresh queue subscribed to the topic; received() drains it and reads each SNS envelope. */
async function motoSqsInbox(a: { endpoint: string; accountId: string; region: string }, sns: SNSClient, topicArn: string): Promise<SnsInbox> {
  const queueName = `inbox-${Math.random().toString(36).slice(2, 10)}`;
  const { QueueUrl } = await motoSqs(a, 'CreateQueue', { QueueName: queueName }) as { QueueUrl: string };
  const { Attributes } = await motoSqs(a, 'GetQueueAttributes', { QueueUrl, AttributeNames: ['QueueArn'] }) as { Attributes: { QueueArn: string } };
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes.QueueArn }));
  const seen: ReceivedSnsMessage[] = [];
  return {
    received: async (atLeast = 1) => {
      for (let attempt = 0; attempt < 4; attempt++) {
        const { Messages = [] } = await motoSqs(a, 'ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: seen.length >= atLeast ? 0 : 1 }) as { Messages?: { Body: string; ReceiptHandle: string }[] };
        for (const m of Messages) {
          const envelope = JSON.parse(m.Body) as { Message: string; Subject?: string; MessageAttributes?: Record<string, { Type: string; Value: string }> };
          seen.push({ message: envelope.Message, ...(envelope.Subject !== undefined ? { subject: envelope.Subject } : {}), attributes: envelope.MessageAttributes ?? {} });
          await motoSqs(a, 'DeleteMessage', { QueueUrl, ReceiptHandle: m.ReceiptHandle });
        }
        if (Messages.length === 0 && seen.length >= atLeast) break;
      }
      return [...seen];
    },
  };
}

/** Contract cases moto 5.2.1 is known to fail, with why. Keyed by case title. */
export const MOTO_KNOWN_GAPS: Readonly<Record<string, string>> = {
  'task definition: ECS fills protocol, hostPort and registeredAt':
    'moto does not fill portMappings protocol/hostPort nor registeredAt (docs/ecs-facts.md#moto-521-vs-real-ecs: task definition defaults differ)',
  'service: UpdateService stores taskDefinition as a full ARN':
    'moto stores taskDefinition as sent, not as an ARN (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: CreateService on an existing ACTIVE name is not idempotent':
    'moto replaces the existing service instead of failing (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: CreateService fills the default deploymentConfiguration':
    'moto drops deploymentConfiguration (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: a deleted service is no longer listed and refuses updates with ServiceNotActiveException':
    'moto keeps listing INACTIVE services and never raises ServiceNotActiveException (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: DescribeServices accepts at most 10 names':
    'moto has no 10-name limit (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: ListServices pages with nextToken':
    'moto has no pagination (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: volumeConfigurations come back on the PRIMARY deployment with filesystemType xfs filled in':
    'moto reports no volumeConfigurations on deployments (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: placementStrategy binpack memory comes back as MEMORY and spread host as instanceId':
    'moto returns no placementStrategy from DescribeServices (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'service: a load balancer naming a container or port the task definition lacks is an InvalidParameterException':
    'moto does not check load balancer containers against the task definition (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'ecr: PutImage digest is the sha256 of the manifest':
    'moto ECR digests are not content digests (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  'ecr: another account\'s repository answers AccessDeniedException until its repository policy allows the caller':
    'moto answers RepositoryNotFoundException for another account\'s registryId instead of AccessDeniedException (docs/ecs-facts.md#moto-521-vs-real-ecs)',
  // Application Auto Scaling (moto 5.2.1, moto/applicationautoscaling/models.py)
  'scalable target: AWS fills RoleARN with the ECS service-linked role and SuspendedState with false':
    'moto returns no RoleARN and no SuspendedState unless they were sent',
  'scalable target: deregistering one that is not registered is an ObjectNotFoundException':
    'moto answers ValidationException',
  'scalable target: MinCapacity above MaxCapacity is a ValidationException':
    'moto does not compare MinCapacity with MaxCapacity',
  'scaling policy: putting a policy again updates it in place and keeps its ARN':
    'moto replaces the policy with a new one under a new PolicyARN, so a step scaling alarm naming the old ARN no longer invokes it',
  'scaling policy: a policy for a target that is not registered is an ObjectNotFoundException':
    'moto stores a policy for any resource id, registered or not',
  'scaling policy: deleting an unknown policy is an ObjectNotFoundException':
    'moto answers ValidationException',
  'scheduled action: deleting an unknown one is an ObjectNotFoundException':
    'moto deletes nothing and answers success',
  'scheduled action: DescribeScheduledActions pages with NextToken':
    'moto ignores MaxResults on DescribeScheduledActions (no pagination)',
  'scalable target: deregistering deletes its scaling policies and scheduled actions':
    'moto keeps the policies and scheduled actions of a deregistered target',
  // CloudWatch (moto 5.2.1, moto/cloudwatch)
  'alarm: a new alarm starts in INSUFFICIENT_DATA':
    'moto creates alarms in state OK',
  'alarm: DescribeAlarms pages with MaxRecords and NextToken':
    'moto ignores MaxRecords on DescribeAlarms (no pagination)',
  // ECS capacity providers (moto 5.2.1, moto/ecs/models.py CapacityProvider)
  'capacity provider: managedDraining defaults to ENABLED':
    'moto fills managedScaling and managedTerminationProtection but not managedDraining',
  'capacity provider: deleting one a cluster lists ends DELETE_FAILED with the reason and keeps it ACTIVE':
    'moto deletes a capacity provider even while a cluster lists it',
  'capacity provider: PutClusterCapacityProviders with an unknown provider is an InvalidParameterException':
    'moto attaches any name without checking that the provider exists',
  'capacity provider: a second provider for the same Auto Scaling group is a ClientException':
    'moto lets several capacity providers share one Auto Scaling group',
  'capacity provider: creating one with a name that exists is a ClientException':
    'moto replaces the existing capacity provider instead of failing',
  // One-off tasks (moto 5.2.1, moto/ecs/models.py run_task / stop_task)
  'run task: StopTask records stopCode UserInitiated':
    'moto sets desiredStatus and stoppedReason on StopTask but no stopCode',
  'run task: a one-off task exits on its own and stops with its container exit code':
    'moto\'s tasks never exit on their own (no container runtime or clock): they stay RUNNING until StopTask',
  // ECS's deployments API (moto 5.2.1, moto/ecs/responses.py has no such actions): the moto suite exercises the rolloutState fallback
  'service deployments: CreateService and UpdateService return the deployment they started as currentServiceDeployment':
    'moto returns no currentServiceDeployment from CreateService, UpdateService or DescribeServices (no deployments API)',
  'service deployments: ListServiceDeployments lists a service\'s deployments newest first with their status':
    'moto has no ListServiceDeployments: it answers an HTML 500, which the SDK cannot parse',
  'service deployments: DescribeServiceDeployments returns the status and the targetServiceRevision':
    'moto has no DescribeServiceDeployments: it answers an HTML 500, which the SDK cannot parse',
  'service deployments: StopServiceDeployment of a finished deployment is refused and leaves it as it was':
    'moto names no service deployment and has no DescribeServiceDeployments or StopServiceDeployment (HTML 500)',
  'service: a BLUE_GREEN service whose load balancer has no advancedConfiguration is an InvalidParameterException':
    'moto creates the service: it checks no deploymentConfiguration.strategy rules (and drops deploymentConfiguration)',
  // EventBridge Scheduler (moto 5.2.1, moto/scheduler/models.py)
  'scheduler: GetSchedule fills the default RetryPolicy, TaskCount and time zone':
    'moto fills RetryPolicy (86400/185) but not EcsParameters.TaskCount 1',
  'scheduler: a schedule in a missing group is a ResourceNotFoundException':
    'moto fails with an internal error (HTML 500) instead of ResourceNotFoundException',
  'scheduler: an invalid schedule expression is a ValidationException':
    'moto stores any ScheduleExpression without checking it',
  'scheduler: an ENABLED schedule targeting a cluster starts its task when it fires':
    'moto never fires schedules (no clock): no task is started',
};

/**
 * Contract cases where the sandbox is known to differ from real AWS, with
 * why. The fix belongs in src/sandbox/ (and the sandbox's own tests pin the
 * current behaviour there), so until it lands the case runs as an expected
 * failure on the sandbox: fixing the sandbox flips it, and the entry goes.
 */
export const SANDBOX_KNOWN_GAPS: Readonly<Record<string, string>> = {};

/**
 * The contract's case function for one backend. A documented gap runs as
 * `it.fails`: the case must still fail there, so a moto upgrade (or a sandbox
 * fix) that closes the gap is noticed (remove the entry then).
 */
export function contractCase(backend: Backend): (title: string, body: (a: ContractAccount) => Promise<void>) => void {
  return (title: string, body: (a: ContractAccount) => Promise<void>): void => {
    const gaps = backend.name === 'moto' ? MOTO_KNOWN_GAPS : SANDBOX_KNOWN_GAPS;
    const gap = gaps[title];
    if (gap) it.fails(`${title} [known ${backend.name} gap: ${gap}]`, () => body(backend.account()));
    else it(title, () => body(backend.account()));
  };
}

/**
 * The backends of one contract file: a sandbox started before its cases and
 * closed after them, and moto_server when it runs (never absent with CI=true).
 */
export function contractBackends(): Backend[] {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await testSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  const backends: Backend[] = [sandboxBackend(() => {
    if (!sandbox) throw new Error('contract sandbox not started');
    return sandbox;
  })];
  const moto = motoBackend();
  if (moto) backends.push(moto);
  return backends;
}
