import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { compareResults, hasPrometheus, type PromResponse, type PrometheusServer, startPrometheus } from '../support/prometheus';
import { repoHost } from '../support/scenario';

const LOOKBACK_MS = 5 * 60_000;
const START_MS = Date.UTC(2026, 0, 1); // the default spec.telemetry.startTime
const BACKEND = 'shop-backend-primary-80@kubernetescrd';

/** The newest sample of a series within Prometheus' lookback [t − 5m, t], or null when there is none or it is a staleness marker. */
function latest(store: SeriesStore, id: number, tMs: number): number | null {
  const i = store.lowerBound(id, tMs + 1) - 1;
  if (i < 0) return null;
  const { t, v } = store.samples(id);
  if (t[i] < tMs - LOOKBACK_MS || store.isStale(id, i)) return null;
  return v[i];
}

/** Series of a metric (optionally with one more label) and their latest values at tMs, as an instant selector sees them. */
function instant(store: SeriesStore, name: string, tMs: number, label?: [string, string]): number[] {
  const values: number[] = [];
  for (const id of store.postings('__name__', name)) {
    if (label && store.labels(id)[label[0]] !== label[1]) continue;
    const v = latest(store, id, tMs);
    if (v !== null) values.push(v);
  }
  return values;
}

const vector = (r: PromResponse) => {
  if (r.status !== 'success' || r.data.resultType !== 'vector') throw new Error(`expected a vector, got ${JSON.stringify(r).slice(0, 300)}`);
  return r.data.result;
};
const matrix = (r: PromResponse) => {
  if (r.status !== 'success' || r.data.resultType !== 'matrix') throw new Error(`expected a matrix, got ${JSON.stringify(r).slice(0, 300)}`);
  return r.data.result;
};

const vec = (...series: Array<[Record<string, string>, string]>) => ({
  status: 'success',
  data: { resultType: 'vector', result: series.map(([metric, v]) => ({ metric, value: [1767225900, v] })) },
});

describe('compareResults', () => {
  it('finds values 1e-6 apart different and 1e-12 apart equal; NaN equals NaN; ±Inf must match', () => {
    const base = vec([{ a: '1' }, '100'], [{ a: '2' }, 'NaN'], [{ a: '3' }, '+Inf'], [{ a: '4' }, '0']);
    expect(compareResults(base, structuredClone(base))).toEqual([]);
    expect(compareResults(vec([{ a: '1' }, String(100 * (1 + 1e-12))], [{ a: '2' }, 'NaN'], [{ a: '3' }, '+Inf'], [{ a: '4' }, '1e-13']), base)).toEqual([]);
    const off = compareResults(vec([{ a: '1' }, '100.0001'], [{ a: '2' }, '1'], [{ a: '3' }, '-Inf'], [{ a: '4' }, '1e-9']), base);
    expect(off).toHaveLength(4);
    expect(off[0]).toMatch(/^\{a="1"\}: value 100\.0001, Prometheus 100 /);
    expect(off[1]).toBe('{a="2"}: value 1, Prometheus NaN');
    // Numbers on our side are read like Prometheus' strings.
    const numeric = vec([{ a: '1' }, '100'], [{ a: '2' }, 'NaN'], [{ a: '3' }, '+Inf'], [{ a: '4' }, '0']);
    numeric.data.result.forEach((s, i) => ((s.value as unknown[])[1] = [100, NaN, Infinity, 0][i]));
    expect(compareResults(numeric, base)).toEqual([]);
  });

  it('reports missing, extra and duplicate series, other timestamps and result types', () => {
    const theirs = vec([{ __name__: 'up', job: 'a' }, '1'], [{ __name__: 'up', job: 'b' }, '1']);
    expect(compareResults(vec([{ __name__: 'up', job: 'b' }, '1'], [{ __name__: 'up', job: 'a' }, '1']), theirs)).toEqual([]); // order-insensitive
    expect(compareResults(vec([{ __name__: 'up', job: 'a' }, '1'], [{ __name__: 'up', job: 'c' }, '1']), theirs)).toEqual([
      'missing series up{job="b"} (Prometheus has it)',
      'extra series up{job="c"} (Prometheus has none)',
    ]);
    expect(compareResults(vec([{ job: 'a' }, '1'], [{ job: 'a' }, '1']), vec([{ job: 'a' }, '1']))).toEqual(['ours: duplicate series {job="a"}']);
    const later = vec([{ __name__: 'up', job: 'a' }, '1'], [{ __name__: 'up', job: 'b' }, '1']);
    later.data.result[1].value[0] = 1767225900.5;
    expect(compareResults(later, theirs)).toEqual(['up{job="b"}: timestamp 1767225900500 ms, Prometheus 1767225900000 ms']);
    expect(compareResults({ status: 'success', data: { resultType: 'scalar', result: [1, '2'] } }, theirs)).toEqual(['resultType "scalar", Prometheus "vector"']);
    expect(compareResults({ status: 'success', data: { resultType: 'scalar', result: [1, '2'] } }, { status: 'success', data: { resultType: 'scalar', result: [1, '2.0000000000001'] } })).toEqual([]);
    expect(compareResults({ status: 'success', data: { resultType: 'string', result: [1, 'x'] } }, { status: 'success', data: { resultType: 'string', result: [1, 'y'] } })).toEqual([
      'string: "x", Prometheus "y"',
    ]);
  });

  it('compares matrices point by point and errors by status and errorType', () => {
    const m = (values: Array<[number, string]>) => ({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { a: '1' }, values }] } });
    expect(compareResults(m([[1, '1'], [2, '2']]), m([[1, '1'], [2, '2']]))).toEqual([]);
    expect(compareResults(m([[1, '1']]), m([[1, '1'], [2, '2']]))).toEqual(['{a="1"}: 1 points, Prometheus 2; only Prometheus at 2000']);
    expect(compareResults(m([[1, '1'], [2, '3']]), m([[1, '1'], [2, '2']]))).toEqual(['{a="1"}[1]: value 3, Prometheus 2 (ours − Prometheus = 1)']);
    const bad = { status: 'error', errorType: 'bad_data', error: 'parse error' };
    expect(compareResults({ ...bad, error: 'another message' }, bad)).toEqual([]);
    expect(compareResults({ ...bad, errorType: 'execution' }, bad)).toEqual(['errorType "execution" (parse error), Prometheus "bad_data" (parse error)']);
    expect(compareResults(m([]), bad)).toEqual(['status "success", Prometheus "error" (bad_data: parse error)']);
  });

  it('with ordered, checks the order of values but not the order within ties', () => {
    const theirs = vec([{ a: '1' }, '3'], [{ a: '2' }, '2'], [{ a: '3' }, '2'], [{ a: '4' }, '1']);
    const tiesSwapped = vec([{ a: '1' }, '3'], [{ a: '3' }, '2'], [{ a: '2' }, '2'], [{ a: '4' }, '1']);
    const reversed = vec([{ a: '4' }, '1'], [{ a: '3' }, '2'], [{ a: '2' }, '2'], [{ a: '1' }, '3']);
    expect(compareResults(tiesSwapped, theirs, { ordered: true })).toEqual([]);
    expect(compareResults(reversed, theirs)).toEqual([]);
    const diffs = compareResults(reversed, theirs, { ordered: true });
    expect(diffs[0]).toBe('order differs at position 0: ours {a="4"} 1; Prometheus {a="1"} 3');
    expect(diffs).toEqual([diffs[0], 'order differs at position 3: ours {a="1"} 3; Prometheus {a="4"} 1']); // 1..2 hold the tied pair
  });
});

