import { describe, expect, it } from 'vitest';
import {
  Aggregator,
  avgOverTime,
  bucketQuantile,
  changes,
  clamp,
  clampMax,
  clampMin,
  countOverTime,
  deriv,
  extrapolatedRate,
  formatPromValue,
  frexp,
  goDate,
  goDateExact,
  goFormatFloatV,
  goInt64,
  heapSelect,
  holtWinters,
  instantValue,
  lastOverTime,
  mathFunctions,
  overTime,
  maxOverTime,
  minOverTime,
  predictLinear,
  presentOverTime,
  quantile,
  quantileOverTime,
  resets,
  round,
  stddevOverTime,
  stdvarOverTime,
  sumOverTime,
  type Bucket,
} from '../../simulation/promql/functions';

/** Relative closeness well inside the 1e-9 the comparison with Prometheus allows. */
function expectClose(actual: number | undefined, expected: number): void {
  expect(actual).toBeTypeOf('number');
  const a = actual as number;
  if (!Number.isFinite(expected)) {
    expect(a).toBe(expected);
    return;
  }
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  expect(Math.abs(a - expected) / scale, `${a} vs ${expected}`).toBeLessThan(1e-12);
}

const s = (sec: number) => sec * 1000;
const aggregate = (op: ConstructorParameters<typeof Aggregator>[0], values: number[]) => {
  const a = new Aggregator(op);
  for (const v of values) a.add(v);
  return a.result();
};

describe('extrapolatedRate (rate / increase / delta, Prometheus 2.42)', () => {
  // Window [0s, 60s]; samples every 15s starting at 5s: first sample 5s after
  // the start, last 10s before the end, both under 1.1 × 15s, so the increase
  // is extrapolated to the full 60s: 30 × 60/45 = 40.
  const ts = [s(5), s(20), s(35), s(50)];
  const vs = [10, 20, 30, 40];
  it('increase over 15s samples inside a 1m window extrapolates to both edges', () => {
    expectClose(extrapolatedRate(ts, vs, 0, s(60), true, false), 40);
  });
  it('rate is the extrapolated increase divided by the range in seconds', () => {
    expectClose(extrapolatedRate(ts, vs, 0, s(60), true, true), 40 / 60);
  });
  it('delta extrapolates the same way without counter handling', () => {
    expectClose(extrapolatedRate(ts, vs, 0, s(60), false, false), 40);
  });

  it('a gap of at least 1.1 average intervals is extrapolated by only half an interval', () => {
    // Samples at 40s, 50s, 60s: 40s from the start (>= 11s) → +5s; 0s at the end.
    // increase = 20 × (20 + 5) / 20 = 25.
    expectClose(extrapolatedRate([s(40), s(50), s(60)], [100, 110, 120], 0, s(60), true, false), 25);
    expectClose(extrapolatedRate([s(40), s(50), s(60)], [100, 110, 120], 0, s(60), true, true), 25 / 60);
  });

  it('counters are not extrapolated below zero (durationToZero)', () => {
    // Samples at 20s, 35s, 50s: 1, 11, 21. Zero point 30 × 1/20 = 1.5s before
    // the first sample (< 20s), so the start gap is 1.5s; end gap 10s.
    // increase = 20 × (30 + 1.5 + 10) / 30 = 83/3.
    const t = [s(20), s(35), s(50)];
    const v = [1, 11, 21];
    expectClose(extrapolatedRate(t, v, 0, s(60), true, false), 83 / 3);
    expectClose(extrapolatedRate(t, v, 0, s(60), true, true), 83 / 180);
    // delta has no zero-point rule: start gap 20s >= 16.5s → 7.5s.
    // delta = 20 × (30 + 7.5 + 10) / 30 = 95/3.
    expectClose(extrapolatedRate(t, v, 0, s(60), false, false), 95 / 3);
  });

  it('2.42 applies durationToZero before the threshold, so it may exceed half an interval', () => {
    // Samples at 30s..60s every 10s: 8, 18, 28, 38. Start gap 30s, zero point
    // 30 × 8/30 = 8s < 30s → start gap 8s, which is < 11s → used in full.
    // increase = 30 × (30 + 8) / 30 = 38 (Prometheus >= 2.51 gives 35).
    expectClose(extrapolatedRate([s(30), s(40), s(50), s(60)], [8, 18, 28, 38], 0, s(60), true, false), 38);
  });

  it('a counter reset in the middle adds the value before the drop', () => {
    // Samples aligned with the window edges: no extrapolation.
    // increase = (12 − 5) + 10 = 17; delta = 12 − 5 = 7.
    const t = [0, s(15), s(30), s(45), s(60)];
    const v = [5, 10, 2, 7, 12];
    expectClose(extrapolatedRate(t, v, 0, s(60), true, false), 17);
    expectClose(extrapolatedRate(t, v, 0, s(60), true, true), 17 / 60);
    expectClose(extrapolatedRate(t, v, 0, s(60), false, false), 7);
  });

  it('fewer than 2 samples gives no result', () => {
    expect(extrapolatedRate([s(10)], [1], 0, s(60), true, true)).toBeUndefined();
    expect(extrapolatedRate([], [], 0, s(60), false, false)).toBeUndefined();
  });
});

