// Pure helpers of the console: time display and entry, ANSI output, chart shaping.
import { describe, expect, it } from 'vitest';
import { parseAnsi } from '../../renderer/src/lib/ansi.js';
import { rates, scaled, series, stepFor, timeTicks } from '../../renderer/src/lib/chart-data.js';
import { formatBytes, formatDuration, formatElapsed, formatTime } from '../../renderer/src/lib/format.js';
import { parseTimeEntry } from '../../renderer/src/lib/time-entry.js';

describe('time display', () => {
  it('formats YYYY-MM-DD HH:mm:ss in the chosen zone', () => {
    expect(formatTime('2024-03-11T13:30:00.000Z', 'UTC')).toBe('2024-03-11 13:30:00');
    expect(formatTime('2024-03-11T13:30:00.000Z', 'America/New_York')).toBe('2024-03-11 09:30:00');
    expect(formatTime(null, 'UTC')).toBe('—');
  });

  it('formats elapsed times and sizes', () => {
    expect(formatElapsed(4.25)).toBe('4.3s');
    expect(formatElapsed(125)).toBe('2m 05s');
    expect(formatElapsed(3 * 3600 + 120)).toBe('3h 02m');
    expect(formatBytes(92_700_000)).toBe('92.7 MB');
    expect(formatDuration(600)).toBe('10m');
    expect(formatDuration(5400)).toBe('1h 30m');
    expect(formatDuration(86_400 + 1)).toBe('1d 1s');
    expect(formatDuration(0.5)).toBe('0.5s');
  });
});

describe('time entry (SPEC 19.2, 5.2)', () => {
  const now = Date.parse('2024-03-09T15:00:00Z');
  it('reads now, durations, dates and times in a zone', () => {
    expect(parseTimeEntry('now', 'UTC', now)).toEqual({ ok: true, value: 'now' });
    expect(parseTimeEntry('+30m', 'UTC', now)).toEqual({ ok: true, value: '2024-03-09T15:30:00.000Z' });
    expect(parseTimeEntry('2024-03-11 09:30', 'America/New_York', now)).toEqual({
      ok: true,
      value: '2024-03-11T13:30:00.000Z',
    });
    expect(parseTimeEntry('tomorrow', 'UTC', now)).toEqual({ ok: true, value: '2024-03-10T00:00:00.000Z' });
    expect(parseTimeEntry('16:00', 'Asia/Tokyo', now)).toEqual({
      ok: true,
      value: '2024-03-10T07:00:00.000Z',
    });
  });

  it('shifts a time in a DST gap forward by the gap, and takes the first of a repeated time', () => {
    expect(parseTimeEntry('2024-03-10 02:30', 'America/New_York', now)).toEqual({
      ok: true,
      value: '2024-03-10T07:30:00.000Z',
    });
    expect(parseTimeEntry('2024-11-03 01:30', 'America/New_York', now)).toEqual({
      ok: true,
      value: '2024-11-03T05:30:00.000Z',
    });
  });

  it('refuses what it cannot read, saying what it accepts', () => {
    const r = parseTimeEntry('next week', 'UTC', now);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/HH:MM/);
  });
});

describe('output with ANSI colours', () => {
  it('turns SGR codes into classes and keeps markup as plain text', () => {
    expect(parseAnsi('plain \x1b[31mred\x1b[0m <b>not bold</b>')).toEqual([
      { text: 'plain ', classes: '' },
      { text: 'red', classes: 'fg-1' },
      { text: ' <b>not bold</b>', classes: '' },
    ]);
    expect(parseAnsi('\x1b[1;92mok\x1b[2K')).toEqual([{ text: 'ok', classes: 'fg-10 bold' }]);
  });
});

describe('chart shaping', () => {
  const samples = [
    { time: 0, stats: { async: { latency: 0.001 }, rusage_utime: 1 } },
    { time: 10, stats: { rusage_utime: 3 } },
    { time: 20, stats: { async: { latency: 0.004 }, rusage_utime: 4 } },
  ];
  it('aligns fields over time with nulls for missing values, and turns counters into rates', () => {
    expect(series(samples, ['async.latency'])).toEqual([
      [0, 10, 20],
      [0.001, null, 0.004],
    ]);
    expect(rates(series(samples, ['rusage_utime']))).toEqual([
      [0, 10, 20],
      [null, 0.2, 0.1],
    ]);
  });
  it('downsamples long ranges to about 2000 points', () => {
    expect(stepFor(3600, 10)).toBeNull();
    expect(stepFor(30 * 86_400, 10)).toBe(1296);
  });
  it('scales values (seconds to milliseconds), keeping gaps', () => {
    expect(scaled(series(samples, ['async.latency']), 1000)).toEqual([
      [0, 10, 20],
      [1, null, 4],
    ]);
  });
  it('labels time ticks in the chosen zone: the time within a day, the date across days', () => {
    const at = (iso: string): number => Date.parse(iso) / 1000;
    expect(timeTicks([at('2024-03-11T13:30:00Z'), at('2024-03-11T13:31:00Z')], 'UTC')).toEqual([
      '13:30',
      '13:31',
    ]);
    expect(timeTicks([at('2024-03-11T13:30:00Z'), at('2024-03-11T13:30:15Z')], 'America/New_York')).toEqual([
      '09:30:00',
      '09:30:15',
    ]);
    expect(timeTicks([at('2024-03-11T12:00:00Z'), at('2024-03-12T00:00:00Z')], 'UTC')).toEqual([
      '03-11 12:00',
      '03-12 00:00',
    ]);
    expect(timeTicks([at('2024-03-11T00:00:00Z'), at('2024-03-12T00:00:00Z')], 'UTC')).toEqual([
      '03-11',
      '03-12',
    ]);
  });
});
