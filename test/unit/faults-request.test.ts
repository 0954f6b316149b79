import { describe, expect, it } from 'vitest';
import type { FaultParams, FaultTarget } from '../../simulation/faults/spec';
import { instantQuery } from '../../simulation/promql/engine';
import { Simulation } from '../../simulation/run/simulation';
import { fault } from '../support/faults';
import { apiCanaryScenario, deployment, mustLoad, scenarioFile } from '../support/scenario';


/**
 * api behind Traefik at 100 requests/s; Flagger moves the canary to weight 20
 * at 2m and a closed confirm-traffic-increase gate holds it there.
 */
function heldAt20() {
  return apiCanaryScenario(`duration: 12m
rollout: { at: 1m }
traffic:
  - { name: web, entryPoint: web, host: api.example.com, rate: 100 }
services:
  api:
    startupTime: 10s
    concurrency: 64
    latency: { p50: 20ms, p99: 80ms }
webhooks:
  - name: gate
    responses: [{ status: 200, times: 1 }, { status: 403 }]`, `    interval: 1m
    threshold: 100
    maxWeight: 50
    stepWeight: 20
    webhooks:
      - { name: gate, type: confirm-traffic-increase, url: http://gate/ }`);
}

const value = (sim: Simulation, q: string, t: number) => {
  const r = instantQuery(sim.store, q, sim.timestamp(t));
  if (r.status !== 'success' || r.data.resultType !== 'vector' || r.data.result.length === 0) throw new Error(`${q}: ${JSON.stringify(r)}`);
  return Number(r.data.result[0].value[1]);
};
const successRate = (service: string) =>
  `sum(rate(traefik_service_requests_total{service=~"${service}",code!~"5.."}[5m])) / sum(rate(traefik_service_requests_total{service=~"${service}"}[5m]))`;

