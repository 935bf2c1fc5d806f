import { describe, expect, it } from 'vitest';
import { occurrences } from '../../main/schedules/occurrences.js';
import { at, interval, take, times } from './helpers.js';

describe('interval schedules', () => {
  it('AC-1: 10m with phase 2m from 07:33Z, with time, date and daytime args', () => {
    const got = take(occurrences(interval(600, 120), at('2019-11-13T07:33:00Z')), 4);
    expect(times(got)).toEqual([
      '2019-11-13T07:42:00Z',
      '2019-11-13T07:52:00Z',
      '2019-11-13T08:02:00Z',
      '2019-11-13T08:12:00Z',
    ]);
    expect(got[0]?.args).toEqual({
      time: '2019-11-13T07:42:00+00:00',
      date: '2019-11-13',
      daytime: '07:42:00',
    });
  });

  it('AC-1: 1h with phase 15m; an occurrence exactly at `after` is included', () => {
    const first = (from: string): string[] => times(take(occurrences(interval(3600, 900), at(from)), 1));
    expect(first('2019-11-13T07:05:00Z')).toEqual(['2019-11-13T07:15:00Z']);
    expect(first('2019-11-13T07:14:59Z')).toEqual(['2019-11-13T07:15:00Z']);
    expect(first('2019-11-13T07:15:00Z')).toEqual(['2019-11-13T07:15:00Z']);
    expect(first('2019-11-13T07:25:00Z')).toEqual(['2019-11-13T08:15:00Z']);
  });

  it('counts from 0001-01-01T00:00Z, as Apsis does (reference plan 2027)', () => {
    // etl/extract-fx-rates: 30h, phase 2h.
    expect(times(take(occurrences(interval(30 * 3600, 7200), at('2027-01-01T00:00:00Z')), 2))).toEqual([
      '2027-01-01T08:00:00Z',
      '2027-01-02T14:00:00Z',
    ]);
    // etl/compact-warehouse: 7d, phase 76h is Thursdays 04:00Z (0001-01-01 was a Monday).
    expect(times(take(occurrences(interval(7 * 86400, 76 * 3600), at('2027-01-01T00:00:00Z')), 2))).toEqual([
      '2027-01-07T04:00:00Z',
      '2027-01-14T04:00:00Z',
    ]);
  });

  it('keeps whole milliseconds for fractional durations', () => {
    // 2.5h with phase 1234 s (etl/refresh-dim-customers), and 1.1 h, which is not exact in binary.
    for (const [step, phase] of [
      [2.5 * 3600, 1234],
      [1.1 * 3600, 0.1 * 3600],
    ] as const) {
      const got = take(occurrences(interval(step, phase), at('2027-03-01T00:00:00Z')), 50);
      for (const [i, o] of got.entries()) {
        expect(Number.isInteger(o.time)).toBe(true);
        if (i > 0) expect(o.time - (got[i - 1]?.time ?? 0)).toBe(Math.round(step * 1000));
      }
    }
    const [first] = take(occurrences(interval(9000, 1234), at('2027-01-01T00:00:00Z')), 1);
    expect(first?.args['daytime']).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it('ignores time zones across DST changes (UTC args)', () => {
    const got = take(occurrences(interval(3600), at('2024-03-10T05:30:00Z')), 3);
    expect(times(got)).toEqual(['2024-03-10T06:00:00Z', '2024-03-10T07:00:00Z', '2024-03-10T08:00:00Z']);
    expect(got.map((o) => o.args['daytime'])).toEqual(['06:00:00', '07:00:00', '08:00:00']);
  });

  it('lets explicit args override automatic ones', () => {
    const [first] = take(
      occurrences(interval(3600, 0, { date: 'fixed', host: 'a' }), at('2024-01-01T00:00:00Z')),
      1,
    );
    expect(first?.args).toEqual({
      time: '2024-01-01T00:00:00+00:00',
      date: 'fixed',
      daytime: '00:00:00',
      host: 'a',
    });
  });
});
