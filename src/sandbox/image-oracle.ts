/**
 * Decides whether a container image would start. Images in the sandbox's own
 * ECR must exist (tag or digest) or the pull fails; images the admin API
 * marked as crashing start and then exit with an error. Anything else
 * (Docker Hub, other registries) always starts: the sandbox cannot know.
 *
 * Like ECS's versionConsistency, a tag is resolved to a digest once per
 * deployment (the first launch that finds it) and later launches of that
 * deployment use the same digest, so pushing the tag again does not change
 * what the deployment runs.
 */
import { parseEcrImage, repositoryUri } from './arn.js';
import type { SandboxState } from './state.js';

export interface ImageFailure {
  readonly kind: 'pull' | 'crash';
  readonly reason: string;
}

export interface ImageCheck {
  /** Set when a task with this image fails (to pull, or by crashing). */
  readonly failure?: ImageFailure;
  /** The content digest used, for images in the sandbox's ECR that resolved. */
  readonly digest?: string;
}

/** How a one-off task's container of an image ends (admin `POST /_sandbox/images/exit`). */
export interface ImageExitRule {
  readonly exitCode: number;
  /** Simulated ms after the container starts RUNNING. */
  readonly afterMs: number;
}

export class ImageOracle {
  readonly #crashing = new Set<string>();
  readonly #exitRules = new Map<string, ImageExitRule>();

  constructor(private readonly state: SandboxState) {}

  markCrashing(image: string, crashing: boolean): void {
    const keys = [image, ...this.#digestForm(image)];
    for (const key of keys) {
      if (crashing) this.#crashing.add(key);
      else this.#crashing.delete(key);
    }
  }

  clearCrashing(): void {
    this.#crashing.clear();
    this.#exitRules.clear();
  }

  /**
   * Sets (or with `undefined` clears) how containers of `image` in one-off
   * tasks exit; keyed like crashing images (the image string, and its digest
   * form for an ECR tag that exists now).
   */
  setExitRule(image: string, rule: ImageExitRule | undefined): void {
    for (const key of [image, ...this.#digestForm(image)]) {
      if (rule) this.#exitRules.set(key, rule);
      else this.#exitRules.delete(key);
    }
  }

  /** The exit rule for a container image, by its string or by the digest it resolved to. */
  exitRule(image: string, digest?: string): ImageExitRule | undefined {
    const direct = this.#exitRules.get(image);
    if (direct) return direct;
    const ecr = digest ? parseEcrImage(image) : undefined;
    return ecr && digest ? this.#exitRules.get(`${repositoryUri(ecr.region, ecr.account, ecr.repository)}@${digest}`) : undefined;
  }

  /** Failure-free when a task with this image starts and keeps running; `pinned` is the deployment's digest for a tag. */
  check(image: string, pinned?: string): ImageCheck {
    const ecr = parseEcrImage(image);
    let digest: string | undefined;
    if (ecr) {
      const repo = this.state.peek(ecr.account, ecr.region)?.repositories.get(ecr.repository);
      digest = ecr.digest ?? pinned ?? repo?.tags.get(ecr.tag ?? 'latest');
      if (!repo || !digest || !repo.images.has(digest)) {
        return {
          failure: {
            kind: 'pull',
            reason: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`,
          },
        };
      }
    }
    const byDigest = ecr && digest ? `${repositoryUri(ecr.region, ecr.account, ecr.repository)}@${digest}` : undefined;
    if (this.#crashing.has(image) || (byDigest !== undefined && this.#crashing.has(byDigest))) {
      return { failure: { kind: 'crash', reason: 'Essential container in task exited' }, ...(digest ? { digest } : {}) };
    }
    return digest ? { digest } : {};
  }

  /** `<repoUri>@sha256:...` for an ECR image given by tag that exists now. */
  #digestForm(image: string): string[] {
    const ecr = parseEcrImage(image);
    if (!ecr || ecr.digest) return [];
    const repo = this.state.peek(ecr.account, ecr.region)?.repositories.get(ecr.repository);
    const digest = repo?.tags.get(ecr.tag ?? 'latest');
    return digest ? [`${repo?.uri}@${digest}`] : [];
  }
}
