/** `daily` schedules (SPEC 5.4): daytimes on the dates of a calendar, with date, calendar and time shifts. */
import type { Calendar } from '../calendars/calendar.js';
import { MS_PER_DAY } from '../time/days.js';
import { resolveLocal, toLocal } from '../time/zones.js';
import { OrderBuffer, earliestInstant, navigate, sortByTime } from './generate.js';
import type { DailySchedule, RawOccurrence } from './types.js';

/** The date that nominal date `day` (in `calendar`) runs on: `calShift(day, calShift) + dateShift`. */
function shiftedDate(calendar: Calendar, day: number, calShift: number, dateShift: number): number {
  return calendar.shift(day, calShift) + dateShift;
}

/**
 * Occurrences of a daily schedule at or after `after` (epoch ms), in time order, endless unless the calendar
 * is empty. Throws CalendarRangeError when a file calendar runs out (after yielding what it could).
 */
export function* dailyOccurrences(schedule: DailySchedule, after: number): Generator<RawOccurrence> {
  const { calendar, tz, daytimes, calShift, dateShift } = schedule;
  const shiftMs = Math.round(schedule.timeShift * 1000);
  const first = daytimes[0];
  if (first === undefined) return;
  const firstMs = Math.round(first * 1000);
  const unshifted = calShift === 0 && dateShift === 0;

  const batch = (nominal: number, shifted: number): RawOccurrence[] => {
    const out = daytimes.map((y): RawOccurrence => {
      const resolved = resolveLocal(shifted, y, tz);
      // The time arg is the nominal date's instant, without any shift (SPEC 5.4).
      const argTime = unshifted ? resolved : resolveLocal(nominal, y, tz);
      return { time: resolved + shiftMs, argTime, date: nominal, daytime: y, schedDate: 0 };
    });
    // A daytime inside a spring-forward gap is shifted past later daytimes of the same date (SPEC 5.2).
    return sortByTime(out);
  };

  // A date shifted to S yields instants whose local date is S, or S + 1 after a gap shift, so dates shifted
  // before the local date of `after - time_shift`, less one, cannot reach `after`.
  const earliest = toLocal(after - shiftMs, tz).day - 1 - dateShift;
  // calShift is strictly increasing on calendar dates, so this is the first nominal date shifted to >= earliest.
  const start = navigate(() => calendar.shift(calendar.after(earliest), -calShift));
  if (start === null) return;
  let nominal = start;
  const buffer = new OrderBuffer<RawOccurrence>();
  buffer.add(batch(nominal, shiftedDate(calendar, nominal, calShift, dateShift)));
  for (;;) {
    let shifted: number;
    try {
      nominal = calendar.after(nominal + 1);
      shifted = shiftedDate(calendar, nominal, calShift, dateShift);
    } catch (e) {
      for (let o = buffer.take(Infinity); o !== undefined; o = buffer.take(Infinity))
        if (o.time >= after) yield o;
      throw e;
    }
    const bound = earliestInstant(shifted * MS_PER_DAY + firstMs, tz) + shiftMs;
    for (let o = buffer.take(bound); o !== undefined; o = buffer.take(bound)) if (o.time >= after) yield o;
    buffer.add(batch(nominal, shifted));
  }
}
