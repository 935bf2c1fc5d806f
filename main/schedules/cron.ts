/**
 * `cron` schedules (SPEC 5.9). croner parses and matches the expression; it runs on naive local wall-clock
 * times (UTC with offset 0, so no zone rules apply), and each matching wall time becomes an instant through
 * resolveLocal, so that DST follows SPEC 5.2 rather than croner's own rules (which skip gap times of
 * interval-like patterns and repeat overlap times).
 */
import { Cron, type CronOptions } from 'croner';
import { MS_PER_DAY, formatDay } from '../time/days.js';
import { formatDaytime } from '../time/daytime.js';
import { formatArgTime } from '../time/instants.js';
import { offsetAt, resolveLocal } from '../time/zones.js';
import { OrderBuffer, earliestInstant, withExplicitArgs } from './generate.js';
import type { CronSchedule, Occurrence } from './types.js';

// domAndDow false: Vixie cron's rule, a date matches when day-of-month OR day-of-week matches (when both are
// restricted). utcOffset 0 rather than timezone 'UTC': the same wall-clock arithmetic, without Intl calls.
const OPTIONS: CronOptions = { utcOffset: 0, mode: '5-or-6-parts', domAndDow: false };

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

/** Wall-clock ms per batch: small enough to stay lazy for per-second patterns. */
const CHUNK_MS = 3_600_000;

function detail(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // croner reports day-of-month and month values shifted by one ("32" as "31"): say what is wrong instead.
  return text.replace(/^CronPattern: /, '').replace(/^Invalid value for \w+: .*$/, 'value out of range');
}

/**
 * Checks a cron expression; returns null when it is usable, else a message naming the wrong field
 * (`minute field '61': value out of range; use 0-59 ...`).
 */
export function validateCron(expr: string): string | null {
  const fields = expr.trim().split(/\s+/).filter((f) => f !== '');
  if (!expr.trim().startsWith('@')) {
    if (fields.length !== 5 && fields.length !== 6)
      return `cron expression '${expr}' has ${fields.length} fields; use 5 (minute hour day-of-month month day-of-week) or 6 with seconds first`;
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
    return `cron expression '${expr}': ${detail(e)}`;
  }
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null)
    return `cron expression '${expr}' never matches: its day-of-month never occurs in its months (such as 30 in February)`;
  return null;
}

function nextWall(cron: Cron, wall: number): number | null {
  const next = cron.nextRun(new Date(wall));
  return next === null ? null : next.getTime();
}

/**
 * Occurrences of a cron schedule at or after `after` (epoch ms), in time order. Ends when croner finds no
 * further match (it stops at year 9999, or at once for an expression that never matches).
 */
export function* cronOccurrences(schedule: CronSchedule, after: number): Generator<Occurrence> {
  const { tz } = schedule;
  const cron = new Cron(schedule.expr, OPTIONS);
  // A wall time w resolves to w minus an offset in force near it, so walls before `after` plus the smallest
  // nearby offset cannot reach `after`.
  const minOffset = Math.min(offsetAt(after - 3 * MS_PER_DAY, tz), offsetAt(after + 3 * MS_PER_DAY, tz));
  const buffer = new OrderBuffer();
  let wall = nextWall(cron, Math.floor(after + minOffset) - 1);
  let day = NaN;
  let date = '';
  while (wall !== null) {
    const chunkStart = Math.floor(wall / CHUNK_MS) * CHUNK_MS;
    yield* buffer.release(earliestInstant(chunkStart, tz), after);
    const chunkEnd = chunkStart + CHUNK_MS;
    const batch: Occurrence[] = [];
    for (; wall !== null && wall < chunkEnd; wall = nextWall(cron, wall)) {
      if (Math.floor(wall / MS_PER_DAY) !== day) {
        day = Math.floor(wall / MS_PER_DAY);
        date = formatDay(day);
      }
      const seconds = (wall - day * MS_PER_DAY) / 1000;
      const time = resolveLocal(day, seconds, tz);
      const auto = { time: formatArgTime(time), date, daytime: formatDaytime(seconds), tz };
      batch.push({ time, args: withExplicitArgs(auto, schedule.args) });
    }
    // Gap-shifted times land after later wall times of the same chunk (SPEC 5.2); the sort is stable.
    buffer.add(batch.sort((a, b) => a.time - b.time));
  }
  yield* buffer.drain(after);
}
