/**
 * ECR operations the controller and the failure model need: repositories and
 * images with tags. PutImage derives the digest from the manifest bytes
 * (sha256, the real content digest) and moves a tag that already points at
 * another image, as ECR does for MUTABLE repositories.
 */
import { createHash } from 'node:crypto';
import { SandboxApiError, invalidParameter } from './api-error.js';
import { repositoryArn, repositoryUri } from './arn.js';
import { epochSeconds, isObject, optNumber, optObject, optString, optStringArray, type Json, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import type { EcrImageRecord, EcrRepositoryRecord, RegionState } from './state.js';
import { addTags, parseTags } from './tags.js';
import { globToRegExp } from '../util/glob.js';

const REPO_NAME = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DEFAULT_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

const repoNotFound = (state: RegionState, name: string): SandboxApiError =>
  new SandboxApiError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${state.account}'`);

export function sha256Digest(manifest: string): string {
  return `sha256:${createHash('sha256').update(manifest, 'utf8').digest('hex')}`;
}

/** A repository named by a request, with the account whose registry holds it. */
interface Located {
  readonly repo: EcrRepositoryRecord;
  /** The registry (account) the repository is in: the caller's, or the request's `registryId`. */
  readonly registryId: string;
}

/**
 * The repository a request names, in the caller's registry or, with a
 * `registryId`, in another account's registry of the same Region. ECR
 * authorizes before it looks: another account's repository answers
 * AccessDeniedException unless its repository policy allows the caller the
 * operation, whether or not it exists (only a caller allowed to read a
 * registry hears RepositoryNotFoundException). In the caller's own registry
 * IAM is taken to allow everything, except an explicit Deny in the repository
 * policy (or the admin API's deny-reads).
 */
function locateRepo(ctx: OpContext, input: JsonObject, operation: string): Located {
  const name = optString(input, 'repositoryName');
  if (!name) throw invalidParameter("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be blank'");
  const registryId = optString(input, 'registryId') ?? ctx.state.account;
  if (registryId === ctx.state.account) {
    const repo = ctx.state.repositories.get(name);
    if (!repo) throw repoNotFound(ctx.state, name);
    if (policyDecision(POLICIES.get(repo), ctx.state.account, operation) === 'deny') throw accessDenied(ctx, repo.arn, operation, 'with an explicit deny in a resource-based policy');
    return { repo, registryId };
  }
  const owner = ctx.all.peek(registryId, ctx.state.region);
  const repo = owner?.repositories.get(name);
  const decision = repo ? policyDecision(POLICIES.get(repo), ctx.state.account, operation) : 'none';
  if (!repo || decision !== 'allow') {
    throw accessDenied(ctx, repositoryArn(ctx.state.region, registryId, name), operation,
      decision === 'deny' ? 'with an explicit deny in a resource-based policy' : undefined);
  }
  return { repo, registryId };
}

/** ECR's answer (HTTP 400) when neither the caller's identity policy nor the repository policy allows the call, or a Deny in the latter forbids it. */
function accessDenied(ctx: OpContext, arn: string, operation: string, why = `because no resource-based policy allows the ecr:${operation} action`): SandboxApiError {
  return new SandboxApiError('AccessDeniedException',
    `User: arn:aws:sts::${ctx.state.account}:assumed-role/ecs-gitops/controller is not authorized to perform: ecr:${operation} on resource: ${arn} ${why}`);
}

/** What the admin API's deny-reads sets: image reads fail as for a repository policy that excludes the caller. */
function requireReadable(ctx: OpContext, repo: EcrRepositoryRecord, operation: string): void {
  if (repo.readDenied) throw accessDenied(ctx, repo.arn, operation);
}

/** Repository policies (SetRepositoryPolicy, or `policy` in a seed), by repository: kept beside the record, gone with it. */
const POLICIES = new WeakMap<EcrRepositoryRecord, { readonly text: string; readonly statements: readonly PolicyStatement[] }>();

interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  /** AWS principals: "*", account ids, or ARNs of an account (its root, users and roles). */
  readonly principals: readonly string[];
  readonly actions: readonly string[];
  /** Conditions are not evaluated: a statement with one never applies (documented in docs/sandbox.md). */
  readonly conditional: boolean;
}

const invalidPolicy = (why: string): SandboxApiError =>
  invalidParameter(`Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided' (${why})`);

