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
 *   followed COMPLETED, the postDeploy hooks are due (`markPostDeployDue`,
 *   kept in memory and the status record until they finished, so a failed
 *   call on that pass does not skip them) and run the same way; a failure
 *   marks the deploy failed and Degraded and, with
 *   spec.hooks.rollbackOnPostDeployFailure, points the service back at the
 *   last revision whose deploy completed (the one it ran when last Synced
 *   and Healthy, else ECS's COMPLETED deployment) and holds the content as a
 *   failed rollout is held (ServiceMemory.failedContent).
 * - Two contents' hook tasks never run at once: a hook task of earlier
 *   content still running when newer content arrives stays known (memory and
 *   `hooks.earlier` in the status), its timeout is still enforced (StopTask),
 *   and no hook of the newer content starts until it stopped.
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
import { describeTask, epochMs, stopTask, timeoutReason } from '../../tasks/index.js';
import type { DeployHookRunStatus, DeployHooksStatus, EarlierDeployHookRunStatus, ServiceStatus, StatusError } from '../status.js';
import { DEFAULT_HOOK_TIMEOUT_SECONDS, deployedRevision, hookStartedBy, servicePlacement } from './content.js';
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
  /** The last revision whose deploy completed, when this content's deploy started (rollbackOnPostDeployFailure). */
  readonly rollbackTo?: string;
  /** Hook tasks of earlier content not yet seen stopped: no hook of this content starts until they have. */
  readonly earlier?: readonly EarlierDeployHookRunStatus[];
  /** This content's rollout completed: its postDeploy hooks are due until they finished. */
  readonly postDeployDue?: boolean;
  /** The revision the service ran when last Synced and Healthy with its hooks done (kept across contents). */
  readonly lastHealthyRevision?: string;
}

function hooksOf(desired: DesiredService): { pre: readonly DeployHookSpec[]; post: readonly DeployHookSpec[]; rollback: boolean } {
  const hooks = desired.manifest.spec.hooks;
  return { pre: hooks?.preDeploy ?? [], post: hooks?.postDeploy ?? [], rollback: hooks?.rollbackOnPostDeployFailure === true };
}

/** The manifest the pass applies: the image policy's (digests pinned), else as declared. */
function appliedDesired(input: HookStepInput): DesiredService {
  return input.observed.observation.policy?.desired ?? input.desired;
}

/**
 * The hook memory of `contentHash`. New content starts with no runs, but a hook task of the earlier content
 * that may still run (running, or stopped on its timeout and not yet seen STOPPED) is carried over as
 * `earlier`, from memory or, when memory lacks it, from the status record.
 */
