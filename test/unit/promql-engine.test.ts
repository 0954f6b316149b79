import { describe, expect, it } from 'vitest';
import { captureGroupNames, instantQuery, rangeQuery } from '../../simulation/promql/engine';
import { SeriesStore } from '../../simulation/telemetry/tsdb';

/** A store with `reqs{pod="a"}` every 15 s from 0 to 120 s, then a staleness marker at 135 s; `reqs{pod="b"}` throughout to 600 s. */
function store(): SeriesStore {
  const s = new SeriesStore();
  const a = s.seriesId({ __name__: 'reqs', pod: 'a' });
  const b = s.seriesId({ __name__: 'reqs', pod: 'b' });
  for (let t = 0; t <= 120_000; t += 15_000) s.append(a, t, t / 1000);
  s.appendStale(a, 135_000);
  for (let t = 0; t <= 600_000; t += 15_000) s.append(b, t, 2 * (t / 1000));
  return s;
}
const values = (r: ReturnType<typeof instantQuery>) => (r.status === 'success' && r.data.resultType === 'vector' ? r.data.result.map((x) => [x.metric.pod ?? '', x.value[1]]) : r);

describe('PromQL evaluation over the store', () => {
  it('honours staleness markers: a vanished series is gone at once, not five minutes later', () => {
    const s = store();
    expect(values(instantQuery(s, 'reqs', 130_000))).toEqual([['a', '120'], ['b', '240']]);
    expect(values(instantQuery(s, 'reqs', 135_000))).toEqual([['b', '270']]);
    // Without markers (as in data backfilled into Prometheus) the last sample counts for the 5-minute lookback.
    expect(values(instantQuery(s, 'reqs', 135_000, { staleness: false }))).toEqual([['a', '120'], ['b', '270']]);
    expect(values(instantQuery(s, 'reqs', 420_000, { staleness: false }))).toEqual([['a', '120'], ['b', '840']]);
    expect(values(instantQuery(s, 'reqs', 420_001, { staleness: false }))).toEqual([['b', '840']]);
  });

  it('range selectors include both ends of [t - range, t] (Prometheus 2.x) and skip markers', () => {
    const s = store();
    expect(values(instantQuery(s, 'count_over_time(reqs[30s])', 60_000))).toEqual([['a', '3'], ['b', '3']]);
    expect(values(instantQuery(s, 'count_over_time(reqs[1m])', 150_000))).toEqual([['a', '3'], ['b', '5']]);
  });

  it('extrapolates rate to the window as Prometheus does', () => {
    // reqs{pod="b"} grows 2/s; samples every 15 s cover the window exactly.
    expect(values(instantQuery(store(), 'rate(reqs{pod="b"}[1m])', 300_000))).toEqual([['b', '2']]);
  });

  it('reports vector-matching errors as Prometheus words them', () => {
    const r = instantQuery(store(), 'reqs + on() reqs', 60_000);
    expect(r).toMatchObject({ status: 'error', errorType: 'execution' });
    expect(r.status === 'error' && r.error).toMatch(/^found duplicate series for the match group \{\} on the right hand-side of the operation: .*many-to-many matching not allowed: matching labels must be unique on one side$/);
  });

  it('evaluates range queries step by step into a matrix sorted by labels', () => {
    const r = rangeQuery(store(), 'reqs', 0, 60_000, 30_000);
    expect(r).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          { metric: { __name__: 'reqs', pod: 'a' }, values: [[0, '0'], [30, '30'], [60, '60']] },
          { metric: { __name__: 'reqs', pod: 'b' }, values: [[0, '0'], [30, '60'], [60, '120']] },
        ],
      },
    });
    expect(rangeQuery(store(), 'reqs[1m]', 0, 60_000, 30_000)).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});

/** `g{case=...}` gauges and `c{case="shared"}` sharing its labels with a gauge, one sample each at 60 s. */
function edgeStore(): SeriesStore {
  const s = new SeriesStore();
  const put = (labels: Record<string, string>, v: number) => s.append(s.seriesId(labels), 60_000, v);
  put({ __name__: 'g', case: 'allnan' }, NaN);
  put({ __name__: 'g', case: 'flat' }, 7);
  put({ __name__: 'g', case: 'nan' }, NaN);
  put({ __name__: 'g', case: 'pinf' }, Infinity);
  put({ __name__: 'g', case: 'shared' }, 1);
  put({ __name__: 'c', case: 'shared' }, 2);
  put({ __name__: 'epoch', at: 'leap' }, 1709251199.5);
  put({ __name__: 'epoch', at: 'nan' }, NaN);
  put({ __name__: 'w', path: 'ünï' }, 1);
  put({ __name__: 'w', path: 'http' }, 2);
  return s;
}
const T = 90_000;
const result = (r: ReturnType<typeof instantQuery>) => (r.status === 'success' && r.data.resultType === 'vector' ? r.data.result.map((x) => [x.metric, x.value[1]]) : r);
const scalarOf = (r: ReturnType<typeof instantQuery>) => (r.status === 'success' && r.data.resultType === 'scalar' ? r.data.result[1] : r);

