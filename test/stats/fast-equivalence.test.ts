import { describe, expect, it } from 'vitest';
import { Simulation, type RunMode } from '../../simulation/run/simulation';
import type { SeriesStore } from '../../simulation/telemetry/tsdb';
import type { LoadedScenario } from '../../simulation/scenario/loader';
import { mustLoad, scenarioFile } from '../support/scenario';
import { ksTwoSample, welchT } from '../support/two-sample';

/**
 * Fast mode must be statistically indistinguishable from exact mode in what
 * Prometheus scrapes: over SEEDS seeds per mode, the distributions of the
 * scraped request increases (rates), success ratios and histogram bucket
 * increases over a window are compared with two-sample Kolmogorov–Smirnov
 * tests at a family-wise significance of 1% (Bonferroni over the statistics),
 * and Welch t-tests on the means (|t| < 4). Seeds are fixed, so the suite
 * is deterministic. A deliberately different fast scenario must be rejected,
 * which shows the tests have the power to see a real difference.
 */
const SEEDS = 500;
const FAMILY_ALPHA = 0.01;

const deployment = (name: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: shop }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template: { metadata: { labels: { app: ${name} } } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: shop }
spec: { selector: { app: ${name} } }`;

/** The IngressRoute for shop.example.com on entrypoint web, to one service reference. */
const ingressRoute = (service: string) => `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: shop, namespace: shop }
spec:
  entryPoints: [web]
  routes:
    - match: Host(\`shop.example.com\`)
      kind: Rule
      services: [${service}]`;

/** Two revisions behind a weighted TraefikService (80/20), two Traefik replicas, a timeout that bites. */
function splitScenario(errorRate = 0.02): LoadedScenario {
  return mustLoad(
    scenarioFile(
      `duration: 3m
telemetry: { scrapeInterval: 15s }
traefik: { replicas: 2 }
traffic:
  - name: users
    entryPoint: web
    host: shop.example.com
    path: /
    rate: 20
    timeout: 250ms
services:
  api-a:
    latency: { p50: 40ms, p99: 300ms }
    statusCodes: { "500": ${errorRate}, "404": 0.01 }
    metrics: {}
  api-b:
    latency: { distribution: exponential, mean: 80ms }
    statusCodes: { "503": 0.05 }
    metrics: { buckets: [0.05, 0.2] }`,
      deployment('api-a', 2),
      deployment('api-b', 1),
      `apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: { name: split, namespace: shop }
spec:
  weighted:
    services:
      - { name: api-a, port: 80, weight: 80 }
      - { name: api-b, port: 80, weight: 20 }
---
${ingressRoute('{ name: split, kind: TraefikService }')}`,
    ),
  );
}

/** A frontend calling a backend (dependencies, propagation, caller timeouts) with a bursty, overdispersed stream. */
function dependencyScenario(): LoadedScenario {
  return mustLoad(
    scenarioFile(
      `duration: 3m
telemetry: { scrapeInterval: 15s }
traffic:
  - name: users
    entryPoint: web
    host: shop.example.com
    rate: 12
    timeout: 200ms
    bursts: [{ at: 90s, duration: 30s, multiplier: 2 }]
    overdispersion: { dispersion: 0.05, window: 5s }
services:
  web:
    latency: { p50: 10ms, p99: 60ms }
    statusCodes: { "500": 0.01 }
    dependencies:
      - { service: api, calls: 2, timeout: 150ms, failurePropagation: 0.5, failureStatus: 502 }
  api:
    latency: { p50: 30ms, p99: 200ms }
    statusCodes: { "500": 0.03 }`,
      deployment('web', 2),
      deployment('api', 2),
      ingressRoute('{ name: web, port: 80 }'),
    ),
  );
}

/** Sum over series of `name` matching `match` of the increase between two times (last sample at or before each). */
function increase(store: SeriesStore, name: string, match: (l: Record<string, string>) => boolean, fromMs: number, toMs: number): number {
  let total = 0;
  for (const id of store.postings('__name__', name)) {
    if (!match(store.labels(id) as Record<string, string>)) continue;
    const { v } = store.samples(id);
    const at = (t: number) => {
      const i = store.lowerBound(id, t + 1) - 1;
      return i < 0 || store.isStale(id, i) ? 0 : v[i];
    };
    total += at(toMs) - at(fromMs);
  }
  return total;
}

/** The statistics Flagger-style queries read, over the window [60 s, 180 s]. */
function statistics(sim: Simulation, services: string[], apps: string[]): Record<string, number> {
  sim.runToEnd();
  const store = sim.store;
  const from = sim.timestamp(60);
  const to = sim.timestamp(180);
  const out: Record<string, number> = {};
  for (const svc of services) {
    const mine = (l: Record<string, string>) => l.service === svc;
    const total = increase(store, 'traefik_service_requests_total', mine, from, to);
    const ok = increase(store, 'traefik_service_requests_total', (l) => mine(l) && !l.code.startsWith('5'), from, to);
    out[`${svc} requests`] = total;
    out[`${svc} success ratio`] = total > 0 ? ok / total : 1;
    for (const le of ['0.1', '0.3']) out[`${svc} le=${le}`] = increase(store, 'traefik_service_request_duration_seconds_bucket', (l) => mine(l) && l.le === le, from, to);
    out[`${svc} 504`] = increase(store, 'traefik_service_requests_total', (l) => mine(l) && l.code === '504', from, to);
  }
  out['entrypoint requests'] = increase(store, 'traefik_entrypoint_requests_total', () => true, from, to);
  // The applications' own metrics, summed over their pods (what the pods served, timed out or not).
  for (const app of apps) {
    const mine = (l: Record<string, string>) => l.app === app;
    out[`${app} app requests`] = increase(store, 'http_requests_total', mine, from, to);
    out[`${app} app errors`] = increase(store, 'http_requests_total', (l) => mine(l) && l.code.startsWith('5'), from, to);
    out[`${app} app le=0.05`] = increase(store, 'http_request_duration_seconds_bucket', (l) => mine(l) && l.le === '0.05', from, to);
  }
  return out;
}

function sampleStats(scenario: LoadedScenario, mode: RunMode, services: string[], seed0: number, apps: string[] = []): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let k = 0; k < SEEDS; k++) {
    const s = statistics(new Simulation(scenario, { seed: seed0 + k, mode }), services, apps);
    for (const [name, v] of Object.entries(s)) (out[name] ??= []).push(v);
  }
  return out;
}

