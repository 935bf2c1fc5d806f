/**
 * Python's operators on template values, as Jinja2 evaluates them: arithmetic with ints and floats kept
 * apart, sequence concatenation and repetition, `%` formatting, comparisons, `in`, subscripts and
 * slices, iteration; and Ora's date arithmetic (`Date(d) - 1`, `Date(a) - Date(b)` in days). Every
 * value built here is bounded by the render's budget.
 */
import { MAX_INT_BITS, meter } from './budget.js';
import { floatPow } from './py-pow.js';
import {
  asInt,
  asNumber,
  codePoints,
  hashKey,
  isList,
  PyDict,
  PyDictView,
  PyError,
  pyEquals,
  PyIter,
  PyMarkup,
  PyUndefined,
  PyRange,
  PySlice,
  pyStr,
  PyTuple,
  toFloat,
  typeName,
} from './py-values.js';
import { EnumValue, TemplateDate, TemplateDaytime, TemplateTime, TemplateValue } from './values.js';

/** Refuses an int too large to print (Python's 4300-digit limit, checked as the value is made). */
export function checkInt(n: bigint): bigint {
  const bits = n < 0n ? (-n).toString(16).length * 4 : n.toString(16).length * 4;
  if (bits > MAX_INT_BITS + 4) throw new PyError('integer too large (more than 4300 digits)');
  return n;
}

const bitLength = (n: bigint): number => (n === 0n ? 0 : (n < 0n ? -n : n).toString(2).length);

function floorDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError('integer division or modulo by zero');
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function floorMod(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError('integer division or modulo by zero');
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

/** Python's float `divmod`. */
function floatDivmod(a: number, b: number): [number, number] {
  if (b === 0) throw new PyError('float divmod()');
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) {
      mod += b;
      div -= 1;
    }
  } else mod = b < 0 ? -0 : 0;
  let floor: number;
  if (div !== 0) {
    floor = Math.floor(div);
    if (div - floor > 0.5) floor += 1;
  } else {
    const q = a / b;
    floor = q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  return [floor, mod];
}

function intPow(a: bigint, b: bigint): bigint | number {
  if (b < 0n) {
    if (a === 0n) throw new PyError('0.0 cannot be raised to a negative power');
    return floatPow(toFloat(a), Number(b));
  }
  if (a === 0n || a === 1n || b === 0n) return a ** b;
  if (a === -1n) return b % 2n === 0n ? 1n : -1n;
  if (BigInt(bitLength(a) - 1) * b > BigInt(MAX_INT_BITS))
    throw new PyError('integer too large (more than 4300 digits)');
  return checkInt(a ** b);
}

function numberOp(op: string, a: bigint | number, b: bigint | number): bigint | number {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return checkInt(a + b);
      case '-':
        return checkInt(a - b);
      case '*':
        if (bitLength(a) + bitLength(b) > MAX_INT_BITS + 8)
          throw new PyError('integer too large (more than 4300 digits)');
        return checkInt(a * b);
      case '/':
        if (b === 0n) throw new PyError('division by zero');
        return toFloat(a) / toFloat(b);
      case '//':
        return floorDiv(a, b);
      case '%':
        return floorMod(a, b);
      case '**':
        return intPow(a, b);
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PyError('float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new PyError('float floor division by zero');
      return floatDivmod(x, y)[0];
    case '%':
      if (y === 0) throw new PyError('float modulo');
      return floatDivmod(x, y)[1];
    case '**':
      return floatPow(x, y);
  }
  throw new PyError(`unknown operator ${op}`);
}

/** A sequence repeated `count` times, within the budget. */
function repeat(seq: unknown, count: bigint): unknown {
  const n = count < 0n ? 0n : count;
  if (typeof seq === 'string') {
    meter().stringLength(BigInt(seq.length) * n);
    return seq.repeat(Number(n));
  }
  const items = isList(seq) ? seq : (seq as PyTuple).items;
  const total = BigInt(items.length) * n;
  meter().iterate(Number(total > 10_000_000n ? 10_000_000n : total));
  const out: unknown[] = [];
  for (let i = 0n; i < n; i += 1n) out.push(...items);
  return isList(seq) ? out : new PyTuple(out);
}

