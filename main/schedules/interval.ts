/** `interval` schedules (SPEC 5.3): fixed steps counted from 0001-01-01T00:00:00Z, no time zone. */
import { MS_PER_DAY } from '../time/days.js';
import { rawOccurrence } from './generate.js';
import type { IntervalSchedule, RawOccurrence } from './types.js';

/** 0001-01-01T00:00:00Z, Apsis's origin: it differs from the UNIX epoch for intervals that do not divide a day. */
const INTERVAL_ORIGIN_MS = -62_135_596_800_000;

/** Occurrences of an interval schedule at or after `after` (epoch ms), endless; yields one record, refilled. */
export function* intervalOccurrences(schedule: IntervalSchedule, after: number): Generator<RawOccurrence> {
  // Whole milliseconds, so that `origin + phase + n * step` is exact integer arithmetic: float seconds such
  // as 1.1 h = 3960.0000000000005 s would otherwise drift.
  const step = Math.round(schedule.interval * 1000);
  if (!(step > 0)) return;
  const base = INTERVAL_ORIGIN_MS + Math.round(schedule.phase * 1000);
  const from = Math.ceil(after);
  const rest = (((from - base) % step) + step) % step;
  const o = rawOccurrence();
  for (let time = rest === 0 ? from : from + step - rest; ; time += step) {
    // The date and daytime args are UTC.
    const day = Math.floor(time / MS_PER_DAY);
    o.time = time;
    o.argTime = time;
    o.date = day;
    o.daytime = (time - day * MS_PER_DAY) / 1000;
    yield o;
  }
}
