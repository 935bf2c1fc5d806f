import { describe, expect, test } from 'vitest';
import { CalendarRangeError, parseWeekdayCalendar, type Calendar } from '../../main/calendars/calendar.js';
import { dayFromYmd } from '../../main/time/days.js';
import { renderTemplate, type TemplateOptions } from '../../main/templating/index.js';

/** Renders and returns the text, or the error message prefixed with `!`. */
function render(src: string, vars: Record<string, string> = {}, options?: TemplateOptions): string {
  const r = renderTemplate(src, vars, options);
  return r.ok ? r.value : `!${r.error.message}`;
}

describe('Date', () => {
  const date = { date: '2024-03-01' }; // a Friday

  test('parses args and prints as YYYY-MM-DD', () => {
    expect(render('{{ Date(date) }} {{ Date("20240301") }} {{ Date(2024, 2, 29) }}', date)).toBe(
      '2024-03-01 2024-03-01 2024-02-29',
    );
  });

  test('parts: year, day, Ora-style month and weekday enums', () => {
    expect(render('{{ Date(date).year }} {{ Date(date).day }}', date)).toBe('2024 1');
    // Ora's Month (Jan = 1) and Weekday (Mon = 0) print as names and compare as numbers.
    expect(
      render(
        '{{ Date(date).month }} {{ Date(date).month == 3 }} {{ format(Date(date).month, "02d") }}',
        date,
      ),
    ).toBe('Mar True 03');
    expect(
      render('{{ Date(date).weekday }} {{ Date(date).weekday == 4 }} {{ Date(date).weekday.value }}', date),
    ).toBe('Fri True 4');
    expect(render('{{ Date("2024-03-04").weekday }} {{ Date("2024-03-04").weekday == 0 }}')).toBe('Mon True');
  });

  test('add, comparisons, strftime format', () => {
    expect(render('{{ Date(date).add(-1) }} {{ Date(date).add(365) }}', date)).toBe('2024-02-29 2025-03-01');
    expect(render('{{ Date(date) < Date("2024-03-02") }} {{ Date(date) == Date("20240301") }}', date)).toBe(
      'True True',
    );
    expect(
      render("{{ format(Date(date), '%Y%m%d') }} {{ format(Date(date), '%a %d %b %Y, day %j') }}", date),
    ).toBe('20240301 Fri 01 Mar 2024, day 061');
  });

  test('bad arguments name the helper', () => {
    expect(render('{{ Date("nope") }}')).toBe("!Date(): expected a date 'YYYY-MM-DD', got 'nope'");
    expect(render('{{ Date("2023-02-29") }}')).toBe(
      "!Date(): expected a date 'YYYY-MM-DD', got '2023-02-29'",
    );
    expect(render('{{ Date(2023, 2, 29) }}')).toBe('!Date(): no such date 2023-2-29');
    expect(render('{{ Date() }}')).toBe('!Date() takes 1 to 3 arguments, got 0');
    expect(render('{{ Date(s="2024-01-01") }}')).toBe('!Date() takes no keyword arguments');
    expect(render('{{ Date(date).add(n) }}', { ...date, n: '1' })).toBe(
      "!Date.add(): days must be an integer, got '1' (args are strings: convert with | int)",
    );
    expect(render('{{ Date("9999-12-31").add(1) }}')).toBe('!date out of range (years 1 to 9999)');
  });
});

describe('Daytime, Time, TimeZone', () => {
  test('Daytime', () => {
    expect(
      render('{{ Daytime("9:30") }} {{ Daytime(t).hour }} {{ Daytime(16, 5) }}', { t: '16:45:10' }),
    ).toBe('09:30:00 16 16:05:00');
    expect(render('{{ Daytime("24:00") }}')).toBe("!Daytime(): expected a daytime 'HH:MM:SS', got '24:00'");
  });

  test('Time prints in the arg time format', () => {
    expect(
      render('{{ Time("2019-11-13T02:42:00-05:00") }} {{ Time(t) }}', { t: '2019-11-13T07:42:00.5Z' }),
    ).toBe('2019-11-13T07:42:00+00:00 2019-11-13T07:42:00.5+00:00');
    expect(render('{{ Time("2019-11-13 07:42") }}')).toBe(
      "!Time(): expected a time with an offset such as '2019-11-13T07:42:00+00:00', got '2019-11-13 07:42'",
    );
    expect(render("{{ format(Time('2019-11-13T07:42:05Z'), '%F %T') }}")).toBe('2019-11-13 07:42:05');
  });

  test('TimeZone', () => {
    expect(render('{{ TimeZone("America/New_York") }} {{ TimeZone("UTC").name }}')).toBe(
      'America/New_York UTC',
    );
    expect(render('{{ TimeZone("Mars/Base") }}')).toBe("!TimeZone(): unknown time zone 'Mars/Base'");
  });
});

