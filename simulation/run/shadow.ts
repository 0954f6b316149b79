import type { ArgoTemplate } from '../judges/argo';
import { type AnalysisPhase, type AnalysisRun, createAnalysisRun } from '../judges/argo-run';
import { type AnalysisJudgement, judgeConsecutive } from '../judges/consecutive';
import { type KayentaCanaryConfig, type KayentaJudgement, type KayentaScopes, type KayentaThresholds, type KayentaWindow, kayentaJudgementWindows, runKayentaJudgement, traefikScopes } from '../judges/kayenta';
import { instantQuery, rangeQuery } from '../promql/engine';
import type { CanaryEvent, CanarySpec, MetricCheck, Phase, TickRecord } from '../rollout/types';
import type { SeriesStore } from '../telemetry/tsdb';
import { clock } from '../util/time';

/**
 * Shadow judges in a run (docs/judges.md, "In a run"): other canary judges —
 * an Argo Rollouts AnalysisRun, a Kayenta canary analysis, Flagger's
 * threshold counted consecutively — evaluate the same simulated rollout in
 * dry run while Flagger's analysis keeps acting. They read the run's
 * Prometheus (the scraped store) and Flagger's run record, and nothing else:
 * no kernel events, no random draws, no port into the world, so Flagger's
 * record is the same with and without them.
 *
 * Each judge watches Flagger's analysis (see {@link shadowWindow}): it starts
 * at the analysis' first tick with canary traffic and stops at the tick that
 * ends the analysis (Flagger's promotion or rollback, a restart for a new
 * revision) or at the end of the run. Its verdict — promote, roll back,
 * inconclusive, or undecided when the watch ended first — comes with the
 * simulated second it was reached and its reason.
 *
 * Advancing is lazy and exact: {@link ShadowJudges.advance} is called with a
 * time up to which the simulation has processed every event, and measures or
 * judges everything due up to it. Queries only see samples up to their own
 * time, so judging after the fact gives what judging live would: a run
 * advanced in one go, step by step, or replayed after a seek gives the same
 * verdicts, byte for byte.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

/** What a shadow judge would do to the rollout. */
export type ShadowDecision = 'promote' | 'rollback' | 'inconclusive' | 'undecided';

export type ShadowJudgeKind = 'argo' | 'kayenta' | 'consecutive';

interface JudgeSpecBase {
  name: string;
  /** The Canary it shadows, namespace/name. */
  canary: string;
}

/** An Argo Rollouts AnalysisRun of one or more templates, with the run's argument values. */
export interface ArgoJudgeSpec extends JudgeSpecBase {
  judge: 'argo';
  templates: readonly ArgoTemplate[];
  args: Readonly<Record<string, string>>;
}

/** A Kayenta canary analysis of the canary (experiment) against the primary (control), in milliseconds. */
export interface KayentaJudgeSpec extends JudgeSpecBase {
  judge: 'kayenta';
  config: KayentaCanaryConfig;
  lifetimeMs: number;
  /** One judgement per interval; null: one judgement over the lifetime. */
  intervalMs: number | null;
  beginAfterMs: number;
  /** Sliding windows of this length; 0: growing windows. */
  lookbackMs: number;
  stepMs: number;
  /** Null: the config's scoreThresholds. */
  thresholds: KayentaThresholds | null;
}

/** Flagger's threshold counted as failed checks in a row. */
export interface ConsecutiveJudgeSpec extends JudgeSpecBase {
  judge: 'consecutive';
  /** Null: the Canary's own analysis.threshold (a sweep's configuration's, in the tuning lab). */
  threshold: number | null;
}

export type ShadowJudgeSpec = ArgoJudgeSpec | KayentaJudgeSpec | ConsecutiveJudgeSpec;

/** One measurement of an Argo metric, in simulated seconds. */
export interface ArgoShadowMeasurement {
  t: number;
  phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  /** Argo's value: "[v1,v2]" for a vector, the number for a scalar; '' on an error. */
  value: string;
  /** An Error's message. */
  message?: string;
}

