import { describe, expect, it } from 'vitest';
import { RandomStreams, Rng } from '../../simulation/kernel/random';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uniform());

describe('named random streams', () => {
  it('gives the same numbers for the same seed and name', () => {
    expect(draw(new RandomStreams(7).stream('a'), 50)).toEqual(draw(new RandomStreams(7).stream('a'), 50));
  });

  it('gives different numbers for other seeds and other names', () => {
    const base = draw(new RandomStreams(7).stream('a'), 20);
    expect(draw(new RandomStreams(8).stream('a'), 20)).not.toEqual(base);
    expect(draw(new RandomStreams(7).stream('b'), 20)).not.toEqual(base);
  });

  it('does not shift a stream when other streams are created or drawn from', () => {
    const alone = new RandomStreams(3);
    const a1 = draw(alone.stream('traffic/web/arrivals'), 100);
    const crowded = new RandomStreams(3);
    draw(crowded.stream('app/x/primary/latency'), 500);
    crowded.stream('new-component');
    const a2 = draw(crowded.stream('traffic/web/arrivals'), 100);
    expect(a2).toEqual(a1);
  });

  it('returns the same stream object for a name', () => {
    const s = new RandomStreams(1);
    expect(s.stream('x')).toBe(s.stream('x'));
  });

  it('draws variates with the right moments', () => {
    const rng = new Rng('moments');
    const n = 200_000;
    const moments = (f: () => number) => {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = f();
        s += x;
        s2 += x * x;
      }
      const m = s / n;
      return { mean: m, variance: s2 / n - m * m };
    };
    const e = moments(() => rng.exponential(4));
    expect(e.mean).toBeCloseTo(0.25, 2);
    expect(e.variance).toBeCloseTo(0.0625, 2);
    const z = moments(() => rng.normal());
    expect(Math.abs(z.mean)).toBeLessThan(0.01);
    expect(Math.abs(z.variance - 1)).toBeLessThan(0.01);
    for (const [shape, scale] of [
      [0.3, 2],
      [1, 1],
      [20, 0.05],
    ]) {
      const g = moments(() => rng.gamma(shape, scale));
      expect(Math.abs(g.mean / (shape * scale) - 1)).toBeLessThan(0.02);
      expect(Math.abs(g.variance / (shape * scale * scale) - 1)).toBeLessThan(0.05);
    }
    const u = moments(() => rng.uniformPositive());
    expect(u.mean).toBeCloseTo(0.5, 2);
  });
});
