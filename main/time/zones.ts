/**
 * Time zone arithmetic for schedules: local date + time of day → instant (SPEC 5.2) and back.
 *
 * The IANA rules come from the Temporal polyfill. Schedules resolve hundreds of thousands of local times
 * (`apsis plan` over a year), and one Temporal conversion costs tens of microseconds, so each zone's offset
 * transitions are listed once with Temporal and then looked up by binary search.
 */
import { Temporal } from 'temporal-polyfill';
import { MS_PER_DAY } from './days.js';

const MS_PER_HOUR = 3_600_000;
const YEAR_MS = 366 * MS_PER_DAY;

/** The offsets of one zone over [lo, hi): `offsets[i]` is in force from `starts[i]` (ms) to the next start. */
class ZoneTable {
  private lo = 0;
  private hi = 0;
  private starts: number[] = [];
  private offsets: number[] = [];

  constructor(readonly name: string) {}

  /** UTC offset in ms in force at instant `ms`. */
  offsetAt(ms: number): number {
    if (this.starts.length === 0 || ms < this.lo) this.build(ms - 2 * YEAR_MS, ms + 2 * YEAR_MS);
    else if (ms >= this.hi) this.extend(ms + 2 * YEAR_MS);
    const starts = this.starts;
    let low = 0;
    let high = starts.length - 1;
    // starts[0] === lo <= ms: find the last start <= ms.
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] as number) <= ms) low = mid;
      else high = mid - 1;
    }
    return this.offsets[low] as number;
  }

  private build(lo: number, hi: number): void {
    const first = Temporal.Instant.fromEpochMilliseconds(lo).toZonedDateTimeISO(this.name);
    this.lo = lo;
    this.hi = lo;
    this.starts = [lo];
    this.offsets = [first.offsetNanoseconds / 1e6];
    this.extend(hi);
  }

  private extend(hi: number): void {
    let at: Temporal.ZonedDateTime | null = Temporal.Instant.fromEpochMilliseconds(
      this.hi,
    ).toZonedDateTimeISO(this.name);
    const last = this.offsets[this.offsets.length - 1] as number;
    let previous = last;
    while (at !== null) {
      at = at.getTimeZoneTransition('next');
      if (at === null || at.epochMilliseconds >= hi) break;
      const offset = at.offsetNanoseconds / 1e6;
      if (offset !== previous) {
        this.starts.push(at.epochMilliseconds);
        this.offsets.push(offset);
        previous = offset;
      }
    }
    this.hi = hi;
  }
}

const tables = new Map<string, ZoneTable>();

function table(tz: string): ZoneTable {
  let t = tables.get(tz);
  if (t === undefined) {
    t = new ZoneTable(canonicalZone(tz) ?? tz);
    tables.set(tz, t);
  }
  return t;
}

/** The zone's canonical spelling, or null when `tz` is not an IANA time zone name. */
export function canonicalZone(tz: string): string | null {
  if (tz.trim() === '' || tz !== tz.trim()) return null;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(tz).timeZoneId;
  } catch {
    return null;
  }
}

/** True when `tz` is an IANA time zone name (or UTC / a fixed offset). */
export function isValidTimeZone(tz: string): boolean {
  return canonicalZone(tz) !== null;
}

/** UTC offset (ms) of `tz` at instant `ms`. */
export function offsetAt(ms: number, tz: string): number {
  return table(tz).offsetAt(ms);
}

/**
 * The instant of local date `day` (day number) at `seconds` after local midnight in `tz`, per SPEC 5.2:
 * a time in a spring-forward gap is shifted forward by the gap (read with the offset in force before it);
 * a time that occurs twice resolves to its first occurrence. Always returns exactly one instant.
 * `seconds` may be outside [0, 86400): it then counts from that date's midnight on the local wall clock.
 */
export function resolveLocal(day: number, seconds: number, tz: string): number {
  const wall = day * MS_PER_DAY + Math.round(seconds * 1000);
  const t = table(tz);
  // Offsets never exceed ±26 h and zones change at most once in a day, so the offsets in force a day
  // before and a day after the wall time are the only candidates.
  const before = t.offsetAt(wall - MS_PER_DAY);
  const after = t.offsetAt(wall + MS_PER_DAY);
  const viaBefore = wall - before;
  if (before === after) return viaBefore;
  const viaAfter = wall - after;
  const beforeOk = t.offsetAt(viaBefore) === before;
  const afterOk = t.offsetAt(viaAfter) === after;
  if (beforeOk && afterOk) return Math.min(viaBefore, viaAfter); // overlap: the first occurrence
  if (beforeOk) return viaBefore;
  if (afterOk) return viaAfter;
  return viaBefore; // gap: the offset in force before the gap moves the time forward by the gap
}

export interface LocalTime {
  /** Local date as a day number. */
  day: number;
  /** Seconds since local midnight, [0, 86400). */
  seconds: number;
}

/** Local date and time of day of instant `ms` in `tz`. */
export function toLocal(ms: number, tz: string): LocalTime {
  const wall = ms + offsetAt(ms, tz);
  const day = Math.floor(wall / MS_PER_DAY);
  return { day, seconds: (wall - day * MS_PER_DAY) / 1000 };
}

/** Hours east of UTC, for display: `-05:00`. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs);
  const h = Math.floor(abs / MS_PER_HOUR);
  const m = Math.floor((abs % MS_PER_HOUR) / 60_000);
  return `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}
