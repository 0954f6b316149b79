/**
 * Go's float formatting (`strconv.FormatFloat` and `fmt`'s float verbs), the one implementation used by Flagger's
 * event texts (flagger.md §9.4) and by the MetricTemplate renderer's printf (`template.ts`):
 *
 * - {@link formatFloat}: `strconv.FormatFloat(x, verb, prec, 64)` for the verbs e/E/f/F/g/G/v, `prec` −1 being
 *   the shortest round-trip precision;
 * - {@link goFixed2}: `%.2f` of a float64 (metric values);
 * - {@link goFloatV}: `%v` of a float64 (thresholds);
 * - {@link goDurationNs}: `time.Duration.String()` (request-duration values and thresholds).
 *
 * Go formats from the exact binary value of the float64 and rounds half to even only on an exact decimal tie
 * (strconv's `decimal.Round`), which JavaScript's `toFixed` does not do (`(0.125).toFixed(2)` is "0.13", Go's
 * `%.2f` gives "0.12"), so digits are derived here from the exact binary expansion.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

/** Decimal digits of a positive finite number: value = 0.d₁d₂… × 10^dp, no trailing zeros in `d` ('' for zero). */
interface Digits {
  d: string;
  dp: number;
}

const ZERO: Digits = { d: '', dp: 0 };

/** The exact decimal expansion of |x| (x finite and non-zero). */
function exactDigits(x: number): Digits {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  let digits: string;
  let scale = 0;
  if (e2 >= 0) digits = (mant << BigInt(e2)).toString();
  else {
    // mant × 2^e2 = mant × 5^-e2 / 10^-e2
    digits = (mant * 5n ** BigInt(-e2)).toString();
    scale = -e2;
  }
  // mant > 0, so `digits` has no leading zeros.
  return { d: digits.replace(/0+$/, ''), dp: digits.length - scale };
}

/** The shortest digits that round-trip to |x| (x finite and non-zero); JavaScript and Go agree on these. */
function shortestDigits(x: number): Digits {
  const [mant, exp] = Math.abs(x).toExponential().split('e');
  return { d: mant.replace('.', '').replace(/0+$/, ''), dp: Number(exp) + 1 };
}

/**
 * Keeps `nd` significant digits, rounding half to even on an exact tie (strconv's `decimal.Round`); like Go, an
 * `nd` below zero or at least the number of digits leaves the digits as they are.
 */
function roundDigits(dig: Digits, nd: number): Digits {
  const { d, dp } = dig;
  if (nd < 0 || nd >= d.length) return dig;
  const next = d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === d.length) up = nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1; // exact tie
  else up = next >= 5;
  if (!up) return { d: d.slice(0, nd).replace(/0+$/, ''), dp };
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: dp + 1 };
  return { d: d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp };
}

function digitAt(dig: Digits, i: number): string {
  return i >= 0 && i < dig.d.length ? dig.d[i] : '0';
}

