/**
 * The pure half of `export --env`: live strings are escaped so the template
 * renders back to them for any environment (fast-check over strings made of
 * the characters the substitution reads); the template's metadata; and the
 * read-back, which renders the written text as the loader would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  escapeSubstitutions, escapeTree, renderWrittenTemplate, templateForEnvironment,
} from '../../src/export/environment-template.js';
import { substituteString, type RenderScope } from '../../src/render/index.js';
import type { EnvironmentManifest } from '../../src/manifests/types.js';

const PROD: EnvironmentManifest = {
  apiVersion: 'ecs-gitops/v1',
  kind: 'Environment',
  metadata: { name: 'prod' },
  spec: { account: '222222222222', region: 'eu-central-1', cluster: 'apps', variables: { TAG: 'v9' }, sync: { mode: 'detect' } },
};
const SCOPE: RenderScope = { environment: 'prod', account: '222222222222', region: 'eu-central-1', variables: { TAG: 'v9' } };

/** Strings dense in what substitution reads: `$`, `{`, `}`, the four prefixes and names. */
const tricky = fc.array(fc.constantFrom('$', '$$', '{', '}', '${', '$${', 'var.', 'env.', 'ssm:', 'cfn:', 'TAG', 'name', '/p', 'S.Out', 'x', ' '), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('escapeSubstitutions', () => {
  it.each([
    ['plain', 'plain'],
    ['${HOME}/bin', '${HOME}/bin'],
    ['${var.TAG}', '$${var.TAG}'],
    ['a ${env.name} b ${ssm:/p} c ${cfn:S.Out}', 'a $${env.name} b $${ssm:/p} c $${cfn:S.Out}'],
    ['$${var.TAG}', '$$${var.TAG}'],
    ['${var.', '$${var.'],
  ])('%s -> %s', (live, written) => {
    expect(escapeSubstitutions(live)).toBe(written);
  });

  it('renders back to the live text in any environment, with no lookup and no problem', () => {
    fc.assert(fc.property(tricky, (live) => {
      const rendered = substituteString(escapeSubstitutions(live), SCOPE);
      expect(rendered).toEqual({ text: live, lookups: [], problems: [] });
    }), { numRuns: 2000 });
  });

  it('escapes string values at any depth and never mapping keys', () => {
    expect(escapeTree({ '${var.k}': ['${var.TAG}', 1, true, null, { v: '${env.name}' }] }))
      .toEqual({ '${var.k}': ['$${var.TAG}', 1, true, null, { v: '$${env.name}' }] });
  });
});

describe('templateForEnvironment', () => {
  const manifest = (cluster: string) => ({
    apiVersion: 'ecs-gitops/v1', kind: 'Service',
    metadata: { name: 'web', cluster, region: 'eu-central-1' },
    spec: { desiredCount: 2, taskDefinition: { family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', command: ['echo ${env.name}'] }] } },
  });

  it.each([
    ['the environment\'s cluster is left out', 'apps', { name: 'web', environments: ['prod'] }],
    ['another cluster is kept', 'batch', { name: 'web', cluster: 'batch', environments: ['prod'] }],
  ])('%s; never metadata.region', (_, cluster, metadata) => {
    const template = templateForEnvironment(manifest(cluster), PROD);
    expect(template.metadata).toEqual(metadata);
    expect(template).toMatchObject({ apiVersion: 'ecs-gitops/v1', kind: 'Service' });
  });

  it('renders, from its YAML, to the single-target manifest it came from', () => {
    for (const cluster of ['apps', 'batch']) {
      const readBack = renderWrittenTemplate(stringify(templateForEnvironment(manifest(cluster), PROD)), PROD);
      expect(readBack.problems).toEqual([]);
      const rendered = readBack.manifest as { metadata: unknown; spec: Record<string, unknown> };
      expect(rendered.metadata).toEqual({ name: 'web', cluster, region: 'eu-central-1' });
      // The environment's sync.mode is filled in; the rest is what live holds.
      const { sync, ...spec } = rendered.spec;
      expect(sync).toEqual({ mode: 'detect' });
      expect(spec).toEqual(manifest(cluster).spec);
    }
  });
});

describe('renderWrittenTemplate', () => {
  it('says why a text does not render as written: a variable the environment lacks, a lookup', () => {
    const text = stringify({
      apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name: 'web', environments: ['prod'] },
      spec: { taskDefinition: { family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx:${var.NOPE}', command: ['${ssm:/p}'] }] } },
    });
    const readBack = renderWrittenTemplate(text, PROD);
    expect(readBack.problems).toEqual([
      expect.stringContaining('[environment prod] /spec/taskDefinition/containerDefinitions/0/image: ${var.NOPE} is not defined in environment prod\'s spec.variables'),
      '/spec/taskDefinition/containerDefinitions/0/command/0: ${ssm:/p} would be looked up, not kept as text',
    ]);
  });

  it('refuses a text that is not one mapping, and reports YAML problems', () => {
    expect(renderWrittenTemplate('a: 1\n---\nb: 2\n', PROD).problems).toEqual(['the file holds 2 document(s), not one mapping']);
    expect(renderWrittenTemplate('a: [\n', PROD).problems.length).toBeGreaterThan(0);
  });
});