describe('irate / idelta', () => {
  it('use the last two samples', () => {
    expectClose(instantValue([0, s(15), s(30)], [0, 10, 40], true), 2);
    expectClose(instantValue([0, s(15), s(30)], [0, 10, 40], false), 30);
  });
  it('irate treats a drop as a counter reset, idelta does not', () => {
    expectClose(instantValue([0, s(15)], [40, 5], true), 5 / 15);
    expectClose(instantValue([0, s(15)], [40, 5], false), -35);
  });
  it('no result with fewer than 2 samples or equal timestamps', () => {
    expect(instantValue([0], [1], true)).toBeUndefined();
    expect(instantValue([s(5), s(5)], [1, 2], false)).toBeUndefined();
  });
});

describe('resets / changes', () => {
  it('resets counts decreases', () => {
    expect(resets([5, 10, 2, 7, 1])).toBe(2);
  });
  it('changes counts value changes, NaN to NaN is no change', () => {
    expect(changes([1, 1, 2, NaN, NaN, 3])).toBe(3);
  });
});

describe('<aggregation>_over_time', () => {
  it('sum_over_time uses Kahan summation (0.1 + 0.2 + 0.3 = 0.6 exactly)', () => {
    expect(sumOverTime([0.1, 0.2, 0.3])).toBe(0.6);
    expect(sumOverTime([Infinity, 1])).toBe(Infinity);
  });
  it('avg_over_time: incremental mean; infinities', () => {
    expectClose(avgOverTime([1, 2, 3, 4]), 2.5);
    expect(avgOverTime([1.7e308, 1.7e308])).toBe(1.7e308);
    expect(avgOverTime([Infinity, 1, Infinity])).toBe(Infinity);
    expect(avgOverTime([Infinity, -Infinity])).toBeNaN();
  });
  it('min/max_over_time replace a NaN with a later value', () => {
    expect(minOverTime([NaN, 3, 1])).toBe(1);
    expect(maxOverTime([NaN, 3, 1])).toBe(3);
    expect(minOverTime([3, NaN, 2])).toBe(2);
    expect(maxOverTime([NaN])).toBeNaN();
  });
  it('count, last, present', () => {
    expect(countOverTime([4, 5, 6])).toBe(3);
    expect(lastOverTime([4, 5, 6])).toBe(6);
    expect(presentOverTime([4, 5, 6])).toBe(1);
  });
  it('stddev/stdvar_over_time are population statistics', () => {
    expectClose(stdvarOverTime([2, 4, 4, 4, 5, 5, 7, 9]), 4);
    expectClose(stddevOverTime([2, 4, 4, 4, 5, 5, 7, 9]), 2);
    expect(stdvarOverTime([3])).toBe(0);
  });
  it('quantile_over_time', () => {
    expectClose(quantileOverTime(0.5, [4, 1, 3, 2]), 2.5);
  });
});

describe('overTime table (evaluator entry points)', () => {
  it('maps PromQL names to the functions above, undefined for an empty window', () => {
    expect(overTime.sum_over_time([0, 1, 2], [0.1, 0.2, 0.3], 2)).toBe(0.6);
    expect(overTime.deriv([0, s(10)], [0, 5], s(10))).toBe(0.5);
    expect(overTime.deriv([0], [0], 0)).toBeUndefined();
    expect(overTime.avg_over_time([], [], 0)).toBeUndefined();
    expect(overTime.count_over_time([1, 2], [NaN, NaN], 2)).toBe(2);
  });
});

