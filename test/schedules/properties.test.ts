/**
 * Properties of every generator: output sorted and >= `after`; generation from a later point b yields exactly
 * the suffix from b; and, for daily, daily-interval and cron, the same occurrences as a brute-force reference
 * that computes every nominal occurrence of a wide date range and sorts them (stable: nominal order on ties).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { occurrences } from '../../main/schedules/occurrences.js';
import type {
  DailyIntervalSchedule,
  DailySchedule,
  Occurrence,
  StartSchedule,
} from '../../main/schedules/types.js';
import { MS_PER_DAY } from '../../main/time/days.js';
import { resolveLocal, toLocal } from '../../main/time/zones.js';
import { at, calendar, cron, cronerInstants, until, ZONES } from './helpers.js';

const CALENDARS = ['all', 'Mon-Fri', 'Tue,Thu', 'Sat', 'Fri-Mon'];
/** Around clock changes of the zones above, and a quiet date. */
const ANCHORS = [
  '2024-03-10T07:00:00Z',
  '2024-11-03T06:00:00Z',
  '2024-03-31T01:00:00Z',
  '2024-10-27T01:00:00Z',
  '2024-04-06T15:00:00Z',
  '2024-10-05T15:30:00Z',
  '2024-04-07T03:00:00Z',
  '2024-09-08T04:00:00Z',
  '2024-07-15T12:00:00Z',
].map(at);

const zone = fc.constantFrom(...ZONES);
const cal = fc.constantFrom(...CALENDARS).map(calendar);
/** Daytimes on a quarter-hour grid, so that they often fall in gaps and overlaps. */
const daytime = fc.integer({ min: 0, max: 95 }).map((q) => q * 900);
const instant = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -4 * MS_PER_DAY, max: 4 * MS_PER_DAY }))
  .map(([a, d]) => a + d);
/** a <= b <= c, at most about nine days apart. */
const points = fc
  .tuple(instant, fc.integer({ min: 0, max: 5 * MS_PER_DAY }), fc.integer({ min: 0, max: 4 * MS_PER_DAY }))
  .map(([a, ab, bc]) => [a, a + ab, a + ab + bc] as const);

const dailyArb: fc.Arbitrary<DailySchedule> = fc.record({
  type: fc.constant('daily' as const),
  tz: zone,
  daytimes: fc.uniqueArray(daytime, { minLength: 1, maxLength: 4 }).map((ys) => ys.sort((x, y) => x - y)),
  calendar: cal,
  dateShift: fc.integer({ min: -3, max: 3 }),
  calShift: fc.integer({ min: -3, max: 3 }),
  timeShift: fc.integer({ min: -48, max: 48 }).map((h) => h * 1800),
  enabled: fc.constant(true),
  args: fc.constant({}),
});

const edgeArb = fc.record({
  daytime,
  dateShift: fc.integer({ min: -1, max: 2 }),
  calShift: fc.integer({ min: -1, max: 2 }),
});

const dailyIntervalArb: fc.Arbitrary<DailyIntervalSchedule> = fc.record({
  type: fc.constant('daily-interval' as const),
  tz: zone,
  calendar: cal,
  start: edgeArb,
  stop: edgeArb,
  interval: fc.constantFrom(600, 1800, 3600, 5400, 7200, 10_000, 43_200),
  enabled: fc.constant(true),
  args: fc.constant({}),
});

const EXPRS = [
  '30 2 * * *',
  '*/30 * * * *',
  '0 1-3 * * *',
  '15 0 13 * FRI',
  '0 0 * * sun',
  '45 1,2 * * *',
  '0 30 23 * * *',
];
const cronArb = fc.tuple(fc.constantFrom(...EXPRS), zone).map(([e, tz]) => cron(e, tz));

const intervalArb: fc.Arbitrary<StartSchedule> = fc
  .tuple(
    fc.constantFrom(60, 600, 3600, 5400, 9000, 86_400, 108_000, 604_800, 337.5, 3960),
    fc.double({ min: 0, max: 0.999, noNaN: true }),
  )
  .map(([interval, f]) => ({
    type: 'interval',
    interval,
    phase: Math.floor(interval * f),
    enabled: true,
    args: {},
  }));

