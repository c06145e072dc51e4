/**
 * The hand-written top-level schema for `ecs-gitops/v1` documents. It holds
 * what is ours (envelope, metadata, tag maps, sync policy) and refers to the
 * generated ECS model (ecs-model.generated.ts) for everything under `spec`
 * (which refers to autoscaling-model.generated.ts for `spec.autoScaling`), and
 * to scheduler-model.generated.ts for a ScheduledTask's spec and a Service's
 * `spec.hooks`.
 * It validates concrete and rendered manifests, so it refuses
 * metadata.environments and spec.environments; editor-schema.ts widens it to
 * accept templates, and scripts/gen-ecs-schema.ts writes that to
 * schema/manifest.schema.json for editors (yaml-language-server, VS Code).
 */
import { RATE_CATEGORIES } from '../ecs/rate-limits.js';
import { EVENT_TYPES } from '../events/types.js';
import { API_VERSION, IMAGE_POLICIES, IMAGE_PREFLIGHTS, SYNC_MODES } from './types.js';
import { ECS_MODEL_SCHEMA_FILE, SCHEDULER_MODEL_SCHEMA_FILE, type JsonSchemaObject } from './json-schema.js';

/** ECS names: services, clusters, families and containers share this rule. */
export const ECS_NAME_PATTERN = '^[A-Za-z0-9_-]{1,255}$';
export const REGION_PATTERN = '^[a-z]{2}(-[a-z]+)+-[0-9]+$';
/**
 * ECS's capacity provider names: the ECS name rule, and no prefix aws, ecs or
 * fargate in any case (CreateCapacityProvider refuses them).
 */
export const CAPACITY_PROVIDER_NAME_PATTERN = '^(?![Aa][Ww][Ss]|[Ee][Cc][Ss]|[Ff][Aa][Rr][Gg][Aa][Tt][Ee])[A-Za-z0-9_-]{1,255}$';
/** EventBridge Scheduler's schedule names (CreateSchedule's Name): a ScheduledTask's metadata.name. */
export const SCHEDULE_NAME_PATTERN = '^[0-9A-Za-z_.-]{1,64}$';
/** Deploy hook names: they go into RunTask's startedBy (`ecs-gitops/hook/<name>/<hash16>`, at most 128 characters). */
export const HOOK_NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** Hooks per phase (preDeploy, postDeploy): they run one after the other around a rollout, so a few are plenty. */
export const MAX_HOOKS_PER_PHASE = 10;
/** A hook may run up to a day; the default is 600 seconds (types.ts, DeployHookSpec). */
export const MAX_HOOK_TIMEOUT_SECONDS = 86400;

/** An Environment's metadata.name: short, lower case, usable in keys, labels and file names. */
export const ENVIRONMENT_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$';
/** An AWS account id. */
export const ACCOUNT_PATTERN = '^[0-9]{12}$';
/** An IAM role ARN in any partition; the role path may hold slashes. */
export const ROLE_ARN_PATTERN = '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$';
/** STS AssumeRole's ExternalId: 2 to 1224 of these characters. */
export const EXTERNAL_ID_PATTERN = '^[A-Za-z0-9_+=,.@:/-]{2,1224}$';
/** STS AssumeRole's RoleSessionName: 2 to 64 of these characters. */
export const SESSION_NAME_PATTERN = '^[A-Za-z0-9_+=,.@-]{2,64}$';
/** `${var.NAME}` names. */
export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** A Notifier's metadata.name, and a sink's name: they make the sink's id `notifier/sink` (status, metrics, the journal). */
export const NOTIFIER_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$';
/** An environment variable a sink reads a secret from (urlEnv, secretEnv, tokenEnv). */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/**
 * An SNS topic ARN: partition, Region, account, then the topic name (1-256
 * letters, digits, `_` and `-`; a FIFO topic's name ends in `.fifo`, within
 * the 256). notifier-rules.ts checks the name's length.
 */
export const SNS_TOPIC_ARN_PATTERN = '^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?$';
/** GitHub's `owner/repo`: an owner of up to 39 letters, digits and hyphens, a repository of up to 100 letters, digits, `.`, `_` and `-`. */
export const GITHUB_REPOSITORY_PATTERN = '^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$';
/** A GitLab project: its numeric id, or its path `group[/subgroup…]/project`. */
export const GITLAB_PROJECT_PATTERN = '^([0-9]+|[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+)$';
/** The sink types of a Notifier (src/manifests/types.ts, NotifierSinkSpec). */
export const NOTIFIER_SINK_TYPES = ['slack', 'webhook', 'sns', 'github', 'gitlab'] as const;
export const NOTIFIER_SEVERITIES = ['info', 'warning', 'error'] as const;

/** Every kind a document may declare, in the order messages list them. */
export const MANIFEST_KINDS = ['Service', 'Cluster', 'CapacityProvider', 'ScheduledTask', 'Environment', 'Notifier'] as const;

