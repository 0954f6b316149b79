/**
 * A recording with its counting noise drawn again (a parametric bootstrap):
 * what the same rollout could have recorded had its requests arrived a
 * little differently. The tuning lab replays a recorded rollout once per
 * seed over such a recording (docs/tuning.md, "Replayed rollouts as
 * situations").
 *
 * - A counter's increase between two consecutive samples is drawn as
 *   Poisson with the recorded increase as its mean, and the series is summed
 *   up again from its first sample (kept as recorded: it holds everything
 *   counted before the recording). A reset is kept where it was (the
 *   increase after it is the value itself, as Prometheus' rate() reads it;
 *   the series starts again from zero). Requests are counts of independent
 *   arrivals: given the rate, the count in a scrape interval is Poisson, and
 *   so is every label's (code, method) share of it.
 * - A histogram's buckets (`_bucket` series of one label set, scraped
 *   together) are drawn per bucket on the non-cumulative increments (the
 *   observations that fell between two bounds), then summed up over `le`
 *   again, so the buckets stay cumulative; `_count` takes the `+Inf`
 *   bucket's increase; `_sum` grows by the recorded increase scaled by the
 *   drawn/recorded `_count` ratio (the mean observation kept).
 *   A summary's `_count` is drawn as a counter, its `_sum` scaled likewise.
 * - Everything else (gauges, quantiles, counters whose values are not whole
 *   numbers — seconds or bytes rather than events) is kept as recorded, and
 *   so is a histogram whose buckets were not scraped at the same instants
 *   (drawing them apart could break the order in `le`), with a warning.
 *
 * Sample times never change; the same plan, store and random stream give
 * the same recording, bit for bit. Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { Rng } from '../kernel/random';
import type { LabelMatcher } from '../promql/ast';
import { labelMatches } from '../promql/engine';
import { compileGoRegexp } from '../routing/rule';
import { poisson } from '../stats/sampling';
import { type MetricType, SeriesStore } from '../telemetry/tsdb';
import { describeLabels } from './import';

/** A histogram's series of one label set: buckets by increasing `le`, its `_count` and `_sum` (ids; null when absent). */
interface HistogramGroup {
  buckets: number[];
  /** Whether the last bucket is `+Inf` (then `_count` follows it). */
  inf: boolean;
  count: number | null;
  sum: number | null;
}

/** Which series are drawn again and how; the rest are kept as recorded. */
export interface ResamplePlan {
  /** Counters drawn as Poisson increases (ids). */
  counters: number[];
  /** Histograms drawn bucket by bucket. */
  histograms: HistogramGroup[];
  /** A summary's `_count` (drawn as a counter) and its `_sum`, scaled by the count's drawn/recorded ratio. */
  sums: Array<{ count: number; sum: number }>;
  /** Why some counting series are kept as recorded. */
  warnings: string[];
}

/** The type a family is declared with (null when undeclared or `unknown`). */
function declared(store: SeriesStore, family: string): MetricType | null {
  const t = store.family(family)?.type;
  return t === undefined || t === 'unknown' ? null : t;
}

/** Whether every value is a finite whole number, as counts of events are. */
function counts(store: SeriesStore, id: number): boolean {
  const s = store.samples(id);
  for (let i = 0; i < s.n; i++) if (store.isStale(id, i) || !Number.isInteger(s.v[i]) || s.v[i] < 0) return false;
  return true;
}

function finite(store: SeriesStore, id: number): boolean {
  const s = store.samples(id);
  for (let i = 0; i < s.n; i++) if (store.isStale(id, i) || !Number.isFinite(s.v[i])) return false;
  return true;
}

/** Whether two series were sampled at the same instants. */
function aligned(store: SeriesStore, a: number, b: number): boolean {
  const x = store.samples(a);
  const y = store.samples(b);
  if (x.n !== y.n) return false;
  for (let i = 0; i < x.n; i++) if (x.t[i] !== y.t[i]) return false;
  return true;
}

