import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../simulation/kernel/random';
import { importFiles } from '../../simulation/replay/import';
import { planResampling, resampleRecording } from '../../simulation/replay/resample';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { RECORDINGS } from '../support/recordings';
import { repoRoot } from '../support/scenario';

/**
 * The parametric bootstrap of a recording (simulation/replay/resample.ts):
 * counters stay counters (non-decreasing but where the recording reset),
 * histograms stay histograms (buckets cumulative in `le`, `_count` the
 * `+Inf` bucket), nothing else changes, the same stream gives the same
 * bytes, and on average the drawn recording is the recorded one.
 */

const rng = (seed: number) => new RandomStreams(seed).stream('test-resample');
const le = (id: number, s: SeriesStore) => {
  const v = s.labels(id).le;
  return v === '+Inf' ? Infinity : Number(v);
};

/** A recording built by hand: counters (with resets), a histogram with _count and _sum, a summary, a gauge, a counter of seconds. */
interface Hand {
  store: SeriesStore;
  counter: number;
  buckets: number[];
  count: number;
  sum: number;
  gauge: number;
  seconds: number;
  summaryCount: number;
  summarySum: number;
}

/** Per step: the counter's increase (or, at a reset, its new value), and the observations per bucket (non-cumulative, last +Inf). */
interface Steps {
  counter: Array<{ inc: number; reset: boolean }>;
  observations: number[][];
}

function handStore(steps: Steps, typed: boolean): Hand {
  const s = new SeriesStore();
  if (typed) {
    s.defineFamily('requests', 'counter', '');
    s.defineFamily('duration_seconds', 'histogram', '');
    s.defineFamily('queue', 'gauge', '');
    s.defineFamily('cpu_seconds', 'counter', '');
    s.defineFamily('rpc_seconds', 'summary', '');
  }
  const base = { job: 'j', instance: 'i:1' };
  const counter = s.seriesId({ __name__: 'requests_total', code: '200', ...base });
  const bounds = ['0.1', '0.5', '+Inf'];
  const buckets = bounds.map((b) => s.seriesId({ __name__: 'duration_seconds_bucket', le: b, ...base }));
  const count = s.seriesId({ __name__: 'duration_seconds_count', ...base });
  const sum = s.seriesId({ __name__: 'duration_seconds_sum', ...base });
  const gauge = s.seriesId({ __name__: 'queue', ...base });
  const seconds = s.seriesId({ __name__: 'cpu_seconds_total', ...base });
  const summaryCount = s.seriesId({ __name__: 'rpc_seconds_count', ...base });
  const summarySum = s.seriesId({ __name__: 'rpc_seconds_sum', ...base });
  const cum = [5, 9, 10];
  let c = 100;
  let sm = 3.5;
  for (let i = 0; i <= steps.counter.length; i++) {
    const t = 1_000_000 + i * 15_000;
    if (i > 0) {
      const st = steps.counter[i - 1];
      c = st.reset ? st.inc : c + st.inc;
      let run = 0;
      steps.observations[i - 1].forEach((o, j) => {
        run += o;
        cum[j] += run;
      });
      sm += run * 0.2;
    }
    s.append(counter, t, c);
    buckets.forEach((id, j) => s.append(id, t, cum[j]));
    s.append(count, t, cum[2]);
    s.append(sum, t, sm);
    s.append(gauge, t, (i * 7) % 5);
    s.append(seconds, t, 0.25 * i);
    s.append(summaryCount, t, 3 * i);
    s.append(summarySum, t, 0.6 * i);
  }
  return { store: s, counter, buckets, count, sum, gauge, seconds, summaryCount, summarySum };
}

const stepsArb: fc.Arbitrary<Steps> = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    counter: fc.array(fc.record({ inc: fc.integer({ min: 0, max: 400 }), reset: fc.constant(false) }), { minLength: n, maxLength: n }),
    observations: fc.array(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 3, maxLength: 3 }), { minLength: n, maxLength: n }),
  }),
);

