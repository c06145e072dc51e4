/**
 * Flag parsing shared by every subcommand. Each flag has an environment twin
 * (ECS_GITOPS_<FLAG>, upper snake case); a flag on the command line wins over
 * the environment, which wins over the default. The result is frozen so no
 * component can change configuration behind another's back.
 */
import { GitopsError } from '../errors/index.js';
import { closestMatch } from '../util/did-you-mean.js';
import { parseDurationMs } from '../util/duration.js';

export type FlagType = 'string' | 'boolean' | 'integer' | 'duration' | 'list';

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly description: string;
  readonly default?: string | number | boolean | readonly string[];
  /** Allowed values for string flags. */
  readonly choices?: readonly string[];
  /** Extra check returning an error message, or undefined when valid. */
  readonly validate?: (value: unknown) => string | undefined;
  readonly short?: string;
}

export type FlagValue = string | number | boolean | readonly string[] | undefined;
export type ParsedFlags = Readonly<Record<string, FlagValue>>;

export interface ParsedArgs {
  readonly flags: ParsedFlags;
  readonly positionals: readonly string[];
  /** Flags whose value came from their ECS_GITOPS_* twin (not the command line): an error about one names the variable. */
  readonly fromEnv?: ReadonlySet<string>;
}

export function envNameFor(flag: string): string {
  return `ECS_GITOPS_${flag.replace(/-/g, '_').toUpperCase()}`;
}

function convert(spec: FlagSpec, raw: string, origin: string): FlagValue {
  const bad = (expected: string): never => {
    throw new GitopsError('CLI_BAD_FLAG_VALUE', `${origin}: expected ${expected}, got ${JSON.stringify(raw)}`, { flag: spec.name });
  };
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) bad(`one of ${spec.choices.join(', ')}`);
      return raw;
    case 'boolean':
      if (['true', '1', 'yes', ''].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      return bad('true or false');
    case 'integer': {
      if (!/^-?\d+$/.test(raw)) bad('a whole number');
      return Number(raw);
    }
    case 'duration': {
      const ms = parseDurationMs(raw);
      return ms === undefined ? bad('a duration such as 500ms, 60s or 5m') : ms;
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }
}

function defaultValue(spec: FlagSpec): FlagValue {
  if (spec.default === undefined) return spec.type === 'boolean' ? false : undefined;
  if (spec.type === 'duration' && typeof spec.default === 'string') return parseDurationMs(spec.default);
  return spec.default;
}

export function parseArgs(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  env: Readonly<Record<string, string | undefined>>,
  maxPositionals: number,
): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const values: Record<string, FlagValue> = {};
  const positionals: string[] = [];

  const setFromEnv = new Set<string>();
  for (const spec of specs) {
    const fromEnv = env[envNameFor(spec.name)];
    if (fromEnv !== undefined && fromEnv !== '') setFromEnv.add(spec.name);
    values[spec.name] = fromEnv !== undefined && fromEnv !== ''
      ? convert(spec, fromEnv, `environment variable ${envNameFor(spec.name)}`)
      : defaultValue(spec);
  }

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const isLong = arg.startsWith('--');
    const body = isLong ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    let spec = isLong ? byName.get(name) : byShort.get(name);
    if (!spec && isLong && name.startsWith('no-')) {
      const negated = byName.get(name.slice(3));
      if (negated?.type === 'boolean' && inline === undefined) {
        spec = negated;
        name = negated.name;
        inline = 'false';
      }
    }
    if (!spec) {
      const suggestion = closestMatch(name, specs.map((s) => s.name));
      throw new GitopsError(
        'CLI_UNKNOWN_FLAG',
        `unknown flag ${arg.split('=')[0]}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`,
        { flag: name, suggestion },
      );
    }
    setFromEnv.delete(spec.name);
    if (spec.type === 'boolean') {
      values[spec.name] = convert(spec, inline ?? 'true', `--${spec.name}`);
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new GitopsError('CLI_MISSING_FLAG_VALUE', `--${spec.name} needs a value`, { flag: spec.name });
      }
      raw = next;
      i++;
    }
    values[spec.name] = convert(spec, raw, `--${spec.name}`);
  }

  for (const spec of specs) {
    const problem = spec.validate?.(values[spec.name]);
    if (problem) throw new GitopsError('CLI_BAD_FLAG_VALUE', `--${spec.name}: ${problem}`, { flag: spec.name });
  }
  if (positionals.length > maxPositionals) {
    throw new GitopsError(
      'CLI_TOO_MANY_ARGUMENTS',
      `expected at most ${maxPositionals} argument(s), got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  return Object.freeze({ flags: Object.freeze(values), positionals: Object.freeze(positionals), fromEnv: setFromEnv });
}

export function renderFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const value = s.type === 'boolean' ? '' : ` <${s.choices ? s.choices.join('|') : s.type}>`;
    const def = s.default !== undefined && s.default !== false ? ` (default: ${String(s.default)})` : '';
    return [`  --${s.name}${value}`, `${s.description}${def} [env ${envNameFor(s.name)}]`] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right).join('\n');
}
