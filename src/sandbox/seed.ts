/**
 * Seeding: clusters, ECR repositories and tagged images, SSM parameters,
 * CloudFormation stack outputs and SNS topics created at start-up
 * from a YAML or JSON document (or every *.yaml/*.yml/*.json file of a
 * folder). The format is documented in docs/sandbox.md; src/sandbox/quickstart-seed.yaml
 * is the quick start's seed.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GitopsError } from '../errors/index.js';
import { SandboxApiError } from './api-error.js';
import { createRepositoryRecord, parseRepositoryPolicy, putImageRecord, setRepositoryPolicyText, sha256Digest } from './ecr.js';
import { createCluster } from './ecs-clusters.js';
import { putStack, type StackOutputInput } from './cloudformation.js';
import { PARAMETER_TYPES, putParameterRecord, type ParameterType } from './ssm.js';
import { createTopic } from './sns.js';
import { isObject, type Json, type JsonObject } from './json-input.js';
import { DEFAULT_ACCOUNT, DEFAULT_REGION } from './request-identity.js';
import type { SandboxCore } from './sandbox-core.js';
import { addTags } from './tags.js';

export interface SeedImage {
  /** Tags pointing at this image, e.g. ["1.4.2", "latest"]. */
  readonly tags: readonly string[];
  /** The image manifest (JSON text); a deterministic one is generated from repository and first tag when omitted. */
  readonly manifest?: string;
}

export interface SeedRepository {
  readonly name: string;
  readonly images?: readonly SeedImage[];
  /**
   * The repository policy (an IAM policy document, as a mapping or JSON
   * text): what other accounts may do with the repository. Without one,
   * another account's DescribeImages, BatchGetImage and PutImage answer
   * AccessDeniedException, as in ECR.
   */
  readonly policy?: JsonObject | string;
}

export interface SeedCluster {
  readonly name: string;
  readonly capacityProviders?: readonly string[];
  readonly defaultCapacityProviderStrategy?: readonly { capacityProvider: string; weight?: number; base?: number }[];
  readonly tags?: Readonly<Record<string, string>>;
}

/** An SSM parameter; seeding again with another value or type stores a new version. */
export interface SeedParameter {
  readonly name: string;
  readonly value: string;
  /** @default "String" */
  readonly type?: ParameterType;
}

/** A CloudFormation stack (CREATE_COMPLETE): outputs only, there is no template. */
export interface SeedStack {
  readonly name: string;
  /** OutputKey -> OutputValue, or {value, description?, exportName?}. */
  readonly outputs?: Readonly<Record<string, StackOutputInput>>;
}

/** An SNS topic (CreateTopic: seeding it again changes nothing); a name ending in .fifo is a FIFO topic. */
export interface SeedTopic {
  readonly name: string;
}

export interface SeedAccount {
  /** @default "123456789012" */
  readonly accountId?: string;
  /** @default "us-east-1" */
  readonly region?: string;
  readonly clusters?: readonly SeedCluster[];
  readonly repositories?: readonly SeedRepository[];
  readonly parameters?: readonly SeedParameter[];
  readonly stacks?: readonly SeedStack[];
  /** Topics a notifier publishes to (the quick start's `deploys`). */
  readonly topics?: readonly SeedTopic[];
}

export interface SeedDocument {
  readonly accounts: readonly SeedAccount[];
}

/**
 * Registries AWS runs for its own images in its own accounts, as the sandbox
 * models them in `region`: every account may pull (the repository policy
 * allows BatchGetImage and GetDownloadUrlForLayer to "*"), nobody else may
 * DescribeImages. Task definitions name them by their registry host
 * (docs/ecs-facts.md, "AWS-owned images"): aws-for-fluent-bit for FireLens,
 * the App Mesh Envoy image, a Deep Learning Containers image.
 */
export function awsOwnedRegistriesSeed(region: string = DEFAULT_REGION): SeedDocument {
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'AllowPull', Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'] }],
  };
  return {
    accounts: [
      { accountId: AWS_OWNED_REGISTRIES.fluentBit, region, repositories: [{ name: 'aws-for-fluent-bit', policy, images: [{ tags: ['stable', 'latest'] }, { tags: ['2.32.4'] }] }] },
      { accountId: AWS_OWNED_REGISTRIES.appMeshEnvoy, region, repositories: [{ name: 'aws-appmesh-envoy', policy, images: [{ tags: ['v1.29.12.1-prod'] }] }] },
      { accountId: AWS_OWNED_REGISTRIES.deepLearningContainers, region, repositories: [{ name: 'pytorch-inference', policy, images: [{ tags: ['2.3.0-gpu-py311-cu121-ubuntu20.04-ec2'] }] }] },
    ],
  };
}

