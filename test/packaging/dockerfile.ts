/**
 * A small Dockerfile reader for the packaging tests: instructions with line
 * continuations joined and comments dropped, grouped into stages, plus a
 * .dockerignore matcher for the patterns this repository uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Instruction {
  readonly keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  readonly args: string;
}

/** An ARG before the first FROM: usable in FROM lines. */
export interface GlobalArg {
  readonly name: string;
  readonly default?: string;
}

export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  return parseDockerfileWithArgs(text).stages;
}

export function parseDockerfileWithArgs(text: string): { globalArgs: GlobalArg[]; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (pending !== '' && line.trimStart().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = `${pending}${line.trim()}`.trim();
    pending = '';
    const match = /^(\w+)\s+([\s\S]*)$/.exec(full);
    if (match?.[1] && match[2] !== undefined) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim() });
  }
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  const globalArgs: GlobalArg[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name = '', ...rest] = instruction.args.split('=');
      globalArgs.push({ name: name.trim(), ...(rest.length > 0 ? { default: rest.join('=').trim() } : {}) });
    } else if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      stages.push({ from: image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else {
      const current = stages.at(-1);
      if (!current) throw new Error(`${instruction.keyword} before FROM`);
      current.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

export interface CopyStep {
  readonly from?: string;
  readonly sources: readonly string[];
  readonly dest: string;
}

export function copySteps(stage: Stage): CopyStep[] {
  return stage.instructions.filter((i) => i.keyword === 'COPY').map((i) => {
    const words = i.args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths.at(-1) ?? '.' };
  });
}

/** The npm commands of each RUN (split on &&), in order. */
export function npmCommands(stage: Stage): string[][] {
  return stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => i.args.split('&&').map((part) => part.trim().split(/\s+/)))
    .filter((words) => words[0] === 'npm');
}

export function jsonForm(instruction: Instruction | undefined): string[] | undefined {
  if (!instruction) return undefined;
  const body = instruction.args.replace(/^(--\S+\s+)*/, '').replace(/^CMD\s+/, '');
  try {
    const parsed = JSON.parse(body) as unknown;
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** True when `.dockerignore` excludes `relative` (top-level names and simple globs only, as this repo uses). */
export function dockerIgnored(root: string, relative: string): boolean {
  const patterns = readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const first = relative.split('/')[0] ?? relative;
  return patterns.some((pattern) => {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    return re.test(first) || re.test(relative);
  });
}
