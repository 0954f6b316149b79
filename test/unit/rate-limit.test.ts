import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../simulation/routing/middlewares/rate-limit';

describe('Traefik rateLimit middleware (reference §5.3, x/time/rate reservations)', () => {
  it('derived parameters: r = average/period, maxDelay, ttl, burst ≥ 1', () => {
    const a = new RateLimiter({ average: 10, burst: 5 });
    expect([a.rate, a.maxDelay, a.ttl, a.burst]).toEqual([10, 0.05, 2, 5]);
    const b = new RateLimiter({ average: 3 }); // 1s / (2·3) = 166666666 ns (integer division)
    expect([b.maxDelay, b.burst]).toEqual([0.166666666, 1]);
    const c = new RateLimiter({ average: 1, period: 4, burst: 0 }); // r = 0.25
    expect([c.rate, c.maxDelay, c.ttl, c.burst]).toEqual([0.25, 0.5, 5, 1]);
  });

  it('average 10/s, burst 5, all at t=0: five pass at once, the 6th would wait 0.1 s > 0.05 s → 429', () => {
    const rl = new RateLimiter({ average: 10, burst: 5 });
    expect([0, 0, 0, 0, 0, 0].map(() => rl.reserve(0, 0))).toEqual([0, 0, 0, 0, 0, -1]);
    expect(rl.retryAfterSeconds).toBe(1);
    expect(rl.lastRejectedDelay).toBeCloseTo(0.1, 9);
  });

  it('the rejected reservation is cancelled: its token is given back', () => {
    const rl = new RateLimiter({ average: 10, burst: 5 });
    for (let i = 0; i < 5; i++) rl.reserve(0, 0);
    // Many rejections at t=0 must not push the bucket further into debt.
    for (let i = 0; i < 10; i++) expect(rl.reserve(0, 0)).toBe(-1);
    // At 0.06 s the bucket has refilled 0.6 token: wait (1 − 0.6)/10 = 0.04 s ≤ 0.05 → delayed, not rejected.
    // (Without the cancel the debt of 10 tokens would make this a 429.)
    expect(rl.reserve(0.06, 0)).toBeCloseTo(0.04, 9);
  });

  it('refill over time: exact sequence of delays and rejections', () => {
    const rl = new RateLimiter({ average: 10, burst: 5 });
    for (let i = 0; i < 5; i++) expect(rl.reserve(0, 0)).toBe(0);
    const seq = [
      [0.06, 0.04], // 0.6 token → −0.4 → wait 0.04
      [0.06, -1], // −1.4 → wait 0.14
      [0.1, -1], // −0.4 + 0.4 = 0 → −1 → wait 0.1
      [0.16, 0.04], // −0.4 + 1.0 = 0.6 → −0.4 → wait 0.04 (0.039999999 after ns truncation)
      [0.22, -1], // 0.2 → −0.8 → 0.08
      [0.23, -1], // 0.3 → −0.7 → 0.07
      [0.25, 0.05], // 0.5 → −0.5 → exactly maxDelay: not > 0.05, so delayed
      [0.85, 0], // −0.5 + 6 = 5.5 → capped at burst 5 → 4 left
    ];
    for (const [t, expected] of seq) {
      const d = rl.reserve(t, 0);
      if (expected < 0) expect(d, `t=${t}`).toBe(-1);
      else expect(d, `t=${t}`).toBeCloseTo(expected, 8);
    }
    expect([0, 0, 0, 0].map(() => rl.reserve(0.85, 0))).toEqual([0, 0, 0, 0]);
    expect(rl.reserve(0.85, 0)).toBe(-1);
  });

  it('slow rate (r < 1) tolerates up to 0.5 s of delay', () => {
    const rl = new RateLimiter({ average: 1, period: 4 }); // 0.25/s, burst 1
    expect(rl.reserve(0, 0)).toBe(0);
    expect(rl.reserve(2, 0)).toBe(-1); // 0.5 token → wait 2 s
    expect(rl.retryAfterSeconds).toBe(2);
    expect(rl.reserve(3.6, 0)).toBeCloseTo(0.4, 8); // 0.9 token → wait 0.1/0.25 = 0.4 s
  });

  it('per-source buckets are independent', () => {
    const rl = new RateLimiter({ average: 10, burst: 2 });
    expect([rl.reserve(0, 0), rl.reserve(0, 0), rl.reserve(0, 0)]).toEqual([0, 0, -1]);
    expect([rl.reserve(0, 7), rl.reserve(0, 7), rl.reserve(0, 7)]).toEqual([0, 0, -1]);
    expect(rl.reserve(0, 100)).toBe(0); // grows the source table
  });

  it('TTL: a bucket idle until the whole-second expiry starts full again (ttl 2 s for r ≥ 1)', () => {
    // r = 1/s, burst 3: refilling 3 tokens takes 3 s, longer than the 2 s TTL.
    const drained = () => {
      const rl = new RateLimiter({ average: 1, burst: 3 });
      for (let i = 0; i < 3; i++) expect(rl.reserve(0.9, 0)).toBe(0);
      expect(rl.reserve(0.9, 0)).toBe(-1);
      return rl;
    };
    // Expiry = Unix(0.9 + 2) = 2; at t = 2.0 (only 1.1 s later) the entry is expired: 3 tokens again.
    const a = drained();
    expect([2, 2, 2, 2].map((t) => a.reserve(t, 0))).toEqual([0, 0, 0, -1]);
    // At 1.99 it is still live: 1.09 tokens → one passes, the next needs 0.91 s > 0.5 s.
    const b = drained();
    expect([1.99, 1.99].map((t) => b.reserve(t, 0))).toEqual([0, -1]);
  });

  it('TTL for r < 1 is 1 + floor(1/r) seconds', () => {
    const drained = () => {
      const rl = new RateLimiter({ average: 1, period: 4, burst: 2 }); // ttl 5
      expect([rl.reserve(0, 0), rl.reserve(0, 0), rl.reserve(0, 0)]).toEqual([0, 0, -1]);
      return rl;
    };
    const a = drained();
    expect([5, 5].map((t) => a.reserve(t, 0))).toEqual([0, 0]); // expired at Unix second 5: full
    const b = drained();
    expect([4.99, 4.99].map((t) => b.reserve(t, 0))).toEqual([0, -1]); // 1.2475 tokens
  });

  it('every request refreshes the TTL, rejected ones included', () => {
    const rl = new RateLimiter({ average: 1, burst: 3 });
    for (let i = 0; i < 3; i++) expect(rl.reserve(0.9, 0)).toBe(0);
    expect(rl.reserve(1.2, 0)).toBe(-1); // 0.3 token → wait 0.7 s; expiry moves to Unix(3.2) = 3
    // At 2.0 the bucket is still live (it would have expired without the 1.2 request): 1.1 tokens.
    expect([2, 2].map((t) => rl.reserve(t, 0))).toEqual([0, -1]);
  });

  it('average 0 means no limit', () => {
    const rl = new RateLimiter({ average: 0, burst: 1 });
    for (let i = 0; i < 1000; i++) expect(rl.reserve(0, 0)).toBe(0);
    expect(rl.unlimited).toBe(true);
  });
});
