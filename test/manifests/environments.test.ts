/**
 * kind: Environment and rendering through validateDocuments
 * (docs/manifests.md, "Environments"): every problem located in the source
 * (the override or the base) and naming the environment; keys with the
 * account; per-location duplicate checks; the cache serving an unchanged
 * snapshot without rendering again.
 */
import { describe, expect, it } from 'vitest';
import { formatProblem, ManifestFileCache, validateDocuments, type ManifestFileInput } from '../../src/manifests/index.js';
import { substituteLookups } from '../../src/lookups/substitute-lookups.js';

function environment(name: string, account: string, region = 'eu-west-1', extra = ''): string {
  return `apiVersion: ecs-gitops/v1
kind: Environment
metadata:
  name: ${name}
spec:
  account: "${account}"
  region: ${region}
  cluster: main
  variables:
    level: info${extra}
`;
}

const ENVIRONMENTS = `${environment('dev', '111111111111')}---\n${environment('prod', '222222222222')}`;

/** A Fargate service template listing dev and prod; `base` and `prod` are inserted under spec and under its prod override. */
function service(options: { name?: string; metadata?: string; base?: string; prod?: string; environments?: string } = {}): string {
  return `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: ${options.name ?? 'web'}
  environments: ${options.environments ?? '[dev, prod]'}${options.metadata ?? ''}
spec:
  desiredCount: 1
  launchType: FARGATE${options.base ?? ''}
  taskDefinition:
    family: web
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - name: app
        image: nginx
        environment:
          - { name: LEVEL, value: "\${var.level}" }
  networkConfiguration: { awsvpcConfiguration: { subnets: [subnet-1] } }
  environments:
    prod:
      desiredCount: 3${options.prod ?? ''}
`;
}

function check(files: Record<string, string>, cache?: ManifestFileCache) {
  const inputs: ManifestFileInput[] = Object.entries(files).map(([path, content]) => ({ path, content }));
  return validateDocuments(inputs, cache ? { cache } : {});
}

const lines = (files: Record<string, string>): string[] => check(files).problems.map(formatProblem);

