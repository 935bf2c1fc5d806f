/** Readers for the scalar value kinds of job files (SPEC 4): each reports a problem and returns undefined on bad input. */
import { quoted } from '../../shared/model/clip.js';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { parseDaytime } from '../time/daytime.js';
import { DURATION_HELP, parseDuration } from '../time/durations.js';
import { canonicalZone } from '../time/zones.js';
import { describe, type FileContext, type Value } from './yaml-reader.js';

/** Python's repr of a float, which Apsis uses when a YAML float becomes an arg (SPEC 4.2). */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

/** Converts a scalar arg value to its string as Apsis does (SPEC 4.2); undefined for collections. */
export function stringifyScalar(node: Node): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    const source = typeof node.source === 'string' ? node.source : String(v);
    const isInt = /^[-+]?(0|[1-9][0-9]*|0x[0-9a-fA-F]+|0o[0-7]+)$/.test(source) && Number.isSafeInteger(v);
    return isInt ? String(v) : pythonFloatRepr(v);
  }
  if (typeof v === 'bigint') return String(v);
  return undefined;
}

/** A string value. */
export function readString(ctx: FileContext, node: Value, what: string): string | undefined {
  if (node !== null && isScalar(node) && typeof node.value === 'string') return node.value;
  ctx.error(node, `${what} must be a string, got ${describe(node)}`);
  return undefined;
}

/** A string, or a scalar converted per SPEC 4.2 (for argv elements, labels and arg values). */
export function readStringLike(ctx: FileContext, node: Value, what: string): string | undefined {
  const s = node === null ? undefined : stringifyScalar(node);
  if (s === undefined) ctx.error(node, `${what} must be a string, got ${describe(node)}`);
  return s;
}

/** One item or a list of items (`daytime: "09:00"` or `daytime: ["09:00", "16:00"]`). */
export function oneOrList(node: Value, ctx: FileContext): Value[] {
  if (node !== null && isSeq(node)) return node.items.map((item) => ctx.deref(item));
  return [node];
}

/** A boolean (`true`/`false`). */
export function readBool(ctx: FileContext, node: Value, what: string): boolean | undefined {
  if (node !== null && isScalar(node) && typeof node.value === 'boolean') return node.value;
  ctx.error(node, `${what} must be true or false, got ${describe(node)}`);
  return undefined;
}

/** An integer. */
export function readInt(ctx: FileContext, node: Value, what: string): number | undefined {
  if (node !== null && isScalar(node) && typeof node.value === 'number' && Number.isSafeInteger(node.value))
    return node.value;
  ctx.error(node, `${what} must be a whole number, got ${describe(node)}`);
  return undefined;
}

/** A duration in seconds (SPEC 4.4); `positive` rejects zero and negatives. */
export function readDuration(
  ctx: FileContext,
  node: Value,
  what: string,
  positive = false,
): number | undefined {
  const value = node !== null && isScalar(node) ? node.value : node === null ? null : isMap(node) ? {} : [];
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    ctx.error(node, `${what}: ${parsed.message}`);
    return undefined;
  }
  if (positive && parsed.seconds <= 0) {
    ctx.error(
      node,
      `${what} must be a positive duration, got ${String(parsed.seconds)} s; use ${DURATION_HELP}`,
    );
    return undefined;
  }
  return parsed.seconds;
}

/** A daytime (SPEC 4.3): `HH:MM[:SS[.fff]]` or seconds since midnight; in [0, 86400). */
export function readDaytime(ctx: FileContext, node: Value, what: string): number | undefined {
  if (node !== null && isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 86_400) return v;
    if (typeof v === 'string') {
      const seconds = parseDaytime(v);
      if (seconds !== null) return seconds;
      ctx.error(
        node,
        `${what} ${quoted(v)} is not a time of day; use HH:MM or HH:MM:SS between 00:00:00 and 23:59:59`,
      );
      return undefined;
    }
  }
  ctx.error(node, `${what} must be a time of day such as "09:30:00", got ${describe(node)}`);
  return undefined;
}

/** An IANA time zone name. */
export function readTimeZone(ctx: FileContext, node: Value, what: string): string | undefined {
  const tz = readString(ctx, node, what);
  if (tz === undefined) return undefined;
  if (canonicalZone(tz) === null) {
    ctx.error(
      node,
      `unknown time zone ${quoted(tz)}; use an IANA name such as UTC, America/New_York or Europe/London`,
    );
    return undefined;
  }
  return tz;
}

/** A mapping of string args (values stringified per SPEC 4.2), sorted by key. */
export function readArgs(ctx: FileContext, node: Value, what: string): Record<string, string> | undefined {
  if (node !== null && isScalar(node) && node.value === null) return {};
  if (node === null || !isMap(node)) {
    ctx.error(node, `${what} must be a mapping of names to values, got ${describe(node)}`);
    return undefined;
  }
  const entries: [string, string][] = [];
  let ok = true;
  for (const pair of node.items) {
    const key = pair.key as Node;
    const name = isScalar(key) ? stringifyScalar(key) : undefined;
    const value = readStringLike(ctx, ctx.deref(pair.value), `${what} ${quoted(name ?? '?')}`);
    if (name === undefined) {
      ctx.error(key, `${what} names must be strings, got ${describe(key)}`);
      ok = false;
    } else if (value === undefined) ok = false;
    else entries.push([name, value]);
  }
  return ok ? sortedRecord(entries) : undefined;
}

/** A record with keys in sorted order (arg maps are kept sorted, SPEC 4.1). */
export function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  const list = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, string> = {};
  for (const [k, v] of list) out[k] = v;
  return out;
}