export interface ArgoShadowDetails {
  /** The AnalysisRun's phase ('Pending' before it starts). */
  phase: AnalysisPhase;
  /** Argo's run message ('' when Argo has none). */
  message: string;
  metrics: Array<{ name: string; phase: AnalysisPhase; reason: string; dryRun: boolean; successful: number; failed: number; inconclusive: number; error: number; measurements: ArgoShadowMeasurement[] }>;
}

export interface KayentaShadowDetails {
  /** Judgements the lifetime allows. */
  planned: number;
  thresholds: KayentaThresholds;
  /** Each judgement made: its window (simulated seconds), score, classification and each metric's. */
  judgements: Array<{ from: number; to: number; score: number; verdict: 'Pass' | 'Marginal' | 'Fail'; reason: string; metrics: Array<{ name: string; tags?: Record<string, string>; classification: string; reason: string }> }>;
}

export interface ConsecutiveShadowDetails {
  threshold: number;
  /** The longest run of failed checks in a row. */
  longestStreak: number;
  /** How the consecutive rule compares with Flagger's cumulative one (judges/consecutive.ts); null before the analysis. */
  comparison: AnalysisJudgement['verdict'] | null;
  /** Every check of the analysis: Flagger's cumulative count and the consecutive streak after it. */
  checks: Array<{ t: number; result: 'failed' | 'passed'; cumulative: number; streak: number }>;
}

interface VerdictBase {
  name: string;
  canary: string;
  verdict: ShadowDecision;
  /** Simulated second the verdict was reached; null when undecided. */
  at: number | null;
  /** Why, in words. */
  reason: string;
  /** When the judge started watching: the analysis' first tick with canary traffic; null before it. */
  from: number | null;
  /** When its watch ended (Flagger's decision, a restart, the run's end); null while it goes on. */
  to: number | null;
}

/** One shadow judge's verdict on the run (`RunResult.shadow`); it never acted on the rollout. */
export type ShadowVerdict = (VerdictBase & { judge: 'argo'; details: ArgoShadowDetails }) | (VerdictBase & { judge: 'kayenta'; details: KayentaShadowDetails }) | (VerdictBase & { judge: 'consecutive'; details: ConsecutiveShadowDetails });

/** The part of Flagger's run record a judge watches: a `CanaryRecord`. */
export interface WatchedRecord {
  timeline: readonly TickRecord[];
  events: readonly CanaryEvent[];
  checks: readonly MetricCheck[];
}

/** How the analysis a judge watched ended. */
export interface WatchEnd {
  t: number;
  /** promote: Flagger decided to promote (Promoting, or Succeeded); rollback: Failed; restart: a new revision restarted the analysis; other: another phase. */
  kind: 'promote' | 'rollback' | 'restart' | 'other';
  phase: Phase;
}

/** The stretch of a run a shadow judge watches. */
export interface ShadowWindow {
  /** The analysis' first tick with canary traffic; null until there is one. */
  start: number | null;
  end: WatchEnd | null;
}

const ANALYSING: ReadonlySet<Phase> = new Set(['Progressing', 'WaitingPromotion']);
const RESTART = 'New revision detected! Restarting analysis';

/**
 * The stretch of Flagger's record a shadow judge watches, from the tick records alone:
 *
 * - **start**: the first tick in phase Progressing that sends the canary traffic: the router gives it a share
 *   (`primaryWeight < 100`: the canary strategy's first step), or Flagger counts an iteration (`iterations > 0`:
 *   blue/green, A/B testing and mirroring, whose canary gets its traffic from a header match, a mirror or a load
 *   test while the weights stay 100/0). The tick that only detects the new revision and scales the canary up is not
 *   the start: the canary serves nothing yet.
 * - **end**: the first later tick that is neither Progressing nor WaitingPromotion (Promoting or Succeeded: Flagger
 *   promotes; Failed: it rolls back), or that restarts the analysis for a new revision; null while the analysis goes
 *   on. Judgements due at the end tick itself are made: they read what Flagger read at that moment.
 *
 * Only the first analysis with canary traffic is watched.
 */