// Each of these was found by test/promql/differential-edge.test.ts (the expression in the test name or comment).
describe('PromQL evaluation: edge cases found against Prometheus 2.42', () => {
  it('pi() is a scalar', () => {
    expect(scalarOf(instantQuery(edgeStore(), 'pi()', T))).toBe('3.141592653589793');
  });

  it('holt_winters checks its factors only when a series has samples in the window', () => {
    // holt_winters(edge_gauge[5m], 1, 0.5) before and after the data: no error.
    expect(result(instantQuery(edgeStore(), 'holt_winters(g[5m], 1, 0.5)', 10 * 60_000))).toEqual([]);
    expect(instantQuery(edgeStore(), 'holt_winters(g[5m], 1, 0.5)', T)).toMatchObject({ status: 'error', error: 'invalid smoothing factor. Expected: 0 < sf < 1, got: 1' });
  });

  it('count_values sets the value label before grouping, so it can replace a grouping label', () => {
    // count_values by (case) ("case", edge_gauge): groups by the new value of case.
    expect(result(instantQuery(edgeStore(), 'count_values by (case) ("case", g)', T))).toEqual([
      [{ case: 'NaN' }, '2'],
      [{ case: '7' }, '1'],
      [{ case: '+Inf' }, '1'],
      [{ case: '1' }, '1'],
    ]);
    expect(result(instantQuery(edgeStore(), 'count_values without (case) ("case", g)', T))).toEqual([[{}, '5']]);
  });

  it('topk/bottomk keep what Go\'s heap keeps among NaNs, and reject k that overflows int64', () => {
    // topk(2, edge_gauge{case=~"nan|allnan|flat"}): the later NaN replaces the NaN root.
    const names = (r: ReturnType<typeof instantQuery>) => (r.status === 'success' && r.data.resultType === 'vector' ? r.data.result.map((x) => x.metric.case) : r);
    expect(names(instantQuery(edgeStore(), 'topk(2, g{case=~"nan|allnan|flat"})', T))).toEqual(['flat', 'nan']);
    expect(names(instantQuery(edgeStore(), 'bottomk(1, g{case=~"nan|allnan"})', T))).toEqual(['nan']);
    // topk(NaN, edge_gauge), topk(1e20, edge_gauge)
    expect(instantQuery(edgeStore(), 'topk(NaN, g)', T)).toMatchObject({ status: 'error', errorType: 'execution', error: 'Scalar value NaN overflows int64' });
    expect(instantQuery(edgeStore(), 'topk(1e20, g)', T)).toMatchObject({ status: 'error', error: 'Scalar value 1e+20 overflows int64' });
    expect(instantQuery(edgeStore(), 'topk(NaN, nothing)', T)).toMatchObject({ status: 'error' });
  });

  it('dropping the metric name in a binary operation or unary minus may not leave duplicate label sets', () => {
    // {__name__=~"edge_gauge|edge_requests_total", case="shared"} * 2, and the same under -, > bool.
    for (const q of ['{case="shared"} * 2', '-{case="shared"}', '{case="shared"} > bool 0', '2 ^ {case="shared"}']) {
      expect(instantQuery(edgeStore(), q, T), q).toEqual({ status: 'error', errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' });
    }
    // A filtering comparison keeps the names: no collision.
    expect(result(instantQuery(edgeStore(), '{case="shared"} > 0', T))).toHaveLength(2);
  });

  it('atan2 keeps the metric name', () => {
    // edge_gauge atan2 0
    expect(result(instantQuery(edgeStore(), 'g{case="flat"} atan2 0', T))).toEqual([[{ __name__: 'g', case: 'flat' }, '1.5707963267948966']]);
  });

  it('timestamp() gives sample times for a vector selector only, the evaluation time otherwise', () => {
    // timestamp(timestamp(edge_requests_total))
    expect(result(instantQuery(edgeStore(), 'timestamp(g{case="flat"})', T))).toEqual([[{ case: 'flat' }, '60']]);
    expect(result(instantQuery(edgeStore(), 'timestamp((g{case="flat"}))', T))).toEqual([[{ case: 'flat' }, '60']]);
    expect(result(instantQuery(edgeStore(), 'timestamp(timestamp(g{case="flat"}))', T))).toEqual([[{ case: 'flat' }, '90']]);
    expect(result(instantQuery(edgeStore(), 'timestamp(-g{case="flat"})', T))).toEqual([[{ case: 'flat' }, '90']]);
  });

  it('a leading (?i) in a matcher covers the whole anchored pattern', () => {
    // edge_weird{path=~"(?i)ÜNÏ"}
    expect(result(instantQuery(edgeStore(), 'w{path=~"(?i)ÜNÏ"}', T))).toEqual([[{ __name__: 'w', path: 'ünï' }, '1']]);
    expect(result(instantQuery(edgeStore(), 'w{path=~"(?i)H|ü"}', T))).toEqual([]);
    expect(result(instantQuery(edgeStore(), 'w{path=~"(?i)HTTP|x"}', T))).toEqual([[{ __name__: 'w', path: 'http' }, '2']]);
  });

  it('label_replace expands named groups (?P<name>…) as $name and ${name}', () => {
    // label_replace(…, "dst", "$first", "protocol", "(?P<first>.).*") from the generated differential test.
    // No match (the pattern is anchored): the series is left as is.
    expect(result(instantQuery(edgeStore(), 'label_replace(w{path="http"}, "dst", "$first-${first}x-$2", "path", "(?P<first>.)(t*)")', T))).toEqual([[{ __name__: 'w', path: 'http' }, '2']]);
    expect(result(instantQuery(edgeStore(), 'label_replace(w{path="http"}, "dst", "$first-${first}x-$2", "path", "(?P<first>.)(t*).*")', T))).toEqual([
      [{ __name__: 'w', path: 'http', dst: 'h-hx-tt' }, '2'],
    ]);
    expect(captureGroupNames('(a)(?:b)(?P<n>c)[(](?i)(?P<m>d)\\((e)[[:alpha:](]')).toEqual(['', '', 'n', 'm', '']);
  });

  it('date functions: UTC fields of the evaluation time or of sample values, name dropped', () => {
    const at = Date.UTC(2024, 1, 29, 23, 59, 30); // leap day
    const fields = ['year', 'month', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute'];
    expect(fields.map((f) => result(instantQuery(edgeStore(), `${f}()`, at)))).toEqual([2024, 2, 29, 4, 60, 29, 23, 59].map((v) => [[{}, String(v)]]));
    expect(result(instantQuery(edgeStore(), 'day_of_year(epoch)', T))).toEqual([
      [{ at: 'leap' }, '60'],
      [{ at: 'nan' }, '339'], // int64(NaN) is MinInt64 on amd64: 4 Dec 292277026596
    ]);
    expect(result(instantQuery(edgeStore(), 'year(epoch{at="nan"})', T))).toEqual([[{ at: 'nan' }, '292277026596']]);
    expect(result(instantQuery(edgeStore(), 'minute(vector(-1))', T))).toEqual([[{}, '59']]);
  });

  it('native-histogram functions ignore float samples: always an empty vector here', () => {
    for (const q of ['histogram_count(g)', 'histogram_sum(g)', 'histogram_fraction(0, 1, g)']) expect(result(instantQuery(edgeStore(), q, T)), q).toEqual([]);
    expect(instantQuery(edgeStore(), 'histogram_stddev(g)', T)).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});

describe('query caches', () => {
  it('reuses a parsed query across stores and times without mixing up their series', () => {
    const q = 'sum by (pod) (rate(reqs[1m]))';
    const s1 = store();
    const s2 = new SeriesStore();
    const c = s2.seriesId({ __name__: 'reqs', pod: 'c' });
    for (let t = 0; t <= 600_000; t += 15_000) s2.append(c, t, 5 * (t / 1000));
    expect(values(instantQuery(s1, q, 300_000))).toEqual([['b', '2']]);
    expect(values(instantQuery(s2, q, 300_000))).toEqual([['c', '5']]);
    expect(values(instantQuery(s1, q, 60_000))).toEqual([['a', '1'], ['b', '2']]);
  });

  it('sees a series that appears after the query was first answered', () => {
    const s = store();
    expect(values(instantQuery(s, 'reqs{pod=~"[a-z]"}', 600_000))).toEqual([['b', '1200']]);
    const d = s.seriesId({ __name__: 'reqs', pod: 'd' });
    s.append(d, 600_000, 7);
    expect(values(instantQuery(s, 'reqs{pod=~"[a-z]"}', 600_000))).toEqual([['b', '1200'], ['d', '7']]);
  });

  it('hands out results the caller may change without touching the store', () => {
    const s = store();
    const r = instantQuery(s, 'reqs', 60_000);
    if (r.status !== 'success' || r.data.resultType !== 'vector') throw new Error('expected a vector');
    r.data.result[0].metric.pod = 'changed';
    expect(values(instantQuery(s, 'reqs', 60_000))).toEqual([['a', '60'], ['b', '120']]);
    expect(s.labels(0).pod).toBe('a');
  });
});
