/**
 * Decimal renderings of non-negative finite numbers with Python's rounding: the exact binary value,
 * ties to even. JavaScript's toFixed/toPrecision round ties up (`(2.5).toFixed(0)` is `3`, Python says `2`),
 * so rounding is done here on the exact decimal digits.
 */

/** A number `0.DIGITS × 10^point`; `digits` has no leading zeros and is empty for zero. */
export interface Decimal {
  readonly digits: string;
  readonly point: number;
}

/** Exact decimal digits of `x >= 0`. */
export function decimalDigits(x: number): Decimal {
  if (x === 0) return { digits: '', point: 0 };
  // 101 significant digits hold the exact expansion of every double whose rounding could tie at the
  // precisions formatting uses; longer expansions are never exactly halfway.
  const [mantissa = '', exp = '0'] = x.toExponential(100).split('e');
  return { digits: mantissa.replace('.', '').replace(/0+$/, ''), point: Number(exp) + 1 };
}

function increment(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i -= 1) {
    if (out[i] !== '9') {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
    out[i] = '0';
  }
  return `1${out.join('')}`;
}

/** Keeps the first `keep` digits, rounding half to even; a carry (`99` → `100`) moves the point. */
export function roundTo(d: Decimal, keep: number): Decimal {
  if (keep < 0) return { digits: '', point: d.point };
  const head = d.digits.slice(0, keep).padEnd(keep, '0');
  const rest = d.digits.slice(keep);
  const first = rest.charAt(0);
  const odd = head !== '' && Number(head.charAt(head.length - 1)) % 2 === 1;
  const up = first > '5' || (first === '5' && (/[1-9]/.test(rest.slice(1)) || odd));
  if (!up) return { digits: head, point: d.point };
  const next = increment(head);
  return { digits: next, point: next.length > head.length ? d.point + 1 : d.point };
}

/** Python `f` with `precision` digits after the point (`#` keeps a bare point). */
export function fixed(d: Decimal, precision: number, alt: boolean): string {
  const r = roundTo(d, d.point + precision);
  let whole: string;
  let frac: string;
  if (r.point <= 0) {
    whole = '0';
    frac = '0'.repeat(-r.point) + r.digits;
  } else {
    whole = r.digits
      .slice(0, r.point)
      .padEnd(r.point, '0')
      .replace(/^0+(?=\d)/, '');
    frac = r.digits.slice(r.point);
  }
  frac = frac.padEnd(precision, '0').slice(0, precision);
  if (precision > 0) return `${whole}.${frac}`;
  return alt ? `${whole}.` : whole;
}

function exponent(exp: number): string {
  return `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Python `e` with `precision` digits after the point. */
export function exponential(d: Decimal, precision: number, alt: boolean): string {
  const point = precision > 0 ? '.' : alt ? '.' : '';
  if (d.digits === '') return `0${point}${'0'.repeat(precision)}${exponent(0)}`;
  const r = roundTo(d, precision + 1);
  const digits = r.digits.slice(0, precision + 1);
  return `${digits.charAt(0)}${point}${digits.slice(1)}${exponent(r.point - 1)}`;
}

/**
 * Python `g` (and, with `noType`, the float format with a precision but no type: fixed notation keeps at
 * least one decimal and gives way to `e` one exponent earlier).
 */
export function general(d: Decimal, precision: number, alt: boolean, noType: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const exp = d.digits === '' ? 0 : roundTo(d, p).point - 1;
  if (exp >= -4 && exp < (noType ? p - 1 : p)) {
    let s = fixed(d, p - 1 - exp, alt);
    if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
    if (noType && !s.includes('.')) s += '.0';
    return s;
  }
  const s = exponential(d, p - 1, alt);
  return alt ? s : s.replace(/\.(\d*?)0*e/, (_m, kept: string) => `${kept === '' ? '' : `.${kept}`}e`);
}

/** Python's `repr` of a non-integer float `x > 0`: shortest round-trip digits, `e` outside [1e-4, 1e16). */
export function repr(x: number): string {
  const [mantissa = '', exp = '0'] = x.toExponential().split('e');
  const e = Number(exp);
  const digits = mantissa.replace('.', '');
  if (e < -4 || e >= 16) return `${mantissa}${exponent(e)}`;
  return fixed({ digits, point: e + 1 }, Math.max(digits.length - e - 1, 1), false);
}

/** Python's `round(x, n)` for a float: the exact binary value rounded half to even at 10^-n. */
export function roundFloat(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0 || n > 340) return x;
  const sign = x < 0 ? -1 : 1;
  if (n < -340) return sign * 0;
  const r = roundTo(decimalDigits(Math.abs(x)), decimalDigits(Math.abs(x)).point + n);
  if (r.digits === '' || /^0*$/.test(r.digits)) return sign * 0;
  return sign * Number(`0.${r.digits}e${r.point}`);
}
