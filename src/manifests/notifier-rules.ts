/**
 * Rules for `kind: Notifier` (docs/manifests.md, "Notifier") that say more
 * than the schema can: what names, environment variable names, URLs, topic
 * ARNs, repositories and projects look like; that each sink names its URL or
 * token exactly one way; that sink names (written or defaulted) are unique;
 * that context and targetUrl use only the placeholders the controller fills
 * in; and, above all, that no secret is written in the manifest: Git keeps
 * every commit, so a token committed once is a token leaked.
 *
 * A URL given as `url` may itself be a secret (Slack's incoming webhooks are),
 * so no message here quotes a URL, a file path's content or any value of a
 * field that may hold a secret.
 * Pure; written defensively (they run on documents that may also have schema errors).
 */
import type { ErrorObject } from 'ajv';
import { closestMatch } from '../util/did-you-mean.js';
import {
  ENV_NAME_PATTERN,
  GITHUB_REPOSITORY_PATTERN,
  GITLAB_PROJECT_PATTERN,
  NOTIFIER_NAME_PATTERN,
  NOTIFIER_SINK_TYPES,
  SNS_TOPIC_ARN_PATTERN,
} from './manifest-schema.js';
import type { RuleProblem } from './rule-problem.js';
import type { NotifierSinkSpec, NotifierSpec } from './types.js';
import { describeValue } from './value-describe.js';

type Rec = Readonly<Record<string, unknown>>;
type SinkType = (typeof NOTIFIER_SINK_TYPES)[number];

function rec(value: unknown): Rec | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
}

const NAME = new RegExp(NOTIFIER_NAME_PATTERN);
const ENV_NAME = new RegExp(ENV_NAME_PATTERN);
const SNS_TOPIC_ARN = new RegExp(SNS_TOPIC_ARN_PATTERN);
const GITHUB_REPOSITORY = new RegExp(GITHUB_REPOSITORY_PATTERN);
const GITLAB_PROJECT = new RegExp(GITLAB_PROJECT_PATTERN);

/** SNS topic names: 1-256 characters, `.fifo` included for a FIFO topic. */
const MAX_TOPIC_NAME_LENGTH = 256;

/** What `{…}` in a sink's context and targetUrl the controller fills in (src/manifests/types.ts, GitHubSinkSpec.context). */
export const NOTIFIER_PLACEHOLDERS = ['cluster', 'service', 'environment', 'region', 'account'] as const;

/**
 * Fields people write when they mean to hand a sink its secret. None is part
 * of the format (secrets come from …File or …Env), so each gets a message
 * that says where the secret goes instead of a bare "unknown field".
 */
const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'token',
  'accessToken',
  'apiToken',
  'apiKey',
  'secret',
  'hmacKey',
  'signingSecret',
  'password',
  'webhookUrl',
  'webhookURL',
]);

/** The …File / …Env pair a sink type takes for a secret-looking field. */
function secretHome(type: unknown, field: string): string {
  if (type === 'slack') return 'put the incoming webhook URL in a file named by urlFile, or in an environment variable named by urlEnv';
  if (type === 'webhook') {
    return /url/i.test(field)
      ? 'put the URL in a file named by urlFile, or in an environment variable named by urlEnv'
      : 'put the HMAC key in a file named by secretFile, or in an environment variable named by secretEnv';
  }
  if (type === 'github' || type === 'gitlab') return 'put the token in a file named by tokenFile, or in an environment variable named by tokenEnv';
  if (type === 'sns') return 'an sns sink takes no secret: the controller publishes with its own AWS credentials';
  return 'name a file (…File) or an environment variable (…Env) that holds it';
}

/** Keywords whose errors these rules report in their own words (formats, bounds, empty lists and strings). */
const COVERED_KEYWORDS: ReadonlySet<string> = new Set(['pattern', 'minItems', 'minLength', 'minimum', 'exclusiveMinimum']);

/** True for an ajv error of a Notifier document that these rules report themselves. */
export function notifierRuleCovers(error: ErrorObject): boolean {
  if (COVERED_KEYWORDS.has(error.keyword)) return true;
  if (error.keyword !== 'additionalProperties') return false;
  const field = String((error.params as { additionalProperty?: unknown }).additionalProperty);
  if (field === 'environments' && (error.instancePath === '/metadata' || error.instancePath === '/spec')) return true;
  return /^\/spec\/sinks\/\d+$/.test(error.instancePath) && SECRET_FIELDS.has(field);
}

