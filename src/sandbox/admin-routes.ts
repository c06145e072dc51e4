/**
 * The admin API under /_sandbox/ (JSON in, JSON out): the same functions the
 * in-process Sandbox object offers, for tests and demos in other processes.
 *
 *   GET    /_sandbox/health
 *   POST   /_sandbox/reset                  {accountId?}
 *   GET    /_sandbox/calls?accountId=ID     -> {counts: {Operation: n}}
 *   GET    /_sandbox/calls/throttled?accountId=ID -> {throttled: {Operation: n}} (ThrottlingExceptions answered)
 *   DELETE /_sandbox/calls?accountId=ID     (counts, throttle counts and the call log)
 *   GET    /_sandbox/calls/log?accountId=ID&operation=OP&since=MS -> {calls: [{at, accountId, region, operation, target?, outcome}]}
 *   GET    /_sandbox/throttling             -> {throttling: 'real' | 'off' | scale}
 *   POST   /_sandbox/throttling             {throttling: 'real' | 'off' | scale}
 *   GET    /_sandbox/clock                  -> {now, speed}
 *   POST   /_sandbox/clock                  {speed?, advanceMs?}
 *   POST   /_sandbox/images/crashing        {image, crashing?=true}
 *   POST   /_sandbox/images/exit            {image, exitCode, afterSeconds} | {image, clear: true}
 *          One-off tasks (RunTask, schedule firings) whose container runs that image: it exits with
 *          exitCode afterSeconds (simulated) after it starts. Default: exit 0 after 5 s.
 *   GET    /_sandbox/schedules?accountId=ID&region=R -> {schedules: [{arn, name, groupName, state, nextFireAt, lastFiredAt, lastResult, firings, ...}]}
 *   POST   /_sandbox/images/deny-reads      {accountId?, region?, repository, denied?=true}
 *   POST   /_sandbox/services/scale         {accountId?, region?, cluster, service, desiredCount}
 *   POST   /_sandbox/services/task-definition {..., taskDefinition}
 *   POST   /_sandbox/services/update        {..., fields: {...}}
 *   POST   /_sandbox/services/fighter       {..., fields?: {...}} (set fields again after every UpdateService; without fields: stop)
 *   POST   /_sandbox/services/load          {accountId?, region?, cluster, service, cpu}
 *          Sets the service's average CPU % now. It is kept as demand (cpu x desired count), so the
 *          average falls as tasks are added. Every simulated minute the alarms on the service's
 *          AWS/ECS CPUUtilization are evaluated from it, and target tracking and step scaling
 *          policies of its scalable target act on the desired count (scaling-simulation.ts).
 *   POST   /_sandbox/tags                   {accountId?, region?, resourceArn, tags?: {k: v}, remove?: [k]}
 *   POST   /_sandbox/seed                   a seed document
 *   POST   /_sandbox/sts/roles              {roleArn, denied?=false, externalId?} (AssumeRole of it: AccessDenied while denied, or without that external ID)
 *   POST   /_sandbox/sts/session-seconds    {seconds} (lifetime of credentials issued from now on; default 3600, min 1)
 *   POST   /_sandbox/sts/expire             {} -> {expired: n} (every issued credential expires now)
 *   GET    /_sandbox/sts/calls              -> {assumeRole: {roleArn: n}}
 *   POST   /_sandbox/cloudformation/stacks  {accountId?, region?, stackName, outputs: {Key: Value | {value, description?, exportName?}}}
 *   POST   /_sandbox/ssm/parameters         {accountId?, region?, name, value, type?}
 *   GET    /_sandbox/sns/messages?topicArn=ARN -> {messages: [{messageId, topicArn, subject?, message, messageAttributes, publishedAt, ...}]}
 *          What an SNS topic received, oldest first (404 NotFound for an unknown topic).
 *   POST   /_sandbox/deployment-hooks       {hookTargetArn, result: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' | null}
 *          (also served as POST /admin/deployment-hooks) What the AWS_LAMBDA lifecycle hook with that
 *          target answers from now on; null restores the default, SUCCEEDED.
 */
