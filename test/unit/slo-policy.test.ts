import { describe, expect, it } from 'vitest';
import { checkExpectation } from '../../simulation/run/expect';
import { Simulation, type RunResult } from '../../simulation/run/simulation';
import { type LoadedScenario, loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';
import { repoHost } from '../support/scenario';

/**
 * The error budget policy as a rollout gate (issue 7): webhooks bound to an
 * SLO's policy answer from its budget; Flagger's gates do the rest.
 */

function load(file: string, host: ScenarioHost = repoHost): LoadedScenario {
  const r = loadScenario(file, host);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.path}: ${d.message}`).join('\n'));
  return r.scenario;
}

/** The same scenario with its gates answering 200 whatever the budget: what Flagger does without the policy. */
function unbound(s: LoadedScenario): LoadedScenario {
  const flagger = s.flagger as NonNullable<LoadedScenario['flagger']>;
  return { ...s, flagger: { ...flagger, webhooks: flagger.webhooks.filter((w) => !w.errorBudget) } };
}

const gate = (r: RunResult) => r.events.filter((e) => /approval|Confirm-/.test(e.message)).map((e) => `${e.t} ${e.message}`);

describe('error budget policy: a rollout that starts under a freezing tier', () => {
  const s = load('scenarios/budget-freeze.yaml');
  const r = new Simulation(s).runToEnd();

  it('is held at its confirm-rollout gate: Waiting, no traffic on the canary, nothing consumed by the rollout', () => {
    expect(r.outcome?.phase).toBe('Waiting');
    expect(gate(r)).toEqual(['300 Halt backend.shop advancement waiting for approval budget-gate']);
    expect(r.timeline.every((t) => t.primaryWeight === 100)).toBe(true);
    const slo = r.slo[0];
    expect(slo.policy).toMatchObject({ start: 'feature-freeze', end: 'feature-freeze' });
    expect(slo.budget.start).toBeCloseTo(0.08, 12);
    expect(slo.budget.consumedByRollout).toBe(0);
    expect(slo.budget.byCause.canary).toBe(0);
    expect(checkExpectation(s.expect as NonNullable<LoadedScenario['expect']>, r).met).toBe(true);
  });

  it('the policy is what holds it: with the gate answering 200 the same rollout is promoted', () => {
    const free = new Simulation(unbound(s)).runToEnd();
    expect(free.outcome?.promoted).toBe(true);
    expect(free.slo[0].budget.consumedByRollout).toBeGreaterThan(0);
  });

  it('runs the same in fast mode (no request-level faults): held', () => {
    const fast = new Simulation(s, { mode: 'fast' }).runToEnd();
    expect(fast.outcome?.phase).toBe('Waiting');
    expect(fast.slo[0].policy?.end).toBe('feature-freeze');
  });
});

describe('error budget policy: a budget that crosses into a freezing tier during the analysis', () => {
  const s = load('scenarios/budget-halt.yaml');
  const r = new Simulation(s).runToEnd();
  const slo = r.slo[0];

  it('lets the rollout start (low-risk tier), then halts promotion at confirm-promotion once the budget is under 10%', () => {
    expect(slo.policy?.start).toBe('low-risk-only');
    const freeze = slo.policy?.changes.find((c) => c.tier === 'feature-freeze');
    expect(freeze).toBeDefined();
    expect(freeze?.remaining).toBeLessThanOrEqual(0.1);
    expect(r.outcome?.phase).toBe('WaitingPromotion');
    const events = gate(r);
    expect(events[0]).toBe('300 Confirm-rollout check budget-gate passed');
    const halt = r.events.find((e) => e.message === 'Halt backend.shop advancement waiting for promotion approval budget-promotion-gate');
    expect(halt).toBeDefined();
    // The gate refused because of the tier reached before it was asked.
    expect(halt?.t).toBeGreaterThanOrEqual(freeze?.t ?? Infinity);
    expect(checkExpectation(s.expect as NonNullable<LoadedScenario['expect']>, r).met).toBe(true);
  });

  it('charges the incident to the primary and to the fault, and the page alert fires during it and resolves after', () => {
    expect(slo.budget.byCause.primary).toBeGreaterThan(10 * slo.budget.byCause.canary);
    const incident = slo.budget.byCause.whileFaultActive['payments-incident'];
    expect(incident).toBeGreaterThan(0.5 * slo.budget.consumed);
    expect(slo.budget.byCause.primary + slo.budget.byCause.canary + slo.budget.byCause.other).toBeCloseTo(slo.budget.consumed, 12);
    expect(slo.budget.end).toBeCloseTo(slo.budget.start - slo.budget.consumed, 12);
    const page = slo.alerts.find((a) => a.burnRate === 14.4);
    // The fault runs 6m–10m; the fast page fires within a few minutes of its start and resolves after its end.
    expect(page?.firedAt).toBeGreaterThan(360);
    expect(page?.firedAt).toBeLessThan(600);
    expect(page?.resolvedAt).toBeGreaterThan(600);
  });

  it('without the policy the same analysis promotes', () => {
    expect(new Simulation(unbound(s)).runToEnd().outcome?.promoted).toBe(true);
  });

  it('holds on every one of 8 seeds', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const x = new Simulation(s, { seed }).runToEnd();
      expect(x.outcome?.phase, `seed ${seed}`).toBe('WaitingPromotion');
    }
  });
});

describe('error budget policy: a rollback webhook bound to a tier that asks for rollback', () => {
  // budget-halt with its confirm-promotion hook turned into a rollback hook, and a policy whose freeze tier rolls back.
  const host: ScenarioHost = {
    readFile: (p) => {
      const text = repoHost.readFile(p);
      if (text === null) return null;
      if (p.endsWith('canary-budget-gated.yaml')) return text.replace('type: confirm-promotion', 'type: rollback');
      if (p.endsWith('budget-halt.yaml')) {
        return text
          .replace(
            '      policy: {}',
            `      policy:
        tiers:
          - { name: normal, above: 10 }
          - { name: freeze, holdRollouts: true, haltPromotion: true, rollback: true }`,
          )
          .replace('outcome: held', 'outcome: rolled-back');
      }
      return text;
    },
  };
  const s = load('scenarios/budget-halt.yaml', host);
  const r = new Simulation(s).runToEnd();

  it('rolls the canary back when the budget crosses into that tier', () => {
    const freeze = r.slo[0].policy?.changes.find((c) => c.tier === 'freeze');
    expect(freeze).toBeDefined();
    expect(r.outcome?.phase).toBe('Failed');
    expect(r.outcome?.decidedAt).toBeGreaterThanOrEqual(freeze?.t ?? Infinity);
    expect(r.events.some((e) => e.message.startsWith('Rolling back backend.shop manual webhook invoked'))).toBe(true);
  });
});

describe('SLO results are part of the deterministic run', () => {
  it('the same scenario and seed give byte-identical SLO results, however the run is sliced', () => {
    const s = load('scenarios/default.yaml');
    const a = new Simulation(s).runToEnd();
    const sliced = new Simulation(s);
    for (let t = 0; t <= s.duration; t += 97) sliced.advanceTo(t, 5000);
    while (!sliced.done) sliced.advanceTo(s.duration, 5000);
    expect(JSON.stringify(sliced.result().slo)).toBe(JSON.stringify(a.slo));
    expect(a.slo.map((x) => x.name)).toEqual(['orders-availability', 'orders-latency']);
    // Recording rules wrote their series into the simulated Prometheus, where PromQL reads them.
    expect(sliced.store.labelValues('sloth_window')).toEqual(expect.arrayContaining(['5m', '1h', '3d', '30d']));
  });

});
