/**
 * Pure data helpers behind the charts: no DOM, no d3-selection, so they run
 * (and are unit-tested) in Node. Times are simulated seconds.
 */
import type { MetricCheck, TickRecord } from '../../simulation/rollout/types';
import type { SloAlert, SloHistoryPoint } from '../../simulation/slo/runtime';

/** A point of a series; `v` null is a gap (no data). */
export interface Pt {
  t: number;
  v: number | null;
}

/**
 * Decimates a time-ordered series to `buckets` pixel columns over [t0, t1]
 * (M4: the first, minimum, maximum and last point of every column, in time
 * order), so a line drawn through the result looks the same as through every
 * point. Extremes and both endpoints are always kept; a gap (null) inside a
 * column is kept once so the line still breaks there. Returns the input
 * itself when it is already small enough.
 */
export function decimate(points: readonly Pt[], t0: number, t1: number, buckets: number): readonly Pt[] {
  const n = points.length;
  const cols = Math.max(1, Math.floor(buckets));
  if (n <= 4 * cols || !(t1 > t0)) return points;
  const keep = new Uint8Array(n);
  const span = t1 - t0;
  let col = -1;
  let first = -1;
  let last = -1;
  let lo = -1;
  let hi = -1;
  let gap = -1;
  const flush = () => {
    if (first >= 0) keep[first] = keep[last] = keep[lo] = keep[hi] = 1;
    if (gap >= 0) keep[gap] = 1;
  };
  for (let i = 0; i < n; i++) {
    const p = points[i];
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((p.t - t0) / span) * cols)));
    if (c !== col) {
      flush();
      col = c;
      first = last = lo = hi = gap = -1;
    }
    if (p.v === null || !Number.isFinite(p.v)) {
      if (gap < 0) gap = i;
      continue;
    }
    if (first < 0) first = lo = hi = i;
    last = i;
    if (p.v < (points[lo].v as number)) lo = i;
    if (p.v > (points[hi].v as number)) hi = i;
  }
  flush();
  // The series' own endpoints, even when they are gaps.
  keep[0] = keep[n - 1] = 1;
  const out: Pt[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(points[i]);
  return out;
}

/**
 * A step series (each value holds until the next) from per-tick records:
 * one point where the value changes, and a last point at `end` (the run's
 * time) so the last step is drawn up to now. Before the first record the
 * series has no value.
 */
export function stepSeries<T extends { t: number }>(records: readonly T[], value: (r: T) => number, end: number): Pt[] {
  const out: Pt[] = [];
  let prev: number | null = null;
  for (const r of records) {
    if (r.t > end) break;
    const v = value(r);
    if (v !== prev) out.push({ t: r.t, v });
    prev = v;
  }
  if (out.length > 0 && prev !== null && out[out.length - 1].t < end) out.push({ t: end, v: prev });
  return out;
}

/** The value of a step series at t (null before its first point). */
export function stepValueAt(series: readonly Pt[], t: number): number | null {
  let v: number | null = null;
  for (const p of series) {
    if (p.t > t) break;
    v = p.v;
  }
  return v;
}

/** A span of time in one state. */
export interface Span<S> {
  from: number;
  to: number;
  state: S;
}

/** Flagger's phase over time: runs of equal phase from the timeline, the last held up to `end`. */
export function phaseBands(timeline: readonly TickRecord[], end: number): Array<Span<string>> {
  const out: Array<Span<string>> = [];
  for (let i = 0; i < timeline.length; i++) {
    const r = timeline[i];
    if (r.t > end) break;
    const to = i + 1 < timeline.length ? Math.min(end, timeline[i + 1].t) : end;
    const last = out[out.length - 1];
    if (last && last.state === r.phase && last.to === r.t) last.to = to;
    else out.push({ from: r.t, to, state: r.phase });
  }
  return out.filter((s) => s.to > s.from);
}

