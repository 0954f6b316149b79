import seedrandom from 'seedrandom';
import { typeOf } from '../../simulation/promql/ast';
import { parsePromQL } from '../../simulation/promql/parse';
import type { SeriesStore } from '../../simulation/telemetry/tsdb';

/**
 * A deterministic generator of random, well-typed PromQL expressions over a
 * metric catalogue, for differential testing of simulation/promql against a
 * real Prometheus 2.42 (test/promql/differential.test.ts).
 *
 * Expressions are built by value type (instant vector, range vector, scalar,
 * string) with a depth limit. Every instant vector carries the label names
 * its series have, so vector matching (on/ignoring/group_left/group_right)
 * is generated where it is valid; a minority is ill-matched on purpose so
 * that Prometheus' matching errors are compared too. Selectors use the
 * catalogue's real label values, so most expressions answer non-empty.
 *
 * Results never depend on which of several tied series Prometheus picks:
 * topk/bottomk only appear under an aggregation that groups by a subset of
 * their own grouping (so only the multiset of picked values matters), and
 * sort/sort_desc only at the top (see {@link isOrderedExpression}).
 */

export type CatalogueMetricType =
  | 'counter'
  | 'gauge'
  | 'histogram-bucket'
  | 'histogram-sum'
  | 'histogram-count'
  | 'summary'
  | 'summary-sum'
  | 'summary-count'
  | 'unknown';

export interface CatalogueMetric {
  /** The series' metric name (`__name__`), e.g. `http_requests_total`. */
  name: string;
  type: CatalogueMetricType;
  /** Label name (not `__name__`) → the values it takes (sorted). */
  labels: Record<string, string[]>;
}

export interface MetricCatalogue {
  metrics: CatalogueMetric[];
  /** First and last sample timestamps (ms), for `@` modifiers; without it no `@ <time>` is generated. */
  timeRange?: { startMs: number; endMs: number };
}

export interface GenerateOptions {
  seed: number;
  count: number;
  /** Nesting depth limit of instant-vector/scalar expressions (default 4). */
  maxDepth?: number;
  /** Longest expression text accepted (default 700 characters). */
  maxLength?: number;
}

/** Builds the catalogue of every series in the store: metric names, their type (from the declared families), label values. */
export function catalogueFromStore(store: SeriesStore): MetricCatalogue {
  const byName = new Map<string, Map<string, Set<string>>>();
  let startMs = Infinity;
  let endMs = -Infinity;
  for (let id = 0; id < store.seriesCount; id++) {
    const labels = store.labels(id);
    const name = labels.__name__;
    let m = byName.get(name);
    if (!m) byName.set(name, (m = new Map()));
    for (const [k, v] of Object.entries(labels)) {
      if (k === '__name__') continue;
      let vs = m.get(k);
      if (!vs) m.set(k, (vs = new Set()));
      vs.add(v);
    }
    const { t, n } = store.samples(id);
    if (n > 0) {
      startMs = Math.min(startMs, t[0]);
      endMs = Math.max(endMs, t[n - 1]);
    }
  }
  const metrics: CatalogueMetric[] = [...byName.keys()].sort().map((name) => {
    const labels: Record<string, string[]> = {};
    const m = byName.get(name) as Map<string, Set<string>>;
    for (const k of [...m.keys()].sort()) labels[k] = [...(m.get(k) as Set<string>)].sort();
    return { name, type: metricType(store, name), labels };
  });
  return Number.isFinite(startMs) ? { metrics, timeRange: { startMs, endMs } } : { metrics };
}

function metricType(store: SeriesStore, name: string): CatalogueMetricType {
  const exact = store.family(name);
  if (exact) return exact.type === 'counter' || exact.type === 'gauge' ? exact.type : exact.type === 'summary' ? 'summary' : 'unknown';
  const suffix = /^(.*)_(total|bucket|sum|count)$/.exec(name);
  if (suffix) {
    const fam = store.family(suffix[1]);
    const s = suffix[2];
    if (fam?.type === 'counter' && s === 'total') return 'counter';
    if (fam?.type === 'histogram' && s !== 'total') return `histogram-${s as 'bucket' | 'sum' | 'count'}`;
    if (fam?.type === 'summary' && (s === 'sum' || s === 'count')) return `summary-${s}`;
  }
  return 'unknown';
}

