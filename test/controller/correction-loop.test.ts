/**
 * correction-loop.ts as a table (issue 18 section 1): when the same change is
 * held back, when it is retried, and what starts the count again. Pure: the
 * state is a value and time an input.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CORRECTION_LOOP_POLICY, correctionLoopStatus, correctionSignature, judgeCorrection, type CorrectionLoopState, type CorrectionVerdict,
} from '../../src/controller/service/correction-loop.js';

const policy = { threshold: 3, firstRetryMs: 60_000, maxRetryMs: 600_000 };
const T0 = Date.UTC(2026, 0, 1);
const SCALE = correctionSignature('hash-1', [{ pointer: '/spec/desiredCount' }], [{ kind: 'updateService' }]);

/** Feeds `signatures` to judgeCorrection one pass each, `stepMs` apart, keeping the state as the reconciler does after a successful apply. */
function run(signatures: readonly string[], stepMs = 1000, start?: CorrectionLoopState): { verdicts: CorrectionVerdict['kind'][]; state: CorrectionLoopState | undefined } {
  let state = start;
  const verdicts: CorrectionVerdict['kind'][] = [];
  signatures.forEach((signature, i) => {
    const verdict = judgeCorrection(state, signature, T0 + i * stepMs, policy);
    verdicts.push(verdict.kind);
    state = verdict.state;
  });
  return { verdicts, state };
}

describe('correctionSignature', () => {
  it.each([
    ['the same change', ['h', ['/spec/desiredCount'], ['updateService']], ['h', ['/spec/desiredCount'], ['updateService']], true],
    ['another manifest content', ['h', ['/spec/desiredCount'], ['updateService']], ['h2', ['/spec/desiredCount'], ['updateService']], false],
    ['another field', ['h', ['/spec/desiredCount'], ['updateService']], ['h', ['/spec/propagateTags'], ['updateService']], false],
    ['one field more', ['h', ['/spec/desiredCount'], ['updateService']], ['h', ['/spec/desiredCount', '/spec/tags/team'], ['updateService']], false],
    ['other actions', ['h', [], ['tagResource']], ['h', [], ['updateService', 'tagResource']], false],
    ['a pointer that looks like the action list', ['h', ['|'], []], ['h', [], []], false],
  ] as const)('%s: equal = %s', (_name, a, b, equal) => {
    const sign = ([hash, pointers, kinds]: readonly [string, readonly string[], readonly string[]]) =>
      correctionSignature(hash, pointers.map((pointer) => ({ pointer })), kinds.map((kind) => ({ kind: kind as 'updateService' })));
    expect(sign(a) === sign(b)).toBe(equal);
  });
});

describe('judgeCorrection', () => {
  it.each<[string, string[], CorrectionVerdict['kind'][]]>([
    ['one correction that sticks', [SCALE], ['apply']],
    ['three passes in a row apply it; the fourth holds it back', [SCALE, SCALE, SCALE, SCALE], ['apply', 'apply', 'apply', 'hold']],
    ['held on every pass until the retry is due', [SCALE, SCALE, SCALE, SCALE, SCALE, SCALE], ['apply', 'apply', 'apply', 'hold', 'hold', 'hold']],
    ['another change in between starts the count again', [SCALE, SCALE, 'other', SCALE, SCALE, SCALE], ['apply', 'apply', 'apply', 'apply', 'apply', 'apply']],
    ['alternating changes never hold', [SCALE, 'other', SCALE, 'other', SCALE, 'other'], ['apply', 'apply', 'apply', 'apply', 'apply', 'apply']],
  ])('%s', (_name, signatures, expected) => {
    expect(run(signatures).verdicts).toEqual(expected);
  });

  it('is not a loop before `threshold` corrections, whatever the threshold', () => {
    for (const threshold of [1, 2, 5]) {
      let state: CorrectionLoopState | undefined;
      const kinds: string[] = [];
      for (let i = 0; i <= threshold; i++) {
        const verdict = judgeCorrection(state, SCALE, T0 + i, { ...policy, threshold });
        kinds.push(verdict.kind);
        state = verdict.state;
      }
      expect(kinds).toEqual([...Array<string>(threshold).fill('apply'), 'hold']);
    }
  });

  it('retries after firstRetryMs, then at doubling intervals up to maxRetryMs', () => {
    let state = run([SCALE, SCALE, SCALE, SCALE]).state;
    const detectedAt = T0 + 3000;
    expect(state?.loop).toEqual({ detectedAt, retries: 0, retryAt: detectedAt + 60_000 });

    const retryTimes: number[] = [];
    let now = detectedAt;
    // Passes every 30 s for two hours: holds in between, retries when due.
    while (now < detectedAt + 2 * 3_600_000) {
      now += 30_000;
      const verdict = judgeCorrection(state, SCALE, now, policy);
      if (verdict.kind === 'retry') retryTimes.push(now - detectedAt);
      else expect(verdict.kind).toBe('hold');
      state = verdict.state;
    }
    const gaps = retryTimes.map((t, i) => t - (retryTimes[i - 1] ?? 0));
    expect(gaps.slice(0, 6)).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    expect(gaps.every((gap) => gap <= 600_000)).toBe(true);
  });

  it('a hold says when the loop was first detected only once', () => {
    let state = run([SCALE, SCALE, SCALE]).state;
    const first = judgeCorrection(state, SCALE, T0 + 10_000, policy);
    expect(first).toMatchObject({ kind: 'hold', detected: true });
    state = first.state;
    expect(judgeCorrection(state, SCALE, T0 + 20_000, policy)).toMatchObject({ kind: 'hold', detected: false });
  });

  it('a different change while looping (a new commit) is applied and counted from one', () => {
    const looping = run([SCALE, SCALE, SCALE, SCALE]).state;
    const fixed = correctionSignature('hash-2', [{ pointer: '/spec/desiredCount' }], [{ kind: 'updateService' }]);
    expect(judgeCorrection(looping, fixed, T0 + 5000, policy)).toEqual({ kind: 'apply', state: { signature: fixed, corrections: 1 } });
  });

  it('uses the default policy: three corrections, first retry after a minute, at most every ten minutes', () => {
    expect(DEFAULT_CORRECTION_LOOP_POLICY).toEqual({ threshold: 3, firstRetryMs: 60_000, maxRetryMs: 600_000 });
    let state: CorrectionLoopState | undefined;
    for (let i = 0; i < 4; i++) state = judgeCorrection(state, SCALE, T0).state;
    expect(state?.loop?.retryAt).toBe(T0 + 60_000);
  });

  it('stays finite after very many retries', () => {
    const state: CorrectionLoopState = { signature: SCALE, corrections: 3, loop: { detectedAt: T0, retries: 5000, retryAt: T0 } };
    const verdict = judgeCorrection(state, SCALE, T0, policy);
    expect(verdict.kind).toBe('retry');
    expect(verdict.state.loop?.retryAt).toBe(T0 + 600_000);
  });
});

describe('correctionLoopStatus', () => {
  it('shows the loop with ISO times', () => {
    const state = { signature: SCALE, corrections: 3, loop: { detectedAt: T0, retries: 2, retryAt: T0 + 240_000 } };
    expect(correctionLoopStatus(state)).toEqual({ since: '2026-01-01T00:00:00.000Z', corrections: 3, retries: 2, nextRetryAt: '2026-01-01T00:04:00.000Z' });
  });
});
