import { describe, expect, it } from 'vitest';
import { analysePower, powerInputsOf, type PowerModel, type PowerResult } from '../../simulation/power/analytic';
import { monteCarloPower, type MonteCarloResult } from '../../simulation/power/monte-carlo';
import { normalQuantile, wilson } from '../../simulation/sweep/stats';
import { mustLoad } from '../support/scenario';
import { CHECKOUT_TEXT } from '../support/sweep';

/**
 * The analytic power model (simulation/power/analytic.ts) against the simulator (docs/power.md): the checkout
 * scenario's rollout run in fast mode over SEEDS fixed seeds per traffic level and canary error rate, through the
 * tuning lab's runner — the real Traefik, scrapes, PromQL rate() and Flagger controller.
 *
 * Where the model's assumptions hold (docs/power.md, "Where the simulator departs"): an interval of 1m and a metric
 * window of 45s, so consecutive checks count disjoint requests and the first check of the canary's new series starts
 * at a sample of it (no rate() extrapolation to the series' zero); and traffic high enough that the canary's 5xx
 * series exists from the first scrape after its first weight change (λ·10 %·p·15 s ≥ 5). There the model is exact,
 * so every figure must agree within sampling error: each simulated proportion's Wilson interval at 1 − α/m must hold
 * the model's probability, and each mean decision time a z-test at the same level, for a family-wise α = 1 %
 * (Bonferroni over the m comparisons). Seeds are fixed: the suite is deterministic. The same runs must reject a
 * model that counts every request of the metric window (the naive Poisson(rate × weight × window)): rate() counts
 * only the requests between the first and the newest sample in it, a scrape interval less.
 */
const SEEDS = 500;
const FAMILY_ALPHA = 0.01;
const LEVELS = [150, 300, 600];
/** A noisy but healthy canary and a regression, around a 97.5 % floor (2.5 % of errors allowed). */
const HEALTHY = 0.0225;
const REGRESSION = 0.0275;

