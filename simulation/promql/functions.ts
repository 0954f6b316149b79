/**
 * Pure numeric building blocks of PromQL, following Prometheus 2.42.0
 * (promql/functions.go, promql/quantile.go, and the float part of
 * aggregation() in promql/engine.go). Times are milliseconds, values float64.
 *
 * Range windows arrive already selected (samples with t in [start, end],
 * stale markers removed, time order). Functions that Prometheus would drop
 * (no output sample) return `undefined`.
 *
 * Notes on where 2.42 differs from later Prometheus versions are given next
 * to each function; this file implements 2.42.
 */

import { civilFromDays } from '../util/time';

// ---------------------------------------------------------------------------
// Kahan–Neumaier summation (2.42's kahanSumInc: no special case for an
// infinite running sum; later versions reset the compensation to 0 then).

interface KahanState {
  sum: number;
  c: number;
}

function kahanInc(inc: number, s: KahanState): void {
  const t = s.sum + inc;
  if (Math.abs(s.sum) >= Math.abs(inc)) {
    s.c += s.sum - t + inc;
  } else {
    s.c += inc - t + s.sum;
  }
  s.sum = t;
}

/** Go's time.Duration.Seconds() for a whole number of milliseconds. */
function durationSeconds(ms: number): number {
  const sec = Math.trunc(ms / 1000);
  const nsec = (ms - sec * 1000) * 1e6;
  return sec + nsec / 1e9;
}

// ---------------------------------------------------------------------------
// rate / increase / delta, irate / idelta

/**
 * rate (isCounter, isRate), increase (isCounter), delta (neither) as 2.42's
 * extrapolatedRate. Undefined when fewer than 2 samples.
 *
 * 2.42 applies the counter zero-point limit (`durationToZero`) to the gap at
 * the start *before* comparing it with the 1.1 × average-interval threshold;
 * Prometheus 2.51 (#13725) reordered this so the start extrapolation can never
 * exceed half an average interval.
 */
export function extrapolatedRate(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  rangeStart: number,
  rangeEnd: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const n = Math.min(ts.length, vs.length);
  if (n < 2) return undefined;
  const firstT = ts[0];
  const lastT = ts[n - 1];
  const firstV = vs[0];
  let result = vs[n - 1] - firstV;
  if (isCounter) {
    let prev = firstV;
    for (let i = 1; i < n; i++) {
      const cur = vs[i];
      if (cur < prev) result += prev;
      prev = cur;
    }
  }

  let durationToStart = (firstT - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);

  if (isCounter && result > 0 && firstV >= 0) {
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }

  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;

  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= durationSeconds(rangeEnd - rangeStart);
  return result * factor;
}

/**
 * irate (isRate) / idelta from the last two samples. Undefined when fewer
 * than 2 samples or when the last two share a timestamp. For irate a drop
 * between them is a counter reset: the increase is the last value.
 */
export function instantValue(ts: ArrayLike<number>, vs: ArrayLike<number>, isRate: boolean): number | undefined {
  const n = Math.min(ts.length, vs.length);
  if (n < 2) return undefined;
  const last = vs[n - 1];
  const prev = vs[n - 2];
  let result = isRate && last < prev ? last : last - prev;
  const interval = ts[n - 1] - ts[n - 2];
  if (interval === 0) return undefined;
  if (isRate) result /= interval / 1000;
  return result;
}

/** resets(): number of decreases between consecutive samples. */
export function resets(vs: ArrayLike<number>): number {
  let count = 0;
  for (let i = 1; i < vs.length; i++) if (vs[i] < vs[i - 1]) count++;
  return count;
}

/** changes(): number of value changes; NaN followed by NaN is no change. */
export function changes(vs: ArrayLike<number>): number {
  let count = 0;
  for (let i = 1; i < vs.length; i++) {
    const cur = vs[i];
    const prev = vs[i - 1];
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) count++;
  }
  return count;
}