function leOf(text: string): number {
  const v = text === '+Inf' ? Infinity : Number(text);
  return Number.isNaN(v) ? NaN : v;
}

/** Finds the counting series of a recording (by their declared types, or by Prometheus' naming conventions when undeclared). */
export function planResampling(store: SeriesStore): ResamplePlan {
  const counters: number[] = [];
  const groups = new Map<string, { base: string; buckets: Array<{ id: number; le: number }>; count: number | null; sum: number | null }>();
  const group = (base: string, labels: Readonly<Record<string, string>>) => {
    const key = JSON.stringify([base, Object.entries(labels).filter(([k]) => k !== '__name__' && k !== 'le')]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { base, buckets: [], count: null, sum: null }));
    return g;
  };
  for (let id = 0; id < store.seriesCount; id++) {
    const labels = store.labels(id);
    const name = labels.__name__;
    const own = declared(store, name);
    if (own !== null) {
      if (own === 'counter') counters.push(id);
      continue;
    }
    const suffix = /_(bucket|count|sum|total)$/.exec(name)?.[1];
    if (suffix === undefined) continue;
    const base = name.slice(0, -(suffix.length + 1));
    const type = declared(store, base);
    if (suffix === 'total') {
      if (type === null || type === 'counter') counters.push(id);
    } else if (suffix === 'bucket') {
      if ((type === null || type === 'histogram') && labels.le !== undefined) group(base, labels).buckets.push({ id, le: leOf(labels.le) });
    } else if (type === null || type === 'histogram' || type === 'summary') {
      group(base, labels)[suffix as 'count' | 'sum'] = id;
    }
  }
  const warnings: string[] = [];
  const kept = (id: number, why: string) => warnings.push(`${describeLabels(store.labels(id))} is kept as recorded: ${why}`);
  const plan: ResamplePlan = { counters: [], histograms: [], sums: [], warnings };
  /** Whether a counter can be drawn (its values are counts); said when not. */
  const countable = (id: number) => {
    const ok = counts(store, id);
    if (!ok) kept(id, 'its values are not all whole numbers (not a count of events)');
    return ok;
  };
  for (const id of counters) if (countable(id)) plan.counters.push(id);
  for (const g of [...groups.values()].sort((a, b) => first(a) - first(b))) {
    if (g.buckets.length === 0) {
      // A summary (or a histogram's _count and _sum without buckets): the count is a counter, the sum follows it.
      if (g.count === null || !countable(g.count)) continue;
      if (g.sum !== null && aligned(store, g.count, g.sum) && finite(store, g.sum)) plan.sums.push({ count: g.count, sum: g.sum });
      else {
        plan.counters.push(g.count);
        if (g.sum !== null) kept(g.sum, `it was not sampled with ${store.labels(g.count).__name__}`);
      }
      continue;
    }
    const buckets = [...g.buckets].sort((a, b) => a.le - b.le);
    const ids = buckets.map((b) => b.id);
    const members = [...ids, ...(g.count === null ? [] : [g.count])];
    const problem = buckets.some((b) => Number.isNaN(b.le))
      ? 'a bucket bound (le) is not a number'
      : !members.every((id) => aligned(store, ids[0], id))
        ? 'its buckets (and _count) were not sampled at the same instants, so they cannot be drawn together'
        : !members.every((id) => counts(store, id))
          ? 'its buckets are not all whole numbers'
          : null;
    if (problem !== null) {
      for (const id of members) kept(id, problem);
      if (g.sum !== null) kept(g.sum, problem);
      continue;
    }
    const inf = buckets[buckets.length - 1].le === Infinity;
    let sum = g.sum;
    if (sum !== null && !(aligned(store, ids[0], sum) && finite(store, sum) && (inf || g.count !== null))) {
      kept(sum, `it was not sampled with the ${g.base} buckets, or has no _count or +Inf bucket to scale by`);
      sum = null;
    }
    plan.histograms.push({ buckets: ids, inf, count: g.count, sum });
  }
  return plan;
}