describe('deriv / predict_linear', () => {
  it('deriv is the per-second least-squares slope', () => {
    expectClose(deriv([0, s(10), s(20)], [0, 10, 20]), 1);
    expectClose(deriv([s(100), s(110), s(120)], [3, 5, 10]), 0.35);
  });
  it('constant series: slope 0; a constant infinity gives NaN', () => {
    expect(deriv([0, s(10)], [5, 5])).toBe(0);
    expect(deriv([0, s(10)], [Infinity, Infinity])).toBeNaN();
  });
  it('predict_linear extrapolates from the evaluation time', () => {
    // Line y = t (seconds); at eval time 20s the fit is 20, 60s later 80.
    expectClose(predictLinear([0, s(10), s(20)], [0, 10, 20], s(20), 60), 80);
    // Constant series: the constant.
    expect(predictLinear([0, s(10)], [7, 7], s(30), 100)).toBe(7);
  });
  it('fewer than 2 samples gives no result', () => {
    expect(deriv([0], [1])).toBeUndefined();
    expect(predictLinear([0], [1], 0, 10)).toBeUndefined();
  });
});

describe('holt_winters', () => {
  it('double exponential smoothing, hand-computed', () => {
    // sf = tf = 0.5 on 1, 2, 4: s1=1, b=1; i=1: s=0.5·2 + 0.5·(1+1) = 2;
    // i=2: b = 0.5·(2−1) + 0.5·1 = 1, s = 0.5·4 + 0.5·(2+1) = 3.5.
    expectClose(holtWinters([1, 2, 4], 0.5, 0.5), 3.5);
    expect(holtWinters([1], 0.5, 0.5)).toBeUndefined();
    expect(holtWinters([1, 2], 1, 0.5)).toBeUndefined();
  });
});

