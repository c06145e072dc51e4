/**
 * Container images in ECR: tag -> digest look-ups with a TTL cache (tags move,
 * digests do not), and existence checks before a task definition is
 * registered, so a typo in a tag fails fast instead of as a failed rollout.
 * Images outside ECR (docker.io, public.ecr.aws, ...) are not looked up.
 */
import type { Clock } from '../controller/clock.js';
import { awsErrorName } from './aws-error.js';
import type { EcrApi } from './ecr-api.js';

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

export type ImageLookup =
  | { readonly result: 'found'; readonly digest: string }
  | { readonly result: 'missing' | 'denied' | 'error'; readonly message: string };

export interface ImageResolverOptions {
  readonly ecr: (region: string) => EcrApi;
  readonly clock: Clock;
  /** How long a tag's digest is trusted. @default 60000 */
  readonly ttlMs?: number;
  readonly onCheck?: (result: ImageLookup['result']) => void;
}

export class ImageResolver {
  readonly #o: ImageResolverOptions;
  readonly #cache = new Map<string, { at: number; value: Promise<ImageLookup> }>();

  constructor(options: ImageResolverOptions) {
    this.#o = options;
  }

  /** Looks `ref` up in ECR (cached for ttlMs; errors are not cached). */
  lookup(ref: EcrImageRef, signal?: AbortSignal): Promise<ImageLookup> {
    const id = `${ref.base}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`;
    const cached = this.#cache.get(id);
    const ttl = this.#o.ttlMs ?? 60_000;
    if (cached && this.#o.clock.now() - cached.at < ttl) return cached.value;
    const value = this.#fetch(ref, signal);
    this.#cache.set(id, { at: this.#o.clock.now(), value });
    void value.then((r) => {
      if (r.result === 'error') this.#cache.delete(id);
    });
    return value;
  }

  async #fetch(ref: EcrImageRef, signal?: AbortSignal): Promise<ImageLookup> {
    const imageId = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag ?? 'latest' };
    let lookup: ImageLookup;
    try {
      const out = await this.#o.ecr(ref.region).send('DescribeImages', {
        registryId: ref.registryId, repositoryName: ref.repository, imageIds: [imageId],
      }, signal);
      const digest = out.imageDetails?.[0]?.imageDigest;
      lookup = digest ? { result: 'found', digest } : { result: 'missing', message: `${ref.base} has no image ${JSON.stringify(imageId)}` };
    } catch (err) {
      const name = awsErrorName(err);
      const message = err instanceof Error ? err.message : String(err);
      if (name === 'ImageNotFoundException' || name === 'RepositoryNotFoundException') lookup = { result: 'missing', message };
      else if (name === 'AccessDeniedException') lookup = { result: 'denied', message };
      else lookup = { result: 'error', message };
    }
    this.#o.onCheck?.(lookup.result);
    return lookup;
  }
}
