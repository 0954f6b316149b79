/**
 * Go `fmt` formatting used in Flagger's texts (flagger.md §9.4): `%.2f`, `%v` of a float64 and
 * `time.Duration.String()`. Expected strings are Go's outputs.
 */

import { describe, expect, it } from 'vitest';
import { formatFloat, goDurationMs, goDurationNs, goFixed2, goFloatV, goInt64, durationNsFromMs, type FloatVerb } from '../../simulation/rollout/format';

describe('%.2f (format)', () => {
  const cases: Array<[number, string]> = [
    [95, '95.00'],
    [98.996, '99.00'],
    [6.2, '6.20'],
    [0, '0.00'],
    [100, '100.00'],
    // Exact binary ties round half to even (toFixed rounds these up).
    [0.125, '0.12'],
    [0.375, '0.38'],
    [2.5, '2.50'],
    [1.005, '1.00'], // 1.00499999999999989… in binary
    [99.995, '100.00'], // 99.9950000000000045…
    [-1.5, '-1.50'],
    [1e21, '1000000000000000000000.00'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
  ];
  for (const [x, s] of cases) it(`${x} → ${s}`, () => expect(goFixed2(x)).toBe(s));
});

describe('%v of a float64 (format)', () => {
  const cases: Array<[number, string]> = [
    [99, '99'],
    [99.5, '99.5'],
    [5, '5'],
    [500000, '500000'],
    [100000, '100000'],
    [999999, '999999'],
    [1000000, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.1, '0.1'],
    [0, '0'],
    [-2.5, '-2.5'],
    [1e21, '1e+21'],
    [Infinity, '+Inf'],
  ];
  for (const [x, s] of cases) it(`${x} → ${s}`, () => expect(goFloatV(x)).toBe(s));
});

describe('strconv.FormatFloat (format)', () => {
  const cases: Array<[number, FloatVerb, number, string]> = [
    [1234.5678, 'e', 3, '1.235e+03'],
    [0.000123456, 'E', 2, '1.23E-04'],
    [1234.5, 'e', -1, '1.2345e+03'],
    [2.5, 'e', 0, '2e+00'], // exact tie, half to even
    [1234.5678, 'g', 3, '1.23e+03'],
    [0.0001234, 'g', 3, '0.000123'],
    [1e-5, 'G', 2, '1E-05'],
    [123, 'g', 0, '1e+02'], // precision 0 means 1 for %g
    [100, 'g', 10, '100'],
    [100000, 'g', 3, '1e+05'],
    [1.005, 'F', 2, '1.00'],
    [0.1, 'f', -1, '0.1'],
    [1e-7, 'f', -1, '0.0000001'],
    [1e21, 'f', -1, '1000000000000000000000'],
    [3.14159, 'v', 3, '3.14'],
    [-0, 'g', -1, '-0'],
    [-0, 'e', 2, '-0.00e+00'],
    [0, 'e', -1, '0e+00'],
    [5e-324, 'g', -1, '5e-324'],
    [1.7976931348623157e308, 'v', -1, '1.7976931348623157e+308'],
    [NaN, 'f', 2, 'NaN'],
    [-Infinity, 'e', 6, '-Inf'],
  ];
  for (const [x, verb, prec, s] of cases) it(`${x} %${verb} prec ${prec} → ${s}`, () => expect(formatFloat(x, verb, prec)).toBe(s));
});

describe('Duration.String (format)', () => {
  const ms: Array<[number, string]> = [
    [501, '501ms'],
    [0, '0s'],
    [1000, '1s'],
    [1500, '1.5s'],
    [1234, '1.234s'],
    [60000, '1m0s'],
    [61500, '1m1.5s'],
    [3723500, '1h2m3.5s'],
    [-5, '-5ms'],
  ];
  for (const [x, s] of ms) it(`${x} ms → ${s}`, () => expect(goDurationMs(x)).toBe(s));
  it('sub-millisecond units', () => {
    expect(goDurationNs(1500n)).toBe('1.5µs');
    expect(goDurationNs(12n)).toBe('12ns');
    expect(goDurationNs(1_200_000n)).toBe('1.2ms');
  });
  it('int64(+Inf) ms wraps to 0s on amd64 (§12.19)', () => {
    expect(durationNsFromMs(goInt64(Infinity))).toBe(0n);
    expect(goInt64(499.9)).toBe(499n);
    expect(goInt64(-0.5)).toBe(0n);
  });
});
