import { describe, expect, it } from 'vitest';
import { validateCron } from '../../main/schedules/cron.js';
import { occurrences } from '../../main/schedules/occurrences.js';
import { at, cron, take, times, until, z } from './helpers.js';

const NY = 'America/New_York';

describe('cron schedules', () => {
  it('runs a basic expression in its zone, with args', () => {
    const got = take(occurrences(cron('30 9 * * *', 'Asia/Tokyo'), at('2024-06-01T01:00:00Z')), 2);
    expect(times(got)).toEqual(['2024-06-02T00:30:00Z', '2024-06-03T00:30:00Z']);
    expect(got[0]?.args).toEqual({
      time: '2024-06-02T00:30:00+00:00',
      date: '2024-06-02',
      daytime: '09:30:00',
      tz: 'Asia/Tokyo',
    });
  });

  it('reads names, ranges, lists and steps, and 6 fields with seconds', () => {
    const weekdays = take(occurrences(cron('0 9 * * mon-fri', 'UTC'), at('2024-06-07T10:00:00Z')), 2);
    expect(times(weekdays)).toEqual(['2024-06-10T09:00:00Z', '2024-06-11T09:00:00Z']); // Fri → Mon
    const months = take(occurrences(cron('0 0 1 JAN,Jul *', 'UTC'), at('2024-02-01T00:00:00Z')), 2);
    expect(times(months)).toEqual(['2024-07-01T00:00:00Z', '2025-01-01T00:00:00Z']);
    const steps = take(occurrences(cron('*/20 8-9 * * *', 'UTC'), at('2024-06-01T09:30:00Z')), 3);
    expect(times(steps)).toEqual(['2024-06-01T09:40:00Z', '2024-06-02T08:00:00Z', '2024-06-02T08:20:00Z']);
    const secs = take(occurrences(cron('15,45 0 12 * * *', 'UTC'), at('2024-06-01T12:00:20Z')), 2);
    expect(times(secs)).toEqual(['2024-06-01T12:00:45Z', '2024-06-02T12:00:15Z']);
  });

  it('matches day-of-month OR day-of-week when both are restricted (Vixie cron)', () => {
    const got = take(occurrences(cron('0 0 13 * FRI', 'UTC'), at('2024-09-01T00:00:00Z')), 4);
    expect(times(got)).toEqual([
      '2024-09-06T00:00:00Z', // Friday
      '2024-09-13T00:00:00Z', // Friday the 13th, once
      '2024-09-20T00:00:00Z',
      '2024-09-27T00:00:00Z',
    ]);
    // Only one restricted: no OR with the wildcard.
    expect(times(take(occurrences(cron('0 0 1 * *', 'UTC'), at('2024-09-02T00:00:00Z')), 1))).toEqual([
      '2024-10-01T00:00:00Z',
    ]);
  });

  it('New York: a time in the gap runs once, shifted; a repeated time runs once, first', () => {
    const spring = until(
      occurrences(cron('30 2 * * *', NY), at('2024-03-09T00:00:00Z')),
      at('2024-03-12T00:00:00Z'),
    );
    expect(times(spring)).toEqual(['2024-03-09T07:30:00Z', '2024-03-10T07:30:00Z', '2024-03-11T06:30:00Z']);
    expect(spring[1]?.args['daytime']).toBe('02:30:00');
    const fall = until(
      occurrences(cron('30 1 * * *', NY), at('2024-11-02T00:00:00Z')),
      at('2024-11-05T00:00:00Z'),
    );
    expect(times(fall)).toEqual(['2024-11-02T05:30:00Z', '2024-11-03T05:30:00Z', '2024-11-04T06:30:00Z']);
    const halfHours = until(
      occurrences(cron('*/30 * * * *', NY), at('2024-11-03T04:00:00Z')),
      at('2024-11-03T07:30:00Z'),
    );
    expect(halfHours.map((o) => [z(o.time), o.args['daytime']])).toEqual([
      ['2024-11-03T04:00:00Z', '00:00:00'],
      ['2024-11-03T04:30:00Z', '00:30:00'],
      ['2024-11-03T05:00:00Z', '01:00:00'],
      ['2024-11-03T05:30:00Z', '01:30:00'],
      ['2024-11-03T07:00:00Z', '02:00:00'],
    ]);
  });

  it('orders gap-shifted times among the later ones, nominal order on ties', () => {
    const got = until(
      occurrences(cron('*/30 1-3 * * *', NY), at('2024-03-10T00:00:00Z')),
      at('2024-03-10T12:00:00Z'),
    );
    expect(got.map((o) => [z(o.time), o.args['daytime']])).toEqual([
      ['2024-03-10T06:00:00Z', '01:00:00'],
      ['2024-03-10T06:30:00Z', '01:30:00'],
      ['2024-03-10T07:00:00Z', '02:00:00'],
      ['2024-03-10T07:00:00Z', '03:00:00'],
      ['2024-03-10T07:30:00Z', '02:30:00'],
      ['2024-03-10T07:30:00Z', '03:30:00'],
    ]);
  });

  it('London and Lord Howe changes', () => {
    const london = until(
      occurrences(cron('30 1 * * *', 'Europe/London'), at('2024-03-30T00:00:00Z')),
      at('2024-04-02T00:00:00Z'),
    );
    expect(times(london)).toEqual(['2024-03-30T01:30:00Z', '2024-03-31T01:30:00Z', '2024-04-01T00:30:00Z']);
    const lh = until(
      occurrences(cron('15 2 * * *', 'Australia/Lord_Howe'), at('2024-10-04T00:00:00Z')),
      at('2024-10-07T00:00:00Z'),
    );
    expect(times(lh)).toEqual(['2024-10-04T15:45:00Z', '2024-10-05T15:45:00Z', '2024-10-06T15:15:00Z']);
    const lhFall = until(
      occurrences(cron('45 1 * * *', 'Australia/Lord_Howe'), at('2024-04-05T00:00:00Z')),
      at('2024-04-08T00:00:00Z'),
    );
    expect(times(lhFall)).toEqual(['2024-04-05T14:45:00Z', '2024-04-06T14:45:00Z', '2024-04-07T15:15:00Z']);
  });

  it('includes an occurrence exactly at `after`', () => {
    expect(times(take(occurrences(cron('0 * * * *', 'UTC'), at('2024-01-01T05:00:00Z')), 1))).toEqual([
      '2024-01-01T05:00:00Z',
    ]);
  });

  it('ends when the expression never matches', () => {
    expect([...occurrences(cron('0 0 30 2 *', 'UTC'), at('2024-01-01T00:00:00Z'))]).toEqual([]);
  });
});

