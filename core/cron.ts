/**
 * Cron schedules as Kubernetes CronJobs read them: five fields (minute, hour,
 * day of month, month, day of week) of `*`, numbers, ranges `a-b`, steps
 * `/n` and lists, month and weekday names, or one of the `@` macros.
 * Returns what is wrong, so the environment error can name it.
 */

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  // 7 is Sunday too.
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

type Field = (typeof FIELDS)[number];

function value(text: string, field: Field): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const names: readonly string[] = 'names' in field ? field.names : [];
  const at = names.indexOf(text.toLowerCase());
  if (at < 0) return undefined;
  return field.name === 'month' ? at + 1 : at;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const part of text.split(',')) {
    const [range, step, ...extra] = part.split('/');
    if (extra.length > 0 || range === undefined || range === '') return `${field.name} field "${text}" is malformed`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) {
      return `${field.name} field "${text}" has a step that is not a positive number`;
    }
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${field.name} field "${text}" is malformed`;
    const numbers = bounds.map((b) => value(b, field));
    for (const [i, n] of numbers.entries()) {
      if (n === undefined) return `${field.name} field "${text}": "${bounds[i]}" is not a ${field.name}`;
      if (n < field.min || n > field.max) {
        return `${field.name} field "${text}": ${n} is out of range ${field.min}-${field.max}`;
      }
    }
    if (numbers.length === 2 && numbers[0]! > numbers[1]!)
      return `${field.name} field "${text}": the range runs backwards`;
  }
  return undefined;
}

/** What is wrong with `schedule`, or undefined when Kubernetes accepts it. */
export function cronProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (text.startsWith('@'))
    return MACROS.has(text) ? undefined : `"${text}" is not a cron macro (${[...MACROS].join(', ')})`;
  if (/^(CRON_)?TZ=/.test(text)) return 'must not set a time zone here (CronJob has spec.timeZone for that)';
  const fields = text.split(/\s+/);
  if (fields.length !== 5)
    return `must have five fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [i, f] of fields.entries()) {
    const problem = fieldProblem(f, FIELDS[i]!);
    if (problem) return problem;
  }
  return undefined;
}
