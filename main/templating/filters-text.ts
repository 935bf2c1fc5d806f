/** Jinja2's filters that format text (indent, truncate, title, filesizeformat, round, tojson, urlencode, ...). */
import { meter } from './budget.js';
import { roundFloat } from './decimal-format.js';
import { PY_SPACE } from './lexer.js';
import { pyFormat } from './py-format.js';
import { escapeHtml, pyBinary } from './py-binary.js';
import { pyOrder } from './py-ops.js';
import { LINE_BREAK } from './py-str.js';
import {
  asNumber,
  floatRepr,
  isList,
  PyDict,
  PyDictView,
  PyError,
  PyIter,
  pyLen,
  PyMarkup,
  PyRange,
  pyRepr,
  pyStr,
  PyTuple,
  truthy,
  typeName,
} from './py-values.js';
import { int, items, text, toPyFloat } from './filter-support.js';

/** Python's `str.splitlines()` on the value plus a newline, as Jinja2's indent does. */
export function lines(s: string): string[] {
  const out = s.split(LINE_BREAK);
  if (out[out.length - 1] === '') out.pop();
  return out;
}

export function doIndent(value: unknown, width: unknown, first: unknown, blank: unknown): string {
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

export function doTruncate(
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

export function doTitle(value: unknown): string {
  return text(value)
    .split(/([-\s({[<]+)/u)
    .filter((item) => item !== '')
    .map((item) => {
      const [first = '', ...rest] = Array.from(item);
      return first.toUpperCase() + rest.join('').toLowerCase();
    })
    .join('');
}

export function doFilesize(value: unknown, binary: unknown): string {
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

export function doRound(value: unknown, precision: unknown, method: unknown): unknown {
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

export function urlQuote(v: unknown, forQs: boolean): string {
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

export function doUrlencode(value: unknown): string {
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

export function doXmlattr(value: unknown, autospace: unknown): string {
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

export function striptags(value: unknown): string {
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
export function toJson(value: unknown, indent: unknown): string {
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
export function pformat(value: unknown): string {
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