function first(g: { buckets: Array<{ id: number }>; count: number | null; sum: number | null }): number {
  return Math.min(...g.buckets.map((b) => b.id), g.count ?? Infinity, g.sum ?? Infinity);
}

/** One counter drawn again: its new values, and per step whether it reset and its recorded and drawn increases. */
interface Drawn {
  values: Float64Array;
  reset: Uint8Array;
  recorded: Float64Array;
  drawn: Float64Array;
}

function drawCounter(v: Float64Array, n: number, rng: Rng): Drawn {
  const out: Drawn = { values: new Float64Array(n), reset: new Uint8Array(n), recorded: new Float64Array(n), drawn: new Float64Array(n) };
  if (n === 0) return out;
  out.values[0] = v[0];
  for (let i = 1; i < n; i++) {
    const reset = v[i] < v[i - 1];
    const inc = reset ? v[i] : v[i] - v[i - 1];
    const k = poisson(rng, inc);
    out.reset[i] = reset ? 1 : 0;
    out.recorded[i] = inc;
    out.drawn[i] = k;
    out.values[i] = (reset ? 0 : out.values[i - 1]) + k;
  }
  return out;
}

/** A `_sum` grown by its recorded increases scaled by the count's drawn/recorded ratio, step by step (resets where the count reset). */
function scaleSum(v: Float64Array, n: number, count: Pick<Drawn, 'reset' | 'recorded' | 'drawn'>): Float64Array {
  const out = new Float64Array(n);
  if (n === 0) return out;
  out[0] = v[0];
  for (let i = 1; i < n; i++) {
    const reset = count.reset[i] === 1;
    const inc = reset ? v[i] : v[i] - v[i - 1];
    const ratio = count.recorded[i] > 0 ? count.drawn[i] / count.recorded[i] : 1;
    out[i] = (reset ? 0 : out[i - 1]) + inc * ratio;
  }
  return out;
}

/** A histogram's buckets drawn on their non-cumulative increases, summed up over `le` again; the `+Inf` bucket's steps for `_count`. */
function drawHistogram(store: SeriesStore, g: HistogramGroup, rng: Rng, into: Array<Float64Array | null>): void {
  const cols = g.buckets.map((id) => store.samples(id));
  const n = cols[0].n;
  const m = cols.length;
  const values = cols.map(() => new Float64Array(n));
  const steps: Drawn = { values: new Float64Array(0), reset: new Uint8Array(n), recorded: new Float64Array(n), drawn: new Float64Array(n) };
  const countCol = g.count === null ? null : store.samples(g.count);
  for (let j = 0; j < m; j++) values[j][0] = cols[j].v[0];
  for (let i = 1; i < n; i++) {
    // The histogram reset (its process restarted) when any of its series went down.
    let reset = countCol !== null && countCol.v[i] < countCol.v[i - 1];
    for (let j = 0; j < m && !reset; j++) if (cols[j].v[i] < cols[j].v[i - 1]) reset = true;
    let below = 0;
    let drawnBelow = 0;
    for (let j = 0; j < m; j++) {
      const inc = reset ? cols[j].v[i] : cols[j].v[i] - cols[j].v[i - 1];
      // Observations between this bound and the one below it (a recording's cumulative buckets should never decrease in le).
      drawnBelow += poisson(rng, Math.max(0, inc - below));
      below = Math.max(below, inc);
      values[j][i] = (reset ? 0 : values[j][i - 1]) + drawnBelow;
    }
    steps.reset[i] = reset ? 1 : 0;
    steps.recorded[i] = below;
    steps.drawn[i] = drawnBelow;
  }
  g.buckets.forEach((id, j) => (into[id] = values[j]));
  let count: Pick<Drawn, 'reset' | 'recorded' | 'drawn'> | null = g.inf ? steps : null;
  if (g.count !== null && countCol !== null) {
    if (g.inf) {
      // _count counts what +Inf counts: it takes the same drawn increases from its own first value.
      const c = new Float64Array(n);
      c[0] = countCol.v[0];
      for (let i = 1; i < n; i++) c[i] = (steps.reset[i] ? 0 : c[i - 1]) + steps.drawn[i];
      into[g.count] = c;
    } else {
      const drawn = drawCounter(countCol.v, n, rng);
      into[g.count] = drawn.values;
      count = drawn;
    }
  }
  if (g.sum !== null && count !== null) into[g.sum] = scaleSum(store.samples(g.sum).v, n, count);
}

