import { describe, expect, it } from 'vitest';
import { CalendarRangeError } from '../../main/calendars/calendar.js';
import { parseCalendarFile } from '../../main/calendars/file-calendar.js';
import { occurrences } from '../../main/schedules/occurrences.js';
import { at, daily, take, times, until, z } from './helpers.js';

const NY = 'America/New_York';

describe('daily schedules', () => {
  it('AC-3: New York, Mon,Wed-Fri, unsorted unpadded daytimes, date_shift -1', () => {
    const s = daily({ tz: NY, calendar: 'Mon,Wed-Fri', daytimes: ['16:00:00', '9:30:00'], dateShift: -1 });
    const cases: Array<[string, string, string]> = [
      ['2019-01-11T00:00:00-05:00', '2019-01-13T09:30:00-05:00', '2019-01-14'],
      ['2019-01-12T05:00:00-05:00', '2019-01-13T09:30:00-05:00', '2019-01-14'],
      ['2019-01-13T09:15:00-05:00', '2019-01-13T09:30:00-05:00', '2019-01-14'],
      ['2019-01-13T09:45:00-05:00', '2019-01-13T16:00:00-05:00', '2019-01-14'],
      ['2019-01-13T16:02:00-05:00', '2019-01-15T09:30:00-05:00', '2019-01-16'],
      ['2019-01-14T00:00:00-05:00', '2019-01-15T09:30:00-05:00', '2019-01-16'],
      ['2019-01-15T17:00:00-05:00', '2019-01-16T09:30:00-05:00', '2019-01-17'],
      ['2019-01-17T20:00:00-05:00', '2019-01-20T09:30:00-05:00', '2019-01-21'],
    ];
    for (const [from, time, date] of cases) {
      const [first] = take(occurrences(s, at(from)), 1);
      expect([from, first && z(first.time), first?.args['date']]).toEqual([from, z(at(time)), date]);
    }
  });

  it('AC-4: New York Mon-Fri 09:30 and 16:00 across the spring change, with args', () => {
    const s = daily({ tz: NY, calendar: 'Mon-Fri', daytimes: ['09:30:00', '16:00:00'] });
    const got = take(occurrences(s, at('2024-03-08T15:00:00-05:00')), 3);
    expect(times(got)).toEqual(['2024-03-08T21:00:00Z', '2024-03-11T13:30:00Z', '2024-03-11T20:00:00Z']);
    expect(got[0]?.args).toEqual({
      time: '2024-03-08T21:00:00+00:00',
      date: '2024-03-08',
      daytime: '16:00:00',
      calendar: 'Mon-Fri',
      tz: NY,
    });
  });

  it('AC-4: 02:30 New York runs once, shifted by the gap; 01:30 runs once in the repeated hour', () => {
    const spring = daily({ tz: NY, daytimes: ['02:30:00'] });
    expect(times(until(occurrences(spring, at('2024-03-09T00:00:00Z')), at('2024-03-12T00:00:00Z')))).toEqual(
      ['2024-03-09T07:30:00Z', '2024-03-10T07:30:00Z', '2024-03-11T06:30:00Z'],
    );
    const fall = daily({ tz: NY, daytimes: ['01:30:00'] });
    expect(times(until(occurrences(fall, at('2024-11-02T00:00:00Z')), at('2024-11-05T00:00:00Z')))).toEqual([
      '2024-11-02T05:30:00Z',
      '2024-11-03T05:30:00Z',
      '2024-11-04T06:30:00Z',
    ]);
  });

  it('orders a gap-shifted daytime after a later one, and keeps both of two that meet', () => {
    // 02:30 → 03:30 EDT (07:30Z), after 03:15 EDT (07:15Z); 02:00 and 03:00 both resolve to 07:00Z.
    const s = daily({ tz: NY, daytimes: ['02:00:00', '02:30:00', '03:00:00', '03:15:00'] });
    const got = until(occurrences(s, at('2024-03-10T00:00:00Z')), at('2024-03-10T12:00:00Z'));
    expect(got.map((o) => [z(o.time), o.args['daytime']])).toEqual([
      ['2024-03-10T07:00:00Z', '02:00:00'],
      ['2024-03-10T07:00:00Z', '03:00:00'],
      ['2024-03-10T07:15:00Z', '03:15:00'],
      ['2024-03-10T07:30:00Z', '02:30:00'],
    ]);
  });

  it('follows both London changes', () => {
    const s = daily({ tz: 'Europe/London', daytimes: ['01:30:00'] });
    const range = (from: string, to: string): string[] => times(until(occurrences(s, at(from)), at(to)));
    expect(range('2024-03-30T00:00:00Z', '2024-04-02T00:00:00Z')).toEqual([
      '2024-03-30T01:30:00Z',
      '2024-03-31T01:30:00Z', // 01:30 GMT does not exist: 02:30 BST
      '2024-04-01T00:30:00Z',
    ]);
    expect(range('2024-10-26T00:00:00Z', '2024-10-29T00:00:00Z')).toEqual([
      '2024-10-26T00:30:00Z',
      '2024-10-27T00:30:00Z', // the first 01:30 (BST)
      '2024-10-28T01:30:00Z',
    ]);
  });

  it('follows both Lord Howe changes (30-minute shift)', () => {
    const spring = daily({ tz: 'Australia/Lord_Howe', daytimes: ['02:15:00'] });
    expect(times(until(occurrences(spring, at('2024-10-04T00:00:00Z')), at('2024-10-07T00:00:00Z')))).toEqual(
      [
        '2024-10-04T15:45:00Z', // 02:15 +10:30
        '2024-10-05T15:45:00Z', // 02:15 is in the gap 02:00-02:30: 02:45 +11:00
        '2024-10-06T15:15:00Z', // 02:15 +11:00
      ],
    );
    const fall = daily({ tz: 'Australia/Lord_Howe', daytimes: ['01:45:00'] });
    expect(times(until(occurrences(fall, at('2024-04-05T00:00:00Z')), at('2024-04-08T00:00:00Z')))).toEqual([
      '2024-04-05T14:45:00Z',
      '2024-04-06T14:45:00Z', // 01:45 twice: the first (+11:00)
      '2024-04-07T15:15:00Z',
    ]);
  });

  it('runs Tokyo times without DST, and time_shift moves the instant but not the args', () => {
    const s = { ...daily({ tz: 'Asia/Tokyo', daytimes: ['09:00:00'] }), timeShift: 1800 };
    const got = take(occurrences(s, at('2024-06-01T00:00:00Z')), 2);
    expect(times(got)).toEqual(['2024-06-01T00:30:00Z', '2024-06-02T00:30:00Z']);
    expect(got[0]?.args).toMatchObject({
      time: '2024-06-01T00:00:00+00:00',
      date: '2024-06-01',
      daytime: '09:00:00',
    });
  });

  it('SPEC 5.4 example: Mon-Fri, cal_shift 1, date_shift -1: Friday runs on Sunday', () => {
    const s = daily({ tz: 'UTC', calendar: 'Mon-Fri', daytimes: ['20:00:00'], calShift: 1, dateShift: -1 });
    const got = take(occurrences(s, at('2024-06-03T00:00:00Z')), 5); // Monday
    expect(got.map((o) => [z(o.time), o.args['date'], o.args['time']])).toEqual([
      ['2024-06-03T20:00:00Z', '2024-06-03', '2024-06-03T20:00:00+00:00'],
      ['2024-06-04T20:00:00Z', '2024-06-04', '2024-06-04T20:00:00+00:00'],
      ['2024-06-05T20:00:00Z', '2024-06-05', '2024-06-05T20:00:00+00:00'],
      ['2024-06-06T20:00:00Z', '2024-06-06', '2024-06-06T20:00:00+00:00'],
      ['2024-06-09T20:00:00Z', '2024-06-07', '2024-06-07T20:00:00+00:00'],
    ]);
  });

  it('reference plan: accruals-t-plus-1 (date_shift 1) and settle-t-plus-2 (cal_shift 2)', () => {
    const t1 = daily({ tz: NY, calendar: 'Mon-Fri', daytimes: ['20:00:00'], dateShift: 1 });
    expect(
      take(occurrences(t1, at('2027-01-01T00:00:00Z')), 2).map((o) => [
        z(o.time),
        o.args['date'],
        o.args['time'],
      ]),
    ).toEqual([
      ['2027-01-01T01:00:00Z', '2026-12-30', '2026-12-31T01:00:00+00:00'],
      ['2027-01-02T01:00:00Z', '2026-12-31', '2027-01-01T01:00:00+00:00'],
    ]);
    const t2 = daily({ tz: NY, calendar: 'Mon-Fri', daytimes: ['16:00:00'], calShift: 2 });
    const got = take(occurrences(t2, at('2027-01-01T00:00:00Z')), 2);
    // Nominal Wed 2026-12-30 runs Fri 01-01; nominal Thu 12-31 runs Mon 01-04.
    expect(got.map((o) => [z(o.time), o.args['date']])).toEqual([
      ['2027-01-01T21:00:00Z', '2026-12-30'],
      ['2027-01-04T21:00:00Z', '2026-12-31'],
    ]);
  });

  it('a large negative time_shift still finds the occurrences after `after`', () => {
    const s = { ...daily({ tz: 'UTC', daytimes: ['12:00:00'] }), timeShift: -3 * 86400 };
    expect(times(take(occurrences(s, at('2024-06-10T00:00:00Z')), 1))).toEqual(['2024-06-10T12:00:00Z']);
  });

  it('ends at once on the none calendar', () => {
    expect([...occurrences(daily({ tz: NY, calendar: 'none', daytimes: ['09:00:00'] }), 0)]).toEqual([]);
  });

  it('yields what a file calendar covers, then throws CalendarRangeError', () => {
    const cal = parseCalendarFile(
      'START 2024-01-01\nSTOP 2024-01-10\n2024-01-02\n2024-01-05\n',
      'short',
      'short.cal',
    );
    if ('error' in cal) throw new Error(cal.error);
    const s = { ...daily({ tz: 'UTC', daytimes: ['10:00:00'] }), calendar: cal };
    const seen: string[] = [];
    expect(() => {
      for (const o of occurrences(s, at('2024-01-03T00:00:00Z'))) seen.push(z(o.time));
    }).toThrow(CalendarRangeError);
    expect(seen).toEqual(['2024-01-05T10:00:00Z']);
  });
});
