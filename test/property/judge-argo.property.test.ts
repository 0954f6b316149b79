/**
 * Properties of the Argo Rollouts judge (simulation/judges/argo*.ts): the condition language computes what a direct
 * JavaScript computation over the same tree computes, whatever the parenthesisation the printer chose, and the
 * AnalysisRun decides as a plain scan of the reference's rules over a random sequence of measurements does.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAnalysisTemplate } from '../../simulation/judges/argo';
import { evalExpr } from '../../simulation/judges/argo-expr';
import { evaluateAnalysis } from '../../simulation/judges/argo-run';
import type { ApiResponse } from '../../simulation/promql/engine';

// ---------------------------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------------------------

type Arith = { k: 'num'; text: string; v: number } | { k: 'ref'; i: number } | { k: 'bin'; op: '+' | '-' | '*' | '/'; l: Arith; r: Arith };
type Bool = { k: 'cmp'; op: '<' | '<=' | '>' | '>=' | '==' | '!='; l: Arith; r: Arith } | { k: 'logic'; op: '&&' | '||'; l: Bool; r: Bool } | { k: 'not'; x: Bool };

const PREC: Record<string, number> = { '||': 10, '&&': 15, '+': 30, '-': 30, '*': 60, '/': 60 };

const numberArb: fc.Arbitrary<Arith> = fc.oneof(
  fc.integer({ min: 0, max: 50 }).map((v): Arith => ({ k: 'num', text: String(v), v })),
  fc.integer({ min: 0, max: 5000 }).map((n): Arith => ({ k: 'num', text: (n / 100).toFixed(2), v: Number((n / 100).toFixed(2)) })),
  fc.integer({ min: 0, max: 2 }).map((i): Arith => ({ k: 'ref', i })),
);

const arithArb: fc.Arbitrary<Arith> = fc.letrec<{ a: Arith }>((tie) => ({
  a: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberArb,
    fc.record({ k: fc.constant('bin' as const), op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const), l: tie('a'), r: tie('a') }),
  ),
})).a;

const boolArb: fc.Arbitrary<Bool> = fc.letrec<{ b: Bool }>((tie) => ({
  b: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('cmp' as const), op: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const, '==' as const, '!=' as const), l: arithArb, r: arithArb }),
    fc.record({ k: fc.constant('logic' as const), op: fc.constantFrom('&&' as const, '||' as const), l: tie('b'), r: tie('b') }),
    fc.record({ k: fc.constant('not' as const), x: tie('b') }),
  ),
})).b;

/** Prints with the fewest parentheses expr's precedence needs (plus optional redundant ones). */
function printArith(n: Arith, extra: () => boolean): string {
  if (n.k === 'num') return n.text;
  if (n.k === 'ref') return `result[${n.i}]`;
  const wrap = (c: Arith, right: boolean) => {
    const s = printArith(c, extra);
    const need = c.k === 'bin' && (PREC[c.op] < PREC[n.op] || (right && PREC[c.op] === PREC[n.op]));
    return need || (c.k === 'bin' && extra()) ? `(${s})` : s;
  };
  return `${wrap(n.l, false)} ${n.op} ${wrap(n.r, true)}`;
}

function printBool(n: Bool, extra: () => boolean): string {
  if (n.k === 'cmp') return `${printArith(n.l, extra)} ${n.op} ${printArith(n.r, extra)}`;
  // `not` binds tighter than a comparison: its operand always goes in parentheses.
  if (n.k === 'not') return `${extra() ? 'not' : '!'} (${printBool(n.x, extra)})`;
  const wrap = (c: Bool, right: boolean) => {
    const s = printBool(c, extra);
    const need = c.k === 'logic' && (PREC[c.op] < PREC[n.op] || (right && PREC[c.op] === PREC[n.op]));
    return need || (c.k === 'logic' && extra()) ? `(${s})` : s;
  };
  const word = extra() ? (n.op === '&&' ? 'and' : 'or') : n.op;
  return `${wrap(n.l, false)} ${word} ${wrap(n.r, true)}`;
}

function arith(n: Arith, xs: number[]): number {
  if (n.k === 'num') return n.v;
  if (n.k === 'ref') return xs[n.i];
  const l = arith(n.l, xs);
  const r = arith(n.r, xs);
  return n.op === '+' ? l + r : n.op === '-' ? l - r : n.op === '*' ? l * r : l / r;
}

function bool(n: Bool, xs: number[]): boolean {
  if (n.k === 'not') return !bool(n.x, xs);
  if (n.k === 'logic') return n.op === '&&' ? bool(n.l, xs) && bool(n.r, xs) : bool(n.l, xs) || bool(n.r, xs);
  const l = arith(n.l, xs);
  const r = arith(n.r, xs);
  switch (n.op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '==':
      return l === r;
    case '!=':
      return l !== r;
  }
}

const sample = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, 1, NaN, Infinity, -Infinity));
const vector = fc.array(sample, { minLength: 3, maxLength: 3 });