/** Per statistic: KS p-value and Welch t. */
function compare(a: Record<string, number[]>, b: Record<string, number[]>) {
  return Object.keys(a).map((name) => ({ name, ...ksTwoSample(a[name], b[name]), t: welchT(a[name], b[name]), meanA: mean(a[name]), meanB: mean(b[name]) }));
}
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

function expectIndistinguishable(results: ReturnType<typeof compare>) {
  if (process.env.SHOW_EQUIVALENCE) console.table(results.map((r) => ({ ...r, p: r.p.toExponential(2) })));
  const alpha = FAMILY_ALPHA / results.length;
  for (const r of results) {
    expect(r.p, `${r.name}: KS p = ${r.p.toExponential(2)} (D = ${r.d.toFixed(3)}), means exact ${r.meanA.toFixed(4)} vs fast ${r.meanB.toFixed(4)}`).toBeGreaterThan(alpha);
    expect(Math.abs(r.t), `${r.name}: Welch t = ${r.t.toFixed(2)}, means exact ${r.meanA.toFixed(4)} vs fast ${r.meanB.toFixed(4)}`).toBeLessThan(4);
  }
}

const SPLIT = ['shop-api-a-80@kubernetescrd', 'shop-api-b-80@kubernetescrd'];
const APPS = ['api-a', 'api-b'];

describe(`fast mode is statistically indistinguishable from exact mode (${SEEDS} seeds each)`, () => {
  it('weighted split over two revisions, two Traefik replicas, timeouts', () => {
    const scenario = splitScenario();
    const exact = sampleStats(scenario, 'exact', SPLIT, 1, APPS);
    const fast = sampleStats(scenario, 'fast', SPLIT, 100_001, APPS);
    expect(mean(exact['shop-api-a-80@kubernetescrd requests'])).toBeGreaterThan(1500); // ~80% of 20/s × 120 s
    expect(mean(exact['api-a app requests'])).toBeGreaterThan(1500);
    expectIndistinguishable(compare(exact, fast));
    // Power: a fast run of a scenario whose api-a fails 3% instead of 2% is told apart.
    const worse = sampleStats(splitScenario(0.03), 'fast', SPLIT, 200_001, APPS);
    const r = compare(exact, worse).find((x) => x.name === 'shop-api-a-80@kubernetescrd success ratio');
    expect(r?.p).toBeLessThan(1e-6);
  }, 120_000);

  it('dependencies, failure propagation, caller timeouts, bursts and overdispersion', () => {
    const scenario = dependencyScenario();
    const services = ['shop-web-80@kubernetescrd'];
    const exact = sampleStats(scenario, 'exact', services, 1);
    const fast = sampleStats(scenario, 'fast', services, 100_001);
    expectIndistinguishable(compare(exact, fast));
    // The backend's own outcomes (in-cluster calls, not in Traefik metrics) agree too.
    const backend = (mode: RunMode, seed0: number) =>
      Array.from({ length: 100 }, (_, k) => {
        const r = new Simulation(scenario, { seed: seed0 + k, mode }).runToEnd();
        return r.services.api.primary?.errorRatio ?? 0;
      });
    const ks = ksTwoSample(backend('exact', 1), backend('fast', 100_001));
    expect(ks.p).toBeGreaterThan(0.001);
  }, 120_000);
});
