import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGoFloat } from '../../simulation/util/go-float';

/**
 * strconv.ParseFloat's answers, from Go's own tests of it (strconv/atof_test.go)
 * and its documentation: every caller (Prometheus' values and le labels,
 * Flagger's query answers, Go template numbers, Argo's asFloat) shares them.
 */
describe("Go's strconv.ParseFloat", () => {
  const ok: Array<[string, number]> = [
    ['1', 1],
    ['+1', 1],
    ['1e23', 1e23],
    ['1E23', 1e23],
    ['100000000000000000000000', 1e23],
    ['1e-100', 1e-100],
    ['-1', -1],
    ['-0.1', -0.1],
    ['-0', -0],
    ['625e-3', 0.625],
    ['1.', 1],
    ['.5', 0.5],
    ['1e-4294967296', 0],
    // hexadecimal: a mandatory binary exponent
    ['0x1p0', 1],
    ['0x1p1', 2],
    ['0x1p-1', 0.5],
    ['0x1ep-1', 15],
    ['-0x1ep-1', -15],
    ['-0x1_ep-1', -15],
    ['0x1p-200', 2 ** -200],
    ['0x1p200', 2 ** 200],
    ['0x1fFe2.p0', 131042],
    ['0x1fFe2.P0', 131042],
    ['-0x2p3', -16],
    ['0x0.fp4', 15],
    ['0x0.fp0', 0.9375],
    ['0x.8p1', 1],
    ['0x1p-1074', 5e-324],
    // rounding once, half to even, also past 64 significant bits
    ['0x1.fffffffffffff8p0', 2],
    ['0x1.fffffffffffff7ffffffffffffffffp0', 2 - 2 ** -52],
    ['0x1.00000000000008000000000000001p0', 1 + 2 ** -52],
    ['0x1.00000000000008p0', 1],
    // underscores between digits, or after the base prefix
    ['1_23.50_0_0e+1_2', 1.235e14],
    ['0x_1_2.3_4_5p+1_2', 74565],
    // special values, any case
    ['inf', Infinity],
    ['-Inf', -Infinity],
    ['+INF', Infinity],
    ['-Infinity', -Infinity],
    ['+INFINITY', Infinity],
    ['Infinity', Infinity],
  ];
  it.each(ok)('parses %s', (s, v) => expect(parseGoFloat(s)).toBe(v));

  it('parses NaN unsigned, in any case', () => {
    for (const s of ['NaN', 'nan', 'NAN', 'nAn']) expect(parseGoFloat(s)).toBeNaN();
    for (const s of ['+NaN', '-nan']) expect(parseGoFloat(s)).toBeNull();
  });

  const bad = [
    '', ' 1', '1 ', '1x', '1.1.', '+', '-', '.', 'e1', '1e', '1e+', 'infin', 'infinityy', '0x', '0x1', '0x1e2', '1p2', '0x.p1', '0x1.2', '0xp1',
    // underscores not between digits
    '-_123.5e+12', '+_123.5e+12', '_123.5e+12', '1__23.5e+12', '123_.5e+12', '123._5e+12', '123.5_e+12', '123.5__0e+12', '123.5e_+12', '123.5e+_12', '123.5e_-12', '123.5e-_12', '123.5e+1__2', '123.5e+12_',
    '-_0x12.345p+12', '_+0x12.345p+12', '0x__12.345p+12', '0x1__2.345p+12', '0x12_.345p+12', '0x12._345p+12', '0x12.3__45p+12', '0x12.345_p+12', '0x12.345p_+12', '0x12.345p+_12', '0x12.345p+1__2', '0x12.345p+12_', '0x_.8p1',
    // beyond float64's range: Go's ErrRange
    '1e309', '-1e310', '0x1p1024',
  ];
  it.each(bad.map((s) => [s]))('refuses %j', (s) => expect(parseGoFloat(s)).toBeNull());

  it("reads back every double's shortest decimal and its exact hexadecimal form", () => {
    const hex = (x: number) => {
      // The exact value as 0x<53-bit integer>p<exponent>.
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, Math.abs(x));
      const bits = b.getBigUint64(0);
      const e = Number(bits >> 52n);
      const m = bits & ((1n << 52n) - 1n);
      const [mant, exp] = e === 0 ? [m, -1074] : [m | (1n << 52n), e - 1075];
      return `${x < 0 || Object.is(x, -0) ? '-' : ''}0x${mant.toString(16)}p${exp}`;
    };
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseGoFloat(Object.is(x, -0) ? '-0' : String(x))).toBe(x);
        expect(parseGoFloat(hex(x))).toBe(x);
      }),
      { numRuns: 2000 },
    );
  });
});
