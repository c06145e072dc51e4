/**
 * The sandbox without a socket: state, clock, throttling, call counts, the
 * request handler and the admin functions. The HTTP server and in-process
 * callers both go through `handle()` so they see exactly the same behaviour.
 */
import { randomUUID } from 'node:crypto';
import { SandboxApiError, invalidParameter, serviceNotFound } from './api-error.js';
import { setImageReadsDenied } from './ecr.js';
import { findCluster } from './ecs-clusters.js';
import { applyServiceUpdate, findService, type ServiceOpContext } from './ecs-services.js';
import { settleStandaloneTasks } from './ecs-run-task.js';
import { schedulerOf } from './scheduler.js';
import { scheduleStatus, settleSchedules } from './scheduler-firing.js';
import { schedulerRoute } from './scheduler-rest.js';
import { ImageOracle, type ImageExitRule } from './image-oracle.js';
import { isObject, type Json, type JsonObject } from './json-input.js';
import {
  AAS_TARGET_PREFIX, API_OPERATIONS, CLOUDWATCH_TARGET_PREFIX, ECR_TARGET_PREFIX, ECS_OPERATIONS, ECS_TARGET_PREFIX, SSM_TARGET_PREFIX, type SandboxApi,
} from './operations.js';
import { QUERY_APIS, QUERY_ERROR_CODES, isQueryRequest, parseQueryBody, queryErrorResponse, queryResponse } from './query-protocol.js';
import { putStack, type StackOutputInput } from './cloudformation.js';
import { putParameterRecord } from './ssm.js';
import { CLOUDWATCH_QUERY_CODES } from './cloudwatch.js';
import { decodeCborRequest, encodeCborResponse } from './rpc-v2-cbor.js';
import { setServiceLoad, settleScaling } from './scaling-simulation.js';
import { DEFAULT_ACCOUNT, DEFAULT_REGION, identify, type CallerPrincipal } from './request-identity.js';
import { DEFAULT_TIMINGS, settleRegion, type RolloutDeps, type RolloutTimings } from './rollout.js';
import type { HookResultSetting } from './deployment-strategies.js';
import { SimClock } from './sim-clock.js';
import { SandboxState, type RegionState, type ServiceRecord } from './state.js';
import { Throttler, type ThrottlingOption } from './throttle.js';
import { CallLog, callerOf, callTarget, type CallLogFilter, type CallRecord } from './call-log.js';

export interface SandboxLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SandboxCoreOptions {
  /** @default 'real' (ECS's real rates) */
  readonly throttling?: ThrottlingOption;
  /** Simulated seconds per real second; 0 freezes the clock (tests then use advance()). @default 1 */
  readonly clockSpeed?: number;
  /** Overrides of the rollout timings (simulated ms). */
  readonly timings?: Partial<RolloutTimings>;
  /** Wall-clock source (ms) for throttling and the clock; injectable for tests. @default Date.now */
  readonly realNow?: () => number;
  readonly logger?: SandboxLogger;
  /** Most call records kept for the call log (older ones are dropped). @default 100000 */
  readonly callLogCapacity?: number;
}

export interface RawRequest {
  readonly target: string | undefined;
  readonly body: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Which account, Region and service an admin mutation addresses. */
export interface ServiceAddress {
  readonly accountId?: string;
  readonly region?: string;
  readonly cluster: string;
  readonly service: string;
}

export class SandboxCore {
  readonly state: SandboxState;
  readonly clock: SimClock;
  readonly images: ImageOracle;
  readonly #throttler: Throttler;
  readonly #timings: RolloutTimings;
  readonly #counts = new Map<string, Map<string, number>>();
  readonly #logger: SandboxLogger | undefined;
  readonly #realNow: () => number;
  readonly #callLog: CallLog;
  /** Services another tool keeps changing back (fightService): `account/region/cluster/service` -> the fields it sets. */
  readonly #fighters = new Map<string, JsonObject>();
  /** Lambda lifecycle hook target ARN -> what every invocation answers (default SUCCEEDED). */
  readonly #hookResults = new Map<string, HookResultSetting>();

