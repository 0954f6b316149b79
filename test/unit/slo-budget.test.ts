/**
 * Error budget arithmetic (simulation/slo/spec.ts, runtime.ts): the budget
 * in minutes, what a burst of errors consumes, the budget at the start, an
 * explicit window request rate, attribution to versions and faults, the
 * error budget policy's tiers and the answers of webhooks bound to it.
 *
 * Most cases run the SloRuntime on a synthetic store driven by its own
 * kernel (test/support/slo.ts): counters scraped every 15 s, rules
 * evaluated every 30 s, each scrape landing before the evaluation at the
 * same time. The runtime counts an interval's events as rate() over the
 * last max(30 s, 2 × 15 s) = 30 s times 30 s; that range holds samples at
 * both of its ends, so rate() does not extrapolate and the sum over the run
 * telescopes to the counters' exact increase. The expected values are
 * therefore exact up to floating point (tolerance 1e-9 relative), unless a
 * case says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { instantQuery } from '../../simulation/promql/engine';
import { Simulation } from '../../simulation/run/simulation';
import { budgetMinutes, DEFAULT_TIERS, type PolicyTier, type SloSpec } from '../../simulation/slo/spec';
import { apiAbortSloScenario } from '../support/scenario';
import { PERIOD_30D, SloHarness, syntheticSlo } from '../support/slo';

const close = (got: number, want: number, rel = 1e-9) => expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));

/** A 99.95 % / 30 d SLO on the synthetic counters, evaluated every 30 s. */
const slo9995 = (over: Partial<SloSpec> = {}) => syntheticSlo({ objective: 99.95, errorBudget: 0.0005, ...over });

/** 30 minutes at 10 requests/s on the primary: clean, 12 % errors from 6m to 24m (18 minutes), clean. */
function twelvePercentFor18Minutes(spec: SloSpec, faultName: string | null = null): SloHarness {
  const h = new SloHarness([spec], { scrape: 15, horizon: 1800 });
  h.set({ primary: { requests: 10, bad: 0 } });
  h.runUntil(360);
  h.set({ primary: { requests: 10, bad: 1.2 } });
  if (faultName) h.faults = [faultName];
  h.runUntil(1440);
  h.set({ primary: { requests: 10, bad: 0 } });
  h.faults = [];
  h.runUntil(1800);
  return h;
}

/**
 * api behind Traefik at 20 requests/s for 30 minutes, no errors of its own, a 99.95 % / 30 d SLO on Traefik's
 * counters, and an http-abort of `percent` % of its responses from 6m for `duration`.
 */
function abortScenario(percent: number, duration: string, budget = '') {
  return apiAbortSloScenario('30m', `at: 6m\n    for: ${duration}\n    code: 500\n    percent: ${percent}`, `objective: 99.95\n    budget: { consumedAtStart: 0${budget} }`);
}

