import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { repoHost } from '../support/scenario';

const load = () => {
  const r = loadScenario('scenarios/default.yaml', repoHost);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.scenario;
};

describe('runs are deterministic', () => {
  const scenario = load();

  it('same scenario and seed give byte-identical results', () => {
    const a = JSON.stringify(new Simulation(scenario, { seed: 5, duration: 600 }).runToEnd());
    const b = JSON.stringify(new Simulation(load(), { seed: 5, duration: 600 }).runToEnd());
    expect(a).toBe(b);
  });

  it('different seeds give different results', () => {
    const a = new Simulation(scenario, { seed: 5, duration: 600 }).runToEnd();
    const b = new Simulation(scenario, { seed: 6, duration: 600 }).runToEnd();
    expect(a.stats.requests).not.toBe(b.stats.requests);
    expect(JSON.stringify(a.services)).not.toBe(JSON.stringify(b.services));
  });

  it('advancing in small slices with event budgets gives the same result as one run', () => {
    const whole = new Simulation(scenario, { seed: 9, duration: 420 }).runToEnd();
    const sliced = new Simulation(scenario, { seed: 9, duration: 420 });
    let t = 0;
    while (!sliced.done) {
      if (sliced.advanceTo(t, 997)) t += 13.7;
    }
    expect(JSON.stringify(sliced.result())).toBe(JSON.stringify(whole));
  });

  it('seeking back re-simulates to identical state; series read incrementally add up to the whole', () => {
    const sim = new Simulation(scenario, { seed: 3, duration: 900 });
    const parts = [];
    let cursor = 0;
    for (const t of [100, 250, 600]) {
      sim.advanceTo(t);
      const { points, next } = sim.readSeries(cursor);
      parts.push(...points);
      cursor = next;
    }
    const at600 = JSON.stringify(sim.result());
    sim.seek(200);
    expect(sim.now).toBe(200);
    expect(sim.result().stats.simSeconds).toBe(200);
    sim.seek(600);
    expect(JSON.stringify(sim.result())).toBe(at600);
    expect(JSON.stringify(sim.readSeries(0).points)).toBe(JSON.stringify(parts));
    expect(parts.map((p) => p.t).slice(0, 3)).toEqual([0, 15, 30]);
  });

  it('a cancelled run refuses to continue', () => {
    const sim = new Simulation(scenario, { seed: 1, duration: 600 });
    sim.advanceTo(10);
    sim.cancel();
    expect(sim.state).toBe('cancelled');
    expect(() => sim.advanceTo(20)).toThrow(/cancelled/);
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => new Simulation(scenario, { seed: 1.5 })).toThrow(/seed/);
  });
});
