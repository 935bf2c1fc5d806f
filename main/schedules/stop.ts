/** Stop schedules (SPEC 5.8): when a run started by a `{start, stop}` item is stopped. */
import { MS_PER_DAY } from '../time/days.js';
import { offsetAt, resolveLocal, toLocal } from '../time/zones.js';
import type { StopSchedule } from './types.js';

/** Stop time (epoch ms) of a run with schedule time `scheduleTime` (epoch ms). */
export function stopTime(stop: StopSchedule, scheduleTime: number): number {
  if (stop.type === 'duration') return scheduleTime + Math.round(stop.duration * 1000);
  const { daytime, tz } = stop;
  const local = toLocal(scheduleTime, tz);
  // Same local date when the schedule's daytime is earlier than the stop daytime, else the next date.
  const day = local.seconds < daytime ? local.day : local.day + 1;
  const resolved = resolveLocal(day, daytime, tz);
  if (resolved > scheduleTime) return resolved;
  // The schedule time is the second pass through a fall-back overlap and the stop daytime repeats later in
  // it: 5.2's first occurrence is already over, so the stop is its second occurrence.
  const offset = offsetAt(scheduleTime, tz);
  const second = day * MS_PER_DAY + Math.round(daytime * 1000) - offset;
  return second > scheduleTime && offsetAt(second, tz) === offset
    ? second
    : resolveLocal(day + 1, daytime, tz);
}