describe('error budget arithmetic', () => {
  it('budget minutes: 99.95 % over 30 days is 21.6 minutes of full outage (99.9 %: 43.2)', () => {
    close(budgetMinutes(99.95, PERIOD_30D), 21.6, 1e-12);
    close(budgetMinutes(99.9, PERIOD_30D), 43.2, 1e-12);
    // 18 minutes at 12 % errors: 0.12 × 18 = 2.16 minutes of full outage, 10 % of the budget.
    const consumedMinutes = 0.12 * 18;
    close(consumedMinutes, 2.16, 1e-12);
    close(consumedMinutes / budgetMinutes(99.95, PERIOD_30D), 0.1, 1e-12);
    // The runtime's form: e·t ÷ (budget · period).
    close((0.12 * 18 * 60) / (0.0005 * PERIOD_30D), 0.1, 1e-12);
  });

  it('the runtime: 18 minutes at 12 % errors of a 99.95 % / 30 d SLO consume 2.16 of its 21.6 budget minutes', () => {
    const r = twelvePercentFor18Minutes(slo9995()).result();
    expect(r.errorBudget).toBe(0.0005);
    expect(r.window).toBe('30d');
    close(r.budget.badEvents, 0.12 * 10 * 1080);
    close(r.budget.totalEvents, 10 * 1800);
    // No explicit rate: the window carries the run's mean rate (10/s) over the whole 30 days.
    close(r.budget.windowEvents, 10 * PERIOD_30D);
    close(r.budget.consumed, 0.1);
    close(r.budget.budgetMinutes, 21.6);
    close(r.budget.consumedMinutes, 2.16);
    expect(r.budget.start).toBe(1);
    close(r.budget.end, 0.9);
    expect(r.ruleErrors).toEqual([]);
  });

  it('the same 18 minutes through a simulated run: an http-abort of 12 % (exact mode, 20 requests/s)', () => {
    const scenario = abortScenario(12, '18m');
    const sim = new Simulation(scenario, { seed: 3 });
    const r = sim.runToEnd().slo[0];
    expect(r.ruleErrors).toEqual([]);
    // Against the nominal 10 %: ~2 600 aborted of ~36 000 requests, so Poisson noise alone is σ ≈ 2 % of the
    // consumption; ±6 % is three σ (the seed is fixed, so the check is deterministic).
    expect(r.budget.consumed).toBeGreaterThan(0.094);
    expect(r.budget.consumed).toBeLessThan(0.106);
    close(r.budget.consumedMinutes, r.budget.consumed * 21.6);
    // Against what the run really served (Traefik's counters at the end): the runtime's rate()-based counting
    // loses or extrapolates at most a scrape or two at the edges of the run and of the fault, ~1 %.
    const sum = (q: string) => {
      const res = instantQuery(sim.store, q, sim.timestamp(1800));
      if (res.status !== 'success' || res.data.resultType !== 'vector') throw new Error(q);
      return Number(res.data.result[0].value[1]);
    };
    const bad = sum('sum(traefik_service_requests_total{code=~"5.."})');
    const total = sum('sum(traefik_service_requests_total)');
    const truth = bad / (0.0005 * total * (PERIOD_30D / 1800));
    expect(Math.abs(r.budget.consumed - truth) / truth).toBeLessThan(0.02);
  });

  it('a 2-minute full outage in a simulated run: the budget consumed matches the errors served (30 s evaluations)', () => {
    // 100 % aborts from 6m to 8m at 20 requests/s: ~2 400 errors of ~36 000 requests.
    const run = (requestRate: string) => {
      const sim = new Simulation(abortScenario(100, '2m', requestRate), { seed: 3 });
      return { sim, r: sim.runToEnd().slo[0] };
    };
    // Without a stated request rate each interval's error ratio counts for its time (Sloth's time-weighted
    // average): 120 s of errors are 120 ÷ (0.0005 × 30 d) = 9.26 % of the budget, whatever the traffic did.
    const timeWeighted = run('').r;
    expect(Math.abs(timeWeighted.budget.consumed - 120 / (0.0005 * PERIOD_30D)) / (120 / (0.0005 * PERIOD_30D))).toBeLessThan(0.03);
    // With it, the errors served count against the window's events: compare with Traefik's own counters.
    const { sim, r } = run(', requestRate: 20');
    const sum = (q: string) => {
      const res = instantQuery(sim.store, q, sim.timestamp(1800));
      if (res.status !== 'success' || res.data.resultType !== 'vector') throw new Error(q);
      return Number(res.data.result[0].value[1]);
    };
    const truth = sum('sum(traefik_service_requests_total{code=~"5.."})') / (0.0005 * 20 * PERIOD_30D);
    // 3 %: what Prometheus itself loses (rate() never sees the 5xx series' first increase, as the series
    // appears at its first scrape) plus the extrapolation at the fault's edges.
    expect(Math.abs(r.budget.consumed - truth) / truth).toBeLessThan(0.03);
  });

  it('budget consumed before the run: remaining starts at 1 − consumedAtStart and the run subtracts from it', () => {
    const h = twelvePercentFor18Minutes(slo9995({ budget: { consumedAtStart: 0.3, requestRate: null } }));
    const r = h.result();
    close(r.budget.start, 0.7);
    close(r.budget.consumed, 0.1);
    close(r.budget.end, 0.6);
    close(h.runtime.remaining('availability'), 0.6);
  });

  it('an explicit window request rate: bad events count against requestRate × period events', () => {
    const h = twelvePercentFor18Minutes(slo9995({ budget: { consumedAtStart: 0, requestRate: 4 } }));
    const r = h.result();
    // By hand: 1 296 bad events against 4/s over 30 days (10 368 000 events).
    const windowEvents = 4 * PERIOD_30D;
    close(r.budget.windowEvents, windowEvents);
    close(r.budget.consumed, 1296 / (0.0005 * windowEvents));
    // 0.25: the window is quieter than the run (4/s, not 10/s), so the same errors are a larger share of its
    // events than the 10 % they are at the run's own rate.
    close(r.budget.consumed, 0.25, 1e-9);
    close(r.budget.consumedMinutes, r.budget.consumed * 21.6);
  });

  it('the remaining budget is tracked at every evaluation and may go below zero (overspent)', () => {
    const h = new SloHarness([syntheticSlo({ budget: { consumedAtStart: 0.9, requestRate: null } })], { scrape: 15, horizon: 600 });
    h.set({ primary: { requests: 10, bad: 10 } });
    h.runUntil(600);
    const r = h.result();
    // 100 % errors on 99.9 % / 30 d: t ÷ 2 592 s of the budget; 10 % left at the start.
    for (const p of r.history) close(p.remaining, 0.1 - p.t / 2592);
    expect(r.history.map((p) => p.t)).toEqual(Array.from({ length: 20 }, (_, i) => 30 * (i + 1)));
    expect(r.budget.end).toBeLessThan(0);
    close(r.budget.end, 0.1 - 600 / 2592);
  });
});