const isSeq = (v: unknown): boolean => typeof v === 'string' || isList(v) || v instanceof PyTuple;

/** Ora's date and time arithmetic; undefined when neither side is a date, daytime or time. */
function temporalOp(op: string, a: unknown, b: unknown): unknown {
  const n = asInt(b);
  if (a instanceof TemplateDate) {
    if (op === '+' && n !== null) return dateShift(a, n);
    if (op === '-' && n !== null) return dateShift(a, -n);
    if (op === '-' && b instanceof TemplateDate) return BigInt(a.dayNumber - b.dayNumber);
  }
  if (b instanceof TemplateDate && op === '+' && asInt(a) !== null) return dateShift(b, asInt(a) as bigint);
  const secs = asNumber(b);
  if (a instanceof TemplateTime) {
    if ((op === '+' || op === '-') && secs !== null) {
      const ms = a.ms + (op === '+' ? 1 : -1) * toFloat(secs) * 1000;
      if (!Number.isFinite(ms) || Math.abs(ms) > 253402300800000) throw new PyError('time out of range');
      return new TemplateTime(ms);
    }
    if (op === '-' && b instanceof TemplateTime) return (a.ms - b.ms) / 1000;
  }
  if (a instanceof TemplateDaytime && (op === '+' || op === '-') && secs !== null) {
    const s = a.seconds + (op === '+' ? 1 : -1) * toFloat(secs);
    return new TemplateDaytime(((s % 86400) + 86400) % 86400);
  }
  if (a instanceof TemplateDaytime && op === '-' && b instanceof TemplateDaytime)
    return a.seconds - b.seconds;
  return undefined;
}

function dateShift(d: TemplateDate, days: bigint): TemplateDate {
  if (days > 10_000_000n || days < -10_000_000n) throw new PyError('date out of range (years 1 to 9999)');
  return new TemplateDate(d.dayNumber + Number(days));
}

export function operandError(op: string, a: unknown, b: unknown): PyError {
  if (op === '+' && typeof a === 'string')
    return new PyError(`can only concatenate str (not "${typeName(b)}") to str`);
  if (op === '+' && isList(a)) return new PyError(`can only concatenate list (not "${typeName(b)}") to list`);
  if (op === '*' && isSeq(a))
    return new PyError(`can't multiply sequence by non-int of type '${typeName(b)}'`);
  if (op === '*' && isSeq(b))
    return new PyError(`can't multiply sequence by non-int of type '${typeName(a)}'`);
  return new PyError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's binary `a op b` for `+ - * / // % **`. */
export function pyArith(op: string, x: unknown, y: unknown): unknown {
  if (x instanceof PyUndefined || y instanceof PyUndefined) throw undefinedError();
  const a = x;
  const b = y;
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null && nb !== null && !(a instanceof TemplateValue && !(a instanceof EnumValue)))
    return numberOp(op, na, nb);
  if (a instanceof TemplateValue || b instanceof TemplateValue) {
    const r = temporalOp(op, a, b);
    if (r !== undefined) return r;
    throw operandError(op, a, b);
  }
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') {
        meter().stringLength(a.length + b.length);
        return a + b;
      }
      if (isList(a) && isList(b)) {
        meter().iterate(a.length + b.length);
        return [...a, ...b];
      }
      if (a instanceof PyTuple && b instanceof PyTuple) {
        meter().iterate(a.items.length + b.items.length);
        return new PyTuple([...a.items, ...b.items]);
      }
      break;
    case '*':
      if (isSeq(a) && asInt(b) !== null) return repeat(a, asInt(b) as bigint);
      if (isSeq(b) && asInt(a) !== null) return repeat(b, asInt(a) as bigint);
      break;
  }
  throw operandError(op, a, b);
}