export function shadowWindow(record: Pick<WatchedRecord, 'timeline' | 'events'>): ShadowWindow {
  let start: number | null = null;
  let e = 0;
  const events = record.events;
  for (const r of record.timeline) {
    if (start === null) {
      if (r.phase === 'Progressing' && (r.primaryWeight < 100 || r.iterations > 0)) start = r.t;
      continue;
    }
    if (!ANALYSING.has(r.phase)) {
      const kind = r.phase === 'Promoting' || r.phase === 'Succeeded' ? 'promote' : r.phase === 'Failed' ? 'rollback' : 'other';
      return { start, end: { t: r.t, kind, phase: r.phase } };
    }
    while (e < events.length && events[e].t < r.t) e++;
    for (let k = e; k < events.length && events[k].t === r.t; k++) if (events[k].message.startsWith(RESTART)) return { start, end: { t: r.t, kind: 'restart', phase: r.phase } };
  }
  return { start, end: null };
}

/** Why the watch ended, in words. */
export function endText(end: WatchEnd): string {
  switch (end.kind) {
    case 'promote':
      return `Flagger decided to promote at ${clock(end.t)}`;
    case 'rollback':
      return `Flagger rolled back at ${clock(end.t)}`;
    case 'restart':
      return `a new revision restarted Flagger's analysis at ${clock(end.t)}`;
    default:
      return `Flagger's analysis ended at ${clock(end.t)} (${end.phase})`;
  }
}

/** What a run gives its shadow judges. */
export interface ShadowPorts {
  store: SeriesStore;
  /** Simulated seconds to the store's Unix milliseconds. */
  timestamp(t: number): number;
  /** Flagger's record of a Canary (namespace/name) so far; null without one. */
  record(canary: string): WatchedRecord | null;
  /** The Canary (namespace/name) as the run compiled it; null without one. */
  canary(canary: string): CanarySpec | null;
}

/** Where a judge stands, for the undecided reasons. */
interface Progress {
  window: ShadowWindow;
  /** Time advanced to (every event up to it processed). */
  now: number;
  /** The run reached its end. */
  ended: boolean;
}

const NOT_STARTED: ShadowWindow = { start: null, end: null };

/** The undecided verdict's reason: waiting, judging, or why the watch ended first. */
function undecidedReason(p: Progress, progress: string): string {
  const w = p.window;
  if (w.start === null) return p.ended ? `Flagger's analysis never sent the canary traffic before the run ended at ${clock(p.now)}: nothing to judge` : "waiting for Flagger's analysis to send the canary traffic";
  if (w.end) return `${endText(w.end)}, before the judge decided (${progress})`;
  if (p.ended) return `the run ended at ${clock(p.now)} before the judge decided (${progress})`;
  return `judging since ${clock(w.start)} (${progress})`;
}

abstract class Judge {
  protected progress: Progress = { window: NOT_STARTED, now: 0, ended: false };

  constructor(
    readonly spec: ShadowJudgeSpec,
    protected readonly ports: ShadowPorts,
  ) {}

  /** Judged up to here (seconds). */
  private judgedTo = -Infinity;

  /** Takes everything due up to `now`. */
  advance(now: number, ended: boolean): void {
    const record = this.ports.record(this.spec.canary);
    // Only the first analysis with canary traffic is watched: once its end is known, the window is final.
    const known = this.progress.window;
    const window = known.end ? known : record ? shadowWindow(record) : NOT_STARTED;
    this.progress = { window, now, ended };
    if (window.start === null) return;
    // The watch stops at the end tick (inclusive); the end is known only once that tick ran, so it is never after now.
    const until = window.end ? Math.min(window.end.t, now) : now;
    // Past the end, everything due is judged already.
    if (window.end && until === this.judgedTo) return;
    this.judgedTo = until;
    this.judge(window.start, until, record as WatchedRecord);
  }