describe('quantile (aggregation and quantile_over_time)', () => {
  it('interpolates between the sorted values at rank q·(n−1)', () => {
    expectClose(quantile(0.5, [4, 1, 3, 2]), 2.5);
    expectClose(quantile(0.9, [4, 1, 3, 2]), 3.7);
    expect(quantile(0, [4, 1, 3, 2])).toBe(1);
    expect(quantile(1, [4, 1, 3, 2])).toBe(4);
  });
  it('special cases: q < 0, q > 1, NaN q, empty input', () => {
    expect(quantile(-0.1, [1, 2])).toBe(-Infinity);
    expect(quantile(1.1, [1, 2])).toBe(Infinity);
    expect(quantile(NaN, [1, 2])).toBeNaN();
    expect(quantile(0.5, [])).toBeNaN();
  });
  it('NaN values sort first', () => {
    expect(quantile(0, [2, NaN, 1])).toBeNaN();
    expect(quantile(1, [2, NaN, 1])).toBe(2);
    expectClose(quantile(0.75, [2, NaN, 1]), 1.5);
  });
  it('does not reorder the input', () => {
    const v = [3, 1, 2];
    quantile(0.5, v);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe('bucketQuantile (histogram_quantile over classic buckets)', () => {
  const bounds = [0.1, 0.3, 1.2, 5, Infinity];
  const hist = (counts: number[]): Bucket[] => counts.map((count, i) => ({ upperBound: bounds[i], count }));

  it.each([
    // rank 99 of 100 in each bucket in turn
    ['first bucket (from 0)', [100, 100, 100, 100, 100], 0.1 * 0.99],
    ['second bucket', [0, 100, 100, 100, 100], 0.1 + 0.2 * 0.99],
    ['third bucket', [10, 20, 100, 100, 100], 0.3 + (0.9 * 79) / 80],
    ['fourth bucket', [10, 20, 30, 100, 100], 1.2 + (3.8 * 69) / 70],
  ])('q = 0.99 interpolates in the %s', (_name, counts, expected) => {
    expectClose(bucketQuantile(0.99, hist(counts)), expected);
  });

  it('a rank in the +Inf bucket gives the highest finite bound', () => {
    expect(bucketQuantile(0.99, hist([10, 20, 30, 40, 100]))).toBe(5);
  });
  it('no +Inf bucket → NaN', () => {
    expect(bucketQuantile(0.5, hist([10, 20, 30, 40]))).toBeNaN();
  });
  it('zero observations → NaN', () => {
    expect(bucketQuantile(0.5, hist([0, 0, 0, 0, 0]))).toBeNaN();
  });
  it('a single +Inf bucket → NaN', () => {
    expect(bucketQuantile(0.5, [{ upperBound: Infinity, count: 10 }])).toBeNaN();
  });
  it('q out of range and NaN', () => {
    expect(bucketQuantile(-0.5, hist([1, 2, 3, 4, 5]))).toBe(-Infinity);
    expect(bucketQuantile(1.5, hist([1, 2, 3, 4, 5]))).toBe(Infinity);
    expect(bucketQuantile(NaN, hist([1, 2, 3, 4, 5]))).toBeNaN();
  });
  it('non-monotonic counts are raised to the running maximum', () => {
    // [10, 5, 30, 20, 100] → [10, 10, 30, 30, 100]; rank 25 in (0.3, 1.2]:
    // 0.3 + 0.9 × 15/20 = 0.975 (without the fix it would be 1.02).
    expectClose(bucketQuantile(0.25, hist([10, 5, 30, 20, 100])), 0.975);
  });
  it('sorts buckets and merges equal bounds', () => {
    const b: Bucket[] = [
      { upperBound: 5, count: 100 },
      { upperBound: Infinity, count: 100 },
      { upperBound: 0.1, count: 30 },
      { upperBound: 0.1, count: 20 },
    ];
    // → [0.1: 50, 5: 100, +Inf: 100]; rank 75 → 0.1 + 4.9 × 25/50.
    expectClose(bucketQuantile(0.75, b), 2.55);
    expect(b[0]).toEqual({ upperBound: 5, count: 100 }); // input untouched
  });
  it('a lowest bucket with bound <= 0 returns that bound', () => {
    const b: Bucket[] = [
      { upperBound: -1, count: 10 },
      { upperBound: 1, count: 20 },
      { upperBound: Infinity, count: 20 },
    ];
    expect(bucketQuantile(0.25, b)).toBe(-1);
    expectClose(bucketQuantile(0.9, b), 0.6); // rank 18: −1 + 2 × 8/10
  });
  it('q = 0 with an empty lowest bucket is 0/0 = NaN', () => {
    expect(bucketQuantile(0, hist([0, 10, 10, 10, 10]))).toBeNaN();
  });
});

describe('math functions', () => {
  it('round uses the inverse of toNearest (0.15 → 0.2, where v/0.1 would give 0.1)', () => {
    expect(round(0.15, 0.1)).toBe(0.2);
    expect(round(2.35, 0.1)).toBe(2.4);
    expect(round(-2.5)).toBe(-2);
    expect(round(2.5)).toBe(3);
    expect(round(17, 5)).toBe(15);
  });
  it('clamp is NaN when min > max (Prometheus drops the sample), and propagates NaN', () => {
    expect(clamp(5, 10, 1)).toBeNaN();
    expect(clamp(5, 1, NaN)).toBeNaN();
    expect(clamp(5, 0, 1)).toBe(1);
    expect(clamp(-5, 0, 1)).toBe(0);
    expect(clamp(NaN, 0, 1)).toBeNaN();
    expect(clampMin(-1, 0)).toBe(0);
    expect(clampMax(3, 2)).toBe(2);
  });
  it('sgn keeps ±0 and NaN', () => {
    expect(mathFunctions.sgn(-3)).toBe(-1);
    expect(mathFunctions.sgn(4)).toBe(1);
    expect(Object.is(mathFunctions.sgn(-0), -0)).toBe(true);
    expect(mathFunctions.sgn(NaN)).toBeNaN();
  });
  it('log2 via Go frexp (powers of two exact, subnormals), log10 and ln', () => {
    expect(mathFunctions.log2(1024)).toBe(10);
    expect(mathFunctions.log2(Math.pow(2, -1074))).toBe(-1074);
    expectClose(mathFunctions.log2(10), 3.321928094887362);
    expect(mathFunctions.log2(0)).toBe(-Infinity);
    expect(mathFunctions.log2(-1)).toBeNaN();
    expectClose(mathFunctions.log10(1000), 3);
    expectClose(mathFunctions.ln(Math.E), 1);
    expect(frexp(8)).toEqual([0.5, 4]);
    expect(frexp(-3)).toEqual([-0.75, 2]);
  });
  it('the simple ones', () => {
    expect(mathFunctions.abs(-2)).toBe(2);
    expect(mathFunctions.ceil(1.2)).toBe(2);
    expect(mathFunctions.floor(-1.2)).toBe(-2);
    expect(mathFunctions.sqrt(-1)).toBeNaN();
    expect(mathFunctions.exp(0)).toBe(1);
    expectClose(mathFunctions.deg(Math.PI), 180);
    expectClose(mathFunctions.rad(180), Math.PI);
  });
});

describe('Aggregator (2.42 aggregation())', () => {
  it('sum is plain addition (no Kahan in 2.42 aggregations)', () => {
    expect(aggregate('sum', [0.1, 0.2, 0.3])).toBe(0.6000000000000001);
  });
  it('avg is an incremental mean that does not overflow', () => {
    expectClose(aggregate('avg', [1, 2, 3, 4]), 2.5);
    expect(aggregate('avg', [1.7e308, 1.7e308])).toBe(1.7e308);
    expect(aggregate('avg', [Infinity, 5])).toBe(Infinity);
    expect(aggregate('avg', [5, -Infinity])).toBe(-Infinity);
    expect(aggregate('avg', [Infinity, -Infinity])).toBeNaN();
  });
  it('min/max: a NaN is replaced by any number', () => {
    expect(aggregate('min', [NaN, 3, 1])).toBe(1);
    expect(aggregate('max', [NaN, 3, 1])).toBe(3);
    expect(aggregate('max', [2, NaN])).toBe(2);
    expect(aggregate('min', [NaN, NaN])).toBeNaN();
  });
  it('count and group', () => {
    expect(aggregate('count', [NaN, 3, 1])).toBe(3);
    expect(aggregate('group', [7, 8])).toBe(1);
  });
  it('stddev/stdvar: population statistics', () => {
    expectClose(aggregate('stdvar', [2, 4, 4, 4, 5, 5, 7, 9]), 4);
    expectClose(aggregate('stddev', [2, 4, 4, 4, 5, 5, 7, 9]), 2);
    expect(aggregate('stddev', [42])).toBe(0);
  });
});

describe('formatPromValue (strconv.FormatFloat(v, f, -1, 64))', () => {
  it.each([
    [1, '1'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [123456789.125, '123456789.125'],
    [-0, '-0'],
    [0, '0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [100 * (1 / 3), '33.33333333333333'],
    [-1.5e-10, '-0.00000000015'],
    [2.5e25, '25000000000000000000000000'],
  ])('%s → %s', (v, expected) => {
    expect(formatPromValue(v)).toBe(expected);
  });
  it('extremes are written out in full', () => {
    expect(formatPromValue(5e-324)).toBe('0.' + '0'.repeat(323) + '5');
    expect(formatPromValue(1.7976931348623157e308)).toBe('17976931348623157' + '0'.repeat(292));
  });
});

describe('clamp with Go\'s math.Max/math.Min (an infinity beats NaN)', () => {
  // Found by `clamp(edge_gauge, 0, NaN)` and `clamp_min(edge_gauge, NaN)` in the edge-case differential test.
  it('a NaN bound gives NaN unless the sample is an infinity on that side', () => {
    expect(clamp(5, 0, NaN)).toBeNaN();
    expect(clamp(-Infinity, 0, NaN)).toBe(0); // Max(0, Min(NaN, -Inf)) = Max(0, -Inf)
    expect(clampMin(Infinity, NaN)).toBe(Infinity);
    expect(clampMax(-Infinity, NaN)).toBe(-Infinity);
    expect(clampMin(1, NaN)).toBeNaN();
    expect(clamp(NaN, -Infinity, Infinity)).toBeNaN(); // Min(+Inf, NaN) = NaN, Max(-Inf, NaN) = NaN
  });
});

describe('date functions (Go time.Unix(int64(v), 0).UTC())', () => {
  it('breaks Unix seconds down in UTC', () => {
    expect(goDate(1709251199)).toEqual({ year: 2024, month: 2, day: 29, yearDay: 60, weekday: 4, hour: 23, minute: 59, daysInMonth: 29 });
    expect(goDate(1709251200)).toMatchObject({ year: 2024, month: 3, day: 1, yearDay: 61, weekday: 5, hour: 0, minute: 0, daysInMonth: 31 });
    expect(goDate(-1)).toMatchObject({ year: 1969, month: 12, day: 31, yearDay: 365, weekday: 3, hour: 23, minute: 59 });
    expect(goDate(-62135596801)).toMatchObject({ year: 0, month: 12, day: 31, yearDay: 366, daysInMonth: 31 });
    expect(goDate(4107542400)).toMatchObject({ year: 2100, month: 3, day: 1, yearDay: 60 }); // 2100 is not a leap year
  });
  it('converts values as int64(v) on amd64: truncation, and MinInt64 for NaN, ±Inf and out-of-range values', () => {
    expect(goInt64(-0.5)).toBe(0n);
    expect(goInt64(1.999)).toBe(1n);
    for (const v of [NaN, Infinity, -Infinity, 1e19, -1e19, 2 ** 63]) expect(goInt64(v)).toBe(-(2n ** 63n));
    expect(goInt64(-(2 ** 63))).toBe(-(2n ** 63n));
  });
  it('wraps around like Go for MinInt64 (what Prometheus 2.42 answers for a NaN sample)', () => {
    expect(goDate(goInt64(NaN))).toEqual({ year: 292277026596, month: 12, day: 4, yearDay: 339, weekday: 0, hour: 15, minute: 30, daysInMonth: 31 });
    expect(goDate(1e15)).toMatchObject({ year: 31690708, month: 7, day: 5, yearDay: 187, hour: 1, minute: 46 });
  });
  it('the float64 fast path agrees with the exact Go algorithm', () => {
    for (const sec of [0, -1, 59, 951782400, 951868800, 1709251199, 4102444799, -62135596800, -62135596801, 253402300800, 8.64e12, -8.64e12, 123456789012]) {
      expect(goDate(sec), String(sec)).toEqual(goDateExact(BigInt(sec)));
    }
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const sec = Math.round((x / 2147483648 - 0.5) * 2 * 8e12);
      expect(goDate(sec), String(sec)).toEqual(goDateExact(BigInt(sec)));
    }
  });
});

describe('heapSelect (topk/bottomk with container/heap, Prometheus 2.42)', () => {
  const pick = (values: Array<[string, number]>, k: number, top: boolean) => heapSelect(values, (x) => x[1], k, top).map((x) => x[0]);
  // Found by `topk(2, edge_gauge{case=~"nan|allnan|flat"})` and `bottomk(1, …)`: a NaN root is replaced by any newcomer, NaN included.
  it('a NaN root is always replaced, so the later of two NaNs is kept', () => {
    expect(pick([['allnan', NaN], ['flat', 7], ['nan', NaN]], 2, true)).toEqual(['flat', 'nan']);
    expect(pick([['allnan', NaN], ['nan', NaN]], 1, false)).toEqual(['nan']);
    expect(pick([['a', NaN], ['b', 1], ['c', 2]], 2, true)).toEqual(['c', 'b']);
    expect(pick([['a', 3], ['b', NaN], ['c', 2]], 2, false)).toEqual(['c', 'a']);
  });
  it('ties at the boundary follow the heap, not the input order', () => {
    // Heap [a0, b0] after two pushes; c0 does not beat the root (0 < 0 is false).
    expect(pick([['a', 0], ['b', 0], ['c', 0]], 2, true).sort()).toEqual(['a', 'b']);
    expect(pick([['a', 5], ['b', 1], ['c', 3], ['d', 4], ['e', 2]], 3, true)).toEqual(['a', 'd', 'c']);
    expect(pick([['a', 5], ['b', 1], ['c', 3], ['d', 4], ['e', 2]], 3, false)).toEqual(['b', 'e', 'c']);
  });
});

describe('goFormatFloatV (Go %v of a float64, as in error messages)', () => {
  it.each([
    [1e20, '1e+20'],
    [NaN, 'NaN'],
    [1.5, '1.5'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-Infinity, '-Inf'],
  ])('%s → %s', (v, expected) => expect(goFormatFloatV(v)).toBe(expected));
});
