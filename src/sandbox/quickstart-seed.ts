/**
 * The quick start's seed as a value, identical to quickstart-seed.yaml (a
 * test keeps the two equal). Use this from code: a compiled build (dist/)
 * does not carry the YAML file, the value always works.
 */
import type { SeedDocument } from './seed.js';

export const QUICKSTART_SEED: SeedDocument = {
  accounts: [
    {
      accountId: '123456789012',
      region: 'eu-west-1',
      // Opted in for adoption by the quick start's controller, as a person would tag an existing cluster.
      clusters: [{ name: 'demo', capacityProviders: ['FARGATE', 'FARGATE_SPOT'], tags: { 'ecs-gitops/adopt': 'ecs-gitops-quickstart' } }],
      repositories: [
        { name: 'web', images: [{ tags: ['1.4.2'] }] },
        { name: 'worker', images: [{ tags: ['2.0.1'] }] },
      ],
    },
  ],
};
