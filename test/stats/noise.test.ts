import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulation/kernel/random';
import { Sampler } from '../../simulation/model/distributions';
import { Ar1 } from '../../simulation/model/noise';

/** Kolmogorov–Smirnov statistic of sorted draws against a CDF. */
function ks(sorted: Float64Array, cdf: (x: number) => number): number {
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

describe('latency tail (Pareto mixture)', () => {
  const N = 200_000;
  // KS critical value at α = 0.001: 1.95 / √n.
  const critical = 1.95 / Math.sqrt(N);

  for (const [name, spec] of [
    ['lognormal + 1% Pareto α=2 from its p99', { distribution: 'lognormal', p50: 0.02, p99: 0.1, tail: { probability: 0.01, alpha: 2, scale: 0.1 } }],
    ['lognormal + 0.5% Pareto α=1.5 above the body', { distribution: 'lognormal', p50: 0.05, p99: 0.2, tail: { probability: 0.005, alpha: 1.5, scale: 0.5 } }],
    ['exponential + 2% Pareto α=2.5 inside the body', { distribution: 'exponential', mean: 0.05, tail: { probability: 0.02, alpha: 2.5, scale: 0.03 } }],
  ] as const) {
    it(`${name}: draws match cdf (KS) and quantile() (quantile bounds)`, () => {
      const s = new Sampler(spec);
      const rng = new Rng(`tail/${name}`);
      const xs = new Float64Array(N);
      for (let i = 0; i < N; i++) xs[i] = s.sample(rng);
      xs.sort();
      expect(ks(xs, (x) => s.cdf(x))).toBeLessThan(critical);
      // Each empirical quantile within the binomial 4.5σ band of quantile(): the order statistics around u·n.
      for (const u of [0.5, 0.9, 0.99, 0.995, 0.999]) {
        const band = 4.5 * Math.sqrt((u * (1 - u)) / N);
        expect(xs[Math.floor(u * N)]).toBeGreaterThanOrEqual(s.quantile(Math.max(0, u - band)));
        expect(xs[Math.floor(u * N)]).toBeLessThanOrEqual(s.quantile(Math.min(1, u + band)));
      }
      // The tail's share above its scale (body beyond it is negligible here or accounted for by cdf).
      const above = xs.length - xs.findIndex((x) => x > spec.tail.scale * 3);
      const expected = N * (1 - s.cdf(spec.tail.scale * 3));
      expect(Math.abs(above - expected)).toBeLessThan(4.5 * Math.sqrt(expected) + 1);
    });
  }
});

describe('error drift (AR(1))', () => {
  for (const [sigma, phi] of [
    [0.5, 0.9],
    [0.3, 0.5],
    [1, 0.95],
  ]) {
    it(`σ=${sigma}, φ=${phi}: lag-one autocorrelation ≈ φ, stationary sd ≈ σ, mean factor ≈ 1`, () => {
      const ar = new Ar1(sigma, phi, new Rng(`ar1/${sigma}/${phi}`));
      const n = 200_000;
      const xs = new Float64Array(n);
      let factorSum = 0;
      for (let i = 0; i < n; i++) {
        xs[i] = ar.step();
        factorSum += ar.factor();
      }
      let m = 0;
      for (const x of xs) m += x;
      m /= n;
      let v = 0;
      let c = 0;
      for (let i = 0; i < n; i++) {
        v += (xs[i] - m) ** 2;
        if (i > 0) c += (xs[i] - m) * (xs[i - 1] - m);
      }
      const r1 = c / v;
      const sd = Math.sqrt(v / (n - 1));
      // Effective sample size n(1 − φ)/(1 + φ): bounds at about 5 standard errors.
      const nEff = (n * (1 - phi)) / (1 + phi);
      expect(Math.abs(r1 - phi)).toBeLessThan(5 * Math.sqrt((1 - phi * phi) / n) + 0.002);
      expect(Math.abs(sd / sigma - 1)).toBeLessThan(5 / Math.sqrt(2 * nEff));
      expect(Math.abs(m)).toBeLessThan((5 * sigma) / Math.sqrt(nEff));
      // exp(x − σ²/2) has mean 1; its sd is √(e^σ² − 1).
      expect(Math.abs(factorSum / n - 1)).toBeLessThan((5 * Math.sqrt(Math.exp(sigma * sigma) - 1)) / Math.sqrt(nEff));
    });
  }
});