/** True when the expression's answer is ordered (sort, sort_desc at the top): compare it with `{ ordered: true }`. */
export function isOrderedExpression(expr: string): boolean {
  return /^sort(_desc)?\(/.test(expr);
}

/**
 * `count` distinct expressions, each accepted by parsePromQL and typed
 * instant vector or scalar; the same list for the same catalogue and options.
 */
export function generateExpressions(catalogue: MetricCatalogue, opts: GenerateOptions): string[] {
  if (catalogue.metrics.length === 0) throw new Error('generateExpressions: the catalogue has no metrics');
  const gen = new Generator(catalogue, seedrandom.alea(`promql-gen/${opts.seed}`), opts.maxDepth ?? 4);
  const maxLength = opts.maxLength ?? 700;
  const out: string[] = [];
  const seen = new Set<string>();
  let attempts = 0;
  while (out.length < opts.count) {
    if (++attempts > opts.count * 50 + 1000) throw new Error(`generateExpressions: only ${out.length} of ${opts.count} distinct valid expressions`);
    const e = gen.top();
    if (e.length > maxLength || seen.has(e)) continue;
    const r = parsePromQL(e);
    if (!r.ok) continue;
    const t = typeOf(r.expr);
    if (t !== 'vector' && t !== 'scalar') continue;
    seen.add(e);
    out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------

/** An instant vector expression and the label names (besides __name__) its series carry. */
interface Vec {
  text: string;
  labels: string[];
  /** A bare selector, aggregation, call or parenthesised expression: may take a postfix `[r:s]` without parentheses. */
  atomic: boolean;
}

const COUNTERISH = new Set<CatalogueMetricType>(['counter', 'histogram-sum', 'histogram-count', 'summary-sum', 'summary-count', 'histogram-bucket']);
const RANGES = ['30s', '1m', '90s', '2m', '2m30s', '3m', '5m', '10m', '1m30s', '1h'];
const SHORT_RANGES = ['30s', '1m', '90s', '2m', '2m30s', '5m'];
const OFFSETS = ['30s', '1m', '2m', '2m30s', '5m', '10m', '45s', '1m15s'];
const SUBQUERY_RANGES = ['2m', '5m', '10m', '3m30s'];
const SUBQUERY_STEPS = ['15s', '30s', '1m', '45s', '20s', ''];
const QUANTILES = ['0', '0.1', '0.25', '0.5', '0.75', '0.9', '0.95', '0.99', '1'];
const ODD_QUANTILES = ['-0.5', '1.5', 'NaN', '2'];
const ARITH = ['+', '-', '*', '/', '%', '^', 'atan2'];
const COMMON_ARITH = ['+', '-', '*', '/'];
const COMPARE = ['==', '!=', '>', '<', '>=', '<='];
const SET_OPS = ['and', 'or', 'unless'];
const SIMPLE_AGGS = ['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'group'];
const TIE_SAFE_AGGS = ['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev'];
const MATH_FNS = ['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'deg', 'rad'];
const TRIG_FNS = ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh'];
const DATE_FNS = ['hour', 'minute', 'month', 'year', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month'];
const OVER_TIME = ['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'present_over_time', 'stddev_over_time', 'stdvar_over_time', 'changes'];
const COUNTER_FNS = ['rate', 'irate', 'increase', 'resets'];
const GAUGE_FNS = ['delta', 'idelta', 'deriv'];

const uniq = (xs: string[]) => [...new Set(xs)].sort();
const minus = (xs: string[], ys: string[]) => xs.filter((x) => !ys.includes(x));
const intersect = (xs: string[], ys: string[]) => xs.filter((x) => ys.includes(x));
const list = (xs: string[]) => xs.join(', ');

/** A Go-RE2 regular expression matching `s` literally. */
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

class Generator {
  constructor(
    private readonly cat: MetricCatalogue,
    private readonly rnd: () => number,
    private readonly maxDepth: number,
  ) {}

  // --- randomness ----------------------------------------------------------

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  private chance(p: number): boolean {
    return this.rnd() < p;
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  private weighted<T>(choices: Array<[number, () => T]>): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let x = this.rnd() * total;
    for (const [w, f] of choices) {
      if ((x -= w) < 0) return f();
    }
    return choices[choices.length - 1][1]();
  }
  private subset(xs: string[], p = 0.5): string[] {
    return xs.filter(() => this.chance(p));
  }

  // --- strings and literals ------------------------------------------------

  /** A PromQL string literal, in any of the three quotings. */
  private str(s: string): string {
    const q = this.int(6);
    if (q === 0 && !s.includes('`')) return `\`${s}\``;
    if (q === 1) return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  }

  private number(): string {
    return this.weighted<string>([
      [6, () => String(this.pick([0, 1, 2, 3, 5, 10, 60, 100, 1000]))],
      [4, () => this.pick(['0.5', '0.25', '1.5', '2.5', '0.1', '.5', '5.', '100.0'])],
      [2, () => this.pick(['1e3', '2.5e-1', '1E2', '1e-3', '3e0'])],
      [2, () => this.pick(['0x10', '0xff', '0X1A', '0x0'])],
      [2, () => this.pick(['Inf', 'NaN', '+Inf', 'inf', 'nan'])],
    ]);
  }

  // --- top -------------------------------------------------------------------

  top(): string {
    return this.weighted<string>([
      [80, () => this.vector(0).text],
      [10, () => this.scalar(0)],
      [3, () => `${this.pick(['sort', 'sort_desc'])}(${this.vector(1).text})`],
      [4, () => this.errorCase()],
    ]);
  }

  // --- selectors -------------------------------------------------------------

  private metric(kind?: 'counter' | 'gauge' | 'bucket'): CatalogueMetric {
    const ms = this.cat.metrics.filter((m) =>
      kind === 'counter' ? COUNTERISH.has(m.type) && (m.type !== 'histogram-bucket' || this.chance(0.3)) : kind === 'gauge' ? !COUNTERISH.has(m.type) : kind === 'bucket' ? m.type === 'histogram-bucket' : true,
    );
    return this.pick(ms.length > 0 ? ms : this.cat.metrics);
  }

  private regexFor(values: string[]): { re: string; matches: boolean } {
    const v = this.pick(values);
    return this.weighted<{ re: string; matches: boolean }>([
      [3, () => ({ re: reEscape(v), matches: true })],
      [3, () => ({ re: `${reEscape(this.pick(values))}|${reEscape(this.pick(values))}`, matches: true })],
      [4, () => ({ re: `${reEscape(v.slice(0, Math.max(1, Math.ceil(v.length / 3))))}.*`, matches: true })],
      [2, () => ({ re: v.length > 1 ? `${reEscape(v[0])}${'.'.repeat(v.length - 1)}` : '.', matches: true })],
      [1, () => ({ re: this.pick(['.*', '.+', '.*-.*']), matches: true })],
      [1, () => ({ re: `(?i)${reEscape(v.toUpperCase())}`, matches: true })],
      [1, () => ({ re: this.pick(['nomatch.*', 'zz|yy', 'x+']), matches: false })],
    ]);
  }

  /** `name{matchers}` on real labels and values, mostly matching something. */
  private selectorText(m: CatalogueMetric): string {
    const names = Object.keys(m.labels);
    const matchers: string[] = [];
    const n = names.length === 0 ? 0 : this.weighted<number>([
      [4, () => 0],
      [4, () => 1],
      [2, () => 2],
    ]);
    const chosen: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = this.pick(names);
      if (!chosen.includes(l)) chosen.push(l);
    }
    for (const l of chosen) {
      const vals = m.labels[l];
      matchers.push(
        this.weighted<string>([
          [4, () => `${l}=${this.str(this.pick(vals))}`],
          [2, () => `${l}!=${this.str(this.pick(vals))}`],
          [3, () => `${l}=~${this.str(this.regexFor(vals).re)}`],
          [2, () => `${l}!~${this.str(this.regexFor(vals).re)}`],
        ]),
      );
    }
    if (this.chance(0.05)) matchers.push(this.pick(['nonexistent=""', 'nonexistent!="x"', 'code!=""', 'zone=~""']));
    if (this.chance(0.015)) matchers.push(`nonexistent=${this.str('x')}`); // matches nothing
    if (this.chance(0.05)) {
      // The name as a matcher.
      const other = this.pick(this.cat.metrics).name;
      const nameRe = this.chance(0.5) ? reEscape(m.name) : `${reEscape(m.name)}|${reEscape(other)}`;
      return `{__name__=~${this.str(nameRe)}${matchers.length ? `, ${matchers.join(', ')}` : ''}}`;
    }
    if (matchers.length === 0 && this.chance(0.6)) return m.name;
    return `${m.name}{${matchers.join(this.pick([',', ', ']))}}`;
  }

  private atTime(): string | null {
    const r = this.cat.timeRange;
    return this.weighted<string | null>([
      [2, () => this.pick(['start()', 'end()'])],
      [
        r ? 3 : 0,
        () => {
          const span = (r as { startMs: number; endMs: number }).endMs - (r as { startMs: number }).startMs;
          const ms = (r as { startMs: number }).startMs + Math.round((this.rnd() * span) / 500) * 500;
          return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
        },
      ],
    ]);
  }

  /** ` offset 1m`, ` @ end()`, both, or nothing. */
  private modifiers(pOffset: number, pAt: number): string {
    const off = this.chance(pOffset) ? ` offset ${this.chance(0.05) ? '-' : ''}${this.pick(OFFSETS)}` : '';
    const at = this.chance(pAt) ? ` @ ${this.atTime()}` : '';
    return this.chance(0.5) ? off + at : at + off;
  }

  private selector(kind?: 'counter' | 'gauge' | 'bucket'): Vec {
    const m = this.metric(kind);
    return { text: this.selectorText(m) + this.modifiers(0.12, 0.05), labels: Object.keys(m.labels).sort(), atomic: true };
  }

  // --- range vectors ---------------------------------------------------------

  /** A range vector: `sel[r]` (with offset / @) or a subquery. */
  private matrix(depth: number, kind?: 'counter' | 'gauge' | 'bucket', ranges = RANGES): Vec {
    if (depth < this.maxDepth && this.chance(0.12)) return this.subquery(depth);
    const m = this.metric(kind);
    return { text: `${this.selectorText(m)}[${this.pick(ranges)}]${this.modifiers(0.12, 0.04)}`, labels: Object.keys(m.labels).sort(), atomic: true };
  }

  private subquery(depth: number): Vec {
    const inner = this.vector(depth + 1);
    const body = inner.atomic ? inner.text : `(${inner.text})`;
    return { text: `${body}[${this.pick(SUBQUERY_RANGES)}:${this.pick(SUBQUERY_STEPS)}]${this.modifiers(0.15, 0.03)}`, labels: inner.labels, atomic: true };
  }

  // --- scalars ---------------------------------------------------------------

  scalar(depth: number): string {
    const leaf = depth >= this.maxDepth;
    return this.weighted<string>([
      [10, () => this.number()],
      [leaf ? 0 : 3, () => `scalar(${this.aggregateTo([], depth + 1).text})`],
      [leaf ? 0 : 1, () => `scalar(${this.selector().text})`],
      [1, () => this.pick(['pi()', 'time()'])],
      [leaf ? 0 : 3, () => `${this.scalarOperand(depth + 1)} ${this.pick([...ARITH, '+', '*'])} ${this.scalarOperand(depth + 1)}`],
      [leaf ? 0 : 1, () => `${this.scalarOperand(depth + 1)} ${this.pick(COMPARE)} bool ${this.scalarOperand(depth + 1)}`],
      [leaf ? 0 : 1, () => `-${this.scalarOperand(depth + 1)}`],
      [leaf ? 0 : 1, () => `(${this.scalar(depth + 1)})`],
    ]);
  }

  private scalarOperand(depth: number): string {
    const s = this.scalar(depth);
    return /^[\w.+]+(\(.*\))?$/.test(s) && !/^[+-]/.test(s) ? s : `(${s})`;
  }

  /** A small scalar argument (a literal, mostly). */
  private smallScalar(values: string[], depth: number): string {
    if (depth < this.maxDepth && this.chance(0.08)) return `scalar(${this.aggregateTo([], depth + 1).text})`;
    return this.pick(values);
  }

  // --- instant vectors -------------------------------------------------------

  vector(depth: number): Vec {
    if (depth >= this.maxDepth) {
      return this.weighted<Vec>([
        [4, () => this.selector()],
        [4, () => this.rangeFunction(depth)],
      ]);
    }
    return this.weighted<Vec>([
      [10, () => this.selector()],
      [14, () => this.rangeFunction(depth)],
      [12, () => this.aggregate(depth)],
      [4, () => this.histogramQuantile(depth)],
      [6, () => this.mathFunction(depth)],
      [3, () => this.labelFunction(depth)],
      [2, () => this.misc(depth)],
      [8, () => this.vectorScalar(depth)],
      [10, () => this.vectorVector(depth)],
      [4, () => this.setOperation(depth)],
      [1, () => this.unary(depth)],
      [1, () => this.paren(depth)],
    ]);
  }

  private operand(v: Vec): string {
    return v.atomic ? v.text : `(${v.text})`;
  }

  private rangeFunction(depth: number): Vec {
    const call = (f: string, r: Vec, pre = ''): Vec => ({ text: `${f}(${pre}${r.text})`, labels: r.labels, atomic: true });
    return this.weighted<Vec>([
      [10, () => call(this.pick(COUNTER_FNS), this.matrix(depth, 'counter'))],
      [3, () => call(this.pick(GAUGE_FNS), this.matrix(depth, this.chance(0.5) ? 'gauge' : undefined))],
      [8, () => call(this.pick(OVER_TIME), this.matrix(depth))],
      [2, () => call('quantile_over_time', this.matrix(depth), `${this.smallScalar(this.chance(0.9) ? QUANTILES : ODD_QUANTILES, depth)}, `)],
      [1, () => ({ text: `predict_linear(${this.matrix(depth).text}, ${this.pick(['60', '600', '-60', '0', '3600'])})`, labels: [], atomic: true })],
      [
        1,
        () => {
          const ok = this.chance(0.9);
          const sf = ok ? this.pick(['0.1', '0.5', '0.9']) : this.pick(['0', '1', '1.5']);
          return { text: `holt_winters(${this.matrix(depth, 'gauge').text}, ${sf}, ${this.pick(['0.1', '0.3', '0.8'])})`, labels: [], atomic: true };
        },
      ],
      [1, () => ({ text: `absent_over_time(${this.matrix(depth).text})`, labels: [], atomic: true })],
    ]);
  }

  /** An aggregation, with grouping and parameters. */
  private aggregate(depth: number): Vec {
    const input = this.vector(depth + 1);
    const grouping = this.grouping(input.labels);
    return this.weighted<Vec>([
      [10, () => this.aggText(this.pick(SIMPLE_AGGS), '', input, grouping)],
      [2, () => this.aggText('quantile', `${this.smallScalar(this.chance(0.85) ? QUANTILES : ODD_QUANTILES, depth)}, `, input, grouping)],
      [
        2,
        () => {
          const label = this.pick(['value', 'v', 'code', 'le', 'instance']);
          const g = this.aggText('count_values', `${this.str(label)}, `, input, grouping);
          return { ...g, labels: uniq([...g.labels, label]) };
        },
      ],
      [3, () => this.topk(depth, input, grouping)],
    ]);
  }

  /** `by (…)`, `without (…)` or none, over the input's labels (and sometimes a label it lacks). */
  private grouping(labels: string[]): { without: boolean; labels: string[] } | null {
    return this.weighted<{ without: boolean; labels: string[] } | null>([
      [3, () => null],
      [6, () => ({ without: false, labels: uniq([...this.subset(labels, 0.35), ...(this.chance(0.05) ? ['nonexistent'] : [])]) })],
      [3, () => ({ without: true, labels: uniq(this.subset(labels, 0.4)) })],
    ]);
  }

  private groupedLabels(input: string[], g: { without: boolean; labels: string[] } | null): string[] {
    if (!g) return [];
    return g.without ? minus(input, g.labels) : intersect(input, g.labels);
  }

  private aggText(op: string, param: string, input: Vec, g: { without: boolean; labels: string[] } | null): Vec {
    const clause = g ? `${g.without ? 'without' : 'by'} (${list(g.labels)})` : '';
    const text = !clause ? `${op}(${param}${input.text})` : this.chance(0.6) ? `${op} ${clause} (${param}${input.text})` : `${op}(${param}${input.text}) ${clause}`;
    return { text, labels: this.groupedLabels(input.labels, g), atomic: true };
  }

  /** topk/bottomk under an aggregation that groups by a subset of their grouping: ties do not matter. */
  private topk(depth: number, input: Vec, g: { without: boolean; labels: string[] } | null): Vec {
    const k = this.smallScalar(['1', '2', '3', '5', '0.5', '1.9', '100'], depth);
    const inner = this.aggText(this.pick(['topk', 'bottomk']), `${k}, `, input, g);
    const outer = this.subset(this.groupedLabels(input.labels, g), 0.5);
    const outerG = outer.length > 0 || this.chance(0.5) ? { without: false, labels: outer } : null;
    // topk keeps its input's labels.
    return this.aggText(this.pick(TIE_SAFE_AGGS), '', { ...inner, labels: input.labels }, outerG);
  }

  /** A vector whose series carry exactly `labels` (one series per combination). */
  private aggregateTo(labels: string[], depth: number, base?: Vec): Vec {
    const candidates = this.cat.metrics.filter((m) => labels.every((l) => l in m.labels));
    let input: Vec;
    if (base && (candidates.length === 0 || this.chance(0.5))) input = base;
    else if (candidates.length === 0) return { text: `vector(${this.number()})`, labels: [], atomic: true };
    else {
      const m = this.pick(candidates);
      input = this.chance(0.6) || depth >= this.maxDepth
        ? { text: `${this.pick(COUNTERISH.has(m.type) ? ['rate', 'increase', 'irate'] : ['avg_over_time', 'max_over_time', 'last_over_time'])}(${this.selectorText(m)}[${this.pick(SHORT_RANGES)}])`, labels: Object.keys(m.labels), atomic: true }
        : { text: this.selectorText(m), labels: Object.keys(m.labels), atomic: true };
    }
    const op = this.pick(['sum', 'sum', 'max', 'min', 'avg', 'count']);
    const extra = minus(input.labels, labels);
    const useWithout = extra.length > 0 && labels.length > 0 && this.chance(0.3) && intersect(input.labels, labels).length === labels.length;
    const text = labels.length === 0 && this.chance(0.7) ? `${op}(${input.text})` : useWithout ? `${op} without (${list(extra)}) (${input.text})` : `${op} by (${list(labels)}) (${input.text})`;
    return { text, labels: intersect(input.labels, labels).length === labels.length ? [...labels].sort() : intersect(input.labels, labels), atomic: true };
  }

  private histogramQuantile(depth: number): Vec {
    const m = this.metric('bucket');
    if (!('le' in m.labels)) return this.rangeFunction(depth);
    const q = this.smallScalar(this.chance(0.9) ? QUANTILES : ODD_QUANTILES, depth);
    const others = minus(Object.keys(m.labels), ['le']);
    const rate = `${this.pick(['rate', 'rate', 'increase', 'irate'])}(${this.selectorText(m)}[${this.pick(SHORT_RANGES)}]${this.modifiers(0.08, 0.03)})`;
    return this.weighted<Vec>([
      [
        8,
        () => {
          const g = this.subset(others, 0.3);
          const by = list(['le', ...g]);
          const agg = this.chance(0.6) ? `sum by (${by}) (${rate})` : `sum(${rate}) by (${by})`;
          return { text: `histogram_quantile(${q}, ${agg})`, labels: g.sort(), atomic: true };
        },
      ],
      [2, () => ({ text: `histogram_quantile(${q}, ${rate})`, labels: others.sort(), atomic: true })],
      [1, () => ({ text: `histogram_quantile(${q}, sum without (${list(this.subset(others, 0.7))}) (${rate}))`, labels: [], atomic: true })],
    ]);
  }

  private mathFunction(depth: number): Vec {
    const v = this.vector(depth + 1);
    const same = (text: string): Vec => ({ text, labels: v.labels, atomic: true });
    return this.weighted<Vec>([
      [6, () => same(`${this.pick(MATH_FNS)}(${v.text})`)],
      [2, () => same(`${this.pick(TRIG_FNS)}(${v.text})`)],
      [2, () => same(`round(${v.text}${this.chance(0.7) ? `, ${this.pick(['0.1', '5', '0.25', '10', '1', '0'])}` : ''})`)],
      [
        3,
        () => {
          const lo = this.smallScalar(['0', '0.5', '1', '-1', '10'], depth);
          const hi = this.smallScalar(['1', '2', '5', '100', '-5'], depth);
          return this.pick([same(`clamp(${v.text}, ${lo}, ${hi})`), same(`clamp_min(${v.text}, ${lo})`), same(`clamp_max(${v.text}, ${hi})`)]);
        },
      ],
      [1, () => same(`timestamp(${v.text})`)],
      [1, () => same(`${this.pick(DATE_FNS)}(${this.chance(0.7) ? `timestamp(${v.text})` : v.text})`)],
    ]);
  }

  private labelFunction(depth: number): Vec {
    const v = this.vector(depth + 1);
    if (v.labels.length === 0) return { text: `label_replace(${v.text}, "dst", "x", "", "")`, labels: ['dst'], atomic: true };
    const src = this.pick(v.labels);
    return this.weighted<Vec>([
      [
        5,
        () => {
          const dst = this.pick(['dst', 'port', 'svc', src, 'x_y']);
          const [re, repl] = this.pick<[string, string]>([
            ['(.*)', '$1'],
            ['(.*)', 'v-${1}'],
            ['(.)(.*)', '$2$1'],
            ['(?P<first>.).*', '$first'],
            ['.*:(.*)', '$1'],
            ['([^-]+)-.*', '${1}'],
            ['nomatch(.*)', '$1'],
            ['(.*)', '$2'],
            ['.+', 'const'],
          ]);
          return { text: `label_replace(${v.text}, ${this.str(dst)}, ${this.str(repl)}, ${this.str(src)}, ${this.str(re)})`, labels: uniq([...v.labels, dst]), atomic: true };
        },
      ],
      [
        3,
        () => {
          const srcs = this.subset(v.labels, 0.4);
          if (this.chance(0.2)) srcs.push('nonexistent');
          const dst = this.pick(['joined', 'both', src]);
          const args = srcs.map((s) => `, ${this.str(s)}`).join('');
          return { text: `label_join(${v.text}, ${this.str(dst)}, ${this.str(this.pick(['/', '-', '', ', ']))}${args})`, labels: uniq([...v.labels, dst]), atomic: true };
        },
      ],
    ]);
  }

  private misc(depth: number): Vec {
    return this.weighted<Vec>([
      [2, () => ({ text: `vector(${this.scalar(depth + 1)})`, labels: [], atomic: true })],
      [
        2,
        () => {
          const m = this.metric();
          const sel = this.chance(0.5) ? `${m.name}{nonexistent="x"}` : this.chance(0.5) ? this.selectorText(m) : `nope{a="b", c=~"d"}`;
          return { text: `absent(${sel})`, labels: [], atomic: true };
        },
      ],
      [1, () => ({ text: this.pick(DATE_FNS) + '()', labels: [], atomic: true })],
    ]);
  }

  private unary(depth: number): Vec {
    const v = this.vector(depth + 1);
    return { text: `-${this.operand(v)}`, labels: v.labels, atomic: false };
  }

  private paren(depth: number): Vec {
    const v = this.vector(depth + 1);
    return { text: `(${v.text})`, labels: v.labels, atomic: true };
  }

  // --- binary operators ------------------------------------------------------

  private vectorScalar(depth: number): Vec {
    const v = this.vector(depth + 1);
    const s = this.chance(0.8) ? this.number() : this.scalarOperand(depth + 1);
    const sOp = /^[+-]/.test(s) ? `(${s})` : s;
    const op = this.weighted<string>([
      [6, () => this.pick(COMMON_ARITH)],
      [2, () => this.pick(ARITH)],
      [4, () => `${this.pick(COMPARE)}${this.chance(0.4) ? ' bool' : ''}`],
    ]);
    const swap = this.chance(0.3);
    return { text: swap ? `${sOp} ${op} ${this.operand(v)}` : `${this.operand(v)} ${op} ${sOp}`, labels: v.labels, atomic: false };
  }

  private binaryOp(): string {
    return this.weighted<string>([
      [6, () => this.pick(COMMON_ARITH)],
      [1, () => this.pick(['%', '^', 'atan2'])],
      [3, () => `${this.pick(COMPARE)}${this.chance(0.4) ? ' bool' : ''}`],
    ]);
  }

  /** Two instant vectors with valid vector matching. */
  private vectorVector(depth: number): Vec {
    const lhs = this.vector(depth + 1);
    const op = this.binaryOp();
    return this.weighted<Vec>([
      // Same labels on both sides, no modifier.
      [
        4,
        () => {
          const rhs = this.chance(0.5) ? this.aggregateTo(lhs.labels, depth + 1, lhs) : this.sameLabels(lhs, depth);
          return { text: `${this.operand(lhs)} ${op} ${this.operand(rhs)}`, labels: lhs.labels, atomic: false };
        },
      ],
      // on(all labels) / ignoring(nothing) one-to-one.
      [
        2,
        () => {
          const rhs = this.aggregateTo(lhs.labels, depth + 1, lhs);
          const mod = this.chance(0.5) ? `on(${list(lhs.labels)})` : 'ignoring()';
          return { text: `${this.operand(lhs)} ${op} ${mod} ${this.operand(rhs)}`, labels: lhs.labels, atomic: false };
        },
      ],
      // group_left / group_right: the many side against an aggregation to a subset of its labels.
      [
        5,
        () => {
          const g = this.subset(lhs.labels, 0.4);
          const rest = minus(lhs.labels, g);
          const one = this.aggregateTo(g, depth + 1, lhs);
          const withInclude = this.chance(0.3);
          const include = withInclude ? this.includeLabel(one, g, depth) : null;
          const rhs = include ? include.vec : one;
          const incl = include ? `(${include.label})` : this.chance(0.5) ? '' : '()';
          const mod = include || this.chance(0.5) || rest.length === 0 ? `on(${list(g)})` : `ignoring(${list(rest)})`;
          const many = this.operand(lhs);
          const labels = uniq([...lhs.labels, ...(include ? [include.label] : [])]);
          return this.chance(0.6)
            ? { text: `${many} ${op} ${mod} group_left${incl} ${this.operand(rhs)}`, labels, atomic: false }
            : { text: `${this.operand(rhs)} ${op} ${mod} group_right${incl} ${many}`, labels, atomic: false };
        },
      ],
    ]);
  }

  /** The one side with an extra label to copy: a single-valued label of a metric, or one made with label_replace. */
  private includeLabel(one: Vec, g: string[], depth: number): { vec: Vec; label: string } {
    const singles = uniq(this.cat.metrics.flatMap((m) => Object.entries(m.labels).filter(([, vs]) => vs.length === 1).map(([l]) => l))).filter((l) => !g.includes(l));
    const viaMax = singles.length > 0 && this.chance(0.5);
    if (viaMax) {
      const l = this.pick(singles);
      const rhs = this.aggregateTo(uniq([...g, l]), depth + 1);
      if (rhs.labels.includes(l)) return { vec: rhs, label: l };
    }
    return { vec: { text: `label_replace(${one.text}, "origin", "agg", "", "")`, labels: uniq([...one.labels, 'origin']), atomic: true }, label: 'origin' };
  }

  /** Another vector whose series carry the same labels as `v` (a transform of the same metric). */
  private sameLabels(v: Vec, depth: number): Vec {
    const m = this.cat.metrics.filter((x) => Object.keys(x.labels).sort().join() === v.labels.join());
    if (m.length > 0 && this.chance(0.7)) {
      const x = this.pick(m);
      const sel = this.selectorText(x);
      const text = COUNTERISH.has(x.type) && this.chance(0.6) ? `${this.pick(COUNTER_FNS)}(${sel}[${this.pick(SHORT_RANGES)}])` : `${sel}${this.modifiers(0.3, 0)}`;
      return { text, labels: v.labels, atomic: true };
    }
    return this.aggregateTo(v.labels, depth + 1, v);
  }

  private setOperation(depth: number): Vec {
    const lhs = this.vector(depth + 1);
    const op = this.pick(SET_OPS);
    return this.weighted<Vec>([
      [
        4,
        () => {
          const rhs = this.chance(0.6) ? this.sameLabels(lhs, depth) : this.vector(depth + 1);
          const labels = op === 'or' ? intersect(lhs.labels, rhs.labels) : lhs.labels;
          return { text: `${this.operand(lhs)} ${op} ${this.operand(rhs)}`, labels, atomic: false };
        },
      ],
      [
        3,
        () => {
          const g = this.subset(lhs.labels, 0.4);
          const rhs = this.chance(0.5) ? this.aggregateTo(g, depth + 1, lhs) : { ...this.aggregateTo(g, depth + 1), atomic: true };
          const filtered = this.chance(0.5) ? `(${rhs.text} ${this.pick(['>', '<', '>=', '!='])} ${this.pick(['0', '1', '0.5'])})` : this.operand(rhs);
          const mod = this.chance(0.6) || g.length === lhs.labels.length ? `on(${list(g)})` : `ignoring(${list(minus(lhs.labels, g))})`;
          return { text: `${this.operand(lhs)} ${op} ${mod} ${filtered}`, labels: op === 'or' ? g : lhs.labels, atomic: false };
        },
      ],
    ]);
  }

  /** Expressions Prometheus rejects while evaluating (matching errors, bad parameters): a minority on purpose. */
  private errorCase(): string {
    const m = this.metric('counter');
    const v = this.selectorText(m);
    const multi = Object.keys(m.labels).filter((l) => m.labels[l].length > 1);
    const l = multi.length > 0 ? this.pick(multi) : (Object.keys(m.labels)[0] ?? 'instance');
    return this.weighted<string>([
      // many-to-many on one-to-one matching.
      [3, () => `${v} ${this.pick(COMMON_ARITH)} on(${l}) ${v}`],
      // the "one" side is not unique.
      [2, () => `${v} ${this.pick(COMMON_ARITH)} on(${l}) group_left ${v}`],
      // many-to-one without group_left.
      [2, () => `${v} / on(${l}) sum by (${l}) (${v})`],
      // dropping the name makes duplicate label sets.
      [1, () => `rate({__name__=~${this.str(this.cat.metrics.map((x) => reEscape(x.name)).slice(0, 3).join('|'))}}[5m])`],
      [1, () => `holt_winters(${this.matrix(this.maxDepth, 'gauge').text}, 1.5, 0.5)`],
    ]);
  }
}