function memoryFor(memory: ServiceMemory, contentHash: string, record: DeployHooksStatus | undefined): HookMemory {
  const hooks = memory.hooks;
  if (hooks?.contentHash === contentHash) return hooks;
  const earlier = new Map<string, EarlierDeployHookRunStatus>();
  const carry = (run: DeployHookRunStatus, content: string) => {
    if (run.taskArn && (run.state === 'running' || run.state === 'timed_out') && !earlier.has(run.taskArn)) earlier.set(run.taskArn, { ...run, contentHash: content });
  };
  for (const run of hooks?.earlier ?? []) carry(run, run.contentHash);
  if (hooks) for (const run of hooks.runs) carry(run, hooks.contentHash);
  if (record && record.contentHash !== contentHash) {
    for (const run of record.earlier ?? []) carry(run, run.contentHash);
    for (const run of record.hooks) carry(run, record.contentHash);
  }
  // Back to a content whose task is still running (a revert): that task is this content's own run again.
  const carried = [...earlier.values()];
  const own: DeployHookRunStatus[] = carried.filter((r) => r.contentHash === contentHash).map(({ contentHash: _own, ...run }) => run);
  const others = carried.filter((r) => r.contentHash !== contentHash);
  return {
    contentHash, runs: own,
    ...(others.length > 0 ? { earlier: others } : {}),
    ...(hooks?.lastHealthyRevision ? { lastHealthyRevision: hooks.lastHealthyRevision } : {}),
  };
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

  const outcome = await runHooks(input, 'preDeploy', pre, revision, applied, memoryFor(decision.memory, applied.contentHash, input.status?.hooks));
  const memory: ServiceMemory = { ...decision.memory, hooks: outcome.memory };
  const patch = { ...decision.patch, hooks: outcome.record };
  if (outcome.record.state === 'succeeded') return { decision: { ...decision, memory, patch }, proceed: true, ...notesOf(outcome.notes) };

  const { act: _held, ...rest } = decision;
  if (outcome.record.state === 'running') {
    return {
      proceed: false, ...notesOf(outcome.notes),
      decision: { ...rest, memory, result: 'requeue', requeueAfterMs: outcome.requeueAfterMs ?? input.pollMs, patch: { ...patch, health: 'Progressing' } },
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

/**
 * The pass that saw this content's rollout COMPLETED makes its postDeploy hooks due: in memory and in the
 * status record (`hooks`: postDeploy, running), kept until they finished. The reconciler marks it before the
 * hook step, so a failed call in that step (retried with backoff) keeps them due instead of skipping them.
 */
export function markPostDeployDue(input: HookStepInput, decision: ServiceDecision): ServiceDecision {
  const { post } = hooksOf(input.desired);
  if (post.length === 0 || decision.rollout !== 'completed' || decision.mode === 'detect') return decision;
  const applied = appliedDesired(input);
  const hooks = memoryFor(decision.memory, applied.contentHash, input.status?.hooks);
  if (hooks.postDeployDue) return decision;
  const record = input.status?.hooks;
  const current = record?.phase === 'postDeploy' && record.contentHash === applied.contentHash ? record : undefined;
  if (current?.state === 'succeeded' || current?.state === 'failed') return decision;
  // The deploy is not done until its postDeploy hooks are: Progressing, and the apply's outcome not yet written.
  const { lastApplySucceeded: _pending, lastAppliedRevision: _notYet, ...waiting } = decision.patch;
  return {
    ...decision,
    memory: { ...decision.memory, hooks: { ...hooks, postDeployDue: true } },
    patch: {
      ...waiting, health: 'Progressing',
      hooks: current ?? { phase: 'postDeploy', contentHash: applied.contentHash, state: 'running', hooks: [], ...(hooks.earlier ? { earlier: hooks.earlier } : {}) },
    },
  };
}

/** After the pass: remember what a deploy may roll back to, and run the postDeploy hooks while they are due. */
export async function followPostDeploy(input: HookStepInput, decision: ServiceDecision, deployed: DeployStarted | undefined): Promise<HookStepResult> {
  const result = await postDeployStep(input, markPostDeployDue(input, decision), deployed);
  return { ...result, decision: rememberHealthy(input, result.decision) };
}

/** A pass that leaves the service Synced and Healthy with no postDeploy hooks pending: its revision completed its deploy. */
function rememberHealthy(input: HookStepInput, decision: ServiceDecision): ServiceDecision {
  const hooks = decision.memory.hooks;
  if (!hooks || hooks.postDeployDue || decision.mode === 'detect' || decision.result === 'error') return decision;
  const sync = decision.patch.sync ?? input.status?.sync;
  const health = decision.patch.health ?? input.status?.health;
  const live = decision.patch.liveTaskDefinition ?? input.observed.observation.live.service?.taskDefinition;
  if (sync !== 'Synced' || health !== 'Healthy' || !live || hooks.lastHealthyRevision === live) return decision;
  return { ...decision, memory: { ...decision.memory, hooks: { ...hooks, lastHealthyRevision: live } } };
}

/** The revision of ECS's newest deployment whose rollout COMPLETED (the PRIMARY one first), when the service shows one. */
function completedRevision(service: ECS.Service | undefined): string | undefined {
  const deployments = service?.deployments ?? [];
  const completed = deployments.filter((d) => d.rolloutState === 'COMPLETED' && d.taskDefinition);
  return (completed.find((d) => d.status === 'PRIMARY') ?? completed.sort((a, b) => (epochMs(b.createdAt) ?? 0) - (epochMs(a.createdAt) ?? 0))[0])?.taskDefinition;
}

async function postDeployStep(input: HookStepInput, decision: ServiceDecision, deployed: DeployStarted | undefined): Promise<HookStepResult> {
  const { post, rollback } = hooksOf(input.desired);
  const applied = appliedDesired(input);
  if (post.length === 0) return { decision };
  let hooks = memoryFor(decision.memory, applied.contentHash, input.status?.hooks);
  if (deployed && rollback) {
    // Never a revision from a failed or unfinished rollout: the one the service ran when last Synced and
    // Healthy, else the one ECS's COMPLETED deployment runs (observed before this pass's UpdateService).
    const target = hooks.lastHealthyRevision ?? completedRevision(input.observed.observation.live.service);
    const { rollbackTo: _replaced, ...rest } = hooks;
    hooks = target && target !== deployed.taskDefinitionArn ? { ...rest, rollbackTo: target } : rest;
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
  if (!hooks.postDeployDue && current?.state !== 'running') {
    if (!hooks.earlier?.length) return { decision: { ...decision, memory } };
    // No hook of this content runs yet, but an earlier content's still may: its timeout is enforced meanwhile.
    const settled = await settleEarlier(input, hooks.earlier);
    const { earlier: _before, ...rest } = hooks;
    memory = { ...memory, hooks: { ...rest, ...(settled.earlier.length > 0 ? { earlier: settled.earlier } : {}) } };
    const watch = settled.earlier.length > 0 && decision.result === 'success' ? { result: 'requeue' as const, requeueAfterMs: settled.requeueAfterMs } : {};
    return { ...notesOf(settled.notes), decision: { ...decision, memory, ...watch } };
  }

  const liveArn = decision.patch.liveTaskDefinition ?? input.observed.observation.live.service?.taskDefinition;
  if (!liveArn) return { decision: { ...decision, memory } };
  const described = once(async () => input.region.reader.taskDefinition(liveArn, input.signal));
  const tagged = (await described()).tags.find((t) => t.key === TAG_SPEC_HASH)?.value;
  const revision: HookRevision = {
    specHash: tagged ?? buildTaskDefinitionRegistration(applied.manifest, input.observed.observation.live.taskDefinition, stamp(input)).specHash,
    taskDefinition: async () => (await described()).taskDefinition,
  };
  const outcome = await runHooks(input, 'postDeploy', post, revision, applied, hooks);
  const finished = outcome.record.state !== 'running';
  const { postDeployDue: _done, ...doneMemory } = outcome.memory;
  memory = { ...memory, hooks: finished ? doneMemory : { ...outcome.memory, postDeployDue: true } };
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
    return {
      ...notesOf(outcome.notes),
      decision: { ...decision, memory, patch: { ...patch, health: decision.rollout === 'completed' ? 'Healthy' : decision.patch.health, lastApplySucceeded: true, lastAppliedRevision: input.revision, lastError: undefined } },
    };
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
    const { rollbackTo: _used, ...kept } = doneMemory;
    memory = { ...memory, failedContent: applied.contentHash, watched: undefined, hooks: kept };
  } else if (rollback) {
    notes.push({ level: 'warn', message: 'postDeploy hook failed: not rolled back, no earlier revision is known to have completed its deploy' });
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
  // Hook tasks of earlier content first: one still running blocks every hook of this content from starting.
  const settled = memory.earlier && memory.earlier.length > 0 ? await settleEarlier(input, memory.earlier) : undefined;
  const earlier = settled?.earlier ?? [];
  if (settled) notes.push(...settled.notes);
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
    const blocking = earlier[0];
    if (blocking && !previous?.taskArn && !isFinal(previous)) {
      // Two migrations never run at once: this hook waits (it is not looked up or started) until the earlier task stopped.
      const content = blocking.contentHash.slice(0, 12);
      runs.push({
        name: hook.name, state: 'pending', startedBy,
        reason: `waiting for hook task ${blocking.taskArn ?? ''} ("${blocking.name}" of earlier content ${content}) to stop: hook tasks of two contents never run at once`,
      });
      state = 'running';
      requeueAfterMs = settled?.requeueAfterMs ?? input.pollMs;
      continue;
    }
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
    ...(earlier.length > 0 ? { earlier } : {}),
  };
  const { earlier: _before, ...rest } = memory;
  return {
    record, memory: { ...rest, runs: known, ...(earlier.length > 0 ? { earlier } : {}) }, justFailed, notes,
    ...(failed ? { failed } : {}), ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  };
}

/**
 * One look at each hook task of earlier content: gone from ECS or STOPPED, it is dropped; still running past
 * its timeout, it is stopped (StopTask, once) and kept until seen STOPPED; else kept, with how soon its
 * timeout falls due.
 */
async function settleEarlier(input: HookStepInput, earlier: readonly EarlierDeployHookRunStatus[]): Promise<{
  readonly earlier: readonly EarlierDeployHookRunStatus[]; readonly requeueAfterMs: number; readonly notes: readonly OutcomeNote[];
}> {
  const remaining: EarlierDeployHookRunStatus[] = [];
  const notes: OutcomeNote[] = [];
  let requeueAfterMs = input.pollMs;
  for (const run of earlier) {
    const taskArn = run.taskArn;
    if (!taskArn) continue;
    const task = await describeTask(input.region.ecs, input.desired.cluster, taskArn, input.signal);
    if (!task || task.lastStatus === 'STOPPED') {
      notes.push({ level: 'info', message: 'earlier hook task stopped', fields: { hook: run.name, taskArn } });
      continue;
    }
    const timeoutSeconds = run.timeoutSeconds ?? DEFAULT_HOOK_TIMEOUT_SECONDS;
    const startedAtMs = (run.startedAt ? Date.parse(run.startedAt) : undefined) ?? epochMs(task.startedAt) ?? epochMs(task.createdAt) ?? input.now;
    const leftMs = startedAtMs + timeoutSeconds * 1000 - input.now;
    if (leftMs <= 0 && run.state === 'running') {
      await stopTask(input.region.ecs, input.desired.cluster, taskArn, timeoutReason(timeoutSeconds), input.signal);
      notes.push({ level: 'error', message: 'earlier hook task timed out: stopped (StopTask)', fields: { hook: run.name, taskArn } });
      remaining.push({ ...run, state: 'timed_out', reason: `timed out after ${timeoutSeconds}s: stopped (StopTask)`, stoppedAt: new Date(input.now).toISOString() });
      continue;
    }
    remaining.push(run);
    if (leftMs > 0) requeueAfterMs = Math.min(requeueAfterMs, leftMs);
  }
  return { earlier: remaining, requeueAfterMs: Math.max(1, requeueAfterMs), notes };
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