describe('the condition language against a direct computation', () => {
  it('arithmetic with expr precedence, however parenthesised', () => {
    fc.assert(
      fc.property(arithArb, vector, fc.infiniteStream(fc.boolean()), (tree, xs, coins) => {
        const it = coins[Symbol.iterator]();
        const text = printArith(tree, () => it.next().value as boolean);
        const r = evalExpr(text, xs);
        expect(r.ok, text).toBe(true);
        if (r.ok) expect(Object.is(r.value, arith(tree, xs)) || (Number.isNaN(r.value) && Number.isNaN(arith(tree, xs))), text).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('comparisons, &&/and, ||/or and !/not', () => {
    fc.assert(
      fc.property(boolArb, vector, fc.infiniteStream(fc.boolean()), (tree, xs, coins) => {
        const it = coins[Symbol.iterator]();
        const text = printBool(tree, () => it.next().value as boolean);
        expect(evalExpr(text, xs), text).toEqual({ ok: true, value: bool(tree, xs) });
      }),
      { numRuns: 500 },
    );
  });

  it('predicate builtins over any vector', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 8 }), fc.double({ min: -10, max: 10, noNaN: true }), (xs, k) => {
        const c = k.toFixed(3);
        const x = Number(c);
        expect(evalExpr(`all(result, {# < ${c}})`, xs)).toEqual({ ok: true, value: xs.every((v) => v < x) });
        expect(evalExpr(`any(result, # >= ${c})`, xs)).toEqual({ ok: true, value: xs.some((v) => v >= x) });
        expect(evalExpr(`none(result, {# == ${c}})`, xs)).toEqual({ ok: true, value: !xs.some((v) => v === x) });
        expect(evalExpr(`one(result, {# > ${c}})`, xs)).toEqual({ ok: true, value: xs.filter((v) => v > x).length === 1 });
        expect(evalExpr(`count(result, {# > ${c}})`, xs)).toEqual({ ok: true, value: xs.filter((v) => v > x).length });
        expect(evalExpr(`len(filter(result, {# <= ${c}}))`, xs)).toEqual({ ok: true, value: xs.filter((v) => v <= x).length });
        expect(evalExpr('len(result) == 0 || isNaN(result[0]) || result[0] >= 0.99', xs)).toEqual({ ok: true, value: xs.length === 0 || Number.isNaN(xs[0]) || xs[0] >= 0.99 });
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The run against a plain scan of the rules
// ---------------------------------------------------------------------------------------------------------------

type Letter = 'S' | 'F' | 'I' | 'E';

interface Limits {
  count: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
}

/** The reference's rules, as a scan: measurement by measurement, the first limit exceeded or the count reached decides. */
function expected(letters: Letter[], l: Limits): { phase: string; atS: number; taken: number } {
  let failed = 0;
  let inconclusive = 0;
  let errors = 0;
  let count = 0;
  let t = 0;
  for (let k = 0; ; k++) {
    const x = letters[Math.min(k, letters.length - 1)];
    if (x === 'E') errors++;
    else {
      errors = 0;
      count++;
      if (x === 'F') failed++;
      if (x === 'I') inconclusive++;
    }
    if (errors > l.consecutiveErrorLimit) return { phase: 'Error', atS: t, taken: k + 1 };
    if (inconclusive > l.inconclusiveLimit) return { phase: 'Inconclusive', atS: t, taken: k + 1 };
    if (failed > l.failureLimit) return { phase: 'Failed', atS: t, taken: k + 1 };
    if (count >= l.count) return { phase: 'Successful', atS: t, taken: k + 1 };
    t += x === 'E' ? 10 : 60;
  }
}

describe('the AnalysisRun against the rules', () => {
  it('decides what the limits and the count say, when they say it', () => {
    const limits = fc
      .record({ count: fc.integer({ min: 1, max: 6 }), failureLimit: fc.integer({ min: 0, max: 3 }), inconclusiveLimit: fc.integer({ min: 0, max: 3 }), consecutiveErrorLimit: fc.integer({ min: 0, max: 4 }) })
      .filter((l) => l.count >= l.failureLimit && l.count >= l.inconclusiveLimit);
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Letter>('S', 'F', 'I', 'E'), { minLength: 1, maxLength: 20 }), limits, (letters, l) => {
        const text = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: t }
spec:
  metrics:
    - name: m
      interval: 1m
      count: ${l.count}
      failureLimit: ${l.failureLimit}
      inconclusiveLimit: ${l.inconclusiveLimit}
      consecutiveErrorLimit: ${l.consecutiveErrorLimit}
      successCondition: result[0] > 0.9
      failureCondition: result[0] < 0.1
      provider: { prometheus: { address: "http://prometheus:9090", query: up } }
`;
        const { template } = parseAnalysisTemplate('t.yaml', text);
        if (!template) throw new Error('template did not parse');
        let k = 0;
        const answer = (): ApiResponse => {
          const x = letters[Math.min(k++, letters.length - 1)];
          if (x === 'E') return { status: 'error', errorType: 'execution', error: 'boom' };
          return { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, x === 'S' ? '1' : x === 'F' ? '0' : '0.5'] }] } };
        };
        const r = evaluateAnalysis(template, { startMs: 0, endMs: 3_600_000, query: answer });
        if (!r.ok) throw new Error(r.message);
        const want = expected(letters, l);
        expect({ phase: r.result.phase, atS: (r.result.decidedAtMs as number) / 1000, taken: r.result.measurements.length }).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });
});
