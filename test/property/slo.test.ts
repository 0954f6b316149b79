import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SloHarness, syntheticSlo } from '../support/slo';

/**
 * Error budget invariants over random traffic (docs/slo.md): whatever the
 * rates and error ratios of the canary, the primary and the edge do, and
 * whichever faults are active, the budget never recovers within a run, the
 * causes add up to what was consumed, and the rollout's part is the canary's.
 */

const segment = fc.record({
  seconds: fc.integer({ min: 1, max: 12 }).map((k) => k * 30),
  primary: fc.record({ requests: fc.double({ min: 0, max: 50, noNaN: true }), ratio: fc.double({ min: 0, max: 1, noNaN: true }) }),
  canary: fc.record({ requests: fc.double({ min: 0, max: 20, noNaN: true }), ratio: fc.double({ min: 0, max: 1, noNaN: true }) }),
  edge: fc.record({ requests: fc.double({ min: 0, max: 5, noNaN: true }), ratio: fc.double({ min: 0, max: 1, noNaN: true }) }),
  faults: fc.subarray(['a', 'b']),
});

describe('error budget invariants (property)', () => {
  it('remaining never rises, causes add up, the rollout consumed the canary part, faults at most all', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.option(fc.double({ min: 1, max: 100, noNaN: true }), { nil: null }), (segments, requestRate) => {
        const horizon = segments.reduce((a, s) => a + s.seconds, 0);
        const h = new SloHarness([syntheticSlo({ budget: { consumedAtStart: 0.2, requestRate } })], { scrape: 15, horizon });
        let t = 0;
        for (const s of segments) {
          const rates = (x: { requests: number; ratio: number }) => ({ requests: x.requests, bad: x.requests * x.ratio });
          h.set({ primary: rates(s.primary), canary: rates(s.canary), edge: rates(s.edge) });
          h.faults = s.faults;
          t += s.seconds;
          h.runUntil(t);
        }
        const r = h.result();
        let prev = r.budget.start;
        for (const p of r.history) {
          expect(p.remaining).toBeLessThanOrEqual(prev + 1e-15);
          prev = p.remaining;
        }
        const c = r.budget.byCause;
        for (const v of [c.primary, c.canary, c.other]) expect(v).toBeGreaterThanOrEqual(0);
        expect(c.primary + c.canary + c.other).toBeCloseTo(r.budget.consumed, 12);
        expect(r.budget.consumedByRollout).toBe(c.canary);
        expect(r.budget.end).toBeCloseTo(r.budget.start - r.budget.consumed, 12);
        for (const v of Object.values(c.whileFaultActive)) expect(v).toBeLessThanOrEqual(r.budget.consumed + 1e-15);
        // Never more bad events than events.
        expect(r.budget.badEvents).toBeLessThanOrEqual(r.budget.totalEvents + 1e-9);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
