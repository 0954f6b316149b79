import { describe, expect, it } from 'vitest';
import { analysePower, minimumRate, powerInputsOf, powerModelOf, type PowerModel, solveAnalysis } from '../../simulation/power/analytic';
import { binomialPmf, binomialTail, checkFailure, checkFailureOver, checkFails, poissonCounts, poissonPmf, poissonSupport, roundRobinCounts, splitCounts, type SuccessRateBounds } from '../../simulation/power/check';
import { PowerMonteCarlo, powerPlan } from '../../simulation/power/monte-carlo';
import { type AnalysisSchedule, type CheckSpan, checkSpans, scheduleOf } from '../../simulation/power/schedule';
import type { AnalysisSpec } from '../../simulation/rollout/types';
import { normalCdf } from '../../simulation/stats/normal';
import { Harness, SR } from '../conformance/support';
import { analysisSpec, canarySpec } from '../support/canary';
import { mustLoad } from '../support/scenario';
import { CHECKOUT_TEXT } from '../support/sweep';

/** The power model (docs/power.md): the check's arithmetic, the analysis' stages and windows, the state machine, the search. */

/** Poisson and binomial masses by plain recurrences (independent of the saddle-point code under test). */
function naivePoisson(mean: number, upTo: number): number[] {
  const out = [Math.exp(-mean)];
  for (let k = 1; k <= upTo; k++) out.push((out[k - 1] * mean) / k);
  return out;
}
function naiveBinomial(n: number, p: number): number[] {
  if (p === 0) return [1, ...new Array<number>(n).fill(0)];
  if (p === 1) return [...new Array<number>(n).fill(0), 1];
  const out = [(1 - p) ** n];
  for (let k = 1; k <= n; k++) out.push((out[k - 1] * (n - k + 1) * p) / (k * (1 - p)));
  return out;
}
/** P(fail) as the plain mixture Σ_n P(N = n) Σ_e P(E = e | n) [check fails], N up to where its mass is gone. */
function directMixture(mean: number, p: number, bounds: SuccessRateBounds): number {
  const upTo = Math.ceil(mean + 12 * Math.sqrt(mean) + 30);
  const pn = naivePoisson(mean, upTo);
  let total = 0;
  for (let n = 0; n <= upTo; n++) {
    const pe = naiveBinomial(n, p);
    for (let e = 0; e <= n; e++) if (checkFails(n - e, e, bounds)) total += pn[n] * pe[e];
  }
  return total;
}

const floor = (min: number | null, max: number | null = null): SuccessRateBounds => ({ min, max });

