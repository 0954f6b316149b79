import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { erlangC, mmcMeanWait, mmcScenario } from '../support/mmc';

describe('M/M/c validation against Erlang C', () => {
  it('computes Erlang C correctly (textbook values)', () => {
    // c = 2, a = 1: C = 1/3; c = 1 reduces to rho.
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
  });

  // 2 million requests per run; each seed must land within tolerance on its own.
  it.each([1, 2, 3])('M/M/8 at utilisation 0.8, seed %i: mean queueing delay within 2%, utilisation within 1%', (seed) => {
    const lambda = 1000;
    const mu = lambda / (8 * 0.8);
    const r = new Simulation(mmcScenario(lambda, mu, 8, 2000), { seed }).runToEnd();
    const v = r.services.server.primary;
    expect(v).toBeDefined();
    const wq = v?.queueWait.mean as number;
    const expected = mmcMeanWait(lambda, mu, 8);
    expect(Math.abs(wq / expected - 1)).toBeLessThan(0.02);
    expect(Math.abs((v?.utilisation as number) / 0.8 - 1)).toBeLessThan(0.01);
    // Sojourn time = wait + service: mean latency close to Wq + 1/mu.
    expect(Math.abs((v?.latency.mean as number) / (expected + 1 / mu) - 1)).toBeLessThan(0.01);
  });

  it('M/M/2 at utilisation 0.5: mean queueing delay within 2%, utilisation within 1%', () => {
    const lambda = 100;
    const mu = 100;
    const r = new Simulation(mmcScenario(lambda, mu, 2, 20_000), { seed: 11 }).runToEnd();
    const v = r.services.server.primary;
    expect(Math.abs((v?.queueWait.mean as number) / mmcMeanWait(lambda, mu, 2) - 1)).toBeLessThan(0.02);
    expect(Math.abs((v?.utilisation as number) / 0.5 - 1)).toBeLessThan(0.01);
  });
});