function asList(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Reads a repository policy document (IAM policy JSON): Effect, Principal and Action of each statement. */
export function parseRepositoryPolicy(text: string): readonly PolicyStatement[] {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    throw invalidPolicy('not JSON');
  }
  if (!isObject(doc)) throw invalidPolicy('not a JSON object');
  const statements = asList(doc.Statement);
  if (statements.length === 0) throw invalidPolicy('no Statement');
  return statements.map((st, i) => {
    if (!isObject(st)) throw invalidPolicy(`Statement[${i}] is not an object`);
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw invalidPolicy(`Statement[${i}].Effect must be Allow or Deny`);
    const principal = st.Principal;
    const principals = principal === '*' ? ['*'] : isObject(principal) ? asList(principal.AWS).filter((p): p is string => typeof p === 'string') : [];
    if (principal === undefined) throw invalidPolicy(`Statement[${i}] has no Principal`);
    const actions = asList(st.Action).filter((a): a is string => typeof a === 'string');
    if (actions.length === 0) throw invalidPolicy(`Statement[${i}] has no Action`);
    return { effect: st.Effect, principals, actions, conditional: st.Condition !== undefined };
  });
}

function principalMatches(principal: string, account: string): boolean {
  if (principal === '*' || principal === account) return true;
  const arn = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal);
  return arn?.[1] === account;
}

function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern, 'i').test(action);
}

/** An explicit Deny wins over an Allow; no matching statement is `none`. */
function policyDecision(policy: { readonly statements: readonly PolicyStatement[] } | undefined, account: string, operation: string): 'allow' | 'deny' | 'none' {
  let decision: 'allow' | 'none' = 'none';
  for (const st of policy?.statements ?? []) {
    if (st.conditional || !st.principals.some((p) => principalMatches(p, account)) || !st.actions.some((a) => actionMatches(a, `ecr:${operation}`))) continue;
    if (st.effect === 'Deny') return 'deny';
    decision = 'allow';
  }
  return decision;
}

/** Sets (or, with undefined, removes) a repository's policy; throws InvalidParameterException for a document it cannot read. */
export function setRepositoryPolicyText(repo: EcrRepositoryRecord, text: string | undefined): void {
  if (text === undefined) POLICIES.delete(repo);
  else POLICIES.set(repo, { text, statements: parseRepositoryPolicy(text) });
}

export function setRepositoryPolicy(ctx: OpContext, input: JsonObject): JsonObject {
  const { repo, registryId } = locateRepo(ctx, input, 'SetRepositoryPolicy');
  const text = optString(input, 'policyText');
  if (!text) throw invalidParameter("Invalid parameter at 'policyText' failed to satisfy constraint: 'must not be blank'");
  setRepositoryPolicyText(repo, text);
  return { registryId, repositoryName: repo.name, policyText: text };
}

export function getRepositoryPolicy(ctx: OpContext, input: JsonObject): JsonObject {
  const { repo, registryId } = locateRepo(ctx, input, 'GetRepositoryPolicy');
  const policy = POLICIES.get(repo);
  if (!policy) {
    throw new SandboxApiError('RepositoryPolicyNotFoundException',
      `Repository policy does not exist for the repository with name '${repo.name}' in the registry with id '${registryId}'`);
  }
  return { registryId, repositoryName: repo.name, policyText: policy.text };
}

/** Admin API: makes image reads of a repository fail with AccessDeniedException (or work again). */
export function setImageReadsDenied(state: RegionState, name: string, denied: boolean): void {
  const repo = state.repositories.get(name);
  if (!repo) throw repoNotFound(state, name);
  repo.readDenied = denied;
}

function repositoryView(state: RegionState, r: EcrRepositoryRecord): JsonObject {
  return {
    repositoryArn: r.arn,
    registryId: state.account,
    repositoryName: r.name,
    repositoryUri: r.uri,
    createdAt: epochSeconds(r.createdAt),
    imageTagMutability: r.imageTagMutability,
    imageScanningConfiguration: r.imageScanningConfiguration,
    encryptionConfiguration: r.encryptionConfiguration,
  };
}