/** The accounts of AWS's own registries in most commercial Regions (opt-in Regions use others). */
export const AWS_OWNED_REGISTRIES = {
  fluentBit: '906394416424',
  appMeshEnvoy: '840364872350',
  deepLearningContainers: '763104351884',
} as const;

const bad = (where: string, message: string): GitopsError =>
  new GitopsError('CLI_BAD_FLAG_VALUE', `seed ${where}: ${message}`, { seed: where });

/** A stable fake manifest: distinct per repository:tag, so each seeded tag has its own content digest. */
export function generatedManifest(repository: string, tag: string): string {
  const seed = sha256Digest(`${repository}:${tag}`);
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: seed },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 3_370_628, digest: sha256Digest(`${seed}/layer`) }],
  });
}

function checkParameters(list: Json | undefined, at: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw bad(at, 'must be a list');
  list.forEach((p, i) => {
    if (!isObject(p)) throw bad(`${at}[${i}]`, 'must be a mapping with name and value');
    if (typeof p.name !== 'string' || p.name === '') throw bad(`${at}[${i}].name`, 'is required');
    if (typeof p.value !== 'string' || p.value === '') throw bad(`${at}[${i}].value`, 'is required (a non-empty string; quote numbers)');
    if (p.type !== undefined && !(PARAMETER_TYPES as readonly Json[]).includes(p.type)) throw bad(`${at}[${i}].type`, `must be one of ${PARAMETER_TYPES.join(', ')}`);
  });
}

function checkStacks(list: Json | undefined, at: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw bad(at, 'must be a list');
  list.forEach((st, i) => {
    if (!isObject(st) || typeof st.name !== 'string' || st.name === '') throw bad(`${at}[${i}].name`, 'is required');
    if (st.outputs === undefined) return;
    if (!isObject(st.outputs)) throw bad(`${at}[${i}].outputs`, 'must be a mapping OutputKey: value');
    for (const [key, out] of Object.entries(st.outputs)) {
      const ok = typeof out === 'string' || (isObject(out) && typeof out.value === 'string'
        && (out.description === undefined || typeof out.description === 'string') && (out.exportName === undefined || typeof out.exportName === 'string'));
      if (!ok) throw bad(`${at}[${i}].outputs.${key}`, 'must be a string, or {value, description?, exportName?} with string fields');
    }
  });
}

function checkSeed(doc: unknown, where: string): SeedDocument {
  if (!isObject(doc as Json)) throw bad(where, 'expected a mapping with an `accounts` list');
  const accounts = (doc as JsonObject).accounts;
  if (!Array.isArray(accounts)) throw bad(where, '`accounts` must be a list');
  accounts.forEach((a, i) => {
    const at = `${where}: accounts[${i}]`;
    if (!isObject(a)) throw bad(at, 'must be a mapping');
    if (a.accountId !== undefined && (typeof a.accountId !== 'string' || !/^\d{12}$/.test(a.accountId))) {
      throw bad(`${at}.accountId`, 'must be a quoted 12-digit string');
    }
    if (a.region !== undefined && (typeof a.region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(a.region))) throw bad(`${at}.region`, 'must be a Region such as eu-west-1');
    for (const [key, list] of [['clusters', a.clusters], ['repositories', a.repositories], ['topics', a.topics]] as const) {
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw bad(`${at}.${key}`, 'must be a list');
      list.forEach((item, j) => {
        if (!isObject(item) || typeof item.name !== 'string' || item.name === '') throw bad(`${at}.${key}[${j}].name`, 'is required');
        if (key === 'repositories' && item.policy !== undefined) {
          const policy = item.policy;
          if (typeof policy !== 'string' && !isObject(policy)) throw bad(`${at}.${key}[${j}].policy`, 'must be a policy document (a mapping with Statement) or its JSON text');
          try {
            parseRepositoryPolicy(typeof policy === 'string' ? policy : JSON.stringify(policy));
          } catch (err) {
            throw bad(`${at}.${key}[${j}].policy`, (err as Error).message);
          }
        }
        if (key === 'repositories' && item.images !== undefined) {
          if (!Array.isArray(item.images)) throw bad(`${at}.${key}[${j}].images`, 'must be a list');
          item.images.forEach((img, k) => {
            if (!isObject(img) || !Array.isArray(img.tags) || !img.tags.every((t) => typeof t === 'string')) {
              throw bad(`${at}.${key}[${j}].images[${k}].tags`, 'must be a list of strings');
            }
          });
        }
      });
    }
    checkParameters(a.parameters, `${at}.parameters`);
    checkStacks(a.stacks, `${at}.stacks`);
  });
  return doc as SeedDocument;
}

