/** Entry point used by the scheduler and `apsis plan`; the generators live in one module per type. */
import { cronOccurrences } from './cron.js';
import { dailyIntervalOccurrences } from './daily-interval.js';
import { dailyOccurrences } from './daily.js';
import { explicitOccurrences } from './explicit.js';
import { intervalOccurrences } from './interval.js';
import type { Occurrence, StartSchedule } from './types.js';

export { stopTime } from './stop.js';

/**
 * Occurrences of `schedule` with time >= `after` (epoch ms), lazily, in time order (ties keep the order
 * of SPEC 5.2 rule 4). Infinite for most types: callers bound the iteration. Never loops without yielding
 * progress. Ignores `enabled` (callers decide). A file calendar that runs out ends the iteration with a
 * CalendarRangeError (SPEC 5.5: the caller reports it for the job).
 */
export function occurrences(schedule: StartSchedule, after: number): Iterable<Occurrence> {
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
