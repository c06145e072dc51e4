/**
 * Many accounts (docs/deploy.md#many-accounts): the controller's stack with
 * ManageOwnAccount=false narrows its role to sts:AssumeRole on the
 * environments' roles and sns:Publish on the notification topics, and deploy/cloudformation/ecs-gitops-target-role.yaml
 * creates, in each target account, the role it assumes: trusted only by the
 * controller's role with the external ID, holding the controller's permissions
 * for that account. The templates are resolved and put to IAM's evaluation
 * (iam-evaluate.ts), then both are deployed to moto_server in two accounts
 * and the roles and policies read back through IAM.
 *
 * moto evaluates neither trust policies nor permissions (its STS hands out
 * credentials for any role ARN, without an external ID): what IAM would allow
 * is checked by evaluating the documents moto stored, and moto shows the
 * stacks create the roles, policies and outputs the two-account setup needs.
 */
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssumeRoleProvider, createStsClient } from '../../src/accounts/assume-role-credentials.js';
import { globToRegExp } from '../../src/util/glob.js';
import { dummyCredentials, motoAccount, motoEndpoint } from '../support/moto.js';
import {
  loadJson, loadTemplate, resourceProperties, rolePolicy, roleTrust, type PolicyDocument, type TrustDocument,
} from './cfn-template.js';
import { allowingStatements, trustingStatements, type PolicyStatement, type TrustStatement } from './iam-evaluate.js';
import { createStack, createVpc, motoQuery, MotoQueryError, stackOutputs, storedPolicyDocument, xmlValue, type MotoQueryTarget } from './moto-query.js';

const controllerStack = loadTemplate('deploy/cloudformation/ecs-gitops.yaml');
const targetStack = loadTemplate('deploy/cloudformation/ecs-gitops-target-role.yaml');
const controllerPolicy = loadJson<PolicyDocument>('deploy/iam/ecs-gitops-policy.json');
const assumeOnlyPolicy = loadJson<PolicyDocument>('deploy/iam/ecs-gitops-controller-assume-only-policy.json');
const targetPolicy = loadJson<PolicyDocument>('deploy/iam/ecs-gitops-target-role-policy.json');
const targetTrust = loadJson<TrustDocument>('deploy/iam/ecs-gitops-target-role-trust.json');

/**
 * What the controller does with its own credentials whatever account it manages: it assumes the
 * environments' roles, publishes notifications (docs/notifications.md) and uses its lease table
 * (docs/ha.md#permissions); a target role does none of these.
 */
const CONTROLLER_ONLY_SIDS: readonly string[] = ['PublishToNotificationTopics', 'AssumeEnvironmentRoles', 'HaLeaseTable'];
/** The DynamoDB calls src/ha/lease-table.ts makes (iam-policy.test.ts derives them from the SDK imports): HaLeaseTable's actions. */
const LEASE_TABLE_ACTIONS = [
  'dynamodb:BatchWriteItem', 'dynamodb:CreateTable', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive',
  'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:UpdateTimeToLive',
];
const withoutControllerOnly = (document: PolicyDocument): PolicyDocument =>
  ({ ...document, Statement: document.Statement.filter((s) => !CONTROLLER_ONLY_SIDS.includes(s.Sid ?? '')) });
const allowed = (statements: readonly PolicyStatement[], action: string, resource: string, context: Record<string, string> = {}) =>
  allowingStatements(statements, { action, resource, context }).length > 0;
const trusts = (statements: readonly TrustStatement[], principal: string, context: Record<string, string>) =>
  trustingStatements(statements, { principal: { AWS: principal }, action: 'sts:AssumeRole', context }).length > 0;

/** The example the documents in deploy/iam are written for. */
const EXAMPLE = { ControllerRoleArn: 'arn:aws:iam::111111111111:role/ecs-gitops-TaskRole-EXAMPLE', ExternalId: 'ecs-gitops-prod' };
const CUSTOM = {
  ControllerId: 'team-a', ManagedClusterNamePattern: 'prod-*', AdoptableClusterNamePattern: 'legacy-*', PassableRolePath: '/apps/', SchedulerRolePath: '/jobs/',
};

