/**
 * Python's values as templates see them, since Apsis's templates run on Python: `None` is null, `bool` a
 * boolean, `int` a bigint (so `2.0` and `2` stay apart and `2 ** 100` is exact), `float` a number, `str` a
 * string, `list` an array, and tuples, dicts, ranges and functions are the classes below. `str()`,
 * `repr()`, `==`, hashing, truth and type names follow Python.
 */
import { repr as positiveFloatRepr } from './decimal-format.js';
import { EnumValue, ExpressionError, TemplateValue } from './values.js';

/** Python's `TypeError`, `ValueError` and friends; the message is what the user reads. */
export class PyError extends ExpressionError {}

/** A Python tuple; `fields` names its items when it is a named tuple (groupby's `grouper`, `list`). */
export class PyTuple {
  constructor(
    readonly items: readonly unknown[],
    readonly fields: readonly string[] = [],
  ) {}
}

/** A Python generator or iterator (what `map`, `select`, `batch`... return): iterable once. */
export class PyIter {
  private remaining: unknown[] | null;
  constructor(
    items: unknown[],
    readonly typeName = 'generator',
  ) {
    this.remaining = items;
  }
  /** The items not consumed yet; consumes them. */
  take(): unknown[] {
    const items = this.remaining ?? [];
    this.remaining = null;
    return items;
  }
}

/**
 * Jinja2's plain `Undefined`, which only `{{ x if false }}` (an inline if without else) produces under
 * Apsis's environment: it prints as nothing and is false; operating on it is an error.
 */
export class PyUndefined {
  static readonly instance = new PyUndefined();
  private constructor() {}
}

/** Jinja2's `Markup`: a string marked safe; it prints as its text. */
export class PyMarkup {
  constructor(readonly text: string) {}
}

/** A Python dict: insertion-ordered, keyed by Python equality (`1`, `1.0` and `True` are one key). */
export class PyDict {
  private readonly map = new Map<string, [unknown, unknown]>();
  constructor(entries: Iterable<readonly [unknown, unknown]> = []) {
    for (const [k, v] of entries) this.set(k, v);
  }
  get size(): number {
    return this.map.size;
  }
  get(key: unknown): unknown {
    return this.map.get(hashKey(key))?.[1];
  }
  has(key: unknown): boolean {
    return this.map.has(hashKey(key));
  }
  set(key: unknown, value: unknown): void {
    const h = hashKey(key);
    const old = this.map.get(h);
    this.map.set(h, [old === undefined ? key : old[0], value]);
  }
  delete(key: unknown): boolean {
    return this.map.delete(hashKey(key));
  }
  clear(): void {
    this.map.clear();
  }
  keys(): unknown[] {
    return [...this.map.values()].map((e) => e[0]);
  }
  values(): unknown[] {
    return [...this.map.values()].map((e) => e[1]);
  }
  entries(): [unknown, unknown][] {
    return [...this.map.values()].map(([k, v]) => [k, v]);
  }
}

/** `dict.keys()`, `.values()`, `.items()`: iterable, printed as Python prints them. */
export class PyDictView {
  constructor(
    readonly kind: 'dict_keys' | 'dict_values' | 'dict_items',
    readonly items: readonly unknown[],
  ) {}
}

/** A Python `range` (its items are counted against the render's budget when it is made). */
export class PyRange {
  readonly length: bigint;
  constructor(
    readonly start: bigint,
    readonly stop: bigint,
    readonly step: bigint,
  ) {
    const span = step > 0n ? stop - start : start - stop;
    const abs = step > 0n ? step : -step;
    this.length = span <= 0n ? 0n : (span + abs - 1n) / abs;
  }
  at(i: bigint): bigint {
    return this.start + i * this.step;
  }
}

/** A slice `a:b:c`, as a subscript. */
export class PySlice {
  constructor(
    readonly start: unknown,
    readonly stop: unknown,
    readonly step: unknown,
  ) {}
}

/** Keyword arguments of a call. */
export type Kwargs = ReadonlyMap<string, unknown>;

