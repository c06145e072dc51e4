/**
 * The IO side of exporting `kind: CapacityProvider` manifests: read the
 * Auto Scaling group capacity providers a cluster attaches (DescribeClusters,
 * then one DescribeCapacityProviders with their tags; read-only calls only),
 * owned by this controller or not, and write
 * `<out>/capacity-providers/<name>.yaml`. FARGATE and FARGATE_SPOT are ECS's
 * own and never written. As for services (export-services.ts), existing files
 * are never overwritten without `force`, and when any target exists nothing
 * is written.
 */
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EcsApi } from '../ecs/ecs-api.js';
import { GitopsError } from '../errors/index.js';
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

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

export async function exportCapacityProviders(options: ExportCapacityProvidersOptions): Promise<readonly ExportedCapacityProviderFile[]> {
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
  const planned = live
    .filter((p) => p.name !== undefined && p.status !== 'INACTIVE' && p.autoScalingGroupProvider !== undefined)
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
    .map((p) => {
      const exported = capacityProviderManifestFromLive(options.region, p);
      return {
        file: path.join(options.outDir, 'capacity-providers', `${p.name ?? ''}.yaml`), name: p.name ?? '',
        text: renderCapacityProviderYaml(exported.manifest), residualChanges: exported.residualChanges,
      };
    });

  if (!options.force) {
    const existing: string[] = [];
    for (const p of planned) if (await exists(p.file)) existing.push(p.file);
    if (existing.length > 0) {
      throw new GitopsError('EXPORT_FILE_EXISTS',
        `${existing.length} file(s) already exist, nothing written (--force overwrites): ${existing.join(', ')}`, { files: existing });
    }
  }

  const files: ExportedCapacityProviderFile[] = [];
  for (const p of planned) {
    signal?.throwIfAborted();
    try {
      await mkdir(path.dirname(p.file), { recursive: true });
      // Write then rename: a reader (or the controller watching --out) never sees half a file.
      const temp = `${p.file}.${process.pid}.tmp`;
      await writeFile(temp, p.text, { encoding: 'utf8', ...(signal ? { signal } : {}) });
      await rename(temp, p.file);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new GitopsError('EXPORT_WRITE_FAILED', `cannot write ${p.file}: ${(err as Error).message}`, { file: p.file }, { cause: err });
    }
    files.push({ path: p.file, capacityProvider: p.name, residualChanges: p.residualChanges });
  }
  return files;
}
