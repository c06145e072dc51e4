/**
 * A Service's `spec.hooks` (docs/manifests.md, "Deploy hooks"): one-off tasks
 * run before UpdateService (preDeploy) or after the rollout (postDeploy).
 * Checked offline so a hook that cannot start never holds a deploy back:
 * names unique among the service's hooks (they are part of RunTask's
 * startedBy), a command or overrides (not both), containers that exist in the
 * task definition the hook runs, and that task definition's own rules with the
 * launch settings the hook runs under (its own, else the service's).
 * Written defensively, like semantic-rules.ts.
 */
import type { RuleProblem } from './rule-problem.js';
import { candidatesText, reservedTags, taskRunRules } from './task-run-rules.js';

type Rec = Readonly<Record<string, unknown>>;

const rec = (value: unknown): Rec | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const PHASES = ['preDeploy', 'postDeploy'] as const;

function commandRules(hook: Rec, at: string): RuleProblem[] {
  if (hook.command !== undefined && hook.overrides !== undefined) {
    return [{
      code: 'MANIFEST_HOOK_COMMAND',
      pointer: `${at}/overrides`,
      target: 'key',
      message: `${at}/overrides: a hook sets command or overrides, not both; put the command in overrides.containerOverrides[].command, or drop overrides`,
    }];
  }
  if (hook.command === undefined && hook.overrides === undefined && hook.taskDefinition === undefined) {
    return [{
      code: 'MANIFEST_HOOK_COMMAND',
      pointer: `${at}/command`,
      locateAt: at,
      target: 'key',
      message: `${at}/command: a hook that runs the service's task definition needs a command (e.g. [./migrate, up]) or overrides; as it is, it would start the service's own process once`,
    }];
  }
  if (hook.container !== undefined && hook.command === undefined) {
    return [{
      code: 'MANIFEST_HOOK_COMMAND',
      pointer: `${at}/container`,
      target: 'key',
      message: `${at}/container: container says whose command the hook's command replaces, and the hook has no command${hook.overrides !== undefined ? '; name the container in overrides.containerOverrides[].name instead' : ''}`,
    }];
  }
  return [];
}

function containerRules(hook: Rec, at: string, taskDefinition: Rec | undefined, whose: string): RuleProblem[] {
  if (!taskDefinition || !Array.isArray(taskDefinition.containerDefinitions)) return [];
  const names = taskDefinition.containerDefinitions.map((c) => text(rec(c)?.name)).filter((n): n is string => n !== undefined);
  const problems: RuleProblem[] = [];
  const check = (pointer: string, name: string): void => {
    if (names.includes(name)) return;
    problems.push({
      code: 'MANIFEST_HOOK_CONTAINER',
      pointer,
      message: `${pointer}: "${name}" names no container in ${whose} task definition${candidatesText(name, names, 'containers')}`,
    });
  };
  const container = text(hook.container);
  if (container !== undefined) check(`${at}/container`, container);
  list(rec(hook.overrides)?.containerOverrides).forEach((raw, j) => {
    const name = text(rec(raw)?.name);
    if (name !== undefined) check(`${at}/overrides/containerOverrides/${j}/name`, name);
  });
  return problems;
}

/**
 * The hook as RunTask sees it: its own task definition, its own launch
 * settings when it sets any (launchType and capacityProviderStrategy go
 * together: setting one replaces the service's pair), else the service's, and
 * its network configuration, else the service's.
 */
function runView(hook: Rec, service: Rec): Rec {
  const launch = hook.launchType !== undefined || hook.capacityProviderStrategy !== undefined ? hook : service;
  return {
    taskDefinition: hook.taskDefinition,
    launchType: launch.launchType,
    capacityProviderStrategy: launch.capacityProviderStrategy,
    networkConfiguration: hook.networkConfiguration ?? service.networkConfiguration,
  };
}

/** Every spec.hooks rule for a Service spec (none when the block is absent). */
export function hookRules(spec: Rec): RuleProblem[] {
  const hooks = rec(spec.hooks);
  if (!hooks) return [];
  const problems: RuleProblem[] = [];
  const firstByName = new Map<string, string>();
  for (const phase of PHASES) {
    list(hooks[phase]).forEach((raw, i) => {
      const hook = rec(raw);
      if (!hook) return;
      const at = `/spec/hooks/${phase}/${i}`;
      const name = text(hook.name);
      if (name !== undefined) {
        const first = firstByName.get(name);
        if (first !== undefined) {
          problems.push({
            code: 'MANIFEST_HOOK_NAME',
            pointer: `${at}/name`,
            message: `${at}/name: hook name "${name}" is already used by ${first}; preDeploy and postDeploy hooks share one set of names`,
          });
        } else {
          firstByName.set(name, at);
        }
      }
      problems.push(...commandRules(hook, at));
      const own = rec(hook.taskDefinition);
      problems.push(...containerRules(hook, at, own ?? rec(spec.taskDefinition), own ? "the hook's" : "the service's"));
      if (own) problems.push(...reservedTags(own.tags, `${at}/taskDefinition/tags`));
      problems.push(...taskRunRules(runView(hook, spec), { at, what: 'hook' }));
    });
  }
  return problems;
}