  protected abstract judge(start: number, until: number, record: WatchedRecord): void;

  abstract verdict(): ShadowVerdict;

  /** Simulated seconds of a store timestamp. */
  protected seconds(ms: number): number {
    return (ms - this.ports.timestamp(0)) / 1000;
  }

  /** A verdict's fields after its name and judge (which the caller puts first). */
  protected base(verdict: ShadowDecision, at: number | null, reason: string): Omit<VerdictBase, 'name'> {
    const w = this.progress.window;
    const to = w.end ? w.end.t : this.progress.ended && w.start !== null ? this.progress.now : null;
    return { canary: this.spec.canary, verdict, at, reason, from: w.start, to };
  }
}

class ArgoJudge extends Judge {
  private run: AnalysisRun | null = null;
  private failed: string | null = null;

  declare readonly spec: ArgoJudgeSpec;

  protected judge(start: number, until: number): void {
    if (this.run === null && this.failed === null) {
      const store = this.ports.store;
      const created = createAnalysisRun(this.spec.templates, { startMs: this.ports.timestamp(start), args: this.spec.args, query: (q, t) => instantQuery(store, q, t) });
      if (created.ok) this.run = created.run;
      else this.failed = created.message;
    }
    this.run?.advanceTo(this.ports.timestamp(until));
  }

  verdict(): ShadowVerdict {
    const run = this.run;
    const details: ArgoShadowDetails = run
      ? {
          phase: run.phase,
          message: run.message,
          metrics: run.metrics().map((m) => ({
            name: m.name,
            phase: m.phase,
            reason: m.reason,
            dryRun: m.dryRun,
            successful: m.successful,
            failed: m.failed,
            inconclusive: m.inconclusive,
            error: m.error,
            measurements: m.measurements.map((x) => ({ t: this.seconds(x.atMs), phase: x.phase, value: x.value, ...(x.phase === 'Error' ? { message: x.message } : {}) })),
          })),
        }
      : { phase: this.failed === null ? 'Pending' : 'Error', message: this.failed ?? '', metrics: [] };
    const make = (verdict: ShadowDecision, at: number | null, reason: string): ShadowVerdict => ({ name: this.spec.name, judge: 'argo', ...this.base(verdict, at, reason), details });
    if (this.failed !== null) return make('rollback', this.progress.window.start, `the AnalysisRun could not be created (${this.failed}): it ends in Error at once, and Argo aborts the rollout`);
    if (run && run.completed && run.decidedAtMs !== null) {
      const at = this.seconds(run.decidedAtMs);
      const why = run.message || run.reason;
      if (run.phase === 'Successful') return make('promote', at, `AnalysisRun Successful at ${clock(at)}: ${run.reason}`);
      if (run.phase === 'Inconclusive') return make('inconclusive', at, `AnalysisRun Inconclusive at ${clock(at)}: ${why}; Argo pauses the rollout for a person to decide`);
      return make('rollback', at, `AnalysisRun ${run.phase} at ${clock(at)}: ${why}; Argo aborts the rollout`);
    }
    const n = run ? run.measurements().length : 0;
    return make('undecided', null, undecidedReason(this.progress, `AnalysisRun ${run?.phase ?? 'Pending'}, ${n} measurement${n === 1 ? '' : 's'} taken`));
  }
}

class KayentaJudge extends Judge {
  private windows: KayentaWindow[] | null = null;
  private readonly judgements: KayentaJudgement[] = [];
  private outcome: { verdict: ShadowDecision; at: number; reason: string } | null = null;

  declare readonly spec: KayentaJudgeSpec;

  private thresholds(): KayentaThresholds {
    return this.spec.thresholds ?? this.spec.config.scoreThresholds;
  }

  private scopes(): KayentaScopes | null {
    const c = this.ports.canary(this.spec.canary);
    return c ? traefikScopes(c.namespace, c.apex, c.port) : null;
  }