// In CI the binaries are required: there the suite runs and fails loudly when they are missing.
describe.skipIf(!hasPrometheus && !process.env.CI)('a real Prometheus holding a simulated run (needs prometheus and promtool on PATH: Debian package prometheus)', () => {
  let sim: Simulation;
  let prom: PrometheusServer | undefined;
  const at = (s: number) => sim.timestamp(s);

  beforeAll(async () => {
    if (!hasPrometheus) throw new Error('CI must run the Prometheus comparison: install prometheus and promtool (apt-get install prometheus) — they are not on PATH');
    const r = loadScenario('scenarios/default.yaml', repoHost);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    sim = new Simulation(r.scenario, { seed: 1, duration: 600 });
    sim.runToEnd();
    prom = await startPrometheus(toOpenMetrics(sim.store));
  }, 30_000);
  afterAll(async () => {
    await prom?.stop();
  });
  const server = () => {
    if (!prom) throw new Error('prometheus did not start');
    return prom;
  };

  it('loads the run: one block from 2026-01-01T00:00:00Z, one `up` series per Traefik replica', async () => {
    expect(at(0)).toBe(START_MS);
    expect(server().blocks).toHaveLength(1);
    expect(server().blocks[0]).toMatchObject({ minTime: START_MS, maxTime: START_MS + 600_000 + 1 });
    const replicas = new Set(sim.store.postings('__name__', 'up').map((id) => sim.store.labels(id).instance));
    expect(replicas).toEqual(new Set(['traefik-0:9100', 'traefik-1:9100']));
    for (const t of [60, 300, 600]) {
      const up = vector(await server().query('up', at(t)));
      expect(up.map((s) => s.metric.instance).sort(), `t=${t}`).toEqual([...replicas].sort());
      for (const s of up) expect(s.value).toEqual([at(t) / 1000, '1']);
    }
  });

  it('count(traefik_service_requests_total) is the number of series our store has within the lookback', async () => {
    for (const t of [30, 300, 599.5]) {
      const expected = instant(sim.store, 'traefik_service_requests_total', at(t)).length;
      expect(expected).toBeGreaterThan(0);
      const got = vector(await server().query('count(traefik_service_requests_total)', at(t)));
      expect(got, `t=${t}`).toEqual([{ metric: {}, value: [at(t) / 1000, String(expected)] }]);
    }
  });

  it('sum of the backend primary request counters at start + 300 s equals the sum of our latest values', async () => {
    const t = at(300);
    const values = instant(sim.store, 'traefik_service_requests_total', t, ['service', BACKEND]);
    expect(values.length).toBeGreaterThan(0);
    const expected = values.reduce((a, b) => a + b, 0);
    expect(expected).toBeGreaterThan(100);
    const got = vector(await server().query(`sum(traefik_service_requests_total{service="${BACKEND}"})`, t));
    expect(got).toHaveLength(1);
    expect(Number(got[0].value[1])).toBe(expected);
  });

  it('query_range over 10 minutes at 15 s returns a point per step where a sample is within the lookback', async () => {
    const start = at(0);
    const end = at(600);
    const step = 15_000;
    const ups = matrix(await server().queryRange('up', start, end, step));
    // traefik-1 is first scraped at 7.5 s, so the step at 0 s finds nothing for it.
    expect(Object.fromEntries(ups.map((s) => [s.metric.instance, s.values.length]))).toEqual({ 'traefik-0:9100': 41, 'traefik-1:9100': 40 });
    const sums = matrix(await server().queryRange(`sum(traefik_service_requests_total{service="${BACKEND}"})`, start, end, step));
    expect(sums).toHaveLength(1);
    const expected: Array<[number, string]> = [];
    for (let t = start; t <= end; t += step) {
      const vs = instant(sim.store, 'traefik_service_requests_total', t, ['service', BACKEND]);
      if (vs.length) expected.push([t / 1000, String(vs.reduce((a, b) => a + b, 0))]);
    }
    expect(expected.length).toBeGreaterThan(35);
    expect(sums[0].values).toEqual(expected);
  });

  it('a syntax error answers status "error" with errorType "bad_data"', async () => {
    const r = await server().query('sum(rate(traefik_service_requests_total[1m])', at(300));
    expect(r).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(r.status === 'error' && r.error).toMatch(/parse error/);
    const range = await server().queryRange('up', at(600), at(0), 15_000);
    expect(range).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });

  it('compareResults sees 1e-6 relative changes in a real answer but not 1e-12 ones', async () => {
    const theirs = await server().queryRange('rate(traefik_service_requests_total[1m])', at(60), at(600), 15_000);
    const series = matrix(theirs);
    expect(series.length).toBeGreaterThan(4);
    const scaled = (f: number) => {
      const r = structuredClone(theirs);
      for (const s of matrix(r).reverse()) for (const p of s.values) p[1] = String(Number(p[1]) * f);
      return r;
    };
    expect(compareResults(structuredClone(theirs), theirs)).toEqual([]);
    expect(compareResults(scaled(1 + 1e-12), theirs)).toEqual([]);
    const nonZero = series.filter((s) => s.values.some((p) => Number(p[1]) !== 0)).length;
    expect(compareResults(scaled(1 + 1e-6), theirs).length).toBeGreaterThanOrEqual(nonZero);
    expect(compareResults(scaled(1 + 1e-6), theirs)[0]).toMatch(/^\{code="\d+", instance="traefik-\d:9100", .*\}\[\d+\]: value \S+, Prometheus \S+ \(ours − Prometheus = /);
  });
});

describe.skipIf(!hasPrometheus && !process.env.CI)('a real Prometheus across promtool block boundaries (needs prometheus and promtool on PATH: Debian package prometheus)', () => {
  it('answers range queries spanning two 2-hour blocks with every sample', async () => {
    if (!hasPrometheus) throw new Error('CI must run the Prometheus comparison: install prometheus and promtool (apt-get install prometheus)');
    // A counter scraped every 15 s from 1h50m to 2h10m after 2026-01-01T00:00:00Z: promtool cuts it at 2h.
    const store = new SeriesStore();
    store.defineFamily('ticks', 'counter', 'Ticks.');
    const id = store.seriesId({ __name__: 'ticks_total', job: 'clock' });
    const from = START_MS + 110 * 60_000;
    for (let k = 0; k <= 80; k++) store.append(id, from + k * 15_000, k);
    const prom = await startPrometheus(toOpenMetrics(store));
    try {
      expect(prom.blocks.map((b) => [b.minTime, b.maxTime, b.numSamples])).toEqual([
        [from, START_MS + 2 * 3600_000 - 15_000 + 1, 40],
        [START_MS + 2 * 3600_000, from + 80 * 15_000 + 1, 41],
      ]);
      const r = await prom.queryRange('ticks_total', from, from + 20 * 60_000, 15_000);
      expect(matrix(r)).toEqual([{ metric: { __name__: 'ticks_total', job: 'clock' }, values: Array.from({ length: 81 }, (_, k) => [(from + k * 15_000) / 1000, String(k)]) }]);
      const rate = await prom.query('increase(ticks_total[10m])', START_MS + 2 * 3600_000 + 5 * 60_000);
      expect(vector(rate)).toEqual([{ metric: { job: 'clock' }, value: [(START_MS + 2 * 3600_000 + 5 * 60_000) / 1000, '40'] }]);
    } finally {
      await prom.stop();
    }
  });
});
