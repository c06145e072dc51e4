/**
 * Executes a plan's actions, in order, through the (rate-limited) EcsApi.
 * Task definitions with identical content are registered once: registrations
 * are shared by spec hash while in flight and remembered afterwards, so
 * several services declaring the same task definition cause one
 * RegisterTaskDefinition between them; and a registration whose content an
 * ACTIVE revision already has (its ecs-gitops/spec-hash tag, among the
 * family's recent revisions) reuses that revision instead.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { EcsApi } from '../ecs/ecs-api.js';
import type { EcsReader, LiveTaskDefinition } from '../ecs/ecs-reader.js';
import { TAG_SPEC_HASH } from '../diff/tags.js';
import { GitopsError, isGitopsError } from '../errors/index.js';
import type { ApplyAction as ApplyActionLabel } from '../observe/metrics.js';
import { REGISTERED_TASK_DEFINITION, type Action, type ActionKind, type RegisterTaskDefinitionAction } from '../plan/types.js';

export const ACTION_LABEL: Readonly<Record<ActionKind, ApplyActionLabel>> = {
  registerTaskDefinition: 'register_task_definition',
  createService: 'create_service',
  updateService: 'update_service',
  deleteService: 'delete_service',
  tagResource: 'tag',
  untagResource: 'tag',
};

export interface ApplyResult {
  /** Task definition the service now points at (registered or reused), when the plan set one. */
  readonly taskDefinitionArn?: string;
  /** The revision a registerTaskDefinition action registered or reused (deploy hooks run it before the service points at it). */
  readonly registeredTaskDefinitionArn?: string;
  /** The service as CreateService/UpdateService returned it. */
  readonly service?: ECS.Service;
  /** The service deployment that create or update started (its `currentServiceDeployment`), where ECS has the deployments API. */
  readonly serviceDeploymentArn?: string;
  readonly performed: readonly ActionKind[];
  /** True when a create or update asked ECS for a new deployment. */
  readonly deploymentStarted: boolean;
}

export interface ApplierOptions {
  readonly ecs: EcsApi;
  readonly reader: EcsReader;
  readonly onAction?: (action: ApplyActionLabel, ok: boolean) => void;
  /** How many recent ACTIVE revisions to search for a matching spec-hash tag. @default 10 */
  readonly reuseSearchDepth?: number;
}

/** An action failed: the cause keeps its AWS_* code; the message says which action. */
export class ApplyError extends GitopsError {
  readonly action: ActionKind;
  constructor(action: ActionKind, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(isGitopsError(cause) ? cause.code : 'CONTROLLER_APPLY_FAILED', `${action} failed: ${message}`, { action }, { cause });
    this.name = 'ApplyError';
    this.action = action;
  }
}

function withTaskDefinition<T extends { taskDefinition?: string }>(input: T, arn: string | undefined): T {
  if (input.taskDefinition !== REGISTERED_TASK_DEFINITION) return input;
  if (!arn) throw new Error('plan refers to a registered task definition but registered none');
  return { ...input, taskDefinition: arn };
}

export class Applier {
  readonly #ecs: EcsApi;
  readonly #reader: EcsReader;
  readonly #onAction: ApplierOptions['onAction'];
  readonly #reuseSearchDepth: number;
  readonly #bySpecHash = new Map<string, Promise<LiveTaskDefinition>>();

  constructor(options: ApplierOptions) {
    this.#ecs = options.ecs;
    this.#reader = options.reader;
    this.#onAction = options.onAction;
    this.#reuseSearchDepth = options.reuseSearchDepth ?? 10;
  }

  /** A revision this applier registered (or reused) for `specHash`, if any. */
  async knownRevision(specHash: string): Promise<string | undefined> {
    const entry = this.#bySpecHash.get(specHash);
    if (!entry) return undefined;
    try {
      return (await entry).taskDefinition.taskDefinitionArn;
    } catch {
      return undefined;
    }
  }

  /** Forget a remembered revision (e.g. it turned out to be INACTIVE). */
  forget(specHash: string): void {
    this.#bySpecHash.delete(specHash);
  }

