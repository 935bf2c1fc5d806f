/**
 * Times typed by the operator (SPEC 19.2): `now`, `HH:MM[:SS]` (today), `YYYY-MM-DD [HH:MM[:SS]]`, `today`,
 * `tomorrow`, `+DURATION`, in a zone, with local times resolved per SPEC 5.2 (gap → shifted forward by the gap;
 * repeated → first occurrence).
 */

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset (ms) at instant `ms`. */
export function zoneOffset(ms: number, zone: string): number {
  let f = offsetFormatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(
    p['year'] ?? 1970,
    (p['month'] ?? 1) - 1,
    p['day'] ?? 1,
    p['hour'] ?? 0,
    p['minute'] ?? 0,
    p['second'] ?? 0,
  );
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Instant of a wall-clock time (`wall` = that time read as UTC, ms) in `zone`, per SPEC 5.2. */
export function resolveWall(wall: number, zone: string): number {
  const before = zoneOffset(wall - 86_400_000, zone);
  const after = zoneOffset(wall + 86_400_000, zone);
  const viaBefore = wall - before;
  if (before === after) return viaBefore;
  const viaAfter = wall - after;
  const beforeOk = zoneOffset(viaBefore, zone) === before;
  const afterOk = zoneOffset(viaAfter, zone) === after;
  if (beforeOk && afterOk) return Math.min(viaBefore, viaAfter);
  if (afterOk && !beforeOk) return viaAfter;
  return viaBefore;
}

const DURATION = /^\+\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** The zone name Intl understands (`local` → the browser's zone). */
export function realZone(zone: string): string {
  return zone === 'local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : zone;
}

/** `now` (the literal), or the ISO instant of `text`; an error message for anything else. */
export function parseTimeEntry(
  text: string,
  zone: string,
  now: number,
): { ok: true; value: string } | { ok: false; error: string } {
  const t = text.trim().toLowerCase();
  const z = realZone(zone);
  if (t === '' || t === 'now') return { ok: true, value: 'now' };
  const d = DURATION.exec(t);
  if (d !== null)
    return { ok: true, value: new Date(now + Number(d[1]) * (UNIT[d[2] ?? 's'] ?? 1) * 1000).toISOString() };
  const todayWall = now + zoneOffset(now, z);
  const today = Math.floor(todayWall / 86_400_000) * 86_400_000;
  if (t === 'today') return { ok: true, value: new Date(resolveWall(today, z)).toISOString() };
  if (t === 'tomorrow')
    return { ok: true, value: new Date(resolveWall(today + 86_400_000, z)).toISOString() };
  const m = /^(?:(\d{4})-(\d{2})-(\d{2}))?\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (m === null || (m[1] === undefined && m[4] === undefined))
    return {
      ok: false,
      error: `'${text}' is not a time: use now, HH:MM[:SS], YYYY-MM-DD [HH:MM[:SS]], today, tomorrow or +30m`,
    };
  const day = m[1] === undefined ? today : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const h = Number(m[4] ?? 0);
  const min = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (h > 23 || min > 59 || s > 59) return { ok: false, error: `'${text}' is not a time of day` };
  return { ok: true, value: new Date(resolveWall(day + ((h * 60 + min) * 60 + s) * 1000, z)).toISOString() };
}
