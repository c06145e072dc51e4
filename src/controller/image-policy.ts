/**
 * `spec.sync.images` for one service, before it is compared and applied:
 * - every policy: an ECR image that is about to be deployed (it differs from
 *   what runs) must exist, else the service is not applied (a typo in a tag
 *   fails fast instead of as a failed rollout);
 * - `pin-digest`: tags are resolved to digests once per manifest content (and
 *   again after a restart), and deployed as `repo@sha256:...`;
 * - `follow-tag`: tags are resolved on every pass (cached for the resolver's
 *   TTL), so a tag pushed to a new digest is redeployed.
 * Images outside ECR are deployed as written.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { parseEcrImage, type ImageResolver } from '../ecs/image-resolver.js';
import type { DesiredService } from '../manifests/types.js';

export interface ImagePolicyProblem {
  readonly code: 'CONTROLLER_IMAGE_NOT_FOUND' | 'CONTROLLER_IMAGE_ACCESS_DENIED' | 'CONTROLLER_IMAGE_LOOKUP_FAILED';
  readonly message: string;
}

export interface ImagePolicyResult {
  readonly desired: DesiredService;
  readonly problem?: ImagePolicyProblem;
}

const CODE = { missing: 'CONTROLLER_IMAGE_NOT_FOUND', denied: 'CONTROLLER_IMAGE_ACCESS_DENIED', error: 'CONTROLLER_IMAGE_LOOKUP_FAILED' } as const;

/** Remembers pin-digest resolutions per service and manifest content. */
export class PinnedImages {
  readonly #byKey = new Map<string, { contentHash: string; images: ReadonlyMap<string, string> }>();

  get(desired: DesiredService): ReadonlyMap<string, string> | undefined {
    const entry = this.#byKey.get(desired.key);
    return entry?.contentHash === desired.contentHash ? entry.images : undefined;
  }

  set(desired: DesiredService, images: ReadonlyMap<string, string>): void {
    this.#byKey.set(desired.key, { contentHash: desired.contentHash, images });
  }
}

export async function applyImagePolicy(
  desired: DesiredService,
  liveTaskDefinition: ECS.TaskDefinition | undefined,
  resolver: ImageResolver,
  pinned: PinnedImages,
  signal: AbortSignal,
): Promise<ImagePolicyResult> {
  const policy = desired.manifest.spec.sync?.images ?? 'as-written';
  const containers = desired.manifest.spec.taskDefinition.containerDefinitions ?? [];
  const liveImages = new Map((liveTaskDefinition?.containerDefinitions ?? []).map((c) => [c.name, c.image]));
  const remembered = policy === 'pin-digest' ? pinned.get(desired) : undefined;
  const images = new Map<string, string>();

  for (const container of containers) {
    const name = container.name ?? '';
    const image = container.image ?? '';
    const ref = parseEcrImage(image);
    if (!ref) continue;
    let target = image;
    if (policy !== 'as-written' && !ref.digest) {
      const known = remembered?.get(name);
      if (known) {
        target = known;
      } else {
        const found = await resolver.lookup(ref, signal);
        if (found.result !== 'found') return { desired, problem: { code: CODE[found.result], message: `${desired.key}: container ${name}: image ${image}: ${found.message}` } };
        target = `${ref.base}@${found.digest}`;
      }
    } else if (liveImages.get(name) !== image) {
      // About to deploy an image that does not run yet: make sure it exists.
      const found = await resolver.lookup(ref, signal);
      if (found.result !== 'found') return { desired, problem: { code: CODE[found.result], message: `${desired.key}: container ${name}: image ${image}: ${found.message}` } };
    }
    if (target !== image) images.set(name, target);
  }
  if (policy === 'pin-digest' && !remembered) pinned.set(desired, images);
  if (images.size === 0) return { desired };

  const td = desired.manifest.spec.taskDefinition;
  const rewritten: DesiredService = {
    ...desired,
    manifest: {
      ...desired.manifest,
      spec: {
        ...desired.manifest.spec,
        taskDefinition: {
          ...td,
          containerDefinitions: containers.map((c) => (images.has(c.name ?? '') ? { ...c, image: images.get(c.name ?? '') } : c)),
        },
      },
    },
  };
  return { desired: rewritten };
}
