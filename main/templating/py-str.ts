/**
 * Python's `str` methods (`{{ date.replace('-', '') }}`, `{{ path.rsplit('/', 1)[-1] }}`), with Python's
 * results: whitespace is Python's, indexes count code points, `title` starts a word after any uncased
 * character, and every result is bounded by the render's budget.
 */
import { meter } from './budget.js';
import { PY_SPACE } from './lexer.js';
import { iterate } from './py-ops.js';
import { asInt, codePoints, type Kwargs, PyError, PyFunction, PyTuple, typeName } from './py-values.js';

const SPACE = new RegExp(`[${PY_SPACE}]`);
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`);
/** Python's line boundaries (`str.splitlines`), control characters included. */
// eslint-disable-next-line no-control-regex -- Python's splitlines() breaks lines at these separators too.
export const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const ASCII = /^\p{ASCII}*$/u;
const CASED = /\p{Cased}/u;

/** Title-case forms that differ from upper case (digraphs and ligatures). */
const TITLE: Readonly<Record<string, string>> = {
  ǆ: 'ǅ',
  ǅ: 'ǅ',
  Ǆ: 'ǅ',
  ǉ: 'ǈ',
  ǈ: 'ǈ',
  Ǉ: 'ǈ',
  ǌ: 'ǋ',
  ǋ: 'ǋ',
  Ǌ: 'ǋ',
  ǳ: 'ǲ',
  ǲ: 'ǲ',
  Ǳ: 'ǲ',
  ß: 'Ss',
  ﬀ: 'Ff',
  ﬁ: 'Fi',
  ﬂ: 'Fl',
  ﬃ: 'Ffi',
  ﬄ: 'Ffl',
  ﬅ: 'St',
  ﬆ: 'St',
  ŉ: 'ʼN',
  և: 'Եւ',
};
const titleChar = (c: string): string => TITLE[c] ?? c.toUpperCase();

/** Python's `str.title()`. */
export function pyTitle(s: string): string {
  let out = '';
  let previousCased = false;
  for (const c of s) {
    out += previousCased ? c.toLowerCase() : titleChar(c);
    previousCased = CASED.test(c);
  }
  return out;
}

/** Python's `str.capitalize()`. */
export function pyCapitalize(s: string): string {
  const [first = '', ...rest] = Array.from(s);
  return titleChar(first) + rest.join('').toLowerCase();
}

/** Python's `str.split(sep, maxsplit)`. */
export function pySplit(s: string, sep: string | null, max: number): string[] {
  if (sep === '') throw new PyError('empty separator');
  if (sep === null) {
    const out: string[] = [];
    let rest = s.replace(new RegExp(`^[${PY_SPACE}]+`), '');
    while (rest !== '') {
      if (max >= 0 && out.length >= max) {
        out.push(rest);
        break;
      }
      const m = SPACE_RUN.exec(rest);
      if (m === null) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const parts = s.split(sep);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(sep)];
}

/** Python's `str.rsplit(sep, maxsplit)`. */
export function pyRSplit(s: string, sep: string | null, max: number): string[] {
  if (max < 0) return pySplit(s, sep, max);
  if (sep === '') throw new PyError('empty separator');
  if (sep === null) {
    const out: string[] = [];
    let rest = s.replace(new RegExp(`[${PY_SPACE}]+$`), '');
    while (rest !== '') {
      if (out.length >= max) {
        out.unshift(rest);
        break;
      }
      const m = new RegExp(`[${PY_SPACE}]+(?=[^${PY_SPACE}]*$)`).exec(rest);
      if (m === null) {
        out.unshift(rest);
        break;
      }
      out.unshift(rest.slice(m.index + m[0].length));
      rest = rest.slice(0, m.index);
    }
    return out;
  }
  const parts = s.split(sep);
  if (parts.length <= max + 1) return parts;
  const keep = parts.length - max;
  return [parts.slice(0, keep).join(sep), ...parts.slice(keep)];
}

/** Strips characters in `chars` (Python's whitespace when null) from the chosen ends. */
export function pyStrip(s: string, chars: string | null, left: boolean, right: boolean): string {
  const set = chars === null ? null : new Set(Array.from(chars));
  const strip = (c: string): boolean => (set === null ? SPACE.test(c) : set.has(c));
  const cps = Array.from(s);
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && strip(cps[i] as string)) i += 1;
  if (right) while (j > i && strip(cps[j - 1] as string)) j -= 1;
  return cps.slice(i, j).join('');
}

/** Python's `str.replace(old, new, count)`, bounded. */
export function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (old === '') {
    const cps = Array.from(s);
    // Python inserts `new` before every character and at the end.
    const n = count < 0 ? cps.length + 1 : Math.min(count, cps.length + 1);
    meter().stringLength(s.length + n * rep.length);
    let out = '';
    for (let i = 0; i < cps.length; i += 1) out += (i < n ? rep : '') + (cps[i] as string);
    return out + (n > cps.length ? rep : '');
  }
  const parts = s.split(old);
  const n = count < 0 ? parts.length - 1 : Math.min(count, parts.length - 1);
  meter().stringLength(s.length + n * (rep.length - old.length));
  return parts.slice(0, n + 1).join(rep) + (n < parts.length - 1 ? old + parts.slice(n + 1).join(old) : '');
}

/** Pads to `width` code points: `<` left-justify, `>` right, `^` centre as Python does. */
export function pyJustify(s: string, width: bigint, fill: string, align: '<' | '>' | '^'): string {
  const len = codePoints(s).length;
  if (width <= BigInt(len)) return s;
  meter().stringLength(width);
  const pad = Number(width) - len;
  if (align === '<') return s + fill.repeat(pad);
  if (align === '>') return fill.repeat(pad) + s;
  const left = Math.floor(pad / 2) + (pad & Number(width) & 1);
  return fill.repeat(left) + s + fill.repeat(pad - left);
}

type Args = readonly unknown[];

function str(method: string, v: unknown, i: number): string {
  if (typeof v === 'string') return v;
  throw new PyError(`${method}() argument ${i + 1} must be str, not ${typeName(v)}`);
}

function optStr(method: string, v: unknown, i: number): string | null {
  return v === undefined || v === null ? null : str(method, v, i);
}

function int(_method: string, v: unknown, fallback: bigint): bigint {
  if (v === undefined) return fallback;
  const n = asInt(v);
  if (n === null) throw new PyError(`'${typeName(v)}' object cannot be interpreted as an integer`);
  return n;
}

function arity(
  method: string,
  args: Args,
  min: number,
  max: number,
  kwargs: Kwargs,
  names: readonly string[] = [],
): unknown[] {
  const out = [...args];
  for (const [k, v] of kwargs) {
    const i = names.indexOf(k);
    if (i < 0) throw new PyError(`${method}() takes no keyword argument '${k}'`);
    if (out[i] !== undefined) throw new PyError(`${method}() got multiple values for argument '${k}'`);
    out[i] = v;
  }
  if (out.length < min || out.length > max) {
    const want = min === max ? `exactly ${min}` : out.length < min ? `at least ${min}` : `at most ${max}`;
    throw new PyError(`${method}() takes ${want} argument${max === 1 ? '' : 's'} (${out.length} given)`);
  }
  return out;
}

/** The code-point window [start, end) of a `find`-style search, as Python adjusts it; offset -1 when empty past the end. */
function window(s: string, start: unknown, end: unknown): [string, number] {
  const cps = codePoints(s);
  const len = cps.length;
  let a = start === undefined || start === null ? 0 : Number(int('find', start, 0n));
  let b = end === undefined || end === null ? len : Number(int('find', end, 0n));
  if (a < 0) a = Math.max(0, a + len);
  if (b > len) b = len;
  else if (b < 0) b = Math.max(0, b + len);
  if (a > len || a > b) return ['', -1];
  const sub = typeof cps === 'string' ? cps.slice(a, b) : cps.slice(a, b).join('');
  return [sub, a];
}

const cpIndex = (s: string, unitIndex: number): number =>
  unitIndex < 0 ? -1 : codePoints(s.slice(0, unitIndex)).length;

function find(s: string, args: Args, reverse: boolean, method: string): number {
  const sub = str(method, args[0], 0);
  const [hay, offset] = window(s, args[1], args[2]);
  if (offset < 0) return -1;
  const i = reverse ? hay.lastIndexOf(sub) : hay.indexOf(sub);
  return i < 0 ? -1 : offset + cpIndex(hay, i);
}

function affix(s: string, args: Args, method: 'startswith' | 'endswith'): boolean {
  const [hay, offset] = window(s, args[1], args[2]);
  if (offset < 0) return false;
  const test = (p: unknown): boolean => {
    const x = str(method, p, 0);
    return method === 'startswith' ? hay.startsWith(x) : hay.endsWith(x);
  };
  const first = args[0];
  if (first instanceof PyTuple) return first.items.some(test);
  if (typeof first !== 'string')
    throw new PyError(`${method} first arg must be str or a tuple of str, not ${typeName(first)}`);
  return test(first);
}

function every(s: string, re: RegExp): boolean {
  return s !== '' && Array.from(s).every((c) => re.test(c));
}

function caseCheck(s: string, wantLower: boolean): boolean {
  let cased = false;
  for (const c of s) {
    if (/[\p{Lu}\p{Lt}]/u.test(c)) {
      if (wantLower) return false;
      cased = true;
    } else if (/\p{Ll}/u.test(c) || (CASED.test(c) && c.toUpperCase() !== c)) {
      if (!wantLower) return false;
      cased = true;
    }
  }
  return cased;
}

function isTitle(s: string): boolean {
  let cased = false;
  let previousCased = false;
  for (const c of s) {
    if (/[\p{Lu}\p{Lt}]/u.test(c)) {
      if (previousCased) return false;
      previousCased = cased = true;
    } else if (/\p{Ll}/u.test(c)) {
      if (!previousCased) return false;
      previousCased = cased = true;
    } else previousCased = false;
  }
  return cased;
}

function splitlines(s: string, keepends: boolean): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest !== '') {
    const m = LINE_BREAK.exec(rest);
    if (m === null) {
      out.push(rest);
      break;
    }
    out.push(rest.slice(0, m.index + (keepends ? m[0].length : 0)));
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

function expandtabs(s: string, size: bigint): string {
  let out = '';
  let col = 0;
  for (const c of s) {
    if (c === '\t') {
      if (size > 0n) {
        const n = Number(size) - (col % Number(size));
        meter().stringLength(out.length + n);
        out += ' '.repeat(n);
        col += n;
      }
    } else {
      out += c;
      col = c === '\n' || c === '\r' ? 0 : col + 1;
    }
  }
  return out;
}

function partition(s: string, sep: string, reverse: boolean): PyTuple {
  if (sep === '') throw new PyError('empty separator');
  const i = reverse ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (i < 0) return new PyTuple(reverse ? ['', '', s] : [s, '', '']);
  return new PyTuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
}

function fillChar(method: string, v: unknown): string {
  if (v === undefined) return ' ';
  const f = str(method, v, 1);
  if (Array.from(f).length !== 1) throw new PyError('The fill character must be exactly one character long');
  return f;
}

type Method = (s: string, args: Args, kwargs: Kwargs) => unknown;

/** A list built item by item: each item counts as a loop iteration. */
function counted(items: string[]): string[] {
  meter().iterate(items.length);
  return items;
}

const noKw =
  (fn: (s: string, args: Args) => unknown, name: string, min: number, max: number): Method =>
  (s, args, kwargs) =>
    fn(s, arity(name, args, min, max, kwargs));

const METHODS: Readonly<Record<string, Method>> = {
  upper: noKw((s) => s.toUpperCase(), 'upper', 0, 0),
  lower: noKw((s) => s.toLowerCase(), 'lower', 0, 0),
  casefold: noKw((s) => s.toLowerCase().replace(/ß/g, 'ss'), 'casefold', 0, 0),
  swapcase: noKw(
    (s) =>
      Array.from(s)
        .map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))
        .join(''),
    'swapcase',
    0,
    0,
  ),
  title: noKw((s) => pyTitle(s), 'title', 0, 0),
  capitalize: noKw((s) => pyCapitalize(s), 'capitalize', 0, 0),
  strip: noKw((s, a) => pyStrip(s, optStr('strip', a[0], 0), true, true), 'strip', 0, 1),
  lstrip: noKw((s, a) => pyStrip(s, optStr('lstrip', a[0], 0), true, false), 'lstrip', 0, 1),
  rstrip: noKw((s, a) => pyStrip(s, optStr('rstrip', a[0], 0), false, true), 'rstrip', 0, 1),
  split: (s, args, kw) => {
    const a = arity('split', args, 0, 2, kw, ['sep', 'maxsplit']);
    return counted(pySplit(s, optStr('split', a[0], 0), Number(int('split', a[1], -1n))));
  },
  rsplit: (s, args, kw) => {
    const a = arity('rsplit', args, 0, 2, kw, ['sep', 'maxsplit']);
    return counted(pyRSplit(s, optStr('rsplit', a[0], 0), Number(int('rsplit', a[1], -1n))));
  },
  splitlines: (s, args, kw) =>
    counted(splitlines(s, Boolean(arity('splitlines', args, 0, 1, kw, ['keepends'])[0]))),
  partition: noKw((s, a) => partition(s, str('partition', a[0], 0), false), 'partition', 1, 1),
  rpartition: noKw((s, a) => partition(s, str('rpartition', a[0], 0), true), 'rpartition', 1, 1),
  replace: noKw(
    (s, a) =>
      pyReplace(s, str('replace', a[0], 0), str('replace', a[1], 1), Number(int('replace', a[2], -1n))),
    'replace',
    2,
    3,
  ),
  startswith: noKw((s, a) => affix(s, a, 'startswith'), 'startswith', 1, 3),
  endswith: noKw((s, a) => affix(s, a, 'endswith'), 'endswith', 1, 3),
  find: noKw((s, a) => BigInt(find(s, a, false, 'find')), 'find', 1, 3),
  rfind: noKw((s, a) => BigInt(find(s, a, true, 'rfind')), 'rfind', 1, 3),
  index: noKw(
    (s, a) => {
      const i = find(s, a, false, 'index');
      if (i < 0) throw new PyError('substring not found');
      return BigInt(i);
    },
    'index',
    1,
    3,
  ),
  rindex: noKw(
    (s, a) => {
      const i = find(s, a, true, 'rindex');
      if (i < 0) throw new PyError('substring not found');
      return BigInt(i);
    },
    'rindex',
    1,
    3,
  ),
  count: noKw(
    (s, a) => {
      const sub = str('count', a[0], 0);
      const [hay, offset] = window(s, a[1], a[2]);
      if (offset < 0) return 0n;
      if (sub === '') return BigInt(codePoints(hay).length + 1);
      return BigInt(hay.split(sub).length - 1);
    },
    'count',
    1,
    3,
  ),
  center: noKw(
    (s, a) => pyJustify(s, int('center', a[0], 0n), fillChar('center', a[1]), '^'),
    'center',
    1,
    2,
  ),
  ljust: noKw((s, a) => pyJustify(s, int('ljust', a[0], 0n), fillChar('ljust', a[1]), '<'), 'ljust', 1, 2),
  rjust: noKw((s, a) => pyJustify(s, int('rjust', a[0], 0n), fillChar('rjust', a[1]), '>'), 'rjust', 1, 2),
  zfill: noKw(
    (s, a) => {
      const width = int('zfill', a[0], 0n);
      const len = codePoints(s).length;
      if (width <= BigInt(len)) return s;
      meter().stringLength(width);
      const sign = /^[+-]/.test(s) ? s.charAt(0) : '';
      return sign + '0'.repeat(Number(width) - len) + s.slice(sign.length);
    },
    'zfill',
    1,
    1,
  ),
  expandtabs: (s, args, kw) =>
    expandtabs(s, int('expandtabs', arity('expandtabs', args, 0, 1, kw, ['tabsize'])[0], 8n)),
  join: noKw(
    (s, a) => {
      const items: string[] = [];
      let i = 0;
      for (const item of iterate(a[0])) {
        if (typeof item !== 'string')
          throw new PyError(`sequence item ${i}: expected str instance, ${typeName(item)} found`);
        items.push(item);
        i += 1;
      }
      meter().iterate(items.length);
      meter().stringLength(
        items.reduce((n, x) => n + x.length, 0) + Math.max(0, items.length - 1) * s.length,
      );
      return items.join(s);
    },
    'join',
    1,
    1,
  ),
  removeprefix: noKw(
    (s, a) => {
      const p = str('removeprefix', a[0], 0);
      return p !== '' && s.startsWith(p) ? s.slice(p.length) : s;
    },
    'removeprefix',
    1,
    1,
  ),
  removesuffix: noKw(
    (s, a) => {
      const p = str('removesuffix', a[0], 0);
      return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
    },
    'removesuffix',
    1,
    1,
  ),
  isalpha: noKw((s) => every(s, /\p{L}/u), 'isalpha', 0, 0),
  isdecimal: noKw((s) => every(s, /\p{Nd}/u), 'isdecimal', 0, 0),
  isdigit: noKw(
    (s) =>
      every(
        s,
        /[\p{Nd}²³¹\u2070-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24f5-\u24fd\u24ea\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u1369-\u1371\u19da]/u,
      ),
    'isdigit',
    0,
    0,
  ),
  isnumeric: noKw((s) => every(s, /[\p{N}]/u), 'isnumeric', 0, 0),
  isalnum: noKw((s) => every(s, /[\p{L}\p{N}]/u), 'isalnum', 0, 0),
  isspace: noKw((s) => every(s, SPACE), 'isspace', 0, 0),
  islower: noKw((s) => caseCheck(s, true), 'islower', 0, 0),
  isupper: noKw((s) => caseCheck(s, false), 'isupper', 0, 0),
  istitle: noKw((s) => isTitle(s), 'istitle', 0, 0),
  isascii: noKw((s) => ASCII.test(s), 'isascii', 0, 0),
  isidentifier: noKw((s) => /^[\p{XID_Start}_][\p{XID_Continue}]*$/u.test(s), 'isidentifier', 0, 0),
  isprintable: noKw(
    (s) => !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(s.replace(/ /g, '')),
    'isprintable',
    0,
    0,
  ),
};

/** The bound method `name` of string `s`, or undefined when str has none by that name. */
export function strMethod(s: string, name: string): PyFunction | undefined {
  const method = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  if (method === undefined) return undefined;
  return new PyFunction(name, (args, kwargs) => {
    meter().step(1 + Math.floor(s.length / 1024));
    return method(s, args, kwargs);
  });
}
