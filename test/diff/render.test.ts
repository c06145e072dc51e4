/**
 * Renderers: unified-style text (colours only when asked, a summary line) and
 * the JSON document for `--output json`.
 */
import { describe, expect, it } from 'vitest';
import { renderDiffJson, renderDiffText, serviceDiffResult, summaryLine, type Change, type DiffJson } from '../../src/diff/index.js';

const imageChange: Change = {
  pointer: '/spec/taskDefinition/containerDefinitions/0/image',
  desired: 'web:1.4.2',
  live: 'web:1.4.1',
  kind: 'changed',
  scope: 'taskDefinition',
};
const results = [
  serviceDiffResult('eu-west-1/prod/a', []),
  serviceDiffResult('eu-west-1/prod/b', [imageChange, { pointer: '/spec/launchType', desired: 'FARGATE', live: 'EC2', kind: 'changed', scope: 'replacement' }]),
  serviceDiffResult('eu-west-1/prod/c', [{ pointer: '/spec', desired: { desiredCount: 1 }, live: undefined, kind: 'added', scope: 'service' }]),
];

describe('renderDiffText', () => {
  it('prints a unified view per service and the summary line, without colour codes', () => {
    const text = renderDiffText(results, { colour: false });
    expect(text).not.toContain('\u001b[');
    expect(text.split('\n')).toEqual([
      '= eu-west-1/prod/a: in sync',
      '--- eu-west-1/prod/b (live)',
      '+++ eu-west-1/prod/b (manifest)',
      '@@ eu-west-1/prod/b: out of sync (2 changes) @@',
      '~ /spec/taskDefinition/containerDefinitions/0/image  [new task definition revision]',
      '-   "web:1.4.1"',
      '+   "web:1.4.2"',
      '~ /spec/launchType  [REQUIRES REPLACEMENT]',
      '-   "EC2"',
      '+   "FARGATE"',
      '--- eu-west-1/prod/c (live)',
      '+++ eu-west-1/prod/c (manifest)',
      '@@ eu-west-1/prod/c: missing (will be created) @@',
      '+ /spec  [create service]',
      '+   {',
      '+     "desiredCount": 1',
      '+   }',
      '3 services: 1 in sync, 1 out of sync, 1 missing',
      '',
    ]);
  });

  it('colours removals red and additions green when asked', () => {
    const text = renderDiffText(results, { colour: true });
    expect(text).toContain('\u001b[31m-   "web:1.4.1"\u001b[0m');
    expect(text).toContain('\u001b[32m+   "web:1.4.2"\u001b[0m');
  });

  it.each([
    [[], '0 services: 0 in sync, 0 out of sync, 0 missing'],
    [[serviceDiffResult('k', [])], '1 service: 1 in sync, 0 out of sync, 0 missing'],
  ])('summary line for %j', (input, line) => {
    expect(renderDiffText(input, { colour: false }).trim()).toContain(line);
  });

  it('summaryLine', () => {
    expect(summaryLine({ services: 5, inSync: 2, outOfSync: 2, missing: 1 })).toBe('5 services: 2 in sync, 2 out of sync, 1 missing');
  });
});

describe('renderDiffJson', () => {
  it('is parseable JSON with a summary and per-service changes', () => {
    const parsed = JSON.parse(renderDiffJson(results)) as DiffJson;
    expect(parsed.summary).toEqual({ services: 3, inSync: 1, outOfSync: 1, missing: 1 });
    expect(parsed.services.map((s) => s.status)).toEqual(['in-sync', 'out-of-sync', 'missing']);
    // The service that does not exist yet is created, as the text label says, not updated.
    expect(parsed.services.map((s) => s.action)).toEqual(['none', 'update', 'create']);
    expect(parsed.services[1]?.changes[0]).toEqual(imageChange);
  });
});
