/** `explicit` schedules (SPEC 5.7): a list of instants. */
import { rawOccurrence } from './generate.js';
import type { ExplicitSchedule, RawOccurrence } from './types.js';

/** Occurrences of an explicit schedule at or after `after` (epoch ms), in time order; finite. */
export function* explicitOccurrences(schedule: ExplicitSchedule, after: number): Generator<RawOccurrence> {
  // The loader sorts the times; sorting a copy again keeps the order promise for hand-built schedules.
  const times = schedule.times.filter((t) => t >= after).sort((a, b) => a - b);
  for (const time of times) yield rawOccurrence(time);
}
