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
        // 3.3.0 is the release the quick start's canary step deploys.
        { name: 'checkout', images: [{ tags: ['3.2.0'] }, { tags: ['3.3.0'] }] },
        {
          name: 'api',
          images: [{ tags: ['1.0.0'] }, { tags: ['1.1.0'] }],
          // Built once here, pulled by the dev and prod accounts' tasks.
          policy: {
            Version: '2012-10-17',
            Statement: [{
              Effect: 'Allow',
              Principal: { AWS: ['arn:aws:iam::111111111111:root', 'arn:aws:iam::222222222222:root'] },
              Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            }],
          },
        },
      ],
      // What the quick start's Notifier (manifests/notifiers/team.yaml) publishes to: QUICKSTART_TOPIC_ARN.
      topics: [{ name: 'deploys' }],
    },
    // The dev and prod environments' accounts: the subnets their manifests look up.
    {
      accountId: '111111111111',
      region: 'eu-west-1',
      parameters: [{ name: '/network/private-subnets', value: 'subnet-0dev0000000000001,subnet-0dev0000000000002', type: 'StringList' }],
    },
    {
      accountId: '222222222222',
      region: 'eu-west-1',
      parameters: [{ name: '/network/private-subnets', value: 'subnet-0prod000000000001,subnet-0prod000000000002,subnet-0prod000000000003', type: 'StringList' }],
    },
  ],
};

/**
 * The SNS topic the quick start's Notifier (manifests/notifiers/team.yaml)
 * publishes to, created by the seed above; what it received is at
 * GET /_sandbox/sns/messages?topicArn=…
 */
export const QUICKSTART_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:deploys';