// ---------------------------------------------------------------------------
// <aggregation>_over_time. The evaluator calls these only for non-empty
// windows; on an empty array they return NaN.

/**
 * avg_over_time as 2.42: incremental mean with Kahan compensation, keeping an
 * infinite mean when the next value is finite or an infinity of the same
 * sign. (Later versions sum directly and only switch to the incremental mean
 * on overflow.)
 */
export function avgOverTime(vs: ArrayLike<number>): number {
  if (vs.length === 0) return NaN;
  const s: KahanState = { sum: 0, c: 0 };
  let count = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i];
    count++;
    if (isInf(s.sum)) {
      if (isInf(v) && s.sum > 0 === v > 0) continue;
      if (!isInf(v) && !Number.isNaN(v)) continue;
    }
    kahanInc(v / count - s.sum / count, s);
  }
  if (isInf(s.sum)) return s.sum;
  return s.sum + s.c;
}

/** sum_over_time: Kahan sum; an infinite sum is returned as is. */
export function sumOverTime(vs: ArrayLike<number>): number {
  const s: KahanState = { sum: 0, c: 0 };
  for (let i = 0; i < vs.length; i++) kahanInc(vs[i], s);
  if (isInf(s.sum)) return s.sum;
  return s.sum + s.c;
}

/** min_over_time: a NaN so far is replaced by the next value. */
export function minOverTime(vs: ArrayLike<number>): number {
  if (vs.length === 0) return NaN;
  let m = vs[0];
  for (let i = 0; i < vs.length; i++) if (vs[i] < m || Number.isNaN(m)) m = vs[i];
  return m;
}

/** max_over_time: a NaN so far is replaced by the next value. */
export function maxOverTime(vs: ArrayLike<number>): number {
  if (vs.length === 0) return NaN;
  let m = vs[0];
  for (let i = 0; i < vs.length; i++) if (vs[i] > m || Number.isNaN(m)) m = vs[i];
  return m;
}

export function countOverTime(vs: ArrayLike<number>): number {
  return vs.length;
}

export function lastOverTime(vs: ArrayLike<number>): number {
  return vs.length === 0 ? NaN : vs[vs.length - 1];
}

export function presentOverTime(vs: ArrayLike<number>): number {
  return vs.length === 0 ? NaN : 1;
}

/** Population variance as 2.42's stdvar_over_time (Welford with Kahan on mean and M2). */
export function stdvarOverTime(vs: ArrayLike<number>): number {
  let count = 0;
  const mean: KahanState = { sum: 0, c: 0 };
  const aux: KahanState = { sum: 0, c: 0 };
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i];
    count++;
    const delta = v - (mean.sum + mean.c);
    kahanInc(delta / count, mean);
    kahanInc(delta * (v - (mean.sum + mean.c)), aux);
  }
  return (aux.sum + aux.c) / count;
}

export function stddevOverTime(vs: ArrayLike<number>): number {
  return Math.sqrt(stdvarOverTime(vs));
}

/** quantile_over_time: Prometheus' quantile() over the window's values. */
export function quantileOverTime(q: number, vs: ArrayLike<number>): number {
  return quantile(q, Array.from(vs));
}

/**
 * Least-squares fit as 2.42's linearRegression: x in seconds relative to
 * `interceptTime`, Kahan sums; a constant series gives slope 0 and its value
 * as intercept, or NaN/NaN when that constant is infinite.
 */
export function linearRegression(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  interceptTime: number,
): { slope: number; intercept: number } {
  const n0 = Math.min(ts.length, vs.length);
  let n = 0;
  const sx: KahanState = { sum: 0, c: 0 };
  const sy: KahanState = { sum: 0, c: 0 };
  const sxy: KahanState = { sum: 0, c: 0 };
  const sx2: KahanState = { sum: 0, c: 0 };
  const initY = vs[0];
  let constY = true;
  for (let i = 0; i < n0; i++) {
    const y = vs[i];
    if (constY && i > 0 && y !== initY) constY = false;
    n += 1;
    const x = (ts[i] - interceptTime) / 1e3;
    kahanInc(x, sx);
    kahanInc(y, sy);
    kahanInc(x * y, sxy);
    kahanInc(x * x, sx2);
  }
  if (constY) {
    if (isInf(initY)) return { slope: NaN, intercept: NaN };
    return { slope: 0, intercept: initY };
  }
  const sumX = sx.sum + sx.c;
  const sumY = sy.sum + sy.c;
  const sumXY = sxy.sum + sxy.c;
  const sumX2 = sx2.sum + sx2.c;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return { slope, intercept };
}

