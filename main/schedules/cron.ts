/**
 * `cron` schedules (SPEC 5.9). croner parses and matches the expression; it runs on naive local wall-clock
 * times (UTC with offset 0, so no zone rules apply), and each matching wall time becomes an instant through
 * resolveLocal, so that DST follows SPEC 5.2 rather than croner's own rules (which skip gap times of
 * interval-like patterns and repeat overlap times).
 */
import { Cron, CronPattern, type CronOptions } from 'croner';
import { MS_PER_DAY } from '../time/days.js';
import { offsetAt, resolveLocal } from '../time/zones.js';
import {
  OrderBuffer,
  argTimeText,
  dayText,
  daytimeText,
  earliestInstant,
  explicitArgs,
  sortByTime,
} from './generate.js';
import type { CronSchedule, Occurrence } from './types.js';

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

function nextWall(cron: Cron, wall: number): number | null {
  const next = cron.nextRun(new Date(wall));
  return next === null ? null : next.getTime();
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

/**
 * Occurrences of a cron schedule at or after `after` (epoch ms), in time order. Ends when croner finds no
 * further match (croner gives up at year 3000, and at once for an expression that never matches).
 */
export function* cronOccurrences(schedule: CronSchedule, after: number): Generator<Occurrence> {
  const { tz } = schedule;
  const cron = new Cron(schedule.expr, OPTIONS);
  // The time fields do not depend on the date, so croner is asked only which dates match (one call per
  // date) and each matching date gets every time of day the fields allow.
  const daytimes = patternDaytimes(new CronPattern(schedule.expr, undefined, { mode: MODE }));
  const withArgs = explicitArgs(schedule.args);
  // A wall time w resolves to w minus an offset in force near it, so walls before `after` plus the smallest
  // nearby offset cannot reach `after`.
  const minOffset = Math.min(offsetAt(after - 3 * MS_PER_DAY, tz), offsetAt(after + 3 * MS_PER_DAY, tz));
  const firstWall = Math.floor(after + minOffset);
  const buffer = new OrderBuffer();
  for (let wall = nextWall(cron, firstWall - 1); wall !== null;) {
    const day = Math.floor(wall / MS_PER_DAY);
    const midnight = day * MS_PER_DAY;
    const bound = earliestInstant(midnight, tz);
    for (let o = buffer.take(bound); o !== undefined; o = buffer.take(bound)) if (o.time >= after) yield o;
    const date = dayText(day);
    const batch: Occurrence[] = [];
    for (const seconds of daytimes) {
      if (midnight + seconds * 1000 < firstWall) continue;
      const time = resolveLocal(day, seconds, tz);
      batch.push({
        time,
        args: withArgs({ time: argTimeText(time), date, daytime: daytimeText(seconds), tz }),
      });
    }
    // Gap-shifted times land after later times of the same date (SPEC 5.2); the sort is stable.
    buffer.add(sortByTime(batch));
    wall = nextWall(cron, midnight + MS_PER_DAY - 1);
  }
  for (let o = buffer.take(Infinity); o !== undefined; o = buffer.take(Infinity))
    if (o.time >= after) yield o;
}
