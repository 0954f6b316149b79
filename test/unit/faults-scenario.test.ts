import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { apiCanaryScenario } from '../support/scenario';

/** A healthy canary that a scenario fault makes fail: Flagger must roll it back on the success rate. */
const scenario = (faults: string) =>
  apiCanaryScenario(`duration: 15m
rollout: { at: 1m }
traffic:
  - { name: web, entryPoint: web, host: api.example.com, rate: 50 }
services:
  api:
    startupTime: 10s
    latency: { p50: 20ms, p99: 80ms }
faults:
${faults}`, `    interval: 1m
    threshold: 3
    maxWeight: 50
    stepWeight: 10
    metrics:
      - { name: request-success-rate, interval: 1m, thresholdRange: { min: 99 } }`);

describe('faults declared in a scenario drive Flagger', () => {
  it('without the fault the canary is promoted; a 10% abort on it from 3m makes Flagger roll it back', () => {
    expect(new Simulation(scenario('  []'), { seed: 2 }).runToEnd().outcome).toMatchObject({ phase: 'Succeeded', promoted: true });
    const r = new Simulation(
      scenario(`  - name: bad-release
    type: http-abort
    target: { service: api, version: canary }
    at: 3m
    code: 500
    percent: 10`),
      { seed: 2 },
    ).runToEnd();
    expect(r.outcome?.phase).toBe('Failed');
    expect(r.outcome?.reason).toMatch(/^Rolling back api\.default failed checks threshold reached 3 \(last failed check: Halt api\.default advancement success rate \d+\.\d\d% < 99%\)$/);
    // The failing checks start with the first analysis after the fault.
    const firstHalt = r.events.find((e) => e.explanation?.decision === 'halt');
    expect(firstHalt?.t).toBe(240);
    expect(firstHalt?.explanation?.check?.metric).toBe('request-success-rate');
  });

  it("a fault's YAML compiles to its schedule and parameters", () => {
    const s = scenario(`  - type: http-delay
    target: { service: api, version: all }
    at: 2m
    for: 1m
    delay: 300ms`);
    expect(s.faults?.map((f) => [f.name, f.params.type, f.schedule.at, f.schedule.for])).toEqual([['http-delay-0', 'http-delay', 120, 60]]);
  });
});
