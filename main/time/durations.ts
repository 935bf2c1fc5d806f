/** Durations (SPEC 4.4): a number of seconds, or `<number>[space]<unit>`. */
import { quoted } from '../../shared/model/clip.js';

const UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
};

/** A number (sign, digits, fraction, exponent), optional spaces, an optional unit. */
const DURATION = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*)$/;

/** Longest duration text read: `-1.5e3 minutes` is 14 characters; anything much longer is no duration. */
const MAX_DURATION_TEXT = 64;

export const DURATION_HELP =
  'a number of seconds or a number with a unit s, m, h or d, such as 90, "90s", "1.5h", "2 d"';

/**
 * Parses a duration in seconds. Accepts finite numbers and strings such as `"1.5 h"`, `"-10 d"`, `"1."`.
 * Returns an error message (without position) for anything else.
 */
export function parseDuration(
  value: unknown,
): { ok: true; seconds: number } | { ok: false; message: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, message: `duration ${String(value)} is not finite` };
    return { ok: true, seconds: value };
  }
  if (typeof value !== 'string') {
    const what =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'a list'
          : typeof value === 'object'
            ? 'a mapping'
            : typeof value;
    return { ok: false, message: `expected a duration, got ${what}; use ${DURATION_HELP}` };
  }
  // Trimmed first, and of bounded length, so the pattern (unambiguous: each character has one way to match)
  // is never run over a long text: `\d+\.?\d*` followed by `\s*` twice once took seconds on 40,000 digits.
  const text = value.trim();
  const m = text.length <= MAX_DURATION_TEXT ? DURATION.exec(text) : null;
  if (m) {
    const unit = m[2] as string;
    const factor = unit === '' ? 1 : UNITS[unit];
    const n = Number(m[1]);
    if (factor !== undefined && Number.isFinite(n)) return { ok: true, seconds: n * factor };
    if (factor === undefined)
      return {
        ok: false,
        message: `unknown duration unit '${unit}' in ${quoted(value)}; units are s, sec, second(s), m, min, minute(s), h, hour(s), d, day(s)`,
      };
  }
  return { ok: false, message: `${quoted(value)} is not a duration; use ${DURATION_HELP}` };
}
