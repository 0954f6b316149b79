/**
 * A rollout's timeline reconstructed from what Traefik counted: the requests
 * its canary and primary Services answered (`traefik_service_requests_total`
 * by `service`, per Traefik replica) give the canary's share of the traffic
 * between scrapes, hence the weight Flagger had set, hence when its analysis
 * ticks were.
 *
 * Rules (docs/replay.md):
 *
 * 1. Per Traefik replica (the label set without service, code, method and
 *    protocol), the counters' increases between consecutive scrapes, counter
 *    resets handled as Prometheus does; a series that appears after the
 *    replica's first scrape counts from zero (Traefik creates it at its first
 *    request). The canary's share of each scrape interval is
 *    canary / (canary + primary).
 * 2. Flagger ticks every `analysis.interval` and only changes weights at a
 *    tick, so the weights are a step function on a grid φ + k·interval. The
 *    phase φ is the one whose step function (each interval's share rounded to
 *    a weight the Canary's schedule can produce) best explains every
 *    scrape interval's share, intervals that straddle a tick included (least
 *    squares, the traffic assumed even within a scrape interval; φ searched
 *    every 250 ms and at every scrape's position).
 * 3. A tick that lands within `snapMs` (default 2 s: Traefik's
 *    providersThrottleDuration) of a scrape is placed at that scrape, and the
 *    dry run reads only samples before a tick: the scrape at the tick is
 *    taken to come after it, as the traffic shows (it still saw the old
 *    weight).
 * 4. The analysis starts at the first tick after which the canary has
 *    traffic ("Starting canary analysis", weight to the first step) and ends
 *    at the tick after which it has none (routes back to 100/0).
 * 5. The end is a rollback when the canary's traffic stops before it reached
 *    the maximum weight, or one tick after reaching it (the threshold was
 *    already reached); a promotion when it shrinks step by step
 *    (stepWeightPromotion) or stays at the maximum for a number of ticks a
 *    rollback could not give (a rollback at the maximum needs exactly
 *    threshold − failed checks + 1 ticks there; a promotion needs at least
 *    2). Otherwise the rates cannot tell the two apart: the outcome is
 *    `promoted-or-rolled-back` and Flagger's events decide.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { maxWeightOf, nextStepWeight, strategyOf } from '../rollout/controller';
import type { CanarySpec } from '../rollout/types';
import type { SeriesStore } from '../telemetry/tsdb';
import { serviceLabelPattern, TIMELINE_METRICS } from './selectors';
import { formatClock, formatSpan } from './time';

export type TimelineOutcome = 'promoted' | 'rolled-back' | 'promoted-or-rolled-back' | 'in-progress' | 'no-analysis';

/** One analysis tick: the weight Traefik had after it (rounded to the schedule) and the canary's share measured until the next tick. */
export interface TimelineTick {
  tMs: number;
  weight: number;
  /** The canary's measured share of the requests between this tick and the next, 0–1; null without requests. */
  share: number | null;
}

export interface Timeline {
  source: 'traffic' | 'events';
  intervalMs: number;
  /** Ticks are at phaseMs + k · intervalMs. */
  phaseMs: number;
  /** The first tick of the analysis ("Starting canary analysis": the first step of weight); null when there is none. */
  startMs: number | null;
  /** The tick at which the canary's traffic ended; null when it still had traffic when the recording ends. */
  endMs: number | null;
  /** Ticks from the start to the end (or the recording's end), with the weights. */
  ticks: TimelineTick[];
  /** The weight before the start (0, unless the recording begins during an analysis). */
  initialWeight: number;
  startsMidAnalysis: boolean;
  outcome: TimelineOutcome;
  /** Why the outcome is what it is, in words. */
  reason: string;
  /** When the promotion or rollback was decided (the tick that started Promoting, or rolled back), when it can be told. */
  decidedAtMs: number | null;
  /** Ticks that did not advance the weight before it reached the maximum (halts: failed checks or closed gates). */
  halts: number[];
  /** The recording's first and last sample times of the counters read. */
  dataFromMs: number;
  dataToMs: number;
  /** The counter read and the Traefik service labels found. */
  metric: string;
  services: { canary: string[]; primary: string[] };
  warnings: string[];
}

export interface TimelineOptions {
  /** Ticks within this many ms of a scrape are put at the scrape (default 2000). */
  snapMs?: number;
  /** Phase search resolution (default 250 ms). */
  resolutionMs?: number;
}

interface Interval {
  fromMs: number;
  toMs: number;
  canary: number;
  primary: number;
}

const IGNORED_LABELS = new Set(['__name__', 'service', 'code', 'method', 'protocol']);