  protected judge(start: number, until: number): void {
    if (this.outcome) return;
    const s = this.spec;
    this.windows ??= kayentaJudgementWindows({ startMs: this.ports.timestamp(start), lifetimeMs: s.lifetimeMs, intervalMs: s.intervalMs ?? undefined, beginAfterMs: s.beginAfterMs, lookbackMs: s.lookbackMs, stepMs: s.stepMs });
    const windows = this.windows;
    const limit = this.ports.timestamp(until);
    const scopes = this.scopes();
    const store = this.ports.store;
    const th = this.thresholds();
    while (scopes && this.outcome === null && this.judgements.length < windows.length && windows[this.judgements.length].endMs <= limit) {
      const i = this.judgements.length;
      const w = windows[i];
      const j = runKayentaJudgement(s.config, scopes, w, (q, from, to, step) => rangeQuery(store, q, from, to, step), { thresholds: th });
      this.judgements.push(j);
      const at = this.seconds(w.endMs);
      const which = `judgement ${i + 1} of ${windows.length}`;
      // As runKayentaAnalysis: an earlier judgement at or below the marginal threshold stops the analysis; the last decides.
      if (i < windows.length - 1) {
        if (j.score <= th.marginal) this.outcome = { verdict: 'rollback', at, reason: `${which} scored ${j.score}, at or below the marginal threshold ${th.marginal}: Kayenta stops the analysis, failed (${j.reason})` };
        continue;
      }
      if (j.score >= th.pass) this.outcome = { verdict: 'promote', at, reason: `the last judgement (${which}) scored ${j.score}, at least the pass threshold ${th.pass}: Pass (${j.reason})` };
      else if (j.verdict === 'Marginal') {
        this.outcome = { verdict: 'inconclusive', at, reason: `the last judgement (${which}) scored ${j.score}, Marginal (at least ${th.marginal}, below ${th.pass}): Kayenta fails an analysis that ends below the pass threshold; in shadow a Marginal ending is inconclusive, for a person to decide (${j.reason})` };
      } else this.outcome = { verdict: 'rollback', at, reason: `the last judgement (${which}) scored ${j.score}, below the marginal threshold ${th.marginal}: Fail (${j.reason})` };
    }
  }

  verdict(): ShadowVerdict {
    const details: KayentaShadowDetails = {
      planned: this.windows?.length ?? 0,
      thresholds: this.thresholds(),
      judgements: this.judgements.map((j) => ({
        from: j.window ? this.seconds(j.window.startMs) : 0,
        to: j.window ? this.seconds(j.window.endMs) : 0,
        score: j.score,
        verdict: j.verdict,
        reason: j.reason,
        metrics: j.metrics.map((m) => ({ name: m.name, ...(Object.keys(m.tags).length > 0 ? { tags: { ...m.tags } } : {}), classification: m.classification, reason: m.reason })),
      })),
    };
    const make = (verdict: ShadowDecision, at: number | null, reason: string): ShadowVerdict => ({ name: this.spec.name, judge: 'kayenta', ...this.base(verdict, at, reason), details });
    if (this.outcome) return make(this.outcome.verdict, this.outcome.at, this.outcome.reason);
    const planned = this.windows?.length ?? 0;
    const next = this.windows?.[this.judgements.length];
    const upcoming = next ? `, the next at ${clock(this.seconds(next.endMs))}` : '';
    return make('undecided', null, undecidedReason(this.progress, `${this.judgements.length} of ${planned} judgement${planned === 1 ? '' : 's'} made${upcoming}`));
  }
}

class ConsecutiveJudge extends Judge {
  private analysis: AnalysisJudgement | null = null;
  private threshold = 1;

  declare readonly spec: ConsecutiveJudgeSpec;

