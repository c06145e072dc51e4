/**
 * `spec.sync.images` for one service, before it is compared and applied:
 * - every policy: an ECR image that is about to be deployed (it differs from
 *   what runs) must not be proven missing, else the service is not applied (a
 *   typo in a tag fails fast instead of as a failed rollout). An image the
 *   controller may not read (AccessDeniedException: AWS's own registries such
 *   as aws-for-fluent-bit grant pulls to everyone and DescribeImages to
 *   nobody) is deployed as written and reported unverified, unless
 *   `spec.sync.imagePreflight: strict` asks for it to block;
 * - `pin-digest`: every pass resolves each tag to its digest (through the
 *   resolver's TTL cache) and the desired task definition names
 *   `repo@sha256:...`, so the diff compares digests: a tag pushed to a new
 *   digest is drift, with both digests in the change;
 * - `follow-tag`: the tag stays in the task definition; when the tag's digest
 *   differs from the one the service was deployed with, the result carries an
 *   image update (the reconciler starts a new deployment, no new revision).
 * Images outside ECR are deployed as written and never looked up.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { setOwn } from '../diff/json.js';
import { imageName, parseEcrImage, type EcrImageRef, type ImageResolver } from '../ecs/image-resolver.js';
import type { DesiredService, ImagePolicy, ImagePreflight } from '../manifests/types.js';
import { primaryDeployment } from './rollout.js';


export interface ImagePolicyProblem {
  readonly code: 'CONTROLLER_IMAGE_NOT_FOUND' | 'CONTROLLER_IMAGE_ACCESS_DENIED' | 'CONTROLLER_IMAGE_DIGEST_UNREADABLE' | 'CONTROLLER_IMAGE_LOOKUP_FAILED';
  readonly message: string;
}

/** An ECR image deployed (or about to be) without the controller being able to read it. */
export interface UnverifiedImage {
  readonly container: string;
  readonly image: string;
  /** Why it could not be checked (the repository and ECR's error). */
  readonly reason: string;
}

/** follow-tag: a container's tag now points at another digest than the one deployed. */
export interface ImageUpdate {
  readonly container: string;
  readonly image: string;
  /** Absent when the controller has not deployed it itself (first look after a start). */
  readonly oldDigest?: string;
  readonly newDigest: string;
}

/** What runs now, as far as the image policy needs to know. */
export interface LiveImages {
  readonly taskDefinition?: ECS.TaskDefinition;
  readonly service?: ECS.Service;
}

export interface ImagePolicyResult {
  readonly desired: DesiredService;
  readonly problem?: ImagePolicyProblem;
  /** follow-tag only. */
  readonly imageUpdates: readonly ImageUpdate[];
  /** Container name -> digest it runs (or will run once this manifest is applied), when known. */
  readonly imageDigests: Readonly<Record<string, string>>;
  /** Container name -> digest it runs once this manifest is deployed, when known. */
  readonly targetDigests: Readonly<Record<string, string>>;
  /** follow-tag: container -> digest to remember once a deployment of this manifest starts. */
  readonly followDigests: ReadonlyMap<string, string>;
  /** ECR images the controller could not read, deployed as written (imagePreflight: permissive); absent or empty: none. */
  readonly unverified?: readonly UnverifiedImage[];
}

/** Answers that block whatever the preflight says: proven missing, or the look-up failed (retried). */
const CODE = { missing: 'CONTROLLER_IMAGE_NOT_FOUND', error: 'CONTROLLER_IMAGE_LOOKUP_FAILED' } as const;

/**
 * follow-tag: the digest each container's tag had when this controller last
 * deployed (or first saw) the service. Kept in the service reconciler's
 * memory of the key; after a restart, the first look compares the image's
 * push time with the creation of the PRIMARY deployment (which resolved the
 * tag when it started).
 */
export type FollowedDigests = ReadonlyMap<string, string>;

