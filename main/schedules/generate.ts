/**
 * Pieces shared by the schedule generators: explicit args, a lower bound on resolved local times, and a
 * small buffer that puts occurrences back in time order when SPEC 5.2 gap shifts reorder them.
 */
import { EmptyCalendarError } from '../calendars/calendar.js';
import { MS_PER_DAY } from '../time/days.js';
import { offsetAt } from '../time/zones.js';
import type { Args, Occurrence } from './types.js';

/** Automatic args overridden by the schedule's explicit args (SPEC 5.1). */
export function withExplicitArgs(auto: Args, explicit: Args): Args {
  return Object.keys(explicit).length === 0 ? auto : { ...auto, ...explicit };
}

/**
 * A lower bound on `resolveLocal` (time/zones.ts) of any local wall time >= `wall` (local ms since the
 * epoch, as `day * MS_PER_DAY + seconds * 1000`). resolveLocal subtracts an offset in force within a day of
 * the wall time; sampling both ends of [wall - 1 d, wall + 2 d] finds the largest one, since zones change
 * offset at most once in three days. Later walls need no sample: offsets never rise by more than a day.
 */
export function earliestInstant(wall: number, tz: string): number {
  return wall - Math.max(offsetAt(wall - MS_PER_DAY, tz), offsetAt(wall + 2 * MS_PER_DAY, tz));
}

/**
 * Holds occurrences until no later batch can precede them. Batches arrive sorted; the merge is stable, so on
 * equal times earlier batches (earlier nominal dates) and earlier items (earlier nominal daytimes) come first.
 */
export class OrderBuffer {
  private items: Occurrence[] = [];

  add(batch: Occurrence[]): void {
    if (this.items.length === 0) {
      this.items = batch;
      return;
    }
    const merged = this.items.concat(batch);
    merged.sort((a, b) => a.time - b.time); // stable (ES2019)
    this.items = merged;
  }

  /** Removes and yields, in order, the held occurrences earlier than `bound` and not earlier than `after`. */
  *release(bound: number, after: number): Generator<Occurrence> {
    let n = 0;
    while (n < this.items.length && (this.items[n] as Occurrence).time < bound) n += 1;
    if (n === 0) return;
    const out = this.items.slice(0, n);
    this.items = this.items.slice(n);
    for (const o of out) if (o.time >= after) yield o;
  }

  /** Yields everything held (from `after` on). */
  *drain(after: number): Generator<Occurrence> {
    yield* this.release(Infinity, after);
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
