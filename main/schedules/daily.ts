/** `daily` schedules (SPEC 5.4): daytimes on the dates of a calendar, with date, calendar and time shifts. */
import type { Calendar } from '../calendars/calendar.js';
import { MS_PER_DAY, formatDay } from '../time/days.js';
import { formatDaytime } from '../time/daytime.js';
import { formatArgTime } from '../time/instants.js';
import { resolveLocal, toLocal } from '../time/zones.js';
import { OrderBuffer, earliestInstant, navigate, withExplicitArgs } from './generate.js';
import type { DailySchedule, Occurrence } from './types.js';

/** The date that nominal date `day` (in `calendar`) runs on: `calShift(day, calShift) + dateShift`. */
function shiftedDate(calendar: Calendar, day: number, calShift: number, dateShift: number): number {
  return calendar.shift(day, calShift) + dateShift;
}

/**
 * Occurrences of a daily schedule at or after `after` (epoch ms), in time order, endless unless the calendar
 * is empty. Throws CalendarRangeError when a file calendar runs out (after yielding what it could).
 */
export function* dailyOccurrences(schedule: DailySchedule, after: number): Generator<Occurrence> {
  const { calendar, tz, daytimes, calShift, dateShift } = schedule;
  const shiftMs = Math.round(schedule.timeShift * 1000);
  const first = daytimes[0];
  if (first === undefined) return;
  const firstMs = Math.round(first * 1000);
  const daytimeArgs = daytimes.map(formatDaytime);
  const unshifted = calShift === 0 && dateShift === 0;

  const batch = (nominal: number, shifted: number): Occurrence[] => {
    const date = formatDay(nominal);
    const out = daytimes.map((y, i): Occurrence => {
      const resolved = resolveLocal(shifted, y, tz);
      const time = unshifted ? resolved : resolveLocal(nominal, y, tz);
      const auto = { time: formatArgTime(time), date, daytime: daytimeArgs[i] as string, calendar: calendar.expr, tz };
      return { time: resolved + shiftMs, args: withExplicitArgs(auto, schedule.args) };
    });
    // A daytime inside a spring-forward gap is shifted past later daytimes of the same date (SPEC 5.2).
    return out.sort((a, b) => a.time - b.time);
  };

  // A date shifted to S yields instants whose local date is S, or S + 1 after a gap shift, so dates shifted
  // before the local date of `after - time_shift`, less one, cannot reach `after`.
  const earliest = toLocal(after - shiftMs, tz).day - 1 - dateShift;
  // calShift is strictly increasing on calendar dates, so this is the first nominal date shifted to >= earliest.
  const start = navigate(() => calendar.shift(calendar.after(earliest), -calShift));
  if (start === null) return;
  let nominal = start;
  const buffer = new OrderBuffer();
  buffer.add(batch(nominal, shiftedDate(calendar, nominal, calShift, dateShift)));
  for (;;) {
    let shifted: number;
    try {
      nominal = calendar.after(nominal + 1);
      shifted = shiftedDate(calendar, nominal, calShift, dateShift);
    } catch (e) {
      yield* buffer.drain(after);
      throw e;
    }
    yield* buffer.release(earliestInstant(shifted * MS_PER_DAY + firstMs, tz) + shiftMs, after);
    buffer.add(batch(nominal, shifted));
  }
}
