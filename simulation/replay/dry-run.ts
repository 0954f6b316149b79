/**
 * Flagger's analysis replayed over a recorded rollout, in dry run: at each
 * tick of the recorded timeline the Canary's metric checks are evaluated over
 * the recorded series exactly as Flagger evaluates them, and its decisions
 * (halt, advance, promote, roll back) are taken by the simulator's own
 * Flagger controller (rollout/controller.ts, which runs the checks of
 * rollout/metrics.ts over the Prometheus provider of rollout/prometheus.ts),
 * through ports that act on nothing: the recording is what it is.
 *
 * The same recording can be judged with the Canary as written and with
 * candidate settings (`analysis.threshold=5`,
 * `metrics.request-success-rate.thresholdRange.min=98`: the tuning lab's knobs,
 * scenario/canary-knobs.ts), side by side with what actually happened
 * (Flagger's events when given, else what the traffic shows).
 *
 * What a dry run cannot know (docs/replay.md, "Simplifications"):
 *
 * - Each check reads the recording, i.e. the canary at the weight it really
 *   had. A candidate that would have held the canary at a lower weight sees
 *   the canary's metrics measured at the recorded weight (ratios and
 *   quantiles barely depend on it; volumes do).
 * - Webhooks are not called: gates are taken as open, rollout and
 *   pre-rollout hooks as passing, no rollback hook fires.
 * - Readiness is not replayed: the primary and the canary are taken as
 *   ready, so a promotion completes in two ticks.
 * - A candidate still undecided when the recorded analysis ended stays
 *   undecided: after that the recording holds no canary traffic to judge.
 * - The queries run at the tick's time over the samples scraped before it
 *   (a scrape at the tick's own time comes after Flagger's query, as in the
 *   simulator and in a live Prometheus, which appends a scrape once it is
 *   read), without staleness markers (recordings carry none).
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { instantQuery } from '../promql/engine';
import { CanaryController, maxWeightOf, strategyOf } from '../rollout/controller';
import { classify, type DecisionKind } from '../rollout/explain';
import { goFixed2, goFloatV } from '../rollout/format';
import { readAnswer } from '../rollout/prometheus';
import type { CanaryEvent, CanaryPorts, CanarySpec, CanaryStatus, MetricCheck, MetricTemplateSpec, Phase } from '../rollout/types';
import { type Knob, knobPath, parseKnobPath, withKnob } from '../scenario/canary-knobs';
import type { SeriesStore } from '../telemetry/tsdb';
import { type ActualRollout, actualFromEvents, describeActual, type EventsParse, isAbout, needsAnchor, otherCanaries, type PlacedEvent, placeEvents } from './events';
import { reconstructTimeline, type Timeline, type TimelineOptions, weightAt } from './timeline';
import { formatClock, formatSpan } from './time';

/** Ticks the dry run goes on after the recorded analysis ended, while a promotion completes (no checks then). */
const PROMOTION_TICKS = 100;

// ---- candidate settings -------------------------------------------------------------------------------------------

export interface Override {
  /** As given: `analysis.threshold=5`. */
  text: string;
  knob: Knob;
  value: string;
}

/** Reads `path=value` settings; errors say which and why (a malformed one, or a path that names no knob). */
export function parseOverrides(texts: readonly string[]): { overrides: Override[]; errors: string[] } {
  const overrides: Override[] = [];
  const errors: string[] = [];
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0) {
      errors.push(`${JSON.stringify(text)}: expected knob=value, e.g. analysis.threshold=5 or metrics.request-success-rate.thresholdRange.min=98`);
      continue;
    }
    const path = text.slice(0, eq).trim();
    const knob = parseKnobPath(path);
    if (knob === null) {
      errors.push(`${JSON.stringify(path)} is not a knob: use analysis.interval, analysis.threshold, analysis.stepWeight, analysis.maxWeight, analysis.iterations, analysis.stepWeightPromotion or metrics.<name>.thresholdRange.min|max`);
      continue;
    }
    overrides.push({ text: `${knobPath(knob)}=${text.slice(eq + 1).trim()}`, knob, value: text.slice(eq + 1).trim() });
  }
  return { overrides, errors };
}

