/**
 * Python's view of template values: type names, `str()` (what `{{ value }}` prints: `True`, `None`,
 * `['a', 1]`) and `==` without JavaScript's coercions (`'3' == 3` is false).
 */
import { formatValue } from './format-spec.js';
import { EnumValue, TemplateValue } from './values.js';

export const plain = (v: unknown): unknown => (v instanceof String ? v.toString() : v);

export const isList = (v: unknown): v is readonly unknown[] => Array.isArray(v);

export function isDict(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || isList(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Python's name for the type of a template value, for messages. */
export function typeName(value: unknown): string {
  const v = plain(value);
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return 'NoneType';
  if (isList(v)) return 'list';
  if (v instanceof TemplateValue) return v.typeName;
  return typeof v === 'function' ? 'function' : 'dict';
}

/** The number a value stands for in arithmetic (bools and Ora enums count), else null. */
export function numeric(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v instanceof EnumValue ? v.value : null;
}

/** `str(value)`: what `{{ value }}` prints. */
export function pyStr(value: unknown): string {
  const v = plain(value);
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  if (typeof v === 'number') return formatValue(v, '');
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (v instanceof TemplateValue) return v.toString();
  if (isList(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
  if (isDict(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  return '<object>';
}

/** `repr(value)`, for items inside printed lists and dicts. */
function pyRepr(value: unknown): string {
  const v = plain(value);
  if (typeof v === 'string')
    return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (v instanceof TemplateValue && !(v instanceof EnumValue))
    return `${v.typeName}(${pyRepr(v.toString())})`;
  return pyStr(v);
}

/** Python `==`: no coercion between strings and numbers; helper values compare by value. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const x = plain(a);
  const y = plain(b);
  const nx = numeric(x);
  const ny = numeric(y);
  if (nx !== null || ny !== null) return nx === ny;
  if (x instanceof TemplateValue || y instanceof TemplateValue) {
    return (
      x instanceof TemplateValue &&
      y instanceof TemplateValue &&
      x.typeName === y.typeName &&
      x.key() === y.key()
    );
  }
  if (isList(x) && isList(y)) return x.length === y.length && x.every((e, i) => pyEquals(e, y[i]));
  if (isDict(x) && isDict(y)) {
    const keys = Object.keys(x);
    return (
      keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && pyEquals(x[k], y[k]))
    );
  }
  return x === y || (x == null && y == null);
}