/**
 * Each sink's name as the controller uses it (`notifier/sink`): the one
 * written, else the type for the first unnamed sink of a type, `type-2`,
 * `type-3`… for the next ones. Undefined where neither is a string.
 */
function effectiveSinkNames(sinks: readonly unknown[]): (string | undefined)[] {
  const unnamed = new Map<string, number>();
  return sinks.map((sink) => {
    const s = rec(sink);
    if (typeof s?.name === 'string') return s.name;
    if (typeof s?.type !== 'string') return undefined;
    const n = (unnamed.get(s.type) ?? 0) + 1;
    unnamed.set(s.type, n);
    return n === 1 ? s.type : `${s.type}-${n}`;
  });
}

/** The names of a valid notifier's sinks, in order (the dispatcher names its sinks `notifier/<name>` with these). */
export function sinkNames(spec: Pick<NotifierSpec, 'sinks'>): string[] {
  return effectiveSinkNames(spec.sinks).map((name, i) => name ?? (spec.sinks[i] as NotifierSinkSpec).type);
}

/** What is wrong with a URL field's value, without quoting it; undefined when it is an absolute http(s) URL without userinfo. */
function urlFault(value: string): { readonly secret: boolean; readonly why: string } | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { secret: false, why: 'is not an absolute URL: write http:// or https://, a host and a path' };
  }
  if (value.trim() !== value) return { secret: false, why: 'has spaces before or after the URL: remove them' };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { secret: false, why: `must be an http:// or https:// URL, not ${url.protocol}` };
  if (url.hostname === '') return { secret: false, why: 'has no host' };
  if (url.username !== '' || url.password !== '') {
    return { secret: true, why: 'carries a user name or password (user:…@host): that is a secret written in the manifest' };
  }
  return undefined;
}

/** The distinct `{…}` placeholders of `text`, in order. */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] as string))];
}

/** One Notifier document's own rules. */
export function notifierRules(document: Rec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const invalid = (pointer: string, message: string, extra: Partial<RuleProblem> = {}): void => {
    problems.push({ code: 'MANIFEST_INVALID_VALUE', pointer, message: `${pointer}: ${message}`, ...extra });
  };
  const metadata = rec(document.metadata);
  const name = metadata?.name;
  if (typeof name === 'string' && !NAME.test(name)) {
    invalid('/metadata/name', `${JSON.stringify(name)} is not a valid notifier name: use 1-64 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (team-payments, prod-alerts)`);
  }
  if (metadata && Object.hasOwn(metadata, 'environments')) {
    problems.push({
      code: 'MANIFEST_UNKNOWN_FIELD',
      pointer: '/metadata/environments',
      target: 'key',
      message: '/metadata/environments: a Notifier is not rendered per environment: one notifier hears the events of every environment; remove metadata.environments and pick environments with spec.selector.environments',
    });
  }
  const spec = rec(document.spec);
  if (!spec) return problems;
  if (Object.hasOwn(spec, 'environments')) {
    problems.push({
      code: 'MANIFEST_UNKNOWN_FIELD',
      pointer: '/spec/environments',
      target: 'key',
      message: '/spec/environments: a Notifier is not rendered per environment, so it takes no per-environment overrides; declare one Notifier per audience and pick environments with spec.selector.environments',
    });
  }
  if (Array.isArray(spec.events) && spec.events.length === 0) {
    invalid('/spec/events', 'must name at least one event type; leave events out to send every type');
  }
  const selector = rec(spec.selector);
  for (const field of ['clusters', 'services', 'environments']) {
    const globs = selector?.[field];
    if (!Array.isArray(globs)) continue;
    const pointer = `/spec/selector/${field}`;
    if (globs.length === 0) invalid(pointer, `must name at least one ${field.slice(0, -1)} (a name or a glob such as web-*); leave ${field} out to select all`);
    globs.forEach((glob, i) => {
      if (glob === '') invalid(`${pointer}/${i}`, 'must not be empty: write a name or a glob such as web-*');
    });
  }
  const sinks: readonly unknown[] | undefined = Array.isArray(spec.sinks) ? (spec.sinks as readonly unknown[]) : undefined;
  if (sinks === undefined) return problems;
  if (sinks.length === 0) invalid('/spec/sinks', `a notifier needs at least one sink (${NOTIFIER_SINK_TYPES.join(', ')})`);
  const names = effectiveSinkNames(sinks);
  const firstWithName = new Map<string, number>();
  const defaultNote = (sink: unknown): string => (typeof rec(sink)?.name === 'string' ? ',' : ' (its default name: the type, then type-2, type-3... for more unnamed sinks of that type),');
  sinks.forEach((sink, i) => {
    const s = rec(sink);
    if (!s) return; // the schema reports the type
    const at = `/spec/sinks/${i}`;
    for (const problem of sinkRules(s, at)) problems.push(problem);
    const sinkName = names[i];
    if (sinkName === undefined) return;
    const first = firstWithName.get(sinkName);
    if (first === undefined) {
      firstWithName.set(sinkName, i);
      return;
    }
    const written = typeof s.name === 'string';
    problems.push({
      code: 'MANIFEST_NOTIFIER_SINK_NAME',
      pointer: written ? `${at}/name` : at,
      message: `${written ? `${at}/name` : at}: sink name "${sinkName}" is already the name of /spec/sinks/${first}${defaultNote(sinks[first])} and sinks of a notifier need distinct names; give one of them a name of its own`,
    });
  });
  return problems;
}