/** The Canary with the settings applied, as the loader would read the edited YAML; errors name the setting. */
export function applyOverrides(canary: CanarySpec, overrides: readonly Override[]): { ok: true; canary: CanarySpec } | { ok: false; errors: string[] } {
  let c = canary;
  const errors: string[] = [];
  for (const o of overrides) {
    // An empty value removes a metric bound, as in the editor.
    const r = withKnob(c, o.knob, o.value === '' ? null : o.value);
    if ('error' in r) errors.push(`${o.text}: ${r.error}`);
    else c = r;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, canary: c };
}

// ---- the dry run --------------------------------------------------------------------------------------------------

/** A check as the dry run made it: Flagger's record of a check without its time (the tick holds it). */
export type DryRunCheck = Omit<MetricCheck, 't'>;

export interface DryRunTick {
  tMs: number;
  /** The weight the canary had in the recording while the checks' windows ran (just before the tick). */
  recordedWeight: number;
  /** After the tick. */
  phase: Phase;
  canaryWeight: number;
  failedChecks: number;
  decision: DecisionKind | 'none';
  checks: DryRunCheck[];
  events: Array<{ type: CanaryEvent['type']; message: string }>;
}

export interface DryRunFailure {
  tMs: number;
  metric: string;
  value: number | null;
  bound: number | null;
  op: '<' | '>' | null;
  error?: string;
}

export interface DryRunOutcome {
  result: 'promoted' | 'rolled-back' | 'undecided';
  /** The tick that decided: Promoting began, or the rollback; null while undecided. */
  atMs: number | null;
  /** Flagger's words for the decision. */
  reason: string | null;
  /** Failed checks counted when it was decided (or at the end). */
  failedChecks: number;
  /** The canary weight the analysis had reached (before a rollback reset it). */
  canaryWeight: number;
  phase: Phase;
  /** The last tick evaluated against the recording. */
  lastTickMs: number | null;
}

export interface DryRun {
  label: string;
  overrides: string[];
  settings: { interval: string; threshold: number; maxWeight: number; stepWeight: number; stepWeights: number[]; metrics: Array<{ name: string; interval: string; min: number | null; max: number | null }> };
  ticks: DryRunTick[];
  outcome: DryRunOutcome;
  /** The failed checks, in order (one per failing tick: Flagger stops at a tick's first failure). */
  failures: DryRunFailure[];
}

export interface DryRunOptions {
  /** Whether a sample at a tick's own time is seen by the tick's queries (default false: the scrape comes after the query). */
  seeSampleAtTick?: boolean;
}

/**
 * A read-only view of the store holding only the samples before `cutoffMs`
 * (every other read goes to the store itself): what Prometheus held when
 * Flagger queried it at `cutoffMs`. The engine finds a selector's samples
 * through `lowerBound`, so clipping it (and `samples`/`count`) clips every
 * query. The view is used for one tick and dropped.
 */
export function samplesBefore(store: SeriesStore, cutoffMs: number): SeriesStore {
  const view = Object.create(store) as SeriesStore;
  const end = (id: number) => store.lowerBound(id, cutoffMs);
  view.lowerBound = (id, tMs) => Math.min(store.lowerBound(id, tMs), end(id));
  view.count = (id) => end(id);
  view.samples = (id) => ({ ...store.samples(id), n: end(id) });
  return view;
}

function settingsOf(c: CanarySpec): DryRun['settings'] {
  const a = c.analysis;
  return {
    interval: formatSpan(a.intervalMs),
    threshold: a.threshold,
    maxWeight: maxWeightOf(a),
    stepWeight: a.stepWeight,
    stepWeights: [...a.stepWeights],
    metrics: a.metrics.map((m) => ({ name: m.name, interval: m.interval, min: m.thresholdRange?.min ?? null, max: m.thresholdRange?.max ?? null })),
  };
}

/** Ports over a recording: metrics from the store as it was at the tick, everything else a no-op that succeeds. */
function replayPorts(store: () => SeriesStore, templates: readonly MetricTemplateSpec[], now: () => number, routes: { primary: number; canary: number }): CanaryPorts {
  // Flagger's Prometheus provider (prometheus.ts readAnswer) over our evaluator, without staleness markers.
  const query = (q: string) => readAnswer(instantQuery(store(), q, now(), { staleness: false }));
  return {
    targetRevision: () => 'recorded-revision',
    primaryReadiness: () => ({ ready: true }),
    canaryReadiness: () => ({ ready: true }),
    scaleCanaryUp: () => {},
    scaleCanaryToZero: () => {},
    promotePrimary: () => {},
    getRoutes: () => ({ primary: routes.primary, canary: routes.canary, mirrored: false }),
    setRoutes: (p, c) => {
      if (p === 0 && c === 0) return { error: 'no valid weights' };
      routes.primary = p;
      routes.canary = c;
      return null;
    },
    queryMetricsServer: query,
    template: (name, namespace) => templates.find((t) => t.name === name && t.namespace === namespace) ?? null,
    queryTemplate: (_t, q) => query(q),
    callWebhook: () => ({ ok: true }),
  };
}

