/**
 * `cron` schedules (SPEC 5.9). croner parses the expression and finds its first match; it runs on naive local
 * wall-clock times (UTC with offset 0, so no zone rules apply), and each matching wall time becomes an instant
 * through resolveLocal, so that DST follows SPEC 5.2 rather than croner's own rules (which skip gap times of
 * interval-like patterns and repeat overlap times). Later dates are matched from the parsed pattern's fields
 * (cron-dates.ts): one croner search per date cost more than all the other schedule types of a year's plan.
 */
import { Cron, CronPattern, type CronOptions } from 'croner';
import { MS_PER_DAY } from '../time/days.js';
import { offsetAt, resolveLocal } from '../time/zones.js';
import { CRON_END_DAY, cronDateMatcher } from './cron-dates.js';
import { OrderBuffer, earliestInstant, sortByTime } from './generate.js';
import type { CronSchedule, RawOccurrence } from './types.js';

// domAndDow false: Vixie cron's rule, a date matches when day-of-month OR day-of-week matches (when both are
// restricted). utcOffset 0 rather than timezone 'UTC': the same wall-clock arithmetic, without Intl calls.
const MODE = '5-or-6-parts';
const OPTIONS: CronOptions = { utcOffset: 0, mode: MODE, domAndDow: false };

const FIELDS_5 = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const FIELDS_6 = ['second', ...FIELDS_5] as const;
const HINTS: Record<(typeof FIELDS_6)[number], string> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  'day-of-month': '1-31, L or W forms',
  month: '1-12 or JAN-DEC',
  'day-of-week': '0-7 or SUN-SAT (0 and 7 are Sunday)',
};

function detail(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // croner reports day-of-month and month values shifted by one ("32" as "31"): say what is wrong instead.
  return text.replace(/^CronPattern: /, '').replace(/^Invalid value for \w+: .*$/, 'value out of range');
}

/**
 * Checks a cron expression; returns null when it is usable, else a message (without the expression) naming
 * the wrong field: `minute field '61': value out of range; use 0-59, with lists ...`.
 */
export function validateCron(expr: string): string | null {
  const fields = expr
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (!expr.trim().startsWith('@')) {
    if (fields.length !== 5 && fields.length !== 6)
      return `${fields.length} fields; use 5 (minute hour day-of-month month day-of-week) or 6 with seconds first`;
    const names = fields.length === 6 ? FIELDS_6 : FIELDS_5;
    // Parse each field alone among wildcards, so that the message can name the field at fault.
    for (const [i, name] of names.entries()) {
      const probe = fields.map((f, j) => (j === i ? f : '*')).join(' ');
      try {
        new Cron(probe, OPTIONS);
      } catch (e) {
        return `${name} field '${fields[i] ?? ''}': ${detail(e)}; use ${HINTS[name]}, with lists (1,15), ranges (1-5) and steps (*/10)`;
      }
    }
  }
  let cron: Cron;
  try {
    cron = new Cron(expr, OPTIONS);
  } catch (e) {
    return detail(e);
  }
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null)
    return 'it never matches: its day-of-month never occurs in its months (such as 30 in February)';
  return null;
}

/** The seconds since midnight that the pattern's second, minute and hour fields allow, ascending. */
function patternDaytimes(pattern: CronPattern): number[] {
  const out: number[] = [];
  for (const [h, hOn] of pattern.hour.entries())
    if (hOn)
      for (const [m, mOn] of pattern.minute.entries())
        if (mOn)
          for (const [sec, sOn] of pattern.second.entries()) if (sOn) out.push(h * 3600 + m * 60 + sec);
  return out;
}

interface ParsedCron {
  cron: Cron;
  /** The times of day of every matching date. */
  daytimes: number[];
  matches: (day: number) => boolean;
}

// Jobs share expressions, and the scheduler and `apsis plan` start a generator per schedule: parse each once.
const parsedCrons = new Map<string, ParsedCron>();

function parseCron(expr: string): ParsedCron {
  let parsed = parsedCrons.get(expr);
  if (parsed === undefined) {
    if (parsedCrons.size >= 10_000) parsedCrons.clear();
    // The time fields do not depend on the date, so each matching date gets every time of day they allow.
    const pattern = new CronPattern(expr, undefined, { mode: MODE });
    parsed = {
      cron: new Cron(expr, OPTIONS),
      daytimes: patternDaytimes(pattern),
      matches: cronDateMatcher(pattern),
    };
    parsedCrons.set(expr, parsed);
  }
  return parsed;
}

/**
 * Occurrences of a cron schedule at or after `after` (epoch ms), in time order. Ends where croner would: before
 * year 3000, and at once for an expression that never matches (croner searches 400 years, a whole cycle of
 * the Gregorian calendar, so a pattern that matched once matches again within that search).
 */
export function* cronOccurrences(schedule: CronSchedule, after: number): Generator<RawOccurrence> {
  const { tz } = schedule;
  const { cron, daytimes, matches } = parseCron(schedule.expr);
  // A wall time w resolves to w minus an offset in force near it, so walls before `after` plus the smallest
  // nearby offset cannot reach `after`.
  const minOffset = Math.min(offsetAt(after - 3 * MS_PER_DAY, tz), offsetAt(after + 3 * MS_PER_DAY, tz));
  const firstWall = Math.floor(after + minOffset);
  const first = cron.nextRun(new Date(firstWall - 1));
  if (first === null) return;
  const buffer = new OrderBuffer<RawOccurrence>();
  for (let day = Math.floor(first.getTime() / MS_PER_DAY); day < CRON_END_DAY; day += 1) {
    if (!matches(day)) continue;
    const midnight = day * MS_PER_DAY;
    const bound = earliestInstant(midnight, tz);
    for (let o = buffer.take(bound); o !== undefined; o = buffer.take(bound)) if (o.time >= after) yield o;
    const batch: RawOccurrence[] = [];
    for (const seconds of daytimes) {
      if (midnight + seconds * 1000 < firstWall) continue;
      const time = resolveLocal(day, seconds, tz);
      batch.push({ time, argTime: time, date: day, daytime: seconds, schedDate: 0 });
    }
    // Gap-shifted times land after later times of the same date (SPEC 5.2); the sort is stable.
    buffer.add(sortByTime(batch));
  }
  for (let o = buffer.take(Infinity); o !== undefined; o = buffer.take(Infinity))
    if (o.time >= after) yield o;
}
