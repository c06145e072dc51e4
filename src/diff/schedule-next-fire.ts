/**
 * Schedule expressions as Application Auto Scaling and EventBridge Scheduler
 * take them: `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` and the six-field
 * `cron(minutes hours day-of-month month day-of-week year)`, in an IANA time
 * zone (UTC by default). parseSchedule refuses what the APIs refuse with a
 * message; nextRun gives the next time (epoch ms) a schedule fires after a
 * moment (the sandbox's scaling simulation); nextFireTime gives a scheduled
 * task's next fire time for its status. Cron's `L`, `W` and `#` are accepted
 * but never evaluated: nextRun says Infinity, nextFireTime undefined
 * (documented in docs/sandbox.md). Pure: no clock, the caller passes `now`.
 */

export type Schedule =
  | { readonly kind: 'at'; readonly wall: WallTime }
  | { readonly kind: 'rate'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly fields: CronFields; readonly evaluable: boolean };

export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** undefined: `?` (the other day field decides). */
  readonly daysOfMonth?: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 1 = Sunday ... 7 = Saturday, as AWS cron counts. */
  readonly daysOfWeek?: ReadonlySet<number>;
  /** undefined: any year. */
  readonly years?: ReadonlySet<number>;
}

export class ScheduleError extends Error {}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const RATE_UNITS: Readonly<Record<string, number>> = {
  minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000,
};

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function parseSchedule(expression: string): Schedule {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
      throw new ScheduleError(`Invalid at expression: ${expression}`);
    }
    return { kind: 'at', wall: { year, month, day, hour, minute, second } };
  }
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = RATE_UNITS[rate[2] as string];
    if (!unit || value < 1) throw new ScheduleError(`Invalid rate expression: ${expression}`);
    return { kind: 'rate', everyMs: value * unit };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return parseCron(cron[1] as string, expression);
  throw new ScheduleError(`Invalid schedule expression: ${expression}. Use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields).`);
}

