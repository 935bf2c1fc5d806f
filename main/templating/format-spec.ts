/**
 * Python's `format(value, spec)` for template values: the format-spec mini-language
 * `[[fill]align][sign][z][#][0][width][grouping][.precision][type]` with types `s d b o x X c n e E f F g G %`.
 * Rounding is Python's: exact binary value, ties to even (`format(2.5, '.0f')` is `2`).
 * Dates, daytimes and times take strftime-style specs (`%Y%m%d`) as Ora's do.
 */
import { decimalDigits, exponential, fixed, general, repr } from './decimal-format.js';
import { formatStrftime } from './strftime.js';
import { meter } from './budget.js';
import { EnumValue, TemplateValue } from './values.js';

interface Spec {
  fill: string;
  /** Whether the spec names its fill character (the `0` flag fills with zeros only when it does not). */
  fillGiven: boolean;
  /** Whether the spec names a sign (strings accept none, not even `-`). */
  signGiven: boolean;
  align: string | undefined;
  sign: string;
  z: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string | undefined;
  precision: number | undefined;
  type: string | undefined;
}

const SPEC = /^(?:([\s\S])?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;
const INTEGER_TYPES = 'bcdoxXn';
const NUMBER_TYPES = 'bcdoxXneEfFgG%';

function parseSpec(spec: string): Spec {
  const m = SPEC.exec(spec);
  if (m === null) throw new Error(`invalid format spec '${spec}'`);
  return {
    fill: m[1] ?? (m[6] !== undefined ? '0' : ' '),
    fillGiven: m[1] !== undefined,
    signGiven: m[3] !== undefined,
    align: m[2],
    sign: m[3] ?? '-',
    z: m[4] !== undefined,
    alt: m[5] !== undefined,
    zero: m[6] !== undefined,
    width: m[7] === undefined ? 0 : Number(m[7]),
    grouping: m[8],
    precision: m[9] === undefined ? undefined : Number(m[9]),
    type: m[10],
  };
}

/** Formats `value` per the Python format spec `spec`; throws an Error with Python's reason when it cannot. */
export function formatValue(value: unknown, spec: string): string {
  const plain = value instanceof String ? value.toString() : value;
  if (plain instanceof TemplateValue && !(plain instanceof EnumValue)) {
    if (spec.includes('%')) return formatStrftime(plain, spec);
    return formatString(plain.toString(), parseSpec(spec));
  }
  const s = parseSpec(spec);
  if (plain instanceof EnumValue) {
    return s.type !== undefined && NUMBER_TYPES.includes(s.type)
      ? formatNumber(BigInt(plain.value), s)
      : formatString(plain.toString(), s);
  }
  // A bool formats as its int once there is a spec (`format(True, '5')` is `    1`).
  if (typeof plain === 'boolean')
    return spec === '' ? (plain ? 'True' : 'False') : formatNumber(plain ? 1n : 0n, s);
  if (typeof plain === 'number' || typeof plain === 'bigint') return formatNumber(plain, s);
  if (typeof plain === 'string') return formatString(plain, s);
  if ((plain === null || plain === undefined) && spec === '') return 'None';
  throw new Error(`cannot format a value of this type with '${spec}'`);
}

function typeOf(x: bigint | number): string {
  return typeof x === 'bigint' ? 'int' : 'float';
}

function formatString(text: string, s: Spec): string {
  if (s.type !== undefined && s.type !== 's') {
    const hint = NUMBER_TYPES.includes(s.type) ? ' (args are strings: convert with | int or | float)' : '';
    throw new Error(`unknown format code '${s.type}' for object of type 'str'${hint}`);
  }
  if (s.signGiven || s.z) throw new Error('Sign not allowed in string format specifier');
  if (s.alt) throw new Error('alternate form (#) not allowed in string format specifier');
  if (s.grouping !== undefined) throw new Error(`cannot specify '${s.grouping}' with 's'`);
  if (s.align === '=') throw new Error("'=' alignment not allowed in string format specifier");
  const chars = Array.from(text);
  const body = s.precision === undefined ? text : chars.slice(0, s.precision).join('');
  return pad('', body, s.width, s.fill, s.align ?? '<');
}

function formatNumber(n: bigint | number, s: Spec): string {
  const integer = typeof n === 'bigint';
  let type = s.type ?? (integer ? 'd' : s.precision === undefined ? 'r' : 'g~');
  if (type === 's') throw new Error(`Unknown format code 's' for object of type '${typeOf(n)}'`);
  if (type === 'n' && s.grouping !== undefined) throw new Error(`Cannot specify '${s.grouping}' with 'n'.`);
  if (type === 'n') type = integer ? 'd' : 'g';
  if (INTEGER_TYPES.includes(type) && !integer) {
    throw new Error(`unknown format code '${type}' for object of type '${typeOf(n)}'`);
  }
  if (INTEGER_TYPES.includes(type) && s.precision !== undefined)
    throw new Error('precision not allowed in integer format specifier');
  if (s.grouping === ',' && 'bcoxX'.includes(type)) throw new Error(`cannot specify ',' with '${type}'`);
  if (s.precision !== undefined) meter().stringLength(s.precision);
  const big = typeof n === 'bigint' ? (n < 0n ? -n : n) : 0n;
  if (integer && 'eEfFgG%'.includes(type) && !Number.isFinite(Number(n)))
    throw new Error('int too large to convert to float');
  const x = Number(n);
  const negative = typeof n === 'bigint' ? n < 0n : x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  let prefix = '';
  let body: string;
  const upper = 'XEFG'.includes(type);
  if (!Number.isFinite(abs)) {
    body = Number.isNaN(abs) ? 'nan' : 'inf';
    if (type === '%') body += '%';
  } else if (type === 'c') {
    if (big > 0x10ffffn) throw new Error('%c arg not in range(0x110000)');
    body = String.fromCodePoint(Number(big));
  } else if ('boxX'.includes(type)) {
    body = big.toString(type === 'b' ? 2 : type === 'o' ? 8 : 16);
    if (s.alt) prefix = `0${type}`;
  } else if (type === 'd') {
    body = big.toString();
  } else if (type === 'f' || type === 'F') {
    body = fixed(decimalDigits(abs), s.precision ?? 6, s.alt);
  } else if (type === '%') {
    body = `${fixed(decimalDigits(abs * 100), s.precision ?? 6, s.alt)}%`;
  } else if (type === 'e' || type === 'E') {
    body = exponential(decimalDigits(abs), s.precision ?? 6, s.alt);
  } else if (type === 'r') {
    body = repr(abs);
  } else {
    body = general(decimalDigits(abs), s.precision ?? 6, s.alt, type === 'g~');
  }
  if (upper) body = body.toUpperCase();
  if (prefix !== '' && upper) prefix = prefix.toUpperCase();
  const isZero = !/[1-9]/.test(body.replace(/e.*$/i, ''));
  const signChar =
    negative && !(s.z && isZero) && !(integer && n === 0n) ? '-' : s.sign === '-' ? '' : s.sign;
  const lead = signChar + prefix;
  const align = s.align ?? (s.zero ? '=' : '>');
  if (s.grouping !== undefined && Number.isFinite(abs)) {
    const size = 'bxXo'.includes(type) ? 4 : 3;
    // Zero padding between the sign and the digits is grouped too (`format(7, '+012_d')` is `+000_000_007`).
    const minWidth = s.fill === '0' && align === '=' ? s.width - Array.from(lead).length : 0;
    body = group(body, s.grouping, size, minWidth);
  }
  return pad(lead, body, s.width, s.fill, align);
}

/**
 * Inserts `sep` every `size` digits in the integer part of `body`, as Python does: when the number is
 * zero-padded, it is padded with grouped zeros up to `minWidth` characters in all.
 */
function group(body: string, sep: string, size: number, minWidth: number): string {
  const m = /^([0-9a-fA-F]*)(.*)$/.exec(body);
  if (m === null) return body;
  const digits = m[1] ?? '';
  const rest = m[2] ?? '';
  let remaining = digits.length;
  let min = minWidth - Array.from(rest).length;
  const parts: string[] = [];
  for (;;) {
    const l = Math.min(Math.max(remaining, min, 1), size);
    const chars = Math.max(0, Math.min(remaining, l));
    parts.unshift('0'.repeat(Math.max(0, l - remaining)) + digits.slice(remaining - chars, remaining));
    remaining -= chars;
    min -= l;
    if (remaining <= 0 && min <= 0) break;
    min -= sep.length;
  }
  return parts.join(sep) + rest;
}

/** Pads `lead + body` to `width` code points; `=` puts the padding between the sign/prefix and the digits. */
function pad(lead: string, body: string, width: number, fill: string, align: string): string {
  const missing = width - Array.from(lead + body).length;
  if (missing <= 0) return lead + body;
  meter().stringLength(width);
  const fillN = (n: number): string => fill.repeat(n);
  switch (align) {
    case '<':
      return lead + body + fillN(missing);
    case '^':
      return fillN(Math.floor(missing / 2)) + lead + body + fillN(Math.ceil(missing / 2));
    case '=':
      return lead + fillN(missing) + body;
    default:
      return fillN(missing) + lead + body;
  }
}
