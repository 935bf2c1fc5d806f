/**
 * Calendar dates as integer day numbers (days since 1970-01-01), so that date arithmetic in
 * schedules is plain integer arithmetic. Proleptic Gregorian calendar.
 */

export const MS_PER_DAY = 86_400_000;

export interface Ymd {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

/** Day number of a Gregorian date (H. Hinnant's days_from_civil). */
export function dayFromYmd(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Gregorian date of a day number (H. Hinnant's civil_from_days). */
export function ymdFromDay(dayNumber: number): Ymd {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO weekday: Monday 1 ... Sunday 7. */
export function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD`. */
export function formatDay(dayNumber: number): string {
  const { year, month, day } = ymdFromDay(dayNumber);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

// `apsis plan` writes dates for each of about a million runs a year: the same few recur, so their text is kept
// rather than rebuilt each time.
const dayTexts = new Map<number, string>();

/** `YYYY-MM-DD` of a day number (formatDay, cached). */
export function dayText(dayNumber: number): string {
  let text = dayTexts.get(dayNumber);
  if (text === undefined) {
    if (dayTexts.size >= 100_000) dayTexts.clear();
    text = formatDay(dayNumber);
    dayTexts.set(dayNumber, text);
  }
  return text;
}

/** Parses `YYYY-MM-DD` strictly; null when it is not a real date. */
export function parseDay(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const n = dayFromYmd(year, month, day);
  const back = ymdFromDay(n);
  return back.month === month && back.day === day ? n : null;
}

/** Day number of the UTC date of an instant. */
export function utcDay(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}
