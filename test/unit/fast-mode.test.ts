import { describe, expect, it } from 'vitest';
import type { FaultParams, FaultTarget } from '../../simulation/faults/spec';
import { FastModeUnsupported, Simulation } from '../../simulation/run/simulation';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import { mustLoad, repoHost, scenarioFile } from '../support/scenario';
import { loadScenario, type LoadedScenario } from '../../simulation/scenario/loader';

const shop = (): LoadedScenario => {
  const r = loadScenario('scenarios/default.yaml', repoHost);
  if (!r.ok) throw new Error('default scenario does not load');
  return r.scenario;
};

const ingress = (middlewares = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template: { metadata: { labels: { app: api } } }
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: { name: retry }
spec: { retry: { attempts: 3 } }
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: r }
spec:
  routes:
    - match: PathPrefix(\`/\`)
      kind: Rule
      services: [{ name: api, port: 80 }]
${middlewares}`;

const queueing = (concurrency: number) =>
  mustLoad(
    scenarioFile(
      `duration: 10m
traffic:
  - name: load
    entryPoint: web
    rate: 70
services:
  api:
    concurrency: ${concurrency}
    queueTimeout: 2s
    latency: { distribution: exponential, mean: 50ms }`,
      ingress(),
    ),
  );

describe('fast mode', () => {
  it('is deterministic: the same seed gives the same result and the same scraped samples', () => {
    const a = new Simulation(shop(), { seed: 7, mode: 'fast', duration: 600 });
    const b = new Simulation(shop(), { seed: 7, mode: 'fast', duration: 600 });
    expect(JSON.stringify(a.runToEnd())).toBe(JSON.stringify(b.runToEnd()));
    expect(toOpenMetrics(a.store)).toBe(toOpenMetrics(b.store));
    const c = new Simulation(shop(), { seed: 8, mode: 'fast', duration: 600 });
    expect(JSON.stringify(c.runToEnd())).not.toBe(JSON.stringify(a.result()));
  });

  it('draws traffic in aggregate: a few hundred events instead of one per request, the same series shapes', () => {
    const exactSim = new Simulation(shop(), { mode: 'exact', duration: 600 });
    const exact = exactSim.runToEnd();
    const fastSim = new Simulation(shop(), { mode: 'fast', duration: 600 });
    const fast = fastSim.runToEnd();
    expect(fast.mode).toBe('fast');
    expect(fast.stats.events).toBeLessThan(exact.stats.events / 100);
    expect(fast.stats.requests / exact.stats.requests).toBeGreaterThan(0.97);
    expect(fast.stats.requests / exact.stats.requests).toBeLessThan(1.03);
    // The same series up to which rare status codes happened to occur (a 500 on one replica or not).
    const shapes = (sim: Simulation) => {
      const out = new Set<string>();
      for (let i = 0; i < sim.store.seriesCount; i++) {
        const { code: _code, ...rest } = sim.store.labels(i);
        out.add(JSON.stringify(rest));
      }
      return [...out].sort();
    };
    expect(shapes(fastSim)).toEqual(shapes(exactSim));
    expect(fast.telemetry.scrapes).toBe(exact.telemetry.scrapes);
    // Utilisation and per-revision latency summaries are filled in too.
    expect(fast.services.backend.primary?.utilisation).toBeCloseTo(exact.services.backend.primary?.utilisation ?? 0, 1);
    expect((fast.services.backend.primary?.latency.p99 ?? 0) / (exact.services.backend.primary?.latency.p99 ?? 1)).toBeGreaterThan(0.9);
    expect((fast.services.backend.primary?.latency.p99 ?? 0) / (exact.services.backend.primary?.latency.p99 ?? 1)).toBeLessThan(1.1);
  });

  it('refuses scenarios whose per-request state it cannot aggregate, naming what to change', () => {
    const s = mustLoad(scenarioFile(`duration: 1m\ntraffic:\n  - { name: t, entryPoint: web, rate: 1 }\nservices:\n  api: { latency: { p50: 10ms, p99: 50ms } }`, ingress('      middlewares: [{ name: retry }]')));
    expect(() => new Simulation(s, { mode: 'fast' })).toThrow(FastModeUnsupported);
    expect(() => new Simulation(s, { mode: 'fast' })).toThrow(/router default-r-[0-9a-f]{20}@kubernetescrd uses middlewares \(default-retry@kubernetescrd\); use exact mode/);
    expect(() => new Simulation(s, { mode: 'exact' }).runToEnd()).not.toThrow();
  });

  it('approximates queueing under load (M/M/c per pod): waits appear where exact mode has them', () => {
    // 70 req/s over 2 pods of 2 workers, 50 ms mean: ρ = 0.875 per pod.
    const exact = new Simulation(queueing(2), { seed: 3, mode: 'exact' }).runToEnd();
    const fast = new Simulation(queueing(2), { seed: 3, mode: 'fast' }).runToEnd();
    const e = exact.services.api.primary?.latency.mean ?? 0;
    const f = fast.services.api.primary?.latency.mean ?? 0;
    expect(e).toBeGreaterThan(0.08); // queueing more than doubles the 50 ms service time
    expect(f).toBeGreaterThan(0.08);
    expect(f / e).toBeGreaterThan(0.6);
    expect(f / e).toBeLessThan(1.6);
    // With ample workers nobody waits, in either mode.
    const idle = new Simulation(queueing(16), { seed: 3, mode: 'fast' }).runToEnd();
    expect(idle.services.api.primary?.latency.mean).toBeCloseTo(0.05, 2);
  });
});

describe('fast mode is a pure function of scenario and seed, however a host slices the run', () => {
  it('advancing in odd slices gives the same bytes as one run to the end', () => {
    const whole = new Simulation(shop(), { mode: 'fast', duration: 900, seed: 3 }).runToEnd();
    const sliced = new Simulation(shop(), { mode: 'fast', duration: 900, seed: 3 });
    for (let t = 7.3; t < 900; t += 7.3) sliced.advanceTo(t);
    expect(JSON.stringify(sliced.runToEnd())).toBe(JSON.stringify(whole));
    // Seeking back re-simulates the same run.
    sliced.seek(100);
    expect(JSON.stringify(sliced.runToEnd())).toBe(JSON.stringify(whole));
  });
});

describe('fast mode and faults', () => {
  it('refuses a fault it cannot aggregate, saying what the fault acts on; runs the ones it can', () => {
    const sim = new Simulation(shop(), { mode: 'fast', duration: 120 });
    const live = (name: string, params: FaultParams, target: FaultTarget) => ({ name, target, params, schedule: { at: 0, for: 60, rampIn: 0, rampOut: 0, repeat: null }, origin: 'live' });
    expect(() => sim.inject(live('k', { type: 'pod-kill', gracePeriod: 0 }, { kind: 'pods', workload: 'backend-primary', mode: 'one', value: 1 }))).toThrow('fault k (pod-kill) acts on pods and containers; use exact mode');
    expect(() => sim.inject(live('n', { type: 'network-latency', latency: 0.1, jitter: 0, toxicity: 100 }, { kind: 'edge', from: 'frontend', to: 'default/backend' }))).toThrow(
      'fault n (network-latency) acts on in-cluster calls between services; use exact mode',
    );
    expect(() => sim.inject(live('s', { type: 'traffic-spike', multiplier: 2 }, { kind: 'stream', stream: 'storefront' }))).not.toThrow();
    expect(() => sim.inject(live('a', { type: 'http-abort', code: 500, percent: 10 }, { kind: 'version', app: 'backend', version: 'all' }))).not.toThrow();
    expect(sim.actionLog).toHaveLength(2);
  });

  // Revision faults: while one lasts, the revision's requests take the per-request path through the fault hooks
  // exact mode uses, so both modes draw from the same distributions.
  const revisionFault = (mode: 'exact' | 'fast', params: FaultParams, seed: number) => {
    const sim = new Simulation(queueing(64), { mode, seed, duration: 300 });
    sim.advanceTo(60);
    sim.inject({ name: 'f', target: { kind: 'version', app: 'api', version: 'all' }, params, schedule: { at: 0, for: 120, rampIn: 0, rampOut: 0, repeat: null }, origin: 'live' });
    sim.advanceTo(180);
    const during = sim.result().services.api.primary;
    if (!during) throw new Error('no api summary');
    return during;
  };

  it('runs an HTTP abort on a revision: the error share matches exact mode within sampling error', () => {
    for (const seed of [1, 2]) {
      const fast = revisionFault('fast', { type: 'http-abort', code: 503, percent: 20 }, seed);
      const exact = revisionFault('exact', { type: 'http-abort', code: 503, percent: 20 }, seed);
      // 60 s clean then 120 s at 20 %: 13.3 % of ~12 600 requests (σ ≈ 0.3 %).
      for (const r of [fast, exact]) expect(r.errorRatio).toBeCloseTo(0.1333, 1);
      expect(Math.abs(fast.errorRatio - exact.errorRatio)).toBeLessThan(0.012);
      expect(fast.statusCodes['503']).toBeGreaterThan(1000);
    }
  });

  it('runs a latency shift and an HTTP delay on a revision: the latency quantiles match exact mode', () => {
    const shift = { type: 'latency-shift', factor: 4 } as const;
    const fast = revisionFault('fast', shift, 3);
    const exact = revisionFault('exact', shift, 3);
    // Exponential, mean 50 ms: p50 34.7 ms clean, ×4 for two thirds of the requests.
    expect(fast.latency.p50).toBeGreaterThan(0.08);
    expect(Math.abs((fast.latency.p50 as number) / (exact.latency.p50 as number) - 1)).toBeLessThan(0.1);
    const delay = { type: 'http-delay', delay: 0.5, jitter: 0, percent: 100, tailOnly: false, tailQuantile: 0.99 } as const;
    const slow = revisionFault('fast', delay, 4);
    expect(slow.latency.p50).toBeGreaterThan(0.5);
    expect(Math.abs((slow.latency.p50 as number) / (revisionFault('exact', delay, 4).latency.p50 as number) - 1)).toBeLessThan(0.05);
  });

  it('is deterministic with a revision fault, however the run is sliced', () => {
    const run = (slices: number[]) => {
      const loaded = queueing(64);
      const sim = new Simulation({ ...loaded, faults: [{ name: 'f', target: { kind: 'version', app: 'api', version: 'all' }, params: { type: 'http-abort', code: 500, percent: 5 }, schedule: { at: 30, for: 60, rampIn: 20, rampOut: 0, repeat: null }, origin: 'scenario' }] }, { mode: 'fast', seed: 9, duration: 200 });
      for (const t of slices) sim.advanceTo(t);
      return JSON.stringify(sim.runToEnd()) + toOpenMetrics(sim.store);
    };
    expect(run([17, 41.5, 90, 133])).toBe(run([]));
  });
});
