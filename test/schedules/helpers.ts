/** Small builders and readers for schedule tests. */
import { parseWeekdayCalendar, type Calendar } from '../../main/calendars/calendar.js';
import { Cron } from 'croner';
import { MS_PER_DAY } from '../../main/time/days.js';
import { parseDaytime } from '../../main/time/daytime.js';
import { resolveLocal, toLocal } from '../../main/time/zones.js';
import type {
  CronSchedule,
  DailyIntervalSchedule,
  DailySchedule,
  IntervalSchedule,
  Occurrence,
  WindowEdge,
} from '../../main/schedules/types.js';

/** Zones with clock changes of every kind (half-hour shifts, southern summers, none), for property tests. */
export const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Tokyo',
  'UTC',
  'America/Santiago',
];

/** Epoch ms of an ISO instant with an offset. */
export function at(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
}

/** `2024-03-10T07:30:00Z` (milliseconds only when non-zero). */
export function z(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function calendar(expr: string): Calendar {
  const cal = parseWeekdayCalendar(expr);
  if (cal === null) throw new Error(`bad calendar ${expr}`);
  return cal;
}

export function seconds(daytime: string): number {
  const s = parseDaytime(daytime);
  if (s === null) throw new Error(`bad daytime ${daytime}`);
  return s;
}

/** The first `n` occurrences. */
export function take(it: Iterable<Occurrence>, n: number): Occurrence[] {
  const out: Occurrence[] = [];
  if (n <= 0) return out;
  for (const o of it) {
    out.push(o);
    if (out.length >= n) break;
  }
  return out;
}

/** Occurrences before `end`; fails past `cap` items, so a runaway generator cannot hang a test. */
export function until(it: Iterable<Occurrence>, end: number, cap = 100_000): Occurrence[] {
  const out: Occurrence[] = [];
  for (const o of it) {
    if (o.time >= end) break;
    out.push(o);
    if (out.length > cap) throw new Error(`more than ${cap} occurrences`);
  }
  return out;
}

export const times = (os: Occurrence[]): string[] => os.map((o) => z(o.time));

export function interval(interval: number, phase = 0, args = {}): IntervalSchedule {
  return { type: 'interval', interval, phase, enabled: true, args };
}

export function daily(opts: {
  tz: string;
  daytimes: string[];
  calendar?: string;
  dateShift?: number;
  calShift?: number;
  timeShift?: number;
}): DailySchedule {
  return {
    type: 'daily',
    tz: opts.tz,
    daytimes: opts.daytimes.map(seconds).sort((a, b) => a - b),
    calendar: calendar(opts.calendar ?? 'all'),
    dateShift: opts.dateShift ?? 0,
    calShift: opts.calShift ?? 0,
    timeShift: opts.timeShift ?? 0,
    enabled: true,
    args: {},
  };
}

export function edge(daytime: string, shifts: { dateShift?: number; calShift?: number } = {}): WindowEdge {
  return { daytime: seconds(daytime), dateShift: shifts.dateShift ?? 0, calShift: shifts.calShift ?? 0 };
}

export function dailyInterval(opts: {
  tz: string;
  start: WindowEdge;
  stop: WindowEdge;
  interval: number;
  calendar?: string;
}): DailyIntervalSchedule {
  return {
    type: 'daily-interval',
    tz: opts.tz,
    calendar: calendar(opts.calendar ?? 'all'),
    start: opts.start,
    stop: opts.stop,
    interval: opts.interval,
    enabled: true,
    args: {},
  };
}

export function cron(expr: string, tz: string): CronSchedule {
  return { type: 'cron', expr, tz, enabled: true, args: {} };
}

/**
 * The reference for cron schedules: every wall time croner itself finds on the local dates around [a, c), resolved
 * to instants by SPEC 5.2 and sorted (stable); callers keep those in [a, c).
 */
export function cronerInstants(expr: string, tz: string, a: number, c: number): number[] {
  const croner = new Cron(expr, { utcOffset: 0, mode: '5-or-6-parts', domAndDow: false });
  const all: number[] = [];
  const end = (toLocal(c, tz).day + 3) * MS_PER_DAY;
  for (
    let w = croner.nextRun(new Date((toLocal(a, tz).day - 3) * MS_PER_DAY));
    w !== null && w.getTime() < end;
    w = croner.nextRun(w)
  ) {
    const day = Math.floor(w.getTime() / MS_PER_DAY);
    all.push(resolveLocal(day, (w.getTime() - day * MS_PER_DAY) / 1000, tz));
  }
  return all.sort((x, y) => x - y);
}