/** The tick record in force at t (the last at or before it). */
export function recordAt<T extends { t: number }>(records: readonly T[], t: number): T | null {
  let lo = 0;
  let hi = records.length - 1;
  let found: T | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (records[mid].t <= t) {
      found = records[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export type CheckResult = 'pass' | 'fail' | 'nodata';

/** A metric check's result: no value is "no data" (Flagger counts it as failed too). */
export function checkResult(c: Pick<MetricCheck, 'value' | 'ok'>): CheckResult {
  if (c.value === null) return 'nodata';
  return c.ok ? 'pass' : 'fail';
}

/** The Canary's metrics in the order they were declared, then any others the checks name. */
export function metricNames(declared: ReadonlyArray<{ name: string }>, checks: readonly MetricCheck[]): string[] {
  const names = new Set(declared.map((m) => m.name));
  for (const c of checks) names.add(c.metric);
  return [...names];
}

/** The accepted range of a metric: the bounds its checks used (the latest), else the declared ones. */
export function metricBounds(name: string, declared: ReadonlyArray<{ name: string; min: number | null; max: number | null }>, checks: readonly MetricCheck[]): { min: number | null; max: number | null } {
  for (let i = checks.length - 1; i >= 0; i--) if (checks[i].metric === name) return { min: checks[i].min, max: checks[i].max };
  const d = declared.find((m) => m.name === name);
  return { min: d?.min ?? null, max: d?.max ?? null };
}

/** A y domain covering values and bounds, padded; never empty. */
export function valueDomain(values: ReadonlyArray<number | null>, extra: ReadonlyArray<number | null> = [], pad = 0.08): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of [...values, ...extra]) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (hi === lo) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

export type AlertState = 'pending' | 'firing';

/** An alert's state spans: pending activeAt → firedAt (or until dropped), firing firedAt → resolvedAt or `now`. Empty spans are left out. */
export function alertSpans(alerts: readonly SloAlert[], now: number): Array<Span<AlertState> & { alert: SloAlert }> {
  const out: Array<Span<AlertState> & { alert: SloAlert }> = [];
  for (const a of alerts) {
    if (a.activeAt > now) continue;
    const pendingEnd = Math.min(now, a.firedAt ?? a.resolvedAt ?? now);
    if (pendingEnd > a.activeAt) out.push({ from: a.activeAt, to: pendingEnd, state: 'pending', alert: a });
    if (a.firedAt !== null && a.firedAt <= now) {
      const end = Math.min(now, a.resolvedAt ?? now);
      if (end > a.firedAt) out.push({ from: a.firedAt, to: end, state: 'firing', alert: a });
      // Fired and resolved at the same evaluation, or firing at this very instant: a sliver stays visible.
      else out.push({ from: a.firedAt, to: a.firedAt, state: 'firing', alert: a });
    }
  }
  return out;
}

/** An alert's state at t; null when inactive. */
export function alertStateAt(alerts: readonly SloAlert[], t: number, now: number): AlertState | null {
  let state: AlertState | null = null;
  for (const s of alertSpans(alerts, now)) {
    if (t >= s.from && t <= s.to) {
      if (s.state === 'firing') return 'firing';
      state = 'pending';
    }
  }
  return state;
}

/** A policy tier as the charts need it: `above` a fraction of the budget remaining (null: the last tier). */
export interface TierDef {
  name: string;
  above: number | null;
}

/** The band of budget remaining each tier applies in, clipped to [lo, hi]; tiers outside are left out. Index: the tier's position. */
export function tierBands(tiers: readonly TierDef[], lo: number, hi: number): Array<{ name: string; index: number; from: number; to: number }> {
  const out: Array<{ name: string; index: number; from: number; to: number }> = [];
  let top = Infinity;
  tiers.forEach((tier, index) => {
    const bottom = tier.above ?? -Infinity;
    const from = Math.max(lo, bottom);
    const to = Math.min(hi, top);
    if (to > from) out.push({ name: tier.name, index, from, to });
    if (tier.above !== null) top = Math.min(top, tier.above);
  });
  return out;
}

/** The tier that applies with `remaining` (as the policy decides: above its bound). */
export function tierAt(tiers: readonly TierDef[], remaining: number): TierDef | null {
  for (const t of tiers) if (t.above === null || remaining > t.above) return t;
  return tiers[tiers.length - 1] ?? null;
}

/**
 * The y domain of a budget chart: the remaining budget's range, at least
 * `minSpan` tall, widened to take in tier bounds close to it (within one
 * span) so crossings into a tier are seen against its bound.
 */
export function budgetDomain(values: readonly number[], bounds: readonly number[], minSpan = 0.02): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  // The budget only goes down from where it starts: a flat one is shown from its top down.
  if (hi - lo < minSpan) lo = hi - minSpan;
  const span = hi - lo;
  for (const b of bounds) {
    if (b < lo - span || b > hi + span) continue;
    lo = Math.min(lo, b);
    hi = Math.max(hi, b);
  }
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

/** Budget remaining over time: the start at t=0, then every evaluation. */
export function budgetSeries(start: number, history: readonly SloHistoryPoint[], end: number): Pt[] {
  const out: Pt[] = [{ t: 0, v: start }];
  for (const h of history) {
    if (h.t > end) break;
    if (h.t === 0) out[0] = { t: 0, v: h.remaining };
    else out.push({ t: h.t, v: h.remaining });
  }
  return out;
}

/** One recorded window's burn rate over time (null where the rule had no data). */
export function burnRateSeries(history: readonly SloHistoryPoint[], window: string): Pt[] {
  return history.map((h) => ({ t: h.t, v: h.burnRates[window] ?? null }));
}

/** Prometheus durations (30s, 5m, 1h30m, 3d, 2w, 1y, 500ms) in seconds; null when not one. */
export function promSeconds(text: string): number | null {
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text.trim());
  if (!m || text.trim() === '') return null;
  const units = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];
  let s = 0;
  units.forEach((u, i) => {
    if (m[i + 1] !== undefined) s += Number(m[i + 1]) * u;
  });
  return s;
}

/** Nice tick times (seconds) over [t0, t1]: steps of whole seconds, minutes and hours, about `count` of them. */
export function timeTicks(t0: number, t1: number, count: number): number[] {
  const span = t1 - t0;
  if (!(span > 0) || count < 1) return [t0];
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  const raw = span / count;
  const step = steps.find((s) => s >= raw) ?? Math.ceil(raw / 604800) * 604800;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1 + 1e-9; t += step) out.push(t);
  return out;
}

/** The step-series values of two runs differ: spans where they do, over [0, end]. */
export function differingSpans(a: readonly Pt[], b: readonly Pt[], end: number): Array<{ from: number; to: number }> {
  const times = [...new Set([...a.map((p) => p.t), ...b.map((p) => p.t)])].filter((t) => t <= end).sort((x, y) => x - y);
  const out: Array<{ from: number; to: number }> = [];
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    const to = i + 1 < times.length ? times[i + 1] : end;
    if (to <= t) continue;
    const va = stepValueAt(a, t);
    const vb = stepValueAt(b, t);
    if (va === vb) continue;
    const last = out[out.length - 1];
    if (last && last.to === t) last.to = to;
    else out.push({ from: t, to });
  }
  return out;
}
