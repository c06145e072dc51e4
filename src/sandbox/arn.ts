/**
 * ARN and URI shapes the sandbox hands out. They follow the real (long) ARN
 * format so code that parses ARNs works the same against AWS.
 */
export const clusterArn = (region: string, account: string, cluster: string): string =>
  `arn:aws:ecs:${region}:${account}:cluster/${cluster}`;
export const serviceArn = (region: string, account: string, cluster: string, service: string): string =>
  `arn:aws:ecs:${region}:${account}:service/${cluster}/${service}`;
export const taskDefinitionArn = (region: string, account: string, family: string, revision: number): string =>
  `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`;
export const taskArn = (region: string, account: string, cluster: string, id: string): string =>
  `arn:aws:ecs:${region}:${account}:task/${cluster}/${id}`;
export const repositoryArn = (region: string, account: string, repository: string): string =>
  `arn:aws:ecr:${region}:${account}:repository/${repository}`;
export const registryHost = (region: string, account: string): string => `${account}.dkr.ecr.${region}.amazonaws.com`;
export const repositoryUri = (region: string, account: string, repository: string): string =>
  `${registryHost(region, account)}/${repository}`;

export interface ParsedArn {
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** e.g. "service/demo/web" */
  readonly resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, , service, region, account] = parts as [string, string, string, string, string];
  return { service, region, account, resource: parts.slice(5).join(':') };
}

/** The last path segment of an ARN, or the identifier itself when it is a plain name. */
export function nameFromIdentifier(identifier: string): string {
  if (!identifier.startsWith('arn:')) return identifier;
  const slash = identifier.lastIndexOf('/');
  return slash >= 0 ? identifier.slice(slash + 1) : identifier;
}

export interface EcrImageRef {
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/** Parses `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag][@sha256:...]`; undefined for any other image. */
export function parseEcrImage(image: string): EcrImageRef | undefined {
  const m = ECR_IMAGE.exec(image);
  if (!m) return undefined;
  const [, account, region, repository, tag, digest] = m as unknown as [string, string, string, string, string | undefined, string | undefined];
  return { account, region, repository, ...(digest ? { digest } : { tag: tag ?? 'latest' }) };
}
