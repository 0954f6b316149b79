import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inverseNormalCdf, normalQuantile, paretoFrontier, quantileOf, recommend, wilson } from '../../simulation/sweep/stats';
import { normalCdf } from '../../simulation/stats/normal';

/** The tuning lab's statistics (simulation/sweep/stats.ts), against hand computation and published values. */
describe('sweep statistics', () => {
  it('normal quantiles match the published values', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.575829, 6);
    expect(normalQuantile(0.9)).toBeCloseTo(1.644854, 6);
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 12);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232, 6);
    // The inverse of the CDF, across the range (both tails and the centre).
    for (const p of [1e-6, 0.01, 0.02425, 0.3, 0.7, 0.97575, 0.999]) expect(normalCdf(inverseNormalCdf(p))).toBeCloseTo(p, 6);
    expect(() => normalQuantile(1)).toThrow(/confidence must be in \(0, 1\)/);
  });

  it('Wilson intervals: hand-computed cases, and exact bounds at 0 and n', () => {
    // 5 of 100 at 95%: centre (0.05 + 1.92073/100)/(1.0384146) = 0.066647; half-width 0.04353.
    const r = wilson(5, 100);
    expect(r.rate).toBe(0.05);
    expect(r.low).toBeCloseTo(0.021543, 5);
    expect(r.high).toBeCloseTo(0.111752, 5);
    // 0 of 20: [0, z²/(n + z²)] = [0, 0.161125].
    expect(wilson(0, 20)).toMatchObject({ low: 0, rate: 0 });
    expect(wilson(0, 20).high).toBeCloseTo(0.161125, 5);
    expect(wilson(20, 20)).toMatchObject({ high: 1, rate: 1 });
    expect(wilson(20, 20).low).toBeCloseTo(1 - 0.161125, 5);
    expect(wilson(0, 0)).toMatchObject({ low: 0, high: 1 });
    expect(() => wilson(3, 2)).toThrow(/0 ≤ successes ≤ trials/);
  });

  it('property: the interval holds the rate, stays in [0, 1], and narrows with more trials', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, p) => {
        const k = Math.round(n * p);
        const r = wilson(k, n);
        expect(r.low).toBeGreaterThanOrEqual(0);
        expect(r.high).toBeLessThanOrEqual(1);
        expect(r.low).toBeLessThanOrEqual(r.rate + 1e-12);
        expect(r.high).toBeGreaterThanOrEqual(r.rate - 1e-12);
        const wider = wilson(k, n, 0.99);
        expect(wider.high - wider.low).toBeGreaterThanOrEqual(r.high - r.low - 1e-12);
        const more = wilson(k * 4, n * 4);
        expect(more.high - more.low).toBeLessThanOrEqual(r.high - r.low + 1e-12);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('the Pareto frontier keeps exactly the undominated configurations', () => {
    const configs = [
      { id: 'a', falseAborts: 0.01, detect: 120 },
      { id: 'b', falseAborts: 0.02, detect: 60 },
      { id: 'c', falseAborts: 0.02, detect: 90 }, // dominated by b
      { id: 'd', falseAborts: 0.0, detect: 300 },
      { id: 'e', falseAborts: 0.05, detect: 60 }, // dominated by b
      { id: 'f', falseAborts: NaN, detect: 10 }, // no measure: never on it
    ];
    const front = paretoFrontier(configs, [(x) => x.falseAborts, (x) => x.detect]);
    expect(front.map((x) => x.id)).toEqual(['a', 'b', 'd']);
    // Identical items do not dominate each other.
    expect(paretoFrontier([configs[0], { ...configs[0], id: 'a2' }], [(x) => x.falseAborts, (x) => x.detect]).map((x) => x.id)).toEqual(['a', 'a2']);
  });

  it('recommends the fastest detection with false aborts at most 1%, or none', () => {
    const configs = [
      { id: 'a', falseAborts: 0.01, detect: 120 },
      { id: 'b', falseAborts: 0.02, detect: 60 },
      { id: 'd', falseAborts: 0.0, detect: 300 },
      { id: 'g', falseAborts: 0.005, detect: 120 },
    ];
    expect(recommend(configs, [(x) => x.falseAborts <= 0.01], (x) => x.detect)?.id).toBe('a');
    expect(recommend(configs, [(x) => x.falseAborts <= 0.001], (x) => x.detect)?.id).toBe('d');
    expect(recommend(configs, [(x) => x.falseAborts < 0], (x) => x.detect)).toBeNull();
  });

  it('quantiles interpolate between order statistics', () => {
    expect(quantileOf([30, 10, 20, 40], 0.5)).toBe(25);
    expect(quantileOf([1, 2, 3, 4, 5], 0.95)).toBeCloseTo(4.8, 12);
    expect(quantileOf([], 0.5)).toBeNaN();
  });
});
