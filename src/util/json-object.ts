/**
 * The JSON object a text holds, or undefined when it is not JSON or not an
 * object (a proxy's HTML page, `null`, a bare string): for reading answers and
 * files whose shape the caller then checks field by field.
 */
export function parseJsonObject(text: string): Readonly<Record<string, unknown>> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
