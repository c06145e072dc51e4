/**
 * The deploy hooks step of a Service pass (spec.hooks, docs/controller.md
 * "Deploy hooks"), folded into the service's decision so the pass still
 * writes one status record, as the scaling step (../scaling/step.ts) does.
 *
 * - `gatePreDeploy`, before the pass applies: when the plan deploys a new
 *   task definition revision, that revision is registered (or reused) first
 *   and the preDeploy hooks run with it, in order, one look per pass (the
 *   pass requeues while one runs; no worker waits). Only when every hook
 *   stopped with exit code 0 in its essential containers does the pass go on
 *   to UpdateService / CreateService. A failed or timed-out hook holds the
 *   content: nothing further is applied, the service is Degraded with
 *   CONTROLLER_HOOK_FAILED, and the hook is not run again for that content.
 * - `followPostDeploy`, after the pass: once the rollout the controller
 *   followed COMPLETED, the postDeploy hooks run the same way; a failure
 *   marks the deploy failed and Degraded and, with
 *   spec.hooks.rollbackOnPostDeployFailure, points the service back at the
 *   revision it ran before the deploy and holds the content as a failed
 *   rollout is held (ServiceMemory.failedContent).
 *
 * Detect mode runs no hooks (the pass has nothing to apply).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { TAG_MANAGED_BY, TAG_SPEC_HASH } from '../../diff/tags.js';
import type { DeployHookSpec, DesiredService } from '../../manifests/types.js';
import type { DeployHookPhase, DeployHookResult } from '../../observe/metrics.js';
import { buildTaskDefinitionRegistration, tagValue } from '../../plan/task-definition-input.js';
import type { RegisterTaskDefinitionAction } from '../../plan/types.js';
import type { OutcomeNote } from '../reconciler.js';
import type { RegionAccess } from '../regions.js';
import type { ServiceDecision, ServiceMemory } from '../service/decide.js';
import type { ServiceObserveResult } from '../service/observe.js';
import type { DeployHookRunStatus, DeployHooksStatus, ServiceStatus, StatusError } from '../status.js';
import { deployedRevision, hookStartedBy, servicePlacement } from './content.js';
import { isFinal, lookAtHook } from './run-hook.js';

export interface HookStepInput {
  /** As declared (identity, spec.hooks, placement). */
  readonly desired: DesiredService;
  readonly observed: ServiceObserveResult;
  readonly region: RegionAccess;
  readonly signal: AbortSignal;
  readonly status: ServiceStatus | undefined;
  readonly controllerId: string;
  readonly revision: string;
  readonly now: number;
  /** How soon to look at a running hook again (the rollout poll interval). */
  readonly pollMs: number;
  /** A hook task finished (metric ecs_gitops_deploy_hook_runs_total). */
  readonly onHookFinished?: (phase: DeployHookPhase, result: DeployHookResult) => void;
}

export interface HookStepResult {
  readonly decision: ServiceDecision;
  readonly notes?: readonly OutcomeNote[];
}

/** The revision hooks run and what identifies its content. */
interface HookRevision {
  readonly specHash: string;
  taskDefinition(): Promise<ECS.TaskDefinition>;
}

/** What the reconciler remembers about hooks between passes (ServiceMemory.hooks). */
export interface HookMemory {
  /** The content the runs below belong to. */
  readonly contentHash: string;
  /** Every hook run looked at for that content, both phases, by startedBy. */
  readonly runs: readonly DeployHookRunStatus[];
  /** The revision the service ran before this content's deploy started (rollbackOnPostDeployFailure). */
  readonly rollbackTo?: string;
}

function hooksOf(desired: DesiredService): { pre: readonly DeployHookSpec[]; post: readonly DeployHookSpec[]; rollback: boolean } {
  const hooks = desired.manifest.spec.hooks;
  return { pre: hooks?.preDeploy ?? [], post: hooks?.postDeploy ?? [], rollback: hooks?.rollbackOnPostDeployFailure === true };
}

/** The manifest the pass applies: the image policy's (digests pinned), else as declared. */
function appliedDesired(input: HookStepInput): DesiredService {
  return input.observed.observation.policy?.desired ?? input.desired;
}