  protected judge(start: number, _until: number, record: WatchedRecord): void {
    this.threshold = this.spec.threshold ?? this.ports.canary(this.spec.canary)?.analysis.threshold ?? 1;
    const j = judgeConsecutive(record, this.threshold);
    this.threshold = j.threshold;
    this.analysis = j.analyses[analysisIndexAt(record.timeline, start)] ?? null;
  }

  verdict(): ShadowVerdict {
    const a = this.analysis;
    const details: ConsecutiveShadowDetails = {
      threshold: this.spec.threshold ?? this.threshold,
      longestStreak: a?.longestStreak ?? 0,
      comparison: a?.verdict ?? null,
      checks: (a?.checks ?? []).map((c) => ({ t: c.t, result: c.result, cumulative: c.cumulative, streak: c.streak })),
    };
    const make = (verdict: ShadowDecision, at: number | null, reason: string): ShadowVerdict => ({ name: this.spec.name, judge: 'consecutive', ...this.base(verdict, at, reason), details });
    const n = details.threshold;
    const progress = `${details.checks.length} check${details.checks.length === 1 ? '' : 's'}, longest run of failures ${details.longestStreak} of ${n}`;
    if (!a || this.progress.window.start === null) return make('undecided', null, undecidedReason(this.progress, progress));
    switch (a.verdict) {
      case 'both-rolled-back':
        return make('rollback', a.variant?.t ?? a.flagger.t, a.explanation);
      case 'same-other-rollback':
        return make('rollback', a.flagger.t, a.explanation);
      case 'flagger-only':
        return make('undecided', null, a.explanation);
      case 'both-due':
        return make('undecided', null, this.progress.ended ? a.explanation : `${a.variant?.streak ?? n} failed checks in a row by ${clock(a.variant?.reachedAt ?? 0)} reached the threshold of ${n}: the consecutive rule rolls back at Flagger's next check`);
      case 'neither':
        if (a.flagger.promoted && a.flagger.t !== null) return make('promote', a.flagger.t, a.explanation);
        return make('undecided', null, a.flagger.t !== null ? a.explanation : undecidedReason(this.progress, progress));
    }
  }
}

/** Which analysis (judges/consecutive.ts numbering: entering Progressing, or Flagger zeroing its count) holds tick `t`. */
function analysisIndexAt(timeline: readonly TickRecord[], t: number): number {
  let prev: TickRecord | null = null;
  let n = -1;
  for (const r of timeline) {
    if (r.t > t) break;
    const was = prev !== null && ANALYSING.has(prev.phase);
    if (ANALYSING.has(r.phase) && (!was || r.failedChecks < (prev as TickRecord).failedChecks)) n++;
    prev = r;
  }
  return Math.max(0, n);
}

/** A run's shadow judges, in the scenario's order. */
export class ShadowJudges {
  private readonly judges: Judge[];

  constructor(specs: readonly ShadowJudgeSpec[], ports: ShadowPorts) {
    this.judges = specs.map((s) => (s.judge === 'argo' ? new ArgoJudge(s, ports) : s.judge === 'kayenta' ? new KayentaJudge(s, ports) : new ConsecutiveJudge(s, ports)));
  }

  /** Measures and judges everything due up to `now` (seconds; every event up to it processed); `ended`: the run is over. */
  advance(now: number, ended: boolean): void {
    for (const j of this.judges) j.advance(now, ended);
  }

  /** Each judge's verdict so far. */
  results(): ShadowVerdict[] {
    return this.judges.map((j) => j.verdict());
  }
}

/** The PromQL the judges send (templates and args unexpanded), so a sweep knows whether they may read what SLO rules record. */
export function shadowQueryTexts(specs: readonly ShadowJudgeSpec[]): string[] {
  const out: string[] = [];
  for (const s of specs) {
    if (s.judge === 'argo') for (const t of s.templates) for (const m of t.metrics) if (m.provider) out.push(m.provider.query.value);
    if (s.judge === 'kayenta') for (const m of s.config.metrics) out.push(m.query.kind === 'promql' ? m.query.template : m.query.metricName);
  }
  return out;
}
