import fc from 'fast-check';
import { describe, it } from 'vitest';
import { EventQueue } from '../../simulation/kernel/event-queue';

/** Reference model: a list kept sorted by (time, insertion order). */
type Op = { push: number } | 'pop';

describe('EventQueue properties', () => {
  it('behaves like a stable priority queue under any interleaving of pushes and pops', () => {
    const time = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
    const op: fc.Arbitrary<Op> = fc.oneof({ weight: 3, arbitrary: time.map((t) => ({ push: t })) }, { weight: 2, arbitrary: fc.constant('pop' as const) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 16, max: 64 }), (ops, cap) => {
        const q = new EventQueue(cap);
        const model: Array<{ t: number; id: number }> = [];
        let id = 0;
        for (const o of ops) {
          if (o === 'pop') {
            const expected = model.shift();
            const got = q.pop();
            if (!expected) {
              if (got) return false;
              continue;
            }
            if (!got || q.time !== expected.t || q.a !== expected.id || q.b !== expected.id * 2) return false;
          } else {
            q.push(o.push, 0, id, id * 2);
            // insert after every element with time <= t (stable)
            let i = model.length;
            while (i > 0 && model[i - 1].t > o.push) i--;
            model.splice(i, 0, { t: o.push, id });
            id++;
          }
          if (q.size !== model.length) return false;
          if (q.peekTime() !== (model.length ? model[0].t : Infinity)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('always pops a non-decreasing sequence of times', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 2000 }), (times) => {
        const q = new EventQueue(16);
        times.forEach((t, i) => q.push(t, 0, i, 0));
        let last = -Infinity;
        let n = 0;
        while (q.pop()) {
          if (q.time < last) return false;
          last = q.time;
          n++;
        }
        return n === times.length;
      }),
      { numRuns: 200 },
    );
  });
});