function memoryFor(memory: ServiceMemory, contentHash: string): HookMemory {
  return memory.hooks?.contentHash === contentHash ? memory.hooks : { contentHash, runs: [] };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** Before the pass applies: run the preDeploy hooks of a deploy, and let the pass proceed only once every one succeeded. */
export async function gatePreDeploy(input: HookStepInput, decision: ServiceDecision): Promise<HookStepResult & { readonly proceed: boolean }> {
  const act = decision.act;
  const { pre } = hooksOf(input.desired);
  if (act?.kind !== 'apply' || pre.length === 0) return { decision, proceed: true };
  const live = input.observed.observation.live;
  const deploys = deployedRevision(act.plan, live.service?.taskDefinition);
  if (!deploys) return { decision, proceed: true };
  const applied = act.policy?.desired ?? input.desired;

  let revision: HookRevision;
  if (deploys === 'registered') {
    const register = act.plan.actions.find((a): a is RegisterTaskDefinitionAction => a.kind === 'registerTaskDefinition');
    const specHash = register?.specHash ?? buildTaskDefinitionRegistration(applied.manifest, live.taskDefinition, stamp(input)).specHash;
    revision = {
      specHash,
      // Registered (or reused by spec hash) ahead of UpdateService, once per content: the apply that follows reuses it.
      taskDefinition: once(async () => {
        const registration = register ?? { kind: 'registerTaskDefinition' as const, ...buildTaskDefinitionRegistration(applied.manifest, live.taskDefinition, stamp(input)) };
        const result = await input.region.applier.apply([registration], input.signal);
        if (!result.registeredTaskDefinitionArn) throw new Error('registering the task definition for the preDeploy hooks returned no ARN');
        return (await input.region.reader.taskDefinition(result.registeredTaskDefinitionArn, input.signal)).taskDefinition;
      }),
    };
  } else {
    const arn = deploys.arn;
    const described = once(async () => input.region.reader.taskDefinition(arn, input.signal));
    const tagged = (await described()).tags.find((t) => t.key === TAG_SPEC_HASH)?.value;
    revision = {
      specHash: tagged ?? buildTaskDefinitionRegistration(applied.manifest, live.taskDefinition, stamp(input)).specHash,
      taskDefinition: async () => (await described()).taskDefinition,
    };
  }

  const outcome = await runHooks(input, 'preDeploy', pre, revision, applied, memoryFor(decision.memory, applied.contentHash));
  const memory: ServiceMemory = { ...decision.memory, hooks: outcome.memory };
  const patch = { ...decision.patch, hooks: outcome.record };
  if (outcome.record.state === 'succeeded') return { decision: { ...decision, memory, patch }, proceed: true, ...notesOf(outcome.notes) };

  const { act: _held, ...rest } = decision;
  if (outcome.record.state === 'running') {
    return {
      proceed: false, ...notesOf(outcome.notes),
      decision: { ...rest, memory, result: 'requeue', requeueAfterMs: outcome.requeueAfterMs ?? input.pollMs, patch },
    };
  }
  const error = hookError(input, 'preDeploy', outcome.failed);
  // The first pass that saw it fail reports an error; later passes of the same content hold it quietly.
  const first = outcome.justFailed;
  return {
    proceed: false, ...notesOf(outcome.notes),
    decision: {
      ...rest, memory, result: first ? 'error' : 'success', ...(first ? { error } : {}),
      patch: { ...patch, health: 'Degraded', lastApplySucceeded: false, lastError: error },
    },
  };
}

/** What the reconciler tells the post step about its act. */
export interface DeployStarted {
  /** The revision the service ran before this pass's UpdateService (absent for a CreateService). */
  readonly previousTaskDefinition?: string;
  readonly taskDefinitionArn: string;
}

/** After the pass: remember what a deploy replaced, and run the postDeploy hooks once the followed rollout completed. */
export async function followPostDeploy(input: HookStepInput, decision: ServiceDecision, deployed: DeployStarted | undefined): Promise<HookStepResult> {
  const { post, rollback } = hooksOf(input.desired);
  const applied = appliedDesired(input);
  if (post.length === 0) return { decision };
  let hooks = memoryFor(decision.memory, applied.contentHash);
  if (deployed && rollback && deployed.previousTaskDefinition && deployed.previousTaskDefinition !== deployed.taskDefinitionArn) {
    hooks = { ...hooks, rollbackTo: deployed.previousTaskDefinition };
  }
  let memory: ServiceMemory = { ...decision.memory, hooks };
  if (decision.mode === 'detect') return { decision: { ...decision, memory } };

  const record = input.status?.hooks;
  const current = record?.phase === 'postDeploy' && record.contentHash === applied.contentHash ? record : undefined;
  if (current?.state === 'failed') {
    // Held: the deploy of this content failed its postDeploy hooks; a new commit is new content.
    const failed = current.hooks.find((h) => h.state === 'failed' || h.state === 'timed_out');
    const error = input.status?.lastError?.code === 'CONTROLLER_HOOK_FAILED' ? input.status.lastError : hookError(input, 'postDeploy', failed);
    return { decision: { ...decision, memory, patch: { ...decision.patch, health: 'Degraded', lastApplySucceeded: false, lastError: error } } };
  }
  const starts = decision.rollout === 'completed' && current?.state !== 'succeeded';
  if (!starts && current?.state !== 'running') return { decision: { ...decision, memory } };

  const liveArn = decision.patch.liveTaskDefinition ?? input.observed.observation.live.service?.taskDefinition;
  if (!liveArn) return { decision: { ...decision, memory } };
  const described = once(async () => input.region.reader.taskDefinition(liveArn, input.signal));
  const tagged = (await described()).tags.find((t) => t.key === TAG_SPEC_HASH)?.value;
  const revision: HookRevision = {
    specHash: tagged ?? buildTaskDefinitionRegistration(applied.manifest, input.observed.observation.live.taskDefinition, stamp(input)).specHash,
    taskDefinition: async () => (await described()).taskDefinition,
  };
  const outcome = await runHooks(input, 'postDeploy', post, revision, applied, hooks);
  memory = { ...memory, hooks: outcome.memory };
  const patch = { ...decision.patch, hooks: outcome.record };
  if (outcome.record.state === 'running') {
    // The deploy is not done until its postDeploy hooks are: Progressing, and the apply's outcome not yet written.
    const { lastApplySucceeded: _pending, lastAppliedRevision: _notYet, ...waiting } = patch;
    return {
      ...notesOf(outcome.notes),
      decision: { ...decision, memory, result: 'requeue', requeueAfterMs: outcome.requeueAfterMs ?? input.pollMs, patch: { ...waiting, health: 'Progressing' } },
    };
  }
  if (outcome.record.state === 'succeeded') {
    return { ...notesOf(outcome.notes), decision: { ...decision, memory, patch: { ...patch, lastApplySucceeded: true, lastAppliedRevision: input.revision, lastError: undefined } } };
  }

  const error = hookError(input, 'postDeploy', outcome.failed);
  const notes = [...outcome.notes];
  let failedRecord = outcome.record;
  let appliedActions = decision.applied;
  if (rollback && hooks.rollbackTo) {
    const target = hooks.rollbackTo;
    try {
      await input.region.applier.apply([{ kind: 'updateService', input: { cluster: input.desired.cluster, service: input.desired.name, taskDefinition: target } }], input.signal);
    } finally {
      input.region.reader.invalidateService(input.desired.cluster, input.desired.name);
    }
    failedRecord = { ...failedRecord, rolledBackTo: target };
    appliedActions = [...(appliedActions ?? []), 'updateService'];
    notes.push({ level: 'warn', message: 'postDeploy hook failed: service rolled back', fields: { taskDefinition: target } });
    // Held like a failed rollout: the content is not re-applied until Git changes.
    memory = { ...memory, failedContent: applied.contentHash, watched: undefined, hooks: { ...outcome.memory, rollbackTo: undefined } };
  }
  return {
    notes,
    decision: {
      ...decision, memory, result: 'error', error, ...(appliedActions ? { applied: appliedActions } : {}),
      patch: { ...patch, hooks: failedRecord, health: 'Degraded', lastApplySucceeded: false, lastError: error },
    },
  };
}

function notesOf(notes: readonly OutcomeNote[]): { notes?: readonly OutcomeNote[] } {
  return notes.length > 0 ? { notes } : {};
}

function stamp(input: HookStepInput) {
  return { controllerId: input.controllerId, revision: input.revision, sourceFile: input.desired.source.file };
}

interface HooksOutcome {
  readonly record: DeployHooksStatus;
  readonly memory: HookMemory;
  readonly failed?: DeployHookRunStatus;
  /** The failure was seen this pass (not held from an earlier one). */
  readonly justFailed: boolean;
  readonly requeueAfterMs?: number;
  readonly notes: readonly OutcomeNote[];
}

/** One look at the hooks of a phase, in order: stops at the first one still running or failed. */
async function runHooks(
  input: HookStepInput, phase: DeployHookPhase, hooks: readonly DeployHookSpec[], revision: HookRevision, applied: DesiredService, memory: HookMemory,
): Promise<HooksOutcome> {
  const runs: DeployHookRunStatus[] = [];
  const notes: OutcomeNote[] = [];
  let known = memory.runs;
  let state: DeployHooksStatus['state'] = 'succeeded';
  let failed: DeployHookRunStatus | undefined;
  let justFailed = false;
  let requeueAfterMs: number | undefined;
  const placement = servicePlacement(input.desired);
  for (const hook of hooks) {
    const own = hook.taskDefinition
      ? buildTaskDefinitionRegistration({ ...applied.manifest, spec: { ...applied.manifest.spec, taskDefinition: hook.taskDefinition, sync: undefined } }, undefined, stamp(input))
      : undefined;
    const startedBy = hookStartedBy(input.desired.key, applied.contentHash, own?.specHash ?? revision.specHash, hook);
    if (state !== 'succeeded') {
      runs.push({ name: hook.name, state: 'pending', startedBy });
      continue;
    }
    const previous = known.find((r) => r.startedBy === startedBy);
    const taskDefinition = own
      ? async () => {
        // A hook's own task definition is registered (or reused by spec hash) like the service's.
        const result = await input.region.applier.apply([{ kind: 'registerTaskDefinition', input: own.input, specHash: own.specHash }], input.signal);
        if (!result.registeredTaskDefinitionArn) throw new Error(`registering hook ${hook.name}'s task definition returned no ARN`);
        return (await input.region.reader.taskDefinition(result.registeredTaskDefinitionArn, input.signal)).taskDefinition;
      }
      : revision.taskDefinition;
    const look = previous && isFinal(previous)
      ? { run: previous }
      : await lookAtHook({
        ecs: input.region.ecs, hook, startedBy, taskDefinition: await taskDefinition(), placement, previous, now: input.now, signal: input.signal,
        // The IAM policy (deploy/iam/ecs-gitops-policy.json) lets the controller stop only tasks tagged as its own.
        tags: [{ key: TAG_MANAGED_BY, value: tagValue(input.controllerId) }],
      });
    const run = look.run;
    runs.push(run);
    known = [...known.filter((r) => r.startedBy !== startedBy), run];
    if (!previous?.taskArn && run.state === 'running') notes.push({ level: 'info', message: `${phase} hook started`, fields: { hook: hook.name, taskArn: run.taskArn, startedBy } });
    if ('finished' in look && look.finished) {
      input.onHookFinished?.(phase, look.finished);
      notes.push({
        level: look.finished === 'succeeded' ? 'info' : 'error', message: `${phase} hook ${look.finished.replace('_', ' ')}`,
        fields: { hook: hook.name, taskArn: run.taskArn, exitCode: run.exitCode, reason: run.reason, logGroup: run.logGroup, logStream: run.logStream },
      });
    }
    if (run.state === 'running') {
      state = 'running';
      const timeoutInMs = 'timeoutInMs' in look ? look.timeoutInMs : undefined;
      requeueAfterMs = Math.max(1, Math.min(input.pollMs, timeoutInMs ?? input.pollMs));
    } else if (run.state !== 'succeeded') {
      state = 'failed';
      failed = run;
      justFailed = 'finished' in look && look.finished !== undefined;
    }
  }
  const liveArn = await revisionArn(revision);
  const record: DeployHooksStatus = {
    phase, contentHash: applied.contentHash, state, hooks: runs, ...(liveArn ? { taskDefinitionArn: liveArn } : {}),
  };
  return {
    record, memory: { ...memory, runs: known }, justFailed, notes,
    ...(failed ? { failed } : {}), ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  };
}

/** The revision's ARN when it is already known (never registers just to name it). */
async function revisionArn(revision: HookRevision): Promise<string | undefined> {
  try {
    return (await revision.taskDefinition()).taskDefinitionArn;
  } catch {
    return undefined;
  }
}

function hookError(input: HookStepInput, phase: DeployHookPhase, run: DeployHookRunStatus | undefined): StatusError {
  const at = new Date(input.now).toISOString();
  if (!run) return { code: 'CONTROLLER_HOOK_FAILED', message: `${phase} hook failed`, at };
  const what = run.state === 'timed_out'
    ? `timed out (${run.reason ?? 'stopped'})`
    : `failed: ${run.exitCode !== undefined ? `exit code ${run.exitCode}` : 'no exit code'}${run.reason ? `, stopped reason: ${run.reason}` : ''}`;
  const logs = run.logGroup ? `; logs: awslogs group ${run.logGroup}${run.logStream ? `, stream ${run.logStream}` : ''}` : '';
  const task = run.taskArn ? ` (task ${run.taskArn})` : '';
  const consequence = phase === 'preDeploy'
    ? 'nothing was applied; this content is not deployed or run again until Git changes'
    : 'the deploy is marked failed; this content is not run again until Git changes';
  return { code: 'CONTROLLER_HOOK_FAILED', message: `${phase} hook "${run.name}"${task} ${what}${logs}; ${consequence}`, at };
}
