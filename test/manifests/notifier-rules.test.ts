/**
 * kind: Notifier through validateDocuments (docs/manifests.md, "Notifier"):
 * every rule with the exact problem a user sees (code, file:line:col,
 * message), secrets never echoed, the snapshot's DesiredNotifier records, and
 * a notifier with a problem blocking only itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProblem, formatWarning, sinkNames, validateDocuments, type ManifestFileInput } from '../../src/manifests/index.js';
import { FULL_NOTIFIER, MINIMAL_SERVICE as SERVICE } from './notifier-fixtures.js';

/** The first lines of every case: sinks and the rest of spec start on line 6. */
const head = (name = 'team', metadata = ''): string => `apiVersion: ecs-gitops/v1\nkind: Notifier\nmetadata:\n  name: ${name}\n${metadata}spec:\n`;


function check(files: Record<string, string>) {
  const inputs: ManifestFileInput[] = Object.entries(files).map(([path, content]) => ({ path, content }));
  return validateDocuments(inputs);
}

const printed = (files: Record<string, string>): string[] => {
  const snapshot = check(files);
  return [...snapshot.problems.map(formatProblem), ...(snapshot.warnings ?? []).map(formatWarning)];
};

interface NotifierCase {
  readonly name: string;
  readonly content: string;
  /** Exactly what validate prints for the file n.yaml: problems, then warnings. */
  readonly expected: readonly string[];
}