describe('deploy/cloudformation/ecs-gitops.yaml: ManageOwnAccount and TargetRoleArns', () => {
  const { template } = controllerStack;

  it('with ManageOwnAccount=false, gives the task role only deploy/iam/ecs-gitops-controller-assume-only-policy.json', () => {
    expect(template.Parameters.ManageOwnAccount).toMatchObject({ Default: 'true', AllowedValues: ['true', 'false'] });
    expect(rolePolicy(template, 'TaskRole', { ManageOwnAccount: 'false' }, '*')).toEqual(assumeOnlyPolicy);
  });

  it('assumes exactly the TargetRoleArns when given, and the same statements whether or not it manages its own account', () => {
    const arns = 'arn:aws:iam::222222222222:role/ecs-gitops-target,arn:aws:iam::333333333333:role/ecs-gitops-target';
    const cases: Record<string, string>[] = [{}, { TargetRoleArns: arns }, { TargetRoleNamePattern: 'gitops-*' }, { ...CUSTOM, TargetRoleArns: arns }];
    for (const given of cases) {
      const narrowed = rolePolicy(template, 'TaskRole', { ...given, ManageOwnAccount: 'false' }, '123456789012').Statement;
      const full = rolePolicy(template, 'TaskRole', given, '123456789012').Statement;
      expect(narrowed, JSON.stringify(given)).toEqual(full.filter((s) => CONTROLLER_ONLY_SIDS.includes(s.Sid ?? '')));
    }
    const narrowed = rolePolicy(template, 'TaskRole', { ManageOwnAccount: 'false', TargetRoleArns: arns }, '123456789012').Statement;
    expect(narrowed).toEqual([
      { Sid: 'PublishToNotificationTopics', Effect: 'Allow', Action: ['sns:Publish'], Resource: 'arn:aws:sns:*:123456789012:ecs-gitops*' },
      { Sid: 'AssumeEnvironmentRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: arns.split(',') },
      { Sid: 'HaLeaseTable', Effect: 'Allow', Action: LEASE_TABLE_ACTIONS, Resource: 'arn:aws:dynamodb:*:123456789012:table/ecs-gitops*' },
    ]);
    expect(allowed(narrowed, 'sts:AssumeRole', 'arn:aws:iam::333333333333:role/ecs-gitops-target')).toBe(true);
    // A role of the right name in an account not listed is not assumed.
    expect(allowed(narrowed, 'sts:AssumeRole', 'arn:aws:iam::444444444444:role/ecs-gitops-target')).toBe(false);
    expect(allowed(narrowed, 'ecs:UpdateService', 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web', { 'aws:ResourceTag/ecs-gitops/managed-by': 'ecs-gitops' })).toBe(false);
    // Notifications go out with the controller's own credentials, to topics of its own account only.
    expect(allowed(narrowed, 'sns:Publish', 'arn:aws:sns:eu-west-1:123456789012:ecs-gitops-deploys')).toBe(true);
    expect(allowed(narrowed, 'sns:Publish', 'arn:aws:sns:eu-west-1:222222222222:ecs-gitops-deploys')).toBe(false);
    expect(allowed(narrowed, 'sns:Publish', 'arn:aws:sns:eu-west-1:123456789012:billing-alerts')).toBe(false);
  });

  it('publishes only to topics matching NotificationTopicNamePattern, in both branches', () => {
    for (const manage of ['true', 'false']) {
      const statements = rolePolicy(template, 'TaskRole', { ManageOwnAccount: manage, NotificationTopicNamePattern: 'team-a-*' }, '123456789012').Statement;
      expect(allowed(statements, 'sns:Publish', 'arn:aws:sns:eu-west-1:123456789012:team-a-deploys'), manage).toBe(true);
      expect(allowed(statements, 'sns:Publish', 'arn:aws:sns:eu-west-1:123456789012:ecs-gitops-deploys'), manage).toBe(false);
      expect(allowed(statements, 'sns:CreateTopic', 'arn:aws:sns:eu-west-1:123456789012:team-a-deploys'), manage).toBe(false);
    }
  });

  it('outputs the role ARN the target stacks take as ControllerRoleArn', () => {
    expect(template.Outputs.TaskRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['TaskRole', 'Arn'] });
    expect(template.Outputs.TaskRoleArn?.Description).toContain('ControllerRoleArn');
  });
});

// ManagedClusterNamePattern bounds every tag-conditioned ECS statement: the role cannot tag a
// resource of another cluster as its own, on create or later, and so never updates it.
describe.each([
  ['the controller stack', () => rolePolicy(controllerStack.template, 'TaskRole', CUSTOM, '123456789012').Statement],
  ['a target role stack', () => rolePolicy(targetStack.template, 'TargetRole', { ...EXAMPLE, ...CUSTOM }, '123456789012').Statement],
])('%s with ManagedClusterNamePattern=prod-*', (_which, statements) => {
  const arn = (kind: string, name: string) => `arn:aws:ecs:eu-west-1:123456789012:${kind}/${name}`;
  const claim = { 'aws:RequestTag/ecs-gitops/managed-by': 'team-a' };
  const ours = { 'aws:ResourceTag/ecs-gitops/managed-by': 'team-a' };
  it.each([
    ['tags a service it creates in a managed cluster', 'ecs:TagResource', arn('service', 'prod-eu/web'), { 'ecs:CreateAction': 'CreateService', ...claim }, true],
    ['tags a service it creates in another cluster', 'ecs:TagResource', arn('service', 'ops/web'), { 'ecs:CreateAction': 'CreateService', ...claim }, false],
    ['creates a service in another cluster', 'ecs:CreateService', arn('service', 'ops/web'), claim, false],
    ['tags a cluster it creates outside the pattern', 'ecs:TagResource', arn('cluster', 'ops'), { 'ecs:CreateAction': 'CreateCluster', ...claim }, false],
    ['tags a hook task it starts in a managed cluster', 'ecs:TagResource', arn('task', 'prod-eu/abc'), { 'ecs:CreateAction': 'RunTask', ...claim }, true],
    ['tags a hook task it starts in another cluster', 'ecs:TagResource', arn('task', 'ops/abc'), { 'ecs:CreateAction': 'RunTask', ...claim }, false],
    ['re-stamps its own service in a managed cluster', 'ecs:TagResource', arn('service', 'prod-eu/web'), { ...ours, ...claim }, true],
    ['re-stamps a service tagged as its own in another cluster', 'ecs:TagResource', arn('service', 'ops/web'), { ...ours, ...claim }, false],
    ['updates a service tagged as its own in another cluster', 'ecs:UpdateService', arn('service', 'ops/web'), ours, false],
    ['runs its task definition in a managed cluster', 'ecs:RunTask', arn('task-definition', 'web:3'), { ...ours, 'ecs:cluster': arn('cluster', 'prod-eu') }, true],
    ['runs its task definition in another cluster', 'ecs:RunTask', arn('task-definition', 'web:3'), { ...ours, 'ecs:cluster': arn('cluster', 'ops') }, false],
    ['passes a task role under its path to ECS tasks', 'iam:PassRole', 'arn:aws:iam::123456789012:role/apps/web', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }, true],
    ['passes a task role of another account', 'iam:PassRole', 'arn:aws:iam::999999999999:role/apps/web', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }, false],
  ] as const)('%s: %s', (_what, action, resource, context, expected) => {
    expect(allowed(statements(), action, resource, context)).toBe(expected);
  });
});

