import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { canary, deployment, mustLoad, scenarioFile } from '../support/scenario';

const run = (files: Record<string, string>, seed = 1) => new Simulation(mustLoad(files), { seed });

describe('services and pods', () => {
  it('answers 503 when a Service has no ready endpoint', () => {
    const sim = run(
      scenarioFile(
        `duration: 1m
traffic:
  - name: t
    target: api-canary
    rate: 10
services:
  api:
    latency: { p50: 10ms, p99: 50ms }`,
        deployment('api', 2),
        canary('api'),
      ),
    );
    const r = sim.runToEnd();
    const t = r.streams.t;
    expect(t.requests).toBeGreaterThan(400);
    expect(t.statusCodes).toEqual({ '503': t.requests });
    expect(r.kubernetesServices['default/api-canary'].unavailable).toBe(t.requests);
    expect(r.services.api.canary).toBeUndefined(); // no canary pod ever existed
  });

  it('deploys the canary revision at the rollout time: pods start, become ready after startupTime, then serve with canary behaviour', () => {
    const sim = run(
      scenarioFile(
        `duration: 4m
rollout: { at: 1m }
telemetry: { scrapeInterval: 5s }
traffic:
  - name: direct-canary
    target: api-canary
    rate: 20
  - name: apex
    target: api
    rate: 20
services:
  api:
    startupTime: 20s
    latency: { distribution: fixed, value: 10ms }
    canary:
      latency: { distribution: fixed, value: 40ms }`,
        deployment('api', 3),
        canary('api'),
      ),
    );
    sim.advanceTo(60);
    const pods = sim.model.podList();
    expect(pods.filter((p) => p.workload === 'api-primary' && p.state === 'ready')).toHaveLength(3);
    sim.advanceTo(61);
    expect(sim.model.podList().filter((p) => p.workload === 'api' && p.state === 'starting')).toHaveLength(3);
    sim.advanceTo(80.5);
    expect(sim.model.podList().filter((p) => p.workload === 'api' && p.state === 'ready')).toHaveLength(3);
    const r = sim.runToEnd();
    const { points } = sim.readSeries();
    const canaryCol = sim.seriesKeys.findIndex((k) => k.app === 'api' && k.version === 'canary');
    const readyAt = points.find((p) => p.readyPods[canaryCol] === 3)?.t;
    expect(readyAt).toBe(80);
    // Before the pods were ready the canary Service had no endpoint: 503; afterwards only the canary answers it.
    const direct = r.streams['direct-canary'];
    expect(direct.statusCodes['503']).toBeGreaterThan(20 * 80 * 0.8);
    expect(direct.statusCodes['200']).toBeGreaterThan(20 * 160 * 0.8);
    expect(r.services.api.canary?.latency.p50).toBeCloseTo(0.04, 3);
    // The apex Service selects the primary pods only (Flagger's weights are not applied yet).
    expect(r.services.api.primary?.requests).toBe(r.streams.apex.requests);
    expect(r.services.api.primary?.latency.max).toBeCloseTo(0.01, 6);
  });

  it('rejects with 503 what waits longer than queueTimeout in a pod queue', () => {
    const sim = run(
      scenarioFile(
        `duration: 10m
traffic:
  - name: t
    target: slow
    rate: 5
services:
  slow:
    concurrency: 1
    queueTimeout: 2s
    latency: { distribution: fixed, value: 1s }`,
        deployment('slow', 1),
      ),
    );
    const r = sim.runToEnd();
    const t = r.streams.t;
    // One worker serves at most one request a second: about 4 in 5 are rejected.
    expect(t.statusCodes['200']).toBeGreaterThan(560);
    expect(t.statusCodes['200']).toBeLessThanOrEqual(600);
    expect(t.statusCodes['503'] / t.requests).toBeGreaterThan(0.75);
    // Nothing waits longer than the queue timeout before being served or rejected.
    expect(t.latency.max as number).toBeLessThanOrEqual(3 + 1e-9);
  });

  it('answers 504 when the caller times out, at exactly the timeout', () => {
    const sim = run(
      scenarioFile(
        `duration: 2m
traffic:
  - name: t
    target: slow
    rate: 2
    timeout: 1s
services:
  slow:
    concurrency: 100
    latency: { distribution: fixed, value: 2s }`,
        deployment('slow', 1),
      ),
    );
    const r = sim.runToEnd();
    expect(Object.keys(r.streams.t.statusCodes)).toEqual(['504']);
    expect(r.streams.t.latency.max).toBeCloseTo(1, 9);
    expect(r.streams.t.latency.p50).toBeCloseTo(1, 2);
  });

  it('draws the stated mix of status codes', () => {
    const r = run(
      scenarioFile(
        `duration: 20m
traffic:
  - name: t
    target: api
    rate: 50
services:
  api:
    latency: { p50: 5ms, p99: 20ms }
    statusCodes: { "404": 0.1, "500": 0.05, "503": 0.01 }`,
        deployment('api', 2),
      ),
    ).runToEnd();
    const s = r.services.api.primary;
    const n = s?.requests as number;
    for (const [code, p] of [
      ['404', 0.1],
      ['500', 0.05],
      ['503', 0.01],
      ['200', 0.84],
    ] as const) {
      const got = (s?.statusCodes[code] ?? 0) / n;
      expect(Math.abs(got - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
    expect(s?.errors).toBe((s?.statusCodes['500'] ?? 0) + (s?.statusCodes['503'] ?? 0));
  });
});

describe('dependencies', () => {
  const deps = (propagation: number, backendErrors = 1, calls = 2) =>
    scenarioFile(
      `duration: 5m
traffic:
  - name: t
    target: front
    rate: 20
services:
  front:
    latency: { distribution: fixed, value: 10ms }
    dependencies:
      - service: back
        calls: ${calls}
        failurePropagation: ${propagation}
        failureStatus: 502
  back:
    latency: { distribution: fixed, value: 20ms }
    statusCodes: { "500": ${backendErrors} }`,
      deployment('front', 2),
      deployment('back', 2),
    );

  it("adds the dependency's latency to the caller's, once per call", () => {
    const r = run(deps(1, 0)).runToEnd();
    expect(r.services.front.primary?.latency.max).toBeCloseTo(0.05, 9);
    expect(r.services.front.primary?.latency.p50).toBeCloseTo(0.05, 3);
    expect(r.services.back.primary?.requests).toBe(2 * (r.services.front.primary?.requests as number));
    expect(r.stats.calls).toBe(3 * r.stats.requests);
  });

  it('propagates a failure with probability 1: the first failed call fails the request and stops further calls', () => {
    const r = run(deps(1)).runToEnd();
    expect(r.streams.t.statusCodes).toEqual({ '502': r.streams.t.requests });
    expect(r.services.back.primary?.requests).toBe(r.services.front.primary?.requests);
    expect(r.services.front.primary?.latency.max).toBeCloseTo(0.03, 9);
  });

  it('absorbs failures with probability 0', () => {
    const r = run(deps(0)).runToEnd();
    expect(r.streams.t.statusCodes).toEqual({ '200': r.streams.t.requests });
    expect(r.services.back.primary?.errors).toBe(r.services.back.primary?.requests);
  });

  it('propagates with the stated probability', () => {
    const r = run(deps(0.3, 1, 1)).runToEnd();
    const n = r.streams.t.requests;
    const p = (r.streams.t.statusCodes['502'] ?? 0) / n;
    expect(Math.abs(p - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / n));
  });
});

describe('pod lifecycle', () => {
  const oneSlowPod = (grace = '30s') =>
    scenarioFile(
      `duration: 3m
traffic:
  - name: t
    target: api
    rate: 10
services:
  api:
    concurrency: 4
    restartDelay: 10s
    startupTime: 5s
    terminationGracePeriod: ${grace}
    latency: { distribution: fixed, value: 200ms }`,
      deployment('api', 1),
    );

  it('a crash fails in-flight requests with 502, then the pod restarts and serves again', () => {
    const sim = run(oneSlowPod());
    sim.advanceTo(30);
    const pod = sim.model.podList()[0];
    expect(pod.busy).toBeGreaterThan(0);
    const inflight = pod.busy + pod.queued;
    sim.model.crashPod(pod.id);
    expect(sim.model.podList()[0].state).toBe('crashed');
    const at31 = sim.advanceTo(31) && sim.result();
    expect(at31 && at31.streams.t.statusCodes['502']).toBe(inflight);
    // Down for restartDelay + startupTime = 15 s: requests meanwhile find no endpoint.
    sim.advanceTo(44.9);
    expect(sim.model.podList()[0].state).toBe('starting');
    sim.advanceTo(45.1);
    expect(sim.model.podList()[0]).toMatchObject({ state: 'ready', restarts: 1 });
    const r = sim.runToEnd();
    expect(r.streams.t.statusCodes['503']).toBeGreaterThan(100);
    expect(r.services.api.primary?.restarts).toBe(1);
    expect(r.services.api.primary?.statusCodes['200']).toBeGreaterThan(10 * 130 * 0.8);
  });

  it('scaling down drains a terminating pod: it leaves the endpoints at once and finishes its requests', () => {
    const sim = run(oneSlowPod());
    sim.advanceTo(30);
    expect(sim.model.podList()[0].busy).toBeGreaterThan(0);
    sim.model.scale('api', 0);
    expect(sim.model.podList()[0].state).toBe('terminating');
    sim.advanceTo(31);
    expect(sim.model.podList()[0].state).toBe('gone');
    const r = sim.result();
    expect(r.streams.t.statusCodes['502']).toBeUndefined();
    expect(r.streams.t.statusCodes['503']).toBeGreaterThan(0);
  });

  it('a terminating pod still busy at the end of its grace period is killed (502)', () => {
    const sim = run(oneSlowPod('0.1s'));
    sim.advanceTo(30);
    sim.model.scale('api', 0);
    sim.advanceTo(31);
    expect(sim.result().streams.t.statusCodes['502']).toBeGreaterThan(0);
    expect(sim.model.podList()[0].state).toBe('gone');
  });
});