describe('the success-rate check', () => {
  it('Poisson and binomial masses match the plain formulas and sum to 1', () => {
    for (const mean of [0.3, 4, 37.5]) {
      const naive = naivePoisson(mean, 80);
      for (let k = 0; k <= 80; k++) expect(poissonPmf(k, mean)).toBeCloseTo(naive[k], 14);
    }
    for (const mean of [0.3, 7, 250, 1e5, 1e9]) {
      const [lo, hi] = poissonSupport(mean);
      let s = 0;
      for (let k = lo; k <= hi; k++) s += poissonPmf(k, mean);
      expect(Math.abs(s - 1)).toBeLessThan(1e-11);
    }
    // At the mode of a huge mean: 1/√(2πm) · (1 − 1/(12m) + …).
    expect(poissonPmf(1e8, 1e8) / (1 / Math.sqrt(2 * Math.PI * 1e8))).toBeCloseTo(1 - 1 / 12e8, 13);
    for (const [n, p] of [[10, 0.3], [60, 0.004], [57, 0.93]] as const) {
      const naive = naiveBinomial(n, p);
      for (let k = 0; k <= n; k++) expect(binomialPmf(k, n, p)).toBeCloseTo(naive[k], 14);
    }
  });

  it('binomial tails match a direct sum on small numbers, and complement each other on large ones', () => {
    for (const [n, p] of [[1, 0.5], [12, 0.004], [40, 0.1], [60, 0.93], [300, 0.01]] as const) {
      const pmf = naiveBinomial(n, p);
      for (let k = 0; k <= n + 1; k++) {
        const direct = pmf.slice(k).reduce((a, b) => a + b, 0);
        expect(Math.abs(binomialTail(n, k, p) - direct)).toBeLessThan(1e-13);
      }
    }
    // P(X ≥ k) + P(n − X ≥ n − k + 1) = 1, each side summed on its own.
    for (const k of [9_800, 10_000, 10_150]) expect(binomialTail(1e6, k, 0.01) + binomialTail(1e6, 1e6 - k + 1, 0.99)).toBeCloseTo(1, 12);
  });

  it('a reading equal to the floor passes: bounds compared as the decimals written', () => {
    expect(checkFails(999, 1, floor(99.9))).toBe(false); // exactly 99.9 %
    expect(checkFails(998, 2, floor(99.9))).toBe(true);
    expect(checkFails(99, 1, floor(99))).toBe(false);
    expect(checkFails(98, 2, floor(99))).toBe(true);
    expect(checkFails(0, 0, floor(null))).toBe(true); // no requests: "no values found"
    expect(checkFails(0, 3, floor(null))).toBe(false);
    expect(checkFails(5, 0, floor(100))).toBe(false);
    expect(checkFails(5, 1, floor(100))).toBe(true);
    expect(checkFails(995, 5, floor(null, 99.5))).toBe(false);
    expect(checkFails(996, 4, floor(null, 99.5))).toBe(true);
    expect(checkFails(1, 0, floor(null, 100))).toBe(false);
  });

  it('the failure probability equals the binomial-Poisson mixture summed directly', () => {
    for (const mean of [0.2, 2, 30, 300]) {
      for (const p of [0, 0.004, 0.05, 0.5, 1]) {
        for (const b of [floor(99), floor(99.9), floor(95, 99.5), floor(null), floor(97.5)]) {
          expect(Math.abs(checkFailure(mean, p, b) - directMixture(mean, p, b))).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('hand-checked cases: no traffic, no errors, every error fatal', () => {
    // Almost no traffic: almost every check has no values.
    // (An error among fewer than 99 requests fails too: e^{-m} + P(E ≥ 1)·P(S < 99·E), the last factor 1 − O(m^99).)
    expect(checkFailure(1e-6, 0.004, floor(99))).toBeCloseTo(Math.exp(-1e-6) + 1 - Math.exp(-1e-6 * 0.004), 15);
    expect(checkFailure(0, 0.5, floor(99))).toBe(1);
    // No errors: only an empty window fails, e^{-m}.
    expect(checkFailure(3, 0, floor(99))).toBeCloseTo(Math.exp(-3), 15);
    expect(checkFailure(5000, 0, floor(99.99))).toBe(0);
    // m = 2, p = ½, floor 99: with fewer than 100 requests one error fails, so P = e^{-2} + (1 − e^{-1}).
    expect(checkFailure(2, 0.5, floor(99))).toBeCloseTo(Math.exp(-2) + 1 - Math.exp(-1), 12);
    expect(checkFailure(1e4, 1, floor(1))).toBe(1);
  });

  it('stays exact and quick at large means, where the normal approximation is accurate', () => {
    // S − 99·E is nearly normal for m = 1e6: compare away from the floor (continuity-corrected).
    for (const p of [0.0095, 0.0102]) {
      const m = 1e6;
      const muS = m * (1 - p);
      const muE = m * p;
      const z = (muS - 99 * muE - 0.5) / Math.sqrt(muS + 99 * 99 * muE);
      const exact = checkFailure(m, p, floor(99));
      expect(Math.abs(exact - normalCdf(-z))).toBeLessThan(2e-3);
      expect(exact).toBeGreaterThan(0);
    }
    // At the allowance itself half the checks fail; at 1e9 requests a 1 % margin never does.
    expect(checkFailure(1e6, 0.01, floor(99))).toBeCloseTo(0.5, 2);
    expect(checkFailure(1e9, 0.0099, floor(99))).toBeLessThan(1e-300);
    expect(() => checkFailure(-1, 0.1, floor(99))).toThrow(/≥ 0/);
    expect(() => checkFailure(1, 1.5, floor(99))).toThrow(/\[0, 1\]/);
  });
});

const canaryAnalysis = (a: Partial<AnalysisSpec>): AnalysisSpec => analysisSpec({ metrics: [SR(99)], ...a });

describe('the analysis schedule', () => {
  it('stages follow Flagger: steps to maxWeight (overshooting), ladders, Blue/Green and A/B iterations', () => {
    const stages = (a: Partial<AnalysisSpec>) => {
      const s = scheduleOf(canaryAnalysis(a));
      return 'error' in s ? s.error : s.stages;
    };
    expect(stages({ stepWeight: 10, maxWeight: 50 })).toEqual([10, 20, 30, 40, 50]);
    expect(stages({ stepWeight: 20, maxWeight: 50 })).toEqual([20, 40, 60]);
    expect(stages({ stepWeight: 30 })).toEqual([30, 60, 90, 100]);
    expect(stages({ stepWeights: [1, 2, 10, 80] })).toEqual([1, 2, 10, 80]);
    expect(stages({ iterations: 3 })).toEqual([0, 0, 0, 100]);
    expect(stages({ iterations: 2, match: [{ headers: {} }] })).toEqual([100, 100]);
    expect(stages({})).toMatch(/never advances/);
    expect(stages({ stepWeight: 10, mirror: true })).toMatch(/cannot mirror/);
    const s = scheduleOf(canaryAnalysis({ stepWeight: 10, intervalMs: 30_000, threshold: 0 }));
    expect(s).toMatchObject({ strategy: 'canary', interval: 30, threshold: 1 });
    expect(scheduleOf(canaryAnalysis({ stepWeight: 10 }), 'kubernetes')).toMatchObject({ error: expect.stringMatching(/kubernetes/) });
  });

  it('what a check counts: the span between the samples it reads, the series from the first canary request', () => {
    const schedule = (interval: number, stages: number[]): AnalysisSchedule => ({ strategy: 'canary', interval, threshold: 3, stages });
    const brief = (rows: CheckSpan[][]) => rows.map((row) => row.map((c) => [Number(c.weightSeconds.toFixed(9)), c.seconds, c.noValues]));
    // Interval 1m, window 1m, scrapes every 15 s: each check counts 45 s at its weight.
    const plain = checkSpans(schedule(60, [10, 20]), { window: 60, scrapeInterval: 15 });
    expect(brief(plain)).toEqual([[[4.5, 45, false]], [[9, 45, false]]]);
    expect(plain[1][0].segments).toEqual([{ share: 1, weight: 20, seconds: 45 }]);
    // Interval 30 s, window 1m (checkout-canary): the first check after the first weight change reads one sample of
    // the canary's new series — no values (the "no-data halt" of docs/tuning.md); the next counts (0, 45]; at the
    // next stage the first check still counts 30 s at the previous weight.
    const checkout = checkSpans(schedule(30, [10, 20]), { window: 60, scrapeInterval: 15 });
    expect(brief(checkout)).toEqual([
      [
        [0, 0, true],
        [4.5, 45, false],
      ],
      [
        [6, 45, false], // 30 s at 10 %, 15 s at 20 %
        [9, 45, false],
      ],
    ]);
    expect(checkout.map((row) => row.map((c) => c.extrapolated))).toEqual([
      [false, true],
      [false, false],
    ]);
    expect(plain[0][0].extrapolated).toBe(true); // window 1m from the first weight change: counted from the series' start
    expect(checkSpans(schedule(60, [10]), { window: 45, scrapeInterval: 15 })[0][0]).toMatchObject({ extrapolated: false, seconds: 30 });
    expect(checkout[1][0].segments).toEqual([
      { share: 1, weight: 10, seconds: 30 },
      { share: 1, weight: 20, seconds: 15 },
    ]);
    // A window shorter than two scrapes never has a value.
    expect(brief(checkSpans(schedule(60, [10]), { window: 15, scrapeInterval: 15 }))).toEqual([[[0, 0, true]]]);
    // A routing delay starts the canary's traffic later; an older newest sample shifts the span.
    expect(brief(checkSpans(schedule(60, [10]), { window: 60, scrapeInterval: 15, routingDelay: 2 }))).toEqual([
      [
        [4.3, 43, false],
        [4.5, 45, false],
      ],
    ]);
    expect(brief(checkSpans(schedule(50, [10, 20]), { window: 60, scrapeInterval: 15, sampleLags: [5], routingDelay: 2 }))[1]).toEqual([
      [8.8, 45, false], // 2 s at 10 %, 43 s at 20 %
      [9, 45, false],
    ]);
    // Two replicas, scraped 7.5 s apart, each with half the requests: at the first stage the second one's series has
    // a sample 7.5 s after the weight change and counts 52.5 s from the series' start, the first 45 s.
    const two = checkSpans(schedule(60, [10, 20]), { window: 60, scrapeInterval: 15, replicas: 2 });
    expect(two[0][0].segments).toEqual([
      { share: 0.5, weight: 10, seconds: 45 },
      { share: 0.5, weight: 10, seconds: 52.5 },
    ]);
    expect(two[1][0].segments).toEqual([
      { share: 0.5, weight: 20, seconds: 45 },
      { share: 0.5, weight: 20, seconds: 45 },
    ]);
    // Blue/Green: no canary series while it iterates at weight 0.
    expect(checkSpans({ strategy: 'blue-green', interval: 60, threshold: 2, stages: [0, 0, 100] }, { window: 60, scrapeInterval: 15 }).map((r) => r[0].noValues)).toEqual([true, true, false]);
    expect(() => checkSpans(schedule(60, [10]), { window: 60, scrapeInterval: 15, replicas: 2, sampleLags: [15] })).toThrow(/a sample lag for each/);
  });
});

describe("Traefik's weighted round robin", () => {
  const stats = (d: { lo: number; p: Float64Array }) => {
    let m = 0;
    let v = 0;
    d.p.forEach((x, i) => (m += x * (d.lo + i)));
    d.p.forEach((x, i) => (v += x * (d.lo + i - m) ** 2));
    return { total: d.p.reduce((a, b) => a + b, 0), mean: m, variance: v };
  };

  it("gives the canary ⌊w·M⌋ or ⌈w·M⌉ of M ~ Poisson requests: the mean of a random split, a w-th of its variance", () => {
    for (const [mean, w] of [[4.5, 0.1], [450, 0.1], [450, 0.3], [20_000, 0.5], [77, 1]] as const) {
      const s = stats(roundRobinCounts(mean, w));
      expect(s.total).toBeCloseTo(1, 12);
      expect(s.mean).toBeCloseTo(w * mean, 9);
      // w²·mean plus the rounding's E[f(1 − f)] ∈ [0, ¼].
      expect(s.variance).toBeGreaterThanOrEqual(w * w * mean - 1e-6);
      expect(s.variance).toBeLessThanOrEqual(w * w * mean + 0.25);
    }
    // With 10 requests on average at 10 %, an empty window needs fewer than 10 requests and a late turn.
    const few = roundRobinCounts(10, 0.1);
    expect(few.lo).toBe(0);
    let empty = 0;
    for (let m = 0; m < 10; m++) empty += poissonPmf(m, 10) * (1 - 0.1 * m);
    expect(few.p[0]).toBeCloseTo(empty, 14);
    expect(few.p[0]).toBeLessThan(Math.exp(-1) / 2);
    expect(stats(roundRobinCounts(0, 0.3))).toEqual({ total: 1, mean: 0, variance: 0 });
  });

  it('sums replicas and weights exactly while cheap, matching mean and variance beyond', () => {
    const a = stats(splitCounts([{ mean: 300, weight: 0.1 }, { mean: 150, weight: 0.2 }]));
    expect(a.mean).toBeCloseTo(60, 9);
    expect(a.variance).toBeGreaterThanOrEqual(0.01 * 300 + 0.04 * 150 - 1e-6);
    expect(a.variance).toBeLessThanOrEqual(0.01 * 300 + 0.04 * 150 + 0.5);
    const big = stats(splitCounts([{ mean: 4e6, weight: 0.4 }, { mean: 4e6, weight: 0.5 }]));
    expect(big.mean / 3.6e6).toBeCloseTo(1, 9);
    expect(big.variance / (0.16 * 4e6 + 0.25 * 4e6)).toBeCloseTo(1, 4);
  });

  it('a check over round-robin counts: the mixture over n of binomial tails, summed directly', () => {
    for (const [mean, w] of [[45, 0.1], [450, 0.1], [2000, 0.3]] as const) {
      const counts = roundRobinCounts(mean, w);
      for (const p of [0, 0.004, 0.02, 0.3]) {
        for (const b of [floor(99), floor(97.5), floor(95, 99.5)]) {
          let direct = 0;
          counts.p.forEach((x, i) => {
            const n = counts.lo + i;
            const pe = naiveBinomial(n, p);
            for (let e = 0; e <= n; e++) if (checkFails(n - e, e, b)) direct += x * pe[e];
          });
          expect(Math.abs(checkFailureOver(counts, p, b) - direct)).toBeLessThan(1e-11);
        }
      }
    }
    // A random split's counts give back the Poisson formula.
    for (const p of [0.004, 0.05]) expect(checkFailureOver(poissonCounts(300), p, floor(99))).toBeCloseTo(checkFailure(300, p, floor(99)), 12);
  });
});

/** Runs the real controller on scripted check outcomes and sums the probabilities of the distinct check sequences. */
function bruteForce(analysis: AnalysisSpec, fail: number[][]) {
  const schedule = scheduleOf(analysis);
  if ('error' in schedule) throw new Error(schedule.error);
  const K = schedule.stages.length;
  const T = schedule.threshold;
  const L = K + T;
  const out = { rollback: 0, promotion: 0, rollbackAt: new Array<number>(K).fill(0), checks: new Array<number>(K).fill(0), ticks: new Map<string, number>() };
  for (let bits = 0; bits < 2 ** L; bits++) {
    const h = Harness.fromT0(canarySpec(analysis), { sr: (tick) => ((bits >> (tick - 2)) & 1 ? 50 : 100) }).runUntilDone(4 * L + 10);
    const checks = h.checks.filter((c) => c.metric === 'request-success-rate');
    if (bits >> checks.length !== 0) continue; // the same run as the sequence with these unused bits cleared
    let p = 1;
    const seen = new Array<number>(K).fill(0);
    let stage = 0;
    checks.forEach((c, k) => {
      const before = h.records[c.tick - 1];
      stage = schedule.strategy === 'canary' ? schedule.stages.indexOf(100 - before.primaryWeight) : before.iterations - 1;
      const q = fail[stage][Math.min(seen[stage], fail[stage].length - 1)];
      seen[stage]++;
      p *= (bits >> k) & 1 ? q : 1 - q;
    });
    seen.forEach((n, i) => (out.checks[i] += p * n));
    const decided = h.records.findIndex((r) => r.phase === 'Failed' || r.phase === 'Promoting');
    const failed = h.records[decided].phase === 'Failed';
    if (failed) {
      out.rollback += p;
      out.rollbackAt[stage] += p;
    } else out.promotion += p;
    // The harness's tick 1 sets the first weight: the model counts ticks from there.
    const key = `${decided - 1}/${failed ? 'rollback' : 'promotion'}`;
    out.ticks.set(key, (out.ticks.get(key) ?? 0) + p);
  }
  return out;
}

describe("Flagger's state machine as a Markov chain", () => {
  it.each([
    ['stepWeight 10 to 30, threshold 2', { stepWeight: 10, maxWeight: 30, threshold: 2 }],
    ['stepWeight 20 to 50 (60), threshold 3', { stepWeight: 20, maxWeight: 50, threshold: 3 }],
    ['a ladder, threshold 1', { stepWeights: [5, 25, 50], threshold: 1 }],
    ['stepWeight 25, threshold 4', { stepWeight: 25, threshold: 4 }],
    ['Blue/Green, 2 iterations, threshold 2', { iterations: 2, threshold: 2 }],
    ['A/B, 3 iterations, threshold 2', { iterations: 3, threshold: 2, match: [{ headers: {} }] }],
  ])('matches every check sequence run through the controller: %s', (_, a) => {
    const analysis = canaryAnalysis(a);
    const schedule = scheduleOf(analysis);
    if ('error' in schedule) throw new Error(schedule.error);
    // Probabilities that differ by stage and by the check's number at the stage.
    const fail = schedule.stages.map((_, i) => [0.15 + 0.1 * i, 0.35 + 0.05 * i, 0.6]);
    const solved = solveAnalysis(schedule, fail);
    const brute = bruteForce(analysis, fail);
    expect(solved.rollback).toBeCloseTo(brute.rollback, 12);
    expect(solved.promotion).toBeCloseTo(brute.promotion, 12);
    expect(solved.rollback + solved.promotion).toBeCloseTo(1, 12);
    solved.rollbackAt.forEach((x, i) => expect(x).toBeCloseTo(brute.rollbackAt[i], 12));
    solved.expectedChecks.forEach((x, i) => expect(x).toBeCloseTo(brute.checks[i], 12));
    const ticks = new Map<string, number>();
    for (const d of solved.decisionTicks) {
      if (d.rollback > 0) ticks.set(`${d.tick}/rollback`, d.rollback);
      if (d.promotion > 0) ticks.set(`${d.tick}/promotion`, d.promotion);
    }
    expect([...ticks.keys()].sort()).toEqual([...brute.ticks.keys()].sort());
    for (const [k, v] of ticks) expect(v).toBeCloseTo(brute.ticks.get(k) as number, 12);
  });

  it('rejects a schedule without probabilities for every stage', () => {
    expect(() => solveAnalysis({ threshold: 2, stages: [10, 20] }, [[0.1]])).toThrow(/every stage/);
    expect(() => solveAnalysis({ threshold: 0, stages: [10] }, [[0.1]])).toThrow(/threshold/);
  });
});

const checkout = mustLoad({ 'scenario.yaml': CHECKOUT_TEXT });

describe('power of an analysis', () => {
  const model = (threshold: number, interval = 60, window = 60): PowerModel => ({
    schedule: { strategy: 'canary', interval, threshold, stages: [10, 20, 30, 40, 50] },
    observation: { window, scrapeInterval: 15 },
    bounds: floor(99),
  });

  it('almost no traffic: every check has no values, every canary is rolled back after threshold + 1 ticks', () => {
    const r = analysePower(model(3), 1e-9, 0.004);
    expect(r.rollback).toBeCloseTo(1, 7);
    expect(r.stages[0].rollback).toBeCloseTo(1, 7);
    expect(r.stages[0].checkFailure[0]).toBeCloseTo(1, 7);
    expect(r.expectedTicks).toBeCloseTo(4, 4);
    expect(r.expectedSeconds).toBeCloseTo(60 * 5, 2);
  });

  it('no errors and plenty of traffic: never rolled back, promoted after one check per stage', () => {
    const r = analysePower(model(3), 1000, 0);
    expect(r.rollback).toBeLessThan(1e-12);
    expect(r.promotion).toBeCloseTo(1, 12);
    expect(r.expectedTicks).toBeCloseTo(5, 9);
    expect(r.expectedSecondsIfPromoted).toBeCloseTo(360, 6);
    expect(Number.isNaN(r.expectedSecondsIfRolledBack)).toBe(true);
    expect(r.stages.map((s) => s.requestsPerCheck[0])).toEqual([4500, 9000, 13500, 18000, 22500]);
    expect(r.independentChecks).toBe(true);
  });

  it('the checkout Canary: its first check has no values, so threshold 1 rolls back every canary', () => {
    const inputs = powerInputsOf(checkout);
    if ('error' in inputs) throw new Error(inputs.error);
    expect(inputs).toMatchObject({ canary: 'shop/checkout', rate: 60, notes: [] });
    expect(inputs.healthy).toBeCloseTo(0.004, 15);
    expect(inputs.model).toEqual({
      schedule: { strategy: 'canary', interval: 30, threshold: 3, stages: [10, 20, 30, 40, 50] },
      observation: { scrapeInterval: 15, replicas: 1, window: 60 },
      bounds: { min: 99, max: null },
    });
    const r = analysePower(inputs.model, inputs.rate, inputs.healthy);
    expect(r.stages[0].checkFailure[0]).toBe(1);
    expect(r.stages[0].noValues).toEqual([true, false]);
    expect(r.independentChecks).toBe(false);
    // All three departures apply: overlapping windows, a check counted from the series' start, the first 5xx unseen.
    expect(r.notes).toHaveLength(3);
    expect(r.notes[0]).toMatch(/correlated/);
    expect(r.notes[1]).toMatch(/extrapolates each series to its zero/);
    expect(r.notes[2]).toMatch(/with 70 % probability a replica has no 5xx series/);
    // Plenty of errors: the 5xx series exists from the start.
    expect(analysePower(inputs.model, 60, 0.2).notes).toHaveLength(2);
    // docs/tuning.md: "threshold: 1 rolls back every healthy canary".
    const one = { ...inputs.model, schedule: { ...inputs.model.schedule, threshold: 1 } };
    expect(analysePower(one, 1e6, 0).rollback).toBe(1);
    // A regression fails more checks than the healthy canary at the same traffic.
    expect(analysePower(inputs.model, 60, 0.02).rollback).toBeGreaterThan(r.rollback);
  });

  it('Blue/Green through Traefik: the iterations route the canary nothing, so it is always rolled back', () => {
    const m = powerModelOf(canarySpec(canaryAnalysis({ iterations: 3, threshold: 2 })), { scrapeInterval: 15 });
    if ('error' in m) throw new Error(m.error);
    expect(analysePower(m, 1e4, 0).rollback).toBe(1);
  });

  it('more traffic is not always fewer false aborts: the saw-tooth of a floor', () => {
    // 99 %, 0.4 % errors: on the whole fewer false aborts with more traffic, but with ups where a window of fewer
    // than 100 requests is failed by a single error.
    const fa99 = (rate: number) => analysePower(model(3), rate, 0.004).rollback;
    expect(fa99(5)).toBeGreaterThan(fa99(20));
    expect(fa99(20)).toBeGreaterThan(fa99(60));
    expect(fa99(60)).toBeGreaterThan(fa99(200));
    expect(fa99(5)).toBeGreaterThan(fa99(1));
    // 99.9 %, 0.02 % errors: below 1000 requests a window allows no error at all, so up to ~40/s more traffic means
    // more false aborts; at 40 % and 50 % of ~110/s a window holds 1000 and allows one, and they fall by 5×.
    const m: PowerModel = { ...model(3), bounds: floor(99.9) };
    const fa = (rate: number) => analysePower(m, rate, 0.0002).rollback;
    expect(fa(1)).toBeLessThan(fa(20));
    expect(fa(20)).toBeLessThan(fa(40));
    expect(fa(105)).toBeGreaterThan(fa(78));
    expect(fa(117)).toBeLessThan(fa(105) / 5);
    expect(fa(1000)).toBeLessThan(1e-7);
  });
});

describe('the minimum request rate', () => {
  const model: PowerModel = { schedule: { strategy: 'canary', interval: 60, threshold: 3, stages: [10, 20, 30, 40, 50] }, observation: { window: 60, scrapeInterval: 15 }, bounds: floor(99) };
  const meets = (m: PowerModel, rate: number, healthy: number, regression: number, fa = 0.01, det = 0.95) =>
    analysePower(m, rate, healthy).rollback <= fa && analysePower(m, rate, regression).rollback >= det;

  let base: ReturnType<typeof minimumRate> | null = null;
  const baseline = () => (base ??= minimumRate(model, { healthy: 0.004, regression: 0.02 }));

  it('meets both targets from the rate found on, and misses one just below it', () => {
    const r = baseline();
    expect(r.reason).toBeNull();
    const rate = r.rate as number;
    expect(r.falseAbort).toBeLessThanOrEqual(0.01);
    expect(r.detection).toBeGreaterThanOrEqual(0.95);
    for (let x = rate; x <= 4 * rate; x *= 1.01) expect(meets(model, x, 0.004, 0.02)).toBe(true);
    expect(meets(model, rate * (1 - 0.002), 0.004, 0.02)).toBe(false);
  });

  it('looks past the saw-tooth: the first crossing of a 99.9 % floor is not where the targets start to hold', () => {
    const m: PowerModel = { ...model, bounds: floor(99.9) };
    const r = minimumRate(m, { healthy: 0.0002, regression: 0.002 });
    const rate = r.rate as number;
    // At 78/s false aborts are already below 1 %, but between 84 and 108/s they rise above it again.
    expect(meets(m, 78, 0.0002, 0.002)).toBe(true);
    expect(meets(m, 100, 0.0002, 0.002)).toBe(false);
    expect(rate).toBeGreaterThan(105);
    expect(rate).toBeLessThan(115);
    for (let x = rate; x <= 4 * rate; x *= 1.01) expect(meets(m, x, 0.0002, 0.002)).toBe(true);
  });

  it('finds a pocket narrower than its 2 % grid above the first crossing', () => {
    const m: PowerModel = { ...model, bounds: floor(99.5) };
    const targets = { healthy: 0.003, regression: 0.0075, maxFalseAbort: 0.001, minDetection: 0.99 };
    // False aborts fall below 0.1 % at ~356/s, rise above it again between ~392 and ~396/s, and stay below from there.
    expect(meets(m, 360, 0.003, 0.0075, 0.001, 0.99)).toBe(true);
    expect(meets(m, 394, 0.003, 0.0075, 0.001, 0.99)).toBe(false);
    const r = minimumRate(m, targets);
    expect(r.rate).toBeGreaterThan(396);
    expect(r.rate).toBeLessThan(397);
    for (let x = r.rate as number; x <= 1.2 * (r.rate as number); x *= 1.002) expect(meets(m, x, 0.003, 0.0075, 0.001, 0.99)).toBe(true);
  });

  it('stricter targets or a floor nearer the healthy rate need more traffic', () => {
    const rate = baseline().rate as number;
    expect(minimumRate(model, { healthy: 0.004, regression: 0.02, maxFalseAbort: 0.001 }).rate as number).toBeGreaterThan(rate);
    expect(minimumRate(model, { healthy: 0.004, regression: 0.012 }).rate as number).toBeGreaterThan(rate);
    expect(minimumRate(model, { healthy: 0.007, regression: 0.02 }).rate as number).toBeGreaterThan(rate);
    // A higher threshold tolerates more noisy checks.
    expect(minimumRate({ ...model, schedule: { ...model.schedule, threshold: 5 } }, { healthy: 0.004, regression: 0.02 }).rate as number).toBeLessThan(rate);
  });

  it('says why when no traffic makes the thresholds trustworthy', () => {
    expect(minimumRate(model, { healthy: 0.01, regression: 0.05 })).toMatchObject({ rate: null, reason: expect.stringMatching(/healthy error rate \(1 %\) is not below what the floor allows \(1 %\)/) });
    expect(minimumRate(model, { healthy: 0.001, regression: 0.008 })).toMatchObject({ rate: null, reason: expect.stringMatching(/regression's error rate/) });
    expect(minimumRate(model, { healthy: 0.004, regression: 0.02, to: 5 })).toMatchObject({ rate: null, reason: expect.stringMatching(/up to 5 requests per second \(there: false aborts/) });
    // Interval 30 s and a 1m window: the first check never has values; with threshold 1 that rolls back every canary.
    const short: PowerModel = { ...model, schedule: { ...model.schedule, interval: 30, threshold: 1 } };
    expect(minimumRate(short, { healthy: 0.004, regression: 0.02 })).toMatchObject({ rate: null, reason: expect.stringMatching(/never find values .* roll back 100 % of healthy canaries/) });
  });
});

describe('the Monte Carlo plan', () => {
  it('sets the traffic and the canary error probability in the compiled scenario, and replays each run', () => {
    const plan = powerPlan({ scenario: checkout, rate: 150, errorProbability: 0.03, seeds: 4 });
    const shoppers = plan.scenario.world.streams.find((s) => s.name === 'shoppers');
    expect(shoppers?.rate.base).toEqual({ profile: 'constant', rate: 150 });
    expect(plan.scenario.world.apps.find((a) => a.name === 'checkout')?.canary.statusCodes).toEqual([{ code: 500, probability: 0.03 }]);
    expect(checkout.world.apps.find((a) => a.name === 'checkout')?.canary.statusCodes).toEqual([{ code: 500, probability: 0.004 }]);
    const mc = new PowerMonteCarlo({ scenario: checkout, rate: 150, errorProbability: 0.03, seeds: 4 });
    expect([mc.rate, mc.errorProbability]).toEqual([150, 0.03]);
    const runs = [0, 1, 2, 3].map((r) => mc.run(r));
    expect(runs.map((r) => r.seed)).toEqual([1, 2, 3, 4]);
    for (const r of runs) {
      // 3 % errors against a 99 % floor: rolled back once three checks failed, the first of them the no-data check.
      expect(r.outcome).toBe('rolled-back');
      expect(r.checks.filter((c) => c.failed)).toHaveLength(3);
      expect(r.checks[0]).toEqual({ stage: 0, nth: 0, failed: true });
      expect(r.seconds).toBe(30 * (1 + r.checks.length + 1));
    }
    const sum = mc.summarise(runs);
    expect(sum.rollback).toMatchObject({ successes: 4, trials: 4 });
    expect(sum.stages[0].checkFailure[0]).toMatchObject({ successes: 4, trials: 4 });
  });
});
