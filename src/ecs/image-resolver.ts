/**
 * Container images in ECR: tag -> digest look-ups with a TTL cache (tags move,
 * digests do not), and existence checks before a task definition is
 * registered, so a typo in a tag fails fast instead of as a failed rollout.
 * Images outside ECR (docker.io, public.ecr.aws, ...) are not looked up.
 *
 * Look-ups are batched per repository: every tag asked for in the same tick
 * (and everything a pass `prefetch`es) goes out as one DescribeImages with all
 * the image ids. DescribeImages fails the whole call when one id is missing,
 * so only then the repository is listed (paginated) to tell which ones are.
 * Calls take a token from the resolver's own bucket, apart from ECS's; one
 * whose connection is reset is sent once more (with another token).
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import type { Clock } from '../util/clock.js';
import { awsErrorName } from './aws-error.js';
import type { EcrApi } from './ecr-api.js';
import { sendThroughBucket } from './rate-limited-ecs.js';
import { TokenBucket, type BucketLimits } from './token-bucket.js';

export interface EcrImageRef {
  readonly registryId: string;
  readonly region: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** `<registry>/<repository>` without tag or digest. */
  readonly base: string;
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/;

export function parseEcrImage(image: string): EcrImageRef | undefined {
  const match = ECR_IMAGE.exec(image);
  if (!match) return undefined;
  const [, registryId = '', region = '', repository = '', tag, digest] = match;
  const base = image.slice(0, image.indexOf('/') + 1 + repository.length);
  return { registryId, region, repository, base, ...(tag ? { tag } : digest ? {} : { tag: 'latest' }), ...(digest ? { digest } : {}) };
}

/** `repo:tag` or `repo@digest`, the way a user would name the image. */
export function imageName(ref: EcrImageRef): string {
  return ref.digest ? `${ref.base}@${ref.digest}` : `${ref.base}:${ref.tag ?? 'latest'}`;
}

/**
 * What a look-up answers (also the `result` label of ecs_gitops_image_checks_total):
 * - `found`: the image exists (with its digest);
 * - `missing`: ECR said the tag, digest or repository does not exist, in a
 *   registry the controller may read: the image is proven missing;
 * - `unverified`: ECR would not let the controller read the repository
 *   (AccessDeniedException). AWS's own registries in other accounts
 *   (aws-for-fluent-bit, the App Mesh Envoy image, Deep Learning Containers)
 *   let every account pull but grant ecr:DescribeImages to nobody, so whether
 *   the image exists is unknown, not false;
 * - `error`: the look-up itself failed (network, throttling).
 */
export const IMAGE_LOOKUP_RESULTS = ['found', 'missing', 'unverified', 'error'] as const;
export type ImageLookupResult = (typeof IMAGE_LOOKUP_RESULTS)[number];

export type ImageLookup =
  | { readonly result: 'found'; readonly digest: string; /** When the image was pushed (epoch ms), if ECR said. */ readonly pushedAt?: number }
  | { readonly result: Exclude<ImageLookupResult, 'found'>; readonly message: string };

/** ECR's DescribeImages rate is far above what one controller needs; this keeps bursts polite. */
export const DEFAULT_ECR_RATE_LIMIT: BucketLimits = { burst: 10, refillPerSecond: 5 };

export interface ImageResolverOptions {
  readonly ecr: (region: string) => EcrApi;
  readonly clock: Clock;
  /** How long a tag's digest is trusted. @default 60000 */
  readonly ttlMs?: number;
  /** Client-side bucket for ECR calls (separate from ECS's); false disables it. @default DEFAULT_ECR_RATE_LIMIT */
  readonly rateLimit?: BucketLimits | false;
  /** Called once per image looked up in ECR (not for cache hits). */
  readonly onCheck?: (result: ImageLookup['result']) => void;
}

interface ImageId {
  readonly imageTag?: string;
  readonly imageDigest?: string;
}

