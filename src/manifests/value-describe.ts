/** Words for "what was expected" and "what was found" in problem messages. */

export function describeType(type: string): string {
  switch (type) {
    case 'string':
      return 'text (a string)';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping (field: value)';
    case 'null':
      return 'nothing';
    default:
      return type;
  }
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the text ${clip(JSON.stringify(value))}`;
    case 'number':
      return Number.isInteger(value) ? `the number ${value}` : `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** An extra sentence that says how to fix a type mismatch, when there is an obvious one. */
export function typeHint(expected: string, found: unknown): string {
  if (expected === 'string' && (typeof found === 'number' || typeof found === 'boolean')) {
    return `; quote it: "${String(found)}"`;
  }
  if ((expected === 'integer' || expected === 'number') && typeof found === 'string' && found.trim() !== '' && !Number.isNaN(Number(found))) {
    if (expected === 'integer' && !Number.isInteger(Number(found))) return '';
    return `; remove the quotes: ${found.trim()}`;
  }
  if (expected === 'integer' && typeof found === 'number') return '; fractions are not allowed here';
  if (expected === 'boolean' && typeof found === 'string') {
    const lowered = found.toLowerCase();
    if (lowered === 'true' || lowered === 'false') return `; remove the quotes: ${lowered}`;
    if (['yes', 'no', 'on', 'off', 'y', 'n'].includes(lowered)) return '; YAML 1.2 reads yes/no/on/off as text: write true or false';
  }
  if (expected === 'array' && found !== null && typeof found !== 'object') return '; write a list, e.g. [a, b] or one "- item" per line';
  return '';
}