/** The fields a sink type names its URL or token with, and how many of them it needs. */
const CREDENTIALS: Readonly<Record<SinkType, readonly { readonly fields: readonly string[]; readonly what: string; readonly atMostOne?: boolean }[]>> = {
  slack: [{ fields: ['url', 'urlFile', 'urlEnv'], what: 'its incoming webhook URL' }],
  webhook: [
    { fields: ['url', 'urlFile', 'urlEnv'], what: 'the URL it posts to' },
    { fields: ['secretFile', 'secretEnv'], what: 'its HMAC key', atMostOne: true },
  ],
  sns: [],
  github: [{ fields: ['tokenFile', 'tokenEnv'], what: 'its API token' }],
  gitlab: [{ fields: ['tokenFile', 'tokenEnv'], what: 'its API token' }],
};

const joinList = (items: readonly string[], word: 'or' | 'and'): string =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1] as string}`;
const orList = (items: readonly string[]): string => joinList(items, 'or');

function sinkRules(sink: Rec, at: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const invalid = (field: string, message: string): void => {
    problems.push({ code: 'MANIFEST_INVALID_VALUE', pointer: `${at}/${field}`, message: `${at}/${field}: ${message}` });
  };
  const type = sink.type;
  let secretField = false;
  for (const field of Object.keys(sink)) {
    if (!SECRET_FIELDS.has(field)) continue;
    secretField = true;
    problems.push({
      code: 'MANIFEST_SECRET_IN_MANIFEST',
      pointer: `${at}/${field}`,
      target: 'key',
      message: `${at}/${field}: secrets are never written in a manifest (Git keeps every commit, and everyone who reads the repository reads them); ${secretHome(type, field)}. Change the secret if this was ever committed`,
    });
  }
  if (typeof sink.name === 'string' && !NAME.test(sink.name)) {
    invalid('name', `${JSON.stringify(sink.name)} is not a valid sink name: use 1-64 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (it names the sink as notifier/sink in status and metrics)`);
  }
  if (typeof sink.ratePerSecond === 'number' && !(sink.ratePerSecond > 0)) {
    invalid('ratePerSecond', `${String(sink.ratePerSecond)} must be above 0 (deliveries per second; 0.5 is one every two seconds)`);
  }
  if (typeof sink.burst === 'number' && Number.isInteger(sink.burst) && sink.burst < 1) {
    invalid('burst', `${String(sink.burst)} must be 1 or more (deliveries sent at once before ratePerSecond paces them)`);
  }
  for (const field of Object.keys(sink)) {
    const value = sink[field];
    if (typeof value !== 'string') continue;
    if (field.endsWith('Env') && !ENV_NAME.test(value)) {
      invalid(field, `${describeValue(value)} is not an environment variable name: use letters, digits and underscores, not starting with a digit (SLACK_WEBHOOK_URL)`);
    }
    if (field.endsWith('File') && value === '') {
      invalid(field, 'must name a file (a relative path is read from the controller\'s working directory)');
    }
  }
  if (typeof type !== 'string' || !(NOTIFIER_SINK_TYPES as readonly string[]).includes(type)) return problems;
  const sinkType = type as SinkType;

  for (const { fields, what, atMostOne } of CREDENTIALS[sinkType]) {
    const given = fields.filter((f) => Object.hasOwn(sink, f));
    if (given.length > 1) {
      const second = given[1] as string;
      problems.push({
        code: 'MANIFEST_NOTIFIER_CREDENTIALS',
        pointer: `${at}/${second}`,
        target: 'key',
        message: `${at}/${second}: a ${type} sink takes ${what} from ${atMostOne === true ? 'at most' : 'exactly'} one of ${orList(fields)}; found ${joinList(given, 'and')}`,
      });
    } else if (given.length === 0 && atMostOne !== true && !secretField) {
      const secretOnly = fields.filter((f) => f !== 'url');
      problems.push({
        code: 'MANIFEST_NOTIFIER_CREDENTIALS',
        pointer: at,
        message: `${at}: a ${type} sink needs ${what}: give ${orList(secretOnly)}${fields.includes('url') ? ' (or url, for a URL that is not a secret)' : ''}; secrets are read from the file or variable, never written here`,
      });
    }
  }

  const urls: string[] = (sinkType === 'slack' || sinkType === 'webhook' ? ['url'] : []).concat(sinkType === 'github' || sinkType === 'gitlab' ? ['apiUrl', 'targetUrl'] : []);
  for (const field of urls) {
    const value = sink[field];
    if (typeof value !== 'string') continue;
    const unknown = field === 'targetUrl' ? placeholderProblems(value, `${at}/${field}`) : [];
    problems.push(...unknown);
    // A targetUrl's placeholders are filled in per event: check the URL around them.
    const fault = urlFault(field === 'targetUrl' ? value.replace(/\{[^{}]*\}/g, 'x') : value);
    if (fault?.secret === true) {
      problems.push({ code: 'MANIFEST_SECRET_IN_MANIFEST', pointer: `${at}/${field}`, message: `${at}/${field}: the URL ${fault.why}; remove the user name and password${field === 'url' ? ', or move the whole URL to urlFile or urlEnv' : ''}` });
    } else if (fault !== undefined) {
      invalid(field, `the value ${fault.why}`);
    } else if (sinkType === 'slack' && field === 'url') {
      problems.push({
        code: 'MANIFEST_SECRET_URL',
        severity: 'warning',
        pointer: `${at}/url`,
        target: 'key',
        message: `${at}/url: a Slack incoming webhook URL is a secret (whoever has it can post to the channel); move it to a file named by urlFile or an environment variable named by urlEnv, and keep url for a test receiver`,
      });
    }
  }

  if (sinkType === 'sns' && typeof sink.topicArn === 'string') {
    const arn = sink.topicArn;
    const topic = arn.slice(arn.lastIndexOf(':') + 1);
    if (!SNS_TOPIC_ARN.test(arn)) {
      invalid('topicArn', `${JSON.stringify(arn)} is not an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:deploys (the topic name: letters, digits, - and _, with .fifo at the end of a FIFO topic)`);
    } else if (topic.length > MAX_TOPIC_NAME_LENGTH) {
      invalid('topicArn', `the topic name is ${topic.length} characters long; SNS topic names have at most ${MAX_TOPIC_NAME_LENGTH} (.fifo included)`);
    }
  }
  if (sinkType === 'github' && typeof sink.repository === 'string' && !GITHUB_REPOSITORY.test(sink.repository)) {
    invalid('repository', `${JSON.stringify(sink.repository)} is not a GitHub repository: write owner/repo (acme/payments)`);
  }
  if (sinkType === 'gitlab' && typeof sink.project === 'string' && !GITLAB_PROJECT.test(sink.project)) {
    invalid('project', `${JSON.stringify(sink.project)} is not a GitLab project: write its numeric id, quoted ("4242"), or its path group/project (group/subgroup/project)`);
  }
  if ((sinkType === 'github' || sinkType === 'gitlab') && typeof sink.context === 'string') {
    if (sink.context === '') invalid('context', `must not be empty; leave context out for the default ecs-gitops/{cluster}/{service}`);
    else problems.push(...placeholderProblems(sink.context, `${at}/context`));
  }
  return problems;
}

/** One problem per `{…}` in `text` that the controller does not fill in. */
function placeholderProblems(text: string, pointer: string): RuleProblem[] {
  const known: readonly string[] = NOTIFIER_PLACEHOLDERS;
  return placeholders(text)
    .filter((name) => !known.includes(name))
    .map((name) => {
      const guess = closestMatch(name, known);
      return {
        code: 'MANIFEST_NOTIFIER_PLACEHOLDER' as const,
        pointer,
        message: `${pointer}: unknown placeholder {${name}}${guess !== undefined ? ` (did you mean {${guess}}?)` : ''}; the controller fills in ${known.map((k) => `{${k}}`).join(', ')}`,
      };
    });
}
