import { compileGoRegexp } from '../routing/rule';
import { parseGoFloat } from '../util/go-float';
import type { Labels, SeriesStore } from '../telemetry/tsdb';
import { type Aggregate, type AtModifier, type Binary, type Call, type Expr, type LabelMatcher, type MatrixSelector, type Subquery, typeOf, type VectorMatching, type VectorSelector } from './ast';
import {
  Aggregator,
  bucketQuantile,
  changes,
  clamp,
  dateFunctions,
  dateOfValue,
  extrapolatedRate,
  formatPromValue,
  goDate,
  goFormatFloatV,
  heapSelect,
  holtWinters,
  instantValue,
  mathFunctions,
  overTime,
  predictLinear,
  quantile,
  resets,
  round,
} from './functions';
import { formatParseError, type ParseResult, parsePromQL } from './parse';

/**
 * PromQL evaluation over the simulated time-series store with Prometheus
 * 2.42's semantics: instant selectors take the newest sample in
 * [t − lookback, t] unless it is a staleness marker; range selectors take
 * the samples in [t − range, t] (both ends inclusive, as before 3.0);
 * subqueries step on absolute multiples of their resolution; `offset` and
 * `@` shift the evaluation time. Range queries evaluate every step as an
 * instant query at that time. Results come in the HTTP API's shape.
 */

export type Metric = Record<string, string>;

interface Sample {
  metric: Metric;
  value: number;
  /** Sample timestamp (ms), for timestamp(). */
  ts: number;
}

/** A range vector's series. Metrics and sample columns are never modified once made (they may be the store's own). */
interface Series {
  metric: Metric;
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
}

type Value = { kind: 'scalar'; v: number } | { kind: 'vector'; samples: Sample[] } | { kind: 'matrix'; series: Series[] } | { kind: 'string'; s: string };

export class PromQLError extends Error {}

export interface QueryOptions {
  /** Lookback delta in ms (Prometheus' default 5m). */
  lookback?: number;
  /** Subquery resolution when none is given: the global evaluation interval (default 1m). */
  defaultStep?: number;
  /**
   * Honour staleness markers (default true). Data backfilled into a real
   * Prometheus from OpenMetrics has none, so comparisons with it turn this off.
   */
  staleness?: boolean;
  /**
   * Only series whose labels pass this test exist for the query (the SLO
   * runtime reads one version's share of an SLI this way); none: all do.
   */
  seriesFilter?: (labels: Labels) => boolean;
}

export type ApiResult =
  | { resultType: 'vector'; result: Array<{ metric: Metric; value: [number, string] }> }
  | { resultType: 'matrix'; result: Array<{ metric: Metric; values: Array<[number, string]> }> }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'string'; result: [number, string] };

export type ApiResponse = { status: 'success'; data: ApiResult } | { status: 'error'; errorType: 'bad_data' | 'execution'; error: string };

/**
 * Parsed queries by their text. Flagger sends the same few query texts at
 * every analysis interval and a sweep repeats them over thousands of runs, so
 * parsing (most of an evaluation's cost) is done once per text. Syntax trees
 * are never modified after parsing, so sharing them is safe; the cache is
 * bounded and forgets the least recently used text first.
 */
const parseCache = new Map<string, ParseResult>();
const PARSE_CACHE_SIZE = 256;

function parseCached(query: string): ParseResult {
  const hit = parseCache.get(query);
  if (hit !== undefined) {
    parseCache.delete(query);
    parseCache.set(query, hit);
    return hit;
  }
  const parsed = parsePromQL(query);
  if (parseCache.size >= PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value as string);
  parseCache.set(query, parsed);
  return parsed;
}

/** An instant query at `timeMs`, as GET /api/v1/query answers it. */
export function instantQuery(store: SeriesStore, query: string, timeMs: number, options: QueryOptions = {}): ApiResponse {
  const parsed = parseCached(query);
  if (!parsed.ok) return { status: 'error', errorType: 'bad_data', error: `invalid parameter "query": ${formatParseError(query, parsed.position, parsed.message)}` };
  try {
    const ev = new Evaluator(store, timeMs, timeMs, options);
    const v = ev.eval(parsed.expr, timeMs);
    const t = timeMs / 1000;
    switch (v.kind) {
      case 'scalar':
        return { status: 'success', data: { resultType: 'scalar', result: [t, formatPromValue(v.v)] } };
      case 'string':
        return { status: 'success', data: { resultType: 'string', result: [t, v.s] } };
      case 'vector':
        return { status: 'success', data: { resultType: 'vector', result: v.samples.map((s) => ({ metric: { ...s.metric }, value: [t, formatPromValue(s.value)] as [number, string] })) } };
      case 'matrix':
        return {
          status: 'success',
          data: { resultType: 'matrix', result: v.series.map((s) => ({ metric: { ...s.metric }, values: Array.from(s.ts, (x, i) => [x / 1000, formatPromValue(s.vs[i])] as [number, string]) })) },
        };
    }
  } catch (e) {
    if (e instanceof PromQLError) return { status: 'error', errorType: 'execution', error: e.message };
    throw e;
  }
}

/**
 * An instant query's samples as numbers (what Prometheus' rule manager
 * reads): a scalar becomes one sample without labels, as a recording rule
 * stores it. Errors are returned, never thrown.
 */