/** deriv(): per-second slope, regression anchored at the first sample. Undefined when fewer than 2 samples. */
export function deriv(ts: ArrayLike<number>, vs: ArrayLike<number>): number | undefined {
  if (Math.min(ts.length, vs.length) < 2) return undefined;
  return linearRegression(ts, vs, ts[0]).slope;
}

/**
 * predict_linear(): value `durationSeconds` after `evalTime` (ms), regression
 * anchored at evalTime. Undefined when fewer than 2 samples.
 */
export function predictLinear(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  evalTime: number,
  durationSecs: number,
): number | undefined {
  if (Math.min(ts.length, vs.length) < 2) return undefined;
  const { slope, intercept } = linearRegression(ts, vs, evalTime);
  return slope * durationSecs + intercept;
}

/**
 * holt_winters(sf, tf) as 2.42 (double exponential smoothing). Undefined when
 * fewer than 2 samples. Prometheus aborts the query when sf or tf is outside
 * (0, 1); this returns undefined then and the caller must raise the error.
 */
export function holtWinters(vs: ArrayLike<number>, sf: number, tf: number): number | undefined {
  if (!(sf > 0 && sf < 1) || !(tf > 0 && tf < 1)) return undefined;
  const l = vs.length;
  if (l < 2) return undefined;
  let s0 = 0;
  let s1 = vs[0];
  let b = vs[1] - vs[0];
  for (let i = 1; i < l; i++) {
    const x = sf * vs[i];
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

/**
 * The one-argument range-vector functions by PromQL name, in the shape the
 * evaluator calls them: (sample times, values, evaluation time) → value, or
 * undefined for "no output sample". quantile_over_time, predict_linear and
 * holt_winters take scalar parameters and are exported separately.
 */
export const overTime: Readonly<
  Record<string, (ts: ArrayLike<number>, vs: ArrayLike<number>, evalTime: number) => number | undefined>
> = {
  avg_over_time: (_ts, vs) => (vs.length === 0 ? undefined : avgOverTime(vs)),
  min_over_time: (_ts, vs) => (vs.length === 0 ? undefined : minOverTime(vs)),
  max_over_time: (_ts, vs) => (vs.length === 0 ? undefined : maxOverTime(vs)),
  sum_over_time: (_ts, vs) => (vs.length === 0 ? undefined : sumOverTime(vs)),
  count_over_time: (_ts, vs) => (vs.length === 0 ? undefined : countOverTime(vs)),
  last_over_time: (_ts, vs) => (vs.length === 0 ? undefined : lastOverTime(vs)),
  present_over_time: (_ts, vs) => (vs.length === 0 ? undefined : presentOverTime(vs)),
  stddev_over_time: (_ts, vs) => (vs.length === 0 ? undefined : stddevOverTime(vs)),
  stdvar_over_time: (_ts, vs) => (vs.length === 0 ? undefined : stdvarOverTime(vs)),
  deriv: (ts, vs) => deriv(ts, vs),
  resets: (_ts, vs) => (vs.length === 0 ? undefined : resets(vs)),
  changes: (_ts, vs) => (vs.length === 0 ? undefined : changes(vs)),
};

// ---------------------------------------------------------------------------
// Quantiles

/** Go's vectorByValueHeap order: NaN before everything, then ascending. */
function byValueNaNFirst(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Quantile as the `quantile` aggregation and quantile_over_time compute it:
 * empty or NaN q → NaN, q < 0 → -Inf, q > 1 → +Inf; otherwise values are
 * sorted (NaN first) and the rank q·(n−1) is interpolated linearly.
 * Does not modify `values`.
 */
export function quantile(q: number, values: ArrayLike<number>): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = Array.from(values).sort(byValueNaNFirst);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lowerIndex] * (1 - weight) + sorted[upperIndex] * weight;
}

export interface Bucket {
  /** The `le` label parsed as a float. */
  upperBound: number;
  /** Cumulative count. */
  count: number;
}

/**
 * histogram_quantile over classic buckets, as 2.42's bucketQuantile:
 * NaN q → NaN, q < 0 → -Inf, q > 1 → +Inf; buckets sorted by bound; highest
 * bound must be +Inf (else NaN); equal bounds are merged by adding counts;
 * decreasing counts are raised to the running maximum; fewer than 2 buckets
 * or 0 observations → NaN; a rank in the +Inf bucket gives the highest
 * finite bound; a rank in the lowest bucket gives its bound if that is <= 0,
 * otherwise interpolation starts at 0.
 *
 * 2.42 has no tolerance for tiny float differences between counts (added in
 * 2.49, #13153) and reports no "monotonicity forced" flag (2.48, #12931).
 * Does not modify `buckets`.
 */
export function bucketQuantile(q: number, buckets: ReadonlyArray<Bucket>): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (buckets.length === 0) return NaN;
  const sorted = buckets
    .map((b) => ({ upperBound: b.upperBound, count: b.count }))
    .sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  if (sorted[sorted.length - 1].upperBound !== Infinity) return NaN;

  // Coalesce equal upper bounds.
  const bs: Bucket[] = [];
  let last = sorted[0];
  for (let i = 1; i < sorted.length; i++) {
    const b = sorted[i];
    if (b.upperBound === last.upperBound) {
      last = { upperBound: last.upperBound, count: last.count + b.count };
    } else {
      bs.push(last);
      last = b;
    }
  }
  bs.push(last);

  // Monotonicity (2.42: running maximum starting at -Inf, so a NaN count is
  // skipped over rather than propagated).
  let max = -Infinity;
  for (const b of bs) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }

  if (bs.length < 2) return NaN;
  const observations = bs[bs.length - 1].count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // First index in [0, len-1) whose count >= rank (binary search like sort.Search).
  let lo = 0;
  let hi = bs.length - 1;
  while (lo < hi) {
    const h = (lo + hi) >>> 1;
    if (!(bs[h].count >= rank)) lo = h + 1;
    else hi = h;
  }
  const b = lo;
  if (b === bs.length - 1) return bs[bs.length - 2].upperBound;
  if (b === 0 && bs[0].upperBound <= 0) return bs[0].upperBound;
  let bucketStart = 0;
  const bucketEnd = bs[b].upperBound;
  let count = bs[b].count;
  if (b > 0) {
    bucketStart = bs[b - 1].upperBound;
    count -= bs[b - 1].count;
    rank -= bs[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

// ---------------------------------------------------------------------------
// Instant-vector math functions

function isInf(v: number): boolean {
  return v === Infinity || v === -Infinity;
}

const frexpView = new DataView(new ArrayBuffer(8));

/** Go's math.Frexp: x = frac × 2^exp with |frac| in [0.5, 1). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = 0;
  let y = x;
  if (Math.abs(y) < 2.2250738585072014e-308) {
    y *= 4503599627370496; // 2^52, normalise a subnormal
    e = -52;
  }
  frexpView.setFloat64(0, y);
  const hi = frexpView.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1022;
  frexpView.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [frexpView.getFloat64(0), e];
}

/** Go's math.Log2: exact for powers of two, else Log(frac)·(1/Ln2) + exp. */
function goLog2(x: number): number {
  const [frac, exp] = frexp(x);
  if (frac === 0.5) return exp - 1;
  return Math.log(frac) * Math.LOG2E + exp;
}

/** Go's math.Log10: Log(x)·(1/Ln10). */
function goLog10(x: number): number {
  return Math.log(x) * Math.LOG10E;
}

/** sgn: -1 / 1, and the value itself for ±0 and NaN. */
function sgn(v: number): number {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;
}

/**
 * One-argument functions on instant vectors (Prometheus 2.42 names). JS's
 * Math.* agrees with Go's math.* here except possibly in the last ulp of the
 * transcendental functions (Go uses its own implementations).
 */
export const mathFunctions: Readonly<Record<string, (v: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  sqrt: Math.sqrt,
  exp: Math.exp,
  ln: Math.log,
  log2: goLog2,
  log10: goLog10,
  sgn,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  rad: (v) => (v * Math.PI) / 180,
  deg: (v) => (v * 180) / Math.PI,
};

/** round(v, toNearest): floor(v·(1/toNearest) + 0.5) / (1/toNearest); ties round up. */
export function round(v: number, toNearest = 1): number {
  const inverse = 1.0 / toNearest;
  return Math.floor(v * inverse + 0.5) / inverse;
}

/**
 * Go's math.Max: an infinity wins over NaN (`Max(NaN, +Inf)` is +Inf, where
 * JavaScript's Math.max gives NaN); otherwise NaN propagates; Max(+0, −0) = +0.
 */
export function goMax(x: number, y: number): number {
  if (x === Infinity || y === Infinity) return Infinity;
  return Math.max(x, y);
}

/** Go's math.Min: −Inf wins over NaN; otherwise NaN propagates; Min(+0, −0) = −0. */
export function goMin(x: number, y: number): number {
  if (x === -Infinity || y === -Infinity) return -Infinity;
  return Math.min(x, y);
}

/**
 * clamp(v, min, max) = math.Max(min, math.Min(max, v)) with Go's NaN, ±Inf
 * and ±0 rules: a NaN bound gives NaN except that an infinite sample on the
 * matching side wins (clamp(+Inf, 0, NaN) = 0, clamp_min(+Inf, NaN) = +Inf).
 * When max < min Prometheus returns an empty vector (drops every sample); the
 * caller must do that — this returns NaN then.
 */
export function clamp(v: number, min: number, max: number): number {
  if (max < min) return NaN;
  return goMax(min, goMin(max, v));
}

export function clampMin(v: number, min: number): number {
  return goMax(min, v);
}

export function clampMax(v: number, max: number): number {
  return goMin(max, v);
}

// ---------------------------------------------------------------------------
// Date functions (2.42's dateWrapper over Go's time package, UTC)

const MIN_INT64 = -(2n ** 63n);
const SECONDS_PER_DAY = 86400n;
const DAYS_PER_400_YEARS = 365n * 400n + 97n;
const DAYS_PER_100_YEARS = 365n * 100n + 24n;
const DAYS_PER_4_YEARS = 365n * 4n + 1n;
const ABSOLUTE_ZERO_YEAR = -292277022399n;
/** unixToInternal + internalToAbsolute of Go's time package. */
const UNIX_TO_ABSOLUTE = 9223372028715321600n;
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
/** Within ±this many seconds (±273,000 years) goDate computes in float64; beyond, in Go's uint64 arithmetic. */
const FAST_DATE_LIMIT_SECONDS = 8.64e12;

const u64 = (x: bigint) => BigInt.asUintN(64, x);
const i64 = (x: bigint) => BigInt.asIntN(64, x);

/** The broken-down UTC time the date functions read, as Go's time.Time methods give it. */
export interface GoDate {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  /** 1..366 */
  yearDay: number;
  /** 0 = Sunday */
  weekday: number;
  hour: number;
  minute: number;
  daysInMonth: number;
}

/**
 * Go's `int64(f)` on amd64 (the Debian package's architecture): truncation
 * toward zero; NaN, ±Inf and values outside the int64 range convert to
 * math.MinInt64 (the CPU's "integer indefinite").
 */
export function goInt64(v: number): bigint {
  if (!(v > -9223372036854775808 && v < 9223372036854775808)) return MIN_INT64;
  return BigInt(Math.trunc(v));
}

function isLeapYear(year: bigint): boolean {
  return year % 4n === 0n && (year % 100n !== 0n || year % 400n === 0n);
}

/** Go's absDate (Go ≤ 1.22): year, 0-based day of year, month and day from an absolute time. */
function absDate(abs: bigint): { year: bigint; yday: number; month: number; day: number } {
  let d = abs / SECONDS_PER_DAY;
  let n = d / DAYS_PER_400_YEARS;
  let y = 400n * n;
  d -= DAYS_PER_400_YEARS * n;
  n = d / DAYS_PER_100_YEARS;
  n -= n >> 2n;
  y += 100n * n;
  d -= DAYS_PER_100_YEARS * n;
  n = d / DAYS_PER_4_YEARS;
  y += 4n * n;
  d -= DAYS_PER_4_YEARS * n;
  n = d / 365n;
  n -= n >> 2n;
  y += n;
  d -= 365n * n;
  const year = i64(i64(u64(y)) + ABSOLUTE_ZERO_YEAR);
  const yday = Number(d);
  let day = yday;
  if (isLeapYear(year)) {
    if (day > 31 + 29 - 1) day--;
    else if (day === 31 + 29 - 1) return { year, yday, month: 2, day: 29 };
  }
  let month = Math.trunc(day / 31);
  const end = DAYS_BEFORE[month + 1];
  let begin: number;
  if (day >= end) {
    month++;
    begin = end;
  } else begin = DAYS_BEFORE[month];
  return { year, yday, month: month + 1, day: day - begin + 1 };
}

/** Go's daysSinceEpoch (days from the absolute epoch to January 1 of `year`), in uint64 arithmetic. */
function daysSinceEpoch(year: bigint): bigint {
  let y = u64(i64(year) - ABSOLUTE_ZERO_YEAR);
  let n = y / 400n;
  y -= 400n * n;
  let d = DAYS_PER_400_YEARS * n;
  n = y / 100n;
  y -= 100n * n;
  d += DAYS_PER_100_YEARS * n;
  n = y / 4n;
  y -= 4n * n;
  d += DAYS_PER_4_YEARS * n;
  d += 365n * y;
  return u64(d);
}

/**
 * `time.Unix(sec, 0).UTC()` broken down exactly as Go computes it, uint64
 * wrap-around included (that is what NaN and ±Inf samples, converted to
 * math.MinInt64, come out as: a year near 292 billion).
 */
export function goDateExact(sec: bigint): GoDate {
  const abs = u64(sec + UNIX_TO_ABSOLUTE);
  const { year, yday, month, day } = absDate(abs);
  // days_in_month: 32 − time.Date(year, month, 32, 0, 0, 0, 0, UTC).Day().
  let d = daysSinceEpoch(year) + BigInt(DAYS_BEFORE[month - 1]);
  if (isLeapYear(year) && month >= 3) d++;
  d += 31n;
  const next = absDate(u64(u64(d) * SECONDS_PER_DAY));
  return {
    year: Number(year),
    month,
    day,
    yearDay: yday + 1,
    weekday: Number((u64(abs + SECONDS_PER_DAY) % (7n * SECONDS_PER_DAY)) / SECONDS_PER_DAY),
    hour: Number((abs % SECONDS_PER_DAY) / 3600n),
    minute: Number((abs % 3600n) / 60n),
    daysInMonth: 32 - next.day,
  };
}

/** `time.Unix(sec, 0).UTC()` broken down (sec: whole seconds, int64). */
export function goDate(sec: bigint | number): GoDate {
  const n = Number(sec);
  if (!(Math.abs(n) <= FAST_DATE_LIMIT_SECONDS)) return goDateExact(BigInt(sec));
  // Proleptic Gregorian calendar from days since 1970-01-01 (Hinnant's
  // civil_from_days), exact in float64 within the limit; agrees with Go there.
  const days = Math.floor(n / 86400);
  const secOfDay = n - days * 86400;
  const { y: year, m: month, d: day } = civilFromDays(days);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return {
    year,
    month,
    day,
    yearDay: DAYS_BEFORE[month - 1] + (leap && month > 2 ? 1 : 0) + day,
    weekday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    daysInMonth: month === 2 ? (leap ? 29 : 28) : DAYS_BEFORE[month] - DAYS_BEFORE[month - 1],
  };
}

/**
 * The date functions by PromQL name: (Go date) → value. Prometheus 2.42
 * applies them to `time.Unix(int64(v), 0).UTC()` of every sample value v (see
 * goInt64 for NaN and ±Inf), or to the evaluation time (whole seconds,
 * truncated) when called without argument.
 */
export const dateFunctions: Readonly<Record<string, (d: GoDate) => number>> = {
  year: (d) => d.year,
  month: (d) => d.month,
  day_of_month: (d) => d.day,
  day_of_week: (d) => d.weekday,
  day_of_year: (d) => d.yearDay,
  days_in_month: (d) => d.daysInMonth,
  hour: (d) => d.hour,
  minute: (d) => d.minute,
};

/** A date function of a sample value (Unix seconds), as 2.42's dateWrapper. */
export function dateOfValue(f: (d: GoDate) => number, v: number): number {
  if (v > -FAST_DATE_LIMIT_SECONDS && v < FAST_DATE_LIMIT_SECONDS) return f(goDate(Math.trunc(v)));
  return f(goDate(goInt64(v)));
}

// ---------------------------------------------------------------------------
// topk / bottomk selection (2.42's container/heap use in aggregation())

/** Go's `fmt.Sprint(float64)` (%v, i.e. %g shortest): exponent form when the exponent is < −4 or ≥ 6 (1e+20, 1.5e-07). */
export function goFormatFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [m, x] = v.toExponential().split('e');
  const e = Number(x);
  if (e < -4 || e >= 6) return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return formatPromValue(v);
}

/**
 * The samples topk (`top` true) or bottomk keep of one group, chosen exactly
 * as 2.42's aggregation() does with Go's container/heap: a heap of at most k
 * elements whose root is the weakest kept sample (NaN weakest of all); a new
 * sample enters when the heap is not full, when it beats the root, or when
 * the root is NaN (even for a NaN newcomer), replacing the root in place for
 * k = 1 and otherwise popping it first. Ties at the boundary are therefore
 * decided by Go's heap order. Returns the kept items sorted for output (best
 * first, NaN last); the order among equal values may differ from
 * Prometheus' (its sort is not stable) but the set is the same.
 */
export function heapSelect<T>(items: readonly T[], valueOf: (x: T) => number, k: number, top: boolean): T[] {
  const h: T[] = [];
  // Less of vectorByValueHeap (topk) / vectorByReverseValueHeap (bottomk).
  const less = (i: number, j: number): boolean => {
    const a = valueOf(h[i]);
    if (Number.isNaN(a)) return true;
    return top ? a < valueOf(h[j]) : a > valueOf(h[j]);
  };
  const swap = (i: number, j: number) => {
    const x = h[i];
    h[i] = h[j];
    h[j] = x;
  };
  const up = (j: number) => {
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !less(j, i)) break;
      swap(i, j);
      j = i;
    }
  };
  const down = (i0: number, n: number) => {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && less(j2, j1)) j = j2;
      if (!less(j, i)) break;
      swap(i, j);
      i = j;
    }
  };
  for (const x of items) {
    if (h.length === 0) {
      h.push(x); // the group's first sample
      continue;
    }
    const root = valueOf(h[0]);
    const v = valueOf(x);
    if (!(h.length < k || (top ? root < v : root > v) || Number.isNaN(root))) continue;
    if (h.length === k) {
      if (k === 1) {
        h[0] = x;
        continue;
      }
      // heap.Pop: move the root to the end, restore the heap, drop it.
      swap(0, h.length - 1);
      down(0, h.length - 1);
      h.pop();
    }
    h.push(x);
    up(h.length - 1);
  }
  const dir = top ? -1 : 1;
  return h.sort((x, y) => {
    const a = valueOf(x);
    const b = valueOf(y);
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) === Number.isNaN(b) ? 0 : Number.isNaN(a) ? 1 : -1;
    return a === b ? 0 : a < b ? -dir : dir;
  });
}

