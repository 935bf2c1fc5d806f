/** Signal names and numbers (SPEC conventions: `TERM`, `SIGTERM` or `15`). */
import { constants } from 'node:os';

const SIGNALS = constants.signals as Readonly<Record<string, number>>;

/** The canonical name (`SIGTERM`) of a signal given as a name with or without `SIG`, or a number; null when unknown. */
export function normalizeSignal(text: string): string | null {
  const t = text.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    const name = Object.keys(SIGNALS).find((k) => SIGNALS[k] === n);
    return name ?? null;
  }
  const name = t.startsWith('SIG') ? t : `SIG${t}`;
  return SIGNALS[name] === undefined ? null : name;
}
