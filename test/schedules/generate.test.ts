import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argTimeText, dayText, daytimeText, earliestInstant } from '../../main/schedules/generate.js';
import { MS_PER_DAY, formatDay } from '../../main/time/days.js';
import { formatDaytime } from '../../main/time/daytime.js';
import { formatArgTime } from '../../main/time/instants.js';
import { resolveLocal } from '../../main/time/zones.js';

const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Tokyo',
  'UTC',
  'Pacific/Apia',
  'America/Santiago',
];

describe('generator helpers', () => {
  it('cached arg text equals the time/ formatters', () => {
    const ms = fc.oneof(
      fc.integer({ min: -70_000_000_000_000, max: 260_000_000_000_000 }),
      fc.integer({ min: -1e9, max: 4e9 }).map((s) => s * 1000),
    );
    fc.assert(
      fc.property(ms, (t) => {
        expect(argTimeText(t)).toBe(formatArgTime(t));
        const day = Math.floor(t / MS_PER_DAY);
        expect(dayText(day)).toBe(formatDay(day));
      }),
      { numRuns: 3000 },
    );
    for (const s of [0, 59.5, 3600, 86_399, 45_296.25]) expect(daytimeText(s)).toBe(formatDaytime(s));
  });

  it('earliestInstant bounds every later local time from below', () => {
    // Around the Samoa date-line jump of 2011-12-30 (+24 h) and ordinary clock changes.
    const wall = fc.integer({ min: 14_000, max: 21_000 }).map((d) => d * MS_PER_DAY);
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        wall,
        fc.integer({ min: 0, max: 3 * 86_400 - 1 }),
        (tz, w, later) => {
          const day = Math.floor((w + later * 1000) / MS_PER_DAY);
          const seconds = (w + later * 1000 - day * MS_PER_DAY) / 1000;
          expect(resolveLocal(day, seconds, tz)).toBeGreaterThanOrEqual(earliestInstant(w, tz));
        },
      ),
      { numRuns: 3000 },
    );
    const apia = Date.UTC(2011, 11, 29);
    for (let s = 0; s < 3 * 86_400; s += 900)
      expect(resolveLocal(Math.floor(apia / MS_PER_DAY), s, 'Pacific/Apia')).toBeGreaterThanOrEqual(
        earliestInstant(apia, 'Pacific/Apia'),
      );
  });
});
