import { describe, expect, it } from 'vitest';
import type { Expr } from '../../simulation/promql/ast';
import { formatParseError, parsePromQL } from '../../simulation/promql/parse';

function ok(q: string): Expr {
  const r = parsePromQL(q);
  if (!r.ok) throw new Error(`expected ${q} to parse: ${formatParseError(q, r.position, r.message)}`);
  return r.expr;
}

const vs = (name: string, extra: object = {}) => ({ type: 'vectorSelector', name, ...extra });
const num = (value: number) => ({ type: 'number', value });
const TRAEFIK = 'traefik_service_request_duration_seconds_bucket';
const SERVICE = { name: 'service', op: '=~', value: 'test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd' };

describe("Flagger's built-in Traefik queries", () => {
  it('request-success-rate: (sum / sum) * 100 with a range of 1m and the name matcher first', () => {
    const q = `sum(rate(${TRAEFIK}{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",code!~"5..",le="+Inf"}[1m])) / sum(rate(${TRAEFIK}{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",le="+Inf"}[1m])) * 100`;
    const e = ok(q);
    const rateOf = (matchers: object[], start: number, end: number) => ({
      type: 'aggregate',
      op: 'sum',
      param: null,
      grouping: [],
      without: false,
      expr: {
        type: 'call',
        func: 'rate',
        args: [{ type: 'matrixSelector', range: 60_000, vector: vs(TRAEFIK, { matchers: [{ name: '__name__', op: '=', value: TRAEFIK }, ...matchers], offset: 0, at: null }) }],
      },
      start,
      end,
    });
    const div = q.indexOf(' / ');
    expect(e).toMatchObject({
      type: 'binary',
      op: '*',
      matching: null,
      bool: false,
      start: 0,
      end: q.length,
      rhs: { type: 'number', value: 100, start: q.length - 3, end: q.length },
      lhs: {
        type: 'binary',
        op: '/',
        matching: { card: 'one-to-one', on: false, labels: [], include: [] },
        lhs: rateOf([SERVICE, { name: 'code', op: '!~', value: '5..' }, { name: 'le', op: '=', value: '+Inf' }], 0, div),
        rhs: rateOf([SERVICE, { name: 'le', op: '=', value: '+Inf' }], div + 3, q.length - 6),
      },
    });
  });

  it('request-duration: histogram_quantile(0.99, sum(...) by (le))', () => {
    const q = `histogram_quantile(0.99, sum(rate(${TRAEFIK}{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd"}[1m])) by (le))`;
    expect(ok(q)).toMatchObject({
      type: 'call',
      func: 'histogram_quantile',
      start: 0,
      end: q.length,
      args: [
        { type: 'number', value: 0.99, start: 19, end: 23 },
        {
          type: 'aggregate',
          op: 'sum',
          grouping: ['le'],
          without: false,
          start: 25,
          end: q.length - 1,
          expr: { type: 'call', func: 'rate', args: [{ type: 'matrixSelector', range: 60_000, vector: { matchers: [{ name: '__name__', value: TRAEFIK }, SERVICE] } }] },
        },
      ],
    });
  });
});