/**
 * Runs the Canary's analysis over the recording at the timeline's ticks
 * (every `analysis.interval` of the given Canary from the timeline's start to
 * its end), then on while a promotion completes.
 */
export function dryRun(label: string, overrides: readonly string[], canary: CanarySpec, templates: readonly MetricTemplateSpec[], store: SeriesStore, timeline: Timeline, opts: DryRunOptions = {}): DryRun {
  const seeAtTick = opts.seeSampleAtTick ?? false;
  // Webhooks are not replayed: no gate closes, no hook fails, no rollback hook fires.
  const spec: CanarySpec = { ...canary, analysis: { ...canary.analysis, webhooks: [] } };
  const ticks: DryRunTick[] = [];
  const failures: DryRunFailure[] = [];
  const start = timeline.startMs;
  const settings = settingsOf(canary);
  if (start === null) {
    return { label, overrides: [...overrides], settings, ticks, failures, outcome: { result: 'undecided', atMs: null, reason: null, failedChecks: 0, canaryWeight: 0, phase: 'Initialized', lastTickMs: null } };
  }
  let nowMs = start;
  let nowStore = store;
  const routes = { primary: 100 - timeline.initialWeight, canary: timeline.initialWeight };
  let events: DryRunTick['events'] = [];
  let checks: DryRunCheck[] = [];
  const initial: Partial<CanaryStatus> = {
    phase: 'Progressing',
    canaryWeight: timeline.initialWeight,
    failedChecks: 0,
    iterations: 0,
    lastAppliedSpec: 'recorded-revision',
    lastPromotedSpec: 'previous-revision',
  };
  const controller = new CanaryController(
    spec,
    replayPorts(() => nowStore, templates, () => nowMs, routes),
    {
      event: (e) => events.push({ type: e.type, message: e.message }),
      alert: () => {},
      check: (c) => checks.push({ metric: c.metric, kind: c.kind, query: c.query, value: c.value, min: c.min, max: c.max, ok: c.ok, ...(c.error !== undefined ? { error: c.error } : {}) }),
      tick: () => {},
    },
    initial,
  );
  const end = timeline.endMs ?? timeline.dataToMs;
  const interval = canary.analysis.intervalMs;
  let outcome: DryRunOutcome | null = null;
  let lastTickMs: number | null = null;
  let extra = 0;
  for (let t = start; ; t += interval) {
    const inRecording = t <= end;
    const before = controller.status;
    if (!inRecording) {
      // After the recorded analysis only a promotion's own ticks (no checks) are run.
      if (!(before.phase === 'Promoting' || before.phase === 'Finalising') || extra++ >= PROMOTION_TICKS) break;
    }
    nowMs = t;
    nowStore = seeAtTick ? store : samplesBefore(store, t);
    events = [];
    checks = [];
    controller.tick(t / 1000);
    if (inRecording) lastTickMs = t;
    const after = controller.status;
    const decisions = events.map((e) => classify(e.message));
    const decision: DryRunTick['decision'] =
      (['rollback', 'promote', 'halt', 'advance', 'iterate', 'shift', 'succeed', 'start', 'wait', 'not-ready'] as const).find((k) => decisions.includes(k)) ?? (decisions[0] ?? 'none');
    ticks.push({ tMs: t, recordedWeight: weightAt(timeline, t - 1), phase: after.phase, canaryWeight: after.canaryWeight, failedChecks: after.failedChecks, decision, checks, events });
    const failed = checks.find((c) => !c.ok);
    if (failed) {
      const op = failed.value === null ? null : failed.min !== null && failed.value < failed.min ? '<' : '>';
      failures.push({ tMs: t, metric: failed.metric, value: failed.value, bound: op === '<' ? failed.min : op === '>' ? failed.max : null, op, ...(failed.error ? { error: failed.error } : {}) });
    }
    if (outcome === null && after.phase === 'Failed') {
      const reason = events.find((e) => e.message.startsWith('Rolling back'))?.message ?? events.find((e) => classify(e.message) === 'rollback')?.message ?? null;
      outcome = { result: 'rolled-back', atMs: t, reason, failedChecks: before.failedChecks, canaryWeight: before.canaryWeight, phase: after.phase, lastTickMs: null };
      break;
    }
    if (outcome === null && (after.phase === 'Promoting' || after.phase === 'Finalising' || after.phase === 'Succeeded') && before.phase !== after.phase && (before.phase === 'Progressing' || before.phase === 'WaitingPromotion')) {
      outcome = { result: 'promoted', atMs: t, reason: events.find((e) => classify(e.message) === 'promote' || classify(e.message) === 'succeed')?.message ?? null, failedChecks: after.failedChecks, canaryWeight: before.canaryWeight, phase: after.phase, lastTickMs: null };
    }
    if (outcome !== null && after.phase === 'Succeeded') break;
  }
  const final = controller.status;
  if (outcome === null) outcome = { result: 'undecided', atMs: null, reason: null, failedChecks: final.failedChecks, canaryWeight: final.canaryWeight, phase: final.phase, lastTickMs: null };
  else outcome.phase = final.phase;
  outcome.lastTickMs = lastTickMs;
  return { label, overrides: [...overrides], settings, ticks, outcome, failures };
}

