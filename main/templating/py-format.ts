/**
 * Python's string formatting: `'%05.1f' % x`, `'%s-%s' % (a, b)`, `'%(k)s' % d` (printf style) and
 * `'{}-{:>5}'.format(a, b)` (`str.format`), with the format-spec mini-language of format-spec.ts. Widths
 * and precisions are bounded by the render's budget before any padding is built.
 */
import { meter } from './budget.js';
import { formatValue } from './format-spec.js';
import { pyGetItem } from './py-ops.js';
import {
  asInt,
  asNumber,
  isList,
  type Kwargs,
  PyRange,
  PyDict,
  PyError,
  pyRepr,
  pyStr,
  PyTuple,
  typeName,
} from './py-values.js';
import { TemplateValue } from './values.js';

/** Python's `format(value, spec)`. */
export function pyFormat(value: unknown, spec: string): string {
  if (spec === '') return pyStr(value);
  if (
    !(
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'bigint' ||
      typeof value === 'boolean'
    ) &&
    !(value instanceof TemplateValue)
  )
    throw new PyError(`unsupported format string passed to ${typeName(value)}.__format__`);
  try {
    return formatValue(value, spec);
  } catch (e) {
    if (e instanceof PyError || (e instanceof Error && e.name === 'BudgetExceeded')) throw e;
    throw new PyError(e instanceof Error ? e.message : String(e));
  }
}

function asciiRepr(v: unknown): string {
  return pyRepr(v).replace(/[^\p{ASCII}]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : code < 0x10000
        ? `\\u${code.toString(16).padStart(4, '0')}`
        : `\\U${code.toString(16).padStart(8, '0')}`;
  });
}

const PERCENT = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)/gs;