/** A callable value: a helper, a macro, a bound method, `range`, `dict`... */
export class PyFunction {
  constructor(
    readonly pyName: string,
    readonly call: (args: readonly unknown[], kwargs: Kwargs) => unknown,
    /** Python's type name for messages (`builtin_function_or_method`, `Macro`, ...). */
    readonly typeName = 'builtin_function_or_method',
    /** Attributes templates can read (a macro's `name`, `arguments`, ...). */
    readonly attrs: ReadonlyMap<string, unknown> = new Map(),
  ) {}
}

/** A Jinja2 `namespace()`: attributes settable with `{% set ns.x = ... %}`. */
export class PyNamespace {
  constructor(readonly attrs: Map<string, unknown>) {}
}

/** An object with a fixed set of attributes (loop, cycler, joiner). */
export abstract class PyObject {
  abstract readonly typeName: string;
  abstract attr(name: string): unknown;
}

export const isList = (v: unknown): v is unknown[] => Array.isArray(v);

/** Python's name for the type of a value. */
export function typeName(v: unknown): string {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return 'NoneType';
  if (isList(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PyDictView) return v.kind;
  if (v instanceof PyRange) return 'range';
  if (v instanceof PySlice) return 'slice';
  if (v instanceof PyIter) return v.typeName;
  if (v instanceof PyMarkup) return 'Markup';
  if (v instanceof PyUndefined) return 'Undefined';
  if (v instanceof PyFunction) return v.typeName;
  if (v instanceof PyNamespace) return 'Namespace';
  if (v instanceof PyObject || v instanceof TemplateValue) return v.typeName;
  return 'object';
}

/** The integer a value stands for (bool, int, Ora enum), else null. */
export function asInt(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return v instanceof EnumValue ? BigInt(v.value) : null;
}

/** The number for arithmetic: a bigint for ints, a number for floats, else null. */
export function asNumber(v: unknown): bigint | number | null {
  return typeof v === 'number' ? v : asInt(v);
}

/** An int as a float, as Python converts it (OverflowError past the largest float). */
export function toFloat(v: bigint | number): number {
  if (typeof v === 'number') return v;
  const f = Number(v);
  if (!Number.isFinite(f)) throw new PyError('int too large to convert to float');
  return f;
}

/** Python's `repr()` of a float. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const body =
    Number.isInteger(x) && Math.abs(x) < 1e16 ? `${Math.abs(x)}.0` : positiveFloatRepr(Math.abs(x));
  return (x < 0 ? '-' : '') + body;
}

/** Python's `str()` of an int, which refuses more than 4300 digits. */
export function intStr(n: bigint): string {
  const s = n.toString();
  if (s.length > 4301 && s.replace('-', '').length > 4300)
    throw new PyError('Exceeds the limit (4300 digits) for integer string conversion');
  return s;
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr()` of a string. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of s) {
    if (c === quote || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c !== ' ' && NOT_PRINTABLE.test(c)) {
      const code = c.codePointAt(0) ?? 0;
      out +=
        code < 0x100
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : code < 0x10000
            ? `\\u${code.toString(16).padStart(4, '0')}`
            : `\\U${code.toString(16).padStart(8, '0')}`;
    } else out += c;
  }
  return out + quote;
}

/** Python's `repr()`. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof PyMarkup) return `Markup(${strRepr(v.text)})`;
  if (v instanceof PyUndefined) return 'Undefined';
  if (v instanceof TemplateValue && !(v instanceof EnumValue))
    return `${v.typeName}(${strRepr(v.toString())})`;
  return pyStr(v);
}

/** Python's `str()`: what `{{ value }}` prints. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyMarkup) return v.text;
  if (v instanceof PyUndefined) return '';
  if (typeof v === 'bigint') return intStr(v);
  if (typeof v === 'number') return floatRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (isList(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyTuple)
    return v.items.length === 1 ? `(${pyRepr(v.items[0])},)` : `(${v.items.map(pyRepr).join(', ')})`;
  if (v instanceof PyDict)
    return `{${v
      .entries()
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  if (v instanceof PyDictView) {
    const inner = v.items.map(pyRepr).join(', ');
    return `${v.kind}([${inner}])`;
  }
  if (v instanceof PyRange)
    return v.step === 1n ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
  if (v instanceof TemplateValue) return v.toString();
  if (v instanceof PyNamespace) {
    const attrs = [...v.attrs.entries()].map(([k, x]) => `${k}=${pyRepr(x)}`).join(', ');
    return `<Namespace {${attrs}}>`;
  }
  // Python prints these with a memory address, which no job could rely on.
  throw new PyError(`cannot print a ${typeName(v)} value`);
}

/** Python's truth value. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v instanceof PyUndefined) return false;
  if (v === true) return true;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (v instanceof PyMarkup) return v.text.length > 0;
  if (isList(v)) return v.length > 0;
  if (v instanceof PyTuple || v instanceof PyDictView) return v.items.length > 0;
  if (v instanceof PyDict) return v.size > 0;
  if (v instanceof PyRange) return v.length > 0n;
  if (v instanceof EnumValue) return v.value !== 0;
  return true;
}

/** The dict key of a value: equal values (Python `==`) share a key; lists and dicts are unhashable. */
export function hashKey(v: unknown): string {
  const n = asNumber(v);
  if (n !== null) {
    if (typeof n === 'bigint') return `n${n}`;
    if (Number.isInteger(n)) return `n${BigInt(n)}`;
    return `f${floatRepr(n)}`;
  }
  if (typeof v === 'string') return `s${v}`;
  if (v instanceof PyMarkup) return `s${v.text}`;
  if (v instanceof PyUndefined) return 'U';
  if (v === null || v === undefined) return 'N';
  if (v instanceof PyTuple) return `t(${v.items.map(hashKey).join(',')})`;
  if (v instanceof TemplateValue) return `v${v.typeName}:${v.key()}`;
  if (isList(v) || v instanceof PyDict || v instanceof PyDictView || v instanceof PyNamespace)
    throw new PyError(`unhashable type: '${typeName(v)}'`);
  return `o${typeName(v)}`;
}

function numEquals(a: bigint | number, b: bigint | number): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  const [i, f] = typeof a === 'bigint' ? [a, b as number] : [b as bigint, a];
  return Number.isInteger(f) && BigInt(f) === i;
}

/** Python `==`. */
export function pyEquals(x: unknown, y: unknown): boolean {
  const a = x instanceof PyMarkup ? x.text : x;
  const b = y instanceof PyMarkup ? y.text : y;
  if (a === b) return !(typeof a === 'number' && Number.isNaN(a));
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null && nb !== null) {
    if (a instanceof EnumValue && b instanceof EnumValue && a.typeName !== b.typeName) return false;
    return numEquals(na, nb);
  }
  if (na !== null || nb !== null) return false;
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (isList(a) && isList(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (a instanceof PyTuple && b instanceof PyTuple)
    return a.items.length === b.items.length && a.items.every((x, i) => pyEquals(x, b.items[i]));
  if (a instanceof PyDict && b instanceof PyDict)
    return a.size === b.size && a.entries().every(([k, v]) => b.has(k) && pyEquals(v, b.get(k)));
  if (a instanceof PyRange && b instanceof PyRange)
    return (
      a.length === b.length &&
      (a.length === 0n || (a.start === b.start && (a.length === 1n || a.step === b.step)))
    );
  if (a instanceof TemplateValue && b instanceof TemplateValue)
    return a.typeName === b.typeName && a.key() === b.key();
  return (a === null || a === undefined) && (b === null || b === undefined);
}

/** Python's `len()`; strings count code points. */
export function pyLen(v: unknown): bigint {
  if (typeof v === 'string') return BigInt(codePoints(v).length);
  if (v instanceof PyMarkup) return BigInt(codePoints(v.text).length);
  if (v instanceof PyUndefined) return 0n;
  if (isList(v)) return BigInt(v.length);
  if (v instanceof PyTuple || v instanceof PyDictView) return BigInt(v.items.length);
  if (v instanceof PyDict) return BigInt(v.size);
  if (v instanceof PyRange) return v.length;
  throw new PyError(`object of type '${typeName(v)}' has no len()`);
}

const ASTRAL = /[\uD800-\uDFFF]/;

/** The code points of a string, as Python indexes it (one unit per character, astral ones too). */
export function codePoints(s: string): readonly string[] | string {
  return ASTRAL.test(s) ? Array.from(s) : s;
}