const CASES: readonly NotifierCase[] = [
  {
    name: 'bad name',
    content: `${head('Team_1')}  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:4:9: MANIFEST_INVALID_VALUE /metadata/name: "Team_1" is not a valid notifier name: use 1-64 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (team-payments, prod-alerts)',
    ],
  },
  {
    name: 'name too long',
    content: `${head('a'.repeat(65))}  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:4:9: MANIFEST_INVALID_VALUE /metadata/name: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is not a valid notifier name: use 1-64 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (team-payments, prod-alerts)',
    ],
  },
  {
    name: 'metadata.environments',
    content: `${head('team', '  environments: [prod]\n')}  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:5:3: MANIFEST_UNKNOWN_FIELD /metadata/environments: a Notifier is not rendered per environment: one notifier hears the events of every environment; remove metadata.environments and pick environments with spec.selector.environments',
    ],
  },
  {
    name: 'spec.environments',
    content: `${head()}  environments: {prod: {}}\n  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:6:3: MANIFEST_UNKNOWN_FIELD /spec/environments: a Notifier is not rendered per environment, so it takes no per-environment overrides; declare one Notifier per audience and pick environments with spec.selector.environments',
    ],
  },
  {
    name: 'no sinks field',
    content: `${head()}  events: [Applied]\n`,
    expected: [
      'n.yaml:5:1: MANIFEST_MISSING_FIELD /spec/sinks: missing required field "sinks"',
    ],
  },
  {
    name: 'empty sinks',
    content: `${head()}  sinks: []\n`,
    expected: [
      'n.yaml:6:10: MANIFEST_INVALID_VALUE /spec/sinks: a notifier needs at least one sink (slack, webhook, sns, github, gitlab)',
    ],
  },
  {
    name: 'sink without type',
    content: `${head()}  sinks:\n    - urlEnv: SLACK_URL\n`,
    expected: [
      'n.yaml:7:7: MANIFEST_MISSING_FIELD /spec/sinks/0/type: missing required field "type"',
    ],
  },
  {
    name: 'unknown sink type',
    content: `${head()}  sinks:\n    - type: teams\n      urlEnv: X\n`,
    expected: [
      'n.yaml:7:13: MANIFEST_BAD_ENUM /spec/sinks/0/type: "teams" is not one of slack, webhook, sns, github, gitlab',
    ],
  },
  {
    name: 'unknown field with hint',
    content: `${head()}  sinks:\n    - type: slack\n      urlEnv: SLACK_URL\n      chanel: deploys\n`,
    expected: [
      'n.yaml:9:7: MANIFEST_UNKNOWN_FIELD /spec/sinks/0/chanel: unknown field "chanel"; fields allowed here: type, name, ratePerSecond, burst, url, urlFile, urlEnv',
    ],
  },
  {
    name: 'unknown spec field',
    content: `${head()}  sink:\n    - type: slack\n`,
    expected: [
      'n.yaml:5:1: MANIFEST_MISSING_FIELD /spec/sinks: missing required field "sinks"',
      'n.yaml:6:3: MANIFEST_UNKNOWN_FIELD /spec/sink: unknown field "sink"; did you mean "sinks"?',
    ],
  },
  {
    name: 'token written',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n      token: ghp_plantedSecret123\n`,
    expected: [
      'n.yaml:9:7: MANIFEST_SECRET_IN_MANIFEST /spec/sinks/0/token: secrets are never written in a manifest (Git keeps every commit, and everyone who reads the repository reads them); put the token in a file named by tokenFile, or in an environment variable named by tokenEnv. Change the secret if this was ever committed',
    ],
  },
  {
    name: 'secret written',
    content: `${head()}  sinks:\n    - type: webhook\n      urlEnv: HOOK_URL\n      secret: planted-hmac-key\n`,
    expected: [
      'n.yaml:9:7: MANIFEST_SECRET_IN_MANIFEST /spec/sinks/0/secret: secrets are never written in a manifest (Git keeps every commit, and everyone who reads the repository reads them); put the HMAC key in a file named by secretFile, or in an environment variable named by secretEnv. Change the secret if this was ever committed',
    ],
  },
  {
    name: 'webhookUrl written',
    content: `${head()}  sinks:\n    - type: slack\n      webhookUrl: https://hooks.slack.com/services/T000/B000/plantedsecret\n`,
    expected: [
      'n.yaml:8:7: MANIFEST_SECRET_IN_MANIFEST /spec/sinks/0/webhookUrl: secrets are never written in a manifest (Git keeps every commit, and everyone who reads the repository reads them); put the incoming webhook URL in a file named by urlFile, or in an environment variable named by urlEnv. Change the secret if this was ever committed',
    ],
  },
  {
    name: 'slack none',
    content: `${head()}  sinks:\n    - type: slack\n`,
    expected: [
      'n.yaml:7:7: MANIFEST_NOTIFIER_CREDENTIALS /spec/sinks/0: a slack sink needs its incoming webhook URL: give urlFile or urlEnv (or url, for a URL that is not a secret); secrets are read from the file or variable, never written here',
    ],
  },
  {
    name: 'slack two',
    content: `${head()}  sinks:\n    - type: slack\n      urlFile: /run/secrets/slack\n      urlEnv: SLACK_URL\n`,
    expected: [
      'n.yaml:9:7: MANIFEST_NOTIFIER_CREDENTIALS /spec/sinks/0/urlEnv: a slack sink takes its incoming webhook URL from exactly one of url, urlFile or urlEnv; found urlFile and urlEnv',
    ],
  },
  {
    name: 'webhook none',
    content: `${head()}  sinks:\n    - type: webhook\n      secretEnv: HMAC\n`,
    expected: [
      'n.yaml:7:7: MANIFEST_NOTIFIER_CREDENTIALS /spec/sinks/0: a webhook sink needs the URL it posts to: give urlFile or urlEnv (or url, for a URL that is not a secret); secrets are read from the file or variable, never written here',
    ],
  },
  {
    name: 'webhook three',
    content: `${head()}  sinks:\n    - type: webhook\n      url: https://example.com/hook\n      urlFile: /f\n      urlEnv: HOOK_URL\n`,
    expected: [
      'n.yaml:9:7: MANIFEST_NOTIFIER_CREDENTIALS /spec/sinks/0/urlFile: a webhook sink takes the URL it posts to from exactly one of url, urlFile or urlEnv; found url, urlFile and urlEnv',
    ],
  },
  {
    name: 'webhook two secrets',
    content: `${head()}  sinks:\n    - type: webhook\n      url: https://example.com/hook\n      secretFile: /run/secrets/hmac\n      secretEnv: HMAC\n`,
    expected: [
      'n.yaml:10:7: MANIFEST_NOTIFIER_CREDENTIALS /spec/sinks/0/secretEnv: a webhook sink takes its HMAC key from at most one of secretFile or secretEnv; found secretFile and secretEnv',
    ],
  },
  {
    name: 'github no token',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n`,
    expected: [
      'n.yaml:7:7: MANIFEST_NOTIFIER_CREDENTIALS /spec/sinks/0: a github sink needs its API token: give tokenFile or tokenEnv; secrets are read from the file or variable, never written here',
    ],
  },
  {
    name: 'gitlab two tokens',
    content: `${head()}  sinks:\n    - type: gitlab\n      project: "42"\n      tokenFile: /t\n      tokenEnv: GITLAB_TOKEN\n`,
    expected: [
      'n.yaml:10:7: MANIFEST_NOTIFIER_CREDENTIALS /spec/sinks/0/tokenEnv: a gitlab sink takes its API token from exactly one of tokenFile or tokenEnv; found tokenFile and tokenEnv',
    ],
  },
  {
    name: 'slack url warning',
    content: `${head()}  sinks:\n    - type: slack\n      url: https://hooks.slack.com/services/T000/B000/plantedsecret\n`,
    expected: [
      'n.yaml:8:7: warning MANIFEST_SECRET_URL /spec/sinks/0/url: a Slack incoming webhook URL is a secret (whoever has it can post to the channel); move it to a file named by urlFile or an environment variable named by urlEnv, and keep url for a test receiver',
    ],
  },
  {
    name: 'url userinfo',
    content: `${head()}  sinks:\n    - type: webhook\n      url: https://alice:planted-password@example.com/hook\n`,
    expected: [
      'n.yaml:8:12: MANIFEST_SECRET_IN_MANIFEST /spec/sinks/0/url: the URL carries a user name or password (user:…@host): that is a secret written in the manifest; remove the user name and password, or move the whole URL to urlFile or urlEnv',
    ],
  },
  {
    name: 'url relative',
    content: `${head()}  sinks:\n    - type: webhook\n      url: /hook\n`,
    expected: [
      'n.yaml:8:12: MANIFEST_INVALID_VALUE /spec/sinks/0/url: the value is not an absolute URL: write http:// or https://, a host and a path',
    ],
  },
  {
    name: 'url ftp',
    content: `${head()}  sinks:\n    - type: webhook\n      url: ftp://example.com/hook\n`,
    expected: [
      'n.yaml:8:12: MANIFEST_INVALID_VALUE /spec/sinks/0/url: the value must be an http:// or https:// URL, not ftp:',
    ],
  },
  {
    name: 'apiUrl userinfo',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n      tokenEnv: GITHUB_TOKEN\n      apiUrl: https://bot:planted@ghe.example.com/api/v3\n`,
    expected: [
      'n.yaml:10:15: MANIFEST_SECRET_IN_MANIFEST /spec/sinks/0/apiUrl: the URL carries a user name or password (user:…@host): that is a secret written in the manifest; remove the user name and password',
    ],
  },
  {
    name: 'targetUrl bad',
    content: `${head()}  sinks:\n    - type: gitlab\n      project: group/web\n      tokenEnv: GITLAB_TOKEN\n      targetUrl: "ecs-gitops.example.com/{service}"\n`,
    expected: [
      'n.yaml:10:18: MANIFEST_INVALID_VALUE /spec/sinks/0/targetUrl: the value is not an absolute URL: write http:// or https://, a host and a path',
    ],
  },
  {
    name: 'targetUrl placeholder',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n      tokenEnv: GITHUB_TOKEN\n      targetUrl: "https://ecs-gitops.example.com/{servce}"\n`,
    expected: [
      'n.yaml:10:18: MANIFEST_NOTIFIER_PLACEHOLDER /spec/sinks/0/targetUrl: unknown placeholder {servce} (did you mean {service}?); the controller fills in {cluster}, {service}, {environment}, {region}, {account}',
    ],
  },
  {
    name: 'env name bad',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n      tokenEnv: 1TOKEN\n`,
    expected: [
      'n.yaml:9:17: MANIFEST_INVALID_VALUE /spec/sinks/0/tokenEnv: the text "1TOKEN" is not an environment variable name: use letters, digits and underscores, not starting with a digit (SLACK_WEBHOOK_URL)',
    ],
  },
  {
    name: 'file empty',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n      tokenFile: ""\n`,
    expected: [
      'n.yaml:9:18: MANIFEST_INVALID_VALUE /spec/sinks/0/tokenFile: must name a file (a relative path is read from the controller\'s working directory)',
    ],
  },
  {
    name: 'sns arn bad',
    content: `${head()}  sinks:\n    - type: sns\n      topicArn: arn:aws:sqs:eu-west-1:123456789012:deploys\n`,
    expected: [
      'n.yaml:8:17: MANIFEST_INVALID_VALUE /spec/sinks/0/topicArn: "arn:aws:sqs:eu-west-1:123456789012:deploys" is not an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:deploys (the topic name: letters, digits, - and _, with .fifo at the end of a FIFO topic)',
    ],
  },
  {
    name: 'sns arn account',
    content: `${head()}  sinks:\n    - type: sns\n      topicArn: arn:aws:sns:eu-west-1:1234:deploys\n`,
    expected: [
      'n.yaml:8:17: MANIFEST_INVALID_VALUE /spec/sinks/0/topicArn: "arn:aws:sns:eu-west-1:1234:deploys" is not an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:deploys (the topic name: letters, digits, - and _, with .fifo at the end of a FIFO topic)',
    ],
  },
  {
    name: 'sns name too long',
    content: `${head()}  sinks:\n    - type: sns\n      topicArn: arn:aws:sns:eu-west-1:123456789012:${'a'.repeat(252)}.fifo\n`,
    expected: [
      'n.yaml:8:17: MANIFEST_INVALID_VALUE /spec/sinks/0/topicArn: the topic name is 257 characters long; SNS topic names have at most 256 (.fifo included)',
    ],
  },
  {
    name: 'sns missing arn',
    content: `${head()}  sinks:\n    - type: sns\n`,
    expected: [
      'n.yaml:7:7: MANIFEST_MISSING_FIELD /spec/sinks/0/topicArn: missing required field "topicArn"',
    ],
  },
  {
    name: 'github repo bad',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme\n      tokenEnv: GITHUB_TOKEN\n`,
    expected: [
      'n.yaml:8:19: MANIFEST_INVALID_VALUE /spec/sinks/0/repository: "acme" is not a GitHub repository: write owner/repo (acme/payments)',
    ],
  },
  {
    name: 'gitlab project number',
    content: `${head()}  sinks:\n    - type: gitlab\n      project: 42\n      tokenEnv: GITLAB_TOKEN\n`,
    expected: [
      'n.yaml:8:16: MANIFEST_WRONG_TYPE /spec/sinks/0/project: expected text (a string), found the number 42; quote it: "42"',
    ],
  },
  {
    name: 'gitlab project bad',
    content: `${head()}  sinks:\n    - type: gitlab\n      project: web\n      tokenEnv: GITLAB_TOKEN\n`,
    expected: [
      'n.yaml:8:16: MANIFEST_INVALID_VALUE /spec/sinks/0/project: "web" is not a GitLab project: write its numeric id, quoted ("4242"), or its path group/project (group/subgroup/project)',
    ],
  },
  {
    name: 'context empty',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n      tokenEnv: GITHUB_TOKEN\n      context: ""\n`,
    expected: [
      'n.yaml:10:16: MANIFEST_INVALID_VALUE /spec/sinks/0/context: must not be empty; leave context out for the default ecs-gitops/{cluster}/{service}',
    ],
  },
  {
    name: 'context unknown placeholder',
    content: `${head()}  sinks:\n    - type: github\n      repository: acme/web\n      tokenEnv: GITHUB_TOKEN\n      context: "deploy/{cluster}/{sevice}/{branch}"\n`,
    expected: [
      'n.yaml:10:16: MANIFEST_NOTIFIER_PLACEHOLDER /spec/sinks/0/context: unknown placeholder {sevice} (did you mean {service}?); the controller fills in {cluster}, {service}, {environment}, {region}, {account}',
      'n.yaml:10:16: MANIFEST_NOTIFIER_PLACEHOLDER /spec/sinks/0/context: unknown placeholder {branch}; the controller fills in {cluster}, {service}, {environment}, {region}, {account}',
    ],
  },
  {
    name: 'event unknown',
    content: `${head()}  events: [RolloutComplete]\n  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:6:12: MANIFEST_BAD_ENUM /spec/events/0: "RolloutComplete" is not one of SyncStarted, Applied, RolloutCompleted, RolloutFailed, DriftDetected, DriftCorrected, ImageNotFound, HookFailed, PruneBlocked, ReconcileFailing, ReconcileRecovered; did you mean "RolloutCompleted"?',
    ],
  },
  {
    name: 'events empty',
    content: `${head()}  events: []\n  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:6:11: MANIFEST_INVALID_VALUE /spec/events: must name at least one event type; leave events out to send every type',
    ],
  },
  {
    name: 'minSeverity bad',
    content: `${head()}  selector: {minSeverity: warn}\n  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:6:27: MANIFEST_BAD_ENUM /spec/selector/minSeverity: "warn" is not one of info, warning, error',
    ],
  },
  {
    name: 'selector empty list',
    content: `${head()}  selector: {clusters: []}\n  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:6:24: MANIFEST_INVALID_VALUE /spec/selector/clusters: must name at least one cluster (a name or a glob such as web-*); leave clusters out to select all',
    ],
  },
  {
    name: 'selector empty glob',
    content: `${head()}  selector: {services: ["web-*", ""]}\n  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:6:34: MANIFEST_INVALID_VALUE /spec/selector/services/1: must not be empty: write a name or a glob such as web-*',
    ],
  },
  {
    name: 'selector unknown',
    content: `${head()}  selector: {service: [web]}\n  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:6:14: MANIFEST_UNKNOWN_FIELD /spec/selector/service: unknown field "service"; did you mean "services"?',
    ],
  },
  {
    name: 'rate zero',
    content: `${head()}  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys", ratePerSecond: 0 }\n`,
    expected: [
      'n.yaml:7:91: MANIFEST_INVALID_VALUE /spec/sinks/0/ratePerSecond: 0 must be above 0 (deliveries per second; 0.5 is one every two seconds)',
    ],
  },
  {
    name: 'burst zero',
    content: `${head()}  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys", burst: 0 }\n`,
    expected: [
      'n.yaml:7:83: MANIFEST_INVALID_VALUE /spec/sinks/0/burst: 0 must be 1 or more (deliveries sent at once before ratePerSecond paces them)',
    ],
  },
  {
    name: 'burst fraction',
    content: `${head()}  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys", burst: 1.5 }\n`,
    expected: [
      'n.yaml:7:83: MANIFEST_WRONG_TYPE /spec/sinks/0/burst: expected a whole number, found the number 1.5; fractions are not allowed here',
    ],
  },
  {
    name: 'sink name bad',
    content: `${head()}  sinks:\n    - { type: sns, name: Ops_Topic, topicArn: "arn:aws:sns:eu-west-1:123456789012:deploys" }\n`,
    expected: [
      'n.yaml:7:26: MANIFEST_INVALID_VALUE /spec/sinks/0/name: "Ops_Topic" is not a valid sink name: use 1-64 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (it names the sink as notifier/sink in status and metrics)',
    ],
  },
  {
    name: 'default names clash',
    content: `${head()}  sinks:\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:a" }\n    - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:b" }\n    - { type: sns, name: sns-2, topicArn: "arn:aws:sns:eu-west-1:123456789012:c" }\n`,
    expected: [
      'n.yaml:9:26: MANIFEST_NOTIFIER_SINK_NAME /spec/sinks/2/name: sink name "sns-2" is already the name of /spec/sinks/1 (its default name: the type, then type-2, type-3... for more unnamed sinks of that type), and sinks of a notifier need distinct names; give one of them a name of its own',
    ],
  },
  {
    name: 'written names clash',
    content: `${head()}  sinks:\n    - { type: sns, name: ops, topicArn: "arn:aws:sns:eu-west-1:123456789012:a" }\n    - { type: webhook, name: ops, urlEnv: HOOK }\n`,
    expected: [
      'n.yaml:8:30: MANIFEST_NOTIFIER_SINK_NAME /spec/sinks/1/name: sink name "ops" is already the name of /spec/sinks/0, and sinks of a notifier need distinct names; give one of them a name of its own',
    ],
  },

];

