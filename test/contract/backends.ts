/**
 * The backends the contract suite runs against: the sandbox and moto_server.
 * Each `account()` call gives an isolated account with real SDK clients.
 * Known moto differences are declared once here, with the reason; on moto
 * those cases run as expected failures (docs/ecs-facts.md#moto-521-vs-real-ecs,
 * or a probe, says moto differs from real ECS there). The sandbox must pass
 * every case.
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../src/sandbox/index.js';
import { motoAccount, motoEndpoint } from '../support/moto.js';
import { accountOn } from '../sandbox/sandbox-harness.js';

export type BackendName = 'sandbox' | 'moto';

export interface ContractAccount {
  readonly accountId: string;
  readonly region: string;
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
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
      return { accountId: a.accountId, region: a.region, ecs: a.ecs(), ecr: a.ecr() };
    },
  };
}

export function motoBackend(): Backend | undefined {
  if (motoEndpoint() === null) return undefined;
  return {
    name: 'moto',
    account: () => {
      const a = motoAccount();
      return { accountId: a.accountId, region: a.region, ecs: a.ecs(), ecr: a.ecr() };
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
};