// ---- words --------------------------------------------------------------------------------------------------------

const TIMES = ['', 'once', 'twice'];

function formatValue(metric: string, v: number): string {
  return metric === 'request-duration' ? `${v} ms` : goFixed2(v);
}

function formatBound(metric: string, v: number): string {
  return metric === 'request-duration' ? `${v} ms` : goFloatV(v);
}

/** The failed checks in a few words: `request-success-rate < 99 twice (98.70 at 12:31:00, 98.90 at 12:32:00)`. */
export function describeFailures(failures: readonly DryRunFailure[]): string {
  const groups = new Map<string, DryRunFailure[]>();
  for (const f of failures) {
    const key = f.op === null ? `${f.metric}\u0000${f.error && !/no values found/.test(f.error) ? 'error' : 'none'}` : `${f.metric}\u0000${f.op}\u0000${f.bound}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  const parts: string[] = [];
  for (const g of groups.values()) {
    const f = g[0];
    const n = g.length;
    const times = n < TIMES.length ? TIMES[n] : `${n} times`;
    if (f.op === null) {
      const what = f.error && !/no values found/.test(f.error) ? `${f.metric} could not be evaluated` : `${f.metric} had no values`;
      parts.push(`${what} ${n === 1 ? `at ${formatClock(f.tMs)}` : `${times} (${g.map((x) => formatClock(x.tMs)).join(', ')})`}`);
    } else if (n === 1) {
      parts.push(`${f.metric} ${formatValue(f.metric, f.value as number)} ${f.op} ${formatBound(f.metric, f.bound as number)} at ${formatClock(f.tMs)}`);
    } else {
      parts.push(`${f.metric} ${f.op} ${formatBound(f.metric, f.bound as number)} ${times} (${g.map((x) => `${formatValue(x.metric, x.value as number)} at ${formatClock(x.tMs)}`).join(', ')})`);
    }
  }
  return parts.join('; ');
}

/** What a dry run decided, in one line. */
export function describeRun(run: DryRun): string {
  const o = run.outcome;
  const fc = o.failedChecks;
  const checks = `${fc} failed check${fc === 1 ? '' : 's'}`;
  const counted = run.failures.filter((f) => o.atMs === null || f.tMs < o.atMs);
  const why = counted.length > 0 ? `: ${describeFailures(counted)}` : '';
  switch (o.result) {
    case 'promoted':
      return `promoted at ${formatClock(o.atMs as number)}${fc > 0 ? ` after ${checks}${why}` : ', every check passing'}`;
    case 'rolled-back':
      return `rolled back at ${formatClock(o.atMs as number)} (${o.reason ?? 'rollback'}) after ${checks}${why}`;
    case 'undecided':
      return `undecided when the recorded analysis ended${o.lastTickMs === null ? '' : ` at ${formatClock(o.lastTickMs)}`}: canary weight ${o.canaryWeight}, ${checks}${why}`;
  }
}

// ---- the replay ---------------------------------------------------------------------------------------------------

export interface ReplayInput {
  canary: CanarySpec;
  templates: readonly MetricTemplateSpec[];
  store: SeriesStore;
  /** Flagger's events, parsed (events.ts); null without. */
  events?: EventsParse | null;
  /** When kubectl printed the events' ages (ms); null: the ages are anchored to the traffic. */
  eventsAtMs?: number | null;
  /** Candidate settings, `path=value`. */
  overrides?: readonly string[];
  timeline?: TimelineOptions;
  dryRun?: DryRunOptions;
}

export interface ReplayResult {
  canary: string;
  data: { series: number; samples: number; fromMs: number | null; toMs: number | null };
  /** The timeline the dry runs tick on. */
  timeline: Timeline;
  /** The timeline read from Traefik's rates (the same object when it is the one used); null when it could not be read. */
  trafficTimeline: Timeline | null;
  trafficError: string | null;
  /** What actually happened, from Flagger's events (or the traffic). */
  actual: ActualRollout | null;
  runs: DryRun[];
  /** The side by side, one line each: what happened, then each run. */
  comparison: string[];
  warnings: string[];
}

export type ReplayOutcome = { ok: true; result: ReplayResult } | { ok: false; errors: string[]; warnings: string[] };

function storeSpan(store: SeriesStore): ReplayResult['data'] {
  let from = Infinity;
  let to = -Infinity;
  for (let id = 0; id < store.seriesCount; id++) {
    const s = store.samples(id);
    if (s.n === 0) continue;
    from = Math.min(from, s.t[0]);
    to = Math.max(to, s.t[s.n - 1]);
  }
  return { series: store.seriesCount, samples: store.sampleCount, fromMs: Number.isFinite(from) ? from : null, toMs: Number.isFinite(to) ? to : null };
}

/** Events on ticks are put on the grid (phase + k · interval) when they are within their uncertainty of a tick. */
function snapToGrid(placed: PlacedEvent[], phaseMs: number, intervalMs: number): PlacedEvent[] {
  const snap = (t: number | null, u: number) => {
    if (t === null) return t;
    const k = Math.round((t - phaseMs) / intervalMs);
    const tick = phaseMs + k * intervalMs;
    return Math.abs(tick - t) <= u + 1000 ? tick : t;
  };
  return placed.map((e) => ({ ...e, tMs: snap(e.tMs, e.uncertaintyMs), firstMs: snap(e.firstMs, e.uncertaintyMs) }));
}

/** A timeline from Flagger's events: ticks every interval from "Starting canary analysis" to the end of the canary's traffic. */
export function timelineFromEvents(actual: ActualRollout, placed: readonly PlacedEvent[], canary: CanarySpec, data: { fromMs: number | null; toMs: number | null }): Timeline | { error: string } {
  const intervalMs = canary.analysis.intervalMs;
  const start = actual.startMs ?? actual.weights.find((w) => w.tMs !== null)?.tMs ?? null;
  if (start === null) return { error: 'the events have no timed "Starting canary analysis" or "Advance … canary weight": the analysis cannot be placed in time' };
  const warnings: string[] = [];
  const endMs = actual.endMs;
  const last = endMs ?? data.toMs ?? start;
  const ticks: Timeline['ticks'] = [];
  let w = 0;
  const weights = actual.weights.filter((x) => x.tMs !== null) as Array<{ tMs: number; weight: number }>;
  for (let t = start, i = 0; t <= last; t += intervalMs) {
    while (i < weights.length && weights[i].tMs <= t + intervalMs / 2) w = weights[i++].weight;
    ticks.push({ tMs: t, weight: endMs !== null && t >= endMs ? 0 : w, share: null });
  }
  for (const e of placed) {
    if (e.tMs === null || !isAbout(e, canary) || e.tMs < start || (endMs !== null && e.tMs > endMs)) continue;
    const off = (((e.tMs - start) % intervalMs) + intervalMs) % intervalMs;
    const d = Math.min(off, intervalMs - off);
    if (d > e.uncertaintyMs + 1000) {
      warnings.push(`the event at ${formatClock(e.tMs)} (line ${e.line}) is ${formatSpan(d)} off the ${formatSpan(intervalMs)} tick grid from ${formatClock(start)} (the analysis interval changed, or Flagger restarted?)`);
    }
  }
  const outcome = actual.outcome === 'skipped' ? 'promoted' : actual.outcome;
  return {
    source: 'events',
    intervalMs,
    phaseMs: ((start % intervalMs) + intervalMs) % intervalMs,
    startMs: start,
    endMs,
    ticks,
    initialWeight: 0,
    startsMidAnalysis: false,
    outcome,
    reason: describeActual(actual),
    decidedAtMs: actual.decidedAtMs,
    halts: actual.halts.filter((h) => h.tMs !== null).map((h) => h.tMs as number),
    dataFromMs: data.fromMs ?? start,
    dataToMs: data.toMs ?? last,
    metric: '',
    services: { canary: [], primary: [] },
    warnings,
  };
}

/** What the traffic alone says happened. */
function actualFromTraffic(t: Timeline): ActualRollout {
  return {
    source: 'traffic',
    outcome: t.outcome,
    detectedAtMs: null,
    startMs: t.startMs,
    decidedAtMs: t.decidedAtMs,
    endMs: t.endMs,
    reason: t.reason,
    failedChecks: null,
    halts: t.halts.map((tMs) => ({ tMs, count: 1, message: 'the weight did not advance', kind: 'halt-gate' })),
    weights: t.ticks.map((x) => ({ tMs: x.tMs, weight: x.weight })),
  };
}

/** How a run compares with what happened. */
function agreement(run: DryRun, actual: ActualRollout | null): string {
  if (actual === null) return '';
  const o = run.outcome;
  if (actual.outcome === 'promoted' || actual.outcome === 'rolled-back') {
    if (o.result !== actual.outcome) return ` — differs from what happened (${actual.outcome.replace('-', ' ')})`;
    if (actual.decidedAtMs !== null && o.atMs !== null && o.atMs !== actual.decidedAtMs) return ` — as happened, but ${formatSpan(Math.abs(o.atMs - actual.decidedAtMs))} ${o.atMs < actual.decidedAtMs ? 'earlier' : 'later'}`;
    return ' — as happened';
  }
  if (actual.outcome === 'promoted-or-rolled-back') return o.result === 'undecided' ? '' : ' — consistent with the traffic';
  return '';
}

/** What the recording (and Flagger's events) say the rollout's timeline was; `replay` dry-runs the analysis on it. */
export interface ReplayTimeline {
  /** The timeline the dry runs tick on (its start is known). */
  timeline: Timeline;
  /** The timeline read from Traefik's rates (the same object when it is the one used); null when it could not be read. */
  trafficTimeline: Timeline | null;
  trafficError: string | null;
  /** What actually happened, from Flagger's events (or the traffic). */
  actual: ActualRollout | null;
  warnings: string[];
}

/**
 * The timeline of a recorded rollout, as `replay` ticks on it: from
 * Flagger's events when given (placed on the tick grid Traefik's rates
 * show), else from Traefik's rates. An error when neither gives an analysis.
 */
export function replayTimeline(input: Pick<ReplayInput, 'canary' | 'store' | 'events' | 'eventsAtMs' | 'timeline'>): { ok: true; value: ReplayTimeline } | { ok: false; errors: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const { canary, store } = input;
  const data = storeSpan(store);
  const traffic = reconstructTimeline(store, canary, input.timeline);
  const trafficTimeline = 'error' in traffic ? null : traffic;
  const trafficError = 'error' in traffic ? traffic.error : null;
  if (trafficTimeline) warnings.push(...trafficTimeline.warnings);

  let timeline: Timeline | null = trafficTimeline;
  let actual: ActualRollout | null = trafficTimeline ? actualFromTraffic(trafficTimeline) : null;
  const events = input.events ?? null;
  if (events) {
    const mine = events.events.filter((e) => isAbout(e, canary));
    const others = otherCanaries(events.events, canary);
    if (others.length > 0) warnings.push(`events of other Canaries are left out: ${others.join(', ')}`);
    if (mine.length === 0) return { ok: false, errors: [`the events name no event of Canary ${canary.name}.${canary.namespace} (or its target ${canary.target})`], warnings };
    let now = input.eventsAtMs ?? null;
    if (now === null && needsAnchor(mine)) {
      // Ages count back from when kubectl printed them: put the analysis' start where the traffic shows it.
      const anchor = mine.find((e) => e.flagger.kind === 'started' && e.time.kind === 'relative') ?? mine.find((e) => e.flagger.kind === 'advance-weight' && e.time.kind === 'relative');
      if (!trafficTimeline || trafficTimeline.startMs === null || !anchor || anchor.time.kind !== 'relative') {
        return {
          ok: false,
          errors: [`the events have ages (as kubectl prints them) but nothing to count them from: give the time they were printed (--events-at), or data in which Traefik's rates show the analysis${trafficError ? ` (${trafficError})` : ''}`],
          warnings,
        };
      }
      now = trafficTimeline.startMs + anchor.time.ageMs;
      warnings.push(`the events' ages are counted from ${formatClock(now)}, which puts "${anchor.message}" at the analysis start the traffic shows (${formatClock(trafficTimeline.startMs)})`);
    }
    let placed = placeEvents(mine, now);
    const grid = trafficTimeline && trafficTimeline.startMs !== null ? trafficTimeline : null;
    if (grid) placed = snapToGrid(placed, grid.phaseMs, canary.analysis.intervalMs);
    actual = actualFromEvents(placed, canary);
    const fromEvents = timelineFromEvents(actual, placed, canary, data);
    if ('error' in fromEvents) {
      if (!trafficTimeline) return { ok: false, errors: [fromEvents.error], warnings };
      warnings.push(`${fromEvents.error}; the traffic's timeline is used`);
    } else {
      timeline = fromEvents;
      warnings.push(...fromEvents.warnings);
      if (trafficTimeline && trafficTimeline.startMs !== null && fromEvents.startMs !== null && Math.abs(trafficTimeline.startMs - fromEvents.startMs) >= canary.analysis.intervalMs / 2) {
        warnings.push(`the events start the analysis at ${formatClock(fromEvents.startMs)} but the canary's traffic starts at ${formatClock(trafficTimeline.startMs)}: the events' times are used`);
      }
    }
  }
  if (timeline === null) return { ok: false, errors: [trafficError ?? 'no timeline'], warnings };
  if (timeline.startMs === null) return { ok: false, errors: [`no analysis to replay: ${timeline.reason}`], warnings };
  if (strategyOf(canary.analysis) !== 'canary' && timeline.source === 'traffic') warnings.push('the analysis is not a canary (stepWeight) one: ticks come from when the canary had traffic');
  return { ok: true, value: { timeline, trafficTimeline, trafficError, actual, warnings } };
}

