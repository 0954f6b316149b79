import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulation/kernel/random';
import { Simulation } from '../../simulation/run/simulation';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';
import { Scraper } from '../../simulation/telemetry/scraper';
import { type Labels, SeriesStore } from '../../simulation/telemetry/tsdb';
import { harness, leaf, router, ts } from '../support/proxy';
import { repoHost } from '../support/scenario';
import { samplesOf } from '../support/store';

// Reference §4.7: a service that leaves Traefik's configuration is still
// exported by the next scrape, then its series are deleted; re-added, they
// restart from 0. Flagger's route as in traefik-proxy.test.ts.
const T0 = 1_767_225_600_000;
const canaryRoute = { canary: 'test/podinfo', label: 'test-podinfo@kubernetescrd', primary: leaf('podinfo-primary'), canaryLeaf: leaf('podinfo-canary') };
const flaggerPods = { 'test/podinfo-primary': { ready: [1] }, 'test/podinfo-canary': { ready: [2] } };
const CANARY = 'test-podinfo-canary-80@kubernetescrd';
const PRIMARY = 'test-podinfo-primary-80@kubernetescrd';

/** Flagger's route behind Traefik, scraped every 15 s (replica i at offset 15·i/replicas). */
function scraped(replicas = 1) {
  const h = harness({ routers: [router(ts('podinfo'))], canaryRoutes: [canaryRoute], pods: flaggerPods, replicas });
  const store = new SeriesStore();
  const scraper = new Scraper(
    h.kernel,
    store,
    h.proxy.replicas.map((r, i) => ({ job: 'traefik', instance: `traefik-${i}:9100`, registry: r.registry, afterScrape: () => r.afterScrape() })),
    { interval: 15, jitter: 0, failureProbability: 0, startMs: T0 },
    new Rng('lifecycle'),
  );
  return { h, store, scraper };
}

const ms = (s: number) => T0 + s * 1000;
const requests = (service: string, replica = 0): Labels => ({
  __name__: 'traefik_service_requests_total',
  code: '200',
  method: 'GET',
  protocol: 'http',
  service,
  job: 'traefik',
  instance: `traefik-${replica}:9100`,
});


/** Store ids of every series (all families) whose service label is `service`. */
const idsOfService = (store: SeriesStore, service: string) => store.postings('service', service);

const registrySeries = (h: ReturnType<typeof scraped>['h'], service: string, replica = 0) =>
  h.proxy.replicas[replica].registry.families.flatMap((f) => f.series.filter((s) => s.labels.service === service));

describe('series lifecycle through the proxy (reference §4.7)', () => {
  it('canary series appear at weight 10, are exported once more after removal, then deleted and stale; re-added they restart from 0', () => {
    const { h, store } = scraped();
    h.proxy.setRoutes('test/podinfo', 90, 10);
    h.to(2); // applied at 2 (the first apply was at 0)
    // One request per second from t = 2 to 41: the EDF puts the canary at requests 9, 20, 30, 39 (t = 10, 21, 31, 40).
    h.send(40);
    expect(h.serviceCounts()).toEqual({ [`${PRIMARY} 200`]: 36, [`${CANARY} 200`]: 4 });
    h.to(45);
    expect(samplesOf(store, requests(CANARY))).toEqual([
      [ms(15), 1],
      [ms(30), 2],
      [ms(45), 4],
    ]);
    // The counter, the duration histogram's 5 buckets, _sum and _count.
    expect(idsOfService(store, CANARY)).toHaveLength(8);
    expect(registrySeries(h, CANARY)).toHaveLength(2);

    h.proxy.setRoutes('test/podinfo', 100, 0); // applied at 45, just after that scrape
    h.to(59);
    expect(registrySeries(h, CANARY)).toHaveLength(2); // kept until a scrape has exported them
    h.to(60);
    expect(registrySeries(h, CANARY)).toHaveLength(0);
    expect(h.proxy.replicas[0].registry.families.every((f) => f.series.every((s) => s.labels.service !== CANARY))).toBe(true);
    h.to(75);
    expect(samplesOf(store, requests(CANARY))).toEqual([
      [ms(15), 1],
      [ms(30), 2],
      [ms(45), 4],
      [ms(60), 4], // still exported by the first scrape after the removal
      [ms(75), 'stale'], // gone from the following one
    ]);
    for (const id of idsOfService(store, CANARY)) {
      expect(store.isStale(id, store.count(id) - 1)).toBe(true);
      expect(store.samples(id).t[store.count(id) - 1]).toBe(ms(75));
    }
    // The primary's series live on, untouched.
    expect(samplesOf(store, requests(PRIMARY)).map(([t]) => t)).toEqual([0, 15, 30, 45, 60, 75].map(ms).slice(1));
    expect(samplesOf(store, requests(PRIMARY)).at(-1)).toEqual([ms(75), 36]);

    h.proxy.setRoutes('test/podinfo', 90, 10); // applied at 75: a fresh schedule, canary at the 9th request
    h.to(76);
    h.send(10); // t = 76 .. 85
    h.to(90);
    expect(samplesOf(store, requests(CANARY)).slice(-2)).toEqual([
      [ms(75), 'stale'],
      [ms(90), 1], // restarted from 0: a counter reset (1 < 4) for rate()
    ]);
    const count = samplesOf(store, { ...requests(CANARY), __name__: 'traefik_service_request_duration_seconds_count' });
    expect(count).toEqual([
      [ms(15), 1],
      [ms(30), 2],
      [ms(45), 4],
      [ms(60), 4],
      [ms(75), 'stale'],
      [ms(90), 1],
    ]);
    // Reloads: applies at 0, 2, 45 and 75.
    expect(samplesOf(store, { __name__: 'traefik_config_reloads_total', job: 'traefik', instance: 'traefik-0:9100' })).toEqual([
      [ms(0), 1],
      [ms(15), 2],
      [ms(30), 2],
      [ms(45), 2],
      [ms(60), 3],
      [ms(75), 3],
      [ms(90), 4],
    ]);
  });

  it('a service removed and re-added before the next scrape keeps its series (nothing deleted, no reset)', () => {
    const { h, store } = scraped();
    h.proxy.setRoutes('test/podinfo', 90, 10);
    h.to(2);
    h.send(10); // canary at t = 10
    h.to(15);
    h.proxy.setRoutes('test/podinfo', 100, 0); // applied at 15
    h.to(17);
    h.proxy.setRoutes('test/podinfo', 90, 10); // applied at 17
    h.to(45);
    expect(h.proxy.applies.filter((a) => a.applied).map((a) => a.t)).toEqual([0, 2, 15, 17]);
    expect(samplesOf(store, requests(CANARY))).toEqual([
      [ms(15), 1],
      [ms(30), 1],
      [ms(45), 1],
    ]);
    expect(registrySeries(h, CANARY)).toHaveLength(2);
  });

  it('traefik_config_reloads_total counts applied configurations once per replica; skipped ones do not count', () => {
    const { h, store } = scraped(2);
    h.to(1);
    h.proxy.setRoutes('test/podinfo', 90, 10);
    h.to(3); // applied at 2
    h.proxy.setRoutes('test/podinfo', 50, 50);
    h.proxy.setRoutes('test/podinfo', 90, 10); // back before the throttled apply at 4: skipped as unchanged
    h.to(5);
    h.proxy.setRoutes('test/podinfo', 80, 20);
    h.to(7); // applied at 6
    h.to(30);
    expect(h.proxy.applies.map((a) => [a.t, a.applied])).toEqual([
      [0, true],
      [2, true],
      [4, false],
      [6, true],
    ]);
    for (const r of [0, 1]) {
      const labels = { __name__: 'traefik_config_reloads_total', job: 'traefik', instance: `traefik-${r}:9100` };
      const expected = r === 0 ? [[ms(0), 1], [ms(15), 3], [ms(30), 3]] : [[ms(7.5), 3], [ms(22.5), 3]];
      expect(samplesOf(store, labels)).toEqual(expected);
      expect(samplesOf(store, { __name__: 'traefik_config_last_reload_success', job: 'traefik', instance: `traefik-${r}:9100` }).at(-1)?.[1]).toBe(6);
    }
  });
});