describe('selectors, offset, @ and subqueries', () => {
  it('label matchers of every kind; a selector without a name', () => {
    expect(ok('{job="a", x!="b", y=~"c.*", z!~"d"}')).toEqual({
      type: 'vectorSelector',
      name: null,
      matchers: [
        { name: 'job', op: '=', value: 'a' },
        { name: 'x', op: '!=', value: 'b' },
        { name: 'y', op: '=~', value: 'c.*' },
        { name: 'z', op: '!~', value: 'd' },
      ],
      offset: 0,
      at: null,
      start: 0,
      end: 35,
    });
  });

  it('offset and @ on selectors, in either order, with ms values', () => {
    expect(ok('foo offset 1h30m @ 1609746000')).toMatchObject(vs('foo', { offset: 5_400_000, at: { kind: 'time', ms: 1_609_746_000_000 }, start: 0, end: 29 }));
    expect(ok('foo @ 1609746000.5 offset -5m')).toMatchObject(vs('foo', { offset: -300_000, at: { kind: 'time', ms: 1_609_746_000_500 } }));
    expect(ok('foo @ start()')).toMatchObject(vs('foo', { at: { kind: 'start' }, end: 13 }));
    expect(ok('foo @ end()')).toMatchObject(vs('foo', { at: { kind: 'end' } }));
  });

  it('range selectors take offset and @ after the range', () => {
    expect(ok('foo[5m] offset 1w @ -10')).toMatchObject({ type: 'matrixSelector', range: 300_000, vector: vs('foo', { offset: 604_800_000, at: { kind: 'time', ms: -10_000 } }), end: 23 });
  });

  it.each([
    ['1y', 365 * 86_400_000],
    ['1w', 7 * 86_400_000],
    ['1d', 86_400_000],
    ['1ms', 1],
    ['1h30m', 5_400_000],
    ['2d3h4m5s6ms', 2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_000 + 6],
  ])('duration %s is %i ms', (d, ms) => {
    expect(ok(`foo[${d}]`)).toMatchObject({ type: 'matrixSelector', range: ms });
  });

  it('subqueries with and without a step, with offset and @', () => {
    expect(ok('rate(foo[1m])[5m:]')).toMatchObject({ type: 'subquery', range: 300_000, step: 0, offset: 0, at: null, expr: { type: 'call', func: 'rate' }, start: 0, end: 18 });
    expect(ok('max_over_time(sum(foo)[1h:30s] offset 1m @ end())')).toMatchObject({
      type: 'call',
      args: [{ type: 'subquery', range: 3_600_000, step: 30_000, offset: 60_000, at: { kind: 'end' }, expr: { type: 'aggregate', op: 'sum' } }],
    });
  });

  it('postfix modifiers bind to the nearest operand, as in Prometheus (not to the whole binary expression)', () => {
    expect(ok('a + b offset 5m')).toMatchObject({ type: 'binary', lhs: vs('a', { offset: 0 }), rhs: vs('b', { offset: 300_000 }) });
    expect(ok('a * b @ 5')).toMatchObject({ type: 'binary', lhs: vs('a', { at: null }), rhs: vs('b', { at: { kind: 'time', ms: 5000 } }) });
    expect(ok('-foo offset 1m')).toMatchObject({ type: 'unary', op: '-', expr: vs('foo', { offset: 60_000 }) });
    expect(parsePromQL('1 - a[5m:1m]')).toEqual({ ok: false, position: 4, message: 'binary expression must contain only scalar and instant vector types' });
    expect(ok('sum_over_time(a[5m:1m]) - 1')).toMatchObject({ type: 'binary', lhs: { type: 'call', args: [{ type: 'subquery', expr: vs('a') }] }, rhs: num(1) });
  });
});

describe('binary operators', () => {
  it('precedence and associativity: ^ is right-associative, the rest left; set operators lowest', () => {
    expect(ok('1 + 2 * 3 ^ 2 ^ 3 - 4')).toMatchObject({
      op: '-',
      lhs: { op: '+', lhs: num(1), rhs: { op: '*', lhs: num(2), rhs: { op: '^', lhs: num(3), rhs: { op: '^', lhs: num(2), rhs: num(3) } } } },
      rhs: num(4),
    });
    expect(ok('a or b and c unless d')).toMatchObject({ op: 'or', lhs: vs('a'), rhs: { op: 'unless', lhs: { op: 'and' }, rhs: vs('d') } });
    expect(ok('a == b atan2 c % d')).toMatchObject({ op: '==', rhs: { op: '%', lhs: { op: 'atan2' } } });
  });

  it('unary minus binds looser than ^ and folds into number literals', () => {
    expect(ok('-2 ^ 2')).toMatchObject({ type: 'unary', op: '-', expr: { type: 'binary', op: '^', lhs: num(2), rhs: num(2) }, start: 0, end: 6 });
    expect(ok('- -2')).toEqual({ type: 'number', value: 2, start: 0, end: 4 });
    expect(ok('+3')).toEqual({ type: 'number', value: 3, start: 0, end: 2 });
    expect(ok('2 * -3')).toMatchObject({ rhs: { type: 'number', value: -3, start: 4, end: 6 } });
    expect(ok('-(2)')).toMatchObject({ type: 'unary', op: '-', expr: { type: 'paren', expr: num(2) } });
    expect(ok('-a * b')).toMatchObject({ type: 'binary', op: '*', lhs: { type: 'unary', expr: vs('a') } });
  });

  it('bool, on, ignoring, group_left and group_right fill VectorMatching', () => {
    expect(ok('a > bool b')).toMatchObject({ op: '>', bool: true, matching: { card: 'one-to-one', on: false, labels: [], include: [] } });
    expect(ok('a + on(x, y) b')).toMatchObject({ matching: { card: 'one-to-one', on: true, labels: ['x', 'y'], include: [] } });
    expect(ok('a / ignoring(x) group_left(y, z) b')).toMatchObject({ matching: { card: 'many-to-one', on: false, labels: ['x'], include: ['y', 'z'] } });
    expect(ok('a - on() group_right b')).toMatchObject({ matching: { card: 'one-to-many', on: true, labels: [], include: [] } });
    expect(ok('a == bool ignoring(x) group_right(y) b')).toMatchObject({ bool: true, matching: { card: 'one-to-many', labels: ['x'], include: ['y'] } });
  });

  it('set operators are many-to-many; matching is null unless both sides are instant vectors', () => {
    expect(ok('a and on(x) b')).toMatchObject({ op: 'and', matching: { card: 'many-to-many', on: true, labels: ['x'] } });
    expect(ok('a unless b')).toMatchObject({ matching: { card: 'many-to-many' } });
    expect(ok('a + 1')).toMatchObject({ matching: null });
    expect(ok('1 < bool 2')).toMatchObject({ bool: true, matching: null });
    expect(ok('a + ignoring() group_left 1')).toMatchObject({ matching: null });
  });
});

