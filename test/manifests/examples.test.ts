import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadManifests } from '../../src/manifests/index.js';

const examples = fileURLToPath(new URL('../../manifests', import.meta.url));

describe('example manifests in manifests/', () => {
  it('all validate, with no problems', async () => {
    const snapshot = await loadManifests(examples, { defaultRegion: 'us-east-1' });
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.files.length).toBeGreaterThanOrEqual(4);
  });

  it('cover what the README promises: a Fargate web service behind a load balancer, a worker without desiredCount, an EC2 bridge service, and the cluster', async () => {
    const snapshot = await loadManifests(examples);
    const byName = new Map(snapshot.services.map((s) => [s.name, s.manifest.spec]));
    const web = byName.get('web');
    expect(web?.launchType).toBe('FARGATE');
    expect(web?.loadBalancers?.[0]?.containerName).toBe('web');
    expect(web?.taskDefinition.containerDefinitions?.[0]?.image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2');
    expect(web?.taskDefinition.containerDefinitions?.[0]?.secrets?.every((s) => s.valueFrom?.startsWith('arn:aws:ssm:'))).toBe(true);
    const worker = byName.get('worker');
    expect(worker).toBeDefined();
    expect(worker).not.toHaveProperty('desiredCount');
    expect(worker?.taskDefinition.containerDefinitions?.[0]?.image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:2.0.1');
    const proxy = snapshot.services.find((s) => s.manifest.spec.taskDefinition.networkMode === 'bridge');
    expect(proxy?.manifest.spec.launchType).toBe('EC2');
    expect(proxy?.manifest.spec.taskDefinition.containerDefinitions?.[0]?.image).toBe('nginx:1.27');
    // Every cluster used has a kind: Cluster, and everything is in eu-west-1 (the sandbox's region).
    const clusters = new Set(snapshot.clusters.map((c) => c.key));
    for (const s of snapshot.services) {
      expect(s.region).toBe('eu-west-1');
      // A rendered service's cluster is in its own account (keys: [account@]region/name).
      expect(clusters.has(`${s.account === undefined ? '' : `${s.account}@`}${s.region}/${s.cluster}`), s.key).toBe(true);
    }
  });

  it('holds only manifest files (nothing the loader would skip by accident)', () => {
    const all = readdirSync(examples, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(all.every((e) => /\.(ya?ml|json)$/.test(e.name))).toBe(true);
  });
});