/** Applies a seed; existing clusters, repositories and identical tags are left as they are. */
export function applySeed(core: SandboxCore, doc: SeedDocument, where = 'document'): void {
  const seed = checkSeed(doc, where);
  const now = core.clock.now();
  for (const account of seed.accounts) {
    const ctx = core.context(account.accountId ?? DEFAULT_ACCOUNT, account.region ?? DEFAULT_REGION);
    try {
      for (const c of account.clusters ?? []) {
        if (ctx.state.clusters.has(c.name)) continue;
        const input: JsonObject = { clusterName: c.name };
        if (c.capacityProviders) input.capacityProviders = [...c.capacityProviders];
        if (c.defaultCapacityProviderStrategy) input.defaultCapacityProviderStrategy = c.defaultCapacityProviderStrategy.map((s) => ({ ...s }));
        createCluster(ctx, input);
        const arn = ctx.state.clusters.get(c.name)?.arn;
        if (arn && c.tags) addTags(ctx.state, arn, new Map(Object.entries(c.tags).map(([k, v]) => [k, String(v)])));
      }
      for (const r of account.repositories ?? []) {
        const repo = ctx.state.repositories.get(r.name) ?? createRepositoryRecord(ctx.state, r.name, now);
        if (r.policy !== undefined) setRepositoryPolicyText(repo, typeof r.policy === 'string' ? r.policy : JSON.stringify(r.policy));
        for (const image of r.images ?? []) {
          const manifest = image.manifest ?? generatedManifest(r.name, image.tags[0] ?? 'untagged');
          const digest = sha256Digest(manifest);
          if (image.tags.length === 0) putImageRecord(ctx.state, repo, manifest, undefined, now);
          for (const tag of image.tags) if (repo.tags.get(tag) !== digest) putImageRecord(ctx.state, repo, manifest, tag, now);
        }
      }
      for (const p of account.parameters ?? []) {
        const existing = ctx.state.parameters.get(p.name);
        const current = existing?.versions[existing.versions.length - 1];
        const type = p.type ?? 'String';
        if (current?.value === p.value && current.type === type) continue;
        putParameterRecord(ctx.state, now, { name: p.name, value: p.value, type, overwrite: true });
      }
      for (const st of account.stacks ?? []) putStack(ctx.state, now, st.name, st.outputs ?? {});
      // The query protocol's map shape, as the SDK sends CreateTopic's Attributes.
      for (const t of account.topics ?? []) {
        createTopic(ctx, { Name: t.name, ...(t.name.endsWith('.fifo') ? { 'Attributes.entry.1.key': 'FifoTopic', 'Attributes.entry.1.value': 'true' } : {}) });
      }
    } catch (err) {
      if (err instanceof SandboxApiError) throw bad(`${where}: account ${ctx.state.account} ${ctx.state.region}`, err.message);
      throw err;
    }
  }
}

/** Reads a seed file, or every *.yaml/*.yml/*.json file of a folder (sorted by name). */
export async function loadSeed(location: string, signal?: AbortSignal): Promise<{ file: string; doc: SeedDocument }[]> {
  let files: string[];
  try {
    const info = await stat(location);
    files = info.isDirectory()
      ? (await readdir(location)).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort().map((f) => path.join(location, f))
      : [location];
  } catch (err) {
    throw new GitopsError('IO_READ_FAILED', `cannot read seed ${location}: ${(err as Error).message}`, { path: location }, { cause: err });
  }
  const out: { file: string; doc: SeedDocument }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, { encoding: 'utf8', ...(signal ? { signal } : {}) });
    } catch (err) {
      throw new GitopsError('IO_READ_FAILED', `cannot read seed file ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw bad(file, `not valid YAML/JSON: ${(err as Error).message}`);
    }
    out.push({ file, doc: checkSeed(doc, file) });
  }
  return out;
}
