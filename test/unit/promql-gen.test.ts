import { describe, expect, it } from 'vitest';
import { type Expr, typeOf } from '../../simulation/promql/ast';
import { parsePromQL } from '../../simulation/promql/parse';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { catalogueFromStore, generateExpressions, isOrderedExpression, type MetricCatalogue } from '../support/promql-gen';

/** A small Traefik-like store: a counter, a histogram, a gauge. */
function store(): SeriesStore {
  const s = new SeriesStore();
  s.defineFamily('http_requests', 'counter', 'requests');
  s.defineFamily('http_duration_seconds', 'histogram', 'latency');
  s.defineFamily('up', 'gauge', 'up');
  for (const instance of ['a:9100', 'b:9100']) {
    const up = s.seriesId({ __name__: 'up', job: 'traefik', instance });
    for (const code of ['200', '500']) {
      const c = s.seriesId({ __name__: 'http_requests_total', job: 'traefik', instance, code });
      const count = s.seriesId({ __name__: 'http_duration_seconds_count', job: 'traefik', instance, code });
      const buckets = ['0.1', '1', '+Inf'].map((le) => s.seriesId({ __name__: 'http_duration_seconds_bucket', job: 'traefik', instance, code, le }));
      for (let i = 0; i < 10; i++) {
        s.append(c, 1_000_000 + i * 15_000, i * 3);
        s.append(count, 1_000_000 + i * 15_000, i * 3);
        buckets.forEach((b, j) => s.append(b, 1_000_000 + i * 15_000, i * (j + 1)));
      }
    }
    for (let i = 0; i < 10; i++) s.append(up, 1_000_000 + i * 15_000, 1);
  }
  return s;
}

function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  switch (e.type) {
    case 'matrixSelector':
      walk(e.vector, f);
      break;
    case 'subquery':
    case 'unary':
    case 'paren':
      walk(e.expr, f);
      break;
    case 'call':
      e.args.forEach((a) => walk(a, f));
      break;
    case 'aggregate':
      if (e.param) walk(e.param, f);
      walk(e.expr, f);
      break;
    case 'binary':
      walk(e.lhs, f);
      walk(e.rhs, f);
      break;
  }
}

