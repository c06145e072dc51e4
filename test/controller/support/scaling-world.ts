/**
 * What the auto scaling controller tests share: a recording wrapper for any
 * `send(op, input)` API (the calls a controller made, in order, with their
 * inputs), and a sandbox world with the real Application Auto Scaling and
 * CloudWatch SDK clients and a controller using them, torn down in one call.
 */
import { createSdkScalingApi } from '../../../src/autoscaling/scaling-sdk-adapter.js';
import type { Controller, ControllerOptions } from '../../../src/controller/index.js';
import { ManifestDir, REGION, controllerFor, sandboxWorld, type SandboxWorld } from '../harness.js';

export interface Recorded<Op> { readonly op: Op; readonly input: Record<string, unknown> }

/** `api` with every call appended to `log` before it is sent. */
export function recording<Api extends { send(op: never, input: never, signal?: AbortSignal): Promise<unknown> }, Op extends string>(api: Api, log: Recorded<Op>[]): Api {
  return {
    send: (op: Op, input: Record<string, unknown>, signal?: AbortSignal) => {
      log.push({ op, input });
      return (api.send as (o: Op, i: Record<string, unknown>, s?: AbortSignal) => Promise<unknown>)(op, input, signal);
    },
  } as unknown as Api;
}

export interface ScalingSandbox {
  readonly world: SandboxWorld;
  readonly scalingClient: ReturnType<typeof createSdkScalingApi>;
  readonly dir: ManifestDir;
  /** The controller's scaling calls, and with `recordEcs` its ECS calls too, in order. */
  readonly calls: Recorded<string>[];
  readonly controller: Controller;
  status(name: string): ReturnType<Controller['status']['get']>;
  close(): Promise<void>;
}

/** A fresh sandbox, manifest folder and controller (not started) with scaling access. */
export async function scalingSandbox(options: Partial<ControllerOptions> & { readonly recordEcs?: boolean } = {}): Promise<ScalingSandbox> {
  const { recordEcs, ...overrides } = options;
  const world = await sandboxWorld();
  const config = world.sandbox.clientConfig({ accountId: world.accountId, region: REGION });
  const scalingClient = createSdkScalingApi({ endpoint: config.endpoint, region: REGION, credentials: config.credentials });
  const dir = await ManifestDir.create();
  const calls: Recorded<string>[] = [];
  const ecs = recordEcs ? recording(world.controllerApi, calls) : world.controllerApi;
  const controller = controllerFor(ecs, { scaling: recording(scalingClient.api, calls), ...overrides });
  return {
    world, scalingClient, dir, calls, controller,
    status: (name) => controller.status.get(`${REGION}/demo/${name}`),
    async close() {
      await controller.stop({ graceMs: 100 });
      scalingClient.autoScaling.destroy();
      scalingClient.cloudWatch.destroy();
      await world.sandbox.close();
      await dir.dispose();
    },
  };
}
