/** Entry points used by the scheduler and `apsis plan`; the generators live in one module per type. */
import { argsBuilder } from './args.js';
import { cronOccurrences } from './cron.js';
import { dailyIntervalOccurrences } from './daily-interval.js';
import { dailyOccurrences } from './daily.js';
import { explicitOccurrences } from './explicit.js';
import { intervalOccurrences } from './interval.js';
import type { Occurrence, RawOccurrence, StartSchedule } from './types.js';

export { stopTime } from './stop.js';

/**
 * Occurrences of `schedule` with time >= `after` (epoch ms), lazily, in time order (ties keep the order
 * of SPEC 5.2 rule 4). Infinite for most types: callers bound the iteration. Never loops without yielding
 * progress. Ignores `enabled` (callers decide). A file calendar that runs out ends the iteration with a
 * CalendarRangeError (SPEC 5.5: the caller reports it for the job).
 */
export function* occurrences(schedule: StartSchedule, after: number): Generator<Occurrence> {
  const args = argsBuilder(schedule);
  for (const o of rawOccurrences(schedule, after)) yield { time: o.time, args: args(o) };
}

/**
 * `occurrences` as raw records (args.ts turns one into args). A generator may yield the same record again,
 * refilled: read it before asking for the next.
 */
export function rawOccurrences(schedule: StartSchedule, after: number): Iterable<RawOccurrence> {
  switch (schedule.type) {
    case 'interval':
      return intervalOccurrences(schedule, after);
    case 'daily':
      return dailyOccurrences(schedule, after);
    case 'daily-interval':
      return dailyIntervalOccurrences(schedule, after);
    case 'explicit':
      return explicitOccurrences(schedule, after);
    case 'cron':
      return cronOccurrences(schedule, after);
  }
}