/**
 * The recording with its counters, histograms and sums drawn again (the plan
 * says which); every series at the same id, with the same sample times and
 * families, the rest of the values as recorded.
 */
export function resampleRecording(store: SeriesStore, plan: ResamplePlan, rng: Rng): SeriesStore {
  const values: Array<Float64Array | null> = new Array(store.seriesCount).fill(null);
  for (const id of plan.counters) {
    const s = store.samples(id);
    values[id] = drawCounter(s.v, s.n, rng).values;
  }
  for (const g of plan.histograms) drawHistogram(store, g, rng, values);
  for (const { count, sum } of plan.sums) {
    const c = store.samples(count);
    const drawn = drawCounter(c.v, c.n, rng);
    values[count] = drawn.values;
    values[sum] = scaleSum(store.samples(sum).v, c.n, drawn);
  }
  return copyStore(store, (id) => values[id]);
}

/** A store with the same families and series (same ids, same times), each series' values from `valuesOf` (null: as recorded). */
function copyStore(store: SeriesStore, valuesOf: (id: number) => Float64Array | null, keep: (id: number) => boolean = () => true): SeriesStore {
  const out = store.families().reduce((s, f) => {
    s.defineFamily(f.name, f.type, f.help);
    return s;
  }, new SeriesStore());
  for (let id = 0; id < store.seriesCount; id++) {
    if (!keep(id)) continue;
    const to = out.seriesId(store.labels(id));
    const s = store.samples(id);
    const v = valuesOf(id) ?? s.v;
    for (let i = 0; i < s.n; i++) {
      if (store.isStale(id, i)) out.appendStale(to, s.t[i]);
      else out.append(to, s.t[i], v[i]);
    }
  }
  return out;
}

/** Whether a series' labels satisfy every matcher of a selector (an absent label has the value ""), as Prometheus selects. */
function selects(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>, regex: (re: string) => RegExp): boolean {
  return matchers.every((m) => labelMatches(m, labels[m.name] ?? '', regex));
}

/**
 * The recording with only the series some selector selects (the Canary's
 * queries and the timeline read nothing else), and for each selector how
 * many series it selected. Queries over it answer as over the whole
 * recording.
 */
export function selectRecording(store: SeriesStore, selectors: ReadonlyArray<readonly LabelMatcher[]>): { store: SeriesStore; selected: number[] } {
  const cache = new Map<string, RegExp>();
  const regex = (re: string) => {
    let r = cache.get(re);
    if (!r) {
      const c = compileGoRegexp(`^(?:${re})$`);
      // A pattern Prometheus would refuse selects nothing (the query fails there too).
      r = c.ok ? c.regexp : /(?!)/;
      cache.set(re, r);
    }
    return r;
  };
  const selected = selectors.map(() => 0);
  const keep = new Uint8Array(store.seriesCount);
  for (let id = 0; id < store.seriesCount; id++) {
    const labels = store.labels(id);
    selectors.forEach((m, k) => {
      if (selects(m, labels, regex)) {
        selected[k]++;
        keep[id] = 1;
      }
    });
  }
  return { store: copyStore(store, () => null, (id) => keep[id] === 1), selected };
}
