/**
 * No false drift for auto scaling, over generated blocks: whatever AWS reports
 * for a block the controller created (defaults filled in or left out,
 * PascalCase, lists reordered, Dates, ARNs and state fields) diffs to nothing,
 * and normalizing is stable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffScaling, normalizeDesiredScaling, normalizeLiveScaling } from '../../src/diff/index.js';
import { autoScalingSpecArb, awsStored, storedStyleArb } from './scaling-arbitraries.js';

const RUNS = { numRuns: 300 };

describe('auto scaling normalize and diff invariants', () => {
  it('what AWS stores for a generated block diffs to zero changes', () => {
    fc.assert(
      fc.property(autoScalingSpecArb, storedStyleArb, (spec, style) => {
        const live = awsStored(spec, 'prod', 'web', style);
        expect(diffScaling(spec, live, { owned: true })).toEqual([]);
        expect(diffScaling(spec, live, { owned: true, cluster: 'prod', service: 'web' })).toEqual([]);
      }),
      RUNS,
    );
  });

  it('the live form does not depend on how AWS spells defaults or orders lists', () => {
    fc.assert(
      fc.property(autoScalingSpecArb, storedStyleArb, storedStyleArb, (spec, a, b) => {
        expect(normalizeLiveScaling(awsStored(spec, 'prod', 'web', a))).toEqual(normalizeLiveScaling(awsStored(spec, 'prod', 'web', b)));
      }),
      RUNS,
    );
  });

  it('normalizing a desired block is deterministic and JSON-stable', () => {
    fc.assert(
      fc.property(autoScalingSpecArb, (spec) => {
        const canonical = normalizeDesiredScaling(spec);
        expect(JSON.parse(JSON.stringify(canonical))).toEqual(canonical);
        expect(normalizeDesiredScaling(structuredClone(spec))).toEqual(canonical);
      }),
      RUNS,
    );
  });
});