describe('kind: Environment', () => {
  it('is a DesiredEnvironment in the snapshot, its manifest as written', () => {
    const snapshot = check({ 'envs.yaml': ENVIRONMENTS });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.environments?.map((e) => [e.key, e.name, e.account, e.region, e.source])).toEqual([
      ['environment:dev', 'dev', '111111111111', 'eu-west-1', { file: 'envs.yaml', line: 1, column: 1 }],
      ['environment:prod', 'prod', '222222222222', 'eu-west-1', { file: 'envs.yaml', line: 12, column: 1 }],
    ]);
    expect(snapshot.environments?.[0]?.manifest.metadata).toEqual({ name: 'dev' });
  });

  const envWith = (spec: string, name = 'dev'): string => `apiVersion: ecs-gitops/v1\nkind: Environment\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const base = '  account: "111111111111"\n  region: eu-west-1\n';
  it.each([
    ['a name with capitals', envWith(base, 'Prod'), 'e.yaml:4:9: MANIFEST_INVALID_VALUE /metadata/name: "Prod" is not a valid environment name: use 1-32 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (dev, staging, prod-eu)'],
    ['a name ending in a hyphen', envWith(base, 'dev-'), 'e.yaml:4:9: MANIFEST_INVALID_VALUE /metadata/name: "dev-" is not a valid environment name: use 1-32 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (dev, staging, prod-eu)'],
    ['an account of 11 digits', envWith('  account: "11111111111"\n  region: eu-west-1\n'), 'e.yaml:6:12: MANIFEST_INVALID_VALUE /spec/account: "11111111111" is not an AWS account id: write its 12 digits, quoted (account: "123456789012")'],
    ['an unquoted account', envWith('  account: 111111111111\n  region: eu-west-1\n'), 'e.yaml:6:12: MANIFEST_WRONG_TYPE /spec/account: expected text (a string), found the number 111111111111; quote it: "111111111111"'],
    ['no region', envWith('  account: "111111111111"\n'), 'e.yaml:5:1: MANIFEST_MISSING_FIELD /spec/region: missing required field "region"'],
    ['a bad region', envWith('  account: "111111111111"\n  region: Europe\n'), 'e.yaml:7:11: MANIFEST_INVALID_VALUE /spec/region: "Europe" is not an AWS region name such as eu-west-1'],
    ['a role ARN that is not one', envWith(`${base}  roleArn: arn:aws:iam::111111111111:user/bob\n`), 'e.yaml:8:12: MANIFEST_INVALID_VALUE /spec/roleArn: "arn:aws:iam::111111111111:user/bob" is not an IAM role ARN such as arn:aws:iam::123456789012:role/ecs-gitops-target'],
    ['a role in another account', envWith(`${base}  roleArn: arn:aws:iam::999999999999:role/deploy\n`), 'e.yaml:8:12: MANIFEST_ENVIRONMENT_CONFLICT /spec/roleArn: the role is in account 999999999999 but the environment\'s account is 111111111111; the controller assumes a role in the account it deploys to'],
    ['an external id of one character', envWith(`${base}  roleArn: arn:aws:iam::111111111111:role/deploy\n  externalId: x\n`), 'e.yaml:9:15: MANIFEST_INVALID_VALUE /spec/externalId: "x" is not a valid STS external id: use 2-1224 letters, digits and _+=,.@:/-'],
    ['an external id without a role', envWith(`${base}  externalId: abc\n`), 'e.yaml:8:15: MANIFEST_CONFLICTING_FIELDS /spec/externalId: an external id is only sent when assuming spec.roleArn; set roleArn or remove externalId'],
    ['a session name with a space', envWith(`${base}  sessionName: my session\n`), 'e.yaml:8:16: MANIFEST_INVALID_VALUE /spec/sessionName: "my session" is not a valid STS session name: use 2-64 letters, digits and _+=,.@-'],
    ['a bad cluster name', envWith(`${base}  cluster: a/b\n`), 'e.yaml:8:12: MANIFEST_INVALID_VALUE /spec/cluster: "a/b" is not a valid ECS name: use 1-255 letters, digits, hyphens (-) and underscores (_)'],
    ['a variable name with a dot', envWith(`${base}  variables:\n    log.level: info\n`), 'e.yaml:9:5: MANIFEST_INVALID_VALUE /spec/variables: variable name the text "log.level" is not valid: use letters, digits and underscores, not starting with a digit (it is written ${var.NAME})'],
    ['a variable that is not a string', envWith(`${base}  variables:\n    replicas: 3\n`), 'e.yaml:9:15: MANIFEST_WRONG_TYPE /spec/variables/replicas: expected text (a string), found the number 3; quote it: "3"'],
    ['an unknown rate category', envWith(`${base}  rateLimits:\n    service-reads: { burst: 10 }\n`), 'e.yaml:9:5: MANIFEST_UNKNOWN_FIELD /spec/rateLimits/service-reads: unknown field "service-reads"; did you mean "service-read"?'],
    ['a burst of 0', envWith(`${base}  rateLimits:\n    service-read: { burst: 0 }\n`), 'e.yaml:9:28: MANIFEST_INVALID_VALUE /spec/rateLimits/service-read/burst: 0 is below the minimum of 1'],
    ['a fractional burst', envWith(`${base}  rateLimits:\n    service-read: { burst: 1.5 }\n`), 'e.yaml:9:28: MANIFEST_WRONG_TYPE /spec/rateLimits/service-read/burst: expected a whole number, found the number 1.5; fractions are not allowed here'],
    ['a refill of 0', envWith(`${base}  rateLimits:\n    service-read: { refillPerSecond: 0 }\n`), 'e.yaml:9:38: MANIFEST_INVALID_VALUE /spec/rateLimits/service-read/refillPerSecond: must be > 0'],
    ['a sync mode that is not one', envWith(`${base}  sync: { mode: manual }\n`), 'e.yaml:8:17: MANIFEST_BAD_ENUM /spec/sync/mode: "manual" is not one of auto, detect'],
    ['prune that is not a boolean', envWith(`${base}  sync: { prune: "no" }\n`), 'e.yaml:8:18: MANIFEST_WRONG_TYPE /spec/sync/prune: expected true or false, found the text "no"; YAML 1.2 reads yes/no/on/off as text: write true or false'],
    ['an unknown spec field', envWith(`${base}  acount: "1"\n`), 'e.yaml:8:3: MANIFEST_UNKNOWN_FIELD /spec/acount: unknown field "acount"; did you mean "account"?'],
  ])('%s', (_name, content, expected) => {
    expect(lines({ 'e.yaml': content })).toEqual([expected]);
  });

  it('accepts every field at once', () => {
    const content = envWith(`${base}  roleArn: arn:aws:iam::111111111111:role/team/ecs-gitops-target\n  externalId: "ecs-gitops:dev/1"\n  sessionName: ecs-gitops@dev\n  cluster: main\n  variables: { LOG_LEVEL: debug, _x1: "" }\n  rateLimits: { service-read: { burst: 100, refillPerSecond: 0.5 }, scheduler-modify: { burst: 2 } }\n  sync: { mode: detect, prune: false }\n`);
    expect(lines({ 'e.yaml': content })).toEqual([]);
  });

  it('reports a duplicate name on both documents', () => {
    expect(lines({ 'a.yaml': environment('dev', '111111111111'), 'b.yaml': environment('dev', '333333333333') })).toEqual([
      'a.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY /metadata/name: environment environment:dev is also declared at b.yaml:4:9; neither document is applied until one is removed',
      'b.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY /metadata/name: environment environment:dev is also declared at a.yaml:4:9; neither document is applied until one is removed',
    ]);
  });

  it('reports two environments reaching one account with different roles or external ids, on both', () => {
    const role = (name: string, roleName: string, externalId?: string): string =>
      `${environment(name, '111111111111')}  roleArn: arn:aws:iam::111111111111:role/${roleName}\n${externalId ? `  externalId: ${externalId}\n` : ''}`;
    expect(lines({ 'a.yaml': role('dev', 'deploy'), 'b.yaml': role('qa', 'other') })).toEqual([
      'a.yaml:11:12: MANIFEST_ENVIRONMENT_CONFLICT /spec/roleArn: environment "dev" reaches account 111111111111 with roleArn arn:aws:iam::111111111111:role/deploy, but "qa" (b.yaml:4:9) with roleArn arn:aws:iam::111111111111:role/other; the controller holds one set of credentials per account, so environments in one account must name the same roleArn and externalId',
      'b.yaml:11:12: MANIFEST_ENVIRONMENT_CONFLICT /spec/roleArn: environment "qa" reaches account 111111111111 with roleArn arn:aws:iam::111111111111:role/other, but "dev" (a.yaml:4:9) with roleArn arn:aws:iam::111111111111:role/deploy; the controller holds one set of credentials per account, so environments in one account must name the same roleArn and externalId',
    ]);
    const ids = lines({ 'a.yaml': role('dev', 'deploy', 'one1'), 'b.yaml': role('qa', 'deploy') });
    expect(ids.map((l) => l.slice(0, l.indexOf(' /'))), ids.join('\n')).toEqual(['a.yaml:12:15: MANIFEST_ENVIRONMENT_CONFLICT', 'b.yaml:6:12: MANIFEST_ENVIRONMENT_CONFLICT']);
    expect(lines({ 'a.yaml': role('dev', 'deploy', 'one1'), 'b.yaml': role('qa', 'deploy', 'one1') })).toEqual([]);
  });
});

describe('rendering through validateDocuments', () => {
  it('renders each listed environment into its own account, with the override merged and variables substituted', () => {
    const snapshot = check({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': service() });
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services.map((s) => [s.key, s.environment, s.account, s.region, s.cluster, s.source, s.manifest.spec.desiredCount])).toEqual([
      ['111111111111@eu-west-1/main/web', 'dev', '111111111111', 'eu-west-1', 'main', { file: 'web.yaml', line: 1, column: 1 }, 1],
      ['222222222222@eu-west-1/main/web', 'prod', '222222222222', 'eu-west-1', 'main', { file: 'web.yaml', line: 1, column: 1 }, 3],
    ]);
    const prod = snapshot.services[1];
    expect(prod?.manifest.metadata).toEqual({ name: 'web', cluster: 'main', region: 'eu-west-1' });
    expect(prod?.manifest.spec.taskDefinition.containerDefinitions?.[0]?.environment).toEqual([{ name: 'LEVEL', value: 'info' }]);
    expect(Object.hasOwn(prod?.manifest.spec ?? {}, 'environments')).toBe(false);
    expect(prod?.lookups).toBeUndefined();
  });

  it('keeps lookups as written and lists them, in templates and in single-target documents', () => {
    const single = service().replace('  environments: [dev, prod]\n', '  cluster: main\n').replace(/ {2}environments:\n {4}prod:\n {6}desiredCount: 3\n/, '')
      .replace('[subnet-1]', '["${ssm:/net/subnets}"]').replace('${var.level}', '${cfn:network.LogLevel}');
    const snapshot = check({ 'web.yaml': single });
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services[0]?.key).toBe('us-east-1/main/web');
    expect(snapshot.services[0]?.lookups).toEqual([
      { pointer: '/spec/taskDefinition/containerDefinitions/0/environment/0/value', lookup: { source: 'cfn', stack: 'network', output: 'LogLevel', text: '${cfn:network.LogLevel}' }, offset: 0 },
      { pointer: '/spec/networkConfiguration/awsvpcConfiguration/subnets/0', lookup: { source: 'ssm', parameter: '/net/subnets', text: '${ssm:/net/subnets}' }, offset: 0 },
    ]);
    expect(snapshot.services[0]?.manifest.spec.networkConfiguration?.awsvpcConfiguration?.subnets).toEqual(['${ssm:/net/subnets}']);
  });

  it.each([
    ['an error in an override points at the override and names its environment', { prod: '\n      launchType: FARGTE' },
      ['web.yaml:24:19: MANIFEST_BAD_ENUM [environment prod] /spec/launchType: "FARGTE" is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES; did you mean "FARGATE"?']],
    ['an error in the base points at the base, once per environment', { base: '\n  schedulingStrategy: DAEMONN' },
      ['web.yaml:9:23: MANIFEST_BAD_ENUM [environment dev] /spec/schedulingStrategy: "DAEMONN" is not one of REPLICA, DAEMON; did you mean "DAEMON"?',
        'web.yaml:9:23: MANIFEST_BAD_ENUM [environment prod] /spec/schedulingStrategy: "DAEMONN" is not one of REPLICA, DAEMON; did you mean "DAEMON"?']],
    ['a patch that breaks the schema inside a container merged by name', { prod: '\n      taskDefinition:\n        containerDefinitions:\n          - { name: app, image: 5 }' },
      ['web.yaml:26:33: MANIFEST_WRONG_TYPE [environment prod] /spec/taskDefinition/containerDefinitions/0/image: expected text (a string), found the number 5; quote it: "5"']],
    ['an unknown field in an override', { prod: '\n      desiredcount: 2' },
      ['web.yaml:24:7: MANIFEST_UNKNOWN_FIELD [environment prod] /spec/desiredcount: unknown field "desiredcount"; did you mean "desiredCount"?']],
  ])('%s', (_name, parts, expected) => {
    expect(lines({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': service(parts) })).toEqual(expected);
  });

  it('reports an unknown environment once, at its entry, and still renders the known ones', () => {
    const snapshot = check({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': service({ environments: '[dev, prd]' }).replace('    prod:\n      desiredCount: 3\n', '    dev:\n      desiredCount: 3\n') });
    expect(snapshot.problems.map(formatProblem)).toEqual([
      'web.yaml:5:23: MANIFEST_UNKNOWN_ENVIRONMENT /metadata/environments/1: no kind: Environment is named prd (did you mean prod?); declared: dev, prod',
    ]);
    // The file has a problem: its dev instance is blocked, not applied and not pruned.
    expect(snapshot.services).toEqual([]);
    expect([...snapshot.blockedKeys]).toEqual(['111111111111@eu-west-1/main/web']);
  });

  it('reports an unknown variable where it is written, naming the environment and the variables it has', () => {
    expect(lines({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': service({ prod: '\n      taskDefinition:\n        containerDefinitions:\n          - { name: app, image: "nginx:${var.tag}" }' }) })).toEqual([
      'web.yaml:26:33: MANIFEST_UNKNOWN_VARIABLE [environment prod] /spec/taskDefinition/containerDefinitions/0/image: ${var.tag} is not defined in environment prod\'s spec.variables: it defines level',
    ]);
  });

  it('reports a lookup in a static field, in the override that wrote it', () => {
    expect(lines({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': service({ prod: '\n      taskDefinition:\n        family: "${ssm:/family}"' }) })).toEqual([
      expect.stringMatching(/^web\.yaml:25:17: MANIFEST_LOOKUP_IN_STATIC_FIELD \[environment prod\] \/spec\/taskDefinition\/family: \$\{ssm:\/family\} cannot be used here/),
    ]);
  });

  it('reports a stray ${var.…} in a single-target document', () => {
    const single = service().replace('  environments: [dev, prod]\n', '  cluster: main\n').replace(/ {2}environments:\n {4}prod:\n {6}desiredCount: 3\n/, '');
    expect(lines({ 'web.yaml': single })).toEqual([expect.stringMatching(/^web\.yaml:19:35: MANIFEST_UNKNOWN_VARIABLE \/spec\/taskDefinition\/containerDefinitions\/0\/environment\/0\/value: /)]);
  });

  it('blocks every instance of an environment whose file has problems, and the instances of a template with problems', () => {
    const broken = `${ENVIRONMENTS}  sync: { mode: manual }\n`;
    const snapshot = check({ 'envs.yaml': broken, 'web.yaml': service() });
    expect(snapshot.problems.map(formatProblem)).toEqual(['envs.yaml:22:17: MANIFEST_BAD_ENUM /spec/sync/mode: "manual" is not one of auto, detect']);
    expect(snapshot.services).toEqual([]);
    expect(snapshot.environments?.map((e) => e.name)).toEqual([]);
    // The environments themselves are blocked too (their file has a problem).
    expect([...snapshot.blockedKeys].sort()).toEqual(['111111111111@eu-west-1/main/web', '222222222222@eu-west-1/main/web', 'environment:dev', 'environment:prod']);
  });

  it('reports the same identity from two environments in one account and Region on both instances', () => {
    const files = { 'envs.yaml': `${environment('dev', '111111111111')}---\n${environment('qa', '111111111111')}`, 'web.yaml': service({ environments: '[dev, qa]' }).replace('    prod:', '    qa:') };
    expect(lines(files)).toEqual([
      'web.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY [environment dev] /metadata/name: service 111111111111@eu-west-1/main/web is also declared at web.yaml:4:9 (environment qa); neither document is applied until one is removed',
      'web.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY [environment qa] /metadata/name: service 111111111111@eu-west-1/main/web is also declared at web.yaml:4:9 (environment dev); neither document is applied until one is removed',
    ]);
  });

  it('keeps one service in two accounts apart, and a single-target one beside them (three keys)', () => {
    const single = service().replace('  environments: [dev, prod]\n', '  cluster: main\n  region: eu-west-1\n').replace(/ {2}environments:\n {4}prod:\n {6}desiredCount: 3\n/, '').replace('${var.level}', 'info');
    const snapshot = check({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': service(), 'plain/web.yaml': single });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services.map((s) => s.key).sort()).toEqual(['111111111111@eu-west-1/main/web', '222222222222@eu-west-1/main/web', 'eu-west-1/main/web']);
  });

  it('compares schedule names per account and Region', () => {
    const task = (cluster: string, environments: string): string => `apiVersion: ecs-gitops/v1
kind: ScheduledTask
metadata:
  name: nightly
  cluster: ${cluster}
  environments: ${environments}
spec:
  schedule: cron(0 3 * * ? *)
  roleArn: arn:aws:iam::111111111111:role/ecs-scheduler/run
  taskDefinition:
    family: nightly
    containerDefinitions: [{ name: job, image: busybox, memory: 128 }]
`;
    // Two accounts: two schedule groups, no clash.
    expect(lines({ 'envs.yaml': ENVIRONMENTS, 'a.yaml': task('a', '[dev]'), 'b.yaml': task('b', '[prod]') })).toEqual([]);
    // One account and Region, two clusters: one schedule group, a clash.
    expect(lines({ 'envs.yaml': ENVIRONMENTS, 'a.yaml': task('a', '[dev]'), 'b.yaml': task('b', '[dev]') })).toEqual([
      'a.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY [environment dev] /metadata/name: schedule name "nightly" is also used in 111111111111@eu-west-1 by scheduled-task:111111111111@eu-west-1/b/nightly (b.yaml:4:9 (environment dev)); a Region\'s scheduled tasks share one schedule group, so names must be unique per Region, whatever the cluster; neither document is applied until one is renamed',
      'b.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY [environment dev] /metadata/name: schedule name "nightly" is also used in 111111111111@eu-west-1 by scheduled-task:111111111111@eu-west-1/a/nightly (a.yaml:4:9 (environment dev)); a Region\'s scheduled tasks share one schedule group, so names must be unique per Region, whatever the cluster; neither document is applied until one is renamed',
    ]);
  });

  it('serves an unchanged snapshot from the cache without rendering again, and renders again when the environment changes', () => {
    const cache = new ManifestFileCache();
    const files = { 'envs.yaml': ENVIRONMENTS, 'web.yaml': service() };
    const first = check(files, cache);
    const second = check(files, cache);
    expect(second.services.map((s) => s.key)).toEqual(first.services.map((s) => s.key));
    // The very same frozen records: nothing was rendered, validated or built again.
    expect(second.services[0]?.manifest).toBe(first.services[0]?.manifest);
    expect(second.services[1]?.manifest).toBe(first.services[1]?.manifest);
    const changed = check({ ...files, 'envs.yaml': ENVIRONMENTS.replace('level: info', 'level: debug') }, cache);
    expect(changed.services[0]?.manifest).not.toBe(first.services[0]?.manifest);
    expect(changed.services[0]?.manifest.spec.taskDefinition.containerDefinitions?.[0]?.environment).toEqual([{ name: 'LEVEL', value: 'debug' }]);
    // prod's environment did not change: its instance is still the cached one.
    expect(changed.services[1]?.manifest).toBe(first.services[1]?.manifest);
  });

  it('hands an unchanged snapshot the very same Desired records (built once per rendered instance or document)', () => {
    const cache = new ManifestFileCache();
    const single = service({ name: 'api' }).replace('  environments: [dev, prod]\n', '  cluster: main\n').replace(/ {2}environments:\n {4}prod:\n {6}desiredCount: 3\n/, '').replace('${var.level}', 'info');
    const files = { 'envs.yaml': ENVIRONMENTS, 'web.yaml': service(), 'api.yaml': single };
    const first = check(files, cache);
    expect(first.services.map((s) => s.key)).toEqual(['us-east-1/main/api', '111111111111@eu-west-1/main/web', '222222222222@eu-west-1/main/web']);
    const second = check(files, cache);
    second.services.forEach((record, i) => expect(record).toBe(first.services[i]));
    expect(second.environments?.[0]).toBe(first.environments?.[0]);
    const changed = check({ ...files, 'envs.yaml': ENVIRONMENTS.replace('level: info', 'level: debug') }, cache);
    expect(changed.services[0]).toBe(first.services[0]);
    expect(changed.services[1]).not.toBe(first.services[1]);
    expect(changed.services[2]).toBe(first.services[2]);
  });

  it('blocks a cached instance when its environment moves, unchanged, into a file with a problem', () => {
    const cache = new ManifestFileCache();
    const dev = environment('dev', '111111111111');
    const prod = environment('prod', '222222222222');
    const first = check({ 'dev.yaml': dev, 'prod.yaml': prod, 'web.yaml': service() }, cache);
    expect(first.services.map((s) => s.key)).toEqual(['111111111111@eu-west-1/main/web', '222222222222@eu-west-1/main/web']);
    // prod, byte for byte the same, now sits beside a broken document.
    const moved = check({ 'dev.yaml': dev, 'more.yaml': `${prod}---\napiVersion: ecs-gitops/v1\nkind: Cluster\nmetadata: { name: "bad name" }\n`, 'web.yaml': service() }, cache);
    expect(moved.filesWithProblems.has('more.yaml')).toBe(true);
    expect(moved.services.map((s) => s.key)).toEqual(['111111111111@eu-west-1/main/web']);
    expect(moved.blockedKeys.has('222222222222@eu-west-1/main/web')).toBe(true);
  });

  it('gives a plain document the snapshot record it always had (no environment, account or lookups)', () => {
    const single = service().replace('  environments: [dev, prod]\n', '  cluster: main\n').replace(/ {2}environments:\n {4}prod:\n {6}desiredCount: 3\n/, '').replace('${var.level}', 'info');
    const record = check({ 'web.yaml': single }).services[0];
    expect(Object.keys(record ?? {}).sort()).toEqual(['cluster', 'contentHash', 'key', 'manifest', 'name', 'region', 'source']);
  });
});

describe('escapes: one rule for every document', () => {
  /** The service template with `command` added to its container (a YAML flow list). */
  const withCommand = (text: string, command: string): string => text.replace('        image: nginx\n', () => `        image: nginx\n        command: ${command}\n`);
  const single = (text: string): string => text.replace('  environments: [dev, prod]\n', '  cluster: main\n').replace(/ {2}environments:\n {4}prod:\n {6}desiredCount: 3\n/, '').replace('${var.level}', 'info');

  it('applies a document without environments as it renders: `$${var.` becomes `${var.`, a shell\'s `$${HOME}` stays', () => {
    const snapshot = check({ 'web.yaml': withCommand(single(service()), "[sh, -c, 'echo $${HOME} ${HOME} $${var.TAG} $${env.name} $${cfn:a.B}']") });
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services[0]?.manifest.spec.taskDefinition.containerDefinitions?.[0]?.command).toEqual(['sh', '-c', 'echo $${HOME} ${HOME} ${var.TAG} ${env.name} ${cfn:a.B}']);
    expect(snapshot.services[0]?.lookups).toBeUndefined();
  });

  it('renders a template with the same rule', () => {
    const snapshot = check({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': withCommand(service(), "[sh, -c, 'echo $${HOME} ${HOME} $${var.level} ${var.level}']") });
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services.map((s) => s.manifest.spec.taskDefinition.containerDefinitions?.[0]?.command?.[2])).toEqual([
      'echo $${HOME} ${HOME} ${var.level} info',
      'echo $${HOME} ${HOME} ${var.level} info',
    ]);
  });

  it.each([
    ['a document without environments', (command: string) => ({ 'web.yaml': withCommand(single(service()), command) })],
    ['a template', (command: string) => ({ 'envs.yaml': ENVIRONMENTS, 'web.yaml': withCommand(service(), command) })],
  ])('in %s, an escaped lookup beside a real one: only the real one is listed, at its offset, and only it is resolved', (_what, files) => {
    const snapshot = check(files("[sh, -c, 'echo $${ssm:/a} ${ssm:/a}']"));
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services.length).toBeGreaterThan(0);
    for (const record of snapshot.services) {
      const pointer = '/spec/taskDefinition/containerDefinitions/0/command/2';
      expect(record.manifest.spec.taskDefinition.containerDefinitions?.[0]?.command?.[2]).toBe('echo ${ssm:/a} ${ssm:/a}');
      expect(record.lookups).toEqual([{ pointer, lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 15 }]);
      const resolved = substituteLookups(record.manifest, record.lookups ?? [], () => ({ kind: 'text', text: 'subnet-1' }));
      expect(resolved.spec.taskDefinition.containerDefinitions?.[0]?.command?.[2]).toBe('echo ${ssm:/a} subnet-1');
    }
  });
});