describe('deploy/cloudformation/ecs-gitops-target-role.yaml (static)', () => {
  const { template } = targetStack;

  it('is deploy/iam/ecs-gitops-target-role-trust.json and -policy.json with the example parameters', () => {
    expect(roleTrust(template, 'TargetRole', EXAMPLE, '*')).toEqual(targetTrust);
    expect(rolePolicy(template, 'TargetRole', EXAMPLE, '*')).toEqual(targetPolicy);
    expect(targetPolicy).toEqual(withoutControllerOnly(controllerPolicy));
  });

  it('holds the controller stack\'s own-account policy without sts:AssumeRole and sns:Publish, for the same parameters', () => {
    const cases: Record<string, string>[] = [{}, CUSTOM, { ControllerId: 'x', ManagedClusterNamePattern: 'payments' }];
    for (const given of cases) {
      expect(rolePolicy(template, 'TargetRole', { ...EXAMPLE, ...given }, '222222222222'), JSON.stringify(given))
        .toEqual(withoutControllerOnly(rolePolicy(controllerStack.template, 'TaskRole', given, '222222222222')));
    }
  });

  it('requires a controller role and an external ID, kept out of the stack\'s description (NoEcho)', () => {
    expect(template.Parameters.ControllerRoleArn?.Default).toBeUndefined();
    expect(template.Parameters.ExternalId).toMatchObject({ NoEcho: true, MinLength: 2 });
    expect(template.Parameters.ExternalId?.Default).toBeUndefined();
    const externalId = new RegExp(template.Parameters.ExternalId?.AllowedPattern ?? '');
    // STS's own rule for ExternalId (docs/manifests.md, spec.externalId): the same characters validate passes.
    expect(externalId.test('ecs-gitops-prod:team/a@b=c,d.e+f')).toBe(true);
    expect(externalId.test('with space')).toBe(false);
    const controllerRole = new RegExp(template.Parameters.ControllerRoleArn?.AllowedPattern ?? '');
    expect(controllerRole.test(EXAMPLE.ControllerRoleArn)).toBe(true);
    expect(controllerRole.test('arn:aws:iam::111111111111:root')).toBe(false);
    expect(controllerRole.test('*')).toBe(false);
  });

  it('names its role so the controller stack\'s default TargetRoleNamePattern matches it, and outputs its ARN', () => {
    const name = String(template.Parameters.TargetRoleName?.Default ?? '');
    expect(name).toBe('ecs-gitops-target');
    expect(globToRegExp(String(controllerStack.template.Parameters.TargetRoleNamePattern?.Default ?? '')).test(name)).toBe(true);
    expect(resourceProperties(template, 'TargetRole').RoleName).toEqual({ Ref: 'TargetRoleName' });
    expect(template.Outputs.TargetRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['TargetRole', 'Arn'] });
  });

  it('trusts only the given controller role, and only with the given external ID', () => {
    const trust = roleTrust(template, 'TargetRole', { ControllerRoleArn: 'arn:aws:iam::111111111111:role/ctl', ExternalId: 'xid-1' }, '222222222222').Statement;
    expect(trusts(trust, 'arn:aws:iam::111111111111:role/ctl', { 'sts:ExternalId': 'xid-1' })).toBe(true);
    expect(trusts(trust, 'arn:aws:iam::111111111111:role/ctl', {})).toBe(false);
    expect(trusts(trust, 'arn:aws:iam::111111111111:role/ctl', { 'sts:ExternalId': 'xid-2' })).toBe(false);
    expect(trusts(trust, 'arn:aws:iam::111111111111:role/other', { 'sts:ExternalId': 'xid-1' })).toBe(false);
  });
});