const explicitArb: fc.Arbitrary<StartSchedule> = fc
  .array(instant, { maxLength: 8 })
  .map((ts) => ({ type: 'explicit', times: ts.sort((x, y) => x - y), enabled: true, args: {} }));

const anySchedule = fc.oneof(dailyArb, dailyIntervalArb, cronArb, intervalArb, explicitArb);

const key = (os: Occurrence[]): string[] => os.map((o) => `${o.time} ${JSON.stringify(o.args)}`);

/** Stable sort by time, then the range [a, c). */
function window(all: Occurrence[], a: number, c: number): Occurrence[] {
  return all.sort((x, y) => x.time - y.time).filter((o) => o.time >= a && o.time < c);
}

function bruteDaily(s: DailySchedule, a: number, c: number): Occurrence[] {
  const all: Occurrence[] = [];
  for (let d = toLocal(a, s.tz).day - 40; d <= toLocal(c, s.tz).day + 40; d += 1) {
    if (!s.calendar.contains(d)) continue;
    const shifted = s.calendar.shift(d, s.calShift) + s.dateShift;
    for (const y of s.daytimes)
      all.push({ time: resolveLocal(shifted, y, s.tz) + s.timeShift * 1000, args: {} });
  }
  return window(all, a, c);
}

function bruteDailyInterval(s: DailyIntervalSchedule, a: number, c: number): Occurrence[] {
  const all: Occurrence[] = [];
  for (let d = toLocal(a, s.tz).day - 24; d <= toLocal(c, s.tz).day + 24; d += 1) {
    if (!s.calendar.contains(d)) continue;
    const start = resolveLocal(
      s.calendar.shift(d, s.start.calShift) + s.start.dateShift,
      s.start.daytime,
      s.tz,
    );
    const stop = resolveLocal(s.calendar.shift(d, s.stop.calShift) + s.stop.dateShift, s.stop.daytime, s.tz);
    for (let t = start; t < stop; t += s.interval * 1000) all.push({ time: t, args: {} });
  }
  return window(all, a, c);
}

function bruteCron(expr: string, tz: string, a: number, c: number): Occurrence[] {
  return window(
    cronerInstants(expr, tz, a, c).map((time) => ({ time, args: {} })),
    a,
    c,
  );
}

const timesOf = (os: Occurrence[]): number[] => os.map((o) => o.time);

describe('schedule generator properties', () => {
  it('sorted, >= after, and the suffix from any later point', () => {
    fc.assert(
      fc.property(anySchedule, points, (s, [a, b, c]) => {
        const whole = until(occurrences(s, a), c);
        for (const [i, o] of whole.entries()) {
          expect(o.time).toBeGreaterThanOrEqual(a);
          if (i > 0) expect(o.time).toBeGreaterThanOrEqual((whole[i - 1] as Occurrence).time);
        }
        const split = [...until(occurrences(s, a), b), ...until(occurrences(s, b), c)];
        expect(key(split)).toEqual(key(whole));
      }),
      { numRuns: 400 },
    );
  });

  it('daily matches the brute-force reference', () => {
    fc.assert(
      fc.property(dailyArb, points, (s, [a, , c]) => {
        expect(timesOf(until(occurrences(s, a), c))).toEqual(timesOf(bruteDaily(s, a, c)));
      }),
      { numRuns: 400 },
    );
  });

  it('daily-interval matches the brute-force reference', () => {
    fc.assert(
      fc.property(dailyIntervalArb, points, (s, [a, , c]) => {
        expect(timesOf(until(occurrences(s, a), c))).toEqual(timesOf(bruteDailyInterval(s, a, c)));
      }),
      { numRuns: 400 },
    );
  });

  it('cron matches the brute-force reference', () => {
    fc.assert(
      fc.property(cronArb, points, (s, [a, , c]) => {
        expect(timesOf(until(occurrences(s, a), c))).toEqual(timesOf(bruteCron(s.expr, s.tz, a, c)));
      }),
      { numRuns: 200 },
    );
  });

  it('terminates on the none calendar whatever the shifts', () => {
    const none = calendar('none');
    fc.assert(
      fc.property(fc.oneof(dailyArb, dailyIntervalArb), instant, (s, a) => {
        expect([...occurrences({ ...s, calendar: none }, a)]).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
