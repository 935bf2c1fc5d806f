/** Durations (SPEC 4.4): a number of seconds, or `<number>[space]<unit>`. */

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
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (m) {
    const unit = m[2] as string;
    const factor = unit === '' ? 1 : UNITS[unit];
    const n = Number(m[1]);
    if (factor !== undefined && Number.isFinite(n)) return { ok: true, seconds: n * factor };
    if (factor === undefined)
      return {
        ok: false,
        message: `unknown duration unit '${unit}' in '${value}'; units are s, sec, second(s), m, min, minute(s), h, hour(s), d, day(s)`,
      };
  }
  return { ok: false, message: `'${value}' is not a duration; use ${DURATION_HELP}` };
}
