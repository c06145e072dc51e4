/**
 * `.json` manifests must be JSON, not merely YAML-compatible: YAML accepts
 * trailing commas and comments a JSON tool would reject, so a .json file that
 * only YAML can read is reported rather than silently accepted.
 */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

export function strictJsonError(text: string): JsonSyntaxError | undefined {
  if (text.trim() === '') return undefined; // reported as an empty file
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(raw);
    const offset = at ? Number(at[1]) : raw.startsWith('Unexpected end') ? text.length : 0;
    const message = raw.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '');
    return { ...position(text, Math.min(offset, text.length)), message: `invalid JSON: ${message}` };
  }
}
