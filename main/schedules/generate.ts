/**
 * Pieces shared by the schedule generators: raw occurrences, a lower bound on resolved local times, and a small
 * buffer that puts occurrences back in time order when SPEC 5.2 gap shifts reorder them.
 */
import { EmptyCalendarError } from '../calendars/calendar.js';
import { MS_PER_DAY } from '../time/days.js';
import { offsetAt } from '../time/zones.js';
import type { RawOccurrence } from './types.js';

/**
 * A lower bound on `resolveLocal` (time/zones.ts) of any local wall time >= `wall` (local ms since the
 * epoch, as `day * MS_PER_DAY + seconds * 1000`). resolveLocal subtracts an offset in force within a day of
 * the wall time; sampling both ends of [wall - 1 d, wall + 2 d] finds the largest one, since zones change
 * offset at most once in three days. Later walls need no sample: offsets never rise by more than a day.
 */
export function earliestInstant(wall: number, tz: string): number {
  return wall - Math.max(offsetAt(wall - MS_PER_DAY, tz), offsetAt(wall + 2 * MS_PER_DAY, tz));
}

/** A raw occurrence at `time` with the other fields 0, for the generator to fill. */
export function rawOccurrence(time = 0): RawOccurrence {
  return { time, argTime: time, date: 0, daytime: 0, schedDate: 0 };
}

/** Sorts a batch by time, stably (ES2019 sort), skipping the work when it is already in order. */
export function sortByTime<T extends { time: number }>(batch: T[]): T[] {
  for (let i = 1; i < batch.length; i += 1)
    if ((batch[i] as T).time < (batch[i - 1] as T).time) return batch.sort((a, b) => a.time - b.time);
  return batch;
}

/**
 * Holds occurrences until no later batch can precede them. Batches arrive sorted; the merge is stable, so on
 * equal times earlier batches (earlier nominal dates) and earlier items (earlier nominal daytimes) come first.
 */
export class OrderBuffer<T extends { time: number }> {
  private items: T[] = [];
  private head = 0;

  add(batch: T[]): void {
    if (this.head === this.items.length) this.items = batch;
    else this.items = sortByTime(this.items.slice(this.head).concat(batch));
    this.head = 0;
  }

  /** Removes and returns the earliest held occurrence if it is earlier than `bound`. */
  take(bound: number): T | undefined {
    const next = this.items[this.head];
    if (next === undefined || next.time >= bound) return undefined;
    this.head += 1;
    return next;
  }
}

/**
 * Runs `step` to navigate a calendar. Returns null when the calendar has no dates at all (the schedule then
 * simply has no occurrences); a CalendarRangeError (a file calendar ran out) propagates, so that the caller
 * can report it for the job (SPEC 5.5).
 */
export function navigate<T>(step: () => T): T | null {
  try {
    return step();
  } catch (e) {
    if (e instanceof EmptyCalendarError) return null;
    throw e;
  }
}
