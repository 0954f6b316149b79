import { describe, expect, it } from 'vitest';
import { instantQuery, instantVector } from '../../simulation/promql/engine';
import { compileGoRegexp } from '../../simulation/routing/rule';
import { SeriesStore } from '../../simulation/telemetry/tsdb';

// What a sweep's runs share through module-level caches (docs/performance.md, "A sweep's runs"):
// a cached answer must be the answer computed from scratch.

const vector = (r: ReturnType<typeof instantQuery>) => (r.status === 'success' && r.data.resultType === 'vector' ? r.data.result : r);

describe('PromQL selection cached per selector and store', () => {
  it('gives, after series are added, what a fresh evaluation over the same series gives (order included)', () => {
    const names = ['m', 'k', 'z', 'a', 'q', 'b'];
    const grown = new SeriesStore();
    const query = 'sort_desc(reqs{job="x", pod=~"[a-q]"}) or reqs{job="x", pod=~"[r-z]"}';
    names.forEach((pod, i) => {
      grown.append(grown.seriesId({ __name__: 'reqs', job: 'x', pod }), 0, i);
      grown.seriesId({ __name__: 'other', job: 'x', pod });
      // The same query before and after each series: the cached selection is extended, never recomputed.
      const fresh = new SeriesStore();
      names.slice(0, i + 1).forEach((p, j) => fresh.append(fresh.seriesId({ __name__: 'reqs', job: 'x', pod: p }), 0, j));
      expect(vector(instantQuery(grown, query, 1000))).toEqual(vector(instantQuery(fresh, query, 1000)));
      expect(vector(instantQuery(grown, 'reqs', 1000))).toEqual(vector(instantQuery(fresh, 'reqs', 1000)));
    });
  });

  it('applies a series filter to the cached selection', () => {
    const s = new SeriesStore();
    for (const pod of ['c', 'a', 'b']) s.append(s.seriesId({ __name__: 'reqs', pod }), 0, 1);
    expect(instantVector(s, 'reqs', 1000).ok).toBe(true);
    const r = instantVector(s, 'reqs', 1000, { seriesFilter: (l) => l.pod !== 'a' });
    expect(r.ok && r.samples.map((x) => x.metric.pod)).toEqual(['b', 'c']);
  });

  it('keeps a store label set intact when a function drops its name (histogram_quantile, rate)', () => {
    const s = new SeriesStore();
    for (const le of ['0.1', '1', '+Inf']) s.append(s.seriesId({ __name__: 'lat_bucket', le, pod: 'a' }), 0, 10);
    for (let k = 0; k < 2; k++) {
      expect(vector(instantQuery(s, 'histogram_quantile(0.5, lat_bucket)', 1000))).toEqual([{ metric: { pod: 'a' }, value: [1, '0.05'] }]);
      expect(vector(instantQuery(s, '-lat_bucket{le="1"}', 1000))).toEqual([{ metric: { le: '1', pod: 'a' }, value: [1, '-10'] }]);
    }
    expect(s.labels(0)).toEqual({ __name__: 'lat_bucket', le: '0.1', pod: 'a' });
  });
});

describe('the store with frozen label sets shared between stores', () => {
  it('stores them in canonical form in every store, and still rejects invalid ones every time', () => {
    const shared = Object.freeze({ pod: 'a', __name__: 'reqs', empty: '' });
    for (let k = 0; k < 2; k++) {
      const s = new SeriesStore();
      s.seriesId({ __name__: 'up' });
      expect(s.seriesId(shared)).toBe(1);
      expect(Object.keys(s.labels(1))).toEqual(['__name__', 'pod']);
      expect(s.findSeries({ __name__: 'reqs', pod: 'a' })).toBe(1);
    }
    const invalid = Object.freeze({ __name__: 'reqs', 'bad-name': 'x' });
    for (let k = 0; k < 2; k++) expect(() => new SeriesStore().seriesId(invalid)).toThrow(RangeError);
  });
});

describe('compiled Go regexps', () => {
  it('answers a repeated pattern with the same result, errors included', () => {
    const a = compileGoRegexp('shop-[a-z]+');
    expect(compileGoRegexp('shop-[a-z]+')).toBe(a);
    expect(a.ok && a.regexp.test('shop-checkout') && a.regexp.test('shop-checkout')).toBe(true);
    const bad = compileGoRegexp('(');
    expect(bad.ok).toBe(false);
    expect(compileGoRegexp('(')).toEqual(bad);
  });
});
