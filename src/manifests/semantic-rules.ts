/**
 * Rules the schema cannot express, per kind: reserved tag prefixes, ignore
 * pointers that must name a spec field, the cross-field sanity ECS itself
 * would enforce at apply time (task-run-rules.ts), and each kind's own rules
 * (auto scaling, deploy hooks, schedules, capacity providers, environments,
 * notifiers).
 * Failing here, offline, is kinder than failing in the middle of a rollout.
 * Written defensively: they run on documents that may also have schema errors.
 */
import { closestMatch } from '../util/did-you-mean.js';
import { autoScalingRules } from './autoscaling-rules.js';
import { capacityProviderRules } from './capacity-provider-rules.js';
import { environmentRules } from './environment-rules.js';
import { hookRules } from './hook-rules.js';
import { notifierRules } from './notifier-rules.js';
import { scheduledTaskRules } from './scheduled-task-rules.js';
import { parsePointer } from './json-pointer.js';
import { checkSpecPath, type ManifestKind } from './manifest-validator.js';
import { serviceConstraintProblems, taskDefinitionConstraintProblems, type EcsConstraintProblem } from './ecs-constraint-rules.js';
import type { RuleProblem } from './rule-problem.js';
import { reservedTags, taskRunRules } from './task-run-rules.js';

type Rec = Readonly<Record<string, unknown>>;

function rec(value: unknown): Rec | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * What `sync.ignoreDifferences` may name under `/autoScaling` ('' = the whole
 * block): the scalable target's own fields, which the controller can leave as
 * they are live. Policies and scheduled actions are applied whole.
 */
const IGNORABLE_SCALING_FIELDS: ReadonlySet<string> = new Set(['', 'minCapacity', 'maxCapacity', 'suspendedState']);

function ignoreRules(sync: Rec | undefined, kind: ManifestKind): RuleProblem[] {
  const problems: RuleProblem[] = [];
  list(sync?.ignoreDifferences).forEach((entry, i) => {
    if (typeof entry !== 'string') return; // the schema reports the type
    const pointer = `/spec/sync/ignoreDifferences/${i}`;
    const bad = (why: string): void => {
      problems.push({ code: 'MANIFEST_BAD_JSON_POINTER', pointer, message: `${pointer}: ${JSON.stringify(entry)} ${why}` });
    };
    const segments = parsePointer(entry);
    if (segments === undefined) {
      bad('is not a JSON pointer: start it with / and escape ~ as ~0 and / as ~1 (e.g. /desiredCount)');
      return;
    }
    if (segments.length === 0) {
      bad('would ignore the whole spec; use sync.mode: detect to only report drift');
      return;
    }
    if (segments[0] === 'sync') {
      bad('points into sync, which is controller behaviour and never compared');
      return;
    }
    const result = checkSpecPath(segments, kind);
    if (result.ok) {
      if (segments[0] === 'autoScaling' && !IGNORABLE_SCALING_FIELDS.has(segments[1] ?? '')) {
        const allowed = [...IGNORABLE_SCALING_FIELDS].map((f) => (f === '' ? '/autoScaling' : `/autoScaling/${f}`)).join(', ');
        bad(`names a part of autoScaling that cannot be ignored: only ${allowed} can (the live value is then kept; docs/autoscaling.md, "Ignoring differences")`);
      }
      return;
    }
    const segment = segments[result.failedAt] as string;
    const parent = `/${segments.slice(0, result.failedAt).join('/')}`.replace(/^\/$/, 'spec');
    if (result.reason === 'prototype-token') {
      bad(`uses "${segment}", which names JavaScript's object machinery, not a field; pointers may not contain __proto__, constructor or prototype`);
      return;
    }
    if (result.reason === 'past-a-scalar') {
      bad(`does not point into spec: ${parent} holds a single value, so "${segment}" under it names nothing`);
      return;
    }
    if (result.reason === 'not-an-index') {
      bad(`does not point into spec: "${segment}" under ${parent} must be a list index (0, 1, ...)`);
      return;
    }
    const suggestion = closestMatch(segment, result.candidates);
    bad(`does not point into spec: no field "${segment}" under ${parent}${suggestion ? `; did you mean "${suggestion}"?` : ''}`);
  });
  return problems;
}

/** The server-side rules ECS enforces (ecs-constraint-rules.ts), located under `at` in the document. */
function constraintProblems(found: readonly EcsConstraintProblem[], at: string): RuleProblem[] {
  return found.map((p) => {
    const pointer = `${at}${p.path}`;
    return {
      code: p.code,
      pointer,
      ...(p.parent !== undefined ? { locateAt: `${at}${p.parent}`, target: 'key' as const } : p.code === 'MANIFEST_CONFLICTING_FIELDS' ? { target: 'key' as const } : {}),
      message: `${pointer}: ${p.message}`,
      ...(p.severity ? { severity: p.severity } : {}),
    };
  });
}

/** Every task definition the document registers: its own, and those of its deploy hooks. */
function taskDefinitionRules(spec: Rec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const own = rec(spec.taskDefinition);
  if (own) problems.push(...constraintProblems(taskDefinitionConstraintProblems(own), '/spec/taskDefinition'));
  const hooks = rec(spec.hooks);
  for (const phase of ['preDeploy', 'postDeploy']) {
    list(hooks?.[phase]).forEach((hook, i) => {
      const td = rec(rec(hook)?.taskDefinition);
      if (td) problems.push(...constraintProblems(taskDefinitionConstraintProblems(td), `/spec/hooks/${phase}/${i}/taskDefinition`));
    });
  }
  return problems;
}

export function semanticProblems(kind: ManifestKind, document: Rec): RuleProblem[] {
  if (kind === 'Environment') return environmentRules(document);
  if (kind === 'Notifier') return notifierRules(document);
  const spec = rec(document.spec);
  if (!spec) return [];
  const problems = reservedTags(spec.tags, '/spec/tags');
  if (kind === 'Service') {
    for (const problem of reservedTags(rec(spec.taskDefinition)?.tags, '/spec/taskDefinition/tags')) problems.push(problem);
    for (const problem of ignoreRules(rec(spec.sync), kind)) problems.push(problem);
    for (const problem of taskRunRules(spec)) problems.push(problem);
    for (const problem of autoScalingRules(document, spec)) problems.push(problem);
    for (const problem of hookRules(spec)) problems.push(problem);
    for (const problem of constraintProblems(serviceConstraintProblems(spec), '/spec')) problems.push(problem);
    for (const problem of taskDefinitionRules(spec)) problems.push(problem);
  }
  if (kind === 'ScheduledTask') {
    for (const problem of reservedTags(rec(spec.taskDefinition)?.tags, '/spec/taskDefinition/tags')) problems.push(problem);
    for (const problem of ignoreRules(rec(spec.sync), kind)) problems.push(problem);
    for (const problem of taskRunRules(spec, { at: '/spec', what: 'scheduled task' })) problems.push(problem);
    for (const problem of scheduledTaskRules(spec)) problems.push(problem);
    for (const problem of taskDefinitionRules(spec)) problems.push(problem);
  }
  if (kind === 'CapacityProvider') {
    for (const problem of capacityProviderRules(spec)) problems.push(problem);
  }
  return problems;
}
