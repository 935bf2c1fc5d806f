/**
 * The Python `str` methods templates commonly call on args (`{{ date.replace('-', '') }}`). JavaScript's own
 * string methods are not exposed: `replace` would change only the first match, silently.
 */
import { describeValue, ExpressionError } from './values.js';

type StrMethod = (s: string, args: readonly unknown[]) => unknown;

function str(method: string, args: readonly unknown[], i: number): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (v instanceof String) return v.toString();
  throw new ExpressionError(`str.${method}(): argument ${i + 1} must be a string, got ${describeValue(v)}`);
}

function int(method: string, args: readonly unknown[], i: number, fallback: number): number {
  const v = args[i];
  if (v === undefined) return fallback;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new ExpressionError(`str.${method}(): argument ${i + 1} must be an integer, got ${describeValue(v)}`);
}

const escapeClass = (chars: string): string => chars.replace(/[\\\]^-]/g, '\\$&');

function stripper(method: string, re: (cls: string) => RegExp): StrMethod {
  return (s, args) => {
    const chars = args[0] === undefined || args[0] === null ? null : str(method, args, 0);
    return s.replace(re(chars === null ? '\\s' : `[${escapeClass(chars)}]`), '');
  };
}

const METHODS: Readonly<Record<string, StrMethod>> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: stripper('strip', (cls) => new RegExp(`^${cls}+|${cls}+$`, 'gu')),
  lstrip: stripper('lstrip', (cls) => new RegExp(`^${cls}+`, 'u')),
  rstrip: stripper('rstrip', (cls) => new RegExp(`${cls}+$`, 'u')),
  startswith: (s, args) => s.startsWith(str('startswith', args, 0)),
  endswith: (s, args) => s.endsWith(str('endswith', args, 0)),
  zfill: (s, args) => {
    const width = int('zfill', args, 0, 0);
    const sign = /^[+-]/.test(s) ? s.charAt(0) : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  },
  replace: (s, args) => {
    const [from, to] = [str('replace', args, 0), str('replace', args, 1)];
    const count = int('replace', args, 2, -1);
    const parts = s.split(from);
    if (count < 0 || count >= parts.length - 1) return parts.join(to);
    return parts.slice(0, count + 1).join(to) + from + parts.slice(count + 1).join(from);
  },
  split: (s, args) => {
    const sep = args[0] === undefined || args[0] === null ? null : str('split', args, 0);
    const max = int('split', args, 1, -1);
    if (sep === '') throw new ExpressionError('str.split(): empty separator');
    const parts =
      sep === null
        ? s
            .trim()
            .split(/\s+/)
            .filter((p) => p !== '')
        : s.split(sep);
    if (max < 0 || parts.length <= max + 1) return parts;
    if (sep !== null) return [...parts.slice(0, max), parts.slice(max).join(sep)];
    const m = new RegExp(`^\\s*(?:\\S+\\s+){${max}}`).exec(s);
    return [...parts.slice(0, max), s.slice(m?.[0].length ?? 0).trimEnd()];
  },
};

/** The bound method `name` of string `s`, or undefined when str has no such method here. */
export function strMethod(s: string, name: string): ((...args: unknown[]) => unknown) | undefined {
  const method = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  return method === undefined ? undefined : (...args: unknown[]) => method(s, args);
}