/** Operating on Jinja2's Undefined. */
export function undefinedError(): PyError {
  return new PyError('the inline if-expression evaluated to false and no else section was defined');
}

/** Python's unary `-x` / `+x`. */
export function pyUnary(op: '-' | '+', v: unknown): bigint | number {
  if (v instanceof PyUndefined) throw undefinedError();
  const n = asNumber(v);
  if (n === null || (v instanceof TemplateValue && !(v instanceof EnumValue)))
    throw new PyError(`bad operand type for unary ${op}: '${typeName(v)}'`);
  if (op === '+') return n;
  return typeof n === 'bigint' ? -n : -n;
}

function compareSeqs(op: string, a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1)
    if (!pyEquals(a[i], b[i])) return pyOrder(op, a[i], b[i]);
  return a.length - b.length;
}

/** Python ordering of two values: negative, zero or positive; TypeError when they do not order. */
export function pyOrder(op: string, a: unknown, b: unknown): number {
  if (a instanceof PyUndefined || b instanceof PyUndefined) throw undefinedError();
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null && nb !== null) {
    if (typeof na === 'bigint' && typeof nb === 'bigint') return na < nb ? -1 : na > nb ? 1 : 0;
    const x = typeof na === 'bigint' ? Number(na) : na;
    const y = typeof nb === 'bigint' ? Number(nb) : nb;
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    // Python compares code points; UTF-16 order differs only for astral characters.
    const [x, y] = [Array.from(a), Array.from(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
      const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
      if (d !== 0) return d;
    }
    return x.length - y.length;
  }
  if (isList(a) && isList(b)) return compareSeqs(op, a, b);
  if (a instanceof PyTuple && b instanceof PyTuple) return compareSeqs(op, a.items, b.items);
  if (a instanceof TemplateValue && b instanceof TemplateValue && a.typeName === b.typeName && a.ordered) {
    const [ka, kb] = [a.key(), b.key()];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
  throw new PyError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python `x in container`. */
export function pyContains(container: unknown, x: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof x !== 'string')
      throw new PyError(`'in <string>' requires string as left operand, not ${typeName(x)}`);
    return container.includes(x);
  }
  if (container instanceof PyDict) return container.has(x);
  if (container instanceof PyRange) {
    const n = asNumber(x);
    if (n === null) return false;
    const i = typeof n === 'bigint' ? n : Number.isInteger(n) ? BigInt(n) : null;
    if (i === null) return false;
    const off = i - container.start;
    return (
      container.length > 0n &&
      (container.step > 0n
        ? i >= container.start && i < container.stop
        : i <= container.start && i > container.stop) &&
      off % container.step === 0n
    );
  }
  if (container instanceof TemplateValue) {
    const contains = container.attr('__contains__');
    if (typeof contains === 'function') return (contains as (v: unknown) => boolean)(x);
  }
  const items = iterate(container);
  let count = 0;
  for (const item of items) {
    count += 1;
    if (pyEquals(item, x)) {
      meter().iterate(count);
      return true;
    }
  }
  meter().iterate(count);
  return false;
}

/** Python's `iter()`: the items a `for` loop or a filter walks. */
export function iterate(v: unknown): Iterable<unknown> {
  if (typeof v === 'string') return codePoints(v);
  if (v instanceof PyMarkup) return codePoints(v.text);
  if (v instanceof PyIter) return v.take();
  if (v instanceof PyUndefined) return [];
  if (isList(v)) return v;
  if (v instanceof PyTuple || v instanceof PyDictView) return v.items;
  if (v instanceof PyDict) return v.keys();
  if (v instanceof PyRange) {
    const r = v;
    return {
      *[Symbol.iterator]() {
        for (let i = 0n; i < r.length; i += 1n) yield r.at(i);
      },
    };
  }
  throw new PyError(`'${typeName(v)}' object is not iterable`);
}

