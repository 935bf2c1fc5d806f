/**
 * Pieces shared by the schedule generators: explicit args, arg text, a lower bound on resolved local times,
 * and a small buffer that puts occurrences back in time order when SPEC 5.2 gap shifts reorder them.
 */
import { EmptyCalendarError } from '../calendars/calendar.js';
import { MS_PER_DAY, dayFromYmd, formatDay } from '../time/days.js';
import { formatDaytime } from '../time/daytime.js';
import { formatArgTime } from '../time/instants.js';
import { offsetAt } from '../time/zones.js';
import type { Args, Occurrence } from './types.js';

/** A function laying the schedule's explicit args over automatic args (SPEC 5.1); identity when there are none. */
export function explicitArgs(explicit: Args): (auto: Args) => Args {
  if (Object.keys(explicit).length === 0) return (auto) => auto;
  return (auto) => Object.assign(auto, explicit);
}

// `apsis plan` formats several args for each of about a million occurrences a year: the same few dates and
// daytimes recur, so their text is kept rather than rebuilt with Date and padStart each time.
const dayTexts = new Map<number, string>();
const daytimeTexts: Array<string | undefined> = new Array<string | undefined>(86_400);
const FIRST_MS = dayFromYmd(1, 1, 1) * MS_PER_DAY;
const LAST_MS = dayFromYmd(10_000, 1, 1) * MS_PER_DAY;

/** `YYYY-MM-DD` of a day number (formatDay, cached). */
export function dayText(day: number): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    if (dayTexts.size >= 100_000) dayTexts.clear();
    text = formatDay(day);
    dayTexts.set(day, text);
  }
  return text;
}

/** `HH:MM:SS` of seconds since midnight (formatDaytime, cached for whole seconds). */
export function daytimeText(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds >= 86_400) return formatDaytime(seconds);
  return (daytimeTexts[seconds] ??= formatDaytime(seconds));
}

/** The arg time format of SPEC 5.2; the same text as formatArgTime, built from cached parts. */
export function argTimeText(ms: number): string {
  if (ms % 1000 !== 0 || ms < FIRST_MS || ms >= LAST_MS) return formatArgTime(ms);
  const day = Math.floor(ms / MS_PER_DAY);
  return `${dayText(day)}T${daytimeText((ms - day * MS_PER_DAY) / 1000)}+00:00`;
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

/** Sorts a batch by time, stably (ES2019 sort), skipping the work when it is already in order. */
export function sortByTime(batch: Occurrence[]): Occurrence[] {
  for (let i = 1; i < batch.length; i += 1)
    if ((batch[i] as Occurrence).time < (batch[i - 1] as Occurrence).time)
      return batch.sort((a, b) => a.time - b.time);
  return batch;
}

/**
 * Holds occurrences until no later batch can precede them. Batches arrive sorted; the merge is stable, so on
 * equal times earlier batches (earlier nominal dates) and earlier items (earlier nominal daytimes) come first.
 */
export class OrderBuffer {
  private items: Occurrence[] = [];
  private head = 0;

  add(batch: Occurrence[]): void {
    if (this.head === this.items.length) this.items = batch;
    else this.items = sortByTime(this.items.slice(this.head).concat(batch));
    this.head = 0;
  }

  /** Removes and returns the earliest held occurrence if it is earlier than `bound`. */
  take(bound: number): Occurrence | undefined {
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