/** strconv's `%e` layout of digits with `prec` decimals in the mantissa; `e` is the exponent letter. */
function layoutE(dig: Digits, prec: number, e: 'e' | 'E'): string {
  let out = dig.d === '' ? '0' : dig.d[0];
  if (prec > 0) out += '.' + dig.d.slice(1, 1 + prec).padEnd(prec, '0');
  const exp = dig.d === '' ? 0 : dig.dp - 1;
  const a = Math.abs(exp);
  return `${out}${e}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

/** strconv's `%f` layout of digits with `prec` decimals. */
function layoutF(dig: Digits, prec: number): string {
  let out = '';
  if (dig.dp > 0) for (let i = 0; i < dig.dp; i++) out += digitAt(dig, i);
  else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += digitAt(dig, dig.dp + i);
  }
  return out;
}

/** The float verbs: strconv's e/E/f/g/G, fmt's F (= f) and v (= g). */
export type FloatVerb = 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'v';

/**
 * Go `strconv.FormatFloat(x, verb, prec, 64)` (fmt's `F` as `f`, `v` as `g`); `prec` < 0 is the shortest
 * precision that round-trips. NaN and ±Inf give "NaN", "+Inf", "-Inf"; −0 keeps its sign. For `%g` the `%e` form
 * is used when the decimal exponent is < −4 or ≥ the precision, where the shortest precision decides with 6
 * (`ftoa.go`: "if precision was the shortest possible, use precision 6 for this decision").
 */
export function formatFloat(x: number, verb: FloatVerb, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const kind = verb === 'e' || verb === 'E' ? 'e' : verb === 'f' || verb === 'F' ? 'f' : 'g';
  const e = verb === 'E' || verb === 'G' ? 'E' : 'e';
  const shortest = prec < 0;
  let dig = x === 0 ? ZERO : shortest ? shortestDigits(x) : exactDigits(x);
  if (shortest) prec = kind === 'e' ? Math.max(dig.d.length - 1, 0) : kind === 'f' ? Math.max(dig.d.length - dig.dp, 0) : dig.d.length;
  else if (x !== 0) {
    if (kind === 'e') dig = roundDigits(dig, prec + 1);
    else if (kind === 'f') dig = roundDigits(dig, dig.dp + prec);
    else {
      if (prec === 0) prec = 1;
      dig = roundDigits(dig, prec);
    }
  }
  let body: string;
  if (kind === 'e') body = layoutE(dig, prec, e);
  else if (kind === 'f') body = layoutF(dig, prec);
  else {
    let eprec = prec;
    if (eprec > dig.d.length && dig.d.length >= dig.dp) eprec = dig.d.length;
    if (shortest) eprec = 6;
    const exp = dig.dp - 1;
    if (x !== 0 && (exp < -4 || exp >= eprec)) body = layoutE(dig, Math.min(prec, Math.max(dig.d.length, 1)) - 1, e);
    else body = layoutF(dig, Math.max((prec > dig.dp ? dig.d.length : prec) - dig.dp, 0));
  }
  return (neg ? '-' : '') + body;
}

/** Go `fmt.Sprintf("%.{prec}f", x)` (default 2), e.g. 98.996 → "99.00", 0.125 → "0.12", 95 → "95.00". */
export function goFixed(x: number, prec = 2): string {
  return formatFloat(x, 'f', prec);
}

/** Go `%.2f`. */
export function goFixed2(x: number): string {
  return goFixed(x, 2);
}

/**
 * Go `fmt.Sprintf("%v", x)` for a float64: `strconv.FormatFloat(x, 'g', -1, 64)`, i.e. the shortest round-trip
 * digits, in `%e` form when the decimal exponent is < −4 or ≥ 6 (21 is JavaScript's and encoding/json's
 * cut-over, not fmt's). So 100000 → "100000", 1000000 → "1e+06", 1234567 → "1.234567e+06", 0.0001 → "0.0001",
 * 0.00001 → "1e-05", 99.5 → "99.5".
 */
export function goFloatV(x: number): string {
  return formatFloat(x, 'v', -1);
}

const NS_PER_US = 1000n;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Go's `fmtFrac`: `v / 10^prec` with the fraction digits (trailing zeros and a bare point dropped). */
function fracPart(v: bigint, prec: number): { frac: string; rest: bigint } {
  let digits = '';
  let printed = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    printed = printed || digit !== 0n;
    if (printed) digits = digit.toString() + digits;
    v /= 10n;
  }
  return { frac: printed ? '.' + digits : '', rest: v };
}

/** Go `time.Duration(ns).String()`, e.g. 501ms → "501ms", 0 → "0s", 1.5 s → "1.5s", 60 s → "1m0s", 3723.5 s → "1h2m3.5s". */
export function goDurationNs(ns: bigint): string {
  const neg = ns < 0n;
  // Go works on the uint64 magnitude, so MinInt64 is handled too.
  let u = neg ? -ns : ns;
  if (u < NS_PER_S) {
    let prec: number;
    let unit: string;
    if (u === 0n) return '0s';
    if (u < NS_PER_US) {
      return `${neg ? '-' : ''}${u}ns`;
    } else if (u < NS_PER_MS) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { frac, rest } = fracPart(u, prec);
    return `${neg ? '-' : ''}${rest}${frac}${unit}`;
  }
  const { frac, rest } = fracPart(u, 9);
  u = rest; // whole seconds
  let out = `${u % 60n}${frac}s`;
  u /= 60n;
  if (u > 0n) {
    out = `${u % 60n}m${out}`;
    u /= 60n;
    if (u > 0n) out = `${u}h${out}`;
  }
  return (neg ? '-' : '') + out;
}

/** Go `(time.Duration(ms) * time.Millisecond).String()` for an integer number of milliseconds (int64 wrap-around included). */
export function goDurationMs(ms: number | bigint): string {
  return goDurationNs(durationNsFromMs(ms));
}

/** `time.Duration(ms) * time.Millisecond` in nanoseconds, with Go's int64 wrap-around on overflow. */
export function durationNsFromMs(ms: number | bigint): bigint {
  return BigInt.asIntN(64, BigInt(ms) * NS_PER_MS);
}

/**
 * Go `int64(x)` for a float64 as compiled for amd64: truncation toward zero; NaN, ±Inf and values outside the
 * int64 range give the "integer indefinite" value MinInt64 (CVTTSD2SI). The language leaves this undefined.
 */
export function goInt64(x: number): bigint {
  if (!Number.isFinite(x) || x >= 9223372036854775808 || x < -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(x));
}
