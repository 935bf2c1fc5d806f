/**
 * Jinja2's built-in filters with Jinja2's results (`'ab-cd' | title` is `Ab-Cd`, `2.5 | round` is `2.0`,
 * `truncate` keeps Jinja2's leeway of 5), as Apsis's environment has them (no autoescaping). Filters
 * whose result Apsis picks at random, or whose algorithm we do not reproduce, are refused when the
 * template is read (REFUSED_FILTERS). Per-item work counts against the render's budget.
 */
import { meter } from './budget.js';
import { roundFloat } from './decimal-format.js';
import { PY_SPACE } from './lexer.js';
import { percentFormat, pyFormat } from './py-format.js';
import { pyGetAttr } from './py-methods.js';
import { escapeHtml, pyBinary } from './py-binary.js';
import { checkInt, pyOrder, toArray } from './py-ops.js';
import { LINE_BREAK, pyCapitalize, pyJustify, pyReplace, pyStrip } from './py-str.js';
import {
  asInt,
  asNumber,
  floatRepr,
  hashKey,
  isList,
  type Kwargs,
  PyDict,
  PyDictView,
  PyError,
  pyEquals,
  PyIter,
  pyLen,
  PyMarkup,
  PyRange,
  pyRepr,
  pyStr,
  PyTuple,
  PyUndefined,
  strRepr,
  truthy,
  typeName,
} from './py-values.js';
import type { FilterFn, RenderEnv } from './render.js';

/** Filters refused at load, with the reason. */
export const REFUSED_FILTERS: ReadonlyMap<string, string> = new Map([
  ['random', 'Apsis picks its item at random'],
  ['urlize', 'its link detection is not reproduced'],
  ['wordwrap', "Python's textwrap is not reproduced"],
]);

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

/** A filter with a fixed signature (after the value). */
function fixed(
  fname: string,
  names: readonly string[],
  defaults: Readonly<Record<string, unknown>>,
  fn: (env: RenderEnv, value: unknown, a: unknown[]) => unknown,
): FilterFn {
  return (env, value, args, kwargs) => fn(env, value, bindArgs(fname, args, kwargs, names, defaults));
}

const text = (v: unknown): string => pyStr(v);

function int(v: unknown, what: string): bigint {
  const n = asInt(v);
  if (n === null) throw new PyError(`'${typeName(v)}' object cannot be interpreted as an integer (${what})`);
  return n;
}

