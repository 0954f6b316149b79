/**
 * Properties of Flagger in the running simulation (simulation/run/flagger.ts):
 * the controller acts only at its analysis ticks, the router carries exactly
 * the weights Flagger wrote in between, and a run is a pure function of
 * scenario and seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { apiCanaryScenario } from '../support/scenario';

interface Params {
  interval: 30 | 60 | 120;
  stepWeight: number;
  maxWeight: number;
  errorRate: number;
  seed: number;
}

function scenario(p: Params) {
  return apiCanaryScenario(`duration: 16m
rollout: { at: 1m }
traffic:
  - { name: web, entryPoint: web, host: api.example.com, rate: 40 }
services:
  api:
    startupTime: 10s
    latency: { p50: 20ms, p99: 80ms }
    canary:
      statusCodes: { "500": ${p.errorRate} }`, `    interval: ${p.interval}s
    threshold: 2
    maxWeight: ${p.maxWeight}
    stepWeight: ${p.stepWeight}
    metrics:
      - { name: request-success-rate, interval: 1m, thresholdRange: { min: 99 } }`);
}

const params = fc.record({
  interval: fc.constantFrom(30 as const, 60 as const, 120 as const),
  stepWeight: fc.integer({ min: 5, max: 50 }),
  maxWeight: fc.integer({ min: 10, max: 100 }),
  errorRate: fc.constantFrom(0, 0, 0.003, 0.05),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

describe('Flagger in the simulation', () => {
  it('acts only at analysis ticks; between them the router carries the weights it wrote', () => {
    fc.assert(
      fc.property(params, (p) => {
        const sim = new Simulation(scenario(p), { seed: p.seed });
        const proxy = sim.model.proxy;
        if (!proxy) throw new Error('the scenario routes through Traefik');
        const seen: number[] = [];
        // Between ticks (half an interval after each), the router holds what the last tick left.
        for (let t = p.interval / 2; t < sim.endTime; t += p.interval) {
          sim.advanceTo(t);
          seen.push(proxy.getRoutes('default/api').primary);
        }
        const r = sim.runToEnd();
        const tickTimes = new Set(r.timeline.map((x) => x.t));
        expect([...tickTimes]).toEqual(r.timeline.map((x) => x.t)); // one record per tick
        for (const x of r.timeline) expect(x.t % p.interval).toBe(0);
        for (const e of r.events) expect(tickTimes.has(e.t), e.message).toBe(true);
        for (const c of r.checks) expect(tickTimes.has(c.t)).toBe(true);
        for (const rec of sim.canaryRecords) for (const w of rec.webhookCalls) expect(tickTimes.has(w.t)).toBe(true);
        // Tick k (at k × interval) is followed by the midpoint sample k.
        seen.forEach((primary, k) => expect(primary, `after the tick at ${k * p.interval} s`).toBe(r.timeline[k].primaryWeight));
        // Weights always sum to 100, and the run ends decided for clear cases.
        for (const x of r.timeline) expect(x.primaryWeight + x.canaryWeight === 100 || x.phase !== 'Progressing').toBe(true);
        if (p.errorRate >= 0.05) expect(r.outcome?.phase).toBe('Failed');
      }),
      { numRuns: 12 },
    );
  });

  it('is a pure function of scenario and seed', () => {
    fc.assert(
      fc.property(params, (p) => {
        const a = new Simulation(scenario(p), { seed: p.seed }).runToEnd();
        const b = new Simulation(scenario(p), { seed: p.seed }).runToEnd();
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 4 },
    );
  });
});
