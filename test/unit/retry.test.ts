import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulation/kernel/random';
import { RetryPolicy } from '../../simulation/routing/middlewares/retry';

describe('Traefik retry middleware (reference §5.3)', () => {
  it('attempts counts the first try: 3 attempts = up to 2 retries', () => {
    const p = new RetryPolicy({ attempts: 3 });
    expect([1, 2, 3].map((a) => p.shouldRetry(a, false))).toEqual([true, true, false]);
  });

  it('never retries once request bytes reached the backend', () => {
    const p = new RetryPolicy({ attempts: 5 });
    expect([1, 2, 3, 4].map((a) => p.shouldRetry(a, true))).toEqual([false, false, false, false]);
  });

  it('attempts = 1 means no retry at all', () => {
    expect(new RetryPolicy({ attempts: 1 }).shouldRetry(1, false)).toBe(false);
  });

  it('rejects attempts <= 0 as Traefik does', () => {
    expect(() => new RetryPolicy({ attempts: 0 })).toThrow(/attempts/);
  });

  it('initialInterval 0 retries immediately and draws no random number', () => {
    const p = new RetryPolicy({ attempts: 4 });
    const rng = new Rng('x');
    expect([1, 2, 3].map((a) => p.backoff(a, rng))).toEqual([0, 0, 0]);
    expect(rng.uniform()).toBe(new Rng('x').uniform());
  });

  it('attempts=4, initialInterval=100ms: multiplier 2^(1/3), intervals truncated to ns', () => {
    const p = new RetryPolicy({ attempts: 4, initialInterval: 0.1 });
    expect(p.multiplier).toBeCloseTo(1.2599210498948732, 15);
    // 100ms; trunc(1e8·1.2599…) = 125992104 ns; trunc(125992104·1.2599…) = 158740103 ns.
    expect([1, 2, 3].map((a) => p.interval(a))).toEqual([0.1, 0.125992104, 0.158740103]);
  });

  it('attempts=4, initialInterval=100ms with Rng("x"): each delay within interval·[0.5, 1.5] and exact', () => {
    const p = new RetryPolicy({ attempts: 4, initialInterval: 0.1 });
    const rng = new Rng('x');
    const delays = [1, 2, 3].map((a) => p.backoff(a, rng));
    // Bounds: [0.05, 0.15], [0.062996052, 0.188988156], [0.0793700515, 0.2381101545].
    expect(delays[0]).toBeGreaterThanOrEqual(0.05);
    expect(delays[0]).toBeLessThanOrEqual(0.15);
    expect(delays[1]).toBeGreaterThanOrEqual(0.062996052);
    expect(delays[1]).toBeLessThanOrEqual(0.188988156);
    expect(delays[2]).toBeGreaterThanOrEqual(0.0793700515);
    expect(delays[2]).toBeLessThanOrEqual(0.2381101545);
    // Rng('x') draws 0.26138842…, 0.17547585…, 0.32517760…:
    // 5e7 + 0.26138842·(1e8 + 1) = 76138842 ns, and so on.
    expect(delays).toEqual([0.076138842, 0.085104624, 0.130988778]);
  });

  it('a draw near 1 gives interval·1.5 (+1 ns at most), a draw of 0 gives interval·0.5', () => {
    const p = new RetryPolicy({ attempts: 2, initialInterval: 1 });
    expect(p.backoff(1, { uniform: () => 0 })).toBe(0.5);
    expect(p.backoff(1, { uniform: () => 0.999999999999 })).toBeCloseTo(1.5, 9);
  });

  it('the interval is capped at MaxInterval 60 s before randomization', () => {
    // attempts=3 → multiplier √2; 45 s ≥ 60/√2 ≈ 42.43 s, so the 2nd interval is 60 s, not 63.6 s.
    const p = new RetryPolicy({ attempts: 3, initialInterval: 45 });
    expect(p.interval(2)).toBe(60);
    expect(p.backoff(2, { uniform: () => 0 })).toBe(30);
  });
});