describe('a 24-hour run: memory of the scraped samples', () => {
  // The default scenario (scenarios/default.yaml, its manifests unchanged) with
  // every traffic rate divided by 10, so that 24 simulated hours take about
  // 1.5 s instead of about 13 s; the telemetry (2 Traefik replicas scraped every
  // 15 s, the same metric families) is the same as the default's.
  const light = (text: string) =>
    text
      .replace(/^(\s+mean:) 40$/m, '$1 4')
      .replace(/^(\s+rate:) 25$/m, '$1 2.5');
  const host: ScenarioHost = {
    readFile: (p) => {
      const text = repoHost.readFile(p);
      return p === 'scenarios/default.yaml' && text !== null ? light(text) : text;
    },
  };

  it('keeps at most 20 bytes per sample, and the store under series × scrapes × 20 B', () => {
    const original = repoHost.readFile('scenarios/default.yaml') ?? '';
    expect(light(original)).not.toBe(original);
    expect(light(original).match(/^\s+(mean|rate): (4|2\.5|1)$/gm)).toHaveLength(2);
    const loaded = loadScenario('scenarios/default.yaml', host);
    if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
    const t0 = performance.now();
    const sim = new Simulation(loaded.scenario, { duration: 86_400 });
    const result = sim.runToEnd();
    const wallMs = performance.now() - t0;
    const { series, samples, bytes, scrapes } = result.telemetry;
    const perSample = bytes / samples;
    console.log(
      `24 h light default scenario: ${result.stats.requests} requests, ${series} series, ${samples} samples, ${scrapes} scrapes, ` +
        `${bytes} bytes, ${perSample.toFixed(2)} B/sample, wall ${(wallMs / 1000).toFixed(1)} s`,
    );
    expect(result.stats.simSeconds).toBe(86_400);
    expect(result.stats.requests).toBeGreaterThan(500_000);
    // 2 replicas, scraped at 0, 15, ..., 86400 s and at 7.5, 22.5, ..., 86392.5 s.
    const perTarget = 86_400 / 15 + 1;
    expect(scrapes).toBe(2 * perTarget - 1);
    for (const [instance, n] of [['traefik-0:9100', perTarget], ['traefik-1:9100', perTarget - 1]] as const) {
      expect(sim.store.count(sim.store.findSeries({ __name__: 'up', job: 'traefik', instance }))).toBe(n);
    }
    expect(series).toBeGreaterThan(100);
    // A series gets at most one sample (value or staleness marker) per scrape of its target.
    expect(samples).toBeLessThanOrEqual(series * perTarget);
    expect(samples).toBeGreaterThan(0.5 * series * perTarget);
    expect(perSample).toBeLessThanOrEqual(20);
    expect(bytes).toBeLessThan(series * perTarget * 20);
  });
});
