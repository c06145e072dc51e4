/**
 * The IO side of exporting `kind: CapacityProvider` manifests: read the
 * Auto Scaling group capacity providers a cluster attaches (DescribeClusters,
 * then one DescribeCapacityProviders with their tags; read-only calls only),
 * owned by this controller or not, and write
 * `<out>/capacity-providers/<name>.yaml`. FARGATE and FARGATE_SPOT are ECS's
 * own and never written. As for services (export-services.ts), existing files
 * are never overwritten without `force`, and when any target exists nothing
 * is written. planCapacityProviderExport and writeCapacityProviderExport are
 * its two halves, for `ecs-gitops export`, which checks the providers' files
 * before it writes any service's.
 */
import path from 'node:path';
import type { EcsApi } from '../ecs/ecs-api.js';
import { GitopsError } from '../errors/index.js';
import { existingFiles, refuseExistingFiles, writeFileAtomically } from './export-files.js';
import { FARGATE_CAPACITY_PROVIDERS, capacityProviderManifestFromLive, renderCapacityProviderYaml } from './capacity-provider-from-live.js';

export interface ExportCapacityProvidersOptions {
  readonly ecs: EcsApi;
  readonly region: string;
  /** The cluster whose attached providers are exported. */
  readonly cluster: string;
  readonly outDir: string;
  /** Overwrite existing files. @default false */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
}

export interface ExportedCapacityProviderFile {
  /** Absolute path written. */
  readonly path: string;
  readonly capacityProvider: string;
  /** Pointers (relative to `spec`) the controller would still find different (empty = reads back in sync). */
  readonly residualChanges: readonly string[];
}

/** One file export would write; nothing is on disk yet. */
export interface PlannedCapacityProviderFile {
  /** Absolute path to write. */
  readonly path: string;
  readonly capacityProvider: string;
  readonly text: string;
  readonly residualChanges: readonly string[];
}

/**
 * The read half of exportCapacityProviders: what would be written, with no
 * write. `ecs-gitops export` plans the providers first so that, when one of
 * their files exists, it refuses before writing any service file either.
 */
export async function planCapacityProviderExport(options: ExportCapacityProvidersOptions): Promise<readonly PlannedCapacityProviderFile[]> {
  const { ecs, signal } = options;
  const cluster = (await ecs.send('DescribeClusters', { clusters: [options.cluster] }, signal)).clusters?.find((c) => c.status !== 'INACTIVE');
  if (!cluster) {
    throw new GitopsError('EXPORT_CLUSTER_NOT_FOUND', `cluster ${JSON.stringify(options.cluster)} not found in ${options.region} (--cluster)`, {
      cluster: options.cluster, region: options.region,
    });
  }
  const names = (cluster.capacityProviders ?? []).filter((name) => !FARGATE_CAPACITY_PROVIDERS.has(name)).sort();
  if (names.length === 0) return [];
  const live = (await ecs.send('DescribeCapacityProviders', { capacityProviders: names, include: ['TAGS'] }, signal)).capacityProviders ?? [];
  return live
    .filter((p) => p.name !== undefined && p.status !== 'INACTIVE' && p.autoScalingGroupProvider !== undefined)
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
    .map((p) => {
      const exported = capacityProviderManifestFromLive(options.region, p);
      return {
        path: path.join(options.outDir, 'capacity-providers', `${p.name ?? ''}.yaml`), capacityProvider: p.name ?? '',
        text: renderCapacityProviderYaml(exported.manifest), residualChanges: exported.residualChanges,
      };
    });
}

/** The planned files that already exist (what export refuses to overwrite without force). */
export async function existingCapacityProviderFiles(planned: readonly PlannedCapacityProviderFile[]): Promise<string[]> {
  return existingFiles(planned);
}

/** The write half: refuses (writing nothing) when a file exists, unless `force`. */
export async function writeCapacityProviderExport(
  planned: readonly PlannedCapacityProviderFile[], options: { readonly force?: boolean; readonly signal?: AbortSignal },
): Promise<readonly ExportedCapacityProviderFile[]> {
  await refuseExistingFiles(planned, options.force);
  const files: ExportedCapacityProviderFile[] = [];
  for (const p of planned) {
    await writeFileAtomically(p, options.signal);
    files.push({ path: p.path, capacityProvider: p.capacityProvider, residualChanges: p.residualChanges });
  }
  return files;
}

export async function exportCapacityProviders(options: ExportCapacityProvidersOptions): Promise<readonly ExportedCapacityProviderFile[]> {
  const planned = await planCapacityProviderExport(options);
  return writeCapacityProviderExport(planned, { force: options.force, signal: options.signal });
}
