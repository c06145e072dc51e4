/**
 * Renders an exported manifest as YAML a person can review and commit: a
 * header naming where it came from, a note on desiredCount (autoscaled
 * services should drop it), and a comment on every environment variable whose
 * name looks secret, suggesting `secrets` (the value itself is written as ECS
 * holds it: export never hides what is already plain text in the task definition).
 */
import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import { isSecretName } from '../diff/index.js';
import type { ServiceManifest } from '../manifests/types.js';

export interface RenderedManifest {
  readonly text: string;
  /** `container/VARIABLE` for each environment value flagged as a likely secret. */
  readonly flaggedSecrets: readonly string[];
}

export const SECRET_COMMENT = ' ecs-gitops export: this name looks like a secret. Move it to `secrets` (valueFrom an SSM parameter or Secrets Manager ARN) so the value is not stored in Git.';

/** A Service manifest, or the template `export --env` writes (metadata.environments, no region, perhaps no cluster). */
export interface ServiceManifestToRender {
  readonly metadata: { readonly name: string; readonly cluster?: string; readonly region?: string; readonly environments?: readonly string[] };
  readonly spec: ServiceManifest['spec'];
}

export interface RenderManifestOptions {
  readonly secretNamePattern?: RegExp;
  /** Where a template came from: `cluster/name in account A, Region R (environment E)` (see environmentOrigin). */
  readonly origin?: string;
}

export function renderManifestYaml(manifest: ServiceManifestToRender, options: RenderManifestOptions = {}): RenderedManifest {
  const doc = new Document(manifest);
  const { name, cluster, region } = manifest.metadata;
  doc.commentBefore = options.origin === undefined
    ? ` Exported by \`ecs-gitops export\` from ${region ?? ''}/${cluster ?? ''}/${name}.\n Review it, then commit: \`ecs-gitops diff\` over this file reports no changes.`
    : ` Exported by \`ecs-gitops export --env\` from ${options.origin}.\n`
      + ' A template for that environment: list more in metadata.environments, their differences in spec.environments.<name> (docs/environments.md).\n'
      + ' Review it, then commit: `ecs-gitops diff` over this file reports no changes.';

  const spec = doc.get('spec', true);
  if (isMap(spec)) {
    const pair = (spec as YAMLMap).items.find((item) => isScalar(item.key) && item.key.value === 'desiredCount');
    if (pair && isScalar(pair.key)) {
      pair.key.commentBefore = manifest.spec.autoScaling
        ? ' The count ECS reports now: only the count a new service would start with; spec.autoScaling owns it afterwards.'
        : ' The count ECS reports now. Delete this line if Application Auto Scaling owns the count.';
    }
  }

  const flaggedSecrets: string[] = [];
  const containers = manifest.spec.taskDefinition.containerDefinitions ?? [];
  containers.forEach((container, c) => {
    (container.environment ?? []).forEach((entry, e) => {
      if (entry.name === undefined || !isSecretName(entry.name, options.secretNamePattern)) return;
      const node = doc.getIn(['spec', 'taskDefinition', 'containerDefinitions', c, 'environment', e], true);
      if (isMap(node)) {
        node.commentBefore = SECRET_COMMENT;
        flaggedSecrets.push(`${container.name ?? String(c)}/${entry.name}`);
      }
    });
  });
  return { text: doc.toString({ lineWidth: 0 }), flaggedSecrets };
}
