/**
 * The IO side of `ecs-gitops export`: read a cluster's live services and
 * their task definitions through the batched EcsReader (read-only calls
 * only), turn each into a manifest, and write `<out>/<cluster>/<service>.yaml`.
 * Existing files are never overwritten without `force`; when any target
 * exists, nothing at all is written.
 */
import path from 'node:path';
import type { Clock } from '../util/clock.js';
import { diffService, isServiceGone, type Change } from '../diff/index.js';
import type { EcsApi } from '../ecs/ecs-api.js';
import { EcsReader } from '../ecs/ecs-reader.js';
import { GitopsError } from '../errors/index.js';
import { closestMatch } from '../util/did-you-mean.js';
import { manifestFromLive } from './manifest-from-live.js';
import { refuseExistingFiles, writeFileAtomically } from './export-files.js';
import { autoScalingFromLive } from './scaling-from-live.js';
import { orderManifestKeys } from './key-order.js';
import type { ScalingApi } from '../autoscaling/scaling-api.js';
import { ScalingReader } from '../autoscaling/scaling-reader.js';
import { renderManifestYaml } from './manifest-yaml.js';
import { diffScaling } from '../diff/diff-scaling.js';
import type { EnvironmentManifest, ServiceManifest } from '../manifests/types.js';
import type { LiveScaling } from '../plan/scaling-types.js';
import { environmentLocation, environmentOrigin, renderWrittenTemplate, templateForEnvironment } from './environment-template.js';

export interface ExportOptions {
  readonly ecs: EcsApi;
  readonly clock: Clock;
  readonly region: string;
  readonly cluster: string;
  /** Only this service; otherwise every ACTIVE service in the cluster. */
  readonly service?: string;
  readonly outDir: string;
  /** Overwrite existing files. @default false */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly secretNamePattern?: RegExp;
  /** With Application Auto Scaling access, services with a scalable target are exported with `spec.autoScaling`. */
  readonly scaling?: ScalingApi;
  /**
   * Export templates for this environment (`export --env`): `ecs` and
   * `scaling` act in its account and Region, files carry
   * metadata.environments, and the read-back renders them for it.
   */
  readonly environment?: EnvironmentManifest;
}

export interface ExportedFile {
  /** Absolute path written. */
  readonly path: string;
  readonly service: string;
  /** `container/VARIABLE` per environment value flagged as a likely secret. */
  readonly flaggedSecrets: readonly string[];
  /** Differences diffService still reports against live (empty = reads back in sync). */
  readonly residualChanges: readonly Change[];
  /** Why the written template does not render for its environment as written (`export --env` only; empty = it does). */
  readonly readBackProblems: readonly string[];
}

export interface ExportReport {
  readonly cluster: string;
  readonly region: string;
  /** With an environment: its location, `account@region`. */
  readonly location?: string;
  readonly files: readonly ExportedFile[];
}

