import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import type { SeriesStore } from '../../simulation/telemetry/tsdb';
import { canary, deployment, mustLoad, scenarioFile } from '../support/scenario';

const scenario = (extra = '') =>
  mustLoad(
    scenarioFile(
      `duration: 3m
rollout: { at: 30s }
telemetry: { scrapeInterval: 10s }
traffic:
  - name: t
    target: api
    rate: 20
  - name: canary-load
    target: api-canary
    rate: 5
services:
  api:
    startupTime: 5s
    latency: { distribution: fixed, value: 20ms }
    statusCodes: { "500": 0.1 }
    metrics: { buckets: [0.01, 0.05] }${extra}`,
      deployment('api', 2),
      canary('api'),
    ),
  );

/** Last value of every series of `name` that is not stale now, summed by pod. */
function lastByPod(store: SeriesStore, name: string, match: (l: Readonly<Record<string, string>>) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of store.postings('__name__', name)) {
    const l = store.labels(id);
    if (!match(l)) continue;
    const { v, n } = store.samples(id);
    if (n > 0 && !store.isStale(id, n - 1)) out.set(l.pod, (out.get(l.pod) ?? 0) + v[n - 1]);
  }
  return out;
}

describe("applications' own metrics, scraped from every pod", () => {
  it('names pods as ReplicaSets do, so that Flagger-style pod regexes tell primary from canary', () => {
    const sim = new Simulation(scenario(), { seed: 2 });
    sim.runToEnd();
    const names = sim.model.podList().map((p) => p.name);
    const canaryPod = /^api-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)$/; // Flagger's {{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)
    expect(names.filter((n) => canaryPod.test(n))).toHaveLength(2);
    expect(names.filter((n) => /^api-primary-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(n))).toHaveLength(2);
    // One pod-template-hash per revision.
    expect(new Set(names.map((n) => n.split('-').at(-2))).size).toBe(2);
  });

  it('counts what each pod served, by status, with the service-discovery labels', () => {
    const sim = new Simulation(scenario(), { seed: 2 });
    const r = sim.runToEnd();
    const store = sim.store;
    const served = lastByPod(store, 'http_requests_total');
    const total = [...served.values()].reduce((a, b) => a + b, 0);
    // Every request answered before the last scrape (at most 10 s before the end) is counted.
    const answered = (r.services.api.primary?.requests ?? 0) + (r.services.api.canary?.requests ?? 0);
    expect(total).toBeLessThanOrEqual(answered);
    expect(total).toBeGreaterThan(answered - 25 * 12);
    const id = store.postings('__name__', 'http_requests_total')[0];
    expect(Object.keys(store.labels(id)).sort()).toEqual(['__name__', 'app', 'code', 'instance', 'job', 'kubernetes_namespace', 'kubernetes_pod_name', 'namespace', 'pod']);
    expect(store.labels(id)).toMatchObject({ job: 'kubernetes-pods', namespace: 'default', kubernetes_namespace: 'default' });
    // A fixed 20 ms service time lands in le="0.05" but not le="0.01".
    const le = (b: string) => [...lastByPod(store, 'http_request_duration_seconds_bucket', (l) => l.le === b).values()].reduce((a, x) => a + x, 0);
    expect(le('0.01')).toBe(0);
    expect(le('0.05')).toBe(total);
    expect(le('+Inf')).toBe(total);
    // Errors are the app's own 500s.
    const errors = [...lastByPod(store, 'http_requests_total', (l) => l.code === '500').values()].reduce((a, b) => a + b, 0);
    expect(errors / total).toBeGreaterThan(0.07);
    expect(errors / total).toBeLessThan(0.13);
  });

  it('a starting pod is scraped as down until ready; a crashed container restarts its counters from zero', () => {
    const sim = new Simulation(scenario(), { seed: 2 });
    sim.advanceTo(60);
    const pod = sim.model.podList().find((p) => p.workload === 'api-primary');
    if (!pod) throw new Error('no primary pod');
    const before = lastByPod(sim.store, 'http_requests_total').get(pod.name) ?? 0;
    expect(before).toBeGreaterThan(100);
    sim.model.crashPod(pod.id, 20);
    sim.advanceTo(75);
    // While crashed: up 0, series stale.
    const upId = sim.store.findSeries({ __name__: 'up', job: 'kubernetes-pods', instance: `${pod.name}:8080`, app: 'api-primary', namespace: 'default', pod: pod.name, kubernetes_namespace: 'default', kubernetes_pod_name: pod.name });
    expect(upId).toBeGreaterThanOrEqual(0);
    const ups = sim.store.samples(upId);
    expect(ups.v[ups.n - 1]).toBe(0);
    expect(lastByPod(sim.store, 'http_requests_total').get(pod.name)).toBeUndefined();
    sim.advanceTo(180);
    // The 200s counter of this pod: rising, stale while crashed, then rising again from zero (a counter reset).
    const id = sim.store.postings('pod', pod.name).find((i) => sim.store.labels(i).__name__ === 'http_requests_total' && sim.store.labels(i).code === '200') as number;
    const { v, n } = sim.store.samples(id);
    const values = Array.from({ length: n }, (_, i) => (sim.store.isStale(id, i) ? 'stale' : v[i]));
    const stale = values.indexOf('stale');
    expect(stale).toBeGreaterThan(0);
    const last = values[stale - 1] as number;
    const next = values[stale + 1] as number;
    expect(next).toBeLessThan(last / 4);
    expect(values.slice(stale + 1).every((x, i, a) => x !== 'stale' && (i === 0 || x >= (a[i - 1] as number)))).toBe(true);
    expect(lastByPod(sim.store, 'http_requests_total').get(pod.name)).toBeGreaterThan(next);
  });

  it('a pod that is gone stops being a target: its series and up go stale', () => {
    const sim = new Simulation(scenario(), { seed: 2 });
    sim.advanceTo(60);
    const pod = sim.model.podList().find((p) => p.workload === 'api');
    if (!pod) throw new Error('no canary pod');
    sim.model.scale('api', 0);
    sim.advanceTo(120);
    expect(sim.model.podList().find((p) => p.id === pod.id)?.state).toBe('gone');
    expect(lastByPod(sim.store, 'http_requests_total').has(pod.name)).toBe(false);
    expect(lastByPod(sim.store, 'up').has(pod.name)).toBe(false);
  });

  it('fast mode exports the same families with the same pods and consistent counts', () => {
    const exact = new Simulation(scenario(), { seed: 2 });
    exact.runToEnd();
    const fast = new Simulation(scenario(), { seed: 2, mode: 'fast' });
    fast.runToEnd();
    const sum = (sim: Simulation) => [...lastByPod(sim.store, 'http_requests_total').values()].reduce((a, b) => a + b, 0);
    expect(sum(fast) / sum(exact)).toBeGreaterThan(0.93);
    expect(sum(fast) / sum(exact)).toBeLessThan(1.07);
    expect([...lastByPod(fast.store, 'http_request_duration_seconds_bucket', (l) => l.le === '0.01').values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect(fast.store.postings('__name__', 'http_request_duration_seconds_sum').length).toBeGreaterThan(0);
  });
});
