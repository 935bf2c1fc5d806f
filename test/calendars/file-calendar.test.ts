import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CalendarRangeError, WeekdayCalendar, type Calendar } from '../../main/calendars/calendar.js';
import { FileCalendar, loadCalendar, parseCalendarFile } from '../../main/calendars/file-calendar.js';
import { occurrences } from '../../main/schedules/occurrences.js';
import { dayFromYmd, formatDay, parseDay } from '../../main/time/days.js';
import { at, daily, take, times } from '../schedules/helpers.js';

const HOLIDAYS = `# US market days, January 2024 (excerpt)
START 2024-01-01
STOP  2024-02-01

2024-01-02
2024-01-03
2024-01-05   text after a date is ignored, as ora does
2024-01-04
# 2024-01-08 is commented out
2024-01-09
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'apsis-cal-'));
  writeFileSync(join(dir, 'market.cal'), HOLIDAYS);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

const day = (text: string): number => parseDay(text) ?? NaN;

function load(expr: string, calendarsDir: string | null = dir): Calendar {
  const result = loadCalendar(expr, calendarsDir);
  if ('error' in result) throw new Error(result.error);
  return result;
}

describe('loadCalendar', () => {
  it('returns weekday calendars without touching the directory', () => {
    expect(load('Mon-Fri', null)).toBeInstanceOf(WeekdayCalendar);
    expect(load('all', null).expr).toBe('all');
  });

  it('reads NAME.cal from the calendars directory', () => {
    const cal = load('market');
    expect(cal).toBeInstanceOf(FileCalendar);
    expect(cal.expr).toBe('market');
    expect(cal.contains(day('2024-01-05'))).toBe(true);
    expect(cal.contains(day('2024-01-08'))).toBe(false);
    expect(formatDay(cal.after(day('2024-01-06')))).toBe('2024-01-09');
    expect(formatDay(cal.before(day('2024-01-08')))).toBe('2024-01-05');
    expect(formatDay(cal.shift(day('2024-01-03'), 2))).toBe('2024-01-05');
    expect(formatDay(cal.shift(day('2024-01-09'), -2))).toBe('2024-01-04');
    expect(formatDay(cal.shift(day('2024-01-06'), 1))).toBe('2024-01-09'); // from a date not in the calendar
  });

  it('falls back to ORA_CALENDARS', () => {
    vi.stubEnv('ORA_CALENDARS', dir);
    expect(load('market', null)).toBeInstanceOf(FileCalendar);
  });

  it('throws CalendarRangeError outside START..STOP (STOP excluded)', () => {
    const cal = load('market');
    expect(() => cal.contains(day('2023-12-31'))).toThrow(CalendarRangeError);
    expect(() => cal.contains(day('2024-02-01'))).toThrow(CalendarRangeError);
    expect(() => cal.after(day('2024-01-10'))).toThrow(/covers 2024-01-01 up to 2024-02-01 only/);
    expect(() => cal.before(day('2024-01-01'))).toThrow(CalendarRangeError);
    expect(() => cal.shift(day('2024-01-09'), 1)).toThrow(CalendarRangeError);
    expect(() => cal.shift(day('2024-01-02'), -1)).toThrow(CalendarRangeError);
  });

  it('drives a daily schedule, which reports the range error when the dates run out', () => {
    const s = { ...daily({ tz: 'America/New_York', daytimes: ['09:30'] }), calendar: load('market') };
    expect(times(take(occurrences(s, at('2024-01-03T15:00:00Z')), 3))).toEqual([
      '2024-01-04T14:30:00Z',
      '2024-01-05T14:30:00Z',
      '2024-01-09T14:30:00Z',
    ]);
    expect(() => take(occurrences(s, at('2024-01-03T15:00:00Z')), 4)).toThrow(CalendarRangeError);
  });

  it('explains an unknown name, listing the calendars there', () => {
    const result = loadCalendar('Mon-Fir', dir);
    expect(result).toEqual({
      error: `unknown calendar 'Mon-Fir': use all, none, weekdays such as Mon-Fri or Tue,Thu, or the name of a calendar file in ${dir} (calendars there: market)`,
    });
  });

  it('says where to put calendar files when no directory is set', () => {
    vi.stubEnv('ORA_CALENDARS', '');
    const result = loadCalendar('market', null);
    expect('error' in result && result.error).toMatch(
      /calendars_dir \(settings\) or ORA_CALENDARS \(neither is set\)/,
    );
  });

  it('never reads outside the directory', () => {
    const inner = join(dir, 'calendars');
    mkdirSync(inner);
    expect(loadCalendar('../market', inner)).toHaveProperty('error');
    expect(loadCalendar('market', inner)).toHaveProperty('error');
  });

  it('reports broken files with the line', () => {
    const write = (name: string, text: string): string => {
      writeFileSync(join(dir, `${name}.cal`), text);
      const result = loadCalendar(name, dir);
      return 'error' in result ? result.error : 'no error';
    };
    expect(write('nostop', 'START 2024-01-01\n2024-01-02\n')).toMatch(/nostop\.cal: missing STOP line/);
    expect(write('baddate', 'START 2024-01-01\nSTOP 2025-01-01\n2024-02-30\n')).toMatch(
      /baddate\.cal:3: '2024-02-30' is not a date/,
    );
    expect(write('outside', 'START 2024-01-01\nSTOP 2025-01-01\n2025-01-01\n')).toMatch(
      /outside\.cal:3: 2025-01-01 is outside/,
    );
    expect(write('backwards', 'START 2024-01-01\nSTOP 2023-01-01\n')).toMatch(
      /STOP 2023-01-01 is not after START/,
    );
  });

  it('rereads a file that changed', () => {
    expect(load('market').contains(dayFromYmd(2024, 1, 10))).toBe(false);
    writeFileSync(join(dir, 'market.cal'), `${HOLIDAYS}2024-01-10\n`);
    expect(load('market').contains(dayFromYmd(2024, 1, 10))).toBe(true);
  });
});

describe('FileCalendar navigation', () => {
  it('agrees with a scan of its dates, and throws exactly when the answer lies outside the range', () => {
    const start = dayFromYmd(2024, 1, 1);
    const stop = start + 40;
    const arb = fc.tuple(
      fc.uniqueArray(fc.integer({ min: start, max: stop - 1 }), { maxLength: 30 }),
      fc.integer({ min: start - 3, max: stop + 3 }),
      fc.integer({ min: -5, max: 5 }),
    );
    fc.assert(
      fc.property(arb, ([dates, d, n]) => {
        const text = `START ${formatDay(start)}\nSTOP ${formatDay(stop)}\n${dates.map(formatDay).join('\n')}\n`;
        const cal = parseCalendarFile(text, 'x', 'x.cal');
        if ('error' in cal) throw new Error(cal.error);
        const sorted = [...dates].sort((a, b) => a - b);
        const attempt = (f: () => number): number | 'range' => {
          try {
            return f();
          } catch (e) {
            if (e instanceof CalendarRangeError) return 'range';
            throw e;
          }
        };
        const inRange = d >= start && d < stop;
        const after = sorted.find((x) => x >= d);
        const before = [...sorted].reverse().find((x) => x <= d);
        expect(attempt(() => cal.after(d))).toBe(inRange && after !== undefined ? after : 'range');
        expect(attempt(() => cal.before(d))).toBe(inRange && before !== undefined ? before : 'range');
        const moved =
          n === 0
            ? d
            : n > 0
              ? sorted.filter((x) => x > d)[n - 1]
              : sorted.filter((x) => x < d).reverse()[-n - 1];
        expect(attempt(() => cal.shift(d, n))).toBe(
          n === 0 ? d : inRange && moved !== undefined ? moved : 'range',
        );
      }),
      { numRuns: 2000 },
    );
  });
});
