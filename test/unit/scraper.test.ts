import { describe, expect, it } from 'vitest';
import { Kernel } from '../../simulation/kernel/kernel';
import { Rng } from '../../simulation/kernel/random';
import { formatBound, MetricsRegistry } from '../../simulation/telemetry/registry';
import { type ScrapeSpec, Scraper, type ScrapeTarget } from '../../simulation/telemetry/scraper';
import { type Labels, SeriesStore } from '../../simulation/telemetry/tsdb';
import { samplesOf } from '../support/store';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** An Rng whose uniform() draws come from a script (then 0.99: a successful scrape). */
class ScriptedRng extends Rng {
  constructor(private readonly draws: number[]) {
    super('scripted');
  }
  override uniform(): number {
    return this.draws.shift() ?? 0.99;
  }
}

function setup(targets: number, spec: Partial<ScrapeSpec> = {}, rng: Rng = new Rng('scraper-test')) {
  const kernel = new Kernel();
  const store = new SeriesStore();
  const registries = Array.from({ length: targets }, () => new MetricsRegistry());
  const afterScrapes = registries.map(() => 0);
  const list: ScrapeTarget[] = registries.map((registry, i) => ({
    job: 'traefik',
    instance: `traefik-${i}:9100`,
    registry,
    afterScrape: () => afterScrapes[i]++,
  }));
  const full: ScrapeSpec = { interval: 15, jitter: 0, failureProbability: 0, startMs: T0, ...spec };
  const scraper = new Scraper(kernel, store, list, full, rng);
  return { kernel, store, registries, scraper, afterScrapes };
}


const up = (i: number) => ({ __name__: 'up', job: 'traefik', instance: `traefik-${i}:9100` });

describe('Scraper schedule', () => {
  it('scrapes each target every interval at its fixed offset (2 targets, 15 s: offsets 0 and 7.5 s), up = 1', () => {
    const { kernel, store, scraper } = setup(2);
    kernel.runUntil(60);
    expect(samplesOf(store, up(0))).toEqual([0, 15, 30, 45, 60].map((s) => [T0 + s * 1000, 1]));
    expect(samplesOf(store, up(1))).toEqual([7.5, 22.5, 37.5, 52.5].map((s) => [T0 + s * 1000, 1]));
    expect(scraper.scrapes).toEqual([5, 4]);
    expect(scraper.failures).toEqual([0, 0]);
    expect(store.family('up')).toMatchObject({ type: 'gauge' });
  });

  it('stamps samples with startMs + round(t * 1000) (3 targets, interval 1 s: offsets 0, 1/3, 2/3 s)', () => {
    const { kernel, store, scraper } = setup(3, { interval: 1 });
    kernel.runUntil(2);
    expect(samplesOf(store, up(0)).map(([t]) => t - T0)).toEqual([0, 1000, 2000]);
    expect(samplesOf(store, up(1)).map(([t]) => t - T0)).toEqual([333, 1333]);
    expect(samplesOf(store, up(2)).map(([t]) => t - T0)).toEqual([667, 1667]);
    expect(scraper.timestamp(2 / 3)).toBe(T0 + 667);
    expect(scraper.timestamp(0.0004)).toBe(T0);
  });

  it('keeps jittered scrapes within ±jitter of their slots and per-series timestamps increasing; same seed, same times', () => {
    const run = () => {
      const s = setup(1, { interval: 10, jitter: 2 }, new Rng('42/prometheus/scrape'));
      const c = s.registries[0].family('ticks', 'counter', 'Ticks.', []).get([]);
      const ev = s.kernel.register('tick', () => c.inc());
      for (let t = 0.5; t < 1000; t += 1) s.kernel.at(t, ev);
      s.kernel.runUntil(1000);
      return s;
    };
    const { store } = run();
    const ups = samplesOf(store, up(0));
    const ticks = samplesOf(store, { __name__: 'ticks_total', job: 'traefik', instance: 'traefik-0:9100' });
    expect(ticks.map(([t]) => t)).toEqual(ups.map(([t]) => t));
    // The last slot (1000 s) may have moved past the end of the run.
    expect(ups.length === 100 || ups.length === 101).toBe(true);
    const deviations = ups.map(([t], k) => t - T0 - k * 10_000);
    for (const d of deviations) {
      expect(d).toBeGreaterThanOrEqual(-2000);
      expect(d).toBeLessThanOrEqual(2000);
    }
    expect(deviations[0]).toBeGreaterThanOrEqual(0); // never before time 0
    expect(Math.max(...deviations)).toBeGreaterThan(1500); // the jitter is really used, both ways
    expect(Math.min(...deviations)).toBeLessThan(-1500);
    for (let k = 1; k < ups.length; k++) expect(ups[k][0]).toBeGreaterThan(ups[k - 1][0]);
    // The counter saw one tick per second: its value is the number of whole ticks before the scrape.
    for (const [t, v] of ticks) expect(v).toBe(Math.floor((t - T0) / 1000 + 0.5));
    expect(samplesOf(run().store, up(0))).toEqual(ups);
  });
});