/** The weights a Canary's schedule can give (canary strategy: its steps up to the maximum; promotion steps; 0 and 100). */
export function scheduleWeights(canary: CanarySpec): number[] {
  const a = canary.analysis;
  const set = new Set<number>([0, 100]);
  const max = maxWeightOf(a);
  let w = 0;
  for (let i = 0; i < 200 && w < max; i++) {
    const step = nextStepWeight(a, w);
    if (step <= 0) break;
    w = Math.min(100, w + step);
    set.add(w);
  }
  // A promotion shifts the canary's share back from where the analysis ended, stepWeightPromotion at a time.
  if (a.stepWeightPromotion > 0) for (let c = w - a.stepWeightPromotion; c > 0; c -= a.stepWeightPromotion) set.add(c);
  return [...set].sort((x, y) => x - y);
}

function nearest(weights: readonly number[], share: number): number {
  let best = weights[0];
  for (const w of weights) if (Math.abs(w - share * 100) < Math.abs(best - share * 100)) best = w;
  return best;
}

/** Counter increases per replica and scrape interval, canary and primary apart. */
function increases(store: SeriesStore, metric: string, canaryRe: RegExp, primaryRe: RegExp): { intervals: Interval[]; canary: Set<string>; primary: Set<string>; fromMs: number; toMs: number } {
  const groups = new Map<string, Array<{ id: number; role: 'canary' | 'primary' }>>();
  const canary = new Set<string>();
  const primary = new Set<string>();
  for (const id of store.postings('__name__', metric)) {
    const labels = store.labels(id);
    const service = labels.service ?? '';
    const role = canaryRe.test(service) ? 'canary' : primaryRe.test(service) ? 'primary' : null;
    if (role === null) continue;
    (role === 'canary' ? canary : primary).add(service);
    const key = JSON.stringify(Object.entries(labels).filter(([k]) => !IGNORED_LABELS.has(k)));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push({ id, role });
  }
  const intervals: Interval[] = [];
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const members of groups.values()) {
    const times = new Set<number>();
    for (const m of members) {
      const s = store.samples(m.id);
      for (let i = 0; i < s.n; i++) if (!store.isStale(m.id, i)) times.add(s.t[i]);
    }
    const ts = [...times].sort((x, y) => x - y);
    if (ts.length === 0) continue;
    fromMs = Math.min(fromMs, ts[0]);
    toMs = Math.max(toMs, ts[ts.length - 1]);
    const index = new Map(ts.map((t, i) => [t, i]));
    const c = new Float64Array(ts.length);
    const p = new Float64Array(ts.length);
    for (const m of members) {
      const into = m.role === 'canary' ? c : p;
      const s = store.samples(m.id);
      let prevT = NaN;
      let prevV = NaN;
      for (let i = 0; i < s.n; i++) {
        if (store.isStale(m.id, i) || Number.isNaN(s.v[i])) continue;
        const t = s.t[i];
        const v = s.v[i];
        const j = index.get(t) as number;
        if (Number.isNaN(prevT)) {
          // Created after the replica's first scrape: Traefik made it at its first request, from zero.
          if (j > 0) into[j] += v;
        } else {
          const inc = v >= prevV ? v - prevV : v; // a reset starts again from zero
          // Spread over the replica's scrape intervals this sample pair spans (missed scrapes).
          const k0 = index.get(prevT) as number;
          const span = t - prevT;
          for (let k = k0 + 1; k <= j; k++) into[k] += (inc * (ts[k] - ts[k - 1])) / span;
        }
        prevT = t;
        prevV = v;
      }
    }
    for (let j = 1; j < ts.length; j++) intervals.push({ fromMs: ts[j - 1], toMs: ts[j], canary: c[j], primary: p[j] });
  }
  return { intervals, canary, primary, fromMs, toMs };
}

interface Fit {
  phase: number;
  sse: number;
  /** Tick index → rounded weight; tick k covers [phase + k·I, phase + (k+1)·I). */
  weights: Map<number, number>;
  shares: Map<number, number>;
}