describe('validateCron', () => {
  it('accepts good expressions', () => {
    for (const expr of [
      '0 9 * * Mon-Fri',
      '*/15 * * * *',
      '0 0 1,15 * *',
      '30 0 9 * * 1-5',
      '0 0 L * *',
      '0 0 29 2 *',
    ])
      expect([expr, validateCron(expr)]).toEqual([expr, null]);
  });

  it('names the wrong field', () => {
    expect(validateCron('61 * * * *')).toMatch(/^minute field '61': value out of range; use 0-59/);
    expect(validateCron('0 25 * * *')).toMatch(/^hour field '25'/);
    expect(validateCron('0 0 32 * *')).toMatch(/^day-of-month field '32'/);
    expect(validateCron('0 0 * 13 *')).toMatch(/^month field '13'/);
    expect(validateCron('0 0 * * Mon-Fir')).toMatch(/^day-of-week field 'Mon-Fir'/);
    expect(validateCron('*/0 * * * *')).toMatch(/^minute field '\*\/0': .*stepping/);
    expect(validateCron('70 0 9 * * *')).toMatch(/^second field '70'/);
  });

  it('explains a wrong field count and an expression that never matches', () => {
    expect(validateCron('0 9 * *')).toMatch(
      /^4 fields; use 5 \(minute hour day-of-month month day-of-week\) or 6/,
    );
    expect(validateCron('0 0 0 1 1 * 2030')).toMatch(/^7 fields/);
    expect(validateCron('0 0 30 2 *')).toMatch(/never matches/);
  });
});