describe('attribution', () => {
  it('splits bad events between primary and canary as their series served them; the edge’s are other', () => {
    const h = new SloHarness([syntheticSlo()], { scrape: 15, horizon: 1200 });
    h.set({ primary: { requests: 8, bad: 0.4 }, canary: { requests: 2, bad: 1.2 } });
    h.runUntil(600);
    // Then the edge answers errors of its own (no version served them), the versions none.
    h.set({ primary: { requests: 8, bad: 0 }, canary: { requests: 2, bad: 0 }, edge: { requests: 0.5, bad: 0.5 } });
    h.runUntil(1200);
    const r = h.result();
    const c = r.budget.byCause;
    close(c.primary * 3, c.canary);
    close(c.primary + c.canary + c.other, r.budget.consumed);
    close(r.budget.badEvents, 0.4 * 600 + 1.2 * 600 + 0.5 * 600);
    // Each interval counts its error ratio for its time: 1.6 of 10 requests bad for 600 s, then 0.5 of 10.5.
    close(c.other / r.budget.consumed, (0.5 / 10.5) / (1.6 / 10 + 0.5 / 10.5));
    close(r.budget.consumedByRollout, c.canary);
    expect(c.whileFaultActive).toEqual({});
  });

  it('a service without a Canary (no series belongs to a version): everything is other', () => {
    const h = new SloHarness([syntheticSlo()], { scrape: 15, horizon: 600 });
    h.versioned = false;
    h.set({ primary: { requests: 8, bad: 0.4 }, canary: { requests: 2, bad: 1.2 } });
    h.runUntil(600);
    const c = h.result().budget.byCause;
    expect([c.primary, c.canary]).toEqual([0, 0]);
    close(c.other, h.result().budget.consumed);
  });

  it('an SLO that names no service is not attributed to versions', () => {
    const h = new SloHarness([syntheticSlo({ service: null, ruleService: 'test' })], { scrape: 15, horizon: 600 });
    h.set({ primary: { requests: 8, bad: 0.4 } });
    h.runUntil(600);
    const r = h.result();
    expect(r.service).toBeNull();
    expect([r.budget.byCause.primary, r.budget.byCause.canary]).toEqual([0, 0]);
    close(r.budget.byCause.other, r.budget.consumed);
  });

  it('each fault is charged the budget consumed while it was active', () => {
    // 12 % errors from 6m to 24m with fault "aborts" active exactly then: it is charged all of it.
    const r = twelvePercentFor18Minutes(slo9995(), 'aborts').result();
    close(r.budget.byCause.whileFaultActive.aborts, r.budget.consumed);
    close(r.budget.byCause.whileFaultActive.aborts, 0.1);
    // Overlapping faults: steady 1 % errors for 30 minutes; "a" active 0–10m, "b" 5–20m.
    const h = new SloHarness([syntheticSlo()], { scrape: 15, horizon: 1800 });
    h.set({ primary: { requests: 10, bad: 0.1 } });
    h.faults = ['a'];
    h.runUntil(300);
    h.faults = ['a', 'b'];
    h.runUntil(600);
    h.faults = ['b'];
    h.runUntil(1200);
    h.faults = [];
    h.runUntil(1800);
    const q = h.result().budget;
    // At a constant rate the budget consumed is proportional to time: a 10 of 30 minutes, b 15 of 30. Here the
    // counters are scraped right before each evaluation, so exactly that; a runtime that also charges the
    // evaluation after a fault ends (its events may have been served before the end) adds one 30 s interval.
    const interval = q.consumed / 60;
    expect(q.byCause.whileFaultActive.a).toBeGreaterThanOrEqual(q.consumed / 3 - 1e-12);
    expect(q.byCause.whileFaultActive.a).toBeLessThanOrEqual(q.consumed / 3 + interval + 1e-12);
    expect(q.byCause.whileFaultActive.b).toBeGreaterThanOrEqual(q.consumed / 2 - 1e-12);
    expect(q.byCause.whileFaultActive.b).toBeLessThanOrEqual(q.consumed / 2 + interval + 1e-12);
    expect(Object.keys(q.byCause.whileFaultActive)).toEqual(['a', 'b']);
  });

  it('a short fault that causes every error of the run is charged all of the budget consumed (simulated run)', () => {
    // The same 2-minute outage, the run's only errors: the fault is exposed to all of the budget consumed.
    // The events an evaluation counts were served up to an interval (and a scrape) before it, so the errors
    // of the fault's last interval are counted by the evaluation at or after its end, when it is no longer
    // active: charging by activity at the evaluation instant alone gives it well short of all of it (0.66 of
    // it with this seed at the time of writing).
    const r = new Simulation(abortScenario(100, '2m'), { seed: 3 }).runToEnd().slo[0];
    expect(r.budget.consumed).toBeGreaterThan(0.05);
    expect(r.budget.byCause.whileFaultActive.aborts / r.budget.consumed).toBeGreaterThan(0.98);
  });
});

