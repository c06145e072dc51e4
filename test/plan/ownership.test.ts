/**
 * Ownership and opt-in adoption: whose a live resource is, and when an
 * untagged one may be taken over (only by a person's opt-in: the adopt tag or
 * the controller's cluster allow-list).
 */
import { describe, expect, it } from 'vitest';
import { adoptionRefusal, clusterAllowsAdoption, isControllerTagValue, ownershipOf, TAG_ADOPT } from '../../src/plan/ownership.js';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod-eu';

describe('ownershipOf', () => {
  it.each([
    [[], 'unowned'],
    [[{ key: 'ecs-gitops/managed-by', value: 'c1' }], 'ours'],
    [[{ key: 'ecs-gitops/managed-by', value: 'c2' }], 'other'],
    [[{ key: TAG_ADOPT, value: 'c1' }], 'unowned'],
  ] as const)('%j -> %s', (tags, kind) => {
    expect(ownershipOf(tags, 'c1').kind).toBe(kind);
  });
});

describe('isControllerTagValue', () => {
  it('matches an id longer than a tag value as the controller wrote it (its last 256 characters)', () => {
    const long = `ctl-${'x'.repeat(300)}`;
    expect(isControllerTagValue(long.slice(-256), long)).toBe(true);
    expect(isControllerTagValue(long, long)).toBe(true);
    expect(isControllerTagValue('c1', 'c1')).toBe(true);
    expect(isControllerTagValue('c2', 'c1')).toBe(false);
    expect(isControllerTagValue(undefined, 'c1')).toBe(false);
    expect(ownershipOf([{ key: 'ecs-gitops/managed-by', value: long.slice(-256) }], long).kind).toBe('ours');
  });
});

describe('clusterAllowsAdoption', () => {
  it.each([
    [['prod-eu'], true],
    [['prod-*'], true],
    [['*'], true],
    [['arn:aws:ecs:eu-west-1:123456789012:cluster/*'], true],
    [['arn:aws:ecs:us-east-1:123456789012:cluster/*'], false],
    [['prod'], false],
    [['prod-e'], false],
    [['staging-*', 'prod-eu'], true],
    // Regex metacharacters are literal: `.` is not "any character".
    [['prod.eu'], false],
    [['prod-(eu|us)'], false],
    [[], false],
  ] as const)('%j -> %s', (clusters, allowed) => {
    expect(clusterAllowsAdoption({ clusters }, { name: 'prod-eu', arn: ARN })).toBe(allowed);
  });

  it('no policy allows nothing', () => {
    expect(clusterAllowsAdoption(undefined, { name: 'prod-eu' })).toBe(false);
  });
});

describe('adoptionRefusal', () => {
  const cluster = { name: 'prod-eu', arn: ARN };
  it('refuses by default and says both ways to opt in', () => {
    const refusal = adoptionRefusal([], 'c1', cluster, undefined, 'service web in cluster prod-eu');
    expect(refusal).toContain('service web in cluster prod-eu already exists and is not managed by ecs-gitops');
    expect(refusal).toContain(`${TAG_ADOPT}=c1`);
    expect(refusal).toContain('--adopt-clusters prod-eu');
  });

  it('accepts the adopt tag with this controller id, from a tag list or a tag map', () => {
    expect(adoptionRefusal([{ key: TAG_ADOPT, value: 'c1' }], 'c1', cluster, undefined, 'x')).toBeUndefined();
    expect(adoptionRefusal({ [TAG_ADOPT]: 'c1' }, 'c1', cluster, undefined, 'x')).toBeUndefined();
  });

  it('refuses an adopt tag naming another controller or left empty', () => {
    expect(adoptionRefusal([{ key: TAG_ADOPT, value: 'c2' }], 'c1', cluster, undefined, 'x')).toContain('names "c2"');
    expect(adoptionRefusal([{ key: TAG_ADOPT, value: '' }], 'c1', cluster, undefined, 'x')).toBeDefined();
  });

  it('accepts a cluster on the allow-list', () => {
    expect(adoptionRefusal([], 'c1', cluster, { clusters: ['prod-*'] }, 'x')).toBeUndefined();
  });
});
