import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { deployment } from '../support/scenario';

/** Sum of a counter family over every replica's registry, optionally filtered by label. */
function counter(sim: Simulation, family: string, match: (l: Readonly<Record<string, string>>) => boolean = () => true): number {
  let n = 0;
  for (const r of sim.model.proxy?.replicas ?? []) for (const f of r.registry.families) if (f.name === family) for (const s of f.series) if (match(s.labels)) n += s.value;
  return n;
}

const manifests = (o: { weightA: number; weightB: number; middlewares: string[]; replicasA: number; replicasB: number }) =>
  [
    deployment('a', o.replicasA),
    deployment('b', o.replicasB),
    stringify({ apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', metadata: { name: 'split' }, spec: { weighted: { services: [{ name: 'a', port: 80, weight: o.weightA }, { name: 'b', port: 80, weight: o.weightB }] } } }),
    stringify({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'retry' }, spec: { retry: { attempts: 3, initialInterval: '10ms' } } }),
    stringify({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'cb' }, spec: { circuitBreaker: { expression: 'ResponseCodeRatio(500, 600, 0, 600) > 0.3 || NetworkErrorRatio() > 0.2', fallbackDuration: '5s', recoveryDuration: '5s' } } }),
    stringify({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'rl' }, spec: { rateLimit: { average: 20, burst: 10 } } }),
    stringify({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'r' },
      spec: { routes: [{ match: 'PathPrefix(`/`)', kind: 'Rule', services: [{ name: 'split', kind: 'TraefikService' }], middlewares: o.middlewares.map((name) => ({ name })) }] },
    }),
  ].join('---\n');

describe('Traefik request path invariants', () => {
  it('every request is answered once, nothing leaks, and the metrics account for every answer', () => {
    const system = fc.record({
      weightA: fc.integer({ min: 0, max: 100 }),
      weightB: fc.integer({ min: 1, max: 100 }),
      replicasA: fc.integer({ min: 0, max: 3 }),
      replicasB: fc.integer({ min: 1, max: 2 }),
      traefikReplicas: fc.integer({ min: 1, max: 3 }),
      middlewares: fc.subarray(['retry', 'cb', 'rl']),
      rate: fc.integer({ min: 1, max: 60 }),
      errors: fc.double({ min: 0, max: 0.6, noNaN: true }),
      clients: fc.integer({ min: 1, max: 50 }),
      timeoutMs: fc.option(fc.integer({ min: 5, max: 300 }), { nil: undefined }),
      crashAt: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      scaleAt: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(system, (s) => {
        const spec = {
          duration: '10m',
          traefik: { replicas: s.traefikReplicas, allowEmptyServices: true },
          traffic: [{ name: 't', entryPoint: 'web', clients: s.clients, rate: { profile: 'step', rate: s.rate, steps: [{ at: '1m', rate: 0 }] }, ...(s.timeoutMs ? { timeout: `${s.timeoutMs}ms` } : {}) }],
          services: {
            a: { concurrency: 4, startupTime: '3s', terminationGracePeriod: '2s', latency: { p50: '10ms', p99: '200ms' }, statusCodes: { '500': s.errors } },
            b: { concurrency: 4, latency: { distribution: 'exponential', mean: '20ms' } },
          },
        };
        const doc = stringify({ apiVersion: 'gameday.dev/v1alpha1', kind: 'Scenario', metadata: { name: 'p' }, spec });
        const text = [doc, manifests(s)].join('---\n');
        const r = loadScenario('s.yaml', { readFile: () => text });
        if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
        const run = () => {
          const sim = new Simulation(r.scenario, { seed: s.seed });
          if (s.crashAt !== undefined && s.replicasA > 0) {
            sim.advanceTo(s.crashAt);
            sim.model.crashPod(0);
          }
          if (s.scaleAt !== undefined) {
            sim.advanceTo(Math.max(sim.now, s.scaleAt));
            sim.model.scale('a', s.replicasA === 0 ? 2 : 0);
          }
          return { sim, res: sim.runToEnd() };
        };
        const { sim, res } = run();
        // Traffic stopped at 1m: by the end nothing is in flight anywhere.
        expect(sim.model.activeRequests()).toBe(0);
        expect(sim.model.proxy?.active()).toBe(0);
        const answered = res.streams.t.requests;
        // Each client answer is counted once at the entrypoint, with the same codes.
        expect(counter(sim, 'traefik_entrypoint_requests')).toBe(answered);
        for (const [code, n] of Object.entries(res.streams.t.statusCodes)) expect(counter(sim, 'traefik_entrypoint_requests', (l) => l.code === code)).toBe(n);
        // Every answer a pod gave (200 or 500) went through a leaf service's metrics; Traefik's own answers did not.
        const fromPods = (res.streams.t.statusCodes['200'] ?? 0) + (res.streams.t.statusCodes['500'] ?? 0);
        expect(counter(sim, 'traefik_service_requests', (l) => l.code === '200' || l.code === '500')).toBeGreaterThanOrEqual(fromPods);
        // Pods here never answer 404, 429 or 503: those come from Traefik (no route, rate limit,
        // no server, breaker fallback) and stay out of the service metrics.
        for (const code of ['404', '429', '503']) expect(counter(sim, 'traefik_service_requests', (l) => l.code === code)).toBe(0);
        // Deterministic.
        expect(JSON.stringify(run().res)).toBe(JSON.stringify(res));
        // Fast mode, where it applies (no middlewares): the same accounting, and as many requests give or take Poisson noise.
        if (s.middlewares.length === 0) {
          const fast = new Simulation(r.scenario, { seed: s.seed, mode: 'fast' });
          const f = fast.runToEnd();
          expect(counter(fast, 'traefik_entrypoint_requests')).toBe(f.streams.t.requests);
          for (const [code, n] of Object.entries(f.streams.t.statusCodes)) expect(counter(fast, 'traefik_entrypoint_requests', (l) => l.code === code)).toBe(n);
          for (const code of ['404', '429', '503']) expect(counter(fast, 'traefik_service_requests', (l) => l.code === code)).toBe(0);
          const expected = s.rate * 60;
          expect(Math.abs(f.stats.requests - expected)).toBeLessThan(6 * Math.sqrt(expected) + 5);
          expect(JSON.stringify(new Simulation(r.scenario, { seed: s.seed, mode: 'fast' }).runToEnd())).toBe(JSON.stringify(f));
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
