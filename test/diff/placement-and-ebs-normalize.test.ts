/**
 * Table tests for two service normalizations (docs/diff.md "Services"):
 * placementStrategy[].field as ECS returns it (binpack cpu/memory upper case,
 * spread host -> instanceId), and the EBS volume configured at launch with the
 * defaults ECS documents. Each "same" row is no drift; each "different" row
 * is still exactly one change at the pointer named.
 */
import type { Deployment } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { diffService } from '../../src/diff/index.js';
import { normalizePlacementStrategy, normalizeVolumeConfiguration } from '../../src/diff/service-normalize.js';
import { baseSpec, liveService, liveTaskDefinition, manifestOf } from './fixtures.js';

function pointers(spec: Record<string, unknown>, live: Record<string, unknown>, onDeployment = false): string[] {
  const draft = { ...baseSpec(), ...spec };
  const svc = liveService();
  if (onDeployment) {
    // ECS reports volumeConfigurations only on the deployment.
    const primary = svc.deployments?.[0] as Deployment & Record<string, unknown>;
    Object.assign(primary, live);
  } else {
    Object.assign(svc, live);
  }
  return diffService(manifestOf(draft), { service: svc, taskDefinition: liveTaskDefinition() }).map((c) => c.pointer);
}

describe('placementStrategy field', () => {
  const same: [written: string, type: string, returned: string][] = [
    ['memory', 'binpack', 'MEMORY'],
    ['MEMORY', 'binpack', 'MEMORY'],
    ['Memory', 'binpack', 'MEMORY'],
    ['cpu', 'binpack', 'CPU'],
    ['host', 'spread', 'instanceId'],
    ['instanceId', 'spread', 'instanceId'],
    ['attribute:ecs.availability-zone', 'spread', 'attribute:ecs.availability-zone'],
  ];
  it.each(same)('%s (%s) against live %s is not drift', (written, type, returned) => {
    expect(pointers({ placementStrategy: [{ type, field: written }] }, { placementStrategy: [{ type, field: returned }] })).toEqual([]);
  });

  const different: [written: string, type: string, returned: string][] = [
    ['cpu', 'binpack', 'MEMORY'],
    ['instanceId', 'spread', 'attribute:ecs.availability-zone'],
    // A custom attribute name is the user's: its case is not folded.
    ['attribute:Rack', 'spread', 'attribute:rack'],
  ];
  it.each(different)('%s (%s) against live %s is drift at the field', (written, type, returned) => {
    expect(pointers({ placementStrategy: [{ type, field: written }] }, { placementStrategy: [{ type, field: returned }] }))
      .toEqual(['/spec/placementStrategy/0/field']);
  });

  it('normalizes one spelling per meaning and leaves entries without a field alone', () => {
    expect(normalizePlacementStrategy({ type: 'binpack', field: 'MEMORY' })).toEqual({ type: 'binpack', field: 'memory' });
    expect(normalizePlacementStrategy({ type: 'spread', field: 'HOST' })).toEqual({ type: 'spread', field: 'instanceId' });
    expect(normalizePlacementStrategy({ type: 'random' })).toEqual({ type: 'random' });
  });
});

describe('volumeConfigurations (EBS configured at launch)', () => {
  const role = 'arn:aws:iam::123456789012:role/ecsInfrastructureRole';
  const volume = (ebs: Record<string, unknown>) => [{ name: 'data', managedEBSVolume: { roleArn: role, sizeInGiB: 20, ...ebs } }];

  const same: [behaviour: string, written: Record<string, unknown>, returned: Record<string, unknown>][] = [
    ['filesystemType defaults to xfs', {}, { filesystemType: 'xfs' }],
    ['encrypted defaults to true', {}, { encrypted: true, filesystemType: 'xfs' }],
    ['volumeType defaults to gp3', {}, { volumeType: 'gp3' }],
    ['gp3 IOPS default to 3000', { volumeType: 'gp3' }, { volumeType: 'gp3', iops: 3000 }],
    ['gp3 throughput defaults to 125', { volumeType: 'gp3', throughput: 125 }, { volumeType: 'gp3' }],
    ['every default written, none returned', { filesystemType: 'xfs', encrypted: true, volumeType: 'gp3', iops: 3000, throughput: 125 }, {}],
  ];
  it.each(same)('%s: not drift', (_behaviour, written, returned) => {
    expect(pointers({ volumeConfigurations: volume(written) }, { volumeConfigurations: volume(returned) }, true)).toEqual([]);
  });

  const different: [behaviour: string, written: Record<string, unknown>, returned: Record<string, unknown>, pointer: string][] = [
    ['a resize', { sizeInGiB: 40 }, {}, '/spec/volumeConfigurations/0/managedEBSVolume/sizeInGiB'],
    ['ext4 written, xfs by default live', { filesystemType: 'ext4' }, {}, '/spec/volumeConfigurations/0/managedEBSVolume/filesystemType'],
    ['unencrypted written, encrypted live', { encrypted: false }, { encrypted: true }, '/spec/volumeConfigurations/0/managedEBSVolume/encrypted'],
    ['io2 IOPS are not gp3 defaults', { volumeType: 'io2', iops: 3000 }, { volumeType: 'io2', iops: 6000 }, '/spec/volumeConfigurations/0/managedEBSVolume/iops'],
  ];
  it.each(different)('%s: drift at the field', (_behaviour, written, returned, pointer) => {
    expect(pointers({ volumeConfigurations: volume(written) }, { volumeConfigurations: volume(returned) }, true)).toEqual([pointer]);
  });

  it('a volume only the manifest declares is drift (the deployment has none)', () => {
    expect(pointers({ volumeConfigurations: volume({}) }, {}, true)).toEqual(['/spec/volumeConfigurations']);
  });

  it('io1 gets no gp3 baseline', () => {
    expect(normalizeVolumeConfiguration({ name: 'd', managedEBSVolume: { roleArn: role, volumeType: 'io1', iops: 100 } }))
      .toEqual({ name: 'd', managedEBSVolume: { roleArn: role, volumeType: 'io1', iops: 100, filesystemType: 'xfs', encrypted: true } });
  });
});
