/**
 * A small stand-in for src/manifests loadManifests (injected as `load`): reads
 * every *.yaml under a directory, one problem per unparsable file, a
 * DesiredService per `kind: Service` document with a content hash. Only what
 * the source needs from a snapshot; the real loader is exercised in
 * checkout-source-real-loader.test.ts once it exists.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { DesiredService, ManifestProblem, ManifestSnapshot, ServiceManifest } from '../../../src/manifests/types.js';

async function listYaml(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listYaml(full, base)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path.relative(base, full));
  }
  return out.sort();
}

export async function yamlLoad(dir: string, signal?: AbortSignal): Promise<ManifestSnapshot> {
  const files = await listYaml(dir);
  const services: DesiredService[] = [];
  const problems: ManifestProblem[] = [];
  for (const file of files) {
    signal?.throwIfAborted();
    const text = await readFile(path.join(dir, file), 'utf8');
    const docs = parseAllDocuments(text);
    const docList = Array.isArray(docs) ? docs : [docs];
    for (const [index, doc] of docList.entries()) {
      if (doc.errors.length > 0) {
        problems.push({ code: 'MANIFEST_YAML_SYNTAX', file, line: 1, column: 1, pointer: '', documentIndex: index, message: doc.errors[0]?.message ?? 'bad yaml' });
        continue;
      }
      const value = doc.toJS() as Partial<ServiceManifest> | null;
      const name = value?.metadata?.name;
      const cluster = value?.metadata?.cluster;
      if (value?.kind !== 'Service' || typeof name !== 'string' || typeof cluster !== 'string' || !value.spec) {
        problems.push({ code: 'MANIFEST_YAML_SYNTAX', file, line: 1, column: 1, pointer: '', documentIndex: index, message: 'not a complete Service' });
        continue;
      }
      const manifest = { ...value, metadata: { name, cluster, region: 'us-east-1' } } as ServiceManifest;
      services.push({
        key: `us-east-1/${cluster}/${name}`,
        region: 'us-east-1',
        cluster,
        name,
        manifest,
        source: { file, line: 1, column: 1 },
        contentHash: createHash('sha256').update(JSON.stringify(manifest)).digest('hex'),
      });
    }
  }
  const filesWithProblems = new Set(problems.map((p) => p.file));
  return {
    root: dir,
    services: services.filter((s) => !filesWithProblems.has(s.source.file)),
    clusters: [],
    problems,
    files,
    filesWithProblems,
    blockedKeys: new Set(services.filter((s) => filesWithProblems.has(s.source.file)).map((s) => s.key)),
  };
}