export function instantVector(store: SeriesStore, query: string, timeMs: number, options: QueryOptions = {}): { ok: true; samples: Array<{ metric: Metric; value: number }> } | { ok: false; error: string } {
  const parsed = parseCached(query);
  if (!parsed.ok) return { ok: false, error: formatParseError(query, parsed.position, parsed.message) };
  try {
    const v = new Evaluator(store, timeMs, timeMs, options).eval(parsed.expr, timeMs);
    if (v.kind === 'scalar') return { ok: true, samples: [{ metric: {}, value: v.v }] };
    if (v.kind === 'vector') return { ok: true, samples: v.samples.map((s) => ({ metric: s.metric, value: s.value })) };
    return { ok: false, error: `rule result is not a vector or scalar but a ${v.kind === 'matrix' ? 'range vector' : 'string'}` };
  } catch (e) {
    if (e instanceof PromQLError) return { ok: false, error: e.message };
    throw e;
  }
}

/** A range query over [startMs, endMs] every stepMs, as GET /api/v1/query_range answers it. */
export function rangeQuery(store: SeriesStore, query: string, startMs: number, endMs: number, stepMs: number, options: QueryOptions = {}): ApiResponse {
  const parsed = parseCached(query);
  if (!parsed.ok) return { status: 'error', errorType: 'bad_data', error: `invalid parameter "query": ${formatParseError(query, parsed.position, parsed.message)}` };
  if (!(stepMs > 0)) return { status: 'error', errorType: 'bad_data', error: 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer' };
  if (endMs < startMs) return { status: 'error', errorType: 'bad_data', error: 'invalid parameter "end": end timestamp must not be before start time' };
  try {
    const ev = new Evaluator(store, startMs, endMs, options);
    const kind = typeOf(parsed.expr);
    if (kind === 'matrix' || kind === 'string') {
      return { status: 'error', errorType: 'bad_data', error: `invalid expression type "${kind === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector` };
    }
    const out = new Map<string, { metric: Metric; values: Array<[number, string]> }>();
    for (let t = startMs; t <= endMs; t += stepMs) {
      const v = ev.eval(parsed.expr, t);
      const samples: Sample[] = v.kind === 'scalar' ? [{ metric: {}, value: v.v, ts: t }] : v.kind === 'vector' ? v.samples : [];
      const seen = new Set<string>();
      for (const s of samples) {
        const key = labelsKey(s.metric);
        if (seen.has(key)) throw new PromQLError('vector cannot contain metrics with the same labelset');
        seen.add(key);
        let series = out.get(key);
        if (!series) out.set(key, (series = { metric: { ...s.metric }, values: [] }));
        series.values.push([t / 1000, formatPromValue(s.value)]);
      }
    }
    const result = [...out.values()].sort((a, b) => compareLabels(a.metric, b.metric));
    return { status: 'success', data: { resultType: 'matrix', result } };
  } catch (e) {
    if (e instanceof PromQLError) return { status: 'error', errorType: 'execution', error: e.message };
    throw e;
  }
}

// ---- labels --------------------------------------------------------------------

export function labelsKey(m: Metric): string {
  const keys = sortedKeys(m);
  let key = '';
  for (let i = 0; i < keys.length; i++) key += `${i === 0 ? '' : '\u0001'}${keys[i]}\u0000${m[keys[i]]}`;
  return key;
}

/** Object.keys(m) sorted; the store's label sets (and most derived from them) are in order already, so sort only when not. */
function sortedKeys(m: Metric): string[] {
  const keys = Object.keys(m);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

/** The first index of an ascending list whose value is >= x. */
function lowerBoundOf(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two sorted lists merged into a new one. */
function mergeSorted(a: readonly number[], b: readonly number[], cmp: (x: number, y: number) => number): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(cmp(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

function compareLabels(a: Metric, b: Metric): number {
  const ka = sortedKeys(a);
  const kb = sortedKeys(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    if (a[ka[i]] !== b[kb[i]]) return a[ka[i]] < b[kb[i]] ? -1 : 1;
  }
  return ka.length - kb.length;
}

/**
 * Label sets without their metric name, by the store's label set they come
 * from. Functions and arithmetic drop the name of the same store series at
 * every evaluation; a store's label sets are frozen and live as long as the
 * store, so the (frozen) result is kept with them. Other label sets (made
 * during a query) are copied each time.
 */
const withoutNames = new WeakMap<Metric, Metric>();

function dropName(m: Metric): Metric {
  if (!('__name__' in m)) return m;
  const frozen = Object.isFrozen(m);
  if (frozen) {
    const hit = withoutNames.get(m);
    if (hit !== undefined) return hit;
  }
  const out: Metric = {};
  for (const k of Object.keys(m)) if (k !== '__name__') out[k] = m[k];
  if (frozen) withoutNames.set(m, Object.freeze(out));
  return out;
}

function formatLabels(m: Metric): string {
  return `{${Object.keys(m)
    .sort()
    .map((k) => `${k}="${m[k]}"`)
    .join(', ')}}`;
}

/** Whether a label's value ("" when the series has no such label) satisfies a matcher; `regex` gives the anchored pattern. */
export function labelMatches(m: LabelMatcher, value: string, regex: (re: string) => RegExp): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return regex(m.value).test(value);
    case '!~':
      return !regex(m.value).test(value);
  }
}

/** Prometheus anchors label matcher regexes: ^(?:re)$ (flag groups inside keep Go's scoping). */
function anchored(re: string): RegExp {
  const r = compileGoRegexp(`^(?:${re})$`);
  if (!r.ok) throw new PromQLError(r.message);
  return r.regexp;
}

// ---- the evaluator ------------------------------------------------------------------

/** The operators that drop the metric name (2.42's shouldDropMetricName: not atan2). */
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^']);
const COMPARISON = new Set(['==', '!=', '>', '<', '>=', '<=']);

/**
 * Series ids each selector of a cached syntax tree matched, with the store and
 * its series count at the time: a store only ever gains series, so the ids
 * stay right until a series is added. Repeated queries then skip matching.
 */
const selections = new WeakMap<VectorSelector, { store: SeriesStore; count: number; ids: number[] }>();

class Evaluator {
  private readonly lookback: number;
  private readonly defaultStep: number;
  private readonly regexes = new Map<string, RegExp>();

  constructor(
    private readonly store: SeriesStore,
    private readonly startMs: number,
    private readonly endMs: number,
    options: QueryOptions,
  ) {
    this.lookback = options.lookback ?? 5 * 60_000;
    this.defaultStep = options.defaultStep ?? 60_000;
    this.staleness = options.staleness ?? true;
    this.seriesFilter = options.seriesFilter ?? null;
  }

  private readonly seriesFilter: ((labels: Labels) => boolean) | null;

  private readonly staleness: boolean;

  private atTime(at: AtModifier, t: number): number {
    if (at === null) return t;
    if (at.kind === 'time') return at.ms;
    return at.kind === 'start' ? this.startMs : this.endMs;
  }

  eval(e: Expr, t: number): Value {
    switch (e.type) {
      case 'number':
        return { kind: 'scalar', v: e.value };
      case 'string':
        return { kind: 'string', s: e.value };
      case 'paren':
        return this.eval(e.expr, t);
      case 'unary': {
        const v = this.eval(e.expr, t);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', v: -v.v };
        if (v.kind === 'vector') return { kind: 'vector', samples: uniqueAfterDrop(v.samples, v.samples.map((s) => ({ metric: dropName(s.metric), value: -s.value, ts: s.ts }))) };
        throw new PromQLError('unary minus needs a scalar or an instant vector');
      }
      case 'vectorSelector':
        return { kind: 'vector', samples: this.instant(e, t) };
      case 'matrixSelector':
        return { kind: 'matrix', series: this.range(e, t) };
      case 'subquery':
        return { kind: 'matrix', series: this.subquery(e, t) };
      case 'call':
        return this.call(e, t);
      case 'aggregate':
        return { kind: 'vector', samples: this.aggregate(e, t) };
      case 'binary':
        return this.binary(e, t);
    }
  }

  // ---- selectors ----------------------------------------------------------------

  private regex(re: string): RegExp {
    let r = this.regexes.get(re);
    if (!r) this.regexes.set(re, (r = anchored(re)));
    return r;
  }

  private readonly regexOf = (re: string): RegExp => this.regex(re);

  private matches(m: LabelMatcher, value: string): boolean {
    return labelMatches(m, value, this.regexOf);
  }

  /** Store ids of the series a selector matches (a label that is absent has the value ""), in label order. */
  private select(vs: VectorSelector): number[] {
    const filter = this.seriesFilter;
    const ids = this.selectAll(vs);
    if (!filter) return ids;
    // Filtering the ordered selection keeps its order: the same ids, in the same order, as filtering while matching.
    const out: number[] = [];
    for (const id of ids) if (filter(this.store.labels(id))) out.push(id);
    return out;
  }

  /**
   * The selection without a series filter, cached per selector and store:
   * series ids are dense and only ever added, so when series were added
   * since, only the new ids are matched and merged in. Distinct series have
   * distinct label sets, so the label order is total and the merged list is
   * the one a full selection gives.
   */
  private selectAll(vs: VectorSelector): number[] {
    const store = this.store;
    const n = store.seriesCount;
    const hit = selections.get(vs);
    const cached = hit !== undefined && hit.store === store;
    if (cached && hit.count === n) return hit.ids;
    const from = cached ? hit.count : 0;
    let candidates: readonly number[] | null = null;
    for (const m of vs.matchers) {
      if (m.op !== '=' || m.value === '') continue;
      const p = store.postings(m.name, m.value);
      if (candidates === null || p.length < candidates.length) candidates = p;
    }
    const added: number[] = [];
    const consider = (id: number) => {
      const labels = store.labels(id);
      for (const m of vs.matchers) if (!this.matches(m, labels[m.name] ?? '')) return;
      added.push(id);
    };
    if (candidates !== null) {
      // Posting lists are ascending: start at the first id not yet considered.
      let i = from === 0 ? 0 : lowerBoundOf(candidates, from);
      for (; i < candidates.length; i++) consider(candidates[i]);
    } else for (let id = from; id < n; id++) consider(id);
    // Storage returns series sorted by their label sets; ties in topk/bottomk depend on it.
    const byLabels = (a: number, b: number) => compareLabels(store.labels(a), store.labels(b));
    added.sort(byLabels);
    const ids = cached && added.length > 0 ? mergeSorted(hit.ids, added, byLabels) : cached ? hit.ids : added;
    selections.set(vs, { store, count: n, ids });
    return ids;
  }

  private instant(vs: VectorSelector, t: number): Sample[] {
    const ref = this.atTime(vs.at, t) - vs.offset;
    const out: Sample[] = [];
    for (const id of this.select(vs)) {
      let i = this.store.lowerBound(id, ref + 1) - 1;
      if (i >= 0 && this.staleness && this.store.isStale(id, i)) continue;
      // Without staleness handling, a marker is skipped and the sample before it counts (as in backfilled data).
      while (i >= 0 && this.store.isStale(id, i)) i--;
      const { t: ts, v } = this.store.samples(id);
      if (i < 0 || ts[i] < ref - this.lookback) continue;
      out.push({ metric: this.store.labels(id), value: v[i], ts: ts[i] });
    }
    return out;
  }

  /** Samples in [ref − range, ref] of each matched series (staleness markers left out). */
  private range(ms: MatrixSelector, t: number): Series[] {
    const vs = ms.vector;
    const ref = this.atTime(vs.at, t) - vs.offset;
    const out: Series[] = [];
    for (const id of this.select(vs)) {
      const from = this.store.lowerBound(id, ref - ms.range);
      const to = this.store.lowerBound(id, ref + 1);
      if (to <= from) continue;
      const { t: ts, v } = this.store.samples(id);
      let stale = 0;
      for (let i = from; i < to; i++) if (this.store.isStale(id, i)) stale++;
      if (stale === 0) {
        // Views of the store's columns: read-only here, and no append happens during a query.
        out.push({ metric: this.store.labels(id), ts: ts.subarray(from, to), vs: v.subarray(from, to) });
        continue;
      }
      if (stale === to - from) continue;
      const s = { metric: this.store.labels(id), ts: [] as number[], vs: [] as number[] };
      for (let i = from; i < to; i++) {
        if (this.store.isStale(id, i)) continue;
        s.ts.push(ts[i]);
        s.vs.push(v[i]);
      }
      out.push(s);
    }
    return out;
  }

  private subquery(sq: Subquery, t: number): Series[] {
    const step = sq.step > 0 ? sq.step : this.defaultStep;
    const end = this.atTime(sq.at, t) - sq.offset;
    const lo = end - sq.range;
    let start = step * Math.trunc(lo / step);
    if (start < lo) start += step;
    const out = new Map<string, Series>();
    for (let s = start; s <= end; s += step) {
      const v = this.eval(sq.expr, s);
      const samples: Sample[] = v.kind === 'scalar' ? [{ metric: {}, value: v.v, ts: s }] : v.kind === 'vector' ? v.samples : [];
      for (const x of samples) {
        const key = labelsKey(x.metric);
        let series = out.get(key);
        if (!series) out.set(key, (series = { metric: x.metric, ts: [] as number[], vs: [] as number[] }));
        (series.ts as number[]).push(s);
        (series.vs as number[]).push(x.value);
      }
    }
    return [...out.values()];
  }

  /** The range window [start, end] a matrix argument was selected over, for extrapolation. */
  private window(arg: Expr, t: number): { start: number; end: number } {
    if (arg.type === 'matrixSelector') {
      const end = this.atTime(arg.vector.at, t) - arg.vector.offset;
      return { start: end - arg.range, end };
    }
    if (arg.type === 'subquery') {
      const end = this.atTime(arg.at, t) - arg.offset;
      return { start: end - arg.range, end };
    }
    return { start: t, end: t };
  }

  // ---- functions -----------------------------------------------------------------

  private vectorArg(e: Expr, t: number): Sample[] {
    const v = this.eval(e, t);
    if (v.kind !== 'vector') throw new PromQLError('expected an instant vector');
    return v.samples;
  }

  private scalarArg(e: Expr, t: number): number {
    const v = this.eval(e, t);
    if (v.kind !== 'scalar') throw new PromQLError('expected a scalar');
    return v.v;
  }

  private stringArg(e: Expr, t: number): string {
    const v = this.eval(e, t);
    if (v.kind !== 'string') throw new PromQLError('expected a string');
    return v.s;
  }

  private matrixArg(e: Expr, t: number): Series[] {
    const v = this.eval(e, t);
    if (v.kind !== 'matrix') throw new PromQLError('expected a range vector');
    return v.series;
  }

  private call(c: Call, t: number): Value {
    const f = c.func;
    const args = c.args;
    const vec = (samples: Sample[]): Value => ({ kind: 'vector', samples: unique(samples) });
    const perSample = (g: (v: number) => number): Value => {
      const input = this.vectorArg(args[0], t);
      return { kind: 'vector', samples: uniqueAfterDrop(input, input.map((s) => ({ metric: dropName(s.metric), value: g(s.value), ts: s.ts }))) };
    };
    const math = mathFunctions[f];
    if (math) return perSample(math);
    const date = dateFunctions[f];
    if (date) {
      if (args.length === 0) {
        // time.Unix(enh.Ts/1000, 0): whole seconds, truncated toward zero.
        return { kind: 'vector', samples: [{ metric: {}, value: date(goDate(Math.trunc(t / 1000))), ts: t }] };
      }
      return perSample((v) => dateOfValue(date, v));
    }
    switch (f) {
      case 'time':
        return { kind: 'scalar', v: t / 1000 };
      case 'pi':
        return { kind: 'scalar', v: Math.PI };
      case 'vector':
        return { kind: 'vector', samples: [{ metric: {}, value: this.scalarArg(args[0], t), ts: t }] };
      case 'scalar': {
        const s = this.vectorArg(args[0], t);
        return { kind: 'scalar', v: s.length === 1 ? s[0].value : NaN };
      }
      case 'timestamp': {
        // Only a vector selector's samples keep their own timestamps; any other
        // expression's samples are stamped with the evaluation time (2.42's rangeEval).
        const direct = unwrapParens(args[0]).type === 'vectorSelector';
        const input = this.vectorArg(args[0], t);
        return { kind: 'vector', samples: uniqueAfterDrop(input, input.map((s) => ({ metric: dropName(s.metric), value: (direct ? s.ts : t) / 1000, ts: t }))) };
      }
      case 'round': {
        const to = args.length > 1 ? this.scalarArg(args[1], t) : 1;
        return perSample((v) => round(v, to));
      }
      case 'clamp': {
        const lo = this.scalarArg(args[1], t);
        const hi = this.scalarArg(args[2], t);
        if (lo > hi) return { kind: 'vector', samples: [] };
        return perSample((v) => clamp(v, lo, hi));
      }
      case 'clamp_min': {
        const lo = this.scalarArg(args[1], t);
        return perSample((v) => clamp(v, lo, Infinity));
      }
      case 'clamp_max': {
        const hi = this.scalarArg(args[1], t);
        return perSample((v) => clamp(v, -Infinity, hi));
      }
      case 'sort':
      case 'sort_desc': {
        const s = [...this.vectorArg(args[0], t)];
        const dir = f === 'sort' ? 1 : -1;
        // NaN sorts last in both directions, as Prometheus' comparators do.
        s.sort((a, b) => (Number.isNaN(a.value) ? 1 : Number.isNaN(b.value) ? -1 : dir * (a.value - b.value)));
        return { kind: 'vector', samples: s };
      }
      case 'absent':
      case 'absent_over_time': {
        const present = f === 'absent' ? this.vectorArg(args[0], t).length > 0 : this.matrixArg(args[0], t).length > 0;
        if (present) return { kind: 'vector', samples: [] };
        const sel = selectorOf(args[0]);
        return { kind: 'vector', samples: [{ metric: sel ? absentLabels(sel.matchers) : {}, value: 1, ts: t }] };
      }
      case 'histogram_quantile':
        return { kind: 'vector', samples: this.histogramQuantile(this.scalarArg(args[0], t), this.vectorArg(args[1], t)) };
      case 'histogram_count':
      case 'histogram_sum':
      case 'histogram_fraction': {
        // Native-histogram functions. 2.42 skips every float sample (`if
        // sample.H == nil { continue }`), and the store holds floats only
        // (classic histograms are float series with an le label), so the
        // answer is always an empty vector. The arguments are still evaluated,
        // for their errors.
        for (const a of args) this.eval(a, t);
        return { kind: 'vector', samples: [] };
      }
      case 'label_replace':
        return vec(this.labelReplace(args, t));
      case 'label_join':
        return vec(this.labelJoin(args, t));
      case 'rate':
      case 'increase':
      case 'delta': {
        const w = this.window(args[0], t);
        return this.rangeFn(args[0], t, (s) => extrapolatedRate(s.ts, s.vs, w.start, w.end, f !== 'delta', f === 'rate'));
      }
      case 'irate':
      case 'idelta':
        return this.rangeFn(args[0], t, (s) => instantValue(s.ts, s.vs, f === 'irate'));
      case 'resets':
        return this.rangeFn(args[0], t, (s) => resets(s.vs));
      case 'changes':
        return this.rangeFn(args[0], t, (s) => changes(s.vs));
      case 'quantile_over_time': {
        const q = this.scalarArg(args[0], t);
        return this.rangeFn(args[1], t, (s) => quantile(q, s.vs));
      }
      case 'predict_linear': {
        const d = this.scalarArg(args[1], t);
        return this.rangeFn(args[0], t, (s) => predictLinear(s.ts, s.vs, t, d));
      }
      case 'holt_winters': {
        const sf = this.scalarArg(args[1], t);
        const tf = this.scalarArg(args[2], t);
        // 2.42 checks the factors inside the function, which runs only for a
        // series with samples in the window: no series, no error.
        return this.rangeFn(args[0], t, (s) => {
          if (!(sf > 0 && sf < 1)) throw new PromQLError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFormatFloatV(sf)}`);
          if (!(tf > 0 && tf < 1)) throw new PromQLError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFormatFloatV(tf)}`);
          return holtWinters(s.vs, sf, tf);
        });
      }
      case 'last_over_time':
        return this.rangeFn(args[0], t, (s) => s.vs[s.vs.length - 1], false);
      default: {
        const over = overTime[f];
        if (over) return this.rangeFn(args[0], t, (s) => over(s.ts, s.vs, t));
        throw new PromQLError(`function "${f}" is not supported by the simulator`);
      }
    }
  }

  /** A function over each series of a range vector; series without a result are left out. */
  private rangeFn(arg: Expr, t: number, g: (s: Series) => number | undefined, dropsName = true): Value {
    const out: Sample[] = [];
    const input = this.matrixArg(arg, t);
    for (const s of input) {
      const v = g(s);
      if (v === undefined) continue;
      out.push({ metric: dropsName ? dropName(s.metric) : s.metric, value: v, ts: t });
    }
    return { kind: 'vector', samples: dropsName ? uniqueAfterDrop(input, out) : out };
  }

  private histogramQuantile(q: number, samples: Sample[]): Sample[] {
    const groups = new Map<string, { metric: Metric; buckets: Array<{ upperBound: number; count: number }> }>();
    for (const s of samples) {
      const le = s.metric.le;
      if (le === undefined) continue;
      // Prometheus skips a bucket whose le strconv.ParseFloat refuses.
      const upperBound = parseGoFloat(le);
      if (upperBound === null) continue;
      const m: Metric = {};
      for (const k of Object.keys(s.metric)) if (k !== '__name__' && k !== 'le') m[k] = s.metric[k];
      const key = labelsKey(m);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { metric: m, buckets: [] }));
      g.buckets.push({ upperBound, count: s.value });
    }
    return [...groups.values()].map((g) => ({ metric: g.metric, value: bucketQuantile(q, g.buckets), ts: 0 }));
  }

  private labelReplace(args: Expr[], t: number): Sample[] {
    const dst = this.stringArg(args[1], t);
    const repl = this.stringArg(args[2], t);
    const src = this.stringArg(args[3], t);
    const re = this.stringArg(args[4], t);
    let regexp: RegExp;
    try {
      regexp = this.regex(re);
    } catch {
      throw new PromQLError(`invalid regular expression in label_replace(): ${re}`);
    }
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst)) throw new PromQLError(`invalid destination label name in label_replace(): ${dst}`);
    const names = captureGroupNames(re);
    return this.vectorArg(args[0], t).map((s) => {
      const m = regexp.exec(s.metric[src] ?? '');
      if (!m) return s;
      const value = expandTemplate(repl, m, names);
      const metric = { ...s.metric };
      if (value === '') delete metric[dst];
      else metric[dst] = value;
      return { metric, value: s.value, ts: s.ts };
    });
  }

  private labelJoin(args: Expr[], t: number): Sample[] {
    const dst = this.stringArg(args[1], t);
    const sep = this.stringArg(args[2], t);
    const srcs = args.slice(3).map((a) => this.stringArg(a, t));
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst)) throw new PromQLError(`invalid destination label name in label_join(): ${dst}`);
    return this.vectorArg(args[0], t).map((s) => {
      const value = srcs.map((l) => s.metric[l] ?? '').join(sep);
      const metric = { ...s.metric };
      if (value === '') delete metric[dst];
      else metric[dst] = value;
      return { metric, value: s.value, ts: s.ts };
    });
  }

  // ---- aggregations ----------------------------------------------------------------

  private aggregate(a: Aggregate, t: number): Sample[] {
    let samples = this.vectorArg(a.expr, t);
    const param = a.param ? this.eval(a.param, t) : null;
    let grouping = a.grouping;
    let k = 0;
    if (a.op === 'topk' || a.op === 'bottomk') {
      const f = (param as { kind: 'scalar'; v: number }).v;
      if (!(f >= -9223372036854775808 && f <= 9223372036854774784)) throw new PromQLError(`Scalar value ${goFormatFloatV(f)} overflows int64`);
      k = Math.trunc(f);
      if (k < 1) return [];
    }
    if (a.op === 'count_values') {
      // 2.42 sets the value label on each sample first and then groups, the
      // value label counting as a `by` label (so it may replace a label of
      // the same name, and `without` that label removes it again).
      const label = (param as { kind: 'string'; s: string }).s;
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new PromQLError(`invalid label name "${label}"`);
      samples = samples.map((s) => ({ metric: { ...s.metric, [label]: formatPromValue(s.value) }, value: s.value, ts: s.ts }));
      if (!a.without) grouping = [...grouping, label];
    }
    if (!a.without && grouping.length === 0 && a.op !== 'topk' && a.op !== 'bottomk' && a.op !== 'quantile' && a.op !== 'count_values') {
      // No grouping labels (`sum(x)`, the SLO rules' and Flagger's shape): one group, with no labels, over every sample in order.
      if (samples.length === 0) return [];
      const acc = new Aggregator(a.op);
      for (const s of samples) acc.add(s.value);
      return [{ metric: {}, value: acc.result(), ts: t }];
    }
    const groupOf = (m: Metric): Metric => {
      const out: Metric = {};
      if (a.without) {
        for (const k of Object.keys(m)) if (k !== '__name__' && !grouping.includes(k)) out[k] = m[k];
      } else for (const k of grouping) if (m[k] !== undefined && m[k] !== '') out[k] = m[k];
      return out;
    };
    // With `by`, the group's key is its labels' values in label order (an
    // absent label and an empty one are the same); with `without`, the full key.
    const byLabels = a.without ? null : [...new Set(grouping)].sort();
    const groups = new Map<string, { metric: Metric; samples: Sample[] }>();
    for (const s of samples) {
      const g = groupOf(s.metric);
      const key = byLabels ? byLabels.map((l) => g[l] ?? '').join('\u0001') : labelsKey(g);
      let entry = groups.get(key);
      if (!entry) groups.set(key, (entry = { metric: g, samples: [] }));
      entry.samples.push(s);
    }
    const out: Sample[] = [];
    for (const { metric, samples: group } of groups.values()) {
      switch (a.op) {
        case 'topk':
        case 'bottomk':
          for (const s of heapSelect(group, (x) => x.value, k, a.op === 'topk')) out.push(s);
          break;
        case 'quantile':
          out.push({ metric, value: quantile((param as { kind: 'scalar'; v: number }).v, group.map((s) => s.value)), ts: t });
          break;
        case 'count_values':
          out.push({ metric, value: group.length, ts: t });
          break;
        default: {
          const acc = new Aggregator(a.op);
          for (const s of group) acc.add(s.value);
          out.push({ metric, value: acc.result(), ts: t });
        }
      }
    }
    return out;
  }

  // ---- binary operators ------------------------------------------------------------

  private binary(b: Binary, t: number): Value {
    const l = this.eval(b.lhs, t);
    const r = this.eval(b.rhs, t);
    if (l.kind === 'scalar' && r.kind === 'scalar') {
      const [v] = scalarOp(b.op, l.v, r.v);
      return { kind: 'scalar', v: COMPARISON.has(b.op) ? (v ? 1 : 0) : (v as number) };
    }
    if (l.kind === 'vector' && r.kind === 'vector') return { kind: 'vector', samples: this.vectorBinary(b, l.samples, r.samples) };
    if (l.kind === 'vector' && r.kind === 'scalar') return { kind: 'vector', samples: uniqueAfterDrop(l.samples, vectorScalar(b, l.samples, r.v, false)) };
    if (l.kind === 'scalar' && r.kind === 'vector') return { kind: 'vector', samples: uniqueAfterDrop(r.samples, vectorScalar(b, r.samples, l.v, true)) };
    throw new PromQLError('binary expression must contain only scalar and instant vector types');
  }

  private vectorBinary(b: Binary, lhs: Sample[], rhs: Sample[]): Sample[] {
    const matching = b.matching as VectorMatching;
    const sig = signature(matching);
    if (b.op === 'and' || b.op === 'or' || b.op === 'unless') {
      const rightSigs = new Set(rhs.map((s) => sig(s.metric)));
      if (b.op === 'and') return lhs.filter((s) => rightSigs.has(sig(s.metric)));
      if (b.op === 'unless') return lhs.filter((s) => !rightSigs.has(sig(s.metric)));
      const leftSigs = new Set(lhs.map((s) => sig(s.metric)));
      return [...lhs, ...rhs.filter((s) => !leftSigs.has(sig(s.metric)))];
    }
    const swap = matching.card === 'one-to-many';
    const many = swap ? rhs : lhs;
    const one = swap ? lhs : rhs;
    const oneSigs = new Map<string, Sample>();
    for (const s of one) {
      const k = sig(s.metric);
      const dup = oneSigs.get(k);
      if (dup) {
        throw new PromQLError(
          `found duplicate series for the match group ${formatLabels(matchGroup(matching, s.metric))} on the ${swap ? 'left' : 'right'} hand-side of the operation: [${formatLabels(s.metric)}, ${formatLabels(dup.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      oneSigs.set(k, s);
    }
    const matched = new Map<string, Metric>();
    const out: Sample[] = [];
    for (const s of many) {
      const k = sig(s.metric);
      const o = oneSigs.get(k);
      if (!o) continue;
      const vl = swap ? o.value : s.value;
      const vr = swap ? s.value : o.value;
      let [value, keep] = vectorElemOp(b.op, vl, vr);
      if (b.bool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      const metric = resultMetric(s.metric, o.metric, b.op, b.bool, matching);
      if (matching.card === 'one-to-one') {
        if (matched.has(k)) throw new PromQLError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
        matched.set(k, metric);
      } else {
        const mk = labelsKey(metric);
        if (matched.has(mk)) throw new PromQLError('multiple matches for labels: grouping labels must ensure unique matches');
        matched.set(mk, metric);
      }
      out.push({ metric, value, ts: s.ts });
    }
    return out;
  }
}

// ---- helpers ------------------------------------------------------------------------

/** The vector selector inside absent()'s argument, if it is one. */
function selectorOf(e: Expr): VectorSelector | null {
  if (e.type === 'vectorSelector') return e;
  if (e.type === 'matrixSelector') return e.vector;
  return null;
}

/** absent(): labels from the equality matchers (a label matched twice is left out). */
function absentLabels(matchers: LabelMatcher[]): Metric {
  const out: Metric = {};
  const twice = new Set<string>();
  for (const m of matchers) {
    if (m.name === '__name__') continue;
    if (m.op === '=' && !(m.name in out) && !twice.has(m.name)) out[m.name] = m.value;
    else if (m.name in out) {
      delete out[m.name];
      twice.add(m.name);
    }
  }
  return out;
}

function unwrapParens(e: Expr): Expr {
  while (e.type === 'paren') e = e.expr;
  return e;
}

/**
 * `out` derived from `input` (label sets unique) by dropping the metric
 * name: duplicates are possible only when the input had more than one name.
 * Prometheus checks every step's vector (rangeEval) and fails on them.
 */
function uniqueAfterDrop(input: ReadonlyArray<{ metric: Metric }>, out: Sample[]): Sample[] {
  if (out.length < 2) return out;
  const name = input[0].metric.__name__;
  for (let i = 1; i < input.length; i++) if (input[i].metric.__name__ !== name) return unique(out);
  return out;
}

/** Duplicate label sets in a function's output are an error, as in Prometheus. */
function unique(samples: Sample[]): Sample[] {
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.metric);
    if (seen.has(k)) throw new PromQLError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
  return samples;
}

function signature(m: VectorMatching): (metric: Metric) => string {
  if (m.on) return (metric) => m.labels.map((l) => `${l}\u0000${metric[l] ?? ''}`).join('\u0001');
  const ignored = new Set([...m.labels, '__name__']);
  return (metric) =>
    Object.keys(metric)
      .filter((k) => !ignored.has(k))
      .sort()
      .map((k) => `${k}\u0000${metric[k]}`)
      .join('\u0001');
}

function matchGroup(m: VectorMatching, metric: Metric): Metric {
  const out: Metric = {};
  if (m.on) {
    for (const l of m.labels) if (metric[l] !== undefined) out[l] = metric[l];
  } else {
    for (const k of Object.keys(metric)) if (k !== '__name__' && !m.labels.includes(k)) out[k] = metric[k];
  }
  return out;
}

function shouldDropName(op: string, bool: boolean): boolean {
  return ARITHMETIC.has(op) || (COMPARISON.has(op) && bool);
}

function resultMetric(lhs: Metric, rhs: Metric, op: string, bool: boolean, m: VectorMatching): Metric {
  let out: Metric = { ...lhs };
  if (shouldDropName(op, bool)) delete out.__name__;
  if (m.card === 'one-to-one') {
    if (m.on) {
      const kept: Metric = {};
      for (const l of m.labels) if (out[l] !== undefined) kept[l] = out[l];
      out = kept;
    } else for (const l of m.labels) delete out[l];
  }
  for (const l of m.include) {
    const v = rhs[l];
    if (v !== undefined && v !== '') out[l] = v;
    else delete out[l];
  }
  return out;
}

function vectorScalar(b: Binary, samples: Sample[], scalar: number, swap: boolean): Sample[] {
  const out: Sample[] = [];
  for (const s of samples) {
    const lv = swap ? scalar : s.value;
    const rv = swap ? s.value : scalar;
    let [value, keep] = vectorElemOp(b.op, lv, rv);
    // The vector's value is the result of a filtering comparison, whichever side it is on.
    if (COMPARISON.has(b.op) && swap) value = s.value;
    if (b.bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.push({ metric: shouldDropName(b.op, b.bool) ? dropName(s.metric) : s.metric, value, ts: s.ts });
  }
  return out;
}

/** Arithmetic or comparison of two scalars: [result, comparison outcome]. */
function scalarOp(op: string, l: number, r: number): [number | boolean, boolean] {
  const [v, keep] = vectorElemOp(op, l, r);
  return COMPARISON.has(op) ? [keep, keep] : [v, true];
}

/** Prometheus' vectorElemBinop: the value and whether a comparison keeps it. */
function vectorElemOp(op: string, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+':
      return [l + r, true];
    case '-':
      return [l - r, true];
    case '*':
      return [l * r, true];
    case '/':
      return [l / r, true];
    case '^':
      return [goPow(l, r), true];
    case '%':
      // Go's math.Mod and JS % agree: the dividend's sign, NaN for an infinite dividend or a zero divisor.
      return [l % r, true];
    case 'atan2':
      return [Math.atan2(l, r), true];
    case '==':
      return [l, l === r];
    case '!=':
      return [l, l !== r];
    case '>':
      return [l, l > r];
    case '<':
      return [l, l < r];
    case '>=':
      return [l, l >= r];
    case '<=':
      return [l, l <= r];
    default:
      throw new PromQLError(`operator "${op}" not allowed between these operands`);
  }
}

/** Go's math.Pow differs from JS only in 1^±Inf and (-1)^±Inf, which Go gives as 1. */
function goPow(x: number, y: number): number {
  if ((x === 1 || x === -1) && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  if (x === 1) return 1;
  return x ** y;
}

/**
 * The names of a Go regexp's capture groups by group number (index 0 and
 * unnamed groups ''): `(?P<name>…)` is named, `(…)` unnamed, other `(?…`
 * groups do not capture; escapes and character classes are skipped. The
 * regexp translation keeps the numbering but not the names.
 */
export function captureGroupNames(pattern: string): string[] {
  const names = [''];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) i = end + 1;
      } else if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal member.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c !== '(') continue;
    if (pattern[i + 1] !== '?') names.push('');
    else {
      const named = /^\(\?P<([A-Za-z0-9_]+)>/.exec(pattern.slice(i));
      if (named) names.push(named[1]);
    }
  }
  return names;
}

/** Go's regexp.Expand: $1, ${1}, $name, ${name}, $$; an unknown group is empty. `names` from captureGroupNames. */
export function expandTemplate(template: string, m: RegExpExecArray, names: readonly string[] = []): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      name = template.slice(i + 2, close);
      if (!/^[a-zA-Z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
      i = close;
    } else {
      const mm = /^[a-zA-Z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) {
        out += c;
        continue;
      }
      name = mm[0];
      i += name.length;
    }
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else {
      const k = names.indexOf(name);
      out += (k > 0 ? m[k] : m.groups?.[name]) ?? '';
    }
  }
  return out;
}
