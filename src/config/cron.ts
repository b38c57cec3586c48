/**
 * Checks a Kubernetes CronJob schedule: five fields or a macro, as the CronJob controller
 * (robfig/cron's standard parser) accepts them. Returns a reason when invalid.
 */

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Offset of names[0], e.g. months start at 1. */
  namesFrom?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

function fieldValue(token: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = spec.names?.indexOf(token.toLowerCase()) ?? -1;
  return index >= 0 ? index + (spec.namesFrom ?? 0) : undefined;
}

function checkPart(part: string, spec: FieldSpec): string | undefined {
  const [range = '', step, extra] = part.split('/');
  if (extra !== undefined) return `"${part}" has more than one "/"`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step "${step}" must be a positive number`;
  if (range === '*' || range === '?') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `"${range}" is not a range like 1-5`;
  const values = bounds.map((b) => fieldValue(b, spec));
  for (const [i, v] of values.entries()) {
    if (v === undefined) return `"${bounds[i]}" is not a valid ${spec.name}`;
    if (v < spec.min || v > spec.max) return `${spec.name} ${v} is outside ${spec.min}-${spec.max}`;
  }
  if (values.length === 2 && values[0]! > values[1]!) return `range "${range}" runs backwards`;
  return undefined;
}

export function cronProblem(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    return MACROS.has(trimmed) ? undefined : `unknown macro "${trimmed}" (use ${[...MACROS].join(', ')})`;
  }
  if (/^(CRON_)?TZ=/.test(trimmed)) return 'set the time zone with the timeZone field, not inside the schedule';
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  for (const [i, field] of fields.entries()) {
    for (const part of field.split(',')) {
      const problem = checkPart(part, FIELDS[i]!);
      if (problem) return problem;
    }
  }
  return undefined;
}
