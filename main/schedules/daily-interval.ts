/** `daily-interval` schedules (SPEC 5.6): steps of elapsed time inside a window per calendar date. */
import type { Calendar } from '../calendars/calendar.js';
import { MS_PER_DAY } from '../time/days.js';
import { offsetAt, resolveLocal, toLocal } from '../time/zones.js';
import { navigate, rawOccurrence } from './generate.js';
import type { DailyIntervalSchedule, RawOccurrence, WindowEdge } from './types.js';

/**
 * Consecutive nominal dates whose windows are all empty before we conclude that every window is (for example
 * a stop daytime before the start daytime): windows only change length around clock changes.
 */
const MAX_EMPTY_WINDOWS = 1000;

/** One nominal date's window, stepped through. */
interface Window {
  nominal: number;
  /** The window start: no step of this or a later window precedes it. */
  start: number;
  next: number;
  stop: number;
}

function edge(calendar: Calendar, day: number, e: WindowEdge, tz: string): number {
  return resolveLocal(calendar.shift(day, e.calShift) + e.dateShift, e.daytime, tz);
}

const byNext = (a: Window, b: Window): number => a.next - b.next || a.nominal - b.nominal;

/**
 * Occurrences of a daily-interval schedule at or after `after` (epoch ms), in time order even when windows
 * of consecutive dates overlap. Endless unless the calendar is empty or every window is; throws
 * CalendarRangeError when a file calendar runs out (after yielding the steps of the windows already open).
 */
export function* dailyIntervalOccurrences(
  schedule: DailyIntervalSchedule,
  after: number,
): Generator<RawOccurrence> {
  const { calendar, tz } = schedule;
  const o = rawOccurrence();
  /** Fills the one record this generator yields: sched_date and daytime are the local date and time of day. */
  const occurrence = (w: Window, time: number): RawOccurrence => {
    const wall = time + offsetAt(time, tz);
    const day = Math.floor(wall / MS_PER_DAY);
    o.time = time;
    o.argTime = time;
    o.date = w.nominal;
    o.schedDate = day;
    o.daytime = (wall - day * MS_PER_DAY) / 1000;
    return o;
  };
  const step = Math.round(schedule.interval * 1000);
  if (!(step > 0)) return;

  const open = (day: number): Window => {
    const start = edge(calendar, day, schedule.start, tz);
    // Skip whole steps before `after` rather than walking them.
    const skip = start < after ? Math.ceil((after - start) / step) : 0;
    return {
      nominal: day,
      start,
      next: start + skip * step,
      stop: edge(calendar, day, schedule.stop, tz),
    };
  };

  // Window stops increase with the nominal date, so the first window that may end after `after` is the first
  // date whose stop edge falls on or after the local date of `after` less one (a gap shift can carry an edge
  // past midnight).
  const earliest = toLocal(after, tz).day - 1 - schedule.stop.dateShift;
  const first = navigate(() => open(calendar.shift(calendar.after(earliest), -schedule.stop.calShift)));
  if (first === null) return;

  // Windows are opened in nominal date order and their starts increase with the date: the earliest open step
  // is due once it is not after the start of the next window to open (on a tie the earlier date goes first).
  const active: Window[] = [];
  let pending = first;
  let empty = 0;
  for (;;) {
    let head = active[0];
    while (head === undefined || pending.start < head.next) {
      if (pending.next < pending.stop) {
        active.push(pending);
        active.sort(byNext);
        empty = 0;
      } else if (++empty > MAX_EMPTY_WINDOWS && active.length === 0) return;
      try {
        pending = open(calendar.after(pending.nominal + 1));
      } catch (e) {
        // A file calendar ran out: what is open is still right, later windows are unknown.
        const rest: Array<[number, Window]> = [];
        for (const w of active) for (let t = w.next; t < w.stop; t += step) rest.push([t, w]);
        rest.sort((a, b) => a[0] - b[0] || a[1].nominal - b[1].nominal);
        for (const [t, w] of rest) yield occurrence(w, t);
        throw e;
      }
      head = active[0];
    }
    yield occurrence(head, head.next);
    head.next += step;
    if (head.next >= head.stop) active.shift();
    else if (active.length > 1) active.sort(byNext);
  }
}
