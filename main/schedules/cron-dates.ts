/**
 * Which dates a cron pattern matches, read from croner's parsed pattern, so that a cron schedule asks croner
 * once (for its first match) rather than once per date. The rules are croner's (CronDate._matchDayValue in
 * croner 11, with domAndDow false); test/schedules/cron-dates.test.ts compares the two over random expressions.
 */
import type { CronPattern } from 'croner';
import { dayFromYmd, ymdFromDay } from '../time/days.js';

/** croner's day-of-week entry bits: the 1st to 5th such weekday of the month, and the last one. */
const NTH = [1, 2, 4, 8, 16];
const LAST = 32;

/** croner finds no match in year 3000 or later (CronDate.recurseStep). */
export const CRON_END_DAY = dayFromYmd(3000, 1, 1);

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1] as number;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** 0 Sunday ... 6 Saturday, as croner numbers days of the week (day 0, 1970-01-01, was a Thursday). */
function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** croner's `W`: the weekday nearest to date `n` of the month, not leaving the month; -1 when there is no date n. */
function nearestWeekday(firstDay: number, n: number, last: number): number {
  if (n > last) return -1;
  const w = weekday(firstDay + n - 1);
  if (w === 0) return n === last ? n - 2 : n + 1;
  if (w === 6) return n === 1 ? n + 2 : n - 1;
  return n;
}

/** croner's `LW`: the last weekday (Monday to Friday) of the month. */
function lastWeekday(firstDay: number, last: number): number {
  const w = weekday(firstDay + last - 1);
  return w === 0 ? last - 2 : w === 6 ? last - 1 : last;
}

/** A predicate on day numbers (local dates): true when the pattern's month and day fields match the date. */
export function cronDateMatcher(pattern: CronPattern): (day: number) => boolean {
  const months = pattern.month.map((v) => v !== 0);
  const days = pattern.day.map((v) => v !== 0);
  const weekdays = [...pattern.dayOfWeek];
  const nearest: number[] = [];
  pattern.nearestWeekdays.forEach((v, i) => {
    if (v !== 0) nearest.push(i + 1);
  });
  const { lastDayOfMonth, lastWeekday: lastWeekdayOfMonth, starDOM, starDOW, useAndLogic } = pattern;
  return (dayNumber) => {
    const { year, month, day } = ymdFromDay(dayNumber);
    if (months[month - 1] !== true) return false;
    const last = daysInMonth(year, month);
    const firstDay = dayNumber - day + 1;
    let dom = days[day - 1] === true;
    if (!dom) for (const n of nearest) if (nearestWeekday(firstDay, n, last) === day) dom = true;
    if (lastWeekdayOfMonth && day === lastWeekday(firstDay, last)) dom = true;
    if (lastDayOfMonth && day === last) dom = true;
    if (starDOW) return dom;
    const entry = weekdays[weekday(dayNumber)] ?? 0;
    const nth = NTH[Math.floor((day - 1) / 7)] as number;
    const dow = (entry & nth) !== 0 || ((entry & LAST) !== 0 && day + 7 > last);
    // Vixie cron: both fields restricted means either may match, unless the `+` prefix asks for both.
    return useAndLogic || starDOM ? dom && dow : dom || dow;
  };
}