import { SandboxApiError } from './api-error.js';
import { isObject, type Json, type JsonObject } from './json-input.js';
import type { SandboxCore, ServiceAddress } from './sandbox-core.js';
import { applySeed, type SeedDocument } from './seed.js';
import type { ThrottlingOption } from './throttle.js';
import type { StackOutputInput } from './cloudformation.js';
import { snsMessages } from './sns.js';
import { isGitopsError } from '../errors/index.js';

export const ADMIN_PREFIX = '/_sandbox/';

export interface AdminResponse {
  readonly status: number;
  readonly body: Json;
}

const str = (body: JsonObject, key: string): string | undefined => (typeof body[key] === 'string' ? body[key] : undefined);

function address(body: JsonObject): ServiceAddress {
  const cluster = str(body, 'cluster');
  const service = str(body, 'service');
  if (!cluster || !service) throw new SandboxApiError('InvalidParameterException', 'cluster and service are required');
  const accountId = str(body, 'accountId');
  const region = str(body, 'region');
  return { cluster, service, ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) };
}

function throttlingJson(option: ThrottlingOption): Json {
  return typeof option === 'string' ? option : option.scale;
}

export function handleAdmin(core: SandboxCore, method: string, url: URL, rawBody: string): AdminResponse {
  try {
    let body: JsonObject = {};
    if (rawBody.trim() !== '') {
      const parsed = JSON.parse(rawBody) as Json;
      if (!isObject(parsed)) throw new SandboxApiError('SerializationException', 'body must be a JSON object');
      body = parsed;
    }
    const route = `${method} ${url.pathname.slice(ADMIN_PREFIX.length - 1)}`;
    const accountParam = url.searchParams.get('accountId') ?? undefined;
    switch (route) {
      case 'GET /health':
        return { status: 200, body: { ok: true } };
      case 'POST /reset':
        core.reset(str(body, 'accountId'));
        return { status: 200, body: { reset: str(body, 'accountId') ?? 'all' } };
      case 'GET /calls':
        return { status: 200, body: { counts: core.callCounts(accountParam) } };
      case 'GET /calls/throttled':
        return { status: 200, body: { throttled: core.throttledCounts(accountParam) } };
      case 'GET /calls/log': {
        const operation = url.searchParams.get('operation') ?? undefined;
        const caller = url.searchParams.get('caller') ?? undefined;
        const sinceParam = url.searchParams.get('since');
        const since = sinceParam === null ? undefined : Number(sinceParam);
        if (since !== undefined && !Number.isFinite(since)) throw new SandboxApiError('InvalidParameterException', 'since must be epoch milliseconds');
        const calls = core.callLog({
          ...(accountParam ? { accountId: accountParam } : {}), ...(operation ? { operation } : {}), ...(since !== undefined ? { since } : {}),
          ...(caller ? { caller } : {}),
        });
        return { status: 200, body: { calls: calls as unknown as Json } };
      }
      case 'GET /throttling':
        return { status: 200, body: { throttling: throttlingJson(core.throttling) } };
      case 'POST /throttling': {
        const value = body.throttling;
        if (value === 'real' || value === 'off') core.setThrottling(value);
        else if (typeof value === 'number') core.setThrottling({ scale: value });
        else throw new SandboxApiError('InvalidParameterException', 'throttling must be "real", "off" or a scale factor > 0');
        return { status: 200, body: { throttling: throttlingJson(core.throttling) } };
      }
      case 'DELETE /calls':
        core.resetCallCounts(accountParam);
        return { status: 200, body: { counts: {} } };
      case 'GET /clock':
        return { status: 200, body: { now: core.clock.now(), speed: core.clock.speed } };
      case 'POST /clock': {
        if (typeof body.speed === 'number') core.clock.setSpeed(body.speed);
        if (typeof body.advanceMs === 'number') core.clock.advance(body.advanceMs);
        core.settleAll();
        return { status: 200, body: { now: core.clock.now(), speed: core.clock.speed } };
      }
      case 'POST /images/crashing': {
        const image = str(body, 'image');
        if (!image) throw new SandboxApiError('InvalidParameterException', 'image is required');
        core.markImageCrashing(image, body.crashing !== false);
        return { status: 200, body: { image, crashing: body.crashing !== false } };
      }
      case 'POST /images/exit': {
        const image = str(body, 'image');
        if (!image) throw new SandboxApiError('InvalidParameterException', 'image is required');
        if (body.clear === true) {
          core.setImageExit(image, undefined);
          return { status: 200, body: { image, cleared: true } };
        }
        if (typeof body.exitCode !== 'number') throw new SandboxApiError('InvalidParameterException', 'exitCode is required (or clear: true)');
        const afterSeconds = typeof body.afterSeconds === 'number' ? body.afterSeconds : 0;
        core.setImageExit(image, { exitCode: body.exitCode, afterSeconds });
        return { status: 200, body: { image, exitCode: body.exitCode, afterSeconds } };
      }
      case 'GET /schedules': {
        const region = url.searchParams.get('region') ?? undefined;
        const schedules = core.schedules({ ...(accountParam ? { accountId: accountParam } : {}), ...(region ? { region } : {}) });
        return { status: 200, body: { schedules } };
      }
      case 'POST /images/deny-reads': {
        const repository = str(body, 'repository');
        if (!repository) throw new SandboxApiError('InvalidParameterException', 'repository is required');
        const accountId = str(body, 'accountId');
        const region = str(body, 'region');
        core.denyImageReads({ repository, ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) }, body.denied !== false);
        return { status: 200, body: { repository, denied: body.denied !== false } };
      }
      case 'POST /services/scale':
        if (typeof body.desiredCount !== 'number') throw new SandboxApiError('InvalidParameterException', 'desiredCount is required');
        return { status: 200, body: { service: core.scaleService(address(body), body.desiredCount) } };
      case 'POST /services/load': {
        if (typeof body.cpu !== 'number') throw new SandboxApiError('InvalidParameterException', 'cpu is required (average CPU %)');
        const target = address(body);
        core.setServiceLoad(target, body.cpu);
        return { status: 200, body: { cluster: target.cluster, service: target.service, cpu: body.cpu } };
      }
      case 'POST /services/task-definition': {
        const td = str(body, 'taskDefinition');
        if (!td) throw new SandboxApiError('InvalidParameterException', 'taskDefinition is required');
        return { status: 200, body: { service: core.setServiceTaskDefinition(address(body), td) } };
      }
      case 'POST /services/update': {
        const fields = body.fields;
        if (!isObject(fields)) throw new SandboxApiError('InvalidParameterException', 'fields must be an object');
        return { status: 200, body: { service: core.mutateService(address(body), fields) } };
      }
      case 'POST /services/fighter': {
        const fields = body.fields;
        if (fields !== undefined && !isObject(fields)) throw new SandboxApiError('InvalidParameterException', 'fields must be an object (omit it to stop the fighter)');
        const target = address(body);
        core.fightService(target, fields);
        return { status: 200, body: { cluster: target.cluster, service: target.service, fighting: fields !== undefined } };
      }
      case 'POST /tags': {
        const resourceArn = str(body, 'resourceArn');
        if (!resourceArn) throw new SandboxApiError('InvalidParameterException', 'resourceArn is required');
        const tags = isObject(body.tags) ? Object.fromEntries(Object.entries(body.tags).map(([k, v]) => [k, String(v)])) : {};
        const remove = Array.isArray(body.remove) ? body.remove.filter((k): k is string => typeof k === 'string') : [];
        const accountId = str(body, 'accountId');
        const region = str(body, 'region');
        core.tagResource({ resourceArn, ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) }, tags, remove);
        return { status: 200, body: { resourceArn } };
      }
      case 'POST /sts/roles': {
        const roleArn = str(body, 'roleArn');
        if (!roleArn) throw new SandboxApiError('InvalidParameterException', 'roleArn is required');
        if (body.denied !== undefined && typeof body.denied !== 'boolean') throw new SandboxApiError('InvalidParameterException', 'denied must be true or false');
        if (body.externalId !== undefined && typeof body.externalId !== 'string') throw new SandboxApiError('InvalidParameterException', 'externalId must be a string');
        const externalId = str(body, 'externalId');
        core.setRole(roleArn, { denied: body.denied === true, ...(externalId !== undefined ? { externalId } : {}) });
        return { status: 200, body: { roleArn, denied: body.denied === true, ...(externalId !== undefined ? { externalId } : {}) } };
      }
      case 'POST /sts/session-seconds': {
        if (typeof body.seconds !== 'number') throw new SandboxApiError('InvalidParameterException', 'seconds is required (a whole number >= 1)');
        core.setSessionSeconds(body.seconds);
        return { status: 200, body: { seconds: body.seconds } };
      }
      case 'POST /sts/expire':
        return { status: 200, body: { expired: core.expireCredentials() } };
      case 'GET /sts/calls':
        return { status: 200, body: { assumeRole: core.assumeRoleCalls() } };
      case 'POST /cloudformation/stacks': {
        const stackName = str(body, 'stackName');
        if (!stackName) throw new SandboxApiError('InvalidParameterException', 'stackName is required');
        if (body.outputs !== undefined && !isObject(body.outputs)) throw new SandboxApiError('InvalidParameterException', 'outputs must be an object {Key: Value}');
        const accountId = str(body, 'accountId');
        const region = str(body, 'region');
        const outputs = (body.outputs ?? {}) as unknown as Record<string, StackOutputInput>;
        const { stackId } = core.putStack({ stackName, outputs, ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) });
        return { status: 200, body: { stackName, stackId } };
      }
      case 'POST /ssm/parameters': {
        const name = str(body, 'name');
        const value = str(body, 'value');
        if (!name || value === undefined) throw new SandboxApiError('InvalidParameterException', 'name and value are required');
        const accountId = str(body, 'accountId');
        const region = str(body, 'region');
        const type = str(body, 'type');
        const { version } = core.putParameter({ name, value, ...(type ? { type } : {}), ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) });
        return { status: 200, body: { name, version } };
      }
      case 'GET /sns/messages': {
        const topicArn = url.searchParams.get('topicArn');
        if (!topicArn) throw new SandboxApiError('InvalidParameterException', 'topicArn is required');
        return { status: 200, body: { messages: snsMessages(core.state, topicArn) as unknown as Json } };
      }
      case 'POST /deployment-hooks': {
        const hookTargetArn = str(body, 'hookTargetArn');
        if (!hookTargetArn) throw new SandboxApiError('InvalidParameterException', 'hookTargetArn is required');
        const result = body.result;
        if (result !== null && result !== undefined && result !== 'SUCCEEDED' && result !== 'FAILED' && result !== 'IN_PROGRESS') {
          throw new SandboxApiError('InvalidParameterException', 'result must be "SUCCEEDED", "FAILED", "IN_PROGRESS" or null');
        }
        core.setDeploymentHookResult(hookTargetArn, result ?? undefined);
        return { status: 200, body: { hookTargetArn, result: result ?? 'SUCCEEDED' } };
      }
      case 'POST /seed':
        applySeed(core, body as unknown as SeedDocument, 'request body');
        return { status: 200, body: { seeded: true } };
      default:
        return { status: 404, body: { __type: 'NotFound', message: `no admin route ${method} ${url.pathname}` } };
    }
  } catch (err) {
    if (err instanceof SandboxApiError) return { status: err.status, body: { __type: err.type, message: err.message } };
    if (isGitopsError(err)) return { status: 400, body: { __type: err.code, message: err.message } };
    if (err instanceof SyntaxError || err instanceof RangeError) return { status: 400, body: { __type: 'InvalidParameterException', message: err.message } };
    throw err;
  }
}
