import { describe, expect, it } from 'vitest';
import { checkEnvironmentReferences } from '../../src/render/index.js';

const DECLARED = new Set(['dev', 'staging', 'prod']);
const doc = (metadata: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({ apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name: 'api', ...metadata }, spec });

describe('checkEnvironmentReferences', () => {
  it.each([
    { name: 'a single-target document', document: doc({ cluster: 'c' }), expected: [] },
    { name: 'listed, declared, overridden', document: doc({ environments: ['dev', 'prod'] }, { environments: { prod: { desiredCount: 2 } } }), expected: [] },
    {
      name: 'an undeclared environment, misspelt',
      document: doc({ environments: ['dev', 'prdo'] }),
      expected: [{ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: '/metadata/environments/1', message: '/metadata/environments/1: no kind: Environment is named prdo (did you mean prod?); declared: dev, prod, staging' }],
    },
    {
      name: 'an environment when none is declared',
      declared: new Set<string>(),
      document: doc({ environments: ['dev'] }),
      expected: [{ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: '/metadata/environments/0', message: '/metadata/environments/0: no kind: Environment is named dev; no kind: Environment is declared' }],
    },
    {
      name: 'a name listed twice',
      document: doc({ environments: ['dev', 'dev'] }),
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/metadata/environments/1', message: '/metadata/environments/1: dev is listed twice: list each environment once' }],
    },
    {
      name: 'an empty list',
      document: doc({ environments: [] }),
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/metadata/environments', message: '/metadata/environments: must name at least one environment (declared: dev, prod, staging); remove it for a single-target document' }],
    },
    {
      name: 'not a list',
      document: doc({ environments: 'prod' }),
      expected: [{ code: 'MANIFEST_WRONG_TYPE', pointer: '/metadata/environments', message: '/metadata/environments: must be a list of environment names, not the string "prod"' }],
    },
    {
      name: 'a name that is not a string',
      document: doc({ environments: ['dev', 7] }),
      expected: [{ code: 'MANIFEST_WRONG_TYPE', pointer: '/metadata/environments/1', message: '/metadata/environments/1: must be an environment name, not the number 7' }],
    },
    {
      name: 'an override for a declared environment the document does not list',
      document: doc({ environments: ['dev'] }, { environments: { staging: {} } }),
      expected: [{ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: '/spec/environments/staging', target: 'key', message: '/spec/environments/staging: environment staging is declared but not listed in metadata.environments (dev): add it there, or remove this override' }],
    },
    {
      name: 'an override for an undeclared environment',
      document: doc({ environments: ['dev', 'prod'] }, { environments: { prdo: {} } }),
      expected: [{ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: '/spec/environments/prdo', target: 'key', message: '/spec/environments/prdo: no kind: Environment is named prdo (did you mean prod?); metadata.environments lists dev, prod' }],
    },
    {
      name: 'overrides without metadata.environments',
      document: doc({ cluster: 'c' }, { environments: { prod: {} } }),
      expected: [{ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: '/spec/environments', target: 'key', message: '/spec/environments: overrides need metadata.environments listing the environments this document is rendered for (declared: dev, prod, staging)' }],
    },
    {
      name: 'overrides that are not a mapping',
      document: doc({ environments: ['dev'] }, { environments: ['dev'] }),
      expected: [{ code: 'MANIFEST_WRONG_TYPE', pointer: '/spec/environments', message: '/spec/environments: must be a mapping of environment name: override, not a list' }],
    },
    {
      name: 'an override key that is an inherited member name',
      document: doc({ environments: ['dev'] }, { environments: JSON.parse('{"constructor": {}}') as unknown }),
      expected: [{ code: 'MANIFEST_UNKNOWN_ENVIRONMENT', pointer: '/spec/environments/constructor', target: 'key', message: '/spec/environments/constructor: no kind: Environment is named constructor; metadata.environments lists dev' }],
    },
  ])('$name', ({ document, expected, declared }) => {
    expect(checkEnvironmentReferences(document, declared ?? DECLARED)).toEqual(expected);
  });
});
