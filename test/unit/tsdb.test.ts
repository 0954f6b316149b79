import { describe, expect, it } from 'vitest';
import { isStaleMarker, SeriesStore, STALE_NAN } from '../../simulation/telemetry/tsdb';

/** The float64 bit pattern of v, in hex (stored element-wise: an array literal would quiet a signalling NaN). */
const bitsOf = (v: number): string => {
  const f = new Float64Array(1);
  f[0] = v;
  return new DataView(f.buffer).getBigUint64(0, true).toString(16);
};

describe('SeriesStore: series identity and names', () => {
  it('get-or-create gives one id per label set, whatever the property order', () => {
    const s = new SeriesStore();
    const a = s.seriesId({ __name__: 'http_requests_total', code: '200', method: 'GET' });
    const b = s.seriesId({ method: 'GET', code: '200', __name__: 'http_requests_total' });
    const c = s.seriesId({ __name__: 'http_requests_total', code: '500', method: 'GET' });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(s.seriesCount).toBe(2);
    expect(Object.keys(s.labels(a))).toEqual(['__name__', 'code', 'method']);
    expect(s.labels(c)).toEqual({ __name__: 'http_requests_total', code: '500', method: 'GET' });
    expect(s.findSeries({ code: '500', method: 'GET', __name__: 'http_requests_total' })).toBe(c);
    expect(s.findSeries({ __name__: 'nope' })).toBe(-1);
    expect(s.seriesCount).toBe(2);
  });

  it('drops empty label values, as Prometheus treats them as absent', () => {
    const s = new SeriesStore();
    expect(s.seriesId({ __name__: 'up', job: '' })).toBe(s.seriesId({ __name__: 'up' }));
    expect(s.labels(0)).toEqual({ __name__: 'up' });
  });

  it.each([
    [{ code: '200' }, /metric name/],
    [{ __name__: '' }, /metric name/],
    [{ __name__: '1abc' }, /invalid metric name/],
    [{ __name__: 'http-requests' }, /invalid metric name/],
    [{ __name__: 'ok', 'bad-label': 'x' }, /invalid label name/],
    [{ __name__: 'ok', 'a:b': 'x' }, /invalid label name/],
    [{ __name__: 'ok', '0a': 'x' }, /invalid label name/],
    [{ __name__: 'ok', __meta: 'x' }, /reserved/],
    [{ __name__: 'ok', a: 'lone \uD800 surrogate' }, /UTF-8/],
  ])('rejects %j with a RangeError', (labels, message) => {
    const s = new SeriesStore();
    expect(() => s.seriesId(labels)).toThrow(RangeError);
    expect(() => s.seriesId(labels)).toThrow(message);
    expect(s.seriesCount).toBe(0);
  });

  it('accepts colons in metric names and any UTF-8 in label values', () => {
    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'job:rate5m:sum', path: '/ä"\\\n😀' });
    expect(s.labels(id).path).toBe('/ä"\\\n😀');
  });

  it('validates family declarations', () => {
    const s = new SeriesStore();
    s.defineFamily('http_requests', 'counter', 'Requests.');
    expect(() => s.defineFamily('http_requests_total', 'counter', '')).toThrow(RangeError);
    expect(() => s.defineFamily('latency_seconds_bucket', 'histogram', '')).toThrow(RangeError);
    expect(() => s.defineFamily('bad name', 'gauge', '')).toThrow(RangeError);
    expect(() => s.defineFamily('http_requests', 'gauge', '')).toThrow(/already declared/);
    s.defineFamily('http_requests', 'counter', 'Requests, again.');
    expect(s.family('http_requests')).toEqual({ name: 'http_requests', type: 'counter', help: 'Requests, again.' });
  });
});

