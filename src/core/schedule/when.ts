import { UsageError } from '../errors.js';

/**
 * The `<when>` of `schedule install` (issue 25): a five-field cron expression, a cron macro
 * (`@daily`, …), or the words `daily`, `weekly`, `monthly`, which keep the job's own time of day
 * so that jobs do not all start at the same minute.
 */

/** The time of day a job runs at when given as `daily|weekly|monthly`. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

const MACROS = new Set(['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually']);

/**
 * parseWhen turns a `<when>` into the cron expression written to the schedule, or throws
 * UsageError (exit 2) naming the flag and the bad field; `@reboot` is refused (not a schedule).
 */
export function parseWhen(when: string, at: TimeOfDay, flag: string): string {
  const text = when.trim().replace(/\s+/g, ' ');
  const lower = text.toLowerCase();
  if (lower === 'daily') return `${at.minute} ${at.hour} * * *`;
  if (lower === 'weekly') return `${at.minute} ${at.hour} * * 0`;
  if (lower === 'monthly') return `${at.minute} ${at.hour} 1 * *`;
  if (MACROS.has(lower)) return lower;
  const fields = text.split(' ');
  const hint = `Give ${flag} a cron expression such as "30 2 * * *" (minute hour day-of-month month day-of-week), or daily, weekly or monthly.`;
  if (fields.length !== 5) throw new UsageError(`${flag} "${when}" is not a schedule: a cron expression has 5 fields, this has ${fields.length}.`, { hint });
  fields.forEach((field, i) => {
    const problem = fieldProblem(field.toLowerCase(), FIELDS[i]!);
    if (problem) throw new UsageError(`${flag} "${when}": the ${FIELDS[i]!.name} field "${field}" ${problem}.`, { hint });
  });
  return fields.join(' ');
}

function fieldProblem(field: string, spec: (typeof FIELDS)[number]): string | undefined {
  for (const part of field.split(',')) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) return 'is not a number, range, list or step';
    if (m[2] !== undefined && Number(m[2]) < 1) return 'has a step of 0';
    if (m[1] === '*') continue;
    for (const v of m[1]!.split('-')) {
      const n = valueOf(v, spec);
      if (n === undefined) return `has "${v}", not a ${spec.name}`;
      if (n < spec.min || n > spec.max) return `has ${v}, outside ${spec.min}-${spec.max}`;
    }
  }
  return undefined;
}

function valueOf(v: string, spec: (typeof FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(v)) return Number(v);
  const names: readonly string[] | undefined = 'names' in spec ? spec.names : undefined;
  const i = names?.indexOf(v) ?? -1;
  if (i < 0) return undefined;
  return spec.name === 'month' ? i + 1 : i;
}

/** expandField lists the values a field selects (day of week 7 counts as 0), ascending. */
export function expandField(field: string, index: number): number[] {
  const spec = FIELDS[index]!;
  const out = new Set<number>();
  for (const part of field.toLowerCase().split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let lo: number = spec.min;
    let hi: number = index === 4 ? 6 : spec.max;
    if (range !== '*') {
      const [a, b] = range!.split('-');
      lo = valueOf(a!, spec)!;
      hi = b !== undefined ? valueOf(b, spec)! : stepText ? hi : lo;
    }
    for (let v = lo; v <= hi; v += step) out.add(index === 4 && v === 7 ? 0 : v);
  }
  return [...out].sort((x, y) => x - y);
}

const MACRO_CALENDAR: Record<string, string> = {
  '@hourly': 'hourly',
  '@daily': 'daily',
  '@midnight': 'daily',
  '@weekly': 'weekly',
  '@monthly': 'monthly',
  '@yearly': 'yearly',
  '@annually': 'yearly',
};
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * toOnCalendar converts a cron expression to a systemd `OnCalendar=` value. Cron runs a job when
 * day of month OR day of week matches if both are restricted, systemd only when both do, so that
 * combination is refused (UsageError) rather than silently changed.
 */
export function toOnCalendar(cron: string): string {
  if (MACRO_CALENDAR[cron]) return MACRO_CALENDAR[cron]!;
  const fields = cron.split(' ');
  const list = (i: number) => {
    const f = fields[i]!;
    if (f === '*') return '*';
    const step = /^\*\/(\d+)$/.exec(f);
    if (step) return `${FIELDS[i]!.min}/${step[1]}`;
    return expandField(f, i)
      .map((n) => (i < 2 ? String(n).padStart(2, '0') : String(n)))
      .join(',');
  };
  if (fields[2] !== '*' && fields[4] !== '*') {
    throw new UsageError(`"${cron}" restricts both day of month and day of week; systemd timers cannot express cron's "either" rule.`, {
      hint: 'Restrict only one of the two, or install with --target cron.d or crontab.',
    });
  }
  const dow = fields[4] === '*' ? '' : `${expandField(fields[4]!, 4).map((d) => DAY_NAMES[d]).join(',')} `;
  return `${dow}*-${list(3)}-${list(2)} ${list(1)}:${list(0)}:00`;
}
