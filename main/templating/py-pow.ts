/**
 * Python's `float ** float`. Python calls the C library's `pow`, which rounds to the nearest double
 * (glibc's is within 0.52 ulp); V8's Math.pow can be an ulp off (`2.5 ** 2.5`). So the power is
 * computed here in 192-bit fixed point (ln by atanh series, exp by Taylor series) and rounded once.
 */
import { PyError } from './py-values.js';

const BITS = 192n;
const ONE = 1n << BITS;

/** An exact decomposition of a finite double: `mantissa * 2^exponent`. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const sign = hi >>> 31 === 1 ? -1n : 1n;
  if (biased === 0) return { mantissa: sign * fraction, exponent: -1074 };
  return { mantissa: sign * (fraction | (1n << 52n)), exponent: biased - 1075 };
}

/** Fixed-point product, truncated toward zero (an arithmetic shift would leave negative terms at -1). */
const mul = (a: bigint, b: bigint): bigint => (a * b) / ONE;
const div = (a: bigint, b: bigint): bigint => (a << BITS) / b;

/** atanh(z) for a fixed-point |z| < 0.2. */
function atanh(z: bigint): bigint {
  const z2 = mul(z, z);
  let term = z;
  let sum = z;
  for (let k = 3n; term !== 0n && k < 400n; k += 2n) {
    term = mul(term, z2);
    sum += term / k;
  }
  return sum;
}

/** ln 2 = 2 atanh(1/3), with the series on 1/3 (converging by 1/9 a term). */
const LN2 = ((): bigint => {
  const z = ONE / 3n;
  const z2 = mul(z, z);
  let term = z;
  let sum = z;
  for (let k = 3n; term !== 0n && k < 400n; k += 2n) {
    term = mul(term, z2);
    sum += term / k;
  }
  return 2n * sum;
})();

/** ln(x) in fixed point for a finite x > 0. */
function ln(x: number): bigint {
  const { mantissa, exponent } = decompose(x);
  // x = m * 2^e with m in [1, 2); move m into [0.75, 1.5) to keep the series short.
  const bits = mantissa.toString(2).length;
  let e = exponent + bits - 1;
  let m = (mantissa << BITS) >> BigInt(bits - 1);
  if (m > (3n * ONE) / 2n) {
    m >>= 1n;
    e += 1;
  }
  return BigInt(e) * LN2 + 2n * atanh(div(m - ONE, m + ONE));
}

/** exp(t) for fixed-point t, as a fixed-point value and a power of two to scale it by. */
function exp(t: bigint): [bigint, number] {
  const k = t / LN2;
  const r = t - k * LN2;
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n && n < 200n; n += 1n) {
    term = mul(term, r) / n;
    sum += term;
  }
  return [sum, Number(k)];
}

/** `value * 2^power` without intermediate overflow or underflow of the scale factor. */
function scale(value: number, power: number): number {
  let v = value;
  let p = power;
  while (p > 1000) {
    v *= 2 ** 1000;
    p -= 1000;
  }
  while (p < -1000) {
    v *= 2 ** -1000;
    p += 1000;
  }
  return v * 2 ** p;
}

const isOddInteger = (y: number): boolean => Number.isInteger(y) && Math.abs(y % 2) === 1;

/** Python's `x ** y` for floats: ZeroDivisionError, OverflowError and complex results as errors. */
export function floatPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (Number.isNaN(x)) return NaN;
  if (Number.isNaN(y)) return x === 1 ? 1 : NaN;
  if (x === 0) {
    if (y < 0) throw new PyError('0.0 cannot be raised to a negative power');
    return isOddInteger(y) ? x : 0;
  }
  if (!Number.isFinite(y)) {
    const ax = Math.abs(x);
    if (ax === 1) return 1;
    return ax > 1 === y > 0 ? Infinity : 0;
  }
  if (!Number.isFinite(x)) {
    const negative = x < 0 && isOddInteger(y);
    const mag = y > 0 ? Infinity : 0;
    return negative ? -mag : mag;
  }
  if (x < 0 && !Number.isInteger(y))
    throw new PyError('a negative number raised to a fractional power is a complex number: not supported');
  const negative = x < 0 && isOddInteger(y);
  const ax = Math.abs(x);
  if (ax === 1) return negative ? -1 : 1;
  const { mantissa, exponent } = decompose(y);
  const lnx = ln(ax);
  let t = mantissa * lnx;
  t = exponent >= 0 ? t << BigInt(exponent) : t >> BigInt(-exponent);
  // Past these the result is certainly infinite or zero (|ln| of the largest double is below 745).
  if (t > 800n * ONE) throw new PyError('(34, Numerical result out of range)');
  if (t < -800n * ONE) return negative ? -0 : 0;
  const [value, power] = exp(t);
  const result = scale(Number(value), power - Number(BITS));
  if (!Number.isFinite(result)) throw new PyError('(34, Numerical result out of range)');
  return negative ? -result : result;
}