/** The step function on the grid with this phase that explains the intervals best, and how well (weighted squared error). */
function fit(obs: readonly Interval[], phase: number, intervalMs: number, allowed: readonly number[]): Fit {
  const tickOf = (t: number) => Math.floor((t - phase) / intervalMs);
  // Shares per tick interval, from the scrape intervals inside it (or overlapping it, when none is inside).
  const inside = new Map<number, { c: number; n: number }>();
  const overlap = new Map<number, { c: number; n: number }>();
  for (const o of obs) {
    const n = o.canary + o.primary;
    const k0 = tickOf(o.fromMs);
    const k1 = tickOf(o.toMs - 1e-6);
    if (k0 === k1) {
      const e = inside.get(k0) ?? { c: 0, n: 0 };
      e.c += o.canary;
      e.n += n;
      inside.set(k0, e);
    }
    for (let k = k0; k <= k1; k++) {
      const lo = Math.max(o.fromMs, phase + k * intervalMs);
      const hi = Math.min(o.toMs, phase + (k + 1) * intervalMs);
      const f = (hi - lo) / (o.toMs - o.fromMs);
      const e = overlap.get(k) ?? { c: 0, n: 0 };
      e.c += f * o.canary;
      e.n += f * n;
      overlap.set(k, e);
    }
  }
  const weights = new Map<number, number>();
  const shares = new Map<number, number>();
  for (const [k, e] of overlap) {
    const src = inside.get(k) ?? e;
    if (src.n <= 0) continue;
    shares.set(k, src.c / src.n);
    weights.set(k, nearest(allowed, src.c / src.n));
  }
  let sse = 0;
  for (const o of obs) {
    const n = o.canary + o.primary;
    if (n <= 0) continue;
    let predicted = 0;
    const k0 = tickOf(o.fromMs);
    const k1 = tickOf(o.toMs - 1e-6);
    for (let k = k0; k <= k1; k++) {
      const lo = Math.max(o.fromMs, phase + k * intervalMs);
      const hi = Math.min(o.toMs, phase + (k + 1) * intervalMs);
      predicted += ((weights.get(k) ?? 0) / 100) * ((hi - lo) / (o.toMs - o.fromMs));
    }
    const r = o.canary - n * predicted;
    sse += (r * r) / n;
  }
  return { phase, sse, weights, shares };
}

const mod = (x: number, m: number) => ((x % m) + m) % m;

/**
 * Reconstructs the rollout's timeline from Traefik's per-service request
 * counters in the store; an error text when the store has none for the
 * Canary's Services.
 */
