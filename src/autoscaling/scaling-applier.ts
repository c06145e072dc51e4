/**
 * Executes a service's scaling plan (src/plan/scaling-types.ts), in order,
 * through the (rate-limited) ScalingApi. The PolicyARN a putScalingPolicy
 * returns replaces policyArnPlaceholder(name) in the AlarmActions of later
 * putMetricAlarm actions, so a step scaling policy and the alarm that drives
 * it are created in one plan. The first failure stops the plan: the error
 * says which action failed and which ran before it. Either way the reader
 * re-reads the service next time, since its scaling may have changed.
 */
import type * as CW from '@aws-sdk/client-cloudwatch';
import { awsErrorCode } from '../ecs/aws-error.js';
import { GitopsError, isGitopsError } from '../errors/index.js';
import { policyArnPlaceholder, type ScalingAction, type ScalingActionKind } from '../plan/scaling-types.js';
import type { ScalingApi } from './scaling-api.js';

export interface ScalingApplyResult {
  readonly performed: readonly ScalingActionKind[];
  /** PolicyARN by policy name, for every putScalingPolicy sent. */
  readonly policyArns: ReadonlyMap<string, string>;
}

/** What the applier needs of the reader: forget a service after writing to it. */
export interface ScalingInvalidation {
  invalidate(cluster: string, service: string): void;
}

export interface ScalingApplierOptions {
  readonly scaling: ScalingApi;
  readonly reader?: ScalingInvalidation;
  /** Called once per action sent (metrics). */
  readonly onAction?: (kind: ScalingActionKind, ok: boolean) => void;
}

/** A scaling action failed: the cause keeps its AWS_* code; `performed` lists the actions that ran before it. */
export class ScalingApplyError extends GitopsError {
  readonly action: ScalingActionKind;
  readonly performed: readonly ScalingActionKind[];
  constructor(action: ScalingActionKind, performed: readonly ScalingActionKind[], cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(isGitopsError(cause) ? cause.code : 'CONTROLLER_APPLY_FAILED', `${action} failed: ${message}`, { action, performed: performed.join(',') }, { cause });
    this.name = 'ScalingApplyError';
    this.action = action;
    this.performed = performed;
  }
}

/**
 * A delete whose object is already gone has reached the plan's goal (removed
 * outside Git, or by an earlier attempt whose answer was lost).
 */
function alreadyGone(action: ScalingAction, err: unknown): boolean {
  const deletes = action.kind === 'deleteScalingPolicy' || action.kind === 'deleteScheduledAction'
    || action.kind === 'deregisterScalableTarget' || action.kind === 'deleteAlarms';
  return deletes && awsErrorCode(err) === 'AWS_SCALING_OBJECT_NOT_FOUND';
}

/** What policyArnPlaceholder puts before and after the policy name. */
const [PLACEHOLDER_START, PLACEHOLDER_END] = policyArnPlaceholder('\u0000').split('\u0000') as [string, string];

/** The policy name a placeholder stands for, or undefined for a real action ARN. */
function placeholderPolicy(action: string): string | undefined {
  const isPlaceholder = action.startsWith(PLACEHOLDER_START) && action.endsWith(PLACEHOLDER_END)
    && action.length >= PLACEHOLDER_START.length + PLACEHOLDER_END.length;
  return isPlaceholder ? action.slice(PLACEHOLDER_START.length, action.length - PLACEHOLDER_END.length) : undefined;
}

/** The alarm input with every policy ARN placeholder replaced by the ARN its putScalingPolicy returned. */
function withPolicyArns(input: CW.PutMetricAlarmInput, policyArns: ReadonlyMap<string, string>): CW.PutMetricAlarmInput {
  const replace = (actions: readonly string[] | undefined): string[] | undefined => actions?.map((action) => {
    const name = placeholderPolicy(action);
    if (name === undefined) return action;
    const arn = policyArns.get(name);
    // A planner bug: never send a placeholder to AWS.
    if (arn === undefined) throw new Error(`alarm ${input.AlarmName ?? ''} refers to policy ${name}, which no earlier putScalingPolicy of the plan created`);
    return arn;
  });
  const alarmActions = replace(input.AlarmActions);
  const okActions = replace(input.OKActions);
  const insufficientDataActions = replace(input.InsufficientDataActions);
  return {
    ...input,
    ...(alarmActions ? { AlarmActions: alarmActions } : {}),
    ...(okActions ? { OKActions: okActions } : {}),
    ...(insufficientDataActions ? { InsufficientDataActions: insufficientDataActions } : {}),
  };
}

export class ScalingApplier {
  readonly #scaling: ScalingApi;
  readonly #reader: ScalingInvalidation | undefined;
  readonly #onAction: ScalingApplierOptions['onAction'];

  constructor(options: ScalingApplierOptions) {
    this.#scaling = options.scaling;
    this.#reader = options.reader;
    this.#onAction = options.onAction;
  }

  /** Runs `actions` in order for one service; throws ScalingApplyError at the first failure. */
  async apply(cluster: string, service: string, actions: readonly ScalingAction[], signal: AbortSignal): Promise<ScalingApplyResult> {
    const performed: ScalingActionKind[] = [];
    const policyArns = new Map<string, string>();
    try {
      for (const action of actions) {
        try {
          await this.#send(action, policyArns, signal);
        } catch (err) {
          if (!alreadyGone(action, err)) {
            // Not sent at all (a placeholder with no policy) is still this action's failure.
            this.#onAction?.(action.kind, false);
            throw new ScalingApplyError(action.kind, [...performed], err);
          }
        }
        this.#onAction?.(action.kind, true);
        performed.push(action.kind);
      }
      return { performed, policyArns };
    } finally {
      if (actions.length > 0) this.#reader?.invalidate(cluster, service);
    }
  }

  async #send(action: ScalingAction, policyArns: Map<string, string>, signal: AbortSignal): Promise<void> {
    const scaling = this.#scaling;
    switch (action.kind) {
      case 'registerScalableTarget':
        await scaling.send('RegisterScalableTarget', action.input, signal);
        return;
      case 'deregisterScalableTarget':
        await scaling.send('DeregisterScalableTarget', action.input, signal);
        return;
      case 'putScalingPolicy': {
        const out = await scaling.send('PutScalingPolicy', action.input, signal);
        if (!out.PolicyARN) throw new Error(`PutScalingPolicy ${action.input.PolicyName ?? ''} returned no PolicyARN`);
        if (action.input.PolicyName) policyArns.set(action.input.PolicyName, out.PolicyARN);
        return;
      }
      case 'deleteScalingPolicy':
        await scaling.send('DeleteScalingPolicy', action.input, signal);
        return;
      case 'putScheduledAction':
        await scaling.send('PutScheduledAction', action.input, signal);
        return;
      case 'deleteScheduledAction':
        await scaling.send('DeleteScheduledAction', action.input, signal);
        return;
      case 'putMetricAlarm':
        await scaling.send('PutMetricAlarm', withPolicyArns(action.input, policyArns), signal);
        return;
      case 'deleteAlarms':
        await scaling.send('DeleteAlarms', action.input, signal);
        return;
    }
  }
}
