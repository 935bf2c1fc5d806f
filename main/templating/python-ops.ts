/**
 * Python semantics for template operators, as Jinja has them and nunjucks (which compiles to plain
 * JavaScript operators) does not: `'3' + 2` is an error rather than `'32'`, `'10' < 9` is an error,
 * `%` and `//` floor, and a missing attribute is an error rather than undefined.
 */
import { isDict, isList, numeric, plain, pyEquals, pyStr, typeName } from './python-values.js';
import { strMethod } from './str-methods.js';
import { ExpressionError, TemplateDate, TemplateDaytime, TemplateTime, TemplateValue } from './values.js';

/** Source text of the operands, for hints (null when the expression is too complex to quote). */
export interface OperandText {
  readonly left: string | null;
  readonly right: string | null;
}

function stringHint(a: unknown, b: unknown, text: OperandText): string {
  const strLeft = typeof a === 'string' && numeric(b) !== null;
  const strRight = typeof b === 'string' && numeric(a) !== null;
  if (!strLeft && !strRight) return '';
  const name = (strLeft ? text.left : text.right) ?? 'the value';
  return `; args are strings: convert with ${name} | int (or | float)`;
}

/** Python ordering for `<`, `<=`, `>`, `>=`: numbers with numbers, strings with strings, like helper values. */
function order(op: string, a: unknown, b: unknown, text: OperandText): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null && nb !== null) return na - nb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof TemplateValue && b instanceof TemplateValue && a.typeName === b.typeName && a.ordered) {
    const ka = a.key();
    const kb = b.key();
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
  throw new ExpressionError(
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'${stringHint(a, b, text)}`,
  );
}

/** One comparison `a op b`, with nunjucks's `===`/`!==` treated as `==`/`!=`. */
export function pyCompare(op: string, left: unknown, right: unknown, text: OperandText): boolean {
  const a = plain(left);
  const b = plain(right);
  switch (op) {
    case '==':
    case '===':
      return pyEquals(a, b);
    case '!=':
    case '!==':
      return !pyEquals(a, b);
    case '<':
      return order(op, a, b, text) < 0;
    case '<=':
      return order(op, a, b, text) <= 0;
    case '>':
      return order(op, a, b, text) > 0;
    case '>=':
      return order(op, a, b, text) >= 0;
    default:
      throw new ExpressionError(`unknown comparison '${op}'`);
  }
}

const isTemporal = (v: unknown): v is TemplateValue =>
  v instanceof TemplateDate || v instanceof TemplateDaytime || v instanceof TemplateTime;

/** SPEC 7: no operator overloading on dates; point at `.add(days)` with the user's own expression. */
function temporalMessage(op: string, a: unknown, b: unknown, text: OperandText): string {
  const base = `unsupported operand types for ${op}: '${typeName(a)}' and '${typeName(b)}'`;
  const [date, days] = a instanceof TemplateDate ? [text.left, text.right] : [text.right, text.left];
  const dateSide = a instanceof TemplateDate ? a : b;
  const count = a instanceof TemplateDate ? b : a;
  if (
    dateSide instanceof TemplateDate &&
    numeric(count) !== null &&
    (op === '+' || (op === '-' && a === dateSide))
  ) {
    const n = days ?? 'days';
    const shift = op === '+' ? n : /^[\w.]+$/.test(n) ? `-${n}` : `-(${n})`;
    return `${base}: date arithmetic is not supported; write ${date ?? 'Date(...)'}.add(${shift})`;
  }
  return `${base}: date and time arithmetic is not supported; use .add(days) on a Date`;
}

function divisor(op: string, b: number): number {
  if (b === 0) throw new ExpressionError(op === '%' ? 'integer modulo by zero' : 'division by zero');
  return b;
}

/** Python's binary arithmetic `a op b` for `+ - * / // % **`. */
export function pyArith(op: string, left: unknown, right: unknown, text: OperandText): unknown {
  const a = plain(left);
  const b = plain(right);
  if (isTemporal(a) || isTemporal(b)) throw new ExpressionError(temporalMessage(op, a, b, text));
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null && nb !== null) {
    switch (op) {
      case '+':
        return na + nb;
      case '-':
        return na - nb;
      case '*':
        return na * nb;
      case '/':
        return na / divisor(op, nb);
      case '//':
        return Math.floor(na / divisor(op, nb));
      case '%':
        return na - nb * Math.floor(na / divisor(op, nb));
      case '**':
        return na ** nb;
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && isList(a) && isList(b)) return [...a, ...b];
  if (op === '*') {
    const [seq, count] = numeric(b) !== null ? [a, nb] : [b, na];
    if (count !== null && Number.isInteger(count) && (typeof seq === 'string' || isList(seq))) {
      const times = Math.max(count, 0);
      return typeof seq === 'string' ? seq.repeat(times) : Array.from({ length: times }, () => seq).flat();
    }
  }
  throw new ExpressionError(
    `unsupported operand types for ${op}: '${typeName(a)}' and '${typeName(b)}'${stringHint(a, b, text)}`,
  );
}

/** Python's unary `-x` / `+x`. */
export function pyUnary(op: string, value: unknown, text: string | null): number {
  const n = numeric(plain(value));
  if (n === null) {
    const hint =
      typeof plain(value) === 'string' ? `; args are strings: convert with ${text ?? 'the value'} | int` : '';
    throw new ExpressionError(`bad operand type for unary ${op}: '${typeName(value)}'${hint}`);
  }
  return op === '-' ? -n : n;
}

function index(seq: string | readonly unknown[], key: number, kind: string): unknown {
  const i = key < 0 ? seq.length + key : key;
  if (!Number.isInteger(i) || i < 0 || i >= seq.length)
    throw new ExpressionError(`${kind} index out of range`);
  return seq[i];
}

/** Strict `obj.key` / `obj[key]`: a missing attribute, key or index is an error, as with Jinja's StrictUndefined. */
export function pyGetItem(target: unknown, key: unknown): unknown {
  const obj = plain(target);
  const k = plain(key);
  const missing = (): ExpressionError =>
    new ExpressionError(
      `'${typeName(obj)}' object has no attribute ${typeof k === 'string' ? `'${k}'` : pyStr(k)}`,
    );
  if (obj instanceof TemplateValue) {
    const v = typeof k === 'string' ? obj.attr(k) : undefined;
    if (v === undefined) throw missing();
    return v;
  }
  if (typeof obj === 'string') {
    if (typeof k === 'number') return index(obj, k, 'string');
    const method = typeof k === 'string' ? strMethod(obj, k) : undefined;
    if (method === undefined) throw missing();
    return method;
  }
  if (isList(obj)) {
    if (typeof k === 'number') return index(obj, k, 'list');
    throw missing();
  }
  if (isDict(obj) && (typeof k === 'string' || typeof k === 'number') && Object.hasOwn(obj, k)) {
    const value = obj[k];
    // Methods of objects such as cycler() run on their object, as in nunjucks's own member lookup.
    return typeof value === 'function'
      ? (...args: unknown[]): unknown => Reflect.apply(value, obj, args)
      : value;
  }
  throw missing();
}