export function reconstructTimeline(store: SeriesStore, canary: CanarySpec, opts: TimelineOptions = {}): Timeline | { error: string } {
  const intervalMs = canary.analysis.intervalMs;
  const snapMs = opts.snapMs ?? 2000;
  const resolution = opts.resolutionMs ?? 250;
  const canaryRe = new RegExp(`^${serviceLabelPattern(canary, 'canary')}$`);
  const primaryRe = new RegExp(`^${serviceLabelPattern(canary, 'primary')}$`);
  const warnings: string[] = [];

  let metric: string | null = null;
  let data: ReturnType<typeof increases> | null = null;
  // The first counter with the primary's Service (the canary's appears only once it has traffic).
  for (const m of TIMELINE_METRICS) {
    const d = increases(store, m, canaryRe, primaryRe);
    if (d.primary.size > 0) {
      metric = m;
      data = d;
      break;
    }
  }
  if (metric === null || data === null) {
    const services = new Set<string>();
    for (const m of TIMELINE_METRICS) for (const id of store.postings('__name__', m)) services.add(store.labels(id).service ?? '');
    const seen = [...services].filter((s) => s !== '').sort();
    return {
      error:
        `no Traefik request counters of the Canary's Services: expected ${TIMELINE_METRICS[0]} with service labels matching ${serviceLabelPattern(canary, 'both')} ` +
        `(the canary's and the primary's Kubernetes Services as Traefik names them)${seen.length > 0 ? `; the data has services ${seen.slice(0, 8).join(', ')}${seen.length > 8 ? ', …' : ''}` : `; the data has no ${TIMELINE_METRICS.join(' or ')} at all`}`,
    };
  }
  if (strategyOf(canary.analysis) === 'blue-green') {
    return { error: 'a Blue/Green analysis (iterations without match) shifts no weight until its last iteration, so its ticks cannot be read from Traefik\'s rates: give Flagger\'s events (--events)' };
  }
  const obs = data.intervals.filter((o) => o.canary + o.primary > 0);
  const base = {
    source: 'traffic' as const,
    intervalMs,
    dataFromMs: data.fromMs,
    dataToMs: data.toMs,
    metric,
    services: { canary: [...data.canary].sort(), primary: [...data.primary].sort() },
    warnings,
  };
  const active = obs.filter((o) => o.canary > 0);
  if (active.length === 0) {
    return { ...base, phaseMs: 0, startMs: null, endMs: null, ticks: [], initialWeight: 0, startsMidAnalysis: false, outcome: 'no-analysis', reason: 'the canary had no traffic in the recording', decidedAtMs: null, halts: [] };
  }
  // Only the part around the canary's traffic tells the phase.
  const lo = Math.min(...active.map((o) => o.fromMs)) - 2 * intervalMs;
  const hi = Math.max(...active.map((o) => o.toMs)) + 2 * intervalMs;
  const near = obs.filter((o) => o.toMs >= lo && o.fromMs <= hi);
  const allowed = scheduleWeights(canary);

  const scrapePhases = [...new Set(near.flatMap((o) => [mod(o.fromMs, intervalMs), mod(o.toMs, intervalMs)]))];
  const candidates = new Set<number>(scrapePhases);
  for (let p = 0; p < intervalMs; p += resolution) candidates.add(p);
  let best: Fit | null = null;
  for (const p of [...candidates].sort((x, y) => x - y)) {
    const f = fit(near, p, intervalMs, allowed);
    if (best === null || f.sse < best.sse - 1e-9 * Math.max(1, best.sse)) best = f;
  }
  let phase = (best as Fit).phase;
  // A tick close to a scrape is put at it (rule 3).
  let closest: number | null = null;
  for (const s of scrapePhases) {
    const d = Math.min(mod(s - phase, intervalMs), mod(phase - s, intervalMs));
    if (d <= snapMs && (closest === null || d < Math.min(mod(closest - phase, intervalMs), mod(phase - closest, intervalMs)))) closest = s;
  }
  if (closest !== null) phase = closest;
  const chosen = fit(near, phase, intervalMs, allowed);

  // The weight per tick interval over the recording; intervals without requests keep the weight before them.
  const first = Math.floor((data.fromMs - phase) / intervalMs);
  const last = Math.floor((data.toMs - 1e-6 - phase) / intervalMs);
  const seq: Array<{ k: number; weight: number; share: number | null }> = [];
  let carry = 0;
  for (let k = first; k <= last; k++) {
    const w = chosen.weights.get(k);
    if (w !== undefined) carry = w;
    seq.push({ k, weight: carry, share: chosen.shares.get(k) ?? null });
  }
  // A lone interval without canary requests between two at the same weight is chance (little traffic), not a stop.
  for (let i = 1; i + 1 < seq.length; i++) {
    if (seq[i].weight === 0 && seq[i - 1].weight > 0 && seq[i + 1].weight === seq[i - 1].weight) seq[i].weight = seq[i - 1].weight;
  }
  // Analyses: runs of canary traffic. The last one is replayed.
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < seq.length; i++) {
    if (seq[i].weight > 0 && (i === 0 || seq[i - 1].weight === 0)) runs.push([i, seq.length]);
    if (seq[i].weight === 0 && i > 0 && seq[i - 1].weight > 0 && runs.length > 0) runs[runs.length - 1][1] = i;
  }
  const tickMs = (k: number) => phase + k * intervalMs;
  if (runs.length === 0) {
    return { ...base, phaseMs: phase, startMs: null, endMs: null, ticks: [], initialWeight: 0, startsMidAnalysis: false, outcome: 'no-analysis', reason: 'the canary\'s share never rounds to a weight of its schedule above 0', decidedAtMs: null, halts: [] };
  }
  if (runs.length > 1) {
    warnings.push(
      `the recording holds ${runs.length} analyses (canary traffic ${runs.map(([a, b]) => `${formatClock(tickMs(seq[a].k))}–${b < seq.length ? formatClock(tickMs(seq[b].k)) : 'end'}`).join(', ')}); the last one is replayed`,
    );
  }
  const [a, b] = runs[runs.length - 1];
  const startsMidAnalysis = a === 0;
  if (startsMidAnalysis) warnings.push(`the recording begins during an analysis (the canary already had ${seq[0].weight} % at ${formatClock(data.fromMs)}): failed checks before it are unknown and counted from 0`);
  const ticks: TimelineTick[] = [];
  for (let i = a; i < Math.min(b + 1, seq.length); i++) ticks.push({ tMs: tickMs(seq[i].k), weight: seq[i].weight, share: seq[i].share });
  const ended = b < seq.length;
  const startMs = ticks[0].tMs;
  const endMs = ended ? tickMs(seq[b].k) : null;

  // Outcome (rule 5).
  const analysis = canary.analysis;
  const max = maxWeightOf(analysis);
  const weightsRun = ticks.map((t) => t.weight);
  const atMax = weightsRun.findIndex((w) => w >= max);
  const halts: number[] = [];
  for (let i = 1; i < (atMax < 0 ? weightsRun.length : atMax + 1); i++) if (weightsRun[i] === weightsRun[i - 1] && weightsRun[i] > 0) halts.push(ticks[i].tMs);
  let outcome: TimelineOutcome;
  let reason: string;
  let decidedAtMs: number | null = null;
  const end = endMs === null ? '' : formatClock(endMs);
  if (!ended) {
    outcome = 'in-progress';
    reason = `the canary still had ${weightsRun[weightsRun.length - 1]} % of the traffic when the recording ends (${formatClock(data.toMs)})`;
  } else if (strategyOf(analysis) !== 'canary') {
    outcome = 'promoted-or-rolled-back';
    reason = `the canary had traffic from ${formatClock(startMs)} to ${end}; an A/B analysis routes all of it to the canary from its first iteration, so the rates cannot tell a promotion from a rollback`;
  } else if (atMax < 0) {
    outcome = 'rolled-back';
    decidedAtMs = endMs;
    reason = `the canary's traffic stopped at ${end} before it reached the maximum weight (${max} %; it had ${Math.max(...weightsRun)} %)`;
  } else {
    const ticksAtMax = ticks.length - 1 - atMax;
    const shrinking = weightsRun.slice(atMax + 1, -1).some((w, i) => w > 0 && w < weightsRun[atMax + i]);
    const minRollback = Math.max(2, analysis.threshold - halts.length + 1);
    const maxRollback = analysis.threshold + 1;
    if (shrinking) {
      outcome = 'promoted';
      reason = `the canary's weight went down step by step from ${max} % (stepWeightPromotion) to 0 at ${end}: a promotion`;
    } else if (ticksAtMax < 2) {
      outcome = 'rolled-back';
      decidedAtMs = endMs;
      reason = `the canary's traffic stopped at ${end}, one tick after it reached the maximum weight (${max} %): a promotion takes at least two (promote, then route all traffic to the primary)`;
    } else if (ticksAtMax < minRollback || ticksAtMax > maxRollback) {
      outcome = 'promoted';
      decidedAtMs = ticks[atMax + 1].tMs;
      reason = `the canary stayed at the maximum weight (${max} %) for ${ticksAtMax} ticks until ${end}; a rollback there would take ${minRollback === maxRollback ? minRollback : `${minRollback}–${maxRollback}`} (threshold ${analysis.threshold}, ${halts.length} halt${halts.length === 1 ? '' : 's'} before)`;
    } else {
      outcome = 'promoted-or-rolled-back';
      reason =
        `the canary stayed at the maximum weight (${max} %) for ${ticksAtMax} ticks until ${end}: a promotion (checks passing at the first of them, the primary rolling out) ` +
        `or a rollback after ${ticksAtMax - 1} failed checks there (threshold ${analysis.threshold}, ${halts.length} halt${halts.length === 1 ? '' : 's'} before) give the same traffic; Flagger's events (--events) tell which`;
    }
  }
  if (closest === null) warnings.push(`the ticks' phase (${formatSpan(phase)} past each ${formatSpan(intervalMs)} interval) is an estimate from the rates, not at a scrape: a check whose window edge falls near a scrape may read one sample more or less than Flagger did`);
  return { ...base, phaseMs: phase, startMs, endMs, ticks, initialWeight: startsMidAnalysis ? seq[a].weight : 0, startsMidAnalysis, outcome, reason, decidedAtMs, halts };
}