describe('Scraper failures and staleness', () => {
  it('with failure probability 1 every scrape has up = 0 and stores nothing else', () => {
    const { kernel, store, registries, scraper, afterScrapes } = setup(2, { failureProbability: 1 });
    registries[0].family('reqs', 'counter', '', ['code']).get(['200']).inc(5);
    kernel.runUntil(30);
    expect(samplesOf(store, up(0))).toEqual([0, 15, 30].map((s) => [T0 + s * 1000, 0]));
    expect(samplesOf(store, up(1))).toEqual([7.5, 22.5].map((s) => [T0 + s * 1000, 0]));
    expect(store.seriesCount).toBe(2);
    expect(scraper.failures).toEqual([3, 2]);
    expect(afterScrapes).toEqual([0, 0]); // a failed scrape never reached Traefik: it deletes nothing
  });

  it('a failed scrape writes up = 0 and a staleness marker on every series of the last scrape; the next success brings them back', () => {
    // One target, failure probability 0.5: draws below 0.5 fail. Scrapes at 0, 15, 30, 45, 60.
    const { kernel, store, registries, scraper } = setup(1, { failureProbability: 0.5 }, new ScriptedRng([0.9, 0.9, 0.1, 0.2, 0.9]));
    const reg = registries[0];
    const c = reg.family('reqs', 'counter', 'Requests.', ['code']).get(['200']);
    const g = reg.family('inflight', 'gauge', 'In flight.', []).get([]);
    const h = reg.family('lat', 'histogram', 'Latency.', [], [0.1, 1]).get([]);
    const step = kernel.register('step', (k) => {
      c.inc(10);
      g.set(k);
      h.observe(0.05 * (k + 1));
    });
    for (let k = 0; k < 5; k++) kernel.at(k * 15 + 1, step, k);
    kernel.runUntil(60);
    const L = { job: 'traefik', instance: 'traefik-0:9100' };
    const ms = (s: number) => T0 + s * 1000;
    expect(samplesOf(store, up(0))).toEqual([
      [ms(0), 1],
      [ms(15), 1],
      [ms(30), 0],
      [ms(45), 0],
      [ms(60), 1],
    ]);
    expect(samplesOf(store, { ...L, __name__: 'reqs_total', code: '200' })).toEqual([
      [ms(0), 0],
      [ms(15), 10],
      [ms(30), 'stale'],
      [ms(60), 40],
    ]);
    expect(samplesOf(store, { ...L, __name__: 'inflight' })).toEqual([
      [ms(0), 0],
      [ms(15), 0],
      [ms(30), 'stale'],
      [ms(60), 3],
    ]);
    // Observations 0.05, 0.1, 0.15, 0.2 (0.25 comes at 61 s): le=0.1 holds 2, le=1 and +Inf 4.
    for (const [le, v] of [['0.1', 2], ['1', 4], ['+Inf', 4]] as const) {
      expect(samplesOf(store, { ...L, __name__: 'lat_bucket', le })).toEqual([
        [ms(0), 0],
        [ms(15), 1],
        [ms(30), 'stale'],
        [ms(60), v],
      ]);
    }
    expect(samplesOf(store, { ...L, __name__: 'lat_count' })).toEqual([
      [ms(0), 0],
      [ms(15), 1],
      [ms(30), 'stale'],
      [ms(60), 4],
    ]);
    expect(samplesOf(store, { ...L, __name__: 'lat_sum' }).map(([t, v]) => [t, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v])).toEqual([
      [ms(0), 0],
      [ms(15), 0.05],
      [ms(30), 'stale'],
      [ms(60), 0.5],
    ]);
    expect(scraper.failures).toEqual([2]);
  });

  it('marks a series that vanished from the target stale at the next scrape; re-created, it restarts from 0', () => {
    const { kernel, store, registries } = setup(1);
    const fam = registries[0].family('reqs', 'counter', '', ['code', 'service']);
    fam.get(['200', 'a']).inc(7);
    fam.get(['200', 'b']).inc(3);
    kernel.runUntil(0);
    expect(registries[0].deleteWhere('service', 'b').map((s) => s.labels)).toEqual([{ code: '200', service: 'b' }]);
    kernel.runUntil(15);
    fam.get(['200', 'b']).inc(1);
    kernel.runUntil(30);
    const L = { job: 'traefik', instance: 'traefik-0:9100', __name__: 'reqs_total', code: '200' };
    expect(samplesOf(store, { ...L, service: 'b' })).toEqual([
      [T0, 3],
      [T0 + 15_000, 'stale'],
      [T0 + 30_000, 1],
    ]);
    expect(samplesOf(store, { ...L, service: 'a' })).toEqual([
      [T0, 7],
      [T0 + 15_000, 7],
      [T0 + 30_000, 7],
    ]);
  });
});

