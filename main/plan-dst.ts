/**
 * What the console's forecast shows of time zones (SPEC 19.8): the UTC offset of a planned run's schedule zone at its
 * time, and whether a clock change moved it or made its local time ambiguous. Both are read from the schedule and the
 * raw occurrence the generator made, with the same arithmetic as the generators (SPEC 5.2), never estimated.
 */
import { MS_PER_DAY } from './time/days.js';
import { formatOffset, offsetAt, resolveLocal } from './time/zones.js';
import type { RawOccurrence, StartSchedule } from './schedules/types.js';

/**
 * `shifted`: the nominal local time fell in a spring-forward gap and the run was moved forward by the gap (SPEC 5.2
 * rule 2). `repeated`: the run's local time occurs twice that day (a fall-back overlap), so only the offset tells
 * which of the two it is.
 */
export type DstMark = 'shifted' | 'repeated';

/** The offset of the schedule's zone at `time` as `-05:00`, or null for a schedule without a zone. */
export function planOffset(schedule: StartSchedule, time: number): string | null {
  return 'tz' in schedule ? formatOffset(offsetAt(time, schedule.tz)) : null;
}

/** Whether the zone's offset is not the same a day before and a day after `t` (zones change at most once a day). */
function nearChange(t: number, tz: string): boolean {
  return offsetAt(t - MS_PER_DAY, tz) !== offsetAt(t + MS_PER_DAY, tz);
}

/** The local wall time (ms since the epoch, local) of instant `t`. */
function wall(t: number, tz: string): number {
  return t + offsetAt(t, tz);
}

/** The DST mark of occurrence `o` of `schedule` (o.time is the run's time), or null. */
export function dstMark(schedule: StartSchedule, o: RawOccurrence): DstMark | null {
  if (!('tz' in schedule)) return null;
  const tz = schedule.tz;
  // The instant the generator resolved from a local time: a daily schedule's time shift is added after resolving.
  const resolved = schedule.type === 'daily' ? o.time - Math.round(schedule.timeShift * 1000) : o.time;
  if (!nearChange(resolved, tz) && !nearChange(o.time, tz)) return null;
  const nominal = nominalWall(schedule, o, resolved);
  if (nominal !== null && wall(resolved, tz) !== nominal) return 'shifted';
  return isRepeated(o.time, tz) ? 'repeated' : null;
}

/**
 * The local wall time the schedule asked for, when the occurrence was resolved from one; null for a step of a
 * daily-interval window after its start (steps are elapsed time, never moved).
 */
function nominalWall(schedule: StartSchedule, o: RawOccurrence, resolved: number): number | null {
  switch (schedule.type) {
    case 'daily': {
      // The date the daytime was resolved on: the nominal date shifted in the calendar, then by days (SPEC 5.4).
      const day = schedule.calendar.shift(o.date, schedule.calShift) + schedule.dateShift;
      return day * MS_PER_DAY + Math.round(o.daytime * 1000);
    }
    case 'cron':
      return o.date * MS_PER_DAY + Math.round(o.daytime * 1000);
    case 'daily-interval': {
      const edge = schedule.start;
      const day = schedule.calendar.shift(o.date, edge.calShift) + edge.dateShift;
      // Only the window's first step is a resolved local time: the start edge.
      return resolveLocal(day, edge.daytime, schedule.tz) === resolved
        ? day * MS_PER_DAY + Math.round(edge.daytime * 1000)
        : null;
    }
    default:
      return null;
  }
}

/** Whether the local wall time of instant `t` is also the local wall time of another instant (an overlap). */
function isRepeated(t: number, tz: string): boolean {
  const own = offsetAt(t, tz);
  const local = t + own;
  for (const other of [offsetAt(t - MS_PER_DAY, tz), offsetAt(t + MS_PER_DAY, tz)])
    if (other !== own && offsetAt(local - other, tz) === other) return true;
  return false;
}