describe.skipIf(motoEndpoint() === null)('two accounts in moto: the controller stack (ManageOwnAccount=false) and a target role stack', () => {
  const region = 'eu-west-1';
  const externalId = 'ecs-gitops-prod-7d1f';
  let controllerAccount: MotoQueryTarget;
  let prodAccount: MotoQueryTarget;
  let controllerRoleArn: string;
  let targetRoleArn: string;
  const sts = createStsClient({ region, endpoint: motoEndpoint() ?? 'http://127.0.0.1:1', credentials: dummyCredentials() });

  beforeAll(async () => {
    const a = motoAccount(region);
    const b = motoAccount(region);
    controllerAccount = { endpoint: a.endpoint, accountId: a.accountId, region };
    prodAccount = { endpoint: b.endpoint, accountId: b.accountId, region };
    const vpc = await createVpc(controllerAccount);
    // The target role's ARN is known before it exists: the controller stack can list it first.
    const expectedTargetRole = `arn:aws:iam::${prodAccount.accountId}:role/ecs-gitops-target`;
    const status = await createStack(controllerAccount, 'ecs-gitops', controllerStack.text, {
      GitUrl: 'https://git.example.com/platform/ecs-manifests.git', VpcId: vpc.vpcId, Subnets: vpc.subnets.join(','), MetricsCidr: '10.1.2.0/24',
      // moto's CloudFormation cannot create AWS::SecretsManager::Secret (cloudformation.moto.test.ts).
      MaskKeySecretArn: `arn:aws:secretsmanager:${region}:${controllerAccount.accountId}:secret:mask-key-AbCdEf`,
      ApiTokenSecretArn: `arn:aws:secretsmanager:${region}:${controllerAccount.accountId}:secret:api-token-AbCdEf`,
      ManageOwnAccount: 'false', TargetRoleArns: expectedTargetRole,
    });
    expect(status).toBe('CREATE_COMPLETE');
    controllerRoleArn = (await stackOutputs(controllerAccount, 'ecs-gitops')).TaskRoleArn ?? '';
    const targetStatus = await createStack(prodAccount, 'ecs-gitops-target', targetStack.text, {
      ControllerRoleArn: controllerRoleArn, ExternalId: externalId, ManagedClusterNamePattern: 'prod-*',
    }, 'CAPABILITY_NAMED_IAM');
    expect(targetStatus).toBe('CREATE_COMPLETE');
    targetRoleArn = (await stackOutputs(prodAccount, 'ecs-gitops-target')).TargetRoleArn ?? '';
  });
  afterAll(() => sts.destroy());

  it('outputs the controller\'s role in its account and the target role in the prod account, under the listed ARN', () => {
    expect(controllerRoleArn).toMatch(new RegExp(`^arn:aws:iam::${controllerAccount.accountId}:role/\\S+$`));
    expect(targetRoleArn).toBe(`arn:aws:iam::${prodAccount.accountId}:role/ecs-gitops-target`);
  });

  it('leaves the controller\'s role only sts:AssumeRole on the target role, sns:Publish on its own topics and its stack\'s lease table: no ECS write, no lookup of its own', async () => {
    const roleName = controllerRoleArn.split('/').pop() ?? '';
    const stored = storedPolicyDocument<PolicyDocument>(
      await motoQuery(controllerAccount, 'iam', 'GetRolePolicy', '2010-05-08', { RoleName: roleName, PolicyName: 'ecs-gitops-controller' }), 'PolicyDocument');
    // The stack 'ecs-gitops' names its table ecs-gitops-<stack>-leases.
    const leaseTable = `arn:aws:dynamodb:${region}:${controllerAccount.accountId}:table/ecs-gitops-ecs-gitops-leases`;
    expect(stored.Statement).toEqual([
      { Sid: 'PublishToNotificationTopics', Effect: 'Allow', Action: ['sns:Publish'], Resource: `arn:aws:sns:*:${controllerAccount.accountId}:ecs-gitops*` },
      { Sid: 'AssumeEnvironmentRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [targetRoleArn] },
      { Sid: 'HaLeaseTable', Effect: 'Allow', Action: LEASE_TABLE_ACTIONS, Resource: leaseTable },
    ]);
    expect(allowed(stored.Statement, 'sts:AssumeRole', targetRoleArn)).toBe(true);
    expect(allowed(stored.Statement, 'dynamodb:UpdateItem', leaseTable)).toBe(true);
    expect(allowed(stored.Statement, 'dynamodb:UpdateItem', `arn:aws:dynamodb:${region}:${controllerAccount.accountId}:table/ecs-gitops-other-leases`)).toBe(false);
    const service = `arn:aws:ecs:${region}:${controllerAccount.accountId}:service/prod-eu/web`;
    expect(allowed(stored.Statement, 'ecs:UpdateService', service, { 'aws:ResourceTag/ecs-gitops/managed-by': 'ecs-gitops' })).toBe(false);
    expect(allowed(stored.Statement, 'ssm:GetParameter', `arn:aws:ssm:${region}:${controllerAccount.accountId}:parameter/x`)).toBe(false);
  });

  it('creates the target role trusting the controller\'s role with the external ID, holding the policy for the prod account', async () => {
    const role = await motoQuery(prodAccount, 'iam', 'GetRole', '2010-05-08', { RoleName: 'ecs-gitops-target' });
    expect(xmlValue(role, 'Arn')).toBe(targetRoleArn);
    const trust = storedPolicyDocument<TrustDocument>(role, 'AssumeRolePolicyDocument');
    expect(trust).toEqual(roleTrust(targetStack.template, 'TargetRole', { ControllerRoleArn: controllerRoleArn, ExternalId: externalId }, prodAccount.accountId));
    expect(trusts(trust.Statement, controllerRoleArn, { 'sts:ExternalId': externalId })).toBe(true);
    expect(trusts(trust.Statement, controllerRoleArn, {})).toBe(false);

    const stored = storedPolicyDocument<PolicyDocument>(
      await motoQuery(prodAccount, 'iam', 'GetRolePolicy', '2010-05-08', { RoleName: 'ecs-gitops-target', PolicyName: 'ecs-gitops-target' }), 'PolicyDocument');
    expect(stored).toEqual(rolePolicy(targetStack.template, 'TargetRole',
      { ControllerRoleArn: controllerRoleArn, ExternalId: externalId, ManagedClusterNamePattern: 'prod-*' }, prodAccount.accountId));
    const service = (cluster: string) => `arn:aws:ecs:${region}:${prodAccount.accountId}:service/${cluster}/web`;
    const ours = { 'aws:ResourceTag/ecs-gitops/managed-by': 'ecs-gitops' };
    expect(allowed(stored.Statement, 'ecs:UpdateService', service('prod-eu'), ours)).toBe(true);
    expect(allowed(stored.Statement, 'ecs:UpdateService', service('ops'), ours)).toBe(false);
    // The same ARNs in the controller's account are not the target role's.
    expect(allowed(stored.Statement, 'ecs:UpdateService', `arn:aws:ecs:${region}:${controllerAccount.accountId}:service/prod-eu/web`, ours)).toBe(false);
  });

  it('keeps each role in its own account', async () => {
    await expect(motoQuery(controllerAccount, 'iam', 'GetRole', '2010-05-08', { RoleName: 'ecs-gitops-target' })).rejects.toThrow(MotoQueryError);
    const roles = await motoQuery(prodAccount, 'iam', 'ListRoles', '2010-05-08');
    expect([...roles.matchAll(/<RoleName>([^<]+)<\/RoleName>/g)].map((m) => m[1])).toEqual(['ecs-gitops-target']);
  });

  it('the TargetRoleArn output and the external ID, as an Environment names them, give credentials that act in the prod account', async () => {
    const credentials = createAssumeRoleProvider({
      role: { account: prodAccount.accountId, roleArn: targetRoleArn, externalId }, controllerId: 'ecs-gitops', sts,
    });
    const ecs = new ECSClient({ region, endpoint: prodAccount.endpoint, credentials, maxAttempts: 1 });
    try {
      const created = await ecs.send(new CreateClusterCommand({ clusterName: 'prod-eu' }));
      expect(created.cluster?.clusterArn).toBe(`arn:aws:ecs:${region}:${prodAccount.accountId}:cluster/prod-eu`);
    } finally {
      ecs.destroy();
    }
  });
});
