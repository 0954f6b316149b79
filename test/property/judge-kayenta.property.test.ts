import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyKayentaMetric } from '../../simulation/judges/kayenta-classifier';
import { defaultMetricAnalysis, type KayentaEffectMeasure } from '../../simulation/judges/kayenta-config';
import { type KayentaMetricResult, scoreKayenta } from '../../simulation/judges/kayenta-score';
import { hodgesLehmann, shiftConfidenceInterval } from '../../simulation/judges/mann-whitney';

/**
 * Invariants of Kayenta's Mann-Whitney judge. Samples are small integers, so
 * every difference and shift is exact in floating point and the properties
 * hold exactly, not within a tolerance:
 *
 * - the test is about location: shifting both samples by one constant moves
 *   no pairwise difference, so the interval and the classification stay (with
 *   the cles effect size for any shift; with the mean ratio, whose "no
 *   change" point is a ratio, for positive data shifted upwards);
 * - canary and baseline play mirrored roles: swapping them negates the
 *   interval and turns High into Low (direction either);
 * - the interval holds the Hodges–Lehmann estimate and widens with the
 *   confidence level.
 */

const sample = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: 2, maxLength: 30 });
const either = (measure: KayentaEffectMeasure) => defaultMetricAnalysis(measure);

describe('Kayenta judge properties', () => {
  it('classification is invariant under shifting both samples by the same constant (cles)', () => {
    fc.assert(
      fc.property(sample(-50, 50), sample(-50, 50), fc.integer({ min: -1000, max: 1000 }), (c, b, k) => {
        const before = classifyKayentaMetric(c, b, either('cles'));
        const after = classifyKayentaMetric(
          c.map((v) => v + k),
          b.map((v) => v + k),
          either('cles'),
        );
        expect(after.classification).toBe(before.classification);
        if (before.test && after.test && !before.test.noiseAdded) {
          expect([after.test.lower, after.test.upper, after.test.estimate]).toEqual([before.test.lower, before.test.upper, before.test.estimate]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('classification is invariant under shifting positive samples upwards (mean ratio, thresholds 1)', () => {
    fc.assert(
      fc.property(sample(1, 60), sample(1, 60), fc.integer({ min: 0, max: 1000 }), (c, b, k) => {
        const before = classifyKayentaMetric(c, b, either('meanRatio'));
        const after = classifyKayentaMetric(
          c.map((v) => v + k),
          b.map((v) => v + k),
          either('meanRatio'),
        );
        expect(after.classification).toBe(before.classification);
      }),
      { numRuns: 300 },
    );
  });

  it('swapping canary and baseline mirrors the interval and turns High into Low (direction either)', () => {
    const mirror = { High: 'Low', Low: 'High', Pass: 'Pass', Nodata: 'Nodata', NodataFailMetric: 'NodataFailMetric', Error: 'Error' } as const;
    fc.assert(
      fc.property(sample(0, 40), sample(0, 40), fc.constantFrom<KayentaEffectMeasure>('meanRatio', 'cles'), (c, b, measure) => {
        const ab = classifyKayentaMetric(c, b, either(measure));
        const ba = classifyKayentaMetric(b, c, either(measure));
        expect(ba.classification).toBe(mirror[ab.classification]);
        if (ab.test && ba.test && !ab.test.noiseAdded) {
          // (+ 0 turns −0 into 0: Object.is tells them apart.)
          expect(ba.test.lower + 0).toBe(-ab.test.upper + 0);
          expect(ba.test.upper + 0).toBe(-ab.test.lower + 0);
          expect(ba.test.estimate + 0).toBe(-ab.test.estimate + 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the interval holds the estimate, stays within the extreme differences and widens with the confidence level', () => {
    fc.assert(
      fc.property(sample(0, 30), sample(0, 30), (c, b) => {
        const narrow = shiftConfidenceInterval(c, b, 0.9);
        const wide = shiftConfidenceInterval(c, b, 0.98);
        if (!narrow.ok || !wide.ok) {
          // Only when every value is the same.
          expect(new Set([...c, ...b]).size).toBe(1);
          return;
        }
        const est = hodgesLehmann(c, b);
        const minDiff = Math.min(...c) - Math.max(...b);
        const maxDiff = Math.max(...c) - Math.min(...b);
        expect(wide.interval.estimate).toBe(est);
        expect(wide.interval.lower).toBeLessThanOrEqual(narrow.interval.lower);
        expect(narrow.interval.lower).toBeLessThanOrEqual(est);
        expect(est).toBeLessThanOrEqual(narrow.interval.upper);
        expect(narrow.interval.upper).toBeLessThanOrEqual(wide.interval.upper);
        expect(wide.interval.lower).toBeGreaterThanOrEqual(minDiff);
        expect(wide.interval.upper).toBeLessThanOrEqual(maxDiff);
      }),
      { numRuns: 300 },
    );
  });

  it('a summary score stays within 0–100, ignores the order of results, and a passing metric never lowers it', () => {
    const label = fc.constantFrom<KayentaMetricResult['classification']>('Pass', 'High', 'Low', 'Nodata', 'NodataFailMetric', 'Error');
    const base = classifyKayentaMetric([], [], defaultMetricAnalysis());
    const result = fc.record({ name: fc.string({ maxLength: 4 }), classification: label, group: fc.constantFrom('A', 'B', 'C'), critical: fc.boolean() }).map(
      (r): KayentaMetricResult => ({ ...base, name: r.name, tags: {}, groups: [r.group], muted: false, criticalMetric: r.critical, queries: { canary: null, baseline: null }, classification: r.classification, critical: r.critical && r.classification !== 'Pass', reason: '' }),
    );
    const weights = fc.record({ A: fc.integer({ min: 0, max: 60 }), B: fc.integer({ min: 0, max: 40 }) });
    fc.assert(
      fc.property(fc.array(result, { minLength: 1, maxLength: 12 }), weights, fc.constantFrom('A', 'B', 'C'), (rs, w, g) => {
        const th = { pass: 95, marginal: 75 };
        const s = scoreKayenta(rs, w, th);
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.score).toBeLessThanOrEqual(100);
        expect(scoreKayenta([...rs].reverse(), w, th).score).toBe(s.score);
        const more = scoreKayenta([...rs, { ...rs[0], name: 'extra', groups: [g], classification: 'Pass', critical: false }], w, th);
        // A pass can only dilute the Nodata share or raise its group's score (unless it creates a new group that takes weight).
        if (rs.some((r) => r.groups.includes(g))) expect(more.score).toBeGreaterThanOrEqual(s.score);
      }),
      { numRuns: 300 },
    );
  });
});
