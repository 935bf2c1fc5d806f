import { describe, expect, it } from 'vitest';
import { stopTime } from '../../main/schedules/occurrences.js';
import { at, seconds, z } from './helpers.js';

const daytime = (d: string, tz: string) => ({ type: 'daytime' as const, daytime: seconds(d), tz });
const stopAt = (d: string, tz: string, schedule: string): string => z(stopTime(daytime(d, tz), at(schedule)));

describe('stop schedules', () => {
  it('duration: schedule time plus elapsed time, across a clock change', () => {
    expect(z(stopTime({ type: 'duration', duration: 1 }, at('2024-12-13T12:00:00Z')))).toBe(
      '2024-12-13T12:00:01Z',
    );
    expect(z(stopTime({ type: 'duration', duration: 3600 }, at('2024-03-10T06:30:00Z')))).toBe(
      '2024-03-10T07:30:00Z',
    );
    expect(z(stopTime({ type: 'duration', duration: 1.5 }, at('2024-01-01T00:00:00Z')))).toBe(
      '2024-01-01T00:00:01.500Z',
    );
  });

  it('AC-6: 16:00 Asia/Tokyo for 2024-12-13T12:00Z (21:00 JST) is the next day', () => {
    expect(stopAt('16:00', 'Asia/Tokyo', '2024-12-13T12:00:00Z')).toBe('2024-12-14T07:00:00Z');
    // Earlier local daytime: the same date.
    expect(stopAt('16:00', 'Asia/Tokyo', '2024-12-13T01:00:00Z')).toBe('2024-12-13T07:00:00Z');
    // Exactly the stop daytime: the next occurrence, a day later.
    expect(stopAt('16:00', 'Asia/Tokyo', '2024-12-13T07:00:00Z')).toBe('2024-12-14T07:00:00Z');
  });

  it('a stop daytime in a gap is shifted forward by the gap (D38)', () => {
    expect(stopAt('02:30', 'America/New_York', '2024-03-09T20:00:00Z')).toBe('2024-03-10T07:30:00Z');
    expect(stopAt('01:30', 'Europe/London', '2024-03-30T12:00:00Z')).toBe('2024-03-31T01:30:00Z');
    expect(stopAt('02:15', 'Australia/Lord_Howe', '2024-10-05T12:00:00Z')).toBe('2024-10-05T15:45:00Z');
  });

  it('a repeated stop daytime is its first occurrence, unless that is already past', () => {
    // 01:40 EDT (first pass) → 01:50 EDT.
    expect(stopAt('01:50', 'America/New_York', '2024-11-03T05:40:00Z')).toBe('2024-11-03T05:50:00Z');
    // 01:40 EST (second pass): 01:50 EDT is over, 01:50 EST comes next.
    expect(stopAt('01:50', 'America/New_York', '2024-11-03T06:40:00Z')).toBe('2024-11-03T06:50:00Z');
    expect(stopAt('01:45', 'Australia/Lord_Howe', '2024-04-06T12:00:00Z')).toBe('2024-04-06T14:45:00Z');
  });
});
