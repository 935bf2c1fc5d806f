/** Instants (epoch milliseconds) as text: wire format, arg format, and parsing of user input. */
import { Temporal } from 'temporal-polyfill';
import { MS_PER_DAY, dayFromYmd, dayText } from './days.js';
import { daytimeText } from './daytime.js';

// `apsis plan` writes two times for each of about a million runs a year: instants of years 1 to 9999 in whole
// milliseconds are built from cached date and daytime text, the same text Date's toISOString gives.
const FIRST_MS = dayFromYmd(1, 1, 1) * MS_PER_DAY;
const LAST_MS = dayFromYmd(10_000, 1, 1) * MS_PER_DAY;
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Wire format (SPEC conventions): `2024-03-11T13:30:00.000Z`. */
export function formatIso(ms: number): string {
  if (!Number.isInteger(ms) || ms < FIRST_MS || ms >= LAST_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / MS_PER_DAY);
  const inDay = ms - day * MS_PER_DAY;
  const millis = inDay % 1000;
  return `${dayText(day)}T${daytimeText((inDay - millis) / 1000)}.${MILLIS[millis] as string}Z`;
}

/**
 * Arg time format (SPEC 5.2), as Apsis writes times: `2019-11-13T07:42:00+00:00`, fractional seconds only
 * when non-zero.
 */
export function formatArgTime(ms: number): string {
  if (ms % 1000 === 0 && ms >= FIRST_MS && ms < LAST_MS) {
    const day = Math.floor(ms / MS_PER_DAY);
    return `${dayText(day)}T${daytimeText((ms - day * MS_PER_DAY) / 1000)}+00:00`;
  }
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${frac === '000' ? '' : `.${frac.replace(/0+$/, '')}`}+00:00`;
}

/** Plan output time: ISO UTC with `Z`, milliseconds only when non-zero. */
export function formatPlanTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/**
 * Parses an ISO 8601 instant that carries an offset or `Z` (SPEC 4.3). Returns null for anything else,
 * including local times without an offset.
 */
export function parseInstant(text: string): number | null {
  const s = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$/.test(s)) return null;
  try {
    return Temporal.Instant.from(s.replace(' ', 'T')).epochMilliseconds;
  } catch {
    return null;
  }
}
