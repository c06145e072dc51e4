import { describe, expect, it } from 'vitest';
import { LIVE_READ_DONE, ReadinessTracker, SNAPSHOT_LOADED } from '../../src/observe/readiness.js';

describe('ReadinessTracker', () => {
  it('is not ready until the snapshot is loaded and live ECS was read, and lists what is missing', () => {
    const readiness = new ReadinessTracker();
    expect(readiness.check()).toEqual({ ready: false, reasons: [SNAPSHOT_LOADED, LIVE_READ_DONE] });
    readiness.markLiveReadDone();
    expect(readiness.check()).toEqual({ ready: false, reasons: [SNAPSHOT_LOADED] });
    readiness.markSnapshotLoaded();
    readiness.markSnapshotLoaded();
    expect(readiness.check()).toEqual({ ready: true, reasons: [] });
  });

  it('waits for extra conditions too', () => {
    const readiness = new ReadinessTracker(['sandbox not started']);
    readiness.markSnapshotLoaded();
    readiness.markLiveReadDone();
    expect(readiness.check()).toEqual({ ready: false, reasons: ['sandbox not started'] });
    readiness.satisfy('unknown reason');
    readiness.satisfy('sandbox not started');
    expect(readiness.check().ready).toBe(true);
  });
});