export function createRepositoryRecord(state: RegionState, name: string, now: number, input: JsonObject = {}): EcrRepositoryRecord {
  if (!REPO_NAME.test(name)) {
    throw invalidParameter(`Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`);
  }
  if (state.repositories.has(name)) {
    throw new SandboxApiError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${state.account}'`);
  }
  const mutability = optString(input, 'imageTagMutability') ?? 'MUTABLE';
  if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') throw invalidParameter(`Invalid imageTagMutability: ${mutability}`);
  const repo: EcrRepositoryRecord = {
    name,
    arn: repositoryArn(state.region, state.account, name),
    uri: repositoryUri(state.region, state.account, name),
    createdAt: now,
    imageTagMutability: mutability,
    imageScanningConfiguration: optObject(input, 'imageScanningConfiguration') ?? { scanOnPush: false },
    encryptionConfiguration: optObject(input, 'encryptionConfiguration') ?? { encryptionType: 'AES256' },
    images: new Map(),
    tags: new Map(),
  };
  state.repositories.set(name, repo);
  return repo;
}

export function createRepository(ctx: OpContext, input: JsonObject): JsonObject {
  const name = optString(input, 'repositoryName') ?? '';
  const tags = new Map<string, string>();
  const rawTags = input.tags;
  // ECR spells tags {Key, Value}; accept both spellings for the shared validator.
  if (Array.isArray(rawTags)) {
    for (const [k, v] of parseTags(rawTags.map((t): Json => (isObject(t) ? { key: t.Key ?? t.key ?? null, value: t.Value ?? t.value ?? '' } : t)))) tags.set(k, v);
  }
  const repo = createRepositoryRecord(ctx.state, name, ctx.now, input);
  addTags(ctx.state, repo.arn, tags);
  return { repository: repositoryView(ctx.state, repo) };
}

export function describeRepositories(ctx: OpContext, input: JsonObject): JsonObject {
  const names = optStringArray(input, 'repositoryNames');
  let repos: EcrRepositoryRecord[];
  if (names && names.length > 0) {
    repos = names.map((n) => {
      const r = ctx.state.repositories.get(n);
      if (!r) throw repoNotFound(ctx.state, n);
      return r;
    });
  } else repos = [...ctx.state.repositories.values()];
  const page = paginate('DescribeRepositories', repos, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 1000, default: 100 });
  const out: JsonObject = { repositories: page.items.map((r) => repositoryView(ctx.state, r)) };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

/** Stores an image and points `tag` at it (moving the tag off any other image). */
export function putImageRecord(state: RegionState, repo: EcrRepositoryRecord, manifest: string, tag: string | undefined, now: number, mediaType?: string): EcrImageRecord {
  const digest = sha256Digest(manifest);
  let image = repo.images.get(digest);
  if (tag !== undefined) {
    const current = repo.tags.get(tag);
    if (current === digest) {
      throw new SandboxApiError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repo.name}' in registry with id '${state.account}'`);
    }
    if (current !== undefined && repo.imageTagMutability === 'IMMUTABLE') {
      throw new SandboxApiError('ImageTagAlreadyExistsException', `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`);
    }
  }
  if (!image) {
    image = {
      digest,
      manifest,
      mediaType: mediaType ?? manifestMediaType(manifest),
      pushedAt: now,
      sizeInBytes: Buffer.byteLength(manifest, 'utf8') * 1024,
      tags: new Set(),
    };
    repo.images.set(digest, image);
  }
  if (tag !== undefined) {
    const previous = repo.tags.get(tag);
    if (previous !== undefined) repo.images.get(previous)?.tags.delete(tag);
    repo.tags.set(tag, digest);
    image.tags.add(tag);
  }
  return image;
}

function manifestMediaType(manifest: string): string {
  try {
    const parsed = JSON.parse(manifest) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : DEFAULT_MEDIA_TYPE;
  } catch {
    throw invalidParameter('Invalid parameter at \'imageManifest\': the manifest is not valid JSON');
  }
}

export function putImage(ctx: OpContext, input: JsonObject): JsonObject {
  const { repo, registryId } = locateRepo(ctx, input, 'PutImage');
  const manifest = optString(input, 'imageManifest');
  if (!manifest) throw invalidParameter("Invalid parameter at 'imageManifest' failed to satisfy constraint: 'must not be blank'");
  const tag = optString(input, 'imageTag');
  const claimed = optString(input, 'imageDigest');
  if (claimed !== undefined && claimed !== sha256Digest(manifest)) {
    throw new SandboxApiError('ImageDigestDoesNotMatchException', `The digest of the image manifest does not match the provided digest '${claimed}'.`);
  }
  const owner = ctx.all.peek(registryId, ctx.state.region) ?? ctx.state;
  const image = putImageRecord(owner, repo, manifest, tag, ctx.now, optString(input, 'imageManifestMediaType'));
  const imageId: JsonObject = { imageDigest: image.digest };
  if (tag !== undefined) imageId.imageTag = tag;
  return {
    image: { registryId, repositoryName: repo.name, imageId, imageManifest: image.manifest, imageManifestMediaType: image.mediaType },
  };
}