  constructor(options: SandboxCoreOptions = {}) {
    const realNow = options.realNow ?? Date.now;
    this.#realNow = realNow;
    this.state = new SandboxState(realNow);
    this.#callLog = new CallLog(options.callLogCapacity);
    this.clock = new SimClock({ speed: options.clockSpeed ?? 1, realNow });
    this.#throttler = new Throttler(options.throttling ?? 'real', realNow);
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.images = new ImageOracle(this.state);
    this.#logger = options.logger;
  }

  get timings(): RolloutTimings {
    return this.#timings;
  }

  /**
   * Handles one AWS JSON request (1.1 for ECS, ECR and Application Auto
   * Scaling; 1.0 with query-compatible errors for CloudWatch). Never throws:
   * errors become AWS error bodies.
   */
  handle(request: RawRequest): RawResponse {
    const requestId = randomUUID();
    const target = request.target ?? '';
    const api = apiOfTarget(target);
    const json = api === 'cloudwatch' ? '1.0' : '1.1';
    if (api === undefined && isQueryRequestBody(request)) return this.handleQuery(request.body, request.headers);
    let operation = target;
    try {
      operation = api ? target.slice(target.indexOf('.') + 1) : target;
      const identity = identify(request.headers, this.state.sts);
      const table = api ? API_OPERATIONS[api] : undefined;
      if (!api || !table || !Object.hasOwn(table, operation)) throw new SandboxApiError('UnknownOperationException', `Operation ${target || '(none)'} is not supported by this sandbox.`);
      let input: Json;
      try {
        input = request.body.trim() === '' ? {} : (JSON.parse(request.body) as Json);
      } catch {
        throw new SandboxApiError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (!isObject(input)) throw new SandboxApiError('SerializationException', 'Start of structure or map found where not expected.');
      const output = this.call(operation, input, identity.account, identity.region, api, identity.caller, callerOf(request.headers));
      this.#logger?.debug({ operation, account: identity.account, region: identity.region }, 'sandbox request');
      return { status: 200, headers: jsonHeaders(requestId, json), body: JSON.stringify(output) };
    } catch (err) {
      const apiError = this.#apiError(err, operation);
      const headers: Record<string, string> = { ...jsonHeaders(requestId, json), 'x-amzn-errortype': apiError.type };
      let type = apiError.type;
      if (api === 'cloudwatch') {
        type = `com.amazonaws.cloudwatch#${apiError.type}`;
        headers['x-amzn-query-error'] = queryError(apiError);
      }
      return { status: apiError.status, headers, body: JSON.stringify({ __type: type, message: apiError.message }) };
    }
  }

  /**
   * Handles one Smithy RPC v2 CBOR request (`POST /service/<name>/operation/<Op>`),
   * which the aws CLI v1 speaks to CloudWatch. Only CloudWatch is served this way.
   */
  handleRpcV2Cbor(service: string, operation: string, body: Uint8Array, headers: Readonly<Record<string, string | undefined>>): { status: number; headers: Record<string, string>; body: Uint8Array } {
    const requestId = randomUUID();
    const cborHeaders = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', 'x-amzn-requestid': requestId };
    try {
      const identity = identify(headers, this.state.sts);
      if (apiOfTarget(`${service}.`) !== 'cloudwatch' || !Object.hasOwn(API_OPERATIONS.cloudwatch, operation)) {
        throw new SandboxApiError('UnknownOperationException', `Operation ${service}.${operation} is not supported over rpc-v2-cbor by this sandbox.`);
      }
      const input = decodeCborRequest(body);
      const output = this.call(operation, input, identity.account, identity.region, 'cloudwatch', undefined, callerOf(headers));
      return { status: 200, headers: cborHeaders, body: encodeCborResponse(output) };
    } catch (err) {
      const apiError = this.#apiError(err, operation);
      return {
        status: apiError.status,
        headers: { ...cborHeaders, 'x-amzn-query-error': queryError(apiError) },
        body: encodeCborResponse({ __type: `com.amazonaws.cloudwatch#${apiError.type}`, message: apiError.message }),
      };
    }
  }

  /**
   * Handles one EventBridge Scheduler rest-json request (method, path and
   * query name the operation). Never throws: errors are answered with
   * `x-amzn-errortype` and `{Message}` at the status Scheduler uses.
   */
  handleRest(method: string, pathname: string, query: URLSearchParams, body: string, headers: Readonly<Record<string, string | undefined>>): RawResponse {
    const requestId = randomUUID();
    const restHeaders = { 'content-type': 'application/json', 'x-amzn-requestid': requestId };
    let operation = `${method} ${pathname}`;
    try {
      const identity = identify(headers, this.state.sts);
      let input: Json = {};
      try {
        input = body.trim() === '' ? {} : (JSON.parse(body) as Json);
      } catch {
        throw new SandboxApiError('ValidationException', 'The request body is not valid JSON.');
      }
      if (!isObject(input)) throw new SandboxApiError('ValidationException', 'The request body must be a JSON object.');
      const route = schedulerRoute(method, pathname, query, input);
      if (!route) throw new SandboxApiError('UnknownOperationException', `${method} ${pathname} is not an EventBridge Scheduler operation.`, 404);
      operation = route.operation;
      const output = this.call(route.operation, route.input, identity.account, identity.region, 'scheduler', undefined, callerOf(headers));
      return { status: 200, headers: restHeaders, body: JSON.stringify(output) };
    } catch (err) {
      let apiError = this.#apiError(err, operation);
      if (apiError.type === 'SerializationException') apiError = new SandboxApiError('ValidationException', apiError.message);
      // Scheduler's errors: the type in x-amzn-errortype, the message as the shape's Message member.
      return { status: apiError.status, headers: { ...restHeaders, 'x-amzn-errortype': apiError.type }, body: JSON.stringify({ Message: apiError.message }) };
    }
  }

  /**
   * Handles one query-protocol request (STS, CloudFormation: a form-encoded
   * POST / whose Version names the API). Never throws: errors are answered as
   * an XML ErrorResponse in the API's namespace.
   */
  handleQuery(body: string, headers: Readonly<Record<string, string | undefined>>): RawResponse {
    const requestId = randomUUID();
    const request = parseQueryBody(body);
    const known = QUERY_APIS[request.version];
    const namespace = known?.namespace ?? QUERY_APIS['2011-06-15']?.namespace ?? '';
    const xmlHeaders = { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
    try {
      const identity = identify(headers, this.state.sts);
      if (!known || !Object.hasOwn(API_OPERATIONS[known.api], request.action)) {
        throw new SandboxApiError('UnknownOperationException', `Could not find operation ${request.action || '(none)'} for version ${request.version || '(none)'}.`);
      }
      const output = this.call(request.action, { ...request.params }, identity.account, identity.region, known.api, identity.caller, callerOf(headers));
      this.#logger?.debug({ operation: request.action, account: identity.account, region: identity.region }, 'sandbox request');
      return { status: 200, headers: xmlHeaders, body: queryResponse(request.action, namespace, output, requestId) };
    } catch (err) {
      const apiError = this.#apiError(err, request.action);
      const mapped = QUERY_ERROR_CODES[apiError.type];
      const status = mapped?.status ?? apiError.status;
      return { status, headers: xmlHeaders, body: queryErrorResponse(namespace, mapped?.code ?? apiError.type, apiError.message, status, requestId) };
    }
  }

  #apiError(err: unknown, operation: string): SandboxApiError {
    const apiError = err instanceof SandboxApiError ? err : new SandboxApiError('ServerException', err instanceof Error ? err.message : String(err), 500);
    if (apiError.status >= 500) this.#logger?.warn({ operation, err }, 'sandbox internal error');
    return apiError;
  }

  /**
   * Runs one operation for an account/Region without the wire format (counted and throttled like a request).
   * `app` is the User-Agent's app id (callerOf), kept in the call log as the record's caller.
   */
  call(operation: string, input: JsonObject, account = DEFAULT_ACCOUNT, region = DEFAULT_REGION, api: SandboxApi = 'ecs', caller?: CallerPrincipal, app?: string): JsonObject {
    const table = API_OPERATIONS[api];
    const impl = Object.hasOwn(table, operation) ? table[operation] : undefined;
    if (!impl) throw new SandboxApiError('UnknownOperationException', `Operation ${operation} is not supported by this sandbox.`);
    this.#count(account, operation);
    const at = this.#realNow();
    const target = callTarget(input);
    const record = (outcome: CallRecord['outcome']) =>
      this.#callLog.add({ at, accountId: account, region, operation, ...(target !== undefined ? { target } : {}), outcome, ...(app !== undefined ? { caller: app } : {}) });
    try {
      // ECS's rates only: Application Auto Scaling and CloudWatch publish none the sandbox could model.
      if (api === 'ecs' || api === 'ecr') this.#throttler.take(`${account}/${region}`, operation);
    } catch (err) {
      record('throttled');
      throw err;
    }
    try {
      const output = impl(this.context(account, region, caller), input);
      record('ok');
      if (operation === 'UpdateService' && this.#fighters.size > 0) this.#fightBack(account, region, output);
      return output;
    } catch (err) {
      record('error');
      throw err;
    }
  }

  context(account: string, region: string, caller?: CallerPrincipal): ServiceOpContext {
    const state = this.state.region(account, region);
    const rollout = this.rolloutDeps();
    const now = this.clock.now();
    return {
      state,
      all: this.state,
      now,
      images: this.images,
      newId: randomUUID,
      settle: (s: RegionState) => this.#settleRegion(s, now, rollout),
      rollout,
      ...(caller ? { caller } : {}),
    };
  }

  /** Runs scaling (scaling-simulation.ts) and rollouts of one Region up to `now`. */
  #settleRegion(state: RegionState, now: number, rollout: RolloutDeps): void {
    settleScaling(state, now, {
      contextAt: (at) => ({
        state, all: this.state, now: at, images: this.images, newId: randomUUID, settle: () => undefined, rollout,
      }),
      settleRolloutsTo: (at) => settleRegion(state, at, rollout),
    });
    settleRegion(state, now, rollout);
    // Schedules first: a firing starts tasks at its fire time, which the task step then carries to now.
    settleSchedules(state, now, rollout);
    settleStandaloneTasks(state, now, rollout);
  }

  rolloutDeps(): RolloutDeps {
    const hookResults = this.#hookResults;
    return { images: this.images, timings: this.#timings, newId: randomUUID, hookResult: (arn) => hookResults.get(arn) };
  }

  /** Advances every Region's rollouts to the current simulated time. */
  settleAll(): void {
    const now = this.clock.now();
    const deps = this.rolloutDeps();
    for (const region of this.state.regions()) this.#settleRegion(region, now, deps);
  }

  #count(account: string, operation: string): void {
    let counts = this.#counts.get(account);
    if (!counts) {
      counts = new Map();
      this.#counts.set(account, counts);
    }
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
  }

  // ---- admin ----

  reset(accountId?: string): void {
    this.state.reset(accountId);
    for (const key of this.#fighters.keys()) if (accountId === undefined || key.startsWith(`${accountId}/`)) this.#fighters.delete(key);
    this.resetCallCounts(accountId);
    this.#throttler.reset(accountId);
    if (accountId === undefined) {
      this.images.clearCrashing();
      this.#hookResults.clear();
    }
  }

  /** Calls per operation for one account, or summed over all accounts. */
  callCounts(accountId?: string): Record<string, number> {
    const out: Record<string, number> = {};
    const sources = accountId === undefined ? [...this.#counts.values()] : [this.#counts.get(accountId) ?? new Map<string, number>()];
    for (const counts of sources) for (const [op, n] of counts) out[op] = (out[op] ?? 0) + n;
    return out;
  }

  /** Zeroes call counts, throttle counts and the call log (of one account, or all). */
  resetCallCounts(accountId?: string): void {
    if (accountId === undefined) this.#counts.clear();
    else this.#counts.delete(accountId);
    this.#callLog.clear(accountId);
  }

  /** ThrottlingExceptions answered per operation (included in callCounts too). */
  throttledCounts(accountId?: string): Record<string, number> {
    return this.#callLog.throttledCounts(accountId);
  }

  /** Timestamped calls, oldest first (bounded: see callLogCapacity). */
  callLog(filter: CallLogFilter = {}): CallRecord[] {
    return this.#callLog.list(filter);
  }

  get throttling(): ThrottlingOption {
    return this.#throttler.option;
  }

  /** Changes throttling at run time; every bucket starts full again. */
  setThrottling(option: ThrottlingOption): void {
    this.#throttler.set(option);
  }

  markImageCrashing(image: string, crashing = true): void {
    if (!image) throw invalidParameter('image can not be blank.');
    this.images.markCrashing(image, crashing);
  }

  /**
   * How containers of `image` in one-off tasks (RunTask, schedule firings)
   * end: exit with `exitCode` `afterSeconds` simulated seconds after they
   * start; `undefined` clears the rule (default: exit 0 after oneOffRunMs).
   */
  setImageExit(image: string, rule: { exitCode: number; afterSeconds: number } | undefined): void {
    if (!image) throw invalidParameter('image can not be blank.');
    if (rule === undefined) {
      this.images.setExitRule(image, undefined);
      return;
    }
    if (!Number.isInteger(rule.exitCode) || rule.exitCode < 0 || rule.exitCode > 255) throw invalidParameter('exitCode must be an integer from 0 to 255.');
    if (!Number.isFinite(rule.afterSeconds) || rule.afterSeconds < 0) throw invalidParameter('afterSeconds must be a number >= 0 (simulated seconds).');
    const exitRule: ImageExitRule = { exitCode: rule.exitCode, afterMs: Math.round(rule.afterSeconds * 1000) };
    this.images.setExitRule(image, exitRule);
  }

  /** Every schedule of an account and Region with its firing status (admin `GET /_sandbox/schedules`). */
  schedules(target: { accountId?: string; region?: string } = {}): JsonObject[] {
    const ctx = this.context(target.accountId ?? DEFAULT_ACCOUNT, target.region ?? DEFAULT_REGION);
    ctx.settle(ctx.state);
    return [...schedulerOf(ctx.state, ctx.now).schedules.values()].map(scheduleStatus);
  }

  /** ECR reads of `repository` answer AccessDeniedException while `denied`. */
  denyImageReads(target: { accountId?: string; region?: string; repository: string }, denied = true): void {
    if (!target.repository) throw invalidParameter('repository can not be blank.');
    const ctx = this.context(target.accountId ?? DEFAULT_ACCOUNT, target.region ?? DEFAULT_REGION);
    setImageReadsDenied(ctx.state, target.repository, denied);
  }

  #service(address: ServiceAddress): { ctx: ServiceOpContext; svc: ServiceRecord } {
    const ctx = this.context(address.accountId ?? DEFAULT_ACCOUNT, address.region ?? DEFAULT_REGION);
    ctx.settle(ctx.state);
    const svc = findService(findCluster(ctx.state, address.cluster), address.service);
    if (!svc || svc.status === 'INACTIVE') throw serviceNotFound();
    return { ctx, svc };
  }

  /**
   * Changes a live service the way a person in the console would, to create
   * drift: any UpdateService field (desiredCount, taskDefinition,
   * deploymentConfiguration, networkConfiguration, propagateTags, ...); other
   * keys are stored and returned as given. Returns the service as DescribeServices would.
   */
  mutateService(address: ServiceAddress, fields: JsonObject): JsonObject {
    const { ctx, svc } = this.#service(address);
    const known = new Set([
      'taskDefinition', 'desiredCount', 'deploymentConfiguration', 'networkConfiguration', 'capacityProviderStrategy',
      'platformVersion', 'propagateTags', 'enableECSManagedTags', 'enableExecuteCommand', 'healthCheckGracePeriodSeconds',
      'forceNewDeployment', 'loadBalancers', 'serviceRegistries', 'placementConstraints', 'placementStrategy',
      'serviceConnectConfiguration', 'volumeConfigurations', 'vpcLatticeConfigurations', 'availabilityZoneRebalancing',
    ]);
    for (const [key, value] of Object.entries(fields)) if (!known.has(key)) svc.passthrough[key] = value;
    const updates = Object.fromEntries(Object.entries(fields).filter(([k]) => known.has(k)));
    return applyServiceUpdate(ctx, svc, updates).service as JsonObject;
  }

  /**
   * Another tool fighting whoever updates the service: after every successful
   * UpdateService of it, `fields` are set again as a console-style change
   * (mutateService). `undefined` stops the fight. The UpdateService answer
   * still shows what the caller asked for; the next DescribeServices does not.
   */
  fightService(address: ServiceAddress, fields: JsonObject | undefined): void {
    const key = fighterKey(address.accountId ?? DEFAULT_ACCOUNT, address.region ?? DEFAULT_REGION, address.cluster, address.service);
    if (fields === undefined) {
      this.#fighters.delete(key);
      return;
    }
    this.#service(address);
    this.#fighters.set(key, fields);
  }

  #fightBack(account: string, region: string, output: JsonObject): void {
    const service = output.service;
    if (!isObject(service) || typeof service.serviceName !== 'string' || typeof service.clusterArn !== 'string') return;
    const cluster = service.clusterArn.slice(service.clusterArn.lastIndexOf('/') + 1);
    const fields = this.#fighters.get(fighterKey(account, region, cluster, service.serviceName));
    if (fields) this.mutateService({ accountId: account, region, cluster, service: service.serviceName }, fields);
  }

  /**
   * Sets a service's average CPU % as of now (simulated scaling acts on it at
   * the next simulated minute); the load is kept as demand, so adding tasks lowers it.
   */
  setServiceLoad(address: ServiceAddress, cpu: number): void {
    if (!Number.isFinite(cpu) || cpu < 0) throw invalidParameter('cpu must be a number >= 0 (average CPU %).');
    const { ctx, svc } = this.#service(address);
    setServiceLoad(ctx.state, svc.cluster.name, svc.name, cpu, svc.desiredCount);
  }

  scaleService(address: ServiceAddress, desiredCount: number): JsonObject {
    return this.mutateService(address, { desiredCount });
  }

  setServiceTaskDefinition(address: ServiceAddress, taskDefinition: string): JsonObject {
    return this.mutateService(address, { taskDefinition });
  }

  /**
   * What the AWS_LAMBDA lifecycle hook `hookTargetArn` answers from now on
   * (deployment-strategies.ts): SUCCEEDED, FAILED, or IN_PROGRESS (still
   * running: asked again every 30 s until its timeout). `undefined` restores SUCCEEDED.
   */
  setDeploymentHookResult(hookTargetArn: string, result: HookResultSetting | undefined): void {
    if (!hookTargetArn) throw invalidParameter('hookTargetArn can not be blank.');
    if (result === undefined) {
      this.#hookResults.delete(hookTargetArn);
      return;
    }
    if (result !== 'SUCCEEDED' && result !== 'FAILED' && result !== 'IN_PROGRESS') {
      throw invalidParameter('result must be SUCCEEDED, FAILED, IN_PROGRESS or null.');
    }
    this.#hookResults.set(hookTargetArn, result);
  }

  // ---- STS, SSM and CloudFormation admin ----

  /** AssumeRole of `roleArn` answers AccessDenied while `denied`, or unless the caller sends `externalId` when one is set. */
  setRole(roleArn: string, settings: { denied?: boolean; externalId?: string }): void {
    this.state.sts.setRole(roleArn, { denied: settings.denied === true, ...(settings.externalId !== undefined ? { externalId: settings.externalId } : {}) });
  }

  /** Lifetime (wall-clock seconds) of credentials AssumeRole issues from now on. @default 3600 */
  setSessionSeconds(seconds: number): void {
    this.state.sts.setSessionSeconds(seconds);
  }

  /** Every credential issued so far expires now; returns how many were still valid. */
  expireCredentials(): number {
    return this.state.sts.expireAll();
  }

  /** AssumeRole calls per role ARN. */
  assumeRoleCalls(): Record<string, number> {
    return this.state.sts.assumeRoleCalls();
  }

  /** Creates a CloudFormation stack with these outputs (or replaces an existing one's outputs). */
  putStack(target: { accountId?: string; region?: string; stackName: string; outputs: Readonly<Record<string, StackOutputInput>> }): { stackId: string } {
    const state = this.state.region(target.accountId ?? DEFAULT_ACCOUNT, target.region ?? DEFAULT_REGION);
    return { stackId: putStack(state, this.clock.now(), target.stackName, target.outputs).id };
  }

  /** Stores a new version of an SSM parameter (created as `type`, default String; overwritten when it exists). */
  putParameter(target: { accountId?: string; region?: string; name: string; value: string; type?: string }): { version: number } {
    const state = this.state.region(target.accountId ?? DEFAULT_ACCOUNT, target.region ?? DEFAULT_REGION);
    const type = target.type ?? (state.parameters.has(target.name) ? undefined : 'String');
    return { version: putParameterRecord(state, this.clock.now(), { name: target.name, value: target.value, ...(type ? { type } : {}), overwrite: true }) };
  }

  /** Sets (and with `remove`, deletes) tags on any resource ARN, bypassing throttling and call counts. */
  tagResource(target: { accountId?: string; region?: string; resourceArn: string }, tags: Record<string, string>, remove: readonly string[] = []): void {
    const ctx = this.context(target.accountId ?? DEFAULT_ACCOUNT, target.region ?? DEFAULT_REGION);
    if (Object.keys(tags).length > 0) {
      ECS_OPERATIONS.TagResource?.(ctx, { resourceArn: target.resourceArn, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
    }
    if (remove.length > 0) ECS_OPERATIONS.UntagResource?.(ctx, { resourceArn: target.resourceArn, tagKeys: [...remove] });
  }
}

function fighterKey(account: string, region: string, cluster: string, service: string): string {
  return `${account}/${region}/${cluster}/${service}`;
}

function jsonHeaders(requestId: string, version: '1.0' | '1.1' = '1.1'): Record<string, string> {
  return { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': requestId };
}

function apiOfTarget(target: string): SandboxApi | undefined {
  if (target.startsWith(ECS_TARGET_PREFIX)) return 'ecs';
  if (target.startsWith(ECR_TARGET_PREFIX)) return 'ecr';
  if (target.startsWith(AAS_TARGET_PREFIX)) return 'application-autoscaling';
  if (target.startsWith(CLOUDWATCH_TARGET_PREFIX)) return 'cloudwatch';
  if (target.startsWith(SSM_TARGET_PREFIX)) return 'ssm';
  return undefined;
}

/** A query-protocol request reaches handle() when a caller does not route it itself: no X-Amz-Target, a form body. */
function isQueryRequestBody(request: RawRequest): boolean {
  return request.target === undefined && isQueryRequest(request.headers);
}

/** CloudWatch's `x-amzn-query-error` header: the query protocol's error code and fault side. */
function queryError(error: SandboxApiError): string {
  return `${CLOUDWATCH_QUERY_CODES[error.type] ?? error.type};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
}