describe('to_local and from_local', () => {
  test('to_local gives the local date and daytime', () => {
    const src = '{% set l = to_local(time, "America/New_York") %}{{ l.date }} {{ l.daytime }} {{ l }}';
    expect(render(src, { time: '2024-03-10T07:30:00+00:00' })).toBe(
      '2024-03-10 03:30:00 2024-03-10T03:30:00',
    );
    expect(
      render('{{ to_local(Time(time), TimeZone("UTC")).date.weekday }}', { time: '2024-03-10T07:30:00Z' }),
    ).toBe('Sun');
  });

  test('from_local resolves gaps forward and overlaps to the first occurrence (SPEC 5.2)', () => {
    const tz = { tz: 'America/New_York' };
    expect(render('{{ from_local("2024-03-10", "02:30", tz) }}', tz)).toBe('2024-03-10T07:30:00+00:00');
    expect(render('{{ from_local(Date("2024-11-03"), Daytime("01:30"), tz) }}', tz)).toBe(
      '2024-11-03T05:30:00+00:00',
    );
    expect(render('{{ from_local(to_local(t, tz), tz) }}', { ...tz, t: '2024-07-01T12:00:00Z' })).toBe(
      '2024-07-01T12:00:00+00:00',
    );
    expect(render('{{ from_local(["2024-07-01", "08:00"], "UTC") }}')).toBe('2024-07-01T08:00:00+00:00');
    expect(render('{{ from_local("2024-07-01", "08:00", "Nowhere") }}')).toBe(
      "!from_local(): unknown time zone 'Nowhere'",
    );
  });
});

describe('get_calendar', () => {
  test('weekday calendars by default', () => {
    const src =
      "{% set cal = get_calendar('Mon-Fri') %}{{ cal.after(d) }} {{ cal.before(d) }} {{ cal.contains(d) }} {{ cal.shift(Date('2024-03-01'), 1) }} {{ cal }}";
    expect(render(src, { d: '2024-03-02' })).toBe('2024-03-04 2024-03-01 False 2024-03-04 Mon-Fri');
    expect(render("{{ get_calendar('Mon-Fri').shift('2024-03-02', 1) }}")).toBe(
      "!Calendar.shift(): 2024-03-02 is not in calendar 'Mon-Fri'",
    );
    expect(render("{{ get_calendar('holidays') }}")).toBe("!get_calendar(): unknown calendar 'holidays'");
  });

  test('an injected resolver supplies file calendars and their errors', () => {
    const first = dayFromYmd(2024, 1, 1);
    const last = dayFromYmd(2024, 12, 31);
    const weekdays = parseWeekdayCalendar('Mon-Fri');
    if (weekdays === null) throw new Error('weekday calendar');
    const holidays: Calendar = {
      expr: 'holidays',
      contains: (day) => day !== dayFromYmd(2024, 3, 4) && weekdays.contains(day),
      after(day) {
        for (let d = day; d <= last; d += 1) if (this.contains(d)) return d;
        throw new CalendarRangeError('after the end of calendar holidays (2024-12-31)');
      },
      before(day) {
        for (let d = day; d >= first; d -= 1) if (this.contains(d)) return d;
        throw new CalendarRangeError('before the start of calendar holidays (2024-01-01)');
      },
      shift: (day) => day,
    };
    const options: TemplateOptions = {
      calendars: (expr) => (expr === 'holidays' ? holidays : { error: `no calendar file '${expr}.cal'` }),
    };
    expect(render("{{ get_calendar('holidays').after(d) }}", { d: '2024-03-02' }, options)).toBe(
      '2024-03-05',
    );
    expect(render("{{ get_calendar('holidays').after('2025-01-01') }}", {}, options)).toBe(
      '!Calendar.after(): after the end of calendar holidays (2024-12-31)',
    );
    expect(render("{{ get_calendar('other') }}", {}, options)).toBe(
      "!get_calendar(): no calendar file 'other.cal'",
    );
  });
});
