import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { deployment } from '../support/scenario';

const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('', '5m', '1d', '10ms', 'api', 'constant', 'lognormal', '-1s', 'NaN'),
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, anyValue, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('rate', 'profile', 'p50', 'p99', 'name', 'target', 'latency', 'calls', 'x'), tie('value'), { maxKeys: 4 })),
})).value;

describe('robustness', () => {
  it('the loader never throws: any document gets a result or located diagnostics', () => {
    const base = { duration: '1m', traffic: [{ name: 't', target: 'api', rate: 5 }], services: { api: { latency: { p50: '1ms', p99: '5ms' } } } };
    fc.assert(
      fc.property(fc.constantFrom('duration', 'traffic', 'services', 'seed', 'rollout', 'include', 'telemetry', 'bogus'), jsonish, fc.boolean(), (field, value, withManifest) => {
        const spec: Record<string, unknown> = { ...base, [field]: value };
        const doc = stringify({ apiVersion: 'gameday.dev/v1alpha1', kind: 'Scenario', metadata: { name: 'fuzz' }, spec });
        const text = withManifest ? `${doc}---\n${deployment('api')}` : doc;
        const r = loadScenario('s.yaml', { readFile: (p) => (p === 's.yaml' ? text : null) });
        if (!r.ok) {
          expect(r.diagnostics.length).toBeGreaterThan(0);
          for (const d of r.diagnostics) {
            expect(d.message.length).toBeGreaterThan(0);
            expect(d.file).toBeTruthy();
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the loader never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = loadScenario('s.yaml', { readFile: () => text });
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('every request is answered exactly once and nothing leaks, whatever the system', () => {
    const system = fc.record({
      rate: fc.double({ min: 0.5, max: 80, noNaN: true }),
      concurrency: fc.integer({ min: 1, max: 6 }),
      replicas: fc.integer({ min: 0, max: 3 }),
      latencyMs: fc.integer({ min: 1, max: 400 }),
      queueTimeout: fc.option(fc.integer({ min: 50, max: 2000 }), { nil: undefined }),
      timeout: fc.option(fc.integer({ min: 20, max: 1000 }), { nil: undefined }),
      depCalls: fc.integer({ min: 0, max: 3 }),
      depTimeout: fc.option(fc.integer({ min: 5, max: 500 }), { nil: undefined }),
      propagation: fc.double({ min: 0, max: 1, noNaN: true }),
      errors: fc.double({ min: 0, max: 0.5, noNaN: true }),
      dispersion: fc.option(fc.double({ min: 0.01, max: 0.5, noNaN: true }), { nil: undefined }),
      crashAt: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(system, (s) => {
        const ms = (x: number | undefined) => (x === undefined ? undefined : `${x}ms`);
        const spec = {
          duration: '3h', // ample time to drain the worst backlog (4800 requests × ~0.7 s on one worker)
          traffic: [{ name: 't', target: 'front', rate: { profile: 'step', rate: s.rate, steps: [{ at: '1m', rate: 0 }] }, ...(s.dispersion ? { overdispersion: { dispersion: s.dispersion, window: '2s' } } : {}), ...(s.timeout ? { timeout: ms(s.timeout) } : {}) }],
          services: {
            front: {
              concurrency: s.concurrency,
              ...(s.queueTimeout ? { queueTimeout: ms(s.queueTimeout) } : {}),
              latency: { distribution: 'exponential', mean: `${s.latencyMs}ms` },
              dependencies: s.depCalls > 0 ? [{ service: 'back', calls: s.depCalls, failurePropagation: s.propagation, ...(s.depTimeout ? { timeout: ms(s.depTimeout) } : {}) }] : [],
            },
            back: { concurrency: 2, latency: { p50: '5ms', p99: '80ms' }, statusCodes: { '500': s.errors } },
          },
        };
        const doc = stringify({ apiVersion: 'gameday.dev/v1alpha1', kind: 'Scenario', metadata: { name: 'p' }, spec });
        const text = [doc, deployment('front', s.replicas), deployment('back', 1)].join('---\n');
        const r = loadScenario('s.yaml', { readFile: () => text });
        if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
        const sim = new Simulation(r.scenario, { seed: s.seed });
        if (s.crashAt !== undefined && s.replicas > 0) {
          sim.advanceTo(s.crashAt);
          sim.model.crashPod(0);
        }
        const res = sim.runToEnd();
        // Traffic stopped at 1m; by the end everything has drained.
        expect(sim.model.activeRequests()).toBe(0);
        for (const p of sim.model.podList()) expect(p.busy + p.queued).toBe(0);
        const external = res.streams.t.requests;
        expect(res.stats.requests).toBe(external);
        expect(res.kubernetesServices['default/front'].requests).toBe(external);
        // Responses recorded per revision never exceed the calls made to it.
        const frontAnswered = (res.services.front?.primary?.requests ?? 0) + res.kubernetesServices['default/front'].unavailable;
        expect(frontAnswered).toBe(external);
        const statusSum = Object.values(res.streams.t.statusCodes).reduce((a, b) => a + b, 0);
        expect(statusSum).toBe(external);
      }),
      { numRuns: 60 },
    );
  });
});