describe('kind: Notifier', () => {
  it('is a DesiredNotifier in the snapshot, its manifest as written, with every sink type', () => {
    const snapshot = check({ 'notifiers/payments.yaml': FULL_NOTIFIER });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.warnings).toEqual([]);
    expect(snapshot.notifiers?.map((n) => [n.key, n.name, n.source])).toEqual([['notifier:payments', 'payments', { file: 'notifiers/payments.yaml', line: 1, column: 1 }]]);
    const notifier = snapshot.notifiers?.[0];
    expect(notifier?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    // No Region is added: a notifier belongs to no location.
    expect(notifier?.manifest.metadata).toEqual({ name: 'payments' });
    expect(notifier?.manifest.spec.sinks.map((s) => s.type)).toEqual(['slack', 'slack', 'webhook', 'sns', 'github', 'gitlab']);
    expect(notifier && sinkNames(notifier.manifest.spec)).toEqual(['slack', 'slack-oncall', 'webhook', 'sns', 'github', 'gitlab']);
    // Nothing else is declared by it.
    expect([snapshot.services.length, snapshot.clusters.length, snapshot.environments?.length]).toEqual([0, 0, 0]);
  });

  it('changes its content hash when it changes, and only then', () => {
    const hash = (content: string): string | undefined => check({ 'n.yaml': content }).notifiers?.[0]?.contentHash;
    expect(hash(FULL_NOTIFIER)).toBe(hash(`# a comment\n${FULL_NOTIFIER}`));
    expect(hash(FULL_NOTIFIER)).not.toBe(hash(FULL_NOTIFIER.replace('minSeverity: info', 'minSeverity: warning')));
  });

  it.each(CASES)('$name', ({ content, expected }) => {
    expect(printed({ 'n.yaml': content })).toEqual(expected);
  });

  it('accepts a sink with only what it needs and one written slack url, with a warning only', () => {
    const snapshot = check({ 'n.yaml': `${head()}  sinks:\n    - type: slack\n      url: http://127.0.0.1:9999/slack\n` });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.warnings?.map((w) => w.code)).toEqual(['MANIFEST_SECRET_URL']);
    expect(snapshot.notifiers?.map((n) => n.key)).toEqual(['notifier:team']);
  });

  it('names default sinks by type, then type-2, type-3, skipping written names', () => {
    expect(sinkNames({ sinks: [{ type: 'slack', urlEnv: 'A' }, { type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:a' }, { type: 'slack', name: 'ops', urlEnv: 'B' }, { type: 'slack', urlEnv: 'C' }] })).toEqual(['slack', 'sns', 'ops', 'slack-2']);
  });

  it('never echoes a planted secret in a problem or a warning', () => {
    const planted = ['ghp_PLANTEDtoken0001', 'PLANTED-hmac-0002', 'T0/B0/PLANTEDslack0003', 'PLANTEDpassword0004', 'PLANTEDuser0005'];
    const content = `${head()}  sinks:
    - type: github
      repository: acme/web
      token: ${planted[0]}
    - type: webhook
      url: https://hooks.example.com/x
      secret: ${planted[1]}
    - type: slack
      url: https://hooks.slack.com/services/${planted[2]}
    - type: webhook
      url: https://${planted[4]}:${planted[3]}@hooks.example.com/x
    - type: slack
      webhookUrl: https://hooks.slack.com/services/${planted[2]}
    - type: gitlab
      project: "1"
      tokenEnv: GITLAB_TOKEN
      apiUrl: ftp://${planted[4]}:${planted[3]}@gitlab.example.com
`;
    const lines = printed({ 'n.yaml': content });
    expect(lines.map((l) => l.split(' ')[1] === 'warning' ? l.split(' ')[2] : l.split(' ')[1])).toEqual([
      'MANIFEST_SECRET_IN_MANIFEST',
      'MANIFEST_SECRET_IN_MANIFEST',
      'MANIFEST_SECRET_IN_MANIFEST',
      'MANIFEST_SECRET_IN_MANIFEST',
      'MANIFEST_INVALID_VALUE',
      'MANIFEST_SECRET_URL',
    ]);
    for (const line of lines) for (const secret of planted) expect(line).not.toContain(secret);
  });

  it('never echoes a secret-looking value, whatever it is (property)', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/).map((s) => `S3CRET${s}`);
    fc.assert(
      fc.property(secret, fc.constantFrom('token', 'secret', 'webhookUrl', 'password'), fc.constantFrom('slack', 'webhook', 'github', 'gitlab', 'sns', 'teams'), (value, field, type) => {
        const content = `${head()}  sinks:\n    - type: ${type}\n      ${field}: ${value}\n      url: https://u:${value}@x.example.com/\n`;
        const lines = printed({ 'n.yaml': content });
        expect(lines.some((l) => l.includes('MANIFEST_SECRET_IN_MANIFEST'))).toBe(true);
        for (const line of lines) expect(line).not.toContain(value);
      }),
      { numRuns: 200 },
    );
  });

  it('gives every unnamed sink a distinct default name (property)', () => {
    const types = fc.array(fc.constantFrom('slack', 'webhook', 'sns', 'github', 'gitlab'), { maxLength: 12 });
    fc.assert(
      fc.property(types, (list) => {
        const names = sinkNames({ sinks: list.map((type) => ({ type }) as never) });
        expect(new Set(names).size).toBe(names.length);
        for (const type of new Set(list)) expect(names[list.indexOf(type)]).toBe(type);
      }),
    );
  });
});

const NOTIFIER = (name: string, extra = ''): string => `${head(name)}  sinks:\n    - type: sns\n      topicArn: arn:aws:sns:eu-west-1:123456789012:${name}${extra}\n`;

describe('notifiers in a snapshot', () => {
  it('reports one name in two files on both, naming the other file, and keeps both out', () => {
    const snapshot = check({ 'a.yaml': NOTIFIER('team'), 'b/c.yaml': NOTIFIER('team') });
    expect(snapshot.problems.map(formatProblem)).toEqual([
      'a.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY /metadata/name: notifier notifier:team is also declared at b/c.yaml:4:9; neither document is applied until one is removed',
      'b/c.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY /metadata/name: notifier notifier:team is also declared at a.yaml:4:9; neither document is applied until one is removed',
    ]);
    expect(snapshot.notifiers).toEqual([]);
    expect([...snapshot.blockedKeys]).toEqual(['notifier:team']);
  });

  it('blocks only the notifier with a problem: other notifiers and other kinds go on', () => {
    const snapshot = check({
      'notifiers/good.yaml': NOTIFIER('good'),
      'notifiers/bad.yaml': NOTIFIER('bad', '\n      tokenEnv: X'),
      'services/web.yaml': SERVICE,
    });
    expect(snapshot.problems.map(formatProblem)).toEqual([
      'notifiers/bad.yaml:9:7: MANIFEST_UNKNOWN_FIELD /spec/sinks/0/tokenEnv: unknown field "tokenEnv"; fields allowed here: type, name, ratePerSecond, burst, topicArn',
    ]);
    expect(snapshot.notifiers?.map((n) => n.key)).toEqual(['notifier:good']);
    expect(snapshot.services.map((s) => s.key)).toEqual(['us-east-1/demo/web']);
    expect([...snapshot.blockedKeys]).toEqual(['notifier:bad']);
    expect([...snapshot.filesWithProblems]).toEqual(['notifiers/bad.yaml']);
  });

  it('is blocked by a problem elsewhere in its file, as every kind is', () => {
    const snapshot = check({ 'all.yaml': `${NOTIFIER('team')}---\n${SERVICE.replace('memory: 128', 'memory: "128"')}` });
    expect(snapshot.problems.map((p) => p.code)).toEqual(['MANIFEST_WRONG_TYPE']);
    expect(snapshot.notifiers).toEqual([]);
    expect([...snapshot.blockedKeys].sort()).toEqual(['notifier:team', 'us-east-1/demo/web']);
  });
});
