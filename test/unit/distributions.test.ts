import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulation/kernel/random';
import { Sampler } from '../../simulation/model/distributions';
import { acklamQuantile, normalCdf, normalQuantile } from '../../simulation/stats/normal';
import { LogHistogram } from '../../simulation/stats/histogram';

function sampleQuantiles(s: Sampler, n: number, qs: number[]): number[] {
  const rng = new Rng(`dist/${s.spec.distribution}`);
  const xs = Float64Array.from({ length: n }, () => s.sample(rng)).sort();
  return qs.map((q) => xs[Math.floor(q * (n - 1))]);
}

describe('service-time distributions', () => {
  it('fits a lognormal to the stated p50 and p99', () => {
    const s = new Sampler({ distribution: 'lognormal', p50: 0.02, p99: 0.2 });
    const [p50, p99] = sampleQuantiles(s, 400_000, [0.5, 0.99]);
    expect(p50 / 0.02).toBeCloseTo(1, 1);
    expect(Math.abs(p99 / 0.2 - 1)).toBeLessThan(0.03);
    expect(s.quantile(0.5)).toBeCloseTo(0.02, 9);
    expect(s.quantile(0.99)).toBeCloseTo(0.2, 6);
  });

  it('samples exponential and fixed service times', () => {
    const e = new Sampler({ distribution: 'exponential', mean: 0.05 });
    const rng = new Rng('exp');
    let sum = 0;
    for (let i = 0; i < 200_000; i++) sum += e.sample(rng);
    expect(sum / 200_000 / 0.05).toBeCloseTo(1, 1);
    expect(e.mean()).toBe(0.05);
    const f = new Sampler({ distribution: 'fixed', value: 0.1 });
    expect(f.sample(rng)).toBe(0.1);
  });

  it('interpolates an empirical distribution between its quantile points', () => {
    const s = new Sampler({
      distribution: 'empirical',
      quantiles: [
        { q: 0, value: 0.01 },
        { q: 0.5, value: 0.02 },
        { q: 0.9, value: 0.1 },
        { q: 1, value: 1 },
      ],
    });
    expect(s.quantile(0)).toBe(0.01);
    expect(s.quantile(0.25)).toBeCloseTo(0.015, 12);
    expect(s.quantile(0.7)).toBeCloseTo(0.06, 12);
    expect(s.quantile(0.95)).toBeCloseTo(0.55, 12);
    const [p50, p90] = sampleQuantiles(s, 200_000, [0.5, 0.9]);
    expect(Math.abs(p50 / 0.02 - 1)).toBeLessThan(0.02);
    expect(Math.abs(p90 / 0.1 - 1)).toBeLessThan(0.03);
  });

  it('has an accurate normal quantile', () => {
    // Acklam's approximation (the latency model's), and the refined quantile (Kayenta's) to near machine precision.
    expect(acklamQuantile(0.5)).toBeCloseTo(0, 9);
    expect(acklamQuantile(0.99)).toBeCloseTo(2.3263478740408408, 8);
    expect(acklamQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(acklamQuantile(0)).toBe(-Infinity);
    expect(acklamQuantile(1)).toBe(Infinity);
    for (const p of [1e-12, 0.001, 0.02425, 0.3, 0.5, 0.975, 0.999999]) expect(Math.abs(normalCdf(normalQuantile(p)) - p) / Math.min(p, 1 - p)).toBeLessThan(1e-13);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
  });
});

describe('LogHistogram', () => {
  it('reports quantiles within 1% of the exact sample quantiles', () => {
    const rng = new Rng('hist');
    const h = new LogHistogram();
    const xs: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = Math.exp(-4 + 1.2 * rng.normal());
      xs.push(x);
      h.record(x);
    }
    xs.sort((a, b) => a - b);
    for (const q of [0.01, 0.5, 0.9, 0.99, 0.999]) {
      const exact = xs[Math.ceil(q * xs.length) - 1];
      expect(Math.abs(h.quantile(q) / exact - 1)).toBeLessThan(0.01);
    }
    expect(h.count).toBe(100_000);
    expect(h.max).toBe(xs[xs.length - 1]);
  });

  it('handles empty, tiny and huge values', () => {
    const h = new LogHistogram();
    expect(Number.isNaN(h.quantile(0.5))).toBe(true);
    h.record(0);
    h.record(1e-9);
    h.record(1e6);
    expect(h.quantile(0)).toBe(0);
    expect(h.quantile(1)).toBe(1e6);
    expect(h.count).toBe(3);
  });
});
