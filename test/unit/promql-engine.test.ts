import { describe, expect, it } from 'vitest';
import { instantQuery, rangeQuery } from '../../simulation/promql/engine';
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