describe('error budget policy', () => {
  // 99.9 % / 30 d, 45 % of the budget gone before the run, then 100 % errors: remaining = 0.55 − t ÷ 2 592 s.
  // Crossings: 50 % at 129.6 s, 25 % at 777.6 s, 10 % at 1 166.4 s, 0 at 1 425.6 s; evaluations every 30 s
  // see them at 150, 780, 1 170 and 1 440.
  const burning = (tiers: readonly PolicyTier[]) => {
    const h = new SloHarness([syntheticSlo({ budget: { consumedAtStart: 0.45, requestRate: null }, policy: { tiers } })], { scrape: 15, horizon: 1800 });
    h.set({ primary: { requests: 10, bad: 10 } });
    return h;
  };

  it('the default tiers change as the remaining budget crosses 50 %, 25 %, 10 % and 0', () => {
    const h = burning(DEFAULT_TIERS);
    h.runUntil(1800);
    const p = h.result().policy;
    expect(p?.start).toBe('normal');
    expect(p?.end).toBe('full-freeze');
    expect(p?.changes.map((c) => [c.t, c.tier])).toEqual([
      [0, 'normal'],
      [150, 'caution'],
      [780, 'low-risk-only'],
      [1170, 'feature-freeze'],
      [1440, 'full-freeze'],
    ]);
    for (const c of p?.changes ?? []) close(c.remaining, 0.55 - c.t / 2592);
  });

  it('gates: confirm-rollout and confirm-promotion pass under normal and are refused under feature-freeze; no rollback without a rollback tier', () => {
    const h = burning(DEFAULT_TIERS);
    h.runUntil(120); // normal (remaining 0.504)
    for (const hook of ['confirm-rollout', 'confirm-promotion', 'confirm-traffic-increase', 'pre-rollout', 'rollout']) {
      expect(h.runtime.gateAnswer('availability', hook), hook).toEqual({ status: 200, body: '' });
    }
    expect(h.runtime.gateAnswer('availability', 'rollback').status).toBe(403);
    h.runUntil(800); // low-risk-only: nothing held yet
    expect(h.runtime.gateAnswer('availability', 'confirm-rollout').status).toBe(200);
    expect(h.runtime.gateAnswer('availability', 'confirm-promotion').status).toBe(200);
    h.runUntil(1200); // feature-freeze (remaining 0.087)
    const held = h.runtime.gateAnswer('availability', 'confirm-rollout');
    expect(held.status).toBe(403);
    expect(held.body).toContain('feature-freeze');
    expect(held.body).toContain('rollouts are held');
    expect(held.body).toContain(`${((0.55 - 1200 / 2592) * 100).toFixed(1)}% of the error budget of SLO availability remaining`);
    const halted = h.runtime.gateAnswer('availability', 'confirm-promotion');
    expect(halted.status).toBe(403);
    expect(halted.body).toContain('promotion is halted');
    expect(h.runtime.gateAnswer('availability', 'confirm-traffic-increase').status).toBe(403);
    expect(h.runtime.gateAnswer('availability', 'rollback').status).toBe(403);
    h.runUntil(1800); // full-freeze: still no rollback tier
    expect(h.runtime.gateAnswer('availability', 'rollback')).toEqual({ status: 403, body: 'error budget policy tier full-freeze: no rollback' });
  });

  it('a rollback hook answers 200 only while the tier has rollback: true', () => {
    const tiers: PolicyTier[] = [
      { name: 'ok', above: 0.5, holdRollouts: false, haltPromotion: false, rollback: false },
      { name: 'roll-back', above: null, holdRollouts: false, haltPromotion: true, rollback: true },
    ];
    const h = burning(tiers);
    h.runUntil(120);
    expect(h.runtime.gateAnswer('availability', 'rollback').status).toBe(403);
    h.runUntil(150);
    const rb = h.runtime.gateAnswer('availability', 'rollback');
    expect(rb.status).toBe(200);
    expect(rb.body).toMatch(/^error budget policy tier roll-back \(49\.\d% .*\): roll back$/);
    // The tier halts promotion but does not hold rollouts.
    expect(h.runtime.gateAnswer('availability', 'confirm-rollout').status).toBe(200);
    expect(h.runtime.gateAnswer('availability', 'confirm-promotion').status).toBe(403);
  });

  it('without a policy: no tiers, every gate answers 200', () => {
    const h = new SloHarness([syntheticSlo()], { scrape: 15, horizon: 600 });
    h.set({ primary: { requests: 10, bad: 10 } });
    h.runUntil(600);
    expect(h.result().policy).toBeNull();
    for (const hook of ['confirm-rollout', 'confirm-promotion', 'rollback']) expect(h.runtime.gateAnswer('availability', hook).status).toBe(200);
    expect(() => h.runtime.gateAnswer('nope', 'confirm-rollout')).toThrow(/no SLO named nope/);
  });
});