describe('aggregations', () => {
  it('modifiers before or after the body; without; params', () => {
    expect(ok('sum by (a, b) (x)')).toMatchObject({ type: 'aggregate', op: 'sum', grouping: ['a', 'b'], without: false, param: null });
    expect(ok('avg(x) without (a)')).toMatchObject({ op: 'avg', grouping: ['a'], without: true, end: 18 });
    expect(ok('topk(3, x)')).toMatchObject({ op: 'topk', param: num(3), expr: vs('x') });
    expect(ok('quantile by (le) (0.9, x)')).toMatchObject({ op: 'quantile', param: num(0.9), grouping: ['le'] });
    expect(ok('count_values("v", x)')).toMatchObject({ op: 'count_values', param: { type: 'string', value: 'v' } });
    expect(ok('SUM(x)')).toMatchObject({ op: 'sum' });
    expect(ok('group(x)')).toMatchObject({ op: 'group', grouping: [] });
  });
});

describe('literals', () => {
  it.each([
    ['Inf', Infinity],
    ['inf', Infinity],
    ['-Inf', -Infinity],
    ['+InF', Infinity],
    ['0x1F', 31],
    ['0xfF', 255],
    ['1e3', 1000],
    ['1e-3', 0.001],
    ['.5', 0.5],
    ['010', 8],
    ['1.5E+2', 150],
  ])('%s is %d', (q, v) => {
    expect(ok(q)).toEqual({ type: 'number', value: v, start: 0, end: q.length });
  });

  it('NaN in any case', () => {
    for (const q of ['NaN', 'nan', 'nAn']) expect(Number.isNaN((ok(q) as { value: number }).value)).toBe(true);
  });

  it.each([
    ['"a\\nb\\t\\"c\\\\"', 'a\nb\t"c\\'],
    ["'it\\'s'", "it's"],
    ['`raw\\n`', 'raw\\n'],
    ['"\\x41\\101\\u00e9\\U0001F600"', 'AAé😀'],
    ['"\\a\\b\\f\\v\\r"', '\x07\b\f\v\r'],
  ])('string %s', (q, v) => {
    expect(ok(q)).toEqual({ type: 'string', value: v, start: 0, end: q.length });
  });
});

