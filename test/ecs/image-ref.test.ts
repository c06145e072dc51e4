/**
 * Properties of ECR image references: every ECR reference parses and names
 * itself back, and references to other registries are never taken for ECR
 * (so they are never looked up).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageName, parseEcrImage } from '../../src/ecs/image-resolver.js';

const account = fc.stringMatching(/^\d{12}$/);
const region = fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1', 'cn-north-1');
const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/).filter((s) => s.length <= 30);
const repository = fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/);
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);

describe('ECR image references', () => {
  it('an ECR reference parses to its parts and imageName writes it back', () => {
    fc.assert(fc.property(account, region, repository, fc.oneof(tag.map((t) => ({ tag: t })), digest.map((d) => ({ digest: d }))), (acct, reg, repo, pick) => {
      const host = `${acct}.dkr.ecr.${reg}.amazonaws.com${reg.startsWith('cn-') ? '.cn' : ''}`;
      const image = 'tag' in pick ? `${host}/${repo}:${pick.tag}` : `${host}/${repo}@${pick.digest}`;
      const ref = parseEcrImage(image);
      expect(ref).toMatchObject({ registryId: acct, region: reg, repository: repo, base: `${host}/${repo}`, ...pick });
      expect(ref && imageName(ref)).toBe(image);
    }));
  });

  it('references outside ECR are never ECR', () => {
    const host = fc.constantFrom('docker.io/library', 'public.ecr.aws', 'ghcr.io', 'quay.io', 'registry.example.com:5000', 'localhost:5000', 'gcr.io');
    fc.assert(fc.property(fc.option(host, { nil: undefined }), repository, fc.option(tag, { nil: undefined }), (h, repo, t) => {
      const image = `${h ? `${h}/` : ''}${repo}${t ? `:${t}` : ''}`;
      expect(parseEcrImage(image)).toBeUndefined();
    }));
  });

  it('an ECR-looking path inside another registry is not ECR', () => {
    fc.assert(fc.property(account, region, repository, (acct, reg, repo) => {
      expect(parseEcrImage(`mirror.example.com/${acct}.dkr.ecr.${reg}.amazonaws.com/${repo}:1`)).toBeUndefined();
      expect(parseEcrImage(`${acct}.dkr.ecr.${reg}.amazonaws.com.evil.example/${repo}:1`)).toBeUndefined();
    }));
  });
});
