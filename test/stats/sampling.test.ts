import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulation/kernel/random';
import { erlangC } from '../../simulation/model/fast';
import { binomial, lgamma, multinomial, poisson } from '../../simulation/stats/sampling';
import { normalCdf } from '../../simulation/stats/normal';
import { RateProfile } from '../../simulation/traffic/profile';

/** Pearson chi-square of observed counts against a pmf, pooling cells with expectation < 5. Returns [statistic, degrees of freedom]. */
function chiSquare(observed: Map<number, number>, pmf: (k: number) => number, n: number, support: [number, number]): [number, number] {
  let stat = 0;
  let df = -1;
  let pooledO = 0;
  let pooledE = 0;
  for (let k = support[0]; k <= support[1]; k++) {
    pooledO += observed.get(k) ?? 0;
    pooledE += n * pmf(k);
    if (pooledE >= 5) {
      stat += (pooledO - pooledE) ** 2 / pooledE;
      df++;
      pooledO = 0;
      pooledE = 0;
    }
  }
  if (pooledE > 0) stat += (pooledO - pooledE) ** 2 / Math.max(pooledE, 1e-9);
  return [stat, df];
}

/** Chi-square critical value at p = 0.0001 (Wilson–Hilferty). */
const critical = (df: number) => df * (1 - 2 / (9 * df) + 3.719 * Math.sqrt(2 / (9 * df))) ** 3;

const tally = (draw: () => number, n: number) => {
  const m = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = draw();
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
};

describe('count samplers', () => {
  it('lgamma matches factorials', () => {
    let f = 0;
    for (let n = 1; n < 60; n++) {
      expect(lgamma(n + 1)).toBeCloseTo((f += Math.log(n)), 9);
    }
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it.each([0.3, 4, 9.9, 10, 37.5, 1200])('Poisson(%d) follows its pmf (chi-square, 200 000 draws)', (mean) => {
    const rng = new Rng(`poisson/${mean}`);
    const n = 200_000;
    const obs = tally(() => poisson(rng, mean), n);
    const pmf = (k: number) => Math.exp(k * Math.log(mean) - mean - lgamma(k + 1));
    const [stat, df] = chiSquare(obs, pmf, n, [0, Math.ceil(mean + 12 * Math.sqrt(mean) + 10)]);
    expect(stat).toBeLessThan(critical(df));
  });

  it.each([
    [10, 0.3],
    [40, 0.1],
    [1000, 0.02],
    [500, 0.5],
    [60, 0.93],
    [100_000, 0.37],
  ])('Binomial(%d, %d) follows its pmf (chi-square, 200 000 draws)', (trials, p) => {
    const rng = new Rng(`binomial/${trials}/${p}`);
    const n = 200_000;
    const obs = tally(() => binomial(rng, trials, p), n);
    const pmf = (k: number) => (k < 0 || k > trials ? 0 : Math.exp(lgamma(trials + 1) - lgamma(k + 1) - lgamma(trials - k + 1) + k * Math.log(p) + (trials - k) * Math.log1p(-p)));
    const sd = Math.sqrt(trials * p * (1 - p));
    const [stat, df] = chiSquare(obs, pmf, n, [Math.max(0, Math.floor(trials * p - 12 * sd - 10)), Math.min(trials, Math.ceil(trials * p + 12 * sd + 10))]);
    expect(stat).toBeLessThan(critical(df));
  });

  it('a multinomial split keeps the total and the expected shares', () => {
    const rng = new Rng('multi');
    const out = new Float64Array(4);
    const sums = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      multinomial(rng, 1000, [0.5, 0.2, 0.05], out);
      expect(out.reduce((a, b) => a + b, 0)).toBe(1000);
      out.forEach((v, j) => (sums[j] += v));
    }
    [0.5, 0.2, 0.05, 0.25].forEach((p, j) => expect(sums[j] / 2_000_000).toBeCloseTo(p, 2));
  });

  it('normalCdf is accurate to 1e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-2.326347874040841)).toBeCloseTo(0.01, 7);
  });
});

describe('queueing and profile integrals', () => {
  it('Erlang C: textbook values', () => {
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12); // M/M/1: P(wait) = ρ
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(10, 8)).toBeCloseTo(0.409, 3);
    expect(erlangC(4, 4)).toBe(1);
  });

  it('expected counts are exact integrals of the rate', () => {
    const ramp = new RateProfile({ base: { profile: 'ramp', from: 10, to: 30, start: 10, duration: 20 }, bursts: [{ at: 0, duration: 5, multiplier: 2 }] });
    // [0,5): 2×10; [5,10): 10; [10,30): mean 20 over 20 s; [30,40): 30.
    expect(ramp.expectedCount(0, 40)).toBeCloseTo(100 + 50 + 400 + 300, 9);
    const diurnal = new RateProfile({ base: { profile: 'diurnal', mean: 10, amplitude: 0.5, period: 100, peakAt: 0 }, bursts: [] });
    expect(diurnal.expectedCount(0, 100)).toBeCloseTo(1000, 9); // whole periods: the mean
    expect(diurnal.expectedCount(0, 25)).toBeCloseTo(250 + (0.5 * 10 * 100) / (2 * Math.PI), 9);
    const step = new RateProfile({ base: { profile: 'step', rate: 5, steps: [{ at: 3, rate: 0 }, { at: 7, rate: 2 }] }, bursts: [] });
    expect(step.expectedCount(1, 9)).toBeCloseTo(10 + 0 + 4, 12);
  });
});