describe('parse errors: message and position as Prometheus 2.42 reports them', () => {
  it.each([
    ['rate(foo)', 5, 'expected type range vector in call to function "rate", got instant vector'],
    ['rate(foo[1m], 2)', 0, 'expected 1 argument(s) in call to "rate", got 2'],
    ['round(foo, 1, 2)', 0, 'expected at most 2 argument(s) in call to "round", got 3'],
    ['label_join(foo, "a")', 0, 'expected at least 3 argument(s) in call to "label_join", got 2'],
    ['histogram_quantile("x", foo)', 19, 'expected type scalar in call to function "histogram_quantile", got string'],
    ['foo(bar)', 0, 'unknown function with name "foo"'],
    ['1 + foo2(x)', 4, 'unknown function with name "foo2"'],
    ['{a=""}', 0, 'vector selector must contain at least one non-empty matcher'],
    ['{a=~".*"}', 0, 'vector selector must contain at least one non-empty matcher'],
    ['foo{__name__="bar"}', 0, 'metric name must not be set twice: "foo" or "bar"'],
    ['1 > 2', 2, 'comparisons between scalars must use BOOL modifier'],
    ['1 and 2', 0, 'set operator "and" not allowed in binary scalar expression'],
    ['foo or 1', 0, 'set operator "or" not allowed in binary scalar expression'],
    ['foo[5m] + 1', 0, 'binary expression must contain only scalar and instant vector types'],
    ['1 + "a"', 4, 'binary expression must contain only scalar and instant vector types'],
    ['a + bool b', 2, 'bool modifier can only be used on comparison operators'],
    ['1 + on(x) a', 0, 'vector matching only allowed between instant vectors'],
    ['a and on(x) group_left b', 0, 'no grouping allowed for "and" operation'],
    ['a unless ignoring(x) group_right(y) b', 0, 'no grouping allowed for "unless" operation'],
    ['a + on(x) group_left(x) b', 2, 'label "x" must not occur in ON and GROUP clause at once'],
    ['topk(foo, bar)', 5, 'expected type scalar in aggregation parameter, got instant vector'],
    ['count_values(1, bar)', 13, 'expected type string in aggregation parameter, got scalar'],
    ['sum(foo[5m])', 4, 'expected type instant vector in aggregation expression, got range vector'],
    ['sum(a, b)', 0, 'wrong number of arguments for aggregate expression provided, expected 1, got 2'],
    ['sum()', 0, 'no arguments for aggregate expression provided'],
    ['foo[5m][1m:]', 0, 'subquery is only allowed on instant vector, got matrix instead'],
    ['"a"[5m:]', 0, 'subquery is only allowed on instant vector, got string instead'],
    ['(foo)[5m]', 5, 'ranges only allowed for vector selectors'],
    ['foo offset 5m [5m]', 14, 'no offset modifiers allowed before range'],
    ['foo @ 5 [5m]', 8, 'no @ modifiers allowed before range'],
    ['sum(foo) offset 1m', 0, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ['sum(foo) @ 100', 0, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ['foo offset 1m offset 2m', 0, 'offset may not be set multiple times'],
    ['foo @ 1 @ start()', 0, '@ <timestamp> may not be set multiple times'],
    ['foo @ Inf', 0, 'timestamp out of bounds for @ modifier: +Inf'],
    ['-foo[5m]', 0, 'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"'],
    ['foo[0s]', 4, 'duration must be greater than 0'],
    ['foo[5m1h]', 4, 'not a valid duration string: "5m1h"'],
    ['foo{a=~"("}', 4, 'invalid regular expression: missing closing ")" in "("'],
    ['"a\\qb"', 0, "unknown escape sequence U+0071 'q'"],
    ['"abc', 0, 'unterminated quoted string'],
    ['sum(rate(foo[1m])', 17, 'unclosed left parenthesis'],
    ['foo)', 3, "unexpected right parenthesis ')'"],
    ['rate(foo[1m],)', 12, 'trailing commas not allowed in function call args'],
    ['foo[]', 4, 'unexpected "]" in subquery selector, expected duration'],
    ['foo offset', 10, 'unexpected end of input in offset, expected duration'],
    ['foo @', 5, 'unexpected end of input in @, expected timestamp'],
    ['1 +', 3, 'unexpected end of input'],
    ['', 0, 'no expression found in input'],
  ])('%s → %i: %s', (q, position, message) => {
    expect(parsePromQL(q)).toEqual({ ok: false, position, message });
  });

  it('formatParseError renders line:column (1-based, UTF-8 bytes) as Prometheus does', () => {
    expect(formatParseError('1 > 2', 2, 'comparisons between scalars must use BOOL modifier')).toBe('1:3: parse error: comparisons between scalars must use BOOL modifier');
    expect(formatParseError('foo\n  + bar', 6, 'm')).toBe('2:3: parse error: m');
    expect(formatParseError('{a="é"} > x', 8, 'm')).toBe('1:10: parse error: m');
    const q = 'foo +\n  rate(foo)';
    const r = parsePromQL(q);
    expect(r.ok ? '' : formatParseError(q, r.position, r.message)).toBe('2:8: parse error: expected type range vector in call to function "rate", got instant vector');
  });

  it('never throws on arbitrary garbage', () => {
    for (const q of ['}{', '[[', 'sum by', '@', 'foo{a=}', '"\\', 'a +* b', '((((', 'offset 5m', '😀', 'foo[5m:1m:1m]', 'a # c']) {
      expect(() => parsePromQL(q)).not.toThrow();
    }
    expect(parsePromQL('a # comment')).toMatchObject({ ok: true, expr: vs('a') });
  });
});