function parseCron(body: string, expression: string): Schedule {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleError(`Invalid cron expression: ${expression}. A cron expression has six fields.`);
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleError(`Invalid cron expression: ${expression}. Specify ? in exactly one of the day-of-month and day-of-week fields.`);
  }
  let evaluable = true;
  const field = (text: string, lo: number, hi: number, names?: readonly string[], special?: RegExp): Set<number> | undefined => {
    if (special && special.test(text)) {
      evaluable = false;
      return undefined;
    }
    return parseCronField(text, lo, hi, expression, names);
  };
  const fields: CronFields = {
    minutes: field(min, 0, 59) ?? new Set(),
    hours: field(hour, 0, 23) ?? new Set(),
    months: field(month, 1, 12, MONTHS) ?? new Set(),
    ...(dom === '?' ? {} : { daysOfMonth: field(dom, 1, 31, undefined, /^(L|LW|\d{1,2}W|L-\d+)$/) ?? new Set<number>() }),
    ...(dow === '?' ? {} : { daysOfWeek: field(dow, 1, 7, DAYS, /^([1-7]|[A-Z]{3})(L|#[1-5])$|^L$/) ?? new Set<number>() }),
    ...(year === '*' ? {} : { years: field(year, 1970, 2199) ?? new Set<number>() }),
  };
  return { kind: 'cron', fields, evaluable };
}

function parseCronField(text: string, lo: number, hi: number, expression: string, names?: readonly string[]): Set<number> {
  const bad = (): ScheduleError => new ScheduleError(`Invalid cron expression: ${expression}. Field "${text}" is not valid here.`);
  const value = (token: string): number => {
    const named = names?.indexOf(token.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!Number.isInteger(n) || n < lo || n > hi) throw bad();
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw bad();
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [lo, hi];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
      if (from > to) throw bad();
    } else {
      from = value(range);
      to = stepText === undefined ? from : hi;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** The offset (ms) of `zone` from UTC at instant `utcMs`. */
function zoneOffset(utcMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The UTC instant of a wall-clock time in `zone`. */
export function wallToUtc(wall: WallTime, zone = 'UTC'): number {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  let utc = guess - zoneOffset(guess, zone);
  const again = guess - zoneOffset(utc, zone);
  if (again !== utc) utc = again;
  return utc;
}

function wallOf(utcMs: number, zone: string): WallTime {
  const local = new Date(utcMs + zoneOffset(utcMs, zone));
  return {
    year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(),
    hour: local.getUTCHours(), minute: local.getUTCMinutes(), second: local.getUTCSeconds(),
  };
}

/** Days searched ahead for the next cron match (five years). */
const CRON_HORIZON_DAYS = 5 * 366;

/**
 * The first time the schedule fires strictly after `after` (epoch ms), within
 * [start, end]; Infinity when never. A rate counts from `start` (or `origin`,
 * when the action was created).
 */
export function nextRun(schedule: Schedule, after: number, options: { zone?: string; start?: number; end?: number; origin: number }): number {
  const zone = options.zone ?? 'UTC';
  const from = Math.max(after, (options.start ?? -Infinity) - 1);
  let next: number;
  if (schedule.kind === 'at') {
    const at = wallToUtc(schedule.wall, zone);
    next = at > from ? at : Infinity;
  } else if (schedule.kind === 'rate') {
    const origin = options.start ?? options.origin;
    const n = Math.max(1, Math.floor((from - origin) / schedule.everyMs) + 1);
    next = origin + n * schedule.everyMs;
  } else {
    next = schedule.evaluable ? nextCron(schedule.fields, from, zone) : Infinity;
  }
  return options.end !== undefined && next > options.end ? Infinity : next;
}

function nextCron(fields: CronFields, after: number, zone: string): number {
  const start = wallOf(after, zone);
  const minutes = [...fields.minutes].sort((a, b) => a - b);
  const hours = [...fields.hours].sort((a, b) => a - b);
  const day0 = Date.UTC(start.year, start.month - 1, start.day);
  for (let d = 0; d <= CRON_HORIZON_DAYS; d++) {
    const date = new Date(day0 + d * 86_400_000);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    if (fields.years && !fields.years.has(year)) continue;
    if (!fields.months.has(month)) continue;
    if (fields.daysOfMonth && !fields.daysOfMonth.has(day)) continue;
    if (fields.daysOfWeek && !fields.daysOfWeek.has(date.getUTCDay() + 1)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const utc = wallToUtc({ year, month, day, hour, minute, second: 0 }, zone);
        if (utc > after) return utc;
      }
    }
  }
  return Infinity;
}

/**
 * When EventBridge Scheduler next fires a schedule, strictly after `now`;
 * undefined when it never will (a past `at`, past `endDate`), when it cannot
 * be computed here (cron with `L`, `W` or `#`; a rate schedule with neither
 * `startDate` nor `anchor`), or when the expression or time zone is invalid.
 *
 * - `at(...)` is a wall-clock time in `timezone`; Scheduler ignores the start
 *   and end dates of one-time schedules, so they are ignored here too.
 * - `rate(...)` fires at `startDate` (or, without one, `anchor`: when the
 *   schedule was created) plus k periods, k >= 0.
 * - `cron(...)` fires at the first matching minute in `timezone` at or after
 *   `startDate` and after `now`, and never after `endDate`.
 */
export function nextFireTime(
  expression: string,
  timezone: string | undefined,
  startDate: Date | undefined,
  endDate: Date | undefined,
  now: Date,
  anchor?: Date,
): Date | undefined {
  const zone = timezone ?? 'UTC';
  if (!isValidTimeZone(zone)) return undefined;
  let schedule: Schedule;
  try {
    schedule = parseSchedule(expression);
  } catch (error) {
    if (error instanceof ScheduleError) return undefined;
    throw error;
  }
  const after = now.getTime();
  if (schedule.kind === 'at') {
    const at = wallToUtc(schedule.wall, zone);
    return at > after ? new Date(at) : undefined;
  }
  const end = endDate?.getTime();
  const within = (next: number): Date | undefined => (Number.isFinite(next) && (end === undefined || next <= end) ? new Date(next) : undefined);
  if (schedule.kind === 'rate') {
    const origin = (startDate ?? anchor)?.getTime();
    if (origin === undefined || !Number.isFinite(origin)) return undefined;
    const periods = after < origin ? 0 : Math.floor((after - origin) / schedule.everyMs) + 1;
    return within(origin + periods * schedule.everyMs);
  }
  if (!schedule.evaluable) return undefined;
  const start = startDate?.getTime();
  return within(nextCron(schedule.fields, start === undefined ? after : Math.max(after, start - 1), zone));
}
