/** Entry point used by the scheduler and `apsis plan`; the generators live in one module per type. */
import type { Occurrence, StartSchedule, StopSchedule } from './types.js';

/**
 * Occurrences of `schedule` with time >= `after` (epoch ms), lazily, in time order (ties keep the order
 * of SPEC 5.2 rule 4). Infinite for most types: callers bound the iteration. Never loops without yielding
 * progress. Ignores `enabled` (callers decide).
 */
export declare function occurrences(schedule: StartSchedule, after: number): Iterable<Occurrence>;

/** The stop time of a run whose schedule time is `scheduleTime` (SPEC 5.8). */
export declare function stopTime(stop: StopSchedule, scheduleTime: number): number;
