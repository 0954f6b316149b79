/**
 * Detection times of the SRE workbook's multiwindow, multi-burn-rate alerts
 * (chapter 5, "Alerting on SLOs"), as the simulation's rules compute them.
 *
 * A 99.9 % SLO over 30 days with the default four windows (14.4× 1h/5m,
 * 6× 6h/30m, 3× 1d/2h, 1× 3d/6h). A constant error ratio e starts at
 * `onset` after three clean days (the longest window full of good traffic).
 * The ratio over a window W then grows as e·t/W (t after the onset) until
 * W is full of errors, so an alert with threshold burnRate × 0.001 fires
 * after burnRate × 0.001 × W ÷ e on its long window (the short one gets
 * there twelve times sooner), and never when e ≤ the threshold.
 *
 * Synthetic store: two counters (requests and errors) sampled on a scrape
 * grid; the onset is a scrape time and every evaluation is a scrape time,
 * so each window's range [t − W, t] (both ends inclusive, as Prometheus 2.x
 * selects them) holds samples at both of its ends: no extrapolation, and
 * the recorded ratio is exactly e·(t − onset)/W. The alert therefore fires
 * at the first evaluation at or after the workbook's time: measured −
 * expected ∈ [0, evaluation interval] (0 included: at the exact time the
 * ratio equals the threshold and floating point may round either way).
 *
 * Intervals: 15 s scrapes and 30 s evaluations for every case. The
 * slowest, e = 0.2 %, evaluates
 * every 30 s for ~1.7 days, each evaluation reading three days of 15 s
 * samples (17 280 per series) for the 3d window: ~1.3 s here, so no coarser
 * grid is needed (a 60 s scrape and 60 s evaluation, still aligned, ran it
 * in 0.3 s with the same verdicts).
 */
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../simulation/slo/rule-engine';
import { sloRuleGroups } from '../../simulation/slo/rules';
import { type BurnRateWindow, detectionTime, formatPromDuration } from '../../simulation/slo/spec';
import { Simulation } from '../../simulation/run/simulation';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { apiAbortSloScenario } from '../support/scenario';
import { DAY, PERIOD_30D, START_MS, SyntheticCounters, syntheticSlo, timestamp } from '../support/slo';

const RATE = 10; // requests per second
const ONSET = 3 * DAY;

interface Case {
  e: number;
  scrape: number;
  evaluation: number;
}

const CASES: Case[] = [1, 0.1, 0.01, 0.002].map((e) => ({ e, scrape: 15, evaluation: 30 }));

/** The workbook's numbers, worked out by hand (seconds after the onset; null: never). */
const WORKBOOK: Record<string, Array<number | null>> = {
  // 14.4× 1h, 6× 6h, 3× 1d, 1× 3d
  '1': [51.84, 129.6, 259.2, 259.2],
  '0.1': [518.4, 1296, 2592, 2592],
  '0.01': [null, 12_960, 25_920, 25_920], // 3.6 h, 7.2 h, 7.2 h
  '0.002': [null, null, null, 129_600], // 1.5 d
};

interface Measured {
  window: BurnRateWindow;
  expected: number | null;
  /** firedAt − onset; null: did not fire. */
  measured: number | null;
  episodes: number;
  /** Budget consumed between the onset and the firing: bad events in the counters ÷ (budget × rate × period). */
  consumedAtFiring: number | null;
}

/** A series' sample at exactly t (the counters are sampled on the grid the evaluations use). */
function valueAt(store: SeriesStore, id: number, t: number): number {
  const i = store.lowerBound(id, timestamp(t));
  const { t: ts, v } = store.samples(id);
  if (ts[i] !== timestamp(t)) throw new Error(`no sample at ${t}`);
  return v[i];
}

function runCase(c: Case): { rows: Measured[]; horizon: number; earlyAlerts: number } {
  const spec = syntheticSlo({ alerting: { name: 'ErrorBudgetBurn', evaluationInterval: c.evaluation, windows: syntheticSlo().alerting.windows } });
  const windows = spec.alerting.windows;
  const expected = windows.map((w) => detectionTime(w, spec.errorBudget, c.e));
  // Long enough to see every expected firing, and to fill the long window of
  // every alert that must not fire (its ratio is then e forever): from there
  // on nothing changes.
  const horizon = Math.max(...windows.map((w, i) => expected[i] ?? w.long)) * 1.1 + 600;
  const store = new SeriesStore();
  const counters = new SyntheticCounters(store, RATE, c.scrape);
  counters.fill(ONSET + horizon, (t) => (t > ONSET ? c.e : 0));
  const engine = new RuleEngine(store, sloRuleGroups(spec, START_MS), timestamp);
  // An hour of clean evaluations first: nothing may be active then.
  for (let t = ONSET - 3600; t <= ONSET + horizon; t += c.evaluation) engine.evaluate(t);
  expect(engine.errors).toEqual([]);
  const rows = windows.map((w, i) => {
    const eps = engine.episodes.filter((e) => e.labels.long_window === formatPromDuration(w.long));
    const fired = eps[0]?.firedAt ?? null;
    const measured = fired === null ? null : fired - ONSET;
    return {
      window: w,
      expected: expected[i],
      measured,
      episodes: eps.length,
      consumedAtFiring: fired === null ? null : (valueAt(store, counters.badId, fired) - valueAt(store, counters.badId, ONSET)) / (spec.errorBudget * RATE * PERIOD_30D),
    };
  });
  return { rows, horizon, earlyAlerts: engine.episodes.filter((e) => e.activeAt <= ONSET).length };
}