function nameOf(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

export async function exportServices(options: ExportOptions): Promise<ExportReport> {
  const { signal } = options;
  const reader = new EcsReader({ ecs: options.ecs, clock: options.clock, ...(signal ? { signal } : {}) });
  const cluster = await reader.describeCluster(options.cluster, signal);
  if (!cluster) {
    const where = options.environment ? environmentOrigin(options.environment) : options.region;
    throw new GitopsError('EXPORT_CLUSTER_NOT_FOUND', `cluster ${JSON.stringify(options.cluster)} not found in ${where} (--cluster)`, {
      cluster: options.cluster, region: options.region,
    });
  }
  const names = options.service !== undefined
    ? [options.service]
    : (await reader.listServiceArns(options.cluster, signal)).map(nameOf).sort();
  const found = await reader.describeServices(options.cluster, names, signal);

  if (options.service !== undefined && isServiceGone(found.get(options.service)?.service)) {
    const known = (await reader.listServiceArns(options.cluster, signal)).map(nameOf);
    const suggestion = closestMatch(options.service, known);
    throw new GitopsError('EXPORT_SERVICE_NOT_FOUND',
      `service ${JSON.stringify(options.service)} not found in cluster ${options.cluster} (--service)${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      { cluster: options.cluster, service: options.service });
  }

  const strategy = cluster.defaultCapacityProviderStrategy ?? [];
  // One batched listing of the Region's scalable targets (and their policies) for every service.
  const scalingReader = options.scaling ? new ScalingReader({ scaling: options.scaling, clock: options.clock, ...(signal ? { signal } : {}) }) : undefined;
  const planned: {
    file: string; service: string; text: string; flaggedSecrets: readonly string[]; residualChanges: readonly Change[]; readBackProblems: readonly string[];
  }[] = [];
  for (const name of names) {
    const service = found.get(name)?.service;
    if (isServiceGone(service) || !service?.taskDefinition) continue;
    const td = await reader.taskDefinition(service.taskDefinition, signal);
    const exported = manifestFromLive({
      region: options.region, cluster: options.cluster, service, taskDefinition: td.taskDefinition,
      taskDefinitionTags: td.tags, clusterDefaultCapacityProviderStrategy: strategy,
    });
    const liveScaling = scalingReader ? await scalingReader.describe(options.cluster, name, signal) : undefined;
    const scaling = scalingReader ? autoScalingFromLive(liveScaling, options.cluster, name) : undefined;
    const manifest = scaling ? orderManifestKeys({ ...exported.manifest, spec: { ...exported.manifest.spec, autoScaling: scaling.autoScaling } }) : exported.manifest;
    const file = path.join(options.outDir, options.cluster, `${name}.yaml`);
    const secretOptions = options.secretNamePattern ? { secretNamePattern: options.secretNamePattern } : {};
    if (options.environment === undefined) {
      const rendered = renderManifestYaml(manifest, secretOptions);
      planned.push({
        file, service: name, text: rendered.text, flaggedSecrets: rendered.flaggedSecrets,
        residualChanges: [...exported.residualChanges, ...(scaling?.residualChanges ?? [])], readBackProblems: [],
      });
      continue;
    }
    const environment = options.environment;
    const template = templateForEnvironment(manifest, environment) as unknown as ServiceManifest;
    const rendered = renderManifestYaml(template, { ...secretOptions, origin: `${options.cluster}/${name} in ${environmentOrigin(environment)}` });
    const readBack = readBackService(rendered.text, environment, { service, taskDefinition: td.taskDefinition, tags: service.tags ?? [] }, strategy, liveScaling);
    planned.push({ file, service: name, text: rendered.text, flaggedSecrets: rendered.flaggedSecrets, ...readBack });
  }

  await refuseExistingFiles(planned.map((p) => ({ path: p.file })), options.force);
  const files: ExportedFile[] = [];
  for (const p of planned) {
    await writeFileAtomically({ path: p.file, text: p.text }, signal);
    files.push({ path: p.file, service: p.service, flaggedSecrets: p.flaggedSecrets, residualChanges: p.residualChanges, readBackProblems: p.readBackProblems });
  }
  return {
    cluster: options.cluster, region: options.region,
    ...(options.environment ? { location: environmentLocation(options.environment) } : {}), files,
  };
}

/**
 * The written template rendered for its environment, compared with live as
 * `diff` will compare it: the service and task definition (diffService) and,
 * when the service has a scalable target, its auto scaling (diffScaling).
 */
function readBackService(
  text: string, environment: EnvironmentManifest, live: Parameters<typeof diffService>[1],
  clusterDefaultCapacityProviderStrategy: NonNullable<Parameters<typeof manifestFromLive>[0]['clusterDefaultCapacityProviderStrategy']>,
  liveScaling: LiveScaling | undefined,
): { residualChanges: readonly Change[]; readBackProblems: readonly string[] } {
  const rendered = renderWrittenTemplate(text, environment);
  if (rendered.manifest === undefined) return { residualChanges: [], readBackProblems: rendered.problems };
  const manifest = rendered.manifest as unknown as ServiceManifest;
  const residualChanges = [...diffService(manifest, live, { clusterDefaultCapacityProviderStrategy })];
  if (liveScaling?.target) {
    residualChanges.push(...diffScaling(manifest.spec.autoScaling, liveScaling, { owned: true }));
  }
  return { residualChanges, readBackProblems: rendered.problems };
}
