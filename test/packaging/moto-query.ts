/**
 * Calls moto_server's AWS Query APIs (EC2, IAM, CloudFormation) with plain
 * form posts: those SDK clients are not dependencies of ecs-gitops, and moto
 * does not verify signatures. The Authorization header is unsigned; moto only
 * reads its credential scope to route the request to the right service. The
 * `x-moto-account-id` header keeps each test in its own account.
 */
export interface MotoQueryTarget {
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
}

export class MotoQueryError extends Error {}

/** One Query API call; returns the response XML (throws with the XML on an error status). */
export async function motoQuery(
  target: MotoQueryTarget, service: 'ec2' | 'iam' | 'cloudformation' | 'logs', action: string, version: string,
  params: Record<string, string> = {},
): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: version, ...params });
  const response = await fetch(`${target.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST/20260101/${target.region}/${service}/aws4_request, SignedHeaders=host, Signature=unsigned`,
      'x-moto-account-id': target.accountId,
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new MotoQueryError(`${service} ${action} failed (${response.status}): ${text}`);
  return text;
}

/** The text of the first `<tag>` element in `xml` (Query API responses are small and flat enough). */
export function xmlValue(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match?.[1];
}

/** A VPC with two subnets and a security group in `target`'s account (Fargate services need real subnet ids in moto). */
export async function createVpc(target: MotoQueryTarget): Promise<{ vpcId: string; subnets: string[]; securityGroup: string }> {
  const vpc = await motoQuery(target, 'ec2', 'CreateVpc', '2016-11-15', { CidrBlock: '10.20.0.0/16' });
  const vpcId = xmlValue(vpc, 'vpcId');
  if (!vpcId) throw new MotoQueryError(`CreateVpc returned no vpcId: ${vpc}`);
  const subnets: string[] = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    const subnet = await motoQuery(target, 'ec2', 'CreateSubnet', '2016-11-15', {
      VpcId: vpcId, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: `${target.region}${az}`,
    });
    const id = xmlValue(subnet, 'subnetId');
    if (!id) throw new MotoQueryError(`CreateSubnet returned no subnetId: ${subnet}`);
    subnets.push(id);
  }
  const group = await motoQuery(target, 'ec2', 'CreateSecurityGroup', '2016-11-15', {
    GroupName: 'ecs-gitops-test', GroupDescription: 'ecs-gitops test', VpcId: vpcId,
  });
  const securityGroup = xmlValue(group, 'groupId');
  if (!securityGroup) throw new MotoQueryError(`CreateSecurityGroup returned no groupId: ${group}`);
  return { vpcId, subnets, securityGroup };
}

/** CreateStack with `parameters`, then waits for it to leave CREATE_IN_PROGRESS; returns the final status. */
export async function createStack(
  target: MotoQueryTarget, stackName: string, templateBody: string, parameters: Record<string, string>,
  capability: 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' = 'CAPABILITY_IAM',
): Promise<string | undefined> {
  const form: Record<string, string> = { StackName: stackName, TemplateBody: templateBody, 'Capabilities.member.1': capability };
  Object.entries(parameters).forEach(([key, value], i) => {
    form[`Parameters.member.${i + 1}.ParameterKey`] = key;
    form[`Parameters.member.${i + 1}.ParameterValue`] = value;
  });
  await motoQuery(target, 'cloudformation', 'CreateStack', '2010-05-15', form);
  let status: string | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    status = xmlValue(await motoQuery(target, 'cloudformation', 'DescribeStacks', '2010-05-15', { StackName: stackName }), 'StackStatus');
    if (status !== 'CREATE_IN_PROGRESS') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}

/** A stack's outputs by key. */
export async function stackOutputs(target: MotoQueryTarget, stackName: string): Promise<Record<string, string>> {
  const xml = await motoQuery(target, 'cloudformation', 'DescribeStacks', '2010-05-15', { StackName: stackName });
  const outputs = xmlValue(xml, 'Outputs') ?? '';
  return Object.fromEntries([...outputs.matchAll(/<member>([\s\S]*?)<\/member>/g)].map((m) => [xmlValue(m[1] ?? '', 'OutputKey'), xmlValue(m[1] ?? '', 'OutputValue')]));
}

/**
 * A policy document as IAM's Get*Policy returns it (URL-encoded JSON in the XML).
 * moto keeps an inline policy CloudFormation created as a Python dict repr: its
 * quotes are read as JSON's, and an Fn::If's AWS::NoValue in a list, kept as None
 * where CloudFormation drops the element, is dropped here.
 */
export function storedPolicyDocument<T>(xml: string, tag: 'PolicyDocument' | 'AssumeRolePolicyDocument'): T {
  const document = decodeURIComponent(xmlValue(xml, tag) ?? '{}').replace(/&quot;|&#x27;|&#39;/g, '"');
  const parsed = JSON.parse(document.startsWith("{'") ? document.replace(/'/g, '"').replace(/\bNone\b/g, 'null').replace(/\bTrue\b/g, 'true') : document) as
    { Statement?: unknown[] };
  return (parsed.Statement ? { ...parsed, Statement: parsed.Statement.filter((s) => s !== null) } : parsed) as T;
}
