// The cached text of time/ (plan writes a million times a year) against Date's own formatting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, dayText, formatDay } from '../../main/time/days.js';
import { daytimeText, formatDaytime } from '../../main/time/daytime.js';
import { formatArgTime, formatIso } from '../../main/time/instants.js';

/** The arg time format as Date writes it: fractional seconds only when non-zero. */
function argTimeByDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${frac === '000' ? '' : `.${frac.replace(/0+$/, '')}`}+00:00`;
}

/** Instants across and beyond years 1 to 9999, whole seconds, whole and fractional milliseconds. */
const instant = fc.oneof(
  fc.integer({ min: -70_000_000_000_000, max: 260_000_000_000_000 }),
  fc.integer({ min: -1e9, max: 4e9 }).map((s) => s * 1000),
  fc.integer({ min: -100, max: 100 }).map((d) => Date.parse('0001-01-01T00:00:00Z') + d * 999),
  fc.constantFrom(
    Date.parse('0001-01-01T00:00:00Z') - 1,
    Date.parse('0001-01-01T00:00:00Z'),
    Date.parse('9999-12-31T23:59:59.999Z'),
    Date.parse('9999-12-31T23:59:59.999Z') + 1,
    -0,
    0,
  ),
  fc.double({ min: -1e15, max: 1e15, noNaN: true }),
);

describe('time text', () => {
  it('formatIso and formatArgTime write what Date writes', () => {
    fc.assert(
      fc.property(instant, (t) => {
        expect(formatIso(t)).toBe(new Date(t).toISOString());
        expect(formatArgTime(t)).toBe(argTimeByDate(t));
        const day = Math.floor(t / MS_PER_DAY);
        expect(dayText(day)).toBe(formatDay(day));
      }),
      { numRuns: 5000 },
    );
    for (const s of [0, 59.5, 3600, 86_399, 45_296.25]) expect(daytimeText(s)).toBe(formatDaytime(s));
    expect(() => formatIso(Number.NaN)).toThrow(RangeError);
    expect(() => formatArgTime(Number.NaN)).toThrow(RangeError);
  });
});
