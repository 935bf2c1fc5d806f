/** What Jinja2's filters share: Python's argument binding, conversions and Jinja2's attribute getter. */
import { PY_SPACE } from './lexer.js';
import { checkInt, toArray } from './py-ops.js';
import { asInt, asNumber, type Kwargs, PyError, PyMarkup, pyStr, typeName } from './py-values.js';
import type { RenderEnv } from './render.js';

/** Binds positional and keyword arguments to parameter names, as Python does; `defaults` fill the rest. */
export function bindArgs(
  fname: string,
  args: readonly unknown[],
  kwargs: Kwargs,
  names: readonly string[],
  defaults: Readonly<Record<string, unknown>>,
): unknown[] {
  if (args.length > names.length)
    throw new PyError(`${fname}() takes ${names.length} positional arguments but ${args.length} were given`);
  const out: unknown[] = [...args];
  for (const [k, v] of kwargs) {
    const i = names.indexOf(k);
    if (i < 0) throw new PyError(`${fname}() got an unexpected keyword argument '${k}'`);
    if (i < args.length) throw new PyError(`${fname}() got multiple values for argument '${k}'`);
    out[i] = v;
  }
  names.forEach((n, i) => {
    if (out[i] === undefined) {
      if (!Object.hasOwn(defaults, n)) throw new PyError(`${fname}() missing required argument: '${n}'`);
      out[i] = defaults[n];
    }
  });
  return out;
}

export const text = (v: unknown): string => pyStr(v);

export function int(v: unknown, what: string): bigint {
  const n = asInt(v);
  if (n === null) throw new PyError(`'${typeName(v)}' object cannot be interpreted as an integer (${what})`);
  return n;
}

/** Python's `int(text, base)`. */
export function parseInt(s: string, base: bigint): bigint | null {
  let t = s.replace(new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g'), '');
  let sign = 1n;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t.startsWith('-')) sign = -1n;
    t = t.slice(1);
  }
  let b = Number(base);
  const prefix = /^0([bBoOxX])/.exec(t);
  if (prefix !== null) {
    const pb = { b: 2, o: 8, x: 16 }[(prefix[1] ?? '').toLowerCase() as 'b' | 'o' | 'x'];
    if (b === 0 || b === pb) {
      b = pb;
      t = t.slice(2).replace(/^_/, '');
    }
  } else if (b === 0) {
    if (/^0+(_?0)*$/.test(t)) return 0n;
    if (t.startsWith('0')) return null;
    b = 10;
  }
  if (b < 2 || b > 36) throw new PyError('int() base must be >= 2 and <= 36, or 0');
  if (!/^[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/.test(t)) return null;
  t = t.replace(/_/g, '');
  let n = 0n;
  for (const c of t.toLowerCase()) {
    const d = c >= 'a' ? c.charCodeAt(0) - 87 : c.charCodeAt(0) - 48;
    if (d >= b || d < 0) return null;
    n = n * BigInt(b) + BigInt(d);
  }
  if (t.length > 4300) throw new PyError('Exceeds the limit (4300 digits) for integer string conversion');
  return sign * n;
}

/** Python's `float(text)`. */
export function parseFloat(s: string): number | null {
  const t = s.replace(new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g'), '');
  const m =
    /^([+-]?)(?:(inf(?:inity)?|nan)|((?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?))$/i.exec(
      t,
    );
  if (m === null) return null;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return m[2].toLowerCase() === 'nan' ? NaN : sign * Infinity;
  const body = (m[3] ?? '').replace(/_/g, '');
  if (!/\d/.test(body.replace(/[eE].*$/, ''))) return null;
  return sign * Number(body);
}

/** Python's `float(value)`. */
export function toPyFloat(v: unknown): number | null {
  const n = asNumber(v);
  if (n !== null) {
    const f = Number(n);
    if (!Number.isFinite(f) && typeof n === 'bigint') throw new PyError('int too large to convert to float');
    return f;
  }
  if (typeof v === 'string' || v instanceof PyMarkup) return parseFloat(text(v));
  return null;
}

export function doInt(value: unknown, dflt: unknown, base: unknown): unknown {
  if (typeof value === 'string' || value instanceof PyMarkup) {
    const n = parseInt(text(value), int(base, 'base'));
    if (n !== null) return n;
  } else {
    const n = asNumber(value);
    if (typeof n === 'bigint') return n;
    if (typeof n === 'number') {
      if (!Number.isFinite(n)) return dflt;
      return checkInt(BigInt(Math.trunc(n)));
    }
  }
  const f = typeof value === 'string' || value instanceof PyMarkup ? parseFloat(text(value)) : null;
  if (f === null || !Number.isFinite(f)) return dflt;
  return BigInt(Math.trunc(f));
}

/** Jinja2's attribute getter: `a.b.0` walks getitem for each dotted part. */
export function attrGetter(env: RenderEnv, attribute: unknown, lower: boolean, dflt: unknown = null) {
  const parts: unknown[] =
    attribute === null || attribute === undefined
      ? []
      : typeof attribute === 'string'
        ? attribute.split('.').map((p) => (/^\d+$/.test(p) ? BigInt(p) : p))
        : [attribute];
  return (item: unknown): unknown => {
    let v = item;
    for (const p of parts) {
      try {
        v = env.getitem(v, p);
      } catch (e) {
        if (dflt === null) throw e;
        v = dflt;
      }
    }
    return lower && typeof v === 'string' ? v.toLowerCase() : v;
  };
}

export function items(value: unknown): unknown[] {
  return toArray(value);
}
