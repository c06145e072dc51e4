/**
 * deploy/cloudformation/ecs-gitops.yaml deployed into moto_server's
 * CloudFormation: the stack completes, and the cluster, service, task
 * definition and roles read back through the ECS and IAM APIs with the
 * properties the template promises. CloudFormation and IAM are called through
 * their Query APIs with plain form posts (see moto-query.ts): their SDK
 * clients are not dependencies, and the aws CLI cannot send the
 * x-moto-account-id header that keeps this test in its own account.
 *
 * moto's CloudFormation passes only some properties through to ECS (the
 * task definition's family, memory and container definitions; the service's
 * cluster, task definition and desired count): launch type, network mode and
 * the service's network and deployment settings are asserted on the template
 * itself by the static tests above, and the roles are read from IAM via the
 * stack's resources.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envNameFor } from '../../src/cli/flags.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { motoAccount, motoEndpoint } from '../support/moto.js';
import { resolve } from './cfn-resolve.js';
import { stackParameters, type Template as CfnTemplate } from './cfn-template.js';
import { allowingStatements, type PolicyStatement } from './iam-evaluate.js';
import { createVpc, motoQuery, xmlValue, type MotoQueryTarget } from './moto-query.js';

const root = path.resolve(import.meta.dirname, '../..');
const templateText = readFileSync(path.join(root, 'deploy/cloudformation/ecs-gitops.yaml'), 'utf8');
const policy = JSON.parse(readFileSync(path.join(root, 'deploy/iam/ecs-gitops-policy.json'), 'utf8')) as unknown;

interface Template {
  Parameters: Record<string, { Type: string; Default?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}
const template = parse(templateText) as Template;

/** The task role's policy as a stack with these parameters (over the defaults) would hold it. */
function taskRolePolicy(parameters: Record<string, string>, pseudo: Record<string, string>): { Statement: PolicyStatement[] } {
  const policies = resource('TaskRole').Policies as { PolicyDocument: unknown }[];
  return resolve(policies[0]?.PolicyDocument, {
    parameters: stackParameters(template as unknown as CfnTemplate, parameters), conditions: template.Conditions, pseudo,
  }) as { Statement: PolicyStatement[] };
}

function resource(name: string): Record<string, unknown> {
  const r = template.Resources[name];
  if (!r) throw new Error(`template has no resource ${name}`);
  return r.Properties;
}

