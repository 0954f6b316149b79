import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';
import { repoHost } from '../support/scenario';

/**
 * Error budget attribution (docs/slo.md): the SLI's bad events, split by the
 * series they come from — the canary's, the primary's, neither's — and the
 * budget consumed while each fault was active.
 */

/** The default scenario with more SLOs (and faults) appended to its own. */
function withSlos(slos: string, faults = '') {
  const host: ScenarioHost = {
    readFile: (p) => {
      const text = repoHost.readFile(p);
      if (text === null || p !== 'scenarios/default.yaml') return text;
      return text.replace('  slos:\n', `${faults}  slos:\n${slos}`);
    },
  };
  const r = loadScenario('scenarios/default.yaml', host);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n'));
  return new Simulation(r.scenario).runToEnd();
}

describe('error budget attribution', () => {
  const r = withSlos(
    `    - name: storefront
      service: frontend
      objective: 99.9
      indicator:
        ratio:
          bad: traefik_service_requests_total{service="shop-frontend-80@kubernetescrd",code=~"5.."}
          total: traefik_service_requests_total{service="shop-frontend-80@kubernetescrd"}
    - name: edge
      service: backend
      objective: 99.9
      indicator:
        ratio:
          bad: traefik_entrypoint_requests_total{code=~"5.."}
          total: traefik_entrypoint_requests_total
`,
    `  faults:
    - name: canary-500s
      type: http-abort
      target: { service: backend, version: canary }
      at: 7m
      for: 3m
      code: 500
      percent: 20
`,
  );
  const slo = (name: string) => {
    const s = r.slo.find((x) => x.name === name);
    if (!s) throw new Error(`no SLO ${name}`);
    return s;
  };

  it('splits a service with a Canary between canary and primary, the parts adding up to the whole', () => {
    const s = slo('orders-availability');
    const c = s.budget.byCause;
    expect(c.primary + c.canary + c.other).toBeCloseTo(s.budget.consumed, 12);
    // The canary answered 20% errors for three minutes at weights 10–30%: it dominates the budget spent.
    expect(c.canary).toBeGreaterThan(c.primary);
    expect(s.budget.consumedByRollout).toBe(c.canary);
    expect(c.other).toBe(0);
    // Charged to the fault while it was active: most of what the canary spent.
    expect(c.whileFaultActive['canary-500s']).toBeGreaterThan(0.5 * c.canary);
    expect(c.whileFaultActive['canary-500s']).toBeLessThan(s.budget.consumed);
  });

  it('charges an app without a Canary to its primary', () => {
    const c = slo('storefront').budget.byCause;
    expect(c.primary).toBeGreaterThan(0);
    expect(c.canary).toBe(0);
    expect(c.other).toBe(0);
  });

  it('leaves series that belong to no version (the entrypoint) as other', () => {
    const s = slo('edge');
    expect(s.budget.consumed).toBeGreaterThan(0);
    expect(s.budget.byCause.other).toBeCloseTo(s.budget.consumed, 12);
    expect(s.budget.byCause.canary).toBe(0);
  });

  it('a short burst on the canary: Flagger halts on it, the 5m burn rate passes 14.4 but the 1h window keeps the page quiet', () => {
    expect(r.events.filter((e) => e.message.startsWith('Halt backend.shop advancement success rate')).length).toBeGreaterThanOrEqual(2);
    expect(r.outcome?.promoted).toBe(true);
    const s = slo('orders-availability');
    const peak5m = Math.max(...s.history.map((h) => h.burnRates['5m'] ?? 0));
    const peak1h = Math.max(...s.history.map((h) => h.burnRates['1h'] ?? 0));
    expect(peak5m).toBeGreaterThan(14.4);
    // 4% errors for 3 minutes average under 1.44% over an hour: the multiwindow rule does not page.
    expect(peak1h).toBeLessThan(14.4);
    expect(s.alerts.filter((a) => a.burnRate === 14.4 && a.firedAt !== null)).toEqual([]);
  });
});
