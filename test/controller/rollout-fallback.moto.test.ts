/**
 * moto_server has no deployments API: its services name no
 * currentServiceDeployment, and DescribeServiceDeployments is not implemented.
 * So against moto a followed rollout is judged from the PRIMARY deployment's
 * rolloutState (the fallback of src/controller/rollout.ts), and the
 * deployments API is never called. The service deployment path runs against
 * the sandbox (deployment-strategies.sandbox.test.ts). moto's deployments
 * never progress, so a rollout there ends only by the controller's timeout:
 * completing one is recorded as a known gap (it.fails).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { deploymentsApiUnavailableError } from '../../src/controller/service/observe.js';
import type { EcsCallCounter } from '../../src/ecs/call-counter.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { motoEndpoint } from '../support/moto.js';
import { ManifestDir, REGION, controllerFor, eventually, motoWorld, serviceManifest } from './harness.js';

describe.skipIf(motoEndpoint() === null)('rollouts on moto_server: the rolloutState fallback', () => {
  let api: EcsApi;
  let counter: EcsCallCounter;
  let controllerApi: EcsApi;
  let dir: ManifestDir;
  let controller: Controller | undefined;

  beforeEach(async () => {
    ({ api, counter, controllerApi } = motoWorld());
    dir = await ManifestDir.create();
    await dir.write('cluster.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'demo', region: REGION }, spec: {} }]);
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await dir.dispose();
  });

  it('a followed rollout is judged from the rolloutState; DescribeServiceDeployments is never called', async () => {
    await dir.write('svc.yaml', [serviceManifest({ moto: true, name: 'web' })]);
    controller = controllerFor(controllerApi);
    controller.setSnapshot(await dir.load('rev-1'));
    const key = `${REGION}/demo/web`;
    await eventually(() => controller?.status.get(key)?.rollout !== undefined && counter.count('DescribeServices') >= 2, () => controller?.status.get(key));
    const described = (await api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0];
    expect(described?.currentServiceDeployment).toBeUndefined();
    expect(controller.status.get(key)?.rollout).toMatchObject({ strategy: 'ROLLING', source: 'rollout-state' });
    expect(controller.status.get(key)?.rollout?.serviceDeploymentArn).toBeUndefined();
    expect(counter.count('DescribeServiceDeployments')).toBe(0);
  });

  it('the rollout is followed to its end on the rolloutState path: moto never progresses it, so it ends timed out, judged from the rolloutState', async () => {
    await dir.write('svc.yaml', [serviceManifest({ moto: true, name: 'web' })]);
    controller = controllerFor(controllerApi, { rolloutTimeoutMs: 1_500 });
    controller.setSnapshot(await dir.load('rev-1'));
    const key = `${REGION}/demo/web`;
    await eventually(() => controller?.status.get(key)?.rollout?.result !== undefined, () => controller?.status.get(key));
    expect(controller.status.get(key)).toMatchObject({
      health: 'Degraded', lastApplySucceeded: false, lastError: { code: 'CONTROLLER_ROLLOUT_TIMED_OUT' },
      rollout: { strategy: 'ROLLING', source: 'rollout-state', state: 'IN_PROGRESS', result: 'timed_out' },
    });
    expect(counter.count('DescribeServiceDeployments')).toBe(0);
  });

  // docs/ecs-facts.md, moto vs real ECS: "deployments never progress (rolloutState stays where it is)".
  it.fails('moto completes a rollout (result completed, Healthy): its deployments never progress', async () => {
    await dir.write('svc.yaml', [serviceManifest({ moto: true, name: 'web' })]);
    controller = controllerFor(controllerApi);
    controller.setSnapshot(await dir.load('rev-1'));
    const key = `${REGION}/demo/web`;
    await eventually(() => controller?.status.get(key)?.rollout?.result !== undefined, () => controller?.status.get(key), 3_000);
    expect(controller.status.get(key)).toMatchObject({ health: 'Healthy', rollout: { source: 'rollout-state', state: 'COMPLETED', result: 'completed' } });
  });

  it('moto\'s answer to DescribeServiceDeployments counts as "no deployments API here" (the fallback, not a failed pass)', async () => {
    const error: unknown = await api.send('DescribeServiceDeployments', { serviceDeploymentArns: [`arn:aws:ecs:${REGION}:123456789012:service-deployment/demo/web/x`] })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeDefined();
    expect(deploymentsApiUnavailableError(error)).toBe(true);
  });

  it.fails('moto answers DescribeServiceDeployments (it does not implement the deployments API)', async () => {
    await api.send('DescribeServiceDeployments', { serviceDeploymentArns: [`arn:aws:ecs:${REGION}:123456789012:service-deployment/demo/web/x`] });
  });
});