/**
 * Replays a recorded rollout: reconstructs its timeline (Flagger's events
 * when given, else Traefik's rates), runs the Canary's analysis over it as
 * written and with the candidate settings, and compares.
 */
export function replay(input: ReplayInput): ReplayOutcome {
  const { canary, store } = input;
  const data = storeSpan(store);
  const parsedOverrides = parseOverrides(input.overrides ?? []);
  if (parsedOverrides.errors.length > 0) return { ok: false, errors: parsedOverrides.errors, warnings: [] };
  const candidate = parsedOverrides.overrides.length > 0 ? applyOverrides(canary, parsedOverrides.overrides) : null;
  if (candidate && !candidate.ok) return { ok: false, errors: candidate.errors, warnings: [] };

  const read = replayTimeline(input);
  if (!read.ok) return read;
  const { timeline, trafficTimeline, trafficError, actual, warnings } = read.value;

  const runs: DryRun[] = [dryRun('as written', [], canary, input.templates, store, timeline, input.dryRun)];
  if (candidate && candidate.ok) runs.push(dryRun('candidate', parsedOverrides.overrides.map((o) => o.text), candidate.canary, input.templates, store, timeline, input.dryRun));

  const comparison: string[] = [];
  if (actual) comparison.push(`actual (${actual.source === 'events' ? "Flagger's events" : "Traefik's rates"}): ${actual.source === 'events' ? describeActual(actual) : actual.reason}`);
  for (const run of runs) {
    const who = run.overrides.length > 0 ? `with ${run.overrides.join(', ')}` : 'the Canary as written';
    comparison.push(`${who}: ${describeRun(run)}${agreement(run, actual)}`);
  }
  return { ok: true, result: { canary: `${canary.namespace}/${canary.name}`, data, timeline, trafficTimeline, trafficError, actual, runs, comparison, warnings } };
}
