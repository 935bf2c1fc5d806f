import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { earliestInstant } from '../../main/schedules/generate.js';
import { MS_PER_DAY } from '../../main/time/days.js';
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
