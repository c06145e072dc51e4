/**
 * The least-privilege policy (deploy/iam/ecs-gitops-policy.json) grants
 * exactly the AWS operations the code can call, found by scanning src/ for the
 * SDK commands it loads, and every mutating one is bounded by a tag condition.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ECS_OPERATIONS, MUTATING_OPERATIONS } from '../../src/ecs/index.js';

const root = path.resolve(import.meta.dirname, '../..');

interface Statement {
  readonly Sid: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

function loadPolicy(): { Version: string; Statement: Statement[] } {
  return JSON.parse(readFileSync(path.join(root, 'deploy/iam/ecs-gitops-policy.json'), 'utf8')) as { Version: string; Statement: Statement[] };
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (full.endsWith('.ts')) out.push(full);
  }
  return out;
}

/**
 * `ecs:Xxx` / `ecr:Xxx` for every `XxxCommand` a run-time (non type-only)
 * import brings in from the SDK. The sandbox is an ECS fake, not a caller.
 */
function actionsCalledBySource(): Set<string> {
  const found = new Set<string>();
  const importRe = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-(ecs|ecr)'/g;
  for (const file of sourceFiles(path.join(root, 'src'))) {
    if (file.includes(`${path.sep}sandbox${path.sep}`)) continue;
    const text = readFileSync(file, 'utf8');
    const imported = new Map<string, string>();
    for (const match of text.matchAll(importRe)) {
      if (match[1]) continue;
      for (const raw of (match[2] ?? '').split(',')) {
        const command = /^(\w+)Command$/.exec(raw.trim());
        if (command?.[1]) {
          imported.set(command[1], `${match[3]}:${command[1]}`);
          found.add(`${match[3]}:${command[1]}`);
        }
      }
    }
    // Every command constructed by name must come from an SDK import seen above.
    for (const match of text.matchAll(/new\s+([A-Z]\w*)Command\(/g)) {
      const action = imported.get(match[1] ?? '');
      expect(action, `${path.relative(root, file)}: new ${match[1]}Command( without an SDK import`).toBeDefined();
    }
  }
  return found;
}

describe('deploy/iam/ecs-gitops-policy.json', () => {
  const policy = loadPolicy();
  const allActions = new Set(policy.Statement.flatMap(actionsOf));

  it('grants exactly the operations the code calls, plus iam:PassRole', () => {
    const called = actionsCalledBySource();
    // The scan must find the adapter's commands; an empty scan would prove nothing.
    expect(called.size).toBeGreaterThanOrEqual(ECS_OPERATIONS.length);
    expect([...allActions].sort()).toEqual([...called, 'iam:PassRole'].sort());
  });

  it('agrees with the EcsApi operation list', () => {
    const ecsActions = [...allActions].filter((a) => a.startsWith('ecs:')).sort();
    expect(ecsActions).toEqual(ECS_OPERATIONS.map((op) => `ecs:${op}`).sort());
  });

  it('has no wildcard actions and only Allow statements with unique Sids', () => {
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of actionsOf(s)) expect(a).not.toContain('*');
    }
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
  });

  it('bounds every mutating ECS action by an ecs-gitops tag condition', () => {
    for (const op of MUTATING_OPERATIONS) {
      const granting = policy.Statement.filter((s) => actionsOf(s).includes(`ecs:${op}`));
      expect(granting.length, op).toBeGreaterThan(0);
      for (const s of granting) {
        const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
        expect(keys.some((k) => k === 'aws:ResourceTag/ecs-gitops/managed-by' || k === 'aws:RequestTag/ecs-gitops/managed-by' || k === 'ecs:CreateAction'), `${op} in ${s.Sid}`).toBe(true);
      }
    }
  });

  it('lets TagResource act only on create, on managed resources, or when adding the ownership tag', () => {
    const tagging = policy.Statement.filter((s) => actionsOf(s).includes('ecs:TagResource'));
    const conditions = tagging.map((s) => JSON.stringify(s.Condition));
    expect(conditions.sort()).toEqual([
      JSON.stringify({ Null: { 'aws:RequestTag/ecs-gitops/managed-by': 'false' } }),
      JSON.stringify({ Null: { 'aws:ResourceTag/ecs-gitops/managed-by': 'false' } }),
      JSON.stringify({ StringEquals: { 'ecs:CreateAction': ['CreateCluster', 'CreateService', 'RegisterTaskDefinition'] } }),
    ].sort());
  });

  it('passes roles to ECS tasks only', () => {
    const passRole = policy.Statement.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(actionsOf(passRole[0] as Statement)).toEqual(['iam:PassRole']);
    expect(passRole[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });

  it('grants reads without conditions and nothing mutating among them', () => {
    const unconditioned = policy.Statement.filter((s) => s.Condition === undefined).flatMap(actionsOf);
    for (const a of unconditioned) expect(a).toMatch(/^(ecs|ecr):(Describe|List)/);
  });
});