describe('Scraper exposition', () => {
  it('stores counters as <family>_total, gauges as is, histograms as cumulative _bucket{le} with +Inf, _sum and _count, all with job and instance', () => {
    const { kernel, store } = (() => {
      const s = setup(1);
      const reg = s.registries[0];
      const req = reg.family('http_requests', 'counter', 'Requests.', ['code', 'method']);
      req.get(['200', 'GET']).inc(3);
      req.get(['500', 'POST']).inc();
      reg.family('temperature', 'gauge', 'Degrees.', ['room']).get(['lab']).set(21.5);
      const lat = reg.family('latency_seconds', 'histogram', 'Latency.', ['code'], [0.1, 0.3, 1.2, 5]).get(['200']);
      for (const v of [0.05, 0.1, 0.2, 0.2, 2, 10]) lat.observe(v);
      reg.family('unused', 'counter', '', ['x']); // no series yet: nothing stored
      return s;
    })();
    kernel.runUntil(0);
    const names = new Map<string, Labels[]>();
    for (let id = 0; id < store.seriesCount; id++) {
      const l = store.labels(id);
      names.set(l.__name__, [...(names.get(l.__name__) ?? []), l]);
    }
    expect([...names.keys()].sort()).toEqual(['http_requests_total', 'latency_seconds_bucket', 'latency_seconds_count', 'latency_seconds_sum', 'temperature', 'up']);
    const L = { job: 'traefik', instance: 'traefik-0:9100' };
    const value = (labels: Labels) => samplesOf(store, labels)[0][1];
    expect(store.labels(store.findSeries({ ...L, __name__: 'http_requests_total', code: '200', method: 'GET' }))).toEqual({
      __name__: 'http_requests_total',
      code: '200',
      instance: 'traefik-0:9100',
      job: 'traefik',
      method: 'GET',
    });
    expect(value({ ...L, __name__: 'http_requests_total', code: '200', method: 'GET' })).toBe(3);
    expect(value({ ...L, __name__: 'http_requests_total', code: '500', method: 'POST' })).toBe(1);
    expect(value({ ...L, __name__: 'temperature', room: 'lab' })).toBe(21.5);
    const buckets = (names.get('latency_seconds_bucket') ?? []).map((l) => [l.le, value(l)]);
    expect(buckets).toEqual([
      ['0.1', 2],
      ['0.3', 4],
      ['1.2', 4],
      ['5', 5],
      ['+Inf', 6],
    ]);
    expect(value({ ...L, __name__: 'latency_seconds_count', code: '200' })).toBe(6);
    expect(value({ ...L, __name__: 'latency_seconds_sum', code: '200' })).toBeCloseTo(12.55, 12);
    for (const ls of names.values()) for (const l of ls) expect(l).toMatchObject(L);
    expect(store.families().map((f) => [f.name, f.type])).toEqual([
      ['up', 'gauge'],
      ['http_requests', 'counter'],
      ['temperature', 'gauge'],
      ['latency_seconds', 'histogram'],
      ['unused', 'counter'],
    ]);
  });

  it('renames scraped job/instance labels to exported_job/exported_instance (honor_labels: false)', () => {
    const { kernel, store, registries } = setup(1);
    registries[0].family('clash', 'gauge', '', ['job', 'instance']).get(['app', 'pod-1']).set(4);
    kernel.runUntil(0);
    const id = store.findSeries({ __name__: 'clash', job: 'traefik', instance: 'traefik-0:9100', exported_job: 'app', exported_instance: 'pod-1' });
    expect(id).toBeGreaterThanOrEqual(0);
    expect(store.samples(id).v[0]).toBe(4);
  });

  it('a registry scraped by two scrapers into two stores keeps each store its own series ids', () => {
    const reg = new MetricsRegistry();
    const c = reg.family('reqs', 'counter', '', []).get([]);
    c.inc(2);
    const kernel = new Kernel();
    const a = new SeriesStore();
    const b = new SeriesStore();
    b.seriesId({ __name__: 'padding' }); // series ids differ between the two stores
    const spec: ScrapeSpec = { interval: 10, jitter: 0, failureProbability: 0, startMs: 0 };
    new Scraper(kernel, a, [{ job: 'a', instance: 'x', registry: reg }], spec, new Rng('a'));
    new Scraper(kernel, b, [{ job: 'b', instance: 'y', registry: reg }], spec, new Rng('b'));
    kernel.runUntil(10);
    expect(samplesOf(a, { __name__: 'reqs_total', job: 'a', instance: 'x' })).toEqual([
      [0, 2],
      [10_000, 2],
    ]);
    expect(samplesOf(b, { __name__: 'reqs_total', job: 'b', instance: 'y' })).toEqual([
      [0, 2],
      [10_000, 2],
    ]);
    expect(b.count(b.findSeries({ __name__: 'padding' }))).toBe(0);
  });

  it('formats le as client_golang does (Go %g, shortest digits)', () => {
    expect([0.1, 0.3, 1.2, 5, 100000, 1e6, 0.0001, 5e-5, 1.5e-7, 2.5e21, 123456789, Infinity].map(formatBound)).toEqual([
      '0.1',
      '0.3',
      '1.2',
      '5',
      '100000',
      '1e+06',
      '0.0001',
      '5e-05',
      '1.5e-07',
      '2.5e+21',
      '1.23456789e+08',
      '+Inf',
    ]);
  });

  it('puts an observation equal to a bound in that bucket and NaN in +Inf, as client_golang', () => {
    const h = new MetricsRegistry().family('h', 'histogram', '', [], [0.1, 1]).get([]);
    for (const v of [0.1, 1, 1.0000001, NaN, -3]) h.observe(v);
    expect([...h.bucketCounts]).toEqual([2, 1, 2]);
    expect(h.count).toBe(5);
  });
});