// ---------------------------------------------------------------------------
// Aggregation operators (float part of 2.42's aggregation())

export type AggregatorOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar';

/**
 * Accumulator for one group of an aggregation, as 2.42: the first value
 * initialises the group; sum is plain addition (no Kahan in 2.42); avg is the
 * incremental mean `mean += v/n − mean/n` keeping an infinite mean against
 * finite values or an infinity of the same sign; min/max replace a NaN by any
 * value; stddev/stdvar use Welford's running mean and M2 without compensation.
 * result() of an empty group is NaN (Prometheus creates no such group).
 */
export class Aggregator {
  private n = 0;
  private value = 0;
  private mean = 0;

  constructor(readonly op: AggregatorOp) {}

  add(v: number): void {
    if (this.n === 0) {
      this.n = 1;
      this.value = this.op === 'stddev' || this.op === 'stdvar' ? 0 : v;
      this.mean = v;
      return;
    }
    switch (this.op) {
      case 'sum':
        this.value += v;
        this.n++;
        break;
      case 'avg':
        this.n++;
        if (isInf(this.mean)) {
          if (isInf(v) && this.mean > 0 === v > 0) break;
          if (!isInf(v) && !Number.isNaN(v)) break;
        }
        this.mean += v / this.n - this.mean / this.n;
        break;
      case 'max':
        if (this.value < v || Number.isNaN(this.value)) this.value = v;
        this.n++;
        break;
      case 'min':
        if (this.value > v || Number.isNaN(this.value)) this.value = v;
        this.n++;
        break;
      case 'count':
      case 'group':
        this.n++;
        break;
      case 'stddev':
      case 'stdvar': {
        this.n++;
        const delta = v - this.mean;
        this.mean += delta / this.n;
        this.value += delta * (v - this.mean);
        break;
      }
    }
  }