interface Batch {
  readonly ref: EcrImageRef;
  readonly ids: Map<string, ImageId>;
  readonly results: Promise<Map<string, ImageLookup>>;
}

const idKey = (ref: EcrImageRef): string => imageName(ref);
const repoKey = (ref: EcrImageRef): string => `${ref.region}|${ref.registryId}|${ref.repository}`;
const MAX_IDS = 100;

export class ImageResolver {
  readonly #o: ImageResolverOptions;
  readonly #cache = new Map<string, { at: number; value: Promise<ImageLookup> }>();
  /** Batches being gathered this tick, by repository. */
  readonly #gathering = new Map<string, Batch>();
  readonly #bucket: TokenBucket | undefined;
  /** Images last answered missing or unverified, with that answer (kept past the TTL, until an answer replaces it). */
  readonly #negative = new Map<string, ImageLookup>();

  constructor(options: ImageResolverOptions) {
    this.#o = options;
    this.#bucket = options.rateLimit === false ? undefined : new TokenBucket('ecr', options.rateLimit ?? DEFAULT_ECR_RATE_LIMIT, options.clock);
  }

  /** Looks `ref` up in ECR (answers cached for ttlMs, except failed look-ups). */
  lookup(ref: EcrImageRef, signal?: AbortSignal): Promise<ImageLookup> {
    const id = idKey(ref);
    const cached = this.#cache.get(id);
    if (cached && this.#o.clock.now() - cached.at < (this.#o.ttlMs ?? 60_000)) return cached.value;
    return this.#request(ref, signal);
  }

  /** The last answer for `ref` was missing or unverified: a new pass should ask again (the image may have been pushed, or the policy changed). */
  needsRecheck(ref: EcrImageRef): boolean {
    return this.#negative.has(idKey(ref));
  }

  /** The last answer for `ref` when it was missing or unverified, without asking ECR (an image that runs already is not looked up again). */
  lastNegative(ref: EcrImageRef): Exclude<ImageLookup, { result: 'found' }> | undefined {
    const last = this.#negative.get(idKey(ref));
    return last && last.result !== 'found' ? last : undefined;
  }

  /**
   * Refreshes every given image in one DescribeImages per repository (a
   * pass's worth of look-ups), whatever their cache age; later `lookup`s in
   * the TTL use the answers.
   */
  async prefetch(refs: Iterable<EcrImageRef>, signal?: AbortSignal): Promise<void> {
    const seen = new Map<string, Promise<ImageLookup>>();
    for (const ref of refs) if (!seen.has(idKey(ref))) seen.set(idKey(ref), this.#request(ref, signal));
    await Promise.all(seen.values());
  }

  #request(ref: EcrImageRef, signal?: AbortSignal): Promise<ImageLookup> {
    const id = idKey(ref);
    const key = repoKey(ref);
    let batch = this.#gathering.get(key);
    if (!batch || batch.ids.size >= MAX_IDS) {
      const ids = new Map<string, ImageId>();
      // Everything asked for in this tick joins the batch; it is sent afterwards.
      const results = Promise.resolve().then(() => {
        if (this.#gathering.get(key)?.ids === ids) this.#gathering.delete(key);
        return this.#fetch(ref, ids, signal);
      });
      batch = { ref, ids, results };
      this.#gathering.set(key, batch);
    }
    batch.ids.set(id, ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag ?? 'latest' });
    const value = batch.results.then((all) => all.get(id) ?? { result: 'error' as const, message: `no answer for ${id}` });
    this.#cache.set(id, { at: this.#o.clock.now(), value });
    // A failed look-up is not cached (the retry asks again); `missing`/`unverified`
    // are, for one pass: `needsRecheck` makes the next pass's prefetch ask again.
    void value.then((r) => {
      if (r.result === 'error' && this.#cache.get(id)?.value === value) this.#cache.delete(id);
      if (r.result === 'missing' || r.result === 'unverified') this.#negative.set(id, r);
      else if (r.result === 'found') this.#negative.delete(id);
    });
    return value;
  }

  /** DescribeImages only reads: one whose connection is reset is sent once more, with a token of its own. */
  #send<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return sendThroughBucket(this.#bucket, call, { idempotent: true, ...(signal ? { signal } : {}) });
  }

  async #fetch(ref: EcrImageRef, ids: ReadonlyMap<string, ImageId>, signal?: AbortSignal): Promise<Map<string, ImageLookup>> {
    const ecr = this.#o.ecr(ref.region);
    const repository = { registryId: ref.registryId, repositoryName: ref.repository };
    const results = new Map<string, ImageLookup>();
    const report = () => {
      for (const r of results.values()) this.#o.onCheck?.(r.result);
      return results;
    };
    const all = (lookup: ImageLookup) => {
      for (const id of ids.keys()) results.set(id, lookup);
      return report();
    };
    let byTag: Map<string, string> | undefined;
    let digests: Map<string, number | undefined> | undefined;
    try {
      const out = await this.#send(() => ecr.send('DescribeImages', { ...repository, imageIds: [...ids.values()] }, signal), signal);
      ({ byTag, digests } = indexImages(out.imageDetails));
    } catch (err) {
      const name = awsErrorName(err);
      const message = err instanceof Error ? err.message : String(err);
      if (name === 'ImageNotFoundException' && ids.size === 1) return all({ result: 'missing', message: `image not found: ${imageName(ref)}` });
      // ECR authorizes before it looks: only a caller allowed to read the
      // registry hears that a repository does not exist (another account's
      // registry answers AccessDeniedException whether or not it is there).
      if (name === 'RepositoryNotFoundException') {
        return all({ result: 'missing', message: `image not found: ${imageName(ref)} (repository ${ref.repository} does not exist in registry ${ref.registryId})` });
      }
      if (name === 'AccessDeniedException') {
        return all({
          result: 'unverified',
          message: `repository ${ref.base} cannot be read by the controller (${name}: ${message})`,
        });
      }
      if (name !== 'ImageNotFoundException') return all({ result: 'error', message: `ECR DescribeImages on ${ref.base} failed: ${message}` });
      // One of several ids is missing: list the repository to tell which.
      try {
        ({ byTag, digests } = await this.#list(ecr, repository, signal));
      } catch (listErr) {
        return all({ result: 'error', message: `ECR DescribeImages on ${ref.base} failed: ${listErr instanceof Error ? listErr.message : String(listErr)}` });
      }
    }
    for (const [id, imageId] of ids) {
      const digest = imageId.imageDigest ? (digests.has(imageId.imageDigest) ? imageId.imageDigest : undefined) : byTag.get(imageId.imageTag ?? 'latest');
      const pushedAt = digest ? digests.get(digest) : undefined;
      results.set(id, digest ? { result: 'found', digest, ...(pushedAt !== undefined ? { pushedAt } : {}) } : { result: 'missing', message: `image not found: ${id}` });
    }
    return report();
  }

  async #list(ecr: EcrApi, repository: { registryId: string; repositoryName: string }, signal?: AbortSignal) {
    const details: ImageDetail[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.#send(() => ecr.send('DescribeImages', { ...repository, maxResults: 1000, ...(token ? { nextToken: token } : {}) }, signal), signal);
      details.push(...(out.imageDetails ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return indexImages(details);
  }
}

/** tag -> digest, and digest -> push time (epoch ms). */
function indexImages(details: readonly ImageDetail[] = []): { byTag: Map<string, string>; digests: Map<string, number | undefined> } {
  const byTag = new Map<string, string>();
  const digests = new Map<string, number | undefined>();
  for (const d of details) {
    if (!d.imageDigest) continue;
    digests.set(d.imageDigest, d.imagePushedAt?.getTime());
    for (const t of d.imageTags ?? []) byTag.set(t, d.imageDigest);
  }
  return { byTag, digests };
}
