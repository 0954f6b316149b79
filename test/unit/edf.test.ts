import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulation/kernel/random';
import { EdfBalancer } from '../../simulation/routing/edf';

/** Picks as child names, joined. */
function sequence(b: EdfBalancer, n: number): string[] {
  return Array.from({ length: n }, () => {
    const i = b.pick();
    return i < 0 ? '-' : b.children[i].name;
  });
}
/** 1-based positions of `name` among the first n picks. */
function positions(b: EdfBalancer, name: string, n: number): number[] {
  return sequence(b, n).flatMap((c, i) => (c === name ? [i + 1] : []));
}
const flagger = (canaryWeight: number, canaryFirst: boolean) =>
  new EdfBalancer(
    canaryFirst
      ? [{ name: 'canary', weight: canaryWeight }, { name: 'primary', weight: 100 - canaryWeight }]
      : [{ name: 'primary', weight: 100 - canaryWeight }, { name: 'canary', weight: canaryWeight }],
    null,
  );

describe("Traefik's EDF weighted round robin (reference §1)", () => {
  it.each([false, true])('90/10: the canary gets picks 9 and 20 of the first 20 (canary inserted first: %s)', (canaryFirst) => {
    expect(sequence(flagger(10, canaryFirst), 20).map((c) => (c === 'canary' ? 'C' : 'p')).join('')).toBe('ppppppppCppppppppppC');
  });

  it('90/10: canary positions in the first 200 picks follow the float64 ties', () => {
    const pos = positions(flagger(10, false), 'canary', 200);
    expect(pos.slice(0, 11)).toEqual([9, 20, 30, 39, 49, 60, 70, 80, 90, 100, 110]);
    expect(pos).toHaveLength(20);
  });

  it.each([
    [5, [19, 40]],
    [10, [9, 20, 30, 39]],
    [20, [4, 10, 15, 19, 24, 29, 34, 39]],
    [25, [3, 7, 11, 15, 19, 23, 28, 32, 36, 40]],
  ])('canary weight %i: positions within the first 40 picks, either insertion order', (w, expected) => {
    expect(positions(flagger(w, false), 'canary', 40)).toEqual(expected);
    expect(positions(flagger(w, true), 'canary', 40)).toEqual(expected);
  });

  it('50/50 alternates strictly; the insertion order decides who goes first', () => {
    expect(sequence(flagger(50, true), 6)).toEqual(['canary', 'primary', 'canary', 'primary', 'canary', 'primary']);
    expect(sequence(flagger(50, false), 6)).toEqual(['primary', 'canary', 'primary', 'canary', 'primary', 'canary']);
  });

  it('for every canary weight 1..99 and both orders: within ±1 of k·w/100, exactly w in 100 and 10·w in 1000 picks', () => {
    for (let w = 1; w <= 99; w++) {
      for (const first of [false, true]) {
        const b = flagger(w, first);
        let canary = 0;
        for (let k = 1; k <= 1000; k++) {
          if (b.children[b.pick()].name === 'canary') canary++;
          expect(Math.abs(canary - (k * w) / 100), `w=${w} k=${k}`).toBeLessThan(1);
          if (k === 100) expect(canary).toBe(w);
        }
        expect(canary).toBe(10 * w);
      }
    }
  });

  it.each([
    [3, 'ACB CBA BAC'],
    [4, 'ADBC BCAD ADBC'],
    [5, 'AEBDC DCEAB ABCDE'],
  ])('equal weights, %i children inserted alphabetically: the heap permutes each round', (n, rounds) => {
    const names = 'ABCDE'.slice(0, n).split('');
    const b = new EdfBalancer(names.map((name) => ({ name, weight: 7 })), null);
    expect(rounds.split(' ').map(() => sequence(b, n).join('')).join(' ')).toBe(rounds);
  });

  it('leaves out children with weight 0 and answers "no available server" without children', () => {
    const b = new EdfBalancer([{ name: 'primary', weight: 100 }, { name: 'canary', weight: 0 }], null);
    expect(b.scheduled).toBe(1);
    expect(new Set(sequence(b, 50))).toEqual(new Set(['primary']));
    expect(new EdfBalancer([{ name: 'x', weight: 0 }], null).pick()).toBe(-1);
    expect(new EdfBalancer([], null).pick()).toBe(-1);
    expect(new EdfBalancer([{ name: 'default-weight' }], null).pick()).toBe(0);
  });

  it('skips a down or fenced child but still advances its deadline (its share goes to the others)', () => {
    const b = flagger(10, false);
    const canary = 1;
    b.setUp(canary, false);
    expect(sequence(b, 30).includes('canary')).toBe(false);
    b.setUp(canary, true);
    // The 30 picks took 33 pops: the canary was popped and skipped at pops 9, 20 and 30, so
    // it is not owed a burst of catch-up picks; its next pops are 39 and 49 = picks 6 and 16.
    expect(positions(b, 'canary', 20)).toEqual([6, 16]);
    b.setFenced(0, true);
    expect(new Set(sequence(b, 10))).toEqual(new Set(['canary']));
    b.setUp(canary, false);
    expect(b.pick()).toBe(-1);
  });

  it('takes a shuffled insertion order from its seeded stream (deciding only ties)', () => {
    const firsts = new Set<string>();
    for (let s = 0; s < 20; s++) firsts.add(sequence(new EdfBalancer([{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }], new Rng(`edf/${s}`)), 1)[0]);
    expect(firsts).toEqual(new Set(['a', 'b']));
    const again = (s: number) => sequence(new EdfBalancer([{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }], new Rng(`edf/${s}`)), 10).join();
    expect(again(3)).toBe(again(3));
  });
});