/** Python's `int(text, base)`. */
function parseInt(s: string, base: bigint): bigint | null {
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

function doInt(value: unknown, dflt: unknown, base: unknown): unknown {
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
function attrGetter(env: RenderEnv, attribute: unknown, lower: boolean, dflt: unknown = null) {
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

function items(value: unknown): unknown[] {
  return toArray(value);
}

function minMax(env: RenderEnv, value: unknown, a: unknown[], max: boolean): unknown {
  const list = items(value);
  if (list.length === 0) throw new PyError('No aggregated item, sequence was empty.');
  const key = attrGetter(env, a[1], !truthy(a[0]));
  let best = list[0];
  let bestKey = key(best);
  for (const item of list.slice(1)) {
    const k = key(item);
    if (max ? pyOrder('>', k, bestKey) > 0 : pyOrder('<', k, bestKey) < 0) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

/** Python's `str.splitlines()` on the value plus a newline, as Jinja2's indent does. */
function lines(s: string): string[] {
  const out = s.split(LINE_BREAK);
  if (out[out.length - 1] === '') out.pop();
  return out;
}

function doIndent(value: unknown, width: unknown, first: unknown, blank: unknown): string {
  if (!(typeof value === 'string' || value instanceof PyMarkup))
    throw new PyError(`unsupported operand type(s) for +=: '${typeName(value)}' and 'str'`);
  const s = text(value);
  let indention: string;
  if (typeof width === 'string') indention = width;
  else {
    const n = int(width, 'width');
    meter().stringLength(n > 0n ? n : 0n);
    indention = ' '.repeat(n > 0n ? Number(n) : 0);
  }
  const all = lines(`${s}\n`);
  meter().stringLength(s.length + all.length * indention.length);
  let rv: string;
  if (truthy(blank)) rv = all.join(`\n${indention}`);
  else {
    const [head = '', ...rest] = all;
    rv = head;
    if (rest.length > 0) rv += `\n${rest.map((l) => (l === '' ? l : indention + l)).join('\n')}`;
  }
  return truthy(first) ? indention + rv : rv;
}

function doTruncate(
  value: unknown,
  length: unknown,
  killwords: unknown,
  end: unknown,
  leeway: unknown,
): unknown {
  const len = Number(int(length, 'length'));
  const e = text(end);
  const lw = leeway === null ? 5 : Number(int(leeway, 'leeway'));
  if (!(typeof value === 'string' || value instanceof PyMarkup)) {
    // Jinja2 measures the value itself: a short list passes unchanged, a long one cannot be cut.
    if (len < Array.from(e).length)
      throw new PyError(`expected length >= ${Array.from(e).length}, got ${len}`);
    if (pyLen(value) <= BigInt(len + lw)) return value;
    throw new PyError(`'${typeName(value)}' object cannot be truncated`);
  }
  const s = text(value);
  const cps = Array.from(s);
  const endLen = Array.from(e).length;
  if (len < endLen) throw new PyError(`expected length >= ${endLen}, got ${len}`);
  if (lw < 0) throw new PyError(`expected leeway >= 0, got ${lw}`);
  if (cps.length <= len + lw) return s;
  const cut = cps.slice(0, Math.max(0, len - endLen)).join('');
  if (truthy(killwords)) return cut + e;
  const i = cut.lastIndexOf(' ');
  return (i < 0 ? cut : cut.slice(0, i)) + e;
}

function doTitle(value: unknown): string {
  return text(value)
    .split(/([-\s({[<]+)/u)
    .filter((item) => item !== '')
    .map((item) => {
      const [first = '', ...rest] = Array.from(item);
      return first.toUpperCase() + rest.join('').toLowerCase();
    })
    .join('');
}

function doFilesize(value: unknown, binary: unknown): string {
  const bytes = toPyFloat(value);
  if (bytes === null) throw new PyError(`could not convert ${typeName(value)} to float: ${pyRepr(value)}`);
  const base = truthy(binary) ? 1024 : 1000;
  const prefixes = truthy(binary)
    ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']
    : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) {
    if (!Number.isFinite(bytes)) throw new PyError('cannot convert float NaN to integer');
    return `${Math.trunc(bytes)} Bytes`;
  }
  let unit = 0;
  for (const [i, prefix] of prefixes.entries()) {
    unit = base ** (i + 2);
    if (bytes < unit) return `${pyFormat((base * bytes) / unit, '.1f')} ${prefix}`;
  }
  return `${pyFormat((base * bytes) / unit, '.1f')} ${prefixes[prefixes.length - 1] ?? ''}`;
}

function doRound(value: unknown, precision: unknown, method: unknown): unknown {
  const m = text(method);
  if (!['common', 'ceil', 'floor'].includes(m)) throw new PyError('method must be common, ceil or floor');
  const p = int(precision, 'precision');
  const n = asNumber(value);
  if (n === null) throw new PyError(`type ${typeName(value)} doesn't define __round__ method`);
  if (m === 'common') {
    if (typeof n === 'bigint') {
      if (p >= 0n) return n;
      const unit = 10n ** -p;
      const q = n / unit;
      const r = n - q * unit;
      const twice = 2n * (r < 0n ? -r : r);
      const away = twice > unit || (twice === unit && q % 2n !== 0n);
      return (away ? q + (n < 0n ? -1n : 1n) : q) * unit;
    }
    return roundFloat(n, Number(p));
  }
  const scale = Number(pyBinary('**', 10n, p));
  const x = Number(n) * scale;
  if (!Number.isFinite(x)) throw new PyError('cannot convert float infinity to integer');
  // math.ceil and math.floor return ints, which have no negative zero.
  const r = (m === 'ceil' ? Math.ceil(x) : Math.floor(x)) + 0;
  return r / scale;
}

function doJoin(env: RenderEnv, value: unknown, d: unknown, attribute: unknown): string {
  const get = attrGetter(env, attribute, false);
  const parts = items(value).map((x) => text(attribute === null ? x : get(x)));
  const sep = text(d);
  meter().stringLength(parts.reduce((n, p) => n + p.length, 0) + sep.length * Math.max(0, parts.length - 1));
  return parts.join(sep);
}

function doReverse(value: unknown): unknown {
  if (typeof value === 'string' || value instanceof PyMarkup)
    return Array.from(text(value)).reverse().join('');
  if (isList(value) || value instanceof PyTuple || value instanceof PyRange || value instanceof PyDict)
    return new PyIter(items(value).reverse(), 'reversed');
  return items(value).reverse();
}

function doSum(env: RenderEnv, value: unknown, attribute: unknown, start: unknown): unknown {
  const get = attrGetter(env, attribute, false);
  if (typeof start === 'string') throw new PyError("sum() can't sum strings [use ''.join(seq) instead]");
  let total = start;
  for (const item of items(value)) total = pyBinary('+', total, attribute === null ? item : get(item));
  return total;
}

function selectOrReject(
  env: RenderEnv,
  value: unknown,
  args: readonly unknown[],
  kwargs: Kwargs,
  keep: boolean,
  byAttr: boolean,
): PyIter {
  if (!truthy(value)) return new PyIter([]);
  let off = 0;
  let get = (x: unknown): unknown => x;
  if (byAttr) {
    if (args.length === 0) throw new PyError('Missing parameter for attribute name');
    get = attrGetter(env, args[0], false);
    off = 1;
  }
  const name = args[off];
  const rest = args.slice(off + 1);
  const test =
    name === undefined
      ? (x: unknown): boolean => truthy(x)
      : (x: unknown): boolean => env.test(text(name), x, rest, kwargs);
  return new PyIter(items(value).filter((x) => test(get(x)) === keep));
}

function doMap(env: RenderEnv, value: unknown, args: readonly unknown[], kwargs: Kwargs): PyIter {
  if (!truthy(value)) return new PyIter([]);
  if (args.length === 0 && kwargs.has('attribute')) {
    const rest = new Map(kwargs);
    const attribute = rest.get('attribute');
    const dflt = rest.get('default') ?? null;
    rest.delete('attribute');
    rest.delete('default');
    if (rest.size > 0) throw new PyError(`Unexpected keyword argument ${strRepr([...rest.keys()][0] ?? '')}`);
    const get = attrGetter(env, attribute, false, dflt);
    return new PyIter(items(value).map(get));
  }
  if (args.length === 0) throw new PyError('map requires a filter argument');
  const name = text(args[0]);
  const rest = args.slice(1);
  return new PyIter(items(value).map((x) => env.filter(name, x, rest, kwargs)));
}

function doGroupby(
  env: RenderEnv,
  value: unknown,
  attribute: unknown,
  dflt: unknown,
  caseSensitive: unknown,
): PyTuple[] {
  const key = attrGetter(env, attribute, !truthy(caseSensitive), dflt);
  const keyed = items(value).map((v) => ({ v, k: key(v) }));
  keyed.sort((a, b) => pyOrder('<', a.k, b.k) || 0);
  const groups: { k: unknown; vs: unknown[] }[] = [];
  for (const { v, k } of keyed) {
    const last = groups[groups.length - 1];
    if (last !== undefined && pyEquals(last.k, k)) last.vs.push(v);
    else groups.push({ k, vs: [v] });
  }
  const output = attrGetter(env, attribute, false, dflt);
  return groups.map(
    (g) => new PyTuple([truthy(caseSensitive) ? g.k : output(g.vs[0]), g.vs], ['grouper', 'list']),
  );
}

function doDictsort(value: unknown, caseSensitive: unknown, by: unknown, reverse: unknown): PyTuple[] {
  if (!(value instanceof PyDict)) throw new PyError(`'${typeName(value)}' object has no attribute 'items'`);
  const pos = by === 'key' ? 0 : by === 'value' ? 1 : -1;
  if (pos < 0) throw new PyError('You can only sort by either "key" or "value"');
  const pairs = value.entries().map((e) => new PyTuple(e));
  const keyOf = (t: unknown): unknown => {
    const v = (t as PyTuple).items[pos];
    return !truthy(caseSensitive) && typeof v === 'string' ? v.toLowerCase() : v;
  };
  const keyed = pairs.map((p) => ({ p, k: keyOf(p) }));
  meter().iterate(keyed.length);
  keyed.sort((a, b) => (truthy(reverse) ? -1 : 1) * (pyOrder('<', a.k, b.k) || 0));
  return keyed.map((e) => e.p);
}

function doSort(
  env: RenderEnv,
  value: unknown,
  reverse: unknown,
  caseSensitive: unknown,
  attribute: unknown,
): unknown[] {
  const attrs = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const getters = attrs.map((a) => attrGetter(env, a, !truthy(caseSensitive)));
  const list = items(value);
  const keyed = list.map((v) => ({ v, k: getters.map((g) => g(v)) }));
  meter().iterate(keyed.length);
  keyed.sort((a, b) => (truthy(reverse) ? -1 : 1) * (pyOrder('<', a.k, b.k) || 0));
  return keyed.map((e) => e.v);
}

function doUnique(env: RenderEnv, value: unknown, caseSensitive: unknown, attribute: unknown): PyIter {
  const key = attrGetter(env, attribute, !truthy(caseSensitive));
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const item of items(value)) {
    const h = hashKey(key(item));
    if (!seen.has(h)) {
      seen.add(h);
      out.push(item);
    }
  }
  return new PyIter(out);
}

function doBatch(value: unknown, count: unknown, fill: unknown): PyIter {
  const n = Number(int(count, 'linecount'));
  const out: unknown[][] = [];
  let tmp: unknown[] = [];
  for (const item of items(value)) {
    if (tmp.length === n) {
      out.push(tmp);
      tmp = [];
    }
    tmp.push(item);
  }
  if (tmp.length > 0) {
    if (fill !== null && tmp.length < n) {
      meter().iterate(n - tmp.length);
      while (tmp.length < n) tmp.push(fill);
    }
    out.push(tmp);
  }
  return new PyIter(out);
}

function doSlice(value: unknown, slices: unknown, fill: unknown): PyIter {
  const seq = items(value);
  const n = Number(int(slices, 'slices'));
  if (n === 0) throw new PyError('integer division or modulo by zero');
  meter().iterate(Math.abs(n));
  const per = Math.floor(seq.length / n);
  const extra = seq.length - per * n;
  const out: unknown[][] = [];
  let offset = 0;
  for (let i = 0; i < n; i += 1) {
    const start = offset + i * per;
    if (i < extra) offset += 1;
    const end = offset + (i + 1) * per;
    const tmp = seq.slice(Math.max(0, start), Math.max(0, end));
    if (fill !== null && i >= extra) tmp.push(fill);
    out.push(tmp);
  }
  return new PyIter(out);
}

function urlQuote(v: unknown, forQs: boolean): string {
  const bytes = Buffer.from(text(v), 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out +=
      /[A-Za-z0-9_.~-]/.test(c) || (!forQs && c === '/')
        ? c
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQs ? out.replace(/%20/g, '+') : out;
}

function doUrlencode(value: unknown): string {
  if (
    typeof value === 'string' ||
    value instanceof PyMarkup ||
    !(
      isList(value) ||
      value instanceof PyTuple ||
      value instanceof PyDict ||
      value instanceof PyIter ||
      value instanceof PyDictView ||
      value instanceof PyRange
    )
  )
    return urlQuote(value, false);
  const pairs = value instanceof PyDict ? value.entries() : items(value).map((p) => items(p));
  return pairs
    .map((p) => {
      if (p.length !== 2) throw new PyError(`too many values to unpack (expected 2)`);
      return `${urlQuote(p[0], true)}=${urlQuote(p[1], true)}`;
    })
    .join('&');
}

function doXmlattr(value: unknown, autospace: unknown): string {
  if (!(value instanceof PyDict)) throw new PyError(`'${typeName(value)}' object has no attribute 'items'`);
  const parts: string[] = [];
  for (const [k, v] of value.entries()) {
    if (v === null) continue;
    const key = text(k);
    if (/[\s/>=]/.test(key)) throw new PyError(`Invalid character in attribute name: ${pyRepr(k)}`);
    parts.push(`${escapeHtml(key)}="${escapeHtml(text(v))}"`);
  }
  const rv = parts.join(' ');
  return truthy(autospace) && rv !== '' ? ` ${rv}` : rv;
}

function striptags(value: unknown): string {
  const s = text(value)
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .replace(/<[\s\S]*?>/g, '');
  const unescaped = s
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&#[xX]([0-9a-fA-F]+);/g, (_m, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(
      /&(amp|lt|gt|quot|apos|nbsp);/g,
      (_m, n: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\xa0' })[n] ?? '',
    );
  return unescaped
    .split(new RegExp(`[${PY_SPACE}]+`))
    .filter((x) => x !== '')
    .join(' ');
}

/** Python's `json.dumps(value, sort_keys=True, indent)` with Jinja2's HTML-safe escapes. */
function toJson(value: unknown, indent: unknown): string {
  const ind =
    indent === null ? null : typeof indent === 'string' ? indent : ' '.repeat(Number(int(indent, 'indent')));
  const dump = (v: unknown, level: number): string => {
    meter().step();
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'bigint') return String(v);
    if (typeof v === 'number')
      return Number.isNaN(v)
        ? 'NaN'
        : !Number.isFinite(v)
          ? v > 0
            ? 'Infinity'
            : '-Infinity'
          : floatRepr(v);
    if (typeof v === 'string' || v instanceof PyMarkup)
      return JSON.stringify(text(v)).replace(
        /[\u007f-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    const wrap = (parts: string[], open: string, close: string): string => {
      if (parts.length === 0) return open + close;
      if (ind === null) return open + parts.join(', ') + close;
      const pad = `\n${ind.repeat(level + 1)}`;
      return `${open}${pad}${parts.join(`,${pad}`)}\n${ind.repeat(level)}${close}`;
    };
    if (isList(v) || v instanceof PyTuple)
      return wrap(
        items(v).map((x) => dump(x, level + 1)),
        '[',
        ']',
      );
    if (v instanceof PyDict) {
      const entries = v.entries().map(([k, x]) => {
        const key =
          typeof k === 'string'
            ? k
            : k === null
              ? 'null'
              : typeof k === 'boolean'
                ? String(k)
                : asNumber(k) !== null
                  ? pyStr(k)
                  : null;
        if (key === null) throw new PyError(`keys must be str, int, float, bool or None, not ${typeName(k)}`);
        return [key, x] as const;
      });
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return wrap(
        entries.map(([k, x]) => `${dump(k, level + 1)}: ${dump(x, level + 1)}`),
        '{',
        '}',
      );
    }
    throw new PyError(`Object of type ${typeName(v)} is not JSON serializable`);
  };
  const out = dump(value, 0)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/'/g, '\\u0027');
  meter().stringLength(out.length);
  return out;
}

/** Python's `pprint.pformat` for values whose repr fits on one line (dicts sorted by key). */
function pformat(value: unknown): string {
  const show = (v: unknown): string => {
    if (v instanceof PyDict) {
      const entries = v.entries();
      const keyed = entries.map(([k, x]) => ({ k, x }));
      try {
        keyed.sort((a, b) => pyOrder('<', a.k, b.k) || 0);
      } catch {
        // pprint falls back to an order by type name and id when keys do not compare.
        throw new PyError('pprint of a dict with keys that do not compare is not supported');
      }
      return `{${keyed.map(({ k, x }) => `${show(k)}: ${show(x)}`).join(', ')}}`;
    }
    if (isList(v)) return `[${v.map(show).join(', ')}]`;
    if (v instanceof PyTuple)
      return v.items.length === 1 ? `(${show(v.items[0])},)` : `(${v.items.map(show).join(', ')})`;
    return pyRepr(v);
  };
  const out = show(value);
  if (out.length > 80) throw new PyError('pprint of a value longer than 80 characters is not supported');
  return out;
}

function doFirst(value: unknown): unknown {
  if (typeof value === 'string' || value instanceof PyMarkup) {
    const s = text(value);
    if (s === '') throw new PyError('No first item, sequence was empty.');
    return Array.from(s)[0];
  }
  const list = isList(value) ? value : value instanceof PyTuple ? value.items : items(value);
  if (list.length === 0) throw new PyError('No first item, sequence was empty.');
  return list[0];
}

function doLast(value: unknown): unknown {
  if (value instanceof PyIter) throw new PyError(`'${value.typeName}' object is not reversible`);
  const list =
    typeof value === 'string' || value instanceof PyMarkup ? Array.from(text(value)) : items(value);
  if (list.length === 0) throw new PyError('No last item, sequence was empty.');
  return list[list.length - 1];
}

function doAbs(value: unknown): unknown {
  const n = asNumber(value);
  if (n === null) throw new PyError(`bad operand type for abs(): '${typeName(value)}'`);
  return typeof n === 'bigint' ? (n < 0n ? -n : n) : Math.abs(n);
}

function doFormat(value: unknown, args: readonly unknown[], kwargs: Kwargs): string {
  if (args.length > 0 && kwargs.size > 0)
    throw new PyError("can't handle positional and keyword arguments at the same time");
  const operand = kwargs.size > 0 ? new PyDict([...kwargs.entries()]) : new PyTuple(args);
  return percentFormat(text(value), operand);
}

function doItems(value: unknown): PyIter {
  if (!(value instanceof PyDict)) throw new PyError('Can only get item pairs from a mapping.');
  return new PyIter(value.entries().map((e) => new PyTuple(e)));
}

const centerOf = (value: unknown, width: unknown): string =>
  pyJustify(text(value), int(width, 'width'), ' ', '^');

const FILTER_LIST: [string, FilterFn][] = [
  ['abs', fixed('abs', [], {}, (_e, v) => doAbs(v))],
  [
    'attr',
    fixed('attr', ['name'], {}, (_e, v, [name]) => {
      const r = typeof name === 'string' ? pyGetAttr(v, name) : undefined;
      if (r === undefined) throw new PyError(`'${typeName(v)}' object has no attribute ${pyStr(name)}`);
      return r;
    }),
  ],
  [
    'batch',
    fixed('batch', ['linecount', 'fill_with'], { fill_with: null }, (_e, v, [n, f]) => doBatch(v, n, f)),
  ],
  ['capitalize', fixed('capitalize', [], {}, (_e, v) => pyCapitalize(text(v)))],
  ['center', fixed('center', ['width'], { width: 80n }, (_e, v, [w]) => centerOf(v, w))],
  ['count', fixed('count', [], {}, (_e, v) => pyLen(v))],
  [
    'default',
    fixed('default', ['default_value', 'boolean'], { default_value: '', boolean: false }, (_e, v, [d, b]) =>
      v instanceof PyUndefined || (truthy(b) && !truthy(v)) ? d : v,
    ),
  ],
  [
    'dictsort',
    fixed(
      'dictsort',
      ['case_sensitive', 'by', 'reverse'],
      { case_sensitive: false, by: 'key', reverse: false },
      (_e, v, [c, by, r]) => doDictsort(v, c, by, r),
    ),
  ],
  [
    'escape',
    fixed('escape', [], {}, (_e, v) => (v instanceof PyMarkup ? v : new PyMarkup(escapeHtml(text(v))))),
  ],
  [
    'filesizeformat',
    fixed('filesizeformat', ['binary'], { binary: false }, (_e, v, [b]) => doFilesize(v, b)),
  ],
  ['first', fixed('first', [], {}, (_e, v) => doFirst(v))],
  [
    'float',
    fixed('float', ['default'], { default: 0 }, (_e, v, [d]) => {
      const f = toPyFloat(v);
      return f === null ? d : f;
    }),
  ],
  ['forceescape', fixed('forceescape', [], {}, (_e, v) => new PyMarkup(escapeHtml(text(v))))],
  ['format', (_e, v, args, kwargs) => doFormat(v, args, kwargs)],
  [
    'groupby',
    fixed(
      'groupby',
      ['attribute', 'default', 'case_sensitive'],
      { default: null, case_sensitive: false },
      (e, v, [a, d, c]) => doGroupby(e, v, a, d, c),
    ),
  ],
  [
    'indent',
    fixed(
      'indent',
      ['width', 'first', 'blank'],
      { width: 4n, first: false, blank: false },
      (_e, v, [w, f, b]) => doIndent(v, w, f, b),
    ),
  ],
  ['int', fixed('int', ['default', 'base'], { default: 0n, base: 10n }, (_e, v, [d, b]) => doInt(v, d, b))],
  ['items', fixed('items', [], {}, (_e, v) => doItems(v))],
  [
    'join',
    fixed('join', ['d', 'attribute'], { d: '', attribute: null }, (e, v, [d, a]) => doJoin(e, v, d, a)),
  ],
  ['last', fixed('last', [], {}, (_e, v) => doLast(v))],
  ['length', fixed('length', [], {}, (_e, v) => pyLen(v))],
  ['list', fixed('list', [], {}, (_e, v) => items(v))],
  ['lower', fixed('lower', [], {}, (_e, v) => text(v).toLowerCase())],
  ['map', (e, v, args, kwargs) => doMap(e, v, args, kwargs)],
  [
    'max',
    fixed('max', ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null }, (e, v, a) =>
      minMax(e, v, a, true),
    ),
  ],
  [
    'min',
    fixed('min', ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null }, (e, v, a) =>
      minMax(e, v, a, false),
    ),
  ],
  ['pprint', fixed('pprint', [], {}, (_e, v) => pformat(v))],
  ['reject', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, false, false)],
  ['rejectattr', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, false, true)],
  [
    'replace',
    fixed('replace', ['old', 'new', 'count'], { count: null }, (_e, v, [o, n, c]) =>
      pyReplace(text(v), text(o), text(n), c === null ? -1 : Number(int(c, 'count'))),
    ),
  ],
  ['reverse', fixed('reverse', [], {}, (_e, v) => doReverse(v))],
  [
    'round',
    fixed('round', ['precision', 'method'], { precision: 0n, method: 'common' }, (_e, v, [p, m]) =>
      doRound(v, p, m),
    ),
  ],
  ['safe', fixed('safe', [], {}, (_e, v) => (v instanceof PyMarkup ? v : new PyMarkup(text(v))))],
  ['select', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, true, false)],
  ['selectattr', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, true, true)],
  [
    'slice',
    fixed('slice', ['slices', 'fill_with'], { fill_with: null }, (_e, v, [n, f]) => doSlice(v, n, f)),
  ],
  [
    'sort',
    fixed(
      'sort',
      ['reverse', 'case_sensitive', 'attribute'],
      { reverse: false, case_sensitive: false, attribute: null },
      (e, v, [r, c, a]) => doSort(e, v, r, c, a),
    ),
  ],
  ['string', fixed('string', [], {}, (_e, v) => (v instanceof PyMarkup ? v : text(v)))],
  ['striptags', fixed('striptags', [], {}, (_e, v) => striptags(v))],
  [
    'sum',
    fixed('sum', ['attribute', 'start'], { attribute: null, start: 0n }, (e, v, [a, s]) => doSum(e, v, a, s)),
  ],
  ['title', fixed('title', [], {}, (_e, v) => doTitle(v))],
  ['tojson', fixed('tojson', ['indent'], { indent: null }, (_e, v, [i]) => new PyMarkup(toJson(v, i)))],
  [
    'trim',
    fixed('trim', ['chars'], { chars: null }, (_e, v, [c]) =>
      pyStrip(text(v), c === null ? null : text(c), true, true),
    ),
  ],
  [
    'truncate',
    fixed(
      'truncate',
      ['length', 'killwords', 'end', 'leeway'],
      { length: 255n, killwords: false, end: '...', leeway: null },
      (_e, v, [l, k, e, lw]) => doTruncate(v, l, k, e, lw),
    ),
  ],
  [
    'unique',
    fixed(
      'unique',
      ['case_sensitive', 'attribute'],
      { case_sensitive: false, attribute: null },
      (e, v, [c, a]) => doUnique(e, v, c, a),
    ),
  ],
  ['upper', fixed('upper', [], {}, (_e, v) => text(v).toUpperCase())],
  ['urlencode', fixed('urlencode', [], {}, (_e, v) => doUrlencode(v))],
  [
    'wordcount',
    fixed('wordcount', [], {}, (_e, v) => BigInt((text(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length)),
  ],
  ['xmlattr', fixed('xmlattr', ['autospace'], { autospace: true }, (_e, v, [a]) => doXmlattr(v, a))],
];

/** Jinja2's filters by name (`d` and `e` are its aliases of `default` and `escape`). */
export const FILTERS: ReadonlyMap<string, FilterFn> = new Map([
  ...FILTER_LIST,
  ['d', FILTER_LIST.find(([n]) => n === 'default')?.[1] as FilterFn],
  ['e', FILTER_LIST.find(([n]) => n === 'escape')?.[1] as FilterFn],
]);
