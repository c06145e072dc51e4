/**
 * MemoryScheduler: an in-memory EventBridge Scheduler for the ScheduledTask
 * reconciler's narrowest tests (the sandbox and moto tests cover the real
 * SDK over HTTP). One account in one Region; records every call. It keeps
 * the Scheduler behaviours the reconciler relies on: schedule groups with
 * tags (ListTagsForResource by the group's ARN), schedules addressed by
 * group and name, ResourceNotFoundException / ConflictException by name,
 * and the defaults GetSchedule reports for fields the request left out
 * (State ENABLED, RetryPolicy 86400 s / 185 attempts, ActionAfterCompletion
 * NONE, EcsParameters.TaskCount 1), so a comparison that forgets to
 * normalize them shows as drift here too. Errors pass through
 * toAwsCallError as the SDK adapter's do.
 */
import type * as Scheduler from '@aws-sdk/client-scheduler';
import { toAwsCallError } from '../../../src/ecs/aws-error.js';
import { MUTATING_SCHEDULER_OPERATIONS, type SchedulerApi, type SchedulerInput, type SchedulerOperation, type SchedulerOutput } from '../../../src/scheduler/scheduler-api.js';

export interface RecordedSchedulerCall {
  readonly operation: SchedulerOperation;
  readonly input: unknown;
}

function named(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  Object.assign(err, { $fault: 'client', $metadata: { httpStatusCode: name === 'ResourceNotFoundException' ? 404 : 409 } });
  return err;
}

interface Group { readonly name: string; readonly arn: string; tags: Scheduler.Tag[]; readonly created: Date }

export class MemoryScheduler implements SchedulerApi {
  readonly calls: RecordedSchedulerCall[] = [];
  readonly #groups = new Map<string, Group>();
  readonly #schedules = new Map<string, Scheduler.GetScheduleOutput>();
  readonly #account: string;
  readonly #region: string;
  #now = Date.parse('2024-01-01T00:00:00Z');
  /** The next call of this operation fails with this error (once). */
  readonly #failures = new Map<SchedulerOperation, Error>();

  constructor(options: { account?: string; region?: string } = {}) {
    this.#account = options.account ?? '123456789012';
    this.#region = options.region ?? 'eu-west-1';
  }

  count(operation: SchedulerOperation): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  mutatingCalls(): SchedulerOperation[] {
    return this.calls.map((c) => c.operation).filter((op) => MUTATING_SCHEDULER_OPERATIONS.has(op));
  }

  reset(): void {
    this.calls.length = 0;
  }

  failNext(operation: SchedulerOperation, error: Error): void {
    this.#failures.set(operation, error);
  }

  /** A group created outside the controller (with these tags). */
  seedGroup(name: string, tags: Record<string, string> = {}): void {
    this.#groups.set(name, { name, arn: this.#groupArn(name), tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), created: new Date(this.#now) });
  }

  /** The schedule as Scheduler stores it. */
  schedule(group: string, name: string): Scheduler.GetScheduleOutput | undefined {
    return this.#schedules.get(`${group}/${name}`);
  }

  /** A change made outside Git (the console, another tool): replaces fields of the stored schedule. */
  edit(group: string, name: string, patch: Partial<Scheduler.GetScheduleOutput>): void {
    const current = this.#schedules.get(`${group}/${name}`);
    if (!current) throw new Error(`no schedule ${group}/${name}`);
    this.#schedules.set(`${group}/${name}`, { ...current, ...patch });
  }