describe('EdfBalancer.pickMany', () => {
  /** Balancers built alike (same children, same shuffle seed) must give the same picks one by one and in batches. */
  const pair = (children: Array<{ name: string; weight?: number }>, seed: string) => [new EdfBalancer(children, new Rng(seed)), new EdfBalancer(children, new Rng(seed))] as const;

  it('makes the same picks as pick() called n times, first picks included, across the shared sequence and past it', () => {
    const cases: Array<Array<{ name: string; weight?: number }>> = [
      [{ name: 'primary', weight: 90 }, { name: 'canary', weight: 10 }],
      [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }],
      [{ name: 'a', weight: 3 }, { name: 'b', weight: 7 }, { name: 'c', weight: 0 }, { name: 'd', weight: 13 }],
      [{ name: 'only' }],
    ];
    // Batch sizes that start and end inside and across the marks' strides, up to beyond the shared sequence (2^14 pops).
    const sizes = [1, 5, 63, 64, 65, 200, 1000, 7, 4096, 129, 9000, 3, 12000];
    cases.forEach((children, ci) => {
      const [one, many] = pair(children, `pickMany/${ci}`);
      for (const n of sizes) {
        const expected = new Float64Array(children.length);
        const expectedFirst = new Int32Array(children.length).fill(-1);
        for (let k = 0; k < n; k++) {
          const i = one.pick();
          expected[i]++;
          if (expectedFirst[i] < 0) expectedFirst[i] = k;
        }
        const counts = new Float64Array(children.length);
        const first = new Int32Array(children.length).fill(-1);
        expect(many.pickMany(n, counts, first)).toBe(true);
        expect([...counts], `case ${ci}, n ${n}`).toEqual([...expected]);
        expect([...first], `case ${ci}, n ${n}`).toEqual([...expectedFirst]);
      }
      expect(one.pick()).toBe(many.pick());
    });
  });

  it('skips down and fenced children as pick() does, and picks nothing when none is available', () => {
    const children = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }];
    const [one, many] = pair(children, 'pickMany/skips');
    for (const b of [one, many]) {
      b.setFenced(3, true);
      b.setUp(1, false);
    }
    const expected = new Float64Array(4);
    for (let k = 0; k < 500; k++) expected[one.pick()]++;
    const counts = new Float64Array(4);
    expect(many.pickMany(500, counts, null)).toBe(true);
    expect([...counts]).toEqual([...expected]);
    for (const b of [one, many]) {
      b.setUp(1, true);
      b.setFenced(3, false);
    }
    // Back to all available: the batch continues the same sequence.
    const more = new Float64Array(4);
    const again = new Float64Array(4);
    for (let k = 0; k < 300; k++) more[one.pick()]++;
    many.pickMany(300, again, null);
    expect([...again]).toEqual([...more]);
    const none = new EdfBalancer([{ name: 'x' }], null);
    none.setUp(0, false);
    const zero = new Float64Array(1);
    expect(none.pickMany(10, zero, null)).toBe(false);
    expect([...zero]).toEqual([0]);
  });
});