/** The weight Traefik had at time t (ms) according to the timeline (the one set at the last tick at or before t). */
export function weightAt(timeline: Timeline, tMs: number): number {
  let w = timeline.initialWeight;
  for (const tick of timeline.ticks) {
    if (tick.tMs > tMs) break;
    w = tick.weight;
  }
  return w;
}

/**
 * The requests Traefik counted for the Canary's canary Service between two
 * times (ms), from the counter the timeline read (`timeline.metric`): the
 * counters' increases per scrape interval as the reconstruction reads them
 * (rule 1), a scrape interval partly inside the span counted pro rata
 * (traffic taken as even within it).
 */
export function canaryRequestsBetween(store: SeriesStore, canary: CanarySpec, metric: string, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0;
  const canaryRe = new RegExp(`^${serviceLabelPattern(canary, 'canary')}$`);
  const primaryRe = new RegExp(`^${serviceLabelPattern(canary, 'primary')}$`);
  let served = 0;
  for (const o of increases(store, metric, canaryRe, primaryRe).intervals) {
    const lo = Math.max(o.fromMs, fromMs);
    const hi = Math.min(o.toMs, toMs);
    if (hi > lo && o.canary > 0) served += (o.canary * (hi - lo)) / (o.toMs - o.fromMs);
  }
  return served;
}
