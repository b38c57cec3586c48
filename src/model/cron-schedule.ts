/**
 * When a CronJob schedule last fired, as the CronJob controller reads schedules (robfig/cron's
 * standard parser: five fields or a macro; day-of-month and day-of-week match either one when
 * both are restricted), in the CronJob's time zone. Pure: `berth status` uses it to show a missed
 * run (QuickStack's rule: no run since the schedule's previous fire time, field notes C5).
 * Expects a schedule validation accepted (config/cron.ts).
 */

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};
const BOUNDS: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

interface Fields {
  sets: Set<number>[];
  /** Day of month and day of week both restricted: either matches. */
  eitherDay: boolean;
}

function parse(schedule: string): Fields {
  const text = MACROS[schedule.trim()] ?? schedule.trim();
  const parts = text.split(/\s+/);
  const sets = parts.map((field, i) => {
    const [min, max] = BOUNDS[i]!;
    const set = new Set<number>();
    for (const part of field.split(',')) {
      const [range = '*', stepText] = part.split('/');
      const step = stepText ? Number(stepText) : 1;
      let [from, to] = [min, max];
      if (range !== '*' && range !== '?') {
        const [a, b] = range.split('-').map((v) => (/^\d+$/.test(v) ? Number(v) : NAMES[v.toLowerCase()]!));
        from = a!;
        to = b ?? (stepText ? max : a!);
      }
      for (let v = from; v <= to; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    return set;
  });
  const restricted = (i: number) => !/^[*?]/.test(parts[i]!);
  return { sets, eitherDay: restricted(2) && restricted(4) };
}

interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function local(ms: number, timeZone: string): Local {
  if (timeZone === 'UTC') {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      weekday: d.getUTCDay(),
    };
  }
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: NAMES[String(parts.weekday).toLowerCase()]!,
  };
}

const MINUTE = 60_000;

/**
 * The latest time at or before `now` the schedule fired, or undefined when it did not fire in
 * the year before `now`. Walks back a minute at a time, skipping whole hours and days that
 * cannot match.
 */
export function previousFire(schedule: string, now: number, timeZone = 'UTC'): number | undefined {
  const { sets, eitherDay } = parse(schedule);
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  let t = Math.floor(now / MINUTE) * MINUTE;
  const stop = now - 366 * 24 * 60 * MINUTE;
  while (t >= stop) {
    const l = local(t, timeZone);
    const dayOk = eitherDay ? days.has(l.day) || weekdays.has(l.weekday) : days.has(l.day) && weekdays.has(l.weekday);
    if (!months.has(l.month) || !dayOk) {
      // Back to the last minute of the previous day.
      t -= (l.hour * 60 + l.minute + 1) * MINUTE;
      continue;
    }
    if (!hours.has(l.hour)) {
      t -= (l.minute + 1) * MINUTE;
      continue;
    }
    if (minutes.has(l.minute)) return t;
    t -= MINUTE;
  }
  return undefined;
}
