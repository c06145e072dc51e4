/**
 * The schedule expressions Application Auto Scaling's PutScheduledAction
 * takes (docs/manifests.md, "Auto scaling"): `at(yyyy-mm-ddThh:mm:ss)`,
 * `rate(value unit)` and `cron(minutes hours day-of-month month day-of-week
 * year)`. Pure: returns why an expression is refused, or undefined.
 */

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE = /^rate\(([^ ()]+) ([^ ()]+)\)$/;
const CRON = /^cron\((.*)\)$/;

/** Why `text` is not a valid date and time of day (yyyy-mm-dd and hh:mm:ss parts), or undefined. */
function calendarProblem(year: number, month: number, day: number, hour: number, minute: number, second: number): string | undefined {
  if (month < 1 || month > 12) return `month ${month} is not 1-12`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return `day ${day} is not in ${year}-${String(month).padStart(2, '0')} (1-${daysInMonth})`;
  if (hour > 23 || minute > 59 || second > 59) return 'the time of day is not between 00:00:00 and 23:59:59';
  return undefined;
}

function atProblem(expression: string): string | undefined {
  const match = AT.exec(expression);
  if (!match) return 'an at() expression is at(yyyy-mm-ddThh:mm:ss), e.g. at(2025-06-01T08:00:00), with no time zone (timezone says which)';
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return calendarProblem(year, month, day, hour, minute, second);
}

const RATE_UNITS = ['minute', 'hour', 'day'];

function rateProblem(expression: string): string | undefined {
  const match = RATE.exec(expression);
  if (!match) return 'a rate() expression is rate(value unit), e.g. rate(5 minutes) or rate(1 hour)';
  const [value, unit] = [match[1] as string, match[2] as string];
  if (!/^[1-9]\d*$/.test(value)) return `the rate value ${JSON.stringify(value)} must be a whole number of 1 or more`;
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  if (!RATE_UNITS.includes(singular)) return `the rate unit ${JSON.stringify(unit)} is not one of minute(s), hour(s), day(s)`;
  if (value === '1' && unit !== singular) return `a rate of 1 takes the singular unit: rate(1 ${singular})`;
  if (value !== '1' && unit === singular) return `a rate of ${value} takes the plural unit: rate(${value} ${singular}s)`;
  return undefined;
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted for values (JAN-DEC, SUN-SAT), mapped to their numbers. */
  readonly names?: readonly string[];
  /** Day-of-month takes L and W; day-of-week takes L and #. */
  readonly special?: 'day-of-month' | 'day-of-week';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: 'day-of-month' },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, special: 'day-of-week' },
  { name: 'year', min: 1970, max: 2199 },
];

function cronValue(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase());
  if (named !== undefined && named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

/** One comma-separated part of a cron field: *, a value, a range, either with /step, or L, W, # forms. */
function cronPartProblem(part: string, field: CronField): string | undefined {
  const bad = `${field.name} ${JSON.stringify(part)} is not valid: use *, a value ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}, a range a-b, a step */n or a-b/n`;
  if (field.special === 'day-of-month' && /^(L|LW|([1-9]|[12]\d|3[01])W)$/.test(part)) return undefined;
  if (field.special === 'day-of-week') {
    if (part === 'L') return undefined;
    const last = /^(.+)L$/.exec(part);
    if (last) return cronValue(last[1] as string, field) === undefined ? bad : undefined;
    const nth = /^(.+)#([1-5])$/.exec(part);
    if (nth) return cronValue(nth[1] as string, field) === undefined ? bad : undefined;
  }
  const [base, step, ...rest] = part.split('/');
  if (rest.length > 0 || base === undefined || base === '') return bad;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return bad;
  if (base === '*') return undefined;
  const [from, to, ...more] = base.split('-');
  if (more.length > 0 || from === undefined || cronValue(from, field) === undefined) return bad;
  if (to !== undefined && cronValue(to, field) === undefined) return bad;
  return undefined;
}

function cronProblem(expression: string): string | undefined {
  const body = (CRON.exec(expression)?.[1] ?? '').trim();
  const fields = body === '' ? [] : body.split(/\s+/);
  if (fields.length !== 6) {
    return `a cron() expression has six fields (minutes hours day-of-month month day-of-week year), e.g. cron(0 8 ? * MON-FRI *); found ${fields.length}`;
  }
  const dayOfMonth = fields[2] as string;
  const dayOfWeek = fields[4] as string;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return `exactly one of day-of-month (${dayOfMonth}) and day-of-week (${dayOfWeek}) must be ?, e.g. cron(0 8 ? * MON-FRI *) or cron(0 8 1 * ? *)`;
  }
  for (const [i, text] of fields.entries()) {
    const field = CRON_FIELDS[i] as CronField;
    if (text === '?' && field.special !== undefined) continue;
    for (const part of text.split(',')) {
      const problem = cronPartProblem(part, field);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Why Application Auto Scaling would refuse `expression`, or undefined when it is valid. */
export function scheduleProblem(expression: string): string | undefined {
  if (expression.startsWith('at(')) return atProblem(expression);
  if (expression.startsWith('rate(')) return rateProblem(expression);
  if (expression.startsWith('cron(')) return cronProblem(expression);
  return 'a schedule is at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)';
}

/**
 * An ISO 8601 date-time with seconds and an offset (2025-06-01T08:00:00Z,
 * 2025-06-01T10:00:00+02:00): the instant must not depend on where the
 * controller runs. Returns the instant in milliseconds, or undefined.
 */
export function parseInstant(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (calendarProblem(year, month, day, hour, minute, second) !== undefined) return undefined;
  if (match[8] !== 'Z' && (Number(match[9]) > 23 || Number(match[10]) > 59)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** IANA's spelling: segments that start with a capital (Europe/Paris, Etc/GMT+5, EST5EDT, UTC). */
const IANA_NAME = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/;

/**
 * An IANA time zone name, as Application Auto Scaling's Timezone takes
 * (Europe/Paris, America/New_York, UTC, Etc/GMT+5). Checked against the ICU
 * database Node carries by asking Intl.DateTimeFormat, not with
 * Intl.supportedValuesOf: that lists only ICU's canonical names and so
 * misses current IANA names such as Asia/Kolkata (ICU's Asia/Calcutta).
 */
export function isTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
