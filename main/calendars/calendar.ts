/**
 * Calendars (SPEC 5.5): sets of dates that daily schedules run on. Dates are day numbers (time/days.ts).
 */
import { isoWeekday } from '../time/days.js';

/** A calendar: a set of dates with navigation. `after`/`before`/`shift` throw CalendarRangeError outside a file calendar's range. */
export interface Calendar {
  /** The expression as written in the job file (`all` when omitted); used as the `calendar` arg. */
  readonly expr: string;
  contains(day: number): boolean;
  /** First calendar date >= day. */
  after(day: number): number;
  /** Last calendar date <= day. */
  before(day: number): number;
  /** Moves `n` calendar dates forward (back when negative) from `day`, which must be in the calendar. */
  shift(day: number, n: number): number;
}

/** Thrown when navigation leaves a file calendar's START..STOP range (SPEC 5.5). */
export class CalendarRangeError extends Error {
  override readonly name = 'CalendarRangeError';
}

/** Thrown when a calendar has no dates at all, so navigation can never succeed. */
export class EmptyCalendarError extends Error {
  override readonly name = 'EmptyCalendarError';
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A calendar given by a predicate on weekdays (Mon..Sun → bit 0..6); `all` and `none` included. */
export class WeekdayCalendar implements Calendar {
  constructor(
    readonly expr: string,
    /** Bit k set when ISO weekday k+1 is in the calendar. */
    private readonly mask: number,
  ) {}

  contains(day: number): boolean {
    return (this.mask & (1 << (isoWeekday(day) - 1))) !== 0;
  }

  after(day: number): number {
    this.assertNotEmpty();
    let d = day;
    while (!this.contains(d)) d += 1;
    return d;
  }

  before(day: number): number {
    this.assertNotEmpty();
    let d = day;
    while (!this.contains(d)) d -= 1;
    return d;
  }

  shift(day: number, n: number): number {
    if (n === 0) return day;
    this.assertNotEmpty();
    let d = day;
    const step = n > 0 ? 1 : -1;
    for (let left = Math.abs(n); left > 0;) {
      d += step;
      if (this.contains(d)) left -= 1;
    }
    return d;
  }

  private assertNotEmpty(): void {
    if (this.mask === 0) throw new EmptyCalendarError(`calendar '${this.expr}' has no dates`);
  }
}

/**
 * Parses `all`, `none` or a weekday expression (`Mon`, `Mon-Fri`, `Tue,Thu`, `Mon,Wed-Fri`, wrapping
 * `Fri-Mon`; case-insensitive). Returns null when `expr` is none of these (it may then name a file calendar).
 */
export function parseWeekdayCalendar(expr: string): WeekdayCalendar | null {
  const text = expr.trim().toLowerCase();
  if (text === 'all') return new WeekdayCalendar(expr, 0b1111111);
  if (text === 'none') return new WeekdayCalendar(expr, 0);
  let mask = 0;
  for (const part of text.split(',')) {
    const range = part.trim().split('-');
    if (range.length > 2) return null;
    const ends = range.map((name) => DAY_NAMES.indexOf(name.trim() as (typeof DAY_NAMES)[number]));
    const first = ends[0] as number;
    const last = ends[ends.length - 1] as number;
    if (first < 0 || last < 0) return null;
    for (let k = first; ; k = (k + 1) % 7) {
      mask |= 1 << k;
      if (k === last) break;
    }
  }
  return new WeekdayCalendar(expr, mask);
}
