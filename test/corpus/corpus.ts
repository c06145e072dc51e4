/**
 * The real-world corpus of issue 18: task definitions published by AWS, by
 * observability vendors and by other deploy tools, each wrapped in a Service
 * manifest (test/corpus/manifests; sources and edits in docs/corpus.md).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'manifests');
export const CORPUS_ACCOUNT = '123456789012';
export const CORPUS_REGION = 'us-east-1';
export const CORPUS_CLUSTER = 'corpus';

export interface CorpusCase {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly spec: Record<string, unknown> & { taskDefinition: Record<string, unknown> };
  readonly images: readonly string[];
  readonly daemon: boolean;
}

export function loadCorpus(): CorpusCase[] {
  return readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => {
    const file = path.join(CORPUS_DIR, f);
    const text = readFileSync(file, 'utf8');
    const doc = parse(text) as { metadata: { name: string }; spec: CorpusCase['spec'] };
    const containers = doc.spec.taskDefinition.containerDefinitions as { image: string }[];
    return {
      name: doc.metadata.name, file, text, spec: doc.spec,
      images: containers.map((c) => c.image),
      daemon: doc.spec.schedulingStrategy === 'DAEMON',
    };
  });
}

/**
 * ECR images the corpus names, as `{account, region, repository, tag}`: those
 * in the deploying account (123456789012) and those AWS publishes from its own
 * accounts (aws-for-fluent-bit, the App Mesh Envoy image, Deep Learning Containers).
 */
export function ecrImages(cases: readonly CorpusCase[]): { accountId: string; region: string; repository: string; tag: string }[] {
  const seen = new Map<string, { accountId: string; region: string; repository: string; tag: string }>();
  for (const image of cases.flatMap((c) => c.images)) {
    const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+):(.+)$/.exec(image);
    if (!match) continue;
    const [, accountId, region, repository, tag] = match as unknown as [string, string, string, string, string];
    seen.set(image, { accountId, region, repository, tag });
  }
  return [...seen.values()];
}

/** ECS operations that change something; a second sync of an unchanged manifest must make none. */
export const MUTATING_OPERATIONS = [
  'CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'CreateService', 'UpdateService', 'DeleteService',
  'RegisterTaskDefinition', 'DeregisterTaskDefinition', 'TagResource', 'UntagResource',
] as const;