/** `remembered` with `digests` laid over it. */
export function rememberDigests(remembered: FollowedDigests | undefined, digests: FollowedDigests): FollowedDigests {
  const next = new Map(remembered);
  for (const [container, digest] of digests) next.set(container, digest);
  return next;
}

export function imagePolicyOf(desired: DesiredService): ImagePolicy {
  return desired.manifest.spec.sync?.images ?? 'as-written';
}

export function imagePreflightOf(desired: DesiredService): ImagePreflight {
  return desired.manifest.spec.sync?.imagePreflight ?? 'permissive';
}

/** strict: an image that cannot be read blocks, with what to do about it. */
function deniedMessage(reason: string): string {
  return `${reason}; spec.sync.imagePreflight is strict, so an image the controller cannot check is not deployed. `
    + 'Allow the controller ecr:DescribeImages on the repository (for another account, its repository policy must allow it too), '
    + 'or set spec.sync.imagePreflight: permissive to deploy it unverified (AWS-owned registries such as aws-for-fluent-bit never allow it)';
}

/** pin-digest: the digest is what gets deployed, and it cannot be read. */
function unreadableDigestMessage(reason: string, image: string, base: string): string {
  return `spec.sync.images: pin-digest needs the digest of ${image}, and it cannot be read: ${reason}. `
    + `Write the digest in the manifest (${base}@sha256:...), which pin-digest deploys as written, `
    + 'or use spec.sync.images: as-written or follow-tag for this service';
}

/**
 * ECR images of `desired` to look up ahead of its reconcile, batched with
 * every other service's: the tags of a pin-digest or follow-tag service (they
 * are resolved every pass), or with `changed`, every ECR image (a new
 * manifest is about to be checked).
 */
export function imagesToPrefetch(desired: DesiredService, changed = false): EcrImageRef[] {
  if (!changed && imagePolicyOf(desired) === 'as-written') return [];
  const refs: EcrImageRef[] = [];
  for (const c of desired.manifest.spec.taskDefinition.containerDefinitions ?? []) {
    const ref = parseEcrImage(c.image ?? '');
    if (ref && (changed || !ref.digest)) refs.push(ref);
  }
  return refs;
}

function digestOf(image: string | undefined): string | undefined {
  return image ? parseEcrImage(image)?.digest : undefined;
}