  #groupArn(name: string): string {
    return `arn:aws:scheduler:${this.#region}:${this.#account}:schedule-group/${name}`;
  }

  #group(name: string | undefined): Group {
    const group = this.#groups.get(name ?? 'default');
    if (!group) throw named('ResourceNotFoundException', `Schedule group ${name ?? 'default'} does not exist.`);
    return group;
  }

  /** What GetSchedule reports: the request with Scheduler's defaults filled in. */
  #stored(input: Scheduler.CreateScheduleInput | Scheduler.UpdateScheduleInput, group: string, created: Date): Scheduler.GetScheduleOutput {
    const target = input.Target;
    const ecs = target?.EcsParameters;
    return structuredClone({
      Arn: `arn:aws:scheduler:${this.#region}:${this.#account}:schedule/${group}/${input.Name}`,
      Name: input.Name, GroupName: group,
      ScheduleExpression: input.ScheduleExpression,
      ...(input.ScheduleExpressionTimezone ? { ScheduleExpressionTimezone: input.ScheduleExpressionTimezone } : {}),
      ...(input.StartDate ? { StartDate: input.StartDate } : {}),
      ...(input.EndDate ? { EndDate: input.EndDate } : {}),
      ...(input.Description ? { Description: input.Description } : {}),
      ...(input.KmsKeyArn ? { KmsKeyArn: input.KmsKeyArn } : {}),
      State: input.State ?? 'ENABLED',
      ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
      FlexibleTimeWindow: input.FlexibleTimeWindow,
      Target: target ? {
        ...target,
        RetryPolicy: target.RetryPolicy ?? { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        ...(ecs ? { EcsParameters: { ...ecs, TaskCount: ecs.TaskCount ?? 1 } } : {}),
      } : undefined,
      CreationDate: created,
      LastModificationDate: new Date(this.#now),
    }) as Scheduler.GetScheduleOutput;
  }

  async send<Op extends SchedulerOperation>(operation: Op, input: SchedulerInput<Op>, signal?: AbortSignal): Promise<SchedulerOutput<Op>> {
    signal?.throwIfAborted();
    this.calls.push({ operation, input: structuredClone(input) });
    await Promise.resolve();
    try {
      const failure = this.#failures.get(operation);
      if (failure) {
        this.#failures.delete(operation);
        throw failure;
      }
      this.#now += 1000;
      return this.#handle(operation, input) as SchedulerOutput<Op>;
    } catch (err) {
      // As the SDK adapter (src/scheduler/scheduler-sdk-adapter.ts) hands errors on: AWS_SCHEDULER_* codes.
      throw toAwsCallError(err, 'scheduler', operation);
    }
  }

  #handle(operation: SchedulerOperation, input: unknown): unknown {
    switch (operation) {
      case 'CreateScheduleGroup': {
        const { Name, Tags } = input as Scheduler.CreateScheduleGroupInput;
        if (this.#groups.has(Name ?? '')) throw named('ConflictException', `Schedule group ${Name} already exists.`);
        this.#groups.set(Name ?? '', { name: Name ?? '', arn: this.#groupArn(Name ?? ''), tags: [...(Tags ?? [])], created: new Date(this.#now) });
        return { ScheduleGroupArn: this.#groupArn(Name ?? '') };
      }
      case 'GetScheduleGroup': {
        const group = this.#group((input as Scheduler.GetScheduleGroupInput).Name);
        return { Arn: group.arn, Name: group.name, State: 'ACTIVE', CreationDate: group.created, LastModificationDate: group.created };
      }
      case 'ListTagsForResource': {
        const arn = (input as Scheduler.ListTagsForResourceInput).ResourceArn;
        const group = [...this.#groups.values()].find((g) => g.arn === arn);
        if (!group) throw named('ResourceNotFoundException', `Resource ${arn} does not exist.`);
        return { Tags: structuredClone(group.tags) };
      }
      case 'TagResource': {
        const { ResourceArn, Tags } = input as Scheduler.TagResourceInput;
        const group = [...this.#groups.values()].find((g) => g.arn === ResourceArn);
        if (!group) throw named('ResourceNotFoundException', `Resource ${ResourceArn} does not exist.`);
        group.tags = [...group.tags.filter((t) => !(Tags ?? []).some((n) => n.Key === t.Key)), ...(Tags ?? [])];
        return {};
      }
      case 'CreateSchedule': {
        const request = input as Scheduler.CreateScheduleInput;
        const group = this.#group(request.GroupName);
        const id = `${group.name}/${request.Name}`;
        if (this.#schedules.has(id)) throw named('ConflictException', `Schedule ${request.Name} already exists.`);
        const stored = this.#stored(request, group.name, new Date(this.#now));
        this.#schedules.set(id, stored);
        return { ScheduleArn: stored.Arn };
      }
      case 'GetSchedule': {
        const { Name, GroupName } = input as Scheduler.GetScheduleInput;
        const found = this.#schedules.get(`${GroupName ?? 'default'}/${Name}`);
        if (!found) throw named('ResourceNotFoundException', `Schedule ${Name} does not exist.`);
        return structuredClone(found);
      }
      case 'UpdateSchedule': {
        const request = input as Scheduler.UpdateScheduleInput;
        const id = `${request.GroupName ?? 'default'}/${request.Name}`;
        const current = this.#schedules.get(id);
        if (!current) throw named('ResourceNotFoundException', `Schedule ${request.Name} does not exist.`);
        const stored = this.#stored(request, request.GroupName ?? 'default', current.CreationDate ?? new Date(this.#now));
        this.#schedules.set(id, stored);
        return { ScheduleArn: stored.Arn };
      }
      case 'DeleteSchedule': {
        const { Name, GroupName } = input as Scheduler.DeleteScheduleInput;
        const id = `${GroupName ?? 'default'}/${Name}`;
        if (!this.#schedules.delete(id)) throw named('ResourceNotFoundException', `Schedule ${Name} does not exist.`);
        return {};
      }
      case 'ListSchedules': {
        const { GroupName, NamePrefix } = input as Scheduler.ListSchedulesInput;
        const schedules = [...this.#schedules.values()]
          .filter((s) => (GroupName === undefined || s.GroupName === GroupName) && (NamePrefix === undefined || (s.Name ?? '').startsWith(NamePrefix)))
          .map((s): Scheduler.ScheduleSummary => ({
            Arn: s.Arn, Name: s.Name, GroupName: s.GroupName, State: s.State,
            ...(s.Target?.Arn ? { Target: { Arn: s.Target.Arn } } : {}),
            CreationDate: s.CreationDate, LastModificationDate: s.LastModificationDate,
          }));
        return { Schedules: schedules };
      }
    }
  }
}
