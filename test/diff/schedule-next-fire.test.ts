/**
 * nextFireTime: when EventBridge Scheduler next fires a schedule, for at,
 * rate and cron expressions, in a time zone, between start and end dates.
 */
import { describe, expect, it } from 'vitest';
import { nextFireTime } from '../../src/diff/schedule-next-fire.js';
import { nextRun, parseSchedule } from '../../src/sandbox/schedule.js';

const at = (iso: string) => new Date(iso);
type Case = [string, string, string | undefined, string | undefined, string | undefined, string, string | undefined, string | undefined];

describe('nextFireTime', () => {
  // [what, expression, timezone, startDate, endDate, now, anchor, expected]
  it.each<Case>([
    ['at: a future time in UTC', 'at(2030-05-01T10:00:00)', undefined, undefined, undefined, '2030-01-01T00:00:00Z', undefined, '2030-05-01T10:00:00.000Z'],
    ['at: wall-clock time in the schedule\'s zone', 'at(2030-05-01T10:00:00)', 'Europe/Paris', undefined, undefined, '2030-01-01T00:00:00Z', undefined, '2030-05-01T08:00:00.000Z'],
    ['at: already past', 'at(2029-05-01T10:00:00)', undefined, undefined, undefined, '2030-01-01T00:00:00Z', undefined, undefined],
    ['at: start and end dates are ignored for one-time schedules', 'at(2030-05-01T10:00:00)', undefined, '2030-06-01T00:00:00Z', '2030-02-01T00:00:00Z', '2030-01-01T00:00:00Z', undefined, '2030-05-01T10:00:00.000Z'],
    ['rate: counts from the creation anchor', 'rate(1 hour)', undefined, undefined, undefined, '2030-01-01T05:30:00Z', '2030-01-01T00:00:00Z', '2030-01-01T06:00:00.000Z'],
    ['rate: strictly after now', 'rate(1 hour)', undefined, undefined, undefined, '2030-01-01T05:00:00Z', '2030-01-01T00:00:00Z', '2030-01-01T06:00:00.000Z'],
    ['rate: counts from the start date, first firing at it', 'rate(2 hours)', undefined, '2030-02-01T00:15:00Z', undefined, '2030-01-01T00:00:00Z', '2029-01-01T00:00:03Z', '2030-02-01T00:15:00.000Z'],
    ['rate: after the start date', 'rate(2 hours)', undefined, '2030-02-01T00:15:00Z', undefined, '2030-02-01T01:00:00Z', undefined, '2030-02-01T02:15:00.000Z'],
    ['rate: past the end date', 'rate(1 hour)', undefined, undefined, '2030-01-01T05:45:00Z', '2030-01-01T05:30:00Z', '2030-01-01T00:00:00Z', undefined],
    ['rate: no start date and no anchor cannot be computed', 'rate(1 hour)', undefined, undefined, undefined, '2030-01-01T05:30:00Z', undefined, undefined],
    ['cron: daily in UTC', 'cron(0 3 * * ? *)', undefined, undefined, undefined, '2030-01-01T05:00:00Z', undefined, '2030-01-02T03:00:00.000Z'],
    ['cron: daily in Paris, winter (UTC+1)', 'cron(0 3 * * ? *)', 'Europe/Paris', undefined, undefined, '2030-01-01T05:00:00Z', undefined, '2030-01-02T02:00:00.000Z'],
    ['cron: daily in Paris, across the spring DST change', 'cron(0 3 * * ? *)', 'Europe/Paris', undefined, undefined, '2030-03-30T12:00:00Z', undefined, '2030-03-31T01:00:00.000Z'],
    ['cron: day of week (2030-01-02 is a Wednesday)', 'cron(0 12 ? * MON *)', undefined, undefined, undefined, '2030-01-02T00:00:00Z', undefined, '2030-01-07T12:00:00.000Z'],
    ['cron: not before the start date', 'cron(0 3 * * ? *)', undefined, '2030-06-10T00:00:00Z', undefined, '2030-01-01T00:00:00Z', undefined, '2030-06-10T03:00:00.000Z'],
    ['cron: a start date on a firing minute fires then', 'cron(0 3 * * ? *)', undefined, '2030-06-10T03:00:00Z', undefined, '2030-01-01T00:00:00Z', undefined, '2030-06-10T03:00:00.000Z'],
    ['cron: past the end date', 'cron(0 3 * * ? *)', undefined, undefined, '2030-01-02T02:59:00Z', '2030-01-01T05:00:00Z', undefined, undefined],
    ['cron: a year already past', 'cron(0 0 1 1 ? 2029)', undefined, undefined, undefined, '2030-01-01T05:00:00Z', undefined, undefined],
    ['cron: L is not computed', 'cron(0 0 L * ? *)', undefined, undefined, undefined, '2030-01-01T00:00:00Z', undefined, undefined],
    ['cron: W is not computed', 'cron(0 0 15W * ? *)', undefined, undefined, undefined, '2030-01-01T00:00:00Z', undefined, undefined],
    ['cron: # is not computed', 'cron(0 0 ? * 2#1 *)', undefined, undefined, undefined, '2030-01-01T00:00:00Z', undefined, undefined],
    ['an invalid expression', 'every day', undefined, undefined, undefined, '2030-01-01T00:00:00Z', undefined, undefined],
    ['an invalid time zone', 'cron(0 3 * * ? *)', 'Mars/Olympus', undefined, undefined, '2030-01-01T00:00:00Z', undefined, undefined],
  ])('%s', (_what, expression, timezone, start, end, now, anchor, expected) => {
    const next = nextFireTime(expression, timezone, start ? at(start) : undefined, end ? at(end) : undefined, at(now), anchor ? at(anchor) : undefined);
    expect(next?.toISOString()).toBe(expected);
  });

  it('the sandbox still reads the same parser through src/sandbox/schedule.ts', () => {
    const origin = Date.parse('2030-01-01T00:00:00Z');
    expect(nextRun(parseSchedule('rate(1 hour)'), origin + 1, { origin })).toBe(origin + 3_600_000);
  });
});
