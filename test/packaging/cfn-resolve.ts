/**
 * Resolves the CloudFormation intrinsics the templates use (Ref, Fn::Sub in
 * its string form, Fn::Join, Fn::If over Fn::Equals/Fn::Not conditions,
 * AWS::NoValue) for given parameter values, so tests can compare what a stack
 * would contain with the documents in deploy/iam/. A list parameter
 * (CommaDelimitedList) is given as an array: Ref yields the array, as in
 * CloudFormation. Anything else fails loudly.
 */

export interface ResolveInput {
  readonly parameters: Readonly<Record<string, string | readonly string[]>>;
  readonly conditions: Readonly<Record<string, unknown>>;
  /** AWS::Partition, AWS::AccountId, AWS::Region. */
  readonly pseudo: Readonly<Record<string, string>>;
}

const NO_VALUE = Symbol('AWS::NoValue');

function lookup(name: string, input: ResolveInput): string | readonly string[] {
  const value = input.parameters[name] ?? input.pseudo[name];
  if (value === undefined) throw new Error(`cfn-resolve: no value for ${name}`);
  return value;
}

function lookupString(name: string, input: ResolveInput): string {
  const value = lookup(name, input);
  if (typeof value !== 'string') throw new Error(`cfn-resolve: \${${name}} in Fn::Sub is a list`);
  return value;
}

function condition(name: string, input: ResolveInput): boolean {
  const definition = input.conditions[name];
  if (definition === undefined) throw new Error(`cfn-resolve: no condition ${name}`);
  return evaluate(definition, input);
}

function evaluate(expression: unknown, input: ResolveInput): boolean {
  const [fn, args] = Object.entries(expression as Record<string, unknown>)[0] ?? [];
  if (fn === 'Fn::Not') return !evaluate((args as unknown[])[0], input);
  if (fn === 'Fn::Equals') {
    const [a, b] = (args as unknown[]).map((v) => resolve(v, input));
    return a === b;
  }
  if (fn === 'Condition') return condition(args as string, input);
  throw new Error(`cfn-resolve: condition function ${String(fn)} is not modelled`);
}

function resolveOrNoValue(value: unknown, input: ResolveInput): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => resolveOrNoValue(v, input)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first) {
    const [fn, args] = first;
    if (fn === 'Ref') return args === 'AWS::NoValue' ? NO_VALUE : lookup(args as string, input);
    if (fn === 'Fn::Sub') {
      if (typeof args !== 'string') throw new Error('cfn-resolve: only the string form of Fn::Sub is modelled');
      return args.replace(/\$\{([\w:]+)\}/g, (_m, name: string) => lookupString(name, input));
    }
    if (fn === 'Fn::Join') {
      const [delimiter, items] = args as [string, unknown];
      const list = resolveOrNoValue(items, input);
      if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) throw new Error('cfn-resolve: Fn::Join needs a list of strings');
      return (list as string[]).join(delimiter);
    }
    if (fn === 'Fn::If') {
      const [name, whenTrue, whenFalse] = args as [string, unknown, unknown];
      return resolveOrNoValue(condition(name, input) ? whenTrue : whenFalse, input);
    }
    if (fn.startsWith('Fn::')) throw new Error(`cfn-resolve: ${fn} is not modelled`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const resolved = resolveOrNoValue(v, input);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

export function resolve(value: unknown, input: ResolveInput): unknown {
  const resolved = resolveOrNoValue(value, input);
  if (resolved === NO_VALUE) throw new Error('cfn-resolve: the value itself is AWS::NoValue');
  return resolved;
}
