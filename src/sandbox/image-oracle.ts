/**
 * Decides whether a container image would start. Images in the sandbox's own
 * ECR must exist (tag or digest) or the pull fails; images the admin API
 * marked as crashing start and then exit with an error. Anything else
 * (Docker Hub, other registries) always starts: the sandbox cannot know.
 */
import { parseEcrImage } from './arn.js';
import type { SandboxState } from './state.js';

export interface ImageFailure {
  readonly kind: 'pull' | 'crash';
  readonly reason: string;
}

export class ImageOracle {
  readonly #crashing = new Set<string>();

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
  }

  /** Undefined when a task with this image starts and keeps running. */
  check(image: string): ImageFailure | undefined {
    const ecr = parseEcrImage(image);
    if (ecr) {
      const repo = this.state.peek(ecr.account, ecr.region)?.repositories.get(ecr.repository);
      const found = repo && (ecr.digest ? repo.images.has(ecr.digest) : repo.tags.has(ecr.tag ?? 'latest'));
      if (!found) {
        return {
          kind: 'pull',
          reason: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`,
        };
      }
    }
    if (this.#crashing.has(image) || this.#digestForm(image).some((d) => this.#crashing.has(d))) {
      return { kind: 'crash', reason: 'Essential container in task exited' };
    }
    return undefined;
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