describe('SeriesStore: appending', () => {
  it('keeps samples in order and rejects out-of-order timestamps', () => {
    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'g' });
    s.append(id, 1000, 1);
    s.append(id, 2000, 2);
    expect(() => s.append(id, 1999, 3)).toThrow(RangeError);
    expect(() => s.append(id, 1999, 3)).toThrow(/out of order/);
    s.append(id, 2500, 3);
    const { t, v, n } = s.samples(id);
    expect(n).toBe(3);
    expect([...t.subarray(0, n)]).toEqual([1000, 2000, 2500]);
    expect([...v.subarray(0, n)]).toEqual([1, 2, 3]);
    expect(s.sampleCount).toBe(3);
  });

  it('ignores an exact duplicate at the last timestamp and rejects a different value there (as Prometheus does)', () => {
    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'g' });
    s.append(id, 1000, 1.5);
    s.append(id, 1000, 1.5);
    expect(s.samples(id).n).toBe(1);
    expect(() => s.append(id, 1000, 2)).toThrow(/duplicate sample/);
    expect(() => s.appendStale(id, 1000)).toThrow(/duplicate sample/);
    s.append(id, 2000, NaN);
    s.append(id, 2000, NaN); // the same NaN bits: a duplicate
    expect(() => s.appendStale(id, 2000)).toThrow(/duplicate sample/);
    s.appendStale(id, 3000);
    s.appendStale(id, 3000);
    expect(s.samples(id).n).toBe(3);
  });

  it('rejects non-integer timestamps and unknown ids', () => {
    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'g' });
    expect(() => s.append(id, 1.5, 1)).toThrow(RangeError);
    expect(() => s.append(id, NaN, 1)).toThrow(RangeError);
    expect(() => s.append(id, Infinity, 1)).toThrow(RangeError);
    expect(() => s.append(7, 1, 1)).toThrow(/unknown series/);
    expect(() => s.append(-1, 1, 1)).toThrow(/unknown series/);
    expect(s.sampleCount).toBe(0);
  });

  it('round-trips the staleness marker bit-exactly; an ordinary NaN is not one', () => {
    expect(bitsOf(STALE_NAN)).toBe('7ff0000000000002');
    expect(Number.isNaN(STALE_NAN)).toBe(true);
    expect(isStaleMarker(STALE_NAN)).toBe(true);
    expect(isStaleMarker(NaN)).toBe(false);
    expect(isStaleMarker(0 / 0)).toBe(false);
    expect(isStaleMarker(0)).toBe(false);
    expect(isStaleMarker(Infinity)).toBe(false);
    // V8 quiets the signalling NaN in plain arrays (0x7ff8000000000002): still the marker.
    const quieted = [STALE_NAN][0];
    expect(bitsOf(quieted)).toBe('7ff8000000000002');
    expect(isStaleMarker(quieted)).toBe(true);

    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'g' });
    s.append(id, 1, 5);
    s.appendStale(id, 2);
    s.append(id, 3, NaN);
    s.append(id, 4, [STALE_NAN][0]); // append() recognises the (quieted) marker and stores the exact bits
    const { v } = s.samples(id);
    expect([0, 1, 2, 3].map((i) => s.isStale(id, i))).toEqual([false, true, false, true]);
    expect(isStaleMarker(v[1])).toBe(true);
    expect(isStaleMarker(v[2])).toBe(false);
    expect(bitsOf(v[1])).toBe('7ff0000000000002');
    expect(bitsOf(v[3])).toBe('7ff0000000000002');
    // Markers survive column growth.
    for (let t = 5; t < 200; t++) s.append(id, t, t);
    expect(s.isStale(id, 1) && s.isStale(id, 3) && isStaleMarker(s.samples(id).v[1])).toBe(true);
  });

  it('growth keeps earlier data, and views taken before are stale copies', () => {
    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'g' });
    s.append(id, 0, 0);
    const before = s.samples(id);
    for (let i = 1; i < 20_000; i++) s.append(id, i * 15_000, i * 0.5);
    const { t, v, n } = s.samples(id);
    expect(n).toBe(20_000);
    expect(t.length).toBeGreaterThanOrEqual(n);
    for (let i = 0; i < n; i++) {
      if (t[i] !== i * 15_000 || v[i] !== i * 0.5) throw new Error(`sample ${i} lost: ${t[i]} ${v[i]}`);
    }
    expect(before.t[0]).toBe(0);
    expect(before.n).toBe(1);
  });
});

describe('SeriesStore: reading', () => {
  it('lowerBound finds the first sample at or after a time', () => {
    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'g' });
    expect(s.lowerBound(id, 0)).toBe(0);
    for (const t of [10, 20, 20_000, 30_000, 45_000]) s.append(id, t, 1);
    expect([-5, 10, 11, 20, 21, 19_999, 20_000, 44_999, 45_000, 45_001].map((t) => s.lowerBound(id, t))).toEqual([0, 0, 1, 1, 2, 2, 2, 4, 4, 5]);
  });

  it('postings list series by label value; labelValues lists the values', () => {
    const s = new SeriesStore();
    const a = s.seriesId({ __name__: 'req_total', code: '200', svc: 'api' });
    const b = s.seriesId({ __name__: 'req_total', code: '500', svc: 'api' });
    const c = s.seriesId({ __name__: 'up', svc: 'db' });
    const d = s.seriesId({ __name__: 'req_total', code: '200', svc: 'db' });
    expect(s.postings('__name__', 'req_total')).toEqual([a, b, d]);
    expect(s.postings('__name__', 'up')).toEqual([c]);
    expect(s.postings('code', '200')).toEqual([a, d]);
    expect(s.postings('svc', 'db')).toEqual([c, d]);
    expect(s.postings('svc', 'nope')).toEqual([]);
    expect(s.postings('nope', 'x')).toEqual([]);
    expect(s.labelValues('svc')).toEqual(['api', 'db']);
    expect(s.labelValues('__name__')).toEqual(['req_total', 'up']);
    expect(s.labelValues('nope')).toEqual([]);
    expect(s.labelNames()).toEqual(['__name__', 'code', 'svc']);
    s.seriesId({ __name__: 'req_total', code: '200', svc: 'api' });
    expect(s.postings('code', '200')).toEqual([a, d]);
  });

  it('holds ≤ 20 bytes per sample for 1e6 appends across 100 series (measured)', () => {
    const s = new SeriesStore();
    const ids = Array.from({ length: 100 }, (_, i) => s.seriesId({ __name__: 'latency_seconds_bucket', le: String(i), svc: 'api' }));
    for (let k = 0; k < 10_000; k++) {
      const t = k * 15_000;
      for (let j = 0; j < ids.length; j++) s.append(ids[j], t, k + j);
    }
    expect(s.sampleCount).toBe(1_000_000);
    const perSample = s.bytes() / s.sampleCount;
    console.log(`tsdb: ${s.bytes()} B for ${s.sampleCount} samples = ${perSample.toFixed(2)} B/sample`);
    expect(perSample).toBeGreaterThanOrEqual(16);
    expect(perSample).toBeLessThanOrEqual(20);
  });
});