describe('deploy/cloudformation/ecs-gitops.yaml (static)', () => {
  it('declares the parameters users set', () => {
    expect(Object.keys(template.Parameters)).toEqual(expect.arrayContaining([
      'Image', 'GitUrl', 'GitRef', 'GitPath', 'GitCredentialsSecretArn', 'VpcId', 'Subnets', 'ControllerId', 'MetricsCidr',
    ]));
  });

  it("gives the task role exactly deploy/iam/ecs-gitops-policy.json with the default parameters", () => {
    const policies = resource('TaskRole').Policies as { PolicyName: string; PolicyDocument: unknown }[];
    expect(policies).toHaveLength(1);
    // The sample policy is written for any account (`*`) in the aws partition.
    expect(taskRolePolicy({}, { 'AWS::Partition': 'aws', 'AWS::AccountId': '*', 'AWS::Region': 'eu-west-1' })).toEqual(policy);
  });

  it('binds the policy to ControllerId, ManagedClusterNamePattern, AdoptableClusterNamePattern, PassableRolePath and SchedulerRolePath', () => {
    const statements = taskRolePolicy(
      {
        ControllerId: 'team-a', ManagedClusterNamePattern: 'prod-*', AdoptableClusterNamePattern: 'legacy-*', PassableRolePath: '/apps/',
        SchedulerRolePath: '/jobs/',
      },
      { 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012', 'AWS::Region': 'eu-west-1' },
    ).Statement;
    const arn = (kind: string, name: string) => `arn:aws:ecs:eu-west-1:123456789012:${kind}/${name}`;
    const allowed = (action: string, resource: string, context: Record<string, string>) => allowingStatements(statements, { action, resource, context }).length > 0;
    const claim = { 'aws:RequestTag/ecs-gitops/managed-by': 'team-a' };
    expect(allowed('ecs:UpdateService', arn('service', 'prod-eu/web'), { 'aws:ResourceTag/ecs-gitops/managed-by': 'team-a' })).toBe(true);
    // Outside the managed clusters, even its own tag does not help.
    expect(allowed('ecs:UpdateService', arn('service', 'ops/web'), { 'aws:ResourceTag/ecs-gitops/managed-by': 'team-a' })).toBe(false);
    expect(allowed('ecs:UpdateService', arn('service', 'prod-eu/web'), { 'aws:ResourceTag/ecs-gitops/managed-by': 'ecs-gitops' })).toBe(false);
    // Adoption: in an allow-listed cluster, or a resource a person tagged; never elsewhere, never another controller's.
    expect(allowed('ecs:TagResource', arn('service', 'legacy-1/web'), claim)).toBe(true);
    expect(allowed('ecs:TagResource', arn('service', 'legacy-1/web'), { ...claim, 'aws:ResourceTag/ecs-gitops/managed-by': 'other' })).toBe(false);
    expect(allowed('ecs:TagResource', arn('service', 'prod-eu/web'), claim)).toBe(false);
    expect(allowed('ecs:TagResource', arn('service', 'prod-eu/web'), { ...claim, 'aws:ResourceTag/ecs-gitops/adopt': 'team-a' })).toBe(true);
    // Capacity providers are not in a cluster's ARN space: any name, bounded by the ownership and adopt tags only.
    expect(allowed('ecs:UpdateCapacityProvider', arn('capacity-provider', 'workers'), { 'aws:ResourceTag/ecs-gitops/managed-by': 'team-a' })).toBe(true);
    expect(allowed('ecs:DeleteCapacityProvider', arn('capacity-provider', 'workers'), { 'aws:ResourceTag/ecs-gitops/managed-by': 'ecs-gitops' })).toBe(false);
    expect(allowed('ecs:CreateCapacityProvider', arn('capacity-provider', 'workers'), claim)).toBe(true);
    expect(allowed('ecs:TagResource', arn('capacity-provider', 'workers'), claim)).toBe(false);
    expect(allowed('ecs:TagResource', arn('capacity-provider', 'workers'), { ...claim, 'aws:ResourceTag/ecs-gitops/adopt': 'team-a' })).toBe(true);
    expect(allowed('iam:PassRole', 'arn:aws:iam::123456789012:role/apps/web', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(true);
    expect(allowed('iam:PassRole', 'arn:aws:iam::123456789012:role/ecs-gitops-TaskRole', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(false);
    // Schedule roles: their own path, to Scheduler only.
    expect(allowed('iam:PassRole', 'arn:aws:iam::123456789012:role/jobs/nightly', { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe(true);
    expect(allowed('iam:PassRole', 'arn:aws:iam::123456789012:role/apps/web', { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe(false);
    expect(allowed('iam:PassRole', 'arn:aws:iam::123456789012:role/jobs/nightly', { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(false);
    // Its schedule group carries its own id; another controller's group is not re-tagged.
    const group = 'arn:aws:scheduler:eu-west-1:123456789012:schedule-group/ecs-gitops-team-a';
    expect(allowed('scheduler:CreateScheduleGroup', group, claim)).toBe(true);
    expect(allowed('scheduler:TagResource', group, { ...claim, 'aws:ResourceTag/ecs-gitops/managed-by': 'ecs-gitops' })).toBe(false);
    // Hook tasks: its own task definitions, stopped only in the managed clusters.
    const ownTaskDefinition = { 'aws:ResourceTag/ecs-gitops/managed-by': 'team-a' };
    expect(allowed('ecs:RunTask', 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3', { ...ownTaskDefinition, 'ecs:cluster': arn('cluster', 'prod-eu') })).toBe(true);
    expect(allowed('ecs:RunTask', 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3', { ...ownTaskDefinition, 'ecs:cluster': arn('cluster', 'ops') })).toBe(false);
    expect(allowed('ecs:StopTask', arn('task', 'prod-eu/abc'), { 'aws:ResourceTag/ecs-gitops/managed-by': 'team-a' })).toBe(true);
    expect(allowed('ecs:StopTask', arn('task', 'ops/abc'), { 'aws:ResourceTag/ecs-gitops/managed-by': 'team-a' })).toBe(false);
    // The allow-list statement exists only when the parameter is set.
    expect(statements.map((st) => st.Sid)).toContain('AdoptInAllowListedClusters');
    expect(taskRolePolicy({}, { 'AWS::Partition': 'aws', 'AWS::AccountId': '1', 'AWS::Region': 'x' }).Statement.map((st) => st.Sid)).not.toContain('AdoptInAllowListedClusters');
  });

  it('runs read-only with a writable /tmp and state dir, and generates its own mask key and API token in Secrets Manager', () => {
    const container = (resource('TaskDefinition').ContainerDefinitions as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.MountPoints).toEqual([
      { SourceVolume: 'tmp', ContainerPath: '/tmp', ReadOnly: false },
      { SourceVolume: 'state', ContainerPath: '/var/lib/ecs-gitops', ReadOnly: false },
    ]);
    expect(resource('TaskDefinition').Volumes).toEqual([{ Name: 'tmp' }, { Name: 'state' }]);
    // The state dir the controller is told is the one mounted writable (a read-only root would refuse the default).
    expect(container.Environment).toContainEqual({ Name: 'ECS_GITOPS_STATE_DIR', Value: '/var/lib/ecs-gitops' });
    // The image declares both volumes, so Fargate seeds them from the image: /tmp world-writable, the state dir the node user's.
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^VOLUME \["\/tmp", "\/var\/lib\/ecs-gitops"\]$/m);
    expect(dockerfile).toMatch(/chown node:node \/var\/lib\/ecs-gitops/);
    // The heap limit the manifest input limit is derived from fits the 1 GiB task.
    expect(container.Environment).toContainEqual({ Name: 'NODE_OPTIONS', Value: '--max-old-space-size=768' });
    // Generated in the stack unless the person deploying names an existing secret.
    for (const [name, condition, parameter] of [['MaskKeySecret', 'GenerateMaskKey', 'MaskKeySecretArn'], ['ApiTokenSecret', 'GenerateApiToken', 'ApiTokenSecretArn']] as const) {
      expect(template.Resources[name]).toMatchObject({ Type: 'AWS::SecretsManager::Secret', Condition: condition });
      expect(resource(name).GenerateSecretString, name).toMatchObject({ PasswordLength: 48 });
      expect(template.Conditions[condition]).toEqual({ 'Fn::Equals': [{ Ref: parameter }, ''] });
    }
    const secretNames = (branch: unknown) => (branch as { Name: string }[]).map((e) => e.Name).sort();
    const [, withGit, withoutGit] = (container.Secrets as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
    expect(secretNames(withGit)).toEqual(['ECS_GITOPS_API_TOKEN', 'ECS_GITOPS_GIT_TOKEN', 'ECS_GITOPS_MASK_KEY']);
    expect(secretNames(withoutGit)).toEqual(['ECS_GITOPS_API_TOKEN', 'ECS_GITOPS_MASK_KEY']);
    // No default network for the API port: the person deploying names the one that scrapes it.
    expect(template.Parameters.MetricsCidr?.Default).toBeUndefined();
  });

  it('maps every plain environment variable to a flag of `ecs-gitops run`', () => {
    const container = (resource('TaskDefinition').ContainerDefinitions as Record<string, unknown>[])[0] as Record<string, unknown>;
    const runEnvNames = new Set(runCommand.flags.map((f) => envNameFor(f.name)));
    const names = (container.Environment as { Name: string }[]).map((e) => e.Name).filter((n) => n.startsWith('ECS_GITOPS_'));
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) expect(runEnvNames, name).toContain(name);
    // The Git token comes from Secrets Manager under the variable `run` reads it from.
    const runSource = readFileSync(path.join(root, 'src/cli/commands/run.ts'), 'utf8');
    expect(JSON.stringify(container.Secrets)).toContain('"Name":"ECS_GITOPS_GIT_TOKEN"');
    expect(runSource).toContain('ctx.env.ECS_GITOPS_GIT_TOKEN');
    // So do the mask key and the API token, read where their flags are.
    const configSource = readFileSync(path.join(root, 'src/cli/config-flags.ts'), 'utf8');
    for (const name of ['ECS_GITOPS_MASK_KEY', 'ECS_GITOPS_API_TOKEN']) expect(configSource, name).toContain(`'${name}'`);
  });

  it('lets the execution role pull images and write logs, and read only the Git secret and its own two', () => {
    const execution = resource('ExecutionRole');
    expect(execution.ManagedPolicyArns).toEqual(['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy']);
    expect(execution.Policies).toBeUndefined();
    const secretPolicy = template.Resources.ExecutionRoleGitSecretPolicy as unknown as { Condition: string; Properties: Record<string, unknown> };
    expect(secretPolicy.Condition).toBe('HasGitCredentials');
    expect(secretPolicy.Properties.Roles).toEqual([{ Ref: 'ExecutionRole' }]);
    expect(secretPolicy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'GitCredentialsSecretArn' } }],
    });
    expect((resource('ExecutionRoleSecretsPolicy').PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Effect: 'Allow', Action: 'secretsmanager:GetSecretValue',
        Resource: [
          { 'Fn::If': ['GenerateMaskKey', { Ref: 'MaskKeySecret' }, { Ref: 'MaskKeySecretArn' }] },
          { 'Fn::If': ['GenerateApiToken', { Ref: 'ApiTokenSecret' }, { Ref: 'ApiTokenSecretArn' }] },
        ],
      },
    ]);
  });

  it('runs one controller at a time and exposes port 9400', () => {
    expect(resource('Service')).toMatchObject({
      DesiredCount: 1, LaunchType: 'FARGATE', DeploymentConfiguration: { MinimumHealthyPercent: 0, MaximumPercent: 100 },
    });
    expect(resource('MetricsSecurityGroup').SecurityGroupIngress).toEqual([expect.objectContaining({ FromPort: 9400, ToPort: 9400, IpProtocol: 'tcp' })]);
  });
});

describe.skipIf(motoEndpoint() === null)('deploy/cloudformation/ecs-gitops.yaml in moto', () => {
  const region = 'eu-west-1';
  let target: MotoQueryTarget;
  let ecs: ECSClient;
  let vpc: { vpcId: string; subnets: string[] };
  const secretArn = `arn:aws:secretsmanager:${region}:123456789012:secret:git-token-AbCdEf`;
  // moto's CloudFormation cannot create AWS::SecretsManager::Secret: the stacks name existing secrets (the generated ones are checked statically).
  const maskKeyArn = `arn:aws:secretsmanager:${region}:123456789012:secret:mask-key-AbCdEf`;
  const apiTokenArn = `arn:aws:secretsmanager:${region}:123456789012:secret:api-token-AbCdEf`;
  const stackName = 'ecs-gitops-test';

  beforeAll(async () => {
    const account = motoAccount(region);
    target = { endpoint: account.endpoint, accountId: account.accountId, region };
    ecs = account.ecs();
    vpc = await createVpc(target);
    const parameters: Record<string, string> = {
      GitUrl: 'https://git.example.com/platform/ecs-manifests.git',
      GitRef: 'release',
      GitPath: 'clusters/prod',
      GitCredentialsSecretArn: secretArn,
      VpcId: vpc.vpcId,
      Subnets: vpc.subnets.join(','),
      Image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-gitops:0.1.0',
      MetricsCidr: '10.1.2.0/24',
      MaskKeySecretArn: maskKeyArn,
      ApiTokenSecretArn: apiTokenArn,
    };
    const form: Record<string, string> = { StackName: stackName, TemplateBody: templateText, 'Capabilities.member.1': 'CAPABILITY_IAM' };
    Object.entries(parameters).forEach(([key, value], i) => {
      form[`Parameters.member.${i + 1}.ParameterKey`] = key;
      form[`Parameters.member.${i + 1}.ParameterValue`] = value;
    });
    await motoQuery(target, 'cloudformation', 'CreateStack', '2010-05-15', form);
  });
  afterAll(() => ecs?.destroy());

  it('reaches CREATE_COMPLETE', async () => {
    let status: string | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      status = xmlValue(await motoQuery(target, 'cloudformation', 'DescribeStacks', '2010-05-15', { StackName: stackName }), 'StackStatus');
      if (status !== 'CREATE_IN_PROGRESS') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('CREATE_COMPLETE');
  });

  it('creates the cluster and a single-task service running the task definition', async () => {
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: ['ecs-gitops'] }));
    expect(clusters.clusters?.[0]).toMatchObject({ clusterName: 'ecs-gitops', status: 'ACTIVE' });
    const services = await ecs.send(new DescribeServicesCommand({ cluster: 'ecs-gitops', services: ['ecs-gitops'] }));
    const service = services.services?.[0];
    expect(service).toMatchObject({ serviceName: 'ecs-gitops', desiredCount: 1, status: 'ACTIVE' });
    expect(service?.clusterArn).toMatch(/:cluster\/ecs-gitops$/);
    expect(service?.taskDefinition).toMatch(/task-definition\/ecs-gitops:1$/);
  });

  it('creates the task definition with the Git settings, the token from Secrets Manager and both roles', async () => {
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'ecs-gitops' }));
    expect(taskDefinition).toMatchObject({ family: 'ecs-gitops', memory: '1024' });
    const container = taskDefinition?.containerDefinitions?.[0];
    expect(container?.image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-gitops:0.1.0');
    const env = Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      ECS_GITOPS_GIT_URL: 'https://git.example.com/platform/ecs-manifests.git',
      ECS_GITOPS_GIT_REF: 'release',
      ECS_GITOPS_PATH: 'clusters/prod',
      ECS_GITOPS_LISTEN: '0.0.0.0:9400',
      AWS_REGION: region,
    });
    expect(container?.secrets).toEqual([
      { name: 'ECS_GITOPS_GIT_TOKEN', valueFrom: secretArn },
      { name: 'ECS_GITOPS_MASK_KEY', valueFrom: maskKeyArn },
      { name: 'ECS_GITOPS_API_TOKEN', valueFrom: apiTokenArn },
    ]);
    expect(container?.portMappings?.[0]).toMatchObject({ containerPort: 9400 });
    expect(container?.healthCheck?.command?.join(' ')).toContain('http://127.0.0.1:9400/healthz');
    expect(container?.logConfiguration?.options?.['awslogs-group']).toBe('/ecs/ecs-gitops/ecs-gitops');
  });

  async function physicalId(logicalId: string, stack = stackName): Promise<string> {
    // DescribeStackResources, not DescribeStackResource: moto 5.2.1's single-resource look-up fails (500)
    // on a stack with a resource its Condition left out (the generated secrets, here).
    const all = await motoQuery(target, 'cloudformation', 'DescribeStackResources', '2010-05-15', { StackName: stack });
    const xml = [...all.matchAll(/<member>([\s\S]*?)<\/member>/g)].map((m) => m[1] ?? '').find((m) => xmlValue(m, 'LogicalResourceId') === logicalId) ?? '';
    expect(xmlValue(xml, 'ResourceStatus'), logicalId).toBe('CREATE_COMPLETE');
    const id = xmlValue(xml, 'PhysicalResourceId');
    if (!id) throw new Error(`no physical id for ${logicalId}: ${xml}`);
    return id;
  }

  it('creates the log group and the metrics security group', async () => {
    expect(await physicalId('LogGroup')).toBe('/ecs/ecs-gitops/ecs-gitops');
    const groupId = await physicalId('MetricsSecurityGroup');
    const groups = await motoQuery(target, 'ec2', 'DescribeSecurityGroups', '2016-11-15', { 'GroupId.1': groupId });
    expect(xmlValue(groups, 'vpcId')).toBe(vpc.vpcId);
    expect(groups).toMatch(/<fromPort>9400<\/fromPort>/);
  });

  it('gives the task role the least-privilege policy, trusted by ECS tasks only', async () => {
    const roleName = await physicalId('TaskRole');
    const role = await motoQuery(target, 'iam', 'GetRole', '2010-05-08', { RoleName: roleName });
    const trust = JSON.parse(decodeURIComponent(xmlValue(role, 'AssumeRolePolicyDocument') ?? '{}')) as { Statement: unknown[] };
    expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const inline = await motoQuery(target, 'iam', 'GetRolePolicy', '2010-05-08', { RoleName: roleName, PolicyName: 'ecs-gitops-controller' });
    const document = decodeURIComponent(xmlValue(inline, 'PolicyDocument') ?? '{}').replace(/&quot;|&#x27;|&#39;/g, '"');
    // moto keeps a CloudFormation-created inline policy as a Python dict repr: read its quotes as JSON's.
    // It also keeps an Fn::If's AWS::NoValue in a list as None, where CloudFormation drops the element.
    const stored = JSON.parse(document.startsWith("{'") ? document.replace(/'/g, '"').replace(/\bNone\b/g, 'null') : document) as { Statement: unknown[] };
    expect({ ...stored, Statement: stored.Statement.filter((st) => st !== null) })
      .toEqual(taskRolePolicy({}, { 'AWS::Partition': 'aws', 'AWS::AccountId': target.accountId, 'AWS::Region': region }));

    const executionRoleName = await physicalId('ExecutionRole');
    expect(executionRoleName).not.toBe(roleName);
    // (moto does not attach a role's ManagedPolicyArns from CloudFormation; the static test checks that one.)
    const secretPolicy = await motoQuery(target, 'iam', 'GetRolePolicy', '2010-05-08', { RoleName: executionRoleName, PolicyName: 'read-git-credentials' });
    expect(decodeURIComponent(xmlValue(secretPolicy, 'PolicyDocument') ?? '')).toContain(secretArn);
  });

  it('deploys without Git credentials: no Git secret in the task, no Git secret policy on the execution role', async () => {
    const form: Record<string, string> = { StackName: 'ecs-gitops-public', TemplateBody: templateText, 'Capabilities.member.1': 'CAPABILITY_IAM' };
    const parameters = { GitUrl: 'https://git.example.com/public.git', VpcId: vpc.vpcId, Subnets: vpc.subnets.join(','), ClusterName: 'ecs-gitops-public', MetricsCidr: '10.1.2.0/24',
      MaskKeySecretArn: maskKeyArn, ApiTokenSecretArn: apiTokenArn,
    };
    Object.entries(parameters).forEach(([key, value], i) => {
      form[`Parameters.member.${i + 1}.ParameterKey`] = key;
      form[`Parameters.member.${i + 1}.ParameterValue`] = value;
    });
    await motoQuery(target, 'cloudformation', 'CreateStack', '2010-05-15', form);
    const status = xmlValue(await motoQuery(target, 'cloudformation', 'DescribeStacks', '2010-05-15', { StackName: 'ecs-gitops-public' }), 'StackStatus');
    expect(status).toBe('CREATE_COMPLETE');
    const services = await ecs.send(new DescribeServicesCommand({ cluster: 'ecs-gitops-public', services: ['ecs-gitops'] }));
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: services.services?.[0]?.taskDefinition }));
    const container = taskDefinition?.containerDefinitions?.[0];
    expect((container?.secrets ?? []).map((x) => x.name).sort()).toEqual(['ECS_GITOPS_API_TOKEN', 'ECS_GITOPS_MASK_KEY']);
    expect(container?.image).toBe('ghcr.io/ecs-gitops/ecs-gitops:0.1.0');
    const roleName = await physicalId('ExecutionRole', 'ecs-gitops-public');
    const policies = await motoQuery(target, 'iam', 'ListRolePolicies', '2010-05-08', { RoleName: roleName });
    expect(policies).not.toContain('read-git-credentials');
  });
});
