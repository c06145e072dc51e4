import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFargateSize, cpuUnits, FARGATE_SIZES, memoryMiB } from '../../src/manifests/fargate-sizes.js';

describe('Fargate task sizes', () => {
  it.each([
    ['256', 256], ['0.25 vCPU', 256], ['1 vcpu', 1024], ['16vCPU', 16384], ['2 cores', undefined], ['', undefined], ['-1', undefined],
  ] as const)('cpu %j is %j units', (text, units) => expect(cpuUnits(text)).toBe(units));

  it.each([
    ['512', 512], ['1 GB', 1024], ['0.5GB', 512], ['30 gb', 30720], ['1 GiB', undefined], ['lots', undefined],
  ] as const)('memory %j is %j MiB', (text, mib) => expect(memoryMiB(text)).toBe(mib));

  it.each([
    [256, 512, true], [256, 2048, true], [256, 3072, false], [512, 4096, true], [1024, 1024, false], [1024, 8192, true],
    [2048, 5120, true], [2048, 4608, false], [4096, 30720, true], [4096, 31744, false], [8192, 20480, true], [8192, 17408, false],
    [16384, 122880, true], [16384, 36864, false], [300, 512, false],
  ] as const)('cpu %i with %i MiB is offered: %s', (cpu, memory, ok) => {
    expect(checkFargateSize(cpu, memory).ok).toBe(ok);
  });

  it('accepts exactly the combinations in the table, whatever the memory', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FARGATE_SIZES), fc.integer({ min: 1, max: 131072 }), (rule, memory) => {
        expect(checkFargateSize(rule.cpu, memory).ok).toBe(rule.memory.includes(memory));
      }),
      { numRuns: 300 },
    );
  });
});
