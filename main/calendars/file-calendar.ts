/**
 * File calendars (SPEC 5.5): `NAME.cal` files as ora, Apsis's date library, writes them: `START date`,
 * `STOP date` (ora also reads `END`), then one `YYYY-MM-DD` date per line; `#` starts a comment and text after
 * a date is ignored (ora's holiday files name the holiday there). As in ora the range is half-open: START
 * is in it, STOP is not, and any question about a date outside it throws CalendarRangeError.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatDay, parseDay } from '../time/days.js';
import { CalendarRangeError, parseWeekdayCalendar, type Calendar } from './calendar.js';

/** A calendar read from a file: its dates within [start, stop). */
export class FileCalendar implements Calendar {
  constructor(
    readonly expr: string,
    readonly path: string,
    /** First date of the range (day number). */
    readonly start: number,
    /** First date after the range. */
    readonly stop: number,
    /** The calendar's dates, sorted, unique, within the range. */
    private readonly dates: Int32Array,
  ) {}

  contains(day: number): boolean {
    this.check(day);
    return this.dates[this.firstAtOrAfter(day)] === day;
  }

  after(day: number): number {
    this.check(day);
    const found = this.dates[this.firstAtOrAfter(day)];
    if (found === undefined) throw this.outside(`it has no date on or after ${formatDay(day)}`);
    return found;
  }

  before(day: number): number {
    this.check(day);
    const found = this.dates[this.firstAtOrAfter(day + 1) - 1];
    if (found === undefined) throw this.outside(`it has no date on or before ${formatDay(day)}`);
    return found;
  }

  shift(day: number, n: number): number {
    if (n === 0) return day;
    this.check(day);
    // n > 0: the n-th date after `day`; n < 0: the |n|-th date before it.
    const index = n > 0 ? this.firstAtOrAfter(day + 1) + n - 1 : this.firstAtOrAfter(day) + n;
    const found = this.dates[index];
    if (found === undefined) throw this.outside(`it cannot move ${n} dates from ${formatDay(day)}`);
    return found;
  }

  /** Index of the first date >= day (the length when there is none). */
  private firstAtOrAfter(day: number): number {
    let low = 0;
    let high = this.dates.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.dates[mid] as number) < day) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private check(day: number): void {
    if (day < this.start || day >= this.stop) throw this.outside(`${formatDay(day)} is outside it`);
  }

  private outside(why: string): CalendarRangeError {
    return new CalendarRangeError(
      `calendar '${this.expr}' (${this.path}) covers ${formatDay(this.start)} up to ${formatDay(this.stop)} only; ${why}`,
    );
  }
}

/** Parses the text of a calendar file; `path` names it in messages. */
export function parseCalendarFile(
  text: string,
  expr: string,
  path: string,
): FileCalendar | { error: string } {
  let start: number | null = null;
  let stop: number | null = null;
  const dates: Array<{ day: number; line: number }> = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const where = `${path}:${i + 1}`;
    const header = /^(START|STOP|END)\s+(\S+)$/i.exec(line);
    const token = header ? (header[2] as string) : (line.split(/\s/)[0] as string);
    const day = parseDay(token);
    if (day === null)
      return {
        error: `${where}: '${line}' is not a date; use YYYY-MM-DD lines after START YYYY-MM-DD and STOP YYYY-MM-DD`,
      };
    if (!header) dates.push({ day, line: i + 1 });
    else if (header[1]?.toUpperCase() === 'START') start = day;
    else stop = day;
  }
  if (start === null || stop === null)
    return {
      error: `${path}: missing ${start === null ? 'START' : 'STOP'} line; a calendar file begins with START YYYY-MM-DD and STOP YYYY-MM-DD`,
    };
  if (stop <= start)
    return { error: `${path}: STOP ${formatDay(stop)} is not after START ${formatDay(start)}` };
  for (const d of dates)
    if (d.day < start || d.day >= stop)
      return {
        error: `${path}:${d.line}: ${formatDay(d.day)} is outside START ${formatDay(start)} to STOP ${formatDay(stop)} (STOP excluded)`,
      };
  const sorted = Int32Array.from(new Set(dates.map((d) => d.day))).sort();
  return new FileCalendar(expr, path, start, stop, sorted);
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const HELP = 'use all, none, weekdays such as Mon-Fri or Tue,Thu, or the name of a calendar file';

/** Parsed files by path, reused while the file's size and modification time stay the same. */
const cache = new Map<string, { stamp: string; result: FileCalendar | { error: string } }>();

/**
 * The calendar for `expr`: `all`, `none`, a weekday expression, or the name of `NAME.cal` in `calendarsDir`
 * (or else the directory in ORA_CALENDARS). Returns a message for an unknown name or a broken file.
 */
export function loadCalendar(expr: string, calendarsDir: string | null): Calendar | { error: string } {
  const weekdays = parseWeekdayCalendar(expr);
  if (weekdays !== null) return weekdays;
  const dir = calendarsDir ?? (process.env['ORA_CALENDARS'] || null);
  if (dir === null)
    return {
      error: `unknown calendar '${expr}': ${HELP} in the directory set by calendars_dir (settings) or ORA_CALENDARS (neither is set)`,
    };
  // Only a plain file name: the expression must not reach outside the calendars directory.
  const known = NAME.test(expr) ? fileStamp(join(dir, `${expr}.cal`)) : null;
  if (known === null) return { error: `unknown calendar '${expr}': ${HELP} in ${dir}${listing(dir)}` };
  const path = join(dir, `${expr}.cal`);
  const cached = cache.get(path);
  if (cached !== undefined && cached.stamp === known) return cached.result;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return {
      error: `calendar '${expr}': cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  const result = parseCalendarFile(text, expr, path);
  cache.set(path, { stamp: known, result });
  return result;
}

function fileStamp(path: string): string | null {
  try {
    const st = statSync(path);
    return st.isFile() ? `${st.size}:${st.mtimeMs}` : null;
  } catch {
    return null;
  }
}

function listing(dir: string): string {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => f.endsWith('.cal'))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return ' (the directory cannot be read)';
  }
  if (names.length === 0) return ' (it has no .cal files)';
  const shown = names.slice(0, 10).join(', ');
  return ` (calendars there: ${shown}${names.length > 10 ? ', ...' : ''})`;
}