describe('resampling a recording (property)', () => {
  it('keeps counters counting and histograms cumulative, changes nothing else, and gives the same bytes for the same stream', () => {
    fc.assert(
      fc.property(stepsArb, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (steps, resets, typed, seed) => {
        // Resets where asked (the counter starts again from its increase).
        steps.counter.forEach((c, i) => (c.reset = resets[i] && c.inc < 100));
        const h = handStore(steps, typed);
        const plan = planResampling(h.store);
        const out = resampleRecording(h.store, plan, rng(seed));
        expect(toOpenMetrics(resampleRecording(h.store, plan, rng(seed)))).toBe(toOpenMetrics(out));
        expect(out.seriesCount).toBe(h.store.seriesCount);
        for (let id = 0; id < out.seriesCount; id++) {
          expect(out.labels(id)).toEqual(h.store.labels(id));
          const a = h.store.samples(id);
          const b = out.samples(id);
          expect([...b.t.subarray(0, b.n)]).toEqual([...a.t.subarray(0, a.n)]);
          // The first sample holds what was counted before the recording: kept.
          expect(b.v[0]).toBe(a.v[0]);
        }
        const n = h.store.count(h.counter);
        const v = (id: number) => out.samples(id).v;
        for (let i = 1; i < n; i++) {
          // The counter: whole-number increases, never down but where the recording reset (from zero then).
          const base = steps.counter[i - 1].reset ? 0 : v(h.counter)[i - 1];
          expect(Number.isInteger(v(h.counter)[i])).toBe(true);
          expect(v(h.counter)[i]).toBeGreaterThanOrEqual(base);
          // The histogram: every bucket never down, cumulative in le, _count its +Inf bucket, _sum never down.
          for (let j = 0; j < h.buckets.length; j++) {
            expect(v(h.buckets[j])[i]).toBeGreaterThanOrEqual(v(h.buckets[j])[i - 1]);
            if (j > 0) {
              expect(le(h.buckets[j], out)).toBeGreaterThan(le(h.buckets[j - 1], out));
              expect(v(h.buckets[j])[i]).toBeGreaterThanOrEqual(v(h.buckets[j - 1])[i]);
            }
          }
          expect(v(h.count)[i]).toBe(v(h.buckets[2])[i]);
          expect(v(h.sum)[i]).toBeGreaterThanOrEqual(v(h.sum)[i - 1]);
          // The summary's count is a counter too; its sum follows it.
          expect(v(h.summaryCount)[i]).toBeGreaterThanOrEqual(v(h.summaryCount)[i - 1]);
          expect(v(h.summarySum)[i]).toBeGreaterThanOrEqual(v(h.summarySum)[i - 1]);
        }
        // Gauges and counters of seconds are not counts of events: as recorded.
        for (const id of [h.gauge, h.seconds]) expect([...v(id).subarray(0, n)]).toEqual([...h.store.samples(id).v.subarray(0, n)]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('resampling a recording: the plan', () => {
  it('finds the counting series by their declared types, or by their names when undeclared', () => {
    const steps: Steps = { counter: [{ inc: 10, reset: false }], observations: [[1, 2, 3]] };
    for (const typed of [true, false]) {
      const h = handStore(steps, typed);
      const plan = planResampling(h.store);
      expect(plan.counters).toEqual([h.counter]);
      expect(plan.histograms).toEqual([{ buckets: h.buckets, inf: true, count: h.count, sum: h.sum }]);
      expect(plan.sums).toEqual([{ count: h.summaryCount, sum: h.summarySum }]);
      expect(plan.warnings).toEqual(['cpu_seconds_total{instance="i:1",job="j"} is kept as recorded: its values are not all whole numbers (not a count of events)']);
    }
    // A counter family declared as a gauge is a gauge.
    const g = new SeriesStore();
    g.defineFamily('temperature_total', 'gauge', '');
    g.append(g.seriesId({ __name__: 'temperature_total' }), 0, 3);
    expect(planResampling(g).counters).toEqual([]);
  });

  it('keeps a histogram whose buckets were not scraped together as recorded, and says so', () => {
    const s = new SeriesStore();
    const a = s.seriesId({ __name__: 'd_bucket', le: '1' });
    const b = s.seriesId({ __name__: 'd_bucket', le: '+Inf' });
    s.append(a, 0, 1);
    s.append(a, 15_000, 4);
    s.append(b, 0, 2);
    s.append(b, 16_000, 9);
    const plan = planResampling(s);
    expect(plan.histograms).toEqual([]);
    expect(plan.warnings).toEqual([
      'd_bucket{le="1"} is kept as recorded: its buckets (and _count) were not sampled at the same instants, so they cannot be drawn together',
      'd_bucket{le="+Inf"} is kept as recorded: its buckets (and _count) were not sampled at the same instants, so they cannot be drawn together',
    ]);
    const out = resampleRecording(s, plan, rng(1));
    expect(toOpenMetrics(out)).toBe(toOpenMetrics(s));
  });
});

describe('resampling a recording: on average, the recording (statistical)', () => {
  /**
   * K draws of the bundled healthy recording. Each series' increase over the recording (a sum of independent
   * Poisson draws) has the recorded increase λ as its mean and variance: the mean of K draws is within
   * 4.5 · √(λ/K) of λ but with probability 7·10⁻⁶ per series (a normal tail; λ is in the hundreds to thousands
   * here). The same for every bucket's non-cumulative increase. A `_sum` grows by its recorded increase s times
   * drawn/recorded count per step, whose mean is s: within 4.5 standard errors (√(Σ sᵢ²/λᵢ / K)).
   * The seeds are fixed: the test is deterministic; the tolerance says how unlikely a failure of a correct
   * resampler would be.
   */
  const K = 1500;
  const text = readFileSync(resolve(repoRoot, RECORDINGS.healthy.file), 'utf8');
  const store = importFiles([{ file: 'healthy.om', text }]).store;
  const plan = planResampling(store);
  const last = (s: SeriesStore, id: number) => s.samples(id).v[s.count(id) - 1] - s.samples(id).v[0];

  it('draws counters, buckets and sums whose mean increase is the recorded one', () => {
    expect(plan.counters.length).toBeGreaterThan(3);
    expect(plan.histograms.length).toBeGreaterThan(1);
    expect(plan.warnings).toEqual([]);
    const ids = [...plan.counters, ...plan.histograms.flatMap((g) => g.buckets)];
    const totals = new Float64Array(store.seriesCount);
    const streams = new RandomStreams(42);
    for (let k = 0; k < K; k++) {
      const out = resampleRecording(store, plan, streams.stream(`draw-${k}`));
      for (const id of ids) totals[id] += last(out, id);
    }
    let checked = 0;
    for (const id of plan.counters) {
      const lambda = last(store, id);
      const mean = totals[id] / K;
      expect(Math.abs(mean - lambda), `${id}: mean ${mean}, recorded ${lambda}`).toBeLessThanOrEqual(4.5 * Math.sqrt(Math.max(lambda, 1) / K));
      checked++;
    }
    for (const g of plan.histograms) {
      // Non-cumulative: the observations between two bounds.
      for (let j = 0; j < g.buckets.length; j++) {
        const lambda = last(store, g.buckets[j]) - (j > 0 ? last(store, g.buckets[j - 1]) : 0);
        const mean = (totals[g.buckets[j]] - (j > 0 ? totals[g.buckets[j - 1]] : 0)) / K;
        expect(Math.abs(mean - lambda), `bucket ${g.buckets[j]}: mean ${mean}, recorded ${lambda}`).toBeLessThanOrEqual(4.5 * Math.sqrt(Math.max(lambda, 1) / K));
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('scales a histogram\'s _sum with its drawn count, keeping the mean', () => {
    const s = new SeriesStore();
    const inf = s.seriesId({ __name__: 'x_bucket', le: '+Inf' });
    const count = s.seriesId({ __name__: 'x_count' });
    const sum = s.seriesId({ __name__: 'x_sum' });
    const incs = [30, 0, 55, 12];
    let c = 0;
    let sm = 0;
    const sumIncs = incs.map((n) => n * 0.37);
    for (let i = 0; i <= incs.length; i++) {
      if (i > 0) {
        c += incs[i - 1];
        sm += sumIncs[i - 1];
      }
      s.append(inf, i * 15_000, c);
      s.append(count, i * 15_000, c);
      s.append(sum, i * 15_000, sm);
    }
    const p = planResampling(s);
    expect(p.histograms).toEqual([{ buckets: [inf], inf: true, count, sum }]);
    let total = 0;
    const streams = new RandomStreams(7);
    for (let k = 0; k < K; k++) {
      const out = resampleRecording(s, p, streams.stream(`d${k}`));
      const v = out.samples(sum).v;
      total += v[incs.length];
      // Where nothing was counted, nothing is added; the mean observation is kept each step.
      expect(v[2]).toBe(v[1]);
      for (let i = 1; i <= incs.length; i++) {
        const drawn = out.samples(count).v[i] - out.samples(count).v[i - 1];
        if (incs[i - 1] > 0) expect(v[i] - v[i - 1]).toBeCloseTo(drawn * 0.37, 9);
      }
    }
    const recorded = sumIncs.reduce((a, b) => a + b, 0);
    const se = Math.sqrt(incs.reduce((a, n, i) => a + (n > 0 ? sumIncs[i] ** 2 / n : 0), 0) / K);
    expect(Math.abs(total / K - recorded)).toBeLessThanOrEqual(4.5 * se);
  });
});