describe('burn-rate alert detection times (99.9 %, 30 d, workbook windows)', () => {
  it('detectionTime gives the workbook arithmetic: burnRate × (1 − SLO) × long window ÷ e, only above the threshold', () => {
    const windows = syntheticSlo().alerting.windows;
    expect(windows.map((w) => [w.burnRate, w.long, w.short])).toEqual([
      [14.4, 3600, 300],
      [6, 21_600, 1800],
      [3, 86_400, 7200],
      [1, 259_200, 21_600],
    ]);
    for (const c of CASES) {
      const got = windows.map((w) => detectionTime(w, 0.001, c.e));
      WORKBOOK[String(c.e)].forEach((want, i) => (want === null ? expect(got[i]).toBeNull() : expect(got[i]).toBeCloseTo(want, 6)));
    }
    // At the threshold exactly the ratio only reaches it: no alert.
    expect(detectionTime(windows[0], 0.001, 0.0144)).toBeNull();
  });

  for (const c of CASES) {
    it(`e = ${c.e * 100} %: each alert fires within one evaluation interval (${c.evaluation} s) of the workbook's time, or never`, () => {
      const { rows, horizon, earlyAlerts } = runCase(c);
      expect(earlyAlerts).toBe(0);
      for (const r of rows) {
        const label = `${r.window.burnRate}× ${formatPromDuration(r.window.long)}/${formatPromDuration(r.window.short)}`;
        if (r.expected === null) {
          expect(r.measured, label).toBeNull();
          expect(r.episodes, label).toBe(0);
          // The horizon covers the long window: the ratio has reached e, its maximum, and stays there.
          expect(horizon).toBeGreaterThan(r.window.long);
          continue;
        }
        expect(r.measured, label).not.toBeNull();
        const m = r.measured as number;
        expect(m, label).toBeGreaterThanOrEqual(r.expected - 1e-6);
        expect(m, label).toBeLessThanOrEqual(r.expected + c.evaluation + 1e-6);
        // One episode, still firing: a constant ratio never resolves it.
        expect(r.episodes, label).toBe(1);
        // The workbook's invariant: at detection the alert has consumed burnRate × long ÷ period of the
        // budget whatever e is (2 %, 5 %, 10 %, 10 %); at the evaluation that fired, at most one more
        // evaluation interval of errors (e × interval ÷ (budget × period)).
        const invariant = (r.window.burnRate * r.window.long) / PERIOD_30D;
        expect(Math.round(invariant * 100)).toBe({ 3600: 2, 21_600: 5, 86_400: 10, 259_200: 10 }[r.window.long]);
        expect((c.e * r.expected) / (0.001 * PERIOD_30D)).toBeCloseTo(invariant, 12);
        expect(r.consumedAtFiring as number, label).toBeGreaterThanOrEqual(invariant - 1e-9);
        expect(r.consumedAtFiring as number, label).toBeLessThanOrEqual(invariant + (c.e * c.evaluation) / (0.001 * PERIOD_30D) + 1e-9);
      }
    });
  }

  it('a simulated run: a 100 % outage after 65 clean minutes fires each alert (the 14.4× page first) within detection + one evaluation + one scrape interval', () => {
    // api behind Traefik at 20 requests/s, no errors, until an http-abort of every response at 65m
    // (the 1h window is full of good traffic by then). Exact mode: fast mode does not run http-abort.
    const faultAt = 65 * 60;
    const scenario = apiAbortSloScenario('72m', 'at: 65m\n    code: 503\n    percent: 100', 'objective: 99.9\n    window: 30d');
    const result = new Simulation(scenario, { seed: 7 }).runToEnd();
    const slo = result.slo[0];
    expect(slo.ruleErrors).toEqual([]);
    const evaluation = scenario.slos?.[0].alerting.evaluationInterval as number;
    const scrape = scenario.world.scrape.interval;
    expect([evaluation, scrape]).toEqual([30, 15]);
    // The run holds only 72 minutes; windows reaching back before it average in the history the scenario
    // states (none consumed: a clean one), so every alert should meet the workbook's time, not only the 1h one.
    const windows = syntheticSlo().alerting.windows;
    expect(slo.alerts.map((a) => a.burnRate)).toEqual([14.4, 6, 3, 1]);
    for (const a of slo.alerts) {
      const w = windows.find((x) => formatPromDuration(x.long) === a.longWindow) as BurnRateWindow;
      const expected = detectionTime(w, 0.001, 1) as number; // 51.84 s, 129.6 s, 259.2 s, 259.2 s
      expect(a.activeAt).toBeGreaterThan(faultAt);
      expect(a.firedAt).toBe(a.activeAt);
      expect(a.resolvedAt).toBeNull();
      const fired = (a.firedAt as number) - faultAt;
      // Not before: the ratio can only beat the threshold early by the Poisson noise of ~1000+ bad requests
      // (a few %); not after one evaluation (the grid) plus one scrape (what the evaluation sees is up to a
      // scrape old).
      expect(fired, a.longWindow).toBeGreaterThanOrEqual(0.9 * expected);
      expect(fired, a.longWindow).toBeLessThanOrEqual(expected + evaluation + scrape);
    }
  });
});