describe('request-level faults, measured where a user looks', () => {
  it('a 10% abort on the canary at weight 20: canary success ~90%, overall ~98% (Traefik metrics, 5 minutes)', () => {
    const sim = new Simulation(heldAt20(), { seed: 4 });
    sim.advanceTo(240);
    expect(sim.model.proxy?.getRoutes('default/api')).toEqual({ primary: 80, canary: 20 });
    sim.inject(fault('aborts', { kind: 'version', app: 'api', version: 'canary' }, { type: 'http-abort', code: 500, percent: 10 }));
    sim.advanceTo(600);
    // ~6000 canary requests in the window: σ ≈ 0.4% on its success rate; bounds at about 3σ.
    expect(value(sim, successRate('default-api-canary-80@kubernetescrd'), 600)).toBeGreaterThan(0.885);
    expect(value(sim, successRate('default-api-canary-80@kubernetescrd'), 600)).toBeLessThan(0.915);
    expect(value(sim, successRate('default-api-(primary|canary)-80@kubernetescrd'), 600)).toBeGreaterThan(0.976);
    expect(value(sim, successRate('default-api-(primary|canary)-80@kubernetescrd'), 600)).toBeLessThan(0.984);
    expect(value(sim, successRate('default-api-primary-80@kubernetescrd'), 600)).toBe(1);
    // The aborts carry the fault's status code.
    expect(value(sim, 'sum(increase(traefik_service_requests_total{code="500"}[5m]))', 600)).toBeGreaterThan(400);
  });

  it('an HTTP delay adds its time to the revision; tail-only touches only its slowest requests', () => {
    const base = new Simulation(heldAt20(), { seed: 5 }).runToEnd().services.api.primary;
    const sim = new Simulation(heldAt20(), { seed: 5 });
    sim.inject(fault('slow', { kind: 'version', app: 'api', version: 'primary' }, { type: 'http-delay', delay: 0.1, jitter: 0, percent: 100, tailOnly: false, tailQuantile: 0.95 }));
    const slow = sim.runToEnd().services.api.primary;
    expect((slow?.latency.p50 ?? 0) - (base?.latency.p50 ?? 0)).toBeGreaterThan(0.095);
    expect((slow?.latency.p50 ?? 0) - (base?.latency.p50 ?? 0)).toBeLessThan(0.105);
    const tail = new Simulation(heldAt20(), { seed: 5 });
    tail.inject(fault('tail', { kind: 'version', app: 'api', version: 'primary' }, { type: 'http-delay', delay: 1, jitter: 0, percent: 100, tailOnly: true, tailQuantile: 0.9 }));
    const t = tail.runToEnd().services.api.primary;
    expect(t?.latency.p50).toBeCloseTo(base?.latency.p50 ?? 0, 2); // the body is untouched
    expect(t?.latency.p99 ?? 0).toBeGreaterThan(1); // the top 10% got a second more
  });

  it('CPU stress and a latency shift scale service times, and compose by multiplying', () => {
    const base = new Simulation(heldAt20(), { seed: 6 }).runToEnd().services.api.primary?.latency.p50 ?? 0;
    const sim = new Simulation(heldAt20(), { seed: 6 });
    const target: FaultTarget = { kind: 'version', app: 'api', version: 'all' };
    sim.inject(fault('cpu', target, { type: 'cpu-stress', slowdown: 2 }));
    sim.inject(fault('shift', target, { type: 'latency-shift', factor: 1.5 }));
    const p50 = sim.runToEnd().services.api.primary?.latency.p50 ?? 0;
    expect(p50 / base).toBeGreaterThan(2.9);
    expect(p50 / base).toBeLessThan(3.1);
  });

  it('ramps scale a fault in: half way up the ramp, half the aborts', () => {
    const sim = new Simulation(heldAt20(), { seed: 7 });
    sim.inject({ ...fault('ramp', { kind: 'version', app: 'api', version: 'primary' }, { type: 'http-abort', code: 503, percent: 40 }, 60, 600), schedule: { at: 60, for: 600, rampIn: 120, rampOut: 0, repeat: null } });
    sim.advanceTo(120);
    // Ramps step every second, each step at the level reached by its end: 61 of 120 steps at 2m.
    expect(sim.activeFaults()).toEqual([{ name: 'ramp', type: 'http-abort', intensity: 61 / 120 }]);
  });

  it('replaying the action log reproduces the run byte for byte; without faults the run is unchanged', () => {
    const live = new Simulation(heldAt20(), { seed: 8 });
    live.advanceTo(200);
    live.inject(fault('a', { kind: 'version', app: 'api', version: 'canary' }, { type: 'http-abort', code: 500, percent: 30 }));
    live.advanceTo(333.3);
    live.cancelFault('a');
    live.advanceTo(400);
    live.inject(fault('b', { kind: 'version', app: 'api', version: 'all' }, { type: 'http-delay', delay: 0.05, jitter: 0.02, percent: 50, tailOnly: false, tailQuantile: 0.95 }, 30, 60));
    const a = live.runToEnd();
    expect(live.actionLog.map((x) => [x.t, x.action])).toEqual([
      [200, 'inject'],
      [333.3, 'cancel'],
      [400, 'inject'],
    ]);
    const replay = new Simulation(heldAt20(), { seed: 8, actions: live.actionLog }).runToEnd();
    expect(JSON.stringify(replay)).toBe(JSON.stringify(a));
    // Seeking back re-simulates with the log: the same run.
    live.seek(100);
    expect(JSON.stringify(live.runToEnd())).toBe(JSON.stringify(a));
    // A host that advances with an event budget can stop between two events of one instant; a live action there
    // applies after the rest of that instant, as on replay.
    const sliced = new Simulation(heldAt20(), { seed: 8 });
    while (sliced.advanceTo(200, 997)) if (sliced.now >= 200) break;
    while (!sliced.advanceTo(250, 997));
    while (sliced.advanceTo(260, 1) === false && sliced.now < 259);
    sliced.inject(fault('c', { kind: 'version', app: 'api', version: 'canary' }, { type: 'http-abort', code: 500, percent: 30 }));
    const slicedResult = sliced.runToEnd();
    expect(JSON.stringify(new Simulation(heldAt20(), { seed: 8, actions: sliced.actionLog }).runToEnd())).toBe(JSON.stringify(slicedResult));
    // The faults did something; and an empty log is the plain run.
    const plain = new Simulation(heldAt20(), { seed: 8 }).runToEnd();
    expect(JSON.stringify(plain)).not.toBe(JSON.stringify(a));
    expect(JSON.stringify(new Simulation(heldAt20(), { seed: 8, actions: [] }).runToEnd())).toBe(JSON.stringify(plain));
  });
});

/** frontend → backend (2 calls each, 1 s timeout), 50 requests/s in-cluster to the frontend. */
function chain() {
  return mustLoad(
    scenarioFile(
      `duration: 3m
traffic:
  - { name: t, target: frontend, rate: 50 }
services:
  frontend:
    latency: { distribution: fixed, value: 5ms }
    dependencies:
      - { service: backend, calls: 2, timeout: 1s, failurePropagation: 1, failureStatus: 502 }
  backend:
    latency: { distribution: fixed, value: 10ms }`,
      deployment('frontend', 2),
      deployment('backend', 2),
    ),
  );
}
const edge: FaultTarget = { kind: 'edge', from: 'frontend', to: 'default/backend' };
function withFault(params: FaultParams, seed = 1) {
  const sim = new Simulation(chain(), { seed });
  sim.inject(fault('f', edge, params, 60, 60));
  return sim.runToEnd();
}

