/**
 * Request rates for the traffic view, derived from cumulative counters: the
 * run's series (responses and 5xx per app and version, a point every record
 * interval) and the per-stream totals of successive snapshots. Pure: no DOM.
 */

/** Seconds of simulated time the rates are averaged over. */
export const RATE_WINDOW = 30;

/** A rate over a window: requests and 5xx per second, and the 5xx share of the requests. */
export interface Rate {
  /** Requests per second. */
  rate: number;
  /** 5xx responses per second. */
  errorRate: number;
  /** errorRate / rate (0 without requests). */
  errorRatio: number;
}

export const NO_RATE: Rate = Object.freeze({ rate: 0, errorRate: 0, errorRatio: 0 });

/** Per series key: its rate and the latest gauges. */
export interface KeyRate extends Rate {
  readyPods: number;
  inflight: number;
}

/** The parts of a series point the rates read (structurally a SeriesPoint). */
export interface CumulativePoint {
  t: number;
  requests: ArrayLike<number>;
  errors: ArrayLike<number>;
  inflight?: ArrayLike<number>;
  readyPods?: ArrayLike<number>;
}

/** The rate between two cumulative readings; a counter that went down (a reset) counts from zero. */
export function rateBetween(req0: number, err0: number, req1: number, err1: number, dt: number): Rate {
  if (!(dt > 0)) return NO_RATE;
  const dReq = req1 >= req0 ? req1 - req0 : req1;
  const dErr = err1 >= err0 ? err1 - err0 : err1;
  const rate = dReq / dt;
  const errorRate = Math.min(dErr, dReq) / dt;
  return { rate, errorRate, errorRatio: dReq > 0 ? Math.min(1, dErr / dReq) : 0 };
}

/**
 * Index of the last point with `t <= at` in points sorted by time (-1 when none).
 */
export function lastAtOrBefore(points: ReadonlyArray<{ t: number }>, at: number): number {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].t <= at) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Rates per series key over the `window` seconds up to the last point at or
 * before `t` (the whole series when shorter), with the latest ready pods and
 * in-flight requests. The window's start is the last point at least `window`
 * seconds before the end point, so the window covers whole record intervals.
 */
export function seriesRates(points: ReadonlyArray<CumulativePoint>, keys: number, t: number, window = RATE_WINDOW): KeyRate[] {
  const out: KeyRate[] = [];
  const end = lastAtOrBefore(points, t);
  if (end < 0) {
    for (let k = 0; k < keys; k++) out.push({ ...NO_RATE, readyPods: 0, inflight: 0 });
    return out;
  }
  const p1 = points[end];
  const startIndex = Math.max(0, lastAtOrBefore(points, p1.t - window));
  const p0 = points[startIndex];
  const dt = p1.t - p0.t;
  for (let k = 0; k < keys; k++) {
    const r = startIndex === end ? NO_RATE : rateBetween(p0.requests[k] ?? 0, p0.errors[k] ?? 0, p1.requests[k] ?? 0, p1.errors[k] ?? 0, dt);
    out.push({ ...r, readyPods: p1.readyPods?.[k] ?? 0, inflight: p1.inflight?.[k] ?? 0 });
  }
  return out;
}

/** Cumulative totals of one counter at a time. */
interface Totals {
  requests: number;
  errors: number;
}

/**
 * Rates of the traffic streams: the snapshots carry only each stream's totals
 * so far, so the tracker keeps the totals it has seen (one sample per
 * snapshot) and differences them over the window. A snapshot earlier than
 * the last one (a seek back, a new run) starts it over. Until it holds two
 * samples, the rate is the average since the run's start.
 */
export class StreamRateTracker {
  private samples: Array<{ t: number; totals: Map<string, Totals> }> = [];

  constructor(private readonly window = RATE_WINDOW) {}

  /** Records the totals at time t. */
  push(t: number, streams: Readonly<Record<string, { requests: number; errors: number }>>): void {
    const last = this.samples[this.samples.length - 1];
    if (last && t < last.t) this.samples = [];
    const totals = new Map<string, Totals>();
    for (const name of Object.keys(streams)) totals.set(name, { requests: streams[name].requests, errors: streams[name].errors });
    const prev = this.samples[this.samples.length - 1];
    if (prev && prev.t === t) this.samples[this.samples.length - 1] = { t, totals };
    else this.samples.push({ t, totals });
    // Keep one sample at or before the window's start, and everything after it.
    const keepFrom = lastAtOrBefore(this.samples, t - this.window);
    if (keepFrom > 0) this.samples.splice(0, keepFrom);
  }

  reset(): void {
    this.samples = [];
  }

  /** Samples held (for tests). */
  get size(): number {
    return this.samples.length;
  }

  /** The stream's rate over the window (the average since t = 0 with a single sample). */
  rate(stream: string): Rate {
    const n = this.samples.length;
    if (n === 0) return NO_RATE;
    const last = this.samples[n - 1];
    const b = last.totals.get(stream);
    if (!b) return NO_RATE;
    if (n === 1) return rateBetween(0, 0, b.requests, b.errors, last.t);
    const first = this.samples[0];
    const a = first.totals.get(stream) ?? { requests: 0, errors: 0 };
    return rateBetween(a.requests, a.errors, b.requests, b.errors, last.t - first.t);
  }
}