const SINK_DEFINITIONS: Readonly<Record<(typeof NOTIFIER_SINK_TYPES)[number], string>> = {
  slack: 'SlackSink',
  webhook: 'WebhookSink',
  sns: 'SnsSink',
  github: 'GitHubSink',
  gitlab: 'GitLabSink',
};
const URL_FIELD: JsonSchemaObject = { type: 'string' };
const FILE_FIELD: JsonSchemaObject = { type: 'string', minLength: 1 };
const ENV_FIELD: JsonSchemaObject = { type: 'string', pattern: ENV_NAME_PATTERN };
const CONTEXT_FIELD: JsonSchemaObject = { type: 'string', minLength: 1 };

/** One sink type's fields: its own and the ones every sink has (name, ratePerSecond, burst). */
function sinkSchema(type: string, fields: Readonly<Record<string, JsonSchemaObject>>, required: readonly string[] = []): JsonSchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type', ...required],
    properties: {
      type: { const: type },
      name: { type: 'string', pattern: NOTIFIER_NAME_PATTERN },
      ratePerSecond: { type: 'number', exclusiveMinimum: 0 },
      burst: { type: 'integer', minimum: 1 },
      ...fields,
    },
  };
}

export const MANIFEST_SCHEMA: JsonSchemaObject = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'ecs-gitops/v1 manifest (kind: Service, Cluster, CapacityProvider, ScheduledTask, Environment or Notifier)',
  type: 'object',
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: { $ref: '#/definitions/ApiVersion' },
    kind: { type: 'string', enum: [...MANIFEST_KINDS] },
  },
  if: { properties: { kind: { const: 'Cluster' } } },
  then: { $ref: '#/definitions/ClusterManifest' },
  else: {
    if: { properties: { kind: { const: 'CapacityProvider' } } },
    then: { $ref: '#/definitions/CapacityProviderManifest' },
    else: {
      if: { properties: { kind: { const: 'ScheduledTask' } } },
      then: { $ref: '#/definitions/ScheduledTaskManifest' },
      else: {
        if: { properties: { kind: { const: 'Environment' } } },
        then: { $ref: '#/definitions/EnvironmentManifest' },
        else: {
          if: { properties: { kind: { const: 'Notifier' } } },
          then: { $ref: '#/definitions/NotifierManifest' },
          else: { $ref: '#/definitions/ServiceManifest' },
        },
      },
    },
  },
  definitions: {
    ApiVersion: { const: API_VERSION },
    EcsName: { type: 'string', pattern: ECS_NAME_PATTERN },
    Region: { type: 'string', pattern: REGION_PATTERN },
    ServiceManifest: {
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      properties: {
        apiVersion: { $ref: '#/definitions/ApiVersion' },
        kind: { const: 'Service' },
        metadata: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'cluster'],
          properties: {
            name: { $ref: '#/definitions/EcsName' },
            cluster: { $ref: '#/definitions/EcsName' },
            region: { $ref: '#/definitions/Region' },
          },
        },
        spec: { $ref: `${ECS_MODEL_SCHEMA_FILE}#/definitions/ServiceSpec` },
      },
    },
    ClusterManifest: {
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind', 'metadata'],
      properties: {
        apiVersion: { $ref: '#/definitions/ApiVersion' },
        kind: { const: 'Cluster' },
        metadata: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { $ref: '#/definitions/EcsName' },
            region: { $ref: '#/definitions/Region' },
          },
        },
        spec: { $ref: `${ECS_MODEL_SCHEMA_FILE}#/definitions/ClusterSpec` },
      },
    },
    CapacityProviderManifest: {
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      properties: {
        apiVersion: { $ref: '#/definitions/ApiVersion' },
        kind: { const: 'CapacityProvider' },
        metadata: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', pattern: CAPACITY_PROVIDER_NAME_PATTERN },
            region: { $ref: '#/definitions/Region' },
          },
        },
        spec: { $ref: `${ECS_MODEL_SCHEMA_FILE}#/definitions/CapacityProviderSpec` },
      },
    },
    ScheduledTaskManifest: {
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      properties: {
        apiVersion: { $ref: '#/definitions/ApiVersion' },
        kind: { const: 'ScheduledTask' },
        metadata: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'cluster'],
          properties: {
            name: { type: 'string', pattern: SCHEDULE_NAME_PATTERN },
            cluster: { $ref: '#/definitions/EcsName' },
            region: { $ref: '#/definitions/Region' },
          },
        },
        spec: { $ref: `${SCHEDULER_MODEL_SCHEMA_FILE}#/definitions/ScheduledTaskSpec` },
      },
    },
    // Ours, not an AWS API's: docs/manifests.md, "Environments". The string
    // formats are checked again by environment-rules.ts, with clearer words.
    EnvironmentManifest: {
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      properties: {
        apiVersion: { $ref: '#/definitions/ApiVersion' },
        kind: { const: 'Environment' },
        metadata: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string', pattern: ENVIRONMENT_NAME_PATTERN } },
        },
        spec: { $ref: '#/definitions/EnvironmentSpec' },
      },
    },
    EnvironmentSpec: {
      type: 'object',
      additionalProperties: false,
      required: ['account', 'region'],
      properties: {
        account: { type: 'string', pattern: ACCOUNT_PATTERN },
        region: { $ref: '#/definitions/Region' },
        roleArn: { type: 'string', pattern: ROLE_ARN_PATTERN },
        externalId: { type: 'string', pattern: EXTERNAL_ID_PATTERN },
        sessionName: { type: 'string', pattern: SESSION_NAME_PATTERN },
        cluster: { $ref: '#/definitions/EcsName' },
        variables: {
          type: 'object',
          propertyNames: { pattern: VARIABLE_NAME_PATTERN },
          additionalProperties: { type: 'string' },
        },
        // The same buckets and bounds as --rate-limits (src/cli/config-flags.ts, parseRateLimits).
        rateLimits: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(RATE_CATEGORIES.map((category) => [category, { $ref: '#/definitions/RateLimitBucket' }])),
        },
        sync: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mode: { type: 'string', enum: [...SYNC_MODES] },
            prune: { type: 'boolean' },
          },
        },
      },
    },
    // Ours: docs/manifests.md, "Notifier". The schema gives types, enums,
    // required and unknown fields; the value formats (names, URLs, ARNs,
    // exactly-one-of, bounds) are checked again by notifier-rules.ts, in
    // clearer words and without echoing a value that may be a secret.
    NotifierManifest: {
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      properties: {
        apiVersion: { $ref: '#/definitions/ApiVersion' },
        kind: { const: 'Notifier' },
        metadata: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string', pattern: NOTIFIER_NAME_PATTERN } },
        },
        spec: { $ref: '#/definitions/NotifierSpec' },
      },
    },
    NotifierSpec: {
      type: 'object',
      additionalProperties: false,
      required: ['sinks'],
      properties: {
        events: { type: 'array', minItems: 1, items: { type: 'string', enum: [...EVENT_TYPES] } },
        selector: {
          type: 'object',
          additionalProperties: false,
          properties: {
            clusters: { $ref: '#/definitions/NotifierGlobs' },
            services: { $ref: '#/definitions/NotifierGlobs' },
            environments: { $ref: '#/definitions/NotifierGlobs' },
            minSeverity: { type: 'string', enum: [...NOTIFIER_SEVERITIES] },
          },
        },
        sinks: { type: 'array', minItems: 1, items: { $ref: '#/definitions/NotifierSink' } },
      },
    },
    NotifierGlobs: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    // The item names its type; the branch for that type holds its fields and refuses others.
    NotifierSink: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string', enum: [...NOTIFIER_SINK_TYPES] } },
      allOf: NOTIFIER_SINK_TYPES.map((type) => ({
        if: { properties: { type: { const: type } }, required: ['type'] },
        then: { $ref: `#/definitions/${SINK_DEFINITIONS[type]}` },
      })),
    },
    SlackSink: sinkSchema('slack', { url: URL_FIELD, urlFile: FILE_FIELD, urlEnv: ENV_FIELD }),
    WebhookSink: sinkSchema('webhook', { url: URL_FIELD, urlFile: FILE_FIELD, urlEnv: ENV_FIELD, secretFile: FILE_FIELD, secretEnv: ENV_FIELD }),
    SnsSink: sinkSchema('sns', { topicArn: { type: 'string', pattern: SNS_TOPIC_ARN_PATTERN } }, ['topicArn']),
    GitHubSink: sinkSchema(
      'github',
      { repository: { type: 'string', pattern: GITHUB_REPOSITORY_PATTERN }, tokenFile: FILE_FIELD, tokenEnv: ENV_FIELD, apiUrl: URL_FIELD, context: CONTEXT_FIELD, targetUrl: URL_FIELD },
      ['repository'],
    ),
    GitLabSink: sinkSchema(
      'gitlab',
      { project: { type: 'string', pattern: GITLAB_PROJECT_PATTERN }, tokenFile: FILE_FIELD, tokenEnv: ENV_FIELD, apiUrl: URL_FIELD, context: CONTEXT_FIELD, targetUrl: URL_FIELD },
      ['project'],
    ),
    RateLimitBucket: {
      type: 'object',
      additionalProperties: false,
      properties: {
        burst: { type: 'integer', minimum: 1 },
        refillPerSecond: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    // A map in manifests, a key/value list on the wire; ECS allows 50 tags,
    // keys up to 128 and values up to 256 characters.
    TagMap: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { type: 'string', minLength: 1, maxLength: 128 },
      additionalProperties: { type: 'string', maxLength: 256 },
    },
    SyncPolicy: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: [...SYNC_MODES] },
        ignoreDifferences: { type: 'array', items: { type: 'string' } },
        images: { type: 'string', enum: [...IMAGE_POLICIES] },
        imagePreflight: { type: 'string', enum: [...IMAGE_PREFLIGHTS] },
      },
    },
  },
};
