/**
 * Task-level cpu and memory as ECS stores them: strings of CPU units and MiB.
 * RegisterTaskDefinition accepts "0.25 vCPU", "1 GB", "512" or numbers;
 * DescribeTaskDefinition always answers "256", "1024", "512".
 */

const CPU = /^(\d+(?:\.\d+)?)\s*(vcpus?)?$/i;
const MEMORY = /^(\d+(?:\.\d+)?)\s*(gb|gib|mb|mib)?$/i;

/** "0.25 vCPU" -> "256", 512 -> "512". Unparseable input is returned as written (trimmed) so it still compares. */
export function normalizeCpu(value: string | number): string {
  const match = CPU.exec(String(value).trim());
  if (!match) return String(value).trim();
  const amount = Number(match[1]);
  return String(match[2] ? Math.round(amount * 1024) : Math.round(amount));
}

/** "1 GB" -> "1024", "512 MiB" -> "512", 2048 -> "2048". */
export function normalizeMemory(value: string | number): string {
  const match = MEMORY.exec(String(value).trim());
  if (!match) return String(value).trim();
  const amount = Number(match[1]);
  const unit = match[2]?.toLowerCase();
  return String(unit === 'gb' || unit === 'gib' ? Math.round(amount * 1024) : Math.round(amount));
}