interface Lookup {
  readonly image?: EcrImageRecord;
  readonly failureCode?: string;
  readonly failureReason?: string;
}

function lookup(repo: EcrRepositoryRecord, id: Json): Lookup {
  if (!isObject(id)) return { failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' };
  const tag = typeof id.imageTag === 'string' ? id.imageTag : undefined;
  const digest = typeof id.imageDigest === 'string' ? id.imageDigest : undefined;
  if (!tag && !digest) return { failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' };
  if (digest && !/^sha256:[a-f0-9]{64}$/.test(digest)) return { failureCode: 'InvalidImageDigest', failureReason: 'Invalid request parameters: image digest should satisfy the regex \'[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+\'' };
  const byTag = tag ? repo.tags.get(tag) : undefined;
  if (tag && digest && byTag !== undefined && byTag !== digest) return { failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: given tag does not map to the given digest' };
  const image = repo.images.get(digest ?? byTag ?? '');
  return image ? { image } : { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
}

function imageDetail(registryId: string, repo: EcrRepositoryRecord, image: EcrImageRecord): JsonObject {
  const detail: JsonObject = {
    registryId,
    repositoryName: repo.name,
    imageDigest: image.digest,
    imageSizeInBytes: image.sizeInBytes,
    imagePushedAt: epochSeconds(image.pushedAt),
    imageManifestMediaType: image.mediaType,
  };
  if (image.tags.size > 0) detail.imageTags = [...image.tags];
  return detail;
}

export function describeImages(ctx: OpContext, input: JsonObject): JsonObject {
  const { repo, registryId } = locateRepo(ctx, input, 'DescribeImages');
  requireReadable(ctx, repo, 'DescribeImages');
  const ids = input.imageIds;
  let images: EcrImageRecord[];
  if (Array.isArray(ids) && ids.length > 0) {
    images = ids.map((id) => {
      const found = lookup(repo, id);
      if (!found.image) {
        const tag = isObject(id) && typeof id.imageTag === 'string' ? id.imageTag : 'null';
        const digest = isObject(id) && typeof id.imageDigest === 'string' ? id.imageDigest : 'null';
        throw new SandboxApiError('ImageNotFoundException', `The image with imageId {imageDigest:'${digest}', imageTag:'${tag}'} does not exist within the repository with name '${repo.name}' in the registry with id '${registryId}'`);
      }
      return found.image;
    });
  } else {
    const filter = optObject(input, 'filter');
    const status = filter ? optString(filter, 'tagStatus') ?? 'ANY' : 'ANY';
    images = [...repo.images.values()].filter((i) => status === 'ANY' || (status === 'TAGGED' ? i.tags.size > 0 : i.tags.size === 0));
  }
  const page = paginate('DescribeImages', images, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 1000, default: 100 });
  const out: JsonObject = { imageDetails: page.items.map((i) => imageDetail(registryId, repo, i)) };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

export function batchGetImage(ctx: OpContext, input: JsonObject): JsonObject {
  const { repo, registryId } = locateRepo(ctx, input, 'BatchGetImage');
  requireReadable(ctx, repo, 'BatchGetImage');
  const ids = input.imageIds;
  if (!Array.isArray(ids) || ids.length === 0) throw invalidParameter("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length greater than or equal to 1'");
  if (ids.length > 100) throw invalidParameter("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length less than or equal to 100'");
  const images: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const id of ids) {
    const found = lookup(repo, id);
    if (found.image) {
      const imageId: JsonObject = { imageDigest: found.image.digest };
      if (isObject(id) && typeof id.imageTag === 'string') imageId.imageTag = id.imageTag;
      images.push({ registryId, repositoryName: repo.name, imageId, imageManifest: found.image.manifest, imageManifestMediaType: found.image.mediaType });
    } else {
      failures.push({ imageId: isObject(id) ? id : {}, failureCode: found.failureCode ?? 'ImageNotFound', failureReason: found.failureReason ?? 'Requested image not found' });
    }
  }
  return { images, failures };
}
