/**
 * `spec.sync.imagePreflight` (issue 18 §2) through the real `validate`
 * command: both values are accepted, anything else is refused naming the
 * file, line and field.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../support/run-cli.js';

const manifest = (preflight: string) => `apiVersion: ecs-gitops/v1
kind: Service
metadata: { name: web, cluster: demo, region: eu-west-1 }
spec:
  desiredCount: 1
  launchType: FARGATE
  networkConfiguration: { awsvpcConfiguration: { subnets: [subnet-a] } }
  taskDefinition:
    family: web
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - name: app
        image: 906394416424.dkr.ecr.eu-west-1.amazonaws.com/aws-for-fluent-bit:stable
  sync:
    images: as-written
    imagePreflight: ${preflight}
`;

describe('spec.sync.imagePreflight (validate)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-preflight-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['strict', 'permissive'])('accepts %s', async (value) => {
    await writeFile(path.join(dir, 'svc.yaml'), manifest(value));
    const out = await runCliCaptured(['validate', dir]);
    expect(out.stdout + out.stderr).toContain('valid: 1 file, 1 service');
    expect(out.code).toBe(0);
  });

  it('refuses another value, naming the file, line and field', async () => {
    await writeFile(path.join(dir, 'svc.yaml'), manifest('strictt'));
    const out = await runCliCaptured(['validate', dir]);
    expect(out.code).toBe(1);
    expect(out.stdout + out.stderr).toContain('svc.yaml:19:21: MANIFEST_BAD_ENUM /spec/sync/imagePreflight: "strictt" is not one of permissive, strict');
  });
});
