/** Times of day as seconds since midnight, in [0, 86400). */

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM:SS`, with `.fff` only when there are fractional seconds. */
export function formatDaytime(seconds: number): string {
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const base = `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
  const frac = Math.round((seconds - whole) * 1000);
  return frac > 0 ? `${base}.${String(frac).padStart(3, '0')}` : base;
}

const daytimeTexts: Array<string | undefined> = new Array<string | undefined>(86_400);

/** `HH:MM:SS` of seconds since midnight (formatDaytime, cached for whole seconds). */
export function daytimeText(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds >= 86_400) return formatDaytime(seconds);
  return (daytimeTexts[seconds] ??= formatDaytime(seconds));
}

/**
 * Parses `H:MM`, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (SPEC 4.3). Returns null when the text has another
 * shape or is outside [00:00:00, 24:00:00).
 */
export function parseDaytime(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || min > 59 || s > 59) return null;
  const frac = m[4] === undefined ? 0 : Number(`0.${m[4]}`);
  return h * 3600 + min * 60 + s + frac;
}