describe('faults on calls between services (Toxiproxy, Chaos Mesh NetworkChaos, DNSChaos)', () => {
  const base = new Simulation(chain(), { seed: 1 }).runToEnd().streams.t;

  it('latency with jitter lengthens each call; bandwidth adds the transfer time', () => {
    const lat = withFault({ type: 'network-latency', latency: 0.2, jitter: 0.05, toxicity: 100 }).streams.t;
    // A third of the run, two calls each: the mean rises by about 2 × 0.2 / 3.
    const rise = (lat.latency.mean ?? 0) - (base.latency.mean ?? 0);
    expect(rise).toBeGreaterThan(0.12);
    expect(rise).toBeLessThan(0.15);
    expect(lat.latency.max).toBeGreaterThan(0.42);
    const bw = withFault({ type: 'network-bandwidth', rate: 100, responseBytes: 10240, toxicity: 100 }).streams.t; // 0.1 s per call
    expect(bw.latency.max).toBeGreaterThan(0.2);
    expect(bw.latency.max).toBeLessThan(0.23);
  });

  it('a partition hangs calls until the caller times out (504); DNS failure and reset fail them at once (502)', () => {
    const part = withFault({ type: 'network-partition' });
    // Each request holds a frontend worker for the 1 s call timeout, then fails with 502 (the call's 504, propagated):
    // 2 pods × 16 workers fail 32 requests a second for the minute, and the rest queue behind them.
    expect(part.streams.t.statusCodes['502']).toBeGreaterThan(32 * 60 * 0.97);
    expect(part.streams.t.statusCodes['502']).toBeLessThanOrEqual(32 * 60);
    expect(part.streams.t.latency.p90).toBeGreaterThan(10);
    const dns = withFault({ type: 'dns-failure' });
    expect(dns.streams.t.statusCodes['502']).toBeGreaterThan(2500);
    expect(dns.streams.t.latency.max).toBeLessThan(0.05);
    const reset = withFault({ type: 'network-reset-peer', timeout: 0, toxicity: 50 });
    const share = (reset.streams.t.statusCodes['502'] ?? 0) / reset.streams.t.requests;
    // Half of the calls in a third of the run, two calls per request: 1/3 × (1 − 0.5²) = 25%.
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);
  });

  it('a failing downstream answers its code; a quota rejects calls above its rate with 429', () => {
    const dep = withFault({ type: 'dependency-failure', code: 503, percent: 100, hang: false });
    expect(dep.streams.t.statusCodes['502']).toBeGreaterThan(2500);
    const quota = withFault({ type: 'quota', rate: 60, code: 429 });
    // 100 calls/s against 60 allowed: 40% of the minute's calls never reach the backend (a third of the run's calls).
    const served = (quota.services.backend.primary?.requests ?? 0) / (new Simulation(chain(), { seed: 1 }).runToEnd().services.backend.primary?.requests ?? 1);
    expect(served).toBeGreaterThan(1 - 0.4 / 3 - 0.02);
    expect(served).toBeLessThan(1 - 0.4 / 3 + 0.02);
    // A 429 is not a server error: the frontend does not propagate it.
    expect(quota.streams.t.errors).toBe(base.errors);
    // The calls a quota lets through, counted against a run where every call of the minute is refused (same arrivals).
    const none = withFault({ type: 'dependency-failure', code: 429, percent: 100, hang: false }).services.backend.primary?.requests ?? 0;
    const through = (rate: number) => (withFault({ type: 'quota', rate, code: 429 }).services.backend.primary?.requests ?? 0) - none;
    // One second's worth to start with, then `rate` a second; below one a second, still its rate (the bucket holds one call).
    for (const rate of [0.5, 2]) {
      expect(through(rate), String(rate)).toBeGreaterThanOrEqual(rate * 60 - 1);
      expect(through(rate), String(rate)).toBeLessThanOrEqual(rate * 60 + Math.max(1, rate));
    }
  });

  it('a timeout toxic closes the connection after its timeout (502), or with 0 hangs it until the caller gives up (504 → 502)', () => {
    const closed = withFault({ type: 'network-timeout', timeout: 0.3, toxicity: 100 });
    expect(closed.streams.t.statusCodes['502']).toBeGreaterThan(2800);
    // The first call fails at 0.3 s and the frontend answers at once (failure propagation 1).
    expect(closed.streams.t.latency.max).toBeGreaterThan(0.3);
    expect(closed.streams.t.latency.max).toBeLessThan(0.35);
    const hung = withFault({ type: 'network-timeout', timeout: 0, toxicity: 100 });
    expect(hung.services.frontend.primary?.latency.p90).toBeGreaterThan(1);
  });

  it('slow_close holds each call its delay longer; a hanging downstream is ended by the caller timeout', () => {
    const slow = withFault({ type: 'network-slow-close', delay: 0.25, toxicity: 100 }).streams.t;
    // Two calls of 0.25 s more each, for a third of the run: the mean rises by about 0.5 / 3 (a little more: workers queue).
    const rise = (slow.latency.mean ?? 0) - (base.latency.mean ?? 0);
    expect(rise).toBeGreaterThan(0.16);
    expect(rise).toBeLessThan(0.22);
    expect(slow.errors).toBe(base.errors);
    const hang = withFault({ type: 'dependency-failure', code: 503, percent: 100, hang: true });
    expect(hang.streams.t.errors).toBeGreaterThan(1800);
    expect(hang.services.frontend.primary?.latency.p90).toBeGreaterThan(1);
  });

  it('loss costs retransmission timeouts', () => {
    const loss = withFault({ type: 'network-loss', loss: 20, rto: 0.2 }).streams.t;
    expect(loss.latency.p99).toBeGreaterThan(0.2);
    expect(loss.latency.p50).toBeLessThan(0.05);
  });
});
