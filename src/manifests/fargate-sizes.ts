/**
 * Task sizes Fargate offers: each cpu value allows a fixed memory range (AWS
 * "Task CPU and memory" table). Checking it offline saves a failed
 * RegisterTaskDefinition ("No Fargate configuration exists for given values").
 */

interface SizeRule {
  readonly cpu: number;
  readonly memory: readonly number[];
  /** How the allowed memory reads in a message. */
  readonly text: string;
}

const range = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let m = from; m <= to; m += step) out.push(m);
  return out;
};

export const FARGATE_SIZES: readonly SizeRule[] = [
  { cpu: 256, memory: [512, 1024, 2048], text: '512, 1024 or 2048' },
  { cpu: 512, memory: [1024, 2048, 3072, 4096], text: '1024, 2048, 3072 or 4096' },
  { cpu: 1024, memory: range(2048, 8192, 1024), text: '2048 to 8192 in steps of 1024' },
  { cpu: 2048, memory: range(4096, 16384, 1024), text: '4096 to 16384 in steps of 1024' },
  { cpu: 4096, memory: range(8192, 30720, 1024), text: '8192 to 30720 in steps of 1024' },
  { cpu: 8192, memory: range(16384, 61440, 4096), text: '16384 to 61440 in steps of 4096' },
  { cpu: 16384, memory: range(32768, 122880, 8192), text: '32768 to 122880 in steps of 8192' },
];

/** CPU units from "256" or "0.25 vCPU"; undefined when it is neither. */
export function cpuUnits(value: string): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const vcpu = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(trimmed);
  return vcpu ? Math.round(Number(vcpu[1]) * 1024) : undefined;
}

/** MiB from "512" or "1 GB"; undefined when it is neither. */
export function memoryMiB(value: string): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const gb = /^(\d+(?:\.\d+)?)\s*gb$/i.exec(trimmed);
  return gb ? Math.round(Number(gb[1]) * 1024) : undefined;
}

export type FargateSizeCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly field: 'cpu' | 'memory'; readonly reason: string };

export function checkFargateSize(cpu: number, memory: number): FargateSizeCheck {
  const rule = FARGATE_SIZES.find((r) => r.cpu === cpu);
  if (!rule) {
    return { ok: false, field: 'cpu', reason: `Fargate offers cpu ${FARGATE_SIZES.map((r) => r.cpu).join(', ')} (CPU units), found ${cpu}` };
  }
  if (!rule.memory.includes(memory)) {
    return { ok: false, field: 'memory', reason: `Fargate does not offer ${memory} MiB with cpu ${cpu}; use ${rule.text}` };
  }
  return { ok: true };
}