/** The items of an iterable as an array, each counted as one loop iteration. */
export function toArray(v: unknown): unknown[] {
  if (v instanceof PyRange) meter().iterate(Number(v.length));
  const out = Array.from(iterate(v));
  if (!(v instanceof PyRange)) meter().iterate(out.length);
  return out;
}

/** An index into a sequence of `length`, Python-style (negative from the end); null when out of range. */
function index(i: bigint, length: number): number | null {
  const j = i < 0n ? i + BigInt(length) : i;
  return j < 0n || j >= BigInt(length) ? null : Number(j);
}

function sliceIndex(v: unknown, what: string): bigint | null {
  if (v === null || v === undefined) return null;
  const n = asInt(v);
  if (n === null) throw new PyError(`slice ${what} must be an integer or None`);
  return n;
}

/** Python's `slice.indices(length)`: start, stop and step after clamping. */
function sliceIndices(s: PySlice, length: number): [bigint, bigint, bigint] {
  const step = sliceIndex(s.step, 'step') ?? 1n;
  if (step === 0n) throw new PyError('slice step cannot be zero');
  const len = BigInt(length);
  const clamp = (v: bigint | null, dflt: bigint, lo: bigint, hi: bigint): bigint => {
    if (v === null) return dflt;
    const x = v < 0n ? v + len : v;
    return x < lo ? lo : x > hi ? hi : x;
  };
  if (step > 0n)
    return [
      clamp(sliceIndex(s.start, 'start'), 0n, 0n, len),
      clamp(sliceIndex(s.stop, 'stop'), len, 0n, len),
      step,
    ];
  return [
    clamp(sliceIndex(s.start, 'start'), len - 1n, -1n, len - 1n),
    clamp(sliceIndex(s.stop, 'stop'), -1n, -1n, len - 1n),
    step,
  ];
}

/** The positions `slice` selects in a sequence of `length`. */
export function sliceRange(s: PySlice, length: number): number[] {
  const [start, stop, step] = sliceIndices(s, length);
  const out: number[] = [];
  if (step > 0n) for (let i = start; i < stop; i += step) out.push(Number(i));
  else for (let i = start; i > stop; i += step) out.push(Number(i));
  meter().iterate(out.length);
  return out;
}

/** Python's `obj[key]`; undefined when Python would raise (Jinja2 then tries the attribute). */
export function pyGetItem(target: unknown, key: unknown): unknown {
  const obj = target instanceof PyMarkup ? target.text : target;
  if (typeof obj === 'string') {
    const chars = codePoints(obj);
    if (key instanceof PySlice)
      return sliceRange(key, chars.length)
        .map((i) => chars[i])
        .join('');
    const i = asInt(key);
    if (i === null) return undefined;
    const j = index(i, chars.length);
    return j === null ? undefined : chars[j];
  }
  if (isList(obj) || obj instanceof PyTuple) {
    const items = isList(obj) ? obj : obj.items;
    if (key instanceof PySlice) {
      const picked = sliceRange(key, items.length).map((i) => items[i]);
      return isList(obj) ? picked : new PyTuple(picked);
    }
    const i = asInt(key);
    if (i === null) return undefined;
    const j = index(i, items.length);
    return j === null ? undefined : items[j];
  }
  if (obj instanceof PyDict) {
    hashKey(key);
    return obj.has(key) ? obj.get(key) : undefined;
  }
  if (obj instanceof PyRange) {
    if (key instanceof PySlice) {
      const [start, stop, step] = sliceIndices(key, Number(obj.length));
      return new PyRange(obj.start + start * obj.step, obj.start + stop * obj.step, obj.step * step);
    }
    const i = asInt(key);
    if (i === null) return undefined;
    const j = index(i, Number(obj.length));
    return j === null ? undefined : obj.at(BigInt(j));
  }
  return undefined;
}

/** `str()` of each item joined: Jinja2's `~`. */
export function concat(values: readonly unknown[]): string {
  const parts = values.map(pyStr);
  meter().stringLength(parts.reduce((n, p) => n + p.length, 0));
  return parts.join('');
}