function replace(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`checkout-canary.yaml no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** checkout-canary with interval 1m, a 45 s success-rate window with a 97.5 % floor, and no latency check. */
let text = replace(CHECKOUT_TEXT, '    interval: 30s\n    threshold: 3', '    interval: 1m\n    threshold: 3');
text = replace(text, '      - name: request-success-rate\n        interval: 1m\n        thresholdRange:\n          min: 99\n', '      - name: request-success-rate\n        interval: 45s\n        thresholdRange:\n          min: 97.5\n');
text = replace(text, '      - name: request-duration\n        interval: 1m\n        thresholdRange:\n          max: 500\n', '');
const scenario = mustLoad({ 'scenario.yaml': text });

interface Case {
  label: string;
  rate: number;
  p: number;
  mc: MonteCarloResult;
}

let cases: Case[] | null = null;
/** Every level and error rate, simulated once for all the tests below. */
function simulated(): Case[] {
  cases ??= LEVELS.flatMap((rate) =>
    [
      ['healthy', HEALTHY],
      ['regression', REGRESSION],
    ].map(([label, p]) => ({ label: `${label} at ${rate}/s`, rate, p: p as number, mc: monteCarloPower({ scenario, rate, errorProbability: p as number, seeds: SEEDS }) })),
  );
  return cases;
}

interface Comparison {
  what: string;
  /** A proportion (k of n) or a mean (with the model's standard deviation of one observation). */
  k?: number;
  n: number;
  mean?: number;
  model: number;
  sd?: number;
}

/** The comparisons of one model against the simulated cases: overall rollback, per-stage rollback, per-check failure, decision time. */
function comparisons(model: PowerModel): Comparison[] {
  const out: Comparison[] = [];
  for (const c of simulated()) {
    const a: PowerResult = analysePower(model, c.rate, c.p);
    out.push({ what: `${c.label}: rollback`, k: c.mc.rollback.successes, n: c.mc.runs, model: a.rollback });
    a.stages.forEach((s, i) => {
      const e = c.mc.stages[i];
      if (e.rollback.successes > 0 || s.rollback > 1e-3) out.push({ what: `${c.label}: rollback at ${s.weight} %`, k: e.rollback.successes, n: c.mc.runs, model: s.rollback });
      s.checkFailure.forEach((q, j) => {
        const r = e.checkFailure[j];
        const nth = j === s.checkFailure.length - 1 ? (j === 0 ? 'checks' : `checks ${j + 1}+`) : `check ${j + 1}`;
        if (r.trials >= 50) out.push({ what: `${c.label}: ${nth} at ${s.weight} % fail`, k: r.successes, n: r.trials, model: q });
      });
    });
    // Seconds from the detection to the decision: the model's distribution gives the mean and the spread.
    const seconds = a.decisionTicks.map((d) => ({ s: model.schedule.interval * (1 + d.tick), p: d.rollback + d.promotion }));
    const m = seconds.reduce((x, d) => x + d.s * d.p, 0);
    const sd = Math.sqrt(seconds.reduce((x, d) => x + (d.s - m) ** 2 * d.p, 0));
    out.push({ what: `${c.label}: mean seconds to the decision`, n: c.mc.runs - c.mc.undecided, mean: c.mc.meanSeconds, model: m, sd });
  }
  return out;
}

/** The comparisons the simulated figures reject at a family-wise FAMILY_ALPHA (Bonferroni). */
function rejected(list: readonly Comparison[]): string[] {
  const level = 1 - FAMILY_ALPHA / list.length;
  const z = normalQuantile(level);
  return list
    .filter((c) => {
      if (c.k !== undefined) {
        const w = wilson(c.k, c.n, level);
        return c.model < w.low || c.model > w.high;
      }
      return Math.abs((c.mean as number) - c.model) > (z * (c.sd as number)) / Math.sqrt(c.n);
    })
    .map((c) => `${c.what}: simulated ${c.k !== undefined ? `${c.k}/${c.n}` : (c.mean as number).toFixed(2)}, model ${c.model.toFixed(4)}`);
}

const inputs = powerInputsOf(scenario);
if ('error' in inputs) throw new Error(inputs.error);
const model = inputs.model;

describe('the analytic power model against the simulator', () => {
  it('reads the scenario as the comparison assumes: interval 1m, window 45 s, one replica scraped every 15 s', () => {
    expect(model).toEqual({
      schedule: { strategy: 'canary', interval: 60, threshold: 3, stages: [10, 20, 30, 40, 50] },
      observation: { scrapeInterval: 15, replicas: 1, window: 45 },
      bounds: { min: 97.5, max: null },
    });
    expect(scenario.world.traefik?.replicas).toBe(1);
    for (const rate of LEVELS) for (const p of [HEALTHY, REGRESSION]) expect(analysePower(model, rate, p)).toMatchObject({ independentChecks: true, notes: [] });
    // The 5xx series exists from the first scrape: λ·10 %·p·15 s ≥ 5 at the lowest level.
    expect(LEVELS[0] * 0.1 * HEALTHY * 15).toBeGreaterThanOrEqual(5);
  });

  it('false aborts, detection, per-stage rollbacks, per-check failures and decision times agree within sampling error', () => {
    const list = comparisons(model);
    expect(list.length).toBeGreaterThan(40);
    for (const c of simulated()) {
      expect(c.mc.runs).toBe(SEEDS);
      expect(c.mc.undecided).toBe(0);
    }
    expect(rejected(list)).toEqual([]);
    // The figures span what the test should see: false aborts from a few % to a third, detection near certain.
    const a = (rate: number, p: number) => analysePower(model, rate, p).rollback;
    expect(a(150, HEALTHY)).toBeGreaterThan(0.25);
    expect(a(600, HEALTHY)).toBeLessThan(0.1);
    expect(a(150, REGRESSION)).toBeGreaterThan(0.95);
  });

  it('has the power to reject a model that counts the whole window', () => {
    const naive: PowerModel = { ...model, observation: { ...model.observation, window: 60 } };
    // The naive model counts 45 s of requests per check instead of 30 s.
    expect(analysePower(naive, 150, HEALTHY).stages[0].requestsPerCheck[0]).toBe(675);
    expect(analysePower(model, 150, HEALTHY).stages[0].requestsPerCheck[0]).toBe(450);
    expect(rejected(comparisons(naive)).length).toBeGreaterThan(3);
  });
});
