/**
 * A fresh moto account with ECS services to scale: moto's
 * RegisterScalableTarget refuses a service it does not know, as AWS does.
 */
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import { ecsApiFromClient } from '../../src/ecs/sdk-adapter.js';
import { ECS_DESIRED_COUNT_DIMENSION, ECS_SERVICE_NAMESPACE, scalingResourceId, type ScalingApi } from '../../src/autoscaling/scaling-api.js';
import { scalingApiFromClients } from '../../src/autoscaling/scaling-sdk-adapter.js';
import { motoAccount, type MotoAccount } from '../support/moto.js';

export interface MotoScaling {
  readonly account: MotoAccount;
  /** Unlimited, unwrapped: the SDK adapter over moto's clients. */
  readonly scaling: ScalingApi;
  /** Every request the adapter reported. */
  readonly events: AwsRequestEvent[];
}

/** A moto account whose clusters hold the named services (desiredCount 1). */
export async function motoScaling(services: Readonly<Record<string, readonly string[]>>): Promise<MotoScaling> {
  const account = motoAccount();
  const ecs = ecsApiFromClient(account.ecs());
  const td = await ecs.send('RegisterTaskDefinition', { family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx:1.27', memory: 128 }] });
  for (const [cluster, names] of Object.entries(services)) {
    await ecs.send('CreateCluster', { clusterName: cluster });
    for (const serviceName of names) {
      await ecs.send('CreateService', { cluster, serviceName, taskDefinition: td.taskDefinition?.taskDefinitionArn, desiredCount: 1 });
    }
  }
  const events: AwsRequestEvent[] = [];
  const scaling = scalingApiFromClients(account.autoScaling(), account.cloudWatch(), (event) => events.push(event));
  return { account, scaling, events };
}

/** The fields every request about one service's desired count carries. */
export function serviceTarget(cluster: string, service: string) {
  return { ServiceNamespace: ECS_SERVICE_NAMESPACE, ResourceId: scalingResourceId(cluster, service), ScalableDimension: ECS_DESIRED_COUNT_DIMENSION } as const;
}