  /** Number of values added. */
  get count(): number {
    return this.n;
  }

  result(): number {
    if (this.n === 0) return NaN;
    switch (this.op) {
      case 'avg':
        return this.mean;
      case 'count':
        return this.n;
      case 'group':
        return 1;
      case 'stddev':
        return Math.sqrt(this.value / this.n);
      case 'stdvar':
        return this.value / this.n;
      default:
        return this.value;
    }
  }
}

// ---------------------------------------------------------------------------
// Float formatting

/**
 * strconv.FormatFloat(v, 'f', -1, 64) as the HTTP API uses: shortest digits
 * that round-trip, written out in full without exponent; "NaN", "+Inf",
 * "-Inf"; negative zero is "-0".
 */
export function formatPromValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  // toExponential() without digits gives the shortest round-trip digits.
  const exp = Math.abs(v).toExponential();
  const ePos = exp.indexOf('e');
  const mantissa = exp.slice(0, ePos);
  const e = Number(exp.slice(ePos + 1));
  const digits = mantissa.replace('.', '');
  // Value = 0.d1d2d3... × 10^(e+1); point goes after (e+1) digits.
  const pointPos = e + 1;
  let out: string;
  if (pointPos <= 0) {
    out = '0.' + '0'.repeat(-pointPos) + digits;
  } else if (pointPos >= digits.length) {
    out = digits + '0'.repeat(pointPos - digits.length);
  } else {
    out = digits.slice(0, pointPos) + '.' + digits.slice(pointPos);
  }
  return sign + out;
}
