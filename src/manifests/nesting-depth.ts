/**
 * A cheap, conservative estimate of how deeply a YAML/JSON text nests, made
 * BEFORE the text reaches the YAML parser: the parser itself runs out of
 * memory on tens of thousands of nested brackets, so depth must be refused
 * on the raw text. It counts block indentation levels, sequence dashes and
 * open flow brackets outside quotes and comments; it may over-count a
 * little, so callers give it headroom and check the parsed value exactly.
 */
export interface DepthOverflow {
  readonly line: number;
  readonly column: number;
}

export function findExcessiveNesting(text: string, limit: number): DepthOverflow | undefined {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent = -1;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] as string;
    const indent = line.length - line.trimStart().length;
    const body = line.slice(indent);
    let block = indents.length;
    let start = indent;
    if (flow === 0) {
      if (blockScalarIndent >= 0) {
        if (body === '' || indent > blockScalarIndent) continue;
        blockScalarIndent = -1;
      }
      if (body === '' || body.startsWith('#')) continue;
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= indent) indents.pop();
      indents.push(indent);
      const dashes = /^(-[ \t]+)+/.exec(body);
      const dashCount = dashes ? (dashes[0].match(/-/g) ?? []).length : 0;
      block = indents.length + dashCount;
      start = indent + (dashes ? dashes[0].length : 0);
      if (block > limit) return { line: n + 1, column: indent + 1 };
      if (/[|>][0-9+-]*\s*(#.*)?$/.test(body) && /:\s+[|>]|^-\s+[|>]|^[|>]/.test(body)) blockScalarIndent = indent;
    }
    let quote: '"' | "'" | undefined;
    for (let i = start; i < line.length; i++) {
      const c = line[i] as string;
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") i++;
          else quote = undefined;
        }
        continue;
      }
      const prev = i === 0 ? ' ' : (line[i - 1] as string);
      if ((c === '"' || c === "'") && /[\s[{,:]/.test(prev)) quote = c;
      else if (c === '#' && /\s/.test(prev)) break;
      else if (c === '[' || c === '{') {
        flow++;
        if (block + flow > limit) return { line: n + 1, column: i + 1 };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
  }
  return undefined;
}

/** Exact depth of a parsed value (a scalar is 0, `{}` is 1), iteratively so it cannot overflow the stack. */
export function valueDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v !== null && typeof v === 'object') {
      const d = depth + 1;
      if (d > max) max = d;
      for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, d]);
    }
  }
  return max;
}
