import { describe, expect, it } from 'vitest';
import { checkCondition, evalCondition, evalExpr, type ExprValue, parseCondition, parseExpr, PROMETHEUS_SCALAR, PROMETHEUS_VECTOR, T } from '../../simulation/judges/argo-expr';

/** The value of an expression, or throws with its error. */
function value(text: string, result: ExprValue = [0.5]): ExprValue {
  const r = evalExpr(text, result);
  if (!r.ok) throw new Error(`${text}: ${r.error}`);
  return r.value;
}

function error(text: string, result: ExprValue = [0.5]): { error: string; pos?: number } {
  const r = evalExpr(text, result);
  if (r.ok) throw new Error(`${text} evaluated to ${JSON.stringify(r.value)}`);
  return r;
}

/** A condition over a Prometheus vector, as a measurement evaluates it. */
function vectorCondition(text: string, values: number[]) {
  const p = parseCondition(text);
  if (!p.ok) throw new Error(p.error.message);
  return evalCondition(p.condition, values, PROMETHEUS_VECTOR);
}

describe("Argo's condition language: the conditions AnalysisTemplates use", () => {
  it('indexes the vector and compares', () => {
    expect(value('result[0] >= 0.95', [0.97])).toBe(true);
    expect(value('result[0] >= 0.95', [0.94])).toBe(false);
    expect(value('result[0] < 0.01 && result[1] < 0.01', [0.001, 0.02])).toBe(false);
    expect(value('result[-1] == 3', [1, 2, 3])).toBe(true);
  });

  it('has the predicate builtins, with or without braces, and # / #index inside', () => {
    expect(value('all(result, {# < 0.5})', [0.1, 0.4])).toBe(true);
    expect(value('all(result, # < 0.5)', [0.1, 0.6])).toBe(false);
    expect(value('any(result, {# > 0.5})', [0.1, 0.6])).toBe(true);
    expect(value('none(result, {# > 0.5})', [0.1, 0.6])).toBe(false);
    expect(value('one(result, {# > 0.5})', [0.7, 0.6])).toBe(false);
    expect(value('count(result, {# > 0.5}) == 2', [0.7, 0.6, 0.1])).toBe(true);
    expect(value('filter(result, {# > 0.5})', [0.7, 0.6, 0.1])).toEqual([0.7, 0.6]);
    expect(value('map(result, {# * 2})', [1, 2])).toEqual([2, 4]);
    expect(value('all(result, {#index < 2})', [5, 5])).toBe(true);
    // Every and none of an empty list hold; any does not.
    expect(value('all(result, {# > 1})', [])).toBe(true);
    expect(value('any(result, {# > 1})', [])).toBe(false);
  });

  it('guards empty and NaN answers with len, isNaN and isInf', () => {
    expect(value('len(result) == 0 || result[0] >= 0.95', [])).toBe(true);
    expect(value('isNaN(result[0]) || result[0] >= 0.95', [NaN])).toBe(true);
    // NaN compares false both ways, as in Go.
    expect(value('result[0] >= 0.95', [NaN])).toBe(false);
    expect(value('result[0] < 0.95', [NaN])).toBe(false);
    expect(value('isInf(result[0])', [-Infinity])).toBe(true);
  });

  it("keeps Argo's default() and isNil(): they look at result itself, whatever their argument", () => {
    // A Prometheus vector is never nil, even when empty: default gives the whole list back.
    expect(value('default(result[0], 0)', [0.3, 0.4])).toEqual([0.3, 0.4]);
    expect(value('isNil(result)', [])).toBe(false);
    expect(value('default(42, 7)', null)).toBe(7);
    expect(value('isNil(123)', null)).toBe(true);
    // …and its argument is still evaluated: an empty vector's result[0] errs first.
    expect(error('default(result[0], 0) == 0', []).error).toBe('index out of range: 0 (array length is 0)');
  });

  it('converts with asInt and asFloat (numbers truncate, strings parse or fail)', () => {
    expect(value('asInt(result[0]) == 2', [2.9])).toBe(true);
    expect(value('asInt("42") + 1')).toBe(43);
    expect(value('asFloat("0.25") * 4')).toBe(1);
    // strconv.ParseFloat's hexadecimal and underscored forms (simulation/util/go-float.ts).
    expect(value('asFloat("0x1p3")')).toBe(8);
    expect(value('asFloat("1_000.5")')).toBe(1000.5);
    expect(error('asFloat("1__0")').error).toBe('strconv.ParseFloat: parsing "1__0": invalid syntax');
    expect(error('asInt("4.2") > 1').error).toBe('strconv.ParseInt: parsing "4.2": invalid syntax');
  });

  it('has and/or/not, in and not in, array literals, the conditional and ??', () => {
    expect(value('result[0] > 0.1 and not (result[0] > 0.9) or false', [0.5])).toBe(true);
    expect(value('result[0] in [1, 2, 3]', [2])).toBe(true);
    expect(value('result[0] not in [1, 2, 3]', [2])).toBe(false);
    expect(value('result[0] > 0.5 ? "high" : "low"', [0.7])).toBe('high');
    expect(value('nil ?? 3')).toBe(3);
    expect(value('"payments" startsWith "pay" && "payments" endsWith "s" && "payments" contains "men"')).toBe(true);
    expect(value('"v1.2.3" matches "^v[0-9]+\\\\."')).toBe(true);
  });

  it('follows expr precedence and associativity', () => {
    expect(value('1 + 2 * 3')).toBe(7);
    expect(value('(1 + 2) * 3')).toBe(9);
    expect(value('10 - 4 - 3')).toBe(3);
    expect(value('2 ** 3 ** 2')).toBe(512);
    expect(value('-2 ** 2')).toBe(-4);
    expect(value('7 / 2')).toBe(3.5);
    expect(value('7 % 3')).toBe(1);
    expect(value('true || false && false')).toBe(true);
    expect(value('!true == false')).toBe(true);
    expect(value('1 < 2 == true')).toBe(true);
    expect(value('1..3')).toEqual([1, 2, 3]);
    expect(value('[1, 2, 3][1:]')).toEqual([2, 3]);
    expect(value('len("abc") + sum([1, 2]) + max(1, 5, 3) + min([4, 2])')).toBe(3 + 3 + 5 + 2);
    expect(value('1_000 == 1000 && 0x10 == 16 && 1e3 == 1000.0')).toBe(true);
  });
});