export async function applyImagePolicy(
  desired: DesiredService,
  live: LiveImages,
  resolver: ImageResolver,
  remembered: FollowedDigests | undefined,
  signal: AbortSignal,
): Promise<ImagePolicyResult> {
  const policy = imagePolicyOf(desired);
  const containers = desired.manifest.spec.taskDefinition.containerDefinitions ?? [];
  const liveImages = new Map((live.taskDefinition?.containerDefinitions ?? []).map((c) => [c.name, c.image]));
  const deployedAt = primaryDeployment(live.service)?.createdAt?.getTime();
  const rewrites = new Map<string, string>();
  const imageUpdates: ImageUpdate[] = [];
  // Keyed by container name, which may be `__proto__`: written with setOwn.
  const imageDigests: Record<string, string> = {};
  const targetDigests: Record<string, string> = {};
  const followDigests = new Map<string, string>();
  const unverified: UnverifiedImage[] = [];
  const strict = imagePreflightOf(desired) === 'strict';
  const failure = (code: ImagePolicyProblem['code'], message: string, name: string): ImagePolicyResult => ({
    desired, imageUpdates: [], imageDigests: {}, targetDigests: {}, followDigests: new Map(), unverified: [],
    problem: { code, message: `${message} (container ${name} of ${desired.key})` },
  });

  for (const container of containers) {
    const name = container.name ?? '';
    const image = container.image ?? '';
    const ref = parseEcrImage(image);
    if (!ref) continue;
    const liveImage = liveImages.get(name);
    if (ref.digest || policy === 'as-written') {
      const liveDigest = digestOf(liveImage);
      if (liveImage !== image) {
        // About to deploy an image that does not run yet: make sure it is not missing.
        const found = await resolver.lookup(ref, signal);
        if (found.result === 'unverified') {
          if (strict) return failure('CONTROLLER_IMAGE_ACCESS_DENIED', deniedMessage(found.message), name);
          unverified.push({ container: name, image, reason: found.message });
          if (ref.digest) setOwn(targetDigests, name, ref.digest);
          if (liveDigest) setOwn(imageDigests, name, liveDigest);
          continue;
        }
        if (found.result !== 'found') return failure(CODE[found.result], found.message, name);
        setOwn(targetDigests, name, found.digest);
        if (liveDigest) setOwn(imageDigests, name, liveDigest);
      } else {
        // Runs already: not looked up again, but still unverified if that was the last answer.
        const last = resolver.lastNegative(ref);
        if (last?.result === 'unverified') unverified.push({ container: name, image, reason: last.message });
        if (ref.digest) {
          setOwn(imageDigests, name, ref.digest);
          setOwn(targetDigests, name, ref.digest);
        }
      }
      continue;
    }
    const found = await resolver.lookup(ref, signal);
    if (found.result === 'unverified') {
      if (policy === 'pin-digest') return failure('CONTROLLER_IMAGE_DIGEST_UNREADABLE', unreadableDigestMessage(found.message, image, ref.base), name);
      // follow-tag: the tag is deployed as written (ECS resolves it when a
      // deployment starts); what cannot be done is noticing that it moved.
      if (strict && liveImage !== image) return failure('CONTROLLER_IMAGE_ACCESS_DENIED', deniedMessage(found.message), name);
      unverified.push({ container: name, image, reason: `${found.message}; follow-tag cannot tell when this tag moves` });
      continue;
    }
    if (found.result !== 'found') return failure(CODE[found.result], found.message, name);
    if (policy === 'pin-digest') {
      const target = `${ref.base}@${found.digest}`;
      rewrites.set(name, target);
      // What runs is what the live revision names; it becomes `target` once applied.
      setOwn(imageDigests, name, digestOf(liveImage) ?? found.digest);
      setOwn(targetDigests, name, found.digest);
      continue;
    }
    // follow-tag
    const running = liveImage === image ? remembered?.get(name) : undefined;
    if (running && running !== found.digest) {
      imageUpdates.push({ container: name, image: imageName(ref), oldDigest: running, newDigest: found.digest });
    } else if (!running && liveImage === image && deployedAt !== undefined && found.pushedAt !== undefined && found.pushedAt > deployedAt) {
      // Nothing remembered (first look since a start): the PRIMARY deployment
      // resolved the tag when it was created, so an image pushed later is not what runs.
      imageUpdates.push({ container: name, image: imageName(ref), newDigest: found.digest });
      setOwn(targetDigests, name, found.digest);
      followDigests.set(name, found.digest);
      continue;
    }
    setOwn(imageDigests, name, running ?? found.digest);
    setOwn(targetDigests, name, found.digest);
    followDigests.set(name, found.digest);
  }

  const base = { imageUpdates, imageDigests, targetDigests, followDigests, unverified };
  if (rewrites.size === 0) return { ...base, desired };
  const td = desired.manifest.spec.taskDefinition;
  const pinned = [...rewrites].sort(([a], [b]) => a.localeCompare(b)).map(([name, image]) => `${name}=${image}`).join(',');
  const rewritten: DesiredService = {
    ...desired,
    // The digests are part of what is deployed: a held (failed) rollout is
    // released when the tag moves to a fixed image, not only by a new commit.
    contentHash: `${desired.contentHash}|${pinned}`,
    manifest: {
      ...desired.manifest,
      spec: {
        ...desired.manifest.spec,
        taskDefinition: {
          ...td,
          containerDefinitions: containers.map((c) => (rewrites.has(c.name ?? '') ? { ...c, image: rewrites.get(c.name ?? '') } : c)),
        },
      },
    },
  };
  return { ...base, desired: rewritten };
}
