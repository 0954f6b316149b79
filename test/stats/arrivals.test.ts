import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulation/kernel/random';
import { ArrivalProcess, type OverdispersionSpec } from '../../simulation/traffic/arrivals';
import { type BaseProfileSpec, type BurstSpec, RateProfile } from '../../simulation/traffic/profile';

/** Counts arrivals in consecutive bins of width `bin` over [0, horizon). */
function binCounts(base: BaseProfileSpec, horizon: number, bin: number, seed: string, bursts: BurstSpec[] = [], od: OverdispersionSpec | null = null): { counts: number[]; profile: RateProfile } {
  const profile = new RateProfile({ base, bursts });
  const p = new ArrivalProcess(profile, new Rng(`${seed}/arrivals`), od, od ? new Rng(`${seed}/od`) : null);
  const counts = new Array(Math.ceil(horizon / bin)).fill(0);
  for (let t = p.next(); t < horizon; t = p.next()) counts[Math.floor(t / bin)]++;
  return { counts, profile };
}

/** Every bin's count within z standard deviations of its Poisson expectation. */
function expectShape(counts: number[], profile: RateProfile, bin: number, z = 4.5) {
  counts.forEach((c, i) => {
    const m = profile.expectedCount(i * bin, (i + 1) * bin);
    expect(Math.abs(c - m), `bin ${i}: ${c} arrivals, expected ${m.toFixed(1)}`).toBeLessThanOrEqual(z * Math.sqrt(Math.max(m, 1)));
  });
}

function meanVar(xs: number[]) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { m, v };
}

describe('arrival processes', () => {
  it('constant rate: Poisson counts (mean and variance equal the rate × window)', () => {
    const { counts } = binCounts({ profile: 'constant', rate: 50 }, 20_000, 1, 'const');
    const { m, v } = meanVar(counts);
    expect(Math.abs(m / 50 - 1)).toBeLessThan(0.01);
    expect(Math.abs(v / 50 - 1)).toBeLessThan(0.05); // index of dispersion 1
  });

  it('constant rate: exponential gaps (coefficient of variation 1)', () => {
    const p = new ArrivalProcess(new RateProfile({ base: { profile: 'constant', rate: 10 }, bursts: [] }), new Rng('gaps'), null, null);
    const gaps: number[] = [];
    let last = 0;
    for (let i = 0; i < 100_000; i++) {
      const t = p.next();
      gaps.push(t - last);
      last = t;
    }
    const { m, v } = meanVar(gaps);
    expect(Math.abs(m / 0.1 - 1)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(v) / m - 1)).toBeLessThan(0.02);
  });

  it('ramp follows its line', () => {
    const { counts, profile } = binCounts({ profile: 'ramp', from: 10, to: 200, start: 100, duration: 600 }, 900, 30, 'ramp');
    expectShape(counts, profile, 30);
    expect(counts[0]).toBeLessThan(counts[counts.length - 1] / 5);
  });

  it('step changes the rate at each step', () => {
    const { counts, profile } = binCounts({ profile: 'step', rate: 20, steps: [{ at: 300, rate: 80 }, { at: 600, rate: 5 }] }, 900, 30, 'step');
    expectShape(counts, profile, 30);
    const mid = counts.slice(10, 20).reduce((a, b) => a + b, 0) / 10;
    expect(Math.abs(mid / (80 * 30) - 1)).toBeLessThan(0.05);
  });

  it('diurnal follows its sinusoid (peak and trough where stated)', () => {
    const base: BaseProfileSpec = { profile: 'diurnal', mean: 100, amplitude: 0.5, period: 3600, peakAt: 900 };
    const { counts, profile } = binCounts(base, 7200, 120, 'diurnal');
    expectShape(counts, profile, 120);
    const peakBin = counts.slice(0, 30).indexOf(Math.max(...counts.slice(0, 30)));
    expect(Math.abs(peakBin * 120 + 60 - 900)).toBeLessThanOrEqual(240);
  });

  it('piecewise interpolates linearly or holds steps', () => {
    const points = [
      { at: 0, rate: 10 },
      { at: 300, rate: 100 },
      { at: 600, rate: 40 },
    ];
    const lin = binCounts({ profile: 'piecewise', points, interpolation: 'linear' }, 900, 30, 'pw-lin');
    expectShape(lin.counts, lin.profile, 30);
    const step = binCounts({ profile: 'piecewise', points, interpolation: 'step' }, 900, 30, 'pw-step');
    expectShape(step.counts, step.profile, 30);
    expect(step.profile.rate(299)).toBe(10);
    expect(lin.profile.rate(150)).toBeCloseTo(55, 9);
  });

  it('bursts multiply the rate only while they last', () => {
    const { counts, profile } = binCounts({ profile: 'constant', rate: 20 }, 600, 30, 'burst', [{ at: 300, duration: 60, multiplier: 5 }]);
    expectShape(counts, profile, 30);
    expect(counts[10] + counts[11]).toBeGreaterThan(4 * (counts[8] + counts[9]) * 0.8);
  });

  it('zero rate produces no arrivals and the process ends', () => {
    const p = new ArrivalProcess(new RateProfile({ base: { profile: 'constant', rate: 0 }, bursts: [] }), new Rng('zero'), null, null);
    expect(p.next()).toBe(Infinity);
  });

  it('ends when the rate drops to zero for ever, with or without overdispersion', () => {
    for (const od of [null, { dispersion: 0.1, window: 1 }]) {
      const profile = new RateProfile({ base: { profile: 'step', rate: 50, steps: [{ at: 10, rate: 0 }, { at: 20, rate: 5 }, { at: 30, rate: 0 }] }, bursts: [] });
      const p = new ArrivalProcess(profile, new Rng('ends/a'), od, od ? new Rng('ends/d') : null);
      const times: number[] = [];
      for (let t = p.next(); t !== Infinity; t = p.next()) times.push(t);
      expect(times.length).toBeGreaterThan(450);
      expect(times.every((t) => t < 10 || (t >= 20 && t < 30))).toBe(true);
      expect(times.filter((t) => t >= 20).length).toBeGreaterThan(20);
    }
  });

  it('overdispersion: window counts are gamma-Poisson with variance m + k·m²', () => {
    const k = 0.05;
    const window = 5;
    const rate = 40;
    const { counts } = binCounts({ profile: 'constant', rate }, 100_000, window, 'od', [], { dispersion: k, window });
    const { m, v } = meanVar(counts);
    const expectedM = rate * window;
    expect(Math.abs(m / expectedM - 1)).toBeLessThan(0.02);
    const expectedV = expectedM + k * expectedM * expectedM;
    expect(Math.abs(v / expectedV - 1)).toBeLessThan(0.1);
    expect(v / m).toBeGreaterThan(5); // clearly overdispersed (Poisson would be 1)
  });
});
