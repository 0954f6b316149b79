/**
 * Go's `strconv.ParseFloat(s, 64)`, which Prometheus (sample values, `le`
 * labels), Flagger (the query API's values), Go templates (number literals)
 * and Argo Rollouts' expressions (`asFloat`, `float`) all parse numbers with.
 *
 * Accepted, exactly as Go accepts them:
 * - decimal: an optional sign, digits with an optional point and fraction
 *   (`1`, `1.`, `.5`), an optional exponent `e`/`E` with an optional sign;
 * - hexadecimal: `0x`/`0X`, hex digits with an optional point, and a
 *   mandatory binary exponent `p`/`P` (`0x1p-2` is 0.25, `0x1.8p1` is 3);
 * - underscores between digits, or between the `0x` prefix and a digit
 *   (`1_000.5`, `0x_1p0`), as in Go's float literals;
 * - `Inf`, `Infinity` with an optional sign and `NaN` without one, in any
 *   case.
 *
 * Everything else is a syntax error (null): spaces, a lone sign or point,
 * `0x10` without an exponent, `+NaN`. A finite literal beyond float64's
 * range is Go's range error (null too: every caller treats an error alike).
 *
 * Pure TypeScript.
 *
 * @module
 */

const DEC = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const HEX = /^([+-]?)0[xX]((?:_?[0-9a-fA-F])*)(?:\.((?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?))?[pP]([+-]?[0-9](?:_?[0-9])*)$/;

export function parseGoFloat(s: string): number | null {
  if (/^[+-]?(?:inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (DEC.test(s)) {
    const v = Number(s.replace(/_/g, ''));
    return Number.isFinite(v) ? v : null;
  }
  const hex = HEX.exec(s);
  if (hex === null) return null;
  const int = hex[2].replace(/_/g, '');
  const frac = (hex[3] ?? '').replace(/_/g, '');
  if (int === '' && frac === '') return null;
  // The mantissa's digits as an exact integer, scaled by the exponent less four bits per fraction digit: rounded
  // once, in the multiplication by a power of two (exact unless the result is subnormal or overflows).
  const mantissa = BigInt(`0x${int}${frac}`);
  const exponent = Number(hex[4].replace(/_/g, '')) - 4 * frac.length;
  const v = scale(mantissa, exponent);
  if (!Number.isFinite(v)) return null;
  return hex[1] === '-' ? -v : v;
}

/** mantissa × 2^exponent, rounded to the nearest float64 once. */
function scale(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0;
  // Keep 64 significant bits and a sticky bit so that converting to a double rounds as one rounding of the exact value.
  const bits = mantissa.toString(2).length;
  let m = mantissa;
  let e = exponent;
  if (bits > 64) {
    const drop = BigInt(bits - 64);
    const sticky = (m & ((1n << drop) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> drop) | sticky;
    e += bits - 64;
  }
  // Number(m) is exact or rounds the 64-bit value once; with the sticky bit in the last place that is the right
  // rounding for normal results. Multiplying by 2^e is then exact while the result stays normal.
  const n = Number(m);
  if (e > 1023) return n * 2 ** 1023 * 2 ** (e - 1023);
  if (e < -1022) return n * 2 ** -1022 * 2 ** (e + 1022);
  return n * 2 ** e;
}
