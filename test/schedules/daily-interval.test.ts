import { describe, expect, it } from 'vitest';
import { occurrences } from '../../main/schedules/occurrences.js';
import { at, dailyInterval, edge, take, times, until, z } from './helpers.js';

const NY = 'America/New_York';
const zs = (...isos: string[]): string[] => isos.map((s) => z(at(s)));

describe('daily-interval schedules', () => {
  it('AC-5 (a): Mon-Fri 22:00 to 23:59:59 every 300 s, over a weekend', () => {
    const s = dailyInterval({
      tz: NY,
      calendar: 'Mon-Fri',
      start: edge('22:00:00'),
      stop: edge('23:59:59'),
      interval: 300,
    });
    expect(times(take(occurrences(s, at('2022-06-10T23:45:00-04:00')), 5))).toEqual(
      zs(
        '2022-06-10T23:45:00-04:00',
        '2022-06-10T23:50:00-04:00',
        '2022-06-10T23:55:00-04:00',
        '2022-06-13T22:00:00-04:00',
        '2022-06-13T22:05:00-04:00',
      ),
    );
  });

  it('AC-5 (b): 01:15 to 03:30 every 30 min across the New York spring change', () => {
    const s = dailyInterval({ tz: NY, start: edge('01:15:00'), stop: edge('03:30:00'), interval: 1800 });
    const got = until(occurrences(s, at('2023-03-11T00:00:00-05:00')), at('2023-03-14T00:00:00-04:00'));
    expect(times(got)).toEqual(
      zs(
        '2023-03-11T01:15:00-05:00',
        '2023-03-11T01:45:00-05:00',
        '2023-03-11T02:15:00-05:00',
        '2023-03-11T02:45:00-05:00',
        '2023-03-11T03:15:00-05:00',
        '2023-03-12T01:15:00-05:00',
        '2023-03-12T01:45:00-05:00',
        '2023-03-12T03:15:00-04:00',
        '2023-03-13T01:15:00-04:00',
        '2023-03-13T01:45:00-04:00',
        '2023-03-13T02:15:00-04:00',
        '2023-03-13T02:45:00-04:00',
        '2023-03-13T03:15:00-04:00',
      ),
    );
    // Local daytimes follow the clock: the third step of 03-12 reads 03:15.
    expect(got.slice(5, 8).map((o) => [o.args['date'], o.args['sched_date'], o.args['daytime']])).toEqual([
      ['2023-03-12', '2023-03-12', '01:15:00'],
      ['2023-03-12', '2023-03-12', '01:45:00'],
      ['2023-03-12', '2023-03-12', '03:15:00'],
    ]);
  });

  it('AC-5 (c): a window start in the gap is shifted forward, the date is kept', () => {
    const s = dailyInterval({ tz: NY, start: edge('02:15:00'), stop: edge('05:00:00'), interval: 1800 });
    const got = until(occurrences(s, at('2023-03-12T00:00:00-05:00')), at('2023-03-12T12:00:00-04:00'));
    expect(times(got)).toEqual(
      zs(
        '2023-03-12T03:15:00-04:00',
        '2023-03-12T03:45:00-04:00',
        '2023-03-12T04:15:00-04:00',
        '2023-03-12T04:45:00-04:00',
      ),
    );
  });

  it('AC-5 (d): overnight windows with a date-shifted stop; no nominal weekend window', () => {
    const s = dailyInterval({
      tz: NY,
      calendar: 'Mon-Fri',
      start: edge('21:00:00'),
      stop: edge('05:00:00', { dateShift: 1 }),
      interval: 7200,
    });
    const got = take(occurrences(s, at('2022-11-03T22:00:00-04:00')), 8);
    expect(times(got)).toEqual(
      zs(
        '2022-11-03T23:00:00-04:00',
        '2022-11-04T01:00:00-04:00',
        '2022-11-04T03:00:00-04:00',
        '2022-11-04T21:00:00-04:00',
        '2022-11-04T23:00:00-04:00',
        '2022-11-05T01:00:00-04:00',
        '2022-11-05T03:00:00-04:00',
        '2022-11-07T21:00:00-05:00',
      ),
    );
    expect(got[1]?.args).toEqual({
      time: '2022-11-04T05:00:00+00:00',
      date: '2022-11-03',
      sched_date: '2022-11-04',
      daytime: '01:00:00',
      calendar: 'Mon-Fri',
      tz: NY,
    });
  });

  it('AC-5 (e): both edges cal_shift 1: nominal Thursday runs Friday, nominal Friday runs Monday', () => {
    const s = dailyInterval({
      tz: NY,
      calendar: 'Mon-Fri',
      start: edge('12:00', { calShift: 1 }),
      stop: edge('18:00', { calShift: 1 }),
      interval: 7200,
    });
    const got = take(occurrences(s, at('2022-11-04T13:00:00-04:00')), 3);
    expect(got.map((o) => [z(o.time), o.args['date']])).toEqual([
      [z(at('2022-11-04T14:00:00-04:00')), '2022-11-03'],
      [z(at('2022-11-04T16:00:00-04:00')), '2022-11-03'],
      [z(at('2022-11-07T12:00:00-05:00')), '2022-11-04'],
    ]);
  });

  it('a window spanning the New York fall-back hour gets the extra steps', () => {
    const s = dailyInterval({ tz: NY, start: edge('00:30'), stop: edge('03:00'), interval: 1800 });
    const got = until(occurrences(s, at('2023-11-05T00:00:00-04:00')), at('2023-11-05T12:00:00-05:00'));
    expect(got.map((o) => [z(o.time), o.args['daytime']])).toEqual([
      ['2023-11-05T04:30:00Z', '00:30:00'],
      ['2023-11-05T05:00:00Z', '01:00:00'],
      ['2023-11-05T05:30:00Z', '01:30:00'],
      ['2023-11-05T06:00:00Z', '01:00:00'],
      ['2023-11-05T06:30:00Z', '01:30:00'],
      ['2023-11-05T07:00:00Z', '02:00:00'],
      ['2023-11-05T07:30:00Z', '02:30:00'],
    ]);
  });

  it('reference plan: overnight-batch-watch windows across the 2027 US changes', () => {
    // 22:00 to 04:00 date_shift 1, every 90 min: 4 runs on 2027-03-13, 5 on 2027-11-06.
    const s = dailyInterval({
      tz: NY,
      start: edge('22:00'),
      stop: edge('04:00', { dateShift: 1 }),
      interval: 5400,
    });
    const window = (from: string, to: string): string[] => times(until(occurrences(s, at(from)), at(to)));
    expect(window('2027-03-14T00:00:00Z', '2027-03-14T12:00:00Z')).toEqual([
      '2027-03-14T03:00:00Z',
      '2027-03-14T04:30:00Z',
      '2027-03-14T06:00:00Z',
      '2027-03-14T07:30:00Z',
    ]);
    expect(window('2027-11-07T00:00:00Z', '2027-11-07T12:00:00Z')).toEqual([
      '2027-11-07T02:00:00Z',
      '2027-11-07T03:30:00Z',
      '2027-11-07T05:00:00Z',
      '2027-11-07T06:30:00Z',
      '2027-11-07T08:00:00Z',
    ]);
  });

  it('starts from a window that began the day before', () => {
    const s = dailyInterval({
      tz: NY,
      start: edge('22:00'),
      stop: edge('04:00', { dateShift: 1 }),
      interval: 3600,
    });
    const [first] = take(occurrences(s, at('2024-06-05T02:30:00-04:00')), 1);
    expect([first && z(first.time), first?.args['date'], first?.args['sched_date']]).toEqual([
      z(at('2024-06-05T03:00:00-04:00')),
      '2024-06-04',
      '2024-06-05',
    ]);
  });

  it('merges overlapping windows of consecutive dates in time order', () => {
    // 36-hour windows every 12 h: each instant belongs to two windows, earlier nominal date first.
    const s = dailyInterval({
      tz: 'UTC',
      start: edge('00:00'),
      stop: edge('12:00', { dateShift: 1 }),
      interval: 43200,
    });
    const got = take(occurrences(s, at('2024-01-02T00:00:00Z')), 5);
    expect(got.map((o) => [z(o.time), o.args['date']])).toEqual([
      ['2024-01-02T00:00:00Z', '2024-01-01'],
      ['2024-01-02T00:00:00Z', '2024-01-02'],
      ['2024-01-02T12:00:00Z', '2024-01-02'],
      ['2024-01-03T00:00:00Z', '2024-01-02'],
      ['2024-01-03T00:00:00Z', '2024-01-03'],
    ]);
  });

  it('London and Lord Howe spring gaps, Tokyo without DST', () => {
    const london = dailyInterval({
      tz: 'Europe/London',
      start: edge('00:30'),
      stop: edge('03:00'),
      interval: 1800,
    });
    const got = until(occurrences(london, at('2024-03-31T00:00:00Z')), at('2024-03-31T12:00:00Z'));
    // 00:30 GMT to 03:00 BST is 1.5 h of real time: 00:30 GMT, then 02:00 and 02:30 BST.
    expect(got.map((o) => [z(o.time), o.args['daytime']])).toEqual([
      ['2024-03-31T00:30:00Z', '00:30:00'],
      ['2024-03-31T01:00:00Z', '02:00:00'],
      ['2024-03-31T01:30:00Z', '02:30:00'],
    ]);
    const lordHowe = dailyInterval({
      tz: 'Australia/Lord_Howe',
      start: edge('01:00'),
      stop: edge('03:00'),
      interval: 1800,
    });
    const lh = until(occurrences(lordHowe, at('2024-10-05T12:00:00Z')), at('2024-10-06T00:00:00Z'));
    expect(lh.map((o) => [z(o.time), o.args['daytime']])).toEqual([
      ['2024-10-05T14:30:00Z', '01:00:00'],
      ['2024-10-05T15:00:00Z', '01:30:00'],
      ['2024-10-05T15:30:00Z', '02:30:00'],
    ]);
    const tokyo = dailyInterval({
      tz: 'Asia/Tokyo',
      calendar: 'Mon-Fri',
      start: edge('09:00'),
      stop: edge('15:00'),
      interval: 2400,
    });
    const day = until(occurrences(tokyo, at('2024-06-03T00:00:00Z')), at('2024-06-04T00:00:00Z'));
    expect(day.map((o) => o.args['daytime'])).toEqual([
      '09:00:00',
      '09:40:00',
      '10:20:00',
      '11:00:00',
      '11:40:00',
      '12:20:00',
      '13:00:00',
      '13:40:00',
      '14:20:00',
    ]);
  });

  it('terminates on the none calendar and when every window is empty', () => {
    const none = dailyInterval({
      tz: NY,
      calendar: 'none',
      start: edge('09:00'),
      stop: edge('17:00'),
      interval: 600,
    });
    expect([...occurrences(none, 0)]).toEqual([]);
    const empty = dailyInterval({ tz: NY, start: edge('17:00'), stop: edge('09:00'), interval: 600 });
    expect([...occurrences(empty, 0)]).toEqual([]);
  });
});