describe('PromQL expression generator', () => {
  const cat: MetricCatalogue = catalogueFromStore(store());

  it('builds the catalogue from the store: names, types, label values, time range', () => {
    const byName = Object.fromEntries(cat.metrics.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual(['http_duration_seconds_bucket', 'http_duration_seconds_count', 'http_requests_total', 'up']);
    expect(byName.http_requests_total.type).toBe('counter');
    expect(byName.http_duration_seconds_bucket.type).toBe('histogram-bucket');
    expect(byName.http_duration_seconds_count.type).toBe('histogram-count');
    expect(byName.up.type).toBe('gauge');
    expect(byName.http_duration_seconds_bucket.labels.le).toEqual(['+Inf', '0.1', '1']);
    expect(byName.up.labels).toEqual({ instance: ['a:9100', 'b:9100'], job: ['traefik'] });
    expect(cat.timeRange).toEqual({ startMs: 1_000_000, endMs: 1_135_000 });
  });

  it('is deterministic per seed, and seeds differ', () => {
    const a = generateExpressions(cat, { seed: 7, count: 100 });
    expect(generateExpressions(cat, { seed: 7, count: 100 })).toEqual(a);
    const b = generateExpressions(cat, { seed: 8, count: 100 });
    expect(b).not.toEqual(a);
    expect(b.filter((e) => a.includes(e)).length).toBeLessThan(50);
  });

  const batch = generateExpressions(cat, { seed: 1, count: 500 });

  it('generates distinct expressions, each parsed by our parser and typed instant vector or scalar', () => {
    expect(batch).toHaveLength(500);
    expect(new Set(batch).size).toBe(500);
    const types = new Map<string, number>();
    for (const e of batch) {
      const r = parsePromQL(e);
      expect(r.ok, `${e}: ${r.ok ? '' : r.message}`).toBe(true);
      if (!r.ok) continue;
      const t = typeOf(r.expr);
      expect(['vector', 'scalar'], e).toContain(t);
      types.set(t, (types.get(t) ?? 0) + 1);
    }
    expect(types.get('vector')).toBeGreaterThan(350);
    expect(types.get('scalar')).toBeGreaterThan(10);
  });

  it('covers every category over 500 expressions', () => {
    const seen = new Set<string>();
    const mark = (k: string, cond: boolean) => cond && seen.add(k);
    for (const text of batch) {
      const r = parsePromQL(text);
      if (!r.ok) continue;
      walk(r.expr, (e) => {
        switch (e.type) {
          case 'vectorSelector':
            for (const m of e.matchers) if (m.name !== '__name__') seen.add(`matcher ${m.op}`);
            mark('__name__ matcher', e.name === null);
            mark('offset', e.offset !== 0);
            mark('negative offset', e.offset < 0);
            mark('@', e.at !== null);
            break;
          case 'matrixSelector':
            seen.add(`range ${e.range / 1000}s`);
            break;
          case 'subquery':
            seen.add('subquery');
            mark('subquery default step', e.step === 0);
            break;
          case 'call':
            seen.add(`fn ${e.func}`);
            break;
          case 'aggregate':
            seen.add(`agg ${e.op}`);
            mark('agg by', e.grouping.length > 0 && !e.without);
            mark('agg without', e.without);
            break;
          case 'binary': {
            const lt = typeOf(e.lhs);
            const rt = typeOf(e.rhs);
            seen.add(`op ${e.op}`);
            mark('bool', e.bool);
            mark('filter comparison', ['==', '!=', '>', '<', '>=', '<='].includes(e.op) && !e.bool);
            mark('scalar arithmetic', lt === 'scalar' && rt === 'scalar');
            mark('vector-scalar', (lt === 'scalar') !== (rt === 'scalar'));
            if (e.matching && lt === 'vector' && rt === 'vector') {
              mark('vector-vector', true);
              mark('on', e.matching.on);
              mark('ignoring', !e.matching.on && e.matching.labels.length > 0);
              mark('group_left', e.matching.card === 'many-to-one');
              mark('group_right', e.matching.card === 'one-to-many');
              mark('group include labels', e.matching.include.length > 0);
            }
            break;
          }
          case 'number':
            mark('Inf', e.value === Infinity);
            mark('NaN', Number.isNaN(e.value));
            break;
          case 'string':
            seen.add('string');
            break;
          default:
            break;
        }
      });
      mark('hex literal', /\b0[xX][0-9a-fA-F]+\b/.test(text));
      mark('exponent literal', /\b\d+(\.\d*)?[eE][+-]?\d+\b/.test(text));
      mark('compound duration', /\[\d+m\d+s/.test(text));
      mark('regex that matches nothing', /nomatch|zz\|yy/.test(text));
    }
    const want = [
      ...['=', '!=', '=~', '!~'].map((o) => `matcher ${o}`),
      '__name__ matcher',
      'offset',
      '@',
      ...['30s', '60s', '120s', '300s'].map((r) => `range ${r}`),
      'subquery',
      'subquery default step',
      ...['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'predict_linear', 'holt_winters'].map((f) => `fn ${f}`),
      ...['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'quantile_over_time', 'stddev_over_time', 'present_over_time'].map((f) => `fn ${f}`),
      ...['histogram_quantile', 'abs', 'ceil', 'floor', 'round', 'sqrt', 'ln', 'clamp', 'clamp_min', 'clamp_max', 'label_replace', 'label_join', 'vector', 'scalar', 'absent', 'timestamp'].map((f) => `fn ${f}`),
      ...['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'group', 'quantile', 'topk', 'bottomk', 'count_values'].map((a) => `agg ${a}`),
      'agg by',
      'agg without',
      ...['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless'].map((o) => `op ${o}`),
      'bool',
      'filter comparison',
      'scalar arithmetic',
      'vector-scalar',
      'vector-vector',
      'on',
      'ignoring',
      'group_left',
      'group_right',
      'group include labels',
      'Inf',
      'NaN',
      'string',
      'hex literal',
      'exponent literal',
      'compound duration',
      'regex that matches nothing',
    ];
    expect(want.filter((k) => !seen.has(k))).toEqual([]);
  });

  it('leaves topk/bottomk only under a tie-insensitive aggregation and sort only at the top', () => {
    for (const e of batch) {
      expect(/^(topk|bottomk)\b/.test(e), e).toBe(false);
      if (/\bsort(_desc)?\(/.test(e)) expect(isOrderedExpression(e), e).toBe(true);
    }
    expect(batch.some(isOrderedExpression)).toBe(true);
  });

  it('rejects an empty catalogue', () => {
    expect(() => generateExpressions({ metrics: [] }, { seed: 1, count: 1 })).toThrow(/no metrics/);
  });
});
