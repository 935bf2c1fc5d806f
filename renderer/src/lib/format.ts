/** Time and number formatting for the console, in a selectable zone (SPEC 19: `YYYY-MM-DD HH:mm:ss`). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone === 'local' ? undefined : zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** `YYYY-MM-DD HH:mm:ss` of an ISO time (or epoch ms) in `zone` (`local`, `UTC` or an IANA name); `—` when absent. */
export function formatTime(time: string | number | null | undefined, zone: string): string {
  if (time === null || time === undefined) return '—';
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (Number.isNaN(ms)) return '—';
  // Lists show the same times at every redraw: each second is formatted once per zone (Intl is the costly part).
  const key = `${zone}\u0000${Math.floor(ms / 1000)}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const parts: Record<string, string> = {};
    for (const p of formatter(zone).formatToParts(ms)) parts[p.type] = p.value;
    text = `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}:${parts['second']}`;
    if (formatted.size >= 10_000) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

const formatted = new Map<string, string>();

/** `1h 02m`, `3m 05s`, `4.2s`: an elapsed time in seconds. */
export function formatElapsed(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, seconds);
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

/** `12.3 MB`: a byte count. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i] as string}`;
}

/** A number for a counter: `—` when missing, else at most 3 decimals. */
export function formatNumber(value: unknown, digits = 3): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits).replace(/\.?0+$/, '');
}

/** `k=v k2=v2`. */
export function formatArgs(args: Record<string, string>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** `10m`, `1h 30m`, `45s`: a duration in seconds as a setting would say it, without its zero parts. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 1) return `${Number.isFinite(seconds) ? seconds : 0}s`;
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join(' ');
}