  /** A revision with this content already: remembered, or found by its spec-hash tag among the family's recent ACTIVE revisions. */
  async #existingRevision(action: RegisterTaskDefinitionAction, signal: AbortSignal): Promise<string | undefined> {
    return await this.knownRevision(action.specHash)
      ?? (await this.#reader.findRevisionByTag(action.input.family ?? '', TAG_SPEC_HASH, action.specHash, this.#reuseSearchDepth, signal))
        ?.taskDefinition.taskDefinitionArn;
  }

  /** The registration for `specHash`: this call's own (`sent`), or one already in flight or done. */
  async #register(input: ECS.RegisterTaskDefinitionRequest, specHash: string, signal: AbortSignal): Promise<{ live: LiveTaskDefinition; sent: boolean }> {
    let entry = this.#bySpecHash.get(specHash);
    const sent = !entry;
    if (!entry) {
      entry = (async () => {
        const out = await this.#ecs.send('RegisterTaskDefinition', input, signal);
        if (!out.taskDefinition?.taskDefinitionArn) throw new Error('RegisterTaskDefinition returned no ARN');
        const live = { taskDefinition: out.taskDefinition, tags: out.tags ?? input.tags ?? [] };
        this.#reader.rememberTaskDefinition(live);
        this.#onAction?.('register_task_definition', true);
        return live;
      })();
      this.#bySpecHash.set(specHash, entry);
      entry.catch(() => {
        this.#bySpecHash.delete(specHash);
        this.#onAction?.('register_task_definition', false);
      });
    }
    return { live: await entry, sent };
  }

  async apply(actions: readonly Action[], signal: AbortSignal): Promise<ApplyResult> {
    let registered: string | undefined;
    let taskDefinitionArn: string | undefined;
    let service: ECS.Service | undefined;
    let deploymentStarted = false;
    const performed: ActionKind[] = [];
    let specHash: string | undefined;
    for (const action of actions) {
      const label = ACTION_LABEL[action.kind];
      try {
        switch (action.kind) {
          case 'registerTaskDefinition': {
            specHash = action.specHash;
            const existing = await this.#existingRevision(action, signal);
            if (existing) {
              registered = existing;
              continue;
            }
            const registration = await this.#register(action.input, action.specHash, signal);
            registered = registration.live.taskDefinition.taskDefinitionArn;
            // Another service's registration of the same content was shared: not this plan's call.
            if (!registration.sent) continue;
            break;
          }
          case 'createService': {
            const input = withTaskDefinition(action.input, registered);
            const out = await this.#ecs.send('CreateService', input, signal);
            service = out.service;
            taskDefinitionArn = input.taskDefinition;
            deploymentStarted = true;
            this.#onAction?.(label, true);
            break;
          }
          case 'updateService': {
            const input = withTaskDefinition(action.input, registered);
            const out = await this.#ecs.send('UpdateService', input, signal);
            service = out.service;
            if (input.taskDefinition) taskDefinitionArn = input.taskDefinition;
            if (input.taskDefinition || input.forceNewDeployment) deploymentStarted = true;
            this.#onAction?.(label, true);
            break;
          }
          case 'deleteService': {
            const out = await this.#ecs.send('DeleteService', action.input, signal);
            service = out.service;
            this.#onAction?.(label, true);
            break;
          }
          case 'tagResource':
            await this.#ecs.send('TagResource', { resourceArn: action.resourceArn, tags: action.tags }, signal);
            this.#onAction?.(label, true);
            break;
          case 'untagResource':
            await this.#ecs.send('UntagResource', { resourceArn: action.resourceArn, tagKeys: action.tagKeys }, signal);
            this.#onAction?.(label, true);
            break;
        }
        performed.push(action.kind);
      } catch (err) {
        // Registration failures are counted once, by the shared registration itself.
        if (action.kind !== 'registerTaskDefinition') this.#onAction?.(label, false);
        // The remembered revision may have been deregistered meanwhile: search again next time.
        if (specHash) this.forget(specHash);
        throw new ApplyError(action.kind, err);
      }
    }
    return {
      ...(taskDefinitionArn ? { taskDefinitionArn } : {}), ...(registered ? { registeredTaskDefinitionArn: registered } : {}),
      ...(service ? { service } : {}), performed, deploymentStarted,
      ...(deploymentStarted && service?.currentServiceDeployment ? { serviceDeploymentArn: service.currentServiceDeployment } : {}),
    };
  }
}