describe('compile errors (expr checks the whole program against the answer’s type)', () => {
  it('rejects comparing the vector itself, the classic mistake', () => {
    expect(vectorCondition('result >= 0.95', [0.99])).toEqual({ ok: false, error: 'invalid operation: >= (mismatched types []float64 and float64)', pos: 0 });
    // The same condition is right for a scalar answer.
    const p = parseCondition('result >= 0.95');
    expect(p.ok && evalCondition(p.condition, 0.99, PROMETHEUS_SCALAR)).toEqual({ ok: true, value: true });
  });

  it('checks a branch even when it would not run', () => {
    expect(vectorCondition('len(result) == 0 || result > 1', [])).toMatchObject({ ok: false, error: 'invalid operation: > (mismatched types []float64 and int)' });
  });

  it('names unknown names and functions, with a suggestion', () => {
    expect(error('reslt[0] > 1')).toEqual({ ok: false, error: 'unknown name reslt (did you mean result?)', pos: 0 });
    expect(error('isNan(result[0])')).toEqual({ ok: false, error: 'unknown function isNan (did you mean isNaN?)', pos: 0 });
    expect(error('len(result, 1) > 0').error).toBe('too many arguments to call len');
    expect(error('isNaN() || true').error).toBe('not enough arguments to call isNaN');
    expect(error('isNaN(result)').error).toBe('cannot use []float64 as argument (type float64) to call isNaN');
    expect(error('all(result, {# + 1})').error).toBe('predicate should return boolean (got float64)');
    expect(error('# > 1').error).toMatch(/^# is only allowed inside a predicate/);
    expect(error('result[0] % 2 == 0').error).toBe('invalid operation: % (mismatched types float64 and int)');
    expect(error('"a" > 1').error).toBe('invalid operation: > (mismatched types string and int)');
  });

  it('says when a condition is not a bool (at compile time for literals, at run time otherwise)', () => {
    const literal = parseCondition('1 + 2');
    if (!literal.ok) throw new Error(literal.error.message);
    expect(checkCondition(literal.condition, T.any)?.message).toBe('the condition\'s value is of type int, not bool (Argo answers "expected bool, but got int")');
    expect(vectorCondition('result[0]', [0.5])).toEqual({ ok: false, error: 'expected bool, but got float64' });
  });
});

describe('run-time errors', () => {
  it('fails on an index past the end, as a measurement Error', () => {
    expect(vectorCondition('result[0] >= 0.99', [])).toEqual({ ok: false, error: 'index out of range: 0 (array length is 0)' });
    expect(vectorCondition('result[-3] >= 0.99', [1, 2])).toEqual({ ok: false, error: 'index out of range: -3 (array length is 2)' });
  });
});

describe('syntax errors, with the offset inside the expression', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['result[0] >=', 12, /^unexpected end of the expression/],
    ['result[0] >= 0.95 &&& true', 20, /^unexpected character "&"/],
    ['result[0] 0.95', 10, /^unexpected number 0\.95 after a complete expression/],
    ['(result[0] > 0.5', 16, /^expected "\)" to close "\("/],
    ['result[0] > "abc', 12, /^unterminated string literal/],
    ['result[0] ? 1', 13, /^expected ":" of the conditional/],
    ['all(result, {# > 1)', 18, /^expected "}" to close the predicate/],
    ['result[0] @ 1', 10, /^unexpected character "@"/],
    ['result.values()', 7, /^method calls are not supported/],
  ];
  for (const [text, pos, message] of cases) {
    it(JSON.stringify(text), () => {
      const r = parseExpr(text);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.message).toMatch(message);
      expect(r.error.pos).toBe(pos);
    });
  }

  it('parses every condition of the public examples', () => {
    for (const text of [
      'result[0] >= 0.95',
      'result[0] < 50',
      'result == \'true\'',
      'result >= 10',
      'len(result) == 0 || isNaN(result[0]) || result[0] <= 0.05',
      'default(result, 0) >= 0.9',
      'asInt(result) >= 3',
      'result.successPercent >= 0.95',
      'all(result, {# >= 0.99})',
    ]) {
      expect(parseExpr(text).ok, text).toBe(true);
    }
  });
});