/** Python's `format % args`. */
export function percentFormat(format: string, args: unknown): string {
  const positional = args instanceof PyTuple ? args.items : [args];
  const mapping = args instanceof PyDict ? args : null;
  // Python lets any object with __getitem__ (a dict, a list, a range) go without being consumed.
  const subscriptable = mapping !== null || isList(args) || args instanceof PyRange;
  let next = 0;
  let usedMapping = false;
  const take = (): unknown => {
    if (next >= positional.length) throw new PyError('not enough arguments for format string');
    return positional[next++];
  };
  const number = (v: unknown, type: string): bigint | number => {
    const n = asNumber(v);
    if (n === null) {
      if ('diuoxXc'.includes(type) && type !== 'c')
        throw new PyError(
          `%${type} format: ${'oxX'.includes(type) ? 'an integer' : 'a real number'} is required, not ${typeName(v)}`,
        );
      throw new PyError(`must be real number, not ${typeName(v)}`);
    }
    return n;
  };
  let out = '';
  let last = 0;
  for (const m of format.matchAll(PERCENT)) {
    out += format.slice(last, m.index);
    last = m.index + m[0].length;
    const [, key, flags = '', widthText, precText, type = ''] = m;
    if (type === '') throw new PyError('incomplete format');
    if (type === '%' && m[0] === '%%') {
      out += '%';
      continue;
    }
    let value: unknown;
    const width =
      widthText === '*' ? Number(asInt(take()) ?? 0n) : widthText === undefined ? 0 : Number(widthText);
    const precision =
      precText === '*'
        ? Number(asInt(take()) ?? 0n)
        : precText === undefined
          ? undefined
          : Number(precText === '' ? '0' : precText);
    meter().stringLength(Math.max(Math.abs(width), precision ?? 0));
    if (key !== undefined) {
      if (mapping === null) throw new PyError('format requires a mapping');
      usedMapping = true;
      if (!mapping.has(key)) throw new PyError(`KeyError: ${pyRepr(key)}`);
      value = mapping.get(key);
    } else if (type !== '%') value = take();
    const left = flags.includes('-') || width < 0;
    const zero = flags.includes('0') && !left;
    const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    const alt = flags.includes('#') ? '#' : '';
    const w = Math.abs(width);
    const pad = (s: string): string => {
      const missing = w - Array.from(s).length;
      if (missing <= 0) return s;
      return left ? s + ' '.repeat(missing) : ' '.repeat(missing) + s;
    };
    let text: string;
    switch (type) {
      case 's':
      case 'r':
      case 'a': {
        const s = type === 's' ? pyStr(value) : type === 'r' ? pyRepr(value) : asciiRepr(value);
        text = pad(precision === undefined ? s : Array.from(s).slice(0, precision).join(''));
        break;
      }
      case '%':
        text = pad('%');
        break;
      case 'c': {
        const n = asInt(value);
        if (typeof value === 'string' && Array.from(value).length === 1) text = pad(value);
        else if (n === null) throw new PyError('%c requires int or char');
        else if (n < 0n || n > 0x10ffffn) throw new PyError('%c arg not in range(0x110000)');
        else text = pad(String.fromCodePoint(Number(n)));
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'o':
      case 'x':
      case 'X': {
        let n = number(value, type);
        if (typeof n === 'number') {
          if ('oxX'.includes(type)) throw new PyError(`%${type} format: an integer is required, not float`);
          if (!Number.isFinite(n)) throw new PyError('cannot convert float infinity or NaN to integer');
          n = BigInt(Math.trunc(n));
        }
        const t = type === 'i' || type === 'u' ? 'd' : type;
        const negative = n < 0n;
        let digits = (negative ? -n : n).toString(t === 'd' ? 10 : t === 'o' ? 8 : 16);
        if (t === 'X') digits = digits.toUpperCase();
        if (precision !== undefined) digits = digits.padStart(precision, '0');
        const prefix = alt !== '' && t !== 'd' ? `0${t}` : '';
        const lead = (negative ? '-' : sign) + prefix;
        text =
          zero && lead.length + digits.length < w
            ? lead + digits.padStart(w - lead.length, '0')
            : pad(lead + digits);
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        const n = number(value, type);
        const spec = `${left ? '<' : ''}${sign}${alt}${zero ? '0' : ''}${w > 0 ? w : ''}.${precision ?? 6}${type}`;
        text = pyFormat(typeof n === 'bigint' ? Number(n) : n, spec);
        break;
      }
      default:
        throw new PyError(
          `unsupported format character '${type}' (0x${(type.codePointAt(0) ?? 0).toString(16)})`,
        );
    }
    out += text;
  }
  out += format.slice(last);
  if (next < positional.length && !subscriptable && !usedMapping)
    throw new PyError('not all arguments converted during string formatting');
  meter().stringLength(out.length);
  return out;
}

/** Python's `str.format(*args, **kwargs)`. */
export function strFormat(
  format: string,
  args: readonly unknown[],
  kwargs: Kwargs,
  getattr: (obj: unknown, name: string) => unknown,
): string {
  let auto = 0;
  let mode: 'auto' | 'manual' | null = null;
  const field = (name: string): unknown => {
    const m = /^([^.[]*)(.*)$/s.exec(name) as RegExpExecArray;
    const head = m[1] ?? '';
    let value: unknown;
    if (head === '' || /^\d+$/.test(head)) {
      let i: number;
      if (head === '') {
        if (mode === 'manual')
          throw new PyError('cannot switch from manual field specification to automatic field numbering');
        mode = 'auto';
        i = auto++;
      } else {
        if (mode === 'auto')
          throw new PyError('cannot switch from automatic field numbering to manual field specification');
        mode = 'manual';
        i = Number(head);
      }
      if (i >= args.length)
        throw new PyError(`Replacement index ${i} out of range for positional args tuple`);
      value = args[i];
    } else {
      if (!kwargs.has(head)) throw new PyError(`KeyError: ${pyRepr(head)}`);
      value = kwargs.get(head);
    }
    let rest = m[2] ?? '';
    while (rest !== '') {
      const attr = /^\.([^.[]+)/.exec(rest);
      if (attr !== null) {
        value = getattr(value, attr[1] ?? '');
        if (value === undefined) throw new PyError(`object has no attribute '${attr[1] ?? ''}'`);
        rest = rest.slice(attr[0].length);
        continue;
      }
      const item = /^\[([^\]]+)\]/.exec(rest);
      if (item === null) throw new PyError("Only '.' or '[' may follow ']' in format field specifier");
      const key = /^\d+$/.test(item[1] ?? '') ? BigInt(item[1] ?? '0') : (item[1] ?? '');
      value = pyGetItem(value, key);
      if (value === undefined) throw new PyError(`KeyError: ${pyRepr(key)}`);
      rest = rest.slice(item[0].length);
    }
    return value;
  };
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format.charAt(i);
    if (c === '}') {
      if (format.charAt(i + 1) !== '}') throw new PyError("Single '}' encountered in format string");
      out += '}';
      i += 2;
      continue;
    }
    if (c !== '{') {
      out += c;
      i += 1;
      continue;
    }
    if (format.charAt(i + 1) === '{') {
      out += '{';
      i += 2;
      continue;
    }
    let level = 1;
    let j = i + 1;
    for (; j < format.length && level > 0; j += 1) {
      if (format.charAt(j) === '{') level += 1;
      else if (format.charAt(j) === '}') level -= 1;
    }
    if (level > 0) throw new PyError("expected '}' before end of string");
    const inner = format.slice(i + 1, j - 1);
    i = j;
    const fm = /^([^!:]*)(?:!(.))?(?::(.*))?$/s.exec(inner);
    if (fm === null) throw new PyError('invalid format field');
    const [, name = '', conversion, specText = ''] = fm;
    if (inner.includes('!') && conversion === undefined)
      throw new PyError('end of string while looking for conversion specifier');
    let value = field(name);
    if (conversion !== undefined) {
      if (conversion === 'r') value = pyRepr(value);
      else if (conversion === 's') value = pyStr(value);
      else if (conversion === 'a') value = asciiRepr(value);
      else throw new PyError(`Unknown conversion specifier ${conversion}`);
    }
    const spec = specText.replace(/\{([^{}]*)\}/g, (_m, nested: string) => pyStr(field(nested)));
    if (/[{}]/.test(spec)) throw new PyError('Max string recursion exceeded');
    out += pyFormat(value, spec);
    meter().stringLength(out.length);
  }
  return out;
}
